//! The one error type of the HTTP API: a status, a stable code, a message for people and,
//! for invalid input, a map of field problems. Internal details are logged, never sent.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::domain::{FieldErrors, Problem};
use crate::service::attendance::AttendanceError;
use crate::service::downloads::DownloadError;
use crate::service::events::EventError;
use crate::service::networks::NetworkError;
use crate::service::registration::RegistrationError;

/// An error answer: `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<FieldErrors>,
}

impl ApiError {
    /// 400 with field problems.
    pub fn invalid(fields: FieldErrors) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_input",
            message: "Some fields are missing or invalid.".into(),
            fields: Some(fields),
        }
    }

    /// 400 about one field.
    pub fn invalid_field(field: &str, problem: Problem) -> ApiError {
        ApiError::invalid(FieldErrors::one(field, problem))
    }

    /// Any other status with a code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: None,
        }
    }

    /// 404: also the answer for another organisation's resources.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found.")
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "A valid organiser token is required (Authorization: Bearer …).",
        )
    }

    /// 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. Nothing was changed; please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(fields) = self.fields {
            error["fields"] = json!(fields);
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database cannot be reached right now; try again in a moment.",
            );
        }
        ApiError::internal(e)
    }
}

impl From<RegistrationError> for ApiError {
    fn from(e: RegistrationError) -> Self {
        use RegistrationError as R;
        let message = e.to_string();
        match e {
            R::NotFound => ApiError::not_found(),
            R::EventCancelled => ApiError::new(StatusCode::CONFLICT, "event_cancelled", message),
            R::Closed | R::NotYetOpen => {
                ApiError::new(StatusCode::CONFLICT, "registration_closed", message)
            }
            R::Started => ApiError::new(StatusCode::CONFLICT, "event_started", message),
            R::NotDated => ApiError::new(StatusCode::CONFLICT, "not_dated", message),
            R::MembersOnly => ApiError::new(StatusCode::FORBIDDEN, "members_only", message),
            R::Full => ApiError::new(StatusCode::CONFLICT, "event_full", message),
            R::AlreadyRegistered => {
                ApiError::new(StatusCode::CONFLICT, "already_registered", message)
            }
            R::Db(e) => e.into(),
        }
    }
}

impl From<DownloadError> for ApiError {
    fn from(e: DownloadError) -> Self {
        match e {
            DownloadError::Invalid(fields) => ApiError::invalid(fields),
            DownloadError::NotFound => ApiError::not_found(),
            DownloadError::Db(e) => e.into(),
            DownloadError::File(e) => ApiError::internal(e),
        }
    }
}

impl From<EventError> for ApiError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::Invalid(fields) => ApiError::invalid(fields),
            EventError::NotFound => ApiError::not_found(),
            EventError::Cancelled => ApiError::new(
                StatusCode::CONFLICT,
                "event_cancelled",
                "The event is cancelled.",
            ),
            EventError::Db(e) => e.into(),
        }
    }
}

impl From<AttendanceError> for ApiError {
    fn from(e: AttendanceError) -> Self {
        let message = e.to_string();
        match e {
            AttendanceError::UnknownSession => {
                ApiError::invalid_field("session", Problem::UnknownSession)
            }
            AttendanceError::UnknownRegistrations(_) => {
                ApiError::invalid_field("registrations", Problem::UnknownRegistrations(message))
            }
            AttendanceError::Empty => ApiError::invalid_field("registrations", Problem::EmptyList),
            AttendanceError::NotConfirmed(_) => {
                ApiError::new(StatusCode::CONFLICT, "not_confirmed", message)
            }
            AttendanceError::NotStarted(_) => {
                ApiError::new(StatusCode::CONFLICT, "session_not_started", message)
            }
            AttendanceError::Db(e) => e.into(),
        }
    }
}

impl From<crate::service::programmes::SeriesError> for ApiError {
    fn from(e: crate::service::programmes::SeriesError) -> Self {
        use crate::service::programmes::SeriesError;
        match e {
            SeriesError::Invalid(fields) => ApiError::invalid(fields),
            SeriesError::SlugTaken => ApiError::new(
                StatusCode::CONFLICT,
                "slug_taken",
                "The organisation already has a series with that slug.",
            ),
            SeriesError::Db(e) => e.into(),
        }
    }
}

impl From<crate::service::certificates::CertificateError> for ApiError {
    fn from(e: crate::service::certificates::CertificateError) -> Self {
        use crate::domain::certificates::IssueRefusal;
        use crate::service::certificates::CertificateError;
        match e {
            CertificateError::Invalid(fields) => ApiError::invalid(fields),
            CertificateError::NotFound => ApiError::not_found(),
            CertificateError::Refused(IssueRefusal::NoCertificate) => ApiError::new(
                StatusCode::CONFLICT,
                "no_certificate",
                "The event gives no certificates: set its `certificate` first.",
            ),
            CertificateError::Refused(IssueRefusal::NotEnded) => ApiError::new(
                StatusCode::CONFLICT,
                "not_ended",
                "Certificates are issued after the event's last session.",
            ),
            CertificateError::Refused(IssueRefusal::NotHeld) => ApiError::new(
                StatusCode::CONFLICT,
                "not_held",
                "Only a published event that was held gives certificates.",
            ),
            CertificateError::Revoked => ApiError::new(
                StatusCode::CONFLICT,
                "revoked",
                "The certificate is revoked; reissue the one that replaced it.",
            ),
            CertificateError::Db(e) => e.into(),
        }
    }
}

impl From<NetworkError> for ApiError {
    fn from(e: NetworkError) -> Self {
        match e {
            NetworkError::Invalid(fields) => ApiError::invalid(fields),
            NetworkError::SlugTaken => ApiError::new(
                StatusCode::CONFLICT,
                "slug_taken",
                "That slug is already in use.",
            ),
            NetworkError::Db(e) => e.into(),
        }
    }
}
