//! Real concurrency: hundreds of simultaneous HTTP sign-ups for a few seats.
use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    rush_for_forty_seats,
    same_address_fifty_times,
    one_form_sent_twenty_times_at_once,
    every_rule_holds_inside_one_batch
);

async fn rush_for_forty_seats(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 40})).await;
    let answers: Vec<(u16, Value)> = join_all((0..500).map(|i| {
        let app = &app;
        let event = &event;
        async move {
            app.sign_up(event, &format!("Deltaker {i}"), &format!("d{i}@example.no"))
                .await
        }
    }))
    .await;
    assert!(
        answers.iter().all(|(s, _)| *s == 201),
        "every sign-up answered 201: {:?}",
        answers.iter().find(|(s, _)| *s != 201)
    );
    let confirmed: Vec<&Value> = answers
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["status"] == "confirmed")
        .collect();
    let waitlisted: Vec<&Value> = answers
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["status"] == "waitlisted")
        .collect();
    assert_eq!(confirmed.len(), 40);
    assert_eq!(waitlisted.len(), 460);
    let positions: HashSet<u64> = waitlisted
        .iter()
        .map(|b| b["waitlist_position"].as_u64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=460).collect::<HashSet<u64>>(),
        "distinct positions 1…460"
    );

    // The organiser's list agrees.
    let regs = app.registrations(&event).await;
    assert_eq!(
        regs.iter().filter(|r| r["status"] == "confirmed").count(),
        40
    );
    let public = app.public_event(&event).await;
    assert_eq!(
        (
            public["confirmed_count"].clone(),
            public["waitlist_length"].clone()
        ),
        (json!(40), json!(460))
    );

    // Ten simultaneous cancellations promote exactly the first ten in line.
    let first_ten: HashSet<String> = waitlisted
        .iter()
        .filter(|b| b["waitlist_position"].as_u64().unwrap() <= 10)
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    let cancels = join_all(confirmed.iter().take(10).map(|b| app.cancel(b))).await;
    assert!(cancels.iter().all(|(s, _)| *s == 200));
    let regs = app.registrations(&event).await;
    let now_confirmed: HashSet<String> = regs
        .iter()
        .filter(|r| r["status"] == "confirmed")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now_confirmed.len(), 40);
    assert!(
        first_ten.is_subset(&now_confirmed),
        "the first ten waitlisted were promoted"
    );
    let positions: Vec<u64> = regs
        .iter()
        .filter_map(|r| r["waitlist_position"].as_u64())
        .collect();
    assert_eq!(positions.len(), 450);
    assert_eq!(*positions.iter().max().unwrap(), 450);
}

async fn same_address_fifty_times(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 40})).await;
    let answers = join_all((0..50).map(|_| app.sign_up(&event, "Kari", "kari@example.no"))).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["error"]["code"] == "already_registered")
        .count();
    assert_eq!(
        (created, refused),
        (1, 49),
        "{:?}",
        answers.iter().find(|(s, _)| *s != 201 && *s != 409)
    );
    assert_eq!(app.registrations(&event).await.len(), 1);
    assert_eq!(app.public_event(&event).await["confirmed_count"], 1);
}

/// A form sent twenty times at once (an impatient double click, times ten): the sign-ups
/// share batches, and all twenty get the same receipt of one registration.
async fn one_form_sent_twenty_times_at_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    app.sign_up(&event, "Først", "forst@example.no").await;
    let submission = uuid::Uuid::new_v4().to_string();
    let browser = crate::helpers::browser();
    let answers = join_all((0..20).map(|_| {
        browser
            .post(format!("{}/events/{event}", app.base))
            .form(&[
                ("name", "Kari"),
                ("email", "kari@example.no"),
                ("submission", submission.as_str()),
            ])
            .send()
    }))
    .await;
    let receipts: HashSet<String> = answers
        .into_iter()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(r.status(), 303);
            r.headers()["location"].to_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    let regs = app.registrations(&event).await;
    assert_eq!(regs.len(), 2);
    assert_eq!(regs[1]["status"], "waitlisted");
    assert_eq!(regs[1]["waitlist_position"], 1);
    let receipt = receipts.into_iter().next().unwrap();
    let page = browser
        .get(format!("{}{receipt}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("nummer 1"),
        "the place in line on the receipt"
    );
}

/// Members-only, closed, full and missing events and ordinary sign-ups, all at once so
/// they share batches: each answer is the one it would get alone.
async fn every_rule_holds_inside_one_batch(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "nett", "name": "Nett"}))
        .await;
    app.post(
        "/networks/nett/members",
        json!({"email": "medlem@example.no"}),
    )
    .await;
    let members_only = app
        .event(json!({"network": "nett", "members_only": true, "capacity": 5}))
        .await;
    let no_waitlist = app.event(json!({"capacity": 2, "waitlist": false})).await;
    let closed = app
        .event(json!({"registration_closes_at": "2020-01-01T00:00:00Z"}))
        .await;
    let missing = uuid::Uuid::now_v7().to_string();
    let mut calls = vec![
        (
            members_only.clone(),
            "medlem@example.no".to_string(),
            201,
            "",
        ),
        (
            members_only.clone(),
            "utenfor@example.no".to_string(),
            403,
            "members_only",
        ),
        (
            closed.clone(),
            "sen@example.no".to_string(),
            409,
            "registration_closed",
        ),
        (
            missing.clone(),
            "ingen@example.no".to_string(),
            404,
            "not_found",
        ),
    ];
    for i in 0..6 {
        calls.push((no_waitlist.clone(), format!("p{i}@example.no"), 0, ""));
    }
    let answers = join_all(
        calls
            .iter()
            .map(|(event, email, _, _)| app.sign_up(event, "Navn", email)),
    )
    .await;
    for ((_, email, status, code), (got, body)) in calls.iter().zip(&answers) {
        if *status != 0 {
            assert_eq!(*got, *status, "{email}: {body}");
            if !code.is_empty() {
                assert_eq!(body["error"]["code"], *code, "{email}: {body}");
            }
        }
    }
    let rush: Vec<u16> = answers[4..].iter().map(|(s, _)| *s).collect();
    assert_eq!(rush.iter().filter(|s| **s == 201).count(), 2, "{rush:?}");
    assert_eq!(rush.iter().filter(|s| **s == 409).count(), 4, "{rush:?}");
    assert_eq!(app.public_event(&no_waitlist).await["confirmed_count"], 2);
    assert_eq!(app.registrations(&members_only).await.len(), 1);
}
