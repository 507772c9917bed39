//! Programmes across the year: series of events, who has completed an event of several
//! sessions, and the events and sessions a reporting period held (the rules are in
//! `domain::programmes`).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde::Serialize;
use uuid::Uuid;

use crate::db::entities::{event, event_session, series};
use crate::db::stats::{HeldEvent, StatsScope};
use crate::db::{self, Db, Unique};
use crate::domain::programmes::{self, HeldStatus, SessionPart};
use crate::domain::{self, EventKind, FieldErrors, Slug};

/// Why a series could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SeriesError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("the organisation already has a series with that slug")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a series in `organisation_id`; its slug is unique within the organisation.
pub async fn create_series(
    db: &Db,
    organisation_id: Uuid,
    slug: Option<&str>,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<series::Model, SeriesError> {
    let mut errors = FieldErrors::new();
    let slug = Slug::parse(slug.unwrap_or_default())
        .map_err(|e| errors.insert("slug", e))
        .ok();
    let name = domain::required_text(&mut errors, "name", name, 200);
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(SeriesError::Invalid(errors));
    };
    let tx = db.begin_write().await?;
    let created = match db::series::insert(&*tx, organisation_id, slug.as_str(), &name, now).await {
        Ok(s) => s,
        Err(e) if db::violates(&e, Unique::SeriesSlug) => return Err(SeriesError::SlugTaken),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(created)
}

/// One confirmed registration's progress through an event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Completion {
    pub registration_id: Uuid,
    pub name: String,
    #[schema(format = "email")]
    pub email: String,
    pub municipality: Option<String>,
    /// Ids of the sessions it came to, in the event's order.
    pub sessions_attended: Vec<Uuid>,
    pub completed: bool,
}

/// Every confirmed registration of an event with the sessions it came to and whether it
/// completed the event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Completions {
    pub event_id: Uuid,
    /// Sessions needed; none: every session that is not optional.
    pub min_sessions: Option<i32>,
    pub sessions: u64,
    pub optional_sessions: u64,
    pub completed: u64,
    pub registrations: Vec<Completion>,
}

/// Who has completed `event` so far (sessions not yet held are simply not attended).
pub async fn completions(
    db: &Db,
    event: &event::Model,
    sessions: &[event_session::Model],
) -> Result<Completions, DbErr> {
    let confirmed = db::registrations::confirmed_for_event(&db.conn, event.id).await?;
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let mut came: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for mark in db::attendance::for_sessions(&db.conn, &ids).await? {
        if mark.attended {
            came.entry(mark.registration_id)
                .or_default()
                .insert(mark.session_id);
        }
    }
    let parts: Vec<SessionPart> = sessions
        .iter()
        .map(|s| SessionPart {
            starts_at: s.starts_at,
            optional: s.optional,
        })
        .collect();
    let registrations: Vec<Completion> = confirmed
        .into_iter()
        .map(|r| {
            let attended: Vec<bool> = sessions
                .iter()
                .map(|s| came.get(&r.id).is_some_and(|c| c.contains(&s.id)))
                .collect();
            Completion {
                registration_id: r.id,
                completed: programmes::completed(&parts, &attended, event.completion_min_sessions),
                sessions_attended: sessions
                    .iter()
                    .zip(&attended)
                    .filter(|(_, a)| **a)
                    .map(|(s, _)| s.id)
                    .collect(),
                name: r.name,
                email: r.email,
                municipality: r.municipality,
            }
        })
        .collect();
    Ok(Completions {
        event_id: event.id,
        min_sessions: event.completion_min_sessions,
        sessions: sessions.len() as u64,
        optional_sessions: sessions.iter().filter(|s| s.optional).count() as u64,
        completed: registrations.iter().filter(|c| c.completed).count() as u64,
        registrations,
    })
}

/// One event's line in the events held: its sessions in the period and overall, and its
/// registrations so far ("170 signed up, 2 of 8 gatherings held in 2025").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldRow {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    /// The network's slug.
    pub network: Option<String>,
    /// The series' slug.
    pub series: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub sessions_total: u64,
    pub sessions_in_period: u64,
    pub sessions_held_in_period: u64,
    /// Confirmed registrations so far.
    pub registered: u64,
    /// Those who came where attendance was recorded, else everyone registered (where the
    /// period held a session of it; none otherwise).
    pub participants: u64,
    pub status: HeldStatus,
}

/// Events held, planned and cancelled, and sessions held and planned.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct HeldCounts {
    pub events_held: u64,
    pub events_planned: u64,
    pub events_cancelled: u64,
    pub sessions_held: u64,
    pub sessions_planned: u64,
}

