//! Calendar feeds (RFC 5545) for subscription: a network's, an organisation's, and a
//! participant's own. Conditional requests are answered from a fingerprint of the rows the
//! feed shows, before anything is rendered.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::body::Bytes;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;
use crate::calendar;
use crate::db::entities::{event, event_session};
use crate::db::feeds::{FeedScope, OwnRegistration};
use crate::db::{self};
use crate::domain::notices::participant_sees_join_link;
use crate::domain::visibility::{FEED_HISTORY, FEED_KEEPS_CANCELLED};
use crate::domain::{Language, RegistrationStatus};
use crate::links::Links;
use crate::service::participants;

/// Bumped when the rendering changes, so cached copies are replaced.
const FORMAT_VERSION: &[u8] = b"samling-feed-2";

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
    let key = format!("networks/{slug}");
    let (answer, generation) = remembered(&state, &key, &headers).await?;
    if let Some(answer) = answer {
        return Ok(answer);
    }
    let network = db::networks::find_by_slug(&state.db.conn, slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let description = network
        .description
        .clone()
        .unwrap_or_else(|| format!("Arrangementer i {}", network.name));
    Feed {
        scope: FeedScope::Network(network.id),
        key,
        generation: Some(generation),
        name: network.name.clone(),
        description,
        file: format!("{slug}.ics"),
        personal: false,
    }
    .respond(&state, &headers)
    .await
}

async fn organisation_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let slug = strip_ics(&file)?;
    let key = format!("organisations/{slug}");
    let (answer, generation) = remembered(&state, &key, &headers).await?;
    if let Some(answer) = answer {
        return Ok(answer);
    }
    let org = db::organisations::find_by_slug(&state.db.conn, slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Feed {
        scope: FeedScope::Organisation(org.id),
        key,
        generation: Some(generation),
        name: org.name.clone(),
        description: format!("Alle arrangementer fra {}", org.name),
        file: format!("{slug}.ics"),
        personal: false,
    }
    .respond(&state, &headers)
    .await
}

async fn personal_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = strip_ics(&file)?;
    let feed = participants::open_feed(&state.db, state.mailer.links().key(), token)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Feed {
        scope: FeedScope::Participant(feed.email_normalized),
        key: format!("me/{}", feed.link_id),
        generation: None,
        // Named in the participant's language when it is rendered (see `render`).
        name: String::new(),
        description: String::new(),
        file: "samling.ics".into(),
        personal: true,
    }
    .respond(&state, &headers)
    .await
}

/// One feed request.
struct Feed {
    scope: FeedScope,
    /// Names the feed in `feed_versions`.
    key: String,
    /// The feed generation read when the request came (public feeds; personal feeds are
    /// never remembered).
    generation: Option<i64>,
    name: String,
    description: String,
    file: String,
    /// Personal feeds carry join links for seats held, and are private to caches.
    personal: bool,
}

/// A version of a feed: what its answers carry, and its text once rendered.
#[derive(Debug, Clone)]
struct FeedVersion {
    digest: String,
    last_modified: DateTime<Utc>,
    personal: bool,
    file: String,
    body: Option<Bytes>,
}

impl FeedVersion {
    /// The answer to a request: 304 when the client has this version, else the body
    /// (`None` when it must be rendered first).
    fn answer(&self, request: &HeaderMap) -> Option<Response> {
        let mut h = HeaderMap::new();
        put(&mut h, header::ETAG, &format!("W/\"{}\"", self.digest));
        put(
            &mut h,
            header::LAST_MODIFIED,
            &http_date(self.last_modified),
        );
        put(
            &mut h,
            header::CACHE_CONTROL,
            if self.personal {
                "private, no-store"
            } else {
                "public, max-age=300"
            },
        );
        // RFC 9110 §15.4.5: a 304 carries the Vary the 200 would (the compression layer
        // adds it only to bodies it handles), so shared caches keep gzip and plain apart.
        put(&mut h, header::VARY, "accept-encoding");
        if not_modified(request, &self.digest, self.last_modified) {
            return Some((StatusCode::NOT_MODIFIED, h).into_response());
        }
        let body = self.body.clone()?;
        put(
            &mut h,
            header::CONTENT_DISPOSITION,
            &format!("inline; filename=\"{}\"", self.file),
        );
        put(&mut h, header::CONTENT_TYPE, "text/calendar; charset=utf-8");
        Some((StatusCode::OK, h, body).into_response())
    }
}

