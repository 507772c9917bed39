//! Events and their sessions, including the seat counters the sign-up path relies on.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::{event, event_session, organisation};
use crate::domain::visibility::ListRule;
use crate::domain::{EventKind, EventStatus, Seats, SignupWindow};

/// Which events a listing shows.
#[derive(Debug, Clone)]
pub struct EventFilter {
    /// Which statuses the viewer may see listed (`domain::visibility::list_rule`).
    pub rule: ListRule,
    pub network_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub kind: Option<EventKind>,
    /// Events starting at or after this instant; default: events not yet ended at `now`.
    pub from: Option<DateTime<Utc>>,
    /// With `from`: events still under way at `from` too (a programme begun the year
    /// before belongs in this year's plan).
    pub overlapping: bool,
    /// Events starting before this instant.
    pub to: Option<DateTime<Utc>>,
    pub offset: u64,
    pub limit: u64,
    /// The time the listing is made at.
    pub now: DateTime<Utc>,
}

impl EventFilter {
    /// Events upcoming at `now` under `rule`, at most `limit`.
    pub fn upcoming(rule: ListRule, limit: u64, now: DateTime<Utc>) -> EventFilter {
        EventFilter {
            rule,
            network_id: None,
            organisation_id: None,
            kind: None,
            from: None,
            overlapping: false,
            to: None,
            offset: 0,
            limit,
            now,
        }
    }
}

/// An event with what every view of it needs: its sessions (in order) and organisation.
#[derive(Debug, Clone)]
pub struct EventContext {
    pub event: event::Model,
    pub sessions: Vec<event_session::Model>,
    pub organisation: organisation::Model,
}

impl event::Model {
    /// The facts that decide whether the event takes sign-ups.
    pub fn window(&self) -> SignupWindow {
        SignupWindow {
            status: self.status,
            opens_at: self.registration_opens_at,
            closes_at: self.registration_closes_at,
            starts_at: self.starts_at,
            dated: !self.planned,
        }
    }

    /// The end of its last session, once every session has a date (a planned event has
    /// none yet: it has not ended, whatever its placeholder times say).
    pub fn dated_end(&self) -> Option<DateTime<Utc>> {
        (!self.planned).then_some(self.ends_at)
    }

    /// The seat counters.
    pub fn seats(&self) -> Seats {
        Seats {
            capacity: self.capacity,
            confirmed: self.confirmed_count,
            waitlist_enabled: self.waitlist_enabled,
            waitlisted: self.waitlist_count,
        }
    }
}

impl event_session::Model {
    /// Its start, if it has a date (`None` while only its month is known).
    pub fn dated_start(&self) -> Option<DateTime<Utc>> {
        self.month.is_none().then_some(self.starts_at)
    }
}

/// Finds an event by id.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).one(db).await
}

/// The events with these ids (any order).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<event::Model>, DbErr> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            event::Entity::find()
                .filter(event::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(all)
}

/// An event with its sessions and organisation: the one loader every view uses.
pub async fn context(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<EventContext>, DbErr> {
    let Some(event) = find(db, id).await? else {
        return Ok(None);
    };
    context_of(db, event).await.map(Some)
}

/// The sessions and organisation of an event already read (e.g. under its lock).
pub async fn context_of(
    db: &impl ConnectionTrait,
    event: event::Model,
) -> Result<EventContext, DbErr> {
    let sessions = sessions(db, event.id).await?;
    let organisation = organisation::Entity::find_by_id(event.organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("organisation {}", event.organisation_id)))?;
    Ok(EventContext {
        event,
        sessions,
        organisation,
    })
}

/// Finds an event and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`;
/// on SQLite the write transaction already excludes other writers).
///
/// Every change to an event or its registrations takes this lock first, so decisions are
/// made on the current row and two transactions never lock rows in opposite orders.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).lock_exclusive().one(db).await
}

fn listing_condition(filter: &EventFilter) -> Condition {
    let mut visible = Condition::any()
        .add(event::Column::Status.is_in(filter.rule.statuses_for_all.iter().copied()));
    if let Some(org) = filter.rule.all_of_organisation {
        visible = visible.add(event::Column::OrganisationId.eq(org));
    }
    let mut condition = Condition::all().add(visible);
    if let Some(n) = filter.network_id {
        condition = condition.add(event::Column::NetworkId.eq(n));
    }
    if let Some(o) = filter.organisation_id {
        condition = condition.add(event::Column::OrganisationId.eq(o));
    }
    if let Some(k) = filter.kind {
        condition = condition.add(event::Column::Kind.eq(k));
    }
    condition = match filter.from {
        Some(from) if filter.overlapping => condition.add(event::Column::EndsAt.gte(from)),
        Some(from) => condition.add(event::Column::StartsAt.gte(from)),
        None => condition.add(event::Column::EndsAt.gte(filter.now)),
    };
    if let Some(to) = filter.to {
        condition = condition.add(event::Column::StartsAt.lt(to));
    }
    condition
}

/// The events a listing shows, soonest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(listing_condition(filter))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .offset(filter.offset)
        .limit(filter.limit)
        .all(db)
        .await
}

