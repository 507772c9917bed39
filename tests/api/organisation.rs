//! The organisation's contact address: set by an administrator (desk or command line),
//! shown on its events and organisation page, added to every refusal, and the Reply-To and
//! footer of every mail.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{browser, organiser, page_text, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    the_contact_address_reaches_pages_refusals_and_mails,
    the_command_line_sets_the_contact_address
);

async fn the_contact_address_reaches_pages_refusals_and_mails(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1, "waitlist": false})).await;
    let page = |path: String| {
        let app = &app;
        async move { page_text(app, &path).await }
    };
    assert!(!page(format!("/events/{event}")).await.contains("mailto:"));

    // Only an administrator may set it; a colleague gets 404 and nothing changes.
    let colleague = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let res = colleague
        .post(
            "/admin/organisation/contact",
            &[("contact_email", "meg@example.no")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let admin = sign_in(&app, &organiser(&app, "centre", true).await).await;
    // A wrong address: the error summary and the field's message, the typed value kept.
    let res = admin
        .post(
            "/admin/organisation/contact",
            &[("contact_email", "kurs på usht")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#contact_email\""), "{html}");
    assert!(html.contains("id=\"contact_email-error\""));
    assert!(html.contains("value=\"kurs på usht\""));
    let res = admin
        .post(
            "/admin/organisation/contact",
            &[("contact_email", " Kurs@USHT.example.no ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = admin.get("/admin/organisers?done=contact_saved").await;
    let html = html.text().await.unwrap();
    assert!(html.contains("Kontaktadressen er lagret."), "{html}");
    assert!(
        html.contains("value=\"kurs@usht.example.no\""),
        "stored normalised"
    );

    // The event page and the organisation page say where to write.
    let mailto = "href=\"mailto:kurs@usht.example.no\"";
    let html = page(format!("/events/{event}")).await;
    assert!(html.contains(mailto), "{html}");
    let organisation = html
        .split("href=\"/organisations/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the organisation")
        .to_string();
    assert!(page(format!("/organisations/{organisation}"))
        .await
        .contains(mailto));

    assert_eq!(
        app.public_event(&event).await["organisation_contact"],
        "kurs@usht.example.no",
        "the API says it too"
    );

    // Every mail replies to it and names it.
    let (status, signup) = app.sign_up(&event, "Åse Øvrebø", "ase@example.no").await;
    assert_eq!(status, 201, "{signup}");
    let mail = &app.mails_for(signup["id"].as_str().unwrap()).await[0];
    assert_eq!(
        mail.header("Reply-To").as_deref(),
        Some("kurs@usht.example.no")
    );
    let (text, html) = mail.bodies();
    assert!(text.contains("· kurs@usht.example.no"), "{text}");
    assert!(html.contains(mailto), "{html}");

    // A refusal (the event is full, no waiting list) says where to write.
    let res = browser()
        .post(format!("{}/events/{event}", app.base))
        .form(&[("name", "Bjørn Berg"), ("email", "bjorn@example.no")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Du kan skrive til arrangøren på kurs@usht.example.no."),
        "{html}"
    );

    // The change is in the audit log; clearing it takes it off the pages.
    let (_, audit) = app.get("/audit").await;
    assert!(
        audit.to_string().contains("organisation.contact"),
        "{audit}"
    );
    let res = admin
        .post("/admin/organisation/contact", &[("contact_email", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!page(format!("/events/{event}")).await.contains("mailto:"));
}

async fn the_command_line_sets_the_contact_address(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_samling"))
            .args(args)
            .env("SAMLING_DATABASE_URL", &app.database_url)
            .env("SAMLING_LOG", "warn")
            .output()
            .unwrap()
    };
    let add = |contact: &str| {
        cli(&[
            "organiser",
            "add",
            "--organisation",
            "usht-agder",
            "--email",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--contact-email",
            contact,
        ])
    };
    // A wrong address is refused before anything is made.
    let refused = add("ikke en adresse");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--contact-email"));
    let org = samling::db::organisations::find_by_slug(&app.db.conn, "usht-agder")
        .await
        .unwrap();
    assert!(org.is_none(), "nothing was created");
    let made = add("post@usht-agder.example.no");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let org = samling::db::organisations::find_by_slug(&app.db.conn, "usht-agder")
        .await
        .unwrap()
        .expect("the organisation");
    assert_eq!(
        org.contact_email.as_deref(),
        Some("post@usht-agder.example.no")
    );
}
