//! The core under change: simultaneous event changes, calendar messages per session, SEQUENCE
//! that never goes backwards, Last-Modified that follows what leaves a feed, and the
//! migration of a database that already holds data.
use std::collections::HashSet;

use futures::future::join_all;
use reqwest::{header, Method};
use serde_json::{json, Value};

use crate::helpers::{parse_ics, Engine, ReceivedMail, SmtpServer, TestApp};
use crate::on_both_engines;

on_both_engines!(
    simultaneous_changes_all_survive,
    every_session_reaches_the_calendar_from_mail,
    sequence_never_goes_backwards,
    last_modified_moves_when_entries_leave,
    migration_keeps_existing_data
);

async fn simultaneous_changes_all_survive(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "nett-a", "name": "A"}))
        .await;
    app.post("/networks", json!({"slug": "nett-b", "name": "B"}))
        .await;
    let event = app.event(json!({"network": "nett-a"})).await;
    let path = format!("/events/{event}");
    for round in 0..3 {
        let network = ["nett-b", "nett-a"][round % 2];
        let kind = ["course", "webinar", "conference"][round];
        let changes = [
            json!({"title": format!("Tittel {round}")}),
            json!({"description": format!("Beskrivelse {round}")}),
            json!({"kind": kind}),
            json!({"capacity": 10 + round}),
            json!({"waitlist": round % 2 == 1}),
            json!({"registration_opens_at": format!("2030-01-0{}T08:00:00Z", round + 1)}),
            json!({"registration_closes_at": format!("2030-02-0{}T08:00:00Z", round + 1)}),
            json!({"network": network}),
            json!({"members_only": round % 2 == 0}),
            json!({"status": "published"}),
        ];
        let answers = join_all(changes.iter().map(|c| app.patch(&path, c.clone()))).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
        }
        let (_, e) = app.get(&path).await;
        assert_eq!(e["title"], format!("Tittel {round}"));
        assert_eq!(e["description"], format!("Beskrivelse {round}"));
        assert_eq!(e["kind"], kind);
        assert_eq!(e["capacity"], 10 + round);
        assert_eq!(e["waitlist"], round % 2 == 1);
        assert!(e["registration_opens_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("2030-01-0{}", round + 1)));
        assert!(e["registration_closes_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("2030-02-0{}", round + 1)));
        assert_eq!(e["network"], network);
        assert_eq!(e["members_only"], round % 2 == 0);
        assert_eq!(e["sequence"], 10 * (round + 1), "every change counted once");
    }
}

fn mails_to<'a>(mails: &'a [ReceivedMail], address: &str) -> Vec<&'a ReceivedMail> {
    mails.iter().filter(|m| m.to == [address]).collect()
}

