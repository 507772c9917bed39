//! Calendar feeds, read by an independent parser and as raw bytes.
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::helpers::{parse_ics, unescape_ics, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    network_feed_is_faithful,
    personal_feed_has_own_events,
    feeds_change_and_cache
);

const DESCRIPTION: &str = "Tema: demens, delirium; og \\ skråstrek.\nLinje to med æøå ÆØÅ – «sitat».\n\nSiste linje, med komma, semikolon; og mer tekst som er lang nok til å bli brettet over flere linjer i kalenderfilen.";

async fn feed(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// Every physical line: at most 75 octets, CRLF-terminated, valid UTF-8 on its own.
fn assert_raw_form(bytes: &[u8]) {
    assert!(bytes.ends_with(b"\r\n"));
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        assert!(line.ends_with(b"\r"), "line {i} not CRLF-terminated");
        let content = &line[..line.len() - 1];
        assert!(!content.contains(&b'\r'), "bare CR in line {i}");
        assert!(content.len() <= 75, "line {i} has {} octets", content.len());
        assert!(
            std::str::from_utf8(content).is_ok(),
            "line {i} splits a UTF-8 character"
        );
    }
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

async fn network_feed_is_faithful(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (status, network) = app
        .post(
            "/networks",
            json!({"slug": "demens-vestfold", "name": "Demens, Vestfold; nettverk"}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(network["webcal_url"]
        .as_str()
        .unwrap()
        .starts_with("webcal://"));
    // Sessions on both sides of the October and March daylight-saving changes in Oslo.
    let times = [
        ("2026-10-24T09:00:00+02:00", "2026-10-24T15:00:00+02:00"),
        ("2026-10-26T09:00:00+01:00", "2026-10-26T15:00:00+01:00"),
        ("2027-03-27T09:00:00+01:00", "2027-03-27T15:00:00+01:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T15:00:00+02:00"),
    ];
    let sessions: Vec<_> = times
        .iter()
        .map(
            |(a, b)| json!({"starts_at": a, "ends_at": b, "location": "Tønsberg, rådhuset; sal 2"}),
        )
        .collect();
    let course = app
        .event(json!({"network": "demens-vestfold", "kind": "course", "title": "Kurs: demens, del 1; «grunnkurs»",
                      "description": DESCRIPTION, "sessions": sessions}))
        .await;
    let webinar = app
        .event(json!({"network": "demens-vestfold", "kind": "webinar", "title": "Faglunsj",
                      "sessions": [{"starts_at": "2027-01-10T11:00:00+01:00", "ends_at": "2027-01-10T12:00:00+01:00", "online_url": "https://teams.example.org/secret-join"}]}))
        .await;
    let draft = app
        .event(json!({"network": "demens-vestfold", "status": "draft", "title": "Utkast"}))
        .await;
    app.sign_up(&course, "Åse Øvrebø", "ase@example.no").await;

    let (status, headers, bytes) = feed(&app, "/feeds/networks/demens-vestfold.ics").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    assert_raw_form(&bytes);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        !text.contains("secret-join"),
        "no join links in public feeds"
    );
    assert!(
        !text.contains("ase@example.no") && !text.contains("Øvrebø"),
        "no participants in public feeds"
    );
    let ics = parse_ics(&text);
    // RFC 5546 allows METHOD:PUBLISH only with an ORGANIZER; a subscribed feed has neither.
    assert_eq!(ics.method, None);
    let prop = |name: &str| {
        ics.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert!(
        prop("PRODID").is_some_and(|p| p.starts_with("-//Samling//Samling ")),
        "our own PRODID"
    );
    assert_eq!(
        prop("X-WR-CALNAME").map(|v| unescape_ics(&v)).as_deref(),
        Some("Demens, Vestfold; nettverk")
    );
    assert!(prop("REFRESH-INTERVAL").is_some() && prop("X-PUBLISHED-TTL").is_some());
    assert_eq!(
        ics.events.len(),
        5,
        "four course sessions and the webinar, no draft"
    );
    assert!(!text.contains(&draft));
    let course_entries: Vec<_> = ics
        .events
        .iter()
        .filter(|e| e.get("URL").unwrap().ends_with(&course))
        .collect();
    assert_eq!(course_entries.len(), 4);
    for (entry, (start, end)) in course_entries.iter().zip(times.iter()) {
        assert_eq!(
            (entry.start, entry.end),
            (at(start), at(end)),
            "same instants across DST"
        );
        assert_eq!(
            unescape_ics(entry.get("DESCRIPTION").unwrap())
                .split("\n\nhttp")
                .next()
                .unwrap(),
            DESCRIPTION
        );
        assert_eq!(
            unescape_ics(entry.get("LOCATION").unwrap()),
            "Tønsberg, rådhuset; sal 2"
        );
        assert!(unescape_ics(entry.get("SUMMARY").unwrap())
            .starts_with("Kurs: demens, del 1; «grunnkurs»"));
        let categories = entry.get("CATEGORIES").unwrap();
        assert!(
            categories.contains("kurs") && categories.contains("Demens"),
            "{categories}"
        );
        assert!(entry.get("DTSTAMP").is_some());
        assert_eq!(entry.status.as_deref(), Some("CONFIRMED"));
    }
    let uids: std::collections::HashSet<_> = ics.events.iter().map(|e| e.uid.clone()).collect();
    assert_eq!(uids.len(), 5, "one UID per session");
    let webinar_entry = ics
        .events
        .iter()
        .find(|e| e.get("URL").unwrap().ends_with(&webinar))
        .unwrap();
    assert_eq!(webinar_entry.get("LOCATION"), Some("Digitalt / Online"));

    // The organisation feed has them too; unknown names are 404.
    let (status, _, bytes) = feed(&app, "/feeds/organisations/centre.ics").await;
    assert_eq!(status, 200);
    assert_eq!(
        parse_ics(&String::from_utf8(bytes).unwrap()).events.len(),
        5
    );
    for missing in [
        "/feeds/networks/nope.ics",
        "/feeds/organisations/nope.ics",
        "/feeds/me/nope.ics",
        "/feeds/networks/demens-vestfold",
    ] {
        assert_eq!(feed(&app, missing).await.0, 404, "{missing}");
    }
    // The network page offers one-click subscription.
    let page = app
        .client
        .get(format!("{}/networks/demens-vestfold", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("webcal://") && html.contains("/feeds/networks/demens-vestfold.ics"));
    // Outlook on the web (work and personal accounts) adds it in one click, with the feed's
    // address and name encoded; the address is also there to copy, and Google's steps.
    let feed_url = html
        .split("readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the address to copy");
    assert!(feed_url.ends_with("/feeds/networks/demens-vestfold.ics"));
    let encoded: String = url::form_urlencoded::byte_serialize(feed_url.as_bytes()).collect();
    for host in ["outlook.office.com", "outlook.live.com"] {
        // (Handlebars writes `=` in attributes as `&#x3D;`, which browsers read as `=`.)
        assert!(
            html.contains(&format!(
                "https://{host}/calendar/0/addfromweb?url&#x3D;{encoded}&amp;name&#x3D;"
            )),
            "{host}"
        );
    }
    assert!(html.contains("calendar.google.com/calendar/u/0/r/settings/addbyurl"));
    assert!(html.contains("Fra URL"));
}

async fn personal_feed_has_own_events(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let join = "https://teams.example.org/join/own";
    let webinar = app
        .event(json!({"kind": "webinar", "title": "Webinar", "capacity": 5,
                      "sessions": [{"starts_at": "2027-01-10T11:00:00+01:00", "ends_at": "2027-01-10T12:00:00+01:00", "online_url": join}]}))
        .await;
    let full = app
        .event(json!({"kind": "webinar", "title": "Fullt webinar", "capacity": 0,
                      "sessions": [{"starts_at": "2027-01-11T11:00:00+01:00", "ends_at": "2027-01-11T12:00:00+01:00", "online_url": "https://teams.example.org/join/full"}]}))
        .await;
    let other = app.event(json!({"title": "Ikke min"})).await;
    let (_, a) = app.sign_up(&webinar, "Kari", "Kari@Example.no").await;
    let (_, b) = app.sign_up(&full, "Kari", "kari@example.no").await;
    assert_eq!(b["status"], "waitlisted");
    app.sign_up(&other, "Ola", "ola@example.no").await;
    let path = app.feed_path(&a).await;
    assert_eq!(path, app.feed_path(&b).await, "one feed per address");

    let (status, headers, bytes) = feed(&app, &path).await;
    assert_eq!(status, 200);
    assert!(headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("private"));
    assert_raw_form(&bytes);
    let text = String::from_utf8(bytes).unwrap();
    let ics = parse_ics(&text);
    assert_eq!(ics.events.len(), 2, "only her own events");
    let confirmed = ics
        .events
        .iter()
        .find(|e| e.get("URL").unwrap().ends_with(&webinar))
        .unwrap();
    assert!(
        unescape_ics(confirmed.get("DESCRIPTION").unwrap()).contains(join),
        "join link for a seat"
    );
    assert_eq!(confirmed.get("LOCATION"), Some(join));
    let waiting = ics
        .events
        .iter()
        .find(|e| e.get("URL").unwrap().ends_with(&full))
        .unwrap();
    assert_eq!(waiting.status.as_deref(), Some("TENTATIVE"));
    assert!(
        !text.contains("join/full"),
        "no join link on the waiting list"
    );

    // Cancelling removes the event from her feed.
    assert_eq!(app.cancel(&a).await.0, 200);
    let (_, _, bytes) = feed(&app, &path).await;
    assert_eq!(
        parse_ics(&String::from_utf8(bytes).unwrap()).events.len(),
        1
    );
    // The participant's page links to it too.
    let token = app.manage_token(&a).await;
    let page = app
        .client
        .get(format!("{}/r/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains(&path));

    // An English-speaking participant's feed speaks English: its name and the marks.
    let (_, erin) = app
        .call(
            Method::POST,
            &format!("/events/{full}/registrations"),
            None,
            Some(json!({"name": "Erin", "email": "erin@example.org", "language": "en"})),
        )
        .await;
    let (_, _, bytes) = feed(&app, &app.feed_path(&erin).await).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("X-WR-CALNAME:My registrations"), "{text}");
    let entry = &parse_ics(&text).events[0];
    assert!(
        entry.get("SUMMARY").unwrap().starts_with("[Waiting list] "),
        "{text}"
    );
    assert!(!text.contains("Mine påmeldinger") && !text.contains("[Venteliste]"));
}

async fn feeds_change_and_cache(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post(
        "/networks",
        json!({"slug": "palliasjon", "name": "Palliasjon"}),
    )
    .await;
    let event = app
        .event(json!({"network": "palliasjon", "title": "Fagdag"}))
        .await;
    let path = "/feeds/networks/palliasjon.ics";
    let (status, headers, bytes) = feed(&app, path).await;
    assert_eq!(status, 200);
    let etag = headers[header::ETAG].to_str().unwrap().to_string();
    let last_modified = headers[header::LAST_MODIFIED].to_str().unwrap().to_string();
    assert!(headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let first = parse_ics(&String::from_utf8(bytes).unwrap());
    let sequence = first.events[0].sequence;

    let conditional = |name: header::HeaderName, value: String| {
        let app = &app;
        async move {
            app.client
                .request(Method::GET, format!("{}{path}", app.base))
                .header(name, value)
                .send()
                .await
                .unwrap()
        }
    };
    let res = conditional(header::IF_NONE_MATCH, etag.clone()).await;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()[header::ETAG].to_str().unwrap(), etag);
    // RFC 9110 §15.4.5: the 304 sends the Vary the 200 does.
    assert!(res.headers()[header::VARY]
        .to_str()
        .unwrap()
        .eq_ignore_ascii_case("accept-encoding"));
    assert!(res.bytes().await.unwrap().is_empty());
    assert_eq!(
        conditional(header::IF_MODIFIED_SINCE, last_modified.clone())
            .await
            .status(),
        304
    );

    // A sign-up is not a change the feed shows: the remembered version still answers.
    let (status, _) = app.sign_up(&event, "Ola", "ola@example.no").await;
    assert_eq!(status, 201);
    let res = conditional(header::IF_NONE_MATCH, etag.clone()).await;
    assert_eq!(res.status(), 304);

    // A change, a second later (Last-Modified counts whole seconds): new ETag, higher
    // SEQUENCE, same UID.
    app.advance(chrono::Duration::seconds(1));
    let (status, _) = app
        .patch(
            &format!("/events/{event}"),
            json!({"title": "Fagdag (ny tittel)"}),
        )
        .await;
    assert_eq!(status, 200);
    let res = conditional(header::IF_NONE_MATCH, etag.clone()).await;
    assert_eq!(res.status(), 200);
    let new_etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    let changed = parse_ics(&res.text().await.unwrap());
    assert_eq!(changed.events[0].uid, first.events[0].uid);
    assert!(changed.events[0].sequence > sequence);
    assert_eq!(
        conditional(header::IF_MODIFIED_SINCE, last_modified)
            .await
            .status(),
        200
    );

    // A cancelled event stays, marked cancelled, so calendars drop it.
    app.post(&format!("/events/{event}/cancel"), json!({}))
        .await;
    let (_, _, bytes) = feed(&app, path).await;
    let cancelled = parse_ics(&String::from_utf8(bytes).unwrap());
    assert_eq!(cancelled.events.len(), 1);
    assert_eq!(cancelled.events[0].status.as_deref(), Some("CANCELLED"));
    assert!(cancelled.events[0].sequence > changed.events[0].sequence);
}
