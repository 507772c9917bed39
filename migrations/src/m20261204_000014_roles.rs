//! Each organisation's list of participant roles (key, Norwegian and English label, order).
//! An organisation without rows uses the default list (`domain::roles::defaults`). A
//! registration now stores the role's key, so relabelling changes no registration: the four
//! roles stored by their Norwegian label until now become their keys; any other text (free
//! text from before roles were a list) stays as it was and counts as "not stated".
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    OrganisationId,
    Key,
    LabelNb,
    LabelEn,
    Position,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    EventId,
    Status,
    Role,
    Attended,
}

/// The labels stored until now and the keys they become.
const STORED_LABELS: [(&str, &str); 4] = [
    ("Helsepersonell", "helsepersonell"),
    ("Fagleder", "fagansvarlig"),
    ("Leder", "leder"),
    ("Annet", "annet"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(ColumnDef::new(Roles::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Roles::OrganisationId).uuid().not_null())
                    .col(ColumnDef::new(Roles::Key).string_len(64).not_null())
                    .col(ColumnDef::new(Roles::LabelNb).string_len(100).not_null())
                    .col(ColumnDef::new(Roles::LabelEn).string_len(100).not_null())
                    .col(ColumnDef::new(Roles::Position).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Roles::Table, Roles::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("roles_organisation_key")
                    .table(Roles::Table)
                    .col(Roles::OrganisationId)
                    .col(Roles::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The statistics by role read only this index, as those by municipality read
        // `ix_registrations_stats`.
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_role_stats")
                    .table(Registrations::Table)
                    .col(Registrations::EventId)
                    .col(Registrations::Status)
                    .col(Registrations::Role)
                    .col(Registrations::Attended)
                    .to_owned(),
            )
            .await?;
        for (label, key) in STORED_LABELS {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Registrations::Table)
                        .value(Registrations::Role, key)
                        .and_where(Expr::col(Registrations::Role).eq(label))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (label, key) in STORED_LABELS {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Registrations::Table)
                        .value(Registrations::Role, label)
                        .and_where(Expr::col(Registrations::Role).eq(key))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_role_stats")
                    .table(Registrations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Roles::Table).to_owned())
            .await
    }
}
