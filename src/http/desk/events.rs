//! Events at the desk: the list, the form (several sessions, no JavaScript), publishing and
//! cancelling, and an event's own desk: registrations and waiting list, capacity, cancelling
//! on someone's behalf, attendance per session, mail status and downloads.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::{Desk, DeskForm};
use super::{desk_page, done, filled, with_done, Done};
use crate::db::entities::{event, event_session, registration};
use crate::db::events::EventContext;
use crate::db::{self};
use crate::domain::period::{self, local_to_utc};
use crate::domain::{
    seats_to_fill, EventKind, EventStatus, FieldErrors, Language, RegistrationStatus,
};
use crate::export;
use crate::format::{kind_label, time_span};
use crate::http::api::exports::{attendee_list_file, Format};
use crate::http::extract::parse_id;
use crate::http::pages::forms::{error_links, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{see_other, ShowErrorPage};
use crate::http::AppState;
use crate::service::attendance::{self, AttendanceError};
use crate::service::events::{self as event_service, EventBody, EventError, SessionBody};
use crate::service::registration::{self as signups, waitlist_positions};

/// Event routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/events/new", get(new_form).post(create))
        .route("/admin/events/{id}", get(event_desk))
        .route("/admin/events/{id}/edit", get(edit_form).post(update))
        .route("/admin/events/{id}/publish", axum::routing::post(publish))
        .route(
            "/admin/events/{id}/cancel",
            get(confirm_cancel).post(cancel),
        )
        .route(
            "/admin/events/{id}/capacity",
            get(confirm_capacity).post(set_capacity),
        )
        .route(
            "/admin/events/{id}/registrations/{registration}/cancel",
            get(confirm_cancel_registration).post(cancel_registration),
        )
        .route(
            "/admin/events/{id}/attendance",
            get(attendance_sheet).post(record_attendance),
        )
        .route("/admin/events/{id}/registrations.csv", get(download_csv))
        .route("/admin/events/{id}/registrations.xlsx", get(download_xlsx))
}

/// The organiser's own event `id` with its context; anything else is a 404.
async fn own_event(state: &AppState, desk: &Desk, id: &str) -> Result<EventContext, ShowErrorPage> {
    let id = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    db::events::context(&state.db.conn, id)
        .await?
        .filter(|c| c.event.organisation_id == desk.organiser.organisation_id)
        .ok_or_else(ShowErrorPage::not_found)
}

fn status_label(state: &AppState, lang: Language, e: &event::Model) -> String {
    let key = match e.status {
        EventStatus::Draft => "desk_status_draft",
        EventStatus::Published if e.ends_at < state.clock.now() => "desk_status_past",
        EventStatus::Published => "desk_status_published",
        EventStatus::Cancelled => "desk_status_cancelled",
    };
    state.pages.text(lang, key)
}

#[derive(Serialize)]
struct EventRow {
    url: String,
    title: String,
    when: String,
    starts_iso: String,
    status: String,
    confirmed: i32,
    capacity: String,
    waitlisted: i32,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<EventRow>,
    previous_page: Option<String>,
    next_page: Option<String>,
}

