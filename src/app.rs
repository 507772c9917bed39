//! Start-up and shutdown: connect and migrate, bind, serve, and run the background work
//! (mail delivery, scheduler) until asked to stop.
use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::http::{self, AppState, Shared};
use crate::links::{self, LinkKey, Links};
use crate::mail::{self, Mailer, Transport};
use crate::scheduler;
use crate::service::registration::Signups;

/// A ready-to-run service: database migrated, port bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    transport: Transport,
}

impl Application {
    /// Connects, migrates and binds (port 0 picks a free port, for tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// Like [`build`](Application::build), with "now" read from `clock` (tests pass a
    /// settable one).
    pub async fn build_with_clock(
        mut settings: Settings,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let fd_limit = http::server::raise_fd_limit();
        if settings.http.limits.max_connections == 0 {
            settings.http.limits.max_connections =
                http::server::automatic_max_connections(fd_limit);
        }
        if settings.keys.metrics_token.is_some() {
            // Counting starts now; without a token nothing is recorded (the macros are no-ops).
            crate::metrics::install();
        }
        let database = &settings.database;
        let db = Db::connect(database.url.expose(), database.max_connections)
            .await
            .with_context(|| format!("cannot open the database {}", database.url.redacted()))?;
        db.migrate()
            .await
            .context("cannot apply database migrations")?;
        let link_secret = match &settings.keys.secret_key {
            Some(key) => key.expose().clone(),
            None => db::secrets::get_or_create_secret(&db.conn, "link_key", links::new_secret)
                .await
                .context("cannot read the link key")?,
        };
        let links = Links::new(settings.http.base_url.as_str(), LinkKey::new(&link_secret));
        let mailer = Mailer::new(links, &settings.mail.from).context("mail templates")?;
        let transport = Transport::new(
            settings.mail.smtp_url.as_ref().map(|u| u.expose().as_str()),
            settings.mail.outbox_dir.clone(),
        )
        .context("SAMLING_SMTP_URL")?;
        let listener = TcpListener::bind(settings.http.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.http.bind))?;
        Ok(Application {
            listener,
            state: AppState::new(Shared {
                signups: Signups::start(db.clone(), mailer.clone(), settings.signup_check),
                db,
                mailer,
                limits: Arc::new(crate::http::limits::Limits::new(&settings.rate_limits)),
                password_checks: crate::service::organisers::PasswordChecks::per_core(),
                feeds: Arc::default(),
                clock,
                settings: Arc::new(settings),
                pages: Arc::new(crate::http::pages::Pages::load().map_err(|e| anyhow::anyhow!(e))?),
            }),
            transport,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The shared state (for tools and tests that need the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight and stops the
    /// background work.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(delivery_worker(state.clone(), self.transport, stopping));
        let mut scheduler = scheduler::start(state.clone())
            .await
            .context("cannot start the scheduler")?;
        tracing::info!(address = %self.listener.local_addr()?, "Samling is listening");
        let limits = state.settings.http.limits.clone();
        let trusted = state.settings.http.trusted_proxies.clone();
        http::server::serve(
            self.listener,
            http::router(state),
            limits,
            trusted,
            shutdown,
        )
        .await;
        tracing::info!("requests finished; stopping the background work");
        let _ = scheduler.shutdown().await;
        // The mail worker finishes the mail in hand and gives back its other claims; a mail
        // server that hangs does not hold the exit up for long.
        let _ = stop.send(true);
        let abort = worker.abort_handle();
        if tokio::time::timeout(MAIL_STOP, worker).await.is_err() {
            tracing::warn!(
                "the mail worker did not stop in time; its claims expire with their lease"
            );
            abort.abort();
        }
        Ok(())
    }
}

/// How long shutdown waits for the mail worker to finish the mail in hand.
const MAIL_STOP: std::time::Duration = std::time::Duration::from_secs(10);

/// Delivers mail whenever woken (by a commit that queued mail, or by the scheduler tick),
/// until `stopping` turns true.
async fn delivery_worker(
    state: AppState,
    transport: Transport,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    while !*stopping.borrow() {
        match mail::deliver_due(
            &state.db,
            &state.mailer,
            &transport,
            mail::DeliveryRules {
                max_attempts: state.settings.mail.max_attempts,
                retry_base: state.settings.mail.retry,
                lease: state.settings.mail.lease,
            },
            &state.clock,
            &stopping,
        )
        .await
        {
            Ok(report) if report != mail::DeliveryReport::default() => {
                tracing::info!(
                    sent = report.sent,
                    retrying = report.retrying,
                    failed = report.failed,
                    "mail delivery"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "mail delivery round failed"),
        }
        tokio::select! {
            () = state.mailer.woken() => {}
            _ = stopping.changed() => {}
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
