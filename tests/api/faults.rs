//! Faults, with the real binary: `kill -9` in the middle of a rush, SIGTERM in the middle
//! of a rush, and the database going away for a while. Afterwards nothing answered is
//! missing, nothing is oversold or doubled, the waiting list is 1…n, every mail goes out
//! once, and the service recovers on its own.
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use samling::db::entities::outbox;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::{fresh_postgres_database, Engine, ServeProcess, SmtpServer, TestApp};
use crate::on_both_engines;

on_both_engines!(kill_nine_mid_rush, sigterm_mid_rush);

const SEATS: usize = 40;

/// A database for one test: a SQLite file in `dir`, or a fresh PostgreSQL database.
async fn database(engine: Engine, dir: &tempfile::TempDir) -> Option<String> {
    match engine {
        Engine::Sqlite => Some(format!(
            "sqlite://{}",
            dir.path().join("samling.db").display()
        )),
        Engine::Postgres => fresh_postgres_database().await,
    }
}

async fn serve(url: &str, smtp: &SmtpServer) -> ServeProcess {
    ServeProcess::start_with(
        url,
        &[
            // Claims of a killed process go out after this (600 s in production).
            ("SAMLING_MAIL_LEASE_SECONDS", "3"),
            ("SAMLING_SMTP_URL", &smtp.url()),
            ("SAMLING_RATE_SIGNUPS_PER_EVENT_PER_MINUTE", "0"),
            ("SAMLING_RATE_REQUESTS_PER_MINUTE", "0"),
            ("SAMLING_LOG", "error"),
        ],
        None,
    )
    .await
}

/// What the crowd was told: the ids answered 201 and every status seen (0: no answer).
struct Crowd {
    accepted: Arc<std::sync::Mutex<Vec<String>>>,
    statuses: Arc<std::sync::Mutex<Vec<u16>>>,
    answered: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// `n` people signing up, `clients` at a time, until done or the service is gone.
fn rush(base: &str, event: &str, n: usize, clients: usize) -> Crowd {
    let next = Arc::new(AtomicUsize::new(0));
    let crowd = Crowd {
        accepted: Arc::default(),
        statuses: Arc::default(),
        answered: Arc::default(),
        tasks: Vec::new(),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("{base}/api/v1/events/{event}/registrations");
    let tasks = (0..clients)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.clone(), next.clone());
            let (accepted, statuses, answered) = (
                crowd.accepted.clone(),
                crowd.statuses.clone(),
                crowd.answered.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let body =
                        json!({"name": format!("P {i}"), "email": format!("p{i}@example.no")});
                    let status = match client.post(&url).json(&body).send().await {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            match res.json::<Value>().await {
                                Ok(v) if status == 201 => {
                                    accepted
                                        .lock()
                                        .unwrap()
                                        .push(v["id"].as_str().unwrap().to_string());
                                    status
                                }
                                Ok(_) => status,
                                // The answer was cut off: the client was not told.
                                Err(_) => 0,
                            }
                        }
                        Err(_) => 0,
                    };
                    statuses.lock().unwrap().push(status);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    Crowd { tasks, ..crowd }
}

impl Crowd {
    async fn wait_for(&self, answers: usize) {
        for _ in 0..400 {
            if self.answered.load(Ordering::SeqCst) >= answers {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the crowd got no answers");
    }

    async fn finish(self) -> (Vec<String>, Vec<u16>) {
        for t in self.tasks {
            t.await.unwrap();
        }
        let accepted = self.accepted.lock().unwrap().clone();
        let statuses = self.statuses.lock().unwrap().clone();
        (accepted, statuses)
    }
}

/// Nothing oversold, lost or doubled; counters agree with the rows; the waiting list is
/// 1…n; every registration has its one mail, and every mail reaches the SMTP server once.
async fn assert_consistent(app: &TestApp, smtp: &SmtpServer, event: &str, accepted: &[String]) {
    let list = app.registrations(event).await;
    let ids: HashSet<&str> = list.iter().filter_map(|r| r["id"].as_str()).collect();
    for id in accepted {
        assert!(ids.contains(id.as_str()), "answered 201 but missing: {id}");
    }
    let emails: HashSet<&str> = list.iter().filter_map(|r| r["email"].as_str()).collect();
    assert_eq!(emails.len(), list.len(), "an address registered twice");
    let confirmed = list.iter().filter(|r| r["status"] == "confirmed").count();
    let waitlisted = list.iter().filter(|r| r["status"] == "waitlisted").count();
    assert!(confirmed <= SEATS, "oversold: {confirmed}");
    assert_eq!(confirmed, SEATS.min(list.len()), "a seat left empty");
    let mut positions: Vec<u64> = list
        .iter()
        .filter_map(|r| r["waitlist_position"].as_u64())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=waitlisted as u64).collect::<Vec<_>>());
    let public = app.public_event(event).await;
    assert_eq!(
        public["confirmed_count"], confirmed,
        "the seat counter agrees"
    );
    assert_eq!(
        public["waitlist_length"], waitlisted,
        "the line counter agrees"
    );

