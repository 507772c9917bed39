//! Mail: what a change tells whom (facts, queued in the change's transaction), rendering
//! from templates, and delivery over SMTP or to `.eml` files.
//!
//! A mail's facts are stored in the outbox in the same transaction as the change that
//! causes them, so a mail says what was true at that moment and is never lost. The
//! delivery worker renders and sends it later, outside every lock, with retries; once sent,
//! its facts are dropped, so the links and personal details it carried live only in the
//! recipient's mailbox.
mod delivery;
pub mod facts;
mod templates;

pub use delivery::{deliver_due, DeliveryReport, DeliveryRules, Transport};
pub use facts::{MailFacts, Notice};
pub use templates::Templates;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::Mailbox;
use sea_orm::DbErr;
use serde::Serialize;

use crate::calendar::{self, EntryEvent, EntryOptions, EntrySession, Parties};
use crate::db::entities::{outbox, registration};
use crate::db::events::EventContext;
use crate::domain::notices::CalendarMethod;
use crate::domain::{period, Language, MailKind};
use crate::format;
use crate::links::Links;
use facts::SessionFacts;
use templates::TemplateError;

/// Everything needed to queue and render mails; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    templates: std::sync::Arc<Templates>,
    links: Links,
    from: Mailbox,
    /// Wakes the delivery worker as soon as a transaction has queued mail.
    queued: std::sync::Arc<tokio::sync::Notify>,
}

/// One session as a mail shows it.
#[derive(Debug, Serialize)]
struct SessionLine {
    /// E.g. "tirsdag 3. mars 2026 kl. 09.00–15.00".
    when: String,
    location: Option<String>,
    /// Present only when the reader may join (confirmed participants of a webinar).
    online_url: Option<String>,
    online: bool,
}

/// Sessions as mail lines in zone `tz`.
fn session_lines(sessions: &[SessionFacts], tz: Tz, lang: Language) -> Vec<SessionLine> {
    sessions.iter().map(|s| session_line(s, tz, lang)).collect()
}

/// One session as a mail line.
fn session_line(s: &SessionFacts, tz: Tz, lang: Language) -> SessionLine {
    SessionLine {
        when: format::time_span(s.starts_at, s.ends_at, tz, lang),
        location: s.location.clone(),
        online_url: s.join_link.clone(),
        online: s.online,
    }
}

/// A session's calendar message as a mail's text shows it.
#[derive(Debug, Serialize)]
struct CalendarLine {
    number: usize,
    of: usize,
    removal: bool,
    #[serde(flatten)]
    line: SessionLine,
}

/// What a mail template may show.
#[derive(Debug, Serialize)]
struct MailContext<'a> {
    lang: &'static str,
    /// "Hei Kari," (see `format::greeting`).
    greeting: String,
    event_title: &'a str,
    event_kind: &'static str,
    organisation: &'a str,
    organisation_contact: Option<&'a str>,
    sessions: Vec<SessionLine>,
    /// When the first session is, for subjects.
    first_when: String,
    online: bool,
    manage_url: String,
    /// The participant's personal calendar feed, if they have one.
    feed_url: Option<String>,
    event_url: String,
    waitlist_position: Option<u64>,
    confirmed: bool,
    cancel_reason: Option<&'a str>,
    /// How many more sessions' calendar messages follow this mail.
    more_calendar: usize,
    /// The session a calendar-only mail is about.
    calendar: Option<CalendarLine>,
    /// When the place is released unless the participant confirms it on their page.
    confirm_by: Option<String>,
    /// A cancellation because the place was not confirmed in time.
    released: bool,
    /// The registration can still be cancelled from its page (not after a cancellation).
    may_cancel: bool,
    /// A change mail about the title or description only.
    only_text_changed: bool,
    /// A webinar's recording.
    recording_url: Option<&'a str>,
    /// The evaluation's answer page, when it closes, and about how many minutes it takes.
    evaluation_url: String,
    evaluation_closes: Option<String>,
    evaluation_minutes: Option<u32>,
    /// A certificate's mail: its number, the PDF's link and the public verification page.
    certificate: Option<CertificateLine>,
}

