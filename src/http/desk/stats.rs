//! Statistics at the desk: the participation table for a year or period, network, kind or
//! event, with totals, regions, per-1,000 rates and per-event rows; the chart paired with
//! its data table; downloads (the API's own). And the municipality reference list, with an
//! upload form for administrators.
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::auth::{csrf_matches, Desk};
use super::{desk_page, done, with_done, Done};
use crate::db::{self};
use crate::domain::{access, reference};
use crate::domain::{EventKind, Language};
use crate::format::{kind_label, kinds_counted};
use crate::http::pages::forms::{line_problem_text, problem_text, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::downloads::{self, DownloadError, Format, Prepared, StatsQuery};
use crate::service::municipalities;

/// Statistics and municipality routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/stats", get(stats_page))
        .route("/admin/stats/chart.svg", get(stats_chart))
        .route("/admin/stats/{file}", get(stats_file))
        .route(
            "/admin/municipalities",
            get(municipalities_page).post(import),
        )
}

#[derive(Serialize)]
struct Row {
    name: String,
    region: String,
    population: String,
    registered: u64,
    attended: u64,
    participants: u64,
    people: u64,
    per_1000: String,
}

#[derive(Serialize)]
struct EventRowView {
    title: String,
    kind: String,
    date: String,
    municipalities: u64,
    from_list: u64,
    others: u64,
    origins: u64,
    participants: u64,
    recorded: String,
}

#[derive(Serialize)]
struct StatsView {
    filters: Vec<Field>,
    rows: Vec<Row>,
    others: Row,
    total: Row,
    municipalities_with: u64,
    events_count: u64,
    regions: Vec<Row>,
    events: Vec<EventRowView>,
    /// Participation by role (every role of the list, then "not stated").
    roles: Vec<RoleRowView>,
    chart_url: String,
    xlsx_url: String,
    csv_url: String,
    roles_csv_url: String,
    svg_url: String,
    heading: String,
    has_reference: bool,
    /// The query was counted (the tables show, also without a reference list).
    counted: bool,
}

#[derive(Serialize)]
struct RoleRowView {
    label: String,
    registered: u64,
    participants: u64,
    people: u64,
    share: String,
}

fn decimal(value: Option<f64>, lang: Language) -> String {
    value.map_or_else(String::new, |v| {
        let s = format!("{v:.2}");
        match lang {
            Language::Nb => s.replace('.', ","),
            Language::En => s,
        }
    })
}

fn number(value: Option<i64>, lang: Language) -> String {
    value.map_or_else(String::new, |v| {
        let digits = v.to_string();
        let sep = match lang {
            Language::Nb => '\u{a0}',
            Language::En => ',',
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 && c.is_ascii_digit() {
                out.push(sep);
            }
            out.push(c);
        }
        out
    })
}

fn query_string(q: &StatsQuery) -> String {
    let pairs = [
        ("year", &q.year),
        ("from", &q.from),
        ("to", &q.to),
        ("network", &q.network),
        ("kind", &q.kind),
        ("series", &q.series),
        ("event", &q.event),
        ("people", &q.people),
    ];
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (*k, v))
        }))
        .finish()
}

/// The query as the filter form sends it: empty fields are "not given", no period is this
/// year, the page always shows the table (not a file), and the desk counts people too.
fn form_query(mut q: StatsQuery, this_year: i32) -> StatsQuery {
    for v in [
        &mut q.year,
        &mut q.from,
        &mut q.to,
        &mut q.network,
        &mut q.kind,
        &mut q.series,
        &mut q.event,
    ] {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *v = None;
        }
    }
    if q.year.is_none() && q.from.is_none() && q.to.is_none() {
        q.year = Some(this_year.to_string());
    }
    q.format = None;
    q.people = Some("true".into());
    q
}

