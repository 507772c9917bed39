//! Create, change and cancel events, with the effects a change has on registrations (a
//! raised capacity lets the waiting list in; a new time or place is mailed with updated
//! calendar entries).
//!
//! A change is checked in two steps: everything that needs no row (field formats, the
//! network slug) before taking the event's lock, then applied to the row read **under**
//! the lock, so two simultaneous changes of different fields both survive.
use crate::domain::certificates::CertificateRule;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::db::entities::{event, event_session};
use crate::db::events::EventContext;
use crate::db::{self, Db};
use crate::domain::notices::{self, diff_sessions, SessionShape};
use crate::domain::{self, visibility, EventKind, EventStatus, FieldErrors, MailKind, Problem};
use crate::mail::{Mailer, Notice};
use crate::service::registration;

/// Most sessions one event may have (a year-long programme has a dozen).
pub const MAX_SESSIONS: usize = 100;

/// Longest reason an organiser may give for cancelling (it goes into every mail).
pub const MAX_CANCEL_REASON: usize = 2000;

/// Distinguishes "absent" (`None`) from "null" (`Some(None)`) in a PATCH body.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A session as sent by a client. A session sent with the `id` of one of the event's
/// sessions keeps its identity (and calendar entry); one without gets a new one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub id: Option<Uuid>,
    /// Required unless `month` is given.
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// After `starts_at`; required unless `month` is given.
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// Instead of the times, while the date is not settled ("dato ikke avklart"): the
    /// event is then planned (shown in its month, no sign-ups, out of the feeds) until
    /// every session has its times.
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}$", example = "2027-03")]
    pub month: Option<String>,
    /// Where, for people who come in person.
    #[schema(max_length = 500)]
    pub location: Option<String>,
    /// The join link of an online session (shown only to the organisers and, by mail and
    /// personal feed, to confirmed participants).
    #[schema(format = "uri")]
    pub online_url: Option<String>,
    /// Not needed for completing the event (default false; `sessions` in a change replaces
    /// the whole list, so send it again for each optional session).
    pub optional: Option<bool>,
}

/// How an event is completed (for course certificates): `min_sessions` attended, optional
/// sessions included; without it, every session that is not optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionBody {
    #[schema(minimum = 1)]
    pub min_sessions: Option<i64>,
}

