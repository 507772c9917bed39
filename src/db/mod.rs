//! The data layer: connection, migrations, entities and every query. The only module that
//! knows the shape of the tables.
pub mod attendance;
pub mod audit;
pub mod backup;
pub mod certificates;
pub mod entities;
pub mod evaluations;
pub mod events;
pub mod feeds;
pub mod group_commit;
pub mod jobs;
pub mod networks;
pub mod organisations;
pub mod outbox;
mod paging;
pub mod registrations;
pub mod reminders;
pub mod secrets;
pub mod series;
pub mod sessions;
pub mod stats;

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqlErr, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The PostgreSQL advisory lock migrations hold (any number unique to Samling: "samling"
/// in ASCII).
const MIGRATION_LOCK: i64 = 0x73616d6c696e67;

/// A connection pool plus, on SQLite, the gate that lets one write transaction run at a time.
///
/// SQLite allows one writer. Letting pooled connections race for the write lock ends in
/// `database is locked` under a rush, so write transactions queue on an async mutex in this
/// process (cheap, fair) and start with `BEGIN IMMEDIATE` (so other processes, e.g. a CLI
/// command, wait on the busy timeout instead of failing mid-transaction). Reads never wait:
/// the database runs in WAL mode. PostgreSQL needs no gate: row locks do the job.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    write_gate: Option<Arc<Mutex<()>>>,
    /// The URL, kept to open the migration connection.
    url: Arc<str>,
}

/// A write transaction; holds the SQLite write gate until committed or dropped.
pub struct WriteTx {
    pub tx: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits, then releases the gate.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        let is_sqlite = url.starts_with("sqlite:");
        let mut url = url.to_string();
        if is_sqlite {
            prepare_sqlite_path(&mut url)?;
        }
        let conn = Database::connect(options(&url, max_connections, true)).await?;
        Ok(Db {
            conn,
            write_gate: is_sqlite.then(|| Arc::new(Mutex::new(()))),
            url: url.into(),
        })
    }

    /// Applies pending migrations.
    ///
    /// On SQLite they run on a connection of their own with foreign keys off, as SQLite
    /// requires for rebuilding a table (a `DROP TABLE` would otherwise cascade), and the
    /// foreign keys are checked once they are done.
    ///
    /// On PostgreSQL they run on a connection of their own holding an advisory lock, so
    /// processes started at the same moment take turns: the first applies them, the others
    /// find nothing left to do.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        if self.write_gate.is_none() {
            let conn = Database::connect(options(&self.url, 1, true)).await?;
            conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .await?;
            let result = Migrator::up(&conn, None).await;
            conn.close().await?;
            return result;
        }
        let conn = Database::connect(options(&self.url, 1, false)).await?;
        Migrator::up(&conn, None).await?;
        let broken = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                "PRAGMA foreign_key_check",
            ))
            .await?;
        conn.close().await?;
        if broken.is_empty() {
            Ok(())
        } else {
            Err(DbErr::Migration(format!(
                "{} rows break a foreign key after migrating",
                broken.len()
            )))
        }
    }

    /// Begins a transaction that will write.
    pub async fn begin_write(&self) -> Result<WriteTx, DbErr> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let tx = if gate.is_some() {
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(WriteTx { tx, _gate: gate })
    }

    /// Connections of the pool in use and idle (for `/metrics`).
    pub fn pool(&self) -> (u32, u32) {
        let (size, idle) = match self.conn.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let p = self.conn.get_postgres_connection_pool();
                (p.size(), p.num_idle() as u32)
            }
            _ => {
                let p = self.conn.get_sqlite_connection_pool();
                (p.size(), p.num_idle() as u32)
            }
        };
        (size.saturating_sub(idle), idle)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }
}

/// Pool options; on SQLite: WAL, every commit synced (`synchronous=FULL`: an answered
/// sign-up survives a power cut; group commit keeps that cheap), a busy timeout, and
/// foreign keys as asked.
fn options(url: &str, max_connections: u32, foreign_keys: bool) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(max_connections)
        .min_connections(1)
        // A request waits at most this long for a connection: long enough for a rush's
        // queue, short enough that a database outage answers 503 soon.
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(foreign_keys)
        });
    }
    options
}

/// The file of a SQLite URL (`None`: not SQLite, or in memory).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite:")?
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

/// Creates the folder of a SQLite file and asks SQLite to create the file.
fn prepare_sqlite_path(url: &mut String) -> Result<(), DbErr> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    if !url.contains("mode=") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    Ok(())
}

/// The unique constraints whose violation means something to a user (a duplicate), by the
/// name PostgreSQL reports and the columns SQLite reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// One active registration per event and address.
    ActiveRegistration,
    /// Network slugs are unique across the service.
    NetworkSlug,
    /// One member per network and address.
    NetworkMember,
    /// One registration per sign-up form.
    Submission,
    /// Series slugs are unique within an organisation.
    SeriesSlug,
    /// Certificate numbers are unique within an organisation.
    CertificateNumber,
}

impl Unique {
    fn postgres_name(self) -> &'static str {
        match self {
            Unique::ActiveRegistration => "ux_registrations_active_email",
            Unique::NetworkSlug => "networks_slug_key",
            Unique::NetworkMember => "ux_network_members_email",
            Unique::Submission => "ux_registrations_submission",
            Unique::SeriesSlug => "ux_series_slug",
            Unique::CertificateNumber => "ux_certificates_number",
        }
    }

    fn sqlite_columns(self) -> &'static str {
        match self {
            Unique::ActiveRegistration => "registrations.event_id, registrations.email_normalized",
            Unique::NetworkSlug => "networks.slug",
            Unique::NetworkMember => "network_members.network_id, network_members.email_normalized",
            Unique::Submission => "registrations.submission_id",
            Unique::SeriesSlug => "series.organisation_id, series.slug",
            Unique::CertificateNumber => "certificates.organisation_id, certificates.number",
        }
    }
}

/// Whether `err` is a violation of exactly the unique constraint `which` (any other
/// violation stays an error: it would be a bug, not a duplicate).
pub fn violates(err: &DbErr, which: Unique) -> bool {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else {
        return false;
    };
    message.contains(&format!("\"{}\"", which.postgres_name()))
        || message.ends_with(which.sqlite_columns())
}

/// Whether a text from outside can be compared with stored text: PostgreSQL refuses a NUL
/// in a query parameter (an error, not a miss), and nothing stored contains one, so lookups
/// answer "none" for such text without asking.
pub fn comparable(text: &str) -> bool {
    !text.contains('\0')
}

/// Whether an error means the database cannot be reached right now (no connection, a
/// connection lost, the server shutting down), as opposed to a fault of the request or of
/// our code: such requests are answered 503, and the service recovers on its own.
pub fn unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(_) => true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
            // PostgreSQL's "admin shutdown", "crash shutdown", "cannot connect now".
            Sqlx::Database(d) => matches!(d.code().as_deref(), Some("57P01" | "57P02" | "57P03")),
            _ => false,
        },
        _ => false,
    }
}
