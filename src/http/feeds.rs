//! Calendar feeds (RFC 5545) for subscription: a network's, an organisation's, and a
//! participant's own. Conditional requests are answered from a fingerprint of the rows
//! the feed shows, before anything is rendered.
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;
use crate::calendar::{self, EntryOptions};
use crate::db::{self, feeds::FeedScope};
use crate::domain::{EventKind, Language, RegistrationStatus};
use crate::mail;
use crate::tokens;

/// Bumped when the rendering changes, so cached copies are replaced.
const FORMAT_VERSION: &[u8] = b"samling-feed-1";

/// Feed routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds/networks/{file}", get(network_feed))
        .route("/feeds/organisations/{file}", get(organisation_feed))
        .route("/feeds/me/{file}", get(personal_feed))
}

/// `name.ics` → `name`; anything else names no feed.
fn strip_ics(file: &str) -> Result<&str, ApiError> {
    file.strip_suffix(".ics")
        .filter(|s| !s.is_empty())
        .ok_or_else(ApiError::not_found)
}

async fn network_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let slug = strip_ics(&file)?;
    let network = db::networks::find_by_slug(&state.db.conn, slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let description = network
        .description
        .clone()
        .unwrap_or_else(|| format!("Arrangementer i {}", network.name));
    let feed = Feed {
        scope: FeedScope::Network(network.id),
        name: network.name.clone(),
        description,
        file: format!("{slug}.ics"),
        personal: false,
        since: network.created_at,
    };
    feed.respond(&state, &headers).await
}

async fn organisation_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let slug = strip_ics(&file)?;
    let org = db::organisations::find_by_slug(&state.db.conn, slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let feed = Feed {
        scope: FeedScope::Organisation(org.id),
        name: org.name.clone(),
        description: format!("Alle arrangementer fra {}", org.name),
        file: format!("{slug}.ics"),
        personal: false,
        since: org.created_at,
    };
    feed.respond(&state, &headers).await
}

async fn personal_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = strip_ics(&file)?;
    if token.len() > 200 {
        return Err(ApiError::not_found());
    }
    let email = db::feeds::participant_by_token_hash(&state.db.conn, &tokens::hash(token))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let feed = Feed {
        scope: FeedScope::Participant(email),
        name: "Mine påmeldinger".into(),
        description: "Arrangementer du er påmeldt eller står på venteliste til".into(),
        file: "samling.ics".into(),
        personal: true,
        since: DateTime::<Utc>::UNIX_EPOCH,
    };
    feed.respond(&state, &headers).await
}

/// One feed request.
struct Feed {
    scope: FeedScope,
    name: String,
    description: String,
    file: String,
    /// Personal feeds carry join links for seats held, and are private to caches.
    personal: bool,
    /// Last-Modified of an empty feed.
    since: DateTime<Utc>,
}

/// RFC 7231 date, as `Last-Modified` wants it.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

impl Feed {
    async fn respond(self, state: &AppState, headers: &HeaderMap) -> Result<Response, ApiError> {
        let now = Utc::now();
        let (stamps, own) = db::feeds::feed_stamps(&state.db.conn, &self.scope, now).await?;

        // Fingerprint of everything the feed shows; events change `updated_at` and
        // `sequence` with every change, registrations their `updated_at`.
        let mut hasher = Sha256::new();
        hasher.update(FORMAT_VERSION);
        hasher.update(self.name.as_bytes());
        hasher.update(self.description.as_bytes());
        let mut last_modified = self.since;
        for e in &stamps {
            hasher.update(e.id.as_bytes());
            hasher.update(e.sequence.to_le_bytes());
            hasher.update(e.status.as_bytes());
            hasher.update(e.updated_at.timestamp_micros().to_le_bytes());
            last_modified = last_modified.max(e.updated_at);
            if let Some(r) = own.get(&e.id) {
                hasher.update(r.status.as_bytes());
                hasher.update(r.updated_at.timestamp_micros().to_le_bytes());
                last_modified = last_modified.max(r.updated_at);
            }
        }
        let digest: String = hasher
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let etag = format!("\"{digest}\"");
        let cache_control = if self.personal {
            "private, max-age=300"
        } else {
            "public, max-age=300"
        };
        let mut response_headers = HeaderMap::new();
        let put = |h: &mut HeaderMap, name: header::HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        };
        put(&mut response_headers, header::ETAG, &etag);
        put(
            &mut response_headers,
            header::LAST_MODIFIED,
            &http_date(last_modified),
        );
        put(&mut response_headers, header::CACHE_CONTROL, cache_control);

        if not_modified(headers, &etag, last_modified) {
            return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
        }

        // Rendering needs the whole rows; a change between the two reads only makes the
        // body newer than its ETag, and the next refresh fetches it again.
        let events = db::feeds::feed_events(&state.db.conn, &self.scope, now).await?;
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        let mut sessions = db::feeds::sessions_for(&state.db.conn, &ids).await?;
        let networks: HashMap<_, _> = db::networks::list(&state.db.conn, None)
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect();
        let mut entries = Vec::new();
        for e in &events {
            let registration = own.get(&e.id);
            let confirmed =
                registration.is_some_and(|r| r.status == RegistrationStatus::Confirmed.as_str());
            let mut categories =
                vec![mail::kind_label(EventKind::from_db(&e.kind), Language::Nb).to_string()];
            if let Some(network) = e.network_id.and_then(|n| networks.get(&n)) {
                categories.push(network.clone());
            }
            let options = EntryOptions {
                base_url: &state.settings.base_url,
                include_join_link: self.personal && confirmed,
                sequence: e.sequence,
                dtstamp: e.updated_at,
                categories,
                waitlisted: registration
                    .is_some_and(|r| r.status == RegistrationStatus::Waitlisted.as_str()),
            };
            let list = sessions.remove(&e.id).unwrap_or_default();
            entries.extend(calendar::session_entries(e, &list, &options));
        }
        let body = calendar::feed(&self.name, &self.description, entries);
        put(
            &mut response_headers,
            header::CONTENT_TYPE,
            "text/calendar; charset=utf-8",
        );
        put(
            &mut response_headers,
            header::CONTENT_DISPOSITION,
            &format!("inline; filename=\"{}\"", self.file),
        );
        Ok((StatusCode::OK, response_headers, body).into_response())
    }
}

/// RFC 7232: `If-None-Match` decides when present; otherwise `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}