/// The organisation's events (every status), latest first, with their figures.
pub async fn list(
    state: AppState,
    lang: Lang,
    desk: Desk,
    done: Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let organisation = db::organisations::find(&state.db.conn, desk.organiser.organisation_id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let tz = period::zone(&organisation.time_zone);
    let events = db::events::of_organisation(&state.db.conn, organisation.id, 0, 500).await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let sessions = db::events::sessions_of_many(&state.db.conn, &ids).await?;
    let rows = events
        .iter()
        .map(|e| EventRow {
            url: format!("/admin/events/{}", e.id),
            title: e.title.clone(),
            when: crate::http::pages::views::when(
                sessions.get(&e.id).map(Vec::as_slice).unwrap_or_default(),
                tz,
                l,
            ),
            starts_iso: e.starts_at.to_rfc3339(),
            status: status_label(&state, l, e),
            confirmed: e.confirmed_count,
            capacity: e
                .capacity
                .map_or_else(|| state.pages.text(l, "desk_unlimited"), |c| c.to_string()),
            waitlisted: e.waitlist_count,
        })
        .collect();
    let title = state.pages.text(l, "desk_events_title");
    let page = desk_page(&desk, "admin/events", title)
        .with(ListView {
            rows,
            previous_page: None,
            next_page: None,
        })
        .nav("events");
    Ok(with_done(page, &done, &state, &lang).render(&state.pages, &lang))
}

/// The event form as posted: sessions are rows of repeated fields.
#[derive(Debug, Default, Deserialize)]
struct EventForm {
    title: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    audience: Option<String>,
    network: Option<String>,
    capacity: Option<String>,
    waitlist: Option<String>,
    members_only: Option<String>,
    opens_date: Option<String>,
    opens_time: Option<String>,
    closes_date: Option<String>,
    closes_time: Option<String>,
    #[serde(default)]
    session_id: Vec<String>,
    #[serde(default)]
    session_date: Vec<String>,
    #[serde(default)]
    session_start: Vec<String>,
    #[serde(default)]
    session_end: Vec<String>,
    #[serde(default)]
    session_location: Vec<String>,
    #[serde(default)]
    session_online_url: Vec<String>,
    /// `save`, `publish`, `add_session` or `remove:{row}`.
    action: Option<String>,
}

/// One row of the sessions part of the form.
#[derive(Debug, Clone, Default)]
struct SessionRow {
    id: String,
    date: String,
    start: String,
    end: String,
    location: String,
    online_url: String,
}

impl SessionRow {
    fn is_blank(&self) -> bool {
        [
            &self.date,
            &self.start,
            &self.end,
            &self.location,
            &self.online_url,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

impl EventForm {
    fn rows(&self) -> Vec<SessionRow> {
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
                location: at(&self.session_location, i),
                online_url: at(&self.session_online_url, i),
            })
            .collect()
    }

    /// The form filled from an event (for editing).
    fn of(ctx: &EventContext, network_slug: Option<String>) -> EventForm {
        let tz = period::zone(&ctx.organisation.time_zone);
        let e = &ctx.event;
        let local = |t: DateTime<Utc>| t.with_timezone(&tz);
        let date = |t: Option<DateTime<Utc>>| t.map(|t| local(t).format("%Y-%m-%d").to_string());
        let time = |t: Option<DateTime<Utc>>| t.map(|t| local(t).format("%H:%M").to_string());
        EventForm {
            title: Some(e.title.clone()),
            kind: Some(e.kind.as_str().to_string()),
            description: e.description.clone(),
            audience: e.audience.clone(),
            network: network_slug,
            capacity: e.capacity.map(|c| c.to_string()),
            waitlist: e.waitlist_enabled.then(|| "true".into()),
            members_only: e.members_only.then(|| "true".into()),
            opens_date: date(e.registration_opens_at),
            opens_time: time(e.registration_opens_at),
            closes_date: date(e.registration_closes_at),
            closes_time: time(e.registration_closes_at),
            session_id: ctx.sessions.iter().map(|s| s.id.to_string()).collect(),
            session_date: ctx
                .sessions
                .iter()
                .map(|s| local(s.starts_at).format("%Y-%m-%d").to_string())
                .collect(),
            session_start: ctx
                .sessions
                .iter()
                .map(|s| local(s.starts_at).format("%H:%M").to_string())
                .collect(),
            session_end: ctx
                .sessions
                .iter()
                .map(|s| local(s.ends_at).format("%H:%M").to_string())
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
            action: None,
        }
    }
}

/// A date as a date field sends it (2026-03-12), or typed the Norwegian way (12.03.2026).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .ok()
        .filter(|d| period::REPORT_YEARS.contains(&chrono::Datelike::year(d)))
}

/// A time as a time field sends it (09:00), or typed the Norwegian way (09.00).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim().replace('.', ":");
    NaiveTime::parse_from_str(&t, "%H:%M").ok()
}

fn instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    local_to_utc(date.and_time(time), tz).map(|t| t.fixed_offset())
}

