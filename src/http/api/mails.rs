//! The organiser's view of an event's mail: what went out, what is waiting, what failed.
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::parse_id;
use crate::db;
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;

/// One mail as the organiser sees it (no body: that is the participant's).
#[derive(Serialize)]
pub struct MailView {
    id: Uuid,
    kind: String,
    registration_id: Option<Uuid>,
    recipient: String,
    subject: String,
    /// `pending`, `sent` or `failed` (given up after the last retry).
    status: String,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Lists an event's mails, oldest first.
pub async fn list_for_event(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    Path(id): Path<String>,
) -> Result<Json<Vec<MailView>>, ApiError> {
    let id = parse_id(&id)?;
    db::events::find(&state.db.conn, id)
        .await?
        .filter(|e| e.organisation_id == me.organisation_id)
        .ok_or_else(ApiError::not_found)?;
    let mails = db::outbox::for_event(&state.db.conn, id).await?;
    Ok(Json(
        mails
            .into_iter()
            .map(|m| MailView {
                id: m.id,
                kind: m.kind,
                registration_id: m.registration_id,
                recipient: m.recipient,
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
                next_attempt_at: m.next_attempt_at,
                sent_at: m.sent_at,
                created_at: m.created_at,
            })
            .collect(),
    ))
}