/// The filter form: period, network, kind and event, as chosen.
async fn filter_fields(
    state: &AppState,
    l: Language,
    org: uuid::Uuid,
    q: &StatsQuery,
    this_year: i32,
    errors: &[ErrorLink],
) -> Result<Vec<Field>, ShowErrorPage> {
    let t = |k: &str| state.pages.text(l, k);
    let networks = db::networks::list(&state.db.conn, Some(org)).await?;
    let events = db::events::of_organisation(&state.db.conn, org, 0, 1000).await?;
    let mut year_choices = vec![(String::new(), t("desk_stats_period_dates"))];
    year_choices.extend(
        (this_year - 5..=this_year + 1)
            .rev()
            .map(|y| (y.to_string(), y.to_string())),
    );
    let mut network_choices = vec![(String::new(), t("filter_all"))];
    network_choices.extend(networks.iter().map(|n| (n.slug.clone(), n.name.clone())));
    let mut kind_choices = vec![(String::new(), t("filter_all"))];
    kind_choices.extend(
        EventKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), kind_label(*k, l).to_string())),
    );
    let series = db::series::of_organisation(&state.db.conn, org).await?;
    let mut series_choices = vec![(String::new(), t("filter_all"))];
    series_choices.extend(series.iter().map(|s| (s.slug.clone(), s.name.clone())));
    let mut event_choices = vec![(String::new(), t("filter_all"))];
    event_choices.extend(events.iter().map(|e| (e.id.to_string(), e.title.clone())));
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let date = |name: &str, label: &str, value: Option<&str>| {
        let mut f = Field::text(name, t(label), value)
            .of_type("date")
            .optional();
        f.short = true;
        f
    };
    let mut fields = vec![
        Field::text("year", t("desk_stats_year"), None)
            .choices(year_choices, &v(&q.year))
            .done(errors),
        date("from", "desk_stats_from", q.from.as_deref())
            .hint(t("desk_stats_from_hint"))
            .done(errors),
        date("to", "desk_stats_to", q.to.as_deref()).done(errors),
        Field::text("network", t("filter_network"), None)
            .choices(network_choices, &v(&q.network))
            .done(errors),
        Field::text("kind", t("filter_kind"), None)
            .choices(kind_choices, &v(&q.kind))
            .done(errors),
        Field::text("event", t("desk_stats_event"), None)
            .choices(event_choices, &v(&q.event))
            .done(errors),
    ];
    if !series.is_empty() {
        fields.insert(
            5,
            Field::text("series", t("desk_field_series"), None)
                .choices(series_choices, &v(&q.series))
                .done(errors),
        );
    }
    Ok(fields)
}

/// The tables of a counted query, with the links to its downloads.
fn tables_view(
    state: &AppState,
    l: Language,
    p: &Prepared,
    query: &str,
    heading: String,
    filters: Vec<Field>,
) -> StatsView {
    let t = |k: &str| state.pages.text(l, k);
    let tbl = &p.table;
    let row = |name: &str,
               region: Option<&str>,
               population: Option<i64>,
               c: &crate::service::stats::Counts,
               people: Option<u64>,
               per: Option<f64>| Row {
        name: name.to_string(),
        region: region.unwrap_or_default().to_string(),
        population: number(population, l),
        registered: c.registered,
        attended: c.attended,
        participants: c.participants,
        people: people.unwrap_or_default(),
        per_1000: decimal(per, l),
    };
    let tz = p.tz;
    StatsView {
        filters,
        rows: tbl
            .municipalities
            .iter()
            .map(|m| {
                row(
                    &m.name,
                    m.region.as_deref(),
                    m.population,
                    &m.counts,
                    m.people,
                    m.per_1000_inhabitants,
                )
            })
            .collect(),
        others: row(
            &t("desk_stats_others"),
            Some(
                &t("desk_stats_origins")
                    .replace("{n}", &tbl.others.origins.unwrap_or_default().to_string()),
            ),
            None,
            &tbl.others.counts,
            tbl.others.people,
            None,
        ),
        total: row(
            &t("desk_stats_total"),
            None,
            tbl.totals.population,
            &tbl.totals.counts,
            tbl.totals.people,
            tbl.totals.per_1000_inhabitants,
        ),
        municipalities_with: tbl.totals.municipalities_with_participants,
        events_count: tbl.totals.events,
        regions: tbl
            .regions
            .iter()
            .map(|r| {
                row(
                    &r.region,
                    None,
                    r.population,
                    &r.counts,
                    r.people,
                    r.per_1000_inhabitants,
                )
            })
            .collect(),
        events: tbl
            .events
            .iter()
            .map(|e| EventRowView {
                title: e.title.clone(),
                kind: kind_label(e.kind, l).to_string(),
                date: e
                    .starts_at
                    .with_timezone(&tz)
                    .format("%d.%m.%Y")
                    .to_string(),
                municipalities: e.municipalities,
                from_list: e.participants_from_municipalities,
                others: e.participants_others,
                origins: e.origins,
                participants: e.counts.participants,
                recorded: t(if e.attendance_recorded { "yes" } else { "no" }),
            })
            .collect(),
        roles: tbl
            .roles
            .iter()
            .flatten()
            .map(|r| RoleRowView {
                label: match r.key {
                    Some(_) => r.label.clone(),
                    None => t("desk_stats_not_stated"),
                },
                registered: r.counts.registered,
                participants: r.counts.participants,
                people: r.people.unwrap_or_default(),
                share: {
                    let s = format!("{:.1}", r.share_percent);
                    match l {
                        Language::Nb => s.replace('.', ","),
                        Language::En => s,
                    }
                },
            })
            .collect(),
        roles_csv_url: format!("/admin/stats/participation.csv?{query}&by=role"),
        chart_url: format!("/admin/stats/chart.svg?{query}"),
        xlsx_url: format!("/admin/stats/participation.xlsx?{query}"),
        csv_url: format!("/admin/stats/participation.csv?{query}"),
        svg_url: format!("/admin/stats/participation.svg?{query}"),
        heading,
        has_reference: !tbl.municipalities.is_empty(),
        counted: true,
    }
}

