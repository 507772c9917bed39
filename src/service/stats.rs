//! Participation statistics for annual reports: the counting rules in one place.
//!
//! - Only confirmed registrations of published events that have begun are counted
//!   (`registered`); waitlisted and cancelled sign-ups never are.
//! - `participants`: where attendance was recorded for an event (any registration marked,
//!   either way), those who came; where it was not, everyone registered. A multi-session
//!   event counts a registration once, as attended if it came to any session.
//! - A registration belongs to a municipality of the organisation's reference list when
//!   the text it gave matches a name or an alias ignoring case, accents and `aa`/`å`
//!   ("baerum" is Bærum, "Egersund" Eigersund); any other text, or none, counts as "others",
//!   whose `origins` are the distinct places typed. A period lists the municipalities valid
//!   in it (`domain::reference`): one that joined the list later counts as others before.
//! - Counts are participations, as the centres' own tables count them: someone at three
//!   gatherings counts three times. Asked for (`people=true`), every row and the totals also
//!   give `people`: the distinct addresses among its participants, where that person counts
//!   once (it costs a scan of the registrations per table, so it is not counted unasked).
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use sea_orm::DbErr;

use crate::db::entities::municipality;
use crate::db::stats::{CountedEvent, GroupCount, Grouping, StatsScope};
use crate::db::{self, Db};
use crate::domain::period::ReportingPeriod;
use crate::domain::roles::{self, Role};
use crate::domain::{match_key, EventKind};

/// Registered (confirmed sign-ups for events that have begun), attended, and participants
/// (attended where attendance was recorded for the event, registered where it was not).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Counts {
    pub registered: u64,
    pub attended: u64,
    pub participants: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.registered += other.registered;
        self.attended += other.attended;
        self.participants += other.participants;
    }
}

/// One municipality of the reference list, or the row for participants from elsewhere
/// (without population).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MunicipalityRow {
    pub name: String,
    pub region: Option<String>,
    pub population: Option<i64>,
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct people among the participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    /// Participants per 1,000 inhabitants, two decimals.
    pub per_1000_inhabitants: Option<f64>,
    /// The others row only: how many distinct places (outside the list) its participants
    /// typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origins: Option<u64>,
}

/// Subtotal of the reference municipalities of one region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionRow {
    pub region: String,
    pub municipalities: u64,
    pub municipalities_with_participants: u64,
    pub population: Option<i64>,
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct people among the region's participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    pub per_1000_inhabitants: Option<f64>,
}

/// One event's line: "Gathering 1: 15 municipalities, 63 participants (100/41)".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub starts_at: DateTime<Utc>,
    pub attendance_recorded: bool,
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct people: its participants, as an address signs up once to an event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    /// Reference municipalities with at least one participant.
    pub municipalities: u64,
    pub participants_from_municipalities: u64,
    pub participants_others: u64,
    /// Distinct places outside the list that its participants typed.
    pub origins: u64,
}

/// Totals over every row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Totals {
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct people among all participants (someone at three events counts once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    pub participants_from_municipalities: u64,
    pub participants_others: u64,
    /// Reference municipalities with at least one participant.
    pub municipalities_with_participants: u64,
    pub events: u64,
    /// Population of the reference list (where known).
    pub population: Option<i64>,
    pub per_1000_inhabitants: Option<f64>,
}

/// One role of the organisation's list, or the last row, "Ikke oppgitt" (no role, or text
/// from before roles were a list), with no key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleRow {
    pub key: Option<String>,
    /// The Norwegian label, as the reports print it.
    pub label: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct people among the participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u64>,
    /// Share of all participants, one decimal.
    pub share_percent: f64,
}

/// The label of the row of registrations without a role of the list.
pub const NOT_STATED: &str = "Ikke oppgitt";

/// Participation statistics: one row per municipality of the organisation's reference
/// list (including those with none), one for everyone else, totals, regions and events;
/// with `by=role` also one row per role (including those with none) and "Ikke oppgitt".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Participation {
    pub municipalities: Vec<MunicipalityRow>,
    pub others: MunicipalityRow,
    pub totals: Totals,
    pub regions: Vec<RegionRow>,
    pub events: Vec<EventRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleRow>>,
}

