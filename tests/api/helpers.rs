//! Test harness: each test gets its own Samling on a free port with its own database
//! (a temporary SQLite file, or a fresh PostgreSQL database), and talks to it over HTTP.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use reqwest::{header, redirect, StatusCode};
use samling::app::Application;
use samling::clock::Clock;
use samling::config::Settings;
use samling::db::entities::outbox;
use samling::db::{self, Db};
use samling::http::AppState;
use samling::links;
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

/// The mails each test SMTP server received, by port, so an app can read its own mail.
static MAILBOXES: LazyLock<Mutex<HashMap<u16, Mailbox>>> = LazyLock::new(Default::default);

type Mailbox = Arc<Mutex<Vec<ReceivedMail>>>;

/// Which database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A running Samling for one test.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Bearer token of an organiser of the organisation `centre`.
    pub token: String,
    pub db: Db,
    pub database_url: String,
    pub outbox_dir: std::path::PathBuf,
    /// Where this app's mail arrives when it sends through a test SMTP server.
    pub mailbox: Option<Mailbox>,
    /// The app's "now": settable for an app of this process (`advance` it instead of
    /// sleeping), the system clock for one attached to another process.
    pub clock: Clock,
    /// The app's state, for running its periodic work at once (`None` when attached).
    state: Option<AppState>,
    _dir: tempfile::TempDir,
}

/// The PostgreSQL server used for tests: `SAMLING_TEST_POSTGRES_URL`, or the local default.
fn postgres_admin_url() -> String {
    std::env::var("SAMLING_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Notes a test that returned early without testing, for the summary of `scripts/test`
/// (nextest shows a passing test's output to nobody): a line `kind<TAB>test<TAB>detail` in
/// `target/test-skips.txt`, or in the file `SAMLING_TEST_SKIPS` names.
pub fn record_skip(kind: &str, detail: &str) {
    use std::io::Write;
    let path = std::env::var_os("SAMLING_TEST_SKIPS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-skips.txt")
        });
    // The test's own thread is named after it (libtest); nextest runs one test a process.
    let test = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("a test")
        .to_string();
    let line = format!("{kind}\t{test}\t{}\n", detail.replace(['\t', '\n'], " "));
    // One append per line: parallel test processes do not interleave their lines.
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = file.write_all(line.as_bytes());
    }
}

