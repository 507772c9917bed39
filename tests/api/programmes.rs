//! Programmes across the year: series, optional sessions and who has completed a course,
//! and the events a period held, as the centres' reports count them ("Sorgskolen: 170
//! signed up, 2 of 8 gatherings held in 2025"; "I 2025 har nettverket gjennomført to
//! nettverkssamlinger").
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::helpers::{organiser, page_text, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    completion_follows_optional_sessions_and_the_minimum,
    sorgskolen_counts_its_sessions_in_each_year,
    gatherings_held_per_network_in_a_year,
);

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 8, 0, 0).unwrap()
}

fn session(start: DateTime<Utc>) -> Value {
    json!({"starts_at": start.to_rfc3339(),
        "ends_at": (start + Duration::hours(5)).to_rfc3339(), "location": "Tønsberg"})
}

async fn series(app: &TestApp, slug: &str, name: &str) {
    let (status, body) = app
        .post("/series", json!({"slug": slug, "name": name}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], slug);
}

/// A published event with the given sessions and extra fields; its JSON.
async fn programme(app: &TestApp, title: &str, sessions: Vec<Value>, extra: Value) -> Value {
    let mut body = json!({"title": title, "kind": "gathering", "status": "published",
        "sessions": sessions});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, event) = app.post("/events", body).await;
    assert_eq!(status, 201, "{event}");
    event
}

