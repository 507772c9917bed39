//! The events a year held (`GET /stats/events`) for 5,000 events of one organisation, over
//! HTTP: one to three sessions each (a fifth of them crossing into the next year), spread
//! over ten networks and five series, ten confirmed registrations each with attendance
//! recorded for half the events. SQLite by default, PostgreSQL with
//! `SAMLING_BENCH_POSTGRES_URL` (an empty database).
//!
//!     cargo bench --bench events_held
//!     EVENTS=20000 ROUNDS=50 cargo bench --bench events_held

mod common;

use chrono::{Datelike, TimeZone, Utc};
use samling::db::{self, entities::event, entities::event_session};
use samling::domain::{EventKind, EventStatus};
use uuid::Uuid;

#[tokio::main]
async fn main() {
    let events = common::env_or("EVENTS", 5_000);
    let rounds = common::env_or("ROUNDS", 20).max(1);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let now = Utc::now();
    let year = now.year() - 1;
    let year_start = Utc.with_ymd_and_hms(year, 1, 1, 8, 0, 0).unwrap();
    let tx = state.db.begin_write().await.unwrap();
    let (org, token) = common::organisation_with_token(&*tx, "held-bench", now).await;
    let mut networks = Vec::new();
    for n in 0..10 {
        let slug = format!("nettverk-{n}");
        let net = db::networks::insert(&*tx, org.id, &slug, &slug, None, now)
            .await
            .unwrap();
        networks.push(net.id);
    }
    let mut series = Vec::new();
    for s in 0..5 {
        let slug = format!("serie-{s}");
        series.push(
            db::series::insert(&*tx, org.id, &slug, &slug, now)
                .await
                .unwrap()
                .id,
        );
    }
    let mut batch = Vec::new();
    for e in 0..events {
        let id = Uuid::now_v7();
        // Spread over the year (in local time); every fifth runs on into the next one.
        let start = year_start + chrono::Duration::minutes((e * 360 * 24 * 60 / events) as i64);
        let count = 1 + e % 3;
        let gap = if e % 5 == 0 { 120 } else { 7 };
        let sessions: Vec<event_session::Model> = (0..count)
            .map(|i| {
                let s = start + chrono::Duration::days((gap * i) as i64);
                event_session::Model {
                    id: Uuid::now_v7(),
                    event_id: id,
                    position: i as i32,
                    starts_at: s,
                    ends_at: s + chrono::Duration::hours(3),
                    location: None,
                    online_url: None,
                    optional: i == 1,
                    month: None,
                }
            })
            .collect();
        let last = sessions.last().map_or(start, |s| s.ends_at);
        db::events::insert(
            &*tx,
            event::Model {
                id,
                title: format!("Samling {e}"),
                kind: EventKind::ALL[e % 4],
                status: if e % 50 == 0 {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Published
                },
                network_id: Some(networks[e % networks.len()]),
                series_id: (e % 3 == 0).then(|| series[e % series.len()]),
                starts_at: start,
                ends_at: last,
                confirmed_count: 10,
                ..db::events::new_event(org.id, now)
            },
            sessions,
        )
        .await
        .unwrap();
        for r in 0..10 {
            batch.push(common::confirmed(
                id,
                format!("p{e}-{r}@example.no"),
                None,
                e.is_multiple_of(2).then_some(r % 4 != 0),
                now,
            ));
            common::flush(&*tx, &mut batch, 1000).await;
        }
    }
    common::flush(&*tx, &mut batch, 0).await;
    tx.commit().await.unwrap();
    bench.settle().await;

    let client = reqwest::Client::new();
    for (label, query) in [
        ("json", format!("year={year}")),
        (
            "json, one network",
            format!("year={year}&network=nettverk-3"),
        ),
        ("xlsx", format!("year={year}&format=xlsx")),
    ] {
        let url = format!("http://127.0.0.1:{port}/api/v1/stats/events?{query}");
        let (times, body) = common::timed_gets(&client, &url, &token, rounds).await;
        if label == "json" {
            let table: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let listed = table["events"].as_array().unwrap().len();
            assert_eq!(listed, events, "every event starts in the year");
        }
        println!(
            "{engine}: /stats/events ({label}) for a year of {events} events: median {:.1} ms (min {:.1}, max {:.1})",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
        );
    }
}