/// What a certificate's mail says of it.
#[derive(Debug, Serialize)]
struct CertificateLine {
    number: String,
    pdf_url: String,
    verify_url: String,
}

/// A file attached to a mail.
pub struct MailAttachment {
    pub filename: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// A mail ready to send.
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The iTIP message, if the mail carries one.
    pub calendar: Option<(CalendarMethod, String)>,
    /// Where a reply goes: the organisation's contact address, not the sending address.
    pub reply_to: Option<String>,
    /// Files beside the text (a certificate's PDF).
    pub attachments: Vec<MailAttachment>,
}

impl Mailer {
    /// Loads the templates and remembers the links and the sender.
    pub fn new(links: Links, from: &Mailbox) -> Result<Mailer, TemplateError> {
        Ok(Mailer {
            templates: std::sync::Arc::new(Templates::load()?),
            links,
            from: from.clone(),
            queued: Default::default(),
        })
    }

    /// Every public address (and the key that signs participants' links).
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// Tells the delivery worker that new mail is waiting (call after commit).
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    /// Resolves when `wake` has been called since the last time.
    pub async fn woken(&self) {
        self.queued.notified().await;
    }

    /// The outbox row of a mail to `reg` about the event in `ctx`, queued at `now`. Only
    /// facts are captured here (cheap, fine inside a transaction); rendering waits for the
    /// delivery worker.
    pub fn letter(
        &self,
        ctx: &EventContext,
        reg: &registration::Model,
        notice: &Notice<'_>,
        now: DateTime<Utc>,
    ) -> Result<outbox::Model, DbErr> {
        let facts = facts::facts(ctx, reg, notice);
        let recipient = recipient(&reg.name, &reg.email)
            .map_err(|e| DbErr::Custom(format!("recipient rejected: {e}")))?;
        Ok(facts::outbox_row(
            notice.kind,
            &facts,
            &recipient.to_string(),
            self.from.email.domain(),
            now,
        ))
    }

    /// The outbox row of a certificate's mail to `reg` (the PDF is drawn from `certificate`
    /// when the mail is sent), queued at `now`.
    pub fn certificate_letter(
        &self,
        ctx: &EventContext,
        reg: &registration::Model,
        certificate: facts::CertificateFacts,
        now: DateTime<Utc>,
    ) -> Result<outbox::Model, DbErr> {
        let mut facts = facts::facts(
            ctx,
            reg,
            &Notice::new(MailKind::CertificateIssued, reg, ctx),
        );
        facts.certificate = Some(certificate);
        let recipient = recipient(&reg.name, &reg.email)
            .map_err(|e| DbErr::Custom(format!("recipient rejected: {e}")))?;
        Ok(facts::outbox_row(
            MailKind::CertificateIssued,
            &facts,
            &recipient.to_string(),
            self.from.email.domain(),
            now,
        ))
    }

    /// A calendar-only follow-up of a sent mail, queued at `now`: the same facts with one
    /// calendar message.
    fn follow_up(
        &self,
        sent: &outbox::Model,
        facts: &MailFacts,
        index: usize,
        now: DateTime<Utc>,
    ) -> outbox::Model {
        let mut one = facts.clone();
        one.calendar = vec![facts.calendar[index].clone()];
        let mut row = facts::outbox_row(
            MailKind::Calendar,
            &one,
            &sent.recipient,
            self.from.email.domain(),
            now,
        );
        row.event_id = sent.event_id;
        row
    }

