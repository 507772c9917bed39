//! Typed settings: `config/default.toml`, then `config/local.toml`, then `SAMLING_*`
//! environment variables. Every value is checked once here so the rest of the code can
//! trust it; a bad value stops the start with one line naming the key.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;

/// The defaults, compiled in so the binary also starts outside the source tree.
const DEFAULTS: &str = include_str!("../config/default.toml");

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

/// Checked settings for one Samling process, in sections. The files and the environment
/// stay flat (`smtp_url`, `SAMLING_SMTP_URL`: the names README documents); each section
/// reads and checks its own keys. `Debug` shows no password, key or token ([`Secret`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub mail: MailSettings,
    pub scheduler: SchedulerSettings,
    pub keys: Keys,
    pub log: LogSettings,
    pub rate_limits: RateLimits,
    /// Sign-ups from one network to one event beyond a share of its seats must be confirmed
    /// from the mail (against seat squatting): `signup_check_*`.
    pub signup_check: crate::domain::MailCheck,
    pub retention: Retention,
    /// `evaluation_min_respondents`: with fewer respondents an evaluation's results show
    /// only how many were invited and answered.
    pub evaluation_min_respondents: u32,
    pub operator: Operator,
}

/// `operator_*`: who runs this Samling, named on the privacy page as the data controller
/// and in both statements as where to write.
#[derive(Debug, Clone)]
pub struct Operator {
    /// Empty: the pages say "the organisation that runs this service".
    pub name: String,
    /// Where people write about privacy and accessibility; empty: the organiser of the event.
    pub contact_email: String,
    /// The statement as made in uustatus.no (Norway's rules want it there); empty: none.
    pub accessibility_statement_url: String,
}

/// `database_*`.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite:…` or `postgres://…`. Kept as text: a SQLite one is a file path in URL
    /// clothing (`sqlite://data/samling.db` is the relative file `data/samling.db`).
    pub url: Secret<String>,
    pub max_connections: u32,
}

/// `bind`, `base_url`, `trusted_proxies` and the server's limits (`http_*`).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub bind: SocketAddr,
    pub base_url: BaseUrl,
    pub trusted_proxies: TrustedProxies,
    pub limits: HttpLimits,
}

/// `smtp_url`, `outbox_dir`, `mail_from` and `mail_*`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: every mail is written as an `.eml` file into `outbox_dir`.
    pub smtp_url: Option<Secret<url::Url>>,
    pub outbox_dir: PathBuf,
    pub from: Mailbox,
    pub max_attempts: u32,
    /// Wait before the first retry of a failed mail (doubling after that).
    pub retry: Duration,
    /// How long a worker's claim on a mail lasts (see `mail::DeliveryRules::lease`).
    pub lease: Duration,
}

/// `scheduler_tick_seconds` and `reminder_offsets`.
#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    pub tick: Duration,
    /// Longest first.
    pub reminder_offsets: Vec<Duration>,
}

/// `secret_key` and `metrics_token`.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The configured link key; `None` = the one kept in the database.
    pub secret_key: Option<Secret<String>>,
    /// The bearer token of `GET /metrics`; `None`: no metrics endpoint.
    pub metrics_token: Option<Secret<String>>,
}

/// `log` and `log_format`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// A valid `tracing` filter (checked here: a typo stops the start instead of silently
    /// logging at another level).
    pub filter: String,
    pub json: bool,
}

/// `retention_*`.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Personal data of registrations to events that ended longer ago is anonymised.
    pub months: u32,
    /// Cancelled registrations lose their personal data after this many days.
    pub cancelled_days: u32,
    /// Course certificates keep their holder's name this many years after issue
    /// (`certificate_retention_years`).
    pub certificate_years: u32,
}

/// A value that must not reach a log: its `Debug` is `***`, or for a URL the URL without
/// its password. [`Secret::expose`] is the one way to the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T> {
    value: T,
    shown: String,
}

impl<T> Secret<T> {
    /// A key or token: `Debug` shows none of it.
    pub fn new(value: T) -> Secret<T> {
        Secret {
            value,
            shown: "***".into(),
        }
    }

    /// The value itself, for the code that uses it.
    pub fn expose(&self) -> &T {
        &self.value
    }

    /// What may be shown of it, for messages and logs.
    pub fn redacted(&self) -> &str {
        &self.shown
    }
}

