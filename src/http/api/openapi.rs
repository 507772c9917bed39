//! The OpenAPI 3.1 description of the API, served at `GET /api/v1/openapi.json`.
//!
//! Built by `utoipa` from the handlers' `#[utoipa::path]` attributes and the schemas of the
//! request and answer types. The types of this module are only descriptions: the shapes
//! that other layers own (the service's bodies and reports) are mirrored here field for
//! field, and the API tests check every answer against them. What any route can answer
//! whatever its handler (429, 414, 503, 500; 413 where a body is read; 401 where a bearer
//! token is taken) is added to every operation by [`CommonResponses`].
use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};
use uuid::Uuid;

use super::{
    attendance, audit, events, exports, mails, municipalities, networks, registrations, stats,
};

/// The description, as served.
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
    paths(
        networks::create,
        networks::list,
        networks::show,
        networks::add_member,
        networks::list_members,
        networks::remove_member,
        events::create,
        events::list,
        events::show,
        events::update,
        events::cancel,
        mails::list_for_event,
        registrations::sign_up,
        registrations::list_for_event,
        attendance::record_one,
        attendance::record_many,
        attendance::summary,
        registrations::cancel,
        registrations::confirm,
        registrations::data,
        registrations::erase,
        registrations::replace_feed_link,
        registrations::share_contact,
        exports::attendee_list_csv,
        exports::attendee_list_xlsx,
        stats::participation_stats,
        stats::participation_file,
        municipalities::list,
        municipalities::import,
        audit::list,
        serve,
    ),
    components(
        // Named here: the error shape, and what only parameters refer to.
        schemas(
            ErrorBody,
            ErrorDetail,
            StatsFileDoc,
            StatsFormatDoc,
            StatsTableDoc,
            DelimiterDoc,
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
            PayloadTooLarge,
            UnsupportedMediaType,
            TooManyRequests,
            UriTooLong,
            Internal,
            Unavailable,
        ),
    ),
    modifiers(&CommonResponses),
    tags(
        (name = "networks", description = "Networks and their members"),
        (name = "events", description = "Events and their sessions"),
        (name = "registrations", description = "Sign-ups and the organiser's lists"),
        (name = "attendance", description = "Who came"),
        (name = "participant", description = "What the holder of a mailed link may do"),
        (name = "statistics", description = "Participation per municipality"),
        (name = "organisation", description = "The organisation's reference list and audit log"),
        (name = "meta", description = "This description"),
    ),
)]
pub struct ApiDoc;

/// Name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI description serialises")
});

/// The OpenAPI 3.1 description of this API (this document).
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 description of this API",
        content_type = "application/json", body = Object)),
)]
pub async fn serve() -> Response {
    let mut response = DOCUMENT.as_str().into_response();
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

// ---------------------------------------------------------------------------------------
// Errors.

/// An error answer.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// A stable code (`invalid_input`, `not_found`, `event_full`…); each answer lists its own.
    code: String,
    /// For people; may change.
    message: String,
    /// With `invalid_input`: what is wrong, by field (`title`, `sessions[0].starts_at`…).
    fields: Option<BTreeMap<String, String>>,
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
        .item(Ref::from_schema_name("ErrorBody"))
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
        let RefOr::T(content) = content else { continue };
        if let Some(RefOr::T(Schema::OneOf(one))) = &content.schema {
            let not_null: Vec<&RefOr<Schema>> = one
                .items
                .iter()
                .filter(|s| {
                    serde_json::to_value(s).ok() != Some(serde_json::json!({"type": "null"}))
                })
                .collect();
            if let [only] = not_null.as_slice() {
                content.schema = Some((*only).clone());
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
        impl utoipa::PartialSchema for $ty {
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
// Shapes owned by other layers, described field for field.

/// A session as sent by a client. A session sent with the `id` of one of the event's
/// sessions keeps its identity (and calendar entry); one without gets a new one.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SessionBody)]
#[allow(dead_code)]
pub struct SessionBodyDoc {
    id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    /// After `starts_at`.
    ends_at: DateTime<Utc>,
    /// Where, for people who come in person.
    #[schema(max_length = 500)]
    location: Option<String>,
    /// The join link of an online session (shown only to the organisers and, by mail and
    /// personal feed, to confirmed participants).
    #[schema(format = "uri")]
    online_url: Option<String>,
}

/// A new event. `title`, `kind` and `sessions` are required; it is a draft unless
/// `status` is `published`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewEvent, example = json!({
    "network": "demensnettverket",
    "title": "Fagdag: demens og ernæring",
    "kind": "gathering",
    "description": "En dag om mat og måltider for personer med demens.",
    "sessions": [{
        "starts_at": "2099-03-10T09:00:00+01:00",
        "ends_at": "2099-03-10T15:00:00+01:00",
        "location": "Quality Hotel Tønsberg"
    }],
    "capacity": 60,
    "status": "published"
}))]
#[allow(dead_code)]
pub struct NewEventDoc {
    /// Slug of a network of the organiser's organisation.
    network: Option<String>,
    #[schema(pattern = "\\S", max_length = 200)]
    title: String,
    kind: crate::domain::EventKind,
    #[schema(max_length = 20000)]
    description: Option<String>,
    /// Who it is for.
    #[schema(max_length = 500)]
    audience: Option<String>,
    /// One sign-up covers them all.
    #[schema(min_items = 1, max_items = 100)]
    sessions: Vec<SessionBodyDoc>,
    /// Seats; null or absent: unlimited.
    #[schema(minimum = 0, maximum = 1_000_000)]
    capacity: Option<i64>,
    /// Whether a full event takes sign-ups to a waiting list (default true).
    waitlist: Option<bool>,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    /// Only members of the event's network may sign up (needs a `network`).
    members_only: Option<bool>,
    /// `draft` (default) or `published`; cancel with `POST /events/{id}/cancel`.
    status: Option<crate::domain::EventStatus>,
}