/// The events whose attendance was recorded (any registration marked, either way).
fn recorded_events(counts: &[GroupCount]) -> HashSet<Uuid> {
    counts
        .iter()
        .filter(|c| c.recorded > 0)
        .map(|c| c.event_id)
        .collect()
}

/// One group's counts: its participants are those who came where attendance was recorded
/// for the event, everyone registered where it was not.
fn counted(c: &GroupCount, recorded: &HashSet<Uuid>) -> Counts {
    let registered = c.registered.max(0) as u64;
    let attended = c.attended.max(0) as u64;
    Counts {
        registered,
        attended,
        participants: if recorded.contains(&c.event_id) {
            attended
        } else {
            registered
        },
    }
}

/// The role rows from the counts grouped by role: every role of the list in its order
/// (zeros included), then "Ikke oppgitt"; the same counting rules as the municipality
/// table, so their participants add up to the same total.
pub fn by_role(roles: &[Role], counts: &[GroupCount]) -> Vec<RoleRow> {
    let recorded = recorded_events(counts);
    let mut per_role = vec![Counts::default(); roles.len()];
    let mut not_stated = Counts::default();
    for c in counts {
        let row = counted(c, &recorded);
        match roles::stated(roles, c.value.as_deref())
            .and_then(|r| roles.iter().position(|x| x.key == r.key))
        {
            Some(i) => per_role[i].add(row),
            None => not_stated.add(row),
        }
    }
    let total: u64 = per_role.iter().map(|c| c.participants).sum::<u64>() + not_stated.participants;
    let share = |c: &Counts| {
        if total == 0 {
            0.0
        } else {
            (c.participants as f64 * 1000.0 / total as f64).round() / 10.0
        }
    };
    roles
        .iter()
        .zip(&per_role)
        .map(|(r, c)| RoleRow {
            key: Some(r.key.clone()),
            label: r.nb.clone(),
            counts: *c,
            people: None,
            share_percent: share(c),
        })
        .chain(std::iter::once(RoleRow {
            key: None,
            label: NOT_STATED.into(),
            counts: not_stated,
            people: None,
            share_percent: share(&not_stated),
        }))
        .collect()
}

/// Participants per 1,000 inhabitants, rounded to two decimals.
pub fn per_1000(participants: u64, population: Option<i64>) -> Option<f64> {
    population
        .filter(|p| *p > 0)
        .map(|p| (participants as f64 * 1000.0 / p as f64 * 100.0).round() / 100.0)
}

/// Sort key in Norwegian alphabetical order (… z, æ, ø, å).
pub fn norwegian_order(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'æ' | 'ä' => '\u{7b}',
            'ø' | 'ö' => '\u{7c}',
            'å' => '\u{7d}',
            c => c,
        })
        .collect()
}

/// One event's counts from the list and from elsewhere, the list's municipalities with
/// participants and the places typed outside it.
#[derive(Default)]
struct EventTally {
    from_list: Counts,
    from_elsewhere: Counts,
    places: HashSet<usize>,
    origins: HashSet<String>,
}