/// Whether any event exists at all (a new installation has none).
pub async fn any(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// An organisation's events for its organisers: every status, latest first.
pub async fn of_organisation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    offset: u64,
    limit: u64,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// The sessions of one event, in order.
pub async fn sessions(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<event_session::Model>, DbErr> {
    event_session::Entity::find()
        .filter(event_session::Column::EventId.eq(event_id))
        .order_by_asc(event_session::Column::Position)
        .all(db)
        .await
}

/// The sessions of several events, grouped by event and in order (one query per thousand
/// events, within every engine's parameter limit).
pub async fn sessions_of_many(
    db: &impl ConnectionTrait,
    event_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<event_session::Model>>, DbErr> {
    let mut by_event: std::collections::HashMap<Uuid, Vec<event_session::Model>> =
        Default::default();
    for chunk in event_ids.chunks(1000) {
        let rows = event_session::Entity::find()
            .filter(event_session::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_session::Column::EventId)
            .order_by_asc(event_session::Column::Position)
            .all(db)
            .await?;
        for s in rows {
            by_event.entry(s.event_id).or_default().push(s);
        }
    }
    Ok(by_event)
}

/// A new event row: a draft gathering in `organisation_id` with every counter at zero and
/// times at `now` until sessions are set. Callers override what they know.
pub fn new_event(organisation_id: Uuid, now: DateTime<Utc>) -> event::Model {
    event::Model {
        id: Uuid::now_v7(),
        organisation_id,
        network_id: None,
        title: String::new(),
        kind: EventKind::Gathering,
        description: None,
        audience: None,
        status: EventStatus::Draft,
        capacity: None,
        waitlist_enabled: true,
        members_only: false,
        registration_opens_at: None,
        registration_closes_at: None,
        starts_at: now,
        ends_at: now,
        confirmed_count: 0,
        waitlist_count: 0,
        waitlist_seq: 0,
        sequence: 0,
        cancel_reason: None,
        cancelled_at: None,
        created_at: now,
        updated_at: now,
        schedule_changed_at: None,
        recording_url: None,
        series_id: None,
        completion_min_sessions: None,
        certificate: None,
        planned: false,
    }
}

/// Inserts a new event with its sessions.
pub async fn insert(
    db: &impl ConnectionTrait,
    event: event::Model,
    sessions: Vec<event_session::Model>,
) -> Result<event::Model, DbErr> {
    let saved = event::ActiveModel::from(event).insert(db).await?;
    insert_sessions(db, sessions).await?;
    Ok(saved)
}

async fn insert_sessions(
    db: &impl ConnectionTrait,
    sessions: Vec<event_session::Model>,
) -> Result<(), DbErr> {
    if sessions.is_empty() {
        return Ok(());
    }
    event_session::Entity::insert_many(sessions.into_iter().map(event_session::ActiveModel::from))
        .exec(db)
        .await?;
    Ok(())
}

/// Writes the columns an organiser changes. Call with the row locked and `event` derived
/// from the locked row, so no concurrent change is overwritten. The seat counters are
/// changed only through [`adjust_counts`].
pub async fn save(db: &impl ConnectionTrait, event: event::Model) -> Result<event::Model, DbErr> {
    let mut active = event::ActiveModel::from(event);
    for col in [
        event::Column::NetworkId,
        event::Column::Title,
        event::Column::Kind,
        event::Column::Description,
        event::Column::Audience,
        event::Column::Status,
        event::Column::Capacity,
        event::Column::WaitlistEnabled,
        event::Column::MembersOnly,
        event::Column::RegistrationOpensAt,
        event::Column::RegistrationClosesAt,
        event::Column::StartsAt,
        event::Column::EndsAt,
        event::Column::Sequence,
        event::Column::CancelReason,
        event::Column::CancelledAt,
        event::Column::UpdatedAt,
        event::Column::ScheduleChangedAt,
        event::Column::RecordingUrl,
        event::Column::SeriesId,
        event::Column::CompletionMinSessions,
        event::Column::Certificate,
        event::Column::Planned,
    ] {
        active.reset(col);
    }
    active.not_set(event::Column::ConfirmedCount);
    active.not_set(event::Column::WaitlistCount);
    active.not_set(event::Column::WaitlistSeq);
    active.update(db).await
}

/// Replaces an event's sessions with `sessions` (ids kept where given).
pub async fn replace_sessions(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    sessions: Vec<event_session::Model>,
) -> Result<(), DbErr> {
    event_session::Entity::delete_many()
        .filter(event_session::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    insert_sessions(db, sessions).await
}

/// How one change moves an event's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountChange {
    /// Seats taken (negative: freed).
    pub confirmed: i32,
    /// Places in line taken (negative: left).
    pub waitlisted: i32,
    /// Waiting-list tickets handed out (they order the line and are never reused).
    pub tickets: i64,
    /// How much the calendar SEQUENCE grows.
    pub sequence: i32,
}

/// Moves the counters in the database (`SET confirmed_count = confirmed_count + ?`), so the
/// row is written once whatever else the transaction did.
pub async fn adjust_counts(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    change: CountChange,
) -> Result<(), DbErr> {
    if change == CountChange::default() {
        return Ok(());
    }
    // Only the counters that move are written: a sign-up must not look like a change of
    // the event to the feeds (a trigger watches `sequence`; see `feed_generation`).
    let mut update = event::Entity::update_many();
    for (column, delta) in [
        (event::Column::ConfirmedCount, i64::from(change.confirmed)),
        (event::Column::WaitlistCount, i64::from(change.waitlisted)),
        (event::Column::WaitlistSeq, change.tickets),
        (event::Column::Sequence, i64::from(change.sequence)),
    ] {
        if delta != 0 {
            update = update.col_expr(column, Expr::col(column).add(delta));
        }
    }
    update
        .filter(event::Column::Id.eq(event_id))
        .exec(db)
        .await?;
    Ok(())
}
