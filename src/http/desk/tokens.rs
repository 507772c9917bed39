//! API tokens at the desk (created, last used; a new one shown once; revoke after a
//! confirmation), and the organisation's organisers for administrators, who may disable
//! (after a confirmation) and enable others' accounts.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::{AdminDesk, Desk, DeskForm};
use super::{desk_page, done, filled, organisation_zone, with_done, Done};
use crate::db::{self};
use crate::domain::access;
use crate::http::extract::parse_id;
use crate::http::pages::forms::{ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::audit::Who;
use crate::service::organisers::{self, AccountError, ContactError};

/// Token and organiser routes of the desk.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/tokens", get(list).post(create))
        .route(
            "/admin/tokens/{id}/revoke",
            get(confirm_revoke).post(revoke),
        )
        .route("/admin/organisers", get(organisers_page))
        .route(
            "/admin/organisers/{id}/disable",
            get(confirm_disable).post(disable),
        )
        .route("/admin/organisers/{id}/enable", post(enable))
        .route("/admin/organisation/contact", post(set_contact))
}

#[derive(Serialize)]
struct TokenRow {
    owner: String,
    label: String,
    created: String,
    last_used: String,
    revoke_url: String,
}

#[derive(Serialize)]
struct TokensView {
    rows: Vec<TokenRow>,
    show_owner: bool,
    label: Field,
    new_token: Option<String>,
}

/// A moment at the desk, in the organisation's zone.
pub(super) fn when(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string()
}

