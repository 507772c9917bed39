//! sea-orm entities, one module per table. Enumerated columns are the `domain` enums, stored
//! as short strings so the database stays readable from `psql`/`sqlite3`; an unknown stored
//! value is a database error, not a panic.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// A centre or other body that publishes events.
pub mod organisation {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub slug: String,
        pub name: String,
        pub time_zone: String,
        pub created_at: DateTimeUtc,
        /// Where participants write about its events (`None` until an administrator sets it).
        pub contact_email: Option<String>,
    }
    no_relations!();
}

/// One role of an organisation's list (see `domain::roles`).
pub mod role {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "roles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub key: String,
        pub label_nb: String,
        pub label_en: String,
        pub position: i32,
    }
    no_relations!();
}

/// A person who manages an organisation's networks and events.
pub mod organiser {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub email: String,
        pub name: String,
        pub is_admin: bool,
        pub created_at: DateTimeUtc,
        /// argon2id PHC string; `None` until a password is set from the command line.
        pub password_hash: Option<String>,
        pub password_changed_at: Option<DateTimeUtc>,
        /// Set while the account is disabled: no sign-in, no API token (`domain::access`).
        pub disabled_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// An organiser's API token; only its SHA-256 is stored.
pub mod api_token {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organiser_id: Uuid,
        pub token_hash: String,
        pub created_at: DateTimeUtc,
        /// What the organiser calls it ("Excel-skript"), to tell tokens apart.
        pub label: Option<String>,
        /// Updated at most once a minute, so busy scripts do not write on every call.
        pub last_used_at: Option<DateTimeUtc>,
        /// Made by the owner at the desk (not by `samling organiser add`): a password reset
        /// revokes these, since a stolen desk session could have made them.
        pub made_at_desk: bool,
    }
    no_relations!();
}

/// A professional network that groups events and members.
pub mod network {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "networks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub slug: String,
        pub name: String,
        pub description: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// A member of a network (may sign up for members-only events).
pub mod network_member {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "network_members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub network_id: Uuid,
        pub email: String,
        pub email_normalized: String,
        pub name: Option<String>,
        pub municipality: Option<String>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// A municipality of an organisation's reference list, for participation statistics.
pub mod municipality {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "municipalities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub name: String,
        pub name_key: String,
        pub population: Option<i64>,
        pub region: Option<String>,
        /// Other names people type for it, comma-separated (`domain::reference::aliases`).
        pub aliases: Option<String>,
        /// First and last day it belongs to the list (open when unset).
        pub valid_from: Option<Date>,
        pub valid_to: Option<Date>,
    }
    no_relations!();
}

/// An event; keeps its own seat and waiting-list counters so sign-ups never count rows.
pub mod event {
    use crate::domain::{EventKind, EventStatus};
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub network_id: Option<Uuid>,
        pub title: String,
        pub kind: EventKind,
        pub description: Option<String>,
        /// Who the event is for, in the organiser's words.
        pub audience: Option<String>,
        pub status: EventStatus,
        pub capacity: Option<i32>,
        pub waitlist_enabled: bool,
        pub members_only: bool,
        pub registration_opens_at: Option<DateTimeUtc>,
        pub registration_closes_at: Option<DateTimeUtc>,
        /// Start of the first session (kept in step with the sessions).
        pub starts_at: DateTimeUtc,
        /// End of the last session.
        pub ends_at: DateTimeUtc,
        pub confirmed_count: i32,
        pub waitlist_count: i32,
        /// Last waiting-list ticket handed out; orders the waiting list by arrival.
        pub waitlist_seq: i64,
        /// iCalendar SEQUENCE: grows with every change participants should see.
        pub sequence: i32,
        pub cancel_reason: Option<String>,
        pub cancelled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// When the sessions' times last changed; reminders already due then are skipped.
        pub schedule_changed_at: Option<DateTimeUtc>,
        /// A webinar's recording, for its seat holders only (set after it has ended).
        pub recording_url: Option<String>,
        /// The series (programme) the event belongs to.
        pub series_id: Option<Uuid>,
        /// Sessions attended to complete the event; none: every non-optional session.
        pub completion_min_sessions: Option<i32>,
        /// The certificate rule as JSON (`domain::certificates::CertificateRule`); none: the
        /// event gives no certificates.
        pub certificate: Option<String>,
        /// Some session has only a month: no sign-ups, out of the feeds and reminders.
        pub planned: bool,
    }
    no_relations!();
}