/// `n` confirmed sign-ups; their registration ids.
async fn crowd(app: &TestApp, event: &str, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (status, body) = app
            .sign_up(
                event,
                &format!("{prefix} {i}"),
                &format!("{prefix}{i}@example.no"),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["status"], "confirmed");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn mark(app: &TestApp, event: &str, session: &Value, who: &[&String], came: bool) {
    let (status, body) = app
        .post(
            &format!("/events/{event}/attendance"),
            json!({"registrations": who, "attended": came, "session": session["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn completion_follows_optional_sessions_and_the_minimum(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    series(&app, "lindrende", "Lindrende læringsnettverk").await;
    let (status, again) = app
        .post("/series", json!({"slug": "lindrende", "name": "Igjen"}))
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("slug_taken"))
    );
    let (status, bad) = app.post("/series", json!({"slug": "Æ", "name": ""})).await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["fields"]["slug"].is_string() && bad["error"]["fields"]["name"].is_string()
    );
    let (_, list) = app.get("/series").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let desk_email = organiser(&app, "centre", false).await;

    // "Én valgfri og tre obligatoriske samlinger".
    let first = app.now() + Duration::days(7);
    let mut sessions: Vec<Value> = (0..4)
        .map(|i| session(first + Duration::days(30 * i)))
        .collect();
    sessions[1]["optional"] = json!(true);
    let (status, refused) = app
        .post(
            "/events",
            json!({"title": "X", "kind": "course", "series": "ukjent",
                "completion": {"min_sessions": 5}, "sessions": sessions.clone()}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        refused["error"]["fields"]["series"].is_string(),
        "{refused}"
    );
    assert!(
        refused["error"]["fields"]["completion.min_sessions"].is_string(),
        "{refused}"
    );
    let event = programme(
        &app,
        "Lindrende læringsnettverk",
        sessions,
        json!({"series": "lindrende", "kind": "course"}),
    )
    .await;
    let id = event["id"].as_str().unwrap();
    assert_eq!(event["series"], "lindrende");
    assert_eq!(event["completion"]["min_sessions"], Value::Null);
    let optional: Vec<bool> = event["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["optional"].as_bool().unwrap())
        .collect();
    assert_eq!(optional, [false, true, false, false]);
    let public = page_text(&app, &format!("/events/{}", event["id"].as_str().unwrap())).await;
    assert_eq!(
        public
            .matches(r#"<span class="tag">valgfri</span>"#)
            .count(),
        1,
        "{public}"
    );
    let people = crowd(&app, id, "Deltaker", 4).await;
    let s = event["sessions"].as_array().unwrap();
    app.advance(Duration::days(7 + 30 * 3 + 1));
    // 0: all four; 1: not the optional one; 2: not the last (mandatory) one; 3: none.
    mark(&app, id, &s[0], &[&people[0], &people[1], &people[2]], true).await;
    mark(&app, id, &s[1], &[&people[0], &people[2]], true).await;
    mark(&app, id, &s[1], &[&people[1]], false).await;
    mark(&app, id, &s[2], &[&people[0], &people[1], &people[2]], true).await;
    mark(&app, id, &s[3], &[&people[0], &people[1]], true).await;
    mark(&app, id, &s[3], &[&people[2], &people[3]], false).await;

    let completed = |c: &Value| -> Vec<bool> {
        let rows = c["registrations"].as_array().unwrap();
        people
            .iter()
            .map(|p| {
                rows.iter()
                    .find(|r| r["registration_id"] == p.as_str())
                    .unwrap()["completed"]
                    .as_bool()
                    .unwrap()
            })
            .collect()
    };
    let (status, c) = app.get(&format!("/events/{id}/completions")).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(completed(&c), [true, true, false, false], "{c}");
    // The desk's attendance page says who has completed, and marks the optional session.
    let desk = sign_in(&app, &desk_email).await;
    let sheet = desk.get(&format!("/admin/events/{id}/attendance")).await;
    let html = sheet.text().await.unwrap();
    assert!(html.contains("2 av 4 har fullført så langt"), "{html}");
    assert!(
        html.contains("(valgfri)") && html.contains("3 av 4"),
        "{html}"
    );
    assert_eq!(
        (c["completed"].as_u64(), c["optional_sessions"].as_u64()),
        (Some(2), Some(1))
    );
    let of_third = c["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["registration_id"] == people[2].as_str())
        .unwrap();
    assert_eq!(of_third["sessions_attended"].as_array().unwrap().len(), 3);

    // Three sessions of any kind will do: the third now counts, the optional one with it.
    let (status, changed) = app
        .patch(
            &format!("/events/{id}"),
            json!({"completion": {"min_sessions": 3}}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["completion"]["min_sessions"], 3);
    let (_, c) = app.get(&format!("/events/{id}/completions")).await;
    assert_eq!(completed(&c), [true, true, true, false], "{c}");
    let (status, _) = app
        .patch(
            &format!("/events/{id}"),
            json!({"completion": {"min_sessions": 0}}),
        )
        .await;
    assert_eq!(status, 400);
    // Back to the default rule.
    let (_, changed) = app
        .patch(&format!("/events/{id}"), json!({"completion": null}))
        .await;
    assert_eq!(changed["completion"]["min_sessions"], Value::Null);

    // Another organisation sees neither the list nor the series.
    let other = app.organiser_token("annen").await;
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            &format!("/events/{id}/completions"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, theirs) = app
        .call(reqwest::Method::GET, "/series", Some(&other), None)
        .await;
    assert_eq!(theirs, json!([]));
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/stats/events?series=lindrende",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

/// Sorgskolen (DOMAIN.md): four physical and four digital gatherings from September 2025 to
/// September 2026, 170 signed up; the 2025 report counts 2 of 8 gatherings held.
async fn sorgskolen_counts_its_sessions_in_each_year(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.clock.set(at(2025, 6, 1));
    series(&app, "sorgskolen", "Sorgskolen").await;
    let dates = [
        at(2025, 9, 18),
        at(2025, 11, 20),
        at(2026, 1, 22),
        at(2026, 3, 19),
        at(2026, 4, 23),
        at(2026, 5, 21),
        at(2026, 6, 11),
        at(2026, 9, 17),
    ];
    let event = programme(
        &app,
        "Sorgskolen",
        dates.iter().map(|d| session(*d)).collect(),
        json!({"series": "sorgskolen", "kind": "course"}),
    )
    .await;
    let id = event["id"].as_str().unwrap();
    crowd(&app, id, "Sorg", 170).await;
    // A draft and a cancelled event of the same year count as nothing and as cancelled.
    programme(
        &app,
        "Utkast",
        vec![session(at(2025, 10, 1))],
        json!({"status": "draft"}),
    )
    .await;
    let cancelled = programme(&app, "Avlyst", vec![session(at(2025, 10, 2))], json!({})).await;
    let (status, _) = app
        .post(
            &format!("/events/{}/cancel", cancelled["id"].as_str().unwrap()),
            json!({"reason": "For få påmeldte"}),
        )
        .await;
    assert_eq!(status, 200);

    app.clock.set(at(2026, 2, 1));
    let (status, y2025) = app.get("/stats/events?year=2025").await;
    assert_eq!(status, 200, "{y2025}");
    let row = |t: &Value| {
        t["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap()
    };
    let r = row(&y2025);
    assert_eq!(
        (
            r["registered"].as_u64(),
            r["sessions_total"].as_u64(),
            r["sessions_in_period"].as_u64(),
            r["sessions_held_in_period"].as_u64(),
            r["status"].as_str(),
            r["series"].as_str(),
        ),
        (
            Some(170),
            Some(8),
            Some(2),
            Some(2),
            Some("held"),
            Some("sorgskolen")
        ),
        "{r}"
    );
    assert_eq!(y2025["totals"]["events_held"], 1, "{y2025}");
    assert_eq!(y2025["totals"]["events_cancelled"], 1);
    assert_eq!(y2025["totals"]["sessions_held"], 2);
    assert_eq!(
        y2025["events"].as_array().unwrap().len(),
        2,
        "the draft is left out"
    );
    let course = y2025["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "course")
        .cloned()
        .unwrap();
    assert_eq!(course["events_held"], 1);

    // 2026 so far: one of its six gatherings held, five planned.
    let (_, y2026) = app.get("/stats/events?year=2026&series=sorgskolen").await;
    let r = row(&y2026);
    assert_eq!(
        (
            r["sessions_in_period"].as_u64(),
            r["sessions_held_in_period"].as_u64()
        ),
        (Some(6), Some(1)),
        "{r}"
    );
    assert_eq!(y2026["totals"]["sessions_planned"], 5);
    assert_eq!(
        r["participants"], 170,
        "2026 has held one of its gatherings"
    );
    app.clock.set(at(2025, 12, 1));
    let (_, planned) = app.get("/stats/events?year=2026&series=sorgskolen").await;
    let r = row(&planned);
    assert_eq!(
        (r["status"].as_str(), r["participants"].as_u64()),
        (Some("planned"), Some(0))
    );
    app.clock.set(at(2026, 2, 1));
    assert_eq!(y2026["by_series"][0]["series"], "sorgskolen");
    assert_eq!(
        y2026["events"].as_array().unwrap().len(),
        1,
        "only the series"
    );

    // The spreadsheet says the same.
    let res = app
        .client
        .get(app.url("/stats/events?year=2025&format=csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let line = csv.lines().find(|l| l.starts_with("\"Sorgskolen\";"));
    let line = line.unwrap_or_else(|| panic!("{csv}"));
    assert!(
        line.contains(r#";"gjennomført";"2";"2";"8";"170";"#),
        "{line}"
    );
    let (status, bad) = app.get("/stats/events?year=2025&format=svg").await;
    assert_eq!(status, 400, "{bad}");
}

/// "I 2025 har nettverket gjennomført to nettverkssamlinger": per network and kind, with
/// the webinars (faglunsjer) of another network beside them.
async fn gatherings_held_per_network_in_a_year(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.clock.set(at(2025, 1, 2));
    for (slug, name) in [("demens", "Demensnettverket"), ("fag", "Faglunsj")] {
        let (status, body) = app
            .post("/networks", json!({"slug": slug, "name": name}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for date in [at(2025, 3, 4), at(2025, 10, 14), at(2026, 3, 3)] {
        programme(
            &app,
            "Nettverkssamling",
            vec![session(date)],
            json!({"network": "demens"}),
        )
        .await;
    }
    for month in [2, 4, 6, 9, 11] {
        programme(
            &app,
            "Faglunsj",
            vec![session(at(2025, month, 12))],
            json!({"network": "fag", "kind": "webinar"}),
        )
        .await;
    }
    programme(
        &app,
        "Kurs",
        vec![session(at(2025, 5, 6))],
        json!({"kind": "course"}),
    )
    .await;
    app.clock.set(at(2025, 12, 31));
    let (status, t) = app.get("/stats/events?year=2025").await;
    assert_eq!(status, 200, "{t}");
    let network = |slug: &str| {
        t["by_network"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["network"] == slug)
            .cloned()
            .unwrap()
    };
    let demens = network("demens");
    assert_eq!(demens["name"], "Demensnettverket");
    assert_eq!(demens["events_held"], 2, "{demens}");
    let gatherings = demens["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "gathering")
        .cloned()
        .unwrap();
    assert_eq!(gatherings["events_held"], 2);
    assert_eq!(network("fag")["events_held"], 5);
    assert_eq!(t["totals"]["events_held"], 8);
    let last = t["by_network"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last["network"].clone(), last["events_held"].as_u64()),
        (Value::Null, Some(1))
    );
    let (_, only) = app
        .get("/stats/events?year=2025&network=demens&kind=gathering")
        .await;
    assert_eq!(only["totals"]["events_held"], 2, "{only}");

    // The desk says it in the report's words, beside the participation table.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let page = desk.get("/admin/stats?year=2025").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for words in [
        "2 samlinger i Demensnettverket",
        "5 webinarer i Faglunsj",
        "1 kurs utenfor nettverkene",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    let csv = desk.get("/admin/stats/events.csv?year=2025").await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.text().await.unwrap().lines().count(), 1 + 8 + 1);
}
