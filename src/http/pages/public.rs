//! The public pages: what is coming (`/`), an event with its sign-up form, the receipt,
//! a network's and an organisation's page with calendar subscription, and the statements.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::forms::{error_links, ErrorLink, Field, PageForm};
use super::lang::Lang;
use super::views::{self, EventCard};
use super::{see_other, Page, Pages, ShowErrorPage};
use crate::db::entities::{event, event_session, network, organisation};
use crate::db::events::{EventContext, EventFilter};
use crate::db::{self};
use crate::domain::period::{self, start_of_local_day};
use crate::domain::visibility::{self, Viewer};
use crate::domain::{Availability, EventKind, EventStatus, Language, RegistrationStatus};
use crate::format::{kind_label, time_span};
use crate::http::api::registrations::{check_signup, SignupBody};
use crate::http::extract::parse_id;
use crate::http::AppState;
use crate::links::{webcal, Links};
use crate::service::registration::{self as signups, RegistrationError};

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
        .route("/personvern", get(privacy))
        .route("/privacy", get(privacy))
}

/// Events a page of the list shows.
const PER_PAGE: u64 = 20;

/// Roles a participant can give: stored as the Norwegian word (as the attendee list shows
/// it), labelled in the reader's language.
pub const ROLES: [(&str, &str); 4] = [
    ("Helsepersonell", "Health personnel"),
    ("Fagleder", "Professional lead"),
    ("Leder", "Leader"),
    ("Annet", "Other"),
];

/// The query of `/`: the filters as a plain GET form sends them.
#[derive(Debug, Default, Deserialize)]
struct HomeQuery {
    network: Option<String>,
    kind: Option<String>,
    month: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
struct HomeView {
    filters: Vec<Field>,
    events: Vec<EventCard>,
    filtered: bool,
    empty_installation: bool,
    previous_page: Option<String>,
    next_page: Option<String>,
    result_text: String,
}

/// `?network=…&kind=…&month=…&page=…` without `page`, for the pagination links.
fn filter_query(network: &str, kind: &str, month: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            [("network", network), ("kind", kind), ("month", month)]
                .into_iter()
                .filter(|(_, v)| !v.is_empty()),
        )
        .finish()
}

fn month_label(month: NaiveDate, lang: Language) -> String {
    const NB: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    match lang {
        Language::Nb => format!("{} {}", NB[month.month0() as usize], month.year()),
        Language::En => month.format("%B %Y").to_string(),
    }
}

/// Upcoming published events, soonest first, with filters and pages.
async fn home(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<HomeQuery>,
) -> Result<Response, ShowErrorPage> {
    let pages = &state.pages;
    let l = lang.language;
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
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=1000).contains(p))
        .unwrap_or(1);
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
    month_choices.extend(
        months
            .iter()
            .map(|m| (m.format("%Y-%m").to_string(), month_label(*m, l))),
    );
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
        previous_page: (page > 1).then(|| page_link(page - 1)),
        next_page: more.then(|| page_link(page + 1)),
        result_text,
        events: cards,
    };
    Ok(Page::new("home", pages.text(l, "home_title"))
        .with(view)
        .nav("home")
        .render(pages, &lang))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Event cards with their sessions and network names, each in its organisation's zone.
async fn cards(
    state: &AppState,
    lang: Language,
    events: &[event::Model],
    networks: &[network::Model],
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

/// The sign-up form as posted (input names fixed by PRODUCT.md).
#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    name: Option<String>,
    email: Option<String>,
    municipality: Option<String>,
    workplace: Option<String>,
    role: Option<String>,
    share_contact: Option<String>,
    /// The form's own id: the same form sent twice makes one registration.
    submission: Option<String>,
}

/// One session on the event page.
#[derive(Serialize)]
struct SessionView {
    number: usize,
    starts_iso: String,
    when: String,
    place: String,
}