/// One session of an event (a day of a conference, a gathering of a course).
pub mod event_session {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub event_id: Uuid,
        pub position: i32,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub location: Option<String>,
        pub online_url: Option<String>,
        /// Not needed for completing the event (the one optional gathering of a course).
        pub optional: bool,
        /// `YYYY-MM` of a session whose date is not settled yet ("dato ikke avklart"); its
        /// times are then placeholders within that month (`domain::programmes::month_span`).
        pub month: Option<String>,
    }
    no_relations!();
}

/// A series of events of one organisation: a webinar series, the yearly instructor course.
pub mod series {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "series")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub slug: String,
        pub name: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// A course certificate issued (or imported from before Samling). Outlives the event and
/// the registration: the register counts it for as long as it exists.
pub mod certificate {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "certificates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        /// `PREFIX-YEAR-0001`, unique in the organisation.
        pub number: String,
        pub year: i32,
        pub seq: i32,
        /// The random code of the public verification page `/kursbevis/{code}`.
        pub code: String,
        pub event_id: Option<Uuid>,
        pub registration_id: Option<Uuid>,
        pub series_id: Option<Uuid>,
        /// None once removed (erasure, or the certificate retention).
        pub holder_name: Option<String>,
        pub course: String,
        pub first_date: Date,
        pub last_date: Date,
        pub hours: Option<f64>,
        /// As typed at sign-up (or in the import); matched against the reference list.
        pub municipality: Option<String>,
        pub language: crate::domain::Language,
        pub issued_on: Date,
        pub imported: bool,
        pub revoked_at: Option<DateTimeUtc>,
        /// The number of the certificate this one replaced (a reissue).
        pub replaces: Option<String>,
        pub anonymised_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// A participant's sign-up for an event.
pub mod registration {
    use crate::domain::{Language, RegistrationStatus};
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "registrations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub event_id: Uuid,
        pub name: String,
        pub email: String,
        pub email_normalized: String,
        /// As typed; matched against the reference list when statistics are made.
        pub municipality: Option<String>,
        pub workplace: Option<String>,
        pub role: Option<String>,
        /// The sign-up's wish to share contact details (whoever typed the address chose it).
        pub share_contact: bool,
        /// When the owner confirmed the sharing on their own page; shared only after that
        /// (`domain::contacts`).
        pub share_contact_confirmed_at: Option<DateTimeUtc>,
        pub language: Language,
        pub status: RegistrationStatus,
        /// Waiting-list ticket; lower is earlier. Kept after promotion for the record.
        pub waitlist_order: Option<i64>,
        /// Summary of the per-session marks (see `domain::summarize_attendance`).
        pub attended: Option<bool>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub cancelled_at: Option<DateTimeUtc>,
        pub promoted_at: Option<DateTimeUtc>,
        /// The sign-up form this came from (a form sent twice finds it again).
        pub submission_id: Option<Uuid>,
        /// When name, address and workplace were removed (retention or erasure).
        pub anonymised_at: Option<DateTimeUtc>,
        /// Keyed tag of the client network the sign-up came from (`links::LinkKey::
        /// origin_tag`), to count sign-ups per network and event; removed with the personal data.
        pub origin: Option<String>,
        /// Set while the place is held only until the participant confirms it from the mail
        /// (`domain::MailCheck`); released after this time.
        pub confirm_by: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// A mail to send (or sent, or given up on). Holds the facts the mail is rendered from
/// until it is sent; after that only what the organiser's mail-status view shows.
pub mod outbox {
    use crate::domain::MailKind;
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: MailKind,
        pub registration_id: Option<Uuid>,
        pub event_id: Option<Uuid>,
        /// `Name <address>` as validated when the mail was queued.
        pub recipient: String,
        /// Stable Message-ID, so a resend after a crash is recognisable as the same mail.
        pub message_id: String,
        /// Filled in when the mail is rendered for sending.
        pub subject: String,
        /// What the mail says, as JSON (`mail::MailFacts`); `None` once sent.
        #[sea_orm(column_type = "Text", nullable)]
        pub facts: Option<String>,
        pub status: MailStatus,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub locked_until: Option<DateTimeUtc>,
        pub last_error: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();

