//! Series of events (programmes) of an organisation.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::entities::series;

/// Inserts a series; a slug the organisation already uses surfaces as a unique violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    slug: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<series::Model, DbErr> {
    series::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(organisation_id),
        slug: Set(slug.to_string()),
        name: Set(name.to_string()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// The organisation's series, by name.
pub async fn of_organisation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<series::Model>, DbErr> {
    series::Entity::find()
        .filter(series::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(series::Column::Name)
        .order_by_asc(series::Column::Slug)
        .all(db)
        .await
}

/// The organisation's series `slug`.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    slug: &str,
) -> Result<Option<series::Model>, DbErr> {
    if !super::comparable(slug) {
        return Ok(None);
    }
    series::Entity::find()
        .filter(series::Column::OrganisationId.eq(organisation_id))
        .filter(series::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The series with these ids.
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<series::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    series::Entity::find()
        .filter(series::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await
}
