//! Privacy by default: retention anonymises what is past its time and the statistics stay
//! the same to the last number; a participant downloads and erases their data from the
//! mailed link (and the API), and the waiting list moves; the audit log records downloads,
//! sign-ins and token changes for the organisation's administrators only.
use chrono::{Datelike, Duration, Utc};
use reqwest::{header, StatusCode};
use samling::db::entities::{outbox, registration};
use samling::service::privacy;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::helpers::{browser, organiser, sign_in, sign_in_raw, Engine, TestApp};
use crate::on_both_engines;
use crate::stats::{create_event, import_reference, move_into_past, sign_up_many};

on_both_engines!(
    retention_keeps_the_statistics_to_the_last_number,
    export_and_erasure_end_to_end,
    the_audit_log_records_who_took_what,
    network_memberships_are_exported_and_erased,
    erased_links_answer_gone,
    the_dry_run_counts_more_than_one_batch
);

async fn registration(app: &TestApp, id: &str) -> registration::Model {
    registration::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
}

/// The year's statistics in every form an annual report takes them.
async fn statistics(app: &TestApp, year: i32) -> (Value, Vec<u8>, Vec<u8>) {
    let (status, json) = app.get(&format!("/stats/participation?year={year}")).await;
    assert_eq!(status, 200, "{json}");
    let mut files = Vec::new();
    for table in ["municipalities", "events"] {
        let res = app
            .client
            .get(app.url(&format!(
                "/stats/participation.csv?year={year}&table={table}"
            )))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        files.push(res.bytes().await.unwrap().to_vec());
    }
    let events = files.pop().unwrap();
    (json, files.pop().unwrap(), events)
}

