//! What the service counts for Prometheus (`GET /metrics`): the names in one place, so the
//! code that counts says what happened and this module says how it is called.
//!
//! The recorder is process-wide (the `metrics` facade has one); several apps in one process
//! (the tests) share it.
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds: a sign-up answers in milliseconds, a big export in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the recorder (once per process) and returns its handle.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            gauge!("samling_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .clone()
}

/// An answered HTTP request: its route (the router's pattern, never the URL with its
/// tokens), method and status.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    let status = status.to_string();
    counter!("samling_http_requests_total", "route" => route.to_string(), "method" => method.to_string(), "status" => status).increment(1);
    histogram!("samling_http_request_duration_seconds", "route" => route.to_string(), "method" => method.to_string()).record(took.as_secs_f64());
}

/// A sign-up's outcome: `confirmed`, `waitlisted`, `repeated`, or the refusal.
pub fn signup(outcome: &'static str) {
    counter!("samling_signups_total", "outcome" => outcome).increment(1);
}

/// A connection refused with a 503 because a connection cap was reached (`reason`:
/// `max_connections` or `max_connections_per_address`).
pub fn connection_refused(reason: &'static str) {
    counter!("samling_connections_refused_total", "reason" => reason).increment(1);
}

/// Connections open now.
pub fn connections_open(n: usize) {
    gauge!("samling_connections_open").set(n as f64);
}

/// A batch of a group-commit queue (e.g. `signups`) committed, and how long it took.
pub fn batch(queue: &'static str, size: usize, took: Duration) {
    histogram!("samling_batch_size", "queue" => queue).record(size as f64);
    histogram!("samling_batch_seconds", "queue" => queue).record(took.as_secs_f64());
}

/// Registrations moved from the waiting list to a seat.
pub fn promotions(n: usize) {
    counter!("samling_waitlist_promotions_total").increment(n as u64);
}

/// A mail's delivery attempt: `sent`, `retrying` or `failed`.
pub fn mail(outcome: &'static str) {
    counter!("samling_mails_total", "outcome" => outcome).increment(1);
}

/// A reminder round done, with the reminders it queued.
pub fn reminder_round(reminders: usize) {
    counter!("samling_reminder_rounds_total").increment(1);
    counter!("samling_reminders_queued_total").increment(reminders as u64);
}

/// What is read at scrape time: the outbox and the connection pool.
pub fn snapshot(
    pending: u64,
    oldest_pending_age: Option<Duration>,
    pool_in_use: u32,
    pool_idle: u32,
) {
    gauge!("samling_outbox_pending").set(pending as f64);
    gauge!("samling_outbox_oldest_pending_age_seconds")
        .set(oldest_pending_age.map_or(0.0, |d| d.as_secs_f64()));
    gauge!("samling_db_pool_connections", "state" => "in_use").set(f64::from(pool_in_use));
    gauge!("samling_db_pool_connections", "state" => "idle").set(f64::from(pool_idle));
}
