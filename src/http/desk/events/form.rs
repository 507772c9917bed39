//! The event form as posted, and its translation into the core's event body.
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::entities::event_session;
use crate::db::events::EventContext;
use crate::domain::period::{self, local_to_utc};
use crate::domain::{EventKind, FieldErrors, Language, Problem};
use crate::http::desk::filled;
use crate::http::pages::forms::{error_links, ErrorLink};
use crate::http::AppState;
use crate::service::events::{self as event_service, CompletionBody, EventBody, SessionBody};

#[derive(Debug, Default, Deserialize)]
pub(super) struct EventForm {
    pub(super) title: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) description: Option<String>,
    pub(super) audience: Option<String>,
    pub(super) network: Option<String>,
    pub(super) series: Option<String>,
    /// Sessions to attend to complete the event (empty: every session not optional).
    pub(super) min_sessions: Option<String>,
    pub(super) capacity: Option<String>,
    pub(super) waitlist: Option<String>,
    pub(super) members_only: Option<String>,
    pub(super) opens_date: Option<String>,
    pub(super) opens_time: Option<String>,
    pub(super) closes_date: Option<String>,
    pub(super) closes_time: Option<String>,
    #[serde(default)]
    pub(super) session_id: Vec<String>,
    #[serde(default)]
    pub(super) session_date: Vec<String>,
    #[serde(default)]
    pub(super) session_start: Vec<String>,
    #[serde(default)]
    pub(super) session_end: Vec<String>,
    /// `YYYY-MM` of a session whose date is not settled (date and times left empty).
    #[serde(default)]
    pub(super) session_month: Vec<String>,
    #[serde(default)]
    pub(super) session_location: Vec<String>,
    #[serde(default)]
    pub(super) session_online_url: Vec<String>,
    /// The rows (by index) ticked "remove when you save".
    #[serde(default)]
    pub(super) session_remove: Vec<String>,
    /// The rows (by index) ticked "optional session".
    #[serde(default)]
    pub(super) session_optional: Vec<String>,
    /// `save`, `publish` or `add_session`.
    pub(super) action: Option<String>,
}

/// One row of the sessions part of the form.
#[derive(Debug, Clone, Default)]
pub(super) struct SessionRow {
    pub(super) id: String,
    pub(super) date: String,
    pub(super) start: String,
    pub(super) end: String,
    pub(super) month: String,
    pub(super) location: String,
    pub(super) online_url: String,
}

impl SessionRow {
    pub(super) fn is_blank(&self) -> bool {
        [
            &self.date,
            &self.start,
            &self.end,
            &self.month,
            &self.location,
            &self.online_url,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

/// Whether the checkboxes `values` (row indexes) include row `i`.
fn ticked(values: &[String], i: usize) -> bool {
    values.iter().any(|v| v.trim().parse() == Ok(i))
}

impl EventForm {
    /// Whether row `i` is ticked to be removed when the form is saved.
    pub(super) fn removing(&self, i: usize) -> bool {
        ticked(&self.session_remove, i)
    }

    /// Whether row `i` is ticked as an optional session.
    pub(super) fn optional(&self, i: usize) -> bool {
        ticked(&self.session_optional, i)
    }

    pub(super) fn rows(&self) -> Vec<SessionRow> {
        let n = self
            .session_date
            .len()
            .max(self.session_id.len())
            .min(event_service::MAX_SESSIONS);
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..n)
            .map(|i| SessionRow {
                id: at(&self.session_id, i),
                date: at(&self.session_date, i),
                start: at(&self.session_start, i),
                end: at(&self.session_end, i),
                month: at(&self.session_month, i),
                location: at(&self.session_location, i),
                online_url: at(&self.session_online_url, i),
            })
            .collect()
    }

    /// The form filled from an event (for editing).
    pub(super) fn of(
        ctx: &EventContext,
        network_slug: Option<String>,
        series_slug: Option<String>,
    ) -> EventForm {
        let tz = period::zone(&ctx.organisation.time_zone);
        let e = &ctx.event;
        let local = |t: DateTime<Utc>| t.with_timezone(&tz);
        let date = |t: Option<DateTime<Utc>>| t.map(|t| local(t).format("%Y-%m-%d").to_string());
        let time = |t: Option<DateTime<Utc>>| t.map(|t| local(t).format("%H:%M").to_string());
        // A session with only a month has no date or times to show (its times are placeholders).
        let dated = |show: &dyn Fn(&event_session::Model) -> String| -> Vec<String> {
            ctx.sessions
                .iter()
                .map(|s| {
                    if s.month.is_some() {
                        String::new()
                    } else {
                        show(s)
                    }
                })
                .collect()
        };
        EventForm {
            title: Some(e.title.clone()),
            kind: Some(e.kind.as_str().to_string()),
            description: e.description.clone(),
            audience: e.audience.clone(),
            network: network_slug,
            series: series_slug,
            min_sessions: e.completion_min_sessions.map(|n| n.to_string()),
            capacity: e.capacity.map(|c| c.to_string()),
            waitlist: e.waitlist_enabled.then(|| "true".into()),
            members_only: e.members_only.then(|| "true".into()),
            opens_date: date(e.registration_opens_at),
            opens_time: time(e.registration_opens_at),
            closes_date: date(e.registration_closes_at),
            closes_time: time(e.registration_closes_at),
            session_id: ctx.sessions.iter().map(|s| s.id.to_string()).collect(),
            session_date: dated(&|s| local(s.starts_at).format("%Y-%m-%d").to_string()),
            session_start: dated(&|s| local(s.starts_at).format("%H:%M").to_string()),
            session_end: dated(&|s| local(s.ends_at).format("%H:%M").to_string()),
            session_month: ctx
                .sessions
                .iter()
                .map(|s| s.month.clone().unwrap_or_default())
                .collect(),
            session_location: ctx
                .sessions
                .iter()
                .map(|s| s.location.clone().unwrap_or_default())
                .collect(),
            session_online_url: ctx
                .sessions
                .iter()
                .map(|s| s.online_url.clone().unwrap_or_default())
                .collect(),
            session_remove: vec![],
            session_optional: (0..ctx.sessions.len())
                .filter(|i| ctx.sessions[*i].optional)
                .map(|i| i.to_string())
                .collect(),
            action: None,
        }
    }
}

/// A date as a date field sends it (2026-03-12), or typed the Norwegian way (12.03.2026).
pub(super) fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .ok()
        .filter(|d| period::REPORT_YEARS.contains(&chrono::Datelike::year(d)))
}

/// A time as a time field sends it (09:00), or typed the Norwegian way (09.00).
pub(super) fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim().replace('.', ":");
    NaiveTime::parse_from_str(&t, "%H:%M").ok()
}

