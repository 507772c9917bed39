//! The organiser's desk: attendee lists (CSV, XLSX) and attendance per session.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;
use crate::stats::move_into_past;

on_both_engines!(
    attendee_lists_open_safely_in_excel,
    attendance_per_session,
    removed_session_forgets_its_marks,
    attendance_waits_for_the_sessions_day,
);

const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";

/// Downloads a file with the organiser's token: status, headers, bytes.
pub async fn download(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM first");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Signs up and insists it worked.
async fn signed_up(app: &TestApp, event: &str, body: Value) -> Value {
    let (status, answer) = app.sign_up_with(event, body).await;
    assert_eq!(status, 201, "{answer}");
    answer
}

async fn attendee_lists_open_safely_in_excel(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app
        .event(json!({"title": "Fagdag: demens og ernæring", "capacity": 2}))
        .await;
    signed_up(
        &app,
        &event,
        json!({"name": FORMULA, "email": "x@example.no", "workplace": "+sykepleier"}),
    )
    .await;
    signed_up(
        &app,
        &event,
        json!({"name": "Åse Ødegård", "email": "ase@example.no", "municipality": "Bærum",
               "workplace": "Sykehjem; avd. 2, \"Lia\"", "share_contact": true}),
    )
    .await;
    let waiting = signed_up(
        &app,
        &event,
        json!({"name": "Per Vent", "email": "per@example.no"}),
    )
    .await;
    assert_eq!(waiting["status"], "waitlisted");
    let gone = signed_up(
        &app,
        &event,
        json!({"name": "Gone Away", "email": "gone@example.no"}),
    )
    .await;
    assert_eq!(app.cancel(&gone).await.0, 200);

    // CSV, the Norwegian-Excel default: BOM, `;`, formula neutralised, letters intact.
    let (status, headers, bytes) =
        download(&app, &format!("/events/{event}/registrations.csv")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"Fagdag_ demens og ernaering 20"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''Fagdag%3A%20demens%20og%20ern%C3%A6ring%2020"),
        "{disposition}"
    );
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let rows = csv_rows(&bytes, b';');
    assert_eq!(
        rows[0],
        [
            "Navn",
            "E-post",
            "Kommune",
            "Arbeidssted",
            "Rolle",
            "Status",
            "Plass på venteliste",
            "Påmeldt",
            "Møtt",
            "Deler kontaktinfo"
        ]
    );
    assert_eq!(rows.len(), 5, "header + 4 registrations");
    assert_eq!(
        rows[1][0],
        format!("'{FORMULA}"),
        "a formula is shown as text"
    );
    assert_eq!(rows[1][3], "'+sykepleier");
    assert_eq!(rows[1][5], "bekreftet");
    assert_eq!(rows[2][0], "Åse Ødegård");
    assert_eq!(rows[2][2], "Bærum");
    assert_eq!(rows[2][3], "Sykehjem; avd. 2, \"Lia\"");
    assert_eq!(
        rows[2][9], "nei",
        "the sign-up's wish to share is not shared until its owner confirms it"
    );
    assert_eq!(rows[3][0], "Per Vent");
    assert_eq!(rows[3][5], "venteliste");
    assert_eq!(rows[3][6], "1");
    assert_eq!(rows[4][5], "avmeldt");
    assert!(
        chrono::NaiveDateTime::parse_from_str(&rows[1][7], "%Y-%m-%d %H:%M").is_ok(),
        "registered at is a local time: {}",
        rows[1][7]
    );

    let (_, _, bytes) = download(
        &app,
        &format!("/events/{event}/registrations.csv?status=confirmed&delimiter=comma"),
    )
    .await;
    let rows = csv_rows(&bytes, b',');
    assert_eq!(rows.len(), 3, "header + the confirmed two");
    assert_eq!(rows[2][3], "Sykehjem; avd. 2, \"Lia\"");
    let (status, body) = app
        .get(&format!("/events/{event}/registrations.csv?status=maybe"))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"]["fields"]["status"].is_string(), "{body}");

    // XLSX, read back by an independent reader.
    let (status, headers, bytes) =
        download(&app, &format!("/events/{event}/registrations.xlsx")).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a real workbook");
    let sheet = book.worksheet_range("Deltakere").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][0], Data::String("Navn".into()));
    assert_eq!(
        rows[1][0],
        Data::String(FORMULA.into()),
        "stored as text, unchanged"
    );
    assert_eq!(rows[2][0], Data::String("Åse Ødegård".into()));
    assert_eq!(
        rows[3][6],
        Data::Float(1.0),
        "waiting-list position is a number"
    );
    assert!(
        matches!(rows[1][7], Data::DateTime(_)),
        "registered at is a date: {:?}",
        rows[1][7]
    );
    let formulas = book.worksheet_formula("Deltakere").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
}