    /// Where a mail is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
    pub enum MailStatus {
        /// Waiting for its (next) attempt.
        #[sea_orm(string_value = "pending")]
        Pending,
        #[sea_orm(string_value = "sent")]
        Sent,
        /// Given up after the last attempt.
        #[sea_orm(string_value = "failed")]
        Failed,
    }
}

/// A reminder round done: one per event, offset and start time, whatever the processes.
pub mod reminder_run {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reminder_runs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub offset_minutes: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub starts_at: DateTimeUtc,
        pub ran_at: DateTimeUtc,
        /// How many reminders the round queued (0 when skipped).
        pub queued: i32,
    }
    no_relations!();
}

/// Service-wide secrets kept in the database (the link key when none is configured).
pub mod app_secret {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_secrets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: String,
    }
    no_relations!();
}

/// A participant's personal feed: their address and the random id its link is made from.
pub mod participant_feed {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "participant_feeds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub email_normalized: String,
        /// 128 random bits (hex); the link is this id and its MAC (`links.rs`).
        pub link_id: String,
        pub created_at: DateTimeUtc,
        /// When the participant last asked for a new link.
        pub replaced_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// Whether a confirmed participant came to one session of an event.
pub mod session_attendance {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "session_attendance")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub registration_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub session_id: Uuid,
        pub attended: bool,
        pub recorded_at: DateTimeUtc,
    }
    no_relations!();
}

/// When a calendar feed's fingerprint last changed: its `Last-Modified`.
pub mod feed_version {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "feed_versions")]
    pub struct Model {
        /// The feed's path, e.g. `networks/demens` or `me/<link id>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub feed: String,
        pub etag: String,
        pub changed_at: DateTimeUtc,
    }
    no_relations!();
}

/// A signed-in organiser's session on the desk; only the SHA-256 of its id is stored.
pub mod organiser_session {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organiser_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub organiser_id: Uuid,
        /// Every desk form carries it; a POST without it is refused.
        pub csrf_token: String,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        /// The absolute end of the session, whatever its use.
        pub expires_at: DateTimeUtc,
    }
    no_relations!();
}

/// Who downloaded or changed what: attendee lists, statistics, exports and erasures,
/// sign-ins, API tokens.
pub mod audit_entry {
    use sea_orm::entity::prelude::*;
    /// One entry of the audit log.
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, utoipa::ToSchema,
    )]
    #[sea_orm(table_name = "audit_log")]
    #[schema(as = AuditEntry)]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Option<Uuid>,
        pub organiser_id: Option<Uuid>,
        /// The organiser's address, or "participant", or "command line".
        pub actor: String,
        /// What was done, e.g. `attendee_list.download`, `participant.erase`, `sign_in`
        /// (`service::audit::Action::as_str`).
        pub action: String,
        /// What it was done to (an event's title and id, a period, a token's name).
        pub subject: String,
        /// How much: rows downloaded, registrations erased.
        pub amount: Option<i64>,
        #[schema(value_type = chrono::DateTime<chrono::Utc>)]
        pub at: DateTimeUtc,
    }
    no_relations!();
}

/// A periodic job's run, claimed by name (e.g. `retention:2026-11-25`) so that several
/// processes run it once.
pub mod job_run {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_runs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub ran_at: DateTimeUtc,
    }
    no_relations!();
}

/// An event's evaluation: its questions (`domain::evaluations::Question` as JSON), when it
/// opens and closes (`None`: the defaults, which follow the event's times), and how many
/// were invited and have answered (counted here, so registrations' retention and erasure
/// leave the numbers as they were).
pub mod evaluation {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        /// `standard` or `grad` when the questions came from a preset.
        pub preset: Option<String>,
        pub questions: String,
        pub opens_at: Option<DateTimeUtc>,
        pub closes_at: Option<DateTimeUtc>,
        pub reminder_after_minutes: Option<i32>,
        pub invited: i32,
        pub respondents: i32,
        /// Closed and past every mail it will send: the scheduler no longer looks at it.
        pub finished: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// Who was invited to an evaluation, reminded, and whether they have answered: never what.
pub mod evaluation_invitation {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub registration_id: Uuid,
        pub invited_at: DateTimeUtc,
        pub reminded_at: Option<DateTimeUtc>,
        pub answered: bool,
    }
    no_relations!();
}

/// How many respondents gave `value` to question `question_key` (also `@role` and
/// `@municipality`: the respondents' roles and places, each counted on its own).
pub mod evaluation_tally {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_tallies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub question_key: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub value: String,
        pub count: i32,
    }
    no_relations!();
}

/// A free-text answer: a random (not time-ordered) id, the day, the text; no registration.
pub mod evaluation_comment {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub event_id: Uuid,
        pub question_key: String,
        pub text: String,
        pub answered_on: Date,
    }
    no_relations!();
}
