//! The home page (`/`): what is coming, with filters and pages.
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{capitalised, cards};
use crate::db;
use crate::db::events::EventFilter;
use crate::domain::period::{self, start_of_local_day};
use crate::domain::visibility::{self, Viewer};
use crate::domain::EventKind;
use crate::format::kind_label;
use crate::http::pages::forms::Field;
use crate::http::pages::lang::Lang;
use crate::http::pages::views::EventCard;
use crate::http::pages::{Page, PageLinks, PageNumber, ShowErrorPage};
use crate::http::AppState;

/// Events a page of the list shows.
pub(super) const PER_PAGE: u64 = 20;

/// The query of `/`: the filters as a plain GET form sends them.
#[derive(Debug, Default, Deserialize)]
pub(super) struct HomeQuery {
    network: Option<String>,
    kind: Option<String>,
    month: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
pub(super) struct HomeView {
    filters: Vec<Field>,
    events: Vec<EventCard>,
    filtered: bool,
    empty_installation: bool,
    pages: PageLinks,
    result_text: String,
}

/// `?network=…&kind=…&month=…&page=…` without `page`, for the pagination links.
pub(super) fn filter_query(network: &str, kind: &str, month: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            [("network", network), ("kind", kind), ("month", month)]
                .into_iter()
                .filter(|(_, v)| !v.is_empty()),
        )
        .finish()
}

/// Upcoming published events, soonest first, with filters and pages.
pub(super) async fn home(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<HomeQuery>,
) -> Result<Response, ShowErrorPage> {
    let pages = &state.pages;
    let l = lang.language;
    // Every organisation's events are listed here, so "today" and the months are those of
    // the installation's zone (each organisation's default); each card still shows its
    // times in its own organisation's zone.
    let tz = period::DEFAULT_ZONE;
    let networks = db::networks::list(&state.db.conn, None).await?;
    let network = q
        .network
        .as_deref()
        .and_then(|slug| networks.iter().find(|n| n.slug == slug));
    let kind = q.kind.as_deref().and_then(EventKind::parse);
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let months: Vec<NaiveDate> = (0..12)
        .filter_map(|i| this_month.checked_add_months(Months::new(i)))
        .collect();
    let month = q.month.as_deref().and_then(|m| {
        NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .ok()
            .filter(|d| months.contains(d))
    });
    let page = PageNumber::of(q.page.as_deref());
    let mut filter = EventFilter {
        network_id: network.map(|n| n.id),
        kind,
        offset: (page - 1) * PER_PAGE,
        ..EventFilter::upcoming(
            visibility::list_rule(Viewer::Public),
            PER_PAGE + 1,
            state.clock.now(),
        )
    };
    if let Some(m) = month {
        filter.from = Some(start_of_local_day(m, tz).max(state.clock.now()));
        filter.to = m
            .checked_add_months(Months::new(1))
            .map(|next| start_of_local_day(next, tz));
    }
    let mut events = db::events::list(&state.db.conn, &filter).await?;
    let more = events.len() as u64 > PER_PAGE;
    events.truncate(PER_PAGE as usize);
    let filtered = network.is_some() || kind.is_some() || month.is_some();
    let empty_installation =
        events.is_empty() && !filtered && page == 1 && !db::events::any(&state.db.conn).await?;
    let cards = cards(&state, l, &events, &networks, 2).await?;

    let all = pages.text(l, "filter_all");
    let mut network_choices = vec![(String::new(), all.clone())];
    network_choices.extend(networks.iter().map(|n| (n.slug.clone(), n.name.clone())));
    let mut kind_choices = vec![(String::new(), all.clone())];
    kind_choices.extend(
        EventKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), capitalised(kind_label(*k, l)))),
    );
    let mut month_choices = vec![(String::new(), pages.text(l, "filter_all_months"))];
    month_choices.extend(months.iter().map(|m| {
        (
            m.format("%Y-%m").to_string(),
            crate::format::month_year(*m, l),
        )
    }));
    let (network_value, kind_value, month_value) = (
        network.map(|n| n.slug.clone()).unwrap_or_default(),
        kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        month
            .map(|m| m.format("%Y-%m").to_string())
            .unwrap_or_default(),
    );
    let filters = vec![
        Field::text("network", pages.text(l, "filter_network"), None)
            .choices(network_choices, &network_value)
            .done(&[]),
        Field::text("kind", pages.text(l, "filter_kind"), None)
            .choices(kind_choices, &kind_value)
            .done(&[]),
        Field::text("month", pages.text(l, "filter_month"), None)
            .choices(month_choices, &month_value)
            .done(&[]),
    ];
    let query = filter_query(&network_value, &kind_value, &month_value);
    let page_link = |p: u64| {
        let mut q = query.clone();
        if p > 1 {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("page={p}"));
        }
        if q.is_empty() {
            "/".to_string()
        } else {
            format!("/?{q}")
        }
    };
    let shown = cards.len();
    let result_text = if shown == 0 {
        pages.text(l, "home_no_events")
    } else {
        pages
            .text(l, "home_showing")
            .replace("{from}", &((page - 1) * PER_PAGE + 1).to_string())
            .replace("{to}", &((page - 1) * PER_PAGE + shown as u64).to_string())
    };
    let view = HomeView {
        filters,
        filtered,
        empty_installation,
        pages: PageLinks::new(page, more, page_link),
        result_text,
        events: cards,
    };
    Ok(Page::new("home", pages.text(l, "home_title"))
        .with(view)
        .nav("home")
        .render(pages, &lang))
}
