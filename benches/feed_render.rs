//! Render time of a network feed with 5,000 events (one session each), over HTTP, on
//! SQLite (default) or PostgreSQL (`SAMLING_BENCH_POSTGRES_URL`, an empty database).
//!
//!     cargo bench --bench feed_render
//!     EVENTS=20000 cargo bench --bench feed_render

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use samling::db::{self, entities::event};
use uuid::Uuid;

#[tokio::main]
async fn main() {
    let count = common::env_or("EVENTS", 5000);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let now = Utc::now();
    let tx = state.db.begin_write().await.unwrap();
    let org = db::organisations::get_or_create(&*tx, "feed-bench", "Feed bench", now)
        .await
        .unwrap();
    let network = db::networks::insert(
        &*tx,
        org.id,
        "feed-bench-network",
        "Stort nettverk",
        None,
        now,
    )
    .await
    .unwrap();
    for i in 0..count {
        let id = Uuid::now_v7();
        let start = now + chrono::Duration::hours(i as i64 * 5);
        let end = start + chrono::Duration::hours(3);
        common::insert_event(
            &*tx,
            event::Model {
                id,
                network_id: Some(network.id),
                title: format!("Samling {i}: demens, ernæring; og rehabilitering"),
                kind: samling::domain::EventKind::Gathering,
                description: Some("Program:\n09.00 Velkommen\n09.15 Foredrag om pårørendearbeid, del 1; diskusjon".into()),
                status: samling::domain::EventStatus::Published,
                capacity: Some(60),
                starts_at: start,
                ends_at: end,
                ..db::events::new_event(org.id, now)
            },
            Some("Tønsberg rådhus, sal 2"),
        )
        .await;
    }
    tx.commit().await.unwrap();
    bench.settle().await;

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/feeds/networks/feed-bench-network.ics");
    let mut times = Vec::new();
    let mut size = 0;
    let mut etag = String::new();
    for _ in 0..10 {
        let t = Instant::now();
        let res = client.get(&url).send().await.unwrap();
        etag = res.headers()["etag"].to_str().unwrap().to_string();
        size = res.bytes().await.unwrap().len();
        times.push(t.elapsed());
    }
    times.sort();
    let mut not_modified: Vec<Duration> = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let res = client
            .get(&url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 304);
        not_modified.push(t.elapsed());
    }
    not_modified.sort();
    println!(
        "{engine}: feed of {count} events ({:.1} MB): full render median {:.0} ms (min {:.0}, max {:.0}); 304 answer median {:.0} ms",
        size as f64 / 1e6,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        not_modified[not_modified.len() / 2].as_secs_f64() * 1e3,
    );
}
