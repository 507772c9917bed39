//! Issuing course certificates: 500 participants complete a course, `POST
//! /events/{id}/certificates` issues them over HTTP (numbers, facts and mails in one
//! transaction), and the delivery worker draws each PDF and mails it (to `.eml` files, as a
//! server without SMTP does). Prints the time of each step, the time per certificate, and
//! what drawing one PDF alone costs. SQLite by default, PostgreSQL with
//! `SAMLING_BENCH_POSTGRES_URL` (an empty database).
//!
//!     cargo bench --bench certificates
//!     PARTICIPANTS=2000 cargo bench --bench certificates

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use samling::db::{self, entities::event, entities::event_session};
use samling::domain::certificates::CertificateRule;
use samling::domain::{EventKind, EventStatus};
use uuid::Uuid;

#[tokio::main]
async fn main() {
    let participants = common::env_or("PARTICIPANTS", 500);
    let bench = common::start().await;
    let (engine, port, state) = (bench.engine, bench.port, &bench.state);

    let now = Utc::now();
    let tx = state.db.begin_write().await.unwrap();
    let (org, token) = common::organisation_with_token(&*tx, "usht-vestfold", now).await;
    let id = Uuid::now_v7();
    let start = now - chrono::Duration::days(2);
    let sessions: Vec<event_session::Model> = (0..2)
        .map(|i| event_session::Model {
            id: Uuid::now_v7(),
            event_id: id,
            position: i,
            starts_at: start + chrono::Duration::days(i64::from(i)),
            ends_at: start + chrono::Duration::days(i64::from(i)) + chrono::Duration::hours(6),
            location: Some("Tønsberg".into()),
            online_url: None,
            optional: false,
            month: None,
        })
        .collect();
    let session_ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let rule = CertificateRule {
        hours: Some(14.0),
        text_nb: Some("Kurset gir 14 timer godkjent etterutdanning.".into()),
        text_en: None,
    };
    let course = db::events::insert(
        &*tx,
        event::Model {
            id,
            title: "HLR-instruktørkurs for kommunehelsetjenesten".into(),
            kind: EventKind::Course,
            status: EventStatus::Published,
            starts_at: start,
            ends_at: start + chrono::Duration::days(1) + chrono::Duration::hours(6),
            confirmed_count: participants as i32,
            certificate: Some(rule.to_stored()),
            ..db::events::new_event(org.id, now)
        },
        sessions,
    )
    .await
    .unwrap();
    let mut batch = Vec::new();
    let mut ids = Vec::new();
    for p in 0..participants {
        let mut reg = common::confirmed(
            id,
            format!("deltaker{p}@example.no"),
            Some("Horten".into()),
            Some(true),
            now,
        );
        reg.name = sea_orm::Set(format!("Kåre Ødegård Æsøy {p}"));
        ids.push(*reg.id.as_ref());
        batch.push(reg);
        common::flush(&*tx, &mut batch, 500).await;
    }
    common::flush(&*tx, &mut batch, 0).await;
    tx.commit().await.unwrap();
    let marks: Vec<(Uuid, bool)> = ids.iter().map(|r| (*r, true)).collect();
    for session in session_ids {
        samling::service::attendance::record_marks(&state.db, &course, &marks, Some(session), now)
            .await
            .unwrap();
    }
    // The attendance mails are none; nothing waits in the outbox before the issue.
    bench.settle().await;

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/events/{id}/certificates");
    let t = Instant::now();
    let res = client.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let issued: serde_json::Value = res.json().await.unwrap();
    let issue_time = t.elapsed();
    assert_eq!(issued.as_array().unwrap().len(), participants);
    // The delivery worker was woken by the issue; wait until every mail is sent.
    loop {
        let (pending, _) = db::outbox::pending(&state.db.conn).await.unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = t.elapsed();
    let again = Instant::now();
    let res = client.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "a second issue adds nothing");
    let again = again.elapsed();

    // Drawing alone, one PDF after another on one core.
    let facts = samling::mail::facts::CertificateFacts {
        number: "USHT-VESTFOLD-2026-0001".into(),
        code: "K7QM-2HXP-9RTA-4WCE".into(),
        holder: "Kåre Ødegård Æsøy".into(),
        course: "HLR-instruktørkurs for kommunehelsetjenesten".into(),
        first_date: start.date_naive(),
        last_date: now.date_naive(),
        hours: Some(14.0),
        text: rule.text_nb.clone(),
        issued_on: now.date_naive(),
    };
    let rounds = 200;
    let t = Instant::now();
    let mut size = 0;
    for _ in 0..rounds {
        size = samling::export::certificate::render_facts(
            &facts,
            "USHT Vestfold",
            samling::domain::Language::Nb,
            "https://samling.example.no/kursbevis/K7QM-2HXP-9RTA-4WCE",
        )
        .unwrap()
        .len();
    }
    let per_pdf = t.elapsed() / rounds;

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{engine}: {participants} certificates issued in {:.0} ms (one request), mailed with their PDFs in {:.1} s after it: {:.1} ms per certificate in all; issuing again {:.0} ms",
        ms(issue_time),
        total.as_secs_f64(),
        ms(total) / participants as f64,
        ms(again),
    );
    println!(
        "one PDF alone: {:.1} ms to draw, {} KB",
        ms(per_pdf),
        size / 1024
    );
}
