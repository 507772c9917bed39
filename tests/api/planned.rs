//! Planned events of the year plan: sessions with only a month ("dato ikke avklart") are
//! shown in their month, take no sign-ups and stay out of the feeds until every session
//! has its date; dating them later works like any change.
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{browser, organiser, page_text, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    a_planned_event_waits_for_its_date,
    a_planned_event_from_the_desk_form,
);

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn dated(start: DateTime<Utc>) -> Value {
    json!({"starts_at": start.to_rfc3339(),
        "ends_at": (start + chrono::Duration::hours(5)).to_rfc3339(), "location": "Tønsberg"})
}

fn page_url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

async fn feed(app: &TestApp, path: &str) -> String {
    let res = browser().get(page_url(app, path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The text of the year plan's month section `id` (`m03`) on the page `html`.
fn month_section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<h2 id=\"{id}\">"))
        .or_else(|| html.find(&format!("<h3 id=\"{id}\">")))
        .unwrap_or_else(|| panic!("month {id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

async fn a_planned_event_waits_for_its_date(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.clock.set(at(2027, 1, 2, 9));
    let (status, _) = app
        .post(
            "/networks",
            json!({"slug": "demens", "name": "Demensnettverket"}),
        )
        .await;
    assert_eq!(status, 201);

    // Bad months are refused field by field, and a month goes with no times.
    for (session, problem) in [
        (json!({"month": "2027-13"}), "YYYY-MM"),
        (json!({"month": "mars"}), "YYYY-MM"),
        (
            json!({"month": "2027-03", "starts_at": "2027-03-10T09:00:00+01:00",
                "ends_at": "2027-03-10T15:00:00+01:00"}),
            "either month",
        ),
    ] {
        let (status, body) = app
            .post(
                "/events",
                json!({"title": "Feil", "kind": "gathering", "sessions": [session]}),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"]["fields"]["sessions[0].month"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .contains(problem),
            "{body}"
        );
    }

    let (status, event) = app
        .post(
            "/events",
            json!({"title": "Nettverkssamling om demens", "kind": "gathering", "network": "demens",
                "status": "published",
                "sessions": [dated(at(2027, 1, 20, 8)), {"month": "2027-03", "location": "Larvik"}]}),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_str().unwrap().to_string();
    assert_eq!(event["planned"], true);
    assert_eq!(event["sessions"][1]["month"], "2027-03");
    assert!(event["sessions"][1]["starts_at"].is_null());
    assert!(event["sessions"][0]["month"].is_null());
    assert_eq!(event["registration_open"], false);

    // No sign-up, by the API or the page, which says why and offers no form.
    let (status, body) = app.sign_up(&id, "Åse Øvrebø", "ase@example.no").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_dated");
    let html = page_text(&app, &format!("/events/{id}")).await;
    assert!(html.contains("mars 2027, dato ikke avklart"), "{html}");
    assert!(html.contains("<time datetime=\"2027-03\">"));
    assert!(!html.contains("name=\"email\""));
    assert!(html.contains("påmeldingen åpner når datoen er satt"));
    let res = browser()
        .post(page_url(&app, &format!("/events/{id}")))
        .form(&[("name", "Åse Øvrebø"), ("email", "ase@example.no")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Datoen er ikke avklart ennå"));
    // Listed in its month on the front page, worded as planned.
    let home = page_text(&app, "/?month=2027-01").await;
    assert!(home.contains("Nettverkssamling om demens"));
    assert!(home.contains("ikke alle datoer er avklart"), "{home}");

    // Out of the network's and the organisation's feeds.
    for path in [
        "/feeds/networks/demens.ics",
        "/feeds/organisations/centre.ics",
    ] {
        assert!(
            !feed(&app, path).await.contains("Nettverkssamling"),
            "{path}"
        );
    }

    // The year plan: January coming, March without a date, on /arshjul, /year-plan and the
    // network's page.
    let plan = page_text(&app, "/arshjul?year=2027").await;
    let january = month_section(&plan, "m01");
    assert!(january.contains("Nettverkssamling om demens") && january.contains("del 1 av 2"));
    assert!(january.contains("Kommer"), "{january}");
    let march = month_section(&plan, "m03");
    assert!(march.contains("del 2 av 2") && march.contains("Dato ikke avklart"));
    assert!(month_section(&plan, "m02").contains("Ingenting denne måneden"));
    let english = page_text(&app, "/year-plan?year=2027&lang=en").await;
    assert!(month_section(&english, "m03").contains("Date not settled"));
    let network = page_text(&app, "/networks/demens").await;
    assert!(month_section(&network, "m03").contains("Dato ikke avklart"));
    let decoded = network.replace("&#x3D;", "=").replace("&amp;", "&");
    assert!(decoded.contains("href=\"/arshjul?year=2027&network=demens\""));
    let other_year = page_text(&app, "/arshjul?year=2026&network=demens").await;
    assert!(!other_year.contains("Nettverkssamling"));
    for bad in ["/arshjul?year=tjue", "/arshjul?year=99999"] {
        let res = browser().get(page_url(&app, bad)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = browser()
        .get(page_url(&app, "/arshjul?network=ukjent"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Events held in 2027: planned, with one session in January and one planned in March,
    // none held, even after March has begun.
    app.clock.set(at(2027, 3, 15, 9));
    let (status, held) = app.get("/stats/events?year=2027").await;
    assert_eq!(status, 200, "{held}");
    let totals = &held["totals"];
    assert_eq!(
        (
            totals["events_held"].as_u64(),
            totals["events_planned"].as_u64(),
            totals["sessions_held"].as_u64(),
            totals["sessions_planned"].as_u64()
        ),
        (Some(1), Some(0), Some(1), Some(1)),
        "{held}"
    );
    app.clock.set(at(2027, 1, 2, 9));

    // Dating it later is a change like any other: the session keeps its id, sign-ups open,
    // the feeds show it.
    let march_id = event["sessions"][1]["id"].clone();
    let mut march_session = dated(at(2027, 3, 11, 8));
    march_session["id"] = march_id.clone();
    let mut first = dated(at(2027, 1, 20, 8));
    first["id"] = event["sessions"][0]["id"].clone();
    let (status, changed) = app
        .patch(
            &format!("/events/{id}"),
            json!({"sessions": [first.clone(), march_session]}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["planned"], false);
    assert_eq!(changed["sessions"][1]["id"], march_id);
    assert!(changed["sessions"][1]["month"].is_null());
    let (status, signed) = app.sign_up(&id, "Åse Øvrebø", "ase@example.no").await;
    assert_eq!(status, 201, "{signed}");
    assert!(feed(&app, "/feeds/networks/demens.ics")
        .await
        .contains("Nettverkssamling om demens"));
    let plan = page_text(&app, "/arshjul?year=2027").await;
    let march = month_section(&plan, "m03");
    assert!(march.contains("torsdag 11. mars 2027") && march.contains("Kommer"));

    // With someone signed up, a session cannot lose its date again.
    let (status, body) = app
        .patch(
            &format!("/events/{id}"),
            json!({"sessions": [first, {"id": march_id, "month": "2027-04"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["fields"]["sessions"]
        .as_str()
        .unwrap()
        .contains("signed up"));
}

async fn a_planned_event_from_the_desk_form(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.clock.set(at(2027, 1, 2, 9));
    let email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &email).await;
    let form = [
        ("title", "Faglunsj om ernæring"),
        ("kind", "webinar"),
        ("session_id", ""),
        ("session_date", ""),
        ("session_start", ""),
        ("session_end", ""),
        ("session_month", "2027-05"),
        ("session_location", ""),
        ("session_online_url", ""),
        ("action", "publish"),
    ];
    let res = desk.post("/admin/events/new", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let id = location
        .trim_start_matches("/admin/events/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let public = app.public_event(&id).await;
    assert_eq!(public["planned"], true);
    assert_eq!(public["sessions"][0]["month"], "2027-05");
    let overview = desk.get(&location).await.text().await.unwrap();
    assert!(
        overview.contains("mai 2027, dato ikke avklart"),
        "{overview}"
    );
    // The edit form shows the month and no date; a bad month is reported on its field.
    let edit = desk
        .get(&format!("/admin/events/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("value=\"2027-05\""));
    let mut bad = form.to_vec();
    bad.retain(|(k, _)| *k != "session_month");
    bad.push(("session_month", "mai"));
    let res = desk.post("/admin/events/new", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#session-0-month\""), "{html}");
    assert!(html.contains("skriv måneden som ÅÅÅÅ-MM"), "{html}");
}