    /// Renders a mail of `kind` from its facts at `now` (the calendar's DTSTAMP);
    /// `feed_link_id` is the participant's personal feed as it is now.
    pub fn render(
        &self,
        kind: MailKind,
        facts: &MailFacts,
        feed_link_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RenderedMail, TemplateError> {
        let tz = period::zone(&facts.time_zone);
        let lang = facts.language;
        let sessions = session_lines(&facts.sessions, tz, lang);
        let first_calendar = facts.calendar.first();
        let ctx = MailContext {
            lang: lang.as_str(),
            greeting: format::greeting(&facts.name, lang),
            event_title: &facts.event_title,
            event_kind: format::kind_label(facts.event_kind, lang),
            organisation: &facts.organisation,
            organisation_contact: facts.organisation_contact.as_deref(),
            first_when: sessions.first().map(|s| s.when.clone()).unwrap_or_default(),
            online: facts.sessions.iter().any(|s| s.online),
            sessions,
            manage_url: self.links.manage_url(facts.registration_id),
            feed_url: feed_link_id.and_then(|id| self.links.feed_url(id)),
            event_url: self.links.event_url(facts.event_id),
            waitlist_position: facts.waitlist_position,
            confirmed: facts.confirmed,
            cancel_reason: facts.cancel_reason.as_deref(),
            more_calendar: facts.calendar.len().saturating_sub(1),
            calendar: first_calendar.map(|c| CalendarLine {
                number: c.number,
                of: c.of,
                removal: !c.request,
                line: session_line(&c.session, tz, lang),
            }),
            confirm_by: facts.confirm_by.map(|by| format::moment(by, tz, lang)),
            released: facts.released,
            may_cancel: !facts.registration_ended,
            only_text_changed: facts.only_text_changed,
            recording_url: facts.recording_url.as_deref(),
            evaluation_url: format!(
                "{}/evaluering",
                self.links.manage_url(facts.registration_id)
            ),
            evaluation_closes: facts
                .evaluation
                .map(|e| format::moment(e.closes_at, tz, lang)),
            evaluation_minutes: facts.evaluation.map(|e| e.minutes),
            certificate: facts.certificate.as_ref().map(|c| CertificateLine {
                number: c.number.clone(),
                pdf_url: self.links.certificate_pdf_url(facts.registration_id),
                verify_url: self.links.certificate_verify_url(&c.code),
            }),
        };
        let rendered = self.templates.render(kind, lang, &ctx)?;
        let calendar = first_calendar.map(|c| {
            let page = self.links.event_url(facts.event_id);
            let entry = calendar::entry(
                &EntryEvent {
                    id: facts.event_id,
                    title: &facts.event_title,
                    description: facts.event_description.as_deref(),
                    cancelled: facts.event_cancelled,
                },
                &EntrySession {
                    id: c.session.id,
                    starts_at: c.session.starts_at,
                    ends_at: c.session.ends_at,
                    location: c.session.location.as_deref(),
                    online: c.session.online,
                    join_link: c.session.join_link.as_deref(),
                    number: c.number,
                    of: c.of,
                },
                &EntryOptions {
                    page_url: &page,
                    sequence: c.sequence,
                    dtstamp: now,
                    categories: &[],
                    waitlisted: false,
                    language: lang,
                },
            );
            let ics = calendar::invitation(
                c.method(),
                entry,
                &Parties {
                    organizer_email: self.from.email.as_ref(),
                    organizer_name: &facts.organisation,
                    attendee_name: &facts.name,
                    attendee_email: &facts.email,
                },
            );
            (c.method(), ics)
        });
        let mut attachments = Vec::new();
        if let Some(c) = &facts.certificate {
            let verify = self.links.certificate_verify_url(&c.code);
            let body =
                crate::export::certificate::render_facts(c, &facts.organisation, lang, &verify)
                    .map_err(|e| TemplateError(e.to_string()))?;
            attachments.push(MailAttachment {
                filename: certificate_filename(&c.number, lang),
                content_type: "application/pdf",
                body,
            });
        }
        Ok(RenderedMail {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            calendar,
            reply_to: facts.organisation_contact.clone(),
            attachments,
        })
    }
}

/// A certificate's file name: `kursbevis-USHT-2026-0001.pdf` / `certificate-….pdf`.
pub fn certificate_filename(number: &str, lang: Language) -> String {
    let stem = match lang {
        Language::Nb => "kursbevis",
        Language::En => "certificate",
    };
    format!("{stem}-{number}.pdf")
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
    use crate::domain::{EventKind, Language};
    use crate::links::LinkKey;
    use facts::{CalendarFacts, SessionFacts};

    fn facts(lang: Language) -> MailFacts {
        let session = SessionFacts {
            id: uuid::Uuid::now_v7(),
            starts_at: crate::clock::test_now(),
            ends_at: crate::clock::test_now() + chrono::Duration::hours(1),
            location: None,
            online: true,
            join_link: Some("https://example.org/join".into()),
        };
        MailFacts {
            language: lang,
            registration_id: uuid::Uuid::now_v7(),
            name: "Åse <Ø>".into(),
            email: "ase@example.no".into(),
            email_normalized: "ase@example.no".into(),
            confirmed: true,
            waitlist_position: Some(3),
            event_id: uuid::Uuid::now_v7(),
            event_title: "Fagdag".into(),
            event_kind: EventKind::Webinar,
            event_description: None,
            event_cancelled: false,
            cancel_reason: Some("Sykdom".into()),
            organisation: "USHT".into(),
            organisation_contact: Some("kurs@usht.example.no".into()),
            recording_url: Some("https://video.example.no/opptak".into()),
            evaluation: None,
            certificate: None,
            time_zone: "Europe/Oslo".into(),
            sessions: vec![session.clone()],
            calendar: vec![CalendarFacts {
                request: true,
                sequence: 1,
                session,
                number: 1,
                of: 1,
            }],
            confirm_by: None,
            released: false,
            registration_ended: false,
            only_text_changed: false,
        }
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        let mailer = Mailer::new(
            Links::new("http://x", LinkKey::new(&crate::links::new_secret())),
            &"Samling <noreply@example.org>".parse().unwrap(),
        )
        .unwrap();
        let link = crate::links::new_feed_link_id();
        for kind in MailKind::ALL {
            for lang in [Language::Nb, Language::En] {
                let r = mailer
                    .render(kind, &facts(lang), Some(&link), crate::clock::test_now())
                    .unwrap_or_else(|e| panic!("{kind:?} {lang:?}: {e}"));
                assert!(
                    !r.subject.is_empty()
                        && r.text.contains("http://x/")
                        && r.html.contains("&lt;Ø&gt;"),
                    "{kind:?} {lang:?}"
                );
                assert!(r.calendar.is_some());
            }
        }
    }

    #[test]
    fn after_a_cancellation_the_link_shows_and_offers_no_cancelling() {
        let mailer = Mailer::new(
            Links::new("http://x", LinkKey::new(&crate::links::new_secret())),
            &"Samling <noreply@example.org>".parse().unwrap(),
        )
        .unwrap();
        let now = crate::clock::test_now();
        let mut ended = facts(Language::Nb);
        ended.registration_ended = true;
        ended.name = "Kåre Æsøy, jr.;".into();
        let manage = mailer.links.manage_url(ended.registration_id);
        let cancelled = mailer
            .render(MailKind::Cancelled, &ended, None, now)
            .unwrap();
        assert!(cancelled
            .text
            .contains(&format!("Se påmeldingen din: {manage}")));
        assert!(
            cancelled.text.starts_with("Hei Kåre Æsøy, jr.,\n"),
            "{}",
            cancelled.text
        );
        let removal = mailer
            .render(MailKind::Calendar, &ended, None, now)
            .unwrap();
        assert!(
            removal.text.contains("Se påmeldingen din:"),
            "{}",
            removal.text
        );
        assert!(!removal.text.contains("avbestill"), "{}", removal.text);
        let mut retitled = facts(Language::En);
        retitled.only_text_changed = true;
        let changed = mailer
            .render(MailKind::EventChanged, &retitled, None, now)
            .unwrap();
        assert_eq!(changed.subject, "Updated: Fagdag");
        assert!(changed.text.contains("title or description"));
    }
}