/// An event as sent by a client: a change (`PATCH`), in which absent fields stay as they
/// are, `null` clears an optional one and `sessions` replaces the list; or a new event
/// (`POST`), which must have `title`, `kind` and `sessions`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EventChange, example = json!({"capacity": 80, "status": "published"}))]
pub struct EventBody {
    /// Slug of a network of the organiser's organisation.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub network: Option<Option<String>>,
    #[schema(pattern = "\\S", max_length = 200)]
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub description: Option<Option<String>>,
    /// Who it is for.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub audience: Option<Option<String>>,
    /// One sign-up covers them all.
    #[schema(min_items = 1, max_items = 100)]
    pub sessions: Option<Vec<SessionBody>>,
    /// Seats; null or absent (when creating): unlimited.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000)]
    pub capacity: Option<Option<i64>>,
    /// Whether a full event takes sign-ups to a waiting list (default true).
    pub waitlist: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_opens_at: Option<Option<DateTime<FixedOffset>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_closes_at: Option<Option<DateTime<FixedOffset>>>,
    /// Only members of the event's network may sign up (needs a `network`).
    pub members_only: Option<bool>,
    /// `draft` (the default of a new event) or `published`; cancel with
    /// `POST /events/{id}/cancel`.
    pub status: Option<EventStatus>,
    /// A webinar's recording, once it has ended: the first one set is mailed to every seat
    /// holder (those marked absent too) and shown on their page; never public.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub recording_url: Option<Option<String>>,
    /// Slug of a series of the organiser's organisation (`POST /series`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub series: Option<Option<String>>,
    /// The completion rule; null: the default (every session that is not optional).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CompletionBody>)]
    pub completion: Option<Option<CompletionBody>>,
    /// Course certificates for those who complete it (`POST /events/{id}/certificates`
    /// after the last session); null: none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CertificateRule>)]
    pub certificate: Option<Option<CertificateRule>>,
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

/// A session checked as far as it can be without the event (its id is checked against the
/// event's sessions under the lock).
#[derive(Debug, Clone)]
struct SessionInput {
    id: Option<Uuid>,
    /// For a session with only a month, the placeholders of `programmes::month_span`.
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// The first day of its month while its date is not settled.
    month: Option<chrono::NaiveDate>,
    location: Option<String>,
    online_url: Option<String>,
    optional: bool,
}

/// A change with every field checked and the network resolved; `None` leaves a field as
/// it is.
#[derive(Debug, Clone, Default)]
pub struct EventChange {
    network: Option<Option<Uuid>>,
    title: Option<String>,
    kind: Option<EventKind>,
    description: Option<Option<String>>,
    audience: Option<Option<String>>,
    sessions: Option<Vec<SessionInput>>,
    capacity: Option<Option<i32>>,
    waitlist: Option<bool>,
    opens_at: Option<Option<DateTime<Utc>>>,
    closes_at: Option<Option<DateTime<Utc>>>,
    members_only: Option<bool>,
    status: Option<EventStatus>,
    recording: Option<Option<String>>,
    series: Option<Option<Uuid>>,
    /// Sessions needed to complete (checked against the sessions in `apply`).
    min_sessions: Option<Option<i64>>,
    certificate: Option<Option<CertificateRule>>,
}

impl EventChange {
    /// Checks a body (for a new event when `creating`: then title, kind and sessions are
    /// required). The network slug must name a network of `organisation_id`.
    pub async fn check(
        db: &Db,
        organisation_id: Uuid,
        body: EventBody,
        creating: bool,
    ) -> Result<EventChange, EventError> {
        let (change, errors) = EventChange::checked(db, organisation_id, body, creating).await?;
        if errors.is_empty() {
            Ok(change)
        } else {
            Err(EventError::Invalid(errors))
        }
    }

