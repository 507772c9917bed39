//! Event management: create, change and cancel events, with the effects a change has on
//! registrations (a raised capacity lets the waiting list in).
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::db::entities::{event, event_session};
use crate::db::{self, Db};
use crate::domain::{self, EventKind, EventStatus, FieldErrors};
use crate::mail::{EventFacts, MailKind, Mailer};
use crate::registration;

/// Most sessions one event may have (a year-long programme has a dozen).
pub const MAX_SESSIONS: usize = 100;

/// Distinguishes "absent" (`None`) from "null" (`Some(None)`) in a PATCH body.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A session as sent by a client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub id: Option<Uuid>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub location: Option<String>,
    pub online_url: Option<String>,
}

/// An event as sent by a client, for create (`POST`) and change (`PATCH`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    #[serde(default, deserialize_with = "double_option")]
    pub network: Option<Option<String>>,
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub sessions: Option<Vec<SessionBody>>,
    #[serde(default, deserialize_with = "double_option")]
    pub capacity: Option<Option<i64>>,
    pub waitlist: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub registration_opens_at: Option<Option<DateTime<FixedOffset>>>,
    #[serde(default, deserialize_with = "double_option")]
    pub registration_closes_at: Option<Option<DateTime<FixedOffset>>>,
    pub members_only: Option<bool>,
    pub status: Option<EventStatus>,
}

/// Why an event change was refused.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such event")]
    NotFound,
    #[error("the event is cancelled")]
    Cancelled,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

fn invalid(field: &str, problem: &str) -> EventError {
    EventError::Invalid(FieldErrors::from([(
        field.to_string(),
        problem.to_string(),
    )]))
}

/// Applies `body` onto `event` (a fresh one for create), checking every field; returns the
/// new session list when the body has one.
async fn apply(
    db: &Db,
    organisation_id: Uuid,
    event: &mut event::Model,
    body: EventBody,
    creating: bool,
) -> Result<Option<Vec<event_session::Model>>, EventError> {
    let mut errors = FieldErrors::new();
    if creating || body.title.is_some() {
        event.title = domain::required_text(&mut errors, "title", body.title.as_deref(), 200);
    }
    match body.kind {
        Some(kind) => event.kind = kind.as_str().into(),
        None if creating => {
            errors.insert("kind".into(), "is required".into());
        }
        None => {}
    }
    if let Some(description) = body.description {
        event.description =
            domain::optional_long_text(&mut errors, "description", description.as_deref(), 20_000);
    }
    if let Some(network) = body.network {
        event.network_id = match network.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(slug) => match db::networks::find_by_slug(&db.conn, slug).await? {
                Some(n) if n.organisation_id == organisation_id => Some(n.id),
                _ => {
                    errors.insert(
                        "network".into(),
                        "no such network in your organisation".into(),
                    );
                    None
                }
            },
        };
    }
    if let Some(capacity) = body.capacity {
        event.capacity = match capacity {
            None => None,
            Some(c) if (0..=1_000_000).contains(&c) => Some(c as i32),
            Some(_) => {
                errors.insert(
                    "capacity".into(),
                    "must be a whole number from 0 to 1000000, or null".into(),
                );
                None
            }
        };
    }
    if let Some(w) = body.waitlist {
        event.waitlist_enabled = w;
    }
    if let Some(m) = body.members_only {
        event.members_only = m;
    }
    if let Some(t) = body.registration_opens_at {
        event.registration_opens_at = t.map(|t| t.with_timezone(&Utc));
    }
    if let Some(t) = body.registration_closes_at {
        event.registration_closes_at = t.map(|t| t.with_timezone(&Utc));
    }
    if let (Some(o), Some(c)) = (event.registration_opens_at, event.registration_closes_at) {
        if c <= o {
            errors.insert(
                "registration_closes_at".into(),
                "must be after registration_opens_at".into(),
            );
        }
    }
    match body.status {
        Some(EventStatus::Cancelled) => {
            errors.insert(
                "status".into(),
                "use POST /events/{id}/cancel to cancel".into(),
            );
        }
        Some(s) => event.status = s.as_str().into(),
        None => {}
    }
    if event.members_only && event.network_id.is_none() {
        errors.insert(
            "members_only".into(),
            "a members-only event needs a network".into(),
        );
    }
    let sessions = match body.sessions {
        None if creating => {
            errors.insert("sessions".into(), "at least one session is required".into());
            None
        }
        None => None,
        Some(list) => Some(check_sessions(&mut errors, event.id, list)),
    };
    if let Some(list) = &sessions {
        if let (Some(first), Some(last)) = (
            list.iter().map(|s| s.starts_at).min(),
            list.iter().map(|s| s.ends_at).max(),
        ) {
            event.starts_at = first;
            event.ends_at = last;
        }
    }
    if errors.is_empty() {
        Ok(sessions)
    } else {
        Err(EventError::Invalid(errors))
    }
}

