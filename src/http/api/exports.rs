//! Downloads: attendee lists (CSV, XLSX) and participation statistics (JSON, CSV, XLSX,
//! SVG). Everything is scoped to the organiser's organisation: another organisation's
//! event or network is a 404.
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::registrations::own_event;
use crate::db::{self, stats::StatsScope};
use crate::domain::{EventKind, FieldErrors, RegistrationStatus};
use crate::export::{self, attendee_list, chart, participation, Delimiter, Table};
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::mail::format::zone;
use crate::registration::waitlist_positions;
use crate::stats;

/// Download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Svg,
}

fn download(format: Format, stem: &str, body: Vec<u8>) -> Response {
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Svg => ("image/svg+xml", "svg"),
        Format::Json => ("application/json", "json"),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&export::content_disposition(stem, extension)) {
        let disposition = if format == Format::Svg {
            // A chart is shown in place; the name still helps "save as".
            HeaderValue::from_str(&v.to_str().unwrap_or("").replacen("attachment", "inline", 1))
                .unwrap_or(v)
        } else {
            v
        };
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn parse_delimiter(raw: Option<&str>, errors: &mut FieldErrors) -> Delimiter {
    match raw {
        None | Some("semicolon") => Delimiter::Semicolon,
        Some("comma") => Delimiter::Comma,
        Some(_) => {
            errors.insert("delimiter".into(), "must be semicolon or comma".into());
            Delimiter::Semicolon
        }
    }
}

fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    export::to_xlsx(tables).map_err(ApiError::internal)
}

/// Query of an attendee-list download.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    delimiter: Option<String>,
}

