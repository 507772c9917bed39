//! HTTP: the JSON API (`api`), the public and participants' pages (`pages`), the organisers'
//! desk (`desk`), the calendar feeds (`feeds`) and the operations endpoints (`/healthz`,
//! `/readyz`, and `/metrics` in `observe`), all behind the same limits and security headers.
pub mod api;
pub mod cookies;
pub mod desk;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod limits;
pub mod observe;
pub mod pages;
pub mod security;
pub mod server;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::db::Db;
use crate::mail::Mailer;

/// Largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach: one shared allocation, so the copy that each request and
/// each middleware takes is a reference count. (Copied field by field, the mailer's strings
/// and keys cost a tenth of the CPU of a sign-up rush in a profile.)
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`].
pub struct Shared {
    pub db: Db,
    /// Sign-ups, group-committed.
    pub signups: crate::service::registration::Signups,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
    pub pages: Arc<pages::Pages>,
    pub limits: Arc<limits::Limits>,
    /// Turns for argon2 password checks (bounded: each holds ~19 MiB).
    pub password_checks: crate::service::organisers::PasswordChecks,
    /// Public feeds this process answered lately (valid across processes: see `feeds`).
    pub feeds: Arc<feeds::FeedCache>,
    /// "Now" for handlers and background work (settable in tests).
    pub clock: crate::clock::Clock,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::router())
        .merge(pages::router())
        .merge(desk::router())
        .merge(feeds::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(observe::metrics))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), limits::limit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), bounded))
        // Outside the limits, so a 429, 414 or 503 to a browser is a page too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::error_pages,
        ))
        // Outside every other layer, so every answer carries the security headers.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(middleware::from_fn(observe::count))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .extensions()
                        .get::<observe::RequestId>()
                        .map_or("", |r| r.0.as_str());
                    tracing::info_span!(
                        "request",
                        id = %id,
                        method = %request.method(),
                        path = %masked_path(request.uri().path()),
                    )
                })
                .on_request(())
                .on_response(
                    |response: &axum::http::Response<_>,
                     latency: std::time::Duration,
                     _span: &tracing::Span| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            latency_ms = latency.as_millis() as u64,
                            "answered"
                        );
                    },
                ),
        )
        .layer(middleware::from_fn(observe::request_id))
        .with_state(state)
}

/// A path as logs show it: the token of `/r/{token}…` and `/feeds/me/{token}.ics` is
/// masked, so logs never hold a link that opens anything; so is any segment that holds an
/// address (`…/members/{email}`), so logs hold no addresses; and so is the registration id
/// of a receipt (`/events/{id}/receipt/{registration}`), which names one person's sign-up.
pub fn masked_path(path: &str) -> String {
    for prefix in ["/r/", "/feeds/me/", "/api/v1/registrations/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let end = rest.find(['/', '.']).unwrap_or(rest.len());
            return format!("{prefix}***{}", &rest[end..]);
        }
    }
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            let lower = segment.to_ascii_lowercase();
            let receipt_id = i == 4 && segments[1] == "events" && segments[3] == "receipt";
            if receipt_id || segment.contains('@') || lower.contains("%40") {
                "***"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The size and time limits of a request: a URL over the limit is a 414, and a request
/// that takes longer than the limit is answered 503 (and its work dropped).
async fn bounded(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limits = &state.settings.http.limits;
    // The API answers in its error format; pages get their error page (`error_pages`).
    let refuse = |api: bool, status: StatusCode, code: &'static str, message: &str| {
        if api {
            error::ApiError::new(status, code, message).into_response()
        } else {
            status.into_response()
        }
    };
    let api = request.uri().path().starts_with("/api/");
    let length = request.uri().path().len() + request.uri().query().map_or(0, str::len);
    if length > limits.max_uri_bytes {
        return refuse(
            api,
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "The URL is too long.",
        );
    }
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request took longer than the request timeout");
            refuse(
                api,
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "The request took too long and was dropped; try again in a moment.",
            )
        }
    }
}

/// 200 when the database answers, 503 otherwise.
async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

#[cfg(test)]
mod tests {
    use super::masked_path;

    #[test]
    fn logged_paths_hold_no_token_and_no_address() {
        assert_eq!(masked_path("/r/abc123"), "/r/***");
        assert_eq!(masked_path("/feeds/me/abc.ics"), "/feeds/me/***.ics");
        assert_eq!(
            masked_path("/api/v1/networks/demens/members/kari%40example.no"),
            "/api/v1/networks/demens/members/***"
        );
        assert_eq!(
            masked_path("/api/v1/networks/demens/members/kari@example.no"),
            "/api/v1/networks/demens/members/***"
        );
        assert_eq!(masked_path("/api/v1/events/42"), "/api/v1/events/42");
        assert_eq!(
            masked_path("/events/0192f0c4-aaaa/receipt/0192f0c4-bbbb"),
            "/events/0192f0c4-aaaa/receipt/***"
        );
        assert_eq!(masked_path("/events/42"), "/events/42");
        assert_eq!(masked_path("/"), "/");
    }
}
