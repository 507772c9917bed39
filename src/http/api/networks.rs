//! Networks and their members.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::db::{
    self,
    entities::{network, network_member},
};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser, OwnNetwork};
use crate::http::AppState;
use crate::links::{webcal, Links};
use crate::service::networks;

/// A network as the API shows it.
#[derive(Serialize)]
pub struct NetworkView {
    id: uuid::Uuid,
    slug: String,
    name: String,
    description: Option<String>,
    /// The network's calendar feed, and the same for one-click subscription.
    feed_url: String,
    webcal_url: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl NetworkView {
    fn new(n: network::Model, links: &Links) -> NetworkView {
        let feed_url = links.network_feed_url(&n.slug);
        let webcal_url = webcal(&feed_url);
        NetworkView {
            id: n.id,
            slug: n.slug,
            name: n.name,
            description: n.description,
            feed_url,
            webcal_url,
            created_at: n.created_at,
        }
    }
}

/// `POST /networks` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNetworkBody {
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
}

/// Creates a network in the organiser's organisation.
pub async fn create(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    ApiJson(body): ApiJson<NewNetworkBody>,
) -> Result<(StatusCode, Json<NetworkView>), ApiError> {
    let created = networks::create(
        &state.db,
        me.organisation_id,
        networks::NewNetwork {
            slug: body.slug,
            name: body.name,
            description: body.description,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NetworkView::new(created, state.mailer.links())),
    ))
}

/// Lists every network.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<NetworkView>>, ApiError> {
    let list = db::networks::list(&state.db.conn, None).await?;
    Ok(Json(
        list.into_iter()
            .map(|n| NetworkView::new(n, state.mailer.links()))
            .collect(),
    ))
}

/// Shows one network.
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<NetworkView>, ApiError> {
    let n = db::networks::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(NetworkView::new(n, state.mailer.links())))
}

/// A member as the API shows it.
#[derive(Serialize)]
pub struct MemberView {
    email: String,
    name: Option<String>,
    municipality: Option<String>,
    added_at: chrono::DateTime<chrono::Utc>,
}

impl From<network_member::Model> for MemberView {
    fn from(m: network_member::Model) -> Self {
        MemberView {
            email: m.email,
            name: m.name,
            municipality: m.municipality,
            added_at: m.created_at,
        }
    }
}

/// `POST /networks/{slug}/members` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    email: Option<String>,
    name: Option<String>,
    municipality: Option<String>,
}

/// Adds a member (201), or returns the existing one unchanged (200).
pub async fn add_member(
    State(state): State<AppState>,
    own: OwnNetwork,
    ApiJson(body): ApiJson<NewMemberBody>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let (member, created) = networks::add_member(
        &state.db,
        &own.network,
        networks::MemberInput {
            email: body.email,
            name: body.name,
            municipality: body.municipality,
        },
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(member.into())))
}

/// Lists a network's members.
pub async fn list_members(
    State(state): State<AppState>,
    own: OwnNetwork,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let members = db::networks::members(&state.db.conn, own.network.id).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// Removes a member (204), or 404 if the address is not a member.
pub async fn remove_member(
    State(state): State<AppState>,
    own: OwnNetwork,
    Path((_slug, email)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if networks::remove_member(&state.db, &own.network, &email).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