/// Builds the table from the reference list, the counted events and the grouped counts.
pub fn participation(
    reference: &[municipality::Model],
    events: &[CountedEvent],
    counts: &[GroupCount],
) -> Participation {
    let mut reference = reference.to_vec();
    reference.sort_by_key(|m| norwegian_order(&m.name));
    let matcher = crate::service::municipalities::matcher(&reference);
    let recorded = recorded_events(counts);

    let mut per_municipality = vec![Counts::default(); reference.len()];
    let mut others = Counts::default();
    let mut origins: HashSet<String> = HashSet::new();
    // Per event: counts, and the reference municipalities with participants.
    let mut per_event: HashMap<Uuid, EventTally> = HashMap::new();
    for c in counts {
        let row = counted(c, &recorded);
        let typed = c.value.as_deref().map(str::trim).filter(|m| !m.is_empty());
        let tally = per_event.entry(c.event_id).or_default();
        match typed.and_then(|m| matcher.place(m)) {
            Some(i) => {
                per_municipality[i].add(row);
                tally.from_list.add(row);
                if row.participants > 0 {
                    tally.places.insert(i);
                }
            }
            None => {
                others.add(row);
                tally.from_elsewhere.add(row);
                if let Some(place) = typed.filter(|_| row.participants > 0) {
                    origins.insert(match_key(place));
                    tally.origins.insert(match_key(place));
                }
            }
        }
    }

    let municipalities: Vec<MunicipalityRow> = reference
        .iter()
        .zip(&per_municipality)
        .map(|(m, counts)| MunicipalityRow {
            name: m.name.clone(),
            region: m.region.clone(),
            population: m.population,
            counts: *counts,
            people: None,
            per_1000_inhabitants: per_1000(counts.participants, m.population),
            origins: None,
        })
        .collect();

    let mut regions: BTreeMap<String, (String, Vec<&MunicipalityRow>)> = BTreeMap::new();
    for row in &municipalities {
        if let Some(region) = &row.region {
            regions
                .entry(norwegian_order(region))
                .or_insert_with(|| (region.clone(), Vec::new()))
                .1
                .push(row);
        }
    }
    let regions = regions
        .into_values()
        .map(|(region, rows)| {
            let mut counts = Counts::default();
            rows.iter().for_each(|r| counts.add(r.counts));
            let population = sum_population(rows.iter().map(|r| r.population));
            RegionRow {
                region,
                municipalities: rows.len() as u64,
                municipalities_with_participants: rows
                    .iter()
                    .filter(|r| r.counts.participants > 0)
                    .count() as u64,
                population,
                counts,
                people: None,
                per_1000_inhabitants: per_1000(counts.participants, population),
            }
        })
        .collect();

    let mut from_list = Counts::default();
    per_municipality.iter().for_each(|c| from_list.add(*c));
    let mut all = from_list;
    all.add(others);
    let population = sum_population(municipalities.iter().map(|r| r.population));
    let totals = Totals {
        counts: all,
        people: None,
        participants_from_municipalities: from_list.participants,
        participants_others: others.participants,
        municipalities_with_participants: per_municipality
            .iter()
            .filter(|c| c.participants > 0)
            .count() as u64,
        events: events.len() as u64,
        population,
        // Per capita of the reference area: participants from elsewhere have no population.
        per_1000_inhabitants: per_1000(from_list.participants, population),
    };

    let events = events
        .iter()
        .map(|e| {
            let tally = per_event.remove(&e.id).unwrap_or_default();
            let mut counts = tally.from_list;
            counts.add(tally.from_elsewhere);
            EventRow {
                id: e.id,
                title: e.title.clone(),
                kind: e.kind,
                starts_at: e.starts_at,
                attendance_recorded: recorded.contains(&e.id),
                people: None,
                counts,
                municipalities: tally.places.len() as u64,
                participants_from_municipalities: tally.from_list.participants,
                participants_others: tally.from_elsewhere.participants,
                origins: tally.origins.len() as u64,
            }
        })
        .collect();

    Participation {
        municipalities,
        others: MunicipalityRow {
            name: "Andre".into(),
            region: None,
            population: None,
            counts: others,
            people: None,
            per_1000_inhabitants: None,
            origins: Some(origins.len() as u64),
        },
        totals,
        regions,
        events,
        roles: None,
    }
}

/// The table for an organisation and scope, counted by the database against the
/// municipalities valid in `period` (`with_roles`: the role rows too).
pub async fn compute(
    db: &Db,
    scope: &StatsScope,
    period: &ReportingPeriod,
    with_roles: bool,
    with_people: bool,
) -> Result<Participation, DbErr> {
    // In the table's order, so that a row's number is its municipality's place in the list.
    let reference =
        crate::service::municipalities::valid_in(&db.conn, scope.organisation_id, period).await?;
    let events = db::stats::events(&db.conn, scope).await?;
    let counts = db::stats::group_counts(&db.conn, scope, Grouping::Municipality).await?;
    let mut table = participation(&reference, &events, &counts);
    let list = if with_roles {
        let list = crate::service::roles::of_organisation(&db.conn, scope.organisation_id).await?;
        let counts = db::stats::group_counts(&db.conn, scope, Grouping::Role).await?;
        table.roles = Some(by_role(&list, &counts));
        Some((list, counts))
    } else {
        None
    };
    if with_people {
        count_people(db, scope, &reference, &counts, list.as_ref(), &mut table).await?;
    }
    Ok(table)
}

