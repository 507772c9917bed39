//! Sign-up, the organiser's list, and what the holder of a mailed manage token may do.
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{self, entities::registration};
use crate::domain::{Language, Problem, RegistrationStatus};
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, OwnEvent};
use crate::http::limits::{network_key, ClientAddr};
use crate::http::AppState;

use super::paging::{self, PageQuery};
use crate::service::participants::Opened;
use crate::service::signup_input::{check_signup, roles_to_check, SignupFields};
use crate::service::{participants, privacy, registration as signups};

use super::schema::{
    CancelRefused, Erased, InvalidInput, MembersOnly, NotFound, SignupRefused, UnsupportedMediaType,
};

/// `POST /events/{id}/registrations` body (and the sign-up form's fields).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SignUp, example = json!({
    "name": "Kari Nordmann",
    "email": "kari.nordmann@example.no",
    "municipality": "Tønsberg",
    "workplace": "Tønsberg kommune, hjemmetjenesten",
    "role": "helsepersonell",
    "language": "nb"
}))]
pub struct SignupBody {
    #[schema(required, value_type = String, pattern = "\\S", max_length = 200)]
    pub name: Option<String>,
    /// Where the confirmation and the participant's links are mailed.
    #[schema(required, value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The municipality the participant comes from (for the participation statistics).
    #[schema(max_length = 200)]
    pub municipality: Option<String>,
    #[schema(max_length = 200)]
    pub workplace: Option<String>,
    /// One of the organisation's roles (`GET /roles`, the same as the sign-up form's), by
    /// its key or its Norwegian or English label (case and accents ignored); stored as the
    /// key. The default list: helsepersonell, fagansvarlig, leder, annet.
    pub role: Option<String>,
    /// Whether the participant wishes the other participants to see their name and address
    /// (default false). Only a wish: it is shared once the owner of the address confirms it
    /// on their own page, from the mailed link.
    pub share_contact: Option<bool>,
    /// Language of the mails (default `nb`).
    pub language: Option<Language>,
}

impl From<SignupBody> for SignupFields {
    fn from(body: SignupBody) -> SignupFields {
        SignupFields {
            name: body.name,
            email: body.email,
            municipality: body.municipality,
            workplace: body.workplace,
            role: body.role,
            share_contact: body.share_contact.unwrap_or(false),
            language: body.language.unwrap_or_default(),
        }
    }
}

/// The answer to a sign-up: what happened, and nothing that opens anything. Anyone can
/// type anyone's address, so links reach the participant only through their mailbox.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SignedUp)]
pub struct SignedUpView {
    id: Uuid,
    /// `confirmed` or `waitlisted`.
    status: RegistrationStatus,
    /// Place on the waiting list (1 is next), when waitlisted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    waitlist_position: Option<u64>,
    /// Present when the place is held only until the participant confirms it from the
    /// mail (many sign-ups to this event came from one address): released after this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm_by: Option<DateTime<Utc>>,
}

/// Signs up for an event (201): a seat, or a place on the waiting list when the event is
/// full and has one. The answer carries no link: the participant's links arrive by mail.
#[utoipa::path(
    post,
    path = "/events/{id}/registrations",
    operation_id = "sign_up",
    tag = "registrations",
    params(("id" = Uuid, Path, description = "The event's id")),
    request_body = SignupBody,
    responses(
        (status = 201, description = "Signed up", body = SignedUpView, links(
            ("attendance" = (operation_id = "record_attendance",
                parameters(("id" = "$request.path.id"), ("rid" = "$response.body#/id")))),
        )),
        (status = 400, response = InvalidInput),
        (status = 403, response = MembersOnly),
        (status = 404, response = NotFound),
        (status = 409, response = SignupRefused),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn sign_up(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, Json<SignedUpView>), ApiError> {
    let id = super::path(path)?;
    let id = parse_id(&id)?;
    let roles = roles_to_check(&state.db.conn, id, body.role.as_deref()).await?;
    let mut input = check_signup(body.into(), &roles).map_err(ApiError::invalid)?;
    input.network = Some(network_key(client));
    let done = state.signups.sign_up(id, input, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedUpView {
            id: done.registration.id,
            status: done.registration.status,
            waitlist_position: done.waitlist_position,
            confirm_by: done.registration.confirm_by,
        }),
    ))
}

