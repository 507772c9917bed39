//! What the handlers' OpenAPI attributes share: the error body and the error responses, a
//! binary file, and the closed sets of values of the domain's enums.
//!
//! A leaf: it imports no handler module and not the document (`openapi.rs`), so the
//! handlers and the document never import each other.
use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, KnownFormat, Ref, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToResponse, ToSchema};

use crate::http::error::ApiError;

// ---------------------------------------------------------------------------------------
// Errors.

/// The body [`ApiError`] answers with: `{"error": {"code", "message", "fields"?}}`.
impl PartialSchema for ApiError {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An error answer."))
            .property("error", Ref::from_schema_name("ErrorDetail"))
            .required("error")
            .into()
    }
}

impl ToSchema for ApiError {
    fn name() -> Cow<'static, str> {
        "ErrorBody".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("ErrorDetail".into(), error_detail()));
    }
}

/// The `error` of an error answer.
fn error_detail() -> RefOr<Schema> {
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    };
    let fields = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(
            "With `invalid_input`: what is wrong, by field (`title`, `sessions[0].starts_at`…).",
        ))
        .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
        .property_names(Some(ObjectBuilder::new().schema_type(Type::String)));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("What went wrong."))
        .property(
            "code",
            text("A stable code (`invalid_input`, `not_found`, `event_full`…); each answer lists its own."),
        )
        .required("code")
        .property("message", text("For people; may change."))
        .required("message")
        .property("fields", fields)
        .into()
}

/// The schema of an error answer whose `code` is one of `codes`.
fn error_schema(codes: &[&str]) -> RefOr<Schema> {
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().copied()));
    let detail = ObjectBuilder::new().property("code", code).required("code");
    let narrowed = ObjectBuilder::new()
        .property("error", detail)
        .required("error");
    AllOfBuilder::new()
        .item(Ref::from_schema_name(ApiError::name()))
        .item(narrowed)
        .into()
}

/// An error response: JSON with one of `codes`.
fn error_response(description: &str, codes: &[&str]) -> ApiResponse {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(error_schema(codes)))
                .build(),
        )
        .build()
}

/// Declares reusable error responses (`components/responses`), each a JSON error with its
/// codes, to be named in the handlers' `responses(...)`.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal, [$($code:literal),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<ApiResponse>) {
                    (stringify!($name), error_response($description, &[$($code),+]).into())
                }
            }
        )+
    };
}

error_responses! {
    InvalidInput => "Invalid input: `fields` names each field at fault (malformed JSON has no \
        `fields`).", ["invalid_input"];
    Unauthorized => "No valid organiser token (`Authorization: Bearer TOKEN`).",
        ["unauthorized"];
    MembersOnly => "The event takes only members of its network.", ["members_only"];
    AdminOnly => "Only administrators of the organisation may do this.", ["admin_only"];
    NotFound => "No such thing, or it belongs to another organisation (ids that are not \
        UUIDs name nothing either).", ["not_found"];
    SlugTaken => "The slug is already in use (slugs are unique across the service).",
        ["slug_taken"];
    EventCancelled => "The event is cancelled and can no longer be changed.",
        ["event_cancelled"];
    SignupRefused => "The sign-up was refused: the address already holds a place \
        (`already_registered`), the event is full and has no waiting list (`event_full`), \
        registration is not open (`registration_closed`: not yet, or no longer), \
        the event is cancelled (`event_cancelled`) or has begun (`event_started`).",
        ["already_registered", "event_full", "registration_closed", "event_cancelled",
         "event_started"];
    CancelRefused => "Too late to cancel: the event is cancelled or has begun.",
        ["event_cancelled", "event_started"];
    NotConfirmed => "Attendance is recorded only for confirmed registrations \
        (`not_confirmed`), and from the session's day on, in the organisation's time zone \
        (`session_not_started`).",
        ["not_confirmed", "session_not_started"];
    Erased => "The data of this registration's address has been erased.", ["erased"];
    EvaluationChangeRefused => "Someone has answered: the questions can no longer change and \
        the evaluation cannot be removed (`already_answered`); the invitations have gone out \
        and it cannot be removed (`invitations_sent`); it has closed and nothing changes \
        (`evaluation_closed`); or the event is cancelled (`event_cancelled`).",
        ["already_answered", "invitations_sent", "evaluation_closed", "event_cancelled"];
    EvaluationAnswerRefused => "The answer was not taken: this link has answered already \
        (`already_answered`), the evaluation is not open (`evaluation_closed`: not yet, or no \
        longer), or the registration holds no seat (403 `not_a_participant`).",
        ["already_answered", "evaluation_closed", "not_a_participant"];
    CertificatesRefused => "Certificates cannot be issued (yet): the event gives none \
        (`no_certificate`), its last session has not ended (`not_ended`), or it is a draft or \
        cancelled (`not_held`).", ["no_certificate", "not_ended", "not_held"];
    CertificateRevoked => "The certificate is revoked; the one that replaced it can be \
        reissued.", ["revoked"];
    PayloadTooLarge => "The body is larger than 1 MiB.", ["payload_too_large"];
    UnsupportedMediaType => "The body must be sent as JSON (`Content-Type: application/json`).",
        ["unsupported_media_type"];
    Internal => "Something went wrong on the server; nothing was changed.", ["internal"];
    UriTooLong => "The URL (path and query) is too long.", ["uri_too_long"];
    Unavailable => "The service cannot answer now: the database is unreachable \
        (`unavailable`), or the request took longer than the time limit and was dropped \
        (`timeout`). Try again in a moment.", ["unavailable", "timeout"];
}

