//! `GET /audit`: the organisation's audit log, for its administrators.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::db::entities::audit_entry;
use crate::domain::Problem;
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::service::{audit, organisers};

use super::schema::{AdminOnly, InvalidInput};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many entries (1 to 1000; default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// The latest entries, newest first (`?limit=` 1 to 1000, default 200). 403 for an
/// organiser who is not an administrator.
#[utoipa::path(
    get,
    path = "/audit",
    operation_id = "audit_log",
    tag = "organisation",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The latest entries, newest first", body = Vec<audit_entry::Model>),
        (status = 400, response = InvalidInput),
        (status = 403, response = AdminOnly),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    me: Organiser,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<audit_entry::Model>>, ApiError> {
    let q = super::query(q)?;
    let limit = match q.limit.as_deref().map(str::parse::<u64>) {
        None => 200,
        Some(Ok(n)) if (1..=audit::MAX_ENTRIES).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "limit",
                Problem::NumberRange {
                    min: 1,
                    max: audit::MAX_ENTRIES as i64,
                },
            ))
        }
    };
    audit::latest(&state.db, organisers::actor(&me.0), limit)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_only",
                "Only administrators of the organisation may read the audit log.",
            )
        })
}