/// The form as the core's event body; problems of form (dates, numbers) are added to
/// `errors` under the form's field ids. Returns the body and, for each session the body
/// lists, the form row it came from.
fn to_body(
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
        if row.is_blank() {
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
fn core_errors(
    fields: &FieldErrors,
    rows: &[usize],
    lang: Language,
    state: &AppState,
) -> Vec<ErrorLink> {
    let t = |k: &str| state.pages.text(lang, k);
    let mut links = error_links(fields, lang, &[], |_, _| None);
    for (link, (key, problem)) in links.iter_mut().zip(fields.iter()) {
        let (field, label) = match key.as_str() {
            "title" => ("title".to_string(), t("desk_field_title")),
            "kind" => ("kind".to_string(), t("desk_field_kind")),
            "description" => ("description".to_string(), t("desk_field_description")),
            "audience" => ("audience".to_string(), t("desk_field_audience")),
            "network" => ("network".to_string(), t("desk_field_network")),
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
        link.field = (!field.is_empty()).then_some(field);
        link.message = format!(
            "{label}: {}",
            crate::http::pages::forms::problem_text(problem, lang).to_lowercase()
        );
    }
    links
}

#[derive(Serialize)]
struct SessionRowView {
    number: usize,
    index: usize,
    id: String,
    fields: Vec<Field>,
    removable: bool,
}

#[derive(Serialize)]
struct FormView {
    action: String,
    creating: bool,
    fields: Vec<Field>,
    registration: Vec<Field>,
    sessions: Vec<SessionRowView>,
    cancel_url: String,
}

/// Draws the event form with the input kept and its problems beside the fields.
async fn render_form(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    form: &EventForm,
    errors: Vec<ErrorLink>,
    editing: Option<&EventContext>,
    status: StatusCode,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let networks = db::networks::list(&state.db.conn, Some(desk.organiser.organisation_id)).await?;
    let mut network_choices = vec![(String::new(), t("desk_no_network"))];
    network_choices.extend(networks.iter().map(|n| (n.slug.clone(), n.name.clone())));
    let kind_choices = EventKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), kind_label(*k, l).to_string()))
        .collect();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut waitlist = Field::text("waitlist", t("desk_field_waitlist_label"), None)
        .hint(t("desk_field_waitlist_hint"));
    waitlist.legend = Some(t("desk_field_waitlist"));
    waitlist.checked = form.waitlist.is_some();
    let mut members_only = Field::text("members_only", t("desk_field_members_only_label"), None)
        .hint(t("desk_field_members_only_hint"));
    members_only.legend = Some(t("desk_field_members_only"));
    members_only.checked = form.members_only.is_some();
    let mut description = Field::text(
        "description",
        t("desk_field_description"),
        form.description.as_deref(),
    )
    .hint(t("desk_field_description_hint"))
    .optional();
    description.rows = Some(8);
    let mut capacity = Field::text(
        "capacity",
        t("desk_field_capacity"),
        form.capacity.as_deref(),
    )
    .hint(t("desk_field_capacity_hint"))
    .optional();
    capacity.inputmode = Some("numeric");
    capacity.short = true;
    let fields = vec![
        Field::text("title", t("desk_field_title"), form.title.as_deref()).done(&errors),
        Field::text("kind", t("desk_field_kind"), None)
            .choices(kind_choices, &value(&form.kind))
            .done(&errors),
        description.done(&errors),
        Field::text(
            "audience",
            t("desk_field_audience"),
            form.audience.as_deref(),
        )
        .hint(t("desk_field_audience_hint"))
        .optional()
        .done(&errors),
        Field::text("network", t("desk_field_network"), None)
            .choices(network_choices, &value(&form.network))
            .optional()
            .done(&errors),
        capacity.done(&errors),
        waitlist.done(&errors),
        members_only.done(&errors),
    ];
    let short = |f: Field| {
        let mut f = f;
        f.short = true;
        f
    };
    let registration = vec![
        short(
            Field::text(
                "opens_date",
                t("desk_field_opens"),
                form.opens_date.as_deref(),
            )
            .of_type("date")
            .optional(),
        )
        .done(&errors),
        short(
            Field::text(
                "opens_time",
                t("desk_field_opens_time"),
                form.opens_time.as_deref(),
            )
            .of_type("time")
            .optional(),
        )
        .done(&errors),
        short(
            Field::text(
                "closes_date",
                t("desk_field_closes"),
                form.closes_date.as_deref(),
            )
            .of_type("date")
            .optional()
            .hint(t("desk_field_closes_hint")),
        )
        .done(&errors),
        short(
            Field::text(
                "closes_time",
                t("desk_field_closes_time"),
                form.closes_time.as_deref(),
            )
            .of_type("time")
            .optional(),
        )
        .done(&errors),
    ];
    let mut rows = form.rows();
    if rows.is_empty() {
        rows.push(SessionRow::default());
    }
    let count = rows.len();
    let sessions = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let named = |name: &str, label: &str, value: &str, input_type: &'static str| {
                let mut f = Field::text(&format!("session_{name}"), t(label), Some(value))
                    .of_type(input_type);
                f.id = format!("session-{i}-{name}");
                f
            };
            SessionRowView {
                number: i + 1,
                index: i,
                id: row.id.clone(),
                removable: count > 1,
                fields: vec![
                    short(named("date", "desk_session_date", &row.date, "date")).done(&errors),
                    short(named("start", "desk_session_start", &row.start, "time")).done(&errors),
                    short(named("end", "desk_session_end", &row.end, "time")).done(&errors),
                    named("location", "desk_session_location", &row.location, "text")
                        .hint(t("desk_session_location_hint"))
                        .optional()
                        .done(&errors),
                    named(
                        "online_url",
                        "desk_session_online_url",
                        &row.online_url,
                        "url",
                    )
                    .hint(t("desk_session_online_url_hint"))
                    .optional()
                    .done(&errors),
                ],
            }
        })
        .collect();
    let (action, title, cancel_url) = match editing {
        Some(ctx) => (
            format!("/admin/events/{}/edit", ctx.event.id),
            t("desk_edit_title").replace("{title}", &ctx.event.title),
            format!("/admin/events/{}", ctx.event.id),
        ),
        None => (
            "/admin/events/new".to_string(),
            t("desk_new_title"),
            "/admin".to_string(),
        ),
    };
    let view = FormView {
        action,
        creating: editing.is_none(),
        fields,
        registration,
        sessions,
        cancel_url,
    };
    Ok(desk_page(desk, "admin/event_form", title)
        .with(view)
        .errors(errors)
        .status(status)
        .nav("events")
        .render(&state.pages, lang))
}

