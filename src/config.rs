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
    mail_lease_seconds: u64,
    secret_key: Option<String>,
    metrics_token: Option<String>,
    log: String,
    log_format: String,
    trusted_proxies: String,
    rate_signups_per_event_per_minute: u32,
    rate_signups_per_hour: u32,
    rate_participant_posts_per_minute: u32,
    rate_sign_ins_per_minute: u32,
    rate_sign_in_free_failures: u32,
    rate_personal_feed_per_minute: u32,
    rate_requests_per_minute: u32,
    http_header_timeout_seconds: u64,
    http_request_timeout_seconds: u64,
    http_max_connections: usize,
    http_max_connections_per_address: usize,
    http_body_timeout_seconds: u64,
    http_max_header_bytes: usize,
    http_max_uri_bytes: usize,
    http_drain_seconds: u64,
    retention_months: u32,
    retention_cancelled_days: u32,
    signup_check_share_percent: u32,
    signup_check_at_least: u32,
    signup_check_hours: u32,
}

/// Abuse limits (see `config/default.toml` for the numbers and why); 0 turns one off.
#[derive(Debug, Clone, Default)]
pub struct RateLimits {
    pub signups_per_event_per_minute: u32,
    pub signups_per_hour: u32,
    pub participant_posts_per_minute: u32,
    pub sign_ins_per_minute: u32,
    pub sign_in_free_failures: u32,
    pub personal_feed_per_minute: u32,
    pub requests_per_minute: u32,
}

impl RateLimits {
    /// Every limit off (benchmarks and tests that are not about limits).
    pub fn off() -> RateLimits {
        RateLimits {
            sign_in_free_failures: u32::MAX,
            ..RateLimits::default()
        }
    }
}

/// The HTTP server's time and size limits.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Time to send a request's headers; also how long an idle keep-alive connection stays.
    pub header_timeout: Duration,
    /// Time to answer a request.
    pub request_timeout: Duration,
    /// Connections served at once (0 in the file: derived from the file-descriptor limit
    /// at start, see `server::automatic_max_connections`).
    pub max_connections: usize,
    /// Connections one client address (an IPv6 /64) may hold at once; a trusted proxy's
    /// connections are not capped by address.
    pub max_connections_per_address: usize,
    /// Longest pause while a request body arrives.
    pub body_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_uri_bytes: usize,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

/// Proxies whose `X-Forwarded-For`/`Forwarded` headers are believed: addresses or CIDR
/// ranges (`10.0.0.0/8, 192.0.2.7`). Empty: none, the socket's peer is the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(std::net::IpAddr, u8)>);

