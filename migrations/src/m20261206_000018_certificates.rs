//! Course certificates (kursbevis): an event's certificate rule, and the register of every
//! certificate issued (or imported from before Samling), which outlives registrations.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    OrganisationId,
    Number,
    Year,
    Seq,
    Code,
    EventId,
    RegistrationId,
    SeriesId,
    HolderName,
    Course,
    FirstDate,
    LastDate,
    Hours,
    Municipality,
    Language,
    IssuedOn,
    Imported,
    RevokedAt,
    Replaces,
    AnonymisedAt,
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
    Certificate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(
                        ColumnDef::new(Certificates::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Certificates::OrganisationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Number)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Certificates::Year).integer().not_null())
                    .col(ColumnDef::new(Certificates::Seq).integer().not_null())
                    .col(ColumnDef::new(Certificates::Code).string_len(40).not_null())
                    // No foreign keys to events and registrations: the register outlives both.
                    .col(ColumnDef::new(Certificates::EventId).uuid().null())
                    .col(ColumnDef::new(Certificates::RegistrationId).uuid().null())
                    .col(ColumnDef::new(Certificates::SeriesId).uuid().null())
                    .col(
                        ColumnDef::new(Certificates::HolderName)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Course)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Certificates::FirstDate).date().not_null())
                    .col(ColumnDef::new(Certificates::LastDate).date().not_null())
                    .col(ColumnDef::new(Certificates::Hours).double().null())
                    .col(
                        ColumnDef::new(Certificates::Municipality)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Language)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Certificates::IssuedOn).date().not_null())
                    .col(
                        ColumnDef::new(Certificates::Imported)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Certificates::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Certificates::Replaces).string_len(80).null())
                    .col(
                        ColumnDef::new(Certificates::AnonymisedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificates::Table, Certificates::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            (
                "ux_certificates_number",
                vec![Certificates::OrganisationId, Certificates::Number],
                true,
            ),
            ("ux_certificates_code", vec![Certificates::Code], true),
            (
                "ix_certificates_event",
                vec![Certificates::EventId, Certificates::RegistrationId],
                false,
            ),
            (
                "ix_certificates_issued",
                vec![Certificates::OrganisationId, Certificates::IssuedOn],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Certificates::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The event's rule: `{"hours":…, "text_nb":…, "text_en":…}` or null (no certificates).
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(ColumnDef::new(Events::Certificate).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::Certificate)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Certificates::Table).to_owned())
            .await
    }
}