/// Fills in the distinct people of every row of `table` (municipalities, others, regions,
/// events, totals and, given the role list and counts, roles).
async fn count_people(
    db: &Db,
    scope: &StatsScope,
    reference: &[municipality::Model],
    counts: &[GroupCount],
    roles: Option<&(Vec<Role>, Vec<GroupCount>)>,
    table: &mut Participation,
) -> Result<(), DbErr> {
    let recorded: Vec<Uuid> = recorded_events(counts).into_iter().collect();
    let matcher = crate::service::municipalities::matcher(reference);
    let rows = values_per_row(counts, reference.len(), |v| {
        Some(v.trim())
            .filter(|v| !v.is_empty())
            .and_then(|v| matcher.place(v))
    });
    let (people, total) =
        db::stats::people(&db.conn, scope, Grouping::Municipality, &rows, &recorded).await?;
    for p in people {
        let n = p.people.max(0) as u64;
        match usize::try_from(p.place).ok() {
            Some(i) => table.municipalities[i].people = Some(n),
            None => table.others.people = Some(n),
        }
    }
    table.totals.people = Some(total.max(0) as u64);
    for m in table
        .municipalities
        .iter_mut()
        .filter(|m| m.people.is_none())
    {
        m.people = Some(0);
    }
    table.others.people.get_or_insert(0);
    // An address signs up once to an event: its people are its participants.
    for e in &mut table.events {
        e.people = Some(e.counts.participants);
    }
    // The regions: each the values of its municipalities.
    table.regions.iter_mut().for_each(|r| r.people = Some(0));
    let mut region_rows = vec![Vec::new(); table.regions.len()];
    for (m, values) in table.municipalities.iter().zip(&rows) {
        if let Some(j) = m
            .region
            .as_ref()
            .and_then(|r| table.regions.iter().position(|x| &x.region == r))
        {
            region_rows[j].extend(values.iter().cloned());
        }
    }
    if !region_rows.is_empty() {
        let (people, _) = db::stats::people(
            &db.conn,
            scope,
            Grouping::Municipality,
            &region_rows,
            &recorded,
        )
        .await?;
        for p in people {
            if let Ok(j) = usize::try_from(p.place) {
                table.regions[j].people = Some(p.people.max(0) as u64);
            }
        }
    }
    if let (Some((list, role_counts)), Some(role_rows)) = (roles, table.roles.as_mut()) {
        let rows = values_per_row(role_counts, list.len(), |v| {
            list.iter().position(|r| r.key == v)
        });
        let (people, _) =
            db::stats::people(&db.conn, scope, Grouping::Role, &rows, &recorded).await?;
        role_rows.iter_mut().for_each(|r| r.people = Some(0));
        let not_stated = role_rows.len() - 1;
        for p in people {
            let row = usize::try_from(p.place).unwrap_or(not_stated);
            role_rows[row].people = Some(p.people.max(0) as u64);
        }
    }
    Ok(())
}

/// For each of `rows` rows, the stored values of `counts` that `row_of` puts in it (so the
/// database can count the people of a row however its values are spelt).
fn values_per_row(
    counts: &[GroupCount],
    rows: usize,
    row_of: impl Fn(&str) -> Option<usize>,
) -> Vec<Vec<String>> {
    let mut values: Vec<HashSet<&str>> = vec![HashSet::new(); rows];
    for c in counts {
        if let Some(v) = c.value.as_deref() {
            if let Some(i) = row_of(v) {
                values[i].insert(v);
            }
        }
    }
    values
        .into_iter()
        .map(|set| set.into_iter().map(str::to_string).collect())
        .collect()
}

