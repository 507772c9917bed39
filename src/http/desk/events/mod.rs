//! Events at the desk: the list, the form (several sessions, no JavaScript), publishing and
//! cancelling, and an event's own desk: registrations and waiting list, capacity, cancelling
//! on someone's behalf, attendance per session, mail status and downloads. One file per
//! page or handler group; this one holds the routes and what they share.
mod attendance;
mod cancel;
mod capacity;
mod download;
mod edit;
mod evaluation;
mod form;
mod form_page;
mod list;
mod overview;
mod recording;
mod registrations;

use attendance::{attendance_sheet, issue_certificates, record_attendance};
use cancel::{cancel, confirm_cancel};
use capacity::{confirm_capacity, set_capacity};
use download::{download_csv, download_xlsx};
use edit::{create, edit_form, new_form, publish, update};
use evaluation::{
    delete_comment, evaluation_page, remove_evaluation, results_csv, results_xlsx, save_evaluation,
};
pub use list::list;
use overview::event_desk;
use recording::{recording_form, set_recording};
use registrations::{cancel_registration, confirm_cancel_registration};

use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::auth::Desk;
use crate::db::entities::event;
use crate::db::events::EventContext;
use crate::domain::access::{self, DeskState};
use crate::domain::Language;
use crate::http::extract::parse_id;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::events::{self, EventBody, EventError};

/// Event routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/events/new", get(new_form).post(create))
        .route("/admin/events/{id}", get(event_desk))
        .route("/admin/events/{id}/edit", get(edit_form).post(update))
        .route(
            "/admin/events/{id}/recording",
            get(recording_form).post(set_recording),
        )
        .route(
            "/admin/events/{id}/evaluation",
            get(evaluation_page).post(save_evaluation),
        )
        .route(
            "/admin/events/{id}/evaluation/delete",
            axum::routing::post(remove_evaluation),
        )
        .route(
            "/admin/events/{id}/evaluation/comments/{comment}/delete",
            axum::routing::post(delete_comment),
        )
        .route(
            "/admin/events/{id}/evaluation/results.csv",
            get(results_csv),
        )
        .route(
            "/admin/events/{id}/evaluation/results.xlsx",
            get(results_xlsx),
        )
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
        .route("/admin/events/{id}/certificates", post(issue_certificates))
        .route("/admin/events/{id}/registrations.csv", get(download_csv))
        .route("/admin/events/{id}/registrations.xlsx", get(download_xlsx))
}

/// The organiser's own event `id` with its context; anything else is a 404.
pub(super) async fn own_event(
    state: &AppState,
    desk: &Desk,
    id: &str,
) -> Result<EventContext, ShowErrorPage> {
    let id = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    events::of_organisation(&state.db, desk.organiser.organisation_id, id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)
}

pub(super) fn status_label(state: &AppState, lang: Language, e: &event::Model) -> String {
    let key = match access::desk_state(e.status, e.ends_at, state.clock.now()) {
        DeskState::Draft => "desk_status_draft",
        DeskState::Past => "desk_status_past",
        DeskState::Published => "desk_status_published",
        DeskState::Cancelled => "desk_status_cancelled",
    };
    state.pages.text(lang, key)
}

#[derive(Deserialize)]
pub(super) struct Empty {}

/// Saves a change to the organiser's own event `ctx` through the core (the same function
/// as the API's PATCH), at the application's time.
pub(super) async fn save_change(
    state: &AppState,
    desk: &Desk,
    ctx: &EventContext,
    body: EventBody,
) -> Result<EventContext, EventError> {
    events::update(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        body,
        state.clock.now(),
    )
    .await
}
