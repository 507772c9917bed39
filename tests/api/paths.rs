//! Paths that had code and no test: the command line's token commands, an administrator
//! revoking a colleague's token, "mark all attended", the 500 page, the home page's paging
//! and month filter, and contact sharing confirmed on the participant's page.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{browser, organiser, page_text, sign_in, token_works, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    tokens_listed_and_revoked_from_the_command_line,
    an_administrator_revokes_a_colleagues_token,
    mark_all_attended_marks_everyone_listed,
    home_pages_and_the_month_filter,
    contact_sharing_is_confirmed_on_the_participants_page,
    a_failure_inside_is_a_page_for_people,
    the_statements_say_who_runs_it_and_how_long_data_is_kept
);

async fn tokens_listed_and_revoked_from_the_command_line(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let email = organiser(&app, "centre", false).await;
    let me = samling::service::organisers::organisers_by_email(&app.db, &email)
        .await
        .unwrap()
        .remove(0);
    let who = samling::service::audit::Who::Organiser(&me);
    let (secret, created) = samling::service::organisers::create_token(
        &app.db,
        who,
        &me,
        Some("Rapportverktøy".into()),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(token_works(&app, &secret).await);
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_samling"))
            .args(args)
            .env("SAMLING_DATABASE_URL", &app.database_url)
            .env("SAMLING_LOG", "warn")
            .output()
            .unwrap()
    };
    let listed = cli(&["organiser", "tokens", "--email", &email.to_uppercase()]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    let line = listed
        .lines()
        .find(|l| l.starts_with(&created.id.to_string()))
        .unwrap_or_else(|| panic!("the token is listed:\n{listed}"));
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 4, "id, name, created, last used: {line}");
    assert_eq!(fields[1], "Rapportverktøy");
    assert!(fields[3].ends_with("UTC"), "it was used just now: {line}");
    assert!(!listed.contains(&secret), "the secret is never shown again");

    let id = created.id.to_string();
    let revoked = cli(&["organiser", "revoke-token", &id]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("revoked"));
    assert!(
        !token_works(&app, &secret).await,
        "a revoked token answers 401"
    );
    let unknown = cli(&[
        "organiser",
        "revoke-token",
        &uuid::Uuid::now_v7().to_string(),
    ]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no token has the id"));
    let stranger = cli(&["organiser", "tokens", "--email", "nobody@example.no"]);
    assert!(!stranger.status.success());
}

async fn an_administrator_revokes_a_colleagues_token(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let colleague = organiser(&app, "centre", false).await;
    let admin = organiser(&app, "centre", true).await;
    let outsider = organiser(&app, "another-centre", true).await;
    let owner = samling::service::organisers::organisers_by_email(&app.db, &colleague)
        .await
        .unwrap()
        .remove(0);
    let (secret, token) = samling::service::organisers::create_token(
        &app.db,
        samling::service::audit::Who::Organiser(&owner),
        &owner,
        Some("Kollegas nøkkel".into()),
        app.clock.now(),
    )
    .await
    .unwrap();
    let path = format!("/admin/tokens/{}/revoke", token.id);
    // Another organisation's administrator cannot see or revoke it.
    let other = sign_in(&app, &outsider).await;
    assert!(!other
        .get("/admin/tokens")
        .await
        .text()
        .await
        .unwrap()
        .contains("Kollegas nøkkel"));
    assert_eq!(other.post(&path, &[]).await.status(), StatusCode::NOT_FOUND);
    assert!(token_works(&app, &secret).await);
    // The organisation's administrator sees whose it is and revokes it.
    let desk = sign_in(&app, &admin).await;
    let html = desk.get("/admin/tokens").await.text().await.unwrap();
    assert!(
        html.contains("Kollegas nøkkel") && html.contains(&path),
        "{html}"
    );
    assert_eq!(desk.post(&path, &[]).await.status(), StatusCode::SEE_OTHER);
    assert!(
        !token_works(&app, &secret).await,
        "revoked for its owner too"
    );
    let (_, audit) = app.get("/audit").await;
    assert!(audit.to_string().contains("token.revoke"), "{audit}");
}

/// An event that starts in an hour, with three sign-ups; the clock then moves past its start.
async fn started_event_with_three(app: &TestApp) -> (String, Vec<serde_json::Value>) {
    let start = app.now() + chrono::Duration::hours(1);
    let (status, event) = app
        .post(
            "/events",
            json!({"title": "Fagdag", "kind": "gathering", "status": "published", "capacity": 10,
                   "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(3)).to_rfc3339(), "location": "Tønsberg"}]}),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_str().unwrap().to_string();
    let mut signups = Vec::new();
    for (name, email, share) in [
        ("Åse Øvrebø", "ase@example.no", true),
        ("Bjørn Berg", "bjorn@example.no", true),
        ("Cato Dahl", "cato@example.no", false),
    ] {
        let (status, body) = app
            .sign_up_with(
                &id,
                json!({"name": name, "email": email, "workplace": "Eik sykehjem", "share_contact": share}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        signups.push(body);
    }
    app.advance(chrono::Duration::hours(2));
    (id, signups)
}

async fn mark_all_attended_marks_everyone_listed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (event, signups) = started_event_with_three(&app).await;
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let sheet = desk.get(&format!("/admin/events/{event}/attendance")).await;
    assert_eq!(sheet.status(), StatusCode::OK);
    let html = sheet.text().await.unwrap();
    assert!(
        html.contains("value=\"all\""),
        "the sheet offers to mark all"
    );
    // Two of three are listed on the form (as a sheet filtered to them would send it), none
    // ticked: "mark all" marks exactly the listed ones as having come.
    let ids: Vec<&str> = signups.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let res = desk
        .post(
            &format!("/admin/events/{event}/attendance"),
            &[("listed", ids[0]), ("listed", ids[1]), ("action", "all")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let regs = app.registrations(&event).await;
    let attended = |i: usize| {
        regs.iter()
            .find(|r| r["id"] == ids[i])
            .map(|r| r["attended"].clone())
            .unwrap()
    };
    assert_eq!((attended(0), attended(1)), (json!(true), json!(true)));
    assert_eq!(
        attended(2),
        serde_json::Value::Null,
        "not listed, not marked"
    );
    let (_, summary) = app.get(&format!("/events/{event}/attendance")).await;
    assert_eq!(summary["total"]["attended"], 2, "{summary}");
}

async fn home_pages_and_the_month_filter(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    // 22 events in one month, 3 in the next (20 to a page).
    let base = app.now() + chrono::Duration::days(40);
    let next_month = base + chrono::Duration::days(35);
    for i in 0..25 {
        let start = if i < 22 {
            base + chrono::Duration::hours(i)
        } else {
            next_month + chrono::Duration::hours(i)
        };
        let (status, body) = app
            .post(
                "/events",
                json!({"title": format!("Arrangement {i:02}"), "kind": "gathering", "status": "published",
                       "sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::minutes(30)).to_rfc3339(), "location": "Tønsberg"}]}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let get = |path: String| {
        let app = &app;
        async move {
            let res = browser()
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.text().await.unwrap()
        }
    };
    let cards = |html: &str| html.matches("class=\"event-card\"").count();
    let first = get("/".into()).await;
    assert_eq!(cards(&first), 20);
    assert!(
        first.contains("href=\"/?page&#x3D;2\" rel=\"next\""),
        "a next page"
    );
    assert!(!first.contains("rel=\"prev\""));
    let second = get("/?page=2".into()).await;
    assert_eq!(cards(&second), 5);
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
    assert!(second.contains("Arrangement 24"));
    // A wrong page number shows the first page, not an error.
    assert_eq!(cards(&get("/?page=tre".into()).await), 20);

    let tz = chrono_tz::Europe::Oslo;
    let month = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m").to_string();
    let later = get(format!("/?month={}", month(next_month))).await;
    assert_eq!(cards(&later), 3, "only the month asked for");
    assert!(later.contains("Arrangement 22") && !later.contains("Arrangement 00"));
    let (from_month, paged) = (
        month(base),
        get(format!("/?month={}&page=2", month(base))).await,
    );
    assert_eq!(cards(&paged), 2, "the month's own pages");
    assert!(
        paged.contains(&format!("month&#x3D;{from_month}")),
        "the filter stays in the links"
    );
}

async fn contact_sharing_is_confirmed_on_the_participants_page(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (event, signups) = started_event_with_three(&app).await;
    let page = |token: String| {
        let app = &app;
        async move { page_text(app, &format!("/r/{token}")).await }
    };
    let ase = app.manage_token(&signups[0]).await;
    let bjorn = app.manage_token(&signups[1]).await;
    // Wished at sign-up, shown to nobody until the owner confirms on their own page.
    let html = page(ase.clone()).await;
    assert!(html.contains("De blir ikke vist før du selv bekrefter det her"));
    // Status and the main actions first; the subscription guide folded away below them.
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} on the page"))
    };
    assert!(at(&format!("/r/{ase}/calendar.ics")) < at("<details class=\"guide\">"));
    assert!(
        at("<details class=\"guide\">") < at("webcal://"),
        "the guide is folded"
    );
    assert!(
        !html.contains("bjorn@example.no"),
        "Bjørn has not confirmed"
    );
    for token in [&ase, &bjorn] {
        let res = browser()
            .post(format!("{}/r/{token}/share-contact", app.base))
            .form(&[("share", "yes")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
    }
    let html = page(ase.clone()).await;
    assert!(html.contains("href=\"mailto:bjorn@example.no\""), "{html}");
    assert!(html.contains("Bjørn Berg, Eik sykehjem"));
    assert!(
        !html.contains("cato@example.no"),
        "Cato did not ask to share"
    );
    assert!(!html.contains("mailto:ase@example.no"), "not oneself");
    let regs = app.registrations(&event).await;
    assert_eq!(regs[0]["share_contact"], true);
    // Stopping takes Åse off Bjørn's page at once.
    browser()
        .post(format!("{}/r/{ase}/share-contact", app.base))
        .form(&[("share", "no")])
        .send()
        .await
        .unwrap();
    assert!(!page(bjorn).await.contains("ase@example.no"));
}

/// When the database fails under a page, the visitor gets the 500 page in their language:
/// what happened, that nothing changed, and nothing of the cause.
async fn a_failure_inside_is_a_page_for_people(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post(
        "/networks",
        json!({"slug": "demens", "name": "Demensnettverket"}),
    )
    .await;
    use sea_orm::ConnectionTrait;
    app.db
        .conn
        .execute_unprepared("ALTER TABLE networks RENAME TO networks_gone")
        .await
        .unwrap();
    for (path, words) in [
        ("/networks/demens", "Beklager, noe gikk galt hos oss"),
        ("/networks/demens?lang=en", "Sorry"),
    ] {
        let res = browser()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = res.text().await.unwrap();
        assert!(html.contains(words), "{path}: {html}");
        assert!(html.contains("<title>"), "a page with a title");
        for cause in ["networks_gone", "no such table", "relation", "SELECT"] {
            assert!(!html.contains(cause), "nothing of the cause: {cause}");
        }
    }
}

/// The privacy page and the accessibility statement name the operator, the address to write
/// to and the retention periods from the settings, with true defaults when they are unset.
async fn the_statements_say_who_runs_it_and_how_long_data_is_kept(engine: Engine) {
    let get = |app: &TestApp, path: &str| {
        let url = format!("{}{path}", app.base);
        async move {
            browser()
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let Some(plain) = TestApp::spawn(engine, None).await else {
        return;
    };
    let privacy = get(&plain, "/personvern").await;
    assert!(privacy.contains("Virksomheten som drifter denne tjenesten er behandlingsansvarlig"));
    assert!(privacy.contains("slettes 24 måneder etter") && privacy.contains("30 dager etter"));
    assert!(privacy.contains("https://www.datatilsynet.no/"));
    let statement = get(&plain, "/tilgjengelighet").await;
    assert!(!statement.contains("Vi kjenner ikke til brudd"));
    assert!(statement.contains("skriv til arrangøren av arrangementet"));
    assert!(!statement.contains("uustatus.no/nb/erklaringer"));

    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        s.operator.name = "USHT Vestfold".into();
        s.operator.contact_email = "usht@example.no".into();
        s.operator.accessibility_statement_url =
            "https://uustatus.no/nb/erklaringer/publisert/abc".into();
        s.retention.months = 13;
    })
    .await
    else {
        return;
    };
    let privacy = get(&app, "/personvern").await;
    assert!(privacy.contains("USHT Vestfold er behandlingsansvarlig"));
    assert!(privacy.contains("slettes 13 måneder etter"));
    assert!(privacy.contains("mailto:usht@example.no"));
    let english = get(&app, "/personvern?lang=en").await;
    assert!(english.contains("USHT Vestfold is the controller") && english.contains("13 months"));
    let statement = get(&app, "/tilgjengelighet").await;
    assert!(statement.contains("mailto:usht@example.no"));
    assert!(statement.contains("href=\"https://uustatus.no/nb/erklaringer/publisert/abc\""));
}
