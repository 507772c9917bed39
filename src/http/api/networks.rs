//! Networks and their members.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::db::{
    self,
    entities::{network, network_member},
};
use crate::domain::{self, Email, FieldErrors, Slug};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser};
use crate::http::AppState;

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
    fn new(n: network::Model, base_url: &str) -> NetworkView {
        let feed_url = format!("{base_url}/feeds/networks/{}.ics", n.slug);
        let webcal_url = crate::http::pages::webcal(&feed_url);
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
pub struct NewNetwork {
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
}

/// Creates a network in the organiser's organisation.
pub async fn create(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    ApiJson(body): ApiJson<NewNetwork>,
) -> Result<(StatusCode, Json<NetworkView>), ApiError> {
    let mut errors = FieldErrors::new();
    let slug = match Slug::parse(body.slug.as_deref().unwrap_or_default()) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.insert("slug".into(), e);
            None
        }
    };
    let name = domain::required_text(&mut errors, "name", body.name.as_deref(), 200);
    let description = domain::optional_long_text(
        &mut errors,
        "description",
        body.description.as_deref(),
        5000,
    );
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let tx = state.db.begin_write().await?;
    let created =
        db::networks::insert(&*tx, me.organisation_id, slug.as_str(), &name, description).await;
    let created = match created {
        Ok(n) => n,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "slug_taken",
                "That slug is already in use.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(NetworkView::new(created, &state.settings.base_url)),
    ))
}

/// Lists every network.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<NetworkView>>, ApiError> {
    let networks = db::networks::list(&state.db.conn, None).await?;
    Ok(Json(
        networks
            .into_iter()
            .map(|n| NetworkView::new(n, &state.settings.base_url))
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
    Ok(Json(NetworkView::new(n, &state.settings.base_url)))
}

/// The organiser's own network by slug; another organisation's is a 404.
async fn own_network(
    state: &AppState,
    me: &Organiser,
    slug: &str,
) -> Result<network::Model, ApiError> {
    db::networks::find_by_slug(&state.db.conn, slug)
        .await?
        .filter(|n| n.organisation_id == me.0.organisation_id)
        .ok_or_else(ApiError::not_found)
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
pub struct NewMember {
    email: Option<String>,
    name: Option<String>,
    municipality: Option<String>,
}

/// Adds a member (201), or returns the existing one unchanged (200).
pub async fn add_member(
    State(state): State<AppState>,
    me: Organiser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewMember>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let network = own_network(&state, &me, &slug).await?;
    let mut errors = FieldErrors::new();
    let email = Email::parse(body.email.as_deref().unwrap_or_default())
        .map_err(|e| errors.insert("email".into(), e))
        .ok();
    let name = domain::optional_text(&mut errors, "name", body.name.as_deref(), 200);
    let municipality = domain::optional_text(
        &mut errors,
        "municipality",
        body.municipality.as_deref(),
        200,
    );
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    if let Some(existing) =
        db::networks::member(&state.db.conn, network.id, &email.normalized()).await?
    {
        return Ok((StatusCode::OK, Json(existing.into())));
    }
    let tx = state.db.begin_write().await?;
    let added = db::networks::add_member(
        &*tx,
        network.id,
        email.as_str(),
        &email.normalized(),
        name,
        municipality,
    )
    .await;
    match added {
        Ok(m) => {
            tx.commit().await?;
            Ok((StatusCode::CREATED, Json(m.into())))
        }
        Err(e) if db::is_unique_violation(&e) => {
            drop(tx);
            let existing = db::networks::member(&state.db.conn, network.id, &email.normalized())
                .await?
                .ok_or_else(ApiError::not_found)?;
            Ok((StatusCode::OK, Json(existing.into())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Lists a network's members.
pub async fn list_members(
    State(state): State<AppState>,
    me: Organiser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let network = own_network(&state, &me, &slug).await?;
    let members = db::networks::members(&state.db.conn, network.id).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// Removes a member (204), or 404 if the address is not a member.
pub async fn remove_member(
    State(state): State<AppState>,
    me: Organiser,
    Path((slug, email)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let network = own_network(&state, &me, &slug).await?;
    let tx = state.db.begin_write().await?;
    let removed =
        db::networks::remove_member(&*tx, network.id, &email.trim().to_lowercase()).await?;
    tx.commit().await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
