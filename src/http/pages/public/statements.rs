//! The accessibility statement and the privacy page, fed from the operator's settings
//! (`operator_*`) and the retention periods, so that what they say is what happens.
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use crate::domain::Language;
use crate::http::pages::lang::Lang;
use crate::http::pages::Page;
use crate::http::AppState;

/// What both statements name: who runs the service, where to write, how long data is kept.
fn facts(state: &AppState, lang: &Lang) -> Value {
    let settings = &state.settings;
    let operator = &settings.operator;
    let filled = |s: &str| (!s.is_empty()).then(|| s.to_string());
    json!({
        "nb": lang.language == Language::Nb,
        "operator_name": filled(&operator.name),
        "contact_email": filled(&operator.contact_email),
        "statement_url": filled(&operator.accessibility_statement_url),
        "retention_months": settings.retention.months,
        "cancelled_days": settings.retention.cancelled_days,
        "evaluation_min_respondents": settings.evaluation_min_respondents,
    })
}

pub(super) async fn accessibility(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new(
        "accessibility",
        state.pages.text(lang.language, "accessibility_title"),
    )
    .with(facts(&state, &lang))
    .render(&state.pages, &lang)
}

/// What Samling keeps about participants, for how long, who decides, and their rights.
pub(super) async fn privacy(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new("privacy", state.pages.text(lang.language, "privacy_title"))
        .with(facts(&state, &lang))
        .render(&state.pages, &lang)
}