/// The period's evaluations (per event: invited, respondents, rate; per question key the
/// pooled answers), when any event of it has one.
async fn evaluations_view(
    state: &AppState,
    desk: &Desk,
    l: Language,
    q: &StatsQuery,
    query: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<serde_json::Value>, ShowErrorPage> {
    let json = StatsQuery {
        format: None,
        event: None,
        ..q.clone()
    };
    let answer = downloads::evaluations(
        &state.db,
        &desk.organiser,
        json,
        None,
        u64::from(state.settings.evaluation_min_respondents),
        now,
    )
    .await?;
    let downloads::EvaluationsAnswer::Table(table) = answer else {
        return Ok(None);
    };
    if table.events.is_empty() {
        return Ok(None);
    }
    let t = |k: &str| state.pages.text(l, k);
    let one = |v: f64| {
        let s = format!("{v:.1}");
        match l {
            Language::Nb => s.replace('.', ","),
            Language::En => s,
        }
    };
    let events: Vec<serde_json::Value> = table
        .events
        .iter()
        .map(|e| {
            serde_json::json!({
                "title": e.title,
                "date": e.starts_at.with_timezone(&tz).format("%d.%m.%Y").to_string(),
                "status": t(&format!("desk_evaluation_status_{}", e.status)),
                "invited": e.invited,
                "respondents": e.respondents,
                "rate": one(e.response_rate_percent),
                "url": format!("/admin/events/{}/evaluation", e.id),
            })
        })
        .collect();
    let questions: Vec<serde_json::Value> = table
        .questions
        .iter()
        .map(|q| {
            serde_json::json!({
                "text": q.text,
                "events": q.events,
                "answered": q.answered,
                "mean": q.mean.map(|m| decimal(Some(m), l)),
                "share": q.share_at_least_percent.map(one),
                "at_least": q.at_least,
            })
        })
        .collect();
    Ok(Some(serde_json::json!({
        "events": events,
        "questions": questions,
        "invited": table.invited,
        "respondents": table.respondents,
        "rate": one(table.response_rate_percent),
        "csv_url": format!("/admin/stats/evaluations.csv?{query}"),
        "xlsx_url": format!("/admin/stats/evaluations.xlsx?{query}"),
    })))
}

/// The events the period held, per network and kind, with a sentence for the report ("2
/// samlinger i Demensnettverket, 5 webinarer i Faglunsj").
async fn events_held_view(
    state: &AppState,
    desk: &Desk,
    l: Language,
    q: &StatsQuery,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<serde_json::Value>, ShowErrorPage> {
    let json = StatsQuery {
        format: None,
        event: None,
        ..q.clone()
    };
    let downloads::TableAnswer::Table(table) =
        downloads::events_held(&state.db, &desk.organiser, json, now).await?
    else {
        return Ok(None);
    };
    if table.events.is_empty() {
        return Ok(None);
    }
    let t = |k: &str| state.pages.text(l, k);
    let mut parts = Vec::new();
    let mut rows = Vec::new();
    for n in &table.by_network {
        let network = n.name.clone().unwrap_or_else(|| t("desk_held_no_network"));
        for k in &n.by_kind {
            let c = &k.counts;
            if c.events_held + c.events_planned + c.events_cancelled == 0 {
                continue;
            }
            if c.events_held > 0 {
                let counted = kinds_counted(k.kind, c.events_held, l);
                parts.push(match &n.name {
                    Some(name) => t("desk_held_part")
                        .replace("{counted}", &counted)
                        .replace("{network}", name),
                    None => t("desk_held_part_no_network").replace("{counted}", &counted),
                });
            }
            rows.push(serde_json::json!({
                "network": network,
                "kind": kind_label(k.kind, l),
                "held": c.events_held,
                "planned": c.events_planned,
                "cancelled": c.events_cancelled,
                "sessions_held": c.sessions_held,
                "sessions_planned": c.sessions_planned,
            }));
        }
    }
    let sentence = if parts.is_empty() {
        t("desk_held_none")
    } else {
        t("desk_held_sentence").replace("{parts}", &parts.join(", "))
    };
    Ok(Some(serde_json::json!({
        "sentence": sentence,
        "rows": rows,
        "totals": table.totals,
        "csv_url": format!("/admin/stats/events.csv?{query}"),
        "xlsx_url": format!("/admin/stats/events.xlsx?{query}"),
    })))
}

/// The participation table for the chosen period and filters.
async fn stats_page(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let org = desk.organiser.organisation_id;
    let now = state.clock.now();
    let q = form_query(q, now.year());
    let mut errors = vec![];
    let counted = StatsQuery {
        by: Some("role".into()),
        ..q.clone()
    };
    let prepared = match downloads::prepare(&state.db, org, counted, Some(Format::Json), now).await
    {
        Ok(p) => Some(p),
        Err(DownloadError::Invalid(fields)) => {
            errors = fields
                .iter()
                .map(|(f, p)| ErrorLink {
                    field: Some(f.to_string()),
                    message: format!(
                        "{}: {}",
                        t(&format!("desk_stats_{f}")),
                        problem_text(&state.pages, p, l).to_lowercase()
                    ),
                })
                .collect();
            None
        }
        Err(e) => return Err(e.into()),
    };
    let filters = filter_fields(&state, l, org, &q, now.year(), &errors).await?;
    let heading = match (&q.year, &q.from, &q.to) {
        (Some(y), None, None) => t("desk_stats_heading_year").replace("{year}", y),
        _ => t("desk_stats_heading_period")
            .replace("{from}", q.from.as_deref().unwrap_or("…"))
            .replace("{to}", q.to.as_deref().unwrap_or("…")),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let data = match prepared {
        Some(p) => {
            let query = query_string(&q);
            let view = tables_view(&state, l, &p, &query, heading, filters);
            let mut data = serde_json::to_value(view).unwrap_or_default();
            let evaluations = evaluations_view(&state, &desk, l, &q, &query, p.tz, now).await?;
            if let (Some(map), Some(e)) = (data.as_object_mut(), evaluations) {
                map.insert("evaluations".into(), e);
            }
            let held = events_held_view(&state, &desk, l, &q, &query, now).await?;
            if let (Some(map), Some(h)) = (data.as_object_mut(), held) {
                map.insert("held".into(), h);
            }
            data
        }
        None => serde_json::json!({ "filters": filters, "heading": heading }),
    };
    Ok(desk_page(&desk, "admin/stats", t("desk_stats_title"))
        .with(data)
        .errors(errors)
        .status(status)
        .nav("stats")
        .render(&state.pages, &lang))
}

/// The page's chart: the SVG download's picture, shown and not logged as a download.
async fn stats_chart(
    State(state): State<AppState>,
    desk: Desk,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ShowErrorPage> {
    let answer = downloads::prepare(
        &state.db,
        desk.organiser.organisation_id,
        q,
        Some(Format::Svg),
        state.clock.now(),
    )
    .await?
    .show()
    .await?;
    Ok(crate::http::api::stats::respond(answer))
}

/// The same downloads as the API (`participation.xlsx|csv|svg`), with the session.
async fn stats_file(
    State(state): State<AppState>,
    desk: Desk,
    Path(file): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ShowErrorPage> {
    let now = state.clock.now();
    let evaluations = |format: &str| StatsQuery {
        format: Some(format.to_string()),
        event: None,
        ..q.clone()
    };
    let format = match file.as_str() {
        "participation.csv" => Format::Csv,
        "participation.xlsx" => Format::Xlsx,
        "participation.svg" => Format::Svg,
        "evaluations.csv" | "evaluations.xlsx" => {
            let answer = downloads::evaluations(
                &state.db,
                &desk.organiser,
                evaluations(file.trim_start_matches("evaluations.")),
                None,
                u64::from(state.settings.evaluation_min_respondents),
                now,
            )
            .await?;
            return match answer {
                downloads::EvaluationsAnswer::File(f) => Ok(crate::http::api::exports::download(f)),
                downloads::EvaluationsAnswer::Table(_) => Err(ShowErrorPage::not_found()),
            };
        }
        "events.csv" | "events.xlsx" => {
            let query = evaluations(file.trim_start_matches("events."));
            return match downloads::events_held(&state.db, &desk.organiser, query, now).await? {
                downloads::TableAnswer::File(f) => Ok(crate::http::api::exports::download(f)),
                downloads::TableAnswer::Table(_) => Err(ShowErrorPage::not_found()),
            };
        }
        _ => return Err(ShowErrorPage::not_found()),
    };
    let answer = downloads::prepare(
        &state.db,
        desk.organiser.organisation_id,
        q,
        Some(format),
        now,
    )
    .await?
    .answer(&state.db, &desk.organiser, now)
    .await?;
    Ok(crate::http::api::stats::respond(answer))
}

#[derive(Serialize)]
struct MunicipalityRow {
    name: String,
    population: String,
    region: String,
    aliases: String,
    /// "fra 01.01.2024", "til 31.12.2023", "01.01.2020–31.12.2023", or empty.
    validity: String,
}

#[derive(Serialize)]
struct MunicipalitiesView {
    rows: Vec<MunicipalityRow>,
    may_import: bool,
    file: Field,
}

async fn render_municipalities(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    errors: Vec<ErrorLink>,
    status: StatusCode,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let rows = db::organisations::municipalities(&state.db.conn, desk.organiser.organisation_id)
        .await?
        .into_iter()
        .map(|m| MunicipalityRow {
            aliases: reference::aliases(m.aliases.as_deref()).join(", "),
            validity: validity_text(m.valid_from, m.valid_to, &t),
            name: m.name,
            population: number(m.population, l),
            region: m.region.unwrap_or_default(),
        })
        .collect();
    let file = Field::text("file", t("desk_import_file"), None)
        .of_type("file")
        .hint(t("desk_import_hint"))
        .done(&errors);
    let view = MunicipalitiesView {
        rows,
        may_import: access::may_manage_municipalities(desk.actor()),
        file,
    };
    let page = desk_page(desk, "admin/municipalities", t("desk_municipalities_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .nav("municipalities");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

/// When a municipality is on the list, in words ("fra 01.01.2024"); empty when always.
fn validity_text(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    t: &impl Fn(&str) -> String,
) -> String {
    let day = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    match (from, to) {
        (None, None) => String::new(),
        (Some(f), None) => t("desk_valid_from").replace("{date}", &day(f)),
        (None, Some(u)) => t("desk_valid_to").replace("{date}", &day(u)),
        (Some(f), Some(u)) => format!("{}–{}", day(f), day(u)),
    }
}

async fn municipalities_page(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    render_municipalities(&state, &lang, &desk, vec![], StatusCode::OK, &done_query).await
}

/// Imports the reference list from an uploaded file (administrators only; every bad line
/// reported; nothing imported unless the whole file is good).
async fn import(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    mut multipart: Multipart,
) -> Result<Response, ShowErrorPage> {
    let mut csrf = None;
    let mut bytes = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("file") => bytes = field.bytes().await.ok(),
            _ => {}
        }
    }
    if !csrf_matches(csrf.as_deref(), &desk) || !access::may_manage_municipalities(desk.actor()) {
        return Err(ShowErrorPage {
            status: StatusCode::FORBIDDEN,
        });
    }
    let t = |k: &str| state.pages.text(lang.language, k);
    let bytes = bytes.filter(|b| !b.is_empty());
    let Some(bytes) = bytes else {
        let errors = vec![ErrorLink {
            field: Some("file".into()),
            message: t("desk_import_no_file"),
        }];
        return render_municipalities(
            &state,
            &lang,
            &desk,
            errors,
            StatusCode::BAD_REQUEST,
            &Done::default(),
        )
        .await;
    };
    match municipalities::parse(&municipalities::decode(&bytes)) {
        Ok(rows) => {
            municipalities::import(&state.db, desk.organiser.organisation_id, &rows).await?;
            Ok(done("/admin/municipalities", Outcome::Imported))
        }
        Err(problems) => {
            let errors = problems
                .into_iter()
                .map(|p| ErrorLink {
                    field: Some("file".into()),
                    message: line_problem_text(&state.pages, &p, lang.language),
                })
                .collect();
            render_municipalities(
                &state,
                &lang,
                &desk,
                errors,
                StatusCode::BAD_REQUEST,
                &Done::default(),
            )
            .await
        }
    }
}
