//! Mail: templates, the outbox, and delivery over SMTP or to `.eml` files.
//!
//! A mail is rendered when the change that causes it happens and stored in the outbox in
//! the same transaction, so it says what was true at that moment and is never lost. The
//! delivery worker sends it later, with retries.
mod delivery;
pub mod format;
mod templates;

pub use delivery::{deliver_due, DeliveryReport, Transport};
pub use format::{
    kind_label, local_session_lines, time_span as format_time_span, zone, SessionLine,
};
pub use templates::{MailKind, Templates};

use chrono::Utc;
use lettre::message::Mailbox;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::calendar::{self, Method, Parties};
use crate::db;
use crate::db::entities::{event, event_session, organisation, outbox, registration};
use crate::domain::{EventKind, Language, RegistrationStatus};
use crate::tokens::LinkKey;

/// Everything needed to render and queue mails; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    templates: std::sync::Arc<Templates>,
    base_url: String,
    from: Mailbox,
    links: LinkKey,
    /// Wakes the delivery worker as soon as a transaction has queued mail.
    queued: std::sync::Arc<tokio::sync::Notify>,
}

/// What a mail template may show.
#[derive(Debug, Serialize)]
struct MailContext<'a> {
    lang: &'static str,
    name: &'a str,
    event_title: &'a str,
    event_kind: &'static str,
    organisation: &'a str,
    sessions: Vec<SessionLine>,
    /// When the first session is, for subjects.
    first_when: String,
    online: bool,
    manage_url: String,
    /// The participant's personal calendar feed.
    feed_url: String,
    event_url: String,
    waitlist_position: Option<u64>,
    confirmed: bool,
    cancel_reason: Option<&'a str>,
}

/// The event facts a mail needs.
pub struct EventFacts<'a> {
    pub event: &'a event::Model,
    pub sessions: &'a [event_session::Model],
    pub organisation: &'a organisation::Model,
}

impl Mailer {
    /// Loads the templates and remembers the public base URL, sender and link key.
    pub fn new(
        base_url: &str,
        from: &Mailbox,
        links: LinkKey,
    ) -> Result<Mailer, templates::TemplateError> {
        Ok(Mailer {
            templates: std::sync::Arc::new(Templates::load()?),
            base_url: base_url.to_string(),
            from: from.clone(),
            links,
            queued: Default::default(),
        })
    }

    /// The key that signs participants' links.
    pub fn links(&self) -> &LinkKey {
        &self.links
    }

    /// A registration's manage page.
    pub fn manage_url(&self, registration_id: Uuid) -> String {
        format!(
            "{}/r/{}",
            self.base_url,
            self.links.manage_token(registration_id)
        )
    }

    /// A participant's personal calendar feed.
    pub fn feed_url(&self, email_normalized: &str) -> String {
        format!(
            "{}/feeds/me/{}.ics",
            self.base_url,
            self.links.feed_token(email_normalized)
        )
    }

    /// Tells the delivery worker that new mail is waiting (call after commit).
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    /// Resolves when `wake` has been called since the last time.
    pub async fn woken(&self) {
        self.queued.notified().await;
    }

