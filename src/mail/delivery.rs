//! Delivery: claim due mails from the outbox, send them, record the outcome.
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{MailFacts, Mailer, RenderedMail};
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

    async fn send(&self, id: uuid::Uuid, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                // Named by outbox id: writing the same mail again replaces, never duplicates.
                tokio::fs::write(dir.join(format!("{id}.eml")), message.formatted())
                    .await
                    .map_err(|e| e.to_string())
            }
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

/// Mails claimed at a time.
const BATCH: u64 = 10;

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

/// Sends every due mail (in batches) and returns what happened. Safe to run in several
/// processes at once: each mail is claimed by exactly one of them. When `stopping` turns
/// true it finishes the mail in hand, gives back its other claims (another process, or the
/// next start, sends them at once rather than after the lease) and returns.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    transport: &Transport,
    rules: DeliveryRules,
    stopping: &tokio::sync::watch::Receiver<bool>,
) -> Result<DeliveryReport, sea_orm::DbErr> {
    let mut report = DeliveryReport::default();
    loop {
        let tx = db.begin_write().await?;
        let batch = db::outbox::claim_due(
            &*tx,
            Utc::now(),
            chrono::Duration::from_std(rules.lease).unwrap_or(chrono::Duration::minutes(10)),
            BATCH,
        )
        .await?;
        tx.commit().await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let facts: Vec<Option<MailFacts>> = batch
            .iter()
            .map(|m| {
                m.facts
                    .as_deref()
                    .and_then(|f| serde_json::from_str(f).ok())
            })
            .collect();
        let mut addresses: Vec<String> = facts
            .iter()
            .flatten()
            .map(|f| f.email_normalized.clone())
            .collect();
        addresses.sort();
        addresses.dedup();
        let feeds = db::feeds::participant_feeds(&db.conn, &addresses).await?;
        let ids: Vec<uuid::Uuid> = batch.iter().map(|m| m.id).collect();
        for (i, (mail, facts)) in batch.into_iter().zip(facts).enumerate() {
            if *stopping.borrow() {
                let tx = db.begin_write().await?;
                db::outbox::release(&*tx, &ids[i..]).await?;
                tx.commit().await?;
                return Ok(report);
            }
            if !recipient_deliverable(&mail.recipient) {
                let tx = db.begin_write().await?;
                db::outbox::mark_attempt_failed(&*tx, mail.id, UNDELIVERABLE, None).await?;
                tx.commit().await?;
                report.failed += 1;
                crate::metrics::mail("failed");
                continue;
            }
            let attempt = mail.attempts + 1;
            let prepared = facts
                .ok_or_else(|| "the mail's contents are missing".to_string())
                .and_then(|facts| {
                    let feed = feeds
                        .get(&facts.email_normalized)
                        .map(|f| f.link_id.as_str());
                    let rendered = mailer
                        .render(mail.kind, &facts, feed)
                        .map_err(|e| format!("cannot render: {e}"))?;
                    let message = build_message(&mail, &mailer.from, &rendered)
                        .map_err(|e| format!("cannot build message: {e}"))?;
                    Ok((facts, rendered.subject, message))
                });
            let outcome = match prepared {
                Ok((facts, subject, message)) => transport
                    .send(mail.id, message)
                    .await
                    .map(|()| (facts, subject)),
                Err(e) => Err(e),
            };
            let tx = db.begin_write().await?;
            match outcome {
                Ok((facts, subject)) => {
                    db::outbox::mark_sent(&*tx, mail.id, &subject, Utc::now()).await?;
                    // Each further session's calendar message follows in a mail of its own.
                    let follow_ups: Vec<_> = (1..facts.calendar.len())
                        .map(|i| mailer.follow_up(&mail, &facts, i))
                        .collect();
                    db::outbox::insert_many(&*tx, follow_ups).await?;
                    report.sent += 1;
                    crate::metrics::mail("sent");
                }
                Err(error) if attempt < rules.max_attempts as i32 => {
                    let retry_at = Utc::now() + backoff(rules.retry_base, attempt);
                    tracing::warn!(mail = %mail.id, kind = %mail.kind.as_str(), attempt, error = %mask_addresses(&error), %retry_at, "mail delivery failed; will retry");
                    db::outbox::mark_attempt_failed(&*tx, mail.id, &error, Some(retry_at)).await?;
                    report.retrying += 1;
                    crate::metrics::mail("retrying");
                }
                Err(error) => {
                    tracing::error!(mail = %mail.id, kind = %mail.kind.as_str(), attempt, error = %mask_addresses(&error), "mail delivery failed for good");
                    db::outbox::mark_attempt_failed(&*tx, mail.id, &error, None).await?;
                    report.failed += 1;
                    crate::metrics::mail("failed");
                }
            }
            tx.commit().await?;
        }
    }
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

/// Builds the MIME message. With a calendar it has the shape Google's own invitations have:
/// `multipart/mixed` of (`multipart/alternative`: text, HTML, `text/calendar; method=…`)
/// and the same calendar as an `invite.ics` attachment, so every client finds it.
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

fn build_message(
    mail: &outbox::Model,
    from: &Mailbox,
    rendered: &RenderedMail,
) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("recipient: {e}"))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(rendered.text.clone()))
        .singlepart(SinglePart::html(rendered.html.clone()));
    let body = match &rendered.calendar {
        None => alternative,
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
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date_now()
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