fn check_sessions(
    errors: &mut FieldErrors,
    event_id: Uuid,
    list: Vec<SessionBody>,
) -> Vec<event_session::Model> {
    if list.is_empty() {
        errors.insert("sessions".into(), "at least one session is required".into());
    }
    if list.len() > MAX_SESSIONS {
        errors.insert(
            "sessions".into(),
            format!("at most {MAX_SESSIONS} sessions"),
        );
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, s) in list.into_iter().enumerate() {
        let field = |name: &str| format!("sessions[{i}].{name}");
        let starts = s.starts_at.map(|t| t.with_timezone(&Utc));
        let ends = s.ends_at.map(|t| t.with_timezone(&Utc));
        if starts.is_none() {
            errors.insert(field("starts_at"), "is required".into());
        }
        if ends.is_none() {
            errors.insert(field("ends_at"), "is required".into());
        }
        if let (Some(a), Some(b)) = (starts, ends) {
            if b <= a {
                errors.insert(field("ends_at"), "must be after starts_at".into());
            }
        }
        let location =
            domain::optional_text(errors, &field("location"), s.location.as_deref(), 500);
        let online_url =
            domain::optional_url(errors, &field("online_url"), s.online_url.as_deref());
        let id = s.id.unwrap_or_else(Uuid::now_v7);
        if !seen.insert(id) {
            errors.insert(field("id"), "appears twice".into());
        }
        out.push(event_session::Model {
            id,
            event_id,
            position: i as i32,
            starts_at: starts.unwrap_or_default(),
            ends_at: ends.unwrap_or_default(),
            location,
            online_url,
        });
    }
    out
}

/// Creates an event in the organiser's organisation (a draft unless `status` says otherwise).
pub async fn create(
    db: &Db,
    organisation_id: Uuid,
    body: EventBody,
) -> Result<(event::Model, Vec<event_session::Model>), EventError> {
    let now = Utc::now();
    let mut event = db::events::new_event(organisation_id, now);
    let sessions = apply(db, organisation_id, &mut event, body, true)
        .await?
        .unwrap_or_default();
    let tx = db.begin_write().await?;
    let saved = db::events::insert(&*tx, event, sessions.clone()).await?;
    tx.commit().await?;
    Ok((saved, sessions))
}

