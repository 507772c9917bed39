//! What the benchmarks share: a running Samling on SQLite (a fresh file, the default) or on
//! the PostgreSQL database in `SAMLING_BENCH_POSTGRES_URL` (an empty one), and size knobs.
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
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.outbox_dir = dir.path().join("outbox");
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
