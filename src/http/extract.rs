//! Request extractors that answer in the API's error format: JSON bodies with per-field
//! errors, and organiser authentication.
use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts, StatusCode};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::error::ApiError;
use super::AppState;
use crate::db::entities::{network, organiser};
use crate::db::events::EventContext;
use crate::db::{self};
use crate::domain::visibility::Viewer;
use crate::domain::{FieldErrors, Problem};
use crate::links;

/// A JSON body. Wrong content type → 415, too large → 413, malformed → 400, a field of the
/// wrong type → 400 with that field named.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        let bytes = raw_body(Bytes::from_request(req, state).await)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A raw request body, its rejection answered in the API's error format (413
/// `payload_too_large` over the body limit, else 400 `invalid_input`).
pub fn raw_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The body is larger than 1 MiB.",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                rejection.body_text(),
            )
        }
    })
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if path != "." => {
                ApiError::invalid(FieldErrors::one(
                    path,
                    Problem::Unreadable(clean_serde_message(&inner.to_string())),
                ))
            }
            serde_json::error::Category::Data => ApiError::invalid(FieldErrors::one(
                "body",
                Problem::Unreadable(clean_serde_message(&inner.to_string())),
            )),
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!("Malformed JSON: {inner}"),
            ),
        }
    })
}

/// serde's messages end in " at line 1 column 20"; the field name says more.
fn clean_serde_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// An authenticated organiser (401 without a valid bearer token).
#[derive(Debug, Clone)]
pub struct Organiser(pub organiser::Model);

/// An organiser if a token was sent; anonymous otherwise (a bad token is still 401).
pub struct MaybeOrganiser(pub Option<organiser::Model>);

impl MaybeOrganiser {
    /// Who is looking, for the visibility rules.
    pub fn viewer(&self) -> Viewer {
        match &self.0 {
            Some(o) => Viewer::Organiser {
                organisation_id: o.organisation_id,
            },
            None => Viewer::Public,
        }
    }
}

async fn organiser_from(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<organiser::Model>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= links::MAX_TOKEN_LEN)
        .ok_or_else(ApiError::unauthorized)?;
    // A disabled account's tokens are kept but open nothing (`domain::access::is_active`).
    let (organiser, token) =
        db::organisations::organiser_by_token_hash(&state.db.conn, &links::hash(token))
            .await?
            .filter(|(o, _)| crate::domain::access::is_active(o.disabled_at.is_some()))
            .ok_or_else(ApiError::unauthorized)?;
    let now = state.clock.now();
    if token
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        let tx = state.db.begin_write().await?;
        db::organisations::touch_token(&*tx, token.id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(organiser))
}

impl<S> FromRequestParts<S> for Organiser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        organiser_from(parts, &state)
            .await?
            .map(Organiser)
            .ok_or_else(ApiError::unauthorized)
    }
}

impl<S> FromRequestParts<S> for MaybeOrganiser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        Ok(MaybeOrganiser(organiser_from(parts, &state).await?))
    }
}

/// A path parameter by name (`id`, `slug`…), or 404.
async fn path_param(parts: &mut Parts, name: &str) -> Result<String, ApiError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .map_err(|_| ApiError::not_found())?;
    params.get(name).cloned().ok_or_else(ApiError::not_found)
}

/// Ids in paths: anything that is not a UUID names nothing, so it is a 404.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found())
}

/// The event `{id}` of the organiser's own organisation, with its sessions and
/// organisation; another organisation's event is a 404, exactly like a missing one.
pub struct OwnEvent {
    pub organiser: organiser::Model,
    pub ctx: EventContext,
}

impl<S> FromRequestParts<S> for OwnEvent
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Organiser(organiser) = Organiser::from_request_parts(parts, state).await?;
        let id = parse_id(&path_param(parts, "id").await?)?;
        let state = AppState::from_ref(state);
        let ctx = crate::service::events::of_organisation(&state.db, organiser.organisation_id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok(OwnEvent { organiser, ctx })
    }
}

/// The network `{slug}` of the organiser's own organisation (404 otherwise).
pub struct OwnNetwork {
    pub organiser: organiser::Model,
    pub network: network::Model,
}

impl<S> FromRequestParts<S> for OwnNetwork
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Organiser(organiser) = Organiser::from_request_parts(parts, state).await?;
        let slug = path_param(parts, "slug").await?;
        let state = AppState::from_ref(state);
        let network =
            crate::service::networks::of_organisation(&state.db, organiser.organisation_id, &slug)
                .await?
                .ok_or_else(ApiError::not_found)?;
        Ok(OwnNetwork { organiser, network })
    }
}