impl TrustedProxies {
    /// Reads a comma list of addresses and CIDR ranges.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (addr, bits) = match part.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (part, None),
            };
            let addr: std::net::IpAddr = addr
                .parse()
                .map_err(|_| format!("'{part}' is not an address or a CIDR range"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("'{part}' has a bad prefix length"))?,
            };
            out.push((addr, bits));
        }
        Ok(TrustedProxies(out))
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn contains(&self, addr: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
            v4 => v4,
        };
        self.0.iter().any(|(net, bits)| match (net, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(*n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(*n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }
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
    /// How long a worker's claim on a mail lasts (see `mail::DeliveryRules::lease`).
    pub mail_lease: Duration,
    /// Configured link key; `None` = the one kept in the database.
    pub secret_key: Option<String>,
    /// The bearer token of `GET /metrics`; `None`: no metrics endpoint.
    pub metrics_token: Option<String>,
    pub log: String,
    pub log_json: bool,
    pub trusted_proxies: TrustedProxies,
    pub rate_limits: RateLimits,
    pub http: HttpLimits,
    /// Personal data of registrations to events that ended longer ago is anonymised.
    pub retention_months: u32,
    /// Cancelled registrations lose their personal data after this many days.
    pub retention_cancelled_days: u32,
    /// Sign-ups from one network to one event beyond a share of its seats must be confirmed
    /// from the mail (against seat squatting).
    pub signup_check: crate::domain::MailCheck,
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
            .field("mail_lease", &self.mail_lease)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("log", &self.log)
            .field("log_json", &self.log_json)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rate_limits", &self.rate_limits)
            .field("http", &self.http)
            .field("retention_months", &self.retention_months)
            .field("retention_cancelled_days", &self.retention_cancelled_days)
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
        if raw.mail_lease_seconds == 0 {
            return Err(bad("mail_lease_seconds", "must be at least 1"));
        }
        if raw.mail_retry_seconds == 0 {
            return Err(bad("mail_retry_seconds", "must be at least 1"));
        }
        let secret_key = raw.secret_key.filter(|s| !s.is_empty());
        let metrics_token = raw.metrics_token.filter(|s| !s.trim().is_empty());
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(bad("metrics_token", "must be at least 16 characters"));
        }
        if secret_key.as_ref().is_some_and(|s| s.chars().count() < 32) {
            return Err(bad(
                "secret_key",
                "must be at least 32 characters (or empty)",
            ));
        }
        let trusted_proxies =
            TrustedProxies::parse(&raw.trusted_proxies).map_err(|p| bad("trusted_proxies", p))?;
        for (key, value) in [
            (
                "http_header_timeout_seconds",
                raw.http_header_timeout_seconds,
            ),
            (
                "http_request_timeout_seconds",
                raw.http_request_timeout_seconds,
            ),
            ("http_drain_seconds", raw.http_drain_seconds),
            ("http_body_timeout_seconds", raw.http_body_timeout_seconds),
        ] {
            if !(1..=3600).contains(&value) {
                return Err(bad(key, "must be from 1 to 3600 seconds"));
            }
        }
        if raw.http_max_connections_per_address == 0 {
            return Err(bad(
                "http_max_connections_per_address",
                "must be at least 1",
            ));
        }
        if raw.http_max_header_bytes < 4096 || raw.http_max_uri_bytes < 1024 {
            return Err(bad(
                "http_max_header_bytes",
                "headers need at least 4096 bytes and URLs 1024",
            ));
        }
        if raw.signup_check_share_percent > 100 {
            return Err(bad("signup_check_share_percent", "must be from 0 to 100"));
        }
        if !(1..=24 * 14).contains(&raw.signup_check_hours) {
            return Err(bad("signup_check_hours", "must be from 1 to 336 hours"));
        }
        if raw.retention_months == 0 {
            return Err(bad("retention_months", "must be at least 1"));
        }
        if raw.retention_cancelled_days == 0 {
            return Err(bad("retention_cancelled_days", "must be at least 1"));
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
            mail_lease: Duration::from_secs(raw.mail_lease_seconds),
            secret_key,
            metrics_token,
            log: raw.log,
            log_json,
            trusted_proxies,
            rate_limits: RateLimits {
                signups_per_event_per_minute: raw.rate_signups_per_event_per_minute,
                signups_per_hour: raw.rate_signups_per_hour,
                participant_posts_per_minute: raw.rate_participant_posts_per_minute,
                sign_ins_per_minute: raw.rate_sign_ins_per_minute,
                sign_in_free_failures: raw.rate_sign_in_free_failures,
                personal_feed_per_minute: raw.rate_personal_feed_per_minute,
                requests_per_minute: raw.rate_requests_per_minute,
            },
            http: HttpLimits {
                header_timeout: Duration::from_secs(raw.http_header_timeout_seconds),
                request_timeout: Duration::from_secs(raw.http_request_timeout_seconds),
                max_connections: raw.http_max_connections,
                max_connections_per_address: raw.http_max_connections_per_address,
                body_timeout: Duration::from_secs(raw.http_body_timeout_seconds),
                max_header_bytes: raw.http_max_header_bytes,
                max_uri_bytes: raw.http_max_uri_bytes,
                drain: Duration::from_secs(raw.http_drain_seconds),
            },
            retention_months: raw.retention_months,
            retention_cancelled_days: raw.retention_cancelled_days,
            signup_check: crate::domain::MailCheck {
                share_percent: raw.signup_check_share_percent,
                at_least: raw.signup_check_at_least,
                hold: chrono::Duration::hours(i64::from(raw.signup_check_hours)),
            },
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
    fn debug_output_hides_every_secret() {
        let mut s =
            Settings::defaults_with_database("postgres://samling:db-pass-1@db:5432/samling");
        s.smtp_url = Some("smtps://mailer:smtp-pass-2@smtp.example.no:465".into());
        s.secret_key = Some("link-key-3-0123456789abcdefghijklmnopqrstuv".into());
        s.metrics_token = Some("metrics-token-4-0123456789".into());
        let shown = format!("{s:?}");
        for secret in ["db-pass-1", "smtp-pass-2", "link-key-3", "metrics-token-4"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("postgres://samling:***@db:5432/samling"));
        assert_eq!(redact("not a url with pass-5"), "(not a URL)");
        assert_eq!(redact("weird://user:pass-6@[bad"), "weird://…");
    }

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

    proptest::proptest! {
        /// Any text: an error or offsets within (0, a year], longest first; never a panic.
        #[test]
        fn any_offsets_text_is_parsed_or_refused(text in "[0-9dhmx, ]{0,30}|\\PC{0,30}") {
            if let Ok(offsets) = parse_offsets(&text) {
                proptest::prop_assert!(offsets.iter().all(|o| !o.is_zero() && *o <= MAX_REMINDER_OFFSET));
                proptest::prop_assert!(offsets.windows(2).all(|w| w[0] > w[1]));
            }
        }

        #[test]
        fn any_trusted_proxies_text_is_parsed_or_refused(text in "[0-9a-f.:/, ]{0,40}|\\PC{0,30}") {
            let _ = TrustedProxies::parse(&text);
        }
    }
}
