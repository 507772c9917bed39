//! Mail: templates, the outbox, and delivery over SMTP or to `.eml` files.
//!
//! A mail is rendered when the change that causes it happens and stored in the outbox in
//! the same transaction, so it says what was true at that moment and is never lost. The
//! delivery worker sends it later, with retries.
mod delivery;
mod format;
mod templates;

pub use delivery::{deliver_due, DeliveryReport, Transport};
pub use format::{local_session_lines, zone, SessionLine};
pub use templates::{MailKind, Templates};

use chrono::Utc;
use lettre::message::Mailbox;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db;
use crate::db::entities::{event, event_session, organisation, outbox, registration};
use crate::domain::{EventKind, Language, RegistrationStatus};

/// Everything needed to render and queue mails; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    templates: std::sync::Arc<Templates>,
    base_url: String,
    /// Domain used in Message-IDs.
    message_id_domain: String,
    /// Wakes the delivery worker as soon as a transaction has queued mail.
    queued: std::sync::Arc<tokio::sync::Notify>,
}

/// What a mail template may show.
#[derive(Debug, Serialize)]
struct MailContext<'a> {
    name: &'a str,
    event_title: &'a str,
    event_kind: &'static str,
    organisation: &'a str,
    sessions: Vec<SessionLine>,
    manage_url: Option<String>,
    event_url: String,
    waitlist_position: Option<u64>,
    cancel_reason: Option<&'a str>,
}

/// The event facts a mail needs.
pub struct EventFacts<'a> {
    pub event: &'a event::Model,
    pub sessions: &'a [event_session::Model],
    pub organisation: &'a organisation::Model,
}

impl Mailer {
    /// Loads the templates and remembers the public base URL and sender.
    pub fn new(base_url: &str, from: &Mailbox) -> Result<Mailer, templates::TemplateError> {
        Ok(Mailer {
            templates: std::sync::Arc::new(Templates::load()?),
            base_url: base_url.to_string(),
            message_id_domain: from.email.domain().to_string(),
            queued: Default::default(),
        })
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
    /// transaction that made the change).
    ///
    /// `manage_token` is the plain token when it is known (only right after sign-up; it is
    /// stored hashed); later mails point to the event page instead.
    #[allow(clippy::too_many_arguments)]
    pub async fn queue_for_registration(
        &self,
        db: &impl ConnectionTrait,
        kind: MailKind,
        facts: &EventFacts<'_>,
        reg: &registration::Model,
        manage_token: Option<&str>,
        waitlist_position: Option<u64>,
    ) -> Result<(), DbErr> {
        let language = Language::from_db(&reg.language);
        let confirmed = reg.status == RegistrationStatus::Confirmed.as_str();
        let tz = format::zone(&facts.organisation.time_zone);
        // Join links only go to people holding a seat, never to the waiting list.
        let show_join_link = confirmed && kind.may_carry_join_link();
        let ctx = MailContext {
            name: &reg.name,
            event_title: &facts.event.title,
            event_kind: format::kind_label(EventKind::from_db(&facts.event.kind), language),
            organisation: &facts.organisation.name,
            sessions: local_session_lines(facts.sessions, tz, language, show_join_link),
            manage_url: manage_token.map(|t| format!("{}/r/{t}", self.base_url)),
            event_url: format!("{}/events/{}", self.base_url, facts.event.id),
            waitlist_position,
            cancel_reason: facts.event.cancel_reason.as_deref(),
        };
        let rendered = self
            .templates
            .render(kind, language, &ctx)
            .map_err(|e| DbErr::Custom(format!("mail template {kind:?}: {e}")))?;
        let recipient = recipient(&reg.name, &reg.email)
            .map_err(|e| DbErr::Custom(format!("recipient rejected: {e}")))?;
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
                message_id: format!("<{id}@{}>", self.message_id_domain),
                subject: rendered.subject,
                body_text: rendered.text,
                body_html: rendered.html,
                ics: kind.carries_calendar().then(|| {
                    crate::calendar::attachment(
                        facts.event,
                        facts.sessions,
                        &self.base_url,
                        show_join_link,
                    )
                }),
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
