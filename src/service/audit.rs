//! The audit log: who downloaded personal data or statistics, exported or erased a
//! participant's data, signed in (or failed to), set a password, or created or revoked an
//! API token, when, and how much. Administrators of the organisation read it; it is kept
//! as long as the personal data itself (`domain::retention`).
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::db::entities::{audit_entry, organiser};
use crate::db::{self, Db};
use crate::domain::access::{self, Actor};

/// Who did something the audit log records.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    Organiser(&'a organiser::Model),
    /// A participant, through their mailed link.
    Participant,
    /// Someone at the command line of the server.
    CommandLine,
}

/// What the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AttendeeListDownload,
    StatisticsDownload,
    ParticipantExport,
    ParticipantErasure,
    SignIn,
    SignInRefused,
    PasswordSet,
    TokenCreated,
    TokenRevoked,
    OrganiserDisabled,
    OrganiserEnabled,
    ContactChanged,
    RolesChanged,
    CommentDeleted,
    CertificatesIssued,
    CertificateRevoked,
    CertificatesImported,
}

impl Action {
    /// Every action, for reading the stored names back.
    pub const ALL: [Action; 17] = [
        Action::AttendeeListDownload,
        Action::StatisticsDownload,
        Action::ParticipantExport,
        Action::ParticipantErasure,
        Action::SignIn,
        Action::SignInRefused,
        Action::PasswordSet,
        Action::TokenCreated,
        Action::TokenRevoked,
        Action::OrganiserDisabled,
        Action::OrganiserEnabled,
        Action::ContactChanged,
        Action::RolesChanged,
        Action::CommentDeleted,
        Action::CertificatesIssued,
        Action::CertificateRevoked,
        Action::CertificatesImported,
    ];

    /// The action a stored name names.
    pub fn from_stored(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AttendeeListDownload => "attendee_list.download",
            Action::StatisticsDownload => "statistics.download",
            Action::ParticipantExport => "participant.export",
            Action::ParticipantErasure => "participant.erase",
            Action::SignIn => "sign_in",
            Action::SignInRefused => "sign_in.refused",
            Action::PasswordSet => "password.set",
            Action::TokenCreated => "token.create",
            Action::TokenRevoked => "token.revoke",
            Action::OrganiserDisabled => "organiser.disable",
            Action::OrganiserEnabled => "organiser.enable",
            Action::ContactChanged => "organisation.contact",
            Action::RolesChanged => "roles.set",
            Action::CommentDeleted => "evaluation.comment_delete",
            Action::CertificatesIssued => "certificates.issue",
            Action::CertificateRevoked => "certificate.revoke",
            Action::CertificatesImported => "certificates.import",
        }
    }
}

/// The stored actor of what a participant did through their link.
const PARTICIPANT: &str = "participant";
/// The stored actor of what was done at the server's command line.
const COMMAND_LINE: &str = "command line";
/// The stored subject of a sign-in: the desk.
pub const DESK: &str = "desk";

/// Who or what an entry names, read back: one of the words the log stores for who and
/// where, or a name (an organiser's address, an event's title) as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named<'a> {
    Participant,
    CommandLine,
    Desk,
    As(&'a str),
}

/// What a stored actor or subject names.
pub fn named(stored: &str) -> Named<'_> {
    match stored {
        PARTICIPANT => Named::Participant,
        COMMAND_LINE => Named::CommandLine,
        DESK => Named::Desk,
        other => Named::As(other),
    }
}

/// Writes an entry, made `at`. A failure is logged, never fatal to what was audited (it
/// already happened).
pub async fn record(
    db: &Db,
    organisation_id: Option<Uuid>,
    who: Who<'_>,
    action: Action,
    subject: &str,
    amount: Option<i64>,
    at: DateTime<Utc>,
) {
    let (organiser_id, actor) = match who {
        Who::Organiser(o) => (Some(o.id), o.email.clone()),
        Who::Participant => (None, PARTICIPANT.to_string()),
        Who::CommandLine => (None, COMMAND_LINE.to_string()),
    };
    let entry = audit_entry::Model {
        id: Uuid::now_v7(),
        organisation_id: organisation_id.or(match who {
            Who::Organiser(o) => Some(o.organisation_id),
            _ => None,
        }),
        organiser_id,
        actor,
        action: action.as_str().to_string(),
        subject: subject.chars().take(500).collect(),
        amount,
        at,
    };
    let result = async {
        let tx = db.begin_write().await?;
        db::audit::insert(&*tx, entry).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, action = action.as_str(), "could not write the audit log");
    }
}

/// The most entries one read returns.
pub const MAX_ENTRIES: u64 = 1000;

/// The organisation's latest entries (at most `limit`, capped at [`MAX_ENTRIES`]), newest
/// first, if `actor` may read them (else `None`).
pub async fn latest(
    db: &Db,
    actor: Actor,
    limit: u64,
) -> Result<Option<Vec<audit_entry::Model>>, DbErr> {
    if !access::may_read_audit_log(actor) {
        return Ok(None);
    }
    let limit = limit.clamp(1, MAX_ENTRIES);
    Ok(Some(
        db::audit::of_organisation(&db.conn, actor.organisation_id, limit).await?,
    ))
}
