//! `GET /audit`: the organisation's audit log, for its administrators.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::db::entities::audit_entry;
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::service::{audit, organisers};

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    limit: Option<String>,
}

/// The latest entries, newest first (`?limit=` 1 to 1000, default 200). 403 for an
/// organiser who is not an administrator.
pub async fn list(
    State(state): State<AppState>,
    me: Organiser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<audit_entry::Model>>, ApiError> {
    let limit = match q.limit.as_deref().map(str::parse::<u64>) {
        None => 200,
        Some(Ok(n)) if (1..=audit::MAX_ENTRIES).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "limit",
                "must be a number from 1 to 1000",
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
