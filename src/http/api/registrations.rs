//! Sign-up, the organiser's list, and what the holder of a mailed manage token may do.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{self, entities::registration};
use crate::domain::{self, Email, FieldErrors, Language, RegistrationStatus};
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, OwnEvent};
use crate::http::AppState;
use crate::service::{participants, privacy, registration as signups};

/// `POST /events/{id}/registrations` body (and the sign-up form's fields).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub municipality: Option<String>,
    pub workplace: Option<String>,
    pub role: Option<String>,
    pub share_contact: Option<bool>,
    pub language: Option<Language>,
}

/// Checks a sign-up body; shared by the API and the sign-up page.
pub fn check_signup(body: SignupBody) -> Result<signups::SignupInput, FieldErrors> {
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
        Some(email) if errors.is_empty() => Ok(signups::SignupInput {
            name,
            email,
            municipality,
            workplace,
            role,
            share_contact: body.share_contact.unwrap_or(false),
            language: body.language.unwrap_or_default(),
            submission: None,
        }),
        _ => Err(errors),
    }
}

/// The answer to a sign-up: what happened, and nothing that opens anything. Anyone can
/// type anyone's address, so links reach the participant only through their mailbox.
#[derive(Serialize)]
pub struct SignedUpView {
    id: Uuid,
    status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    waitlist_position: Option<u64>,
}

/// Signs up for an event (201).
pub async fn sign_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, Json<SignedUpView>), ApiError> {
    let id = parse_id(&id)?;
    let input = check_signup(body).map_err(ApiError::invalid)?;
    let done = state.signups.sign_up(id, input, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedUpView {
            id: done.registration.id,
            status: done.registration.status,
            waitlist_position: done.waitlist_position,
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
    language: Language,
    status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    waitlist_position: Option<u64>,
    attended: Option<bool>,
    created_at: DateTime<Utc>,
    promoted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl RegistrationView {
    /// The view of `r`, with its place in line if it is waiting.
    pub fn new(r: registration::Model, waitlist_position: Option<u64>) -> RegistrationView {
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
}

/// Lists an event's registrations in sign-up order, with waiting-list positions.
pub async fn list_for_event(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<Vec<RegistrationView>>, ApiError> {
    let regs = db::registrations::list_for_event(&state.db.conn, own.ctx.event.id).await?;
    let positions = signups::waitlist_positions(&regs);
    Ok(Json(
        regs.into_iter()
            .map(|r| {
                let position = positions.get(&r.id).copied();
                RegistrationView::new(r, position)
            })
            .collect(),
    ))
}

/// The answer to a cancellation.
#[derive(Serialize)]
pub struct CancelledView {
    id: Uuid,
    status: RegistrationStatus,
    /// False when it had already been cancelled.
    changed: bool,
}

/// Cancels the registration the mailed token opens (idempotent).
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<CancelledView>, ApiError> {
    let id = state
        .mailer
        .links()
        .key()
        .registration_of(&token)
        .ok_or_else(ApiError::not_found)?;
    let done = signups::cancel(&state.db, &state.mailer, id, Utc::now()).await?;
    Ok(Json(CancelledView {
        id: done.registration.id,
        status: done.registration.status,
        changed: done.changed,
    }))
}

/// Replaces the personal-feed link of the participant the token belongs to: the old link
/// stops working at once and the new one is mailed (202; nothing secret in the answer).
pub async fn replace_feed_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (reg, ctx) = participants::open_registration(&state.db, state.mailer.links().key(), &token)
        .await?
        .ok_or_else(ApiError::not_found)?;
    participants::replace_feed_link(&state.db, &state.mailer, &reg, &ctx, Utc::now()).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Opens the registration of a manage token for the participant's rights: 404 for an
/// unknown token, 410 once the address's data has been erased.
async fn open_own(state: &AppState, token: &str) -> Result<registration::Model, ApiError> {
    let (reg, _) = participants::open_registration(&state.db, state.mailer.links().key(), token)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if reg.anonymised_at.is_some() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "erased",
            "the data of this registration has been erased",
        ));
    }
    Ok(reg)
}

/// Everything held about the token holder's address (GDPR art. 15 and 20).
pub async fn data(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<privacy::ParticipantData>, ApiError> {
    let reg = open_own(&state, &token).await?;
    Ok(Json(
        privacy::export(&state.db, &reg.email_normalized).await?,
    ))
}

/// Erases everything held about the token holder's address (GDPR art. 17): registrations
/// to coming events are cancelled first, then all are anonymised.
pub async fn erase(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<privacy::ErasureReport>, ApiError> {
    let reg = open_own(&state, &token).await?;
    Ok(Json(
        privacy::erase(&state.db, &state.mailer, &reg, Utc::now()).await?,
    ))
}
