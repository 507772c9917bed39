//! Registrations. Status changes are made only by the registration use case, under the
//! event lock.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::registration;
use crate::domain::RegistrationStatus;

/// Inserts a registration; a second active one for the same address surfaces as a
/// violation of `Unique::ActiveRegistration`.
pub async fn insert(
    db: &impl ConnectionTrait,
    reg: registration::Model,
) -> Result<registration::Model, DbErr> {
    registration::ActiveModel::from(reg).insert(db).await
}

/// Inserts registrations of a batch of sign-ups, in few statements.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    regs: &[registration::Model],
) -> Result<(), DbErr> {
    // Twenty columns a row: stay far below every engine's parameter limit.
    for chunk in regs.chunks(500) {
        registration::Entity::insert_many(
            chunk.iter().cloned().map(registration::ActiveModel::from),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Which of `addresses` (normalised) already hold an active registration for the event.
///
/// Looked up by address alone (an address has few registrations, and its index gives them
/// whatever the planner believes): with `event_id = …` beside it, PostgreSQL planned a scan
/// of the whole event while its statistics were still those of an empty table, which made
/// a rush slower with every sign-up.
pub async fn active_addresses(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    addresses: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in addresses.chunks(500) {
        let rows: Vec<(Uuid, String, RegistrationStatus)> = registration::Entity::find()
            .select_only()
            .columns([
                registration::Column::EventId,
                registration::Column::EmailNormalized,
                registration::Column::Status,
            ])
            .filter(registration::Column::EmailNormalized.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .filter(|(event, _, status)| {
                    *event == event_id && *status != RegistrationStatus::Cancelled
                })
                .map(|(_, address, _)| address),
        );
    }
    Ok(found)
}

/// How many active registrations of the event came from each of these client networks
/// (origin tags); networks without any are left out.
pub async fn active_by_origin(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    origins: &[String],
) -> Result<std::collections::HashMap<String, u64>, DbErr> {
    let mut counts = std::collections::HashMap::new();
    for chunk in origins.chunks(500) {
        let rows: Vec<(Option<String>, i64)> = registration::Entity::find()
            .select_only()
            .column(registration::Column::Origin)
            .column_as(registration::Column::Id.count(), "n")
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::Origin.is_in(chunk.iter().cloned()))
            .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
            .group_by(registration::Column::Origin)
            .into_tuple()
            .all(db)
            .await?;
        counts.extend(
            rows.into_iter()
                .filter_map(|(origin, n)| Some((origin?, n.max(0) as u64))),
        );
    }
    Ok(counts)
}

/// Active registrations whose unconfirmed hold ended at `now` or before, oldest first.
pub async fn unconfirmed_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::ConfirmBy.lte(now))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .order_by_asc(registration::Column::ConfirmBy)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Shortens the holds of an event's unconfirmed places to end by `by` at the latest (its
/// start moved earlier).
pub async fn shorten_holds(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    by: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(registration::Entity::update_many()
        .col_expr(registration::Column::ConfirmBy, Some(by).into())
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::ConfirmBy.gt(by))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .exec(db)
        .await?
        .rows_affected)
}

