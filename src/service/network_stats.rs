//! Network statistics: how big each network is on a day ("Nettverket har rundt 50
//! deltakere", "13 kommuner i Sør-Rogaland er med i nettverket") and what it did in a
//! period (events held, participants), for every network of the organisation.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::stats::StatsScope;
use crate::db::{self, Db};
use crate::domain::period::{self, ReportingPeriod};
use crate::domain::{FieldErrors, Problem};
use crate::service::downloads::DownloadError;
use crate::service::{municipalities, programmes, stats};

/// `GET /stats/networks` query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkStatsQuery {
    /// The day the members are counted on (default: the period's last day, or today).
    #[param(value_type = Option<NaiveDate>)]
    pub as_of: Option<String>,
    /// A calendar year for the events held and participants (`from` and `to` narrow it).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// First day (the organisation's local date), included.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day, included.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

/// Members of a network from one municipality of the reference list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberRow {
    pub name: String,
    pub members: u64,
}

/// One network: its size on the day and its period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetworkSize {
    /// The network's slug.
    pub network: String,
    pub name: String,
    /// Members on the day.
    pub members: u64,
    /// Every municipality of the list valid on the day, zeros included.
    pub by_municipality: Vec<MemberRow>,
    /// Members from elsewhere or who gave no municipality.
    pub members_others: u64,
    /// Municipalities of the list with at least one member.
    pub municipalities_represented: u64,
    /// Events of the network held in the period, and their sessions held in it.
    pub events_held: u64,
    pub sessions_held: u64,
    /// Participants of the network's events in the period (as the participation table
    /// counts them).
    pub participants: u64,
}

/// Every network of the organisation, by name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetworkStats {
    pub as_of: NaiveDate,
    pub networks: Vec<NetworkSize>,
}

/// Checks the query and counts every network of `organisation_id`.
pub async fn compute(
    db: &Db,
    organisation_id: Uuid,
    query: NetworkStatsQuery,
    now: DateTime<Utc>,
) -> Result<NetworkStats, DownloadError> {
    let mut errors = FieldErrors::new();
    let period = ReportingPeriod::parse(
        query.year.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
        &mut errors,
    );
    let as_of = query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|raw| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| errors.insert("as_of", Problem::NotADate))
                .ok()
        });
    if !errors.is_empty() {
        return Err(DownloadError::Invalid(errors));
    }
    let organisation = db::organisations::find(&db.conn, organisation_id)
        .await?
        .ok_or(DownloadError::NotFound)?;
    let tz = period::zone(&organisation.time_zone);
    let today = now.with_timezone(&tz).date_naive();
    let as_of = as_of.unwrap_or_else(|| period.to.map_or(today, |to| to.min(today)));
    let day_after = period::start_of_local_day(as_of.succ_opt().unwrap_or(as_of), tz);

    let networks = db::networks::list(&db.conn, Some(organisation_id)).await?;
    let reference = municipalities::valid_on(&db.conn, organisation_id, as_of).await?;
    let matcher = municipalities::matcher(&reference);
    let counts =
        db::stats::member_counts(&db.conn, networks.iter().map(|n| n.id).collect(), day_after)
            .await?;
    let mut per_network: HashMap<Uuid, (Vec<u64>, u64)> = HashMap::new();
    for c in &counts {
        let (per, others) = per_network
            .entry(c.network_id)
            .or_insert_with(|| (vec![0; reference.len()], 0));
        let n = c.members.max(0) as u64;
        match c.municipality.as_deref().and_then(|m| matcher.place(m)) {
            Some(i) => per[i] += n,
            None => *others += n,
        }
    }

    let (from, until) = period.utc_range(tz);
    let scope = StatsScope {
        organisation_id,
        from,
        until,
        network_id: None,
        event_id: None,
        kind: None,
        series_id: None,
        now,
    };
    let held = programmes::compute_events_held(db, &scope).await?;
    let mut rows = Vec::with_capacity(networks.len());
    for network in networks {
        let (per, others) = per_network
            .remove(&network.id)
            .unwrap_or_else(|| (vec![0; reference.len()], 0));
        let held_row = held
            .by_network
            .iter()
            .find(|r| r.network.as_deref() == Some(network.slug.as_str()));
        let scope = StatsScope {
            network_id: Some(network.id),
            ..scope.clone()
        };
        let participants = stats::compute(db, &scope, &period, false, false)
            .await?
            .totals
            .counts
            .participants;
        rows.push(NetworkSize {
            members: per.iter().sum::<u64>() + others,
            municipalities_represented: per.iter().filter(|n| **n > 0).count() as u64,
            by_municipality: reference
                .iter()
                .zip(&per)
                .map(|(m, n)| MemberRow {
                    name: m.name.clone(),
                    members: *n,
                })
                .collect(),
            members_others: others,
            events_held: held_row.map_or(0, |r| r.counts.events_held),
            sessions_held: held_row.map_or(0, |r| r.counts.sessions_held),
            participants,
            network: network.slug,
            name: network.name,
        });
    }
    Ok(NetworkStats {
        as_of,
        networks: rows,
    })
}
