//! A network's page: what it is, its calendar, what is coming.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::year_plan::{months_view, PlanMonthView};
use super::{cards, paragraphs};
use crate::db;
use crate::db::events::EventFilter;
use crate::domain::visibility::{self, Viewer};
use crate::http::pages::lang::Lang;
use crate::http::pages::views::EventCard;
use crate::http::pages::views::Subscribe;
use crate::http::pages::{Page, ShowErrorPage};
use crate::http::AppState;

#[derive(Serialize)]
pub(super) struct NetworkView {
    name: String,
    description: Vec<String>,
    organisation: String,
    organisation_url: String,
    subscribe: Subscribe,
    events: Vec<EventCard>,
    /// This year's plan: the months with something in them.
    plan_heading: String,
    plan: Vec<PlanMonthView>,
    plan_url: String,
    plan_all: String,
}

/// A network: what it is, how to subscribe to its calendar, and what is coming.
pub(super) async fn network_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let network = db::networks::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let organisation = db::organisations::find(&state.db.conn, network.organisation_id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let events = db::events::list(
        &state.db.conn,
        &EventFilter {
            network_id: Some(network.id),
            ..EventFilter::upcoming(
                visibility::list_rule(Viewer::Public),
                100,
                state.clock.now(),
            )
        },
    )
    .await?;
    let now = state.clock.now();
    let year = chrono::Datelike::year(
        &now.with_timezone(&crate::domain::period::zone(&organisation.time_zone)),
    );
    let mut plan =
        crate::service::programmes::year_plan(&state.db, year, Some(network.id), now).await?;
    plan.retain(|m| !m.items.is_empty());
    let names = std::collections::HashMap::from([(network.id, network.name.clone())]);
    let t = |k: &str| state.pages.text(lang.language, k);
    let links = state.mailer.links();
    let view = NetworkView {
        plan_heading: t("network_plan").replace("{year}", &year.to_string()),
        plan: months_view(&state, lang.language, plan, &names),
        plan_url: format!("/arshjul?year={year}&network={}", network.slug),
        plan_all: t("network_plan_all").replace("{year}", &year.to_string()),
        description: paragraphs(network.description.as_deref()),
        organisation: organisation.name.clone(),
        organisation_url: format!("/organisations/{}", organisation.slug),
        subscribe: Subscribe::new(links.network_feed_url(&network.slug), &network.name),
        events: cards(
            &state,
            lang.language,
            &events,
            std::slice::from_ref(&network),
            3,
        )
        .await?,
        name: network.name.clone(),
    };
    Ok(Page::new("network", network.name.clone())
        .with(view)
        .render(&state.pages, &lang))
}
