//! Planned events of the year plan: a session may have only a month ("dato ikke avklart"),
//! and an event with such a session is marked planned so that sign-ups, feeds and
//! reminders can leave it out without looking at its sessions.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Planned,
}

#[derive(DeriveIden)]
enum EventSessions {
    Table,
    Month,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(
                        ColumnDef::new(Events::Planned)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EventSessions::Table)
                    .add_column(ColumnDef::new(EventSessions::Month).string_len(7).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::Planned)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EventSessions::Table)
                    .drop_column(EventSessions::Month)
                    .to_owned(),
            )
            .await
    }
}