pub(super) fn instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    local_to_utc(date.and_time(time), tz).map(|t| t.fixed_offset())
}

/// The form as the core's event body; problems of form (dates, numbers) are added to
/// `errors` under the form's field ids. Returns the body and, for each session the body
/// lists, the form row it came from.
pub(super) fn to_body(
    form: &EventForm,
    tz: Tz,
    lang: Language,
    state: &AppState,
    errors: &mut Vec<ErrorLink>,
) -> (EventBody, Vec<usize>) {
    let t = |k: &str| state.pages.text(lang, k);
    let mut body = EventBody {
        title: Some(form.title.clone().unwrap_or_default()),
        description: Some(filled(&form.description).map(str::to_string)),
        audience: Some(filled(&form.audience).map(str::to_string)),
        network: Some(filled(&form.network).map(str::to_string)),
        series: Some(filled(&form.series).map(str::to_string)),
        waitlist: Some(form.waitlist.is_some()),
        members_only: Some(form.members_only.is_some()),
        ..Default::default()
    };
    match filled(&form.kind).and_then(EventKind::parse) {
        Some(k) => body.kind = Some(k),
        None => errors.push(ErrorLink {
            field: Some("kind".into()),
            message: t("desk_error_kind"),
        }),
    }
    body.capacity = Some(match filled(&form.capacity) {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(ErrorLink {
                    field: Some("capacity".into()),
                    message: t("desk_error_capacity"),
                });
                None
            }
        },
    });
    body.completion = Some(match filled(&form.min_sessions) {
        None => None,
        Some(n) => match n.parse::<i64>() {
            Ok(n) => Some(CompletionBody {
                min_sessions: Some(n),
            }),
            Err(_) => {
                errors.push(ErrorLink {
                    field: Some("min_sessions".into()),
                    message: t("desk_error_min_sessions"),
                });
                None
            }
        },
    });
    let mut moment =
        |date: &Option<String>, time: &Option<String>, field: &str, default: NaiveTime| {
            let d = filled(date)?;
            let time = match filled(time) {
                None => Some(default),
                Some(text) => parse_time(text),
            };
            match (parse_date(d), time) {
                (Some(d), Some(time)) => instant(d, time, tz),
                _ => {
                    errors.push(ErrorLink {
                        field: Some(field.into()),
                        message: t("desk_error_date"),
                    });
                    None
                }
            }
        };
    body.registration_opens_at = Some(moment(
        &form.opens_date,
        &form.opens_time,
        "opens_date",
        NaiveTime::MIN,
    ));
    body.registration_closes_at = Some(moment(
        &form.closes_date,
        &form.closes_time,
        "closes_date",
        NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN),
    ));
    let mut sessions = Vec::new();
    let mut rows = Vec::new();
    for (i, row) in form.rows().into_iter().enumerate() {
        if row.is_blank() || form.removing(i) {
            continue;
        }
        let undated = [&row.date, &row.start, &row.end]
            .iter()
            .all(|v| v.trim().is_empty());
        if undated && !row.month.trim().is_empty() {
            sessions.push(SessionBody {
                id: Uuid::parse_str(row.id.trim()).ok(),
                month: Some(row.month.trim().to_string()),
                location: Some(row.location.clone()),
                online_url: Some(row.online_url.clone()),
                optional: Some(form.optional(i)),
                ..Default::default()
            });
            rows.push(i);
            continue;
        }
        let date = parse_date(&row.date);
        if date.is_none() {
            errors.push(ErrorLink {
                field: Some(format!("session-{i}-date")),
                message: t("desk_error_session_date").replace("{n}", &(i + 1).to_string()),
            });
        }
        let start = parse_time(&row.start);
        if start.is_none() {
            errors.push(ErrorLink {
                field: Some(format!("session-{i}-start")),
                message: t("desk_error_session_start").replace("{n}", &(i + 1).to_string()),
            });
        }
        let end = parse_time(&row.end);
        if end.is_none() {
            errors.push(ErrorLink {
                field: Some(format!("session-{i}-end")),
                message: t("desk_error_session_end").replace("{n}", &(i + 1).to_string()),
            });
        }
        let at = |time: Option<NaiveTime>| date.zip(time).and_then(|(d, t)| instant(d, t, tz));
        sessions.push(SessionBody {
            id: Uuid::parse_str(row.id.trim()).ok(),
            starts_at: at(start),
            ends_at: at(end),
            location: Some(row.location.clone()),
            online_url: Some(row.online_url.clone()),
            optional: Some(form.optional(i)),
            // Both a month and a date: the core says to choose one.
            month: Some(row.month.trim().to_string()).filter(|m| !m.is_empty()),
        });
        rows.push(i);
    }
    if sessions.is_empty() {
        errors.push(ErrorLink {
            field: Some("session-0-date".into()),
            message: t("desk_error_no_session"),
        });
    }
    body.sessions = Some(sessions);
    (body, rows)
}