/// Sum of populations; unknown when none is known. Saturates instead of overflowing (an
/// imported file may hold absurd numbers).
fn sum_population(populations: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    populations.fold(None, |acc, p| match (acc, p) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, population: i64, region: &str) -> municipality::Model {
        municipality::Model {
            id: Uuid::now_v7(),
            organisation_id: Uuid::nil(),
            name: name.into(),
            name_key: match_key(name),
            population: Some(population),
            region: Some(region.into()),
            aliases: None,
            valid_from: None,
            valid_to: None,
        }
    }

    fn count(
        event: Uuid,
        m: Option<&str>,
        registered: i64,
        attended: i64,
        recorded: i64,
    ) -> GroupCount {
        GroupCount {
            event_id: event,
            value: m.map(str::to_string),
            registered,
            attended,
            recorded,
        }
    }

    #[test]
    fn recorded_attendance_decides_participants_and_zeros_stay() {
        let reference = [
            place("Ås", 21000, "Follo"),
            place("Bærum", 130000, "Vest"),
            place("Asker", 98000, "Vest"),
        ];
        let marked = Uuid::now_v7();
        let unmarked = Uuid::now_v7();
        let events = [
            CountedEvent {
                id: marked,
                title: "A".into(),
                kind: EventKind::Gathering,
                starts_at: crate::clock::test_now(),
            },
            CountedEvent {
                id: unmarked,
                title: "B".into(),
                kind: EventKind::Webinar,
                starts_at: crate::clock::test_now(),
            },
        ];
        let counts = [
            count(marked, Some("baerum"), 10, 7, 9),
            count(marked, Some("Oslo"), 3, 3, 3),
            count(unmarked, Some("Bærum"), 4, 0, 0),
            count(unmarked, None, 2, 0, 0),
        ];
        let p = participation(&reference, &events, &counts);
        let names: Vec<_> = p.municipalities.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Asker", "Bærum", "Ås"]);
        assert_eq!(p.municipalities[0].counts, Counts::default());
        assert_eq!(
            p.municipalities[1].counts,
            Counts {
                registered: 14,
                attended: 7,
                participants: 11
            }
        );
        assert_eq!(p.municipalities[1].per_1000_inhabitants, Some(0.08));
        assert_eq!(
            p.others.counts,
            Counts {
                registered: 5,
                attended: 3,
                participants: 5
            }
        );
        assert_eq!(p.totals.counts.participants, 16);
        // Oslo is the one place typed outside the list (the blank is no place).
        assert_eq!(p.others.origins, Some(1));
        assert_eq!((p.events[0].origins, p.events[1].origins), (1, 0));
        assert_eq!(p.totals.municipalities_with_participants, 1);
        assert_eq!(p.events[0].participants_from_municipalities, 7);
        assert_eq!(p.events[0].participants_others, 3);
        assert!(p.events[0].attendance_recorded);
        assert!(!p.events[1].attendance_recorded);
        assert_eq!(p.regions.len(), 2);
        assert_eq!(p.regions[1].region, "Vest");
        assert_eq!(p.regions[1].counts.participants, 11);
        assert_eq!(p.regions[1].population, Some(228000));
    }

    proptest::proptest! {
        /// No list of populations overflows the sum, even numbers no import lets in.
        #[test]
        fn population_sums_never_overflow(populations in proptest::collection::vec(proptest::option::of(proptest::prelude::any::<i64>()), 0..50)) {
            let sum = sum_population(populations.iter().copied());
            proptest::prop_assert_eq!(sum.is_none(), populations.iter().all(Option::is_none));
        }
    }

    #[test]
    fn the_largest_reference_list_sums_exactly() {
        let max = crate::service::municipalities::MAX_POPULATION;
        let sum = sum_population(std::iter::repeat_n(Some(max), 10_000));
        assert_eq!(sum, Some(max * 10_000));
        assert_eq!(
            sum_population([Some(i64::MAX), Some(1)].into_iter()),
            Some(i64::MAX)
        );
    }
}
