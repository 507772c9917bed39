//! The OpenAPI 3.1 description of the API, served at `GET /api/v1/openapi.json`.
//!
//! The router of [`super::router`] builds it: each `routes!(…)` there adds a handler's route
//! and its `#[utoipa::path]` (with the schemas its body and answers name), so the document
//! describes exactly what is routed. This module holds what is not a route's: the
//! description's head, the tags, the shared responses, and what any route can answer
//! whatever its handler (429, 414, 503, 500; 413 where a body is read; 401 where a bearer
//! token is taken), added to every operation by [`CommonResponses`]. It imports no handler
//! module; the schemas the handlers share are in [`super::schema`].
use axum::body::Bytes;
use axum::extract::Extension;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use super::schema::{
    without_null, AdminOnly, CancelRefused, CertificateRevoked, CertificatesRefused, Erased,
    EvaluationAnswerRefused, EvaluationChangeRefused, EventCancelled, Internal, InvalidInput,
    MembersOnly, NotConfirmed, NotFound, PayloadTooLarge, SignupRefused, SlugTaken,
    TooManyRequests, Unauthorized, Unavailable, UnsupportedMediaType, UriTooLong,
};
use crate::http::error::ApiError;
use crate::http::AppState;

/// The head of the description; the routes add their paths and schemas to it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samling API",
        description = "Event registration and calendar service: networks, events, sign-ups, \
            attendance, attendee lists and participation statistics.\n\n\
            Organiser endpoints need `Authorization: Bearer TOKEN` (a token from \
            `samling organiser add`). An organiser acts only inside their own organisation: \
            anything of another organisation answers 404. Participant endpoints take the \
            token of the link mailed to the participant in the path.\n\n\
            Errors are `{\"error\": {\"code\", \"message\", \"fields\"?}}`; timestamps are \
            RFC 3339 with an offset; ids are UUIDs. Every answer is `Cache-Control: no-store` \
            unless it says otherwise.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/api/v1", description = "This service")),
    components(
        // Named here: the error shape (the error responses refer to it), and what only
        // parameters refer to (a route collects the schemas of its body and answers only).
        schemas(
            ApiError,
            crate::domain::EventKind,
            crate::domain::RegistrationStatus,
        ),
        responses(
            InvalidInput,
            Unauthorized,
            MembersOnly,
            AdminOnly,
            NotFound,
            SlugTaken,
            EventCancelled,
            SignupRefused,
            CancelRefused,
            NotConfirmed,
            Erased,
            EvaluationChangeRefused,
            EvaluationAnswerRefused,
            CertificatesRefused,
            CertificateRevoked,
            PayloadTooLarge,
            UnsupportedMediaType,
            TooManyRequests,
            UriTooLong,
            Internal,
            Unavailable,
        ),
    ),
    tags(
        (name = "networks", description = "Networks and their members"),
        (name = "events", description = "Events and their sessions"),
        (name = "registrations", description = "Sign-ups and the organiser's lists"),
        (name = "attendance", description = "Who came"),
        (name = "participant", description = "What the holder of a mailed link may do"),
        (name = "statistics", description = "Participation per municipality, events held"),
        (name = "evaluations", description = "Confidential evaluations after an event"),
        (name = "programmes", description = "Series of events, who has completed a course, and course certificates (the register and its counts)"),
        (name = "organisation", description = "The organisation's reference list and audit log"),
        (name = "meta", description = "This description"),
    ),
)]
struct ApiDoc;

/// Name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

/// An empty router whose document has the head of the description: add the routes with
/// `routes!`, then [`Document::new`] what `split_for_parts` gives.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// The finished description, as served (given to [`serve`] as an extension).
#[derive(Clone)]
pub struct Document(Bytes);

impl Document {
    /// Finishes the document of the routed paths (adds what any route can answer) and
    /// writes it out once.
    pub fn new(mut openapi: utoipa::openapi::OpenApi) -> Document {
        CommonResponses.modify(&mut openapi);
        Document(
            openapi
                .to_json()
                .expect("the OpenAPI description serialises")
                .into(),
        )
    }
}

/// The OpenAPI 3.1 description of this API (this document).
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 description of this API",
        content_type = "application/json", body = Object)),
)]
pub async fn serve(Extension(Document(json)): Extension<Document>) -> Response {
    let mut response = json.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Adds what any route can answer, whatever its handler: 429 (rate limits), 414 (URL too
/// long), 503 (time limit), 500; 413 where a body is read; 401 where a bearer token is
/// accepted. Also the bearer security scheme. (415 is the JSON extractor's: its handlers
/// list it.)
pub struct CommonResponses;

/// An optional body (`Option<T>` in `request_body`) may be left out, not sent as `null`:
/// utoipa writes `oneOf: [T, null]`; the answer is `T` with `required: false`.
fn optional_body_is_not_null(operation: &mut Operation) {
    let Some(RefOr::T(body)) = &mut operation.request_body else {
        return;
    };
    if matches!(body.required, Some(utoipa::openapi::Required::True)) {
        return;
    }
    for content in body.content.values_mut() {
        if let RefOr::T(content) = content {
            if let Some(schema) = &mut content.schema {
                without_null(schema);
            }
        }
    }
}

fn add_common(operation: &mut Operation) {
    optional_body_is_not_null(operation);
    let has_body = operation.request_body.is_some();
    let bearer = operation.security.as_ref().is_some_and(|s| {
        s.iter()
            .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get(BEARER).is_some()))
    });
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, name: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    };
    add("414", "UriTooLong");
    add("429", "TooManyRequests");
    add("500", "Internal");
    add("503", "Unavailable");
    // Every body is read under the 1 MiB limit, and every handler answers it alike.
    if has_body {
        add("413", "PayloadTooLarge");
    }
    if bearer {
        add("401", "Unauthorized");
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            BEARER.into(),
            RefOr::T(SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An organiser's API token (`samling organiser add` prints one)",
                    ))
                    .build(),
            )),
        );
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                add_common(operation);
            }
        }
    }
}