async fn attendance_per_session(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let session = |days: i64| {
        let s = start + chrono::Duration::days(days);
        json!({"starts_at": s.to_rfc3339(), "ends_at": (s + chrono::Duration::hours(3)).to_rfc3339()})
    };
    let (status, event) = app
        .post(
            "/events",
            json!({"title": "Kurs i ernæring", "kind": "course", "status": "published",
                   "capacity": 3, "sessions": [session(0), session(7)]}),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_str().unwrap();
    let s1 = event["sessions"][0]["id"].as_str().unwrap().to_string();
    let s2 = event["sessions"][1]["id"].as_str().unwrap().to_string();
    let mut rids = Vec::new();
    for i in 0..4 {
        let (_, body) = app
            .sign_up(id, "Deltaker", &format!("d{i}@example.no"))
            .await;
        rids.push(body["id"].as_str().unwrap().to_string());
    }
    let (r1, r2, r3, waitlisted) = (&rids[0], &rids[1], &rids[2], &rids[3]);
    // Attendance is recorded once the sessions have taken place.
    move_into_past(
        &app,
        &event,
        chrono::Utc::now() - chrono::Duration::days(14),
    )
    .await;

    let (status, body) = app
        .post(
            &format!("/events/{id}/registrations/{r1}/attendance"),
            json!({"attended": true, "session": s1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attended"], true);
    let (status, body) = app
        .post(
            &format!("/events/{id}/registrations/{r2}/attendance"),
            json!({"attended": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attended"], false);
    let (status, summary) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": [r1, r3], "attended": true, "session": s2}),
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    let expect = |v: &Value, registered: u64, attended: u64, no_shows: u64, not_recorded: u64| {
        assert_eq!(v["registered"], registered, "{v}");
        assert_eq!(v["attended"], attended, "{v}");
        assert_eq!(v["no_shows"], no_shows, "{v}");
        assert_eq!(v["not_recorded"], not_recorded, "{v}");
    };
    assert_eq!(summary["sessions"][0]["session_id"], s1.as_str());
    expect(&summary["sessions"][0], 3, 1, 1, 1);
    expect(&summary["sessions"][1], 3, 2, 1, 0);
    expect(&summary["total"], 3, 2, 1, 0);

    // Wrong input changes nothing.
    let unknown = uuid::Uuid::new_v4().to_string();
    let (status, body) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": [r2, unknown], "attended": true}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["fields"]["registrations"]
        .as_str()
        .unwrap()
        .contains(&unknown));
    let (status, body) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": [r2, waitlisted], "attended": true}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_confirmed");
    let (status, _) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": [r2], "attended": true, "session": unknown}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post(
            &format!("/events/{id}/registrations/{unknown}/attendance"),
            json!({"attended": true}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, summary) = app.get(&format!("/events/{id}/attendance")).await;
    expect(&summary["total"], 3, 2, 1, 0);

    // The organiser's list and the attendee list show it, per session too.
    let listed = app.registrations(id).await;
    let attended: Vec<_> = listed.iter().map(|r| r["attended"].clone()).collect();
    assert_eq!(
        attended,
        [json!(true), json!(false), json!(true), Value::Null]
    );
    let (_, _, bytes) = download(&app, &format!("/events/{id}/registrations.csv")).await;
    let rows = csv_rows(&bytes, b';');
    assert!(rows[0][10].starts_with("Møtt økt 1 ("), "{:?}", rows[0]);
    assert_eq!(&rows[1][8..], ["ja", "nei", "ja", "ja"]);
    assert_eq!(&rows[2][8..], ["nei", "nei", "nei", "nei"]);
    assert_eq!(&rows[3][8..], ["ja", "nei", "", "ja"]);
}

/// Removing a session drops its marks: nobody stays "attended" through a session that no
/// longer exists.
async fn removed_session_forgets_its_marks(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let session = |days: i64| {
        let s = start + chrono::Duration::days(days);
        json!({"starts_at": s.to_rfc3339(), "ends_at": (s + chrono::Duration::hours(3)).to_rfc3339()})
    };
    let (_, event) = app
        .post(
            "/events",
            json!({"title": "Kurs", "kind": "course", "status": "published",
                   "sessions": [session(0), session(7)]}),
        )
        .await;
    let id = event["id"].as_str().unwrap();
    let first = event["sessions"][0].clone();
    let second = event["sessions"][1]["id"].as_str().unwrap().to_string();
    let (_, signup) = app.sign_up(id, "Kari", "kari@example.no").await;
    let rid = signup["id"].as_str().unwrap();
    move_into_past(
        &app,
        &event,
        chrono::Utc::now() - chrono::Duration::days(20),
    )
    .await;
    let (_, marked) = app
        .post(
            &format!("/events/{id}/registrations/{rid}/attendance"),
            json!({"attended": true, "session": second}),
        )
        .await;
    assert_eq!(marked["attended"], true);

    let (status, _) = app
        .patch(
            &format!("/events/{id}"),
            json!({"sessions": [{"id": first["id"], "starts_at": first["starts_at"], "ends_at": first["ends_at"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.registrations(id).await[0]["attended"], Value::Null);
    let (_, summary) = app.get(&format!("/events/{id}/attendance")).await;
    assert_eq!(summary["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(summary["total"]["attended"], 0, "{summary}");
    assert_eq!(summary["total"]["not_recorded"], 1, "{summary}");
}

/// Nobody can have come to a session whose day has not come: the API answers 409
/// `session_not_started` (for one session, and for "all sessions" while any is ahead), and
/// nothing is saved; from the session's day on it is recorded.
async fn attendance_waits_for_the_sessions_day(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let session = |days: i64| {
        let s = start + chrono::Duration::days(days);
        json!({"starts_at": s.to_rfc3339(), "ends_at": (s + chrono::Duration::hours(3)).to_rfc3339()})
    };
    let (status, event) = app
        .post(
            "/events",
            json!({"title": "Kurs", "kind": "course", "status": "published",
                   "sessions": [session(0), session(7)]}),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_str().unwrap();
    let s1 = event["sessions"][0]["id"].as_str().unwrap().to_string();
    let second = event["sessions"][1].clone();
    let (_, signup) = app.sign_up(id, "Kari", "kari@example.no").await;
    let rid = signup["id"].as_str().unwrap();
    for body in [
        json!({"attended": true, "session": s1}),
        json!({"attended": true}),
    ] {
        let (status, answer) = app
            .post(
                &format!("/events/{id}/registrations/{rid}/attendance"),
                body.clone(),
            )
            .await;
        assert_eq!(status, 409, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "session_not_started", "{answer}");
        let (status, answer) = app
            .post(
                &format!("/events/{id}/attendance"),
                json!({"registrations": [rid], "attended": true}),
            )
            .await;
        assert_eq!(status, 409, "{answer}");
    }
    assert_eq!(app.registrations(id).await[0]["attended"], Value::Null);

    // The first session is today (it began a minute ago); the second is still ahead.
    let now = chrono::Utc::now() - chrono::Duration::minutes(1);
    let (status, body) = app
        .patch(
            &format!("/events/{id}"),
            json!({"sessions": [
                {"id": s1, "starts_at": now.to_rfc3339(),
                 "ends_at": (now + chrono::Duration::hours(3)).to_rfc3339()},
                {"id": second["id"], "starts_at": second["starts_at"], "ends_at": second["ends_at"]},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &format!("/events/{id}/registrations/{rid}/attendance"),
            json!({"attended": true, "session": s1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attended"], true);
    let (status, body) = app
        .post(
            &format!("/events/{id}/registrations/{rid}/attendance"),
            json!({"attended": false}),
        )
        .await;
    assert_eq!(status, 409, "the second session is ahead: {body}");
    assert_eq!(app.registrations(id).await[0]["attended"], true);
}
