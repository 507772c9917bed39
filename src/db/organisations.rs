//! Organisations, organisers, API tokens and municipality reference data.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::entities::{api_token, municipality, organisation, organiser, role};

/// Finds an organisation by its slug.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organisation::Model>, DbErr> {
    if !super::comparable(slug) {
        return Ok(None);
    }
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
    now: DateTime<Utc>,
) -> Result<organisation::Model, DbErr> {
    if let Some(existing) = find_by_slug(db, slug).await? {
        return Ok(existing);
    }
    organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.to_string()),
        name: Set(name.to_string()),
        time_zone: Set(crate::domain::period::DEFAULT_ZONE.name().to_string()),
        created_at: Set(now),
        contact_email: Set(None),
    }
    .insert(db)
    .await
}

/// Sets (or with `None` clears) the organisation's contact address.
pub async fn set_contact_email(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: Option<&str>,
) -> Result<(), DbErr> {
    organisation::Entity::update_many()
        .col_expr(
            organisation::Column::ContactEmail,
            sea_orm::sea_query::Expr::value(email.map(str::to_string)),
        )
        .filter(organisation::Column::Id.eq(organisation_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Returns the organiser with this address in the organisation, creating or updating it.
pub async fn upsert_organiser(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    name: &str,
    is_admin: bool,
    now: DateTime<Utc>,
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
                created_at: Set(now),
                password_hash: Set(None),
                password_changed_at: Set(None),
                disabled_at: Set(None),
            }
            .insert(db)
            .await
        }
    }
}

/// Stores the hash of a new API token for an organiser (`made_at_desk`: by the owner at
/// the desk, rather than on the command line).
pub async fn add_token(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    token_hash: &str,
    label: Option<String>,
    made_at_desk: bool,
    now: DateTime<Utc>,
) -> Result<api_token::Model, DbErr> {
    api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        organiser_id: Set(organiser_id),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(now),
        label: Set(label),
        last_used_at: Set(None),
        made_at_desk: Set(made_at_desk),
    }
    .insert(db)
    .await
}

/// The token with this hash and its organiser, if any.
pub async fn organiser_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(organiser::Model, api_token::Model)>, DbErr> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(organiser::Entity::find_by_id(token.organiser_id)
        .one(db)
        .await?
        .map(|o| (o, token)))
}

/// Records that a token was used, at most once a minute (a busy script does not write on
/// every call).
pub async fn touch_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: chrono::DateTime<Utc>,
) -> Result<(), DbErr> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Some(now).into())
        .filter(api_token::Column::Id.eq(id))
        .filter(
            api_token::Column::LastUsedAt
                .is_null()
                .or(api_token::Column::LastUsedAt.lt(now - chrono::Duration::minutes(1))),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// An organiser's tokens, newest first.
pub async fn tokens_of(
    db: &impl ConnectionTrait,
    organiser_ids: &[Uuid],
) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::OrganiserId.is_in(organiser_ids.iter().copied()))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await
}

