//! Networks and their members.
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
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

use super::paging::{self, PageQuery};

use super::schema::{InvalidInput, NotFound, SlugTaken, UnsupportedMediaType};

/// A network as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Network)]
pub struct NetworkView {
    id: uuid::Uuid,
    slug: String,
    name: String,
    description: Option<String>,
    /// The network's calendar feed (iCalendar), and the same for one-click subscription.
    #[schema(format = "uri")]
    feed_url: String,
    #[schema(format = "uri")]
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewNetwork, example = json!({
    "slug": "demensnettverket",
    "name": "Demensnettverket i Vestfold",
    "description": "Fagnettverk for ansatte i demensomsorgen"
}))]
pub struct NewNetworkBody {
    /// Names the network in URLs and feeds; unique across the service.
    #[schema(required, value_type = String, pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        min_length = 2, max_length = 64)]
    slug: Option<String>,
    #[schema(required, value_type = String, pattern = "\\S", max_length = 200)]
    name: Option<String>,
    #[schema(max_length = 5000)]
    description: Option<String>,
}

/// Creates a network in the organiser's organisation.
#[utoipa::path(
    post,
    path = "/networks",
    operation_id = "create_network",
    tag = "networks",
    security(("bearer" = [])),
    request_body = NewNetworkBody,
    responses(
        (status = 201, description = "Created", body = NetworkView, links(
            ("show" = (operation_id = "show_network", parameters(("slug" = "$response.body#/slug")))),
            ("add_member" = (operation_id = "add_member",
                parameters(("slug" = "$response.body#/slug")))),
        )),
        (status = 400, response = InvalidInput),
        (status = 409, response = SlugTaken),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
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
        state.clock.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NetworkView::new(created, state.mailer.links())),
    ))
}

/// Lists every network by name, a page at a time (`Link: <…>; rel="next"`,
/// `X-Total-Count`).
#[utoipa::path(
    get,
    path = "/networks",
    operation_id = "list_networks",
    tag = "networks",
    params(PageQuery),
    responses(
        (status = 200, description = "Every network", body = Vec<NetworkView>,
         headers(
            ("link" = String, description = "`<…?after=…>; rel=\"next\"` while there are more"),
            ("x-total-count" = u64, description = "How many networks there are"),
         )),
        (status = 400, response = InvalidInput),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = super::query(q)?.check()?;
    let list = db::networks::list(&state.db.conn, None).await?;
    let (rows, next, total) =
        paging::slice_after(list, &page, |n| n.slug.clone()).ok_or_else(paging::bad_cursor)?;
    let views: Vec<NetworkView> = rows
        .into_iter()
        .map(|n| NetworkView::new(n, state.mailer.links()))
        .collect();
    Ok(paging::respond(&uri, views, next, total))
}

/// Shows one network.
#[utoipa::path(
    get,
    path = "/networks/{slug}",
    operation_id = "show_network",
    tag = "networks",
    params(("slug" = String, Path, description = "The network's slug")),
    responses(
        (status = 200, description = "The network", body = NetworkView),
        (status = 404, response = NotFound),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<NetworkView>, ApiError> {
    let slug = super::path(path)?;
    let n = db::networks::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(NetworkView::new(n, state.mailer.links())))
}

/// A member as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Member)]
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewMember, example = json!({
    "email": "kari.nordmann@example.no",
    "name": "Kari Nordmann",
    "municipality": "Tønsberg"
}))]
pub struct NewMemberBody {
    #[schema(required, value_type = String)]
    email: Option<String>,
    name: Option<String>,
    municipality: Option<String>,
}

/// Adds a member (201), or returns the existing one unchanged (200).
#[utoipa::path(
    post,
    path = "/networks/{slug}/members",
    operation_id = "add_member",
    tag = "networks",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The network's slug")),
    request_body = NewMemberBody,
    responses(
        (status = 201, description = "Added", body = MemberView, links(
            ("remove" = (operation_id = "remove_member",
                parameters(("slug" = "$request.path.slug"), ("email" = "$response.body#/email")))),
        )),
        (status = 200, description = "Already a member: unchanged", body = MemberView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
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
        state.clock.now(),
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(member.into())))
}

/// Lists a network's members by address, a page at a time: the next page is in the
/// `Link: <…>; rel="next"` header, the number of them all in `X-Total-Count`.
#[utoipa::path(
    get,
    path = "/networks/{slug}/members",
    operation_id = "list_members",
    tag = "networks",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The network's slug"), PageQuery),
    responses(
        (status = 200, description = "The members", body = Vec<MemberView>,
         headers(
            ("link" = String, description = "`<…?after=…>; rel=\"next\"` while there are more"),
            ("x-total-count" = u64, description = "How many members the network has"),
         )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn list_members(
    State(state): State<AppState>,
    own: OwnNetwork,
    OriginalUri(uri): OriginalUri,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = super::query(q)?.check()?;
    // The cursor is the last address, encoded so that no address stands in a URL.
    let after = match page.after.as_deref() {
        Some(a) => Some(
            URL_SAFE_NO_PAD
                .decode(a)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(paging::bad_cursor)?,
        ),
        None => None,
    };
    let rows = db::networks::members_page(
        &state.db.conn,
        own.network.id,
        after.as_deref(),
        page.limit + 1,
    )
    .await?;
    let total = db::networks::member_count(&state.db.conn, own.network.id).await?;
    let (rows, next) = paging::split(rows, &page, |m| URL_SAFE_NO_PAD.encode(&m.email_normalized));
    let views: Vec<MemberView> = rows.into_iter().map(Into::into).collect();
    Ok(paging::respond(&uri, views, next, total))
}

/// Removes a member (204), or 404 if the address is not a member.
#[utoipa::path(
    delete,
    path = "/networks/{slug}/members/{email}",
    operation_id = "remove_member",
    tag = "networks",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The network's slug"),
        ("email" = String, Path, description = "The member's address"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = NotFound),
    ),
)]
pub async fn remove_member(
    State(state): State<AppState>,
    own: OwnNetwork,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let (_slug, email) = super::path(path)?;
    if networks::remove_member(&state.db, &own.network, &email).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
