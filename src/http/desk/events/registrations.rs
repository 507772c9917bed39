//! Cancelling a registration on someone's behalf.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{own_event, Empty};
use crate::db;
use crate::db::entities::registration;
use crate::db::events::EventContext;
use crate::domain::RegistrationStatus;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done};
use crate::http::extract::parse_id;
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::registration::{self as signups};

#[derive(Serialize)]
pub(super) struct CancelRegistrationView {
    title: String,
    name: String,
    email: String,
    confirmed: bool,
    action: String,
    back_url: String,
}

pub(super) async fn registration_of(
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

pub(super) async fn confirm_cancel_registration(
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

pub(super) async fn cancel_registration(
    State(state): State<AppState>,
    Path((id, registration)): Path<(String, String)>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let reg = registration_of(&state, &ctx, &registration).await?;
    let back = format!("/admin/events/{}", ctx.event.id);
    match signups::cancel(&state.db, &state.mailer, reg.id, state.clock.now()).await {
        Ok(_) => Ok(done(&back, Outcome::CancelledRegistration)),
        Err(signups::RegistrationError::Db(e)) => Err(e.into()),
        Err(_) => Ok(done(&back, Outcome::NotCancellable)),
    }
}