/// Makes a fresh database for one test; `None` (test skipped, said aloud) when no server
/// answers outside CI. In CI a missing PostgreSQL fails the test.
pub async fn fresh_postgres_database() -> Option<String> {
    let admin_url = postgres_admin_url();
    let admin = match Database::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true")
                || std::env::var("SAMLING_TEST_POSTGRES_URL").is_ok()
            {
                panic!("PostgreSQL at {admin_url} is required but unreachable: {e}");
            }
            let at = samling::config::redact(&admin_url);
            eprintln!(
                "SKIPPED: PostgreSQL at {at} unreachable ({e}); set SAMLING_TEST_POSTGRES_URL"
            );
            record_skip("postgres", &at);
            return None;
        }
    };
    // Names carry their creation time, so databases left by earlier runs (tests cannot drop
    // their own in an async-free Drop) are removed once they are an hour old.
    let now = chrono::Utc::now().timestamp();
    let old = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'samling_test_%'",
        ))
        .await
        .unwrap_or_default();
    for row in old {
        let Ok(existing) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created = existing
            .split('_')
            .nth(2)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(now);
        if now - created > 3600 {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {existing}"))
                .await;
        }
    }
    let name = format!("samling_test_{now}_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("postgres url");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

impl TestApp {
    /// Starts an app on `engine`, mailing through `smtp_url` (or to `.eml` files).
    pub async fn spawn(engine: Engine, smtp_url: Option<String>) -> Option<TestApp> {
        Self::spawn_with(engine, smtp_url, |_| {}).await
    }

    /// Like `spawn`, with settings changed by `adjust` first.
    pub async fn spawn_with(
        engine: Engine,
        smtp_url: Option<String>,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = match engine {
            Engine::Sqlite => format!("sqlite://{}", dir.path().join("samling.db").display()),
            Engine::Postgres => fresh_postgres_database().await?,
        };
        let mut settings = Settings::defaults_with_database(&database_url);
        settings.http.bind = "127.0.0.1:0".parse().unwrap();
        settings.database.max_connections = 10;
        settings.mail.smtp_url =
            smtp_url.map(|u| samling::config::Secret::url(url::Url::parse(&u).expect("smtp url")));
        settings.mail.outbox_dir = dir.path().join("outbox");
        settings.scheduler.tick = std::time::Duration::from_secs(1);
        // Tests about something else must not trip the abuse limits (tests about the
        // limits set them back).
        settings.rate_limits = samling::config::RateLimits::off();
        // Every test client is 127.0.0.1: sign-ups beyond a share of the seats would all need
        // confirming from the mail (tests about that set it back).
        settings.signup_check.share_percent = 0;
        adjust(&mut settings);
        let outbox_dir = settings.mail.outbox_dir.clone();
        let mailbox = settings
            .mail
            .smtp_url
            .as_ref()
            .and_then(|u| u.expose().port())
            .and_then(|port| MAILBOXES.lock().unwrap().get(&port).cloned());
        let clock = Clock::settable();
        let app = Application::build_with_clock(settings, clock.clone())
            .await
            .expect("app builds");
        let port = app.port();
        let db = app.state().db.clone();
        let state = app.state().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let test_app = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .unwrap(),
            token: String::new(),
            db,
            database_url,
            outbox_dir,
            mailbox,
            clock,
            state: Some(state),
            _dir: dir,
        };
        let token = test_app.admin_token("centre").await;
        Some(TestApp { token, ..test_app })
    }

    /// The app's "now".
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Moves the app's clock on by `by` (what would have taken that long to wait for).
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Runs the scheduler's periodic work (reminders, releasing unconfirmed places, waking
    /// the mail worker, the daily housekeeping) now, at the app's clock, rather than
    /// waiting for its next tick.
    /// The app's state (an app of this process).
    pub fn state(&self) -> &AppState {
        self.state.as_ref().expect("an app of this process")
    }

    /// The manage token of a registration, made as the mails make it (without waiting for one).
    pub fn token_of(&self, signup: &Value) -> String {
        let id: uuid::Uuid = signup["id"]
            .as_str()
            .expect("an id")
            .parse()
            .expect("a uuid");
        self.state().mailer.links().key().manage_token(id)
    }

    pub async fn tick(&self) {
        let state = self.state.as_ref().expect("an app of this process");
        samling::scheduler::tick(state).await;
    }

    /// Waits (up to 20 s) until no mail in the outbox waits to be sent (each is sent or
    /// given up), waking the mail worker first. Mail is queued in the same transaction as
    /// the change that causes it, so after this every mail a change so far caused has gone.
    pub async fn mail_settled(&self) {
        if let Some(state) = &self.state {
            state.mailer.wake();
        }
        for _ in 0..400 {
            let waiting = outbox::Entity::find()
                .filter(outbox::Column::Status.eq(outbox::MailStatus::Pending))
                .all(&self.db.conn)
                .await
                .unwrap();
            if waiting.is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("mail still waits to be sent after 20 s");
    }

    /// A token for a new organiser of organisation `slug` (created if needed).
    pub async fn organiser_token(&self, slug: &str) -> String {
        self.new_organiser(slug, false).await.1
    }

    /// A token for a new administrator of organisation `slug`.
    pub async fn admin_token(&self, slug: &str) -> String {
        self.new_organiser(slug, true).await.1
    }

    /// A new organiser of `slug` (created if needed): their address and a token.
    pub async fn new_organiser(&self, slug: &str, admin: bool) -> (String, String) {
        let tx = self.db.begin_write().await.unwrap();
        let org = db::organisations::get_or_create(&*tx, slug, slug, self.clock.now())
            .await
            .unwrap();
        let email = format!("{}@{slug}.example.org", uuid::Uuid::new_v4().simple());
        let organiser = db::organisations::upsert_organiser(
            &*tx,
            org.id,
            &email,
            "Org",
            admin,
            self.clock.now(),
        )
        .await
        .unwrap();
        let token = links::new_api_token();
        db::organisations::add_token(
            &*tx,
            organiser.id,
            &links::hash(&token),
            None,
            false,
            self.clock.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        (email, token)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// A JSON request with an optional token; returns status and body (JSON or null).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(&self.token.clone()), None)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            path,
            Some(&self.token.clone()),
            Some(body),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::PATCH,
            path,
            Some(&self.token.clone()),
            Some(body),
        )
        .await
    }

    /// Creates a published event starting in a week with the given extra fields.
    pub async fn event(&self, extra: Value) -> String {
        let start = self.now() + chrono::Duration::days(7);
        let mut body = json!({
            "title": "Fagdag rehabilitering",
            "kind": "gathering",
            "status": "published",
            "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(6)).to_rfc3339(), "location": "Tønsberg"}],
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, event) = self.post("/events", body).await;
        assert_eq!(status, 201, "event created: {event}");
        event["id"].as_str().unwrap().to_string()
    }

    /// Signs up anonymously; returns status and body.
    pub async fn sign_up(&self, event: &str, name: &str, email: &str) -> (u16, Value) {
        self.sign_up_with(event, json!({"name": name, "email": email}))
            .await
    }

    /// Signs up anonymously with a whole registration body; returns status and body.
    pub async fn sign_up_with(&self, event: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/events/{event}/registrations"),
            None,
            Some(body),
        )
        .await
    }

    /// The event as the public sees it.
    pub async fn public_event(&self, event: &str) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/events/{event}"),
                None,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The organiser's list of registrations.
    pub async fn registrations(&self, event: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/events/{event}/registrations")).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().clone()
    }

    /// Cancels with the manage token from the registration's mail, as its holder would.
    pub async fn cancel(&self, signup: &Value) -> (u16, Value) {
        let token = self.manage_token(signup).await;
        self.call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/cancel"),
            None,
            None,
        )
        .await
    }

    /// The mails sent about a registration so far, oldest first, as the recipient got
    /// them: from the test SMTP server, or from the `.eml` files. Waits (up to 20 s) for
    /// at least one.
    pub async fn mails_for(&self, registration_id: &str) -> Vec<ReceivedMail> {
        let id: uuid::Uuid = registration_id.parse().expect("a registration id");
        for _ in 0..400 {
            let sent = outbox::Entity::find()
                .filter(outbox::Column::RegistrationId.eq(id))
                .filter(outbox::Column::Status.eq(outbox::MailStatus::Sent))
                .order_by_asc(outbox::Column::CreatedAt)
                .order_by_asc(outbox::Column::Id)
                .all(&self.db.conn)
                .await
                .unwrap();
            let mails: Vec<ReceivedMail> =
                sent.iter().filter_map(|row| self.delivered(row)).collect();
            if !mails.is_empty() && mails.len() == sent.len() {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail was delivered for registration {registration_id}");
    }

    fn delivered(&self, row: &outbox::Model) -> Option<ReceivedMail> {
        match &self.mailbox {
            Some(mailbox) => mailbox
                .lock()
                .unwrap()
                .iter()
                .find(|m| m.message_id() == row.message_id.trim_matches(['<', '>']))
                .cloned(),
            None => std::fs::read_to_string(self.outbox_dir.join(format!("{}.eml", row.id)))
                .ok()
                .map(|data| ReceivedMail { to: vec![], data }),
        }
    }

    /// The manage token in the first mail about the registration `signup` answered with.
    pub async fn manage_token(&self, signup: &Value) -> String {
        let mails = self.mails_for(signup["id"].as_str().expect("an id")).await;
        link_token(&mails[0].bodies().0, "/r/").expect("a manage link in the mail")
    }

    /// The path of the personal feed in the latest mail about `signup` that links to one.
    pub async fn feed_path(&self, signup: &Value) -> String {
        let mails = self.mails_for(signup["id"].as_str().expect("an id")).await;
        let token = mails
            .iter()
            .rev()
            .find_map(|m| link_token(&m.bodies().0, "/feeds/me/"))
            .expect("a feed link in the mail");
        format!("/feeds/me/{token}.ics")
    }
}

/// The token after `prefix` in a text (a link in a mail), if any.
pub fn link_token(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Runs each scenario once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use $crate::helpers::Engine;
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(Engine::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(Engine::Postgres).await
                }
            }
        )+
    };
}

