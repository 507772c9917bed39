//! Networks and their members.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::entities::{network, network_member};

/// Finds a network by its (service-wide unique) slug.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<network::Model>, DbErr> {
    if !super::comparable(slug) {
        return Ok(None);
    }
    network::Entity::find()
        .filter(network::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Finds networks by id (for showing events' network slugs).
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<network::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    network::Entity::find()
        .filter(network::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// All networks, optionally of one organisation, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: Option<Uuid>,
) -> Result<Vec<network::Model>, DbErr> {
    let mut q = network::Entity::find().order_by_asc(network::Column::Name);
    if let Some(org) = organisation_id {
        q = q.filter(network::Column::OrganisationId.eq(org));
    }
    q.all(db).await
}

/// Inserts a network; a taken slug surfaces as a unique violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    slug: &str,
    name: &str,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<network::Model, DbErr> {
    network::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(organisation_id),
        slug: Set(slug.to_string()),
        name: Set(name.to_string()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// The network's members, by address.
pub async fn members(
    db: &impl ConnectionTrait,
    network_id: Uuid,
) -> Result<Vec<network_member::Model>, DbErr> {
    network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .order_by_asc(network_member::Column::EmailNormalized)
        .all(db)
        .await
}

/// At most `limit` members after the address `after`, by normalised address.
pub async fn members_page(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<network_member::Model>, DbErr> {
    let mut query =
        network_member::Entity::find().filter(network_member::Column::NetworkId.eq(network_id));
    if let Some(after) = after {
        query = query.filter(network_member::Column::EmailNormalized.gt(after));
    }
    query
        .order_by_asc(network_member::Column::EmailNormalized)
        .limit(limit)
        .all(db)
        .await
}

/// Page `offset / limit` of a network's members by address (the desk's page numbers).
pub async fn members_at(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    offset: u64,
    limit: u64,
) -> Result<Vec<network_member::Model>, DbErr> {
    network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .order_by_asc(network_member::Column::EmailNormalized)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// How many members a network has.
pub async fn member_count(db: &impl ConnectionTrait, network_id: Uuid) -> Result<u64, DbErr> {
    network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .count(db)
        .await
}

/// One member by normalised address.
pub async fn member(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    email_normalized: &str,
) -> Result<Option<network_member::Model>, DbErr> {
    network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::EmailNormalized.eq(email_normalized))
        .one(db)
        .await
}

/// Which of `addresses` (normalised) are members of the network.
pub async fn members_among(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    addresses: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in addresses.chunks(500) {
        let rows: Vec<String> = network_member::Entity::find()
            .select_only()
            .column(network_member::Column::EmailNormalized)
            .filter(network_member::Column::NetworkId.eq(network_id))
            .filter(network_member::Column::EmailNormalized.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// A member to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub email: String,
    pub email_normalized: String,
    pub name: Option<String>,
    pub municipality: Option<String>,
}

/// Adds members, leaving those already there as they are; returns how many were new.
pub async fn add_members(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    members: &[NewMember],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut added = 0;
    for chunk in members.chunks(500) {
        let res = network_member::Entity::insert_many(chunk.iter().map(|m| {
            network_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                network_id: Set(network_id),
                email: Set(m.email.clone()),
                email_normalized: Set(m.email_normalized.clone()),
                name: Set(m.name.clone()),
                municipality: Set(m.municipality.clone()),
                created_at: Set(now),
            }
        }))
        .on_conflict(
            OnConflict::columns([
                network_member::Column::NetworkId,
                network_member::Column::EmailNormalized,
            ])
            .do_nothing()
            .to_owned(),
        )
        .try_insert()
        .exec_without_returning(db)
        .await?;
        if let sea_orm::TryInsertResult::Inserted(n) = res {
            added += n;
        }
    }
    Ok(added)
}

/// Removes a member; returns whether there was one.
pub async fn remove_member(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    email_normalized: &str,
) -> Result<bool, DbErr> {
    let res = network_member::Entity::delete_many()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::EmailNormalized.eq(email_normalized))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Every membership of an address (normalised), in any network, with its network; oldest
/// first. For the participant's own data export.
pub async fn memberships_of_address(
    db: &impl ConnectionTrait,
    email_normalized: &str,
) -> Result<Vec<(network_member::Model, network::Model)>, DbErr> {
    if !super::comparable(email_normalized) {
        return Ok(Vec::new());
    }
    let members = network_member::Entity::find()
        .filter(network_member::Column::EmailNormalized.eq(email_normalized))
        .order_by_asc(network_member::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = members.iter().map(|m| m.network_id).collect();
    let networks = find_many(db, ids).await?;
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let n = networks.iter().find(|n| n.id == m.network_id)?.clone();
            Some((m, n))
        })
        .collect())
}

/// Removes an address (normalised) from every network; returns how many memberships went.
pub async fn remove_address_everywhere(
    db: &impl ConnectionTrait,
    email_normalized: &str,
) -> Result<u64, DbErr> {
    if !super::comparable(email_normalized) {
        return Ok(0);
    }
    Ok(network_member::Entity::delete_many()
        .filter(network_member::Column::EmailNormalized.eq(email_normalized))
        .exec(db)
        .await?
        .rows_affected)
}
