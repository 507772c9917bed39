//! The certificate register: issuing, revoking, finding by number and code, the counts of
//! the statistics, and removing holders' names (erasure, retention).
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entities::certificate;

/// Which certificates a register lists.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    pub event_id: Option<Uuid>,
    pub series_id: Option<Uuid>,
    /// Year of issue.
    pub year: Option<i32>,
}

/// The last number used in the organisation's year (0 when none).
pub async fn last_seq(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    year: i32,
) -> Result<i32, DbErr> {
    #[derive(FromQueryResult)]
    struct Max {
        seq: Option<i32>,
    }
    let max = certificate::Entity::find()
        .select_only()
        .column_as(certificate::Column::Seq.max(), "seq")
        .filter(certificate::Column::OrganisationId.eq(organisation_id))
        .filter(certificate::Column::Year.eq(year))
        .into_model::<Max>()
        .one(db)
        .await?;
    Ok(max.and_then(|m| m.seq).unwrap_or(0))
}

/// Inserts certificates (numbers already given; a number taken meanwhile surfaces as a
/// unique violation).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    rows: Vec<certificate::Model>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(200) {
        certificate::Entity::insert_many(chunk.iter().cloned().map(certificate::ActiveModel::from))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Every certificate of an event, revoked ones too, by number.
pub async fn of_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<certificate::Model>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::EventId.eq(event_id))
        .order_by_asc(certificate::Column::Year)
        .order_by_asc(certificate::Column::Seq)
        .all(db)
        .await
}

/// Every certificate of a registration (a reissue makes more than one), oldest first.
pub async fn of_registration(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<Vec<certificate::Model>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.eq(registration_id))
        .order_by_asc(certificate::Column::CreatedAt)
        .all(db)
        .await
}

/// The valid certificate of a registration, if it has one.
pub async fn valid_of_registration(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<Option<certificate::Model>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.eq(registration_id))
        .filter(certificate::Column::RevokedAt.is_null())
        .order_by_desc(certificate::Column::CreatedAt)
        .one(db)
        .await
}

/// The certificate with this verification code.
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<certificate::Model>, DbErr> {
    if !super::comparable(code) {
        return Ok(None);
    }
    certificate::Entity::find()
        .filter(certificate::Column::Code.eq(code))
        .one(db)
        .await
}

/// The organisation's certificate with this number.
pub async fn find_by_number(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    number: &str,
) -> Result<Option<certificate::Model>, DbErr> {
    if !super::comparable(number) {
        return Ok(None);
    }
    certificate::Entity::find()
        .filter(certificate::Column::OrganisationId.eq(organisation_id))
        .filter(certificate::Column::Number.eq(number))
        .one(db)
        .await
}

/// Revokes a certificate (once: a revoked one keeps its first time); whether this call
/// revoked it (false: it was revoked already, by this or a concurrent call).
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(certificate::Entity::update_many()
        .col_expr(certificate::Column::RevokedAt, Some(now).into())
        .filter(certificate::Column::Id.eq(id))
        .filter(certificate::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// The organisation's certificates, revoked ones too, oldest first.
pub async fn register(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    filter: &RegisterFilter,
) -> Result<Vec<certificate::Model>, DbErr> {
    let mut query =
        certificate::Entity::find().filter(certificate::Column::OrganisationId.eq(organisation_id));
    if let Some(event) = filter.event_id {
        query = query.filter(certificate::Column::EventId.eq(event));
    }
    if let Some(series) = filter.series_id {
        query = query.filter(certificate::Column::SeriesId.eq(series));
    }
    if let Some(year) = filter.year {
        query = query.filter(certificate::Column::Year.eq(year));
    }
    query
        .order_by_asc(certificate::Column::IssuedOn)
        .order_by_asc(certificate::Column::Year)
        .order_by_asc(certificate::Column::Seq)
        .all(db)
        .await
}

/// Certificates issued on one date, per municipality as typed.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CertificateCount {
    pub municipality: Option<String>,
    pub issued_on: NaiveDate,
    pub certificates: i64,
}

/// The counts of the organisation's certificates issued on or before `as_of` and not
/// revoked before `valid_at` (the start of the next day: a later revocation leaves a past
/// date's count as it was).
pub async fn counts(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    as_of: NaiveDate,
    valid_at: DateTime<Utc>,
    series_id: Option<Uuid>,
) -> Result<Vec<CertificateCount>, DbErr> {
    let mut query = certificate::Entity::find()
        .select_only()
        .column(certificate::Column::Municipality)
        .column(certificate::Column::IssuedOn)
        .column_as(certificate::Column::Id.count(), "certificates")
        .filter(certificate::Column::OrganisationId.eq(organisation_id))
        .filter(
            sea_orm::Condition::any()
                .add(certificate::Column::RevokedAt.is_null())
                .add(certificate::Column::RevokedAt.gte(valid_at)),
        )
        .filter(certificate::Column::IssuedOn.lte(as_of));
    if let Some(series) = series_id {
        query = query.filter(certificate::Column::SeriesId.eq(series));
    }
    query
        .group_by(certificate::Column::Municipality)
        .group_by(certificate::Column::IssuedOn)
        .into_model::<CertificateCount>()
        .all(db)
        .await
}

/// Removes the holder's name from the certificates of these registrations (an erasure):
/// number, course, dates and municipality stay, so the register counts the same.
pub async fn anonymise_of_registrations(
    db: &impl ConnectionTrait,
    registration_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut changed = 0;
    for chunk in registration_ids.chunks(500) {
        changed += certificate::Entity::update_many()
            .col_expr(
                certificate::Column::HolderName,
                Expr::value(Option::<String>::None),
            )
            .col_expr(certificate::Column::AnonymisedAt, Some(now).into())
            .filter(certificate::Column::RegistrationId.is_in(chunk.iter().copied()))
            .filter(certificate::Column::AnonymisedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// How many certificates issued before `before` still have their holder's name.
pub async fn count_named_issued_before(
    db: &impl ConnectionTrait,
    before: NaiveDate,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    certificate::Entity::find()
        .filter(certificate::Column::IssuedOn.lt(before))
        .filter(certificate::Column::AnonymisedAt.is_null())
        .count(db)
        .await
}

/// Removes the holder's name from certificates issued before `before` (the certificate
/// retention); the register counts the same.
pub async fn anonymise_issued_before(
    db: &impl ConnectionTrait,
    before: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(certificate::Entity::update_many()
        .col_expr(
            certificate::Column::HolderName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(certificate::Column::AnonymisedAt, Some(now).into())
        .filter(certificate::Column::IssuedOn.lt(before))
        .filter(certificate::Column::AnonymisedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