/// One mail as the test SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// A top-level header's raw value, trimmed (`None` when absent).
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed()
            .header_raw(name)
            .map(|value| value.trim().to_string())
    }

    /// The Message-ID header.
    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    /// The plain-text and HTML bodies.
    pub fn bodies(&self) -> (String, String) {
        let m = self.parsed();
        (
            m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
            m.body_html(0).map(|b| b.into_owned()).unwrap_or_default(),
        )
    }

    /// The `invite.ics` attachment, decoded.
    pub fn invite(&self) -> Option<String> {
        use mail_parser::MimeHeaders;
        let m = self.parsed();
        let found = m
            .attachments()
            .find(|a| a.attachment_name() == Some("invite.ics"))
            .map(|a| String::from_utf8_lossy(a.contents()).into_owned());
        found
    }

    /// The first attachment whose file name ends with `suffix`: its name and bytes.
    pub fn attachment(&self, suffix: &str) -> Option<(String, Vec<u8>)> {
        use mail_parser::MimeHeaders;
        let m = self.parsed();
        let found = m
            .attachments()
            .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(suffix)))
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            });
        found
    }

    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())
            .expect("a parsable mail")
    }

    /// The message with quoted-printable soft breaks and escapes decoded (good enough to
    /// search the text for links and words).
    pub fn decoded(&self) -> String {
        decode_quoted_printable(&self.data)
    }
}

