//! Attendance per session, and the per-registration summary kept beside it.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::entities::{registration, session_attendance};

/// Records (or overwrites) whether each registration came to each session.
pub async fn record(
    db: &impl ConnectionTrait,
    registration_ids: &[Uuid],
    session_ids: &[Uuid],
    attended: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows: Vec<_> = registration_ids
        .iter()
        .flat_map(|r| {
            session_ids
                .iter()
                .map(move |s| session_attendance::ActiveModel {
                    registration_id: Set(*r),
                    session_id: Set(*s),
                    attended: Set(attended),
                    recorded_at: Set(now),
                })
        })
        .collect();
    // Four columns a row: stay far below every engine's parameter limit.
    for chunk in rows.chunks(1000) {
        session_attendance::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    session_attendance::Column::RegistrationId,
                    session_attendance::Column::SessionId,
                ])
                .update_columns([
                    session_attendance::Column::Attended,
                    session_attendance::Column::RecordedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Attendance rows of these sessions (an event's, usually).
pub async fn for_sessions(
    db: &impl ConnectionTrait,
    session_ids: &[Uuid],
) -> Result<Vec<session_attendance::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in session_ids.chunks(1000) {
        out.extend(
            session_attendance::Entity::find()
                .filter(session_attendance::Column::SessionId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// Drops the marks of these sessions (removed from their event).
pub async fn delete_for_sessions(
    db: &impl ConnectionTrait,
    session_ids: &[Uuid],
) -> Result<(), DbErr> {
    for chunk in session_ids.chunks(1000) {
        session_attendance::Entity::delete_many()
            .filter(session_attendance::Column::SessionId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Stores registrations' attendance summaries (`None`: nothing recorded): one statement per
/// distinct value and thousand registrations, however many are marked at once.
pub async fn set_summaries(
    db: &impl ConnectionTrait,
    summaries: &HashMap<Uuid, Option<bool>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for value in [Some(true), Some(false), None] {
        let ids: Vec<Uuid> = summaries
            .iter()
            .filter(|(_, v)| **v == value)
            .map(|(id, _)| *id)
            .collect();
        for chunk in ids.chunks(1000) {
            registration::Entity::update_many()
                .col_expr(registration::Column::Attended, value.into())
                .col_expr(registration::Column::UpdatedAt, now.into())
                .filter(registration::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}
