//! Events: create, list, show, change, cancel.
use std::collections::HashMap;

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::{schema::Schema, RefOr};
use uuid::Uuid;

use crate::db::entities::{event, event_session, organisation};
use crate::db::events::{EventContext, EventFilter};
use crate::db::{self};
use crate::domain::visibility::{self, Viewer};
use crate::domain::{seats_left, EventKind, EventStatus, FieldErrors, Problem};
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, MaybeOrganiser, Organiser, OwnEvent};
use crate::http::AppState;
use crate::service::events::{self as event_service, EventBody};

use super::schema::{without_null, EventCancelled, InvalidInput, NotFound, UnsupportedMediaType};

/// A session as the API shows it. The join link is shown to the owning organiser only.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Session)]
pub struct SessionView {
    id: Uuid,
    /// Null while only the month is known.
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    /// `YYYY-MM` of a session whose date is not settled ("dato ikke avklart").
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<String>,
    location: Option<String>,
    /// Whether it is held online.
    online: bool,
    /// The join link: only for the event's own organisers.
    #[serde(skip_serializing_if = "Option::is_none")]
    online_url: Option<String>,
    /// Not needed for completing the event.
    optional: bool,
}

/// How an event is completed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CompletionRule)]
pub struct CompletionView {
    /// Sessions to attend, optional ones included; null: every session that is not
    /// optional.
    min_sessions: Option<i32>,
}

