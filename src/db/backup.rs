//! `samling backup FILE`: a consistent copy of a SQLite database taken while the service
//! runs. PostgreSQL has its own tools (`pg_dump`; base backups with WAL archiving for
//! point-in-time recovery), which the README describes.
use std::path::{Path, PathBuf};

use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{Connection, SqliteConnection};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::Db;

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
    /// Registrations in the copy (read back from it).
    pub registrations: i64,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> DbErr {
    DbErr::Custom(format!("{what} {}: {e}", path.display()))
}

/// Copies the database to `target`, a file that must not exist yet.
///
/// `VACUUM INTO` reads one snapshot (WAL mode: sign-ups go on meanwhile) and writes a
/// compact copy. It is written beside the target under a `.partial` name, checked
/// (`PRAGMA integrity_check`, and read back), synced to disk and only then renamed, so a
/// failed or interrupted backup never leaves a file that looks like a good one.
pub async fn sqlite_into(db: &Db, target: &Path) -> Result<Backup, DbErr> {
    if db.conn.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Custom(
            "samling backup copies a SQLite database; use pg_dump for PostgreSQL".into(),
        ));
    }
    if target.exists() {
        return Err(DbErr::Custom(format!(
            "{} exists already; choose a new file name",
            target.display()
        )));
    }
    let mut partial = target.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let name = partial
        .to_str()
        .ok_or_else(|| DbErr::Custom("the backup's path must be valid UTF-8".into()))?;
    if partial.exists() {
        // Left by an interrupted backup.
        std::fs::remove_file(&partial).map_err(|e| io("cannot remove", &partial, e))?;
    }
    db.conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [name.into()],
        ))
        .await?;
    let registrations = match check(&partial).await {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let file = std::fs::File::open(&partial).map_err(|e| io("cannot open", &partial, e))?;
    file.sync_all()
        .map_err(|e| io("cannot sync", &partial, e))?;
    let bytes = file
        .metadata()
        .map_err(|e| io("cannot read", &partial, e))?
        .len();
    std::fs::rename(&partial, target).map_err(|e| io("cannot rename to", target, e))?;
    // The rename itself survives a power cut once the folder is synced.
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(Backup {
        file: target.to_path_buf(),
        bytes,
        registrations,
    })
}

/// Opens the copy read-only: intact, and how many registrations it holds.
async fn check(copy: &Path) -> Result<i64, DbErr> {
    let fail = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("the copy fails its check: {e}"));
    let options = SqliteConnectOptions::new().filename(copy).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(fail)?;
    let verdict: String = sea_orm::sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(fail)?;
    if verdict != "ok" {
        return Err(DbErr::Custom(format!(
            "the copy fails its check: {verdict}"
        )));
    }
    let registrations: i64 = sea_orm::sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
        .fetch_one(&mut conn)
        .await
        .map_err(fail)?;
    conn.close().await.map_err(fail)?;
    Ok(registrations)
}