/// A registration as an organiser sees it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Registration)]
pub struct RegistrationView {
    id: Uuid,
    name: String,
    email: String,
    municipality: Option<String>,
    workplace: Option<String>,
    /// The role's key (see `GET /roles`); older free text as it was typed.
    role: Option<String>,
    /// Whether the details are shared with the other participants: wished at sign-up and
    /// confirmed by the owner on their own page.
    share_contact: bool,
    /// The sign-up asked to share (typed by whoever signed up; not yet the owner's consent).
    share_contact_wished: bool,
    language: Language,
    status: RegistrationStatus,
    /// Place on the waiting list (1 is next), when waitlisted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    waitlist_position: Option<u64>,
    /// Whether they came (to any session); null: not recorded.
    attended: Option<bool>,
    /// Set while the place is held until the participant confirms it from the mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm_by: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    promoted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl RegistrationView {
    /// The view of `r`, with its place in line if it is waiting.
    pub fn new(r: registration::Model, waitlist_position: Option<u64>) -> RegistrationView {
        let shares = participants::shares(&r);
        RegistrationView {
            id: r.id,
            name: r.name,
            email: r.email,
            municipality: r.municipality,
            workplace: r.workplace,
            role: r.role,
            share_contact: shares,
            share_contact_wished: r.share_contact,
            language: r.language,
            status: r.status,
            waitlist_position,
            attended: r.attended,
            confirm_by: r.confirm_by,
            created_at: r.created_at,
            promoted_at: r.promoted_at,
            cancelled_at: r.cancelled_at,
        }
    }
}

