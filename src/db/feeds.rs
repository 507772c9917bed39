//! What calendar feeds show: events in a scope, within the feed's time window, with just
//! the rows the feed renders.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

use super::entities::{event, feed_version, participant_feed, registration};
use crate::domain::visibility::{FEED_HISTORY, FEED_KEEPS_CANCELLED, FEED_MAX_EVENTS};
use crate::domain::{EventStatus, Language, RegistrationStatus};

/// Whose events a feed shows.
#[derive(Debug, Clone)]
pub enum FeedScope {
    Network(Uuid),
    Organisation(Uuid),
    /// A participant's own registrations (confirmed or waitlisted), by address.
    Participant(String),
}

/// A participant's registration as the personal feed needs it.
#[derive(Debug, Clone)]
pub struct OwnRegistration {
    pub status: RegistrationStatus,
    pub updated_at: DateTime<Utc>,
    /// The language the participant signed up in: their entries' words.
    pub language: Language,
}

/// What a feed's cache fingerprint needs of an event: its change stamps, nothing else.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EventStamp {
    pub id: Uuid,
    /// Its network's name is part of every entry (CATEGORIES).
    pub network_id: Option<Uuid>,
    pub sequence: i32,
    pub status: EventStatus,
    pub updated_at: DateTime<Utc>,
    /// When it leaves the feed by itself (`FEED_HISTORY`, `FEED_KEEPS_CANCELLED`).
    pub ends_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The counter every change a public feed could show moves (kept by triggers, see the
/// migration `feed_generation`).
pub async fn generation(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT generation FROM feed_generation WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("feed_generation".into()))?;
    row.try_get::<i64>("", "generation")
}

/// The events a feed shows (`domain::visibility::feed_shows`, as a query; in scope), at
/// most [`FEED_MAX_EVENTS`] of them, latest first (callers turn them soonest first), and for
/// a personal feed the participant's registration per event.
async fn scoped(
    db: &impl ConnectionTrait,
    scope: &FeedScope,
    now: DateTime<Utc>,
) -> Result<Option<(Select<event::Entity>, HashMap<Uuid, OwnRegistration>)>, DbErr> {
    let visible = Condition::any()
        .add(event::Column::Status.eq(EventStatus::Published))
        .add(
            Condition::all()
                .add(event::Column::Status.eq(EventStatus::Cancelled))
                .add(event::Column::CancelledAt.gte(now - FEED_KEEPS_CANCELLED)),
        );
    let mut query = event::Entity::find()
        .filter(visible)
        .filter(event::Column::Planned.eq(false))
        .filter(event::Column::EndsAt.gte(now - FEED_HISTORY));
    let mut own = HashMap::new();
    match scope {
        FeedScope::Network(id) => query = query.filter(event::Column::NetworkId.eq(*id)),
        FeedScope::Organisation(id) => query = query.filter(event::Column::OrganisationId.eq(*id)),
        FeedScope::Participant(email) => {
            let regs = registration::Entity::find()
                .filter(registration::Column::EmailNormalized.eq(email.as_str()))
                .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
                .all(db)
                .await?;
            if regs.is_empty() {
                return Ok(None);
            }
            query = query.filter(event::Column::Id.is_in(regs.iter().map(|r| r.event_id)));
            own = regs
                .into_iter()
                .map(|r| {
                    (
                        r.event_id,
                        OwnRegistration {
                            status: r.status,
                            updated_at: r.updated_at,
                            language: r.language,
                        },
                    )
                })
                .collect();
        }
    }
    let query = query
        .order_by_desc(event::Column::StartsAt)
        .order_by_desc(event::Column::Id)
        .limit(FEED_MAX_EVENTS);
    Ok(Some((query, own)))
}

/// Change stamps of a feed's events (for `ETag`/`Last-Modified`), and the participant's
/// registrations for a personal feed.
pub async fn feed_stamps(
    db: &impl ConnectionTrait,
    scope: &FeedScope,
    now: DateTime<Utc>,
) -> Result<(Vec<EventStamp>, HashMap<Uuid, OwnRegistration>), DbErr> {
    let Some((query, own)) = scoped(db, scope, now).await? else {
        return Ok((vec![], HashMap::new()));
    };
    let mut stamps = query
        .select_only()
        .columns([
            event::Column::Id,
            event::Column::NetworkId,
            event::Column::Sequence,
            event::Column::Status,
            event::Column::UpdatedAt,
            event::Column::EndsAt,
            event::Column::CancelledAt,
        ])
        .into_model::<EventStamp>()
        .all(db)
        .await?;
    stamps.reverse();
    Ok((stamps, own))
}

