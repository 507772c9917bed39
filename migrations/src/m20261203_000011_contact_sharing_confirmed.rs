//! Sharing contact details needs the owner's own confirmation: the sign-up's choice is made
//! by whoever typed the address, so it is only a wish until the owner confirms it on their
//! page (reached from the mail). `share_contact_confirmed_at` is when they did.
//!
//! Existing registrations that opted in have not confirmed: they stop being shown until
//! their owners confirm (the safe side of a consent nobody proved).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    ShareContactConfirmedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(
                        ColumnDef::new(Registrations::ShareContactConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
