//! iCalendar rendering (RFC 5545) with the `icalendar` crate: subscribed feeds and the
//! calendar messages in mail.
//!
//! Choices that matter for real clients:
//! - Times are written in UTC (`…Z`). Outlook, Google, Apple and Thunderbird all convert UTC
//!   correctly across daylight-saving changes, while a hand-written VTIMEZONE is a classic
//!   source of one-hour errors (and `icalendar` writes none).
//! - A session's UID never changes (`{session id}@samling`); SEQUENCE grows with every
//!   change, so an update replaces the entry instead of adding a second one.
//! - Feeds carry no METHOD (RFC 5546 allows `METHOD:PUBLISH` only with an ORGANIZER, and an
//!   ORGANIZER makes Outlook show subscribed entries as meetings to answer).
//! - Mail uses iTIP (RFC 5546) with **one VEVENT per message**: `METHOD:REQUEST` with
//!   ORGANIZER and the participant as an ATTENDEE already accepted (`RSVP=FALSE`, nothing to
//!   answer), or `METHOD:CANCEL` with the same UID and a higher SEQUENCE. Why one: see
//!   `domain::notices`.
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus as IcalStatus, Property};
use uuid::Uuid;

use crate::db::entities::{event, event_session};
use crate::domain::normalize_email;
use crate::domain::notices::CalendarMethod;
use crate::domain::{EventStatus, Language};
use crate::format::kind_label;

/// PRODID of everything Samling writes.
pub const PRODID: &str = concat!("-//Samling//Samling ", env!("CARGO_PKG_VERSION"), "//NB");

/// The UID of a session's calendar entry; stable for the life of the session.
pub fn session_uid(session_id: Uuid) -> String {
    format!("{session_id}@samling")
}

/// The event an entry belongs to.
#[derive(Debug, Clone, Copy)]
pub struct EntryEvent<'a> {
    pub id: Uuid,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub cancelled: bool,
}

/// One session, as an entry shows it.
#[derive(Debug, Clone, Copy)]
pub struct EntrySession<'a> {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<&'a str>,
    /// Whether the session is online (the link itself only where the reader may join).
    pub online: bool,
    pub join_link: Option<&'a str>,
    /// 1-based place among the event's sessions, and how many there are.
    pub number: usize,
    pub of: usize,
}

/// How to write an entry.
pub struct EntryOptions<'a> {
    /// The event's public page (URL and the end of DESCRIPTION).
    pub page_url: &'a str,
    pub sequence: i32,
    /// DTSTAMP: the time of the last change for feeds (so an unchanged feed is unchanged
    /// byte for byte), the sending time for mail.
    pub dtstamp: DateTime<Utc>,
    /// CATEGORIES, e.g. the kind and the network.
    pub categories: &'a [String],
    /// A waiting-list place: shown as tentative, with a marker in the title.
    pub waitlisted: bool,
    /// The reader's language, for the words Samling adds to the title.
    pub language: Language,
}

/// Text as iCalendar can carry it: line breaks as `\n` (the crate escapes `\n`, `,`, `;`
/// and `\\`), no other control characters.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// One session's VEVENT.
pub fn entry(event: &EntryEvent<'_>, s: &EntrySession<'_>, options: &EntryOptions<'_>) -> Event {
    let mut summary = if s.of > 1 {
        format!("{} ({}/{})", event.title, s.number, s.of)
    } else {
        event.title.to_string()
    };
    let (waitlist_mark, cancelled_mark) = match options.language {
        Language::Nb => ("[Venteliste]", "[Avlyst]"),
        Language::En => ("[Waiting list]", "[Cancelled]"),
    };
    if options.waitlisted {
        summary = format!("{waitlist_mark} {summary}");
    }
    if event.cancelled {
        summary = format!("{cancelled_mark} {summary}");
    }
    let mut description = event.description.unwrap_or_default().to_string();
    if let Some(link) = s.join_link {
        description.push_str(&format!("\n\nDelta / Join: {link}"));
    }
    description.push_str(&format!("\n\n{}", options.page_url));
    let status = if event.cancelled {
        IcalStatus::Cancelled
    } else if options.waitlisted {
        IcalStatus::Tentative
    } else {
        IcalStatus::Confirmed
    };
    let mut e = Event::new();
    e.uid(&session_uid(s.id))
        .timestamp(options.dtstamp)
        .sequence(options.sequence.max(0) as u32)
        .summary(&clean(&summary))
        .description(clean(&description).trim())
        .starts(s.starts_at)
        .ends(s.ends_at)
        .url(options.page_url)
        .status(status);
    if !options.categories.is_empty() {
        e.categories(options.categories.iter().map(|c| category(c)));
    }
    match (s.location, s.join_link) {
        (Some(place), _) => {
            e.location(&clean(place));
        }
        (None, Some(link)) => {
            e.location(link);
        }
        (None, None) if s.online => {
            e.location("Digitalt / Online");
        }
        _ => {}
    }
    e.done()
}

/// What one reader may see of an event's entries.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// Holds a waiting-list place: the entries are tentative.
    pub waitlisted: bool,
    /// Holds a seat of an event that is on: the entries carry the join links.
    pub may_join: bool,
    /// The reader's language (a participant's own; public feeds are Norwegian).
    pub language: Language,
}

