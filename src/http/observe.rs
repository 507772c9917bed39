//! Seeing what the service does: a request id on every answer and in every log line of
//! that request, request counts and latencies by route, and `GET /metrics` for Prometheus.
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::AppState;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// A request's id, in its extensions (logs and the answer's header carry it).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A proxy's request id is kept when it is a plain token (so logs of both match); anything
/// else is replaced, so a client cannot write into our logs.
fn usable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Gives the request an id (the proxy's, or a new one) and puts it on the answer.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_string);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// Counts the request by route (the router's pattern: never a URL with a token in it).
pub async fn count(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    crate::metrics::http_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `GET /metrics`: Prometheus text for the holder of `SAMLING_METRICS_TOKEN`; 404 while
/// that setting is empty (the endpoint does not exist), 401 for a wrong token.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = &state.settings.keys.metrics_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    let Some(handle) = crate::metrics::install() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let (pending, oldest) = crate::db::outbox::pending(&state.db.conn)
        .await
        .unwrap_or((0, None));
    let (in_use, idle) = state.db.pool();
    crate::metrics::snapshot(
        pending,
        oldest.and_then(|t| (state.clock.now() - t).to_std().ok()),
        in_use,
        idle,
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_request_ids_are_kept() {
        assert!(usable("3f2a9c-abc_1.2"));
        assert!(!usable(""));
        assert!(!usable("a b"));
        assert!(!usable("x\u{7f}"));
        assert!(!usable(&"a".repeat(65)));
    }
}
