//! A webinar's recording at the desk: the address, added once the webinar has ended (the
//! same core change as `PATCH /events/{id}` with `recording_url`). The first one is mailed
//! to every seat holder.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::own_event;
use crate::db::events::EventContext;
use crate::domain::{notices, period, FieldErrors};
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done};
use crate::http::pages::forms::{error_links, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Outcome, ShowErrorPage};
use crate::http::AppState;
use crate::service::events::{self as event_service, EventBody, EventError};

#[derive(Serialize)]
struct RecordingView {
    title: String,
    when: String,
    /// Seat holders who get the mail (when no recording was sent before).
    to_tell: Option<i32>,
    back_url: String,
    action: String,
    url: Field,
}

fn render(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    ctx: &EventContext,
    typed: Option<&str>,
    errors: Vec<ErrorLink>,
) -> Response {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let view = RecordingView {
        title: e.title.clone(),
        when: crate::http::pages::views::when(&ctx.sessions, tz, l),
        to_tell: e.recording_url.is_none().then_some(e.confirmed_count),
        back_url: format!("/admin/events/{}", e.id),
        action: format!("/admin/events/{}/recording", e.id),
        url: Field::text(
            "recording_url",
            t("desk_recording_label"),
            typed.or(e.recording_url.as_deref()),
        )
        .of_type("url")
        .no_spellcheck()
        .hint(t("desk_recording_hint"))
        .done(&errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    desk_page(desk, "admin/recording", t("desk_recording_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .nav("events")
        .render(&state.pages, lang)
}

/// The form, for a webinar that has ended (any other event: 404).
pub(super) async fn recording_form(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    notices::may_add_recording(ctx.event.kind, ctx.event.ends_at, state.clock.now())
        .map_err(|_| ShowErrorPage::not_found())?;
    Ok(render(&state, &lang, &desk, &ctx, None, vec![]))
}

#[derive(Deserialize)]
pub(super) struct RecordingForm {
    #[serde(default)]
    recording_url: String,
}

pub(super) async fn set_recording(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<RecordingForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let typed = form.recording_url.trim();
    let body = EventBody {
        recording_url: Some((!typed.is_empty()).then(|| typed.to_string())),
        ..Default::default()
    };
    let result = event_service::update(
        &state.db,
        &state.mailer,
        desk.organiser.organisation_id,
        ctx.event.id,
        body,
        state.clock.now(),
    )
    .await;
    let l = lang.language;
    let show = |fields: &FieldErrors| {
        let errors = error_links(&state.pages, fields, l, &["recording_url"], |_, p| {
            Some(format!(
                "{}: {}",
                state.pages.text(l, "desk_recording_label"),
                crate::http::pages::forms::problem_text(&state.pages, p, l)
            ))
        });
        render(&state, &lang, &desk, &ctx, Some(typed), errors)
    };
    match result {
        Ok(_) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            Outcome::RecordingSaved,
        )),
        Err(EventError::Invalid(fields)) => Ok(show(&fields)),
        Err(EventError::NotFound) => Err(ShowErrorPage::not_found()),
        Err(EventError::Cancelled) => Err(ShowErrorPage::bad_request()),
        Err(EventError::Db(e)) => Err(e.into()),
    }
}
