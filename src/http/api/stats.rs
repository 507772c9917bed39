//! Participation statistics as JSON, CSV, XLSX or an SVG chart. Scoped to the organiser's
//! organisation: another organisation's network or event is a 404.
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use super::exports::{download, parse_delimiter, xlsx, Format};
use crate::db::entities::organiser;
use crate::db::{self, stats::StatsScope};
use crate::domain::period::{self, ReportingPeriod};
use crate::domain::{EventKind, FieldErrors, Problem};
use crate::export::{self, chart, participation, Delimiter};
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::service::audit::{self, Action, Who};
use crate::service::stats::{self, Participation};

use super::schema::{Binary, InvalidInput, NotFound};

/// Query of the participation statistics. Dates are the organisation's local dates, both
/// ends included; `year` is a shorthand for 1 January to 31 December.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day (the organisation's local date), included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Last day (the organisation's local date), included; not before `from`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// A calendar year: 1 January to 31 December (`from` and `to` narrow it).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// Only this network's events (its slug; 404 for another organisation's).
    pub network: Option<String>,
    /// Only this event (404 for another organisation's).
    #[param(value_type = Option<uuid::Uuid>)]
    pub event: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<crate::domain::EventKind>)]
    pub kind: Option<String>,
    /// The answer's format (default `json`).
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<Delimiter>, inline)]
    pub delimiter: Option<String>,
    /// Which table a CSV holds: municipalities (default), regions or events.
    #[param(value_type = Option<CsvTable>, inline)]
    pub table: Option<String>,
}

/// Which table a statistics CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
enum CsvTable {
    Municipalities,
    Regions,
    Events,
}

/// A checked query.
struct StatsRequest {
    period: ReportingPeriod,
    network: Option<String>,
    event_id: Option<Uuid>,
    kind: Option<EventKind>,
    format: Format,
    delimiter: Delimiter,
    table: CsvTable,
}

impl StatsQuery {
    /// Every problem at once, by field.
    fn check(self, forced: Option<Format>) -> Result<StatsRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let period = ReportingPeriod::parse(
            self.year.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            &mut errors,
        );
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => EventKind::parse(k).or_else(|| {
                errors.insert(
                    "kind",
                    Problem::choice(&["gathering", "webinar", "conference", "course"]),
                );
                None
            }),
        };
        let format = match (forced, self.format.as_deref()) {
            (Some(f), _) => f,
            (None, None | Some("json")) => Format::Json,
            (None, Some("csv")) => Format::Csv,
            (None, Some("xlsx")) => Format::Xlsx,
            (None, Some("svg")) => Format::Svg,
            (None, Some(_)) => {
                errors.insert("format", Problem::choice(&["json", "csv", "xlsx", "svg"]));
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
                    "table",
                    Problem::choice(&["municipalities", "regions", "events"]),
                );
                CsvTable::Municipalities
            }
        };
        let event_id = self.event.as_deref().and_then(|raw| {
            Uuid::parse_str(raw)
                .map_err(|_| errors.insert("event", Problem::NotAnEventId))
                .ok()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StatsRequest {
            period,
            network: self.network,
            event_id,
            kind,
            format,
            delimiter,
            table,
        })
    }
}

/// "Deltakelse USHT Vestfold Demensnettverket 2025".
fn file_stem(organisation: &str, network: Option<&str>, request: &StatsRequest) -> String {
    let mut stem = format!("Deltakelse {organisation}");
    if let Some(network) = network {
        stem.push_str(&format!(" {network}"));
    }
    if let Some(year) = request.period.year {
        stem.push_str(&format!(" {year}"));
    } else {
        if let Some(f) = request.period.from {
            stem.push_str(&format!(" fra {f}"));
        }
        if let Some(t) = request.period.to {
            stem.push_str(&format!(" til {t}"));
        }
    }
    stem
}