/// Changes an event. Raising the capacity promotes as many waitlisted as now fit; lowering
/// it below the confirmed count demotes nobody. Session ids sent back keep their identity
/// (and calendar UID).
pub async fn update(
    db: &Db,
    mailer: &Mailer,
    organisation_id: Uuid,
    event_id: Uuid,
    body: EventBody,
) -> Result<(event::Model, Vec<event_session::Model>), EventError> {
    let current = db::events::find(&db.conn, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EventError::NotFound)?;
    if current.status == EventStatus::Cancelled.as_str() {
        return Err(EventError::Cancelled);
    }
    if let Some(list) = &body.sessions {
        let old = db::events::sessions(&db.conn, event_id).await?;
        for (i, s) in list.iter().enumerate() {
            if s.id.is_some_and(|id| old.iter().all(|o| o.id != id)) {
                return Err(invalid(
                    &format!("sessions[{i}].id"),
                    "not a session of this event",
                ));
            }
        }
    }
    let mut changed = current.clone();
    let new_sessions = apply(db, organisation_id, &mut changed, body, false).await?;

    let tx = db.begin_write().await?;
    let locked = db::events::find_for_update(&*tx, event_id)
        .await?
        .ok_or(EventError::NotFound)?;
    if locked.status == EventStatus::Cancelled.as_str() {
        return Err(EventError::Cancelled);
    }
    let now = Utc::now();
    let old_sessions = db::events::sessions(&*tx, event_id).await?;
    let (times_changed, place_changed) = match &new_sessions {
        Some(new) => session_changes(&old_sessions, new),
        None => (false, false),
    };
    if times_changed {
        changed.schedule_changed_at = Some(now);
    }
    changed.sequence = locked.sequence + 1;
    changed.updated_at = now;
    let saved = db::events::save(&*tx, changed).await?;
    if let Some(sessions) = new_sessions {
        let kept: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
        let removed: Vec<Uuid> = old_sessions
            .iter()
            .map(|s| s.id)
            .filter(|id| !kept.contains(id))
            .collect();
        db::events::replace_sessions(&*tx, event_id, sessions).await?;
        crate::attendance::forget_removed_sessions(&*tx, &kept, &removed, now).await?;
    }
    let sessions = db::events::sessions(&*tx, event_id).await?;
    let organisation = registration::organisation_of(&*tx, &saved).await?;
    let facts = EventFacts {
        event: &saved,
        sessions: &sessions,
        organisation: &organisation,
    };
    let promoted = registration::fill_free_seats(&*tx, mailer, event_id, &facts).await?;
    // Registrants of a published event hear about a new time or place, with an updated
    // calendar entry; those just promoted already have it in their promotion mail.
    if (times_changed || place_changed) && saved.status == EventStatus::Published.as_str() {
        for reg in db::registrations::active_for_event(&*tx, event_id).await? {
            if !promoted.contains(&reg.id) {
                mailer
                    .queue_for_registration(&*tx, MailKind::EventChanged, &facts, &reg, None)
                    .await?;
            }
        }
    }
    let saved = db::events::find(&*tx, event_id)
        .await?
        .ok_or(EventError::NotFound)?;
    tx.commit().await?;
    mailer.wake();
    Ok((saved, sessions))
}

/// Whether the sessions' times, and their places or join links, differ (sessions matched
/// by id; an added or removed session changes the times).
fn session_changes(old: &[event_session::Model], new: &[event_session::Model]) -> (bool, bool) {
    let times = |list: &[event_session::Model]| {
        let mut v: Vec<_> = list
            .iter()
            .map(|s| (s.id, s.starts_at, s.ends_at))
            .collect();
        v.sort();
        v
    };
    let places = |list: &[event_session::Model]| {
        let mut v: Vec<_> = list
            .iter()
            .map(|s| (s.id, s.location.clone(), s.online_url.clone()))
            .collect();
        v.sort();
        v
    };
    (times(old) != times(new), places(old) != places(new))
}

/// Cancels an event; it takes no more sign-ups and calendars drop it (its SEQUENCE grows).
pub async fn cancel(
    db: &Db,
    mailer: &Mailer,
    organisation_id: Uuid,
    event_id: Uuid,
    reason: Option<String>,
) -> Result<event::Model, EventError> {
    let tx = db.begin_write().await?;
    let mut event = db::events::find_for_update(&*tx, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EventError::NotFound)?;
    if event.status == EventStatus::Cancelled.as_str() {
        return Ok(event);
    }
    let now = Utc::now();
    event.status = EventStatus::Cancelled.as_str().into();
    event.cancel_reason = reason;
    event.cancelled_at = Some(now);
    event.sequence += 1;
    event.updated_at = now;
    let saved = db::events::save(&*tx, event).await?;
    let sessions = db::events::sessions(&*tx, event_id).await?;
    let organisation = registration::organisation_of(&*tx, &saved).await?;
    let facts = EventFacts {
        event: &saved,
        sessions: &sessions,
        organisation: &organisation,
    };
    // Everyone still registered is told, and seat holders get the entry removed.
    for reg in db::registrations::active_for_event(&*tx, event_id).await? {
        mailer
            .queue_for_registration(&*tx, MailKind::EventCancelled, &facts, &reg, None)
            .await?;
    }
    tx.commit().await?;
    mailer.wake();
    Ok(saved)
}
