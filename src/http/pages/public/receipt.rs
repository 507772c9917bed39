//! The receipt after a sign-up.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::event::public_event;
use crate::db;
use crate::domain::RegistrationStatus;
use crate::http::extract::parse_id;
use crate::http::pages::lang::Lang;
use crate::http::pages::views::{self};
use crate::http::pages::{Page, ShowErrorPage};
use crate::http::AppState;

#[derive(Serialize)]
pub(super) struct ReceiptView {
    event_title: String,
    event_url: String,
    confirmed: bool,
    waitlisted: bool,
    cancelled: bool,
    heading: String,
    position_text: Option<String>,
    several_sessions: bool,
    /// "Confirm from the mail by …" when the place is held until confirmed.
    confirm_text: Option<String>,
}

/// After a sign-up: confirmed or the place in line, that a mail went out, what happens next.
/// Bookmarkable; nothing in it opens anything. It shows no name or address: its URL holds
/// only the registration id, which is in the API's sign-up answer and could be in a proxy's
/// log, so whoever has the URL learns no more than that someone signed up.
pub(super) async fn receipt(
    State(state): State<AppState>,
    lang: Lang,
    Path((id, registration)): Path<(String, String)>,
) -> Result<Response, ShowErrorPage> {
    let ctx = public_event(&state, &id).await?;
    let rid = parse_id(&registration).map_err(|_| ShowErrorPage::not_found())?;
    let reg = db::registrations::find(&state.db.conn, rid)
        .await?
        .filter(|r| r.event_id == ctx.event.id)
        .ok_or_else(ShowErrorPage::not_found)?;
    let pages = &state.pages;
    let l = lang.language;
    let position = match reg.status {
        RegistrationStatus::Waitlisted => {
            Some(db::registrations::waitlist_position(&state.db.conn, &reg).await?)
        }
        _ => None,
    };
    let heading = match reg.status {
        RegistrationStatus::Confirmed => pages.text(l, "receipt_confirmed"),
        RegistrationStatus::Waitlisted => pages.text(l, "receipt_waitlisted"),
        RegistrationStatus::Cancelled => pages.text(l, "receipt_cancelled"),
    };
    let view = ReceiptView {
        event_title: ctx.event.title.clone(),
        event_url: format!("/events/{}", ctx.event.id),
        confirmed: reg.status == RegistrationStatus::Confirmed,
        waitlisted: reg.status == RegistrationStatus::Waitlisted,
        cancelled: reg.status == RegistrationStatus::Cancelled,
        position_text: position.map(|p| {
            pages
                .text(l, "receipt_position")
                .replace("{n}", &p.to_string())
        }),
        heading: heading.clone(),
        several_sessions: ctx.sessions.len() > 1,
        confirm_text: views::confirm_by_text(
            pages,
            l,
            "receipt_confirm_by",
            reg.confirm_by,
            crate::domain::period::zone(&ctx.organisation.time_zone),
        ),
    };
    Ok(Page::new("receipt", heading)
        .with(view)
        .private()
        .render(pages, &lang))
}