impl<T: AsRef<str>> Secret<T> {
    /// A URL that may carry a password: `Debug` shows it without the password.
    pub fn url(value: T) -> Secret<T> {
        let shown = redact(value.as_ref());
        Secret { value, shown }
    }
}

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// The public base URL (`http://` or `https://`), used in links in mails and feeds.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(url::Url);

impl BaseUrl {
    /// The URL without a trailing slash, for `format!("{base}/e/…")`.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// Served over https (cookies get `Secure`, answers get HSTS).
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<BaseUrl, String> {
        let url = url::Url::parse(text).map_err(|e| format!("'{text}' is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must start with http:// or https://".into());
        }
        Ok(BaseUrl(url))
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
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

/// The files and the environment merged, read key by key: a missing or mistyped value is
/// an error naming its key.
struct Source(config::Config);

impl Source {
    fn get<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, ConfigError> {
        self.0.get(key).map_err(|e| bad(key, e.to_string()))
    }

    /// A whole number of at least 1.
    fn positive<T: serde::de::DeserializeOwned + Default + PartialEq>(
        &self,
        key: &str,
    ) -> Result<T, ConfigError> {
        let value: T = self.get(key)?;
        if value == T::default() {
            return Err(bad(key, "must be at least 1"));
        }
        Ok(value)
    }

    /// Text, `None` when empty or blank.
    fn filled(&self, key: &str) -> Result<Option<String>, ConfigError> {
        Ok(self
            .get::<Option<String>>(key)?
            .filter(|s| !s.trim().is_empty()))
    }
}

/// The compiled-in defaults, the first layer.
fn defaults() -> config::File<config::FileSourceString, config::FileFormat> {
    config::File::from_str(DEFAULTS, config::FileFormat::Toml)
}

/// `SAMLING_<KEY>`, the last layer.
fn environment() -> config::Environment {
    config::Environment::with_prefix("SAMLING").try_parsing(true)
}

impl Settings {
    /// Reads the layered configuration from the working directory and the environment.
    pub fn load() -> Result<Settings, ConfigError> {
        Settings::from_layers(
            config::Config::builder()
                .add_source(defaults())
                .add_source(config::File::with_name("config/default").required(false))
                .add_source(config::File::with_name("config/local").required(false))
                .add_source(environment()),
        )
    }

    /// Defaults with the given database, for tests and tools.
    pub fn defaults_with_database(database_url: &str) -> Settings {
        config::Config::builder()
            .add_source(defaults())
            .set_override("database_url", database_url)
            .map_err(|e| bad("database_url", e.to_string()))
            .and_then(Settings::from_layers)
            .expect("compiled-in defaults are valid")
    }

    fn from_layers(
        layers: config::ConfigBuilder<config::builder::DefaultState>,
    ) -> Result<Settings, ConfigError> {
        let source = Source(layers.build().map_err(|e| ConfigError {
            key: "configuration".into(),
            problem: e.to_string(),
        })?);
        Ok(Settings {
            database: DatabaseSettings::read(&source)?,
            http: HttpSettings::read(&source)?,
            mail: MailSettings::read(&source)?,
            scheduler: SchedulerSettings::read(&source)?,
            keys: Keys::read(&source)?,
            log: LogSettings::read(&source)?,
            rate_limits: RateLimits::read(&source)?,
            signup_check: read_signup_check(&source)?,
            retention: Retention::read(&source)?,
            evaluation_min_respondents: {
                let n: u32 = source.positive("evaluation_min_respondents")?;
                if n < 3 {
                    return Err(bad(
                        "evaluation_min_respondents",
                        "must be at least 3 (fewer answers could be told apart)",
                    ));
                }
                n
            },
            operator: Operator::read(&source)?,
        })
    }
}

impl DatabaseSettings {
    fn read(s: &Source) -> Result<DatabaseSettings, ConfigError> {
        let url: String = s.get("database_url")?;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(bad(
                "database_url",
                format!("'{}' is neither sqlite:… nor postgres://…", redact(&url)),
            ));
        }
        Ok(DatabaseSettings {
            url: Secret::url(url),
            max_connections: s.positive("database_max_connections")?,
        })
    }
}

impl HttpSettings {
    fn read(s: &Source) -> Result<HttpSettings, ConfigError> {
        let bind: String = s.get("bind")?;
        let bind = bind.parse().map_err(|_| {
            bad(
                "bind",
                format!("'{bind}' is not an address like 127.0.0.1:8080"),
            )
        })?;
        let base_url: String = s.get("base_url")?;
        let base_url = base_url.parse().map_err(|p| bad("base_url", p))?;
        let trusted_proxies = TrustedProxies::parse(&s.get::<String>("trusted_proxies")?)
            .map_err(|p| bad("trusted_proxies", p))?;
        let timeout = |key: &str| -> Result<Duration, ConfigError> {
            let seconds: u64 = s.get(key)?;
            if !(1..=3600).contains(&seconds) {
                return Err(bad(key, "must be from 1 to 3600 seconds"));
            }
            Ok(Duration::from_secs(seconds))
        };
        let limits = HttpLimits {
            header_timeout: timeout("http_header_timeout_seconds")?,
            request_timeout: timeout("http_request_timeout_seconds")?,
            max_connections: s.get("http_max_connections")?,
            max_connections_per_address: s.positive("http_max_connections_per_address")?,
            body_timeout: timeout("http_body_timeout_seconds")?,
            max_header_bytes: s.get("http_max_header_bytes")?,
            max_uri_bytes: s.get("http_max_uri_bytes")?,
            drain: timeout("http_drain_seconds")?,
        };
        if limits.max_header_bytes < 4096 || limits.max_uri_bytes < 1024 {
            return Err(bad(
                "http_max_header_bytes",
                "headers need at least 4096 bytes and URLs 1024",
            ));
        }
        Ok(HttpSettings {
            bind,
            base_url,
            trusted_proxies,
            limits,
        })
    }
}

impl MailSettings {
    fn read(s: &Source) -> Result<MailSettings, ConfigError> {
        let smtp_url = match s.filled("smtp_url")? {
            None => None,
            Some(text) => {
                let url = url::Url::parse(&text).map_err(|e| {
                    bad("smtp_url", format!("'{}' is not a URL: {e}", redact(&text)))
                })?;
                if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
                    return Err(bad(
                        "smtp_url",
                        "must look like smtp://host:port or smtps://host:port",
                    ));
                }
                Some(Secret::url(url))
            }
        };
        let from: String = s.get("mail_from")?;
        let from = from
            .parse()
            .map_err(|e| bad("mail_from", format!("'{from}' is not a mail address: {e}")))?;
        Ok(MailSettings {
            smtp_url,
            outbox_dir: PathBuf::from(s.get::<String>("outbox_dir")?),
            from,
            max_attempts: s.positive("mail_max_attempts")?,
            retry: Duration::from_secs(s.positive("mail_retry_seconds")?),
            lease: Duration::from_secs(s.positive("mail_lease_seconds")?),
        })
    }
}

