//! Course certificates: issuing after an event, revoking and reissuing, the register, its
//! counts across years and the import of earlier certificates (`service::certificates`).
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;

use super::schema::{
    CertificateRevoked, CertificatesRefused, InvalidInput, NotFound, UnsupportedMediaType,
};
use crate::db::certificates::RegisterFilter;
use crate::domain::{FieldErrors, Problem};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser, OwnEvent};
use crate::http::AppState;
use crate::service::certificates::{self, CertificateStats, CertificateView, ImportReport};

/// Issues a certificate to each registration that has completed the event (its
/// `completion` rule) and holds none, each with a `certificate_issued` mail carrying the
/// PDF; answers every valid certificate of the event. Idempotent: a second call issues
/// nothing more (200; 201 when some were issued now). Only after the last session of a
/// published event that has `certificate` set (409 `no_certificate`, `not_ended`,
/// `not_held`).
#[utoipa::path(
    post,
    path = "/events/{id}/certificates",
    operation_id = "issue_certificates",
    tag = "programmes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Nothing new to issue; the event's certificates", body = [CertificateView]),
        (status = 201, description = "Issued; the event's certificates", body = [CertificateView]),
        (status = 404, response = NotFound),
        (status = 409, response = CertificatesRefused),
    ),
)]
pub async fn issue(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<(StatusCode, Json<Vec<CertificateView>>), ApiError> {
    let (issued, list) = certificates::issue(
        &state.db,
        &state.mailer,
        &own.organiser,
        &own.ctx,
        state.clock.now(),
    )
    .await?;
    let status = if issued > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(list)))
}

/// `GET /certificates` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Only this event's certificates.
    #[param(value_type = Option<uuid::Uuid>)]
    pub event: Option<String>,
    /// Only this series' certificates (its slug).
    pub series: Option<String>,
    /// Only those issued in this year.
    #[param(value_type = Option<i32>, minimum = 1900, maximum = 9999)]
    pub year: Option<String>,
}

/// The register: the organisation's certificates (revoked ones too, and the imported),
/// oldest first.
#[utoipa::path(
    get,
    path = "/certificates",
    operation_id = "list_certificates",
    tag = "programmes",
    security(("bearer" = [])),
    params(RegisterQuery),
    responses(
        (status = 200, description = "The certificates", body = [CertificateView]),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<RegisterQuery>, QueryRejection>,
) -> Result<Json<Vec<CertificateView>>, ApiError> {
    let q = super::query(query)?;
    let mut errors = FieldErrors::new();
    let event_id = q.event.as_deref().and_then(|e| {
        e.parse::<uuid::Uuid>()
            .map_err(|_| errors.insert("event", Problem::NotAnEventId))
            .ok()
    });
    let year = q.year.as_deref().and_then(|y| {
        y.parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .or_else(|| {
                errors.insert("year", Problem::NotAYear);
                None
            })
    });
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let series_id = match q.series.as_deref() {
        Some(slug) => Some(series_of(&state, me.0.organisation_id, slug).await?.0),
        None => None,
    };
    let filter = RegisterFilter {
        event_id,
        series_id,
        year,
    };
    Ok(Json(
        certificates::register(&state.db, me.0.organisation_id, &filter).await?,
    ))
}

/// The organisation's series `slug` (404 for an unknown one, as in the statistics).
async fn series_of(
    state: &AppState,
    organisation_id: uuid::Uuid,
    slug: &str,
) -> Result<(uuid::Uuid, String), ApiError> {
    crate::db::series::find_by_slug(&state.db.conn, organisation_id, slug)
        .await?
        .map(|s| (s.id, s.slug))
        .ok_or_else(ApiError::not_found)
}

/// `GET /stats/certificates` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateStatsQuery {
    /// Count certificates issued up to and including this date (default: today).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
    /// Only this series' certificates (its slug).
    pub series: Option<String>,
}

