//! Participation statistics: the centres' own annual-report tables (DOMAIN.md) come out of
//! sign-ups and attendance made through the public API.
use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use futures::StreamExt;
use serde_json::{json, Value};

use crate::desk::download;
use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    vestfold_course_table,
    akershus_year_table,
    a_changing_reference_list,
    network_sizes,
    people_beside_participations
);

/// Imports a reference list through the API.
pub async fn import_reference(app: &TestApp, csv: &str) -> Value {
    let res = app
        .client
        .post(app.url("/municipalities/import"))
        .bearer_auth(&app.token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

/// Moves an event's sessions (ids kept) so that it took place `days_ago` days before now.
pub async fn move_into_past(app: &TestApp, event: &Value, first_start: chrono::DateTime<Utc>) {
    let id = event["id"].as_str().unwrap();
    let sessions: Vec<Value> = event["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let start = first_start + chrono::Duration::days(7 * i as i64);
            json!({"id": s["id"], "starts_at": start.to_rfc3339(),
                   "ends_at": (start + chrono::Duration::hours(4)).to_rfc3339()})
        })
        .collect();
    let (status, body) = app
        .patch(&format!("/events/{id}"), json!({"sessions": sessions}))
        .await;
    assert_eq!(status, 200, "{body}");
}

pub async fn create_event(app: &TestApp, title: &str, kind: &str, sessions: usize) -> Value {
    let start = Utc::now() + chrono::Duration::days(10);
    let sessions: Vec<Value> = (0..sessions)
        .map(|i| {
            let s = start + chrono::Duration::days(7 * i as i64);
            json!({"starts_at": s.to_rfc3339(), "ends_at": (s + chrono::Duration::hours(4)).to_rfc3339()})
        })
        .collect();
    let (status, event) = app
        .post(
            "/events",
            json!({"title": title, "kind": kind, "status": "published", "capacity": null, "sessions": sessions}),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    event
}

/// Signs up many (name, municipality) at once; returns registration ids in input order.
pub async fn sign_up_many(
    app: &TestApp,
    event: &str,
    people: Vec<(String, Option<String>)>,
) -> Vec<String> {
    let answers: Vec<(usize, String)> = futures::stream::iter(people.into_iter().enumerate())
        .map(|(i, (email, municipality))| async move {
            let mut body = json!({"name": format!("Deltaker {i}"), "email": email});
            if let Some(m) = municipality {
                body["municipality"] = json!(m);
            }
            let (status, answer) = app.sign_up_with(event, body).await;
            assert_eq!(status, 201, "{answer}");
            (i, answer["id"].as_str().unwrap().to_string())
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut answers = answers;
    answers.sort();
    answers.into_iter().map(|(_, id)| id).collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn row<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row for {name}: {stats}"))
}

const VESTFOLD: [(&str, i64); 6] = [
    ("Færder", 27569),
    ("Holmestrand", 27005),
    ("Horten", 28039),
    ("Larvik", 49012),
    ("Sandefjord", 66758),
    ("Tønsberg", 59830),
];

/// "Psychiatric disorders in old age" 2025: Færder 12, Holmestrand 18, Horten 8, Larvik 0,
/// Sandefjord 27, Tønsberg 0 — 65 from 4 municipalities. Attendance is recorded, so
/// no-shows (two from Larvik, one from Tønsberg, one from Sandefjord) are registered but
/// not participants; a cancelled registration counts nowhere.
async fn vestfold_course_table(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let mut reference = String::from("Kommune;Innbyggere;Region\n");
    for (name, population) in VESTFOLD {
        reference.push_str(&format!("{name};{population};\n"));
    }
    let report = import_reference(&app, &reference).await;
    assert_eq!(report["added"], 6);
    let (_, listed) = app.get("/municipalities").await;
    assert_eq!(listed.as_array().unwrap().len(), 6);

    let course = create_event(&app, "Psykiske lidelser hos eldre", "course", 3).await;
    let id = course["id"].as_str().unwrap().to_string();
    let session_ids: Vec<String> = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    // Spelled as people type them.
    let came = [
        ("færder", 12),
        ("HOLMESTRAND", 18),
        ("Horten", 8),
        ("Sandefjord", 27),
    ];
    let mut people = Vec::new();
    for (municipality, n) in came {
        for i in 0..n {
            people.push((
                format!("{municipality}{i}@example.no"),
                Some(municipality.to_string()),
            ));
        }
    }
    let no_shows = [("Larvik", 2), ("Tønsberg", 1), ("Sandefjord", 1)];
    for (municipality, n) in no_shows {
        for i in 0..n {
            people.push((
                format!("noshow-{municipality}{i}@example.no"),
                Some(municipality.to_string()),
            ));
        }
    }
    let ids = sign_up_many(&app, &id, people).await;
    let (attendees, no_show_ids) = ids.split_at(65);
    // One from Horten signs up and cancels again.
    let (_, regretted) = app
        .sign_up_with(
            &id,
            json!({"name": "Angrer", "email": "angrer@example.no", "municipality": "Horten"}),
        )
        .await;
    assert_eq!(app.cancel(&regretted).await.0, 200);

    move_into_past(&app, &course, Utc::now() - chrono::Duration::days(40)).await;
    // Most came to the first session, the last ten only to the second: both count once.
    let (first, later) = attendees.split_at(55);
    let (status, body) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": first, "attended": true, "session": session_ids[0]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.post(
        &format!("/events/{id}/attendance"),
        json!({"registrations": later, "attended": false, "session": session_ids[0]}),
    )
    .await;
    app.post(
        &format!("/events/{id}/attendance"),
        json!({"registrations": later, "attended": true, "session": session_ids[1]}),
    )
    .await;
    let (_, summary) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": no_show_ids, "attended": false}),
        )
        .await;
    assert_eq!(summary["total"]["attended"], 65, "{summary}");
    assert_eq!(summary["total"]["no_shows"], 4, "{summary}");
    assert_eq!(summary["sessions"][0]["attended"], 55);
    assert_eq!(summary["sessions"][1]["attended"], 10);

    // Another event of the same period without recorded attendance: registered = participants.
    let webinar = create_event(&app, "Faglunsj", "webinar", 1).await;
    let wid = webinar["id"].as_str().unwrap().to_string();
    sign_up_many(
        &app,
        &wid,
        vec![
            ("w1@example.no".into(), Some("Larvik".into())),
            ("w2@example.no".into(), Some("Oslo".into())),
        ],
    )
    .await;
    move_into_past(&app, &webinar, Utc::now() - chrono::Duration::days(20)).await;

    let (status, stats) = app.get(&format!("/stats/participation?event={id}")).await;
    assert_eq!(status, 200, "{stats}");
    let names: Vec<&str> = stats["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Færder",
            "Holmestrand",
            "Horten",
            "Larvik",
            "Sandefjord",
            "Tønsberg"
        ],
        "every municipality, zeros too, in Norwegian order"
    );
    let expected = [
        ("Færder", 12),
        ("Holmestrand", 18),
        ("Horten", 8),
        ("Larvik", 0),
        ("Sandefjord", 27),
        ("Tønsberg", 0),
    ];
    for ((name, participants), (_, population)) in expected.iter().zip(VESTFOLD) {
        let r = row(&stats, name);
        assert_eq!(r["participants"], *participants, "{name}: {r}");
        assert_eq!(r["attended"], *participants, "{name}: {r}");
        assert_eq!(r["population"], population);
        assert_eq!(
            r["per_1000_inhabitants"].as_f64().unwrap(),
            round2(*participants as f64 * 1000.0 / population as f64),
            "{name}"
        );
    }
    assert_eq!(row(&stats, "Larvik")["registered"], 2);
    assert_eq!(row(&stats, "Sandefjord")["registered"], 28);
    assert_eq!(
        row(&stats, "Horten")["registered"],
        8,
        "the cancelled one is not counted"
    );
    assert_eq!(stats["others"]["participants"], 0);
    assert_eq!(stats["totals"]["participants"], 65);
    assert_eq!(stats["totals"]["registered"], 69);
    assert_eq!(stats["totals"]["municipalities_with_participants"], 4);
    assert_eq!(stats["events"].as_array().unwrap().len(), 1);
    assert_eq!(stats["events"][0]["municipalities"], 4);
    assert_eq!(stats["events"][0]["participants"], 65);
    assert_eq!(stats["events"][0]["attendance_recorded"], true);
    assert_eq!(row(&stats, "Færder")["per_1000_inhabitants"], 0.44);

    // Both events: the webinar counts its registrations (no attendance recorded).
    let (_, both) = app.get("/stats/participation").await;
    assert_eq!(both["totals"]["events"], 2);
    assert_eq!(row(&both, "Larvik")["participants"], 1);
    assert_eq!(both["others"]["participants"], 1);
    assert_eq!(both["totals"]["participants"], 67);
    let (_, courses) = app.get("/stats/participation?kind=course").await;
    assert_eq!(courses["totals"]["participants"], 65);

    // The same table as CSV (decimal commas for Norwegian Excel), XLSX and SVG.
    let (status, headers, bytes) =
        download(&app, &format!("/stats/participation?event={id}&format=csv")).await;
    assert_eq!(status, 200);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Deltakelse"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0][0], "Færder");
    assert_eq!(rows[0][5], "12");
    assert_eq!(rows[0][6], "0,44");
    assert_eq!(rows[6][0], "Andre");
    assert_eq!(rows[7][0], "Totalt");
    assert_eq!(rows[7][5], "65");
    let (_, _, bytes) = download(&app, &format!("/stats/participation.xlsx?event={id}")).await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Kommuner").unwrap();
    let cells: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(cells[1][0], Data::String("Færder".into()));
    assert_eq!(cells[1][5], Data::Float(12.0));
    assert_eq!(cells[5][5], Data::Float(27.0));
    assert!(book.worksheet_range("Arrangementer").is_ok());
    let (status, headers, bytes) =
        download(&app, &format!("/stats/participation.svg?event={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/svg+xml");
    let svg = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let bars: Vec<(String, f64)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bar"))
        .map(|g| {
            let width = g
                .children()
                .find(|c| c.has_tag_name("rect"))
                .unwrap()
                .attribute("width")
                .unwrap()
                .parse()
                .unwrap();
            (g.attribute("data-name").unwrap().to_string(), width)
        })
        .collect();
    assert_eq!(bars.len(), 6, "a bar per municipality");
    assert_eq!(bars[0].0, "Holmestrand", "highest rate first: {bars:?}");
    let holmestrand = 18.0 / 27005.0;
    let horten = 8.0 / 28039.0;
    let horten_bar = bars.iter().find(|b| b.0 == "Horten").unwrap().1;
    assert!(
        (horten_bar / bars[0].1 - horten / holmestrand).abs() < 0.02,
        "bars proportional: {bars:?}"
    );
    assert_eq!(bars.iter().find(|b| b.0 == "Larvik").unwrap().1, 0.0);

    // Bad filters are named.
    let (status, body) = app
        .get("/stats/participation?from=2025-13-01&format=pdf")
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["fields"]["from"].is_string()
            && body["error"]["fields"]["format"].is_string(),
        "{body}"
    );
}

/// Akershus 2023: twenty municipalities plus 310 from elsewhere, over a year of events, no
/// attendance recorded (so every confirmed registration counts). Populations are the
/// test's own (approximate), since DOMAIN.md has none for Akershus.
async fn akershus_year_table(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let table: [(&str, u64, i64, &str); 20] = [
        ("Asker", 135, 97000, "Asker og Bærum"),
        ("Aurskog-Høland", 73, 17800, "Romerike"),
        ("Bærum", 185, 129000, "Asker og Bærum"),
        ("Eidsvoll", 52, 26500, "Romerike"),
        ("Enebakk", 26, 11200, "Follo"),
        ("Frogn", 26, 16200, "Follo"),
        ("Gjerdrum", 44, 7200, "Romerike"),
        ("Hurdal", 44, 2900, "Romerike"),
        ("Lillestrøm", 247, 89000, "Romerike"),
        ("Lunner", 3, 9200, "Hadeland"),
        ("Lørenskog", 156, 48000, "Romerike"),
        ("Nannestad", 39, 15000, "Romerike"),
        ("Nes", 82, 24000, "Romerike"),
        ("Nesodden", 69, 20000, "Follo"),
        ("Nittedal", 82, 25000, "Romerike"),
        ("Nordre Follo", 158, 61000, "Follo"),
        ("Rælingen", 60, 18500, "Romerike"),
        ("Ullensaker", 218, 41000, "Romerike"),
        ("Vestby", 3, 19000, "Follo"),
        ("Ås", 70, 21000, "Follo"),
    ];
    // In file order unlike the table; with a region column.
    let mut reference = String::from("navn;innbyggere;region\r\n");
    for (name, _, population, region) in table.iter().rev() {
        reference.push_str(&format!("{name};{population};{region}\r\n"));
    }
    import_reference(&app, &reference).await;

    // Four events in 2023, one in 2024 that must not count.
    let events: Vec<Value> = futures::future::join_all(
        [
            ("Samling 1", "gathering"),
            ("Webinar om legemidler", "webinar"),
            ("Fagdag", "conference"),
            ("Kurs", "course"),
        ]
        .map(|(title, kind)| create_event(&app, title, kind, 1)),
    )
    .await;
    let later = create_event(&app, "Samling 2024", "gathering", 1).await;

    // Everyone of the table, spread over the events; spellings vary.
    let variants: HashMap<&str, &str> = [
        ("Bærum", "baerum"),
        ("Lillestrøm", "LILLESTRØM"),
        ("Ås", "aas"),
        ("Lørenskog", "Lorenskog"),
    ]
    .into();
    let mut per_event: Vec<Vec<(String, Option<String>)>> = vec![Vec::new(); 4];
    let mut places: Vec<std::collections::HashSet<&str>> = vec![Default::default(); 4];
    let mut k = 0usize;
    for (name, count, _, _) in table {
        for i in 0..count {
            let spelled = if i % 2 == 0 {
                variants.get(name).copied().unwrap_or(name)
            } else {
                name
            };
            per_event[k % 4].push((format!("p{k}@example.no"), Some(spelled.to_string())));
            places[k % 4].insert(name);
            k += 1;
        }
    }
    let others = ["Oslo", "Drammen", "Hamar", "Gran"];
    for i in 0..310 {
        let municipality = if i % 10 == 9 {
            None
        } else {
            Some(others[i % 4].to_string())
        };
        per_event[k % 4].push((format!("p{k}@example.no"), municipality));
        k += 1;
    }
    let expected_per_event: Vec<(usize, usize)> = per_event
        .iter()
        .map(|people| {
            let from_list = people
                .iter()
                .filter(|(_, m)| m.as_deref().is_some_and(|m| !others.contains(&m)))
                .count();
            (from_list, people.len() - from_list)
        })
        .collect();
    for (event, people) in events.iter().zip(per_event) {
        sign_up_many(&app, event["id"].as_str().unwrap(), people).await;
    }
    sign_up_many(
        &app,
        later["id"].as_str().unwrap(),
        vec![("x@example.no".into(), Some("Asker".into()))],
    )
    .await;
    for (i, event) in events.iter().enumerate() {
        let start = Utc
            .with_ymd_and_hms(2023, 3 + 2 * i as u32, 14, 8, 0, 0)
            .unwrap();
        move_into_past(&app, event, start).await;
    }
    move_into_past(
        &app,
        &later,
        Utc.with_ymd_and_hms(2024, 1, 10, 8, 0, 0).unwrap(),
    )
    .await;

    let (status, stats) = app.get("/stats/participation?year=2023").await;
    assert_eq!(status, 200, "{stats}");
    let names: Vec<&str> = stats["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let expected_names: Vec<&str> = table.iter().map(|t| t.0).collect();
    assert_eq!(names, expected_names, "the report's order");
    for (name, count, population, _) in table {
        let r = row(&stats, name);
        assert_eq!(r["participants"], count, "{name}: {r}");
        assert_eq!(r["registered"], count, "{name}: {r}");
        assert_eq!(
            r["per_1000_inhabitants"].as_f64().unwrap(),
            round2(count as f64 * 1000.0 / population as f64),
            "{name}"
        );
    }
    assert_eq!(stats["others"]["participants"], 310);
    assert_eq!(stats["totals"]["participants"], 2082);
    assert_eq!(stats["totals"]["participants_from_municipalities"], 1772);
    assert_eq!(stats["totals"]["municipalities_with_participants"], 20);
    assert_eq!(stats["totals"]["events"], 4);
    // "Gjerdrum, Ullensaker and Hurdal have the most participants relative to population."
    let mut ranked: Vec<(&str, f64)> = stats["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["per_1000_inhabitants"].as_f64().unwrap(),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut top: Vec<&str> = ranked[..3].iter().map(|r| r.0).collect();
    top.sort();
    assert_eq!(top, ["Gjerdrum", "Hurdal", "Ullensaker"]);
    // Regions.
    let romerike: u64 = table
        .iter()
        .filter(|t| t.3 == "Romerike")
        .map(|t| t.1)
        .sum();
    let region = stats["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "Romerike")
        .unwrap();
    assert_eq!(region["participants"], romerike);
    assert_eq!(region["municipalities"], 11);
    assert_eq!(stats["regions"].as_array().unwrap().len(), 4);
    // Per event: municipalities / others, as "100/41 (141 in total)".
    for (i, (from_list, from_elsewhere)) in expected_per_event.iter().enumerate() {
        let e = &stats["events"][i];
        assert_eq!(
            e["participants_from_municipalities"], *from_list as u64,
            "{e}"
        );
        assert_eq!(e["participants_others"], *from_elsewhere as u64, "{e}");
        assert_eq!(
            e["participants"],
            (from_list + from_elsewhere) as u64,
            "{e}"
        );
        assert_eq!(e["municipalities"], places[i].len() as u64, "{e}");
    }
    // The 2024 event is outside the year.
    let (_, next_year) = app.get("/stats/participation?year=2024").await;
    assert_eq!(next_year["totals"]["participants"], 1);
    assert_eq!(row(&next_year, "Asker")["participants"], 1);
    assert_eq!(row(&next_year, "Bærum")["participants"], 0);
    // Same counts by explicit period.
    let (_, period) = app
        .get("/stats/participation?from=2023-01-01&to=2023-12-31")
        .await;
    assert_eq!(period["totals"]["participants"], 2082);
}

/// The reference list as it changes: Sør-Rogaland's "Egersund" is Eigersund (an alias),
/// Lunner and Jevnaker join Akershus's list from 2024 (before, their participants are
/// others), and the others row says how many distinct places were typed outside the list
/// ("Webinar 2: 12/39" — here 2 places). The certificate register counts on the same list.
async fn a_changing_reference_list(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let report = import_reference(
        &app,
        "Kommune;Innbyggere;Region;Andre navn;Fra;Til\n\
         Eigersund;14 811;Dalane;Egersund\n\
         Asker;97 000;Asker og Bærum\n\
         Lunner;9 200;Hadeland;;01.01.2024\n\
         Jevnaker;6 900;Hadeland;;2024-01-01\n",
    )
    .await;
    assert_eq!(report["added"], 4, "{report}");
    let (_, listed) = app.get("/municipalities").await;
    let lunner = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Lunner")
        .unwrap();
    assert_eq!(lunner["valid_from"], "2024-01-01");
    let eigersund = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Eigersund")
        .unwrap();
    assert_eq!(eigersund["aliases"], json!(["Egersund"]));

    let places = |list: &[&str]| -> Vec<(String, Option<String>)> {
        list.iter()
            .enumerate()
            .map(|(i, m)| (format!("p{i}-{m}@example.no"), Some(m.to_string())))
            .collect()
    };
    let typed = [
        "Egersund",
        "egersund",
        "Eigersund",
        "Lunner",
        "Jevnaker",
        "Hamar",
        "hamar",
        "Oslo",
        "Asker",
    ];
    let mut events = Vec::new();
    for (year, title) in [(2023, "Webinar 2023"), (2024, "Webinar 2024")] {
        let event = create_event(&app, title, "webinar", 1).await;
        let id = event["id"].as_str().unwrap().to_string();
        sign_up_many(&app, &id, places(&typed)).await;
        move_into_past(
            &app,
            &event,
            Utc.with_ymd_and_hms(year, 3, 1, 9, 0, 0).unwrap(),
        )
        .await;
        events.push(id);
    }

    let (status, y2023) = app.get("/stats/participation?year=2023").await;
    assert_eq!(status, 200, "{y2023}");
    let names: Vec<&str> = y2023["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Asker", "Eigersund"],
        "Lunner and Jevnaker join in 2024"
    );
    assert_eq!(row(&y2023, "Eigersund")["participants"], 3);
    assert_eq!(y2023["others"]["participants"], 5);
    // Lunner, Jevnaker, Hamar (twice) and Oslo: four places.
    assert_eq!(y2023["others"]["origins"], 4);
    assert_eq!(y2023["events"][0]["origins"], 4);

    let (_, y2024) = app.get("/stats/participation?year=2024").await;
    assert_eq!(y2024["municipalities"].as_array().unwrap().len(), 4);
    assert_eq!(row(&y2024, "Lunner")["participants"], 1);
    assert_eq!(row(&y2024, "Jevnaker")["participants"], 1);
    assert_eq!(y2024["others"]["participants"], 3);
    assert_eq!(y2024["others"]["origins"], 2);
    assert_eq!(y2024["totals"]["municipalities_with_participants"], 4);

    // Both years together: every municipality valid at some day of the period.
    let (_, both) = app
        .get("/stats/participation?from=2023-01-01&to=2024-12-31")
        .await;
    assert_eq!(both["municipalities"].as_array().unwrap().len(), 4);
    assert_eq!(row(&both, "Eigersund")["participants"], 6);

    // The downloads carry the places too.
    let (status, _, csv) = download(&app, "/stats/participation?year=2023&format=csv").await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("4 steder utenfor listen"), "{csv}");

    // Importing the same file again changes nothing; a changed date is an update.
    let again = import_reference(
        &app,
        "Eigersund;14 811;Dalane;Egersund\nLunner;9 200;Hadeland;;01.01.2025\n",
    )
    .await;
    assert_eq!(
        (again["unchanged"].as_u64(), again["updated"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, y2024) = app.get("/stats/participation?year=2024").await;
    assert!(
        y2024["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["name"] != "Lunner"),
        "{y2024}"
    );
}

/// "13 kommuner i Sør-Rogaland er med i nettverket", "Nettverket har rundt 50 deltakere":
/// a network's members on a day, per municipality of the list (zeros included, "Egersund"
/// as Eigersund), and its events held and participants in the year.
async fn network_sizes(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let sor_rogaland = [
        "Bjerkreim",
        "Eigersund",
        "Gjesdal",
        "Hjelmeland",
        "Hå",
        "Klepp",
        "Kvitsøy",
        "Lund",
        "Randaberg",
        "Sandnes",
        "Sokndal",
        "Sola",
        "Stavanger",
        "Strand",
        "Time",
    ];
    let mut list = String::new();
    for name in sor_rogaland {
        let alias = if name == "Eigersund" { "Egersund" } else { "" };
        list.push_str(&format!("{name};1000;Sør-Rogaland;{alias}\n"));
    }
    import_reference(&app, &list).await;
    for (slug, name) in [
        ("demens-sr", "Demensnettverket"),
        ("tomt", "Et tomt nettverk"),
    ] {
        let (status, body) = app
            .post("/networks", json!({"slug": slug, "name": name}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // 48 members from 13 of the 15 municipalities (not Kvitsøy and Hjelmeland), one from
    // elsewhere and one who gave none.
    let places: Vec<&str> = sor_rogaland
        .iter()
        .copied()
        .filter(|m| !["Kvitsøy", "Hjelmeland"].contains(m))
        .map(|m| if m == "Eigersund" { "Egersund" } else { m })
        .collect();
    let add = |i: usize, municipality: Option<&str>| {
        let mut body = json!({"email": format!("m{i}@example.no"), "name": format!("M {i}")});
        if let Some(m) = municipality {
            body["municipality"] = json!(m);
        }
        let app = &app;
        async move {
            let (status, answer) = app.post("/networks/demens-sr/members", body).await;
            assert_eq!(status, 201, "{answer}");
        }
    };
    for i in 0..48 {
        add(i, Some(places[i % places.len()])).await;
    }
    add(48, Some("Bergen")).await;
    add(49, None).await;
    let first_day = app.now().date_naive();
    app.advance(chrono::Duration::days(3));
    for i in 50..53 {
        add(i, Some("Stavanger")).await;
    }

    // A gathering of the network in 2025 with 20 signed up (attendance not recorded).
    let (status, gathering) = app
        .post(
            "/events",
            json!({"title": "Nettverkssamling", "kind": "gathering", "status": "published",
                   "network": "demens-sr", "capacity": null,
                   "sessions": [{"starts_at": (app.now() + chrono::Duration::days(5)).to_rfc3339(),
                                 "ends_at": (app.now() + chrono::Duration::days(5) + chrono::Duration::hours(5)).to_rfc3339()}]}),
        )
        .await;
    assert_eq!(status, 201, "{gathering}");
    let id = gathering["id"].as_str().unwrap().to_string();
    let people = (0..20)
        .map(|i| (format!("d{i}@example.no"), Some("Sandnes".to_string())))
        .collect();
    sign_up_many(&app, &id, people).await;
    move_into_past(
        &app,
        &gathering,
        Utc.with_ymd_and_hms(2025, 10, 2, 8, 0, 0).unwrap(),
    )
    .await;

    let (status, now) = app.get("/stats/networks").await;
    assert_eq!(status, 200, "{now}");
    let demens = &now["networks"][0];
    assert_eq!(demens["network"], "demens-sr", "{now}");
    assert_eq!(demens["members"], 53);
    assert_eq!(demens["municipalities_represented"], 13);
    assert_eq!(demens["members_others"], 2);
    let rows = demens["by_municipality"].as_array().unwrap();
    assert_eq!(rows.len(), 15, "zeros included");
    let of = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap()["members"].clone();
    assert_eq!(of("Kvitsøy"), 0);
    assert_eq!(of("Eigersund"), 4);
    assert_eq!(of("Stavanger"), 3 + 3);
    assert_eq!(now["networks"][1]["members"], 0);

    // On the first day the three added later are not counted yet.
    let (_, then) = app
        .get(&format!("/stats/networks?as_of={first_day}&year=2025"))
        .await;
    assert_eq!(then["as_of"], first_day.to_string());
    assert_eq!(then["networks"][0]["members"], 50);
    assert_eq!(then["networks"][0]["events_held"], 1);
    assert_eq!(then["networks"][0]["sessions_held"], 1);
    assert_eq!(then["networks"][0]["participants"], 20);
    assert_eq!(then["networks"][1]["events_held"], 0);
    // The year 2025 alone counts members on its last day: none had joined by then.
    let (_, y2025) = app.get("/stats/networks?year=2025").await;
    assert_eq!(y2025["as_of"], "2025-12-31");
    assert_eq!(y2025["networks"][0]["members"], 0);

    let (status, bad) = app
        .get("/stats/networks?as_of=31.12.2025&year=twenty")
        .await;
    assert_eq!(status, 400);
    assert!(bad["error"]["fields"]["as_of"].is_string(), "{bad}");
    assert!(bad["error"]["fields"]["year"].is_string(), "{bad}");
}

/// People, not only participations: Kari from Asker at three events (typed three ways)
/// counts three participations and one person; Ola from Bærum came to one of two (the other
/// recorded him absent); Per from Oslo at two and Liv, who gave no place, at one are two
/// people among the others. Every table gives them: municipalities, regions, roles, events.
async fn people_beside_participations(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    import_reference(&app, "Asker;97000;Vest\nBærum;129000;Vest\n").await;
    let mut ids = Vec::new();
    for (i, title) in ["Samling 1", "Samling 2", "Samling 3"].iter().enumerate() {
        let event = create_event(&app, title, "gathering", 1).await;
        let id = event["id"].as_str().unwrap().to_string();
        let kari = ["Asker", "asker", " ASKER "][i];
        let mut people = vec![("kari@example.no".to_string(), Some(kari.to_string()))];
        if i != 1 {
            let ola = if i == 0 { "Bærum" } else { "baerum" };
            people.push(("Ola@Example.no".to_string(), Some(ola.to_string())));
        }
        if i != 2 {
            people.push(("per@example.no".to_string(), Some("Oslo".to_string())));
        }
        if i == 0 {
            people.push(("liv@example.no".to_string(), None));
        }
        let registered = sign_up_many(&app, &id, people).await;
        move_into_past(
            &app,
            &event,
            Utc.with_ymd_and_hms(2025, 3 + i as u32, 1, 9, 0, 0)
                .unwrap(),
        )
        .await;
        if i == 2 {
            // Kari came, Ola did not.
            for (reg, came) in registered.iter().zip([true, false]) {
                let (status, body) = app
                    .post(
                        &format!("/events/{id}/attendance"),
                        json!({"registrations": [reg], "attended": came}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
            }
        }
        ids.push(id);
    }
    // Unasked, no people are counted.
    let (_, plain) = app.get("/stats/participation?year=2025").await;
    assert!(plain["totals"].get("people").is_none(), "{plain}");
    let (status, t) = app
        .get("/stats/participation?year=2025&by=role&people=true")
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        (
            row(&t, "Asker")["participants"].as_u64(),
            row(&t, "Asker")["people"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(
        (
            row(&t, "Bærum")["registered"].as_u64(),
            row(&t, "Bærum")["participants"].as_u64(),
            row(&t, "Bærum")["people"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (
            t["others"]["participants"].as_u64(),
            t["others"]["people"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(
        (
            t["totals"]["participants"].as_u64(),
            t["totals"]["people"].as_u64()
        ),
        (Some(7), Some(4))
    );
    assert_eq!(t["regions"][0]["people"], 2, "{t}");
    let not_stated = t["roles"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            not_stated["participants"].as_u64(),
            not_stated["people"].as_u64()
        ),
        (Some(7), Some(4))
    );
    let events = t["events"].as_array().unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e["people"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [4, 2, 1]
    );
    // The same in the download.
    let (_, _, csv) = download(
        &app,
        "/stats/participation?year=2025&format=csv&people=true",
    )
    .await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("\"Personer\""), "{csv}");
    let total = csv.lines().find(|l| l.contains("Totalt")).unwrap();
    assert!(total.contains("\"7\";\"4\""), "{total}");
    let (_, _, plain_csv) = download(&app, "/stats/participation?year=2025&format=csv").await;
    assert!(!String::from_utf8(plain_csv).unwrap().contains("Personer"));
    let (status, bad) = app.get("/stats/participation?people=yes").await;
    assert_eq!(status, 400);
    assert!(bad["error"]["fields"]["people"].is_string(), "{bad}");
}
