//! Tenant isolation: another organisation's organiser sees none of ours.
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(other_organisation_gets_404_everywhere);

async fn other_organisation_gets_404_everywhere(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let other = app.organiser_token("another-centre").await;
    app.post("/networks", json!({"slug": "ours", "name": "Ours"}))
        .await;
    app.post("/networks/ours/members", json!({"email": "m@example.no"}))
        .await;
    let event = app.event(json!({"network": "ours", "capacity": 5})).await;
    let draft = app.event(json!({"status": "draft"})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let rid = signup["id"].as_str().unwrap();

    let attempts: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/events/{event}/registrations"), None),
        (
            Method::PATCH,
            format!("/events/{event}"),
            Some(json!({"title": "Hijacked"})),
        ),
        (
            Method::POST,
            format!("/events/{event}/cancel"),
            Some(json!({})),
        ),
        (Method::GET, format!("/events/{draft}"), None),
        (
            Method::PATCH,
            format!("/events/{draft}"),
            Some(json!({"status": "published"})),
        ),
        (
            Method::POST,
            format!("/events/{event}/registrations/{rid}/attendance"),
            Some(json!({"attended": true})),
        ),
        (Method::GET, "/networks/ours/members".to_string(), None),
        (
            Method::GET,
            format!("/events/{event}/registrations.csv"),
            None,
        ),
        (
            Method::GET,
            format!("/events/{event}/registrations.xlsx"),
            None,
        ),
        (Method::GET, format!("/events/{event}/attendance"), None),
        (
            Method::POST,
            format!("/events/{event}/attendance"),
            Some(json!({"registrations": [rid], "attended": true})),
        ),
        (
            Method::GET,
            format!("/stats/participation?event={event}"),
            None,
        ),
        (
            Method::GET,
            "/stats/participation?network=ours".to_string(),
            None,
        ),
        (
            Method::GET,
            format!("/stats/participation.csv?event={event}"),
            None,
        ),
        (
            Method::GET,
            "/stats/participation.xlsx?network=ours".to_string(),
            None,
        ),
        (
            Method::GET,
            format!("/stats/participation.svg?event={event}"),
            None,
        ),
        (
            Method::POST,
            "/networks/ours/members".to_string(),
            Some(json!({"email": "x@example.no"})),
        ),
        (
            Method::DELETE,
            "/networks/ours/members/m@example.no".to_string(),
            None,
        ),
    ];
    for (method, path, body) in attempts {
        let (status, answer) = app.call(method.clone(), &path, Some(&other), body).await;
        assert_eq!(status, 404, "{method} {path} answered {status}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found");
    }
    // Their own statistics and reference list hold nothing of ours.
    let past = chrono::Utc::now() - chrono::Duration::days(2);
    let (status, _) = app
        .patch(
            &format!("/events/{event}"),
            json!({"sessions": [{"starts_at": past.to_rfc3339(),
                                 "ends_at": (past + chrono::Duration::hours(2)).to_rfc3339()}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, ours) = app.get("/stats/participation").await;
    assert_eq!(ours["totals"]["registered"], 1, "{ours}");
    let (status, stats) = app
        .call(Method::GET, "/stats/participation", Some(&other), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["totals"]["registered"], 0);
    assert_eq!(stats["events"].as_array().unwrap().len(), 0);
    // Nothing changed, and their event listing does not show our draft.
    let public = app.public_event(&event).await;
    assert_eq!(public["title"], "Fagdag rehabilitering");
    assert_eq!(public["status"], "published");
    let (_, members) = app.get("/networks/ours/members").await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    let (_, listed) = app.call(Method::GET, "/events", Some(&other), None).await;
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"] != draft.as_str()));
    // No token at all is a 401 on organiser endpoints; a bad one too.
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/events/{event}/registrations"),
            None,
            None
        )
        .await
        .0,
        401
    );
    assert_eq!(
        app.call(Method::GET, "/events", Some("nonsense"), None)
            .await
            .0,
        401
    );
}
