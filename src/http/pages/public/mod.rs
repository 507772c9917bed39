//! The public pages: what is coming (`/`), an event with its sign-up form, the receipt,
//! a network's and an organisation's page with calendar subscription, and the statements.
//! One file per page; this one holds the routes and what the pages share.
mod certificate;
mod event;
mod home;
mod network;
mod organisation;
mod receipt;
mod signup;
mod statements;
mod year_plan;

use event::event_page;
use home::home;
use network::network_page;
use organisation::organisation_page;
use receipt::receipt;
use signup::sign_up;
use statements::{accessibility, privacy};
use std::collections::HashMap;

use axum::routing::get;
use axum::Router;
use serde::Serialize;
use uuid::Uuid;

use super::views::{self, EventCard};
use super::ShowErrorPage;
use crate::db;
use crate::db::entities;
use crate::domain::period;
use crate::domain::Language;
use crate::http::AppState;

/// Public pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/events/{id}", get(event_page).post(sign_up))
        .route("/events/{id}/receipt/{registration}", get(receipt))
        .route("/networks/{slug}", get(network_page))
        .route("/organisations/{slug}", get(organisation_page))
        .route("/tilgjengelighet", get(accessibility))
        .route("/accessibility", get(accessibility))
        .route("/kursbevis", get(certificate::form))
        .route("/kursbevis/{code}", get(certificate::check))
        .route("/certificates/{code}", get(certificate::check))
        .route("/arshjul", get(year_plan::year_plan))
        .route("/year-plan", get(year_plan::year_plan))
        .route("/personvern", get(privacy))
        .route("/privacy", get(privacy))
}

pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Event cards with their sessions and network names, each in its organisation's zone.
pub(super) async fn cards(
    state: &AppState,
    lang: Language,
    events: &[entities::event::Model],
    networks: &[entities::network::Model],
    level: u8,
) -> Result<Vec<EventCard>, ShowErrorPage> {
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let sessions = db::events::sessions_of_many(&state.db.conn, &ids).await?;
    let mut org_ids: Vec<Uuid> = events.iter().map(|e| e.organisation_id).collect();
    org_ids.sort();
    org_ids.dedup();
    let zones: HashMap<Uuid, chrono_tz::Tz> =
        db::organisations::find_many(&state.db.conn, &org_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, period::zone(&o.time_zone)))
            .collect();
    let names: HashMap<Uuid, String> = networks.iter().map(|n| (n.id, n.name.clone())).collect();
    let style = views::CardStyle {
        pages: &state.pages,
        lang,
        links: state.mailer.links(),
        level,
        now: state.clock.now(),
    };
    Ok(events
        .iter()
        .map(|e| {
            style.card(
                e,
                sessions.get(&e.id).map(Vec::as_slice).unwrap_or_default(),
                e.network_id.and_then(|n| names.get(&n).cloned()),
                zones
                    .get(&e.organisation_id)
                    .copied()
                    .unwrap_or(period::DEFAULT_ZONE),
            )
        })
        .collect())
}

#[derive(Serialize)]
pub(super) struct NetworkLink {
    name: String,
    url: String,
}

/// A description as paragraphs (blank lines separate them).
pub(super) fn paragraphs(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
