//! `samling demo`: a small, realistic centre to click around in. Every piece is looked up
//! before it is created (events by a fixed id), so running it twice changes nothing.
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use uuid::Uuid;

use crate::db::entities::{event, event_session};
use crate::db::organisations::MunicipalityRow;
use crate::db::{self, Db};
use crate::domain::period::{local_to_utc, DEFAULT_ZONE};
use crate::domain::{match_key, programmes, EventKind, EventStatus};

/// Vestfold's municipalities and populations (DOMAIN.md).
pub const VESTFOLD: [(&str, i64); 6] = [
    ("Holmestrand", 27_005),
    ("Horten", 28_039),
    ("Tønsberg", 59_830),
    ("Færder", 27_569),
    ("Sandefjord", 66_758),
    ("Larvik", 49_012),
];

/// The municipalities merged into Vestfold's in 2020, which people still type.
fn former_names(name: &str) -> Option<&'static str> {
    match name {
        "Holmestrand" => Some("Sande, Hof"),
        "Tønsberg" => Some("Re"),
        _ => None,
    }
}

const ORG_SLUG: &str = "usht-vestfold";

/// (days from today, start hour, hours long, location, online link)
type DemoSession = (i64, u32, i64, Option<&'static str>, Option<&'static str>);

struct DemoEvent {
    key: &'static str,
    network: &'static str,
    title: &'static str,
    kind: EventKind,
    description: &'static str,
    capacity: Option<i32>,
    members_only: bool,
    sessions: &'static [DemoSession],
    /// Only the month of each session is known ("dato ikke avklart"): a year-plan entry.
    planned: bool,
}

const EVENTS: &[DemoEvent] = &[
    DemoEvent {
        key: "demens-var",
        network: "demens-vestfold",
        title: "Nettverkssamling demens",
        kind: EventKind::Gathering,
        description: "Samling for nettverkets deltakere: erfaringsdeling om pårørendearbeid.",
        capacity: Some(60),
        members_only: true,
        planned: false,
        sessions: &[(
            21,
            9,
            6,
            Some("Tønsberg rådhus, Halfdan Wilhelmsens allé 1"),
            None,
        )],
    },
    DemoEvent {
        key: "faglunsj-ernaering",
        network: "ernaering-vestfold",
        title: "Faglunsj: Ernæring hos eldre",
        kind: EventKind::Webinar,
        description: "Digital lunsj på Teams. Åpen for alle. Opptak publiseres i etterkant.",
        capacity: None,
        members_only: false,
        planned: false,
        sessions: &[(
            10,
            11,
            1,
            None,
            Some("https://teams.microsoft.com/l/meetup-join/samling-demo"),
        )],
    },
    DemoEvent {
        key: "palliasjonskonferansen",
        network: "palliasjon-vestfold",
        title: "Palliasjonskonferansen i Vestfold",
        kind: EventKind::Conference,
        description: "To dager med foredrag og verksteder om lindrende behandling.",
        capacity: Some(200),
        members_only: false,
        planned: false,
        sessions: &[
            (42, 9, 7, Some("Quality Hotel Tønsberg"), None),
            (43, 9, 6, Some("Quality Hotel Tønsberg"), None),
        ],
    },
    DemoEvent {
        key: "psykiske-lidelser",
        network: "demens-vestfold",
        title: "Psykiske lidelser hos eldre",
        kind: EventKind::Course,
        description: "Kurs over tre samlinger. Kursbevis til dem som deltar på alle.",
        capacity: Some(70),
        members_only: false,
        planned: false,
        sessions: &[
            (30, 9, 6, Some("Sandefjord kulturhus"), None),
            (60, 9, 6, Some("Sandefjord kulturhus"), None),
            (90, 9, 6, Some("Sandefjord kulturhus"), None),
        ],
    },
    DemoEvent {
        key: "demens-host",
        network: "demens-vestfold",
        title: "Nettverkssamling demens, høsten",
        kind: EventKind::Gathering,
        description: "Neste samling i nettverket. Datoen settes når vertskommunen er klar.",
        capacity: Some(60),
        members_only: true,
        planned: true,
        sessions: &[(150, 9, 6, Some("Vertskommunen"), None)],
    },
];

