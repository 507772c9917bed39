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
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus as IcalStatus, Property};
use lettre::message::Mailbox;

use crate::db::entities::{event, event_session};
use crate::domain::EventStatus;

/// The UID of a session's calendar entry; stable for the life of the session.
pub fn session_uid(session_id: uuid::Uuid) -> String {
    format!("{session_id}@samling")
}

/// How to write an event's entries.
pub struct EntryOptions<'a> {
    pub base_url: &'a str,
    /// Only people holding a seat see a webinar's join link.
    pub include_join_link: bool,
    pub sequence: i32,
    /// DTSTAMP: the time of the last change for feeds (so an unchanged feed is unchanged
    /// byte for byte), the sending time for mail.
    pub dtstamp: DateTime<Utc>,
    /// CATEGORIES, e.g. the kind and the network.
    pub categories: Vec<String>,
    /// A waiting-list place: shown as tentative, with a marker in the title.
    pub waitlisted: bool,
}

/// Text as iCalendar can carry it: line breaks as `\n` (the crate escapes `\n`, `,`, `;`
/// and `\\`), no other control characters.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// One VEVENT per session of an event.
pub fn session_entries(
    event: &event::Model,
    sessions: &[event_session::Model],
    options: &EntryOptions<'_>,
) -> Vec<Event> {
    let page = format!("{}/events/{}", options.base_url, event.id);
    let count = sessions.len();
    let cancelled = event.status == EventStatus::Cancelled.as_str();
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut summary = if count > 1 {
                format!("{} ({}/{})", event.title, i + 1, count)
            } else {
                event.title.clone()
            };
            if options.waitlisted {
                summary = format!("[Venteliste] {summary}");
            }
            if cancelled {
                summary = format!("[Avlyst] {summary}");
            }
            let mut description = event.description.clone().unwrap_or_default();
            if options.include_join_link {
                if let Some(link) = &s.online_url {
                    description.push_str(&format!("\n\nDelta / Join: {link}"));
                }
            }
            description.push_str(&format!("\n\n{page}"));
            let status = if cancelled {
                IcalStatus::Cancelled
            } else if options.waitlisted {
                IcalStatus::Tentative
            } else {
                IcalStatus::Confirmed
            };
            let mut entry = Event::new();
            entry
                .uid(&session_uid(s.id))
                .timestamp(options.dtstamp)
                .sequence(options.sequence.max(0) as u32)
                .summary(&clean(&summary))
                .description(clean(&description).trim())
                .starts(s.starts_at)
                .ends(s.ends_at)
                .url(&page)
                .status(status);
            if !options.categories.is_empty() {
                entry.categories(options.categories.iter().map(|c| clean(c)));
            }
            let join_link = s.online_url.as_ref().filter(|_| options.include_join_link);
            match (&s.location, join_link) {
                (Some(place), _) => {
                    entry.location(&clean(place));
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

/// A subscribable feed: `METHOD:PUBLISH`, calendar name and description, and refresh hints
/// (`REFRESH-INTERVAL`, and `X-PUBLISHED-TTL` for Outlook) of one hour.
pub fn feed(name: &str, description: &str, entries: Vec<Event>) -> String {
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", "PUBLISH"));
    cal.append_property(("X-WR-CALNAME", clean(name).as_str()));
    cal.append_property(("X-WR-CALDESC", clean(description).as_str()));
    cal.append_property(
        Property::new("REFRESH-INTERVAL", "PT1H")
            .append_parameter(("VALUE", "DURATION"))
            .done(),
    );
    cal.append_property(("X-PUBLISHED-TTL", "PT1H"));
    for entry in entries {
        cal.push(entry);
    }
    refold(&cal.done().to_string())
}

/// Folds content lines at 75 octets (RFC 5545 §3.1) without splitting a UTF-8 character
/// and without a fold next to a space: some parsers trim a line's trailing blanks, which
/// would eat the space (the `icalendar` crate's own folding can do that).
pub fn refold(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 25);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let mut rest = line;
        let mut limit = 75;
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            for _ in 0..8 {
                if !(rest[..cut].ends_with(' ') || rest[cut..].starts_with(' ')) {
                    break;
                }
                cut -= 1;
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            // A continuation line starts with the folding space.
            limit = 74;
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::refold;

    #[test]
    fn folds_at_75_octets_on_character_boundaries_away_from_spaces() {
        let long = format!("DESCRIPTION:{}slutt\r\n", "æøå og mer tekst ".repeat(20));
        let folded = refold(&long);
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
            assert!(!line.ends_with(' '));
        }
        assert_eq!(folded.replace("\r\n ", ""), long);
    }
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
    let options = EntryOptions {
        base_url,
        include_join_link,
        sequence,
        dtstamp: Utc::now(),
        categories: vec![],
        waitlisted: false,
    };
    for mut entry in session_entries(event, sessions, &options) {
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
    refold(&cal.done().to_string())
}
