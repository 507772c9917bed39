//! What the benchmarks share: a running Samling on SQLite (a fresh file, the default) or on
//! the PostgreSQL database in `SAMLING_BENCH_POSTGRES_URL` (an empty one), and size knobs.
// Each benchmark is its own crate and uses part of this module.
#![allow(dead_code)]

use samling::app::Application;
use samling::config::Settings;
use samling::http::AppState;

/// A Samling serving on a free local port until the benchmark ends.
pub struct Bench {
    pub engine: &'static str,
    pub port: u16,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// A number from the environment, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts the service (migrations, HTTP, mail delivery to files) on the chosen engine.
pub async fn start() -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let (engine, url) = match std::env::var("SAMLING_BENCH_POSTGRES_URL") {
        Ok(url) => ("PostgreSQL", url),
        Err(_) => (
            "SQLite",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ),
    };
    let mut settings = Settings::defaults_with_database(&url);
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.mail.outbox_dir = dir.path().join("outbox");
    // The load comes from one address on purpose: the abuse limits would refuse it.
    settings.rate_limits = samling::config::RateLimits::off();
    let app = Application::build(settings).await.unwrap();
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    Bench {
        engine,
        port,
        state,
        _dir: dir,
    }
}

impl Bench {
    /// After a bulk load on PostgreSQL, what autovacuum does soon after in production: the
    /// planner's statistics and the visibility map (index-only scans). SQLite runs as it
    /// would in production, without `ANALYZE`.
    pub async fn settle(&self) {
        use sea_orm::ConnectionTrait;
        if self.engine == "PostgreSQL" {
            self.state
                .db
                .conn
                .execute_unprepared("VACUUM ANALYZE")
                .await
                .unwrap();
        }
    }
}

/// Inserts a published event with one session over its whole time (`event.starts_at` to
/// `event.ends_at`) at `location`.
pub async fn insert_event(
    tx: &impl sea_orm::ConnectionTrait,
    event: samling::db::entities::event::Model,
    location: Option<&str>,
) {
    let session = samling::db::entities::event_session::Model {
        id: uuid::Uuid::now_v7(),
        event_id: event.id,
        position: 0,
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        location: location.map(str::to_string),
        online_url: None,
        optional: false,
        month: None,
    };
    samling::db::events::insert(tx, event, vec![session])
        .await
        .unwrap();
}

/// A confirmed registration for a bulk load: `email` for `event_id`, made at `at`.
pub fn confirmed(
    event_id: uuid::Uuid,
    email: String,
    municipality: Option<String>,
    attended: Option<bool>,
    at: chrono::DateTime<chrono::Utc>,
) -> samling::db::entities::registration::ActiveModel {
    samling::db::entities::registration::Model {
        id: uuid::Uuid::now_v7(),
        event_id,
        name: "Deltaker".into(),
        email_normalized: email.clone(),
        email,
        municipality,
        workplace: Some("Sykehjem".into()),
        role: None,
        share_contact: false,
        share_contact_confirmed_at: None,
        language: samling::domain::Language::Nb,
        status: samling::domain::RegistrationStatus::Confirmed,
        waitlist_order: None,
        attended,
        created_at: at,
        updated_at: at,
        cancelled_at: None,
        promoted_at: None,
        submission_id: Some(uuid::Uuid::now_v7()),
        anonymised_at: None,
        origin: None,
        confirm_by: None,
    }
    .into()
}

/// Inserts the rows gathered in `batch` in one statement once there are `at_least` of them
/// (`0`: whatever is there, at the end of a load).
pub async fn flush<A>(tx: &impl sea_orm::ConnectionTrait, batch: &mut Vec<A>, at_least: usize)
where
    A: sea_orm::ActiveModelTrait + Send,
{
    if batch.is_empty() || batch.len() < at_least {
        return;
    }
    <A::Entity as sea_orm::EntityTrait>::insert_many(std::mem::take(batch))
        .exec_without_returning(tx)
        .await
        .unwrap();
}

/// An organisation `slug` with an organiser and an API token for it (returned).
pub async fn organisation_with_token(
    tx: &impl sea_orm::ConnectionTrait,
    slug: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (samling::db::entities::organisation::Model, String) {
    use samling::db;
    let org = db::organisations::get_or_create(tx, slug, slug, now)
        .await
        .unwrap();
    let token = samling::links::new_api_token();
    let organiser = db::organisations::upsert_organiser(
        tx,
        org.id,
        &format!("bench@{slug}.example.org"),
        "Bench",
        false,
        now,
    )
    .await
    .unwrap();
    db::organisations::add_token(
        tx,
        organiser.id,
        &samling::links::hash(&token),
        None,
        false,
        now,
    )
    .await
    .unwrap();
    (org, token)
}

/// Asks `url` `rounds` times with the token: the sorted times and the last body.
pub async fn timed_gets(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    rounds: usize,
) -> (Vec<std::time::Duration>, Vec<u8>) {
    let mut times = Vec::new();
    let mut body = Vec::new();
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        let res = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        body = res.bytes().await.unwrap().to_vec();
        times.push(t.elapsed());
    }
    times.sort();
    (times, body)
}
