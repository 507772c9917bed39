//! The organiser's view of an event's mail: what went out, what is waiting, what failed.
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, entities::outbox::MailStatus};
use crate::domain::MailKind;
use crate::http::error::ApiError;
use crate::http::extract::OwnEvent;
use crate::http::AppState;

use super::schema::NotFound;

/// One mail as the organiser sees it (no body: that is the participant's).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Mail)]
pub struct MailView {
    id: Uuid,
    kind: MailKind,
    registration_id: Option<Uuid>,
    recipient: String,
    subject: String,
    /// `pending`, `sent` or `failed` (given up after the last retry).
    status: MailStatus,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Lists an event's mails, oldest first: kind, recipient, status, attempts, last error.
#[utoipa::path(
    get,
    path = "/events/{id}/mails",
    operation_id = "list_mails",
    tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event's mails", body = Vec<MailView>),
        (status = 404, response = NotFound),
    ),
)]
pub async fn list_for_event(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<Vec<MailView>>, ApiError> {
    let mails = db::outbox::for_event(&state.db.conn, own.ctx.event.id).await?;
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
