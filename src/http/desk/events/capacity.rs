//! Changing the capacity, with a preview of who gets a seat.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::overview::{draw_event_desk, CapacityTyped};
use super::{own_event, save_change};
use crate::domain::signup;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done, filled};
use crate::http::pages::forms::ErrorLink;
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::events::{EventBody, EventError};
use crate::service::registration;

#[derive(Deserialize)]
pub(super) struct CapacityQuery {
    capacity: Option<String>,
}

#[derive(Serialize)]
pub(super) struct CapacityView {
    title: String,
    from: String,
    to: String,
    promoted: Vec<String>,
    action: String,
    back_url: String,
}

/// "Raise the capacity to N": who will get a seat, before it happens.
pub(super) async fn confirm_capacity(
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
    let typed = q.capacity.as_deref().unwrap_or_default().trim();
    let capacity = match typed.parse::<i64>().map(signup::capacity) {
        Ok(Ok(c)) => c,
        _ => {
            // The event desk again, the value kept, the problem at the field (GOV.UK's pattern).
            let error = ErrorLink {
                field: Some("capacity".into()),
                message: t("desk_error_raise_capacity")
                    .replace("{max}", &signup::MAX_CAPACITY.to_string()),
            };
            let typed = CapacityTyped {
                value: typed,
                error,
            };
            let page =
                draw_event_desk(&state, &lang, &desk, &ctx, &Default::default(), Some(typed))
                    .await?;
            return Ok(page.render(&state.pages, &lang));
        }
    };
    let promoted = registration::moving_up(&state.db.conn, e, Some(capacity))
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
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

pub(super) async fn set_capacity(
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
    match save_change(&state, &desk, &ctx, body).await {
        Ok(_) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            Outcome::Capacity,
        )),
        Err(EventError::Invalid(_)) => Ok(done(
            &format!("/admin/events/{}", ctx.event.id),
            Outcome::BadCapacity,
        )),
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}
