//! The accessibility statement and the privacy page.
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use crate::domain::Language;
use crate::http::pages::lang::Lang;
use crate::http::pages::Page;
use crate::http::AppState;

pub(super) async fn accessibility(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new(
        "accessibility",
        state.pages.text(lang.language, "accessibility_title"),
    )
    .with(json!({ "nb": lang.language == Language::Nb }))
    .render(&state.pages, &lang)
}

/// What Samling keeps about participants, and their rights.
pub(super) async fn privacy(State(state): State<AppState>, lang: Lang) -> Response {
    Page::new("privacy", state.pages.text(lang.language, "privacy_title"))
        .with(json!({ "nb": lang.language == Language::Nb }))
        .render(&state.pages, &lang)
}
