//! What pages show of events, written in the reader's language: dates the Norwegian way,
//! where, and whether there is room.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use uuid::Uuid;

use super::Pages;
use crate::db::entities::{event, event_session};
use crate::domain::{programmes, Availability, EventStatus, Language};
use crate::format::{date_en, date_nb, kind_label, month_year, session_time};
use crate::links::webcal;

/// An event in a list (`partials/event_card.hbs`).
#[derive(Debug, Serialize)]
pub struct EventCard {
    pub id: Uuid,
    pub url: String,
    /// Heading level in the list (2 under the page's h1, 3 under a section's h2).
    pub level: u8,
    pub title: String,
    pub kind: &'static str,
    pub network: Option<String>,
    pub starts_iso: String,
    pub when: String,
    pub place: String,
    pub availability: AvailabilityView,
}

/// "3 plasser igjen", "venteliste"… with a class for its look (never colour alone: the
/// words say it).
#[derive(Debug, Serialize)]
pub struct AvailabilityView {
    pub class: &'static str,
    pub text: String,
}

/// "Confirm by {time}" (the text under `key`) for a place held until confirmed, if it is.
pub fn confirm_by_text(
    pages: &Pages,
    lang: Language,
    key: &str,
    confirm_by: Option<DateTime<Utc>>,
    tz: Tz,
) -> Option<String> {
    confirm_by.map(|by| {
        pages
            .text(lang, key)
            .replace("{time}", &crate::format::moment(by, tz, lang))
    })
}

/// A refusal (the text under `key`) and, when the organisation has a contact address,
/// where to write about it: a refusal is where people most need someone to ask.
pub fn refusal_text(pages: &Pages, lang: Language, key: &str, contact: Option<&str>) -> String {
    let refusal = pages.text(lang, key);
    match contact {
        Some(email) => format!(
            "{refusal} {}",
            pages
                .text(lang, "refusal_contact")
                .replace("{email}", email)
        ),
        None => refusal,
    }
}

/// Whether `event` takes sign-ups at `now`, in words.
pub fn availability(
    pages: &Pages,
    lang: Language,
    event: &event::Model,
    now: DateTime<Utc>,
) -> AvailabilityView {
    let state = Availability::of(&event.window(), &event.seats(), now);
    availability_of(pages, lang, state, event.status)
}

/// A sign-up state in words.
pub fn availability_of(
    pages: &Pages,
    lang: Language,
    state: Availability,
    status: EventStatus,
) -> AvailabilityView {
    let t = |k: &str| pages.text(lang, k);
    let (class, text) = match state {
        _ if status == EventStatus::Cancelled => ("full", t("availability_cancelled")),
        Availability::Open => ("open", t("availability_open")),
        Availability::SeatsLeft(1) => ("open", t("availability_one_seat")),
        Availability::SeatsLeft(n) => (
            "open",
            t("availability_seats").replace("{n}", &n.to_string()),
        ),
        Availability::WaitingList(_) => ("waiting", t("availability_waitlist")),
        Availability::Full => ("full", t("availability_full")),
        Availability::NotYetOpen => ("closed", t("availability_not_yet_open")),
        Availability::NotDated => ("closed", t("availability_not_dated")),
        Availability::Closed => ("closed", t("availability_closed")),
    };
    AvailabilityView { class, text }
}

/// A `<time datetime>` for a session's start: the instant, or `YYYY-MM` while only its
/// month is known (`fallback` when there is no session).
pub fn starts_iso(session: Option<&event_session::Model>, fallback: DateTime<Utc>) -> String {
    match session {
        Some(s) => match &s.month {
            Some(month) => month.clone(),
            None => crate::format::html_datetime(s.starts_at),
        },
        None => crate::format::html_datetime(fallback),
    }
}