/// The feed's events in full, soonest first.
pub async fn feed_events(
    db: &impl ConnectionTrait,
    scope: &FeedScope,
    now: DateTime<Utc>,
) -> Result<Vec<event::Model>, DbErr> {
    let Some((query, _)) = scoped(db, scope, now).await? else {
        return Ok(vec![]);
    };
    let mut events = query.all(db).await?;
    events.reverse();
    Ok(events)
}

/// Makes sure each of `addresses` has a personal feed (new ones get a random link id), in
/// one statement per 500 addresses.
pub async fn ensure_participant_feeds(
    db: &impl ConnectionTrait,
    addresses: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in addresses.chunks(500) {
        participant_feed::Entity::insert_many(chunk.iter().map(|a| {
            participant_feed::ActiveModel {
                email_normalized: Set(a.clone()),
                link_id: Set(crate::links::new_feed_link_id()),
                created_at: Set(now),
                replaced_at: Set(None),
            }
        }))
        .on_conflict(
            OnConflict::column(participant_feed::Column::EmailNormalized)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A participant's personal feed, creating it (with a new random link id) the first time.
pub async fn ensure_participant_feed(
    db: &impl ConnectionTrait,
    email_normalized: &str,
    now: DateTime<Utc>,
) -> Result<participant_feed::Model, DbErr> {
    ensure_participant_feeds(db, &[email_normalized.to_string()], now).await?;
    participant_feed::Entity::find_by_id(email_normalized.to_string())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("participant feed".into()))
}

/// The personal feeds of these addresses.
pub async fn participant_feeds(
    db: &impl ConnectionTrait,
    emails_normalized: &[String],
) -> Result<HashMap<String, participant_feed::Model>, DbErr> {
    let mut out = HashMap::new();
    for chunk in emails_normalized.chunks(1000) {
        for f in participant_feed::Entity::find()
            .filter(participant_feed::Column::EmailNormalized.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            out.insert(f.email_normalized.clone(), f);
        }
    }
    Ok(out)
}

/// The personal feed whose link has this id.
pub async fn participant_feed_by_link(
    db: &impl ConnectionTrait,
    link_id: &str,
) -> Result<Option<participant_feed::Model>, DbErr> {
    participant_feed::Entity::find()
        .filter(participant_feed::Column::LinkId.eq(link_id))
        .one(db)
        .await
}

/// Gives a personal feed a new link id; the old link names nothing from now on.
pub async fn replace_participant_link(
    db: &impl ConnectionTrait,
    email_normalized: &str,
    new_link_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    participant_feed::Entity::update_many()
        .col_expr(participant_feed::Column::LinkId, new_link_id.into())
        .col_expr(participant_feed::Column::ReplacedAt, Some(now).into())
        .filter(participant_feed::Column::EmailNormalized.eq(email_normalized))
        .exec(db)
        .await?;
    Ok(())
}

/// The stored fingerprint of a feed and when it changed.
pub async fn feed_version(
    db: &impl ConnectionTrait,
    feed: &str,
) -> Result<Option<feed_version::Model>, DbErr> {
    feed_version::Entity::find_by_id(feed.to_string())
        .one(db)
        .await
}

/// Records that a feed's fingerprint became `etag` at `now`.
pub async fn store_feed_version(
    db: &impl ConnectionTrait,
    feed: &str,
    etag: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    feed_version::Entity::insert(feed_version::ActiveModel {
        feed: Set(feed.to_string()),
        etag: Set(etag.to_string()),
        changed_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(feed_version::Column::Feed)
            .update_columns([feed_version::Column::Etag, feed_version::Column::ChangedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Deletes the personal feeds of addresses that have no registration with personal data
/// left (after retention or erasure); returns how many.
pub async fn delete_orphan_feeds(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::QueryTrait;
    let live = registration::Entity::find()
        .select_only()
        .column(registration::Column::EmailNormalized)
        .filter(registration::Column::AnonymisedAt.is_null())
        .into_query();
    Ok(participant_feed::Entity::delete_many()
        .filter(participant_feed::Column::EmailNormalized.not_in_subquery(live))
        .exec(db)
        .await?
        .rows_affected)
}

/// Forgets the versions of personal feeds that no longer exist.
pub async fn delete_orphan_versions(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let live: Vec<String> = participant_feed::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|f| format!("me/{}", f.link_id))
        .collect();
    let stale: Vec<String> = feed_version::Entity::find()
        .filter(feed_version::Column::Feed.starts_with("me/"))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.feed)
        .filter(|f| !live.contains(f))
        .collect();
    let mut n = 0;
    for chunk in stale.chunks(500) {
        n += feed_version::Entity::delete_many()
            .filter(feed_version::Column::Feed.is_in(chunk.iter().cloned()))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(n)
}
