//! Evaluations under load, over HTTP, on SQLite (default) or PostgreSQL
//! (`SAMLING_BENCH_POSTGRES_URL`, an empty database):
//!
//! - the results of one event with 2,000 respondents;
//! - `/stats/evaluations` for a year of 150 events (20 respondents each);
//! - a rush: 500 answers as fast as 64 clients send them, right after the invitations went
//!   out, then the same 500 again — every first answer counted once, every second one 409.
//!
//! Run:
//!
//!     cargo bench --bench evaluation_load
//!     RESPONDENTS=5000 ROUNDS=20 cargo bench --bench evaluation_load

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use samling::db::{self, entities::event};
use samling::domain::{EventKind, EventStatus};
use samling::service::evaluations;
use uuid::Uuid;

fn answers(n: usize) -> BTreeMap<String, String> {
    [
        ("relevans", 1 + n % 7),
        ("kvalitet", 1 + (n / 7) % 7),
        ("erfaringsdeling", 4 + n % 4),
        ("organisering", 3 + n % 5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain(
        n.is_multiple_of(5)
            .then(|| ("kommentar".to_string(), format!("Kommentar {n}"))),
    )
    .collect()
}

/// Inserts a past event with `people` confirmed registrations; returns its id and theirs.
async fn past_event(
    state: &samling::http::AppState,
    organisation: Uuid,
    title: String,
    start: chrono::DateTime<Utc>,
    people: usize,
) -> (Uuid, Vec<Uuid>) {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let tx = state.db.begin_write().await.unwrap();
    common::insert_event(
        &*tx,
        event::Model {
            id,
            title,
            kind: EventKind::Gathering,
            status: EventStatus::Published,
            starts_at: start,
            ends_at: start + chrono::Duration::hours(5),
            confirmed_count: people as i32,
            ..db::events::new_event(organisation, now)
        },
        None,
    )
    .await;
    let mut batch = Vec::new();
    let mut ids = Vec::new();
    for n in 0..people {
        let reg = common::confirmed(
            id,
            format!("p{n}.{id}@example.no"),
            Some(["Horten", "Tønsberg", "Larvik", "Oslo"][n % 4].to_string()),
            None,
            now,
        );
        ids.push(*reg.id.as_ref());
        batch.push(reg);
        common::flush(&*tx, &mut batch, 1000).await;
    }
    common::flush(&*tx, &mut batch, 0).await;
    tx.commit().await.unwrap();
    (id, ids)
}

async fn time(client: &reqwest::Client, url: &str, token: &str, rounds: usize) -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let res = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{url}");
        res.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    times
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn report(engine: &str, what: &str, times: &[Duration]) {
    println!(
        "{engine}: {what}: median {:.1} ms (min {:.1}, max {:.1})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() {
    let respondents = common::env_or("RESPONDENTS", 2000);
    let rounds = common::env_or("ROUNDS", 10).max(1);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);
    let now = Utc::now();
    let tx = state.db.begin_write().await.unwrap();
    let (org, token) = common::organisation_with_token(&*tx, "evaluation-bench", now).await;
    tx.commit().await.unwrap();
    let settings = samling::domain::evaluations::SettingsInput {
        preset: Some("standard".into()),
        ..Default::default()
    };

    // One event with many respondents, answered through the core (at a time in its window).
    let start = now - chrono::Duration::days(30);
    let (big, people) = past_event(state, org.id, "Stor samling".into(), start, respondents).await;
    evaluations::set(&state.db, org.id, big, &settings, now)
        .await
        .unwrap();
    let answered_at = start + chrono::Duration::hours(6);
    let loading = Instant::now();
    for (n, reg) in people.iter().enumerate() {
        evaluations::answer(&state.db, *reg, &answers(n), answered_at)
            .await
            .unwrap();
    }
    println!(
        "{engine}: {respondents} answers stored one by one in {:.1} s",
        loading.elapsed().as_secs_f64()
    );

    // A year of 150 events, 20 respondents each.
    let year_start = now - chrono::Duration::days(360);
    for e in 0..150 {
        let start = year_start + chrono::Duration::hours(e * 50);
        let (id, people) = past_event(state, org.id, format!("Samling {e}"), start, 25).await;
        evaluations::set(&state.db, org.id, id, &settings, now)
            .await
            .unwrap();
        for (n, reg) in people.iter().take(20).enumerate() {
            evaluations::answer(
                &state.db,
                *reg,
                &answers(n),
                start + chrono::Duration::hours(6),
            )
            .await
            .unwrap();
        }
    }
    bench.settle().await;

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let results = format!("{base}/events/{big}/evaluation/results");
    let body = get_json(&client, &results, &token).await;
    assert_eq!(body["respondents"], respondents as u64);
    assert_eq!(body["questions"][0]["answered"], respondents as u64);
    report(
        engine,
        &format!("results of one event, {respondents} respondents"),
        &time(&client, &results, &token, rounds).await,
    );
    let from = (now - chrono::Duration::days(365)).date_naive();
    let stats = format!(
        "{base}/stats/evaluations?from={from}&to={}",
        now.date_naive()
    );
    let body = get_json(&client, &stats, &token).await;
    assert_eq!(body["events"].as_array().unwrap().len(), 151);
    report(
        engine,
        "/stats/evaluations, a year of 151 events",
        &time(&client, &stats, &token, rounds).await,
    );

    // The rush: an evaluation that opens now, 500 invitations, 500 answers at once.
    let rush_size = 500;
    let (rush, people) = past_event(
        state,
        org.id,
        "Webinar".into(),
        now - chrono::Duration::hours(6),
        rush_size,
    )
    .await;
    evaluations::set(&state.db, org.id, rush, &settings, now)
        .await
        .unwrap();
    let queued = evaluations::queue_due(&state.db, &state.mailer, Utc::now())
        .await
        .unwrap();
    assert_eq!(queued, rush_size, "one invitation each");
    let key = state.mailer.links().key().clone();
    let send_all = |expect: u16| {
        let client = client.clone();
        let base = base.clone();
        let key = key.clone();
        let people = people.clone();
        async move {
            let started = Instant::now();
            let statuses: Vec<u16> = futures::stream::iter(people.into_iter().enumerate())
                .map(|(n, reg)| {
                    let client = client.clone();
                    let url = format!("{base}/registrations/{}/evaluation", key.manage_token(reg));
                    async move {
                        let body = serde_json::json!({ "answers": answers(n) });
                        client
                            .post(url)
                            .json(&body)
                            .send()
                            .await
                            .unwrap()
                            .status()
                            .as_u16()
                    }
                })
                .buffer_unordered(64)
                .collect()
                .await;
            let elapsed = started.elapsed();
            assert!(statuses.iter().all(|s| *s == expect), "{statuses:?}");
            elapsed
        }
    };
    let first = send_all(201).await;
    let second = send_all(409).await;
    let evaluation = db::evaluations::find(&state.db.conn, rush)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(evaluation.respondents, rush_size as i32);
    let tallies = db::evaluations::tallies(&state.db.conn, &[rush])
        .await
        .unwrap();
    let counted: i32 = tallies
        .iter()
        .filter(|t| t.question_key == "relevans")
        .map(|t| t.count)
        .sum();
    assert_eq!(counted, rush_size as i32, "none lost, none doubled");
    println!(
        "{engine}: rush of {rush_size} answers (64 clients): {:.2} s, {:.0}/s; the same again: all 409 in {:.2} s",
        first.as_secs_f64(),
        rush_size as f64 / first.as_secs_f64(),
        second.as_secs_f64()
    );
}
