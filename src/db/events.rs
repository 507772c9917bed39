//! Events and their sessions, including the seat counters the sign-up path relies on.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::{event, event_session};
use crate::domain::{EventKind, EventStatus};

/// Which events a listing shows.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub network_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Events starting at or after this instant; default: events not yet ended.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Also show drafts and cancelled events of this organisation (its organiser is asking).
    pub all_statuses_of: Option<Uuid>,
    pub limit: u64,
}

/// Finds an event by id.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).one(db).await
}

/// Finds an event and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`;
/// on SQLite the write transaction already excludes other writers).
///
/// Every change to an event's registrations takes this lock first, so seat decisions are
/// made on fresh counters and two transactions never lock rows in opposite orders.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// Published events (plus the asking organiser's own others), soonest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
) -> Result<Vec<event::Model>, DbErr> {
    let mut visible = Condition::any().add(event::Column::Status.eq("published"));
    if let Some(org) = filter.all_statuses_of {
        visible = visible.add(event::Column::OrganisationId.eq(org));
    }
    let mut q = event::Entity::find().filter(visible);
    if let Some(n) = filter.network_id {
        q = q.filter(event::Column::NetworkId.eq(n));
    }
    if let Some(o) = filter.organisation_id {
        q = q.filter(event::Column::OrganisationId.eq(o));
    }
    q = match filter.from {
        Some(from) => q.filter(event::Column::StartsAt.gte(from)),
        None => q.filter(event::Column::EndsAt.gte(Utc::now())),
    };
    if let Some(to) = filter.to {
        q = q.filter(event::Column::StartsAt.lt(to));
    }
    q.order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(filter.limit)
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

/// The sessions of several events, in order (one query for a whole listing).
pub async fn sessions_of_many(
    db: &impl ConnectionTrait,
    event_ids: Vec<Uuid>,
) -> Result<Vec<event_session::Model>, DbErr> {
    if event_ids.is_empty() {
        return Ok(vec![]);
    }
    event_session::Entity::find()
        .filter(event_session::Column::EventId.is_in(event_ids))
        .order_by_asc(event_session::Column::EventId)
        .order_by_asc(event_session::Column::Position)
        .all(db)
        .await
}

/// A new event row: a draft gathering in `organisation_id` with every counter at zero and
/// times at `now` until sessions are set. Callers override what they know.
pub fn new_event(organisation_id: Uuid, now: DateTime<Utc>) -> event::Model {
    event::Model {
        id: Uuid::now_v7(),
        organisation_id,
        network_id: None,
        title: String::new(),
        kind: EventKind::Gathering.as_str().into(),
        description: None,
        status: EventStatus::Draft.as_str().into(),
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

/// Writes every column of a changed event.
pub async fn save(db: &impl ConnectionTrait, event: event::Model) -> Result<event::Model, DbErr> {
    let mut active = event::ActiveModel::from(event);
    for col in [
        event::Column::NetworkId,
        event::Column::Title,
        event::Column::Kind,
        event::Column::Description,
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
    ] {
        active.reset(col);
    }
    // The counters are changed only through `adjust_counts`.
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

/// Moves the seat and waiting-list counters by the given amounts, in the database
/// (`SET confirmed_count = confirmed_count + ?`), and hands out waiting-list tickets.
pub async fn adjust_counts(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    confirmed_delta: i32,
    waitlist_delta: i32,
    tickets_taken: i64,
) -> Result<(), DbErr> {
    event::Entity::update_many()
        .col_expr(
            event::Column::ConfirmedCount,
            Expr::col(event::Column::ConfirmedCount).add(confirmed_delta),
        )
        .col_expr(
            event::Column::WaitlistCount,
            Expr::col(event::Column::WaitlistCount).add(waitlist_delta),
        )
        .col_expr(
            event::Column::WaitlistSeq,
            Expr::col(event::Column::WaitlistSeq).add(tickets_taken),
        )
        .filter(event::Column::Id.eq(event_id))
        .exec(db)
        .await?;
    Ok(())
}
