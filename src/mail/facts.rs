//! What a mail says, captured when the change that causes it happens (inside that change's
//! transaction) and rendered later by the delivery worker, outside every lock. The facts
//! hold no manage or feed token (those are made at rendering from ids and the link key);
//! they do hold a webinar's join link for a seat holder, until the mail is sent.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::entities::{event_session, outbox, registration};
use crate::db::events::EventContext;
use crate::domain::notices::{self, CalendarMethod, SessionDiff};
use crate::domain::{EventKind, Language, MailKind, RegistrationStatus};

/// The longest event description a mailed calendar entry carries (the full text is on the
/// event page, which the entry links to).
const DESCRIPTION_IN_MAIL: usize = 1000;

/// One session as a mail shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionFacts {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub online: bool,
    /// Present only when this reader may join (see `domain::notices::shows_join_link`).
    pub join_link: Option<String>,
}

/// One calendar message: the session's entry to add, update or remove.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CalendarFacts {
    pub request: bool,
    pub sequence: i32,
    pub session: SessionFacts,
    /// 1-based place of the session in the event, and how many sessions there are.
    pub number: usize,
    pub of: usize,
}

impl CalendarFacts {
    /// REQUEST or CANCEL.
    pub fn method(&self) -> CalendarMethod {
        if self.request {
            CalendarMethod::Request
        } else {
            CalendarMethod::Cancel
        }
    }
}

/// Everything a mail to one registrant says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MailFacts {
    pub language: Language,
    pub registration_id: Uuid,
    pub name: String,
    pub email: String,
    /// Whose personal feed the mail links to.
    pub email_normalized: String,
    /// Holds a seat (after the change; for a cancellation, before it).
    pub confirmed: bool,
    pub waitlist_position: Option<u64>,
    pub event_id: Uuid,
    pub event_title: String,
    pub event_kind: EventKind,
    pub event_description: Option<String>,
    pub event_cancelled: bool,
    pub cancel_reason: Option<String>,
    pub organisation: String,
    /// Where participants write to the organisation (the mail's Reply-To), if it has said.
    #[serde(default)]
    pub organisation_contact: Option<String>,
    pub time_zone: String,
    pub sessions: Vec<SessionFacts>,
    /// The calendar messages: the first goes with this mail, each further one follows as a
    /// mail of its own.
    pub calendar: Vec<CalendarFacts>,
    /// Set when the place is held only until the participant confirms it (see
    /// `domain::MailCheck`): the mail asks them to, by this time.
    #[serde(default)]
    pub confirm_by: Option<DateTime<Utc>>,
    /// A cancellation because the place was not confirmed in time.
    #[serde(default)]
    pub released: bool,
    /// The mail (and the calendar mails that follow it) tells of the end of the
    /// registration: its link shows the registration but offers no cancelling.
    #[serde(default)]
    pub registration_ended: bool,
    /// A change mail about a new title or description only (the times are as before).
    #[serde(default)]
    pub only_text_changed: bool,
    /// A webinar's recording (in the mail that announces it).
    #[serde(default)]
    pub recording_url: Option<String>,
    /// An evaluation's invitation or reminder: when it closes and about how long it takes.
    #[serde(default)]
    pub evaluation: Option<EvaluationFacts>,
    /// A certificate's mail: what its PDF says.
    #[serde(default)]
    pub certificate: Option<CertificateFacts>,
}

/// What a certificate says, captured when it is issued (the mail's PDF is drawn from it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CertificateFacts {
    pub number: String,
    pub code: String,
    pub holder: String,
    pub course: String,
    pub first_date: chrono::NaiveDate,
    pub last_date: chrono::NaiveDate,
    pub hours: Option<f64>,
    /// The event's own sentence in the holder's language.
    pub text: Option<String>,
    pub issued_on: chrono::NaiveDate,
}

/// What an evaluation's mails say about it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct EvaluationFacts {
    pub closes_at: DateTime<Utc>,
    pub minutes: u32,
}

/// What a change tells one registrant, beyond the event and the registration.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub kind: MailKind,
    /// The registration's status the mail speaks of (before a cancellation, after anything else).
    pub status: RegistrationStatus,
    pub waitlist_position: Option<u64>,
    /// SEQUENCE of its calendar messages.
    pub sequence: i32,
    /// For an event change: which sessions it touched, and the sessions it removed.
    pub diff: Option<&'a SessionDiff>,
    pub removed: &'a [event_session::Model],
    /// The place is held until then unless the participant confirms it.
    pub confirm_by: Option<DateTime<Utc>>,
    /// A cancellation because the place was not confirmed in time.
    pub released: bool,
    /// An evaluation's invitation or reminder.
    pub evaluation: Option<EvaluationFacts>,
}

