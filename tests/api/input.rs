//! Bad input answers 4xx in the error format, never 500, and writes nothing.
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(bad_input_is_refused_cleanly);

async fn raw(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(&app.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn bad_input_is_refused_cleanly(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    let start = "2030-03-03T09:00:00+01:00";
    let end = "2030-03-03T15:00:00+01:00";
    let event_cases: Vec<(Value, &str)> = vec![
        (
            json!({"kind": "gathering", "sessions": [{"starts_at": start, "ends_at": end}]}),
            "title",
        ),
        (
            json!({"title": "x".repeat(201), "kind": "gathering", "sessions": [{"starts_at": start, "ends_at": end}]}),
            "title",
        ),
        (
            json!({"title": "T", "kind": "party", "sessions": [{"starts_at": start, "ends_at": end}]}),
            "kind",
        ),
        (
            json!({"title": "T", "kind": "gathering", "sessions": [{"starts_at": end, "ends_at": start}]}),
            "sessions[0].ends_at",
        ),
        (
            json!({"title": "T", "kind": "gathering", "capacity": -3, "sessions": [{"starts_at": start, "ends_at": end}]}),
            "capacity",
        ),
        (
            json!({"title": "T", "kind": "gathering", "capacity": "many", "sessions": [{"starts_at": start, "ends_at": end}]}),
            "capacity",
        ),
        (
            json!({"title": "T", "kind": "gathering", "sessions": []}),
            "sessions",
        ),
        (json!({"title": "T", "kind": "gathering"}), "sessions"),
        (
            json!({"title": "T", "kind": "gathering", "sessions": [{"starts_at": "tomorrow", "ends_at": end}]}),
            "sessions[0].starts_at",
        ),
        (
            json!({"title": "T", "kind": "gathering", "network": "nope", "sessions": [{"starts_at": start, "ends_at": end}]}),
            "network",
        ),
        (
            json!({"title": "T", "kind": "gathering", "sessions": [{"starts_at": start, "ends_at": end, "online_url": "javascript:alert(1)"}]}),
            "sessions[0].online_url",
        ),
    ];
    for (body, field) in event_cases {
        let (status, answer) = app.post("/events", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], "invalid_input");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{body} should name {field}: {answer}"
        );
    }
    let signup_cases: Vec<(Value, &str)> = vec![
        (json!({"email": "a@example.no"}), "name"),
        (json!({"name": "A"}), "email"),
        (json!({"name": "A", "email": "not-an-address"}), "email"),
        (
            json!({"name": "A", "email": "eve@example.org\r\nBcc: x@example.org"}),
            "email",
        ),
        (
            json!({"name": "x".repeat(201), "email": "a@example.no"}),
            "name",
        ),
        (
            json!({"name": "Eve\r\nBcc: x@example.org", "email": "a@example.no"}),
            "name",
        ),
        (
            json!({"name": "A", "email": "a@example.no", "language": "de"}),
            "language",
        ),
        (
            json!({"name": "A", "email": "a@example.no", "workplace": "w".repeat(201)}),
            "workplace",
        ),
        // The API takes the roles the sign-up page offers, and nothing else.
        (
            json!({"name": "A", "email": "a@example.no", "role": "Sykepleier"}),
            "role",
        ),
    ];
    for (body, field) in signup_cases {
        let (status, answer) = app
            .call(
                Method::POST,
                &format!("/events/{event}/registrations"),
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{body} should name {field}: {answer}"
        );
    }
    let (status, answer) = app
        .post(
            &format!("/events/{event}/registrations"),
            json!({"name": "A", "email": "a@example.no", "role": "Sykepleier"}),
        )
        .await;
    assert_eq!(
        answer["error"]["fields"]["role"], "must be helsepersonell, fagansvarlig, leder or annet",
        "{status} {answer}"
    );
    let path = format!("/events/{event}/registrations");
    let (status, answer) = raw(
        &app,
        &path,
        "application/json",
        b"{\"name\": \"A\", ".to_vec(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (400, json!("invalid_input"))
    );
    let (status, answer) = raw(
        &app,
        &path,
        "text/plain",
        b"{\"name\":\"A\",\"email\":\"a@example.no\"}".to_vec(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (415, json!("unsupported_media_type"))
    );
    let big = format!(
        "{{\"name\":\"{}\",\"email\":\"a@example.no\"}}",
        "a".repeat(1024 * 1024 + 10)
    );
    let (status, answer) = raw(&app, &path, "application/json", big.into_bytes()).await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (413, json!("payload_too_large"))
    );
    let (status, _) = raw(&app, "/events", "application/json", b"[1,2,3]".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(app.get("/events/not-a-uuid").await.0, 404);
    assert_eq!(app.get("/events?from=yesterday").await.0, 400);

    // Nothing was written by any of it.
    assert!(app.registrations(&event).await.is_empty());
    let (_, events) = app.get("/events").await;
    assert_eq!(events.as_array().unwrap().len(), 1);
    let (status, answer) = app
        .post(
            &format!("/events/{event}/registrations"),
            json!({"name": "A", "email": "role@example.no", "role": "professional LEAD"}),
        )
        .await;
    assert_eq!(
        status, 201,
        "after all that, a role by its English label, case ignored: {answer}"
    );
    assert_eq!(app.registrations(&event).await[0]["role"], "fagansvarlig");
}
