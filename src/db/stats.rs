//! The rows participation statistics are made of: the events counted, and confirmed
//! registrations grouped by event and by the municipality text participants gave. The
//! database does the counting, so 100,000 registrations come back as a few hundred rows.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, CaseStatement, Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::entities::{event, event_session, network_member, registration};
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
    pub series_id: Option<Uuid>,
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
    filtered(query, scope)
}

/// The scope's network, event, kind and series filters.
fn filtered(mut query: Select<event::Entity>, scope: &StatsScope) -> Select<event::Entity> {
    if let Some(network) = scope.network_id {
        query = query.filter(event::Column::NetworkId.eq(network));
    }
    if let Some(id) = scope.event_id {
        query = query.filter(event::Column::Id.eq(id));
    }
    if let Some(kind) = scope.kind {
        query = query.filter(event::Column::Kind.eq(kind));
    }
    if let Some(series) = scope.series_id {
        query = query.filter(event::Column::SeriesId.eq(series));
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
    let groups: Vec<(Uuid, Option<String>, i64, i64, i64)> = sqlite_rows(
        db,
        grouped.build(DbBackend::Sqlite),
        "hex(event_id), value, registered, attended, recorded",
    )
    .await?;
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

/// How many distinct people (normalised addresses) one row of a table counts.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PeopleCount {
    /// The row number the caller gave the stored values, -1 for every other value.
    pub place: i64,
    pub people: i64,
}

/// Distinct people among the counted participations: confirmed registrations of the
/// counted events, only those who came where the event's attendance was recorded
/// (`recorded`). Per row — `rows[i]` lists the stored values (municipality texts or roles)
/// that make row `i`; any other value, or none, is row -1 — and in all.
pub async fn people(
    db: &impl ConnectionTrait,
    scope: &StatsScope,
    by: Grouping,
    rows: &[Vec<String>],
    recorded: &[Uuid],
) -> Result<(Vec<PeopleCount>, i64), DbErr> {
    let event_ids = counted_events(scope)
        .select_only()
        .column(event::Column::Id)
        .into_query();
    let mut counted = registration::Entity::find()
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::EventId.in_subquery(event_ids));
    if !recorded.is_empty() {
        counted = counted.filter(
            Condition::any()
                .add(registration::Column::Attended.eq(true))
                .add(registration::Column::EventId.is_not_in(recorded.iter().copied())),
        );
    }
    let mut place = CaseStatement::new();
    let mut any_row = false;
    for (i, values) in rows.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        place = place.case(by.column().is_in(values.iter().cloned()), i as i64);
        any_row = true;
    }
    // A CASE needs a WHEN: with no values in any row, every participation is row -1.
    let place: Expr = if any_row {
        place.finally(-1).into()
    } else {
        Expr::val(-1i64)
    };
    use sea_orm::sea_query::ExprTrait as _;
    let distinct = || Expr::col(registration::Column::EmailNormalized).count_distinct();
    let per_row = counted
        .clone()
        .select_only()
        .column_as(place, "place")
        .column_as(distinct(), "people")
        .group_by(Expr::col(Alias::new("place")))
        .into_model::<PeopleCount>()
        .all(db)
        .await?;
    let total: Option<i64> = counted
        .select_only()
        .column_as(distinct(), "people")
        .into_tuple()
        .one(db)
        .await?;
    Ok((per_row, total.unwrap_or(0)))
}

/// SQLite: the rows of `statement` in one JSON row, each as the array of `columns` (an
/// SQL list over the statement's columns; ids as `hex(…)`, times as [`sqlite_time`]).
/// sqlx hands SQLite's rows from its worker thread to the request one by one, each a
/// thread wake-up (~7 µs): for a year's thousands of rows that costs more than the query.
async fn sqlite_rows<T: serde::de::DeserializeOwned>(
    db: &impl ConnectionTrait,
    mut statement: sea_orm::Statement,
    columns: &str,
) -> Result<Vec<T>, DbErr> {
    statement.sql = format!(
        "SELECT json_group_array(json_array({columns})) AS rows FROM ({})",
        statement.sql
    );
    let json: String = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("statistics".into()))?
        .try_get("", "rows")?;
    serde_json::from_str(&json).map_err(|e| DbErr::Json(e.to_string()))
}

/// A stored SQLite time column as RFC 3339 in UTC, for [`sqlite_rows`].
fn sqlite_time(column: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', {column})")
}

/// An event with sessions in (or around) a period, for the events held.
#[derive(Debug, Clone)]
pub struct HeldEvent {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub network_id: Option<Uuid>,
    pub series_id: Option<Uuid>,
    pub status: EventStatus,
    pub starts_at: DateTime<Utc>,
    /// Every session's start, the ones outside the period too.
    pub session_starts: Vec<crate::domain::programmes::SessionStart>,
    /// Confirmed registrations so far.
    pub registered: u64,
    pub attended: u64,
    /// Confirmed registrations whose attendance was recorded (either way).
    pub recorded: u64,
}

#[derive(Debug, FromQueryResult, serde::Deserialize)]
struct HeldEventRow {
    id: Uuid,
    title: String,
    kind: EventKind,
    network_id: Option<Uuid>,
    series_id: Option<Uuid>,
    status: EventStatus,
    starts_at: DateTime<Utc>,
    confirmed_count: i32,
}