/// Lists an event's registrations in sign-up order, with waiting-list positions, a page at
/// a time: the next page is in the `Link: <…>; rel="next"` header, the number of them all
/// in `X-Total-Count`.
#[utoipa::path(
    get,
    path = "/events/{id}/registrations",
    operation_id = "list_registrations",
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id"), PageQuery),
    responses(
        (status = 200, description = "The registrations", body = Vec<RegistrationView>,
         headers(
            ("link" = String, description = "`<…?after=…>; rel=\"next\"` while there are more"),
            ("x-total-count" = u64, description = "How many registrations the event has"),
         )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn list_for_event(
    State(state): State<AppState>,
    own: OwnEvent,
    OriginalUri(uri): OriginalUri,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = super::query(q)?.check()?;
    let after = page.uuid_after()?;
    let found = signups::page_for_event(&state.db, own.ctx.event.id, after, page.limit + 1)
        .await?
        .ok_or_else(paging::bad_cursor)?;
    let (rows, next) = paging::split(found.rows, &page, |(r, _)| r.id.to_string());
    let views: Vec<RegistrationView> = rows
        .into_iter()
        .map(|(r, position)| RegistrationView::new(r, position))
        .collect();
    Ok(paging::respond(&uri, views, next, found.total))
}

/// The answer to a cancellation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CancelledRegistration)]
pub struct CancelledView {
    id: Uuid,
    status: RegistrationStatus,
    /// False when it had already been cancelled.
    changed: bool,
}

/// Cancels the registration the mailed token opens (idempotent). A freed seat goes to the
/// first on the waiting list at once.
#[utoipa::path(
    post,
    path = "/registrations/{token}/cancel",
    operation_id = "cancel_registration",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    responses(
        (status = 200, description = "Cancelled (or it already was: `changed` is false)",
            body = CancelledView),
        (status = 404, response = NotFound),
        (status = 409, response = CancelRefused),
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<CancelledView>, ApiError> {
    let id = token_registration(&state, path)?;
    let done = signups::cancel(&state.db, &state.mailer, id, state.clock.now()).await?;
    Ok(Json(CancelledView {
        id: done.registration.id,
        status: done.registration.status,
        changed: done.changed,
    }))
}

/// The registration a mailed token in the path opens (404 for any other text).
fn token_registration(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
) -> Result<Uuid, ApiError> {
    let token = super::path(path)?;
    state
        .mailer
        .links()
        .key()
        .registration_of(&token)
        .ok_or_else(ApiError::not_found)
}

/// The answer to confirming a held place.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ConfirmedPlace)]
pub struct ConfirmedView {
    id: Uuid,
    status: RegistrationStatus,
    /// False when there was nothing to confirm (no hold, or already confirmed).
    changed: bool,
}

/// Confirms a place that is held until confirmed (the sign-up answer's `confirm_by`):
/// from now on it is the participant's like any other. Idempotent.
#[utoipa::path(
    post,
    path = "/registrations/{token}/confirm",
    operation_id = "confirm_registration",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    responses(
        (status = 200, description = "Confirmed (or nothing to confirm: `changed` is false)",
            body = ConfirmedView),
        (status = 404, response = NotFound),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ConfirmedView>, ApiError> {
    let id = token_registration(&state, path)?;
    let changed = signups::confirm_place(&state.db, id, state.clock.now()).await?;
    let reg = db::registrations::find(&state.db.conn, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(ConfirmedView {
        id: reg.id,
        status: reg.status,
        changed,
    }))
}

/// Replaces the personal-feed link of the participant the token belongs to: the old link
/// stops working at once and the new one is mailed (202; nothing secret in the answer).
#[utoipa::path(
    post,
    path = "/registrations/{token}/feed-link",
    operation_id = "replace_feed_link",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    responses(
        (status = 202, description = "Replaced; the new link is on its way by mail (no body)"),
        (status = 404, response = NotFound),
        (status = 410, response = Erased),
    ),
)]
pub async fn replace_feed_link(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let token = super::path(path)?;
    let (reg, ctx) = open_own_with_event(&state, &token).await?;
    participants::replace_feed_link(&state.db, &state.mailer, &reg, &ctx, state.clock.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Opens the registration of a manage token for the participant's rights: 404 for an
/// unknown token, 410 once the address's data has been erased.
async fn open_own(state: &AppState, token: &str) -> Result<registration::Model, ApiError> {
    Ok(open_own_with_event(state, token).await?.0)
}

/// `open_own`, with the registration's event.
pub(super) async fn open_own_with_event(
    state: &AppState,
    token: &str,
) -> Result<(registration::Model, crate::db::events::EventContext), ApiError> {
    match participants::open_registration(&state.db, state.mailer.links().key(), token).await? {
        None => Err(ApiError::not_found()),
        Some(Opened::Erased) => Err(ApiError::new(
            StatusCode::GONE,
            "erased",
            "the data of this registration has been erased",
        )),
        Some(Opened::Live(found)) => Ok(*found),
    }
}

/// Everything held about the token holder's address (GDPR art. 15 and 20).
#[utoipa::path(
    get,
    path = "/registrations/{token}/data",
    operation_id = "participant_data",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    responses(
        (status = 200, description = "Everything held about the address", body = privacy::ParticipantData),
        (status = 404, response = NotFound),
        (status = 410, response = Erased),
    ),
)]
pub async fn data(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<privacy::ParticipantData>, ApiError> {
    let token = super::path(path)?;
    let reg = open_own(&state, &token).await?;
    Ok(Json(
        privacy::export(&state.db, &reg.email_normalized, state.clock.now()).await?,
    ))
}

/// Erases everything held about the token holder's address (GDPR art. 17): registrations
/// to coming events are cancelled first, then all are anonymised.
#[utoipa::path(
    post,
    path = "/registrations/{token}/erase",
    operation_id = "erase_participant",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    responses(
        (status = 200, description = "Erased", body = privacy::ErasureReport),
        (status = 404, response = NotFound),
        (status = 410, response = Erased),
    ),
)]
pub async fn erase(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<privacy::ErasureReport>, ApiError> {
    let token = super::path(path)?;
    let reg = open_own(&state, &token).await?;
    Ok(Json(
        privacy::erase(&state.db, &state.mailer, &reg, state.clock.now()).await?,
    ))
}

/// `POST /registrations/{token}/share-contact` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ContactSharing, example = json!({"share": true}))]
pub struct ShareBody {
    /// Share the name, workplace and address with the other participants who share.
    #[schema(required, value_type = bool)]
    pub share: Option<bool>,
}

/// The owner's sharing, as it now is.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ContactSharingState)]
pub struct ShareView {
    share_contact: bool,
}

/// The token holder's choice about sharing their contact details with the other
/// participants: the sign-up's `share_contact` is only a wish (whoever signed up typed it);
/// it is shared once the owner of the address confirms it here or on their page.
#[utoipa::path(
    post,
    path = "/registrations/{token}/share-contact",
    operation_id = "share_contact",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    request_body = ShareBody,
    responses(
        (status = 200, description = "Saved", body = ShareView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 410, response = Erased),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn share_contact(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<ShareBody>,
) -> Result<Json<ShareView>, ApiError> {
    let token = super::path(path)?;
    let reg = open_own(&state, &token).await?;
    let share = body
        .share
        .ok_or_else(|| ApiError::invalid_field("share", Problem::RequiredBoolean))?;
    participants::set_contact_sharing(&state.db, &reg, share, state.clock.now()).await?;
    Ok(Json(ShareView {
        share_contact: share,
    }))
}
