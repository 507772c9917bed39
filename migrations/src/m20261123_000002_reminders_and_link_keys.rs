//! Reminders (one run per event, offset and start time), the moment an event's times last
//! changed (reminders already past then are skipped), and the service's link-signing key.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReminderRuns {
    Table,
    EventId,
    OffsetMinutes,
    StartsAt,
    RanAt,
    Queued,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    ScheduleChangedAt,
}

#[derive(DeriveIden)]
enum AppSecrets {
    Table,
    Name,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReminderRuns::Table)
                    .col(uuid(ReminderRuns::EventId))
                    .col(integer(ReminderRuns::OffsetMinutes))
                    .col(timestamp_with_time_zone(ReminderRuns::StartsAt))
                    .col(timestamp_with_time_zone(ReminderRuns::RanAt))
                    .col(integer(ReminderRuns::Queued))
                    // The key that makes each reminder round happen once, whatever the
                    // number of processes.
                    .primary_key(
                        Index::create()
                            .col(ReminderRuns::EventId)
                            .col(ReminderRuns::OffsetMinutes)
                            .col(ReminderRuns::StartsAt),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReminderRuns::Table, ReminderRuns::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(timestamp_with_time_zone_null(Events::ScheduleChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(string_len(AppSecrets::Name, 64).primary_key())
                    .col(string_len(AppSecrets::Value, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AppSecrets::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::ScheduleChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ReminderRuns::Table).to_owned())
            .await
    }
}