impl SchedulerSettings {
    fn read(s: &Source) -> Result<SchedulerSettings, ConfigError> {
        Ok(SchedulerSettings {
            tick: Duration::from_secs(s.positive("scheduler_tick_seconds")?),
            reminder_offsets: parse_offsets(&s.get::<String>("reminder_offsets")?)
                .map_err(|p| bad("reminder_offsets", p))?,
        })
    }
}

impl Keys {
    fn read(s: &Source) -> Result<Keys, ConfigError> {
        let secret_key = s
            .get::<Option<String>>("secret_key")?
            .filter(|k| !k.is_empty());
        if secret_key.as_ref().is_some_and(|k| k.chars().count() < 32) {
            return Err(bad(
                "secret_key",
                "must be at least 32 characters (or empty)",
            ));
        }
        let metrics_token = s.filled("metrics_token")?;
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(bad("metrics_token", "must be at least 16 characters"));
        }
        Ok(Keys {
            secret_key: secret_key.map(Secret::new),
            metrics_token: metrics_token.map(Secret::new),
        })
    }
}

impl LogSettings {
    fn read(s: &Source) -> Result<LogSettings, ConfigError> {
        let filter: String = s.get("log")?;
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&filter) {
            return Err(bad("log", format!("'{filter}' is not a log filter: {e}")));
        }
        let json = match s.get::<String>("log_format")?.as_str() {
            "text" => false,
            "json" => true,
            other => return Err(bad("log_format", format!("'{other}' is not text or json"))),
        };
        Ok(LogSettings { filter, json })
    }
}

