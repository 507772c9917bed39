//! Participation statistics as JSON, CSV, XLSX or an SVG chart. Scoped to the organiser's
//! organisation: another organisation's network or event is a 404.
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use super::exports::{download, parse_delimiter, xlsx, Format};
use crate::db::{self, stats::StatsScope};
use crate::domain::{EventKind, FieldErrors};
use crate::export::{self, chart, participation, Delimiter};
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::mail::format::zone;
use crate::stats::{self, Participation};

/// Query of the participation statistics. Dates are the organisation's local dates, both
/// ends included; `year` is a shorthand for 1 January to 31 December.
#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
    year: Option<String>,
    network: Option<String>,
    event: Option<String>,
    kind: Option<String>,
    format: Option<String>,
    delimiter: Option<String>,
    /// Which table a CSV holds: municipalities (default), regions or events.
    table: Option<String>,
}

/// Which CSV table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvTable {
    Municipalities,
    Regions,
    Events,
}

/// A checked query.
struct StatsRequest {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// Set when the period is exactly one calendar year given as `year`.
    year: Option<i32>,
    network: Option<String>,
    event_id: Option<Uuid>,
    kind: Option<String>,
    format: Format,
    delimiter: Delimiter,
    table: CsvTable,
}

impl StatsQuery {
    /// Every problem at once, by field.
    fn check(self, forced: Option<Format>) -> Result<StatsRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut date = |field: &str, raw: Option<&str>| {
            raw.and_then(|raw| match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.insert(field.into(), "must be a date like 2025-01-31".into());
                    None
                }
            })
        };
        let mut from = date("from", self.from.as_deref());
        let mut to = date("to", self.to.as_deref());
        let mut year = None;
        if let Some(raw) = self.year.as_deref() {
            match raw
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
            {
                Some(y) => {
                    from = from.or(NaiveDate::from_ymd_opt(y, 1, 1));
                    to = to.or(NaiveDate::from_ymd_opt(y, 12, 31));
                    year = (self.from.is_none() && self.to.is_none()).then_some(y);
                }
                None => {
                    errors.insert("year".into(), "must be a year like 2025".into());
                }
            }
        }
        if from.zip(to).is_some_and(|(f, t)| f > t) {
            errors.insert("to".into(), "must not be before from".into());
        }
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k @ ("gathering" | "webinar" | "conference" | "course")) => {
                Some(EventKind::from_db(k).as_str().to_string())
            }
            Some(_) => {
                errors.insert(
                    "kind".into(),
                    "must be gathering, webinar, conference or course".into(),
                );
                None
            }
        };
        let format = match (forced, self.format.as_deref()) {
            (Some(f), _) => f,
            (None, None | Some("json")) => Format::Json,
            (None, Some("csv")) => Format::Csv,
            (None, Some("xlsx")) => Format::Xlsx,
            (None, Some("svg")) => Format::Svg,
            (None, Some(_)) => {
                errors.insert("format".into(), "must be json, csv, xlsx or svg".into());
                Format::Json
            }
        };
        let delimiter = parse_delimiter(self.delimiter.as_deref(), &mut errors);
        let table = match self.table.as_deref() {
            None | Some("municipalities") => CsvTable::Municipalities,
            Some("regions") => CsvTable::Regions,
            Some("events") => CsvTable::Events,
            Some(_) => {
                errors.insert(
                    "table".into(),
                    "must be municipalities, regions or events".into(),
                );
                CsvTable::Municipalities
            }
        };
        let event_id = self.event.as_deref().and_then(|raw| {
            Uuid::parse_str(raw)
                .map_err(|_| errors.insert("event".into(), "must be an event id".into()))
                .ok()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StatsRequest {
            from,
            to,
            year,
            network: self.network,
            event_id,
            kind,
            format,
            delimiter,
            table,
        })
    }
}

fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// "Deltakelse USHT Vestfold Demensnettverket 2025".
fn file_stem(organisation: &str, network: Option<&str>, request: &StatsRequest) -> String {
    let mut stem = format!("Deltakelse {organisation}");
    if let Some(network) = network {
        stem.push_str(&format!(" {network}"));
    }
    if let Some(year) = request.year {
        stem.push_str(&format!(" {year}"));
    } else {
        if let Some(f) = request.from {
            stem.push_str(&format!(" fra {f}"));
        }
        if let Some(t) = request.to {
            stem.push_str(&format!(" til {t}"));
        }
    }
    stem
}

fn render(
    table: Participation,
    request: &StatsRequest,
    stem: &str,
    tz: Tz,
) -> Result<Response, ApiError> {
    Ok(match request.format {
        Format::Json => Json(table).into_response(),
        Format::Csv => {
            let sheet = match request.table {
                CsvTable::Municipalities => participation::municipalities(&table),
                CsvTable::Regions => participation::regions(&table),
                CsvTable::Events => participation::events(&table, tz),
            };
            download(Format::Csv, stem, export::to_csv(&sheet, request.delimiter))
        }
        Format::Xlsx => {
            let sheets = [
                participation::municipalities(&table),
                participation::regions(&table),
                participation::events(&table, tz),
            ];
            download(Format::Xlsx, stem, xlsx(&sheets)?)
        }
        Format::Svg => {
            let title = format!("{stem}: deltakere per 1000 innbyggere");
            download(
                Format::Svg,
                stem,
                chart::per_1000_chart(&table, &title).into_bytes(),
            )
        }
    })
}

async fn participation_in(
    state: AppState,
    me: Organiser,
    query: StatsQuery,
    forced: Option<Format>,
) -> Result<Response, ApiError> {
    let request = query.check(forced).map_err(ApiError::invalid)?;
    let organisation = db::organisations::find(&state.db.conn, me.0.organisation_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let tz = zone(&organisation.time_zone);
    let network = match request.network.as_deref() {
        None => None,
        Some(slug) => Some(
            db::networks::find_by_slug(&state.db.conn, slug)
                .await?
                .filter(|n| n.organisation_id == organisation.id)
                .ok_or_else(ApiError::not_found)?,
        ),
    };
    if let Some(id) = request.event_id {
        db::events::find(&state.db.conn, id)
            .await?
            .filter(|e| e.organisation_id == organisation.id)
            .ok_or_else(ApiError::not_found)?;
    }
    let scope = StatsScope {
        organisation_id: organisation.id,
        from: request.from.map(|d| local_midnight(d, tz)),
        until: request
            .to
            .and_then(|d| d.succ_opt())
            .map(|d| local_midnight(d, tz)),
        network_id: network.as_ref().map(|n| n.id),
        event_id: request.event_id,
        kind: request.kind.clone(),
        now: Utc::now(),
    };
    let table = stats::compute(&state.db, &scope).await?;
    let stem = file_stem(
        &organisation.name,
        network.as_ref().map(|n| n.name.as_str()),
        &request,
    );
    render(table, &request, &stem, tz)
}

/// `GET /stats/participation` (`?format=json|csv|xlsx|svg`).
pub async fn participation_stats(
    State(state): State<AppState>,
    me: Organiser,
    Query(query): Query<StatsQuery>,
) -> Result<Response, ApiError> {
    participation_in(state, me, query, None).await
}

/// `GET /stats/participation.csv`, `.xlsx`, `.svg`: the same, format by extension.
pub async fn participation_file(
    State(state): State<AppState>,
    me: Organiser,
    Path(file): Path<String>,
    Query(query): Query<StatsQuery>,
) -> Result<Response, ApiError> {
    let format = match file.as_str() {
        "participation.csv" => Format::Csv,
        "participation.xlsx" => Format::Xlsx,
        "participation.svg" => Format::Svg,
        "participation.json" => Format::Json,
        _ => return Err(ApiError::not_found()),
    };
    participation_in(state, me, query, Some(format)).await
}