async fn every_session_reaches_the_calendar_from_mail(engine: Engine) {
    let smtp = SmtpServer::start().await;
    let Some(app) = TestApp::spawn(engine, Some(smtp.url())).await else {
        return;
    };
    let sessions: Vec<Value> = (0..3)
        .map(|i| {
            json!({"starts_at": format!("2031-03-1{i}T09:00:00+01:00"), "ends_at": format!("2031-03-1{i}T15:00:00+01:00"), "location": format!("Sted {i}")})
        })
        .collect();
    let (status, course) = app
        .post(
            "/events",
            json!({"title": "Kurs i tre samlinger", "kind": "course", "status": "published", "sessions": sessions}),
        )
        .await;
    assert_eq!(status, 201);
    let id = course["id"].as_str().unwrap();
    let uids: Vec<String> = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}@samling", s["id"].as_str().unwrap()))
        .collect();
    app.sign_up(id, "Kari", "kari@example.no").await;
    let mails = smtp.wait_for(3).await;
    let kari = mails_to(&mails, "kari@example.no");
    assert_eq!(
        kari.len(),
        3,
        "the confirmation and one calendar mail per further session"
    );
    let mut reached = HashSet::new();
    for m in &kari {
        let ics = parse_ics(&m.invite().expect("each carries a calendar"));
        assert_eq!(ics.method.as_deref(), Some("REQUEST"));
        assert_eq!(
            ics.events.len(),
            1,
            "one VEVENT per message: Outlook reads only the first"
        );
        reached.insert(ics.events[0].uid.clone());
    }
    assert_eq!(reached, uids.iter().cloned().collect::<HashSet<_>>());
    let first_sequence = parse_ics(&kari[0].invite().unwrap()).events[0].sequence;

    // Session 3 moves: its entry, and only its, is updated.
    let mut changed = course["sessions"].clone();
    changed[2]["starts_at"] = json!("2031-03-12T10:00:00+01:00");
    changed[2]["ends_at"] = json!("2031-03-12T16:00:00+01:00");
    for s in changed.as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("online");
    }
    let (status, body) = app
        .patch(&format!("/events/{id}"), json!({"sessions": changed}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mails = smtp.wait_for(4).await;
    let update = mails_to(&mails, "kari@example.no")[3];
    assert!(update.subject().starts_with("Endret tid eller sted"));
    let ics = parse_ics(&update.invite().unwrap());
    assert_eq!(ics.events.len(), 1);
    assert_eq!(ics.events[0].uid, uids[2]);
    assert!(ics.events[0].sequence > first_sequence);
    assert_eq!(
        ics.events[0].start,
        chrono::DateTime::parse_from_rfc3339("2031-03-12T10:00:00+01:00").unwrap()
    );
    // Everything the change queued has gone out: nothing more is on its way.
    app.mail_settled().await;
    assert_eq!(
        smtp.received().len(),
        4,
        "sessions 1 and 2 are not sent again"
    );

    // Cancelling takes every session out of the calendar, one message each.
    let signup = json!({"id": app.registrations(id).await[0]["id"]});
    assert_eq!(app.cancel(&signup).await.0, 200);
    let mails = smtp.wait_for(7).await;
    let cancels: HashSet<String> = mails_to(&mails, "kari@example.no")[4..]
        .iter()
        .map(|m| {
            let ics = parse_ics(&m.invite().unwrap());
            assert_eq!(ics.method.as_deref(), Some("CANCEL"));
            ics.events[0].uid.clone()
        })
        .collect();
    assert_eq!(cancels, uids.iter().cloned().collect::<HashSet<_>>());
}

async fn sequence_never_goes_backwards(engine: Engine) {
    let smtp = SmtpServer::start().await;
    let Some(app) = TestApp::spawn(engine, Some(smtp.url())).await else {
        return;
    };
    let event = app.event(json!({})).await;
    let (_, first) = app.sign_up(&event, "Kari", "kari@example.no").await;
    assert_eq!(app.cancel(&first).await.0, 200);
    let (status, _) = app.sign_up(&event, "Kari", "kari@example.no").await;
    assert_eq!(status, 201);
    let mails = smtp.wait_for(3).await;
    let sequences: Vec<(String, u32)> = mails
        .iter()
        .map(|m| {
            let ics = parse_ics(&m.invite().unwrap());
            (ics.method.unwrap(), ics.events[0].sequence)
        })
        .collect();
    assert_eq!(
        sequences
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>(),
        ["REQUEST", "CANCEL", "REQUEST"]
    );
    assert!(
        sequences[0].1 < sequences[1].1 && sequences[1].1 < sequences[2].1,
        "{sequences:?}"
    );
}

async fn last_modified_moves_when_entries_leave(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "nett-a", "name": "A"}))
        .await;
    app.post("/networks", json!({"slug": "nett-b", "name": "B"}))
        .await;
    let event = app.event(json!({"network": "nett-a"})).await;
    let other = app.event(json!({"network": "nett-a"})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    app.sign_up(&other, "Kari", "kari@example.no").await;
    let personal = app.feed_path(&signup).await;
    let fetch = |path: String, since: Option<String>| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .request(Method::GET, format!("{}{path}", app.base));
            if let Some(since) = since {
                req = req.header(header::IF_MODIFIED_SINCE, since);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            (status, headers)
        }
    };
    let network = "/feeds/networks/nett-a.ics".to_string();
    let (_, h) = fetch(network.clone(), None).await;
    let network_since = h[header::LAST_MODIFIED].to_str().unwrap().to_string();
    let etag = h[header::ETAG].to_str().unwrap().to_string();
    assert!(
        etag.starts_with("W/\""),
        "weak: the same ETag serves plain and gzip"
    );
    let (_, h) = fetch(personal.clone(), None).await;
    let personal_since = h[header::LAST_MODIFIED].to_str().unwrap().to_string();
    assert_eq!(
        fetch(network.clone(), Some(network_since.clone())).await.0,
        304
    );
    assert_eq!(
        fetch(personal.clone(), Some(personal_since.clone()))
            .await
            .0,
        304
    );

    // A second later (Last-Modified counts whole seconds), the event moves to another
    // network; the registration is cancelled.
    app.advance(chrono::Duration::seconds(1));
    let (status, _) = app
        .patch(&format!("/events/{event}"), json!({"network": "nett-b"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.cancel(&signup).await.0, 200);
    assert_eq!(
        fetch(network, Some(network_since)).await.0,
        200,
        "an entry left the network feed"
    );
    assert_eq!(
        fetch(personal, Some(personal_since)).await.0,
        200,
        "an entry left the personal feed"
    );
}

/// A database made by the previous release, with data, migrates without losing any.
async fn migration_keeps_existing_data(engine: Engine) {
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Statement};

    let dir = tempfile::tempdir().unwrap();
    let url = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("old.db").display()),
        Engine::Postgres => match crate::helpers::fresh_postgres_database().await {
            Some(url) => url,
            None => return,
        },
    };
    let db = samling::db::Db::connect(&url, 2).await.unwrap();
    migration::Migrator::up(&db.conn, Some(4)).await.unwrap();
    let backend = db.conn.get_database_backend();
    // Values are bound, so each engine stores them its own way (SQLite keeps UUIDs as blobs).
    let run = |sql: &str, values: Vec<sea_orm::Value>| {
        let sql = match backend {
            sea_orm::DbBackend::Postgres => sql.to_string(),
            _ => (1..=values.len())
                .rev()
                .fold(sql.to_string(), |s, i| s.replace(&format!("${i}"), "?")),
        };
        let db = &db;
        async move {
            db.conn
                .execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await
                .unwrap();
        }
    };
    let (org, ev, reg, session, mail) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let now = chrono::Utc::now();
    let start = now + chrono::Duration::days(30);
    run("INSERT INTO organisations (id, slug, name, time_zone, created_at) VALUES ($1, 'old', 'Old', 'Europe/Oslo', $2)", vec![org.into(), now.into()]).await;
    run("INSERT INTO events (id, organisation_id, title, kind, status, waitlist_enabled, members_only, starts_at, ends_at, confirmed_count, waitlist_count, waitlist_seq, sequence, created_at, updated_at) VALUES ($1, $2, 'Gammel', 'course', 'published', true, false, $3, $4, 1, 0, 0, 3, $5, $6)", vec![ev.into(), org.into(), start.into(), start.into(), now.into(), now.into()]).await;
    run("INSERT INTO event_sessions (id, event_id, position, starts_at, ends_at) VALUES ($1, $2, 0, $3, $4)", vec![session.into(), ev.into(), start.into(), start.into()]).await;
    run("INSERT INTO registrations (id, event_id, name, email, email_normalized, municipality, share_contact, language, status, manage_token_hash, attended, created_at, updated_at) VALUES ($1, $2, 'Åse', 'Ase@x.no', 'ase@x.no', 'Horten', true, 'nb', 'confirmed', $3, true, $4, $5)", vec![reg.into(), ev.into(), "a".repeat(64).into(), now.into(), now.into()]).await;
    run("INSERT INTO session_attendance (registration_id, session_id, attended, recorded_at) VALUES ($1, $2, true, $3)", vec![reg.into(), session.into(), now.into()]).await;
    run("INSERT INTO outbox (id, kind, registration_id, event_id, recipient, message_id, subject, body_text, body_html, status, attempts, next_attempt_at, created_at) VALUES ($1, 'confirmation', $2, $3, 'Åse <Ase@x.no>', '<x@y>', 'Bekreftet', 'tekst /r/hemmelig', '<p>html</p>', 'sent', 1, $4, $5)", vec![mail.into(), reg.into(), ev.into(), now.into(), now.into()]).await;

    db.migrate()
        .await
        .expect("the rest of the migrations apply");
    let regs = samling::db::registrations::list_for_event(&db.conn, ev)
        .await
        .unwrap();
    assert_eq!(regs.len(), 1);
    assert_eq!(
        (
            regs[0].name.as_str(),
            regs[0].municipality.as_deref(),
            regs[0].attended
        ),
        ("Åse", Some("Horten"), Some(true))
    );
    let marks = samling::db::attendance::for_sessions(&db.conn, &[session])
        .await
        .unwrap();
    assert_eq!(
        marks.len(),
        1,
        "attendance rows survive the rebuild of registrations"
    );
    let feeds = samling::db::feeds::participant_feeds(&db.conn, &["ase@x.no".to_string()])
        .await
        .unwrap();
    assert_eq!(
        feeds["ase@x.no"].link_id.len(),
        32,
        "every participant gets a new feed link"
    );
    let mails = samling::db::outbox::for_event(&db.conn, ev).await.unwrap();
    assert_eq!((mails.len(), mails[0].facts.clone()), (1, None));
    // The rebuilt table still refuses a second active registration for the address.
    let dup = samling::db::registrations::insert(
        &db.conn,
        samling::db::entities::registration::Model {
            id: uuid::Uuid::now_v7(),
            ..regs[0].clone()
        },
    )
    .await
    .unwrap_err();
    assert!(
        samling::db::violates(&dup, samling::db::Unique::ActiveRegistration),
        "{dup}"
    );
}