/// The core's problems (by API field) as links to the form's fields.
pub(super) fn core_errors(
    fields: &FieldErrors,
    rows: &[usize],
    lang: Language,
    state: &AppState,
) -> Vec<ErrorLink> {
    let t = |k: &str| state.pages.text(lang, k);
    let mut links = error_links(&state.pages, fields, lang, &[], |_, _| None);
    for (link, (key, problem)) in links.iter_mut().zip(fields.iter()) {
        let (field, label) = match key {
            "title" => ("title".to_string(), t("desk_field_title")),
            "kind" => ("kind".to_string(), t("desk_field_kind")),
            "description" => ("description".to_string(), t("desk_field_description")),
            "audience" => ("audience".to_string(), t("desk_field_audience")),
            "network" => ("network".to_string(), t("desk_field_network")),
            "series" => ("series".to_string(), t("desk_field_series")),
            "completion.min_sessions" => ("min_sessions".to_string(), t("desk_field_min_sessions")),
            "capacity" => ("capacity".to_string(), t("desk_field_capacity")),
            "members_only" => ("members_only".to_string(), t("desk_field_members_only")),
            "registration_opens_at" => ("opens_date".to_string(), t("desk_field_opens")),
            "registration_closes_at" => ("closes_date".to_string(), t("desk_field_closes")),
            "sessions" => ("session-0-date".to_string(), t("desk_sessions")),
            "status" => (String::new(), t("desk_field_status")),
            other => {
                // sessions[i].starts_at → the row the i-th listed session came from.
                let parsed = other
                    .strip_prefix("sessions[")
                    .and_then(|r| r.split_once("]."));
                match parsed {
                    Some((i, part)) => {
                        let row = i
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| rows.get(i))
                            .copied()
                            .unwrap_or(0);
                        let (suffix, label) = match part {
                            "starts_at" => ("start", "desk_session_start"),
                            "ends_at" => ("end", "desk_session_end"),
                            "location" => ("location", "desk_session_location"),
                            "online_url" => ("online_url", "desk_session_online_url"),
                            "month" => ("month", "desk_session_month"),
                            _ => ("date", "desk_session_date"),
                        };
                        (
                            format!("session-{row}-{suffix}"),
                            format!("{} {}: {}", t("desk_session"), row + 1, t(label)),
                        )
                    }
                    None => (other.to_string(), other.to_string()),
                }
            }
        };
        // GOV.UK's wording where a field is simply missing: say what to enter.
        let row_of = |f: &str| session_row(Some(f)).and_then(|r| r.parse::<usize>().ok());
        let specific = match (key, problem) {
            ("title", Problem::Required) => Some(t("desk_error_title")),
            ("kind", Problem::Required) => Some(t("desk_error_kind")),
            ("sessions", Problem::NoSessions) => Some(t("desk_error_no_session")),
            (k, Problem::Required) if k.ends_with(".starts_at") || k.ends_with(".ends_at") => {
                let which = if k.ends_with(".starts_at") {
                    "desk_error_session_start"
                } else {
                    "desk_error_session_end"
                };
                row_of(&field).map(|row| t(which).replace("{n}", &(row + 1).to_string()))
            }
            _ => None,
        };
        link.field = (!field.is_empty()).then_some(field);
        link.message = specific.unwrap_or_else(|| {
            // Only the first letter goes down: "ÅÅÅÅ-MM" and names keep their capitals.
            let text = crate::http::pages::forms::problem_text(&state.pages, problem, lang);
            let mut chars = text.chars();
            let first: String = chars
                .next()
                .into_iter()
                .flat_map(char::to_lowercase)
                .collect();
            format!("{label}: {first}{}", chars.as_str())
        });
    }
    links
}

