//! Seat squatting: sign-ups from one client network to one event beyond a small share of
//! its seats hold their place only until the participant confirms from the mail. Each
//! registration keeps a keyed tag of the network it came from (never the address itself)
//! and, while unconfirmed, the time its place is held until.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    EventId,
    Origin,
    ConfirmBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(ColumnDef::new(Registrations::Origin).string_len(32).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(
                        ColumnDef::new(Registrations::ConfirmBy)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registrations_event_origin")
                    .table(Registrations::Table)
                    .col(Registrations::EventId)
                    .col(Registrations::Origin)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registrations_confirm_by")
                    .table(Registrations::Table)
                    .col(Registrations::ConfirmBy)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["registrations_confirm_by", "registrations_event_origin"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Registrations::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Registrations::ConfirmBy, Registrations::Origin] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Registrations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
