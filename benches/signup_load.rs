//! The sign-up rush with history: `HISTORY` registrations already in the database (past
//! events of 250, one address each, each address with its calendar link), then `RUSHES`
//! rushes of `CLIENTS` clients making `ATTEMPTS` sign-ups for `SEATS` seats of a fresh event,
//! driven by `samling::bench::Rush` (the code of `samling bench rush`, with its oversell
//! check). On SQLite (default) or PostgreSQL (`SAMLING_BENCH_POSTGRES_URL`, an empty
//! database). Compare the rate at two sizes of history:
//!
//!     HISTORY=1000 cargo bench --bench signup_load
//!     HISTORY=1000000 cargo bench --bench signup_load

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use samling::db::entities::{event, participant_feed};
use samling::db::{self};
use samling::domain::{EventKind, EventStatus};
use samling::links;
use uuid::Uuid;

const PER_EVENT: usize = 250;

#[tokio::main]
async fn main() {
    let history = common::env_or("HISTORY", 1_000_000);
    let attempts = common::env_or("ATTEMPTS", 20_000);
    let clients = common::env_or("CLIENTS", 64);
    let seats = common::env_or("SEATS", 500);
    let rushes = common::env_or("RUSHES", 3).max(1);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let loading = Instant::now();
    let token = links::new_api_token();
    let now = Utc::now();
    let tx = state.db.begin_write().await.unwrap();
    let org = db::organisations::get_or_create(&*tx, "bench-org", "Bench", now)
        .await
        .unwrap();
    let organiser =
        db::organisations::upsert_organiser(&*tx, org.id, "bench@example.org", "Bench", false, now)
            .await
            .unwrap();
    db::organisations::add_token(&*tx, organiser.id, &links::hash(&token), None, false, now)
        .await
        .unwrap();
    let mut registrations = Vec::new();
    let mut feeds = Vec::new();
    for e in 0..history.div_ceil(PER_EVENT) {
        let id = Uuid::now_v7();
        let start = now - chrono::Duration::hours(24 + e as i64 * 6);
        let end = start + chrono::Duration::hours(3);
        common::insert_event(
            &*tx,
            event::Model {
                id,
                title: format!("Samling {e}"),
                kind: EventKind::Gathering,
                status: EventStatus::Published,
                starts_at: start,
                ends_at: end,
                capacity: Some(PER_EVENT as i32),
                confirmed_count: PER_EVENT as i32,
                ..db::events::new_event(org.id, now)
            },
            None,
        )
        .await;
        for r in 0..PER_EVENT.min(history - e * PER_EVENT) {
            let email = format!("p{}@history.invalid", e * PER_EVENT + r);
            registrations.push(common::confirmed(
                id,
                email.clone(),
                Some("Asker".into()),
                Some(true),
                start,
            ));
            feeds.push(participant_feed::ActiveModel::from(
                participant_feed::Model {
                    email_normalized: email,
                    link_id: Uuid::new_v4().simple().to_string(),
                    created_at: start,
                    replaced_at: None,
                },
            ));
            common::flush(&*tx, &mut registrations, 1000).await;
            common::flush(&*tx, &mut feeds, 1000).await;
        }
    }
    common::flush(&*tx, &mut registrations, 0).await;
    common::flush(&*tx, &mut feeds, 0).await;
    tx.commit().await.unwrap();
    bench.settle().await;
    println!(
        "{engine}: {history} registrations of history loaded in {:.0} s",
        loading.elapsed().as_secs_f64()
    );

    for round in 1..=rushes {
        let report = samling::bench::Rush {
            urls: vec![format!("http://127.0.0.1:{port}")],
            token: token.clone(),
            clients,
            attempts,
            seats,
            waitlist: true,
            max_time: Duration::from_secs(300),
        }
        .run()
        .await
        .unwrap();
        let (o, l) = (&report.outcomes, &report.latency_ms);
        println!(
            "{engine}, history {history}, rush {round}: {:.0} sign-ups/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
             {} confirmed, {} waitlisted, {} refused, {} errors; check: {}",
            report.per_second,
            l.p50,
            l.p99,
            l.max,
            o.confirmed,
            o.waitlisted,
            o.refused,
            o.errors,
            if report.problems.is_empty() {
                "ok".to_string()
            } else {
                report.problems.join("; ")
            }
        );
        assert!(report.problems.is_empty() && o.errors == 0);
    }
}
