//! Personal calendar feeds: one per participant address, found by the hash of its token.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParticipantFeeds {
    Table,
    EmailNormalized,
    TokenHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParticipantFeeds::Table)
                    .col(string_len(ParticipantFeeds::EmailNormalized, 254).primary_key())
                    .col(string_len_uniq(ParticipantFeeds::TokenHash, 64))
                    .col(timestamp_with_time_zone(ParticipantFeeds::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Personal feeds list a participant's registrations by address.
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_email")
                    .table(Alias::new("registrations"))
                    .col(Alias::new("email_normalized"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_email")
                    .table(Alias::new("registrations"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ParticipantFeeds::Table).to_owned())
            .await
    }
}
