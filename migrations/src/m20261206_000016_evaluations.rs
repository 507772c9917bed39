//! Evaluations after an event, confidential by construction: who was invited and whether
//! they have answered is kept apart from what was answered. A scale or choice answer only
//! moves a counter (question, value) → count; a free-text answer is a row with a random id,
//! the day and the text, and nothing that leads to a registration. On SQLite neither table
//! has a rowid (a rowid grows with each insert, which would order the answers in time).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    EventId,
    Preset,
    Questions,
    OpensAt,
    ClosesAt,
    ReminderAfterMinutes,
    Invited,
    Respondents,
    Finished,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EvaluationInvitations {
    Table,
    EventId,
    RegistrationId,
    InvitedAt,
    RemindedAt,
    Answered,
}

#[derive(DeriveIden)]
enum EvaluationTallies {
    Table,
    EventId,
    QuestionKey,
    Value,
    Count,
}

#[derive(DeriveIden)]
enum EvaluationComments {
    Table,
    Id,
    EventId,
    QuestionKey,
    Text,
    AnsweredOn,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

fn event_key<T: IntoIden + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Events::Table, Events::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(
                        ColumnDef::new(Evaluations::EventId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Evaluations::Preset).string_len(32).null())
                    .col(ColumnDef::new(Evaluations::Questions).text().not_null())
                    .col(
                        ColumnDef::new(Evaluations::OpensAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Evaluations::ClosesAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Evaluations::ReminderAfterMinutes)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Evaluations::Invited)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Evaluations::Respondents)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Evaluations::Finished)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Evaluations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Evaluations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut event_key(Evaluations::Table, Evaluations::EventId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationInvitations::Table)
                    .col(
                        ColumnDef::new(EvaluationInvitations::EventId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EvaluationInvitations::RegistrationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EvaluationInvitations::InvitedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EvaluationInvitations::RemindedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(EvaluationInvitations::Answered)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .primary_key(
                        Index::create()
                            .col(EvaluationInvitations::EventId)
                            .col(EvaluationInvitations::RegistrationId),
                    )
                    .foreign_key(&mut event_key(
                        EvaluationInvitations::Table,
                        EvaluationInvitations::EventId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EvaluationInvitations::Table,
                                EvaluationInvitations::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let mut tallies = Table::create();
        tallies
            .table(EvaluationTallies::Table)
            .col(ColumnDef::new(EvaluationTallies::EventId).uuid().not_null())
            .col(
                ColumnDef::new(EvaluationTallies::QuestionKey)
                    .string_len(64)
                    .not_null(),
            )
            .col(
                ColumnDef::new(EvaluationTallies::Value)
                    .string_len(200)
                    .not_null(),
            )
            .col(
                ColumnDef::new(EvaluationTallies::Count)
                    .integer()
                    .not_null(),
            )
            .primary_key(
                Index::create()
                    .col(EvaluationTallies::EventId)
                    .col(EvaluationTallies::QuestionKey)
                    .col(EvaluationTallies::Value),
            )
            .foreign_key(&mut event_key(
                EvaluationTallies::Table,
                EvaluationTallies::EventId,
            ));
        let mut comments = Table::create()
            .table(EvaluationComments::Table)
            .col(
                ColumnDef::new(EvaluationComments::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(EvaluationComments::EventId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(EvaluationComments::QuestionKey)
                    .string_len(64)
                    .not_null(),
            )
            .col(ColumnDef::new(EvaluationComments::Text).text().not_null())
            .col(
                ColumnDef::new(EvaluationComments::AnsweredOn)
                    .date()
                    .not_null(),
            )
            .foreign_key(&mut event_key(
                EvaluationComments::Table,
                EvaluationComments::EventId,
            ))
            .to_owned();
        // On SQLite neither answer table has a rowid: one grows with each insert, which
        // would order the answers in time.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Sqlite {
            tallies.extra("WITHOUT ROWID");
            comments.extra("WITHOUT ROWID");
        }
        manager.create_table(tallies.to_owned()).await?;
        manager.create_table(comments).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_evaluation_comments_event")
                    .table(EvaluationComments::Table)
                    .col(EvaluationComments::EventId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EvaluationComments::Table.into_iden(),
            EvaluationTallies::Table.into_iden(),
            EvaluationInvitations::Table.into_iden(),
            Evaluations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
