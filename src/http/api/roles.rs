//! The organisation's participant roles: read them, and (administrators) replace the list.
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::domain::roles::{Role, RoleInput};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser};
use crate::http::AppState;
use crate::service::roles::{self, RolesError};

use super::schema::{AdminOnly, InvalidInput, UnsupportedMediaType};

/// A participant role: its key (what a registration stores and the statistics count by)
/// and its labels.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Role, example = json!({"key": "helsepersonell", "label_nb": "Helsepersonell",
    "label_en": "Health personnel"}))]
pub struct RoleView {
    /// 2–64 of a-z, 0-9 and inner dashes.
    #[schema(value_type = String, min_length = 2, max_length = 64)]
    key: Option<String>,
    #[schema(value_type = String, max_length = 100)]
    label_nb: Option<String>,
    /// Default: the Norwegian label.
    #[schema(max_length = 100)]
    label_en: Option<String>,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> RoleView {
        RoleView {
            key: Some(r.key),
            label_nb: Some(r.nb),
            label_en: Some(r.en),
        }
    }
}

/// The organisation's roles in the sign-up form's order (the default four until it sets
/// its own).
#[utoipa::path(
    get,
    path = "/roles",
    operation_id = "list_roles",
    tag = "organisation",
    security(("bearer" = [])),
    responses((status = 200, description = "The roles", body = Vec<RoleView>)),
)]
pub async fn list(
    State(state): State<AppState>,
    me: Organiser,
) -> Result<Json<Vec<RoleView>>, ApiError> {
    let list = roles::of_organisation(&state.db.conn, me.0.organisation_id).await?;
    Ok(Json(list.into_iter().map(RoleView::from).collect()))
}

/// Replaces the list (administrators). A role registrations hold may be relabelled but
/// not left out (400 naming it); at most 30 roles.
#[utoipa::path(
    put,
    path = "/roles",
    operation_id = "set_roles",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = Vec<RoleView>,
    responses(
        (status = 200, description = "The new list", body = Vec<RoleView>),
        (status = 400, response = InvalidInput),
        (status = 403, response = AdminOnly),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn set(
    State(state): State<AppState>,
    me: Organiser,
    ApiJson(body): ApiJson<Vec<RoleView>>,
) -> Result<Json<Vec<RoleView>>, ApiError> {
    let input: Vec<RoleInput> = body
        .into_iter()
        .map(|r| RoleInput {
            key: r.key,
            nb: r.label_nb,
            en: r.label_en,
        })
        .collect();
    match roles::set(&state.db, &me.0, &input, state.clock.now()).await {
        Ok(list) => Ok(Json(list.into_iter().map(RoleView::from).collect())),
        Err(RolesError::NotAllowed) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_only",
            "Only administrators of the organisation may change the roles.",
        )),
        Err(RolesError::Invalid(fields)) => Err(ApiError::invalid(fields)),
        Err(RolesError::Db(e)) => Err(e.into()),
    }
}