/// 429: too many requests from this address (any route; sign-ups and participants' POSTs
/// have their own, tighter limits).
pub struct TooManyRequests;

impl<'r> ToResponse<'r> for TooManyRequests {
    fn response() -> (&'r str, RefOr<ApiResponse>) {
        let mut response = error_response(
            "Too many requests from this address: wait as `Retry-After` says.",
            &["too_many_requests"],
        );
        response.headers.insert(
            "Retry-After".into(),
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds to wait before trying again"))
                .build()
                .into(),
        );
        ("TooManyRequests", response.into())
    }
}

// ---------------------------------------------------------------------------------------
// Closed sets of values: the schema lists what serde writes for each variant of the real
// type, so it cannot drift from it.

fn string_enum<T: Serialize>(values: impl IntoIterator<Item = T>, description: &str) -> Schema {
    let names: Vec<String> = values
        .into_iter()
        .filter_map(|v| serde_json::to_value(v).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some(description))
        .into()
}

macro_rules! enum_schema {
    ($ty:ty, $description:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string_enum(<$ty as sea_orm::Iterable>::iter(), $description).into()
            }
        }

        impl ToSchema for $ty {}
    };
}

enum_schema!(crate::domain::EventKind, "What sort of event it is");
enum_schema!(crate::domain::EventStatus, "Where an event is in its life");
enum_schema!(
    crate::domain::RegistrationStatus,
    "Where a registration is: holding a seat, on the waiting list, or cancelled"
);
enum_schema!(
    crate::domain::Language,
    "Language of the participant's mails and pages (Norwegian bokmål or English)"
);
enum_schema!(crate::domain::MailKind, "Which mail it is");
enum_schema!(
    crate::db::entities::outbox::MailStatus,
    "`pending` (waiting for its next attempt), `sent`, or `failed` (given up)"
);

// ---------------------------------------------------------------------------------------
// Files.

/// A binary file (a workbook).
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

// ---------------------------------------------------------------------------------------
// Nullability.

/// `schema` without `null` among the values it allows: for an `Option` field that a body
/// must nevertheless carry, or an optional body that may be left out but not sent as
/// `null`. (utoipa writes an `Option<T>` as `T` with `null` added to its types, or as
/// `oneOf: [null, T]`.)
pub fn without_null(schema: &mut RefOr<Schema>) {
    let RefOr::T(inner) = schema else { return };
    let types = match inner {
        Schema::Object(object) => &mut object.schema_type,
        Schema::Array(array) => &mut array.schema_type,
        Schema::OneOf(one) => {
            let null = Some(serde_json::json!({"type": "null"}));
            let mut rest = one
                .items
                .iter()
                .filter(|s| serde_json::to_value(s).ok() != null);
            if let (Some(only), None) = (rest.next(), rest.next()) {
                *schema = only.clone();
            }
            return;
        }
        _ => return,
    };
    if let SchemaType::Array(list) = types {
        list.retain(|t| *t != Type::Null);
        if let [only] = list.as_slice() {
            *types = SchemaType::Type(only.clone());
        }
    }
}