/// Decodes quoted-printable text (RFC 2045): soft line breaks and `=XX` bytes.
pub fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A real SMTP server for tests, built on the `mailin` SMTP state machine. It can be
/// stopped (connections refused) and started again on the same port.
pub struct SmtpServer {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<ReceivedMail>>>,
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

#[derive(Clone)]
struct Collector {
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin::Handler for Collector {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin::Response {
        self.mails.lock().unwrap().push(ReceivedMail {
            to: std::mem::take(&mut self.to),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        });
        self.data.clear();
        mailin::response::OK
    }
}

impl SmtpServer {
    /// Listens on a free local port.
    pub async fn start() -> SmtpServer {
        let server = SmtpServer {
            port: 0,
            mails: Arc::default(),
            tasks: Arc::default(),
        };
        let port = server.listen(0);
        MAILBOXES.lock().unwrap().insert(port, server.mails.clone());
        SmtpServer { port, ..server }
    }

    /// Refuses connections from now on and drops those open.
    pub fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub fn restart(&self) {
        self.listen(self.port);
    }

    fn listen(&self, port: u16) -> u16 {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(format!("127.0.0.1:{port}").parse().unwrap())
            .unwrap();
        let listener = socket.listen(64).unwrap();
        let port = listener.local_addr().unwrap().port();
        let collector = Collector {
            mails: self.mails.clone(),
            to: vec![],
            data: vec![],
        };
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    return;
                };
                let handler = collector.clone();
                let connection = tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    let mut session =
                        mailin::SessionBuilder::new("test-smtp").build(peer.ip(), handler);
                    let mut out = Vec::new();
                    session.greeting().write_to(&mut out).unwrap();
                    if write.write_all(&out).await.is_err() {
                        return;
                    }
                    let mut line = Vec::new();
                    loop {
                        line.clear();
                        match reader.read_until(b'\n', &mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        let response = session.process(&line);
                        match &response.action {
                            mailin::Action::NoReply => continue,
                            action => {
                                let close = matches!(action, mailin::Action::Close);
                                let mut out = Vec::new();
                                response.write_to(&mut out).unwrap();
                                if write.write_all(&out).await.is_err() || close {
                                    return;
                                }
                            }
                        }
                    }
                });
                tasks.lock().unwrap().push(connection.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
        port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits (up to 20 s) until at least `n` mails have arrived, and returns all of them.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..400 {
            if self.mails.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.mails.lock().unwrap().clone()
    }

    /// All mails so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.mails.lock().unwrap().clone()
    }
}

/// A VEVENT as an independent parser (the `ical` crate) reads it.
#[derive(Debug, Clone)]
pub struct IcsEvent {
    pub uid: String,
    pub sequence: u32,
    pub status: Option<String>,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    pub properties: Vec<(String, String)>,
}

impl IcsEvent {
    /// The raw value of a property (first one).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A calendar as the `ical` crate reads it: METHOD and events.
#[derive(Debug, Clone)]
pub struct Ics {
    pub method: Option<String>,
    pub properties: Vec<(String, String)>,
    pub events: Vec<IcsEvent>,
}

/// Parses iCalendar text with the `ical` crate (not the `icalendar` crate that wrote it).
pub fn parse_ics(text: &str) -> Ics {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = parser
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    let props = |list: &[ical::property::Property]| -> Vec<(String, String)> {
        list.iter()
            .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
            .collect()
    };
    let time = |v: &str| {
        chrono::NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%SZ")
            .unwrap_or_else(|e| panic!("UTC time expected, got {v}: {e}"))
            .and_utc()
    };
    let properties = props(&cal.properties);
    Ics {
        method: properties
            .iter()
            .find(|(n, _)| n == "METHOD")
            .map(|(_, v)| v.clone()),
        properties,
        events: cal
            .events
            .iter()
            .map(|e| {
                let p = props(&e.properties);
                let get = |name: &str| p.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                IcsEvent {
                    uid: get("UID").expect("UID"),
                    sequence: get("SEQUENCE").and_then(|s| s.parse().ok()).unwrap_or(0),
                    status: get("STATUS"),
                    start: time(&get("DTSTART").expect("DTSTART")),
                    end: time(&get("DTEND").expect("DTEND")),
                    properties: p.clone(),
                }
            })
            .collect(),
    }
}

/// A `samling serve` child process; killed when dropped.
pub struct ServeProcess {
    pub base: String,
    pub child: std::process::Child,
}

impl ServeProcess {
    /// Starts the real binary on a free port and waits until it answers.
    pub async fn start(database_url: &str, smtp_url: &str) -> ServeProcess {
        Self::start_with(database_url, &[("SAMLING_SMTP_URL", smtp_url)], None).await
    }

