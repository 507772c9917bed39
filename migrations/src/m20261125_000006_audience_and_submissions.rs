//! Who an event is for ("sykepleiere og vernepleiere i Dalane-kommunene"), and the id of the
//! form a sign-up came from, so a form sent twice ends on the same receipt instead of an
//! "already registered" refusal.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Audience,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    SubmissionId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(ColumnDef::new(Events::Audience).string_len(500).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(ColumnDef::new(Registrations::SubmissionId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_registrations_submission")
                    .table(Registrations::Table)
                    .col(Registrations::SubmissionId)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
