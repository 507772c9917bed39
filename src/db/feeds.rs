//! What calendar feeds show: events in a scope, within the feed's time window, with just
//! the rows the feed renders.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

use super::entities::{event, event_session, participant_feed, registration};

/// How far back a feed reaches: enough for "what did we do last term".
pub const HISTORY: Duration = Duration::days(180);
/// How long a cancelled event stays in feeds (as `STATUS:CANCELLED`), so that subscribed
/// calendars that refresh rarely still see the cancellation rather than a silent removal.
pub const CANCELLED_KEPT: Duration = Duration::days(30);

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
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

/// What a feed's cache fingerprint needs of an event: its change stamps, nothing else.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EventStamp {
    pub id: Uuid,
    pub sequence: i32,
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

/// The events a feed shows (published, or cancelled recently; within the history window;
/// in scope), soonest first, and for a personal feed the participant's registration per event.
async fn scoped(
    db: &impl ConnectionTrait,
    scope: &FeedScope,
    now: DateTime<Utc>,
) -> Result<Option<(Select<event::Entity>, HashMap<Uuid, OwnRegistration>)>, DbErr> {
    let visible = Condition::any()
        .add(event::Column::Status.eq("published"))
        .add(
            Condition::all()
                .add(event::Column::Status.eq("cancelled"))
                .add(event::Column::CancelledAt.gte(now - CANCELLED_KEPT)),
        );
    let mut query = event::Entity::find()
        .filter(visible)
        .filter(event::Column::EndsAt.gte(now - HISTORY));
    let mut own = HashMap::new();
    match scope {
        FeedScope::Network(id) => query = query.filter(event::Column::NetworkId.eq(*id)),
        FeedScope::Organisation(id) => query = query.filter(event::Column::OrganisationId.eq(*id)),
        FeedScope::Participant(email) => {
            let regs = registration::Entity::find()
                .filter(registration::Column::EmailNormalized.eq(email.as_str()))
                .filter(registration::Column::Status.is_in(["confirmed", "waitlisted"]))
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
                        },
                    )
                })
                .collect();
        }
    }
    let query = query
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id);
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
    let stamps = query
        .select_only()
        .columns([
            event::Column::Id,
            event::Column::Sequence,
            event::Column::Status,
            event::Column::UpdatedAt,
        ])
        .into_model::<EventStamp>()
        .all(db)
        .await?;
    Ok((stamps, own))
}

/// The feed's events in full, soonest first.
pub async fn feed_events(
    db: &impl ConnectionTrait,
    scope: &FeedScope,
    now: DateTime<Utc>,
) -> Result<Vec<event::Model>, DbErr> {
    match scoped(db, scope, now).await? {
        Some((query, _)) => query.all(db).await,
        None => Ok(vec![]),
    }
}

/// Sessions of many events, fetched in chunks that every engine's parameter limit allows.
pub async fn sessions_for(
    db: &impl ConnectionTrait,
    event_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<event_session::Model>>, DbErr> {
    let mut by_event: HashMap<Uuid, Vec<event_session::Model>> = HashMap::new();
    for chunk in event_ids.chunks(1000) {
        for s in super::events::sessions_of_many(db, chunk.to_vec()).await? {
            by_event.entry(s.event_id).or_default().push(s);
        }
    }
    Ok(by_event)
}

/// Makes sure a participant's feed exists under this token hash.
pub async fn ensure_participant_feed(
    db: &impl ConnectionTrait,
    email_normalized: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    participant_feed::Entity::insert(participant_feed::ActiveModel {
        email_normalized: Set(email_normalized.to_string()),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(now),
    })
    .on_conflict(
        // A new link key (SAMLING_SECRET_KEY changed) gives new tokens: keep the newest.
        OnConflict::column(participant_feed::Column::EmailNormalized)
            .update_column(participant_feed::Column::TokenHash)
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The address whose feed token has this hash.
pub async fn participant_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<String>, DbErr> {
    Ok(participant_feed::Entity::find()
        .filter(participant_feed::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(|f| f.email_normalized))
}
