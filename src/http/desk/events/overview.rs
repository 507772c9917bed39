//! An event's own desk: registrations, waiting list, attendance figures and mail status.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{own_event, status_label};
use crate::db;
use crate::db::entities::registration;
use crate::db::events::EventContext;
use crate::domain::access::{self, EventActions};
use crate::domain::period;
use crate::domain::{Language, RegistrationStatus};
use crate::format::{kind_label, time_span};
use crate::http::desk::auth::Desk;
use crate::http::desk::{desk_page, with_done, Done};
use crate::http::pages::forms::{ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Page, ShowErrorPage};
use crate::http::AppState;
use crate::service::attendance;
use crate::service::registration::waitlist_positions;

#[derive(Serialize)]
pub(super) struct PersonRow {
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
pub(super) struct SessionSummary {
    number: usize,
    when: String,
    sheet_url: String,
    registered: u64,
    attended: u64,
    no_shows: u64,
    not_recorded: u64,
}

#[derive(Serialize)]
pub(super) struct MailRow {
    kind: String,
    recipient: String,
    status: String,
    status_class: &'static str,
    attempts: i32,
    last_error: Option<String>,
    time: String,
}

#[derive(Serialize)]
pub(super) struct DeskView {
    id: Uuid,
    title: String,
    kind: String,
    status: String,
    /// What the organiser may do with the event (decided in `domain::access`).
    actions: EventActions,
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

pub(super) fn yes_no_blank(state: &AppState, l: Language, v: Option<bool>) -> String {
    match v {
        Some(true) => state.pages.text(l, "yes"),
        Some(false) => state.pages.text(l, "no"),
        None => "–".into(),
    }
}

pub(super) async fn event_desk(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let page = draw_event_desk(&state, &lang, &desk, &ctx, None).await?;
    Ok(with_done(page, &done_query, &state, &lang).render(&state.pages, &lang))
}

/// A capacity the organiser typed and could not be used, with its problem in the reader's
/// words: the event desk shows it at the field and in the error summary.
pub(super) struct CapacityTyped<'a> {
    pub value: &'a str,
    pub error: ErrorLink,
}

/// The event's desk page (registrations, attendance, mails, the capacity form).
pub(super) async fn draw_event_desk(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    ctx: &EventContext,
    typed: Option<CapacityTyped<'_>>,
) -> Result<Page, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let regs = db::registrations::list_for_event(&state.db.conn, e.id).await?;
    let positions = waitlist_positions(&regs);
    let moment = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string();
    let now = state.clock.now();
    let row = |r: &registration::Model| PersonRow {
        name: r.name.clone(),
        email: r.email.clone(),
        municipality: r.municipality.clone().unwrap_or_default(),
        workplace: r.workplace.clone().unwrap_or_default(),
        role: r.role.clone().unwrap_or_default(),
        registered: moment(r.created_at),
        registered_iso: crate::format::html_datetime(r.created_at),
        position: positions.get(&r.id).copied(),
        attended: yes_no_blank(state, l, r.attended),
        cancel_url: crate::domain::may_cancel(r.status, e.status, e.starts_at, now)
            .is_ok()
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
    let (sessions, total) = attendance_rows(state, l, ctx).await?;
    let mails = mail_rows(state, l, e.id, tz).await?;
    let current = e.capacity.map(|c| c.to_string());
    let shown = typed.as_ref().map(|c| c.value).or(current.as_deref());
    let mut capacity_field = Field::text("capacity", t("desk_raise_capacity"), shown)
        .hint(t("desk_raise_capacity_hint"));
    capacity_field.inputmode = Some("numeric");
    capacity_field.short = true;
    let errors: Vec<ErrorLink> = typed.map(|c| c.error).into_iter().collect();
    let view = DeskView {
        id: e.id,
        title: e.title.clone(),
        kind: kind_label(e.kind, l).to_string(),
        status: status_label(state, l, e),
        actions: access::event_actions(e.status),
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
        capacity_field: capacity_field.done(&errors),
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
    let page = desk_page(desk, "admin/event", e.title.clone())
        .with(view)
        .nav("events");
    Ok(if errors.is_empty() {
        page
    } else {
        page.errors(errors).status(StatusCode::BAD_REQUEST)
    })
}

/// Attendance per session and in all, with the links to each session's sheet.
async fn attendance_rows(
    state: &AppState,
    l: Language,
    ctx: &EventContext,
) -> Result<(Vec<SessionSummary>, SessionSummary), ShowErrorPage> {
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
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
    Ok((sessions, total))
}

/// The event's latest 200 mails, newest first, with where each one is.
async fn mail_rows(
    state: &AppState,
    l: Language,
    event_id: Uuid,
    tz: chrono_tz::Tz,
) -> Result<Vec<MailRow>, ShowErrorPage> {
    let t = |k: &str| state.pages.text(l, k);
    let moment = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string();
    Ok(db::outbox::for_event(&state.db.conn, event_id)
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
        .collect())
}