async fn attendee_list(
    state: AppState,
    me: Organiser,
    id: String,
    query: ListQuery,
    format: Format,
) -> Result<Response, ApiError> {
    let event = own_event(&state, &me, &id).await?;
    let mut errors = FieldErrors::new();
    let status = match query.status.as_deref() {
        None => None,
        Some(s @ ("confirmed" | "waitlisted" | "cancelled")) => Some(s.to_string()),
        Some(_) => {
            errors.insert(
                "status".into(),
                "must be confirmed, waitlisted or cancelled".into(),
            );
            None
        }
    };
    let delimiter = parse_delimiter(query.delimiter.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let organisation = db::organisations::find(&state.db.conn, event.organisation_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let tz = zone(&organisation.time_zone);
    let mut registrations = db::registrations::list_for_event(&state.db.conn, event.id).await?;
    let positions = waitlist_positions(&registrations);
    if let Some(status) = &status {
        registrations.retain(|r| &r.status == status);
    }
    let sessions = db::events::sessions(&state.db.conn, event.id).await?;
    let session_ids: Vec<_> = sessions.iter().map(|s| s.id).collect();
    let marks = db::attendance::for_sessions(&state.db.conn, &session_ids).await?;
    let table = attendee_list::table(&attendee_list::AttendeeList {
        registrations: &registrations,
        waitlist_positions: &positions,
        sessions: &sessions,
        marks: &marks,
        zone: tz,
    });
    let mut stem = format!(
        "{} {}",
        event.title,
        event.starts_at.with_timezone(&tz).format("%Y-%m-%d")
    );
    if let Some(status) = status {
        stem.push_str(&format!(
            " {}",
            match RegistrationStatus::from_db(&status) {
                RegistrationStatus::Confirmed => "bekreftet",
                RegistrationStatus::Waitlisted => "venteliste",
                RegistrationStatus::Cancelled => "avmeldt",
            }
        ));
    }
    let body = match format {
        Format::Xlsx => xlsx(&[table])?,
        _ => export::to_csv(&table, delimiter),
    };
    Ok(download(format, &stem, body))
}

/// `GET /events/{id}/registrations.csv`
pub async fn attendee_list_csv(
    State(state): State<AppState>,
    me: Organiser,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    attendee_list(state, me, id, query, Format::Csv).await
}

/// `GET /events/{id}/registrations.xlsx`
pub async fn attendee_list_xlsx(
    State(state): State<AppState>,
    me: Organiser,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    attendee_list(state, me, id, query, Format::Xlsx).await
}

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

fn local_midnight(date: NaiveDate, tz: Tz) -> chrono::DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

async fn participation_in(
    state: AppState,
    me: Organiser,
    query: StatsQuery,
    forced: Option<Format>,
) -> Result<Response, ApiError> {
    let organisation = db::organisations::find(&state.db.conn, me.0.organisation_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let tz = zone(&organisation.time_zone);
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
    let mut from = date("from", query.from.as_deref());
    let mut to = date("to", query.to.as_deref());
    if let Some(raw) = query.year.as_deref() {
        match raw
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
        {
            Some(y) => {
                from = from.or(NaiveDate::from_ymd_opt(y, 1, 1));
                to = to.or(NaiveDate::from_ymd_opt(y, 12, 31));
            }
            None => {
                errors.insert("year".into(), "must be a year like 2025".into());
            }
        }
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.insert("to".into(), "must not be before from".into());
        }
    }
    let kind = match query.kind.as_deref() {
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
    let format = match (forced, query.format.as_deref()) {
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
    let delimiter = parse_delimiter(query.delimiter.as_deref(), &mut errors);
    let table = query.table.as_deref().unwrap_or("municipalities");
    if !["municipalities", "regions", "events"].contains(&table) {
        errors.insert(
            "table".into(),
            "must be municipalities, regions or events".into(),
        );
    }
    let event_id = match query.event.as_deref() {
        None => None,
        Some(raw) => match uuid::Uuid::parse_str(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert("event".into(), "must be an event id".into());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    // Another organisation's network or event names nothing here.
    let network = match query.network.as_deref() {
        None => None,
        Some(slug) => Some(
            db::networks::find_by_slug(&state.db.conn, slug)
                .await?
                .filter(|n| n.organisation_id == organisation.id)
                .ok_or_else(ApiError::not_found)?,
        ),
    };
    if let Some(id) = event_id {
        db::events::find(&state.db.conn, id)
            .await?
            .filter(|e| e.organisation_id == organisation.id)
            .ok_or_else(ApiError::not_found)?;
    }

    let scope = StatsScope {
        organisation_id: organisation.id,
        from: from.map(|d| local_midnight(d, tz)),
        until: to.and_then(|d| d.succ_opt()).map(|d| local_midnight(d, tz)),
        network_id: network.as_ref().map(|n| n.id),
        event_id,
        kind,
        now: Utc::now(),
    };
    let table_of = stats::compute(&state.db, &scope).await?;
    let mut stem = format!("Deltakelse {}", organisation.name);
    if let Some(n) = &network {
        stem.push_str(&format!(" {}", n.name));
    }
    match (&query.year, &query.from, &query.to) {
        (Some(year), None, None) => stem.push_str(&format!(" {year}")),
        _ => {
            if let Some(f) = from {
                stem.push_str(&format!(" fra {f}"));
            }
            if let Some(t) = to {
                stem.push_str(&format!(" til {t}"));
            }
        }
    }
    Ok(match format {
        Format::Json => Json(table_of).into_response(),
        Format::Csv => {
            let t = match table {
                "regions" => participation::regions(&table_of),
                "events" => participation::events(&table_of, tz),
                _ => participation::municipalities(&table_of),
            };
            download(Format::Csv, &stem, export::to_csv(&t, delimiter))
        }
        Format::Xlsx => {
            let tables = [
                participation::municipalities(&table_of),
                participation::regions(&table_of),
                participation::events(&table_of, tz),
            ];
            download(Format::Xlsx, &stem, xlsx(&tables)?)
        }
        Format::Svg => {
            let title = format!("{stem}: deltakere per 1000 innbyggere");
            download(
                Format::Svg,
                &stem,
                chart::per_1000_chart(&table_of, &title).into_bytes(),
            )
        }
    })
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
