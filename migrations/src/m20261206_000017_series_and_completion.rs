//! Programmes across the year: series of events (a webinar series, the yearly instructor
//! course), optional sessions and the completion rule an event may set.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Series {
    Table,
    Id,
    OrganisationId,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    OrganisationId,
    SeriesId,
    CompletionMinSessions,
}

#[derive(DeriveIden)]
enum EventSessions {
    Table,
    Optional,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Series::Table)
                    .col(ColumnDef::new(Series::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Series::OrganisationId).uuid().not_null())
                    .col(ColumnDef::new(Series::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Series::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Series::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Series::Table, Series::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_series_slug")
                    .table(Series::Table)
                    .col(Series::OrganisationId)
                    .col(Series::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(ColumnDef::new(Events::SeriesId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(
                        ColumnDef::new(Events::CompletionMinSessions)
                            .integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_series")
                    .table(Events::Table)
                    .col(Events::OrganisationId)
                    .col(Events::SeriesId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EventSessions::Table)
                    .add_column(
                        ColumnDef::new(EventSessions::Optional)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_events_series").to_owned())
            .await?;
        for column in [Events::SeriesId, Events::CompletionMinSessions] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Events::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(EventSessions::Table)
                    .drop_column(EventSessions::Optional)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Series::Table).to_owned())
            .await
    }
}
