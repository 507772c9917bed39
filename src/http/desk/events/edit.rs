//! Creating, editing and publishing an event from the form.
use axum::extract::{Path, State};
use axum::response::Response;

use super::form::{all_problems, core_errors, rows_action, to_body, EventForm, FormAction};
use super::form_page::FormPage;
use super::{own_event, save_change, Empty};
use crate::db;
use crate::db::events::EventContext;
use crate::domain::period;
use crate::domain::EventStatus;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{done, organisation_zone};
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::{see_other, ShowErrorPage};
use crate::http::AppState;
use crate::service::events::{self as event_service, EventBody, EventError};

pub(super) async fn new_form(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
) -> Result<Response, ShowErrorPage> {
    let form = EventForm {
        waitlist: Some("true".into()),
        ..Default::default()
    };
    let page = FormPage {
        state: &state,
        lang: &lang,
        desk: &desk,
        editing: None,
    };
    page.draw(&form, vec![]).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<EventForm>,
) -> Result<Response, ShowErrorPage> {
    let page = FormPage {
        state: &state,
        lang: &lang,
        desk: &desk,
        editing: None,
    };
    let (form, redraw) = rows_action(form);
    if redraw {
        return page.draw(&form, vec![]).await;
    }
    let tz = organisation_zone(&state, &desk).await?;
    let mut errors = vec![];
    let (mut body, rows) = to_body(&form, tz, lang.language, &state, &mut errors);
    if !errors.is_empty() {
        let core = event_service::problems(
            &state.db,
            desk.organiser.organisation_id,
            body,
            None,
            state.clock.now(),
        )
        .await?;
        let core = core_errors(&core, &rows, lang.language, &state);
        return page.draw(&form, all_problems(errors, core)).await;
    }
    body.status = Some(
        if FormAction::of(form.action.as_deref()) == FormAction::Publish {
            EventStatus::Published
        } else {
            EventStatus::Draft
        },
    );
    match event_service::create(
        &state.db,
        desk.organiser.organisation_id,
        body,
        state.clock.now(),
    )
    .await
    {
        Ok(ctx) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            Outcome::Created,
        )),
        Err(EventError::Invalid(fields)) => {
            let errors = core_errors(&fields, &rows, lang.language, &state);
            page.draw(&form, all_problems(vec![], errors)).await
        }
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

pub(super) async fn edit_form(
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
    let series = match ctx.event.series_id {
        Some(id) => db::series::find_many(&state.db.conn, &[id])
            .await?
            .into_iter()
            .next()
            .map(|s| s.slug),
        None => None,
    };
    let form = EventForm::of(&ctx, slug, series);
    let page = FormPage {
        state: &state,
        lang: &lang,
        desk: &desk,
        editing: Some(&ctx),
    };
    page.draw(&form, vec![]).await
}

pub(super) async fn network_slug(
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

pub(super) async fn update(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<EventForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let page = FormPage {
        state: &state,
        lang: &lang,
        desk: &desk,
        editing: Some(&ctx),
    };
    let (form, redraw) = rows_action(form);
    if redraw {
        return page.draw(&form, vec![]).await;
    }
    let tz = period::zone(&ctx.organisation.time_zone);
    let mut errors = vec![];
    let (body, rows) = to_body(&form, tz, lang.language, &state, &mut errors);
    if !errors.is_empty() {
        let core = event_service::problems(
            &state.db,
            desk.organiser.organisation_id,
            body,
            Some(&ctx),
            state.clock.now(),
        )
        .await?;
        let core = core_errors(&core, &rows, lang.language, &state);
        return page.draw(&form, all_problems(errors, core)).await;
    }
    match save_change(&state, &desk, &ctx, body).await {
        Ok(_) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            Outcome::Saved,
        )),
        Err(EventError::Invalid(fields)) => {
            let errors = core_errors(&fields, &rows, lang.language, &state);
            page.draw(&form, all_problems(vec![], errors)).await
        }
        Err(EventError::NotFound) => Err(ShowErrorPage::not_found()),
        Err(EventError::Cancelled) => Ok(see_other(&format!("/admin/events/{}", ctx.event.id))),
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

pub(super) async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let body = EventBody {
        status: Some(EventStatus::Published),
        ..Default::default()
    };
    save_change(&state, &desk, &ctx, body)
        .await
        .map_err(ShowErrorPage::internal)?;
    Ok(done(
        &format!("/admin/events/{}", ctx.event.id),
        Outcome::Published,
    ))
}
