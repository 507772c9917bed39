//! The organiser desk (`/admin`): sign in, events with their sessions, an event's desk
//! (registrations, waiting list, attendance, downloads, mail status), networks and members,
//! statistics, municipalities, API tokens. Built on the page machinery of the public pages
//! and the same core functions as the API. Every form carries the session's CSRF token;
//! every destructive action has a confirmation step; every POST ends in a redirect with a
//! short status message on the next page.
mod audit;
pub mod auth;
mod certificates;
mod events;
mod networks;
mod roles;
mod stats;
mod tokens;

use axum::extract::{Extension, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::limits::ClientAddr;
use super::pages::forms::{ErrorLink, Field, PageForm};
use super::pages::lang::Lang;
use super::pages::DeskMenu;
use super::pages::{see_other, Outcome, Page, PageNumber, ShowErrorPage};
use super::AppState;
use crate::db;
use crate::service::organisers;
use auth::{Desk, DeskForm};

/// Desk routes (under `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/sign-in", post(sign_in))
        .route("/admin/sign-out", post(sign_out))
        .merge(events::router())
        .merge(networks::router())
        .merge(stats::router())
        .merge(certificates::router())
        .merge(roles::router())
        .merge(tokens::router())
        .merge(audit::router())
        .layer(axum::middleware::map_response(same_origin_referrer))
}

/// Desk pages hold no token in their URLs, so they send their origin to this site only
/// (`same-origin`), never to another. With the private pages' `no-referrer` a browser sends
/// `Origin: null` even with our own forms, and the sign-in's check against cross-site posts
/// (`security::same_origin_post`) could not tell them from a forged one.
async fn same_origin_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    response
}

pub use crate::http::pages::Done;

/// The time zone of the organiser's organisation: the desk shows its times in it.
pub async fn organisation_zone(
    state: &AppState,
    desk: &Desk,
) -> Result<chrono_tz::Tz, ShowErrorPage> {
    Ok(
        db::organisations::find(&state.db.conn, desk.organiser.organisation_id)
            .await?
            .map_or(crate::domain::period::DEFAULT_ZONE, |o| {
                crate::domain::period::zone(&o.time_zone)
            }),
    )
}

/// A desk page for `desk`.
pub fn desk_page(desk: &Desk, template: &'static str, title: impl Into<String>) -> Page {
    let actor = crate::service::organisers::actor(&desk.organiser);
    let may = DeskMenu {
        organisers: crate::domain::access::may_manage_organisers(actor),
        audit_log: crate::domain::access::may_read_audit_log(actor),
    };
    Page::new(template, title).desk(&desk.organiser.name, may, &desk.csrf)
}

/// Adds the `?done=` notice to a page: the text `done_{word}`, if the page has one for it.
pub fn with_done(page: Page, done: &Done, state: &AppState, lang: &Lang) -> Page {
    let Some(outcome) = done.outcome() else {
        return page;
    };
    let key = format!("done_{}", outcome.as_str());
    let text = state.pages.text(lang.language, &key);
    if text == key {
        return page;
    }
    page.notice(text, Some(outcome.notice_kind()))
}

async fn home(
    State(state): State<AppState>,
    lang: Lang,
    desk: Result<Desk, auth::NotSignedIn>,
    Query(done): Query<Done>,
    Query(page): Query<PageNumber>,
) -> Result<Response, ShowErrorPage> {
    match desk {
        Ok(desk) => events::list(state, lang, desk, done, page).await,
        Err(auth::NotSignedIn::Failed(e)) => Err(e),
        Err(_) => Ok(sign_in_page(&state, &lang, "", vec![], StatusCode::OK)),
    }
}

#[derive(Serialize)]
struct SignInView {
    fields: Vec<Field>,
}

