//! Reminder rounds: which reminder of which event has gone out (claimed once, so several
//! processes send it once).
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set, TryInsertResult,
};
use uuid::Uuid;

use super::entities::{event, reminder_run};

/// Published events with every session dated whose reminder at `offset` is due
/// (`starts_at - offset <= now`) and not yet started, without a round for that offset and
/// start time.
pub async fn due_events(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    offset: Duration,
) -> Result<Vec<event::Model>, DbErr> {
    let candidates = event::Entity::find()
        .filter(event::Column::Status.eq(crate::domain::EventStatus::Published))
        .filter(event::Column::Planned.eq(false))
        .filter(event::Column::StartsAt.gt(now))
        .filter(event::Column::StartsAt.lte(now + offset))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let done = reminder_run::Entity::find()
        .filter(reminder_run::Column::EventId.is_in(candidates.iter().map(|e| e.id)))
        .filter(reminder_run::Column::OffsetMinutes.eq(offset.num_minutes() as i32))
        .all(db)
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|e| {
            !done
                .iter()
                .any(|r| r.event_id == e.id && r.starts_at == e.starts_at)
        })
        .collect())
}

/// Claims a reminder round; false when another process (or an earlier tick) has it.
pub async fn claim_round(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    offset: Duration,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = reminder_run::Entity::insert(reminder_run::ActiveModel {
        event_id: Set(event_id),
        offset_minutes: Set(offset.num_minutes() as i32),
        starts_at: Set(starts_at),
        ran_at: Set(now),
        queued: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            reminder_run::Column::EventId,
            reminder_run::Column::OffsetMinutes,
            reminder_run::Column::StartsAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    Ok(matches!(res, TryInsertResult::Inserted(n) if n > 0))
}

/// Records how many reminders a round queued.
pub async fn record_round(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    offset: Duration,
    starts_at: DateTime<Utc>,
    queued: i32,
) -> Result<(), DbErr> {
    reminder_run::Entity::update_many()
        .col_expr(reminder_run::Column::Queued, queued.into())
        .filter(reminder_run::Column::EventId.eq(event_id))
        .filter(reminder_run::Column::OffsetMinutes.eq(offset.num_minutes() as i32))
        .filter(reminder_run::Column::StartsAt.eq(starts_at))
        .exec(db)
        .await?;
    Ok(())
}