    // Every registration's first mail, queued with it, and all of them sent once.
    let mut rows = Vec::new();
    for _ in 0..400 {
        rows = outbox::Entity::find().all(&app.db.conn).await.unwrap();
        if rows.iter().all(|m| m.status == outbox::MailStatus::Sent) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        rows.iter().all(|m| m.status == outbox::MailStatus::Sent),
        "every mail sent after the restart"
    );
    let mut per_registration: HashMap<String, usize> = HashMap::new();
    for m in &rows {
        if let Some(r) = m.registration_id {
            *per_registration.entry(r.to_string()).or_default() += 1;
        }
    }
    for r in &list {
        assert_eq!(
            per_registration.get(r["id"].as_str().unwrap()),
            Some(&1),
            "one mail for {r}"
        );
    }
    let expected: HashSet<String> = rows
        .iter()
        .map(|m| m.message_id.trim_matches(['<', '>']).to_string())
        .collect();
    let received = smtp.wait_for(rows.len()).await;
    let got: Vec<String> = received.iter().map(|m| m.message_id()).collect();
    let distinct: HashSet<String> = got.iter().cloned().collect();
    assert_eq!(
        distinct, expected,
        "every mail arrived, none that was not queued"
    );
    // A mail handed to the SMTP server just before the kill, not yet marked sent, goes
    // again after the restart with the same Message-ID (receivers drop the copy); at most
    // the handful in flight at that moment.
    assert!(
        got.len() - distinct.len() <= 5,
        "{} copies",
        got.len() - distinct.len()
    );
}

async fn kill_nine_mid_rush(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database(engine, &dir).await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let mut first = serve(&url, &smtp).await;
    let app = TestApp::attach(&url, &first.base).await;
    let event = app.event(json!({"capacity": SEATS})).await;
    let crowd = rush(&first.base, &event, 400, 32);
    crowd.wait_for(120).await;
    first.kill_hard();
    let (accepted, statuses) = crowd.finish().await;
    assert!(
        accepted.len() >= 100,
        "{} answered before the kill",
        accepted.len()
    );
    assert!(
        statuses.iter().all(|s| [201, 0].contains(s)),
        "only sign-ups and no answers: {statuses:?}"
    );

    let second = serve(&url, &smtp).await;
    let app = TestApp::attach(&url, &second.base).await;
    assert_consistent(&app, &smtp, &event, &accepted).await;
    // And it takes sign-ups again.
    let (status, _) = app.sign_up(&event, "Etter", "etter@example.no").await;
    assert_eq!(status, 201);
}

async fn sigterm_mid_rush(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = database(engine, &dir).await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let mut first = serve(&url, &smtp).await;
    let app = TestApp::attach(&url, &first.base).await;
    let event = app.event(json!({"capacity": SEATS})).await;
    let crowd = rush(&first.base, &event, 400, 32);
    crowd.wait_for(120).await;
    first.terminate();
    let status = first
        .exited_within(Duration::from_secs(25))
        .await
        .expect("exited within the drain time");
    assert!(status.success(), "exit status {status:?}");
    let (accepted, statuses) = crowd.finish().await;
    // Requests in flight were answered; later ones found the door closed.
    assert!(
        statuses.iter().all(|s| [201, 0].contains(s)),
        "{statuses:?}"
    );
    // No mail is left claimed by the stopped process.
    let rows = outbox::Entity::find().all(&app.db.conn).await.unwrap();
    assert!(
        rows.iter()
            .filter(|m| m.status == outbox::MailStatus::Pending)
            .all(|m| m.locked_until.is_none()),
        "claims given back"
    );

    let second = serve(&url, &smtp).await;
    let app = TestApp::attach(&url, &second.base).await;
    assert_consistent(&app, &smtp, &event, &accepted).await;
}

/// PostgreSQL refusing connections for a while (as during a restart): requests answer 503
/// and `/readyz` says so; once it is back, the service answers again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_outage_gives_503_then_recovers() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let name = url.rsplit('/').next().unwrap().to_string();
    let admin = sea_orm::Database::connect(
        std::env::var("SAMLING_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
    )
    .await
    .unwrap();
    use sea_orm::ConnectionTrait;
    let smtp = SmtpServer::start().await;
    let process = serve(&url, &smtp).await;
    let app = TestApp::attach(&url, &process.base).await;
    let event = app.event(json!({"capacity": 5})).await;
    let http = reqwest::Client::new();
    let ready = || http.get(format!("{}/readyz", process.base)).send();
    assert_eq!(ready().await.unwrap().status(), 200);

    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    app.db.conn.clone().close().await.unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    assert_eq!(ready().await.unwrap().status(), 503);
    let res = http
        .post(format!(
            "{}/api/v1/events/{event}/registrations",
            process.base
        ))
        .json(&json!({"name": "Kari", "email": "kari@example.no"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let page = http
        .get(format!("{}/events/{event}", process.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);

    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .unwrap();
    let mut back = false;
    for _ in 0..100 {
        if ready().await.unwrap().status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "/readyz recovers");
    let res = http
        .post(format!(
            "{}/api/v1/events/{event}/registrations",
            process.base
        ))
        .json(&json!({"name": "Kari", "email": "kari@example.no"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}