impl RateLimits {
    fn read(s: &Source) -> Result<RateLimits, ConfigError> {
        Ok(RateLimits {
            signups_per_event_per_minute: s.get("rate_signups_per_event_per_minute")?,
            signups_per_hour: s.get("rate_signups_per_hour")?,
            participant_posts_per_minute: s.get("rate_participant_posts_per_minute")?,
            sign_ins_per_minute: s.get("rate_sign_ins_per_minute")?,
            sign_in_free_failures: s.get("rate_sign_in_free_failures")?,
            personal_feed_per_minute: s.get("rate_personal_feed_per_minute")?,
            requests_per_minute: s.get("rate_requests_per_minute")?,
        })
    }
}

fn read_signup_check(s: &Source) -> Result<crate::domain::MailCheck, ConfigError> {
    let share_percent: u32 = s.get("signup_check_share_percent")?;
    if share_percent > 100 {
        return Err(bad("signup_check_share_percent", "must be from 0 to 100"));
    }
    let hours: u32 = s.get("signup_check_hours")?;
    if !(1..=24 * 14).contains(&hours) {
        return Err(bad("signup_check_hours", "must be from 1 to 336 hours"));
    }
    Ok(crate::domain::MailCheck {
        share_percent,
        at_least: s.get("signup_check_at_least")?,
        hold: chrono::Duration::hours(i64::from(hours)),
    })
}

impl Operator {
    fn read(s: &Source) -> Result<Operator, ConfigError> {
        let name: String = s.get("operator_name")?;
        let contact_email: String = s.get("operator_contact_email")?;
        let contact_email = contact_email.trim().to_string();
        if !contact_email.is_empty() && contact_email.parse::<lettre::Address>().is_err() {
            return Err(bad(
                "operator_contact_email",
                format!("'{contact_email}' is not a mail address"),
            ));
        }
        let statement: String = s.get("operator_accessibility_statement_url")?;
        let statement = statement.trim().to_string();
        if !statement.is_empty()
            && !url::Url::parse(&statement).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Err(bad(
                "operator_accessibility_statement_url",
                format!("'{statement}' is not an http(s) URL"),
            ));
        }
        Ok(Operator {
            name: name.trim().to_string(),
            contact_email,
            accessibility_statement_url: statement,
        })
    }
}