/// Every session of an event as entries, for a participant's "add to calendar" file and the
/// feeds alike: its kind (and network) as categories, `(2/3)` in the titles of an event of
/// several sessions, join links only for a reader who may join.
pub fn event_entries(
    e: &event::Model,
    sessions: &[event_session::Model],
    page_url: &str,
    network: Option<&str>,
    reader: Reader,
) -> Vec<Event> {
    let mut categories = vec![kind_label(e.kind, reader.language).to_string()];
    categories.extend(network.map(str::to_string));
    let options = EntryOptions {
        page_url,
        sequence: e.sequence,
        dtstamp: e.updated_at,
        categories: &categories,
        waitlisted: reader.waitlisted,
        language: reader.language,
    };
    let event = EntryEvent {
        id: e.id,
        title: &e.title,
        description: e.description.as_deref(),
        cancelled: e.status == EventStatus::Cancelled,
    };
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let session = EntrySession {
                id: s.id,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                location: s.location.as_deref(),
                online: s.online_url.is_some(),
                join_link: s.online_url.as_deref().filter(|_| reader.may_join),
                number: i + 1,
                of: sessions.len(),
            };
            entry(&event, &session, &options)
        })
        .collect()
}

fn calendar() -> Calendar {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", PRODID));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal
}

/// A subscribable feed: calendar name and description, and refresh hints
/// (`REFRESH-INTERVAL`, and `X-PUBLISHED-TTL` for Outlook) of one hour.
pub fn feed(name: &str, description: &str, entries: Vec<Event>) -> String {
    let mut cal = calendar();
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

/// A file of entries to import by hand ("add to calendar"): no METHOD, no people.
pub fn download(name: &str, entries: Vec<Event>) -> String {
    let mut cal = calendar();
    cal.append_property(("X-WR-CALNAME", clean(name).as_str()));
    for entry in entries {
        cal.push(entry);
    }
    refold(&cal.done().to_string())
}

/// The name and description of a participant's personal feed, in their language.
pub fn personal_feed_texts(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Nb => (
            "Mine påmeldinger",
            "Arrangementer du er påmeldt eller står på venteliste til",
        ),
        Language::En => (
            "My registrations",
            "Events you have signed up for or are on the waiting list of",
        ),
    }
}

/// The people an invitation names.
pub struct Parties<'a> {
    pub organizer_email: &'a str,
    pub organizer_name: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

/// A parameter value (a `CN`) with RFC 6868's escapes: `^'` for a double quote and `^^`
/// for a caret, which ical.js and libical decode; control characters are dropped.
fn param(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("^'"),
            '^' => out.push_str("^^"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A CATEGORIES value without commas or semicolons: RFC 5545 allows them escaped, but
/// node-ical (and the clients built on it) splits at an escaped comma and shows the
/// backslashes, so `Sykehjem, Vestfold; Telemark` becomes `Sykehjem · Vestfold · Telemark`.
fn category(value: &str) -> String {
    clean(value)
        .split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An iTIP message for one participant about one session's entry.
pub fn invitation(method: CalendarMethod, mut entry: Event, parties: &Parties<'_>) -> String {
    let mut cal = calendar();
    cal.append_property(("METHOD", method.as_str()));
    if method == CalendarMethod::Cancel {
        entry.status(IcalStatus::Cancelled);
    }
    let mut organizer = Property::new("ORGANIZER", format!("mailto:{}", parties.organizer_email));
    organizer.add_parameter("CN", &param(parties.organizer_name));
    entry.append_property(organizer);
    // The participant is their normalised address, whichever spelling they typed last.
    let mut attendee = Property::new(
        "ATTENDEE",
        format!("mailto:{}", normalize_email(parties.attendee_email)),
    );
    attendee
        .add_parameter("CN", &param(parties.attendee_name))
        .add_parameter("ROLE", "REQ-PARTICIPANT")
        .add_parameter(
            "PARTSTAT",
            match method {
                CalendarMethod::Cancel => "DECLINED",
                CalendarMethod::Request => "ACCEPTED",
            },
        )
        .add_parameter("RSVP", "FALSE");
    entry.append_property(attendee);
    cal.push(entry);
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
    use super::*;

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

    #[test]
    fn names_keep_their_quotes_and_categories_their_words() {
        assert_eq!(param("Kåre \"Ø\" Æsøy, jr.;^"), "Kåre ^'Ø^' Æsøy, jr.;^^");
        assert_eq!(
            category("Nettverk for sykehjem, Vestfold; Telemark"),
            "Nettverk for sykehjem · Vestfold · Telemark"
        );
        assert_eq!(category("kurs"), "kurs");
    }

    #[test]
    fn the_attendee_is_the_normalised_address_with_its_name_as_typed() {
        let ics = invitation(
            CalendarMethod::Request,
            Event::new().uid("x@samling").done(),
            &Parties {
                organizer_email: "post@example.no",
                organizer_name: "USHT",
                attendee_name: "Kåre \"Ø\" Æsøy, jr.;",
                attendee_email: " KARE@Example.no",
            },
        )
        .replace("\r\n ", "");
        let attendee = ics
            .lines()
            .find(|l| l.starts_with("ATTENDEE"))
            .expect("an ATTENDEE");
        assert!(attendee.ends_with(":mailto:kare@example.no"), "{attendee}");
        assert!(
            attendee.contains("CN=\"Kåre ^'Ø^' Æsøy, jr.;\""),
            "{attendee}"
        );
    }

    #[test]
    fn own_product_id_and_no_method_in_feeds() {
        let f = feed("Nettverk", "Beskrivelse", vec![]);
        assert!(f.contains(&format!("PRODID:{PRODID}\r\n")));
        assert!(!f.contains("ICALENDAR-RS"));
        assert!(!f.contains("METHOD"));
        assert_eq!(f.matches("PRODID").count(), 1);
    }
}