impl HeldCounts {
    fn add(&mut self, row: &HeldRow) {
        match row.status {
            HeldStatus::Held => self.events_held += 1,
            HeldStatus::Planned => self.events_planned += 1,
            HeldStatus::Cancelled => self.events_cancelled += 1,
        }
        if row.status != HeldStatus::Cancelled {
            self.sessions_held += row.sessions_held_in_period;
            self.sessions_planned += row.sessions_in_period - row.sessions_held_in_period;
        }
    }
}

/// One kind's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindRow {
    pub kind: EventKind,
    #[serde(flatten)]
    pub counts: HeldCounts,
}

/// One network's counts, per kind ("2 nettverkssamlinger i demensnettverket"); the row
/// without a network holds the events of none.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetworkRow {
    /// The network's slug (none: events outside networks).
    pub network: Option<String>,
    pub name: Option<String>,
    #[serde(flatten)]
    pub counts: HeldCounts,
    pub by_kind: Vec<KindRow>,
}

/// One series' counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesRow {
    pub series: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: HeldCounts,
}

/// The events a period held: totals, per network (and kind), per kind, per series, and
/// every event with sessions in the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventsHeld {
    pub totals: HeldCounts,
    pub by_network: Vec<NetworkRow>,
    pub by_kind: Vec<KindRow>,
    pub by_series: Vec<SeriesRow>,
    pub events: Vec<HeldRow>,
}

/// Rows per kind in the order of [`EventKind::ALL`], zeros included.
fn by_kind<'a>(rows: impl Iterator<Item = &'a HeldRow>) -> Vec<KindRow> {
    let mut counts = [HeldCounts::default(); EventKind::ALL.len()];
    for row in rows {
        if let Some(i) = EventKind::ALL.iter().position(|k| *k == row.kind) {
            counts[i].add(row);
        }
    }
    EventKind::ALL
        .iter()
        .zip(counts)
        .map(|(kind, counts)| KindRow {
            kind: *kind,
            counts,
        })
        .collect()
}

/// Builds the table from the events with sessions in the scope's period (`names`: the
/// organisation's networks and series by id, as slug and name).
pub fn events_held(
    scope: &StatsScope,
    found: Vec<HeldEvent>,
    networks: &HashMap<Uuid, (String, String)>,
    series: &HashMap<Uuid, (String, String)>,
) -> EventsHeld {
    let mut rows: Vec<(Option<Uuid>, Option<Uuid>, HeldRow)> = Vec::new();
    for e in found {
        let sessions = programmes::period_sessions(
            e.session_starts.iter().copied(),
            scope.from,
            scope.until,
            e.status,
            scope.now,
        );
        let Some(status) = programmes::held_status(e.status, sessions) else {
            continue;
        };
        // Counted where the period held some of it: a programme's planned year shows none.
        let participants = if status != HeldStatus::Held {
            0
        } else if e.recorded > 0 {
            e.attended
        } else {
            e.registered
        };
        rows.push((
            e.network_id,
            e.series_id,
            HeldRow {
                id: e.id,
                title: e.title,
                kind: e.kind,
                network: e
                    .network_id
                    .and_then(|n| networks.get(&n).map(|x| x.0.clone())),
                series: e
                    .series_id
                    .and_then(|s| series.get(&s).map(|x| x.0.clone())),
                starts_at: e.starts_at,
                sessions_total: e.session_starts.len() as u64,
                sessions_in_period: sessions.in_period,
                sessions_held_in_period: sessions.held,
                registered: e.registered,
                participants,
                status,
            },
        ));
    }
    rows.sort_by_key(|r| (r.2.starts_at, r.2.id));
    let mut totals = HeldCounts::default();
    rows.iter().for_each(|(_, _, r)| totals.add(r));

    // Each network once, by name (Norwegian order), events outside any network last.
    let mut network_ids: Vec<Option<Uuid>> = rows
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    network_ids.sort_by_cached_key(|n| {
        (
            n.is_none(),
            n.and_then(|n| networks.get(&n))
                .map(|(_, name)| crate::service::stats::norwegian_order(name)),
        )
    });
    let by_network = network_ids
        .into_iter()
        .map(|id| {
            let mine = || rows.iter().filter(move |(n, _, _)| *n == id).map(|r| &r.2);
            let mut counts = HeldCounts::default();
            mine().for_each(|r| counts.add(r));
            let named = id.and_then(|n| networks.get(&n));
            NetworkRow {
                network: named.map(|x| x.0.clone()),
                name: named.map(|x| x.1.clone()),
                counts,
                by_kind: by_kind(mine()),
            }
        })
        .collect();

    let mut series_ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|(_, s, _)| *s)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    series_ids.sort_by_cached_key(|s| {
        series
            .get(s)
            .map(|(_, name)| crate::service::stats::norwegian_order(name))
    });
    let by_series = series_ids
        .into_iter()
        .filter_map(|id| {
            let (slug, name) = series.get(&id)?;
            let mut counts = HeldCounts::default();
            rows.iter()
                .filter(|(_, s, _)| *s == Some(id))
                .for_each(|r| counts.add(&r.2));
            Some(SeriesRow {
                series: slug.clone(),
                name: name.clone(),
                counts,
            })
        })
        .collect();

    EventsHeld {
        totals,
        by_kind: by_kind(rows.iter().map(|r| &r.2)),
        by_network,
        by_series,
        events: rows.into_iter().map(|r| r.2).collect(),
    }
}