async fn render(
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
            download(Format::Xlsx, stem, xlsx(sheets.to_vec()).await?)
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

/// A checked statistics request and the table it asks for.
pub struct Prepared {
    pub table: Participation,
    request: StatsRequest,
    pub stem: String,
    /// The organisation's zone, which the period's dates are in.
    pub tz: Tz,
}

impl Prepared {
    /// The answer in the asked format (JSON, CSV, XLSX or SVG), written to the audit log
    /// with the number of participants it counts.
    pub async fn respond(
        self,
        state: &AppState,
        by: &organiser::Model,
    ) -> Result<Response, ApiError> {
        let subject = format!("{} ({})", self.stem, self.request.format.extension());
        let participants = self.table.totals.counts.participants as i64;
        let response = render(self.table, &self.request, &self.stem, self.tz).await?;
        audit::record(
            &state.db,
            None,
            Who::Organiser(by),
            Action::StatisticsDownload,
            &subject,
            Some(participants),
            state.clock.now(),
        )
        .await;
        Ok(response)
    }
}

/// Checks a statistics query for `organisation_id` and counts the table (the desk's page
/// and downloads use this too).
pub async fn prepare(
    state: &AppState,
    organisation_id: Uuid,
    query: StatsQuery,
    forced: Option<Format>,
) -> Result<Prepared, ApiError> {
    let request = query.check(forced).map_err(ApiError::invalid)?;
    let organisation = db::organisations::find(&state.db.conn, organisation_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let tz = period::zone(&organisation.time_zone);
    let network = match request.network.as_deref() {
        None => None,
        Some(slug) => Some(
            crate::service::networks::of_organisation(&state.db, organisation.id, slug)
                .await?
                .ok_or_else(ApiError::not_found)?,
        ),
    };
    if let Some(id) = request.event_id {
        crate::service::events::of_organisation(&state.db, organisation.id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
    }
    let (from, until) = request.period.utc_range(tz);
    let scope = StatsScope {
        organisation_id: organisation.id,
        from,
        until,
        network_id: network.as_ref().map(|n| n.id),
        event_id: request.event_id,
        kind: request.kind,
        now: state.clock.now(),
    };
    let table = stats::compute(&state.db, &scope).await?;
    let stem = file_stem(
        &organisation.name,
        network.as_ref().map(|n| n.name.as_str()),
        &request,
    );
    Ok(Prepared {
        table,
        request,
        stem,
        tz,
    })
}

async fn participation_in(
    state: AppState,
    me: Organiser,
    query: StatsQuery,
    forced: Option<Format>,
) -> Result<Response, ApiError> {
    prepare(&state, me.0.organisation_id, query, forced)
        .await?
        .respond(&state, &me.0)
        .await
}

/// Participation statistics per municipality of the organisation's reference list
/// (`?format=json|csv|xlsx|svg`); downloads are written to the audit log.
#[utoipa::path(
    get,
    path = "/stats/participation",
    operation_id = "participation_stats",
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The statistics in the asked format (files as attachments; \
            the SVG chart inline)",
            content(
                (Participation = "application/json"),
                (String = "text/csv"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "image/svg+xml"),
            )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn participation_stats(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = super::query(query)?;
    participation_in(state, me, query, None).await
}

/// The participation statistics with the format named by the extension:
/// `participation.csv`, `.xlsx`, `.svg` or `.json` (a `format` in the query is ignored).
#[utoipa::path(
    get,
    path = "/stats/{file}",
    operation_id = "participation_file",
    tag = "statistics",
    security(("bearer" = [])),
    params(("file" = inline(StatsFile), Path, description = "The file name"), StatsQuery),
    responses(
        (status = 200, description = "The statistics as the named file",
            content(
                (Participation = "application/json"),
                (String = "text/csv"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "image/svg+xml"),
            )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn participation_file(
    State(state): State<AppState>,
    me: Organiser,
    path: Result<Path<StatsFile>, PathRejection>,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    // Any other name names nothing: 404.
    let file = super::path(path)?;
    let query = super::query(query)?;
    participation_in(state, me, query, Some(file.format())).await
}

/// The file names of `GET /stats/{file}`.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
pub enum StatsFile {
    #[serde(rename = "participation.csv")]
    Csv,
    #[serde(rename = "participation.xlsx")]
    Xlsx,
    #[serde(rename = "participation.svg")]
    Svg,
    #[serde(rename = "participation.json")]
    Json,
}

impl StatsFile {
    /// The format the extension names.
    fn format(self) -> Format {
        match self {
            StatsFile::Csv => Format::Csv,
            StatsFile::Xlsx => Format::Xlsx,
            StatsFile::Svg => Format::Svg,
            StatsFile::Json => Format::Json,
        }
    }
}
