//! Reminders before an event's first session, one per confirmed participant and offset.
//!
//! Each (event, offset, start time) is one round, claimed through a primary key so it
//! happens once whatever the number of processes. A round runs when it falls due and
//! reminds those confirmed by then (`domain::notices::gets_reminder`), so an offset already
//! past when someone signed up (or was promoted) is skipped by construction. Moving the
//! event gives it a new start time, hence new rounds; rounds already due when the time
//! changed are skipped (`domain::notices::reminder_round_skipped`).
use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;

use crate::db::{self, Db};
use crate::domain::notices::{gets_reminder, reminder_round_skipped};
use crate::domain::{EventStatus, MailKind};
use crate::mail::{Mailer, Notice};

/// Queues every reminder that has fallen due; returns how many were queued.
pub async fn queue_due(
    db: &Db,
    mailer: &Mailer,
    offsets: &[std::time::Duration],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    for offset in offsets {
        let offset = Duration::seconds(offset.as_secs().min(i64::MAX as u64) as i64);
        for due_event in db::reminders::due_events(&db.conn, now, offset).await? {
            let tx = db.begin_write().await?;
            // Read again under the lock: the event may have been cancelled or moved since.
            let Some(event) = db::events::find_for_update(&*tx, due_event.id).await? else {
                continue;
            };
            if event.status != EventStatus::Published || event.starts_at != due_event.starts_at {
                continue;
            }
            if !db::reminders::claim_round(&*tx, event.id, offset, event.starts_at, now).await? {
                continue;
            }
            let due = event.starts_at - offset;
            let mut letters = Vec::new();
            if !reminder_round_skipped(due, event.schedule_changed_at) {
                let ctx = db::events::context_of(&*tx, event.clone()).await?;
                for reg in db::registrations::confirmed_for_event(&*tx, event.id).await? {
                    let seated_since = reg.promoted_at.unwrap_or(reg.created_at);
                    if gets_reminder(reg.status, seated_since, due) {
                        letters.push(mailer.letter(
                            &ctx,
                            &reg,
                            &Notice::new(MailKind::Reminder, &reg, &ctx),
                            now,
                        )?);
                    }
                }
            }
            let count = letters.len();
            db::outbox::insert_many(&*tx, letters).await?;
            db::reminders::record_round(&*tx, event.id, offset, event.starts_at, count as i32)
                .await?;
            tx.commit().await?;
            crate::metrics::reminder_round(count);
            queued += count;
        }
    }
    if queued > 0 {
        tracing::info!(queued, "reminders queued");
        mailer.wake();
    }
    Ok(queued)
}