fn sign_in_page(
    state: &AppState,
    lang: &Lang,
    email: &str,
    errors: Vec<ErrorLink>,
    status: StatusCode,
) -> Response {
    let t = |k: &str| state.pages.text(lang.language, k);
    let view = SignInView {
        fields: vec![
            Field::text("email", t("field_email"), Some(email))
                .of_type("email")
                .autocomplete("username")
                .no_spellcheck()
                .done(&errors),
            Field::text("password", t("desk_password"), None)
                .of_type("password")
                .autocomplete("current-password")
                .done(&errors),
        ],
    };
    Page::new("admin/sign_in", t("desk_sign_in_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .desk_public()
        .render(&state.pages, lang)
}

/// The sign-in form.
#[derive(Deserialize)]
struct SignInForm {
    email: Option<String>,
    password: Option<String>,
}

/// Signs in: one answer for a wrong address and a wrong password, in the same time. A form
/// posted from another site is refused (403) before anything is checked: it would sign the
/// visitor in to an account the other site chose (login CSRF).
async fn sign_in(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    lang: Lang,
    headers: axum::http::HeaderMap,
    PageForm(form): PageForm<SignInForm>,
) -> Result<Response, ShowErrorPage> {
    if !crate::http::security::same_origin_post(&headers, state.settings.http.base_url.as_str()) {
        return Err(ShowErrorPage {
            status: StatusCode::FORBIDDEN,
        });
    }
    let email = form.email.unwrap_or_default();
    let password = form.password.unwrap_or_default();
    let t = |k: &str| state.pages.text(lang.language, k);
    let mut errors = vec![];
    if email.trim().is_empty() {
        errors.push(ErrorLink {
            field: Some("email".into()),
            message: t("error_email_required"),
        });
    }
    if password.is_empty() {
        errors.push(ErrorLink {
            field: Some("password".into()),
            message: t("desk_error_password_required"),
        });
    }
    if !errors.is_empty() {
        return Ok(sign_in_page(
            &state,
            &lang,
            &email,
            errors,
            StatusCode::BAD_REQUEST,
        ));
    }
    // Failed attempts on an account make the next ones wait, growing; while it waits the
    // password is not even checked.
    let account = crate::domain::normalize_email(&email);
    if let Some(wait) = state.limits.sign_in_wait(&account, client) {
        return Ok(crate::http::limits::too_many("/admin/sign-in", wait));
    }
    match organisers::sign_in(
        &state.db,
        &state.password_checks,
        &email,
        password,
        state.clock.now(),
    )
    .await
    {
        Ok(Some(session)) => {
            state.limits.sign_in_succeeded(&account, client);
            let mut response = see_other("/admin");
            let secure = state.settings.http.base_url.is_https();
            response.headers_mut().insert(
                header::SET_COOKIE,
                auth::session_set_cookie(&session.cookie, secure),
            );
            Ok(response)
        }
        Ok(None) => {
            state.limits.sign_in_failed(&account, client);
            Ok(sign_in_page(
                &state,
                &lang,
                &email,
                vec![ErrorLink {
                    field: Some("email".into()),
                    message: t("desk_error_sign_in"),
                }],
                StatusCode::UNAUTHORIZED,
            ))
        }
        Err(organisers::AccountError::Busy) => {
            let mut response = ShowErrorPage {
                status: StatusCode::SERVICE_UNAVAILABLE,
            }
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            Ok(response)
        }
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

#[derive(Deserialize)]
struct Nothing {}

/// Signs out: the session ends on the server, and the cookie is cleared.
async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    DeskForm { .. }: DeskForm<Nothing>,
) -> Result<Response, ShowErrorPage> {
    if let Some(cookie) = auth::session_cookie(&headers) {
        organisers::sign_out(&state.db, &cookie).await?;
    }
    let mut response = see_other(&format!("/admin?done={}", Outcome::SignedOut.as_str()));
    let secure = state.settings.http.base_url.is_https();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::session_clear_cookie(secure));
    Ok(response)
}

/// `Some(text)` for a non-empty trimmed form value.
pub fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The `done` redirect of a desk action.
pub fn done(path: &str, what: Outcome) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    see_other(&format!("{path}{sep}done={}", what.as_str()))
}