    /// The change as far as it could be read, with every problem found on the way.
    async fn checked(
        db: &Db,
        organisation_id: Uuid,
        body: EventBody,
        creating: bool,
    ) -> Result<(EventChange, FieldErrors), sea_orm::DbErr> {
        let mut errors = FieldErrors::new();
        let mut change = EventChange {
            kind: body.kind,
            waitlist: body.waitlist,
            members_only: body.members_only,
            opens_at: body
                .registration_opens_at
                .map(|t| t.map(|t| t.with_timezone(&Utc))),
            closes_at: body
                .registration_closes_at
                .map(|t| t.map(|t| t.with_timezone(&Utc))),
            ..Default::default()
        };
        if creating || body.title.is_some() {
            change.title = Some(domain::required_text(
                &mut errors,
                "title",
                body.title.as_deref(),
                200,
            ));
        }
        if creating && body.kind.is_none() {
            errors.insert("kind", Problem::Required);
        }
        if let Some(description) = body.description {
            change.description = Some(domain::optional_long_text(
                &mut errors,
                "description",
                description.as_deref(),
                20_000,
            ));
        }
        if let Some(audience) = body.audience {
            change.audience = Some(domain::optional_text(
                &mut errors,
                "audience",
                audience.as_deref(),
                500,
            ));
        }
        if let Some(network) = body.network {
            change.network = Some(
                match network.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(slug) => match db::networks::find_by_slug(&db.conn, slug).await? {
                        Some(n) if n.organisation_id == organisation_id => Some(n.id),
                        _ => {
                            errors.insert("network", Problem::NoSuchNetwork);
                            None
                        }
                    },
                },
            );
        }
        if let Some(series) = body.series {
            change.series = Some(
                match series.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(slug) => {
                        match db::series::find_by_slug(&db.conn, organisation_id, slug).await? {
                            Some(found) => Some(found.id),
                            None => {
                                errors.insert("series", Problem::NoSuchSeries);
                                None
                            }
                        }
                    }
                },
            );
        }
        change.min_sessions = body.completion.map(|c| c.and_then(|c| c.min_sessions));
        change.certificate = body
            .certificate
            .map(|c| c.map(|rule| rule.checked(&mut errors)));
        if let Some(capacity) = body.capacity {
            change.capacity = Some(match capacity.map(domain::signup::capacity) {
                None => None,
                Some(Ok(c)) => Some(c),
                Some(Err(problem)) => {
                    errors.insert("capacity", problem);
                    None
                }
            });
        }
        match body.status {
            Some(EventStatus::Cancelled) => {
                errors.insert("status", Problem::UseCancel);
            }
            status => change.status = status,
        }
        if let Some(recording) = body.recording_url {
            let url = domain::optional_url(&mut errors, "recording_url", recording.as_deref());
            if creating && url.is_some() {
                errors.insert("recording_url", Problem::NotEnded);
            }
            change.recording = Some(url);
        }
        change.sessions = match body.sessions {
            None if creating => {
                errors.insert("sessions", Problem::NoSessions);
                None
            }
            None => None,
            Some(list) => Some(check_sessions(&mut errors, list)),
        };
        Ok((change, errors))
    }

    /// Applies the change to `event` (as read under its lock; `old` are its sessions) and
    /// checks what depends on the row. Returns the new session list if the change has one.
    fn apply(
        &self,
        event: &mut event::Model,
        old: &[event_session::Model],
    ) -> Result<Option<Vec<event_session::Model>>, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(n) = self.network {
            event.network_id = n;
        }
        if let Some(rule) = &self.certificate {
            event.certificate = rule.as_ref().map(CertificateRule::to_stored);
        }
        if let Some(t) = &self.title {
            event.title = t.clone();
        }
        if let Some(k) = self.kind {
            event.kind = k;
        }
        if let Some(d) = &self.description {
            event.description = d.clone();
        }
        if let Some(a) = &self.audience {
            event.audience = a.clone();
        }
        if let Some(c) = self.capacity {
            event.capacity = c;
        }
        if let Some(w) = self.waitlist {
            event.waitlist_enabled = w;
        }
        if let Some(m) = self.members_only {
            event.members_only = m;
        }
        if let Some(t) = self.opens_at {
            event.registration_opens_at = t;
        }
        if let Some(t) = self.closes_at {
            event.registration_closes_at = t;
        }
        if let Some(s) = self.status {
            event.status = s;
        }
        if let Some(s) = self.series {
            event.series_id = s;
        }
        if let (Some(o), Some(c)) = (event.registration_opens_at, event.registration_closes_at) {
            if c <= o {
                errors.insert("registration_closes_at", Problem::ClosesBeforeOpens);
            }
        }
        if event.members_only && event.network_id.is_none() {
            errors.insert("members_only", Problem::MembersOnlyNeedsNetwork);
        }
        let sessions = self.sessions.as_ref().map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, s)| {
                    let id = match s.id {
                        Some(id) if old.iter().any(|o| o.id == id) => id,
                        Some(_) => {
                            errors.insert(
                                format!("sessions[{i}].id"),
                                Problem::NotASessionOfThisEvent,
                            );
                            Uuid::nil()
                        }
                        None => Uuid::now_v7(),
                    };
                    event_session::Model {
                        id,
                        event_id: event.id,
                        position: i as i32,
                        starts_at: s.starts_at,
                        ends_at: s.ends_at,
                        location: s.location.clone(),
                        online_url: s.online_url.clone(),
                        optional: s.optional,
                        month: s.month.map(domain::programmes::month_text),
                    }
                })
                .collect::<Vec<_>>()
        });
        let session_count = sessions.as_ref().map_or(old.len(), Vec::len);
        let min_sessions = match self.min_sessions {
            Some(None) => None,
            Some(Some(n)) => Some(n),
            None => event.completion_min_sessions.map(i64::from),
        };
        event.completion_min_sessions = match min_sessions {
            None => None,
            Some(n) => match domain::programmes::check_min_sessions(n, session_count) {
                Ok(n) => Some(n),
                Err(problem) => {
                    errors.insert("completion.min_sessions", problem);
                    None
                }
            },
        };
        if let Some(list) = &sessions {
            event.planned = list.iter().any(|s| s.month.is_some());
            if event.planned && event.confirmed_count + event.waitlist_count > 0 {
                errors.insert("sessions", Problem::UndatedWithRegistrations);
            }
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
            Err(errors)
        }
    }
}

