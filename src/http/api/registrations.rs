//! Sign-up, the organiser's list, attendance, and cancellation by token.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::parse_id;
use crate::db::{self, entities::registration};
use crate::domain::{self, Email, FieldErrors, Language};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser};
use crate::http::AppState;
use crate::registration::{self as core, SignupInput};

/// `POST /events/{id}/registrations` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    name: Option<String>,
    email: Option<String>,
    municipality: Option<String>,
    workplace: Option<String>,
    role: Option<String>,
    share_contact: Option<bool>,
    language: Option<Language>,
}

/// Checks a sign-up body; shared by the API and the sign-up page.
pub fn check_signup(body: SignupBody) -> Result<SignupInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = domain::required_text(&mut errors, "name", body.name.as_deref(), 200);
    let email = Email::parse(body.email.as_deref().unwrap_or_default())
        .map_err(|e| errors.insert("email".into(), e))
        .ok();
    let municipality = domain::optional_text(
        &mut errors,
        "municipality",
        body.municipality.as_deref(),
        200,
    );
    let workplace = domain::optional_text(&mut errors, "workplace", body.workplace.as_deref(), 200);
    let role = domain::optional_text(&mut errors, "role", body.role.as_deref(), 100);
    match email {
        Some(email) if errors.is_empty() => Ok(SignupInput {
            name,
            email,
            municipality,
            workplace,
            role,
            share_contact: body.share_contact.unwrap_or(false),
            language: body.language.unwrap_or_default(),
        }),
        _ => Err(errors),
    }
}

/// The answer to a sign-up.
#[derive(Serialize)]
pub struct SignedUpView {
    id: Uuid,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    waitlist_position: Option<u64>,
    /// The participant's own page (also in the mail); keep it private.
    manage_url: String,
    /// The participant's personal calendar feed (all their registrations).
    feed_url: String,
}

/// Signs up for an event (201).
pub async fn sign_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, Json<SignedUpView>), ApiError> {
    let id = parse_id(&id)?;
    let input = check_signup(body).map_err(ApiError::invalid)?;
    let done = core::sign_up(&state.db, &state.mailer, id, input, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedUpView {
            id: done.registration.id,
            status: done.registration.status,
            waitlist_position: done.waitlist_position,
            manage_url: format!("{}/r/{}", state.settings.base_url, done.manage_token),
            feed_url: state.mailer.feed_url(&done.registration.email_normalized),
        }),
    ))
}

/// A registration as an organiser sees it.
#[derive(Serialize)]
pub struct RegistrationView {
    id: Uuid,
    name: String,
    email: String,
    municipality: Option<String>,
    workplace: Option<String>,
    role: Option<String>,
    share_contact: bool,
    language: String,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    waitlist_position: Option<u64>,
    attended: Option<bool>,
    created_at: DateTime<Utc>,
    promoted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

pub(super) fn registration_view(
    r: registration::Model,
    waitlist_position: Option<u64>,
) -> RegistrationView {
    RegistrationView {
        id: r.id,
        name: r.name,
        email: r.email,
        municipality: r.municipality,
        workplace: r.workplace,
        role: r.role,
        share_contact: r.share_contact,
        language: r.language,
        status: r.status,
        waitlist_position,
        attended: r.attended,
        created_at: r.created_at,
        promoted_at: r.promoted_at,
        cancelled_at: r.cancelled_at,
    }
}

/// The organiser's own event by id; another organisation's is a 404.
pub(super) async fn own_event(
    state: &AppState,
    me: &Organiser,
    id: &str,
) -> Result<crate::db::entities::event::Model, ApiError> {
    let id = parse_id(id)?;
    db::events::find(&state.db.conn, id)
        .await?
        .filter(|e| e.organisation_id == me.0.organisation_id)
        .ok_or_else(ApiError::not_found)
}

/// Lists an event's registrations in sign-up order, with waiting-list positions.
pub async fn list_for_event(
    State(state): State<AppState>,
    me: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Vec<RegistrationView>>, ApiError> {
    let event = own_event(&state, &me, &id).await?;
    let regs = db::registrations::list_for_event(&state.db.conn, event.id).await?;
    let positions = core::waitlist_positions(&regs);
    Ok(Json(
        regs.into_iter()
            .map(|r| {
                let position = positions.get(&r.id).copied();
                registration_view(r, position)
            })
            .collect(),
    ))
}

/// The answer to a cancellation.
#[derive(Serialize)]
pub struct CancelledView {
    id: Uuid,
    status: String,
    /// False when it had already been cancelled.
    changed: bool,
}

/// Cancels the registration holding the token (idempotent).
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<CancelledView>, ApiError> {
    if token.len() > 200 {
        return Err(ApiError::not_found());
    }
    let done = core::cancel_by_token(&state.db, &state.mailer, &token, Utc::now()).await?;
    Ok(Json(CancelledView {
        id: done.registration.id,
        status: done.registration.status,
        changed: done.changed,
    }))
}
