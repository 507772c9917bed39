//! Participation statistics as JSON, CSV, XLSX or an SVG chart. Scoped to the organiser's
//! organisation: another organisation's network or event is a 404.
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::exports::download;
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::service::downloads::{self, Format, StatsAnswer, StatsQuery};
use crate::service::network_stats::{self, NetworkStats, NetworkStatsQuery};
use crate::service::stats::Participation;

use super::schema::{Binary, InvalidInput, NotFound};

/// The statistics as an HTTP answer: the table as JSON, or the file as a download.
pub fn respond(answer: StatsAnswer) -> Response {
    match answer {
        StatsAnswer::Table(table) => Json(table).into_response(),
        StatsAnswer::File(file) => download(file),
    }
}

async fn participation_in(
    state: AppState,
    me: Organiser,
    query: StatsQuery,
    forced: Option<Format>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let answer = downloads::prepare(&state.db, me.0.organisation_id, query, forced, now)
        .await?
        .answer(&state.db, &me.0, now)
        .await?;
    Ok(respond(answer))
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

/// Every network of the organisation: its members on the day `as_of` (in total, per
/// municipality of the reference list valid that day with zeros, from elsewhere, and the
/// municipalities represented) and, for the period, its events held and their
/// participants.
#[utoipa::path(
    get,
    path = "/stats/networks",
    operation_id = "network_stats",
    tag = "statistics",
    security(("bearer" = [])),
    params(NetworkStatsQuery),
    responses(
        (status = 200, description = "The networks", body = NetworkStats),
        (status = 400, response = InvalidInput),
    ),
)]
pub async fn network_stats(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<NetworkStatsQuery>, QueryRejection>,
) -> Result<Json<NetworkStats>, ApiError> {
    let query = super::query(query)?;
    let stats =
        network_stats::compute(&state.db, me.0.organisation_id, query, state.clock.now()).await?;
    Ok(Json(stats))
}
