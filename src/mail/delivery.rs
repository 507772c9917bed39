//! Delivery: claim due mails from the outbox, send them, record the outcome.
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{MailFacts, Mailer, RenderedMail};
use crate::clock::Clock;
use crate::db::{self, entities::outbox, Db};
use crate::domain::notices;

/// Where mail goes: a real SMTP server, or `.eml` files for a newcomer to read.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    /// SMTP from a `smtp://`/`smtps://` URL, or files in `outbox_dir` when there is none.
    pub fn new(
        smtp_url: Option<&str>,
        outbox_dir: PathBuf,
    ) -> Result<Transport, lettre::transport::smtp::Error> {
        match smtp_url {
            Some(url) => Ok(Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            )),
            None => Ok(Transport::Files(outbox_dir)),
        }
    }

    /// Mails claimed (and their outcomes recorded) at a time. An SMTP server takes them one
    /// by one, each up to its timeout, so a claim of 10 stays well inside the lease. Files
    /// are written in microseconds: claiming 200 and recording them in one commit is what
    /// keeps the outbox from costing a disk flush per mail (during a rush that was one
    /// flush per sign-up on top of the group-committed sign-ups themselves); a file written
    /// again after a crash replaces itself.
    fn batch(&self) -> u64 {
        match self {
            Transport::Smtp(_) => 10,
            Transport::Files(_) => 200,
        }
    }
}

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// How delivery retries and claims.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRules {
    /// Attempts before a mail is marked failed.
    pub max_attempts: u32,
    /// Wait before the first retry (then doubling, at most an hour).
    pub retry_base: Duration,
    /// How long a claim keeps a mail from other workers: longer than a whole batch can take
    /// (10 mails × the 20-second SMTP timeout is under 4 minutes), so no other process
    /// sends a claimed mail while its claimant is still working through the batch. Mails
    /// claimed by a process that died go out when their lease ends.
    pub lease: Duration,
}

/// Waiting time before attempt `attempt + 1`: `base`, then doubling, capped at 1 hour.
fn backoff(base: Duration, attempt: i32) -> chrono::Duration {
    let exp = attempt.clamp(1, 12) - 1;
    chrono::Duration::seconds(((base.as_secs() as i64) << exp).min(3600))
}

/// What became of one claimed mail, recorded with the rest of its batch.
enum Outcome {
    Sent {
        subject: String,
        follow_ups: Vec<outbox::Model>,
    },
    Retry {
        error: String,
        at: chrono::DateTime<Utc>,
    },
    Failed {
        error: String,
    },
}

/// Sends every due mail (in batches) and returns what happened. Safe to run in several
/// processes at once: each mail is claimed by exactly one of them. When `stopping` turns
/// true it finishes the mail in hand, gives back its other claims (another process, or the
/// next start, sends them at once rather than after the lease) and returns. What is due,
/// and when a retry falls due, is measured by `clock`.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    transport: &Transport,
    rules: DeliveryRules,
    clock: &Clock,
    stopping: &tokio::sync::watch::Receiver<bool>,
) -> Result<DeliveryReport, sea_orm::DbErr> {
    let mut report = DeliveryReport::default();
    loop {
        let batch = claim(db, rules, transport.batch(), clock.now()).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let feeds = feeds_of(db, &batch).await?;
        let smtp = match transport {
            Transport::Files(dir) => {
                // Written in a moment as a whole: a stop waits for the batch.
                let outcomes = write_files(dir, mailer, rules, batch, feeds, clock).await;
                record(db, &outcomes, &mut report, clock.now()).await?;
                continue;
            }
            Transport::Smtp(smtp) => smtp,
        };
        let mut stopped_at = None;
        for (i, (mail, facts)) in batch.iter().enumerate() {
            if *stopping.borrow() {
                stopped_at = Some(i);
                break;
            }
            let outcome =
                deliver_one(mailer, smtp, rules, mail, facts.as_ref(), &feeds, clock).await;
            // Recorded mail by mail: a crash or a failed commit sends again at most the
            // one in hand.
            record(db, &[(mail.id, outcome)], &mut report, clock.now()).await?;
        }
        if let Some(i) = stopped_at {
            let rest: Vec<uuid::Uuid> = batch[i..].iter().map(|(m, _)| m.id).collect();
            let tx = db.begin_write().await?;
            db::outbox::release(&*tx, &rest).await?;
            tx.commit().await?;
            return Ok(report);
        }
    }
}

