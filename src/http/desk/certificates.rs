//! The certificate register at the desk: how many certificates the organisation has issued
//! up to today, per municipality and per year ("Vestfold nå har 87 HHLR-instruktører"),
//! every certificate with its status, and the upload of the certificates issued before
//! Samling (the API's own functions).
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::auth::{csrf_matches, Desk};
use super::{desk_page, done, with_done, Done};
use crate::db::certificates::RegisterFilter;
use crate::domain::certificates::Validity;
use crate::http::pages::forms::{line_problem_text, problem_text, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Outcome, ShowErrorPage};
use crate::http::AppState;
use crate::service::certificates::{self, CertificateError};

/// The register's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/certificates", get(register_page).post(import))
}

#[derive(Serialize)]
struct CountRow {
    name: String,
    certificates: u64,
}

#[derive(Serialize)]
struct YearRow {
    year: i32,
    certificates: u64,
    cumulative: u64,
}

#[derive(Serialize)]
struct CertificateRow {
    number: String,
    name: String,
    course: String,
    issued: String,
    municipality: String,
    revoked: bool,
    imported: bool,
}

#[derive(Serialize)]
struct RegisterView {
    /// "8 gyldige kursbevis per 6. desember 2026."
    summary: String,
    municipalities: Vec<CountRow>,
    others: u64,
    years: Vec<YearRow>,
    rows: Vec<CertificateRow>,
    file: Field,
}

async fn register_page(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    render(&state, &lang, &desk, vec![], StatusCode::OK, &done_query).await
}

async fn render(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    errors: Vec<ErrorLink>,
    status: StatusCode,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let now = state.clock.now();
    let organisation = desk.organiser.organisation_id;
    let stats = certificates::stats(&state.db, organisation, None, None, now).await?;
    let register =
        certificates::register(&state.db, organisation, &RegisterFilter::default()).await?;
    let view = RegisterView {
        summary: t("desk_register_summary")
            .replace("{n}", &stats.total.to_string())
            .replace("{date}", &crate::format::long_date(stats.as_of, l)),
        municipalities: stats
            .municipalities
            .into_iter()
            .map(|m| CountRow {
                name: m.name,
                certificates: m.certificates,
            })
            .collect(),
        others: stats.others,
        years: stats
            .by_year
            .into_iter()
            .map(|y| YearRow {
                year: y.year,
                certificates: y.certificates,
                cumulative: y.cumulative,
            })
            .collect(),
        rows: register
            .into_iter()
            .rev()
            .map(|c| CertificateRow {
                revoked: c.status == Validity::Revoked,
                number: c.number,
                name: c.holder_name.unwrap_or_else(|| t("desk_name_removed")),
                course: c.course,
                issued: crate::format::long_date(c.issued_on, l),
                municipality: c.municipality.unwrap_or_default(),
                imported: c.imported,
            })
            .collect(),
        file: Field::text("file", t("desk_import_file"), None)
            .of_type("file")
            .hint(t("desk_register_import_hint"))
            .done(&errors),
    };
    let page = desk_page(desk, "admin/certificates", t("desk_register_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .nav("certificates");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

/// Imports earlier certificates from an uploaded file (every bad line reported; nothing
/// imported unless the whole file is good; lines imported before are skipped).
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
    if !csrf_matches(csrf.as_deref(), &desk) {
        return Err(ShowErrorPage {
            status: StatusCode::FORBIDDEN,
        });
    }
    let l = lang.language;
    let bad = |errors: Vec<ErrorLink>| {
        let (state, lang, desk) = (&state, &lang, &desk);
        async move {
            render(
                state,
                lang,
                desk,
                errors,
                StatusCode::BAD_REQUEST,
                &Done::default(),
            )
            .await
        }
    };
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return bad(vec![ErrorLink {
            field: Some("file".into()),
            message: state.pages.text(l, "desk_import_no_file"),
        }])
        .await;
    };
    let text = crate::service::municipalities::decode(&bytes);
    match certificates::import(&state.db, &desk.organiser, &text, state.clock.now()).await {
        Ok(_) => Ok(done("/admin/certificates", Outcome::Imported)),
        Err(CertificateError::Invalid(fields)) => {
            let errors = fields
                .iter()
                .flat_map(|(_, problem)| match problem {
                    crate::domain::Problem::FileLines(lines) => lines
                        .iter()
                        .map(|p| line_problem_text(&state.pages, p, l))
                        .collect::<Vec<_>>(),
                    other => vec![problem_text(&state.pages, other, l)],
                })
                .map(|message| ErrorLink {
                    field: Some("file".into()),
                    message,
                })
                .collect();
            bad(errors).await
        }
        Err(CertificateError::Db(e)) => Err(e.into()),
        Err(_) => Err(ShowErrorPage::not_found()),
    }
}
