//! Organiser accounts that can be disabled (`organisers.disabled_at`: no sign-in, no API
//! token while set), and where an API token was made (`api_tokens.made_at_desk`), so a
//! password reset can revoke what a possibly stolen desk session made while leaving the
//! command line's tokens (`samling organiser add`, used by scripts) alone.
//!
//! Tokens that exist already: the command line never gives a token a name and the desk
//! usually does, so a named token is taken as made at the desk.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisers {
    Table,
    DisabledAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Label,
    MadeAtDesk,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisers::Table)
                    .add_column(
                        ColumnDef::new(Organisers::DisabledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(
                        ColumnDef::new(ApiTokens::MadeAtDesk)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(ApiTokens::Table)
                    .value(ApiTokens::MadeAtDesk, true)
                    .and_where(Expr::col(ApiTokens::Label).is_not_null())
                    .to_owned(),
            )
            .await
    }
}
