//! Every message, once, with its calendar entry; reminders; delivery through an outage and
//! from two processes.
use std::collections::HashMap;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{parse_ics, Engine, ReceivedMail, SmtpServer, TestApp};
use crate::on_both_engines;

on_both_engines!(
    every_message_once_with_calendar,
    reminders_once_per_offset,
    smtp_outage_loses_nothing
);

/// Mails to one address, by subject prefix.
fn to<'a>(mails: &'a [ReceivedMail], address: &str) -> Vec<&'a ReceivedMail> {
    mails.iter().filter(|m| m.to == [address]).collect()
}

fn with_subject<'a>(mails: &[&'a ReceivedMail], prefix: &str) -> &'a ReceivedMail {
    let found: Vec<_> = mails
        .iter()
        .filter(|m| m.subject().starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one mail '{prefix}…' in {:?}",
        mails.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    found[0]
}

async fn every_message_once_with_calendar(engine: Engine) {
    let smtp = SmtpServer::start().await;
    let Some(app) = TestApp::spawn(engine, Some(smtp.url())).await else {
        return;
    };
    let start = chrono::Utc::now() + chrono::Duration::days(10);
    let start = start - chrono::Duration::nanoseconds(start.timestamp_subsec_nanos() as i64);
    let join = "https://teams.example.org/join/abc";
    let (status, event) = app
        .post(
            "/events",
            json!({"title": "Webinar: Ernæring, mat; og \\ drikke", "kind": "webinar", "status": "published", "capacity": 1,
                   "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(), "online_url": join}]}),
        )
        .await;
    assert_eq!(status, 201);
    let id = event["id"].as_str().unwrap().to_string();
    let session_id = event["sessions"][0]["id"].as_str().unwrap().to_string();
    let (_, a) = app.sign_up(&id, "Anne", "anne@example.no").await;
    let (_, b) = app.sign_up(&id, "Bjørn", "bjorn@example.no").await;
    assert_eq!(b["status"], "waitlisted");
    smtp.wait_for(2).await;

    // Confirmation: text and HTML, join link, a REQUEST whose times are the session's.
    let mails = smtp.received();
    let confirmation = with_subject(&to(&mails, "anne@example.no"), "Påmeldingen er bekreftet");
    let (text, html) = confirmation.bodies();
    assert!(
        text.contains(join) && html.contains(join),
        "join link for a seat holder"
    );
    assert!(text.contains(&app.manage_token(&a).await), "manage link");
    let ics = parse_ics(&confirmation.invite().expect("invite.ics"));
    assert_eq!(ics.method.as_deref(), Some("REQUEST"));
    assert_eq!(ics.events.len(), 1);
    let entry = &ics.events[0];
    assert_eq!(entry.uid, format!("{session_id}@samling"));
    assert_eq!(
        (entry.start, entry.end),
        (start, start + chrono::Duration::hours(1))
    );
    let first_sequence = entry.sequence;
    assert!(ics
        .properties
        .iter()
        .any(|(n, v)| n == "VERSION" && v == "2.0"));
    assert_eq!(entry.get("ATTENDEE"), Some("mailto:anne@example.no"));
    assert!(entry
        .get("ORGANIZER")
        .is_some_and(|o| o.starts_with("mailto:")));
    assert!(
        entry.get("DESCRIPTION").is_some_and(|d| d.contains(join)),
        "seat holders' entries carry the join link"
    );
    // Waiting list: position, no join link, no calendar.
    let waitlisted = with_subject(&to(&mails, "bjorn@example.no"), "Du står på venteliste");
    let (text, html) = waitlisted.bodies();
    assert!(text.contains("nummer 1"));
    assert!(
        !text.contains(join) && !html.contains(join),
        "no join link on the waiting list"
    );
    assert!(waitlisted.invite().is_none());

    // A new time: both hear of it; the seat holder's entry keeps its UID with a higher SEQUENCE.
    let new_start = start + chrono::Duration::days(1);
    let (status, _) = app
        .patch(
            &format!("/events/{id}"),
            json!({"sessions": [{"id": session_id, "starts_at": new_start.to_rfc3339(), "ends_at": (new_start + chrono::Duration::hours(1)).to_rfc3339(), "online_url": join}]}),
        )
        .await;
    assert_eq!(status, 200);
    smtp.wait_for(4).await;
    let mails = smtp.received();
    let changed = with_subject(&to(&mails, "anne@example.no"), "Endret tid eller sted");
    let ics = parse_ics(&changed.invite().expect("updated entry"));
    assert_eq!(ics.events[0].uid, format!("{session_id}@samling"));
    assert!(ics.events[0].sequence > first_sequence);
    assert_eq!(ics.events[0].start, new_start);
    let changed_b = with_subject(&to(&mails, "bjorn@example.no"), "Endret tid eller sted");
    assert!(changed_b.invite().is_none());
    let moved_sequence = ics.events[0].sequence;

    // A new title: the seat holder's entry is sent again with it; the waiting list,
    // which holds no entry, hears nothing.
    let (status, _) = app
        .patch(
            &format!("/events/{id}"),
            json!({"title": "Webinar: Mat og drikke"}),
        )
        .await;
    assert_eq!(status, 200);
    smtp.wait_for(5).await;
    let mails = smtp.received();
    let retitled = with_subject(
        &to(&mails, "anne@example.no"),
        "Oppdatert: Webinar: Mat og drikke",
    );
    assert!(
        retitled
            .bodies()
            .0
            .contains("endret tittelen eller beskrivelsen"),
        "{}",
        retitled.bodies().0
    );
    let ics = parse_ics(&retitled.invite().expect("the entry with its new title"));
    assert_eq!(ics.method.as_deref(), Some("REQUEST"));
    assert_eq!(ics.events[0].uid, format!("{session_id}@samling"));
    assert_eq!(ics.events[0].get("SUMMARY"), Some("Webinar: Mat og drikke"));
    assert!(ics.events[0].sequence > moved_sequence);
    assert_eq!(
        to(&mails, "bjorn@example.no").len(),
        2,
        "no mail for the waiting list"
    );
    let changed_sequence = ics.events[0].sequence;

    // Own cancellation removes the entry; the seat goes to Bjørn, with join link and entry.
    assert_eq!(app.cancel(&a).await.0, 200);
    smtp.wait_for(7).await;
    let mails = smtp.received();
    let cancelled = with_subject(&to(&mails, "anne@example.no"), "Avbestilt");
    let ics = parse_ics(&cancelled.invite().expect("cancelling entry"));
    assert_eq!(ics.method.as_deref(), Some("CANCEL"));
    assert_eq!(ics.events[0].uid, format!("{session_id}@samling"));
    assert_eq!(ics.events[0].status.as_deref(), Some("CANCELLED"));
    assert!(ics.events[0].sequence > changed_sequence);
    let promoted = with_subject(&to(&mails, "bjorn@example.no"), "Du har fått plass");
    assert!(promoted.bodies().0.contains(join));
    assert_eq!(
        parse_ics(&promoted.invite().unwrap()).method.as_deref(),
        Some("REQUEST")
    );

    // The organiser cancels: Bjørn is told why, and the entry goes.
    let (status, _) = app
        .post(
            &format!("/events/{id}/cancel"),
            json!({"reason": "Foredragsholder er syk"}),
        )
        .await;
    assert_eq!(status, 200);
    smtp.wait_for(8).await;
    let mails = smtp.received();
    let called_off = with_subject(&to(&mails, "bjorn@example.no"), "Avlyst");
    assert!(called_off.bodies().0.contains("Foredragsholder er syk"));
    let ics = parse_ics(&called_off.invite().unwrap());
    assert_eq!(
        (ics.method.as_deref(), ics.events[0].status.as_deref()),
        (Some("CANCEL"), Some("CANCELLED"))
    );

    // English for those who ask for it.
    let other = app.event(json!({})).await;
    app.call(
        Method::POST,
        &format!("/events/{other}/registrations"),
        None,
        Some(json!({"name": "Erin", "email": "erin@example.org", "language": "en"})),
    )
    .await;
    smtp.wait_for(9).await;
    let mails = smtp.received();
    with_subject(&to(&mails, "erin@example.org"), "Registration confirmed");

    // Nothing is sent twice, even after more ticks.
    app.tick().await;
    app.tick().await;
    app.mail_settled().await;
    let mails = smtp.received();
    assert_eq!(
        mails.len(),
        9,
        "{:?}",
        mails
            .iter()
            .map(|m| (m.to.clone(), m.subject()))
            .collect::<Vec<_>>()
    );
    let (_, listed) = app.get(&format!("/events/{id}/mails")).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 8);
    assert!(listed.iter().all(|m| m["status"] == "sent"));
}

async fn reminders_once_per_offset(engine: Engine) {
    let smtp = SmtpServer::start().await;
    let Some(app) = TestApp::spawn_with(engine, Some(smtp.url()), |s| {
        s.scheduler.reminder_offsets = vec![std::time::Duration::from_secs(24 * 3600)];
    })
    .await
    else {
        return;
    };
    let start = app.now() + chrono::Duration::days(2);
    let join = "https://teams.example.org/join/xyz";
    let (_, event) = app
        .post(
            "/events",
            json!({"title": "Faglunsj", "kind": "webinar", "status": "published",
                   "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(), "online_url": join}]}),
        )
        .await;
    let id = event["id"].as_str().unwrap();
    app.sign_up(id, "Anne", "anne@example.no").await;
    app.sign_up(id, "Bjørn", "bjorn@example.no").await;
    let (_, c) = app.sign_up(id, "Cato", "cato@example.no").await;
    assert_eq!(app.cancel(&c).await.0, 200);
    smtp.wait_for(4).await; // three confirmations and one cancellation
    app.tick().await;
    app.mail_settled().await;
    assert_eq!(smtp.received().len(), 4, "no reminder a day early");
    // A day on, the reminder has fallen due; give it a few ticks more.
    app.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    for _ in 0..3 {
        app.tick().await;
    }
    app.mail_settled().await;
    let mails = smtp.received();
    let reminders: Vec<_> = mails
        .iter()
        .filter(|m| m.subject().starts_with("Påminnelse"))
        .collect();
    let mut per_person: HashMap<String, usize> = HashMap::new();
    for r in &reminders {
        *per_person.entry(r.to[0].clone()).or_default() += 1;
        assert!(r.bodies().0.contains(join), "reminders carry the join link");
    }
    assert_eq!(per_person.get("anne@example.no"), Some(&1));
    assert_eq!(per_person.get("bjorn@example.no"), Some(&1));
    assert_eq!(
        per_person.get("cato@example.no"),
        None,
        "cancelled registrations get none"
    );
    // Someone signing up after the offset has passed gets no reminder for it.
    app.sign_up(id, "Dina", "dina@example.no").await;
    for _ in 0..3 {
        app.tick().await;
    }
    app.mail_settled().await;
    let late: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.subject().starts_with("Påminnelse"))
        .collect();
    assert_eq!(
        late.len(),
        2,
        "no second reminder after further ticks, none for Dina"
    );
}

async fn smtp_outage_loses_nothing(engine: Engine) {
    let smtp = SmtpServer::start().await;
    smtp.stop();
    let Some(app) = TestApp::spawn_with(engine, Some(smtp.url()), |s| {
        s.mail.retry = std::time::Duration::from_secs(60);
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 3})).await;
    for i in 0..5 {
        let (status, _) = app.sign_up(&event, "P", &format!("p{i}@example.no")).await;
        assert_eq!(status, 201, "sign-ups work while mail is down");
    }
    // Each mail is tried at once, and waits for its retry a minute on.
    let tried = |m: &serde_json::Value| {
        m["status"] == "pending"
            && m["attempts"].as_i64().unwrap() >= 1
            && m["last_error"].is_string()
    };
    let mut mails = Vec::new();
    for _ in 0..400 {
        let (_, listed) = app.get(&format!("/events/{event}/mails")).await;
        mails = listed.as_array().unwrap().clone();
        if mails.len() == 5 && mails.iter().all(tried) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 5);
    assert!(mails.iter().all(tried), "{mails:?}");
    smtp.restart();
    app.advance(chrono::Duration::minutes(2));
    app.tick().await;
    let received = smtp.wait_for(5).await;
    assert_eq!(received.len(), 5);
    // Every mail is sent, and past every back-off and lease nothing goes out again.
    app.mail_settled().await;
    app.advance(chrono::Duration::hours(2));
    app.tick().await;
    app.mail_settled().await;
    let received = smtp.received();
    assert_eq!(received.len(), 5, "each mail exactly once");
    let mut ids: Vec<String> = received.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

/// Two `samling serve` processes on one PostgreSQL database and one SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_send_every_mail_once() {
    let Some(database_url) = crate::helpers::fresh_postgres_database().await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let processes: Vec<crate::helpers::ServeProcess> = vec![
        crate::helpers::ServeProcess::start(&database_url, &smtp.url()).await,
        crate::helpers::ServeProcess::start(&database_url, &smtp.url()).await,
    ];
    let app = crate::helpers::TestApp::attach(&database_url, &processes[0].base).await;
    let event = app.event(json!({"capacity": 20})).await;
    let client = reqwest::Client::new();
    let signups = futures::future::join_all((0..60).map(|i| {
        let url = format!(
            "{}/api/v1/events/{event}/registrations",
            processes[i % 2].base
        );
        let client = client.clone();
        async move {
            client
                .post(url)
                .json(&json!({"name": "P", "email": format!("p{i}@example.no")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }))
    .await;
    assert!(signups.iter().all(|s| *s == 201));
    smtp.wait_for(60).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let received = smtp.received();
    assert_eq!(received.len(), 60, "every mail exactly once");
    let mut ids: Vec<String> = received.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60);
}

/// After the last attempt a mail is marked failed and the organiser can see why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeliverable_mail_is_marked_failed() {
    let smtp = SmtpServer::start().await;
    smtp.stop();
    let app = TestApp::spawn_with(Engine::Sqlite, Some(smtp.url()), |s| {
        s.mail.retry = std::time::Duration::from_secs(60);
        s.mail.max_attempts = 2;
    })
    .await
    .unwrap();
    let event = app.event(json!({})).await;
    assert_eq!(app.sign_up(&event, "P", "p@example.no").await.0, 201);
    let mut last = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, mails) = app.get(&format!("/events/{event}/mails")).await;
        last = mails[0].clone();
        if last["status"] == "failed" {
            break;
        }
        if last["attempts"] == 1 && last["last_error"].is_string() {
            // The first attempt failed: its retry falls due a minute on.
            app.advance(chrono::Duration::minutes(2));
            app.tick().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "failed", "{last}");
    assert_eq!(last["attempts"], 2);
    assert!(last["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    // The desk's mail table shows it as failed, with the reason.
    let desk = crate::helpers::sign_in(
        &app,
        &crate::helpers::organiser(&app, "centre", false).await,
    )
    .await;
    let html = desk
        .get(&format!("/admin/events/{event}"))
        .await
        .text()
        .await
        .unwrap();
    let mail_table = &html[html.find("id=\"mail\"").unwrap()..];
    assert!(
        mail_table.contains("tag--full\">Feilet</span><br><span class=\"small\">"),
        "{mail_table}"
    );
    smtp.restart();
    // Past any back-off, the worker's next round (which sends a new mail) leaves it be.
    app.advance(chrono::Duration::hours(2));
    app.tick().await;
    assert_eq!(app.sign_up(&event, "Q", "q@example.no").await.0, 201);
    app.mail_settled().await;
    let received = smtp.received();
    assert!(
        received.iter().all(|m| m.to == ["q@example.no"]),
        "a failed mail is not retried for ever"
    );
    assert_eq!(received.len(), 1, "the new mail went out");
}