/// Claims up to `limit` mails due at `now`, with the facts each is rendered from.
async fn claim(
    db: &Db,
    rules: DeliveryRules,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<(outbox::Model, Option<MailFacts>)>, sea_orm::DbErr> {
    let tx = db.begin_write().await?;
    let batch = db::outbox::claim_due(
        &*tx,
        now,
        chrono::Duration::from_std(rules.lease).unwrap_or(chrono::Duration::minutes(10)),
        limit,
    )
    .await?;
    tx.commit().await?;
    Ok(batch
        .into_iter()
        .map(|m| {
            let facts = m
                .facts
                .as_deref()
                .and_then(|f| serde_json::from_str(f).ok());
            (m, facts)
        })
        .collect())
}

/// The personal feeds of a batch's recipients (their mails link to them).
async fn feeds_of(
    db: &Db,
    batch: &[(outbox::Model, Option<MailFacts>)],
) -> Result<std::collections::HashMap<String, db::entities::participant_feed::Model>, sea_orm::DbErr>
{
    let mut addresses: Vec<String> = batch
        .iter()
        .filter_map(|(_, f)| f.as_ref())
        .map(|f| f.email_normalized.clone())
        .collect();
    addresses.sort();
    addresses.dedup();
    db::feeds::participant_feeds(&db.conn, &addresses).await
}

/// The personal feeds of a batch's recipients, by address.
type Feeds = std::collections::HashMap<String, db::entities::participant_feed::Model>;

/// A mail rendered and built, with what follows it once sent.
struct Prepared {
    subject: String,
    message: Message,
    /// Each further session's calendar message follows in a mail of its own.
    follow_ups: Vec<outbox::Model>,
}

/// Renders one mail at `now` (CPU work: callers keep it off the async runtime where they
/// can).
fn prepare(
    mailer: &Mailer,
    mail: &outbox::Model,
    facts: Option<&MailFacts>,
    feeds: &Feeds,
    now: DateTime<Utc>,
) -> Result<Prepared, String> {
    let facts = facts.ok_or_else(|| "the mail's contents are missing".to_string())?;
    let feed = feeds
        .get(&facts.email_normalized)
        .map(|f| f.link_id.as_str());
    let rendered = mailer
        .render(mail.kind, facts, feed, now)
        .map_err(|e| format!("cannot render: {e}"))?;
    let message = build_message(mail, &mailer.from, &rendered, now)
        .map_err(|e| format!("cannot build message: {e}"))?;
    Ok(Prepared {
        subject: rendered.subject,
        message,
        follow_ups: (1..facts.calendar.len())
            .map(|i| mailer.follow_up(mail, facts, i, now))
            .collect(),
    })
}

/// What a delivery attempt at `now` comes to: sent, another try later, or given up.
fn settle(
    rules: DeliveryRules,
    mail: &outbox::Model,
    sent: Result<(String, Vec<outbox::Model>), String>,
    now: DateTime<Utc>,
) -> Outcome {
    // The claim counted this attempt in the database; `mail` is the row as read before.
    let attempt = mail.attempts + 1;
    match sent {
        Ok((subject, follow_ups)) => Outcome::Sent {
            subject,
            follow_ups,
        },
        Err(error) if attempt < rules.max_attempts as i32 => {
            let at = now + backoff(rules.retry_base, attempt);
            tracing::warn!(mail = %mail.id, kind = %mail.kind.as_str(), attempt, error = %mask_addresses(&error), retry_at = %at, "mail delivery failed; will retry");
            Outcome::Retry { error, at }
        }
        Err(error) => {
            tracing::error!(mail = %mail.id, kind = %mail.kind.as_str(), attempt, error = %mask_addresses(&error), "mail delivery failed for good");
            Outcome::Failed { error }
        }
    }
}

/// Renders and sends one mail over SMTP; what came of it.
async fn deliver_one(
    mailer: &Mailer,
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    rules: DeliveryRules,
    mail: &outbox::Model,
    facts: Option<&MailFacts>,
    feeds: &Feeds,
    clock: &Clock,
) -> Outcome {
    if !recipient_deliverable(&mail.recipient) {
        return Outcome::Failed {
            error: UNDELIVERABLE.into(),
        };
    }
    let sent = match prepare(mailer, mail, facts, feeds, clock.now()) {
        Ok(p) => smtp
            .send(p.message)
            .await
            .map(|_| (p.subject, p.follow_ups))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    settle(rules, mail, sent, clock.now())
}

/// Renders and writes a whole batch as `.eml` files on one blocking thread (one hand-off
/// for the batch instead of two per mail); each file is named by its outbox id, so writing
/// one again replaces it.
async fn write_files(
    dir: &std::path::Path,
    mailer: &Mailer,
    rules: DeliveryRules,
    batch: Vec<(outbox::Model, Option<MailFacts>)>,
    feeds: Feeds,
    clock: &Clock,
) -> Vec<(uuid::Uuid, Outcome)> {
    let dir = dir.to_path_buf();
    let mailer = mailer.clone();
    let at = clock.clone();
    let ids: Vec<uuid::Uuid> = batch.iter().map(|(m, _)| m.id).collect();
    let written = tokio::task::spawn_blocking(move || {
        let folder = std::fs::create_dir_all(&dir).map_err(|e| e.to_string());
        batch
            .iter()
            .map(|(mail, facts)| {
                if !recipient_deliverable(&mail.recipient) {
                    let error = UNDELIVERABLE.to_string();
                    return (mail.id, Outcome::Failed { error });
                }
                let sent = folder.clone().and_then(|()| {
                    let p = prepare(&mailer, mail, facts.as_ref(), &feeds, at.now())?;
                    std::fs::write(dir.join(format!("{}.eml", mail.id)), p.message.formatted())
                        .map_err(|e| e.to_string())?;
                    Ok((p.subject, p.follow_ups))
                });
                (mail.id, settle(rules, mail, sent, at.now()))
            })
            .collect::<Vec<_>>()
    })
    .await;
    let now = clock.now();
    written.unwrap_or_else(|e| {
        // The thread panicked: every mail of the batch is tried again later.
        let error = format!("the mail writer stopped: {e}");
        let at = now + backoff(rules.retry_base, 1);
        ids.into_iter()
            .map(|id| {
                let error = error.clone();
                (id, Outcome::Retry { error, at })
            })
            .collect()
    })
}

/// Records a batch's outcomes in one transaction (the sent ones as sent at `now`).
async fn record(
    db: &Db,
    outcomes: &[(uuid::Uuid, Outcome)],
    report: &mut DeliveryReport,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let tx = db.begin_write().await?;
    let mut follow_ups = Vec::new();
    for (id, outcome) in outcomes {
        match outcome {
            Outcome::Sent {
                subject,
                follow_ups: more,
            } => {
                db::outbox::mark_sent(&*tx, *id, subject, now).await?;
                follow_ups.extend(more.iter().cloned());
            }
            Outcome::Retry { error, at } => {
                db::outbox::mark_attempt_failed(&*tx, *id, error, Some(*at)).await?;
            }
            Outcome::Failed { error } => {
                db::outbox::mark_attempt_failed(&*tx, *id, error, None).await?;
            }
        }
    }
    db::outbox::insert_many(&*tx, follow_ups).await?;
    tx.commit().await?;
    for (_, outcome) in outcomes {
        let what = match outcome {
            Outcome::Sent { .. } => {
                report.sent += 1;
                "sent"
            }
            Outcome::Retry { .. } => {
                report.retrying += 1;
                "retrying"
            }
            Outcome::Failed { .. } => {
                report.failed += 1;
                "failed"
            }
        };
        crate::metrics::mail(what);
    }
    Ok(())
}

/// Why a mail to a reserved address was never tried.
const UNDELIVERABLE: &str = "not sent: the reserved .invalid domain never receives mail";

/// An error text as the logs show it: mail servers quote the recipient ("550 <kari@…>:
/// unknown user"), so the local part of every address is masked. The outbox row keeps the
/// whole text for the organiser's mail-status view; the log line has the row's id.
pub fn mask_addresses(text: &str) -> String {
    let local = |c: char| c.is_alphanumeric() || "._%+-'".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        out.push_str(&rest[..start]);
        out.push_str(if start < at { "***@" } else { "@" });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether the stored recipient (`Name <x@y>`, as the outbox keeps it) can be mailed: the
/// rule looks at the parsed address's domain, not at the display text around it (which ends
/// in `>` and never matched `.invalid`). An unparsable recipient is left to
/// `build_message`, which fails it with its reason.
fn recipient_deliverable(recipient: &str) -> bool {
    match recipient.parse::<Mailbox>() {
        Ok(mailbox) => notices::deliverable(mailbox.email.as_ref()),
        Err(_) => notices::deliverable(recipient),
    }
}

/// A header with a fixed value, for the two that mark every mail as machine-sent.
macro_rules! fixed_header {
    ($type:ident, $name:literal, $value:literal) => {
        #[derive(Clone)]
        struct $type;
        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self)
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), $value.to_string())
            }
        }
    };
}
// RFC 3834 §5: vacation responders and list servers must not answer this mail.
fixed_header!(AutoSubmitted, "Auto-Submitted", "auto-generated");
// Exchange/Outlook's own switch for the same (out-of-office replies, read receipts).
fixed_header!(AutoResponseSuppress, "X-Auto-Response-Suppress", "All");