#[derive(Debug, FromQueryResult, serde::Deserialize)]
struct SessionStartRow {
    event_id: Uuid,
    starts_at: DateTime<Utc>,
    month: Option<String>,
}

#[derive(Debug, FromQueryResult, serde::Deserialize)]
struct AttendanceRow {
    event_id: Uuid,
    attended: i64,
    recorded: i64,
}

/// Published and cancelled events of the scope whose time overlaps its period (a session
/// that starts in the period lies within its event's time), with every session's start
/// and the registrations' attendance; which sessions fall in the period is the service's
/// to decide. Three queries whatever the number of events.
pub async fn held_events(
    db: &impl ConnectionTrait,
    scope: &StatsScope,
) -> Result<Vec<HeldEvent>, DbErr> {
    let mut events = event::Entity::find()
        .filter(event::Column::OrganisationId.eq(scope.organisation_id))
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]));
    if let Some(from) = scope.from {
        events = events.filter(event::Column::EndsAt.gte(from));
    }
    if let Some(until) = scope.until {
        events = events.filter(event::Column::StartsAt.lt(until));
    }
    let events = filtered(events, scope);
    let ids = || {
        events
            .clone()
            .select_only()
            .column(event::Column::Id)
            .into_query()
    };
    let rows = events.clone().select_only().columns([
        event::Column::Id,
        event::Column::Title,
        event::Column::Kind,
        event::Column::NetworkId,
        event::Column::SeriesId,
        event::Column::Status,
        event::Column::StartsAt,
        event::Column::ConfirmedCount,
    ]);
    let starts = event_session::Entity::find()
        .select_only()
        .columns([
            event_session::Column::EventId,
            event_session::Column::StartsAt,
            event_session::Column::Month,
        ])
        .filter(event_session::Column::EventId.in_subquery(ids()));
    let attended_one = Expr::case(registration::Column::Attended.eq(true), 1).finally(0);
    let attendance = registration::Entity::find()
        .select_only()
        .column(registration::Column::EventId)
        .column_as(Expr::from(Func::sum(attended_one)), "attended")
        .column_as(registration::Column::Attended.count(), "recorded")
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::EventId.in_subquery(ids()))
        .group_by(registration::Column::EventId);
    let (rows, starts, attendance): (Vec<HeldEventRow>, Vec<SessionStartRow>, Vec<AttendanceRow>) =
        if db.get_database_backend() == DbBackend::Sqlite {
            let sqlite = DbBackend::Sqlite;
            (
                sqlite_rows(
                    db,
                    rows.build(sqlite),
                    &format!(
                        "hex(id), title, kind, CASE WHEN network_id IS NULL THEN NULL ELSE \
                         hex(network_id) END, CASE WHEN series_id IS NULL THEN NULL ELSE \
                         hex(series_id) END, status, {}, confirmed_count",
                        sqlite_time("starts_at")
                    ),
                )
                .await?,
                sqlite_rows(
                    db,
                    starts.build(sqlite),
                    &format!("hex(event_id), {}, month", sqlite_time("starts_at")),
                )
                .await?,
                sqlite_rows(
                    db,
                    attendance.build(sqlite),
                    "hex(event_id), attended, recorded",
                )
                .await?,
            )
        } else {
            (
                rows.into_model().all(db).await?,
                starts.into_model().all(db).await?,
                attendance.into_model().all(db).await?,
            )
        };
    let mut by_event: std::collections::HashMap<
        Uuid,
        Vec<crate::domain::programmes::SessionStart>,
    > = Default::default();
    for s in starts {
        by_event
            .entry(s.event_id)
            .or_default()
            .push(crate::domain::programmes::SessionStart {
                at: s.starts_at,
                dated: s.month.is_none(),
            });
    }
    let attendance: std::collections::HashMap<Uuid, AttendanceRow> =
        attendance.into_iter().map(|a| (a.event_id, a)).collect();
    Ok(rows
        .into_iter()
        .map(|e| {
            let came = attendance.get(&e.id);
            HeldEvent {
                session_starts: by_event.remove(&e.id).unwrap_or_default(),
                registered: e.confirmed_count.max(0) as u64,
                attended: came.map_or(0, |a| a.attended.max(0) as u64),
                recorded: came.map_or(0, |a| a.recorded.max(0) as u64),
                id: e.id,
                title: e.title,
                kind: e.kind,
                network_id: e.network_id,
                series_id: e.series_id,
                status: e.status,
                starts_at: e.starts_at,
            }
        })
        .collect())
}

/// A network's members that gave the same municipality text.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MemberCount {
    pub network_id: Uuid,
    pub municipality: Option<String>,
    pub members: i64,
}

/// The members of `networks` added before `until`, counted per network and municipality
/// text.
pub async fn member_counts(
    db: &impl ConnectionTrait,
    networks: Vec<Uuid>,
    until: DateTime<Utc>,
) -> Result<Vec<MemberCount>, DbErr> {
    if networks.is_empty() {
        return Ok(vec![]);
    }
    network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .column(network_member::Column::Municipality)
        .column_as(Expr::from(Func::count(Expr::col(Asterisk))), "members")
        .filter(network_member::Column::NetworkId.is_in(networks))
        .filter(network_member::Column::CreatedAt.lt(until))
        .group_by(network_member::Column::NetworkId)
        .group_by(network_member::Column::Municipality)
        .into_model::<MemberCount>()
        .all(db)
        .await
}