/// The events held in a scope, counted by the database.
pub async fn compute_events_held(db: &Db, scope: &StatsScope) -> Result<EventsHeld, DbErr> {
    let found = db::stats::held_events(&db.conn, scope).await?;
    let networks = db::networks::list(&db.conn, Some(scope.organisation_id))
        .await?
        .into_iter()
        .map(|n| (n.id, (n.slug, n.name)))
        .collect();
    let series = db::series::of_organisation(&db.conn, scope.organisation_id)
        .await?
        .into_iter()
        .map(|s| (s.id, (s.slug, s.name)))
        .collect();
    Ok(events_held(scope, found, &networks, &series))
}

/// One session in the year plan, with its event.
#[derive(Debug, Clone)]
pub struct PlanItem {
    pub event: event::Model,
    pub session: event_session::Model,
    /// Its place in the event ("samling 3 av 8").
    pub number: usize,
    pub of: usize,
    pub state: programmes::PlanState,
    /// The organisation's zone, in which the session's times are read.
    pub zone: chrono_tz::Tz,
}

/// A month of the year plan: its first day and its sessions, soonest first (those without a
/// date after the dated ones).
#[derive(Debug, Clone)]
pub struct PlanMonth {
    pub first_day: chrono::NaiveDate,
    pub items: Vec<PlanItem>,
}

/// Most events one year plan shows (a centre publishes a few hundred a year).
pub const YEAR_PLAN_MAX_EVENTS: u64 = 2000;

/// The year plan (årshjul) of `year`: the published events the public sees, of one network
/// or all, month by month with each session in the month it falls in (as its
/// organisation's calendar counts it), held, coming or without a date yet. Every month is
/// there, empty ones too, so the plan reads as a year.
pub async fn year_plan(
    db: &Db,
    year: i32,
    network_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<PlanMonth>, DbErr> {
    use chrono::{Datelike, NaiveDate};
    let Some(first_day) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Ok(vec![]);
    };
    // A day's margin either side: the organisations' zones decide the month below.
    let margin = chrono::Duration::days(1);
    let start = first_day.and_time(chrono::NaiveTime::MIN).and_utc() - margin;
    let end = first_day
        .with_year(year + 1)
        .unwrap_or(first_day)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
        + margin;
    let events = db::events::list(
        &db.conn,
        &db::events::EventFilter {
            network_id,
            from: Some(start),
            overlapping: true,
            to: Some(end),
            ..db::events::EventFilter::upcoming(
                domain::visibility::list_rule(domain::visibility::Viewer::Public),
                YEAR_PLAN_MAX_EVENTS,
                now,
            )
        },
    )
    .await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let mut sessions = db::events::sessions_of_many(&db.conn, &ids).await?;
    let mut org_ids: Vec<Uuid> = events.iter().map(|e| e.organisation_id).collect();
    org_ids.sort();
    org_ids.dedup();
    let zones: HashMap<Uuid, chrono_tz::Tz> = db::organisations::find_many(&db.conn, &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, domain::period::zone(&o.time_zone)))
        .collect();
    let mut months: Vec<PlanMonth> = (1..=12)
        .filter_map(|m| NaiveDate::from_ymd_opt(year, m, 1))
        .map(|first_day| PlanMonth {
            first_day,
            items: vec![],
        })
        .collect();
    for e in events {
        let zone = zones
            .get(&e.organisation_id)
            .copied()
            .unwrap_or(domain::period::DEFAULT_ZONE);
        let list = sessions.remove(&e.id).unwrap_or_default();
        let of = list.len();
        for (i, s) in list.into_iter().enumerate() {
            let month = programmes::plan_month(s.month.as_deref(), s.starts_at, zone);
            if month.year() != year {
                continue;
            }
            months[month.month0() as usize].items.push(PlanItem {
                state: programmes::plan_state(e.status, s.dated_start(), now),
                event: e.clone(),
                session: s,
                number: i + 1,
                of,
                zone,
            });
        }
    }
    for m in &mut months {
        m.items
            .sort_by_key(|i| (i.session.month.is_some(), i.session.starts_at, i.event.id));
    }
    Ok(months)
}
