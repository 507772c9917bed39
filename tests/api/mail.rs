//! Mail through a real SMTP server, and the `.eml` fallback.
use reqwest::Method;
use serde_json::json;

use crate::helpers::{link_token, Engine, SmtpServer, TestApp};
use crate::on_both_engines;

on_both_engines!(confirmation_and_promotion_arrive_over_smtp);

async fn confirmation_and_promotion_arrive_over_smtp(engine: Engine) {
    let smtp = SmtpServer::start().await;
    let Some(app) = TestApp::spawn(engine, Some(smtp.url())).await else {
        return;
    };
    let event = app
        .event(json!({"capacity": 1, "title": "Fagdag: Ernæring"}))
        .await;
    let (_, first) = app.sign_up(&event, "Åse Øvrebø", "ase@example.no").await;
    let (_, second) = app
        .sign_up(&event, "Eve\u{2028}Bcc", "eve@example.org")
        .await;
    assert_eq!(
        (first["status"].as_str(), second["status"].as_str()),
        (Some("confirmed"), Some("waitlisted"))
    );
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2, "one mail per sign-up");
    let confirmation = mails
        .iter()
        .find(|m| m.to == ["ase@example.no"])
        .expect("confirmation");
    let text = confirmation.decoded();
    let token = link_token(&confirmation.bodies().0, "/r/").expect("a manage link");
    assert!(
        text.contains(&format!("/r/{token}")),
        "manage link in the mail:\n{text}"
    );
    assert!(
        text.contains("Påmeldingen er bekreftet") || text.contains("bekreftet"),
        "{text}"
    );
    for mail in &mails {
        // RFC 3834 §5: no vacation auto-reply comes back to the sender address.
        assert_eq!(
            mail.header("Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert_eq!(
            mail.header("X-Auto-Response-Suppress").as_deref(),
            Some("All")
        );
    }
    assert!(text.contains("text/calendar"), "calendar attachment");
    assert!(text.contains("BEGIN:VEVENT"));
    let waitlisted = mails
        .iter()
        .find(|m| m.to == ["eve@example.org"])
        .expect("waiting-list mail");
    assert!(
        waitlisted.decoded().contains("nummer 1"),
        "{}",
        waitlisted.decoded()
    );
    assert!(
        !waitlisted.decoded().contains("BEGIN:VCALENDAR"),
        "no calendar entry for the waiting list"
    );

    // Opening the link (as a mail scanner does) changes nothing.
    let page = app
        .client
        .get(format!("{}/r/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Avbestill"));
    assert_eq!(app.public_event(&event).await["confirmed_count"], 1);
    assert_eq!(app.registrations(&event).await[0]["status"], "confirmed");

    // The button cancels; the second in line is promoted and told, with a working link.
    let res = app
        .client
        .post(format!("{}/r/{token}/cancel", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mails = smtp.wait_for(4).await;
    assert_eq!(mails.len(), 4, "cancellation and promotion mails");
    let promotion = mails[2..]
        .iter()
        .find(|m| m.to == ["eve@example.org"])
        .expect("promotion mail")
        .decoded();
    assert!(promotion.contains("du har nå fått plass"), "{promotion}");
    let new_link = promotion
        .split_whitespace()
        .find(|w| w.contains("/r/"))
        .expect("manage link in promotion")
        .trim_end_matches('"');
    let new_token = new_link
        .rsplit("/r/")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/registrations/{new_token}/cancel"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "the promotion mail's link works");
    let _ = second;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eml_files_without_smtp() {
    let app = TestApp::spawn(Engine::Sqlite, None).await.unwrap();
    let event = app.event(json!({"capacity": 3})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    assert!(signup.get("manage_url").is_none());
    let mut found = None;
    for _ in 0..100 {
        if let Ok(mut dir) = std::fs::read_dir(&app.outbox_dir) {
            if let Some(Ok(entry)) = dir.next() {
                found = Some(std::fs::read_to_string(entry.path()).unwrap());
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let eml =
        crate::helpers::decode_quoted_printable(&found.expect("an .eml file in the outbox folder"));
    assert!(eml.contains("To: Kari <kari@example.no>"), "{eml}");
    let token = link_token(&eml, "/r/").expect("a manage link in the .eml file");
    let page = app
        .client
        .get(format!("{}/r/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the mailed link opens the registration");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_injection_in_names_adds_no_header() {
    // The API refuses control characters in names; a name that gets through (Unicode line
    // separators) must still stay inside the To header.
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn(Engine::Sqlite, Some(smtp.url()))
        .await
        .unwrap();
    let event = app.event(json!({})).await;
    let (status, _) = app
        .sign_up(&event, "Eve\u{2028}Bcc: x@example.org", "eve@example.org")
        .await;
    assert_eq!(status, 201);
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, ["eve@example.org"]);
    assert!(
        !mails[0]
            .data
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{}",
        mails[0].data
    );
}
