//! The JSON API under `/api/v1`: thin handlers that check input, call the core and shape
//! the answer.
pub mod attendance;
pub mod audit;
pub mod certificates;
pub mod evaluations;
pub mod events;
pub mod exports;
pub mod mails;
pub mod municipalities;
pub mod networks;
pub mod openapi;
pub mod paging;
pub mod programmes;
pub mod registrations;
pub mod roles;
pub mod schema;
pub mod stats;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query};
use axum::http::StatusCode;
use axum::Router;
use utoipa_axum::routes;

use super::error::ApiError;
use super::AppState;

/// Routes of the API, relative to `/api/v1`, and the OpenAPI description served at
/// `/openapi.json`: one list, each `routes!` taking the path and method of its handlers'
/// `#[utoipa::path]`, so the document describes exactly the routes served. The methods of
/// one path share a `routes!`.
pub fn router() -> Router<AppState> {
    let (router, document) = openapi::router()
        .routes(routes!(networks::create, networks::list))
        .routes(routes!(networks::show))
        .routes(routes!(networks::add_member, networks::list_members))
        .routes(routes!(networks::remove_member))
        .routes(routes!(events::create, events::list))
        .routes(routes!(events::show, events::update))
        .routes(routes!(events::cancel))
        .routes(routes!(mails::list_for_event))
        .routes(routes!(
            registrations::sign_up,
            registrations::list_for_event
        ))
        .routes(routes!(attendance::record_one))
        .routes(routes!(attendance::record_many, attendance::summary))
        .routes(routes!(registrations::cancel))
        .routes(routes!(registrations::confirm))
        .routes(routes!(registrations::data))
        .routes(routes!(registrations::erase))
        .routes(routes!(registrations::replace_feed_link))
        .routes(routes!(registrations::share_contact))
        .routes(routes!(exports::attendee_list_csv))
        .routes(routes!(exports::attendee_list_xlsx))
        .routes(routes!(stats::participation_stats))
        .routes(routes!(stats::network_stats))
        .routes(routes!(stats::participation_file))
        .routes(routes!(municipalities::list))
        .routes(routes!(audit::list))
        .routes(routes!(municipalities::import))
        .routes(routes!(roles::list, roles::set))
        .routes(routes!(
            evaluations::show,
            evaluations::set,
            evaluations::remove
        ))
        .routes(routes!(evaluations::results))
        .routes(routes!(evaluations::delete_comment))
        .routes(routes!(evaluations::answer))
        .routes(routes!(evaluations::stats))
        .routes(routes!(programmes::create_series, programmes::list_series))
        .routes(routes!(programmes::completions))
        .routes(routes!(programmes::events_held))
        .routes(routes!(certificates::issue))
        .routes(routes!(certificates::register))
        .routes(routes!(certificates::stats))
        .routes(routes!(certificates::revoke))
        .routes(routes!(certificates::reissue))
        .routes(routes!(certificates::import))
        .routes(routes!(openapi::serve))
        .split_for_parts();
    router
        .layer(Extension(openapi::Document::new(document)))
        .fallback(|| async { ApiError::not_found() })
}

/// A query string, its rejection (a repeated or undecodable parameter) answered in the API's
/// error format (400 `invalid_input`) rather than as plain text.
fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|rejection| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            rejection.body_text(),
        )
    })
}

/// Path parameters; one that cannot be read (not UTF-8 once decoded) names nothing: 404 in
/// the API's error format, as an id that is not a UUID is.
fn path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(p)| p).map_err(|_| ApiError::not_found())
}