    /// Starts the real binary with more environment (`SAMLING_…`), its log (stderr) into
    /// `log` if given.
    pub async fn start_with(
        database_url: &str,
        env: &[(&str, &str)],
        log: Option<std::fs::File>,
    ) -> ServeProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_samling"));
        command
            .arg("serve")
            .env("SAMLING_DATABASE_URL", database_url)
            .env("SAMLING_BIND", format!("127.0.0.1:{port}"))
            .env("SAMLING_SCHEDULER_TICK_SECONDS", "1")
            .env("SAMLING_DATABASE_MAX_CONNECTIONS", "5")
            .env("SAMLING_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null());
        if let Some(file) = log {
            command.stderr(file);
        }
        let child = command.spawn().expect("samling starts");
        let process = ServeProcess {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", process.base))
                .await
                .is_ok()
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("samling serve did not come up");
    }
}

impl ServeProcess {
    /// `kill -9`: the process dies at once, mid-whatever.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    pub async fn exited_within(
        &mut self,
        limit: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// A client for a Samling already running at `base` on `database_url`.
    pub async fn attach(database_url: &str, base: &str) -> TestApp {
        let db = Db::connect(database_url, 2).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = TestApp {
            base: base.to_string(),
            client: reqwest::Client::new(),
            token: String::new(),
            db,
            database_url: database_url.to_string(),
            outbox_dir: dir.path().join("outbox"),
            mailbox: None,
            clock: Clock::system(),
            state: None,
            _dir: dir,
        };
        let token = app.admin_token("centre").await;
        TestApp { token, ..app }
    }
}

/// Reverses RFC 5545 TEXT escaping (`\\`, `\,`, `\;`, `\n`/`\N`) in one left-to-right pass.
pub fn unescape_ics(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The password of organisers made by [`organiser`].
pub const PASSWORD: &str = "gul-hest-leser-avis";

/// A client that does not follow redirects, as a test of a browser's view needs.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// Whether an API token opens the API (404 for a missing network: the token was accepted).
pub async fn token_works(app: &TestApp, token: &str) -> bool {
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/networks/nope/members",
            Some(token),
            None,
        )
        .await;
    assert!(status == 404 || status == 401, "{status}");
    status == 404
}

/// The HTML of a page of `app` as an anonymous browser gets it.
pub async fn page_text(app: &TestApp, path: &str) -> String {
    browser()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A signed-in organiser: the session cookie and the CSRF token of its forms.
pub struct Desk {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

impl Desk {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        browser()
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        form.push(("csrf", &self.csrf));
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        browser()
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token in a desk page's forms.
pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// A new organiser of `slug` with a password: their address.
pub async fn organiser(app: &TestApp, slug: &str, admin: bool) -> String {
    let (email, _) = app.new_organiser(slug, admin).await;
    samling::service::organisers::set_password(&app.db, &email, PASSWORD.into(), app.clock.now())
        .await
        .unwrap();
    email
}

/// Posts the sign-in form.
pub async fn sign_in_raw(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    browser()
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Signs `email` in (with [`PASSWORD`]).
pub async fn sign_in(app: &TestApp, email: &str) -> Desk {
    let res = sign_in_raw(app, email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_string();
    let mut desk = Desk {
        base: app.base.clone(),
        cookie,
        csrf: String::new(),
    };
    let html = desk.get("/admin").await.text().await.unwrap();
    desk.csrf = csrf_in(&html);
    desk
}

/// The text poppler's `pdftotext` extracts from a PDF and the page count `pdfinfo` reads
/// (poppler-utils: `scripts/test` installs it).
pub fn pdf_text(pdf: &[u8]) -> (String, u32) {
    use std::io::Write;
    let run = |tool: &str, args: &[&str]| {
        let mut child = std::process::Command::new(tool)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{tool} is needed (Debian's poppler-utils; scripts/test installs it): {e}")
            });
        child.stdin.take().unwrap().write_all(pdf).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{tool} could not read the PDF");
        String::from_utf8(out.stdout).expect("UTF-8 text")
    };
    let text = run("pdftotext", &["-enc", "UTF-8", "-", "-"]);
    let info = run("pdfinfo", &["-"]);
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count");
    (text, pages)
}
