//! The organisation's participant roles at the desk (administrators): relabel them, add
//! new ones, take out unused ones. The same core function as `PUT /roles`.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::auth::{AdminDesk, Desk, DeskForm};
use super::{desk_page, done, with_done, Done};
use crate::domain::roles::{Role, RoleInput, MAX_ROLES};
use crate::http::pages::forms::{error_links, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Outcome, ShowErrorPage};
use crate::http::AppState;
use crate::service::roles::{self, RolesError};

/// Blank rows the form offers for new roles.
const NEW_ROWS: usize = 2;

/// Role routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/roles", get(roles_page).post(save))
}

#[derive(Serialize)]
struct RoleFieldset {
    legend: String,
    fields: Vec<Field>,
}

/// The form's rows: the roles as given (or stored) and blank ones for new roles.
fn fieldsets(
    state: &AppState,
    lang: &Lang,
    rows: &[RoleInput],
    errors: &[ErrorLink],
) -> Vec<RoleFieldset> {
    let t = |k: &str| state.pages.text(lang.language, k);
    let blank = RoleInput::default();
    rows.iter()
        .chain(std::iter::repeat_n(&blank, NEW_ROWS))
        .take(MAX_ROLES)
        .enumerate()
        .map(|(i, r)| {
            let name = |f: &str| format!("roles[{i}].{f}");
            RoleFieldset {
                legend: t("desk_roles_legend").replace("{n}", &(i + 1).to_string()),
                fields: vec![
                    Field::text(&name("label_nb"), t("desk_roles_label_nb"), r.nb.as_deref())
                        .done(errors),
                    Field::text(&name("label_en"), t("desk_roles_label_en"), r.en.as_deref())
                        .optional()
                        .done(errors),
                    Field::text(&name("key"), t("desk_roles_key"), r.key.as_deref())
                        .hint(t("desk_roles_key_hint"))
                        .no_spellcheck()
                        .done(errors),
                ],
            }
        })
        .collect()
}

async fn render(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    rows: &[RoleInput],
    errors: Vec<ErrorLink>,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let t = |k: &str| state.pages.text(lang.language, k);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = desk_page(desk, "admin/roles", t("desk_roles_title"))
        .with(serde_json::json!({ "fieldsets": fieldsets(state, lang, rows, &errors) }))
        .errors(errors)
        .status(status)
        .nav("organisers");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

fn as_input(r: Role) -> RoleInput {
    RoleInput {
        key: Some(r.key),
        nb: Some(r.nb),
        en: Some(r.en),
    }
}

async fn roles_page(
    State(state): State<AppState>,
    lang: Lang,
    AdminDesk(desk): AdminDesk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let list = roles::of_organisation(&state.db.conn, desk.organiser.organisation_id).await?;
    let rows: Vec<RoleInput> = list.into_iter().map(as_input).collect();
    render(&state, &lang, &desk, &rows, vec![], &done_query).await
}

/// The rows as posted, in order; a row left wholly blank is no role.
fn posted_rows(form: &HashMap<String, String>) -> Vec<RoleInput> {
    (0..MAX_ROLES)
        .map(|i| {
            let get = |f: &str| {
                form.get(&format!("roles[{i}].{f}"))
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            RoleInput {
                key: get("key"),
                nb: get("label_nb"),
                en: get("label_en"),
            }
        })
        .filter(|r| r.key.is_some() || r.nb.is_some() || r.en.is_some())
        .collect()
}

async fn save(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<HashMap<String, String>>,
) -> Result<Response, ShowErrorPage> {
    let rows = posted_rows(&form);
    match roles::set(&state.db, &desk.organiser, &rows, state.clock.now()).await {
        Ok(_) => Ok(done("/admin/roles", Outcome::RolesSaved)),
        Err(RolesError::NotAllowed) => Err(ShowErrorPage::not_found()),
        Err(RolesError::Invalid(fields)) => {
            let l = lang.language;
            let errors = error_links(&state.pages, &fields, l, &[], |field, problem| {
                let label = match field.rsplit('.').next() {
                    Some("key") => "desk_roles_key",
                    Some("label_nb") => "desk_roles_label_nb",
                    Some("label_en") => "desk_roles_label_en",
                    _ => "desk_roles_title",
                };
                let row = field
                    .split(['[', ']'])
                    .nth(1)
                    .and_then(|n| n.parse::<usize>().ok())
                    .map(|n| format!(" ({})", n + 1))
                    .unwrap_or_default();
                Some(format!(
                    "{}{row}: {}",
                    state.pages.text(l, label),
                    crate::http::pages::forms::problem_text(&state.pages, problem, l)
                ))
            });
            render(&state, &lang, &desk, &rows, errors, &Done::default()).await
        }
        Err(RolesError::Db(e)) => Err(e.into()),
    }
}