#[derive(Serialize)]
struct EventView {
    id: Uuid,
    title: String,
    kind: String,
    description: Vec<String>,
    audience: Option<String>,
    organisation: String,
    organisation_url: String,
    network: Option<NetworkLink>,
    sessions: Vec<SessionView>,
    several_sessions: bool,
    members_only: bool,
    cancelled: bool,
    cancel_reason: Option<String>,
    window: Option<String>,
    availability: views::AvailabilityView,
    takes_signups: bool,
    waitlist_only: bool,
    form: Option<SignupFormView>,
}

#[derive(Serialize)]
struct NetworkLink {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct SignupFormView {
    action: String,
    submission: String,
    fields: Vec<Field>,
    municipalities: Vec<String>,
}

/// An event and its sign-up form (drafts are a 404 for the public).
async fn event_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let ctx = public_event(&state, &id).await?;
    render_event(
        &state,
        &lang,
        &ctx,
        &SignupForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn public_event(state: &AppState, id: &str) -> Result<EventContext, ShowErrorPage> {
    let id = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    db::events::context(&state.db.conn, id)
        .await?
        .filter(|c| {
            visibility::visible_by_id(c.event.status, c.event.organisation_id, Viewer::Public)
        })
        .ok_or_else(ShowErrorPage::not_found)
}

/// Draws the event page, with the form as posted and its problems when there are any.
async fn render_event(
    state: &AppState,
    lang: &Lang,
    ctx: &EventContext,
    input: &SignupForm,
    errors: Vec<ErrorLink>,
    status: StatusCode,
) -> Result<Response, ShowErrorPage> {
    let pages = &state.pages;
    let l = lang.language;
    let t = |k: &str| pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let now = state.clock.now();
    let state_now = Availability::of(&e.window(), &e.seats(), now);
    let network = match e.network_id {
        Some(id) => db::networks::find_many(&state.db.conn, vec![id])
            .await?
            .into_iter()
            .next()
            .map(|n| NetworkLink {
                url: state.mailer.links().network_url(&n.slug),
                name: n.name,
            }),
        None => None,
    };
    let window = match (e.registration_opens_at, e.registration_closes_at) {
        (Some(o), Some(c)) => Some(
            t("window_between")
                .replace("{opens}", &moment(o, tz, l))
                .replace("{closes}", &moment(c, tz, l)),
        ),
        (Some(o), None) => Some(t("window_opens").replace("{opens}", &moment(o, tz, l))),
        (None, Some(c)) => Some(t("window_closes").replace("{closes}", &moment(c, tz, l))),
        (None, None) => None,
    };
    let takes_signups = state_now.takes_signups();
    let form = if takes_signups {
        let municipalities = db::organisations::municipalities(&state.db.conn, e.organisation_id)
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect();
        Some(SignupFormView {
            action: format!("/events/{}", e.id),
            submission: input
                .submission
                .as_deref()
                .and_then(|s| Uuid::parse_str(s).ok())
                .unwrap_or_else(Uuid::new_v4)
                .to_string(),
            fields: signup_fields(pages, l, input, &errors),
            municipalities,
        })
    } else {
        None
    };
    let view = EventView {
        id: e.id,
        title: e.title.clone(),
        kind: capitalised(kind_label(e.kind, l)),
        description: paragraphs(e.description.as_deref()),
        audience: e.audience.clone(),
        organisation: ctx.organisation.name.clone(),
        organisation_url: format!("/organisations/{}", ctx.organisation.slug),
        network,
        sessions: sessions_view(pages, l, &ctx.sessions, tz),
        several_sessions: ctx.sessions.len() > 1,
        members_only: e.members_only,
        cancelled: e.status == EventStatus::Cancelled,
        cancel_reason: e.cancel_reason.clone(),
        window,
        availability: views::availability_of(pages, l, state_now, e.status),
        takes_signups,
        waitlist_only: matches!(state_now, Availability::WaitingList(_)),
        form,
    };
    Ok(Page::new("event", e.title.clone())
        .with(view)
        .errors(errors)
        .status(status)
        .render(pages, lang))
}

/// "12. mars 2026 kl. 09.00" in the zone.
fn moment(t: chrono::DateTime<Utc>, tz: chrono_tz::Tz, lang: Language) -> String {
    let local = t.with_timezone(&tz);
    match lang {
        Language::Nb => format!(
            "{} kl. {}",
            crate::format::date_nb(&local),
            local.format("%H.%M")
        ),
        Language::En => format!(
            "{}, {}",
            crate::format::date_en(&local),
            local.format("%H:%M")
        ),
    }
}

/// A description as paragraphs (blank lines separate them).
fn paragraphs(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn sessions_view(
    pages: &Pages,
    lang: Language,
    sessions: &[event_session::Model],
    tz: chrono_tz::Tz,
) -> Vec<SessionView> {
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| SessionView {
            number: i + 1,
            starts_iso: s.starts_at.to_rfc3339(),
            when: time_span(s.starts_at, s.ends_at, tz, lang),
            place: views::place(pages, lang, std::slice::from_ref(s)),
        })
        .collect()
}

/// The sign-up form's fields, input kept, problems beside them.
fn signup_fields(
    pages: &Pages,
    lang: Language,
    input: &SignupForm,
    errors: &[ErrorLink],
) -> Vec<Field> {
    let t = |k: &str| pages.text(lang, k);
    let role_choices = ROLES
        .iter()
        .map(|(nb, en)| {
            (
                nb.to_string(),
                match lang {
                    Language::Nb => nb.to_string(),
                    Language::En => en.to_string(),
                },
            )
        })
        .collect();
    let mut share = Field::text("share_contact", t("field_share_label"), None)
        .hint(t("field_share_hint"))
        .optional();
    share.legend = Some(t("field_share_legend"));
    share.checked = input.share_contact.is_some();
    vec![
        Field::text("name", t("field_name"), input.name.as_deref())
            .autocomplete("name")
            .no_spellcheck()
            .done(errors),
        Field::text("email", t("field_email"), input.email.as_deref())
            .of_type("email")
            .hint(t("field_email_hint"))
            .autocomplete("email")
            .no_spellcheck()
            .done(errors),
        {
            let mut f = Field::text(
                "municipality",
                t("field_municipality"),
                input.municipality.as_deref(),
            )
            .hint(t("field_municipality_hint"))
            .optional();
            f.list = Some("municipality-list".into());
            f.done(errors)
        },
        Field::text(
            "workplace",
            t("field_workplace"),
            input.workplace.as_deref(),
        )
        .hint(t("field_workplace_hint"))
        .autocomplete("organization")
        .optional()
        .done(errors),
        Field::text("role", t("field_role"), None)
            .choices(role_choices, input.role.as_deref().unwrap_or_default())
            .optional()
            .done(errors),
        share.done(errors),
    ]
}

/// The sign-up form's problems in the reader's words (GOV.UK style: say what to do).
fn signup_message(pages: &Pages, lang: Language, field: &str, problem: &str) -> Option<String> {
    let t = |k: &str| pages.text(lang, k);
    Some(match (field, problem) {
        ("name", "is required") => t("error_name_required"),
        ("email", "is required") => t("error_email_required"),
        ("email", _) => t("error_email_invalid"),
        ("role", _) => t("error_role"),
        (_, p) if p.starts_with("must be at most") => {
            let label = t(&format!("field_{field}"));
            t("error_too_long").replace("{field}", &label).replace(
                "{n}",
                p.trim_start_matches("must be at most ")
                    .trim_end_matches(" characters"),
            )
        }
        _ => return None,
    })
}

/// Order of the fields on the page (for the error summary).
const SIGNUP_ORDER: [&str; 6] = [
    "name",
    "email",
    "municipality",
    "workplace",
    "role",
    "share_contact",
];

/// The sign-up form's target: the same core function as the API; then 303 to the receipt.
async fn sign_up(
    State(state): State<AppState>,
    axum::extract::Extension(crate::http::limits::ClientAddr(client)): axum::extract::Extension<
        crate::http::limits::ClientAddr,
    >,
    lang: Lang,
    Path(id): Path<String>,
    PageForm(form): PageForm<SignupForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = public_event(&state, &id).await?;
    let pages = &state.pages;
    let l = lang.language;
    let role = form
        .role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let mut errors = crate::domain::FieldErrors::new();
    if role.is_some_and(|r| ROLES.iter().all(|(nb, _)| nb != &r)) {
        errors.insert("role".into(), "unknown".into());
    }
    let checked = check_signup(SignupBody {
        name: form.name.clone(),
        email: form.email.clone(),
        municipality: form.municipality.clone(),
        workplace: form.workplace.clone(),
        role: role.map(str::to_string),
        share_contact: Some(form.share_contact.is_some()),
        language: Some(l),
    });
    let input = match checked {
        Ok(input) if errors.is_empty() => input,
        result => {
            if let Err(more) = result {
                errors.extend(more);
            }
            let links = error_links(&errors, l, &SIGNUP_ORDER, |f, p| {
                signup_message(pages, l, f, p)
            });
            return render_event(&state, &lang, &ctx, &form, links, StatusCode::BAD_REQUEST).await;
        }
    };
    let input = signups::SignupInput {
        submission: form
            .submission
            .as_deref()
            .and_then(|s| Uuid::parse_str(s).ok()),
        network: Some(crate::http::limits::network_key(client)),
        ..input
    };
    let refusal = |field: Option<&str>, key: &str| {
        vec![ErrorLink {
            field: field.map(str::to_string),
            message: pages.text(l, key),
        }]
    };
    let (errors, status) = match state
        .signups
        .sign_up(ctx.event.id, input, state.clock.now())
        .await
    {
        Ok(done) => {
            return Ok(see_other(&format!(
                "/events/{}/receipt/{}",
                ctx.event.id, done.registration.id
            )))
        }
        Err(RegistrationError::AlreadyRegistered) => (
            refusal(Some("email"), "refusal_already_registered"),
            StatusCode::CONFLICT,
        ),
        Err(RegistrationError::MembersOnly) => (
            refusal(Some("email"), "refusal_members_only"),
            StatusCode::FORBIDDEN,
        ),
        Err(RegistrationError::Full) => (refusal(None, "refusal_full"), StatusCode::CONFLICT),
        Err(RegistrationError::NotYetOpen) => {
            (refusal(None, "refusal_not_yet_open"), StatusCode::CONFLICT)
        }
        Err(RegistrationError::Closed | RegistrationError::Started) => {
            (refusal(None, "refusal_closed"), StatusCode::CONFLICT)
        }
        Err(RegistrationError::EventCancelled) => {
            (refusal(None, "refusal_cancelled"), StatusCode::CONFLICT)
        }
        Err(RegistrationError::NotFound) => return Err(ShowErrorPage::not_found()),
        Err(RegistrationError::Db(e)) => return Err(e.into()),
    };
    // The page as it is now (a refusal may mean it has filled up), with the input kept.
    let ctx = public_event(&state, &id).await?;
    render_event(&state, &lang, &ctx, &form, errors, status).await
}

#[derive(Serialize)]
struct ReceiptView {
    event_title: String,
    event_url: String,
    confirmed: bool,
    waitlisted: bool,
    cancelled: bool,
    heading: String,
    position_text: Option<String>,
    several_sessions: bool,
    /// "Confirm from the mail by …" when the place is held until confirmed.
    confirm_text: Option<String>,
}

/// After a sign-up: confirmed or the place in line, that a mail went out, what happens next.
/// Bookmarkable; nothing in it opens anything. It shows no name or address: its URL holds
/// only the registration id, which is in the API's sign-up answer and could be in a proxy's
/// log, so whoever has the URL learns no more than that someone signed up.
async fn receipt(
    State(state): State<AppState>,
    lang: Lang,
    Path((id, registration)): Path<(String, String)>,
) -> Result<Response, ShowErrorPage> {
    let ctx = public_event(&state, &id).await?;
    let rid = parse_id(&registration).map_err(|_| ShowErrorPage::not_found())?;
    let reg = db::registrations::find(&state.db.conn, rid)
        .await?
        .filter(|r| r.event_id == ctx.event.id)
        .ok_or_else(ShowErrorPage::not_found)?;
    let pages = &state.pages;
    let l = lang.language;
    let position = match reg.status {
        RegistrationStatus::Waitlisted => {
            Some(db::registrations::waitlist_position(&state.db.conn, &reg).await?)
        }
        _ => None,
    };
    let heading = match reg.status {
        RegistrationStatus::Confirmed => pages.text(l, "receipt_confirmed"),
        RegistrationStatus::Waitlisted => pages.text(l, "receipt_waitlisted"),
        RegistrationStatus::Cancelled => pages.text(l, "receipt_cancelled"),
    };
    let view = ReceiptView {
        event_title: ctx.event.title.clone(),
        event_url: format!("/events/{}", ctx.event.id),
        confirmed: reg.status == RegistrationStatus::Confirmed,
        waitlisted: reg.status == RegistrationStatus::Waitlisted,
        cancelled: reg.status == RegistrationStatus::Cancelled,
        position_text: position.map(|p| {
            pages
                .text(l, "receipt_position")
                .replace("{n}", &p.to_string())
        }),
        heading: heading.clone(),
        several_sessions: ctx.sessions.len() > 1,
        confirm_text: views::confirm_by_text(
            pages,
            l,
            "receipt_confirm_by",
            reg.confirm_by,
            crate::domain::period::zone(&ctx.organisation.time_zone),
        ),
    };
    Ok(Page::new("receipt", heading)
        .with(view)
        .private()
        .render(pages, &lang))
}

/// How to subscribe to a feed from each calendar (`partials/subscribe.hbs`).
#[derive(Serialize)]
pub struct Subscribe {
    pub feed_url: String,
    pub webcal_url: String,
    pub outlook_live_url: String,
    pub outlook_office_url: String,
    pub google_url: &'static str,
}

impl Subscribe {
    /// The ways to subscribe to `feed_url`, named `name` in the calendar.
    pub fn new(feed_url: String, name: &str) -> Subscribe {
        let add_from_web = |host: &str| {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("url", &feed_url)
                .append_pair("name", name)
                .finish();
            format!("https://{host}/calendar/0/addfromweb?{query}")
        };
        Subscribe {
            webcal_url: webcal(&feed_url),
            outlook_live_url: add_from_web("outlook.live.com"),
            outlook_office_url: add_from_web("outlook.office.com"),
            google_url: "https://calendar.google.com/calendar/u/0/r/settings/addbyurl",
            feed_url,
        }
    }
}

#[derive(Serialize)]
struct NetworkView {
    name: String,
    description: Vec<String>,
    organisation: String,
    organisation_url: String,
    subscribe: Subscribe,
    events: Vec<EventCard>,
}

/// A network: what it is, how to subscribe to its calendar, and what is coming.
async fn network_page(
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

#[derive(Serialize)]
struct OrganisationView {
    name: String,
    networks: Vec<NetworkLink>,
    subscribe: Subscribe,
    events: Vec<EventCard>,
}

/// An organisation: its networks, its calendar, and what is coming.
async fn organisation_page(
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

/// The accessibility statement (required of Norwegian public bodies).
async fn accessibility(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new(
        "accessibility",
        state.pages.text(lang.language, "accessibility_title"),
    )
    .with(json!({ "nb": lang.language == Language::Nb }))
    .render(&state.pages, &lang)
}

/// What Samling keeps about participants, and their rights.
async fn privacy(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new("privacy", state.pages.text(lang.language, "privacy_title"))
        .with(json!({ "nb": lang.language == Language::Nb }))
        .render(&state.pages, &lang)
}