async fn retention_keeps_the_statistics_to_the_last_number(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    import_reference(
        &app,
        "Kommune;Innbyggere;Region\nAsker;98514;Vest\nBærum;130772;Vest\nLunner;9232;Hadeland\n",
    )
    .await;
    let course = create_event(&app, "Lindrende behandling", "course", 2).await;
    let id = course["id"].as_str().unwrap().to_string();
    let people: Vec<(String, Option<String>)> = (0..24)
        .map(|i| {
            let municipality = ["Asker", "Bærum", "Lunner", "Oslo"][i % 4];
            (format!("p{i}@example.no"), Some(municipality.to_string()))
        })
        .collect();
    let ids = sign_up_many(&app, &id, people).await;
    let (_, regretted) = app
        .sign_up_with(
            &id,
            json!({"name": "Angrer", "email": "angrer@example.no", "municipality": "Asker",
                   "workplace": "Asker sykehjem"}),
        )
        .await;
    let regretted_token = app.manage_token(&regretted).await;
    assert_eq!(app.cancel(&regretted).await.0, 200);
    let kept_token = app.manage_token(&json!({"id": ids[0]})).await;
    let held = Utc::now() - Duration::days(40);
    move_into_past(&app, &course, held).await;
    let (status, _) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": &ids[..18], "attended": true}),
        )
        .await;
    assert_eq!(status, 200);
    app.post(
        &format!("/events/{id}/attendance"),
        json!({"registrations": &ids[18..], "attended": false}),
    )
    .await;
    let before = statistics(&app, held.year()).await;
    assert_eq!(before.0["totals"]["participants"], 18, "{}", before.0);

    // Thirty-one days on, only the cancelled registration has lost its personal data.
    let month_on = Utc::now() + Duration::days(31);
    let report = privacy::run_retention(&app.db, 24, 30, month_on, false)
        .await
        .unwrap();
    assert_eq!(report.registrations_anonymised, 1);
    let cancelled = registration(&app, regretted["id"].as_str().unwrap()).await;
    assert_eq!(
        (cancelled.name.as_str(), cancelled.email.as_str()),
        ("", "")
    );
    assert_eq!(cancelled.workplace, None);
    assert_eq!(cancelled.municipality.as_deref(), Some("Asker"));
    assert!(cancelled.anonymised_at.is_some());
    assert_eq!(registration(&app, &ids[0]).await.name, "Deltaker 0");

    // Three years on every mail has long gone out: let this minute's deliveries finish, so
    // none is still in the worker's hands when retention scrubs it.
    let event_id: uuid::Uuid = id.parse().unwrap();
    for _ in 0..400 {
        let pending = outbox::Entity::find()
            .filter(outbox::Column::EventId.eq(event_id))
            .filter(outbox::Column::Status.ne(outbox::MailStatus::Sent))
            .all(&app.db.conn)
            .await
            .unwrap();
        if pending.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Three years on: a dry run counts and changes nothing; the real run anonymises all.
    let later = Utc::now() + Duration::days(3 * 366);
    let dry = privacy::run_retention(&app.db, 24, 30, later, true)
        .await
        .unwrap();
    assert_eq!(dry.registrations_anonymised, 24);
    assert_eq!(registration(&app, &ids[0]).await.name, "Deltaker 0");
    let report = privacy::run_retention(&app.db, 24, 30, later, false)
        .await
        .unwrap();
    assert_eq!(report.registrations_anonymised, 24);
    assert!(report.mails_scrubbed >= 24, "{report:?}");
    assert!(report.personal_feeds_deleted >= 24, "{report:?}");
    for rid in &ids {
        let r = registration(&app, rid).await;
        assert!(r.name.is_empty() && r.email.is_empty() && r.workplace.is_none());
        assert!(r.municipality.is_some() && r.attended.is_some());
    }
    let mails = outbox::Entity::find()
        .filter(outbox::Column::EventId.eq(id.parse::<uuid::Uuid>().unwrap()))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert!(!mails.is_empty());
    assert!(mails
        .iter()
        .all(|m| m.recipient.is_empty() && m.subject.is_empty() && m.facts.is_none()));

    // The statistics are the same, to the last number and byte.
    let after = statistics(&app, held.year()).await;
    assert_eq!(before.0, after.0);
    assert_eq!(before.1, after.1);
    assert_eq!(before.2, after.2);
    // The old links open nothing personal.
    for token in [&regretted_token, &kept_token] {
        let res = browser()
            .get(format!("{}/r/{token}", app.base))
            .send()
            .await
            .unwrap();
        let page = res.text().await.unwrap();
        assert!(!page.contains("Deltaker 0") && !page.contains("Angrer"));
        let (status, _) = app
            .call(
                reqwest::Method::GET,
                &format!("/registrations/{token}/data"),
                None,
                None,
            )
            .await;
        assert_eq!(status, 410);
    }

    // The command line does the same by hand (SQLite: the file is at hand).
    if engine == Engine::Sqlite {
        // The app's own daily round (retention included) is claimed for its day first, so
        // it cannot take Kari's registration before the command line does.
        app.tick().await;
        let coming = app.event(json!({"capacity": 5})).await;
        let (_, other) = app.sign_up(&coming, "Kari", "kari@example.no").await;
        assert_eq!(app.cancel(&other).await.0, 200);
        // Cancelled 31 days ago: past the 30 days cancelled registrations are kept.
        let mut cancelled: registration::ActiveModel =
            registration(&app, other["id"].as_str().unwrap())
                .await
                .into();
        cancelled.cancelled_at = Set(Some(Utc::now() - Duration::days(31)));
        cancelled.update(&app.db.conn).await.unwrap();
        let run = |dry: bool| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_samling"));
            command
                .args(["retention", "run"])
                .env("SAMLING_DATABASE_URL", &app.database_url);
            if dry {
                command.arg("--dry-run");
            }
            let out = command.output().unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let dry = run(true);
        assert!(
            dry.starts_with("dry run: 1 registrations would lose"),
            "{dry}"
        );
        assert_eq!(
            registration(&app, other["id"].as_str().unwrap()).await.name,
            "Kari"
        );
        let done = run(false);
        assert!(done.starts_with("1 registrations anonymised"), "{done}");
        assert_eq!(
            registration(&app, other["id"].as_str().unwrap()).await.name,
            ""
        );
    }
}

