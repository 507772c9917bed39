//! The registration core: organisations, organisers, networks, municipalities, events with
//! sessions, registrations and the mail outbox.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    TimeZone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    OrganisationId,
    Email,
    Name,
    IsAdmin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    OrganiserId,
    TokenHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
    OrganisationId,
    Slug,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NetworkMembers {
    Table,
    Id,
    NetworkId,
    Email,
    EmailNormalized,
    Name,
    Municipality,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
    OrganisationId,
    Name,
    NameKey,
    Population,
    Region,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    OrganisationId,
    NetworkId,
    Title,
    Kind,
    Description,
    Status,
    Capacity,
    WaitlistEnabled,
    MembersOnly,
    RegistrationOpensAt,
    RegistrationClosesAt,
    StartsAt,
    EndsAt,
    ConfirmedCount,
    WaitlistCount,
    WaitlistSeq,
    Sequence,
    CancelReason,
    CancelledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventSessions {
    Table,
    Id,
    EventId,
    Position,
    StartsAt,
    EndsAt,
    Location,
    OnlineUrl,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    EventId,
    Name,
    Email,
    EmailNormalized,
    Municipality,
    MunicipalityId,
    Workplace,
    Role,
    ShareContact,
    Language,
    Status,
    WaitlistOrder,
    ManageTokenHash,
    Attended,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
    PromotedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    RegistrationId,
    EventId,
    Recipient,
    MessageId,
    Subject,
    BodyText,
    BodyHtml,
    Ics,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    SentAt,
    CreatedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(pk_uuid(Organisations::Id))
                    .col(string_len_uniq(Organisations::Slug, 64))
                    .col(string_len(Organisations::Name, 200))
                    .col(string_len(Organisations::TimeZone, 64).default("Europe/Oslo"))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organisers::Table)
                    .col(pk_uuid(Organisers::Id))
                    .col(uuid(Organisers::OrganisationId))
                    .col(string_len(Organisers::Email, 254))
                    .col(string_len(Organisers::Name, 200))
                    .col(boolean(Organisers::IsAdmin).default(false))
                    .col(timestamp_with_time_zone(Organisers::CreatedAt))
                    .foreign_key(&mut fk(
                        Organisers::Table,
                        Organisers::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_organisers_org_email")
                    .table(Organisers::Table)
                    .col(Organisers::OrganisationId)
                    .col(Organisers::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_uuid(ApiTokens::Id))
                    .col(uuid(ApiTokens::OrganiserId))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .foreign_key(&mut fk(
                        ApiTokens::Table,
                        ApiTokens::OrganiserId,
                        Organisers::Table,
                        Organisers::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Networks::Table)
                    .col(pk_uuid(Networks::Id))
                    .col(uuid(Networks::OrganisationId))
                    .col(string_len_uniq(Networks::Slug, 64))
                    .col(string_len(Networks::Name, 200))
                    .col(text_null(Networks::Description))
                    .col(timestamp_with_time_zone(Networks::CreatedAt))
                    .col(timestamp_with_time_zone(Networks::UpdatedAt))
                    .foreign_key(&mut fk(
                        Networks::Table,
                        Networks::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_networks_org")
                    .table(Networks::Table)
                    .col(Networks::OrganisationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NetworkMembers::Table)
                    .col(pk_uuid(NetworkMembers::Id))
                    .col(uuid(NetworkMembers::NetworkId))
                    .col(string_len(NetworkMembers::Email, 254))
                    .col(string_len(NetworkMembers::EmailNormalized, 254))
                    .col(string_len_null(NetworkMembers::Name, 200))
                    .col(string_len_null(NetworkMembers::Municipality, 200))
                    .col(timestamp_with_time_zone(NetworkMembers::CreatedAt))
                    .foreign_key(&mut fk(
                        NetworkMembers::Table,
                        NetworkMembers::NetworkId,
                        Networks::Table,
                        Networks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_network_members_email")
                    .table(NetworkMembers::Table)
                    .col(NetworkMembers::NetworkId)
                    .col(NetworkMembers::EmailNormalized)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Municipalities::Table)
                    .col(pk_uuid(Municipalities::Id))
                    .col(uuid(Municipalities::OrganisationId))
                    .col(string_len(Municipalities::Name, 200))
                    .col(string_len(Municipalities::NameKey, 200))
                    .col(big_integer_null(Municipalities::Population))
                    .col(string_len_null(Municipalities::Region, 200))
                    .foreign_key(&mut fk(
                        Municipalities::Table,
                        Municipalities::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_municipalities_org_key")
                    .table(Municipalities::Table)
                    .col(Municipalities::OrganisationId)
                    .col(Municipalities::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_uuid(Events::Id))
                    .col(uuid(Events::OrganisationId))
                    .col(uuid_null(Events::NetworkId))
                    .col(string_len(Events::Title, 200))
                    .col(string_len(Events::Kind, 16))
                    .col(text_null(Events::Description))
                    .col(string_len(Events::Status, 16))
                    .col(integer_null(Events::Capacity))
                    .col(boolean(Events::WaitlistEnabled))
                    .col(boolean(Events::MembersOnly))
                    .col(timestamp_with_time_zone_null(Events::RegistrationOpensAt))
                    .col(timestamp_with_time_zone_null(Events::RegistrationClosesAt))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone(Events::EndsAt))
                    .col(integer(Events::ConfirmedCount).default(0))
                    .col(integer(Events::WaitlistCount).default(0))
                    .col(big_integer(Events::WaitlistSeq).default(0))
                    .col(integer(Events::Sequence).default(0))
                    .col(text_null(Events::CancelReason))
                    .col(timestamp_with_time_zone_null(Events::CancelledAt))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(&mut fk(
                        Events::Table,
                        Events::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_events_org_start", Events::OrganisationId),
            ("ix_events_network_start", Events::NetworkId),
            ("ix_events_status_start", Events::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Events::Table)
                        .col(col)
                        .col(Events::StartsAt)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(EventSessions::Table)
                    .col(pk_uuid(EventSessions::Id))
                    .col(uuid(EventSessions::EventId))
                    .col(integer(EventSessions::Position))
                    .col(timestamp_with_time_zone(EventSessions::StartsAt))
                    .col(timestamp_with_time_zone(EventSessions::EndsAt))
                    .col(string_len_null(EventSessions::Location, 500))
                    .col(string_len_null(EventSessions::OnlineUrl, 2000))
                    .foreign_key(&mut fk(
                        EventSessions::Table,
                        EventSessions::EventId,
                        Events::Table,
                        Events::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_sessions_event")
                    .table(EventSessions::Table)
                    .col(EventSessions::EventId)
                    .col(EventSessions::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(pk_uuid(Registrations::Id))
                    .col(uuid(Registrations::EventId))
                    .col(string_len(Registrations::Name, 200))
                    .col(string_len(Registrations::Email, 254))
                    .col(string_len(Registrations::EmailNormalized, 254))
                    .col(string_len_null(Registrations::Municipality, 200))
                    .col(uuid_null(Registrations::MunicipalityId))
                    .col(string_len_null(Registrations::Workplace, 200))
                    .col(string_len_null(Registrations::Role, 100))
                    .col(boolean(Registrations::ShareContact))
                    .col(string_len(Registrations::Language, 8))
                    .col(string_len(Registrations::Status, 16))
                    .col(big_integer_null(Registrations::WaitlistOrder))
                    .col(string_len_uniq(Registrations::ManageTokenHash, 64))
                    .col(boolean_null(Registrations::Attended))
                    .col(timestamp_with_time_zone(Registrations::CreatedAt))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Registrations::CancelledAt))
                    .col(timestamp_with_time_zone_null(Registrations::PromotedAt))
                    .foreign_key(&mut fk(
                        Registrations::Table,
                        Registrations::EventId,
                        Events::Table,
                        Events::Id,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One active registration per (event, email): a partial unique index, written the
        // same way for SQLite and PostgreSQL. The database, not the application, decides
        // races between simultaneous sign-ups with the same address.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_registrations_active_email \
                 ON registrations (event_id, email_normalized) WHERE status <> 'cancelled'",
            )
            .await?;
        // The waiting list is read in order when a seat is freed.
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_event_status_order")
                    .table(Registrations::Table)
                    .col(Registrations::EventId)
                    .col(Registrations::Status)
                    .col(Registrations::WaitlistOrder)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_uuid(Outbox::Id))
                    .col(string_len(Outbox::Kind, 32))
                    .col(uuid_null(Outbox::RegistrationId))
                    .col(uuid_null(Outbox::EventId))
                    .col(string_len(Outbox::Recipient, 500))
                    .col(string_len(Outbox::MessageId, 200))
                    .col(string_len(Outbox::Subject, 500))
                    .col(text(Outbox::BodyText))
                    .col(text(Outbox::BodyHtml))
                    .col(text_null(Outbox::Ics))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            Registrations::Table.into_iden(),
            EventSessions::Table.into_iden(),
            Events::Table.into_iden(),
            Municipalities::Table.into_iden(),
            NetworkMembers::Table.into_iden(),
            Networks::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Organisers::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