/// A change: absent fields stay as they are, `null` clears an optional one. `sessions`
/// replaces the list.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EventChange, example = json!({"capacity": 80, "status": "published"}))]
#[allow(dead_code)]
pub struct EventChangeDoc {
    network: Option<String>,
    #[schema(pattern = "\\S", max_length = 200)]
    title: Option<String>,
    kind: Option<crate::domain::EventKind>,
    #[schema(max_length = 20000)]
    description: Option<String>,
    #[schema(max_length = 500)]
    audience: Option<String>,
    #[schema(min_items = 1, max_items = 100)]
    sessions: Option<Vec<SessionBodyDoc>>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    capacity: Option<i64>,
    waitlist: Option<bool>,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    members_only: Option<bool>,
    /// `draft` or `published`; cancel with `POST /events/{id}/cancel`.
    status: Option<crate::domain::EventStatus>,
}

/// Registered, attended, no-shows and not recorded, among confirmed registrations.
#[derive(ToSchema)]
#[schema(as = AttendanceCount)]
#[allow(dead_code)]
pub struct AttendanceCountDoc {
    registered: u64,
    attended: u64,
    no_shows: u64,
    not_recorded: u64,
}

/// One session's line of the attendance summary.
#[derive(ToSchema)]
#[schema(as = SessionAttendance)]
#[allow(dead_code)]
pub struct SessionAttendanceDoc {
    session_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    #[serde(flatten)]
    count: AttendanceCountDoc,
}

/// An event's attendance, per session and in total.
#[derive(ToSchema)]
#[schema(as = AttendanceSummary)]
#[allow(dead_code)]
pub struct AttendanceSummaryDoc {
    event_id: Uuid,
    sessions: Vec<SessionAttendanceDoc>,
    total: AttendanceCountDoc,
}

/// Registered (confirmed sign-ups for events that have begun), attended, and participants
/// (attended where attendance was recorded for the event, registered where it was not).
#[derive(ToSchema)]
#[schema(as = Counts)]
#[allow(dead_code)]
pub struct CountsDoc {
    registered: u64,
    attended: u64,
    participants: u64,
}

/// One municipality of the reference list, or the row for participants from elsewhere
/// (without population).
#[derive(ToSchema)]
#[schema(as = MunicipalityRow)]
#[allow(dead_code)]
pub struct MunicipalityRowDoc {
    name: String,
    region: Option<String>,
    population: Option<i64>,
    #[serde(flatten)]
    counts: CountsDoc,
    /// Participants per 1,000 inhabitants, two decimals.
    per_1000_inhabitants: Option<f64>,
}

/// Subtotal of the reference municipalities of one region.
#[derive(ToSchema)]
#[schema(as = RegionRow)]
#[allow(dead_code)]
pub struct RegionRowDoc {
    region: String,
    municipalities: u64,
    municipalities_with_participants: u64,
    population: Option<i64>,
    #[serde(flatten)]
    counts: CountsDoc,
    per_1000_inhabitants: Option<f64>,
}

/// One event's line.
#[derive(ToSchema)]
#[schema(as = EventRow)]
#[allow(dead_code)]
pub struct EventRowDoc {
    id: Uuid,
    title: String,
    kind: crate::domain::EventKind,
    starts_at: DateTime<Utc>,
    attendance_recorded: bool,
    #[serde(flatten)]
    counts: CountsDoc,
    /// Reference municipalities with at least one participant.
    municipalities: u64,
    participants_from_municipalities: u64,
    participants_others: u64,
}

/// Totals over every row.
#[derive(ToSchema)]
#[schema(as = Totals)]
#[allow(dead_code)]
pub struct TotalsDoc {
    #[serde(flatten)]
    counts: CountsDoc,
    participants_from_municipalities: u64,
    participants_others: u64,
    /// Reference municipalities with at least one participant.
    municipalities_with_participants: u64,
    events: u64,
    /// Population of the reference list (where known).
    population: Option<i64>,
    per_1000_inhabitants: Option<f64>,
}