impl<'a> Notice<'a> {
    /// A mail of `kind` about `reg` as it is now, with the event's current SEQUENCE.
    pub fn new(kind: MailKind, reg: &registration::Model, ctx: &EventContext) -> Notice<'a> {
        Notice {
            kind,
            status: reg.status,
            waitlist_position: None,
            sequence: ctx.event.sequence,
            diff: None,
            removed: &[],
            confirm_by: reg.confirm_by,
            released: false,
            evaluation: None,
        }
    }
}

fn session_facts(s: &event_session::Model, may_join: bool) -> SessionFacts {
    SessionFacts {
        id: s.id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        location: s.location.clone(),
        online: s.online_url.is_some(),
        join_link: s.online_url.clone().filter(|_| may_join),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// The facts of a mail of `notice.kind` to `reg` about the event in `ctx`.
pub fn facts(ctx: &EventContext, reg: &registration::Model, notice: &Notice<'_>) -> MailFacts {
    let may_join = notices::shows_join_link(notice.kind, notice.status, ctx.event.status);
    let confirmed = notice.status == RegistrationStatus::Confirmed;
    let sessions: Vec<SessionFacts> = ctx
        .sessions
        .iter()
        .map(|s| session_facts(s, may_join))
        .collect();
    let ids: Vec<Uuid> = ctx.sessions.iter().map(|s| s.id).collect();
    let of = ctx.sessions.len();
    let calendar = notices::calendar_parts(notice.kind, confirmed, &ids, notice.diff)
        .into_iter()
        .filter_map(|part| {
            let (number, session) = match ctx.sessions.iter().position(|s| s.id == part.session_id)
            {
                Some(i) => (i + 1, sessions[i].clone()),
                None => {
                    let removed = notice.removed.iter().find(|s| s.id == part.session_id)?;
                    (removed.position as usize + 1, session_facts(removed, false))
                }
            };
            Some(CalendarFacts {
                request: part.method == CalendarMethod::Request,
                sequence: notice.sequence,
                session,
                number,
                of,
            })
        })
        .collect();
    MailFacts {
        language: reg.language,
        registration_id: reg.id,
        name: reg.name.clone(),
        email: reg.email.clone(),
        email_normalized: reg.email_normalized.clone(),
        confirmed,
        waitlist_position: notice.waitlist_position,
        event_id: ctx.event.id,
        event_title: ctx.event.title.clone(),
        event_kind: ctx.event.kind,
        event_description: ctx
            .event
            .description
            .as_deref()
            .map(|d| shorten(d, DESCRIPTION_IN_MAIL)),
        event_cancelled: ctx.event.status == crate::domain::EventStatus::Cancelled,
        cancel_reason: ctx.event.cancel_reason.clone(),
        organisation: ctx.organisation.name.clone(),
        organisation_contact: ctx.organisation.contact_email.clone(),
        time_zone: ctx.organisation.time_zone.clone(),
        sessions,
        calendar,
        confirm_by: notice.confirm_by,
        released: notice.released,
        registration_ended: notices::ends_registration(notice.kind),
        only_text_changed: notice.kind == MailKind::EventChanged
            && notice.diff.is_some_and(|d| d.only_text()),
        recording_url: ctx
            .event
            .recording_url
            .clone()
            .filter(|_| notice.kind == MailKind::RecordingAvailable),
        evaluation: notice.evaluation,
        certificate: None,
    }
}

/// An outbox row for `facts`, due now.
pub fn outbox_row(
    kind: MailKind,
    facts: &MailFacts,
    recipient: &str,
    sender_domain: &str,
    now: DateTime<Utc>,
) -> outbox::Model {
    let id = Uuid::now_v7();
    outbox::Model {
        id,
        kind,
        registration_id: Some(facts.registration_id),
        event_id: Some(facts.event_id),
        recipient: recipient.to_string(),
        message_id: format!("<{id}@{sender_domain}>"),
        subject: String::new(),
        // Serialising plain data cannot fail.
        facts: serde_json::to_string(facts).ok(),
        status: outbox::MailStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
        sent_at: None,
        created_at: now,
    }
}
