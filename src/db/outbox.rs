//! The mail outbox: rows written in the same transaction as the change that causes them,
//! claimed by delivery workers with a lease so several processes never send one twice.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::outbox::{self, MailStatus};

/// Queues mails (a few statements however many: an event change may queue thousands).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    mails: Vec<outbox::Model>,
) -> Result<(), DbErr> {
    // Sixteen columns a row: stay far below every engine's parameter limit.
    for chunk in mails.chunks(500) {
        outbox::Entity::insert_many(chunk.iter().cloned().map(outbox::ActiveModel::from))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Mails waiting to be sent, and when the oldest of them was queued (for `/metrics`).
pub async fn pending(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let waiting = outbox::Entity::find().filter(outbox::Column::Status.eq(MailStatus::Pending));
    let count = waiting.clone().count(db).await?;
    let oldest: Option<DateTime<Utc>> = waiting
        .select_only()
        .column_as(outbox::Column::CreatedAt.min(), "oldest")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok((count, oldest))
}

/// Claims up to `limit` due mails for `lease`: rows another worker holds are skipped
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer serialises claims), and
/// the lease (`locked_until`) keeps them from other workers after this transaction ends.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(MailStatus::Pending))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            outbox::Column::LockedUntil
                .is_null()
                .or(outbox::Column::LockedUntil.lt(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(due);
    }
    let ids: Vec<Uuid> = due.iter().map(|m| m.id).collect();
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Some(now + lease).into())
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(due)
}

/// Marks a mail delivered and drops what it said (its links and personal details are now
/// in the recipient's mailbox, and only there); the subject stays for the status view.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let subject: String = subject.chars().take(500).collect();
    // A mail that retention scrubbed while it was being sent (its recipient emptied) keeps
    // no subject either.
    let kept_subject = Expr::case(outbox::Column::Recipient.eq(""), "").finally(subject);
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(MailStatus::Sent))
        .col_expr(outbox::Column::Subject, kept_subject.into())
        .col_expr(outbox::Column::Facts, Expr::value(Option::<String>::None))
        .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives back claims not used (a stopping worker): the mails are due again at once.
pub async fn release(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(outbox::Column::Id.is_in(chunk.iter().copied()))
            .filter(outbox::Column::Status.eq(MailStatus::Pending))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Records a failed attempt: try again at `retry_at`, or give up (`failed`) when `None`.
pub async fn mark_attempt_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let error: String = error.chars().take(2000).collect();
    let mut update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(outbox::Column::LastError, Expr::value(Some(error)));
    update = match retry_at {
        Some(at) => update.col_expr(outbox::Column::NextAttemptAt, Expr::value(at)),
        // Given up: nothing will render it again, so its contents go too.
        None => update
            .col_expr(outbox::Column::Status, Expr::value(MailStatus::Failed))
            .col_expr(outbox::Column::Facts, Expr::value(Option::<String>::None)),
    };
    // A mail erased meanwhile (its row is gone) is simply not there to mark: no error, so
    // the other outcomes recorded with it stand.
    update.filter(outbox::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// The mails of an event its organisers see in its log (`domain::notices::shown_to_organisers`).
fn organisers_see(event_id: Uuid) -> Condition {
    let hidden = crate::domain::MailKind::ALL
        .into_iter()
        .filter(|k| !crate::domain::notices::shown_to_organisers(*k));
    Condition::all()
        .add(outbox::Column::EventId.eq(event_id))
        .add(outbox::Column::Kind.is_not_in(hidden))
}

/// Mails about one event (for the organiser's view of delivery problems).
pub async fn for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::EventId.eq(event_id))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(db)
        .await
}

/// At most `limit` of the event's mails its organisers see, oldest first, after the one with id `after`;
/// `None` when `after` is not one of the event's.
pub async fn page_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Option<Vec<outbox::Model>>, DbErr> {
    super::paging::after::<outbox::Entity>(
        db,
        organisers_see(event_id),
        outbox::Column::CreatedAt,
        outbox::Column::Id,
        after,
        limit,
    )
    .await
}

/// A page of an event's mails its organisers see, newest first.
pub async fn latest_for_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    offset: u64,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(organisers_see(event_id))
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// How many mails of an event its organisers see.
pub async fn count_for_event(db: &impl ConnectionTrait, event_id: Uuid) -> Result<u64, DbErr> {
    outbox::Entity::find()
        .filter(organisers_see(event_id))
        .count(db)
        .await
}

/// Removes what mails said and to whom, for these registrations (erasure, or anonymised
/// by retention; their mails not sent yet are dropped: there is no one to send them to),
/// or for every mail created before `before` (retention). The kind, status and times stay.
pub async fn scrub(
    db: &impl ConnectionTrait,
    registrations: Option<&[Uuid]>,
    before: Option<DateTime<Utc>>,
) -> Result<u64, DbErr> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Recipient, "".into())
        .col_expr(outbox::Column::Subject, "".into())
        .col_expr(outbox::Column::Facts, Option::<String>::None.into())
        // A mail server's error often quotes the recipient.
        .col_expr(outbox::Column::LastError, Option::<String>::None.into())
        .filter(outbox::Column::Recipient.ne(""));
    if let Some(before) = before {
        update = update
            .filter(outbox::Column::CreatedAt.lt(before))
            .filter(outbox::Column::Status.ne(MailStatus::Pending));
    }
    match registrations {
        Some(ids) => {
            let mut n = 0;
            for chunk in ids.chunks(500) {
                outbox::Entity::delete_many()
                    .filter(outbox::Column::Status.eq(MailStatus::Pending))
                    .filter(outbox::Column::RegistrationId.is_in(chunk.iter().copied()))
                    .exec(db)
                    .await?;
                n += update
                    .clone()
                    .filter(outbox::Column::RegistrationId.is_in(chunk.iter().copied()))
                    .exec(db)
                    .await?
                    .rows_affected;
            }
            Ok(n)
        }
        None => Ok(update.exec(db).await?.rows_affected),
    }
}

/// Drops the mails of `kind` to a registration that have not gone yet (a revoked
/// certificate's mail must not still carry its PDF).
pub async fn drop_pending(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
    kind: crate::domain::MailKind,
) -> Result<u64, DbErr> {
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::RegistrationId.eq(registration_id))
        .filter(outbox::Column::Kind.eq(kind))
        .filter(outbox::Column::Status.eq(outbox::MailStatus::Pending))
        .exec(db)
        .await?
        .rows_affected)
}

/// Mails to these registrations (for a participant's data export), oldest first.
pub async fn for_registrations(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<outbox::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            outbox::Entity::find()
                .filter(outbox::Column::RegistrationId.is_in(chunk.iter().copied()))
                .order_by_asc(outbox::Column::CreatedAt)
                .all(db)
                .await?,
        );
    }
    Ok(out)
}
