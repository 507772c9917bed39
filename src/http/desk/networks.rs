//! Networks and their members at the desk: create a network; add members one at a time or
//! by pasting a list (bad lines reported, nothing half-added); remove a member after a
//! confirmation.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::auth::{Desk, DeskForm};
use super::{desk_page, done, with_done, Done};
use crate::db::entities::network;
use crate::db::{self};
use crate::domain::Problem;
use crate::http::pages::forms::{error_links, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::{PageLinks, PageNumber, ShowErrorPage};
use crate::http::AppState;
use crate::service::network_stats::{self, NetworkStatsQuery};
use crate::service::networks::{
    self as network_service, MemberInput, NetworkError, NewNetwork, PasteProblem,
};

/// Network routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/networks", get(list).post(create))
        .route("/admin/networks/{slug}", get(show))
        .route("/admin/networks/{slug}/members", post(add_member))
        .route("/admin/networks/{slug}/members/paste", post(paste_members))
        .route(
            "/admin/networks/{slug}/members/remove",
            get(confirm_remove).post(remove),
        )
}

async fn own_network(
    state: &AppState,
    desk: &Desk,
    slug: &str,
) -> Result<network::Model, ShowErrorPage> {
    crate::service::networks::of_organisation(&state.db, desk.organiser.organisation_id, slug)
        .await?
        .ok_or_else(ShowErrorPage::not_found)
}

#[derive(Serialize)]
struct NetworkRow {
    name: String,
    slug: String,
    url: String,
    public_url: String,
    members: u64,
    municipalities: u64,
    events_held: u64,
    participants: u64,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<NetworkRow>,
    /// "Gjennomført i 2026", "Deltakere i 2026".
    held_heading: String,
    participants_heading: String,
    fields: Vec<Field>,
}

#[derive(Debug, Default, Deserialize)]
struct NetworkForm {
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
}

