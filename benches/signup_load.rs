//! Load run for the sign-up path: N sign-ups from C concurrent HTTP clients against one
//! event, on SQLite (default) or PostgreSQL (`SAMLING_BENCH_POSTGRES_URL`, a database that
//! will be filled). Prints sign-ups per second and latency percentiles.
//!
//!     cargo bench --bench signup_load                       # 2000 sign-ups, 64 clients
//!     SIGNUPS=5000 CLIENTS=128 cargo bench --bench signup_load

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use samling::{db, links};
use serde_json::json;

#[tokio::main]
async fn main() {
    let signups = common::env_or("SIGNUPS", 2000);
    let clients = common::env_or("CLIENTS", 64);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let token = links::new_api_token();
    let tx = state.db.begin_write().await.unwrap();
    let org = db::organisations::get_or_create(&*tx, "bench-org", "Bench")
        .await
        .unwrap();
    let organiser =
        db::organisations::upsert_organiser(&*tx, org.id, "bench@example.org", "Bench", false)
            .await
            .unwrap();
    db::organisations::add_token(&*tx, organiser.id, &links::hash(&token), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let start = chrono::Utc::now() + chrono::Duration::days(30);
    let event: serde_json::Value = client
        .post(format!("{base}/events"))
        .bearer_auth(&token)
        .json(&json!({"title": "Populært kurs", "kind": "course", "status": "published", "capacity": signups / 4,
            "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(3)).to_rfc3339()}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = Arc::new(format!(
        "{base}/events/{}/registrations",
        event["id"].as_str().unwrap()
    ));

    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let began = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= signups {
                        return (latencies, failures);
                    }
                    let t = Instant::now();
                    let res = client
                        .post(url.as_str())
                        .json(&json!({"name": format!("Deltaker {i}"), "email": format!("d{i}@example.no")}))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().as_u16() == 201 => latencies.push(t.elapsed()),
                        _ => failures += 1,
                    }
                }
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut failures = 0;
    for w in workers {
        let (l, f) = w.await.unwrap();
        latencies.extend(l);
        failures += f;
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{engine}: {} sign-ups ({failures} failed) from {clients} clients in {:.2} s = {:.0} sign-ups/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}
