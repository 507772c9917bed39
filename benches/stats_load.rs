//! Participation statistics over 100,000 confirmed registrations (400 past events, 20
//! reference municipalities plus others, half the events with attendance recorded), over
//! HTTP, on SQLite (default) or PostgreSQL (`SAMLING_BENCH_POSTGRES_URL`, an empty database).
//!
//!     cargo bench --bench stats_load
//!     REGISTRATIONS=300000 ROUNDS=50 cargo bench --bench stats_load

mod common;

use chrono::Utc;
use samling::db::{self, entities::event};
use samling::domain::{match_key, EventKind, EventStatus};
use uuid::Uuid;

const MUNICIPALITIES: [(&str, i64); 20] = [
    ("Asker", 97000),
    ("Aurskog-Høland", 17800),
    ("Bærum", 129000),
    ("Eidsvoll", 26500),
    ("Enebakk", 11200),
    ("Frogn", 16200),
    ("Gjerdrum", 7200),
    ("Hurdal", 2900),
    ("Lillestrøm", 89000),
    ("Lunner", 9200),
    ("Lørenskog", 48000),
    ("Nannestad", 15000),
    ("Nes", 24000),
    ("Nesodden", 20000),
    ("Nittedal", 25000),
    ("Nordre Follo", 61000),
    ("Rælingen", 18500),
    ("Ullensaker", 41000),
    ("Vestby", 19000),
    ("Ås", 21000),
];

#[tokio::main]
async fn main() {
    let total = common::env_or("REGISTRATIONS", 100_000);
    let events = 400;
    let rounds = common::env_or("ROUNDS", 10).max(1);
    let per_event = total / events;
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let now = Utc::now();
    let tx = state.db.begin_write().await.unwrap();
    let (org, token) = common::organisation_with_token(&*tx, "stats-bench", now).await;
    let reference: Vec<db::organisations::MunicipalityRow> = MUNICIPALITIES
        .iter()
        .map(|(name, population)| db::organisations::MunicipalityRow {
            name: name.to_string(),
            key: match_key(name),
            population: Some(*population),
            region: Some("Akershus".into()),
            aliases: None,
            valid_from: None,
            valid_to: None,
        })
        .collect();
    db::organisations::upsert_municipalities(&*tx, org.id, &reference)
        .await
        .unwrap();
    let year_start = now - chrono::Duration::days(365);
    let mut batch = Vec::new();
    for e in 0..events {
        let id = Uuid::now_v7();
        let start = year_start + chrono::Duration::hours(e as i64 * 20);
        let end = start + chrono::Duration::hours(3);
        common::insert_event(
            &*tx,
            event::Model {
                id,
                title: format!("Samling {e}"),
                kind: EventKind::ALL[e % 4],
                status: EventStatus::Published,
                starts_at: start,
                ends_at: end,
                confirmed_count: per_event as i32,
                ..db::events::new_event(org.id, now)
            },
            None,
        )
        .await;
        for r in 0..per_event {
            let n = e * per_event + r;
            // Spellings vary as people type; one in seven is from elsewhere or blank.
            let municipality = match n % 7 {
                0 => Some(["Oslo", "Drammen", ""][n % 3].to_string()).filter(|m| !m.is_empty()),
                1 => Some(MUNICIPALITIES[n % 20].0.to_lowercase()),
                _ => Some(MUNICIPALITIES[n % 20].0.to_string()),
            };
            batch.push(common::confirmed(
                id,
                format!("p{n}@example.no"),
                municipality,
                e.is_multiple_of(2).then_some(!n.is_multiple_of(5)),
                now,
            ));
            common::flush(&*tx, &mut batch, 1000).await;
        }
    }
    common::flush(&*tx, &mut batch, 0).await;
    tx.commit().await.unwrap();
    bench.settle().await;

    let client = reqwest::Client::new();
    for (label, path) in [
        ("json", "/api/v1/stats/participation"),
        ("csv", "/api/v1/stats/participation.csv"),
        ("xlsx", "/api/v1/stats/participation.xlsx"),
        ("svg", "/api/v1/stats/participation.svg"),
        (
            "json with people",
            "/api/v1/stats/participation?people=true",
        ),
    ] {
        let url = format!("http://127.0.0.1:{port}{path}");
        let (times, body) = common::timed_gets(&client, &url, &token, rounds).await;
        if label.starts_with("json") {
            let stats: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(stats["totals"]["registered"], (per_event * events) as u64);
        }
        println!(
            "{engine}: participation {label} over {} registrations, {events} events: median {:.0} ms (min {:.0}, max {:.0})",
            per_event * events,
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
        );
    }
}