/// An event as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Event)]
pub struct EventView {
    id: Uuid,
    /// The event's public page.
    #[schema(format = "uri")]
    url: String,
    /// The organisation's slug.
    organisation: String,
    /// Where participants write to the organisation about its events, if it has said.
    #[schema(format = "email")]
    organisation_contact: Option<String>,
    /// The network's slug.
    network: Option<String>,
    /// The series' slug.
    series: Option<String>,
    completion: CompletionView,
    /// The event's course certificate, if it gives one.
    certificate: Option<crate::domain::certificates::CertificateRule>,
    title: String,
    kind: EventKind,
    description: Option<String>,
    audience: Option<String>,
    status: EventStatus,
    /// Seats; null: unlimited.
    capacity: Option<i32>,
    /// Whether a full event takes sign-ups to a waiting list.
    waitlist: bool,
    members_only: bool,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    /// Whether a sign-up would be taken now (window, status, start).
    registration_open: bool,
    /// Start of the first session (of a planned event: within the first session's month).
    starts_at: DateTime<Utc>,
    /// End of the last session (of a planned event: within the last session's month).
    ends_at: DateTime<Utc>,
    /// Some session has only a month: no sign-ups and out of the feeds until every
    /// session has its times.
    planned: bool,
    sessions: Vec<SessionView>,
    confirmed_count: i32,
    /// Null: unlimited.
    seats_left: Option<i32>,
    waitlist_length: i32,
    /// Grows with every change participants are told about (the calendar SEQUENCE).
    sequence: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancel_reason: Option<String>,
    /// A webinar's recording: shown to the event's own organisers only (participants get
    /// it by mail and on their page).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    recording_url: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Lookup tables for rendering several events with one query each.
struct Names {
    organisations: HashMap<Uuid, organisation::Model>,
    networks: HashMap<Uuid, String>,
    series: HashMap<Uuid, String>,
}

/// The slugs of the events' series.
async fn series_slugs(
    state: &AppState,
    events: &[&event::Model],
) -> Result<HashMap<Uuid, String>, ApiError> {
    let mut ids: Vec<Uuid> = events.iter().filter_map(|e| e.series_id).collect();
    ids.sort();
    ids.dedup();
    Ok(db::series::find_many(&state.db.conn, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.slug))
        .collect())
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
            .map(|o| (o.id, o))
            .collect();
        Ok(Names {
            organisations,
            networks,
            series: series_slugs(state, &events.iter().collect::<Vec<_>>()).await?,
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
    let owner = crate::domain::notices::viewer_sees_join_links(viewer, e.organisation_id);
    let now = state.clock.now();
    EventView {
        url: state.mailer.links().event_url(e.id),
        organisation: names
            .organisations
            .get(&e.organisation_id)
            .map(|o| o.slug.clone())
            .unwrap_or_default(),
        organisation_contact: names
            .organisations
            .get(&e.organisation_id)
            .and_then(|o| o.contact_email.clone()),
        network: e.network_id.and_then(|n| names.networks.get(&n).cloned()),
        series: e.series_id.and_then(|s| names.series.get(&s).cloned()),
        completion: CompletionView {
            min_sessions: e.completion_min_sessions,
        },
        certificate: crate::domain::certificates::CertificateRule::stored(e.certificate.as_deref()),
        recording_url: e.recording_url.clone().filter(|_| owner),
        registration_open: e.window().is_open(now),
        seats_left: seats_left(e.capacity, e.confirmed_count),
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                starts_at: s.dated_start(),
                ends_at: s.month.is_none().then_some(s.ends_at),
                month: s.month,
                location: s.location,
                online: s.online_url.is_some(),
                online_url: s.online_url.filter(|_| owner),
                optional: s.optional,
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
        planned: e.planned,
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
        organisations: HashMap::from([(ctx.organisation.id, ctx.organisation)]),
        networks: match ctx.event.network_id {
            Some(id) => db::networks::find_many(&state.db.conn, vec![id])
                .await?
                .into_iter()
                .map(|n| (n.id, n.slug))
                .collect(),
            None => HashMap::new(),
        },
        series: series_slugs(state, &[&ctx.event]).await?,
    };
    Ok(view(state, &names, ctx.event, ctx.sessions, viewer))
}

/// The body of `POST /events` as the document shows it: an [`EventBody`] (schema
/// `EventChange`) in which `title`, `kind` and `sessions` are required.
pub struct NewEvent;

impl NewEvent {
    /// What creating requires of an [`EventBody`].
    const REQUIRED: [&str; 3] = ["title", "kind", "sessions"];
}

impl utoipa::PartialSchema for NewEvent {
    fn schema() -> RefOr<Schema> {
        let mut schema = EventBody::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.description = Some(
                "A new event. `title`, `kind` and `sessions` are required; it is a draft \
                 unless `status` is `published`."
                    .into(),
            );
            for field in NewEvent::REQUIRED {
                object.required.push(field.into());
                if let Some(property) = object.properties.get_mut(field) {
                    without_null(property);
                }
            }
            object.example = Some(json!({
                "network": "demensnettverket",
                "title": "Fagdag: demens og ernæring",
                "kind": "gathering",
                "description": "En dag om mat og måltider for personer med demens.",
                "sessions": [{
                    "starts_at": "2099-03-10T09:00:00+01:00",
                    "ends_at": "2099-03-10T15:00:00+01:00",
                    "location": "Quality Hotel Tønsberg"
                }],
                "capacity": 60,
                "status": "published"
            }));
        }
        schema
    }
}

impl utoipa::ToSchema for NewEvent {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <EventBody as utoipa::ToSchema>::schemas(schemas);
    }
}

fn organiser_viewer(me: &crate::db::entities::organiser::Model) -> Viewer {
    Viewer::Organiser {
        organisation_id: me.organisation_id,
    }
}

