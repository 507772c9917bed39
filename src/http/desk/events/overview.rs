//! An event's own desk: registrations, waiting list, attendance figures and mail status.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{own_event, status_label};
use crate::db;
use crate::db::entities::registration;
use crate::db::events::EventContext;
use crate::domain::access::{self, EventActions};
use crate::domain::period;
use crate::domain::{Language, RegistrationStatus};
use crate::format::{kind_label, session_time};
use crate::http::desk::auth::Desk;
use crate::http::desk::{desk_page, with_done, Done};
use crate::http::pages::forms::{ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Page, PageLinks, PageNumber, ShowErrorPage};
use crate::http::AppState;
use crate::service::attendance;

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
    /// Set for a webinar that has ended: where its recording is added.
    recording_url: Option<String>,
    /// The recording already added.
    recording: Option<String>,
    /// The evaluation's page, and where it stands ("Åpen: 12 av 30 har svart").
    evaluation_url: String,
    evaluation_status: String,
    when: String,
    confirmed: i32,
    capacity: String,
    waitlisted: i32,
    cancelled_count: u64,
    capacity_field: Field,
    capacity_url: String,
    confirmed_rows: Vec<PersonRow>,
    waiting_rows: Vec<PersonRow>,
    cancelled_rows: Vec<PersonRow>,
    confirmed_pages: PageLinks,
    waiting_pages: PageLinks,
    cancelled_pages: PageLinks,
    mail_pages: PageLinks,
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
    Query(pages): Query<TablePages>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let page = draw_event_desk(&state, &lang, &desk, &ctx, &pages, None).await?;
    Ok(with_done(page, &done_query, &state, &lang).render(&state.pages, &lang))
}

/// A capacity the organiser typed and could not be used, with its problem in the reader's
/// words: the event desk shows it at the field and in the error summary.
pub(super) struct CapacityTyped<'a> {
    pub value: &'a str,
    pub error: ErrorLink,
}

/// Rows a page of each of the event desk's long tables shows.
const ROWS_PER_PAGE: u64 = 200;

/// Which page of each long table of the event desk is shown (`?confirmed_page=2`, …): each
/// table pages on its own, and a link to one table's page keeps the others where they are.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct TablePages {
    confirmed_page: Option<String>,
    waiting_page: Option<String>,
    cancelled_page: Option<String>,
    mails_page: Option<String>,
}

impl TablePages {
    /// The page number of each table, in the order of [`TablePages::NAMES`].
    fn numbers(&self) -> [u64; 4] {
        [
            &self.confirmed_page,
            &self.waiting_page,
            &self.cancelled_page,
            &self.mails_page,
        ]
        .map(|p| PageNumber::of(p.as_deref()))
    }

    const NAMES: [(&'static str, &'static str); 4] = [
        ("confirmed_page", "confirmed"),
        ("waiting_page", "waiting"),
        ("cancelled_page", "cancelled"),
        ("mails_page", "mail"),
    ];

    /// The links of table `table` (an index of `NAMES`) on its page `page`.
    fn links(&self, event_id: Uuid, table: usize, page: u64, more: bool) -> PageLinks {
        let numbers = self.numbers();
        PageLinks::new(page, more, |n| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (i, (name, _)) in Self::NAMES.iter().enumerate() {
                let value = if i == table { n } else { numbers[i] };
                if value > 1 {
                    query.append_pair(name, &value.to_string());
                }
            }
            let query = query.finish();
            let anchor = Self::NAMES[table].1;
            if query.is_empty() {
                format!("/admin/events/{event_id}#{anchor}")
            } else {
                format!("/admin/events/{event_id}?{query}#{anchor}")
            }
        })
    }
}

