//! Periodic work, driven by tokio-cron-scheduler: every `scheduler_tick_seconds` the
//! reminders that fell due are queued and the delivery worker is woken (for them and for
//! retries whose back-off has passed). Mail queued by a request wakes the worker at once.
use chrono::Utc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::http::AppState;
use crate::service::reminders;

/// Starts the scheduler; keep the returned handle and call `shutdown` on it at exit.
pub async fn start(state: AppState) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let tick = state.settings.scheduler_tick;
    scheduler
        .add(Job::new_repeated_async(tick, move |_id, _lock| {
            let state = state.clone();
            Box::pin(async move {
                if let Err(e) = reminders::queue_due(
                    &state.db,
                    &state.mailer,
                    &state.settings.reminder_offsets,
                    Utc::now(),
                )
                .await
                {
                    tracing::error!(error = %e, "reminder round failed");
                }
                state.mailer.wake();
            })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
