//! The organiser desk: passwords (argon2id hashes), signed-in sessions (only their hash is
//! stored, with an idle and an absolute expiry and the session's CSRF token), and API
//! tokens that show when they were last used and can be named.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    PasswordHash,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Label,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum OrganiserSessions {
    Table,
    IdHash,
    OrganiserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Organisers::PasswordHash)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(Organisers::PasswordChangedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisers::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            ColumnDef::new(ApiTokens::Label)
                .string_len(100)
                .null()
                .to_owned(),
            ColumnDef::new(ApiTokens::LastUsedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiTokens::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrganiserSessions::Table)
                    .col(
                        ColumnDef::new(OrganiserSessions::IdHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrganiserSessions::OrganiserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganiserSessions::CsrfToken)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganiserSessions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganiserSessions::LastSeenAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganiserSessions::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganiserSessions::Table, OrganiserSessions::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_organiser_sessions_organiser")
                    .table(OrganiserSessions::Table)
                    .col(OrganiserSessions::OrganiserId)
                    .to_owned(),
            )
            .await
    }
}
