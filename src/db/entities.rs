//! sea-orm entities, one module per table. Enumerated columns are plain strings here; the
//! `domain` types convert them, so the database stays readable from `psql`/`sqlite3`.

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
    }
    no_relations!();
}

/// An event; keeps its own seat and waiting-list counters so sign-ups never count rows.
pub mod event {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub network_id: Option<Uuid>,
        pub title: String,
        pub kind: String,
        pub description: Option<String>,
        pub status: String,
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
    }
    no_relations!();
}

/// A participant's sign-up for an event.
pub mod registration {
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
        pub municipality: Option<String>,
        pub municipality_id: Option<Uuid>,
        pub workplace: Option<String>,
        pub role: Option<String>,
        pub share_contact: bool,
        pub language: String,
        pub status: String,
        /// Waiting-list ticket; lower is earlier. Kept after promotion for the record.
        pub waitlist_order: Option<i64>,
        pub manage_token_hash: String,
        pub attended: Option<bool>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub cancelled_at: Option<DateTimeUtc>,
        pub promoted_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// A rendered mail waiting to be delivered (or delivered, or given up on).
pub mod outbox {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub registration_id: Option<Uuid>,
        pub event_id: Option<Uuid>,
        /// `Name <address>` as validated when the mail was queued.
        pub recipient: String,
        /// Stable Message-ID, so a resend after a crash is recognisable as the same mail.
        pub message_id: String,
        pub subject: String,
        #[sea_orm(column_type = "Text")]
        pub body_text: String,
        #[sea_orm(column_type = "Text")]
        pub body_html: String,
        /// iCalendar attachment (`text/calendar`), if the mail carries one.
        pub ics: Option<String>,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub locked_until: Option<DateTimeUtc>,
        pub last_error: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
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

/// A participant's personal feed: their address and the hash of its token.
pub mod participant_feed {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "participant_feeds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub email_normalized: String,
        pub token_hash: String,
        pub created_at: DateTimeUtc,
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