/// The fields in the order the page shows them; session rows come last, row by row.
const PAGE_ORDER: [&str; 12] = [
    "title",
    "kind",
    "description",
    "audience",
    "network",
    "capacity",
    "waitlist",
    "members_only",
    "opens_date",
    "opens_time",
    "closes_date",
    "closes_time",
];
const SESSION_ORDER: [&str; 5] = ["date", "start", "end", "location", "online_url"];

/// Where a field's problem stands in the error summary: the order of the page.
fn page_position(field: Option<&str>) -> (usize, usize, usize) {
    let Some(field) = field else {
        return (0, 0, 0);
    };
    if let Some(i) = PAGE_ORDER.iter().position(|f| *f == field) {
        return (1, i, 0);
    }
    let session = field
        .strip_prefix("session-")
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(row, part)| Some((row.parse().ok()?, part)));
    match session {
        Some((row, part)) => (
            2,
            row,
            SESSION_ORDER.iter().position(|p| *p == part).unwrap_or(9),
        ),
        None => (3, 0, 0),
    }
}

/// The session row a field id belongs to (`session-2-start` → 2).
fn session_row(field: Option<&str>) -> Option<&str> {
    field?
        .strip_prefix("session-")?
        .split_once('-')
        .map(|(row, _)| row)
}

/// The form's own problems and the core's as one list in the page's order, so every problem
/// is reported in one round. A core problem is left out where the form already reports one
/// for the same field or session row (a date the form could not read is "required" to the
/// core).
pub(super) fn all_problems(form: Vec<ErrorLink>, core: Vec<ErrorLink>) -> Vec<ErrorLink> {
    let covered = |link: &ErrorLink| {
        form.iter().any(|f| {
            f.field == link.field
                || session_row(f.field.as_deref())
                    .is_some_and(|row| session_row(link.field.as_deref()) == Some(row))
        })
    };
    let extra: Vec<ErrorLink> = core.into_iter().filter(|l| !covered(l)).collect();
    let mut all = form;
    all.extend(extra);
    all.sort_by_key(|l| page_position(l.field.as_deref()));
    all
}

/// What the form's pressed button asks for (its `action` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FormAction {
    /// `save` (or no button: Enter in a field, which the form's first button — the primary
    /// one — answers anyway).
    Save,
    /// `publish`.
    Publish,
    /// `add_session`: one more session row.
    AddSession,
}

impl FormAction {
    /// The action a button's value names; anything unknown saves.
    pub(super) fn of(value: Option<&str>) -> FormAction {
        match value {
            Some("publish") => FormAction::Publish,
            Some("add_session") => FormAction::AddSession,
            _ => FormAction::Save,
        }
    }
}

/// Handles the form's extra button (one more session row): the form, and whether to draw
/// it again (true) rather than save it. Rows ticked for removal stay, ticked, until a save.
pub(super) fn rows_action(mut form: EventForm) -> (EventForm, bool) {
    match FormAction::of(form.action.as_deref()) {
        FormAction::AddSession => {
            let n = form.rows().len();
            if n < event_service::MAX_SESSIONS {
                for v in [
                    &mut form.session_id,
                    &mut form.session_date,
                    &mut form.session_start,
                    &mut form.session_end,
                    &mut form.session_location,
                    &mut form.session_online_url,
                ] {
                    v.resize(n + 1, String::new());
                }
            }
            (form, true)
        }
        _ => (form, false),
    }
}
