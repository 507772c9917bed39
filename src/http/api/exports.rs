//! Attendee-list downloads (CSV, XLSX) and the HTTP side of every download (headers,
//! file name). The files are made in `service::downloads`. An event of another
//! organisation is a 404.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::{FieldErrors, Problem, RegistrationStatus};
use crate::export::{self, Delimiter};
use crate::http::error::ApiError;
use crate::http::extract::OwnEvent;
use crate::http::AppState;
use crate::service::downloads::{self, parse_delimiter, File, Format};

use super::schema::{Binary, InvalidInput, NotFound};

/// A file download: its type, an attachment name made of `stem`, and never cached.
pub fn download(file: File) -> Response {
    let File { format, stem, body } = file;
    let stem = stem.as_str();
    let extension = format.extension();
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Format::Svg => "image/svg+xml",
        Format::Json => "application/json",
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

/// Query of an attendee-list download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only registrations with this status (default: all).
    #[param(value_type = Option<RegistrationStatus>)]
    status: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<Delimiter>, inline)]
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
                "status",
                Problem::choice(&["confirmed", "waitlisted", "cancelled"]),
            );
            None
        }
    };
    let delimiter = parse_delimiter(query.delimiter.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let file = downloads::attendee_list(
        &state.db,
        &own.organiser,
        &own.ctx,
        status,
        format,
        delimiter,
        state.clock.now(),
    )
    .await?;
    Ok(download(file))
}

/// The attendee list of an event as CSV (UTF-8 with a byte order mark), written to the
/// audit log.
#[utoipa::path(
    get,
    path = "/events/{id}/registrations.csv",
    operation_id = "attendee_list_csv",
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The event's id"), ListQuery),
    responses(
        (status = 200, description = "The attendee list (an attachment)", content_type = "text/csv",
            body = String, headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn attendee_list_csv(
    State(state): State<AppState>,
    own: OwnEvent,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = super::query(query)?;
    attendee_list(state, own, query, Format::Csv).await
}

/// The attendee list of an event as an Excel workbook, written to the audit log.
#[utoipa::path(
    get,
    path = "/events/{id}/registrations.xlsx",
    operation_id = "attendee_list_xlsx",
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The event's id"), ListQuery),
    responses(
        (status = 200, description = "The attendee list (an attachment)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = inline(Binary), headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn attendee_list_xlsx(
    State(state): State<AppState>,
    own: OwnEvent,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = super::query(query)?;
    attendee_list(state, own, query, Format::Xlsx).await
}