impl Retention {
    fn read(s: &Source) -> Result<Retention, ConfigError> {
        Ok(Retention {
            months: s.positive("retention_months")?,
            cancelled_days: s.positive("retention_cancelled_days")?,
            certificate_years: s.positive("certificate_retention_years")?,
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

    /// The real loader (compiled-in defaults, then the environment), with `vars` as the
    /// whole environment.
    fn from_env(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_layers(
            config::Config::builder()
                .add_source(defaults())
                .add_source(environment().source(Some(env))),
        )
    }

    #[test]
    fn debug_output_hides_every_secret() {
        let s = from_env(&[
            (
                "SAMLING_DATABASE_URL",
                "postgres://samling:db-pass-1@db:5432/samling",
            ),
            (
                "SAMLING_SMTP_URL",
                "smtps://mailer:smtp-pass-2@smtp.example.no:465",
            ),
            (
                "SAMLING_SECRET_KEY",
                "link-key-3-0123456789abcdefghijklmnopqrstuv",
            ),
            ("SAMLING_METRICS_TOKEN", "metrics-token-4-0123456789"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        for secret in ["db-pass-1", "smtp-pass-2", "link-key-3", "metrics-token-4"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("postgres://samling:***@db:5432/samling"));
        assert!(shown.contains("smtps://mailer:***@smtp.example.no:465"));
        // …while the code that needs them gets them whole.
        assert_eq!(
            s.mail.smtp_url.as_ref().unwrap().expose().password(),
            Some("smtp-pass-2")
        );
        assert!(s.database.url.expose().contains("db-pass-1"));
        assert_eq!(redact("not a url with pass-5"), "(not a URL)");
        assert_eq!(redact("weird://user:pass-6@[bad"), "weird://…");
    }

    #[test]
    fn a_bad_log_filter_stops_the_start_naming_the_key() {
        let e = from_env(&[("SAMLING_LOG", "samling=loud")]).unwrap_err();
        assert_eq!(e.key, "log (SAMLING_LOG)");
        assert!(
            e.to_string().contains("'samling=loud' is not a log filter"),
            "{e}"
        );
        let s = from_env(&[("SAMLING_LOG", "samling=debug,warn")]).unwrap();
        assert_eq!(s.log.filter, "samling=debug,warn");
    }

    #[test]
    fn a_mistyped_number_names_its_key() {
        let e = from_env(&[("SAMLING_HTTP_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert_eq!(e.key, "http_max_connections (SAMLING_HTTP_MAX_CONNECTIONS)");
        let e = from_env(&[("SAMLING_BASE_URL", "ftp://example.no")]).unwrap_err();
        assert_eq!(e.key, "base_url (SAMLING_BASE_URL)");
    }

    /// Every documented `SAMLING_*` name (each key of `config/default.toml`) still reaches
    /// its field of the nested settings.
    #[test]
    fn every_environment_name_reaches_its_setting() {
        type Check = fn(&Settings) -> bool;
        let table: &[(&str, &str, Check)] = &[
            (
                "SAMLING_DATABASE_URL",
                "postgres://u:p@db.example:5433/samling",
                |s| s.database.url.expose() == "postgres://u:p@db.example:5433/samling",
            ),
            ("SAMLING_DATABASE_MAX_CONNECTIONS", "7", |s| {
                s.database.max_connections == 7
            }),
            ("SAMLING_BIND", "0.0.0.0:9090", |s| {
                s.http.bind.to_string() == "0.0.0.0:9090"
            }),
            ("SAMLING_BASE_URL", "https://samling.example.no/", |s| {
                s.http.base_url.as_str() == "https://samling.example.no"
                    && s.http.base_url.is_https()
            }),
            ("SAMLING_SMTP_URL", "smtp://mail.example.no:2525", |s| {
                s.mail.smtp_url.as_ref().map(|u| u.expose().as_str())
                    == Some("smtp://mail.example.no:2525")
            }),
            ("SAMLING_OUTBOX_DIR", "/var/lib/samling/outbox", |s| {
                s.mail.outbox_dir == std::path::Path::new("/var/lib/samling/outbox")
            }),
            ("SAMLING_MAIL_FROM", "Kurs <kurs@example.no>", |s| {
                s.mail.from.email.to_string() == "kurs@example.no"
            }),
            ("SAMLING_REMINDER_OFFSETS", "2h", |s| {
                s.scheduler.reminder_offsets == [Duration::from_secs(7200)]
            }),
            ("SAMLING_SCHEDULER_TICK_SECONDS", "5", |s| {
                s.scheduler.tick == Duration::from_secs(5)
            }),
            ("SAMLING_MAIL_MAX_ATTEMPTS", "3", |s| {
                s.mail.max_attempts == 3
            }),
            ("SAMLING_MAIL_RETRY_SECONDS", "45", |s| {
                s.mail.retry == Duration::from_secs(45)
            }),
            ("SAMLING_MAIL_LEASE_SECONDS", "120", |s| {
                s.mail.lease == Duration::from_secs(120)
            }),
            (
                "SAMLING_SECRET_KEY",
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                |s| {
                    s.keys.secret_key.as_ref().map(|k| k.expose().as_str())
                        == Some("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk")
                },
            ),
            ("SAMLING_METRICS_TOKEN", "tttttttttttttttttttt", |s| {
                s.keys.metrics_token.as_ref().map(|k| k.expose().as_str())
                    == Some("tttttttttttttttttttt")
            }),
            ("SAMLING_LOG", "samling=debug,warn", |s| {
                s.log.filter == "samling=debug,warn"
            }),
            ("SAMLING_LOG_FORMAT", "json", |s| s.log.json),
            ("SAMLING_TRUSTED_PROXIES", "10.0.0.0/8", |s| {
                s.http.trusted_proxies.contains("10.1.2.3".parse().unwrap())
            }),
            ("SAMLING_RATE_SIGNUPS_PER_EVENT_PER_MINUTE", "11", |s| {
                s.rate_limits.signups_per_event_per_minute == 11
            }),
            ("SAMLING_RATE_SIGNUPS_PER_HOUR", "12", |s| {
                s.rate_limits.signups_per_hour == 12
            }),
            ("SAMLING_RATE_PARTICIPANT_POSTS_PER_MINUTE", "13", |s| {
                s.rate_limits.participant_posts_per_minute == 13
            }),
            ("SAMLING_RATE_SIGN_INS_PER_MINUTE", "14", |s| {
                s.rate_limits.sign_ins_per_minute == 14
            }),
            ("SAMLING_RATE_SIGN_IN_FREE_FAILURES", "15", |s| {
                s.rate_limits.sign_in_free_failures == 15
            }),
            ("SAMLING_RATE_PERSONAL_FEED_PER_MINUTE", "16", |s| {
                s.rate_limits.personal_feed_per_minute == 16
            }),
            ("SAMLING_RATE_REQUESTS_PER_MINUTE", "17", |s| {
                s.rate_limits.requests_per_minute == 17
            }),
            ("SAMLING_HTTP_HEADER_TIMEOUT_SECONDS", "11", |s| {
                s.http.limits.header_timeout == Duration::from_secs(11)
            }),
            ("SAMLING_HTTP_REQUEST_TIMEOUT_SECONDS", "31", |s| {
                s.http.limits.request_timeout == Duration::from_secs(31)
            }),
            ("SAMLING_HTTP_BODY_TIMEOUT_SECONDS", "12", |s| {
                s.http.limits.body_timeout == Duration::from_secs(12)
            }),
            ("SAMLING_HTTP_MAX_CONNECTIONS", "100", |s| {
                s.http.limits.max_connections == 100
            }),
            ("SAMLING_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "9", |s| {
                s.http.limits.max_connections_per_address == 9
            }),
            ("SAMLING_HTTP_MAX_HEADER_BYTES", "8192", |s| {
                s.http.limits.max_header_bytes == 8192
            }),
            ("SAMLING_HTTP_MAX_URI_BYTES", "2048", |s| {
                s.http.limits.max_uri_bytes == 2048
            }),
            ("SAMLING_HTTP_DRAIN_SECONDS", "21", |s| {
                s.http.limits.drain == Duration::from_secs(21)
            }),
            ("SAMLING_SIGNUP_CHECK_SHARE_PERCENT", "20", |s| {
                s.signup_check.share_percent == 20
            }),
            ("SAMLING_SIGNUP_CHECK_AT_LEAST", "6", |s| {
                s.signup_check.at_least == 6
            }),
            ("SAMLING_SIGNUP_CHECK_HOURS", "48", |s| {
                s.signup_check.hold == chrono::Duration::hours(48)
            }),
            ("SAMLING_RETENTION_MONTHS", "13", |s| {
                s.retention.months == 13
            }),
            ("SAMLING_RETENTION_CANCELLED_DAYS", "14", |s| {
                s.retention.cancelled_days == 14
            }),
            ("SAMLING_CERTIFICATE_RETENTION_YEARS", "12", |s| {
                s.retention.certificate_years == 12
            }),
            ("SAMLING_EVALUATION_MIN_RESPONDENTS", "5", |s| {
                s.evaluation_min_respondents == 5
            }),
            ("SAMLING_OPERATOR_NAME", "USHT Vestfold", |s| {
                s.operator.name == "USHT Vestfold"
            }),
            ("SAMLING_OPERATOR_CONTACT_EMAIL", "usht@example.no", |s| {
                s.operator.contact_email == "usht@example.no"
            }),
            (
                "SAMLING_OPERATOR_ACCESSIBILITY_STATEMENT_URL",
                "https://uustatus.no/x",
                |s| s.operator.accessibility_statement_url == "https://uustatus.no/x",
            ),
        ];
        let plain = Settings::defaults_with_database("sqlite://data/samling.db");
        for (name, value, check) in table {
            assert!(!check(&plain), "{name}: the test value is the default");
            let s = from_env(&[(name, value)]).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(check(&s), "{name}={value} did not reach its setting: {s:?}");
        }
        let all = from_env(&table.iter().map(|(n, v, _)| (*n, *v)).collect::<Vec<_>>()).unwrap();
        assert!(table.iter().all(|(_, _, check)| check(&all)));
        // The table covers every key of the file, so none was left unread.
        let mut keys: Vec<String> = config::Source::collect(&defaults())
            .unwrap()
            .into_keys()
            .map(|k| format!("SAMLING_{}", k.to_uppercase()))
            .collect();
        let mut names: Vec<String> = table.iter().map(|(n, _, _)| n.to_string()).collect();
        keys.sort();
        names.sort();
        assert_eq!(keys, names);
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