/// Marks a registration's place as confirmed by the participant (no hold any more).
pub async fn clear_confirm_by(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    registration::Entity::update_many()
        .col_expr(
            registration::Column::ConfirmBy,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(registration::Column::UpdatedAt, now.into())
        .filter(registration::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The registrations made by these sign-up forms.
pub async fn find_by_submissions(
    db: &impl ConnectionTrait,
    submissions: &[Uuid],
) -> Result<Vec<registration::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in submissions.chunks(500) {
        found.extend(
            registration::Entity::find()
                .filter(registration::Column::SubmissionId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// Finds a registration by id.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<registration::Model>, DbErr> {
    registration::Entity::find_by_id(id).one(db).await
}

/// All registrations of an event, in sign-up order.
pub async fn list_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await
}

/// A page of an event's registrations in sign-up order: at most `limit` after the one with
/// id `after`; `None` when `after` is not one of the event's.
pub async fn page_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Option<Vec<registration::Model>>, DbErr> {
    super::paging::after::<registration::Entity>(
        db,
        Condition::all().add(registration::Column::EventId.eq(event_id)),
        registration::Column::CreatedAt,
        registration::Column::Id,
        after,
        limit,
    )
    .await
}

/// A page of an event's registrations in one status: the waiting list in its order, the
/// others in sign-up order.
pub async fn page_in_status(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    status: RegistrationStatus,
    offset: u64,
    limit: u64,
) -> Result<Vec<registration::Model>, DbErr> {
    let query = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(status));
    let query = if status == RegistrationStatus::Waitlisted {
        query.order_by_asc(registration::Column::WaitlistOrder)
    } else {
        query.order_by_asc(registration::Column::CreatedAt)
    };
    query
        .order_by_asc(registration::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// How many of an event's registrations are in `status`.
pub async fn count_in_status(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    status: RegistrationStatus,
) -> Result<u64, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(status))
        .count(db)
        .await
}

/// How many registrations an event has, in every status.
pub async fn count_for_event(db: &impl ConnectionTrait, event_id: Uuid) -> Result<u64, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .count(db)
        .await
}

/// The waiting list's order keys, first in line first: a page's positions come from them.
pub async fn waitlist_orders(db: &impl ConnectionTrait, event_id: Uuid) -> Result<Vec<i64>, DbErr> {
    let orders: Vec<Option<i64>> = registration::Entity::find()
        .select_only()
        .column(registration::Column::WaitlistOrder)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistOrder)
        .into_tuple()
        .all(db)
        .await?;
    Ok(orders.into_iter().map(|o| o.unwrap_or(i64::MAX)).collect())
}

/// The first `n` on the waiting list, in arrival order.
pub async fn first_waitlisted(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    n: u64,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistOrder)
        .limit(n)
        .all(db)
        .await
}

