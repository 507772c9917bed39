//! The desk's list of the organisation's events.
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use super::status_label;
use crate::db;
use crate::domain::period;
use crate::http::desk::auth::Desk;
use crate::http::desk::{desk_page, with_done, Done};
use crate::http::pages::lang::Lang;
use crate::http::pages::{PageLinks, PageNumber, ShowErrorPage};
use crate::http::AppState;

#[derive(Serialize)]
pub(super) struct EventRow {
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
pub(super) struct ListView {
    rows: Vec<EventRow>,
    pages: PageLinks,
}

/// Events a page of the desk's list shows.
const EVENTS_PER_PAGE: u64 = 100;

/// The organisation's events (every status), latest first, with their figures, a hundred
/// to a page.
pub async fn list(
    state: AppState,
    lang: Lang,
    desk: Desk,
    done: Done,
    page: PageNumber,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let organisation = db::organisations::find(&state.db.conn, desk.organiser.organisation_id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let tz = period::zone(&organisation.time_zone);
    let page = page.get();
    let mut events = db::events::of_organisation(
        &state.db.conn,
        organisation.id,
        (page - 1) * EVENTS_PER_PAGE,
        EVENTS_PER_PAGE + 1,
    )
    .await?;
    let more = events.len() as u64 > EVENTS_PER_PAGE;
    events.truncate(EVENTS_PER_PAGE as usize);
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
            starts_iso: crate::http::pages::views::starts_iso(
                sessions
                    .get(&e.id)
                    .and_then(|s| s.iter().min_by_key(|s| s.starts_at)),
                e.starts_at,
            ),
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
            pages: PageLinks::new(page, more, |p| format!("/admin?page={p}")),
        })
        .nav("events");
    Ok(with_done(page, &done, &state, &lang).render(&state.pages, &lang))
}
