//! A counter that moves with every change a public calendar feed could show (events, their
//! sessions, networks, organisations), kept by triggers so no writer can forget it. Each
//! process remembers the feeds it rendered with the counter they were made at; one read of
//! the counter tells every process whether its copy is still the database's.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables and the changes of theirs that feeds show (`None`: any update).
const WATCHED: &[(&str, Option<&str>)] = &[
    (
        "events",
        Some("network_id, title, kind, description, status, starts_at, ends_at, sequence, cancelled_at, updated_at"),
    ),
    ("event_sessions", None),
    ("networks", Some("slug, name, description")),
    ("organisations", Some("slug, name")),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE feed_generation (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO feed_generation (id, generation) VALUES (1, 0)")
            .await?;
        let bump = "UPDATE feed_generation SET generation = generation + 1 WHERE id = 1";
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION bump_feed_generation() RETURNS trigger AS $$ \
                     BEGIN {bump}; RETURN NULL; END $$ LANGUAGE plpgsql"
                ))
                .await?;
                for (table, columns) in WATCHED {
                    let update = columns.map_or("UPDATE".to_string(), |c| format!("UPDATE OF {c}"));
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_feed_generation AFTER INSERT OR DELETE OR {update} \
                         ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_feed_generation()"
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, columns) in WATCHED {
                    let update = columns.map_or("UPDATE".to_string(), |c| format!("UPDATE OF {c}"));
                    for (name, what) in [
                        ("insert", "INSERT".to_string()),
                        ("delete", "DELETE".into()),
                        ("update", update),
                    ] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_feed_generation_{name} AFTER {what} ON {table} \
                             BEGIN {bump}; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for (table, _) in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_feed_generation ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS bump_feed_generation()")
                    .await?;
            }
            _ => {
                for (table, _) in WATCHED {
                    for name in ["insert", "delete", "update"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_feed_generation_{name}"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE feed_generation").await?;
        Ok(())
    }
}