    /// Renders a mail to a registrant and writes it to the outbox on `db` (normally the
    /// transaction that made the change). `reg` is the registration as it was when the
    /// reason for the mail arose (for an own cancellation: before it was cancelled).
    pub async fn queue_for_registration(
        &self,
        db: &impl ConnectionTrait,
        kind: MailKind,
        facts: &EventFacts<'_>,
        reg: &registration::Model,
        waitlist_position: Option<u64>,
    ) -> Result<(), DbErr> {
        let language = Language::from_db(&reg.language);
        let confirmed = reg.status == RegistrationStatus::Confirmed.as_str();
        let tz = format::zone(&facts.organisation.time_zone);
        // Join links only go to people holding a seat, never to the waiting list.
        let show_join_link = confirmed && kind.may_carry_join_link();
        let sessions = local_session_lines(facts.sessions, tz, language, show_join_link);
        let ctx = MailContext {
            lang: language.as_str(),
            name: &reg.name,
            event_title: &facts.event.title,
            event_kind: format::kind_label(EventKind::from_db(&facts.event.kind), language),
            organisation: &facts.organisation.name,
            first_when: sessions.first().map(|s| s.when.clone()).unwrap_or_default(),
            online: facts.sessions.iter().any(|s| s.online_url.is_some()),
            sessions,
            manage_url: self.manage_url(reg.id),
            feed_url: self.feed_url(&reg.email_normalized),
            event_url: format!("{}/events/{}", self.base_url, facts.event.id),
            waitlist_position,
            confirmed,
            cancel_reason: facts.event.cancel_reason.as_deref(),
        };
        let rendered = self
            .templates
            .render(kind, language, &ctx)
            .map_err(|e| DbErr::Custom(format!("mail template {kind:?}: {e}")))?;
        let recipient = recipient(&reg.name, &reg.email)
            .map_err(|e| DbErr::Custom(format!("recipient rejected: {e}")))?;
        let ics = self.calendar_for(kind, facts, reg, confirmed, show_join_link);
        let id = Uuid::now_v7();
        let now = Utc::now();
        db::outbox::insert(
            db,
            outbox::Model {
                id,
                kind: kind.as_str().into(),
                registration_id: Some(reg.id),
                event_id: Some(facts.event.id),
                recipient: recipient.to_string(),
                message_id: format!("<{id}@{}>", self.from.email.domain()),
                subject: rendered.subject,
                body_text: rendered.text,
                body_html: rendered.html,
                ics,
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: now,
                locked_until: None,
                last_error: None,
                sent_at: None,
                created_at: now,
            },
        )
        .await
    }

    /// The calendar a mail carries: entries to add or update for people holding a seat,
    /// entries to remove when their seat or the event goes away; none for the waiting list.
    fn calendar_for(
        &self,
        kind: MailKind,
        facts: &EventFacts<'_>,
        reg: &registration::Model,
        confirmed: bool,
        show_join_link: bool,
    ) -> Option<String> {
        if !confirmed {
            return None;
        }
        let (method, sequence) = match kind {
            MailKind::Confirmation | MailKind::Promoted | MailKind::EventChanged => {
                (Method::Request, facts.event.sequence)
            }
            // The participant's own cancellation does not change the event, so its entry
            // needs a SEQUENCE above the last one they were sent.
            MailKind::Cancelled => (Method::Cancel, facts.event.sequence + 1),
            MailKind::EventCancelled => (Method::Cancel, facts.event.sequence),
            MailKind::Waitlisted | MailKind::Reminder => return None,
        };
        Some(calendar::invitation(
            method,
            facts.event,
            facts.sessions,
            &self.base_url,
            show_join_link,
            sequence,
            &Parties {
                organizer: &self.from,
                organizer_name: &facts.organisation.name,
                attendee_name: &reg.name,
                attendee_email: &reg.email,
            },
        ))
    }
}

/// Builds the `To` mailbox. Names are stripped of control characters first, so a name can
/// never break a header line; lettre encodes non-ASCII names (RFC 2047).
pub fn recipient(name: &str, email: &str) -> Result<Mailbox, lettre::address::AddressError> {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    let address = email.parse()?;
    Ok(Mailbox::new(
        Some(clean.trim().to_string()).filter(|n| !n.is_empty()),
        address,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_both_languages() {
        let templates = Templates::load().unwrap();
        for kind in MailKind::ALL {
            for lang in [Language::Nb, Language::En] {
                let ctx = MailContext {
                    lang: lang.as_str(),
                    name: "Åse <Ø>",
                    event_title: "Fagdag",
                    event_kind: "samling",
                    organisation: "USHT",
                    sessions: vec![SessionLine {
                        when: "tirsdag 3. mars 2026 kl. 09.00–15.00".into(),
                        location: None,
                        online_url: Some("https://example.org/join".into()),
                        online: true,
                    }],
                    first_when: "tirsdag".into(),
                    online: true,
                    manage_url: "http://x/r/t".into(),
                    feed_url: "http://x/feeds/me/t.ics".into(),
                    event_url: "http://x/events/1".into(),
                    waitlist_position: Some(3),
                    confirmed: true,
                    cancel_reason: Some("Sykdom"),
                };
                let r = templates
                    .render(kind, lang, &ctx)
                    .unwrap_or_else(|e| panic!("{kind:?} {lang:?}: {e}"));
                assert!(
                    !r.subject.is_empty()
                        && r.text.contains("http://x/")
                        && r.html.contains("&lt;Ø&gt;")
                );
            }
        }
    }
}
