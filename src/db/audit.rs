//! The audit log.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entities::audit_entry;

/// Writes an entry.
pub async fn insert(db: &impl ConnectionTrait, entry: audit_entry::Model) -> Result<(), DbErr> {
    audit_entry::ActiveModel::from(entry).insert(db).await?;
    Ok(())
}

/// An organisation's entries, newest first.
pub async fn of_organisation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(audit_entry::Column::At)
        .limit(limit)
        .all(db)
        .await
}

/// Removes entries older than `before`; returns how many.
pub async fn delete_before(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
