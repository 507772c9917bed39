//! The attendee list as CSV or XLSX.
use axum::extract::{Path, State};
use axum::response::Response;

use super::own_event;
use crate::export;
use crate::http::api::exports::download as file_download;
use crate::http::desk::auth::Desk;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::downloads::{self, Format};

pub(super) async fn download(
    state: AppState,
    desk: Desk,
    id: String,
    xlsx: bool,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let format = if xlsx { Format::Xlsx } else { Format::Csv };
    let file = downloads::attendee_list(
        &state.db,
        &desk.organiser,
        &ctx,
        None,
        format,
        export::Delimiter::Semicolon,
        state.clock.now(),
    )
    .await?;
    Ok(file_download(file))
}

pub(super) async fn download_csv(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    download(state, desk, id, false).await
}

pub(super) async fn download_xlsx(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    download(state, desk, id, true).await
}
