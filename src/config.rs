//! Typed settings: `config/default.toml`, then `config/local.toml`, then `SAMLING_*`
//! environment variables. Every value is checked once here so the rest of the code can
//! trust it; a bad value stops the start with one line naming the key.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

/// The defaults, compiled in so the binary also starts outside the source tree.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// Raw values as read from files and environment, before checking.
#[derive(Deserialize)]
struct RawSettings {
    database_url: String,
    database_max_connections: u32,
    bind: String,
    base_url: String,
    smtp_url: Option<String>,
    outbox_dir: String,
    mail_from: String,
    reminder_offsets: String,
    scheduler_tick_seconds: u64,
    mail_max_attempts: u32,
    mail_retry_seconds: u64,
    secret_key: Option<String>,
    log: String,
    log_format: String,
}

/// Checked settings for one Samling process. `Debug` hides passwords and keys.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: u32,
    pub bind: SocketAddr,
    /// Public base URL without a trailing slash.
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub outbox_dir: PathBuf,
    pub mail_from: Mailbox,
    pub reminder_offsets: Vec<Duration>,
    pub scheduler_tick: Duration,
    pub mail_max_attempts: u32,
    /// Wait before the first retry of a failed mail (doubling after that).
    pub mail_retry: Duration,
    /// Configured link key; `None` = the one kept in the database.
    pub secret_key: Option<String>,
    pub log: String,
    pub log_json: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
            .field("outbox_dir", &self.outbox_dir)
            .field("mail_from", &self.mail_from)
            .field("reminder_offsets", &self.reminder_offsets)
            .field("scheduler_tick", &self.scheduler_tick)
            .field("mail_max_attempts", &self.mail_max_attempts)
            .field("mail_retry", &self.mail_retry)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("log", &self.log)
            .field("log_json", &self.log_json)
            .finish()
    }
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Not a URL: show only its scheme, in case a password is in there somewhere.
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "(not a URL)".to_string(),
        },
    }
}

/// A configuration problem, worded for the person starting the service.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

fn bad(key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        key: format!("{key} (SAMLING_{})", key.to_uppercase()),
        problem: problem.into(),
    }
}

impl Settings {
    /// Reads the layered configuration from the working directory and the environment.
    pub fn load() -> Result<Settings, ConfigError> {
        let raw: RawSettings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::with_name("config/default").required(false))
            .add_source(config::File::with_name("config/local").required(false))
            .add_source(config::Environment::with_prefix("SAMLING").try_parsing(true))
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError {
                key: "configuration".into(),
                problem: e.to_string(),
            })?;
        Settings::check(raw)
    }

    /// Defaults with the given database, for tests and tools.
    pub fn defaults_with_database(database_url: &str) -> Settings {
        let mut raw: RawSettings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("compiled-in defaults are valid");
        raw.database_url = database_url.to_string();
        Settings::check(raw).expect("compiled-in defaults are valid")
    }

    fn check(raw: RawSettings) -> Result<Settings, ConfigError> {
        if !(raw.database_url.starts_with("sqlite:")
            || raw.database_url.starts_with("postgres://")
            || raw.database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "database_url",
                format!(
                    "'{}' is neither sqlite:… nor postgres://…",
                    redact(&raw.database_url)
                ),
            ));
        }
        if raw.database_max_connections == 0 {
            return Err(bad("database_max_connections", "must be at least 1"));
        }
        let bind = raw.bind.parse().map_err(|_| {
            bad(
                "bind",
                format!("'{}' is not an address like 127.0.0.1:8080", raw.bind),
            )
        })?;
        let base = url::Url::parse(&raw.base_url)
            .map_err(|e| bad("base_url", format!("'{}' is not a URL: {e}", raw.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("base_url", "must start with http:// or https://"));
        }
        let smtp_url = raw.smtp_url.filter(|s| !s.trim().is_empty());
        if let Some(smtp) = &smtp_url {
            let parsed = url::Url::parse(smtp)
                .map_err(|e| bad("smtp_url", format!("'{}' is not a URL: {e}", redact(smtp))))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                return Err(bad(
                    "smtp_url",
                    "must look like smtp://host:port or smtps://host:port",
                ));
            }
        }
        let mail_from: Mailbox = raw.mail_from.parse().map_err(|e| {
            bad(
                "mail_from",
                format!("'{}' is not a mail address: {e}", raw.mail_from),
            )
        })?;
        let reminder_offsets =
            parse_offsets(&raw.reminder_offsets).map_err(|p| bad("reminder_offsets", p))?;
        if raw.scheduler_tick_seconds == 0 {
            return Err(bad("scheduler_tick_seconds", "must be at least 1"));
        }
        if raw.mail_max_attempts == 0 {
            return Err(bad("mail_max_attempts", "must be at least 1"));
        }
        if raw.mail_retry_seconds == 0 {
            return Err(bad("mail_retry_seconds", "must be at least 1"));
        }
        let secret_key = raw.secret_key.filter(|s| !s.is_empty());
        if secret_key.as_ref().is_some_and(|s| s.chars().count() < 32) {
            return Err(bad(
                "secret_key",
                "must be at least 32 characters (or empty)",
            ));
        }
        let log_json = match raw.log_format.as_str() {
            "text" => false,
            "json" => true,
            other => return Err(bad("log_format", format!("'{other}' is not text or json"))),
        };
        Ok(Settings {
            database_url: raw.database_url,
            database_max_connections: raw.database_max_connections,
            bind,
            base_url: raw.base_url.trim_end_matches('/').to_string(),
            smtp_url,
            outbox_dir: PathBuf::from(raw.outbox_dir),
            mail_from,
            reminder_offsets,
            scheduler_tick: Duration::from_secs(raw.scheduler_tick_seconds),
            mail_max_attempts: raw.mail_max_attempts,
            mail_retry: Duration::from_secs(raw.mail_retry_seconds),
            secret_key,
            log: raw.log,
            log_json,
        })
    }
}

/// The longest reminder offset: a year before the event.
pub const MAX_REMINDER_OFFSET: Duration = Duration::from_secs(366 * 86_400);

/// Parses `7d,1d,1h,30m` into durations, longest first.
pub fn parse_offsets(text: &str) -> Result<Vec<Duration>, String> {
    let mut offsets = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let unit = part.chars().last().unwrap_or(' ');
        let number = &part[..part.len() - unit.len_utf8()];
        let n: u64 = number
            .parse()
            .map_err(|_| format!("'{part}' is not a number followed by d, h or m"))?;
        let unit_seconds = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => return Err(format!("'{part}' must end in d, h or m")),
        };
        let seconds = n
            .checked_mul(unit_seconds)
            .filter(|s| *s <= MAX_REMINDER_OFFSET.as_secs())
            .ok_or_else(|| format!("'{part}' is more than a year"))?;
        if seconds == 0 {
            return Err(format!("'{part}' is zero"));
        }
        offsets.push(Duration::from_secs(seconds));
    }
    offsets.sort_by(|a, b| b.cmp(a));
    offsets.dedup();
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_and_sort() {
        let o = parse_offsets("1h, 7d,30m,1d").unwrap();
        assert_eq!(
            o,
            vec![
                Duration::from_secs(7 * 86_400),
                Duration::from_secs(86_400),
                Duration::from_secs(3_600),
                Duration::from_secs(1_800)
            ]
        );
        assert!(parse_offsets("7x").is_err());
        assert!(parse_offsets("d").is_err());
        assert!(parse_offsets("99999999999999999d").is_err(), "no overflow");
        assert!(parse_offsets("367d").is_err());
        assert!(parse_offsets("366d").is_ok());
    }
}
