//! Periodic work, driven by tokio-cron-scheduler: every `scheduler_tick_seconds` the
//! reminders and evaluation mails that fell due are queued and the delivery worker is woken (for them and for
//! retries whose back-off has passed); mail queued by a request wakes the worker at once.
//! Once a day (the first tick after midnight UTC that claims the day's run, so once in
//! total however many processes share the database): retention, and expired desk sessions.
use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::db;
use crate::http::AppState;
use crate::service::{evaluations, organisers, privacy, registration, reminders};

/// Starts the scheduler; keep the returned handle and call `shutdown` on it at exit.
pub async fn start(state: AppState) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let every = state.settings.scheduler.tick;
    scheduler
        .add(Job::new_repeated_async(every, move |_id, _lock| {
            let state = state.clone();
            Box::pin(async move { tick(&state).await })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// One round of the periodic work at the state's clock's "now" (public so that tests can
/// run it at a time they set instead of waiting for the next one).
pub async fn tick(state: &AppState) {
    let now = state.clock.now();
    if let Err(e) = reminders::queue_due(
        &state.db,
        &state.mailer,
        &state.settings.scheduler.reminder_offsets,
        now,
    )
    .await
    {
        tracing::error!(error = %e, "reminder round failed");
    }
    if let Err(e) = evaluations::queue_due(&state.db, &state.mailer, now).await {
        tracing::error!(error = %e, "evaluation mails failed");
    }
    match registration::release_unconfirmed(&state.db, &state.mailer, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "unconfirmed places released"),
        Err(e) => tracing::error!(error = %e, "releasing unconfirmed places failed"),
    }
    state.mailer.wake();
    state.limits.forget_idle();
    daily(state, now).await;
}

/// The day's housekeeping, if this process claims it.
async fn daily(state: &AppState, now: DateTime<Utc>) {
    let name = format!("daily:{}", now.format("%Y-%m-%d"));
    let claimed = async {
        let tx = state.db.begin_write().await?;
        let claimed = db::jobs::claim_job(&*tx, &name, now).await?;
        tx.commit().await?;
        Ok::<_, sea_orm::DbErr>(claimed)
    }
    .await;
    match claimed {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "could not claim the daily run");
            return;
        }
    }
    match privacy::run_retention(
        &state.db,
        state.settings.retention.months,
        state.settings.retention.cancelled_days,
        now,
        false,
    )
    .await
    {
        Ok(report) => tracing::info!(
            anonymised = report.registrations_anonymised,
            mails = report.mails_scrubbed,
            feeds = report.personal_feeds_deleted,
            audit = report.audit_entries_deleted,
            comments = report.evaluation_comments_deleted,
            "retention"
        ),
        Err(e) => tracing::error!(error = %e, "retention failed"),
    }
    match privacy::run_certificate_retention(
        &state.db,
        state.settings.retention.certificate_years,
        now,
        false,
    )
    .await
    {
        Ok(n) => tracing::info!(certificates = n, "certificate names removed"),
        Err(e) => tracing::error!(error = %e, "certificate retention failed"),
    }
    if let Err(e) = organisers::forget_expired_sessions(&state.db, now).await {
        tracing::error!(error = %e, "could not remove expired sessions");
    }
}