/// Participation statistics: one row per municipality of the organisation's reference
/// list (including those with none), one for everyone else, totals, regions and events.
#[derive(ToSchema)]
#[schema(as = Participation)]
#[allow(dead_code)]
pub struct ParticipationDoc {
    municipalities: Vec<MunicipalityRowDoc>,
    others: MunicipalityRowDoc,
    totals: TotalsDoc,
    regions: Vec<RegionRowDoc>,
    events: Vec<EventRowDoc>,
}

/// One session as a participant's data shows it.
#[derive(ToSchema)]
#[schema(as = SessionData)]
#[allow(dead_code)]
pub struct SessionDataDoc {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    location: Option<String>,
    /// Whether they were marked as having come (null: not recorded).
    attended: Option<bool>,
}

/// One mail as a participant's data shows it.
#[derive(ToSchema)]
#[schema(as = MailData)]
#[allow(dead_code)]
pub struct MailDataDoc {
    kind: String,
    subject: String,
    status: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

/// One registration as a participant's data shows it.
#[derive(ToSchema)]
#[schema(as = RegistrationData)]
#[allow(dead_code)]
pub struct RegistrationDataDoc {
    event: String,
    organiser: String,
    status: crate::domain::RegistrationStatus,
    name: String,
    email: String,
    municipality: Option<String>,
    workplace: Option<String>,
    role: Option<String>,
    shares_contact_details: bool,
    language: crate::domain::Language,
    registered_at: DateTime<Utc>,
    promoted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    attended: Option<bool>,
    sessions: Vec<SessionDataDoc>,
    mails: Vec<MailDataDoc>,
}

/// Everything held about one address (GDPR art. 15 and 20).
#[derive(ToSchema)]
#[schema(as = ParticipantData)]
#[allow(dead_code)]
pub struct ParticipantDataDoc {
    email: String,
    exported_at: DateTime<Utc>,
    personal_calendar_since: Option<DateTime<Utc>>,
    registrations: Vec<RegistrationDataDoc>,
    network_memberships: Vec<MembershipDataDoc>,
}

/// A network membership of the address, as a participant's data shows it.
#[derive(ToSchema)]
#[schema(as = MembershipData)]
#[allow(dead_code)]
pub struct MembershipDataDoc {
    network: String,
    organiser: String,
    email: String,
    name: Option<String>,
    municipality: Option<String>,
    added_at: DateTime<Utc>,
}

/// What an erasure did.
#[derive(ToSchema)]
#[schema(as = ErasureReport)]
#[allow(dead_code)]
pub struct ErasureReportDoc {
    /// Registrations to coming events, cancelled first (their seats went to the waiting list).
    cancelled: u64,
    /// Registrations whose personal data was removed.
    anonymised: u64,
}

/// What an import changed.
#[derive(ToSchema)]
#[schema(as = ImportReport)]
#[allow(dead_code)]
pub struct ImportReportDoc {
    added: u32,
    updated: u32,
    unchanged: u32,
}

/// One entry of the audit log.
#[derive(ToSchema)]
#[schema(as = AuditEntry)]
#[allow(dead_code)]
pub struct AuditEntryDoc {
    id: Uuid,
    organisation_id: Option<Uuid>,
    organiser_id: Option<Uuid>,
    /// The organiser's address, or "participant", or "command line".
    actor: String,
    /// What was done, e.g. `attendee_list.xlsx`, `participant.erase`, `sign_in`.
    action: String,
    /// What it was done to (an event's title and id, a period, a token's name).
    subject: String,
    /// How much: rows downloaded, registrations erased.
    amount: Option<i64>,
    at: DateTime<Utc>,
}

/// The file names of `GET /stats/{file}`.
#[derive(ToSchema)]
#[schema(as = StatsFile)]
#[allow(dead_code)]
pub enum StatsFileDoc {
    #[serde(rename = "participation.csv")]
    Csv,
    #[serde(rename = "participation.xlsx")]
    Xlsx,
    #[serde(rename = "participation.svg")]
    Svg,
    #[serde(rename = "participation.json")]
    Json,
}

/// The CSV field separator: `semicolon` with decimal commas (what Excel opens as columns in a
/// Norwegian locale), or `comma` (RFC 4180) with decimal points.
#[derive(ToSchema)]
#[schema(as = Delimiter)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DelimiterDoc {
    Semicolon,
    Comma,
}

/// The format of the participation statistics.
#[derive(ToSchema)]
#[schema(as = StatsFormat)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum StatsFormatDoc {
    Json,
    Csv,
    Xlsx,
    Svg,
}

/// Which table a statistics CSV holds.
#[derive(ToSchema)]
#[schema(as = StatsTable)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum StatsTableDoc {
    Municipalities,
    Regions,
    Events,
}

/// A binary file (a workbook).
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}

impl ToSchema for Binary {}