/// A remembered public feed: valid while the feed generation it was made at is the
/// database's and its first entry has not aged out.
struct Remembered {
    generation: i64,
    valid_until: DateTime<Utc>,
    version: FeedVersion,
}

/// The public feeds this process answered lately. One read of the feed generation says
/// whether a copy is still the database's, so a conditional request or a repeated full
/// one costs no rendering and no scan of the events, in every process.
#[derive(Default)]
pub struct FeedCache {
    entries: Mutex<HashMap<String, Remembered>>,
    /// The last read of the feed generation and when it began.
    last_read: tokio::sync::Mutex<Option<(Instant, i64)>>,
}

/// Rendered feeds kept at most (bytes); beyond, older copies are dropped.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

impl FeedCache {
    /// The feed generation, read after the caller arrived. Requests that come while a read
    /// is under way wait for the next one and share it, so a crowd of feed readers costs
    /// one query per round trip to the database, not one each.
    async fn generation(&self, db: &impl sea_orm::ConnectionTrait) -> Result<i64, ApiError> {
        let arrived = Instant::now();
        let mut last = self.last_read.lock().await;
        if let Some((began, generation)) = *last {
            if began > arrived {
                return Ok(generation);
            }
        }
        let began = Instant::now();
        let generation = db::feeds::generation(db).await?;
        *last = Some((began, generation));
        Ok(generation)
    }

    fn fresh(&self, key: &str, generation: i64, now: DateTime<Utc>) -> Option<FeedVersion> {
        let entries = self.entries.lock().ok()?;
        let r = entries.get(key)?;
        (r.generation == generation && now < r.valid_until).then(|| r.version.clone())
    }

    /// The text of this version of the feed, if this process rendered it.
    fn body(&self, key: &str, digest: &str) -> Option<Bytes> {
        let entries = self.entries.lock().ok()?;
        let r = entries.get(key)?;
        (r.version.digest == digest).then(|| r.version.body.clone())?
    }

    fn remember(
        &self,
        key: &str,
        generation: i64,
        valid_until: DateTime<Utc>,
        version: FeedVersion,
    ) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // A 304 does not render: keep the text of the same version if there is one.
        let version = match (version.body.is_none(), entries.get(key)) {
            (true, Some(old)) if old.version.digest == version.digest => FeedVersion {
                body: old.version.body.clone(),
                ..version
            },
            _ => version,
        };
        entries.insert(
            key.to_string(),
            Remembered {
                generation,
                valid_until,
                version,
            },
        );
        let size = |e: &HashMap<String, Remembered>| {
            e.values()
                .map(|r| r.version.body.as_ref().map_or(0, Bytes::len))
                .sum::<usize>()
        };
        while size(&entries) > CACHE_BYTES {
            let Some(victim) = entries.keys().find(|k| k.as_str() != key).cloned() else {
                break;
            };
            entries.remove(&victim);
        }
    }
}

/// Answers a public feed request from what this process remembers, if that is still the
/// database's version.
async fn remembered(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
) -> Result<(Option<Response>, i64), ApiError> {
    let generation = state.feeds.generation(&state.db.conn).await?;
    let answer = state
        .feeds
        .fresh(key, generation, state.clock.now())
        .and_then(|v| v.answer(headers));
    Ok((answer, generation))
}

/// RFC 9110 date, as `Last-Modified` wants it.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn put(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

