//! Organisations, organisers, API tokens and municipality reference data.
use chrono::Utc;
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

/// Returns the organisation with this slug, creating it (Europe/Oslo) if missing.
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
        time_zone: Set("Europe/Oslo".to_string()),
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

/// The reference municipality whose matching key equals `key`.
pub async fn municipality_by_key(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    key: &str,
) -> Result<Option<municipality::Model>, DbErr> {
    municipality::Entity::find()
        .filter(municipality::Column::OrganisationId.eq(organisation_id))
        .filter(municipality::Column::NameKey.eq(key))
        .one(db)
        .await
}

/// Adds or updates a municipality of the reference list (matched by key).
pub async fn upsert_municipality(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    name: &str,
    key: &str,
    population: Option<i64>,
    region: Option<&str>,
) -> Result<municipality::Model, DbErr> {
    match municipality_by_key(db, organisation_id, key).await? {
        Some(m)
            if m.name == name && m.population == population && m.region.as_deref() == region =>
        {
            Ok(m)
        }
        Some(m) => {
            let mut active: municipality::ActiveModel = m.into();
            active.name = Set(name.to_string());
            active.population = Set(population);
            active.region = Set(region.map(str::to_string));
            active.update(db).await
        }
        None => {
            municipality::ActiveModel {
                id: Set(Uuid::now_v7()),
                organisation_id: Set(organisation_id),
                name: Set(name.to_string()),
                name_key: Set(key.to_string()),
                population: Set(population),
                region: Set(region.map(str::to_string)),
            }
            .insert(db)
            .await
        }
    }
}
