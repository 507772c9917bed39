//! Real concurrency: hundreds of simultaneous HTTP sign-ups for a few seats.
use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(rush_for_forty_seats, same_address_fifty_times);

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
