//! Scale-out on PostgreSQL: two `samling serve` processes on one database behind one
//! crowd. Sign-ups are exact across them, every mail goes out once, every reminder round
//! and the daily housekeeping run once in total, and a feed's version (its ETag and
//! Last-Modified) is the same whichever process answers.
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use samling::db::entities::{job_run, outbox, reminder_run};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{fresh_postgres_database, ServeProcess, SmtpServer, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_the_work_exactly() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let env = [
        ("SAMLING_SMTP_URL", smtp.url()),
        ("SAMLING_RATE_SIGNUPS_PER_EVENT_PER_MINUTE", "0".into()),
        ("SAMLING_RATE_REQUESTS_PER_MINUTE", "0".into()),
        // The event starts an hour and twenty seconds from now: its one-hour reminder falls
        // due twenty seconds in, after the sign-ups (a reminder already due at sign-up is
        // skipped).
        ("SAMLING_REMINDER_OFFSETS", "1h".into()),
        ("SAMLING_LOG", "error".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let processes = [
        ServeProcess::start_with(&url, &env, None).await,
        ServeProcess::start_with(&url, &env, None).await,
    ];
    let app = TestApp::attach(&url, &processes[0].base).await;
    let start = chrono::Utc::now() + chrono::Duration::seconds(3620);
    let event = app
        .event(json!({
            "capacity": 30,
            "sessions": [{"starts_at": start.to_rfc3339(),
                          "ends_at": (start + chrono::Duration::hours(2)).to_rfc3339()}],
        }))
        .await;
    let client = reqwest::Client::new();
    let answers: Vec<(u16, serde_json::Value)> = futures::stream::iter(0..120)
        .map(|i| {
            let url = format!(
                "{}/api/v1/events/{event}/registrations",
                processes[i % 2].base
            );
            let client = client.clone();
            async move {
                let res = client
                    .post(url)
                    .json(&json!({"name": format!("P {i}"), "email": format!("p{i}@example.no")}))
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json().await.unwrap())
            }
        })
        .buffer_unordered(24)
        .collect()
        .await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let confirmed = answers
        .iter()
        .filter(|(_, b)| b["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 30, "exactly the seats, across processes");
    let list = app.registrations(&event).await;
    assert_eq!(list.len(), 120);
    let mut positions: Vec<u64> = list
        .iter()
        .filter_map(|r| r["waitlist_position"].as_u64())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=90).collect::<Vec<_>>());

    // Mails: 120 sign-up mails and 30 reminders, each sent once by one of the processes.
    let mut rows = Vec::new();
    for _ in 0..600 {
        rows = outbox::Entity::find().all(&app.db.conn).await.unwrap();
        let reminders = rows
            .iter()
            .filter(|m| m.kind.as_str() == "reminder")
            .count();
        if reminders >= 30 && rows.iter().all(|m| m.status == outbox::MailStatus::Sent) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for m in &rows {
        *kinds.entry(m.kind.as_str()).or_default() += 1;
    }
    assert_eq!(kinds.get("confirmation"), Some(&30), "{kinds:?}");
    assert_eq!(kinds.get("waitlisted"), Some(&90), "{kinds:?}");
    assert_eq!(
        kinds.get("reminder"),
        Some(&30),
        "one reminder each: {kinds:?}"
    );
    assert!(rows.iter().all(|m| m.status == outbox::MailStatus::Sent));
    let received = smtp.wait_for(rows.len()).await;
    let ids: Vec<String> = received.iter().map(|m| m.message_id()).collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), rows.len(), "no mail sent twice");
    assert_eq!(distinct.len(), rows.len());
    let rounds = reminder_run::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(rounds.len(), 1, "one reminder round in total");
    let daily = job_run::Entity::find().all(&app.db.conn).await.unwrap();
    assert_eq!(daily.len(), 1, "the day's housekeeping once: {daily:?}");

    // The feed's version is the database's, not a process's.
    let feed = |i: usize| {
        client
            .get(format!(
                "{}/feeds/organisations/centre.ics",
                processes[i].base
            ))
            .send()
    };
    let (a, b) = (feed(0).await.unwrap(), feed(1).await.unwrap());
    assert_eq!(a.headers()["etag"], b.headers()["etag"]);
    assert_eq!(a.headers()["last-modified"], b.headers()["last-modified"]);
    let etag = a.headers()["etag"].clone();
    let etag_of_b = etag.clone();
    let again = client
        .get(format!(
            "{}/feeds/organisations/centre.ics",
            processes[1].base
        ))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(a.bytes().await.unwrap(), b.bytes().await.unwrap());
    // A change made through one process is seen by the other's remembered copy at once.
    let (status, _) = app
        .patch(&format!("/events/{event}"), json!({"title": "Ny tittel"}))
        .await;
    assert_eq!(status, 200);
    let changed = client
        .get(format!(
            "{}/feeds/organisations/centre.ics",
            processes[1].base
        ))
        .header("if-none-match", etag_of_b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        200,
        "process 1 sees the change made through process 0"
    );
    assert!(changed.text().await.unwrap().contains("Ny tittel"));
}

/// Three processes started at the same moment on an empty database (a deployment that
/// starts every replica at once): one applies the migrations while the others wait for it,
/// and all three serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_started_together_migrate_once() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let env = [("SAMLING_LOG", "error")];
    let (a, b, c) = tokio::join!(
        ServeProcess::start_with(&url, &env, None),
        ServeProcess::start_with(&url, &env, None),
        ServeProcess::start_with(&url, &env, None),
    );
    for process in [&a, &b, &c] {
        let res = reqwest::get(format!("{}/readyz", process.base))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}