async fn export_and_erasure_end_to_end(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let full = app.event(json!({"capacity": 1})).await;
    let other = app.event(json!({"capacity": 10})).await;
    let (_, kari) = app
        .sign_up_with(
            &full,
            json!({"name": "Kari Nordmann", "email": "kari@example.no", "workplace": "Lunner legevakt"}),
        )
        .await;
    let (_, kari_again) = app
        .sign_up(&other, "Kari Nordmann", "Kari@Example.no")
        .await;
    let (_, ola) = app.sign_up(&full, "Ola", "ola@example.no").await;
    assert_eq!(ola["status"], "waitlisted");
    let token = app.manage_token(&kari).await;
    let feed = app.feed_path(&kari_again).await;
    app.mails_for(kari_again["id"].as_str().unwrap()).await;

    // The download: every registration of the address, with events, sessions and mails.
    let res = browser()
        .get(format!("{}/r/{token}/data.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let data: Value = res.json().await.unwrap();
    assert_eq!(data["email"], "kari@example.no");
    let regs = data["registrations"].as_array().unwrap();
    assert_eq!(regs.len(), 2, "{data}");
    assert_eq!(regs[0]["workplace"], "Lunner legevakt");
    assert!(!regs[0]["sessions"].as_array().unwrap().is_empty());
    assert!(
        regs.iter()
            .all(|r| !r["mails"].as_array().unwrap().is_empty()),
        "{data}"
    );
    assert!(!data.to_string().contains("ola@example.no"));
    let (status, via_api) = app
        .call(
            reqwest::Method::GET,
            &format!("/registrations/{token}/data"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(via_api["registrations"], data["registrations"]);

    // Erasure asks first, then cancels the coming registrations and removes the rest.
    let confirm = browser()
        .get(format!("{}/r/{token}/erase", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 200);
    let page = confirm.text().await.unwrap();
    assert!(
        page.contains(&format!("action=\"/r/{token}/erase\"")),
        "{page}"
    );
    assert_eq!(
        registration(&app, kari["id"].as_str().unwrap()).await.name,
        "Kari Nordmann",
        "nothing happens before the confirmation"
    );
    let res = browser()
        .post(format!("{}/r/{token}/erase", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(location, format!("/r/{token}?done=erased"));
    let page = browser()
        .get(format!("{}{location}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Kari") && !page.contains("kari@example.no"));
    assert!(page.contains("slettet"), "{page}");

    // Ola got the seat, and a mail saying so; the organiser sees a cancellation.
    let list = app.registrations(&full).await;
    let ola_now = list.iter().find(|r| r["id"] == ola["id"]).unwrap();
    assert_eq!(ola_now["status"], "confirmed");
    let kari_now = list.iter().find(|r| r["id"] == kari["id"]).unwrap();
    assert_eq!(kari_now["status"], "cancelled");
    assert_eq!(kari_now["name"], "");
    assert_eq!(kari_now["email"], "");
    let mut ola_mails = app.mails_for(ola["id"].as_str().unwrap()).await;
    for _ in 0..100 {
        if ola_mails.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ola_mails = app.mails_for(ola["id"].as_str().unwrap()).await;
    }
    assert!(
        ola_mails.len() >= 2,
        "a mail about the seat: {:?}",
        ola_mails.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    for r in [&kari, &kari_again] {
        let stored = registration(&app, r["id"].as_str().unwrap()).await;
        assert!(stored.anonymised_at.is_some() && stored.workplace.is_none());
    }

    // Nothing personal opens any more: the data, the feed, the API.
    let res = browser()
        .get(format!("{}/r/{token}/data.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    let res = browser()
        .get(format!("{}{feed}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/erase"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["code"], "erased");

    // Erasure through the API, for someone else.
    let ola_token = app.manage_token(&ola).await;
    let (status, report) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{ola_token}/erase"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, json!({"cancelled": 1, "anonymised": 1}));

    // The organisation's audit log has the export and the erasures, nothing personal.
    let (status, log) = app.get("/audit").await;
    assert_eq!(status, 200, "{log}");
    let actions: Vec<(&str, i64)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["amount"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert!(actions.contains(&("participant.export", 2)), "{actions:?}");
    assert!(actions.contains(&("participant.erase", 2)), "{actions:?}");
    assert!(actions.contains(&("participant.erase", 1)), "{actions:?}");
    assert!(!log.to_string().contains("kari@example.no"));
}

async fn the_audit_log_records_who_took_what(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    app.sign_up(&event, "Kari", "kari@example.no").await;
    app.sign_up(&event, "Ola", "ola@example.no").await;
    // An API download: who, what, how many rows.
    let res = app
        .client
        .get(app.url(&format!("/events/{event}/registrations.csv")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .get(app.url("/stats/participation.xlsx"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // At the desk: a failed and a good sign-in, a download, a token made and revoked.
    let email = organiser(&app, "centre", true).await;
    assert_eq!(
        sign_in_raw(&app, &email, "not-the-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let desk = sign_in(&app, &email).await;
    let res = desk
        .get(&format!("/admin/events/{event}/registrations.xlsx"))
        .await;
    assert_eq!(res.status(), 200);
    let res = desk.post("/admin/tokens", &[("label", "Rapport")]).await;
    assert_eq!(res.status(), 200);
    let tokens_page = desk.get("/admin/tokens").await.text().await.unwrap();
    let revoke = tokens_page
        .split("/admin/tokens/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a revoke link")
        .to_string();
    let res = desk
        .post(&format!("/admin/tokens/{revoke}/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (status, log) = app.get("/audit").await;
    assert_eq!(status, 200, "{log}");
    let entries = log.as_array().unwrap();
    let find = |action: &str, actor: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["actor"].as_str().unwrap().contains(actor))
            .unwrap_or_else(|| panic!("no {action} by {actor} in {log:#}"))
    };
    let downloads: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "attendee_list.download")
        .collect();
    assert_eq!(downloads.len(), 2, "{log:#}");
    // Newest first: the desk's XLSX by the signed-in organiser, then the API's CSV.
    assert_eq!(downloads[0]["actor"], email.as_str());
    assert!(downloads[0]["subject"].as_str().unwrap().contains("xlsx"));
    assert!(downloads[1]["subject"].as_str().unwrap().contains("csv"));
    assert!(downloads.iter().all(|d| d["amount"] == 2));
    find("statistics.download", "@centre.example.org");
    find("sign_in.refused", &email);
    find("sign_in", &email);
    assert!(find("token.create", &email)["subject"]
        .as_str()
        .unwrap()
        .contains("Rapport"));
    find("token.revoke", &email);
    assert!(!log.to_string().contains("kari@example.no"));

    // Administrators only, and each organisation its own.
    let plain = app.organiser_token("centre").await;
    let res = app
        .client
        .get(app.url("/audit"))
        .bearer_auth(&plain)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let elsewhere = app.admin_token("elsewhere").await;
    let res = app
        .client
        .get(app.url("/audit?limit=1000"))
        .bearer_auth(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
    let (status, _) = app.get("/audit?limit=0").await;
    assert_eq!(status, 400);
    // The desk's page shows the same.
    let page = desk.get("/admin/audit").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Deltakerliste lastet ned") && page.contains("Mislykket innlogging"));
    // In the reader's language, also where the log stores machine words.
    assert!(page.contains("arrangørsidene") && !page.contains(">desk<"));
    let plain_email = organiser(&app, "centre", false).await;
    let plain_desk = sign_in(&app, &plain_email).await;
    assert_eq!(plain_desk.get("/admin/audit").await.status(), 403);
}

/// Member lists hold addresses apart from any registration: the participant's download
/// shows their memberships, and erasure takes the address off every list (others stay).
async fn network_memberships_are_exported_and_erased(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (status, _) = app
        .post(
            "/networks",
            json!({"slug": "demens", "name": "Demensnettverket"}),
        )
        .await;
    assert_eq!(status, 201);
    for (email, name) in [
        ("kari@example.no", "Kari Nordmann"),
        ("ola@example.no", "Ola"),
    ] {
        let (status, body) = app
            .post(
                "/networks/demens/members",
                json!({"email": email, "name": name, "municipality": "Lunner"}),
            )
            .await;
        assert!(status == 200 || status == 201, "{body}");
    }
    let event = app.event(json!({"capacity": 5})).await;
    let (_, kari) = app
        .sign_up(&event, "Kari Nordmann", "KARI@example.no")
        .await;
    let token = app.manage_token(&kari).await;
    let (status, data) = app
        .call(
            reqwest::Method::GET,
            &format!("/registrations/{token}/data"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{data}");
    let memberships = data["network_memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1, "{data}");
    assert_eq!(memberships[0]["network"], "Demensnettverket");
    assert_eq!(memberships[0]["email"], "kari@example.no");
    assert_eq!(memberships[0]["name"], "Kari Nordmann");
    assert!(!data.to_string().contains("ola@example.no"));

    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/erase"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, members) = app.get("/networks/demens/members").await;
    let text = members.to_string();
    assert!(
        !text.contains("kari@example.no") && !text.contains("Kari"),
        "{text}"
    );
    assert!(text.contains("ola@example.no"), "the others stay: {text}");
}

/// After an erasure nothing the page offered works any more, and says so with 410 (like
/// the data download): a new feed link (page and API), the calendar file, the data.
async fn erased_links_answer_gone(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    let (_, kari) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let token = app.manage_token(&kari).await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/erase"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let res = browser()
        .post(format!("{}/r/{token}/feed-link", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("slettet") && !page.contains("kari@example.no"),
        "{page}"
    );
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/feed-link"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["code"], "erased");
    for path in ["calendar.ics", "data.json"] {
        let res = browser()
            .get(format!("{}/r/{token}/{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 410, "{path}");
    }
    let id: uuid::Uuid = kari["id"].as_str().unwrap().parse().unwrap();
    let queued = outbox::Entity::find()
        .filter(outbox::Column::RegistrationId.eq(id))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .all(|m| m.kind != samling::domain::MailKind::FeedLink),
        "no new feed link was mailed"
    );
}

/// The dry run counts everything due, not the first batch of 1,000 the real run takes.
async fn the_dry_run_counts_more_than_one_batch(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    let (_, kept) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let model = registration(&app, kept["id"].as_str().unwrap()).await;
    let long_ago = Utc::now() - Duration::days(31);
    // 1,500 registrations cancelled 31 days ago, inserted in bulk.
    let rows: Vec<registration::ActiveModel> = (0..1500)
        .map(|i| {
            let mut row = model.clone();
            row.id = uuid::Uuid::new_v4();
            row.email = format!("p{i}@example.no");
            row.email_normalized = row.email.clone();
            row.status = samling::domain::RegistrationStatus::Cancelled;
            row.cancelled_at = Some(long_ago);
            row.submission_id = None;
            row.into()
        })
        .collect();
    for chunk in rows.chunks(250) {
        registration::Entity::insert_many(chunk.to_vec())
            .exec(&app.db.conn)
            .await
            .unwrap();
    }
    let dry = privacy::run_retention(&app.db, 24, 30, Utc::now(), true)
        .await
        .unwrap();
    assert_eq!(dry.registrations_anonymised, 1500);
    let done = privacy::run_retention(&app.db, 24, 30, Utc::now(), false)
        .await
        .unwrap();
    assert_eq!(done.registrations_anonymised, 1500);
    let again = privacy::run_retention(&app.db, 24, 30, Utc::now(), true)
        .await
        .unwrap();
    assert_eq!(again.registrations_anonymised, 0);
    assert_eq!(
        registration(&app, kept["id"].as_str().unwrap()).await.name,
        "Kari"
    );
}
