//! Links that reach only the mailbox, mail rendered outside the write lock, and feed
//! versions.
//!
//! - `registrations` loses `manage_token_hash` (manage links are now verified by their MAC,
//!   see `src/links.rs`; links mailed before this upgrade stop working) and
//!   `municipality_id` (written, never read: statistics match the municipality text when
//!   they are made).
//! - `participant_feeds` keys each personal feed by a random link id (the token is that id
//!   plus its MAC) instead of a hash of an address-derived token. Every participant gets a
//!   fresh id; the old address-derived links stop working.
//! - `outbox` keeps the facts a mail needs (`facts`, JSON) instead of rendered bodies; the
//!   delivery worker renders, and the facts are dropped once the mail is sent.
//! - `feed_versions` remembers when each feed's fingerprint last changed (Last-Modified).
//!
//! SQLite cannot drop a UNIQUE or foreign-key column, so `registrations` is rebuilt the
//! way SQLite documents (new table, copy, drop, rename); `Db::migrate` runs migrations on
//! a connection with foreign keys off and checks them afterwards.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_REGISTRATIONS: &[&str] = &[
    r#"CREATE TABLE "registrations_new" (
        "id" uuid_text NOT NULL PRIMARY KEY,
        "event_id" uuid_text NOT NULL,
        "name" varchar(200) NOT NULL,
        "email" varchar(254) NOT NULL,
        "email_normalized" varchar(254) NOT NULL,
        "municipality" varchar(200) NULL,
        "workplace" varchar(200) NULL,
        "role" varchar(100) NULL,
        "share_contact" boolean NOT NULL,
        "language" varchar(8) NOT NULL,
        "status" varchar(16) NOT NULL,
        "waitlist_order" integer NULL,
        "attended" boolean NULL,
        "created_at" timestamp_with_timezone_text NOT NULL,
        "updated_at" timestamp_with_timezone_text NOT NULL,
        "cancelled_at" timestamp_with_timezone_text NULL,
        "promoted_at" timestamp_with_timezone_text NULL,
        FOREIGN KEY ("event_id") REFERENCES "events" ("id") ON DELETE CASCADE
    )"#,
    r#"INSERT INTO "registrations_new"
        SELECT "id", "event_id", "name", "email", "email_normalized", "municipality",
               "workplace", "role", "share_contact", "language", "status", "waitlist_order",
               "attended", "created_at", "updated_at", "cancelled_at", "promoted_at"
        FROM "registrations""#,
    r#"DROP TABLE "registrations""#,
    r#"ALTER TABLE "registrations_new" RENAME TO "registrations""#,
    "CREATE UNIQUE INDEX ux_registrations_active_email ON registrations (event_id, email_normalized) WHERE status <> 'cancelled'",
    r#"CREATE INDEX "ix_registrations_event_status_order" ON "registrations" ("event_id", "status", "waitlist_order")"#,
    r#"CREATE INDEX "ix_registrations_email" ON "registrations" ("email_normalized")"#,
    r#"CREATE INDEX "ix_registrations_stats" ON "registrations" ("event_id", "status", "municipality", "attended")"#,
];

const POSTGRES_REGISTRATIONS: &[&str] = &[
    r#"ALTER TABLE "registrations" DROP COLUMN "manage_token_hash""#,
    r#"ALTER TABLE "registrations" DROP COLUMN "municipality_id""#,
];

/// A random 128-bit link id in hex, in each engine's SQL.
fn random_link_id(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "replace(gen_random_uuid()::text, '-', '')",
        _ => "lower(hex(randomblob(16)))",
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    EventId,
    CreatedAt,
    BodyText,
    BodyHtml,
    Ics,
    Facts,
}

#[derive(DeriveIden)]
enum ParticipantFeeds {
    Table,
    EmailNormalized,
    LinkId,
    CreatedAt,
    ReplacedAt,
}

#[derive(DeriveIden)]
enum FeedVersions {
    Table,
    Feed,
    Etag,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let registrations = match backend {
            DbBackend::Postgres => POSTGRES_REGISTRATIONS,
            _ => SQLITE_REGISTRATIONS,
        };
        for sql in registrations {
            db.execute_unprepared(sql).await?;
        }

        db.execute_unprepared(r#"DROP TABLE "participant_feeds""#)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ParticipantFeeds::Table)
                    .col(
                        ColumnDef::new(ParticipantFeeds::EmailNormalized)
                            .string_len(254)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ParticipantFeeds::LinkId)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ParticipantFeeds::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ParticipantFeeds::ReplacedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(&format!(
            r#"INSERT INTO "participant_feeds" ("email_normalized", "link_id", "created_at")
               SELECT "email_normalized", {}, MIN("created_at") FROM "registrations"
               GROUP BY "email_normalized""#,
            random_link_id(backend)
        ))
        .await?;

        // Mails still waiting were rendered with links of the old form, which no longer
        // open anything: rather than send dead links, they are marked failed with the
        // reason, where the organiser's mail-status view shows them. (Drain the queue
        // before upgrading to avoid this.)
        db.execute_unprepared(
            r#"UPDATE "outbox" SET "status" = 'failed', "locked_until" = NULL,
               "last_error" = 'not sent: queued before the upgrade that changed participants'' links'
               WHERE "status" = 'pending'"#,
        )
        .await?;
        for column in [Outbox::BodyText, Outbox::BodyHtml, Outbox::Ics] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(ColumnDef::new(Outbox::Facts).text().null())
                    .to_owned(),
            )
            .await?;
        // The mail-status view of one event.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_event")
                    .table(Outbox::Table)
                    .col(Outbox::EventId)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedVersions::Table)
                    .col(
                        ColumnDef::new(FeedVersions::Feed)
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FeedVersions::Etag).string_len(64).not_null())
                    .col(
                        ColumnDef::new(FeedVersions::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
