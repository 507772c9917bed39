//! Operations: `/metrics` for Prometheus behind its token, request ids on every answer,
//! `samling backup`.
use reqwest::header;
use serde_json::json;

use crate::helpers::{Engine, ServeProcess, TestApp};
use crate::on_both_engines;

on_both_engines!(
    metrics_need_their_token_and_count_what_happens,
    every_answer_has_a_request_id,
    backup_while_serving
);

const METRICS_TOKEN: &str = "prometheus-reads-this-0123";

async fn metrics_need_their_token_and_count_what_happens(engine: Engine) {
    // Without the setting there is no endpoint.
    let Some(plain) = TestApp::spawn(engine, None).await else {
        return;
    };
    let res = reqwest::get(format!("{}/metrics", plain.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    drop(plain);

    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        s.keys.metrics_token = Some(samling::config::Secret::new(METRICS_TOKEN.into()));
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    let (_, kari) = app.sign_up(&event, "Kari", "kari@example.no").await;
    app.sign_up(&event, "Ola", "ola@example.no").await;
    app.sign_up(&event, "Ola", "ola@example.no").await;
    assert_eq!(app.cancel(&kari).await.0, 200);
    let scrape = |token: Option<&str>| {
        let request = reqwest::Client::new().get(format!("{}/metrics", app.base));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), 401);
    assert_eq!(
        scrape(Some("wrong-token-wrong-token"))
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(scrape(Some(&app.token)).await.unwrap().status(), 401);
    let res = scrape(Some(METRICS_TOKEN)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    for needle in [
        "samling_build_info{version=",
        r#"samling_http_requests_total{route="/api/v1/events/{id}/registrations",method="POST",status="201"} 2"#,
        r#"status="409""#,
        "samling_http_request_duration_seconds_bucket{",
        r#"samling_signups_total{outcome="confirmed"} 1"#,
        r#"samling_signups_total{outcome="waitlisted"} 1"#,
        r#"samling_signups_total{outcome="already_registered"} 1"#,
        "samling_waitlist_promotions_total 1",
        r#"samling_batch_size_count{queue="signups"}"#,
        "samling_outbox_pending ",
        "samling_outbox_oldest_pending_age_seconds ",
        r#"samling_db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    let token = app.manage_token(&kari).await;
    assert!(!text.contains("kari@example.no") && !text.contains(&token));
    // Mails delivered meanwhile are counted too.
    let text = scrape(Some(METRICS_TOKEN))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"samling_mails_total{outcome="sent"}"#),
        "{text}"
    );
}

async fn every_answer_has_a_request_id(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let client = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    for path in ["/", "/api/v1/events", "/finnes-ikke", "/healthz"] {
        let res = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(id.len() >= 16, "{path}: {id}");
        assert!(seen.insert(id), "ids are new each time");
    }
    // A proxy's plain id is kept; anything else is replaced.
    let res = client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "proxy-4711.a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "proxy-4711.a");
    let res = client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "evil\" injected=1")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "evil\" injected=1");
}

/// `samling backup FILE` while the service runs: the copy serves as the database it was
/// taken from; an existing file is never overwritten; PostgreSQL gets directions to pg_dump.
async fn backup_while_serving(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let backup = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_samling"))
            .arg("backup")
            .arg(&copy)
            .env("SAMLING_DATABASE_URL", &app.database_url)
            .output()
            .unwrap()
    };
    if engine == Engine::Postgres {
        let out = backup();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        assert!(!copy.exists());
        return;
    }
    let event = app.event(json!({"title": "Fagdag", "capacity": 1})).await;
    app.sign_up(&event, "Kari", "kari@example.no").await;
    app.sign_up(&event, "Ola", "ola@example.no").await;

    let out = backup();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains("2 registrations, checked"), "{said}");
    let written = std::fs::read(&copy).unwrap();
    assert!(!dir.path().join("copy.db.partial").exists());

    // Never over an existing file.
    let again = backup();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(std::fs::read(&copy).unwrap(), written);

    // The copy is a working Samling database: the event and its registrations are there,
    // seat and waiting list as they were.
    let url = format!("sqlite://{}", copy.display());
    let outbox = dir.path().join("outbox");
    let restored = ServeProcess::start_with(
        &url,
        &[("SAMLING_OUTBOX_DIR", outbox.to_str().unwrap())],
        None,
    )
    .await;
    let client = TestApp::attach(&url, &restored.base).await;
    let registrations = client.registrations(&event).await;
    let mut seen: Vec<(String, String)> = registrations
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Kari".to_string(), "confirmed".to_string()),
            ("Ola".to_string(), "waitlisted".to_string())
        ]
    );
}
