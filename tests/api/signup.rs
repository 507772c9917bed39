//! The sign-up rules, each on SQLite and PostgreSQL.
use serde_json::json;

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    seats_then_waiting_list_then_full,
    one_registration_per_address,
    cancelled_seat_goes_to_first_waitlisted,
    capacity_changes,
    members_only_events,
    closed_events_take_no_signups,
);

async fn seats_then_waiting_list_then_full(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 2})).await;
    for (i, expected) in ["confirmed", "confirmed", "waitlisted", "waitlisted"]
        .iter()
        .enumerate()
    {
        let (status, body) = app
            .sign_up(&event, "Kari", &format!("p{i}@example.no"))
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["status"], *expected);
    }
    let (_, body) = app.sign_up(&event, "Ola", "p9@example.no").await;
    assert_eq!(body["waitlist_position"], 3);
    let public = app.public_event(&event).await;
    assert_eq!(public["seats_left"], 0);
    assert_eq!(public["waitlist_length"], 3);

    let no_waitlist = app.event(json!({"capacity": 1, "waitlist": false})).await;
    assert_eq!(app.sign_up(&no_waitlist, "A", "a@example.no").await.0, 201);
    let (status, body) = app.sign_up(&no_waitlist, "B", "b@example.no").await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "event_full");
    assert_eq!(
        app.registrations(&no_waitlist).await.len(),
        1,
        "a refused sign-up leaves nothing behind"
    );

    let unlimited = app.event(json!({"capacity": null})).await;
    for i in 0..5 {
        let (_, body) = app
            .sign_up(&unlimited, "U", &format!("u{i}@example.no"))
            .await;
        assert_eq!(body["status"], "confirmed");
    }
    assert!(app.public_event(&unlimited).await["seats_left"].is_null());
}

async fn one_registration_per_address(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 10})).await;
    let (status, first) = app
        .sign_up(&event, "Kari", "  Kari.Nordmann@Example.NO ")
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .sign_up(&event, "Kari igjen", "kari.nordmann@example.no")
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "already_registered");
    let regs = app.registrations(&event).await;
    assert_eq!(regs.len(), 1);
    assert_eq!(
        regs[0]["email"], "Kari.Nordmann@Example.NO",
        "stored trimmed, as typed"
    );
    // After cancelling, the address may sign up again.
    assert_eq!(app.cancel(&first).await.0, 200);
    let (status, _) = app
        .sign_up(&event, "Kari", "KARI.nordmann@example.no")
        .await;
    assert_eq!(status, 201);
    assert_eq!(app.public_event(&event).await["confirmed_count"], 1);
}

async fn cancelled_seat_goes_to_first_waitlisted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    let (_, a) = app.sign_up(&event, "A", "a@example.no").await;
    let (_, b) = app.sign_up(&event, "B", "b@example.no").await;
    let (_, c) = app.sign_up(&event, "C", "c@example.no").await;
    assert_eq!(a["status"], "confirmed");
    assert_eq!(b["waitlist_position"], 1);
    assert_eq!(c["waitlist_position"], 2);

    let (status, body) = app.cancel(&a).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["changed"], true);
    let regs = app.registrations(&event).await;
    let status_of = |id: &serde_json::Value| regs.iter().find(|r| r["id"] == *id).unwrap().clone();
    assert_eq!(status_of(&a["id"])["status"], "cancelled");
    assert_eq!(status_of(&b["id"])["status"], "confirmed");
    assert_eq!(status_of(&c["id"])["status"], "waitlisted");
    assert_eq!(status_of(&c["id"])["waitlist_position"], 1);
    let public = app.public_event(&event).await;
    assert_eq!(public["confirmed_count"], 1);
    assert_eq!(public["waitlist_length"], 1);

    // Cancelling twice changes nothing more; a waitlisted cancellation frees no seat.
    let (status, body) = app.cancel(&a).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(false)));
    assert_eq!(app.cancel(&c).await.0, 200);
    let public = app.public_event(&event).await;
    assert_eq!(
        (
            public["confirmed_count"].clone(),
            public["waitlist_length"].clone()
        ),
        (json!(1), json!(0))
    );
    // An unknown token is a 404.
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/registrations/not-a-token/cancel",
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