async fn render_list(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    form: &NetworkForm,
    errors: Vec<ErrorLink>,
    status: StatusCode,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    // This year's figures, as GET /stats/networks?year= gives them, members as of today.
    let now = state.clock.now();
    let year = now.year().to_string();
    let query = NetworkStatsQuery {
        year: Some(year.clone()),
        ..Default::default()
    };
    let stats =
        network_stats::compute(&state.db, desk.organiser.organisation_id, query, now).await?;
    let rows = stats
        .networks
        .into_iter()
        .map(|n| NetworkRow {
            url: format!("/admin/networks/{}", n.network),
            public_url: format!("/networks/{}", n.network),
            name: n.name,
            slug: n.network,
            members: n.members,
            municipalities: n.municipalities_represented,
            events_held: n.events_held,
            participants: n.participants,
        })
        .collect();
    let mut description = Field::text(
        "description",
        t("desk_field_description"),
        form.description.as_deref(),
    )
    .optional();
    description.rows = Some(4);
    let view = ListView {
        rows,
        held_heading: t("desk_networks_held").replace("{year}", &year),
        participants_heading: t("desk_networks_participants").replace("{year}", &year),
        fields: vec![
            Field::text("name", t("desk_network_name"), form.name.as_deref()).done(&errors),
            Field::text("slug", t("desk_network_slug"), form.slug.as_deref())
                .hint(t("desk_network_slug_hint"))
                .no_spellcheck()
                .done(&errors),
            description.done(&errors),
        ],
    };
    let page = desk_page(desk, "admin/networks", t("desk_networks_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .nav("networks");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

async fn list(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    render_list(
        &state,
        &lang,
        &desk,
        &NetworkForm::default(),
        vec![],
        StatusCode::OK,
        &done_query,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<NetworkForm>,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let result = network_service::create(
        &state.db,
        desk.organiser.organisation_id,
        NewNetwork {
            slug: form.slug.clone(),
            name: form.name.clone(),
            description: form.description.clone(),
        },
        state.clock.now(),
    )
    .await;
    let errors = match result {
        Ok(n) => {
            return Ok(done(
                &format!("/admin/networks/{}", n.slug),
                Outcome::NetworkCreated,
            ))
        }
        Err(NetworkError::Invalid(fields)) => error_links(
            &state.pages,
            &fields,
            l,
            &["name", "slug", "description"],
            |f, _| Some(state.pages.text(l, &format!("desk_error_network_{f}"))),
        ),
        Err(NetworkError::SlugTaken) => vec![ErrorLink {
            field: Some("slug".into()),
            message: state.pages.text(l, "desk_error_slug_taken"),
        }],
        Err(NetworkError::Db(e)) => return Err(e.into()),
    };
    render_list(
        &state,
        &lang,
        &desk,
        &form,
        errors,
        StatusCode::BAD_REQUEST,
        &Done::default(),
    )
    .await
}

#[derive(Serialize)]
struct MemberRow {
    email: String,
    name: String,
    municipality: String,
    remove_url: String,
}

#[derive(Serialize)]
struct NetworkView {
    name: String,
    slug: String,
    public_url: String,
    members: Vec<MemberRow>,
    member_count: u64,
    member_pages: PageLinks,
    add_fields: Vec<Field>,
    paste: Field,
    add_action: String,
    paste_action: String,
}

#[derive(Debug, Default, Deserialize)]
struct MemberForm {
    email: Option<String>,
    name: Option<String>,
    municipality: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PasteForm {
    addresses: Option<String>,
}

/// Members a page of the desk's network page shows.
const MEMBERS_PER_PAGE: u64 = 200;

#[allow(clippy::too_many_arguments)]
async fn render_network(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    network: &network::Model,
    member: &MemberForm,
    paste: &PasteForm,
    errors: Vec<ErrorLink>,
    status: StatusCode,
    done_query: &Done,
    page: u64,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let mut members = db::networks::members_at(
        &state.db.conn,
        network.id,
        (page - 1) * MEMBERS_PER_PAGE,
        MEMBERS_PER_PAGE + 1,
    )
    .await?;
    let more = members.len() as u64 > MEMBERS_PER_PAGE;
    members.truncate(MEMBERS_PER_PAGE as usize);
    let member_count = db::networks::member_count(&state.db.conn, network.id).await?;
    let slug = network.slug.clone();
    let member_pages = PageLinks::new(page, more, |p| {
        format!("/admin/networks/{slug}?page={p}#members")
    });
    let members = members
        .into_iter()
        .map(|m| MemberRow {
            remove_url: format!(
                "/admin/networks/{}/members/remove?email={}",
                network.slug,
                url::form_urlencoded::byte_serialize(m.email.as_bytes()).collect::<String>()
            ),
            email: m.email,
            name: m.name.unwrap_or_default(),
            municipality: m.municipality.unwrap_or_default(),
        })
        .collect();
    let mut paste_field = Field::text(
        "addresses",
        t("desk_paste_label"),
        paste.addresses.as_deref(),
    )
    .hint(t("desk_paste_hint"));
    paste_field.rows = Some(8);
    let view = NetworkView {
        name: network.name.clone(),
        slug: network.slug.clone(),
        public_url: format!("/networks/{}", network.slug),
        members,
        member_count,
        member_pages,
        add_fields: vec![
            Field::text("email", t("field_email"), member.email.as_deref())
                .of_type("email")
                .no_spellcheck()
                .done(&errors),
            Field::text("name", t("field_name"), member.name.as_deref())
                .optional()
                .done(&errors),
            Field::text(
                "municipality",
                t("field_municipality"),
                member.municipality.as_deref(),
            )
            .optional()
            .done(&errors),
        ],
        paste: paste_field.done(&errors),
        add_action: format!("/admin/networks/{}/members", network.slug),
        paste_action: format!("/admin/networks/{}/members/paste", network.slug),
    };
    let page = desk_page(desk, "admin/network", network.name.clone())
        .with(view)
        .errors(errors)
        .status(status)
        .nav("networks");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

async fn show(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(slug): Path<String>,
    Query(done_query): Query<Done>,
    Query(page): Query<PageNumber>,
) -> Result<Response, ShowErrorPage> {
    let network = own_network(&state, &desk, &slug).await?;
    render_network(
        &state,
        &lang,
        &desk,
        &network,
        &MemberForm::default(),
        &PasteForm::default(),
        vec![],
        StatusCode::OK,
        &done_query,
        page.get(),
    )
    .await
}

async fn add_member(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    DeskForm { desk, form }: DeskForm<MemberForm>,
) -> Result<Response, ShowErrorPage> {
    let network = own_network(&state, &desk, &slug).await?;
    let l = lang.language;
    let result = network_service::add_member(
        &state.db,
        &network,
        MemberInput {
            email: form.email.clone(),
            name: form.name.clone(),
            municipality: form.municipality.clone(),
        },
        state.clock.now(),
    )
    .await;
    let back = format!("/admin/networks/{}", network.slug);
    match result {
        Ok((_, true)) => Ok(done(&back, Outcome::MemberAdded)),
        Ok((_, false)) => Ok(done(&back, Outcome::MemberAlready)),
        Err(NetworkError::Invalid(fields)) => {
            let errors = error_links(
                &state.pages,
                &fields,
                l,
                &["email", "name", "municipality"],
                |f, p| match f {
                    "email" if *p == Problem::Required => {
                        Some(state.pages.text(l, "error_email_required"))
                    }
                    "email" => Some(state.pages.text(l, "error_email_invalid")),
                    _ => None,
                },
            );
            render_network(
                &state,
                &lang,
                &desk,
                &network,
                &form,
                &PasteForm::default(),
                errors,
                StatusCode::BAD_REQUEST,
                &Done::default(),
                1,
            )
            .await
        }
        Err(NetworkError::SlugTaken) => Err(ShowErrorPage::bad_request()),
        Err(NetworkError::Db(e)) => Err(e.into()),
    }
}

async fn paste_members(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    DeskForm { desk, form }: DeskForm<PasteForm>,
) -> Result<Response, ShowErrorPage> {
    let network = own_network(&state, &desk, &slug).await?;
    let text = form.addresses.clone().unwrap_or_default();
    match network_service::add_members_from_text(&state.db, &network, &text, state.clock.now())
        .await
    {
        Ok(report) => {
            let back = format!("/admin/networks/{}", network.slug);
            let what = if report.already > 0 {
                Outcome::MembersPastedSomeKnown
            } else {
                Outcome::MembersPasted
            };
            Ok(done(&back, what))
        }
        Err(Ok(problems)) => {
            let t = |k: &str| state.pages.text(lang.language, k);
            let errors = problems
                .into_iter()
                .map(|p| ErrorLink {
                    field: Some("addresses".into()),
                    message: match p {
                        PasteProblem::BadLine { line, text } => t("paste_bad_line")
                            .replace("{n}", &line.to_string())
                            .replace("{text}", &text),
                        PasteProblem::TooMany => t("paste_too_many")
                            .replace("{n}", &network_service::MAX_PASTED.to_string()),
                        PasteProblem::Empty => t("paste_empty"),
                    },
                })
                .collect();
            render_network(
                &state,
                &lang,
                &desk,
                &network,
                &MemberForm::default(),
                &form,
                errors,
                StatusCode::BAD_REQUEST,
                &Done::default(),
                1,
            )
            .await
        }
        Err(Err(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct RemoveQuery {
    email: Option<String>,
}

#[derive(Serialize)]
struct RemoveView {
    network: String,
    email: String,
    action: String,
    back_url: String,
}

async fn confirm_remove(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(slug): Path<String>,
    Query(q): Query<RemoveQuery>,
) -> Result<Response, ShowErrorPage> {
    let network = own_network(&state, &desk, &slug).await?;
    let email = q.email.unwrap_or_default();
    let view = RemoveView {
        network: network.name.clone(),
        email,
        action: format!("/admin/networks/{}/members/remove", network.slug),
        back_url: format!("/admin/networks/{}", network.slug),
    };
    Ok(desk_page(
        &desk,
        "admin/member_remove",
        state.pages.text(lang.language, "desk_remove_member_title"),
    )
    .with(view)
    .nav("networks")
    .render(&state.pages, &lang))
}

async fn remove(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    DeskForm { desk, form }: DeskForm<RemoveQuery>,
) -> Result<Response, ShowErrorPage> {
    let network = own_network(&state, &desk, &slug).await?;
    let removed = network_service::remove_member(
        &state.db,
        &network,
        form.email.as_deref().unwrap_or_default(),
    )
    .await?;
    let back = format!("/admin/networks/{}", network.slug);
    Ok(done(
        &back,
        if removed {
            Outcome::MemberRemoved
        } else {
            Outcome::MemberNotFound
        },
    ))
}
