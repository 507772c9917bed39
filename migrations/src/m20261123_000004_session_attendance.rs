//! Attendance per session: a course of several gatherings records who came to each one.
//! `registrations.attended` stays as the summary the statistics read, with an index for them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SessionAttendance {
    Table,
    RegistrationId,
    SessionId,
    Attended,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionAttendance::Table)
                    .col(uuid(SessionAttendance::RegistrationId))
                    .col(uuid(SessionAttendance::SessionId))
                    .col(boolean(SessionAttendance::Attended))
                    .col(timestamp_with_time_zone(SessionAttendance::RecordedAt))
                    .primary_key(
                        Index::create()
                            .col(SessionAttendance::RegistrationId)
                            .col(SessionAttendance::SessionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SessionAttendance::Table, SessionAttendance::RegistrationId)
                            .to(Alias::new("registrations"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The attendance summary of an event reads per session.
        manager
            .create_index(
                Index::create()
                    .name("ix_session_attendance_session")
                    .table(SessionAttendance::Table)
                    .col(SessionAttendance::SessionId)
                    .to_owned(),
            )
            .await?;
        // Participation statistics group an event's confirmed registrations by municipality
        // text and count attendance: this index answers that without reading the table.
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_stats")
                    .table(Alias::new("registrations"))
                    .col(Alias::new("event_id"))
                    .col(Alias::new("status"))
                    .col(Alias::new("municipality"))
                    .col(Alias::new("attended"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_stats")
                    .table(Alias::new("registrations"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SessionAttendance::Table).to_owned())
            .await
    }
}