/// When: one session's span, or a course's first and last day.
pub fn when(sessions: &[event_session::Model], tz: Tz, lang: Language) -> String {
    match sessions {
        [] => String::new(),
        [one] => session_time(one.starts_at, one.ends_at, one.month.as_deref(), tz, lang),
        [first, .., last] => {
            let date = |s: &event_session::Model| match (
                s.month
                    .as_deref()
                    .and_then(|m| programmes::parse_month(m).ok()),
                lang,
            ) {
                (Some(month), _) => month_year(month, lang),
                (None, Language::Nb) => date_nb(&s.starts_at.with_timezone(&tz)),
                (None, Language::En) => date_en(&s.starts_at.with_timezone(&tz)),
            };
            let undated = sessions.iter().any(|s| s.month.is_some());
            match lang {
                Language::Nb => format!(
                    "{} økter fra {} til {}{}",
                    sessions.len(),
                    date(first),
                    date(last),
                    if undated {
                        " (ikke alle datoer er avklart)"
                    } else {
                        ""
                    }
                ),
                Language::En => format!(
                    "{} sessions from {} to {}{}",
                    sessions.len(),
                    date(first),
                    date(last),
                    if undated {
                        " (not every date settled)"
                    } else {
                        ""
                    }
                ),
            }
        }
    }
}

/// Where: the place of the sessions, "digitalt" for online ones, "flere steder" when they
/// differ.
pub fn place(pages: &Pages, lang: Language, sessions: &[event_session::Model]) -> String {
    let mut places: Vec<String> = sessions
        .iter()
        .map(|s| match &s.location {
            Some(l) => l.clone(),
            None if s.online_url.is_some() => pages.text(lang, "online"),
            None => pages.text(lang, "place_unknown"),
        })
        .collect();
    places.dedup();
    match places.as_slice() {
        [] => pages.text(lang, "place_unknown"),
        [one] => one.clone(),
        _ => pages.text(lang, "place_several"),
    }
}

/// How a list draws its events.
pub struct CardStyle<'a> {
    pub pages: &'a Pages,
    pub lang: Language,
    pub links: &'a crate::links::Links,
    /// Heading level of each event (2 under the page's h1, 3 under a section's h2).
    pub level: u8,
    /// The time the list is drawn at (whether each event still takes sign-ups).
    pub now: DateTime<Utc>,
}

impl CardStyle<'_> {
    /// An event as a list shows it, in its organisation's zone `tz`.
    pub fn card(
        &self,
        event: &event::Model,
        sessions: &[event_session::Model],
        network: Option<String>,
        tz: Tz,
    ) -> EventCard {
        EventCard {
            id: event.id,
            url: self.links.event_url(event.id),
            level: self.level,
            title: event.title.clone(),
            kind: kind_label(event.kind, self.lang),
            network,
            starts_iso: starts_iso(sessions.iter().min_by_key(|s| s.starts_at), event.starts_at),
            when: when(sessions, tz, self.lang),
            place: place(self.pages, self.lang, sessions),
            availability: availability(self.pages, self.lang, event, self.now),
        }
    }
}

/// How to subscribe to a feed from each calendar (`partials/subscribe.hbs`).
#[derive(Serialize)]
pub struct Subscribe {
    pub feed_url: String,
    pub webcal_url: String,
    pub outlook_live_url: String,
    pub outlook_office_url: String,
    pub google_url: &'static str,
}

impl Subscribe {
    /// The ways to subscribe to `feed_url`, named `name` in the calendar.
    pub fn new(feed_url: String, name: &str) -> Subscribe {
        let add_from_web = |host: &str| {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("url", &feed_url)
                .append_pair("name", name)
                .finish();
            format!("https://{host}/calendar/0/addfromweb?{query}")
        };
        Subscribe {
            webcal_url: webcal(&feed_url),
            outlook_live_url: add_from_web("outlook.live.com"),
            outlook_office_url: add_from_web("outlook.office.com"),
            google_url: "https://calendar.google.com/calendar/u/0/r/settings/addbyurl",
            feed_url,
        }
    }
}
