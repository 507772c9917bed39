//! The rows participation statistics are made of: the events counted, and confirmed
//! registrations grouped by event and by the municipality text participants gave. The
//! database does the counting, so 100,000 registrations come back as a few hundred rows.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::entities::{event, registration};
use crate::domain::{EventKind, EventStatus, RegistrationStatus};

/// Which events the statistics cover. Only published events that have begun count.
#[derive(Debug, Clone)]
pub struct StatsScope {
    pub organisation_id: Uuid,
    /// Events starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this instant.
    pub until: Option<DateTime<Utc>>,
    pub network_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub kind: Option<EventKind>,
    /// Events that have not begun by then have not taken place.
    pub now: DateTime<Utc>,
}

/// An event the statistics count.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CountedEvent {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub starts_at: DateTime<Utc>,
}

/// What registrations are grouped by: the municipality text they gave, or their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Municipality,
    Role,
}

impl Grouping {
    fn column(self) -> registration::Column {
        match self {
            Grouping::Municipality => registration::Column::Municipality,
            Grouping::Role => registration::Column::Role,
        }
    }
}

/// Confirmed registrations of one event that gave the same municipality text (or role).
#[derive(Debug, Clone, FromQueryResult)]
pub struct GroupCount {
    pub event_id: Uuid,
    /// The municipality text or the role, as stored.
    pub value: Option<String>,
    pub registered: i64,
    pub attended: i64,
    /// Registrations whose attendance was recorded (either way).
    pub recorded: i64,
}

fn counted_events(scope: &StatsScope) -> Select<event::Entity> {
    let mut query = event::Entity::find()
        .filter(event::Column::OrganisationId.eq(scope.organisation_id))
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::StartsAt.lte(scope.now));
    if let Some(from) = scope.from {
        query = query.filter(event::Column::StartsAt.gte(from));
    }
    if let Some(until) = scope.until {
        query = query.filter(event::Column::StartsAt.lt(until));
    }
    if let Some(network) = scope.network_id {
        query = query.filter(event::Column::NetworkId.eq(network));
    }
    if let Some(id) = scope.event_id {
        query = query.filter(event::Column::Id.eq(id));
    }
    if let Some(kind) = scope.kind {
        query = query.filter(event::Column::Kind.eq(kind));
    }
    query
}

/// The events counted, soonest first.
pub async fn events(
    db: &impl ConnectionTrait,
    scope: &StatsScope,
) -> Result<Vec<CountedEvent>, DbErr> {
    counted_events(scope)
        .select_only()
        .columns([
            event::Column::Id,
            event::Column::Title,
            event::Column::Kind,
            event::Column::StartsAt,
        ])
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .into_model::<CountedEvent>()
        .all(db)
        .await
}

/// Confirmed registrations of the counted events, grouped by event and municipality text
/// (or role).
pub async fn group_counts(
    db: &impl ConnectionTrait,
    scope: &StatsScope,
    by: Grouping,
) -> Result<Vec<GroupCount>, DbErr> {
    let event_ids = counted_events(scope)
        .select_only()
        .column(event::Column::Id)
        .into_query();
    let attended_one = Expr::case(registration::Column::Attended.eq(true), 1).finally(0);
    let grouped = registration::Entity::find()
        .select_only()
        .column(registration::Column::EventId)
        .column_as(by.column(), "value")
        // COUNT(*), not COUNT(id): the index `ix_registrations_stats` then covers the
        // whole query, and the table itself is never read.
        .column_as(Expr::from(Func::count(Expr::col(Asterisk))), "registered")
        .column_as(Expr::from(Func::sum(attended_one)), "attended")
        .column_as(registration::Column::Attended.count(), "recorded")
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::EventId.in_subquery(event_ids))
        .group_by(registration::Column::EventId)
        .group_by(by.column());
    if db.get_database_backend() != DbBackend::Sqlite {
        return grouped.into_model::<GroupCount>().all(db).await;
    }
    // sqlx hands SQLite's rows from its worker thread to the request one by one, each a
    // thread wake-up (~7 µs): for a year's 3,000 groups that cost more than the query
    // itself. The groups come back as one JSON row instead (ids are blobs: as hex).
    let mut statement = grouped.build(DbBackend::Sqlite);
    statement.sql = format!(
        "SELECT json_group_array(json_array(hex(event_id), value, registered, attended, \
         recorded)) AS groups FROM ({})",
        statement.sql
    );
    let json: String = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("statistics".into()))?
        .try_get("", "groups")?;
    let groups: Vec<(Uuid, Option<String>, i64, i64, i64)> =
        serde_json::from_str(&json).map_err(|e| DbErr::Json(e.to_string()))?;
    Ok(groups
        .into_iter()
        .map(
            |(event_id, value, registered, attended, recorded)| GroupCount {
                event_id,
                value,
                registered,
                attended,
                recorded,
            },
        )
        .collect())
}
