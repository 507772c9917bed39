//! Attendee-list downloads (CSV, XLSX) and the download plumbing the statistics share. An
//! event of another organisation is a 404.
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::{FieldErrors, RegistrationStatus};
use crate::export::{self, attendee_list, Delimiter, Table};
use crate::http::error::ApiError;
use crate::http::extract::OwnEvent;
use crate::http::AppState;

/// Download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Svg,
}

pub fn download(format: Format, stem: &str, body: Vec<u8>) -> Response {
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
    // A chart is shown in place; the name still helps "save as".
    let disposition = if format == Format::Svg {
        "inline"
    } else {
        "attachment"
    };
    if let Ok(v) = HeaderValue::from_str(&export::content_disposition(disposition, stem, extension))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

pub fn parse_delimiter(raw: Option<&str>, errors: &mut FieldErrors) -> Delimiter {
    match raw {
        None | Some("semicolon") => Delimiter::Semicolon,
        Some("comma") => Delimiter::Comma,
        Some(_) => {
            errors.insert("delimiter".into(), "must be semicolon or comma".into());
            Delimiter::Semicolon
        }
    }
}

/// Builds a workbook off the async runtime (it is CPU work: a big list takes a while).
pub async fn xlsx(tables: Vec<Table>) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(move || export::to_xlsx(&tables))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Query of an attendee-list download.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    delimiter: Option<String>,
}

async fn attendee_list(
    state: AppState,
    own: OwnEvent,
    query: ListQuery,
    format: Format,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::new();
    let status = match query.status.as_deref() {
        None => None,
        Some(s) if RegistrationStatus::parse(s).is_some() => RegistrationStatus::parse(s),
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
    let (table, stem) = attendee_list::load(&state.db, &own.ctx, status).await?;
    let body = match format {
        Format::Xlsx => xlsx(vec![table]).await?,
        _ => export::to_csv(&table, delimiter),
    };
    Ok(download(format, &stem, body))
}

/// `GET /events/{id}/registrations.csv`
pub async fn attendee_list_csv(
    State(state): State<AppState>,
    own: OwnEvent,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    attendee_list(state, own, query, Format::Csv).await
}

/// `GET /events/{id}/registrations.xlsx`
pub async fn attendee_list_xlsx(
    State(state): State<AppState>,
    own: OwnEvent,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    attendee_list(state, own, query, Format::Xlsx).await
}
