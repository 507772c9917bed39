//! The year plan (`/arshjul?year=`, `/year-plan`): a year's events month by month, held,
//! coming and those whose date is not settled yet; printable. A network's page shows its
//! part of the plan with the same pieces.
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::capitalised;
use crate::db;
use crate::domain::programmes::PlanState;
use crate::domain::{period, Language};
use crate::format::{kind_label, month_year, session_time};
use crate::http::pages::lang::Lang;
use crate::http::pages::views;
use crate::http::pages::{Page, ShowErrorPage};
use crate::http::AppState;
use crate::service::programmes::{self, PlanMonth};

/// One session as the plan shows it.
#[derive(Serialize)]
pub(super) struct PlanItemView {
    title: String,
    url: String,
    kind: &'static str,
    network: Option<String>,
    /// "Samling 3 av 8" for an event of several sessions.
    part: Option<String>,
    /// The `<time datetime>`: an instant, or `YYYY-MM` when only the month is known.
    datetime: String,
    when: String,
    state: &'static str,
    state_text: String,
}

#[derive(Serialize)]
pub(super) struct PlanMonthView {
    id: String,
    name: String,
    items: Vec<PlanItemView>,
}

/// The plan's months drawn for `lang`, with network names from `networks`.
pub(super) fn months_view(
    state: &AppState,
    lang: Language,
    months: Vec<PlanMonth>,
    networks: &std::collections::HashMap<Uuid, String>,
) -> Vec<PlanMonthView> {
    let t = |k: &str| state.pages.text(lang, k);
    let links = state.mailer.links();
    months
        .into_iter()
        .map(|m| PlanMonthView {
            id: format!("m{:02}", m.first_day.month()),
            name: capitalised(&month_year(m.first_day, lang)),
            items: m
                .items
                .into_iter()
                .map(|i| {
                    let (state_class, key) = match i.state {
                        PlanState::Held => ("held", "plan_held"),
                        PlanState::Coming => ("coming", "plan_coming"),
                        PlanState::Undated => ("undated", "plan_undated"),
                        PlanState::Cancelled => ("cancelled", "plan_cancelled"),
                    };
                    PlanItemView {
                        url: links.event_url(i.event.id),
                        kind: kind_label(i.event.kind, lang),
                        network: i.event.network_id.and_then(|n| networks.get(&n).cloned()),
                        part: (i.of > 1).then(|| {
                            t("plan_part")
                                .replace("{n}", &i.number.to_string())
                                .replace("{of}", &i.of.to_string())
                        }),
                        datetime: views::starts_iso(Some(&i.session), i.session.starts_at),
                        when: session_time(
                            i.session.starts_at,
                            i.session.ends_at,
                            i.session.month.as_deref(),
                            i.zone,
                            lang,
                        ),
                        state: state_class,
                        state_text: t(key),
                        title: i.event.title,
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct PlanQuery {
    year: Option<String>,
    network: Option<String>,
}

#[derive(Serialize)]
struct YearPlanView {
    heading: String,
    year: i32,
    network: Option<String>,
    previous_url: String,
    previous: String,
    next_url: String,
    next: String,
    months: Vec<PlanMonthView>,
}

/// The year plan of `?year=` (this year by default), of one network with `?network=SLUG`.
pub(super) async fn year_plan(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<PlanQuery>,
) -> Result<Response, ShowErrorPage> {
    let now = state.clock.now();
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => now.with_timezone(&period::DEFAULT_ZONE).year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| period::REPORT_YEARS.contains(y))
            .ok_or_else(ShowErrorPage::bad_request)?,
    };
    let network = match q
        .network
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(slug) => Some(
            db::networks::find_by_slug(&state.db.conn, slug)
                .await?
                .ok_or_else(ShowErrorPage::not_found)?,
        ),
    };
    let months =
        programmes::year_plan(&state.db, year, network.as_ref().map(|n| n.id), now).await?;
    let networks = network_names(&state, &months).await?;
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let link = |y: i32| match &network {
        Some(n) => format!("/arshjul?year={y}&network={}", n.slug),
        None => format!("/arshjul?year={y}"),
    };
    let heading = match &network {
        Some(n) => t("plan_heading_network")
            .replace("{year}", &year.to_string())
            .replace("{network}", &n.name),
        None => t("plan_heading").replace("{year}", &year.to_string()),
    };
    let view = YearPlanView {
        previous_url: link(year - 1),
        previous: (year - 1).to_string(),
        next_url: link(year + 1),
        next: (year + 1).to_string(),
        months: months_view(&state, l, months, &networks),
        network: network.as_ref().map(|n| n.name.clone()),
        heading: heading.clone(),
        year,
    };
    Ok(Page::new("year_plan", heading)
        .nav("year_plan")
        .with(view)
        .render(&state.pages, &lang))
}

/// The names of the networks the plan's events belong to.
pub(super) async fn network_names(
    state: &AppState,
    months: &[PlanMonth],
) -> Result<std::collections::HashMap<Uuid, String>, ShowErrorPage> {
    let mut ids: Vec<Uuid> = months
        .iter()
        .flat_map(|m| m.items.iter().filter_map(|i| i.event.network_id))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(db::networks::find_many(&state.db.conn, ids)
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect())
}