fn check_sessions(errors: &mut FieldErrors, list: Vec<SessionBody>) -> Vec<SessionInput> {
    if list.is_empty() {
        errors.insert("sessions", Problem::NoSessions);
    }
    if list.len() > MAX_SESSIONS {
        errors.insert("sessions", Problem::TooManySessions { max: MAX_SESSIONS });
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, s) in list.into_iter().enumerate().take(MAX_SESSIONS) {
        let field = |name: &str| format!("sessions[{i}].{name}");
        let mut starts = s.starts_at.map(|t| t.with_timezone(&Utc));
        let mut ends = s.ends_at.map(|t| t.with_timezone(&Utc));
        let month = match s.month.as_deref().map(domain::programmes::parse_month) {
            None => None,
            Some(Err(problem)) => {
                errors.insert(field("month"), problem);
                None
            }
            Some(Ok(_)) if starts.is_some() || ends.is_some() => {
                errors.insert(field("month"), Problem::MonthOrTimes);
                None
            }
            Some(Ok(first_day)) => {
                let (start, end) = domain::programmes::month_span(first_day);
                (starts, ends) = (Some(start), Some(end));
                Some(first_day)
            }
        };
        if starts.is_none() && s.month.is_none() {
            errors.insert(field("starts_at"), Problem::Required);
        }
        if ends.is_none() && s.month.is_none() {
            errors.insert(field("ends_at"), Problem::Required);
        }
        if let (Some(a), Some(b)) = (starts, ends) {
            if b <= a {
                errors.insert(field("ends_at"), Problem::EndsBeforeStart);
            }
        }
        let location =
            domain::optional_text(errors, &field("location"), s.location.as_deref(), 500);
        let online_url =
            domain::optional_url(errors, &field("online_url"), s.online_url.as_deref());
        if let Some(id) = s.id {
            if !seen.insert(id) {
                errors.insert(field("id"), Problem::AppearsTwice);
            }
        }
        out.push(SessionInput {
            id: s.id,
            starts_at: starts.unwrap_or_default(),
            ends_at: ends.unwrap_or_default(),
            month,
            location,
            online_url,
            optional: s.optional.unwrap_or(false),
        });
    }
    out
}

fn shapes(sessions: &[event_session::Model]) -> Vec<SessionShape<'_>> {
    sessions
        .iter()
        .map(|s| SessionShape {
            id: s.id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            location: s.location.as_deref(),
            online_url: s.online_url.as_deref(),
        })
        .collect()
}

