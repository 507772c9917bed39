//! iCalendar rendering (RFC 5545) with the `icalendar` crate, for mail attachments (and the
//! feeds built on the same entries).
//!
//! Choices that matter for real clients:
//! - Times are written in UTC (`…Z`). Outlook, Google, Apple and Thunderbird all convert UTC
//!   correctly across daylight-saving changes, while a hand-written VTIMEZONE is a classic
//!   source of one-hour errors (and `icalendar` writes none).
//! - A session's UID never changes (`{session id}@samling`); SEQUENCE is the event's change
//!   counter, so an update replaces the entry instead of adding a second one.
//! - Mail uses iTIP (RFC 5546): `METHOD:REQUEST` with ORGANIZER and the participant as an
//!   ATTENDEE already accepted (`RSVP=FALSE`, nothing to answer), and `METHOD:CANCEL` with
//!   the same UIDs and a higher SEQUENCE to take entries out again. Gmail and Apple Mail
//!   act on the inline `text/calendar; method=…` part; Outlook on the same part or the
//!   attached `invite.ics`. Outlook acts on the first VEVENT of a REQUEST only, so a course
//!   with several sessions is best followed through the personal calendar feed.
use chrono::Utc;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus as IcalStatus, Property};
use lettre::message::Mailbox;

use crate::db::entities::{event, event_session};
use crate::domain::EventStatus;

/// The UID of a session's calendar entry; stable for the life of the session.
pub fn session_uid(session_id: uuid::Uuid) -> String {
    format!("{session_id}@samling")
}

/// One VEVENT per session of an event, with SEQUENCE `sequence`.
pub fn session_entries(
    event: &event::Model,
    sessions: &[event_session::Model],
    base_url: &str,
    include_join_link: bool,
    sequence: i32,
) -> Vec<Event> {
    let page = format!("{base_url}/events/{}", event.id);
    let now = Utc::now();
    let count = sessions.len();
    let cancelled = event.status == EventStatus::Cancelled.as_str();
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let summary = if count > 1 {
                format!("{} ({}/{})", event.title, i + 1, count)
            } else {
                event.title.clone()
            };
            let mut description = event.description.clone().unwrap_or_default();
            if include_join_link {
                if let Some(link) = &s.online_url {
                    description.push_str(&format!("\n\nDelta / Join: {link}"));
                }
            }
            description.push_str(&format!("\n\n{page}"));
            let mut entry = Event::new();
            entry
                .uid(&session_uid(s.id))
                .timestamp(now)
                .sequence(sequence.max(0) as u32)
                .summary(&summary)
                .description(description.trim())
                .starts(s.starts_at)
                .ends(s.ends_at)
                .url(&page)
                .status(if cancelled {
                    IcalStatus::Cancelled
                } else {
                    IcalStatus::Confirmed
                });
            match (
                &s.location,
                include_join_link.then_some(s.online_url.as_ref()).flatten(),
            ) {
                (Some(place), _) => {
                    entry.location(place);
                }
                (None, Some(link)) => {
                    entry.location(link);
                }
                (None, None) if s.online_url.is_some() => {
                    entry.location("Digitalt / Online");
                }
                _ => {}
            }
            entry.done()
        })
        .collect()
}

/// What a mailed calendar asks the participant's calendar to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add or update the entries.
    Request,
    /// Remove the entries.
    Cancel,
}

impl Method {
    /// The iTIP method name, also used in the MIME type.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// The people an invitation names.
pub struct Parties<'a> {
    pub organizer: &'a Mailbox,
    pub organizer_name: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

/// Parameter values may not hold double quotes or control characters.
fn param(value: &str) -> String {
    value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect()
}

/// An iTIP calendar for one participant's mail.
pub fn invitation(
    method: Method,
    event: &event::Model,
    sessions: &[event_session::Model],
    base_url: &str,
    include_join_link: bool,
    sequence: i32,
    parties: &Parties<'_>,
) -> String {
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", method.as_str()));
    for mut entry in session_entries(event, sessions, base_url, include_join_link, sequence) {
        if method == Method::Cancel {
            entry.status(IcalStatus::Cancelled);
        }
        let mut organizer =
            Property::new("ORGANIZER", format!("mailto:{}", parties.organizer.email));
        organizer.add_parameter("CN", &param(parties.organizer_name));
        entry.append_property(organizer);
        let mut attendee = Property::new("ATTENDEE", format!("mailto:{}", parties.attendee_email));
        attendee
            .add_parameter("CN", &param(parties.attendee_name))
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter(
                "PARTSTAT",
                if method == Method::Cancel {
                    "DECLINED"
                } else {
                    "ACCEPTED"
                },
            )
            .add_parameter("RSVP", "FALSE");
        entry.append_property(attendee);
        cal.push(entry);
    }
    cal.done().to_string()
}