impl Feed {
    async fn respond(self, state: &AppState, headers: &HeaderMap) -> Result<Response, ApiError> {
        let now = state.clock.now();
        // The generation was read first: a change committed while this request works moves
        // it, so what is remembered below can only be older than the database, never newer.
        let generation = self.generation;
        let (stamps, own) = db::feeds::feed_stamps(&state.db.conn, &self.scope, now).await?;
        let mut network_ids: Vec<_> = stamps.iter().filter_map(|e| e.network_id).collect();
        network_ids.sort();
        network_ids.dedup();
        let networks: HashMap<_, _> = db::networks::find_many(&state.db.conn, network_ids)
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect();

        // Fingerprint of everything the feed shows; events change `updated_at` and
        // `sequence` with every change, registrations their `updated_at`. Weak: the same
        // content is served plain and gzip-compressed.
        let mut hasher = Sha256::new();
        hasher.update(FORMAT_VERSION);
        hasher.update(self.name.as_bytes());
        hasher.update(self.description.as_bytes());
        for e in &stamps {
            hasher.update(e.id.as_bytes());
            hasher.update(e.sequence.to_le_bytes());
            hasher.update(e.status.as_str().as_bytes());
            hasher.update(e.updated_at.timestamp_micros().to_le_bytes());
            if let Some(name) = e.network_id.and_then(|n| networks.get(&n)) {
                hasher.update(name.as_bytes());
            }
            if let Some(r) = own.get(&e.id) {
                hasher.update(r.status.as_str().as_bytes());
                hasher.update(r.updated_at.timestamp_micros().to_le_bytes());
            }
        }
        let digest: String = hasher
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let last_modified = self.changed_at(state, &digest, now).await?;
        // The feed changes by itself when its first entry leaves it (too old, or cancelled
        // too long ago); until then only a write can change it.
        let valid_until = stamps
            .iter()
            .flat_map(|e| {
                [
                    Some(e.ends_at + FEED_HISTORY),
                    e.cancelled_at.map(|c| c + FEED_KEEPS_CANCELLED),
                ]
            })
            .flatten()
            .min()
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let key = self.key.clone();
        let mut version = FeedVersion {
            digest,
            last_modified,
            personal: self.personal,
            file: self.file.clone(),
            body: None,
        };
        if not_modified(headers, &version.digest, last_modified) {
            if let Some(g) = generation {
                state.feeds.remember(&key, g, valid_until, version.clone());
            }
            return Ok(version
                .answer(headers)
                .unwrap_or_else(|| StatusCode::NOT_MODIFIED.into_response()));
        }
        // The same version rendered before (by this process) is served as it was.
        version.body = state.feeds.body(&key, &version.digest);
        if version.body.is_none() {
            // Rendering needs the whole rows; a change between the two reads only makes
            // the body newer than its ETag, and the next refresh fetches it again.
            let events = db::feeds::feed_events(&state.db.conn, &self.scope, now).await?;
            let ids: Vec<_> = events.iter().map(|e| e.id).collect();
            let sessions = db::events::sessions_of_many(&state.db.conn, &ids).await?;
            let links = state.mailer.links().clone();
            let body = tokio::task::spawn_blocking(move || {
                render(&self, &links, &events, &sessions, &networks, &own)
            })
            .await
            .map_err(ApiError::internal)?;
            version.body = Some(Bytes::from(body));
        }
        if let Some(g) = generation {
            state.feeds.remember(&key, g, valid_until, version.clone());
        }
        version
            .answer(headers)
            .ok_or_else(|| ApiError::internal("no feed body"))
    }

    /// When the feed's content last changed: kept with its fingerprint, so it moves when
    /// an entry leaves the feed as well as when one changes.
    async fn changed_at(
        &self,
        state: &AppState,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, ApiError> {
        if let Some(v) = db::feeds::feed_version(&state.db.conn, &self.key).await? {
            if v.etag == digest {
                return Ok(v.changed_at);
            }
        }
        let tx = state.db.begin_write().await?;
        db::feeds::store_feed_version(&*tx, &self.key, digest, now).await?;
        tx.commit().await?;
        Ok(now)
    }
}

/// The feed's text (CPU work: runs off the async runtime).
fn render(
    feed: &Feed,
    links: &Links,
    events: &[event::Model],
    sessions: &HashMap<uuid::Uuid, Vec<event_session::Model>>,
    networks: &HashMap<uuid::Uuid, String>,
    own: &HashMap<uuid::Uuid, OwnRegistration>,
) -> String {
    let mut entries = Vec::new();
    for e in events {
        let registration = own.get(&e.id).map(|r| r.status);
        let language = own.get(&e.id).map_or(Language::Nb, |r| r.language);
        entries.extend(calendar::event_entries(
            e,
            sessions.get(&e.id).map(Vec::as_slice).unwrap_or_default(),
            &links.event_url(e.id),
            e.network_id
                .and_then(|n| networks.get(&n))
                .map(String::as_str),
            calendar::Reader {
                waitlisted: registration == Some(RegistrationStatus::Waitlisted),
                // Only a participant's own feed, and only for a seat they hold.
                may_join: feed.personal
                    && registration.is_some_and(|r| participant_sees_join_link(r, e.status)),
                language,
            },
        ));
    }
    if feed.personal {
        // The language of the participant's latest sign-up names their feed.
        let language = own
            .values()
            .max_by_key(|r| r.updated_at)
            .map_or(Language::Nb, |r| r.language);
        let (name, description) = calendar::personal_feed_texts(language);
        return calendar::feed(name, description, entries);
    }
    calendar::feed(&feed.name, &feed.description, entries)
}

/// RFC 9110 §13.1: `If-None-Match` (weak comparison) decides when present; otherwise
/// `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, digest: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/").trim_matches('"') == digest);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}
