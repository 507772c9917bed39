//! iCalendar rendering (RFC 5545) with the `icalendar` crate.
//!
//! Choices that matter for real clients:
//! - Times are written in UTC (`…Z`). Every client converts UTC correctly across daylight
//!   saving changes, while a hand-written VTIMEZONE is a common source of one-hour errors
//!   (`icalendar` writes none).
//! - The UID of a session never changes (`{session id}@samling`), and SEQUENCE is the
//!   event's change counter, so an updated file replaces the entry instead of adding one.
//! - Attachments use `METHOD:PUBLISH`: Samling is not the participant's meeting organiser,
//!   and `REQUEST` makes Outlook show accept/decline buttons that reply to nobody.
use chrono::Utc;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus as IcalStatus};

use crate::db::entities::{event, event_session};
use crate::domain::EventStatus;

/// The UID of a session's calendar entry; stable for the life of the session.
pub fn session_uid(session_id: uuid::Uuid) -> String {
    format!("{session_id}@samling")
}

/// One VEVENT per session of an event.
pub fn session_entries(
    event: &event::Model,
    sessions: &[event_session::Model],
    base_url: &str,
    include_join_link: bool,
) -> Vec<Event> {
    let page = format!("{base_url}/events/{}", event.id);
    let now = Utc::now();
    let count = sessions.len();
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
                .sequence(event.sequence.max(0) as u32)
                .summary(&summary)
                .description(description.trim())
                .starts(s.starts_at)
                .ends(s.ends_at)
                .url(&page)
                .status(if event.status == EventStatus::Cancelled.as_str() {
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

/// A calendar file to attach to a participant's mail.
pub fn attachment(
    event: &event::Model,
    sessions: &[event_session::Model],
    base_url: &str,
    include_join_link: bool,
) -> String {
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", "PUBLISH"));
    for entry in session_entries(event, sessions, base_url, include_join_link) {
        cal.push(entry);
    }
    cal.done().to_string()
}
