//! The public verification of a course certificate (`/kursbevis/{code}`): valid or revoked,
//! with the name, course and date, to whoever holds the code printed on it; nothing more.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::domain::certificates::Validity;
use crate::format;
use crate::http::pages::lang::Lang;
use crate::http::pages::{see_other, Page, ShowErrorPage};
use crate::http::AppState;
use crate::service::certificates;

#[derive(Serialize)]
struct CertificateCheck {
    heading: String,
    /// Whether a code was given and names a certificate.
    found: bool,
    asked: bool,
    revoked: bool,
    status_text: String,
    name: Option<String>,
    course: String,
    issued: String,
    organisation: String,
    code: String,
}

/// `?code=` of the form on the page.
#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: Option<String>,
}

/// The form to type a code from a printed certificate; a code sent opens its page.
pub(super) async fn form(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<CodeForm>,
) -> Result<Response, ShowErrorPage> {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        return Ok(see_other(&format!(
            "/kursbevis/{}",
            code.to_ascii_uppercase()
        )));
    }
    Ok(page(&state, &lang, None, String::new(), false))
}

/// A certificate's verification: valid or revoked (404 for a code that names none).
pub(super) async fn check(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let found = certificates::verify(&state.db, &code, state.clock.now()).await?;
    Ok(page(&state, &lang, found, code, true))
}

fn page(
    state: &AppState,
    lang: &Lang,
    found: Option<certificates::Verification>,
    code: String,
    asked: bool,
) -> Response {
    let pages = &state.pages;
    let l = lang.language;
    let t = |k: &str| pages.text(l, k);
    let status = if found.is_some() || !asked {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let view = match found {
        Some(v) => CertificateCheck {
            heading: t("certificate_title"),
            found: true,
            asked,
            revoked: v.status == Validity::Revoked,
            status_text: match v.status {
                Validity::Valid => t("certificate_valid"),
                Validity::Revoked => t("certificate_revoked"),
            },
            name: v.name,
            course: v.course,
            issued: format::long_date(v.issued_on, l),
            organisation: v.organisation,
            code,
        },
        None => CertificateCheck {
            heading: t("certificate_title"),
            found: false,
            asked,
            revoked: false,
            status_text: String::new(),
            name: None,
            course: String::new(),
            issued: String::new(),
            organisation: String::new(),
            code,
        },
    };
    let title = view.heading.clone();
    Page::new("certificate", title)
        .with(view)
        .status(status)
        .private()
        .render(pages, lang)
}