/// The event's desk page (registrations, attendance, mails, the capacity form).
pub(super) async fn draw_event_desk(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    ctx: &EventContext,
    pages: &TablePages,
    typed: Option<CapacityTyped<'_>>,
) -> Result<Page, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let numbers = pages.numbers();
    // One status's page of registrations, and whether there are more.
    let page_of = |status: RegistrationStatus, page: u64| async move {
        let offset = (page - 1) * ROWS_PER_PAGE;
        let mut rows = db::registrations::page_in_status(
            &state.db.conn,
            e.id,
            status,
            offset,
            ROWS_PER_PAGE + 1,
        )
        .await?;
        let more = rows.len() as u64 > ROWS_PER_PAGE;
        rows.truncate(ROWS_PER_PAGE as usize);
        Ok::<_, sea_orm::DbErr>((rows, offset, more))
    };
    let moment = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string();
    let now = state.clock.now();
    let roles = crate::service::roles::of_organisation(&state.db.conn, ctx.organisation.id).await?;
    let row = |r: &registration::Model, position: Option<u64>| PersonRow {
        name: r.name.clone(),
        email: r.email.clone(),
        municipality: r.municipality.clone().unwrap_or_default(),
        workplace: r.workplace.clone().unwrap_or_default(),
        role: crate::domain::roles::shown(&roles, r.role.as_deref(), l).unwrap_or_default(),
        registered: moment(r.created_at),
        registered_iso: crate::format::html_datetime(r.created_at),
        position,
        attended: yes_no_blank(state, l, r.attended),
        cancel_url: crate::domain::may_cancel(r.status, e.status, e.starts_at, now)
            .is_ok()
            .then(|| format!("/admin/events/{}/registrations/{}/cancel", e.id, r.id)),
    };
    let (confirmed, _, confirmed_more) = page_of(RegistrationStatus::Confirmed, numbers[0]).await?;
    let confirmed_rows = confirmed.iter().map(|r| row(r, None)).collect();
    // The waiting list is read in its order: a row's position is its place on the list.
    let (waiting, offset, waiting_more) =
        page_of(RegistrationStatus::Waitlisted, numbers[1]).await?;
    let waiting_rows = waiting
        .iter()
        .zip(offset + 1..)
        .map(|(r, position)| row(r, Some(position)))
        .collect();
    let (cancelled, _, cancelled_more) = page_of(RegistrationStatus::Cancelled, numbers[2]).await?;
    let cancelled: Vec<PersonRow> = cancelled.iter().map(|r| row(r, None)).collect();
    let cancelled_count =
        db::registrations::count_in_status(&state.db.conn, e.id, RegistrationStatus::Cancelled)
            .await?;
    let (sessions, total) = attendance_rows(state, l, ctx).await?;
    let (mails, mails_more) = mail_rows(state, l, e.id, tz, numbers[3]).await?;
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
        recording_url: crate::domain::notices::may_add_recording(e.kind, e.ends_at, now)
            .is_ok()
            .then(|| format!("/admin/events/{}/recording", e.id)),
        recording: e.recording_url.clone(),
        evaluation_url: format!("/admin/events/{}/evaluation", e.id),
        evaluation_status: match crate::service::evaluations::of_event(
            &state.db,
            e.organisation_id,
            e.id,
            now,
        )
        .await
        {
            Ok(Some(ev)) => state
                .pages
                .text(l, "desk_evaluation_summary")
                .replace(
                    "{status}",
                    &state
                        .pages
                        .text(l, &format!("desk_evaluation_status_{}", ev.status.as_str())),
                )
                .replace("{respondents}", &ev.respondents.to_string())
                .replace("{invited}", &ev.invited.to_string()),
            _ => state.pages.text(l, "desk_evaluation_lead_none"),
        },
        when: crate::http::pages::views::when(&ctx.sessions, tz, l),
        confirmed: e.confirmed_count,
        capacity: e
            .capacity
            .map_or_else(|| t("desk_unlimited"), |c| c.to_string()),
        waitlisted: e.waitlist_count,
        cancelled_count,
        capacity_field: capacity_field.done(&errors),
        capacity_url: format!("/admin/events/{}/capacity", e.id),
        confirmed_rows,
        waiting_rows,
        cancelled_rows: cancelled,
        confirmed_pages: pages.links(e.id, 0, numbers[0], confirmed_more),
        waiting_pages: pages.links(e.id, 1, numbers[1], waiting_more),
        cancelled_pages: pages.links(e.id, 2, numbers[2], cancelled_more),
        mail_pages: pages.links(e.id, 3, numbers[3], mails_more),
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
            when: session_time(
                s.starts_at,
                s.ends_at,
                ctx.sessions
                    .iter()
                    .find(|x| x.id == s.session_id)
                    .and_then(|x| x.month.as_deref()),
                tz,
                l,
            ),
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

/// A page of the event's mails, newest first, with where each one is, and whether there
/// are more.
async fn mail_rows(
    state: &AppState,
    l: Language,
    event_id: Uuid,
    tz: chrono_tz::Tz,
    page: u64,
) -> Result<(Vec<MailRow>, bool), ShowErrorPage> {
    let t = |k: &str| state.pages.text(l, k);
    let moment = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string();
    let mut mails = db::outbox::latest_for_event(
        &state.db.conn,
        event_id,
        (page - 1) * ROWS_PER_PAGE,
        ROWS_PER_PAGE + 1,
    )
    .await?;
    let more = mails.len() as u64 > ROWS_PER_PAGE;
    mails.truncate(ROWS_PER_PAGE as usize);
    let rows = mails
        .into_iter()
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
    Ok((rows, more))
}
