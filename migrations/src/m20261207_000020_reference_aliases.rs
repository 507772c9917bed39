//! The reference list changes over time: a municipality has other names people type
//! ("Egersund" for Eigersund, a former or town name) and may belong to the list only from or
//! until a date (Lunner and Jevnaker join Akershus from 2024).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Aliases,
    ValidFrom,
    ValidTo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column at a time: SQLite's ALTER TABLE adds a single column per statement.
        let columns = [
            ColumnDef::new(Municipalities::Aliases)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Municipalities::ValidFrom)
                .date()
                .null()
                .to_owned(),
            ColumnDef::new(Municipalities::ValidTo)
                .date()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Municipalities::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Municipalities::Aliases,
            Municipalities::ValidFrom,
            Municipalities::ValidTo,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Municipalities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