/// Builds the MIME message. With a calendar it has the shape Google's own invitations have:
/// `multipart/mixed` of (`multipart/alternative`: text, HTML, `text/calendar; method=…`)
/// and the same calendar as an `invite.ics` attachment, so every client finds it.
/// Attached files (a certificate's PDF) follow in the `multipart/mixed`.
fn build_message(
    mail: &outbox::Model,
    from: &Mailbox,
    rendered: &RenderedMail,
    now: DateTime<Utc>,
) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("recipient: {e}"))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(rendered.text.clone()))
        .singlepart(SinglePart::html(rendered.html.clone()));
    let body = match &rendered.calendar {
        None if rendered.attachments.is_empty() => alternative,
        None => MultiPart::mixed().multipart(alternative),
        Some((method, ics)) => {
            let calendar_type = |mime: &str| {
                ContentType::parse(&format!(
                    "{mime}; charset=utf-8; method={}",
                    method.as_str()
                ))
                .map_err(|e| e.to_string())
            };
            MultiPart::mixed()
                .multipart(
                    alternative.singlepart(
                        SinglePart::builder()
                            .header(calendar_type("text/calendar")?)
                            .body(ics.clone()),
                    ),
                )
                .singlepart(
                    Attachment::new("invite.ics".into())
                        .body(ics.clone(), calendar_type("application/ics")?),
                )
        }
    };
    // Files beside the text (a certificate's PDF) go last in the `multipart/mixed`.
    let body = rendered.attachments.iter().try_fold(body, |body, file| {
        let content_type = ContentType::parse(file.content_type).map_err(|e| e.to_string())?;
        Ok::<_, String>(body.singlepart(
            Attachment::new(file.filename.clone()).body(file.body.clone(), content_type),
        ))
    })?;
    let mut message = Message::builder().from(from.clone()).to(to);
    if let Some(reply_to) = rendered.reply_to.as_deref().and_then(|r| r.parse().ok()) {
        message = message.reply_to(reply_to);
    }
    message
        .subject(rendered.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date(now.into())
        .header(AutoSubmitted)
        .header(AutoResponseSuppress)
        .multipart(body)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1).num_seconds(), 30);
        assert_eq!(backoff(base, 2).num_seconds(), 60);
        assert_eq!(backoff(base, 3).num_seconds(), 120);
        assert_eq!(backoff(base, 20).num_seconds(), 3600);
    }

    #[test]
    fn invalid_domain_is_found_in_a_named_recipient() {
        assert!(!recipient_deliverable("Rush 1 <rush-1@bench.invalid>"));
        assert!(!recipient_deliverable(
            "\"Nordmann, Kari\" <kari@x.INVALID>"
        ));
        assert!(!recipient_deliverable("kari@bench.invalid"));
        assert!(recipient_deliverable("Kari <kari@example.no>"));
        assert!(recipient_deliverable("Invalid <kari@invalid.no>"));
    }

    #[test]
    fn addresses_are_masked_in_log_text() {
        assert_eq!(
            mask_addresses("550 5.1.1 <kari.nordmann+x@example.no>: Recipient rejected"),
            "550 5.1.1 <***@example.no>: Recipient rejected"
        );
        assert_eq!(
            mask_addresses("to ola@a.no, per@b.no failed"),
            "to ***@a.no, ***@b.no failed"
        );
        assert_eq!(mask_addresses("no address @ all"), "no address @ all");
        assert_eq!(mask_addresses("æøå@x"), "***@x");
    }
}
