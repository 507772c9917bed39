//! A network's page: what it is, its calendar, what is coming.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

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
    let links = state.mailer.links();
    let view = NetworkView {
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