const NETWORKS: [(&str, &str, &str); 3] = [
    (
        "demens-vestfold",
        "Demensnettverket i Vestfold",
        "Interkommunalt nettverk for demensomsorg.",
    ),
    (
        "palliasjon-vestfold",
        "Palliativt nettverk Vestfold",
        "Nettverk for lindrende behandling og omsorg.",
    ),
    (
        "ernaering-vestfold",
        "Ernæringsnettverket",
        "Nettverk for ernæring i helse- og omsorgstjenestene.",
    ),
];

/// Loads the demo (its events in the weeks after `now`) and says what it did.
pub async fn load(db: &Db, now: DateTime<Utc>) -> anyhow::Result<String> {
    let tx = db.begin_write().await?;
    let org = db::organisations::get_or_create(
        &*tx,
        ORG_SLUG,
        "Utviklingssenter for sykehjem og hjemmetjenester i Vestfold",
        now,
    )
    .await?;
    let municipalities: Vec<MunicipalityRow> = VESTFOLD
        .iter()
        .map(|(name, population)| MunicipalityRow {
            name: name.to_string(),
            key: match_key(name),
            population: Some(*population),
            region: Some("Vestfold".into()),
            aliases: former_names(name).map(str::to_string),
            valid_from: None,
            valid_to: None,
        })
        .collect();
    db::organisations::upsert_municipalities(&*tx, org.id, &municipalities).await?;
    let mut networks = std::collections::HashMap::new();
    for (slug, name, description) in NETWORKS {
        let n = match db::networks::find_by_slug(&*tx, slug).await? {
            Some(n) => n,
            None => {
                db::networks::insert(&*tx, org.id, slug, name, Some(description.into()), now)
                    .await?
            }
        };
        networks.insert(slug, n.id);
    }
    let mut created = 0;
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    for d in EVENTS {
        let id = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("samling-demo:{}", d.key).as_bytes(),
        );
        if db::events::find(&*tx, id).await?.is_some() {
            continue;
        }
        let sessions: Vec<event_session::Model> = d
            .sessions
            .iter()
            .enumerate()
            .map(|(i, (days, hour, hours, location, online))| {
                let local = (today + Duration::days(*days))
                    .and_time(NaiveTime::from_hms_opt(*hour, 0, 0).unwrap_or_default());
                // Whole hours of the day: never in a daylight-saving gap.
                let start = local_to_utc(local, DEFAULT_ZONE).unwrap_or_else(|| local.and_utc());
                let month = d.planned.then(|| local.date().with_day(1)).flatten();
                let (start, end) = match month {
                    Some(first_day) => programmes::month_span(first_day),
                    None => (start, start + Duration::hours(*hours)),
                };
                event_session::Model {
                    id: Uuid::new_v5(&id, &[i as u8]),
                    event_id: id,
                    position: i as i32,
                    starts_at: start,
                    ends_at: end,
                    location: location.map(str::to_string),
                    online_url: online.map(str::to_string),
                    optional: false,
                    month: month.map(programmes::month_text),
                }
            })
            .collect();
        let first = sessions.iter().map(|s| s.starts_at).min().unwrap_or(now);
        let last = sessions.iter().map(|s| s.ends_at).max().unwrap_or(now);
        db::events::insert(
            &*tx,
            event::Model {
                id,
                network_id: networks.get(d.network).copied(),
                title: d.title.into(),
                kind: d.kind,
                description: Some(d.description.into()),
                status: EventStatus::Published,
                capacity: d.capacity,
                members_only: d.members_only,
                // A planned event's closing is set when it gets its date.
                registration_closes_at: (!d.planned).then(|| first - Duration::days(2)),
                planned: d.planned,
                starts_at: first,
                ends_at: last,
                ..db::events::new_event(org.id, now)
            },
            sessions,
        )
        .await?;
        created += 1;
    }
    tx.commit().await?;
    Ok(format!(
        "demo organisation '{ORG_SLUG}': {} networks, {} municipalities, {created} new events ({} already there)",
        NETWORKS.len(),
        VESTFOLD.len(),
        EVENTS.len() - created
    ))
}