/// Valid certificates issued up to a date, across years: per municipality of the
/// reference list (every one, zeros too), from elsewhere, per year with the running sum,
/// and in total. Imported certificates count the same; revoked ones do not; certificates
/// whose holder's name was removed still count.
#[utoipa::path(
    get,
    path = "/stats/certificates",
    operation_id = "certificate_stats",
    tag = "statistics",
    security(("bearer" = [])),
    params(CertificateStatsQuery),
    responses(
        (status = 200, description = "The counts", body = CertificateStats),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn stats(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<CertificateStatsQuery>, QueryRejection>,
) -> Result<Json<CertificateStats>, ApiError> {
    let q = super::query(query)?;
    let as_of = match q.as_of.as_deref() {
        Some(d) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid_field("as_of", Problem::NotADate))?,
        ),
        None => None,
    };
    let series = match q.series.as_deref() {
        Some(slug) => Some(series_of(&state, me.0.organisation_id, slug).await?),
        None => None,
    };
    Ok(Json(
        certificates::stats(
            &state.db,
            me.0.organisation_id,
            as_of,
            series,
            state.clock.now(),
        )
        .await?,
    ))
}

/// Revokes a certificate: its verification page says revoked and the register stops
/// counting it. Revoking again changes nothing.
#[utoipa::path(
    post,
    path = "/certificates/{number}/revoke",
    operation_id = "revoke_certificate",
    tag = "programmes",
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The certificate's number")),
    responses(
        (status = 200, description = "The certificate, revoked", body = CertificateView),
        (status = 404, response = NotFound),
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    me: Organiser,
    number: Result<Path<String>, PathRejection>,
) -> Result<Json<CertificateView>, ApiError> {
    let number = super::path(number)?;
    Ok(Json(
        certificates::revoke(&state.db, &me.0, &number, state.clock.now()).await?,
    ))
}

/// `POST /certificates/{number}/reissue` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Reissue, example = json!({"name": "Kåre Ødegård Æsøy"}))]
pub struct ReissueBody {
    /// The holder's name as it should be printed.
    #[schema(required, value_type = String, pattern = "\\S", max_length = 200)]
    name: Option<String>,
}

/// Replaces a certificate whose name was wrong: the old one is revoked and a new one, with
/// a new number and the given name, is issued and mailed to the holder.
#[utoipa::path(
    post,
    path = "/certificates/{number}/reissue",
    operation_id = "reissue_certificate",
    tag = "programmes",
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The certificate's number")),
    request_body = ReissueBody,
    responses(
        (status = 201, description = "The new certificate", body = CertificateView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 409, response = CertificateRevoked),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn reissue(
    State(state): State<AppState>,
    me: Organiser,
    number: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<ReissueBody>,
) -> Result<(StatusCode, Json<CertificateView>), ApiError> {
    let number = super::path(number)?;
    let new = certificates::reissue(
        &state.db,
        &state.mailer,
        &me.0,
        &number,
        body.name.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// `POST /certificates/import` with the file as the body: one certificate issued before
/// Samling a line, `name;course;date;municipality[;series]` (a header line may come first;
/// dates as 2019-05-31 or 31.05.2019). A bad line rejects the whole file with every
/// problem listed under `fields.file`; lines already imported are not imported again.
#[utoipa::path(
    post,
    path = "/certificates/import",
    operation_id = "import_certificates",
    tag = "programmes",
    security(("bearer" = [])),
    request_body(
        description = "The file: `name;course;date;municipality[;series]` (semicolons or \
            commas; UTF-8 or Windows-1252)",
        content((String = "text/csv"), (String = "text/plain")),
    ),
    responses(
        (status = 200, description = "What the import did", body = ImportReport),
        (status = 400, response = InvalidInput),
    ),
)]
pub async fn import(
    State(state): State<AppState>,
    me: Organiser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let body = crate::http::extract::raw_body(body)?;
    let text = crate::service::municipalities::decode(&body);
    Ok(Json(
        certificates::import(&state.db, &me.0, &text, state.clock.now()).await?,
    ))
}
