//! Signed-in desk sessions, found by the hash of their id.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entities::organiser_session;

/// Stores a new session.
pub async fn insert(
    db: &impl ConnectionTrait,
    session: organiser_session::Model,
) -> Result<(), DbErr> {
    organiser_session::ActiveModel::from(session)
        .insert(db)
        .await?;
    Ok(())
}

/// The session with this id hash.
pub async fn find(
    db: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<organiser_session::Model>, DbErr> {
    organiser_session::Entity::find_by_id(id_hash.to_string())
        .one(db)
        .await
}

/// Records use of a session (for the idle timeout).
pub async fn touch(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    organiser_session::Entity::update_many()
        .col_expr(organiser_session::Column::LastSeenAt, now.into())
        .filter(organiser_session::Column::IdHash.eq(id_hash))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    organiser_session::Entity::delete_by_id(id_hash.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of an organiser (after a password change).
pub async fn delete_of(db: &impl ConnectionTrait, organiser_id: Uuid) -> Result<(), DbErr> {
    organiser_session::Entity::delete_many()
        .filter(organiser_session::Column::OrganiserId.eq(organiser_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes sessions that can no longer be used.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(organiser_session::Entity::delete_many()
        .filter(
            organiser_session::Column::ExpiresAt
                .lte(now)
                .or(organiser_session::Column::LastSeenAt.lt(idle_since)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
