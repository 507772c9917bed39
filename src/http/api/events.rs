//! Events: create, list, show, change, cancel.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::entities::{event, event_session};
use crate::db::events::{EventContext, EventFilter};
use crate::db::{self};
use crate::domain::visibility::{self, Viewer};
use crate::domain::{seats_left, EventKind, EventStatus, FieldErrors};
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, MaybeOrganiser, Organiser, OwnEvent};
use crate::http::AppState;
use crate::service::events::{self as event_service, EventBody};

/// A session as the API shows it. The join link is shown to the owning organiser only.
#[derive(Serialize)]
pub struct SessionView {
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    location: Option<String>,
    online: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    online_url: Option<String>,
}

/// An event as the API shows it.
#[derive(Serialize)]
pub struct EventView {
    id: Uuid,
    url: String,
    organisation: String,
    network: Option<String>,
    title: String,
    kind: EventKind,
    description: Option<String>,
    audience: Option<String>,
    status: EventStatus,
    capacity: Option<i32>,
    waitlist: bool,
    members_only: bool,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    /// Whether a sign-up would be taken now (window, status, start).
    registration_open: bool,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    sessions: Vec<SessionView>,
    confirmed_count: i32,
    seats_left: Option<i32>,
    waitlist_length: i32,
    sequence: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancel_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Lookup tables for rendering several events with one query each.
struct Names {
    organisations: HashMap<Uuid, String>,
    networks: HashMap<Uuid, String>,
}

impl Names {
    async fn load(state: &AppState, events: &[event::Model]) -> Result<Names, ApiError> {
        let mut network_ids: Vec<Uuid> = events.iter().filter_map(|e| e.network_id).collect();
        network_ids.sort();
        network_ids.dedup();
        let networks = db::networks::find_many(&state.db.conn, network_ids)
            .await?
            .into_iter()
            .map(|n| (n.id, n.slug))
            .collect();
        let mut organisation_ids: Vec<Uuid> = events.iter().map(|e| e.organisation_id).collect();
        organisation_ids.sort();
        organisation_ids.dedup();
        let organisations = db::organisations::find_many(&state.db.conn, &organisation_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o.slug))
            .collect();
        Ok(Names {
            organisations,
            networks,
        })
    }
}

fn view(
    state: &AppState,
    names: &Names,
    e: event::Model,
    sessions: Vec<event_session::Model>,
    viewer: Viewer,
) -> EventView {
    // Join links only for the event's own organisers.
    let owner = viewer
        == Viewer::Organiser {
            organisation_id: e.organisation_id,
        };
    let now = Utc::now();
    EventView {
        url: state.mailer.links().event_url(e.id),
        organisation: names
            .organisations
            .get(&e.organisation_id)
            .cloned()
            .unwrap_or_default(),
        network: e.network_id.and_then(|n| names.networks.get(&n).cloned()),
        registration_open: e.window().is_open(now),
        seats_left: seats_left(e.capacity, e.confirmed_count),
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                location: s.location,
                online: s.online_url.is_some(),
                online_url: s.online_url.filter(|_| owner),
            })
            .collect(),
        id: e.id,
        title: e.title,
        kind: e.kind,
        description: e.description,
        audience: e.audience,
        status: e.status,
        capacity: e.capacity,
        waitlist: e.waitlist_enabled,
        members_only: e.members_only,
        registration_opens_at: e.registration_opens_at,
        registration_closes_at: e.registration_closes_at,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        confirmed_count: e.confirmed_count,
        waitlist_length: e.waitlist_count,
        sequence: e.sequence,
        cancel_reason: e.cancel_reason,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

/// Renders one event for a viewer.
async fn single_view(
    state: &AppState,
    ctx: EventContext,
    viewer: Viewer,
) -> Result<EventView, ApiError> {
    let names = Names {
        organisations: HashMap::from([(ctx.organisation.id, ctx.organisation.slug)]),
        networks: match ctx.event.network_id {
            Some(id) => db::networks::find_many(&state.db.conn, vec![id])
                .await?
                .into_iter()
                .map(|n| (n.id, n.slug))
                .collect(),
            None => HashMap::new(),
        },
    };
    Ok(view(state, &names, ctx.event, ctx.sessions, viewer))
}