async fn organisation_zone(state: &AppState, desk: &Desk) -> Result<Tz, ShowErrorPage> {
    Ok(
        db::organisations::find(&state.db.conn, desk.organiser.organisation_id)
            .await?
            .map_or(period::DEFAULT_ZONE, |o| period::zone(&o.time_zone)),
    )
}

async fn new_form(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
) -> Result<Response, ShowErrorPage> {
    let form = EventForm {
        waitlist: Some("true".into()),
        ..Default::default()
    };
    render_form(&state, &lang, &desk, &form, vec![], None, StatusCode::OK).await
}

/// Handles the form's extra buttons (add or remove a session row): the form, and whether
/// to draw it again (true) rather than save it.
fn rows_action(mut form: EventForm) -> (EventForm, bool) {
    match form.action.as_deref() {
        Some("add_session") if form.rows().len() < event_service::MAX_SESSIONS => {
            let n = form.rows().len();
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
            (form, true)
        }
        Some(a) if a.starts_with("remove:") => {
            if let Ok(i) = a.trim_start_matches("remove:").parse::<usize>() {
                for v in [
                    &mut form.session_id,
                    &mut form.session_date,
                    &mut form.session_start,
                    &mut form.session_end,
                    &mut form.session_location,
                    &mut form.session_online_url,
                ] {
                    if i < v.len() {
                        v.remove(i);
                    }
                }
            }
            (form, true)
        }
        _ => (form, false),
    }
}

