//! An organisation's page: its networks, its calendar, what is coming.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{cards, NetworkLink};
use crate::db;
use crate::db::entities::organisation;
use crate::db::events::EventFilter;
use crate::domain::visibility::{self, Viewer};
use crate::http::pages::lang::Lang;
use crate::http::pages::views::EventCard;
use crate::http::pages::views::Subscribe;
use crate::http::pages::{Page, ShowErrorPage};
use crate::http::AppState;
use crate::links::Links;

#[derive(Serialize)]
pub(super) struct OrganisationView {
    name: String,
    /// Where participants write to the organisation, if it has said.
    contact: Option<String>,
    networks: Vec<NetworkLink>,
    subscribe: Subscribe,
    events: Vec<EventCard>,
}

/// An organisation: its networks, its calendar, and what is coming.
pub(super) async fn organisation_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let organisation: organisation::Model = db::organisations::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let networks = db::networks::list(&state.db.conn, Some(organisation.id)).await?;
    let events = db::events::list(
        &state.db.conn,
        &EventFilter {
            organisation_id: Some(organisation.id),
            ..EventFilter::upcoming(
                visibility::list_rule(Viewer::Public),
                100,
                state.clock.now(),
            )
        },
    )
    .await?;
    let links: &Links = state.mailer.links();
    let view = OrganisationView {
        name: organisation.name.clone(),
        contact: organisation.contact_email.clone(),
        networks: networks
            .iter()
            .map(|n| NetworkLink {
                name: n.name.clone(),
                url: links.network_url(&n.slug),
            })
            .collect(),
        subscribe: Subscribe::new(
            links.organisation_feed_url(&organisation.slug),
            &organisation.name,
        ),
        events: cards(&state, lang.language, &events, &networks, 3).await?,
    };
    Ok(Page::new("organisation", organisation.name.clone())
        .with(view)
        .render(&state.pages, &lang))
}