fn organiser_viewer(me: &crate::db::entities::organiser::Model) -> Viewer {
    Viewer::Organiser {
        organisation_id: me.organisation_id,
    }
}

/// Creates an event (201).
pub async fn create(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<(StatusCode, Json<EventView>), ApiError> {
    let ctx = event_service::create(&state.db, me.organisation_id, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(single_view(&state, ctx, organiser_viewer(&me)).await?),
    ))
}

/// Query of `GET /events`.
#[derive(Deserialize)]
pub struct ListQuery {
    network: Option<String>,
    organisation: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
}

fn parse_time(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<DateTime<Utc>> {
    let v = value.filter(|v| !v.is_empty())?;
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
            Err(_) => {
                errors.insert(
                    field.into(),
                    "must be an RFC 3339 time or a date (YYYY-MM-DD)".into(),
                );
                None
            }
        },
    }
}

/// Lists published events, soonest first (an organiser also sees their own drafts).
pub async fn list(
    State(state): State<AppState>,
    viewer: MaybeOrganiser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let mut errors = FieldErrors::new();
    let from = parse_time(&mut errors, "from", q.from.as_deref());
    let to = parse_time(&mut errors, "to", q.to.as_deref());
    let limit = match q.limit.as_deref().map(str::parse::<u64>) {
        None => 500,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            errors.insert("limit".into(), "must be a number from 1 to 1000".into());
            0
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let viewer_is = viewer.viewer();
    let mut filter = EventFilter {
        from,
        to,
        ..EventFilter::upcoming(visibility::list_rule(viewer_is), limit)
    };
    if let Some(slug) = q.network.as_deref().filter(|s| !s.is_empty()) {
        match db::networks::find_by_slug(&state.db.conn, slug).await? {
            Some(n) => filter.network_id = Some(n.id),
            None => return Ok(Json(vec![])),
        }
    }
    if let Some(slug) = q.organisation.as_deref().filter(|s| !s.is_empty()) {
        match db::organisations::find_by_slug(&state.db.conn, slug).await? {
            Some(o) => filter.organisation_id = Some(o.id),
            None => return Ok(Json(vec![])),
        }
    }
    let events = db::events::list(&state.db.conn, &filter).await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let mut sessions = db::events::sessions_of_many(&state.db.conn, &ids).await?;
    let names = Names::load(&state, &events).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| {
                let s = sessions.remove(&e.id).unwrap_or_default();
                view(&state, &names, e, s, viewer_is)
            })
            .collect(),
    ))
}

/// Shows one event (drafts only to their own organisers).
pub async fn show(
    State(state): State<AppState>,
    viewer: MaybeOrganiser,
    Path(id): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    let id = parse_id(&id)?;
    let viewer = viewer.viewer();
    let ctx = db::events::context(&state.db.conn, id)
        .await?
        .filter(|c| visibility::visible_by_id(c.event.status, c.event.organisation_id, viewer))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(single_view(&state, ctx, viewer).await?))
}

/// Changes an event.
pub async fn update(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<Json<EventView>, ApiError> {
    let id = parse_id(&id)?;
    let ctx = event_service::update(&state.db, &state.mailer, me.organisation_id, id, body).await?;
    Ok(Json(single_view(&state, ctx, organiser_viewer(&me)).await?))
}

/// `POST /events/{id}/cancel` body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    reason: Option<String>,
}

/// Cancels an event. The body is optional.
pub async fn cancel(
    State(state): State<AppState>,
    own: OwnEvent,
    body: axum::body::Bytes,
) -> Result<Json<EventView>, ApiError> {
    let body: CancelBody = if body.iter().all(u8::is_ascii_whitespace) {
        CancelBody::default()
    } else {
        crate::http::extract::parse_json(&body)?
    };
    let mut errors = FieldErrors::new();
    let reason =
        crate::domain::optional_long_text(&mut errors, "reason", body.reason.as_deref(), 2000);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let ctx = event_service::cancel(
        &state.db,
        &state.mailer,
        own.organiser.organisation_id,
        own.ctx.event.id,
        reason,
    )
    .await?;
    Ok(Json(
        single_view(&state, ctx, organiser_viewer(&own.organiser)).await?,
    ))
}
