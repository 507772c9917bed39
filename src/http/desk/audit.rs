//! The audit log at the desk (administrators only): who downloaded what, and how much.
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::auth::AdminDesk;
use super::desk_page;
use super::tokens::when;
use crate::http::pages::lang::Lang;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::audit;

/// How many entries the page shows (the API gives up to [`audit::MAX_ENTRIES`]).
const PAGE_ENTRIES: u64 = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_page))
}

#[derive(Serialize)]
struct EntryRow {
    at: String,
    actor: String,
    action: String,
    subject: String,
    amount: String,
}

async fn audit_page(
    State(state): State<AppState>,
    lang: Lang,
    AdminDesk(desk): AdminDesk,
) -> Result<Response, ShowErrorPage> {
    let t = |k: &str| state.pages.text(lang.language, k);
    let tz = super::organisation_zone(&state, &desk).await?;
    let rows: Vec<EntryRow> = audit::latest(&state.db, desk.actor(), PAGE_ENTRIES)
        .await?
        .ok_or_else(ShowErrorPage::not_found)?
        .into_iter()
        .map(|e| {
            // The log stores plain machine words for who and where; the page says them in
            // the reader's language.
            let said = |value: String, key: &str| match value.as_str() {
                "participant" | "command line" | "desk" => {
                    t(&format!("{key}_{}", value.replace(' ', "_")))
                }
                _ => value,
            };
            EntryRow {
                at: when(e.at, tz),
                action: t(&format!("audit_{}", e.action.replace('.', "_"))),
                amount: e.amount.map(|n| n.to_string()).unwrap_or_default(),
                actor: said(e.actor, "audit_actor"),
                subject: said(e.subject, "audit_subject"),
            }
        })
        .collect();
    Ok(desk_page(&desk, "admin/audit", t("desk_audit_title"))
        .with(serde_json::json!({ "rows": rows }))
        .nav("audit")
        .render(&state.pages, &lang))
}
