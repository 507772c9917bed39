//! Recording who came, one registration at a time or for a whole list, and the summary.
use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::registrations::RegistrationView;
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, OwnEvent};
use crate::http::AppState;
use crate::service::attendance::{self, AttendanceSummary};

/// `POST /events/{id}/registrations/{rid}/attendance` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    attended: Option<bool>,
    /// One session of a multi-session event; without it, every session.
    session: Option<Uuid>,
}

fn required_attended(attended: Option<bool>) -> Result<bool, ApiError> {
    attended.ok_or_else(|| ApiError::invalid_field("attended", "is required (true or false)"))
}

/// Records whether one participant came.
pub async fn record_one(
    State(state): State<AppState>,
    own: OwnEvent,
    Path((_id, rid)): Path<(String, String)>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    let event = &own.ctx.event;
    let rid = parse_id(&rid)?;
    let attended = required_attended(body.attended)?;
    let saved = attendance::record(&state.db, event, &[rid], body.session, attended, Utc::now())
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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkAttendanceBody {
    registrations: Option<Vec<Uuid>>,
    attended: Option<bool>,
    session: Option<Uuid>,
}

/// Records the same mark for a list of registrations (all or nothing), then answers with
/// the event's summary.
pub async fn record_many(
    State(state): State<AppState>,
    own: OwnEvent,
    ApiJson(body): ApiJson<BulkAttendanceBody>,
) -> Result<Json<AttendanceSummary>, ApiError> {
    let event = own.ctx.event;
    let attended = required_attended(body.attended)?;
    let ids = body.registrations.unwrap_or_default();
    attendance::record(&state.db, &event, &ids, body.session, attended, Utc::now()).await?;
    Ok(Json(attendance::summary(&state.db, &event).await?))
}

/// Per session: registered, attended, no-shows, not recorded.
pub async fn summary(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<AttendanceSummary>, ApiError> {
    Ok(Json(attendance::summary(&state.db, &own.ctx.event).await?))
}