async fn capacity_changes(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    let mut ids = vec![];
    for i in 0..5 {
        let (_, body) = app.sign_up(&event, "P", &format!("p{i}@example.no")).await;
        ids.push(body["id"].clone());
    }
    let (status, body) = app
        .patch(&format!("/events/{event}"), json!({"capacity": 3}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["confirmed_count"], 3);
    assert_eq!(body["waitlist_length"], 2);
    let regs = app.registrations(&event).await;
    for (i, id) in ids.iter().enumerate() {
        let r = regs.iter().find(|r| r["id"] == *id).unwrap();
        let expected = if i < 3 { "confirmed" } else { "waitlisted" };
        assert_eq!(r["status"], expected, "registration {i} in arrival order");
    }
    // Lowering below the confirmed count demotes nobody and takes no new seats.
    let (_, body) = app
        .patch(&format!("/events/{event}"), json!({"capacity": 1}))
        .await;
    assert_eq!(body["confirmed_count"], 3);
    assert_eq!(body["seats_left"], 0);
    let (_, body) = app.sign_up(&event, "Late", "late@example.no").await;
    assert_eq!(body["status"], "waitlisted");
    assert_eq!(body["waitlist_position"], 3);
    // Unlimited lets everybody in.
    let (_, body) = app
        .patch(&format!("/events/{event}"), json!({"capacity": null}))
        .await;
    assert_eq!(body["confirmed_count"], 6);
    assert_eq!(body["waitlist_length"], 0);
}

async fn members_only_events(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (status, _) = app
        .post(
            "/networks",
            json!({"slug": "demens-test", "name": "Demensnettverket"}),
        )
        .await;
    assert_eq!(status, 201);
    let event = app
        .event(json!({"network": "demens-test", "members_only": true, "capacity": 10}))
        .await;
    let (status, body) = app.sign_up(&event, "Guest", "guest@example.no").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "members_only");
    let (status, _) = app
        .post(
            "/networks/demens-test/members",
            json!({"email": "Member@Example.no", "name": "M"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.post(
            "/networks/demens-test/members",
            json!({"email": "member@example.no"})
        )
        .await
        .0,
        200
    );
    let (status, body) = app.sign_up(&event, "Member", "member@EXAMPLE.no").await;
    assert_eq!(status, 201, "{body}");
    let (_, members) = app.get("/networks/demens-test/members").await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            "/networks/demens-test/members/member@example.no",
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.sign_up(&event, "Other", "other@example.no").await.0,
        403
    );
}

async fn closed_events_take_no_signups(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let now = chrono::Utc::now();
    let draft = app.event(json!({"status": "draft"})).await;
    assert_eq!(app.sign_up(&draft, "A", "a@example.no").await.0, 404);
    assert_eq!(
        app.call(
            reqwest::Method::GET,
            &format!("/events/{draft}"),
            None,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.get(&format!("/events/{draft}")).await.0,
        200,
        "the organiser sees the draft"
    );

    let closed = app
        .event(json!({"registration_closes_at": (now - chrono::Duration::hours(1)).to_rfc3339()}))
        .await;
    let (status, body) = app.sign_up(&closed, "A", "a@example.no").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("registration_closed"))
    );

    let not_yet = app
        .event(json!({"registration_opens_at": (now + chrono::Duration::days(1)).to_rfc3339()}))
        .await;
    assert_eq!(app.sign_up(&not_yet, "A", "a@example.no").await.0, 409);

    let started = app
        .event(json!({"sessions": [{"starts_at": (now - chrono::Duration::hours(1)).to_rfc3339(), "ends_at": (now + chrono::Duration::hours(2)).to_rfc3339()}]}))
        .await;
    let (status, body) = app.sign_up(&started, "A", "a@example.no").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("registration_closed"))
    );

    let cancelled = app.event(json!({})).await;
    let (status, _) = app
        .post(
            &format!("/events/{cancelled}/cancel"),
            json!({"reason": "Sykdom"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.sign_up(&cancelled, "A", "a@example.no").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("event_cancelled"))
    );
    let (status, _) = app
        .patch(&format!("/events/{cancelled}"), json!({"title": "Ny"}))
        .await;
    assert_eq!(status, 409);
}
