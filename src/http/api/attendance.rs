//! Recording who came, one registration at a time or for a whole list, and the summary.
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::registrations::RegistrationView;
use crate::domain::Problem;
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, OwnEvent};
use crate::http::AppState;
use crate::service::attendance::{self, AttendanceSummary};

use super::schema::{InvalidInput, NotConfirmed, NotFound, UnsupportedMediaType};

/// `POST /events/{id}/registrations/{rid}/attendance` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Attendance, example = json!({"attended": true}))]
pub struct AttendanceBody {
    /// Whether they came.
    #[schema(required, value_type = bool)]
    attended: Option<bool>,
    /// One session of a multi-session event; without it, every session.
    session: Option<Uuid>,
}

fn required_attended(attended: Option<bool>) -> Result<bool, ApiError> {
    attended.ok_or_else(|| ApiError::invalid_field("attended", Problem::RequiredBoolean))
}

/// Records whether one participant (a confirmed registration) came, to one session or to
/// all of them.
#[utoipa::path(
    post,
    path = "/events/{id}/registrations/{rid}/attendance",
    operation_id = "record_attendance",
    tag = "attendance",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The event's id"),
        ("rid" = Uuid, Path, description = "The registration's id"),
    ),
    request_body = AttendanceBody,
    responses(
        (status = 200, description = "The registration with its attendance", body = RegistrationView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 409, response = NotConfirmed),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn record_one(
    State(state): State<AppState>,
    own: OwnEvent,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let (_id, rid) = super::path(path)?;
    let event = &own.ctx.event;
    let rid = parse_id(&rid)?;
    let attended = required_attended(body.attended)?;
    let saved = attendance::record(
        &state.db,
        event,
        &[rid],
        body.session,
        attended,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        // A wrong id in the path names nothing.
        attendance::AttendanceError::UnknownRegistrations(_) => ApiError::not_found(),
        e => e.into(),
    })?;
    let reg = saved.into_iter().next().ok_or_else(ApiError::not_found)?;
    Ok(Json(RegistrationView::new(reg, None)))
}

/// `POST /events/{id}/attendance` body: the same mark for many registrations.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = BulkAttendance)]
pub struct BulkAttendanceBody {
    /// Ids of confirmed registrations of the event (at least one).
    #[schema(required, value_type = Vec<Uuid>)]
    registrations: Option<Vec<Uuid>>,
    /// Whether they came.
    #[schema(required, value_type = bool)]
    attended: Option<bool>,
    /// One session of a multi-session event; without it, every session.
    session: Option<Uuid>,
}

/// Records the same mark for a list of registrations (all or nothing), then answers with
/// the event's summary.
#[utoipa::path(
    post,
    path = "/events/{id}/attendance",
    operation_id = "record_attendance_many",
    tag = "attendance",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    request_body = BulkAttendanceBody,
    responses(
        (status = 200, description = "The event's attendance summary", body = AttendanceSummary),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 409, response = NotConfirmed),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn record_many(
    State(state): State<AppState>,
    own: OwnEvent,
    ApiJson(body): ApiJson<BulkAttendanceBody>,
) -> Result<Json<AttendanceSummary>, ApiError> {
    let event = own.ctx.event;
    let attended = required_attended(body.attended)?;
    let ids = body.registrations.unwrap_or_default();
    attendance::record(
        &state.db,
        &event,
        &ids,
        body.session,
        attended,
        state.clock.now(),
    )
    .await?;
    Ok(Json(attendance::summary(&state.db, &event).await?))
}

/// Per session and in total: registered, attended, no-shows, not recorded.
#[utoipa::path(
    get,
    path = "/events/{id}/attendance",
    operation_id = "attendance_summary",
    tag = "attendance",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event's attendance summary", body = AttendanceSummary),
        (status = 404, response = NotFound),
    ),
)]
pub async fn summary(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<AttendanceSummary>, ApiError> {
    Ok(Json(attendance::summary(&state.db, &own.ctx.event).await?))
}