/// The event `id` of the organisation `organisation_id`, with its context. Another
/// organisation's event is `None`, exactly like a missing one (callers answer 404), so
/// nobody learns which ids exist elsewhere.
pub async fn of_organisation(
    db: &Db,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Option<EventContext>, sea_orm::DbErr> {
    Ok(db::events::context(&db.conn, id)
        .await?
        .filter(|c| c.event.organisation_id == organisation_id))
}

/// Every problem of `body` at once, for a new event (`existing` is `None`) or a change of
/// `existing`: the field checks and the ones that depend on the whole event (a members-only
/// event needs a network…), so a form can report them in one round. Nothing is saved; the
/// save checks again under the event's lock.
pub async fn problems(
    db: &Db,
    organisation_id: Uuid,
    body: EventBody,
    existing: Option<&EventContext>,
    now: DateTime<Utc>,
) -> Result<FieldErrors, sea_orm::DbErr> {
    let (change, mut errors) =
        EventChange::checked(db, organisation_id, body, existing.is_none()).await?;
    let (mut event, old) = match existing {
        Some(ctx) => (ctx.event.clone(), ctx.sessions.clone()),
        None => (db::events::new_event(organisation_id, now), vec![]),
    };
    if let Err(more) = change.apply(&mut event, &old) {
        errors.add_missing(more);
    }
    Ok(errors)
}

/// Creates an event in the organiser's organisation (a draft unless `status` says otherwise).
pub async fn create(
    db: &Db,
    organisation_id: Uuid,
    body: EventBody,
    now: DateTime<Utc>,
) -> Result<EventContext, EventError> {
    // Every problem at once: the field checks and those of the whole event.
    let (change, mut errors) = EventChange::checked(db, organisation_id, body, true).await?;
    let mut event = db::events::new_event(organisation_id, now);
    let sessions = match change.apply(&mut event, &[]) {
        Ok(sessions) => sessions.unwrap_or_default(),
        Err(more) => {
            errors.add_missing(more);
            vec![]
        }
    };
    if !errors.is_empty() {
        return Err(EventError::Invalid(errors));
    }
    let tx = db.begin_write().await?;
    let saved = db::events::insert(&*tx, event, sessions).await?;
    let ctx = db::events::context_of(&*tx, saved).await?;
    tx.commit().await?;
    Ok(ctx)
}

/// Changes an event of `organisation_id`. Raising the capacity promotes as many
/// waitlisted as now fit; lowering it below the confirmed count demotes nobody. Session ids
/// sent back keep their identity (and calendar UID). A new time, place or join link is
/// mailed to every registrant, with calendar messages for the sessions it touched.
pub async fn update(
    db: &Db,
    mailer: &Mailer,
    organisation_id: Uuid,
    event_id: Uuid,
    body: EventBody,
    now: DateTime<Utc>,
) -> Result<EventContext, EventError> {
    let change = EventChange::check(db, organisation_id, body, false).await?;
    let tx = db.begin_write().await?;
    let locked = db::events::find_for_update(&*tx, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EventError::NotFound)?;
    if locked.status == EventStatus::Cancelled {
        return Err(EventError::Cancelled);
    }
    if change.status == Some(EventStatus::Draft)
        && locked.status == EventStatus::Published
        && !visibility::may_return_to_draft(locked.confirmed_count, locked.waitlist_count)
    {
        return Err(EventError::Invalid(FieldErrors::one(
            "status",
            Problem::PeopleRegistered,
        )));
    }
    let old_sessions = db::events::sessions(&*tx, event_id).await?;
    let mut changed = locked.clone();
    let new_sessions = change
        .apply(&mut changed, &old_sessions)
        .map_err(EventError::Invalid)?;
    let recording_added = match &change.recording {
        None => false,
        Some(None) => {
            changed.recording_url = None;
            false
        }
        Some(Some(url)) => {
            notices::may_add_recording(changed.kind, changed.ends_at, now)
                .map_err(|p| EventError::Invalid(FieldErrors::one("recording_url", p)))?;
            changed.recording_url = Some(url.clone());
            locked.recording_url.is_none()
        }
    };
    let mut diff = new_sessions
        .as_ref()
        .map(|new| diff_sessions(&shapes(&old_sessions), &shapes(new)));
    if (&changed.title, &changed.description) != (&locked.title, &locked.description) {
        diff.get_or_insert_with(Default::default).text_changed = true;
    }
    if diff.as_ref().is_some_and(|d| d.times_changed) {
        changed.schedule_changed_at = Some(now);
    }
    changed.sequence = locked.sequence + 1;
    changed.updated_at = now;
    let saved = db::events::save(&*tx, changed).await?;
    if diff.as_ref().is_some_and(|d| d.times_changed) {
        // Unconfirmed places are released before the start, also a start moved earlier.
        let by = crate::domain::signup::hold_ends_by(saved.starts_at);
        db::registrations::shorten_holds(&*tx, event_id, by).await?;
    }
    if let (Some(sessions), Some(d)) = (new_sessions, &diff) {
        let kept: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
        db::events::replace_sessions(&*tx, event_id, sessions).await?;
        crate::service::attendance::forget_removed_sessions(&*tx, &kept, &d.removed, now).await?;
    }
    let ctx = db::events::context_of(&*tx, saved).await?;
    let mut letters = Vec::new();
    let promoted = registration::fill_free_seats(&*tx, mailer, &ctx, now, &mut letters).await?;
    if let Some(d) = diff.as_ref().filter(|d| d.notifies()) {
        if ctx.event.status == EventStatus::Published {
            let removed: Vec<event_session::Model> = old_sessions
                .iter()
                .filter(|s| d.removed.contains(&s.id))
                .cloned()
                .collect();
            for reg in db::registrations::active_for_event(&*tx, event_id).await? {
                if notices::gets_change_notice(reg.status, promoted.contains(&reg.id), d) {
                    let notice = Notice {
                        diff: Some(d),
                        removed: &removed,
                        ..Notice::new(MailKind::EventChanged, &reg, &ctx)
                    };
                    letters.push(mailer.letter(&ctx, &reg, &notice, now)?);
                }
            }
        }
    }
    if recording_added && ctx.event.status == EventStatus::Published {
        for reg in db::registrations::active_for_event(&*tx, event_id).await? {
            if notices::gets_recording(reg.status) {
                let notice = Notice::new(MailKind::RecordingAvailable, &reg, &ctx);
                letters.push(mailer.letter(&ctx, &reg, &notice, now)?);
            }
        }
    }
    db::outbox::insert_many(&*tx, letters).await?;
    // Counters moved by promotions: read the row as committed.
    let ctx = match db::events::find(&*tx, event_id).await? {
        Some(event) => EventContext { event, ..ctx },
        None => ctx,
    };
    tx.commit().await?;
    mailer.wake();
    Ok(ctx)
}

/// Cancels an event; it takes no more sign-ups, every registrant is told (with the
/// reason), and seat holders' calendars drop it (its SEQUENCE grows).
pub async fn cancel(
    db: &Db,
    mailer: &Mailer,
    organisation_id: Uuid,
    event_id: Uuid,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<EventContext, EventError> {
    let mut errors = FieldErrors::new();
    let reason = domain::optional_long_text(&mut errors, "reason", reason, MAX_CANCEL_REASON);
    if !errors.is_empty() {
        return Err(EventError::Invalid(errors));
    }
    let tx = db.begin_write().await?;
    let mut event = db::events::find_for_update(&*tx, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EventError::NotFound)?;
    if event.status == EventStatus::Cancelled {
        let ctx = db::events::context_of(&*tx, event).await?;
        return Ok(ctx);
    }
    event.status = EventStatus::Cancelled;
    event.cancel_reason = reason;
    event.cancelled_at = Some(now);
    event.sequence += 1;
    event.updated_at = now;
    let saved = db::events::save(&*tx, event).await?;
    let ctx = db::events::context_of(&*tx, saved).await?;
    let mut letters = Vec::new();
    for reg in db::registrations::active_for_event(&*tx, event_id).await? {
        if notices::gets_cancellation_notice(reg.status) {
            letters.push(mailer.letter(
                &ctx,
                &reg,
                &Notice::new(MailKind::EventCancelled, &reg, &ctx),
                now,
            )?);
        }
    }
    db::outbox::insert_many(&*tx, letters).await?;
    tx.commit().await?;
    mailer.wake();
    Ok(ctx)
}