/// A token by id.
pub async fn token(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<api_token::Model>, DbErr> {
    api_token::Entity::find_by_id(id).one(db).await
}

/// Deletes a token; returns whether there was one. It answers 401 from then on.
pub async fn delete_token(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(api_token::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Deletes the organiser's tokens made at the desk; returns them. They answer 401 at once.
pub async fn delete_desk_tokens(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
) -> Result<Vec<api_token::Model>, DbErr> {
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::OrganiserId.eq(organiser_id))
        .filter(api_token::Column::MadeAtDesk.eq(true))
        .all(db)
        .await?;
    if !tokens.is_empty() {
        api_token::Entity::delete_many()
            .filter(api_token::Column::Id.is_in(tokens.iter().map(|t| t.id)))
            .exec(db)
            .await?;
    }
    Ok(tokens)
}

/// Disables (`Some(when)`) or enables (`None`) an organiser's account.
pub async fn set_disabled(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    disabled_at: Option<chrono::DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let res = organiser::Entity::update_many()
        .col_expr(organiser::Column::DisabledAt, disabled_at.into())
        .filter(organiser::Column::Id.eq(organiser_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Organisers with this address (in any organisation), oldest first.
pub async fn organisers_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<organiser::Model>, DbErr> {
    if !super::comparable(email) {
        return Ok(Vec::new());
    }
    organiser::Entity::find()
        .filter(organiser::Column::Email.eq(email))
        .order_by_asc(organiser::Column::CreatedAt)
        .all(db)
        .await
}

/// An organiser by id.
pub async fn organiser(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organiser::Model>, DbErr> {
    organiser::Entity::find_by_id(id).one(db).await
}

/// The organisers of an organisation, by name.
pub async fn organisers_of(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<organiser::Model>, DbErr> {
    organiser::Entity::find()
        .filter(organiser::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(organiser::Column::Name)
        .all(db)
        .await
}

/// Sets an organiser's password hash.
pub async fn set_password(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    hash: &str,
    now: chrono::DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = organiser::Entity::update_many()
        .col_expr(
            organiser::Column::PasswordHash,
            Some(hash.to_string()).into(),
        )
        .col_expr(organiser::Column::PasswordChangedAt, Some(now).into())
        .filter(organiser::Column::Id.eq(organiser_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
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

/// The organisation's municipality whose `domain::match_key` is `key`, if any.
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

/// A municipality as an import file or the demo gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityRow {
    pub name: String,
    /// `domain::match_key` of the name.
    pub key: String,
    pub population: Option<i64>,
    pub region: Option<String>,
    /// Stored as `domain::reference::stored_aliases` gives them.
    pub aliases: Option<String>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
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
            aliases: Set(r.aliases.clone()),
            valid_from: Set(r.valid_from),
            valid_to: Set(r.valid_to),
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
                municipality::Column::Aliases,
                municipality::Column::ValidFrom,
                municipality::Column::ValidTo,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The organisation's own role list, in its order (empty: it uses the default list).
pub async fn roles(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<role::Model>, DbErr> {
    role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(role::Column::Position)
        .all(db)
        .await
}

/// Replaces the organisation's role list with `roles` (key, Norwegian, English label).
pub async fn replace_roles(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    roles: &[(String, String, String)],
) -> Result<(), DbErr> {
    role::Entity::delete_many()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .exec(db)
        .await?;
    if roles.is_empty() {
        return Ok(());
    }
    role::Entity::insert_many(roles.iter().enumerate().map(|(i, (key, nb, en))| {
        role::ActiveModel {
            id: Set(Uuid::now_v7()),
            organisation_id: Set(organisation_id),
            key: Set(key.clone()),
            label_nb: Set(nb.clone()),
            label_en: Set(en.clone()),
            position: Set(i as i32),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// The role values the organisation's registrations hold (any status), each once.
pub async fn roles_in_use(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<String>, DbErr> {
    use super::entities::{event, registration};
    use sea_orm::{QuerySelect, QueryTrait};
    let events = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(event::Column::OrganisationId.eq(organisation_id))
        .into_query();
    registration::Entity::find()
        .select_only()
        .column(registration::Column::Role)
        .distinct()
        .filter(registration::Column::Role.is_not_null())
        .filter(registration::Column::EventId.in_subquery(events))
        .into_tuple::<String>()
        .all(db)
        .await
}

/// The own role list of the organisation that runs `event_id` (empty: the default list, or
/// no such event).
pub async fn roles_of_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<role::Model>, DbErr> {
    use super::entities::event;
    use sea_orm::{QuerySelect, QueryTrait};
    let organisation = event::Entity::find()
        .select_only()
        .column(event::Column::OrganisationId)
        .filter(event::Column::Id.eq(event_id))
        .into_query();
    role::Entity::find()
        .filter(role::Column::OrganisationId.in_subquery(organisation))
        .order_by_asc(role::Column::Position)
        .all(db)
        .await
}
