//! Periodic work, driven by tokio-cron-scheduler: every `scheduler_tick_seconds` the
//! delivery worker is woken to retry mail whose back-off has passed. (Mail queued by a
//! request wakes the worker at once; the tick is for retries and anything time-driven.)
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::mail::Mailer;

/// Starts the scheduler; keep the returned handle alive and call `shutdown` on it at exit.
pub async fn start(
    mailer: Mailer,
    tick: std::time::Duration,
) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    scheduler
        .add(Job::new_repeated_async(tick, move |_id, _lock| {
            let mailer = mailer.clone();
            Box::pin(async move { mailer.wake() })
        })?)
        .await?;
    scheduler.start().await?;
    Ok(scheduler)
}
