//! `samling bench`: load tests an operator points at their own installation, over HTTP.
//!
//! - `rush`: a fresh event, a crowd signing up at once, then an oversell check read back
//!   through the API (no more confirmed than seats, every answered sign-up present once,
//!   the waiting list numbered 1…n).
//! - `feed`: full and conditional (`If-None-Match`) requests of a calendar feed.
//! - `stats`: the participation statistics.
//!
//! Sign-ups use addresses in the reserved `.invalid` domain (RFC 2606), which Samling never
//! mails. Run it against an instance started with the sign-up limits off, or the limits will
//! answer 429 (counted as `limited`).
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;
use serde_json::{json, Value};

/// What the crowd got back.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Outcomes {
    pub confirmed: usize,
    pub waitlisted: usize,
    /// 409: full, closed, already registered.
    pub refused: usize,
    /// 429 from the abuse limits.
    pub limited: usize,
    /// Anything else: 5xx, transport errors.
    pub errors: usize,
}

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Latency {
        samples.sort();
        let at = |q: f64| {
            samples
                .get(((samples.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Latency {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

/// A rush's report.
#[derive(Debug, Clone, Serialize)]
pub struct RushReport {
    pub event: String,
    pub attempts: usize,
    pub clients: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub latency_ms: Latency,
    pub outcomes: Outcomes,
    /// Problems the read-back found (empty: no oversell, nothing lost or doubled).
    pub problems: Vec<String>,
}

/// How a rush runs.
#[derive(Debug, Clone)]
pub struct Rush {
    pub urls: Vec<String>,
    pub token: String,
    pub clients: usize,
    pub attempts: usize,
    pub seats: usize,
    pub waitlist: bool,
    pub max_time: Duration,
}

fn client(clients: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn api(base: &str, path: &str) -> String {
    format!("{}/api/v1{path}", base.trim_end_matches('/'))
}

/// Creates a published event with `seats` seats a week ahead; its id.
async fn create_event(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    title: &str,
    seats: usize,
    waitlist: bool,
    network: Option<&str>,
) -> anyhow::Result<String> {
    let start = crate::clock::Clock::system().now() + chrono::Duration::days(7);
    let mut body = json!({
        "title": title, "kind": "gathering", "status": "published", "capacity": seats,
        "waitlist": waitlist,
        "sessions": [{"starts_at": start.to_rfc3339(),
                      "ends_at": (start + chrono::Duration::hours(3)).to_rfc3339()}],
    });
    if let Some(n) = network {
        body["network"] = json!(n);
    }
    let res = http
        .post(api(base, "/events"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    if status.as_u16() != 201 {
        bail!("creating the event answered {status}: {answer}");
    }
    answer["id"]
        .as_str()
        .map(str::to_string)
        .context("the event has no id")
}

impl Rush {
    /// Runs the rush and checks the result through the API.
    pub async fn run(&self) -> anyhow::Result<RushReport> {
        let http = client(self.clients)?;
        let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        let event = create_event(
            &http,
            &self.urls[0],
            &self.token,
            &format!("Belastningstest {run_id}"),
            self.seats,
            self.waitlist,
            None,
        )
        .await?;
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let deadline = started + self.max_time;
        let workers: Vec<_> = (0..self.clients)
            .map(|w| {
                let http = http.clone();
                let next = next.clone();
                let url = api(
                    &self.urls[w % self.urls.len()],
                    &format!("/events/{event}/registrations"),
                );
                let attempts = self.attempts;
                let run_id = run_id.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= attempts || Instant::now() > deadline {
                            break;
                        }
                        let body = json!({"name": format!("Deltaker {i}"),
                                          "email": format!("rush-{run_id}-{i}@bench.invalid")});
                        let sent = Instant::now();
                        let answer = http.post(&url).json(&body).send().await;
                        let answer = match answer {
                            Ok(res) => {
                                let status = res.status().as_u16();
                                let value: Value = res.json().await.unwrap_or(Value::Null);
                                Some((status, value))
                            }
                            Err(_) => None,
                        };
                        seen.push((sent.elapsed(), answer));
                    }
                    seen
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut outcomes = Outcomes::default();
        let mut accepted: Vec<(String, String)> = Vec::new();
        for worker in workers {
            for (took, answer) in worker.await? {
                latencies.push(took);
                match answer {
                    Some((201, v)) => {
                        let status = v["status"].as_str().unwrap_or_default().to_string();
                        match status.as_str() {
                            "confirmed" => outcomes.confirmed += 1,
                            _ => outcomes.waitlisted += 1,
                        }
                        accepted.push((v["id"].as_str().unwrap_or_default().to_string(), status));
                    }
                    Some((409, _)) => outcomes.refused += 1,
                    Some((429, _)) => outcomes.limited += 1,
                    _ => outcomes.errors += 1,
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let problems = self.check(&http, &event, &accepted).await?;
        Ok(RushReport {
            event,
            attempts: latencies.len(),
            clients: self.clients,
            seconds,
            per_second: latencies.len() as f64 / seconds,
            latency_ms: Latency::of(latencies),
            outcomes,
            problems,
        })
    }

    /// Reads the registrations back: no oversell, every answered sign-up there once with
    /// the status it was told (a waitlisted one may have been promoted since), the waiting
    /// list numbered 1…n.
    async fn check(
        &self,
        http: &reqwest::Client,
        event: &str,
        accepted: &[(String, String)],
    ) -> anyhow::Result<Vec<String>> {
        let res = http
            .get(api(
                &self.urls[0],
                &format!("/events/{event}/registrations"),
            ))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let list: Vec<Value> = res.json().await.context("the registration list")?;
        let mut problems = Vec::new();
        let confirmed = list.iter().filter(|r| r["status"] == "confirmed").count();
        if confirmed > self.seats {
            problems.push(format!(
                "oversold: {confirmed} confirmed for {} seats",
                self.seats
            ));
        }
        let ids: HashSet<&str> = list.iter().filter_map(|r| r["id"].as_str()).collect();
        if ids.len() != list.len() {
            problems.push("a registration is listed twice".into());
        }
        let addresses: HashSet<&str> = list.iter().filter_map(|r| r["email"].as_str()).collect();
        if addresses.len() != list.len() {
            problems.push("an address is registered twice".into());
        }
        let lost = accepted
            .iter()
            .filter(|(id, _)| !ids.contains(id.as_str()))
            .count();
        if lost > 0 {
            problems.push(format!("{lost} answered sign-ups are missing"));
        }
        if list.len() != accepted.len() {
            problems.push(format!(
                "{} registrations stored, {} answered 201",
                list.len(),
                accepted.len()
            ));
        }
        let mut positions: Vec<u64> = list
            .iter()
            .filter_map(|r| r["waitlist_position"].as_u64())
            .collect();
        positions.sort_unstable();
        if positions
            .iter()
            .enumerate()
            .any(|(i, p)| *p != i as u64 + 1)
        {
            problems.push("the waiting list has gaps or repeats".into());
        }
        if confirmed < self.seats.min(accepted.len()) {
            problems.push(format!(
                "only {confirmed} confirmed although {} were accepted for {} seats",
                accepted.len(),
                self.seats
            ));
        }
        Ok(problems)
    }
}

/// A feed benchmark's report.
#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    pub url: String,
    pub bytes: usize,
    /// The first request, one client alone: a cold render unless this version of the feed
    /// was asked for before.
    pub first_ms: f64,
    /// Full requests one after another, one client: the rendered version served again.
    pub repeat_ms: f64,
    pub full_per_second: f64,
    pub full_latency_ms: Latency,
    pub conditional_per_second: f64,
    pub conditional_latency_ms: Latency,
}

/// `requests` GETs of `url` from `clients` at once, with `headers`; their latencies, the
/// statuses seen and the time taken.
async fn hammer(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, String)],
    requests: usize,
    clients: usize,
) -> anyhow::Result<(Vec<Duration>, f64, HashSet<u16>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let http = http.clone();
            let next = next.clone();
            let url = url.to_string();
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    let mut request = http.get(&url);
                    for (k, v) in &headers {
                        request = request.header(k, v);
                    }
                    let sent = Instant::now();
                    let status = match request.send().await {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            let _ = res.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    seen.push((sent.elapsed(), status));
                }
                seen
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut statuses = HashSet::new();
    for worker in workers {
        for (took, status) in worker.await? {
            latencies.push(took);
            statuses.insert(status);
        }
    }
    Ok((latencies, started.elapsed().as_secs_f64(), statuses))
}

/// Full and conditional requests of the feed at `url`.
pub async fn feed(url: &str, requests: usize, clients: usize) -> anyhow::Result<FeedReport> {
    let http = client(clients)?;
    let started = Instant::now();
    let first = http.get(url).send().await?;
    if !first.status().is_success() {
        bail!("{url} answered {}", first.status());
    }
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .context("the feed has no ETag")?
        .to_string();
    let bytes = first.bytes().await?.len();
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (repeat, _, _) = hammer(&http, url, &[], 20, 1).await?;
    let repeat_ms = Latency::of(repeat).p50;
    let (full, full_s, statuses) = hammer(&http, url, &[], requests, clients).await?;
    if statuses != HashSet::from([200]) {
        bail!("full requests answered {statuses:?}");
    }
    let (cond, cond_s, statuses) =
        hammer(&http, url, &[("if-none-match", etag)], requests, clients).await?;
    if statuses != HashSet::from([304]) {
        bail!("conditional requests answered {statuses:?}");
    }
    Ok(FeedReport {
        url: url.to_string(),
        bytes,
        first_ms,
        repeat_ms,
        full_per_second: full.len() as f64 / full_s,
        full_latency_ms: Latency::of(full),
        conditional_per_second: cond.len() as f64 / cond_s,
        conditional_latency_ms: Latency::of(cond),
    })
}

/// Creates `events` published events in a new network, for a feed of that size; the
/// network feed's URL.
pub async fn seed_feed(
    base: &str,
    token: &str,
    events: usize,
    clients: usize,
) -> anyhow::Result<String> {
    let http = client(clients)?;
    let slug = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = http
        .post(api(base, "/networks"))
        .bearer_auth(token)
        .json(&json!({"slug": slug, "name": "Belastningstest"}))
        .send()
        .await?;
    if res.status().as_u16() != 201 {
        bail!("creating the network answered {}", res.status());
    }
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..clients.min(16))
        .map(|_| {
            let (http, next, slug) = (http.clone(), next.clone(), slug.clone());
            let (base, token) = (base.to_string(), token.to_string());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < events {
                    create_event(&http, &base, &token, "Fagdag", 50, true, Some(&slug)).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(format!(
        "{}/feeds/networks/{slug}.ics",
        base.trim_end_matches('/')
    ))
}

/// A statistics benchmark's report.
#[derive(Debug, Clone, Serialize)]
pub struct StatsReport {
    pub url: String,
    pub per_second: f64,
    pub latency_ms: Latency,
}

/// `requests` statistics requests (`query`, e.g. `year=2025&format=json`).
pub async fn stats(
    base: &str,
    token: &str,
    query: &str,
    requests: usize,
    clients: usize,
) -> anyhow::Result<StatsReport> {
    let http = client(clients)?;
    let url = format!("{}?{query}", api(base, "/stats/participation"));
    let auth = [("authorization", format!("Bearer {token}"))];
    let (latencies, seconds, statuses) = hammer(&http, &url, &auth, requests, clients).await?;
    if statuses != HashSet::from([200]) {
        bail!("statistics answered {statuses:?}");
    }
    Ok(StatsReport {
        url,
        per_second: latencies.len() as f64 / seconds,
        latency_ms: Latency::of(latencies),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_sample_at_or_above() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(samples);
        assert_eq!((l.p50, l.p95, l.p99, l.max), (50.0, 95.0, 99.0, 100.0));
        assert_eq!(Latency::of(vec![]).max, 0.0);
    }
}