/// A waitlisted registration's place in the queue (1 = next in line).
pub async fn waitlist_position(
    db: &impl ConnectionTrait,
    reg: &registration::Model,
) -> Result<u64, DbErr> {
    let ahead = registration::Entity::find()
        .filter(registration::Column::EventId.eq(reg.event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(registration::Column::WaitlistOrder.lt(reg.waitlist_order.unwrap_or(i64::MAX)))
        .count(db)
        .await?;
    Ok(ahead + 1)
}

/// Sets registrations' status, but only where it still is `from` (guards against a change
/// made meanwhile); returns how many changed.
pub async fn change_status(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    from: RegistrationStatus,
    to: RegistrationStatus,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut update = registration::Entity::update_many()
        .col_expr(registration::Column::Status, to.into())
        .col_expr(registration::Column::UpdatedAt, now.into());
    if to == RegistrationStatus::Cancelled {
        // A cancelled registration holds no place, so it has no hold to confirm either.
        update = update
            .col_expr(registration::Column::CancelledAt, Some(now).into())
            .col_expr(
                registration::Column::ConfirmBy,
                Option::<DateTime<Utc>>::None.into(),
            );
    }
    if from == RegistrationStatus::Waitlisted && to == RegistrationStatus::Confirmed {
        update = update.col_expr(registration::Column::PromotedAt, Some(now).into());
    }
    let res = update
        .filter(registration::Column::Id.is_in(ids.iter().copied()))
        .filter(registration::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The registrations of an event among `ids` (those of other events are left out).
pub async fn find_many_of_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<registration::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        out.extend(
            registration::Entity::find()
                .filter(registration::Column::EventId.eq(event_id))
                .filter(registration::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// Registrations still holding a seat or a place in line, in sign-up order.
pub async fn active_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await
}

/// Confirmed registrations of an event, in sign-up order.
pub async fn confirmed_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await
}

/// Registrations whose personal data is due to go: to events that ended before
/// `ended_before`, or cancelled before `cancelled_before`; not already anonymised.
pub async fn due_for_anonymising(
    db: &impl ConnectionTrait,
    ended_before: DateTime<Utc>,
    cancelled_before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    due_query(ended_before, cancelled_before)
        .select_only()
        .column(registration::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// How many registrations `due_for_anonymising` would return without its limit (the
/// retention dry run reports all of them, not one batch).
pub async fn count_due_for_anonymising(
    db: &impl ConnectionTrait,
    ended_before: DateTime<Utc>,
    cancelled_before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    due_query(ended_before, cancelled_before).count(db).await
}

/// Registrations not yet anonymised whose event ended before `ended_before` or that were
/// cancelled before `cancelled_before`.
fn due_query(
    ended_before: DateTime<Utc>,
    cancelled_before: DateTime<Utc>,
) -> sea_orm::Select<registration::Entity> {
    use super::entities::event;
    use sea_orm::{Condition, QueryTrait};
    let ended = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(event::Column::EndsAt.lt(ended_before))
        .into_query();
    registration::Entity::find()
        .filter(registration::Column::AnonymisedAt.is_null())
        .filter(
            Condition::any()
                .add(registration::Column::EventId.in_subquery(ended))
                .add(
                    Condition::all()
                        .add(registration::Column::Status.eq(RegistrationStatus::Cancelled))
                        .add(registration::Column::CancelledAt.lt(cancelled_before)),
                ),
        )
}

/// Removes name, address, workplace and the origin tag of these registrations (municipality, role,
/// status, attendance and times stay: the statistics do not change). The address becomes
/// a placeholder unique to the row, so the one-registration-per-address rule still holds.
pub async fn anonymise(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Expr;
    let placeholder = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Expr::cust("'anonymised:' || id::text"),
        _ => Expr::cust("'anonymised:' || lower(hex(id))"),
    };
    let mut changed = 0;
    for chunk in ids.chunks(500) {
        changed += registration::Entity::update_many()
            .col_expr(registration::Column::Name, "".into())
            .col_expr(registration::Column::Email, "".into())
            .col_expr(registration::Column::EmailNormalized, placeholder.clone())
            .col_expr(
                registration::Column::Workplace,
                Option::<String>::None.into(),
            )
            .col_expr(registration::Column::ShareContact, false.into())
            .col_expr(
                registration::Column::ShareContactConfirmedAt,
                Option::<DateTime<Utc>>::None.into(),
            )
            .col_expr(
                registration::Column::SubmissionId,
                Option::<Uuid>::None.into(),
            )
            .col_expr(registration::Column::Origin, Option::<String>::None.into())
            .col_expr(registration::Column::AnonymisedAt, Some(now).into())
            .col_expr(registration::Column::UpdatedAt, now.into())
            .filter(registration::Column::Id.is_in(chunk.iter().copied()))
            .filter(registration::Column::AnonymisedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// Every registration made with an address (a participant), oldest first.
pub async fn of_address(
    db: &impl ConnectionTrait,
    email_normalized: &str,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EmailNormalized.eq(email_normalized))
        .order_by_asc(registration::Column::CreatedAt)
        .all(db)
        .await
}

/// Sets whether a registration shares its contact details, as its owner chose on their own
/// page: `Some(when)` confirmed, `None` not shared (the wish is set to the same).
pub async fn set_contact_sharing(
    db: &impl ConnectionTrait,
    id: Uuid,
    confirmed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = registration::Entity::update_many()
        .col_expr(
            registration::Column::ShareContact,
            confirmed_at.is_some().into(),
        )
        .col_expr(
            registration::Column::ShareContactConfirmedAt,
            confirmed_at.into(),
        )
        .col_expr(registration::Column::UpdatedAt, now.into())
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::AnonymisedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