async fn create(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<EventForm>,
) -> Result<Response, ShowErrorPage> {
    let (form, redraw) = rows_action(form);
    if redraw {
        return render_form(&state, &lang, &desk, &form, vec![], None, StatusCode::OK).await;
    }
    let tz = organisation_zone(&state, &desk).await?;
    let mut errors = vec![];
    let (mut body, rows) = to_body(&form, tz, lang.language, &state, &mut errors);
    if !errors.is_empty() {
        return render_form(
            &state,
            &lang,
            &desk,
            &form,
            errors,
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    body.status = Some(if form.action.as_deref() == Some("publish") {
        EventStatus::Published
    } else {
        EventStatus::Draft
    });
    match event_service::create(
        &state.db,
        desk.organiser.organisation_id,
        body,
        state.clock.now(),
    )
    .await
    {
        Ok(ctx) => Ok(done(&format!("/admin/events/{}", ctx.event.id), "created")),
        Err(EventError::Invalid(fields)) => {
            let errors = core_errors(&fields, &rows, lang.language, &state);
            render_form(
                &state,
                &lang,
                &desk,
                &form,
                errors,
                None,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    if ctx.event.status == EventStatus::Cancelled {
        return Ok(see_other(&format!("/admin/events/{}", ctx.event.id)));
    }
    let slug = network_slug(&state, &ctx).await?;
    let form = EventForm::of(&ctx, slug);
    render_form(
        &state,
        &lang,
        &desk,
        &form,
        vec![],
        Some(&ctx),
        StatusCode::OK,
    )
    .await
}

async fn network_slug(
    state: &AppState,
    ctx: &EventContext,
) -> Result<Option<String>, ShowErrorPage> {
    Ok(match ctx.event.network_id {
        Some(id) => db::networks::find_many(&state.db.conn, vec![id])
            .await?
            .into_iter()
            .next()
            .map(|n| n.slug),
        None => None,
    })
}

async fn update(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<EventForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let (form, redraw) = rows_action(form);
    if redraw {
        return render_form(
            &state,
            &lang,
            &desk,
            &form,
            vec![],
            Some(&ctx),
            StatusCode::OK,
        )
        .await;
    }
    let tz = period::zone(&ctx.organisation.time_zone);
    let mut errors = vec![];
    let (body, rows) = to_body(&form, tz, lang.language, &state, &mut errors);
    if !errors.is_empty() {
        return render_form(
            &state,
            &lang,
            &desk,
            &form,
            errors,
            Some(&ctx),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    match event_service::update(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        body,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(done(&format!("/admin/events/{}", ctx.event.id), "saved")),
        Err(EventError::Invalid(fields)) => {
            let errors = core_errors(&fields, &rows, lang.language, &state);
            render_form(
                &state,
                &lang,
                &desk,
                &form,
                errors,
                Some(&ctx),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(EventError::NotFound) => Err(ShowErrorPage::not_found()),
        Err(EventError::Cancelled) => Ok(see_other(&format!("/admin/events/{}", ctx.event.id))),
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let body = EventBody {
        status: Some(EventStatus::Published),
        ..Default::default()
    };
    event_service::update(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        body,
        state.clock.now(),
    )
    .await
    .map_err(ShowErrorPage::internal)?;
    Ok(done(
        &format!("/admin/events/{}", ctx.event.id),
        "published",
    ))
}

#[derive(Serialize)]
struct CancelView {
    title: String,
    when: String,
    to_tell: i32,
    back_url: String,
    action: String,
    reason: Field,
}

async fn confirm_cancel(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    if ctx.event.status == EventStatus::Cancelled {
        return Ok(see_other(&format!("/admin/events/{}", ctx.event.id)));
    }
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let mut reason = Field::text("reason", t("desk_cancel_reason"), None)
        .hint(t("desk_cancel_reason_hint"))
        .optional();
    reason.rows = Some(4);
    let view = CancelView {
        title: ctx.event.title.clone(),
        when: crate::http::pages::views::when(&ctx.sessions, tz, l),
        to_tell: ctx.event.confirmed_count + ctx.event.waitlist_count,
        back_url: format!("/admin/events/{}", ctx.event.id),
        action: format!("/admin/events/{}/cancel", ctx.event.id),
        reason: reason.done(&[]),
    };
    Ok(
        desk_page(&desk, "admin/event_cancel", t("desk_cancel_title"))
            .with(view)
            .nav("events")
            .render(&state.pages, &lang),
    )
}

#[derive(Deserialize)]
struct CancelForm {
    reason: Option<String>,
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<CancelForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let mut errors = FieldErrors::new();
    let reason =
        crate::domain::optional_long_text(&mut errors, "reason", form.reason.as_deref(), 2000);
    if !errors.is_empty() {
        return Err(ShowErrorPage::bad_request());
    }
    event_service::cancel(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        reason,
        state.clock.now(),
    )
    .await
    .map_err(ShowErrorPage::internal)?;
    Ok(done(
        &format!("/admin/events/{}", ctx.event.id),
        "cancelled_event",
    ))
}

#[derive(Serialize)]
struct PersonRow {
    name: String,
    email: String,
    municipality: String,
    workplace: String,
    role: String,
    registered: String,
    registered_iso: String,
    position: Option<u64>,
    attended: String,
    cancel_url: Option<String>,
}

#[derive(Serialize)]
struct SessionSummary {
    number: usize,
    when: String,
    sheet_url: String,
    registered: u64,
    attended: u64,
    no_shows: u64,
    not_recorded: u64,
}

#[derive(Serialize)]
struct MailRow {
    kind: String,
    recipient: String,
    status: String,
    status_class: &'static str,
    attempts: i32,
    last_error: Option<String>,
    time: String,
}

#[derive(Serialize)]
struct DeskView {
    id: Uuid,
    title: String,
    kind: String,
    status: String,
    draft: bool,
    cancelled: bool,
    public_url: String,
    edit_url: String,
    cancel_url: String,
    publish_url: String,
    when: String,
    confirmed: i32,
    capacity: String,
    waitlisted: i32,
    cancelled_count: usize,
    capacity_field: Field,
    capacity_url: String,
    confirmed_rows: Vec<PersonRow>,
    waiting_rows: Vec<PersonRow>,
    cancelled_rows: Vec<PersonRow>,
    sessions: Vec<SessionSummary>,
    total: SessionSummary,
    mails: Vec<MailRow>,
    xlsx_url: String,
    csv_url: String,
}

fn yes_no_blank(state: &AppState, l: Language, v: Option<bool>) -> String {
    match v {
        Some(true) => state.pages.text(l, "yes"),
        Some(false) => state.pages.text(l, "no"),
        None => "–".into(),
    }
}

async fn event_desk(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let regs = db::registrations::list_for_event(&state.db.conn, e.id).await?;
    let positions = waitlist_positions(&regs);
    let moment = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string();
    let cancellable = crate::domain::may_cancel(
        RegistrationStatus::Confirmed,
        e.status,
        e.starts_at,
        state.clock.now(),
    )
    .is_ok();
    let row = |r: &registration::Model| PersonRow {
        name: r.name.clone(),
        email: r.email.clone(),
        municipality: r.municipality.clone().unwrap_or_default(),
        workplace: r.workplace.clone().unwrap_or_default(),
        role: r.role.clone().unwrap_or_default(),
        registered: moment(r.created_at),
        registered_iso: r.created_at.to_rfc3339(),
        position: positions.get(&r.id).copied(),
        attended: yes_no_blank(&state, l, r.attended),
        cancel_url: (cancellable && r.status != RegistrationStatus::Cancelled)
            .then(|| format!("/admin/events/{}/registrations/{}/cancel", e.id, r.id)),
    };
    let confirmed_rows = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .map(row)
        .collect();
    let mut waiting: Vec<&registration::Model> = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted)
        .collect();
    waiting.sort_by_key(|r| positions.get(&r.id).copied().unwrap_or(u64::MAX));
    let waiting_rows = waiting.into_iter().map(row).collect();
    let cancelled: Vec<PersonRow> = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Cancelled)
        .map(row)
        .collect();
    let summary = attendance::summary(&state.db, e).await?;
    let sessions = summary
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| SessionSummary {
            number: i + 1,
            when: time_span(s.starts_at, s.ends_at, tz, l),
            sheet_url: format!("/admin/events/{}/attendance?session={}", e.id, s.session_id),
            registered: s.count.registered,
            attended: s.count.attended,
            no_shows: s.count.no_shows,
            not_recorded: s.count.not_recorded,
        })
        .collect();
    let total = SessionSummary {
        number: 0,
        when: t("desk_attendance_total"),
        sheet_url: format!("/admin/events/{}/attendance", e.id),
        registered: summary.total.registered,
        attended: summary.total.attended,
        no_shows: summary.total.no_shows,
        not_recorded: summary.total.not_recorded,
    };
    let mails = db::outbox::for_event(&state.db.conn, e.id)
        .await?
        .into_iter()
        .rev()
        .take(200)
        .map(|m| {
            use crate::db::entities::outbox::MailStatus;
            let (status, status_class) = match m.status {
                MailStatus::Pending => (t("desk_mail_pending"), "waiting"),
                MailStatus::Sent => (t("desk_mail_sent"), "open"),
                MailStatus::Failed => (t("desk_mail_failed"), "full"),
            };
            MailRow {
                kind: t(&format!("desk_mail_kind_{}", m.kind.as_str())),
                recipient: m.recipient,
                status,
                status_class,
                attempts: m.attempts,
                last_error: m.last_error,
                time: moment(m.sent_at.unwrap_or(m.created_at)),
            }
        })
        .collect();
    let mut capacity_field = Field::text(
        "capacity",
        t("desk_raise_capacity"),
        e.capacity.map(|c| c.to_string()).as_deref(),
    )
    .hint(t("desk_raise_capacity_hint"));
    capacity_field.inputmode = Some("numeric");
    capacity_field.short = true;
    let view = DeskView {
        id: e.id,
        title: e.title.clone(),
        kind: kind_label(e.kind, l).to_string(),
        status: status_label(&state, l, e),
        draft: e.status == EventStatus::Draft,
        cancelled: e.status == EventStatus::Cancelled,
        public_url: format!("/events/{}", e.id),
        edit_url: format!("/admin/events/{}/edit", e.id),
        cancel_url: format!("/admin/events/{}/cancel", e.id),
        publish_url: format!("/admin/events/{}/publish", e.id),
        when: crate::http::pages::views::when(&ctx.sessions, tz, l),
        confirmed: e.confirmed_count,
        capacity: e
            .capacity
            .map_or_else(|| t("desk_unlimited"), |c| c.to_string()),
        waitlisted: e.waitlist_count,
        cancelled_count: cancelled.len(),
        capacity_field: capacity_field.done(&[]),
        capacity_url: format!("/admin/events/{}/capacity", e.id),
        confirmed_rows,
        waiting_rows,
        cancelled_rows: cancelled,
        sessions,
        total,
        mails,
        xlsx_url: format!("/admin/events/{}/registrations.xlsx", e.id),
        csv_url: format!("/admin/events/{}/registrations.csv", e.id),
    };
    let page = desk_page(&desk, "admin/event", e.title.clone())
        .with(view)
        .nav("events");
    Ok(with_done(page, &done_query, &state, &lang).render(&state.pages, &lang))
}

#[derive(Deserialize)]
struct CapacityQuery {
    capacity: Option<String>,
}

#[derive(Serialize)]
struct CapacityView {
    title: String,
    from: String,
    to: String,
    promoted: Vec<String>,
    action: String,
    back_url: String,
}

/// "Raise the capacity to N": who will get a seat, before it happens.
async fn confirm_capacity(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(q): Query<CapacityQuery>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let e = &ctx.event;
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let Some(capacity) = filled(&q.capacity)
        .and_then(|c| c.parse::<i32>().ok())
        .filter(|c| (0..=1_000_000).contains(c))
    else {
        return Ok(see_other(&format!(
            "/admin/events/{}?done=bad_capacity",
            e.id
        )));
    };
    let n = seats_to_fill(Some(capacity), e.confirmed_count, e.waitlist_count);
    let promoted = if n > 0 && e.status == EventStatus::Published {
        db::registrations::first_waitlisted(&state.db.conn, e.id, n as u64)
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect()
    } else {
        vec![]
    };
    let view = CapacityView {
        title: e.title.clone(),
        from: e
            .capacity
            .map_or_else(|| t("desk_unlimited"), |c| c.to_string()),
        to: capacity.to_string(),
        promoted,
        action: format!("/admin/events/{}/capacity", e.id),
        back_url: format!("/admin/events/{}", e.id),
    };
    Ok(desk_page(&desk, "admin/capacity", t("desk_capacity_title"))
        .with(view)
        .nav("events")
        .render(&state.pages, &lang))
}

async fn set_capacity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<CapacityQuery>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let Some(capacity) = filled(&form.capacity).and_then(|c| c.parse::<i64>().ok()) else {
        return Err(ShowErrorPage::bad_request());
    };
    let body = EventBody {
        capacity: Some(Some(capacity)),
        ..Default::default()
    };
    match event_service::update(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        body,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(done(&format!("/admin/events/{}", ctx.event.id), "capacity")),
        Err(EventError::Invalid(_)) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            "bad_capacity",
        )),
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

#[derive(Serialize)]
struct CancelRegistrationView {
    title: String,
    name: String,
    email: String,
    confirmed: bool,
    action: String,
    back_url: String,
}

async fn registration_of(
    state: &AppState,
    ctx: &EventContext,
    id: &str,
) -> Result<registration::Model, ShowErrorPage> {
    let rid = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    db::registrations::find(&state.db.conn, rid)
        .await?
        .filter(|r| r.event_id == ctx.event.id)
        .ok_or_else(ShowErrorPage::not_found)
}

async fn confirm_cancel_registration(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path((id, registration)): Path<(String, String)>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let reg = registration_of(&state, &ctx, &registration).await?;
    let view = CancelRegistrationView {
        title: ctx.event.title.clone(),
        name: reg.name,
        email: reg.email,
        confirmed: reg.status == RegistrationStatus::Confirmed,
        action: format!(
            "/admin/events/{}/registrations/{}/cancel",
            ctx.event.id, reg.id
        ),
        back_url: format!("/admin/events/{}", ctx.event.id),
    };
    Ok(desk_page(
        &desk,
        "admin/registration_cancel",
        state
            .pages
            .text(lang.language, "desk_cancel_registration_title"),
    )
    .with(view)
    .nav("events")
    .render(&state.pages, &lang))
}

async fn cancel_registration(
    State(state): State<AppState>,
    Path((id, registration)): Path<(String, String)>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let reg = registration_of(&state, &ctx, &registration).await?;
    let back = format!("/admin/events/{}", ctx.event.id);
    match signups::cancel(&state.db, &state.mailer, reg.id, state.clock.now()).await {
        Ok(_) => Ok(done(&back, "cancelled_registration")),
        Err(signups::RegistrationError::Db(e)) => Err(e.into()),
        Err(_) => Ok(done(&back, "not_cancellable")),
    }
}

#[derive(Deserialize)]
struct SheetQuery {
    session: Option<String>,
}

#[derive(Serialize)]
struct SheetRow {
    id: Uuid,
    name: String,
    municipality: String,
    checked: bool,
    field_id: String,
}

#[derive(Serialize)]
struct SheetView {
    title: String,
    session: Option<Uuid>,
    session_label: String,
    sessions: Vec<SheetChoice>,
    rows: Vec<SheetRow>,
    action: String,
    back_url: String,
}

#[derive(Serialize)]
struct SheetChoice {
    label: String,
    url: String,
    current: bool,
}

/// Attendance of one session (or all, for a one-session event) as a checklist.
async fn attendance_sheet(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let session: Option<&event_session::Model> = match filled(&q.session) {
        Some(s) => Some(
            ctx.sessions
                .iter()
                .find(|x| x.id.to_string() == s)
                .ok_or_else(ShowErrorPage::not_found)?,
        ),
        None => ctx.sessions.first(),
    };
    let confirmed = db::registrations::confirmed_for_event(&state.db.conn, ctx.event.id).await?;
    let marks: HashMap<Uuid, bool> = match session {
        Some(s) => db::attendance::for_sessions(&state.db.conn, &[s.id])
            .await?
            .into_iter()
            .map(|m| (m.registration_id, m.attended))
            .collect(),
        None => HashMap::new(),
    };
    let rows = confirmed
        .into_iter()
        .map(|r| SheetRow {
            checked: marks.get(&r.id).copied().unwrap_or(false),
            field_id: format!("came-{}", r.id),
            id: r.id,
            name: r.name,
            municipality: r.municipality.unwrap_or_default(),
        })
        .collect();
    let label = |i: usize, s: &event_session::Model| {
        format!(
            "{} {}: {}",
            t("desk_session"),
            i + 1,
            time_span(s.starts_at, s.ends_at, tz, l)
        )
    };
    let view = SheetView {
        title: ctx.event.title.clone(),
        session: session.map(|s| s.id),
        session_label: session
            .and_then(|s| {
                ctx.sessions
                    .iter()
                    .position(|x| x.id == s.id)
                    .map(|i| label(i, s))
            })
            .unwrap_or_default(),
        sessions: ctx
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| SheetChoice {
                label: label(i, s),
                url: format!("/admin/events/{}/attendance?session={}", ctx.event.id, s.id),
                current: session.is_some_and(|c| c.id == s.id),
            })
            .collect(),
        rows,
        action: format!("/admin/events/{}/attendance", ctx.event.id),
        back_url: format!("/admin/events/{}", ctx.event.id),
    };
    let page = desk_page(&desk, "admin/attendance", t("desk_attendance_title"))
        .with(view)
        .nav("events");
    Ok(with_done(page, &done_query, &state, &lang).render(&state.pages, &lang))
}

#[derive(Deserialize)]
struct SheetForm {
    session: Option<String>,
    #[serde(default)]
    came: Vec<String>,
    #[serde(default)]
    listed: Vec<String>,
    action: Option<String>,
}

/// Records the checklist: ticked came, unticked did not; all or nothing.
async fn record_attendance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<SheetForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let session = match filled(&form.session) {
        Some(s) => Some(Uuid::parse_str(s).map_err(|_| ShowErrorPage::bad_request())?),
        None => None,
    };
    let all = form.action.as_deref() == Some("all");
    let came: std::collections::HashSet<&str> = form.came.iter().map(String::as_str).collect();
    let marks: Vec<(Uuid, bool)> = form
        .listed
        .iter()
        .filter_map(|id| {
            Uuid::parse_str(id)
                .ok()
                .map(|u| (u, all || came.contains(id.as_str())))
        })
        .collect();
    let back = match session {
        Some(s) => format!("/admin/events/{}/attendance?session={s}", ctx.event.id),
        None => format!("/admin/events/{}/attendance", ctx.event.id),
    };
    if marks.is_empty() {
        return Ok(done(&back, "nothing_to_mark"));
    }
    match attendance::record_marks(&state.db, &ctx.event, &marks, session, state.clock.now()).await
    {
        Ok(_) => Ok(done(&back, "attendance")),
        Err(AttendanceError::Db(e)) => Err(e.into()),
        Err(AttendanceError::NotStarted(_)) => Ok(done(&back, "attendance_not_started")),
        Err(_) => Ok(done(&back, "attendance_refused")),
    }
}

async fn download(
    state: AppState,
    desk: Desk,
    id: String,
    xlsx: bool,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let format = if xlsx { Format::Xlsx } else { Format::Csv };
    attendee_list_file(
        &state,
        &desk.organiser,
        &ctx,
        None,
        format,
        export::Delimiter::Semicolon,
    )
    .await
    .map_err(|e| ShowErrorPage { status: e.status })
}

async fn download_csv(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    download(state, desk, id, false).await
}

async fn download_xlsx(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    download(state, desk, id, true).await
}