async fn render(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    new_token: Option<String>,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let actor = desk.actor();
    let tz = organisation_zone(state, desk).await?;
    let rows = organisers::visible_tokens(&state.db, actor)
        .await?
        .into_iter()
        .map(|(owner, token)| TokenRow {
            owner: owner.name,
            label: token.label.unwrap_or_else(|| t("desk_token_unnamed")),
            created: when(token.created_at, tz),
            last_used: token
                .last_used_at
                .map_or_else(|| t("desk_never"), |at| when(at, tz)),
            revoke_url: format!("/admin/tokens/{}/revoke", token.id),
        })
        .collect();
    let view = TokensView {
        rows,
        show_owner: actor.is_admin,
        label: Field::text("label", t("desk_token_label"), None)
            .hint(t("desk_token_label_hint"))
            .optional()
            .done(&[]),
        new_token,
    };
    let page = desk_page(desk, "admin/tokens", t("desk_tokens_title"))
        .with(view)
        .nav("tokens");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

async fn list(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    render(&state, &lang, &desk, None, &done_query).await
}

#[derive(Deserialize)]
struct NewToken {
    label: Option<String>,
}

/// Creates a token and shows it once, in this answer only (never cached, never stored).
async fn create(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<NewToken>,
) -> Result<Response, ShowErrorPage> {
    let label = filled(&form.label).map(|l| l.chars().take(100).collect::<String>());
    let (token, _) = organisers::create_token(
        &state.db,
        Who::Organiser(&desk.organiser),
        &desk.organiser,
        label,
        state.clock.now(),
    )
    .await?;
    render(&state, &lang, &desk, Some(token), &Done::default()).await
}

#[derive(Serialize)]
struct RevokeView {
    label: String,
    owner: String,
    created: String,
    action: String,
}

async fn confirm_revoke(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let id: Uuid = parse_id(&id).map_err(|_| ShowErrorPage::not_found())?;
    let (owner, token) = organisers::visible_tokens(&state.db, desk.actor())
        .await?
        .into_iter()
        .find(|(_, t)| t.id == id)
        .ok_or_else(ShowErrorPage::not_found)?;
    let tz = organisation_zone(&state, &desk).await?;
    let view = RevokeView {
        label: token
            .label
            .unwrap_or_else(|| state.pages.text(lang.language, "desk_token_unnamed")),
        owner: owner.name,
        created: when(token.created_at, tz),
        action: format!("/admin/tokens/{id}/revoke"),
    };
    Ok(desk_page(
        &desk,
        "admin/token_revoke",
        state.pages.text(lang.language, "desk_revoke_title"),
    )
    .with(view)
    .nav("tokens")
    .render(&state.pages, &lang))
}

#[derive(Deserialize)]
struct Empty {}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    let id: Uuid = parse_id(&id).map_err(|_| ShowErrorPage::not_found())?;
    match organisers::revoke_token(
        &state.db,
        Who::Organiser(&desk.organiser),
        id,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(done("/admin/tokens", Outcome::Revoked)),
        Err(AccountError::NotFound) => Err(ShowErrorPage::not_found()),
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}

#[derive(Serialize)]
struct OrganiserRow {
    name: String,
    email: String,
    admin: String,
    password: String,
    status: String,
    is_me: bool,
    /// Set when the organiser at the desk may disable this account now.
    disable_url: Option<String>,
    /// Set when the organiser at the desk may enable this account now.
    enable_url: Option<String>,
}

/// The organisation's organisers (administrators only).
async fn organisers_page(
    State(state): State<AppState>,
    lang: Lang,
    AdminDesk(desk): AdminDesk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    render_organisers(&state, &lang, &desk, None, vec![], &done_query).await
}

/// The organisers page, with the contact form showing `typed` (after a refused change) or
/// the stored address, and `errors` (400 when there are any).
async fn render_organisers(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    typed: Option<&str>,
    errors: Vec<ErrorLink>,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let me = organisers::actor(&desk.organiser);
    let rows: Vec<OrganiserRow> =
        db::organisations::organisers_of(&state.db.conn, desk.organiser.organisation_id)
            .await?
            .into_iter()
            .map(|o| {
                let may = access::may_disable(me, o.id, o.organisation_id).is_ok();
                let disabled = o.disabled_at.is_some();
                OrganiserRow {
                    status: t(if o.disabled_at.is_some() {
                        "desk_organiser_disabled"
                    } else {
                        "desk_organiser_active"
                    }),
                    is_me: o.id == desk.organiser.id,
                    disable_url: (may && !disabled)
                        .then(|| format!("/admin/organisers/{}/disable", o.id)),
                    enable_url: (may && disabled)
                        .then(|| format!("/admin/organisers/{}/enable", o.id)),
                    admin: t(if o.is_admin { "yes" } else { "no" }),
                    password: t(if o.password_hash.is_some() {
                        "yes"
                    } else {
                        "no"
                    }),
                    name: o.name,
                    email: o.email,
                }
            })
            .collect();
    let organisation = db::organisations::find(&state.db.conn, desk.organiser.organisation_id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let stored = organisation.contact_email;
    let contact = Field::text(
        "contact_email",
        t("desk_contact_label"),
        typed.or(stored.as_deref()),
    )
    .of_type("email")
    .no_spellcheck()
    .hint(t("desk_contact_hint"))
    .optional()
    .done(&errors);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = desk_page(desk, "admin/organisers", t("desk_organisers_title"))
        .with(serde_json::json!({
            "rows": rows,
            "contact": contact,
            "organisation_slug": organisation.slug,
        }))
        .errors(errors)
        .status(status)
        .nav("organisers");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    contact_email: String,
}

/// Sets the organisation's contact address (administrators; others 404).
async fn set_contact(
    State(state): State<AppState>,
    lang: Lang,
    DeskForm { desk, form }: DeskForm<ContactForm>,
) -> Result<Response, ShowErrorPage> {
    let result = organisers::set_contact_email(
        &state.db,
        Who::Organiser(&desk.organiser),
        desk.organiser.organisation_id,
        &form.contact_email,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(_) => Ok(done("/admin/organisers", Outcome::ContactSaved)),
        Err(ContactError::NotAllowed) => Err(ShowErrorPage::not_found()),
        Err(ContactError::Invalid(_)) => {
            let errors = vec![ErrorLink {
                field: Some("contact_email".into()),
                message: state.pages.text(lang.language, "error_email_invalid"),
            }];
            render_organisers(
                &state,
                &lang,
                &desk,
                Some(&form.contact_email),
                errors,
                &Done::default(),
            )
            .await
        }
        Err(ContactError::Db(e)) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct DisableView {
    name: String,
    email: String,
    action: String,
}

/// "Disable this organiser?": the step before the disabling (administrators, another
/// organiser of their own organisation; themselves: told they cannot).
async fn confirm_disable(
    State(state): State<AppState>,
    lang: Lang,
    AdminDesk(desk): AdminDesk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let id: Uuid = parse_id(&id).map_err(|_| ShowErrorPage::not_found())?;
    let target = organisers::organiser_of(&state.db, desk.actor(), id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    if access::may_disable(desk.actor(), target.id, target.organisation_id)
        == Err(access::DisableRefusal::Oneself)
    {
        return Ok(done("/admin/organisers", Outcome::DisableSelf));
    }
    Ok(desk_page(
        &desk,
        "admin/organiser_disable",
        state.pages.text(lang.language, "desk_disable_title"),
    )
    .with(DisableView {
        name: target.name,
        email: target.email,
        action: format!("/admin/organisers/{id}/disable"),
    })
    .nav("organisers")
    .render(&state.pages, &lang))
}

async fn disable(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    change_disabled(&state, &desk, &id, true).await
}

async fn enable(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, .. }: DeskForm<Empty>,
) -> Result<Response, ShowErrorPage> {
    change_disabled(&state, &desk, &id, false).await
}

/// Disables or enables the organiser `id` (the rule: `domain::access::may_disable`; a
/// non-administrator or another organisation's account: 404).
async fn change_disabled(
    state: &AppState,
    desk: &Desk,
    id: &str,
    disable: bool,
) -> Result<Response, ShowErrorPage> {
    let id: Uuid = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    let target = organisers::organiser_of(&state.db, desk.actor(), id)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?;
    let by = Who::Organiser(&desk.organiser);
    match organisers::set_disabled(&state.db, by, &[target], disable, state.clock.now()).await {
        Ok(_) if disable => Ok(done("/admin/organisers", Outcome::OrganiserDisabled)),
        Ok(_) => Ok(done("/admin/organisers", Outcome::OrganiserEnabled)),
        Err(AccountError::Oneself) => Ok(done("/admin/organisers", Outcome::DisableSelf)),
        Err(AccountError::NotFound | AccountError::UnknownOrganiser) => {
            Err(ShowErrorPage::not_found())
        }
        Err(e) => Err(ShowErrorPage::internal(e)),
    }
}
