//! Organisations, organisers, API tokens and municipality reference data.
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::entities::{api_token, municipality, organisation, organiser};

/// Finds an organisation by its slug.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Finds an organisation by id.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find_by_id(id).one(db).await
}

/// Organisations by id.
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<organisation::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Returns the organisation with this slug, creating it (in the default zone) if missing.
pub async fn get_or_create(
    db: &impl ConnectionTrait,
    slug: &str,
    name: &str,
) -> Result<organisation::Model, DbErr> {
    if let Some(existing) = find_by_slug(db, slug).await? {
        return Ok(existing);
    }
    organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.to_string()),
        name: Set(name.to_string()),
        time_zone: Set(crate::domain::period::DEFAULT_ZONE.name().to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

/// Returns the organiser with this address in the organisation, creating or updating it.
pub async fn upsert_organiser(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    name: &str,
    is_admin: bool,
) -> Result<organiser::Model, DbErr> {
    let existing = organiser::Entity::find()
        .filter(organiser::Column::OrganisationId.eq(organisation_id))
        .filter(organiser::Column::Email.eq(email))
        .one(db)
        .await?;
    match existing {
        Some(o) => {
            let mut active: organiser::ActiveModel = o.into();
            active.name = Set(name.to_string());
            active.is_admin = Set(is_admin);
            active.update(db).await
        }
        None => {
            organiser::ActiveModel {
                id: Set(Uuid::now_v7()),
                organisation_id: Set(organisation_id),
                email: Set(email.to_string()),
                name: Set(name.to_string()),
                is_admin: Set(is_admin),
                created_at: Set(Utc::now()),
            }
            .insert(db)
            .await
        }
    }
}

/// Stores the hash of a new API token for an organiser.
pub async fn add_token(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    token_hash: &str,
) -> Result<(), DbErr> {
    api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        organiser_id: Set(organiser_id),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The organiser owning a token hash, if any.
pub async fn organiser_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<organiser::Model>, DbErr> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    organiser::Entity::find_by_id(token.organiser_id)
        .one(db)
        .await
}

/// The organisation's municipality reference list, by name.
pub async fn municipalities(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<municipality::Model>, DbErr> {
    municipality::Entity::find()
        .filter(municipality::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(municipality::Column::Name)
        .all(db)
        .await
}

/// A municipality as an import file or the demo gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityRow {
    pub name: String,
    /// `domain::match_key` of the name.
    pub key: String,
    pub population: Option<i64>,
    pub region: Option<String>,
}

/// Adds new municipalities and updates the others (matched by key), in a few statements.
pub async fn upsert_municipalities(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    rows: &[MunicipalityRow],
) -> Result<(), DbErr> {
    for chunk in rows.chunks(500) {
        municipality::Entity::insert_many(chunk.iter().map(|r| municipality::ActiveModel {
            id: Set(Uuid::now_v7()),
            organisation_id: Set(organisation_id),
            name: Set(r.name.clone()),
            name_key: Set(r.key.clone()),
            population: Set(r.population),
            region: Set(r.region.clone()),
        }))
        .on_conflict(
            OnConflict::columns([
                municipality::Column::OrganisationId,
                municipality::Column::NameKey,
            ])
            .update_columns([
                municipality::Column::Name,
                municipality::Column::Population,
                municipality::Column::Region,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
