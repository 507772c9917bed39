//! The sign-up form's target: the same core function as the API, then the receipt.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::event::{public_event, render_event, SignupForm};
use crate::domain::Language;
use crate::domain::Problem;
use crate::http::pages::forms::{error_links, ErrorLink, PageForm};
use crate::http::pages::lang::Lang;
use crate::http::pages::{see_other, views, Pages, ShowErrorPage};
use crate::http::AppState;
use crate::service::registration::{self as signups, RegistrationError};
use crate::service::signup_input::{check_signup, SignupFields};

/// The sign-up form's problems in the reader's words (GOV.UK style: say what to do).
fn signup_message(pages: &Pages, lang: Language, field: &str, problem: &Problem) -> Option<String> {
    let t = |k: &str| pages.text(lang, k);
    Some(match (field, problem) {
        ("name", Problem::Required) => t("error_name_required"),
        ("email", Problem::Required) => t("error_email_required"),
        ("email", _) => t("error_email_invalid"),
        ("role", _) => t("error_role"),
        (_, Problem::TooLong { max }) => t("error_too_long")
            .replace("{field}", &t(&format!("field_{field}")))
            .replace("{n}", &max.to_string()),
        _ => return None,
    })
}

/// Order of the fields on the page (for the error summary).
pub(super) const SIGNUP_ORDER: [&str; 6] = [
    "name",
    "email",
    "municipality",
    "workplace",
    "role",
    "share_contact",
];

/// The sign-up form's target: the same core function as the API; then 303 to the receipt.
pub(super) async fn sign_up(
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
    let roles = crate::service::roles::of_organisation(&state.db.conn, ctx.organisation.id).await?;
    let checked = check_signup(
        SignupFields {
            name: form.name.clone(),
            email: form.email.clone(),
            municipality: form.municipality.clone(),
            workplace: form.workplace.clone(),
            role: form.role.clone(),
            share_contact: form.share_contact.is_some(),
            language: l,
        },
        &roles,
    );
    let input = match checked {
        Ok(input) => input,
        Err(errors) => {
            let links = error_links(pages, &errors, l, &SIGNUP_ORDER, |f, p| {
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
            message: views::refusal_text(pages, l, key, ctx.organisation.contact_email.as_deref()),
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
        Err(RegistrationError::NotDated) => {
            (refusal(None, "refusal_not_dated"), StatusCode::CONFLICT)
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