/// Creates an event (201), a draft unless `status` is `published`.
#[utoipa::path(
    post,
    path = "/events",
    operation_id = "create_event",
    tag = "events",
    security(("bearer" = [])),
    request_body = NewEvent,
    responses(
        (status = 201, description = "Created", body = EventView, links(
            ("show" = (operation_id = "show_event", parameters(("id" = "$response.body#/id")))),
            ("update" = (operation_id = "update_event", parameters(("id" = "$response.body#/id")))),
            ("sign_up" = (operation_id = "sign_up", parameters(("id" = "$response.body#/id")))),
            ("registrations" = (operation_id = "list_registrations",
                parameters(("id" = "$response.body#/id")))),
            ("attendance" = (operation_id = "record_attendance_many",
                parameters(("id" = "$response.body#/id")))),
            ("cancel" = (operation_id = "cancel_event", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, response = InvalidInput),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<(StatusCode, Json<EventView>), ApiError> {
    let ctx = event_service::create(&state.db, me.organisation_id, body, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(single_view(&state, ctx, organiser_viewer(&me)).await?),
    ))
}

/// Query of `GET /events`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this network's events (its slug).
    network: Option<String>,
    /// Only this organisation's events (its slug).
    organisation: Option<String>,
    /// Events starting at or after this time (default: events not yet ended): RFC 3339, or
    /// a date (`YYYY-MM-DD`, midnight UTC).
    from: Option<String>,
    /// Events that start before this time: RFC 3339, or a date (`YYYY-MM-DD`).
    to: Option<String>,
    /// At most this many (1 to 1000; default 500).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

fn parse_time(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<DateTime<Utc>> {
    let v = value.filter(|v| !v.is_empty())?;
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
            Err(_) => {
                errors.insert(field, Problem::NotATime);
                None
            }
        },
    }
}

/// Lists published events, soonest first (an organiser also sees their own drafts).
#[utoipa::path(
    get,
    path = "/events",
    operation_id = "list_events",
    tag = "events",
    security((), ("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The events", body = Vec<EventView>),
        (status = 400, response = InvalidInput),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    viewer: MaybeOrganiser,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let q = super::query(q)?;
    let mut errors = FieldErrors::new();
    let from = parse_time(&mut errors, "from", q.from.as_deref());
    let to = parse_time(&mut errors, "to", q.to.as_deref());
    let limit = match q.limit.as_deref().map(str::parse::<u64>) {
        None => 500,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            errors.insert("limit", Problem::NumberRange { min: 1, max: 1000 });
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
        ..EventFilter::upcoming(visibility::list_rule(viewer_is), limit, state.clock.now())
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

/// Shows one event (drafts only to their own organisers), with `seats_left` and
/// `waitlist_length`; the join links only to its own organisers.
#[utoipa::path(
    get,
    path = "/events/{id}",
    operation_id = "show_event",
    tag = "events",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event", body = EventView),
        (status = 404, response = NotFound),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: MaybeOrganiser,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<EventView>, ApiError> {
    let id = super::path(path)?;
    let id = parse_id(&id)?;
    let viewer = viewer.viewer();
    let ctx = db::events::context(&state.db.conn, id)
        .await?
        .filter(|c| visibility::visible_by_id(c.event.status, c.event.organisation_id, viewer))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(single_view(&state, ctx, viewer).await?))
}

/// Changes an event. A new time or place is mailed to every registrant with an updated
/// calendar entry; a raised capacity lets the waiting list in.
#[utoipa::path(
    patch,
    path = "/events/{id}",
    operation_id = "update_event",
    tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    request_body = EventBody,
    responses(
        (status = 200, description = "The changed event", body = EventView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 409, response = EventCancelled),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<Json<EventView>, ApiError> {
    let id = super::path(path)?;
    let id = parse_id(&id)?;
    let ctx = event_service::update(
        &state.db,
        &state.mailer,
        me.organisation_id,
        id,
        body,
        state.clock.now(),
    )
    .await?;
    Ok(Json(single_view(&state, ctx, organiser_viewer(&me)).await?))
}

/// `POST /events/{id}/cancel` body.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CancelEvent, example = json!({"reason": "For få påmeldte."}))]
pub struct CancelBody {
    /// Told to every registrant.
    #[schema(max_length = 2000)]
    reason: Option<String>,
}

/// Cancels an event: every registrant is told, and calendars drop it. The body is
/// optional; cancelling a cancelled event changes nothing.
#[utoipa::path(
    post,
    path = "/events/{id}/cancel",
    operation_id = "cancel_event",
    tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The event's id")),
    request_body(content = Option<CancelBody>, content_type = "application/json",
        description = "Optional: an empty body cancels without a reason"),
    responses(
        (status = 200, description = "The cancelled event", body = EventView),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    own: OwnEvent,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<EventView>, ApiError> {
    let body = crate::http::extract::raw_body(body)?;
    let body: CancelBody = if body.iter().all(u8::is_ascii_whitespace) {
        CancelBody::default()
    } else {
        crate::http::extract::parse_json(&body)?
    };
    let ctx = event_service::cancel(
        &state.db,
        &state.mailer,
        own.organiser.organisation_id,
        own.ctx.event.id,
        body.reason.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(
        single_view(&state, ctx, organiser_viewer(&own.organiser)).await?,
    ))
}
