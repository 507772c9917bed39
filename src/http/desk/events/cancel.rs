//! Cancelling an event: the confirmation page and the action.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::own_event;
use crate::domain::period;
use crate::domain::EventStatus;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done};
use crate::http::pages::forms::Field;
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::{see_other, ShowErrorPage};
use crate::http::AppState;
use crate::service::events::{self as event_service, EventError};

#[derive(Serialize)]
pub(super) struct CancelView {
    title: String,
    when: String,
    to_tell: i32,
    back_url: String,
    action: String,
    reason: Field,
}

pub(super) async fn confirm_cancel(
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
pub(super) struct CancelForm {
    reason: Option<String>,
}

pub(super) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<CancelForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    match event_service::cancel(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        form.reason.as_deref(),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => {}
        Err(EventError::Invalid(_)) => return Err(ShowErrorPage::bad_request()),
        Err(e) => return Err(ShowErrorPage::internal(e)),
    }
    Ok(done(
        &format!("/admin/events/{}", ctx.event.id),
        Outcome::CancelledEvent,
    ))
}
