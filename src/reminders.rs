//! Reminders before an event's first session, one per confirmed participant and offset.
//!
//! Each (event, offset, start time) is one round, claimed through a primary key so it
//! happens once whatever the number of processes. A round runs when it falls due and
//! reminds those confirmed by then, so an offset already past when someone signed up (or
//! was promoted) is skipped by construction. Moving the event gives it a new start time,
//! hence new rounds; rounds already due when the time changed are skipped.
use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;

use crate::db::{self, Db};
use crate::mail::{EventFacts, MailKind, Mailer};
use crate::registration;

/// Queues every reminder that has fallen due; returns how many were queued.
pub async fn queue_due(
    db: &Db,
    mailer: &Mailer,
    offsets: &[std::time::Duration],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    for offset in offsets {
        let offset = Duration::seconds(offset.as_secs() as i64);
        for event in db::reminders::due_events(&db.conn, now, offset).await? {
            let tx = db.begin_write().await?;
            if !db::reminders::claim_round(&*tx, event.id, offset, event.starts_at, now).await? {
                continue;
            }
            let due = event.starts_at - offset;
            let mut count = 0;
            let moved_after_due = event
                .schedule_changed_at
                .is_some_and(|changed| changed >= due);
            if !moved_after_due {
                let sessions = db::events::sessions(&*tx, event.id).await?;
                let organisation = registration::organisation_of(&*tx, &event).await?;
                let facts = EventFacts {
                    event: &event,
                    sessions: &sessions,
                    organisation: &organisation,
                };
                for reg in db::reminders::confirmed(&*tx, event.id).await? {
                    let seated_since = reg.promoted_at.unwrap_or(reg.created_at);
                    if seated_since < due {
                        mailer
                            .queue_for_registration(&*tx, MailKind::Reminder, &facts, &reg, None)
                            .await?;
                        count += 1;
                    }
                }
            }
            db::reminders::record_round(&*tx, event.id, offset, event.starts_at, count).await?;
            tx.commit().await?;
            queued += count as usize;
        }
    }
    if queued > 0 {
        tracing::info!(queued, "reminders queued");
        mailer.wake();
    }
    Ok(queued)
}
