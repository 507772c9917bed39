//! A webinar's recording: added once it has ended (API or desk), mailed once to every seat
//! holder (those marked absent too), shown on their page, never public.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{organiser, page_text, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(a_recording_reaches_every_seat_holder_once_and_nobody_else);

const RECORDING: &str = "https://video.example.no/opptak/demens-1";

/// The kinds of mail sent so far about the event, per recipient.
async fn recording_mails(app: &TestApp, event: &str) -> Vec<String> {
    app.mail_settled().await;
    let (_, mails) = app.get(&format!("/events/{event}/mails?limit=1000")).await;
    let mut to: Vec<String> = mails
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "recording_available")
        .map(|m| m["recipient"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

async fn a_recording_reaches_every_seat_holder_once_and_nobody_else(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let start = app.now() + chrono::Duration::hours(2);
    let event = app
        .event(json!({
            "title": "Webinar om demens",
            "kind": "webinar",
            "capacity": 2,
            "sessions": [{"starts_at": start.to_rfc3339(),
                "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(),
                "online_url": "https://teams.example.no/m/1"}],
        }))
        .await;
    let mut signups: Vec<Value> = Vec::new();
    for (name, email) in [
        ("Åse", "ase@example.no"),
        ("Bjørn", "bjorn@example.no"),
        ("Cato", "cato@example.no"),
    ] {
        let (status, signup) = app.sign_up(&event, name, email).await;
        assert_eq!(status, 201, "{signup}");
        signups.push(signup);
    }
    assert_eq!(signups[2]["status"], "waitlisted");

    // Not before the end, never on another kind, only an address.
    let path = format!("/events/{event}");
    let (status, answer) = app.patch(&path, json!({"recording_url": RECORDING})).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"]["fields"]["recording_url"],
        "can be set once the event has ended"
    );
    app.advance(chrono::Duration::hours(4));
    let (status, answer) = app.patch(&path, json!({"recording_url": "opptaket"})).await;
    assert_eq!(status, 400, "{answer}");
    let gathering = app.event(json!({})).await;
    app.advance(chrono::Duration::days(8));
    let (status, answer) = app
        .patch(
            &format!("/events/{gathering}"),
            json!({"recording_url": RECORDING}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"]["fields"]["recording_url"],
        "only a webinar has a recording"
    );

    // Bjørn did not come; he gets it too.
    let bjorn = signups[1]["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/events/{event}/registrations/{bjorn}/attendance"),
            json!({"attended": false}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, shown) = app.patch(&path, json!({"recording_url": RECORDING})).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["recording_url"], RECORDING, "its organisers see it");
    let sent = recording_mails(&app, &event).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent.iter().any(|r| r.contains("ase@example.no")),
        "{sent:?}"
    );
    assert!(
        sent.iter().any(|r| r.contains("bjorn@example.no")),
        "{sent:?}"
    );
    let mail = app
        .mails_for(signups[1]["id"].as_str().unwrap())
        .await
        .into_iter()
        .find(|m| m.subject().starts_with("Opptak"))
        .expect("the recording mail");
    let (text, html) = mail.bodies();
    assert!(
        text.contains(RECORDING) && html.contains(RECORDING),
        "{text}"
    );
    assert!(mail.invite().is_none(), "no calendar part");

    // Their pages show it; the waiting list's and the public's never do.
    let ase = app.manage_token(&signups[0]).await;
    assert!(page_text(&app, &format!("/r/{ase}"))
        .await
        .contains(RECORDING));
    let cato = app.manage_token(&signups[2]).await;
    assert!(!page_text(&app, &format!("/r/{cato}"))
        .await
        .contains(RECORDING));
    assert!(!page_text(&app, &format!("/events/{event}"))
        .await
        .contains(RECORDING));
    let public = app.public_event(&event).await;
    assert!(public.get("recording_url").is_none(), "{public}");
    let feed = app.feed_path(&signups[0]).await;
    assert!(!page_text(&app, &feed).await.contains("video.example.no"));

    // A new address is shown, and mailed to nobody again.
    let moved = "https://video.example.no/opptak/demens-1-ny";
    let (status, _) = app.patch(&path, json!({"recording_url": moved})).await;
    assert_eq!(status, 200);
    assert_eq!(recording_mails(&app, &event).await.len(), 2);
    assert!(page_text(&app, &format!("/r/{ase}")).await.contains(moved));

    // The desk: the event links to the recording form, which keeps a wrong value.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let form = format!("/admin/events/{event}/recording");
    assert!(desk
        .get(&format!("/admin/events/{event}"))
        .await
        .text()
        .await
        .unwrap()
        .contains(&form));
    let res = desk.post(&form, &[("recording_url", "teams")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#recording_url\""), "{html}");
    assert!(html.contains("value=\"teams\""));
    let res = desk.post(&form, &[("recording_url", RECORDING)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&path).await.1["recording_url"], RECORDING);
    assert_eq!(
        desk.get(&format!("/admin/events/{gathering}/recording"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "no recording form for a gathering"
    );
}
