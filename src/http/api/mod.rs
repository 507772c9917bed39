//! The JSON API under `/api/v1`: thin handlers that check input, call the core and shape
//! the answer.
pub mod attendance;
pub mod audit;
pub mod events;
pub mod exports;
pub mod mails;
pub mod municipalities;
pub mod networks;
pub mod openapi;
pub mod registrations;
pub mod stats;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;

use super::error::ApiError;
use super::AppState;

/// Routes of the API, relative to `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/networks", post(networks::create).get(networks::list))
        .route("/networks/{slug}", get(networks::show))
        .route(
            "/networks/{slug}/members",
            post(networks::add_member).get(networks::list_members),
        )
        .route(
            "/networks/{slug}/members/{email}",
            delete(networks::remove_member),
        )
        .route("/events", post(events::create).get(events::list))
        .route("/events/{id}", get(events::show).patch(events::update))
        .route("/events/{id}/cancel", post(events::cancel))
        .route("/events/{id}/mails", get(mails::list_for_event))
        .route(
            "/events/{id}/registrations",
            post(registrations::sign_up).get(registrations::list_for_event),
        )
        .route(
            "/events/{id}/registrations/{rid}/attendance",
            post(attendance::record_one),
        )
        .route(
            "/events/{id}/attendance",
            post(attendance::record_many).get(attendance::summary),
        )
        .route("/registrations/{token}/cancel", post(registrations::cancel))
        .route(
            "/registrations/{token}/confirm",
            post(registrations::confirm),
        )
        .route("/registrations/{token}/data", get(registrations::data))
        .route("/registrations/{token}/erase", post(registrations::erase))
        .route(
            "/registrations/{token}/feed-link",
            post(registrations::replace_feed_link),
        )
        .route(
            "/registrations/{token}/share-contact",
            post(registrations::share_contact),
        )
        .route(
            "/events/{id}/registrations.csv",
            get(exports::attendee_list_csv),
        )
        .route(
            "/events/{id}/registrations.xlsx",
            get(exports::attendee_list_xlsx),
        )
        .route("/stats/participation", get(stats::participation_stats))
        .route("/stats/{file}", get(stats::participation_file))
        .route("/municipalities", get(municipalities::list))
        .route("/audit", get(audit::list))
        .route("/municipalities/import", post(municipalities::import))
        .route("/openapi.json", get(openapi::serve))
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
