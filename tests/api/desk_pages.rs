//! The organiser desk without a browser: sign-in, sessions and CSRF, roles, isolation
//! between organisations, tokens, and an event's life at the desk, on both engines.
use std::time::{Duration, Instant};

use reqwest::{header, StatusCode};
use samling::db::entities::organiser_session;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{
    browser, organiser, sign_in, sign_in_raw, token_works, Desk, Engine, TestApp, PASSWORD,
};
use crate::on_both_engines;

on_both_engines!(
    sign_in_sessions_and_csrf,
    other_organisations_get_404,
    admin_only_actions,
    tokens_from_the_desk,
    an_event_at_the_desk,
    network_members_at_the_desk,
    moving_a_session_at_the_desk_tells_the_participants,
    sign_in_from_another_site_is_refused,
    password_reset_revokes_the_desks_tokens,
    an_administrator_disables_an_organiser,
    viewing_statistics_is_not_a_download
);

async fn sign_in_sessions_and_csrf(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let email = organiser(&app, "centre", false).await;
    let (status, page) = {
        let res = browser()
            .get(format!("{}/admin", app.base))
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(page.contains("name=\"email\"") && page.contains("name=\"password\""));

    // A wrong password and an unknown address: the same answer, in about the same time.
    let mut times = [Duration::MAX, Duration::MAX];
    let mut bodies = [String::new(), String::new()];
    for _ in 0..3 {
        for (i, who) in [email.as_str(), "nobody@example.org"].iter().enumerate() {
            let started = Instant::now();
            let res = sign_in_raw(&app, who, "not-the-right-password").await;
            times[i] = times[i].min(started.elapsed());
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            assert!(res.headers().get(header::SET_COOKIE).is_none());
            bodies[i] = res.text().await.unwrap().replace(who, "ADDRESS");
        }
    }
    assert_eq!(
        bodies[0], bodies[1],
        "the answer does not tell which was wrong"
    );
    assert!(bodies[0].contains("<title>Feil: "));
    let (fast, slow) = (times[0].min(times[1]), times[0].max(times[1]));
    assert!(
        slow < fast * 3 + Duration::from_millis(20),
        "both take the time of a hash: {times:?}"
    );

    // Signed in: the cookie's flags, and the desk.
    let res = sign_in_raw(&app, &email, PASSWORD).await;
    let set = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(!set.contains("Secure"), "not on plain http");
    let desk = sign_in(&app, &email).await;
    let res = desk.get("/admin").await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert!(res.text().await.unwrap().contains("/admin/sign-out"));

    // No CSRF token, or a wrong one: refused with a page saying so; the right one works.
    let form = [("name", "Nettverk"), ("slug", "nett-a")];
    let res = desk.post_raw("/admin/networks", &form).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("<main"));
    let mut wrong = form.to_vec();
    wrong.push(("csrf", "not-the-token"));
    assert_eq!(
        desk.post_raw("/admin/networks", &wrong).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        desk.post("/admin/networks", &form).await.status(),
        StatusCode::SEE_OTHER
    );
    // A POST without a session at all is refused too.
    let res = browser()
        .post(format!("{}/admin/networks", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Sessions end: idle too long, past their lifetime, or signed out.
    let idle = sign_in(&app, &email).await;
    let expired = sign_in(&app, &email).await;
    let hash = |d: &Desk| samling::links::hash(d.cookie.split_once('=').unwrap().1);
    organiser_session::Entity::update_many()
        .col_expr(
            organiser_session::Column::LastSeenAt,
            (chrono::Utc::now() - chrono::Duration::hours(3)).into(),
        )
        .filter(organiser_session::Column::IdHash.eq(hash(&idle)))
        .exec(&app.db.conn)
        .await
        .unwrap();
    organiser_session::Entity::update_many()
        .col_expr(
            organiser_session::Column::ExpiresAt,
            (chrono::Utc::now() - chrono::Duration::seconds(1)).into(),
        )
        .filter(organiser_session::Column::IdHash.eq(hash(&expired)))
        .exec(&app.db.conn)
        .await
        .unwrap();
    for ended in [&idle, &expired] {
        let res = ended.get("/admin/networks").await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "back to the sign-in form"
        );
        assert_eq!(res.headers()[header::LOCATION], "/admin");
    }
    let res = desk.post("/admin/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        desk.get("/admin/networks").await.status(),
        StatusCode::SEE_OTHER
    );
    let left = organiser_session::Entity::find()
        .filter(organiser_session::Column::IdHash.eq(hash(&desk)))
        .one(&app.db.conn)
        .await
        .unwrap();
    assert!(left.is_none(), "sign-out ends the session on the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookie_on_https() {
    let app = TestApp::spawn_with(Engine::Sqlite, None, |s| {
        s.http.base_url = "https://samling.example.no".parse().unwrap();
    })
    .await
    .unwrap();
    let email = organiser(&app, "centre", false).await;
    let res = sign_in_raw(&app, &email, PASSWORD).await;
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    assert!(res.headers()[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_password_from_the_command_line() {
    use std::io::Write;
    let app = TestApp::spawn(Engine::Sqlite, None).await.unwrap();
    let (email, _) = app.new_organiser("centre", true).await;
    let database = format!(
        "sqlite://{}",
        app.outbox_dir
            .parent()
            .unwrap()
            .join("samling.db")
            .display()
    );
    let run = |password: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_samling"))
            .args(["organiser", "set-password", "--email", &email])
            .env("SAMLING_DATABASE_URL", &database)
            .env("SAMLING_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("kort");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let common = run("qwerty123456");
    assert!(String::from_utf8_lossy(&common.stderr).contains("most common"));
    assert!(run(PASSWORD).status.success());
    assert_eq!(
        sign_in_raw(&app, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // A reset revokes the tokens made at the desk, and says how many.
    let me = samling::service::organisers::organisers_by_email(&app.db, &email)
        .await
        .unwrap()
        .remove(0);
    let who = samling::service::audit::Who::Organiser(&me);
    for label in [Some("a".to_string()), None] {
        samling::service::organisers::create_token(&app.db, who, &me, label, app.clock.now())
            .await
            .unwrap();
    }
    let reset = run(PASSWORD);
    assert!(reset.status.success());
    let said = String::from_utf8_lossy(&reset.stdout);
    assert!(
        said.contains("2 API token(s) made at the desk were revoked"),
        "{said}"
    );

    // `organiser disable` locks the account out; `enable` gives it back.
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_samling"))
            .args(args)
            .env("SAMLING_DATABASE_URL", &database)
            .env("SAMLING_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = cli(&["organiser", "disable", "--email", &email]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 account(s)"));
    assert_eq!(
        sign_in_raw(&app, &email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let out = cli(&["organiser", "enable", "--email", &email]);
    assert!(out.status.success());
    assert_eq!(
        sign_in_raw(&app, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let out = cli(&["organiser", "disable", "--email", "nobody@example.no"]);
    assert!(!out.status.success(), "an unknown address is an error");
}

async fn other_organisations_get_404(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "ours", "name": "Ours"}))
        .await;
    let event = app.event(json!({"network": "ours"})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let rid = signup["id"].as_str().unwrap();
    let session = app.public_event(&event).await["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stranger = organiser(&app, "another-centre", true).await;
    let desk = sign_in(&app, &stranger).await;
    for path in [
        format!("/admin/events/{event}"),
        format!("/admin/events/{event}/edit"),
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/capacity?capacity=5"),
        format!("/admin/events/{event}/attendance?session={session}"),
        format!("/admin/events/{event}/registrations/{rid}/cancel"),
        format!("/admin/events/{event}/registrations.xlsx"),
        format!("/admin/events/{event}/registrations.csv"),
        "/admin/networks/ours".to_string(),
        format!("/admin/stats?event={event}"),
        "/admin/stats/participation.xlsx?network=ours".to_string(),
        "/admin/stats/chart.svg?network=ours".to_string(),
    ] {
        assert_eq!(
            desk.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    for path in [
        format!("/admin/events/{event}/edit"),
        format!("/admin/events/{event}/publish"),
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/capacity"),
        format!("/admin/events/{event}/attendance"),
        format!("/admin/events/{event}/registrations/{rid}/cancel"),
        "/admin/networks/ours/members".to_string(),
        "/admin/networks/ours/members/paste".to_string(),
        "/admin/networks/ours/members/remove".to_string(),
    ] {
        assert_eq!(
            desk.post(&path, &[("capacity", "5"), ("title", "x")])
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "POST {path}"
        );
    }
    assert_eq!(
        app.registrations(&event).await[0]["status"],
        "confirmed",
        "nothing changed"
    );
    let own = desk.get("/admin").await.text().await.unwrap();
    assert!(
        !own.contains("Fagdag rehabilitering"),
        "their list has only their events"
    );
}

async fn admin_only_actions(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let plain = organiser(&app, "centre", false).await;
    let admin = organiser(&app, "centre", true).await;
    let plain_desk = sign_in(&app, &plain).await;
    let admin_desk = sign_in(&app, &admin).await;
    assert_eq!(
        plain_desk.get("/admin/organisers").await.status(),
        StatusCode::FORBIDDEN
    );
    let page = admin_desk.get("/admin/organisers").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&plain));
    let plain_nav = plain_desk.get("/admin").await.text().await.unwrap();
    assert!(!plain_nav.contains("href=\"/admin/organisers\""));

    // The municipality list: an upload form for administrators only.
    let upload = |desk: &Desk| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", desk.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(
                    b"Kommune;Innbyggere;Region\nHorten;28 039;Vestfold\n".to_vec(),
                )
                .file_name("kommuner.csv"),
            );
        browser()
            .post(format!("{}/admin/municipalities", desk.base))
            .header(header::COOKIE, &desk.cookie)
            .multipart(form)
            .send()
    };
    assert_eq!(
        upload(&plain_desk).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert!(!plain_desk
        .get("/admin/municipalities")
        .await
        .text()
        .await
        .unwrap()
        .contains("multipart/form-data"));
    let res = upload(&admin_desk).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = admin_desk
        .get("/admin/municipalities")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Horten") && list.contains("28"));
    // A bad file: every bad line named, nothing imported.
    let bad = reqwest::multipart::Form::new()
        .text("csrf", admin_desk.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"Asker;mange\nNes;1;r;;31.02.2024\n".to_vec())
                .file_name("k.csv"),
        );
    let res = browser()
        .post(format!("{}/admin/municipalities", app.base))
        .header(header::COOKIE, &admin_desk.cookie)
        .multipart(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    // Every bad line named, in the page's language (the API words them in English).
    assert!(
        html.contains("Linje 1:") && html.contains("Linje 2:"),
        "{html}"
    );
    assert!(!html.contains("line 1"), "no English on a Norwegian page");

    // The same rule in the API.
    let plain_token = app.organiser_token("centre").await;
    let import = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/municipalities/import"))
                .bearer_auth(token)
                .body("Larvik;49 012;Vestfold\n")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(import(plain_token).await, StatusCode::FORBIDDEN);
    assert_eq!(import(app.token.clone()).await, StatusCode::OK);
}

async fn tokens_from_the_desk(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &email).await;
    let res = desk
        .post("/admin/tokens", &[("label", "Excel-skript")])
        .await;
    assert_eq!(res.status(), 200, "shown once, in this answer");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let html = res.text().await.unwrap();
    let at = html
        .find("value=\"sam_")
        .expect("the new token on the page")
        + 7;
    let token: String = html[at..].split('"').next().unwrap().to_string();
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/networks/nope/members",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        status, 404,
        "the token works (404: no such network, not 401)"
    );
    let list = desk.get("/admin/tokens").await.text().await.unwrap();
    assert!(
        list.contains("Excel-skript") && !list.contains(&token),
        "listed, never shown again"
    );
    let row = list
        .split("<tr>")
        .find(|r| r.contains("Excel-skript"))
        .unwrap();
    assert!(!row.contains("aldri"), "its last use is recorded: {row}");
    let revoke = list
        .split("href=\"")
        .find(|s| s.contains("/revoke\""))
        .map(|s| s.split('"').next().unwrap().to_string())
        .expect("a revoke link");
    assert_eq!(
        desk.get(&revoke).await.status(),
        200,
        "a confirmation first"
    );
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/networks/nope/members",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 404, "still valid before the confirmation");
    assert_eq!(
        desk.post(&revoke, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let (status, body) = app
        .call(
            reqwest::Method::GET,
            "/networks/nope/members",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
    // Someone else's token is not theirs to see or revoke.
    let other = organiser(&app, "centre", false).await;
    let other_desk = sign_in(&app, &other).await;
    assert_eq!(
        other_desk.get(&revoke).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn an_event_at_the_desk(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "demens", "name": "Demens"}))
        .await;
    let email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &email).await;
    let day = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let (d1, d2) = (day(20), day(50));
    let mut form = vec![
        ("title", "Kurs i to samlinger"),
        ("kind", "course"),
        ("network", "demens"),
        ("capacity", "1"),
        ("waitlist", "true"),
        ("session_id", ""),
        ("session_date", d1.as_str()),
        ("session_start", "09:00"),
        ("session_end", "15:00"),
        ("session_location", "Horten"),
        ("session_online_url", ""),
        ("action", "add_session"),
    ];
    // "Add another session" draws the form again with the input kept and a new row.
    let res = desk.post("/admin/events/new", &form).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Kurs i to samlinger\""));
    assert_eq!(html.matches("name=\"session_date\"").count(), 2);
    // An error keeps everything and says what is wrong.
    form.retain(|(k, _)| *k != "action" && *k != "title");
    form.extend([("title", ""), ("action", "publish")]);
    let res = desk.post("/admin/events/new", &form).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Feil: ") && html.contains("href=\"#title\""));
    assert!(html.contains(&format!("value=\"{d1}\"")));
    form.retain(|(k, _)| *k != "title");
    form.push(("title", "Kurs i to samlinger"));
    form.extend([
        ("session_id", ""),
        ("session_date", d2.as_str()),
        ("session_start", "09.00"),
        ("session_end", "15.00"),
        ("session_location", "Horten"),
        ("session_online_url", ""),
    ]);
    let res = desk.post("/admin/events/new", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let event = location
        .trim_start_matches("/admin/events/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let public = app.public_event(&event).await;
    assert_eq!(public["status"], "published");
    assert_eq!(public["sessions"].as_array().unwrap().len(), 2);
    let s1 = public["sessions"][0]["id"].as_str().unwrap().to_string();
    let home = reqwest::get(format!("{}/", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Kurs i to samlinger"));

    let (_, ase) = app.sign_up(&event, "Åse Øvrebø", "ase@example.no").await;
    let (_, bo) = app.sign_up(&event, "Bo Berg", "bo@example.no").await;
    assert_eq!(bo["status"], "waitlisted");
    let page = desk.get(&location).await.text().await.unwrap();
    assert!(page.contains("Åse Øvrebø") && page.contains("Bo Berg"));
    assert!(page.contains("registrations.xlsx") && page.contains("registrations.csv"));

    // Attendance for session 1 as a checklist: not before the session's day…
    let ase_id = ase["id"].as_str().unwrap();
    let sheet_form = [
        ("session", s1.as_str()),
        ("listed", ase_id),
        ("came", ase_id),
        ("action", "save"),
    ];
    let res = desk
        .post(&format!("/admin/events/{event}/attendance"), &sheet_form)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(back.ends_with("done=attendance_not_started"), "{back}");
    let refused = desk.get(&back).await.text().await.unwrap();
    assert!(refused.contains("økten har ikke begynt"), "{refused}");
    let (_, summary) = app.get(&format!("/events/{event}/attendance")).await;
    assert_eq!(summary["sessions"][0]["attended"], 0, "nothing saved");
    // …so session 1 is moved to today for this part (and back afterwards).
    let sessions = public["sessions"].as_array().unwrap().clone();
    let patch_first = |starts_at: String, ends_at: String| {
        let mut list: Vec<serde_json::Value> = sessions
            .iter()
            .map(|s| json!({"id": s["id"], "starts_at": s["starts_at"], "ends_at": s["ends_at"]}))
            .collect();
        list[0]["starts_at"] = json!(starts_at);
        list[0]["ends_at"] = json!(ends_at);
        json!({ "sessions": list })
    };
    let today = chrono::Utc::now() - chrono::Duration::minutes(1);
    let (status, body) = app
        .patch(
            &format!("/events/{event}"),
            patch_first(
                today.to_rfc3339(),
                (today + chrono::Duration::hours(2)).to_rfc3339(),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let sheet = desk
        .get(&format!("/admin/events/{event}/attendance?session={s1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(sheet.contains(&format!("value=\"{ase_id}\"")));
    let res = desk
        .post(
            &format!("/admin/events/{event}/attendance"),
            &[
                ("session", s1.as_str()),
                ("listed", ase_id),
                ("came", ase_id),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, summary) = app.get(&format!("/events/{event}/attendance")).await;
    assert_eq!(summary["sessions"][0]["attended"], 1);
    assert_eq!(summary["sessions"][1]["attended"], 0);
    let (status, body) = app
        .patch(
            &format!("/events/{event}"),
            patch_first(
                sessions[0]["starts_at"].as_str().unwrap().to_string(),
                sessions[0]["ends_at"].as_str().unwrap().to_string(),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The attendee list as the organiser downloads it, read back by calamine.
    let res = desk
        .get(&format!("/admin/events/{event}/registrations.xlsx"))
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("Deltakere").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = &rows[0];
    let col = header
        .iter()
        .position(|h| h.starts_with("Møtt økt 1"))
        .expect("a column per session");
    let ase_row = rows.iter().find(|r| r[0] == "Åse Øvrebø").expect("her row");
    assert_eq!(ase_row[col], "ja");
    // Without the session the download is not served.
    let res = browser()
        .get(format!(
            "{}/admin/events/{event}/registrations.xlsx",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Raising the capacity shows who gets a seat before it happens.
    let preview = desk
        .get(&format!("/admin/events/{event}/capacity?capacity=2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(preview.contains("Bo Berg"));
    assert_eq!(
        app.registrations(&event).await[1]["status"],
        "waitlisted",
        "a preview changes nothing"
    );
    assert_eq!(
        desk.post(
            &format!("/admin/events/{event}/capacity"),
            &[("capacity", "2")]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.registrations(&event).await[1]["status"], "confirmed");

    // Cancelling on someone's behalf, after a confirmation step; they are told.
    let bo_id = bo["id"].as_str().unwrap();
    let path = format!("/admin/events/{event}/registrations/{bo_id}/cancel");
    assert!(desk
        .get(&path)
        .await
        .text()
        .await
        .unwrap()
        .contains("Bo Berg"));
    assert_eq!(desk.post(&path, &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.registrations(&event).await[1]["status"], "cancelled");

    // Cancelling the event says how many will be told, and tells them.
    let confirm = desk
        .get(&format!("/admin/events/{event}/cancel"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("<strong>1</strong>"));
    let res = desk
        .post(
            &format!("/admin/events/{event}/cancel"),
            &[("reason", "Sykdom")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.public_event(&event).await["status"], "cancelled");
    app.mail_settled().await;
    let (_, mails) = app.get(&format!("/events/{event}/mails")).await;
    let kinds: Vec<&str> = mails
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "confirmation",
        "waitlisted",
        "promoted",
        "cancelled",
        "event_cancelled",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let page = desk.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("Avlyst"),
        "the desk shows the mail status and the event's state"
    );
}

/// Members pasted as a list (one bad line: every bad line named, nothing added), then a
/// good list, then one removed after its confirmation page.
async fn network_members_at_the_desk(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "demens", "name": "Demens"}))
        .await;
    let email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &email).await;
    let members = || async {
        let (status, body) = app.get("/networks/demens/members").await;
        assert_eq!(status, 200, "{body}");
        let mut list: Vec<String> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["email"].as_str().unwrap().to_string())
            .collect();
        list.sort();
        list
    };

    let res = desk
        .post(
            "/admin/networks/demens/members/paste",
            &[(
                "addresses",
                "kari@example.no\nikke en adresse\nOla Hansen <ola@example.no>",
            )],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Feil:") && html.contains("href=\"#addresses\""),
        "{html}"
    );
    assert!(
        html.contains("Linje 2: «ikke en adresse» er ikke en e-postadresse"),
        "the bad line is named by its number, in Norwegian: {html}"
    );
    assert!(members().await.is_empty(), "nothing half-added");

    let res = desk
        .post(
            "/admin/networks/demens/members/paste",
            &[(
                "addresses",
                "kari@example.no\n\nOla Hansen <ola@example.no>\n",
            )],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(members().await, ["kari@example.no", "ola@example.no"]);

    let confirm = desk
        .get("/admin/networks/demens/members/remove?email=kari%40example.no")
        .await;
    assert_eq!(confirm.status(), 200);
    assert!(confirm.text().await.unwrap().contains("kari@example.no"));
    assert_eq!(
        members().await.len(),
        2,
        "the confirmation page changes nothing"
    );
    let res = desk
        .post(
            "/admin/networks/demens/members/remove",
            &[("email", "kari@example.no")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(members().await, ["ola@example.no"]);
}

/// An edit at the desk goes through the same core function as the API: moving the session
/// an hour later mails the participant "changed time or place", with the new time, and the
/// event stays published.
async fn moving_a_session_at_the_desk_tells_the_participants(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"title": "Fagdag", "capacity": 5})).await;
    let (_, kari) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let rid = kari["id"].as_str().unwrap().to_string();
    assert_eq!(app.mails_for(&rid).await.len(), 1, "the confirmation");
    let session = app.public_event(&event).await["sessions"][0].clone();
    let starts: chrono::DateTime<chrono::Utc> =
        session["starts_at"].as_str().unwrap().parse().unwrap();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Europe::Oslo);
    // New times on the same local day (one date field holds both), whatever the hour the test
    // runs at: 10.00–13.00, or 11.00–14.00 if the session already starts at 10.
    let day = local(starts).date_naive();
    let hour = if chrono::Timelike::hour(&local(starts)) == 10 {
        11
    } else {
        10
    };
    let at = |h: u32| {
        chrono::TimeZone::from_local_datetime(
            &chrono_tz::Europe::Oslo,
            &day.and_hms_opt(h, 0, 0).unwrap(),
        )
        .single()
        .unwrap()
    };
    let (new_start, new_end) = (at(hour), at(hour + 3));
    let email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &email).await;
    assert_eq!(
        desk.get(&format!("/admin/events/{event}/edit"))
            .await
            .status(),
        200
    );
    let date = new_start.format("%Y-%m-%d").to_string();
    let (from, to) = (
        new_start.format("%H:%M").to_string(),
        new_end.format("%H:%M").to_string(),
    );
    let res = desk
        .post(
            &format!("/admin/events/{event}/edit"),
            &[
                ("title", "Fagdag"),
                ("kind", "gathering"),
                ("network", ""),
                ("capacity", "5"),
                ("waitlist", "true"),
                ("session_id", session["id"].as_str().unwrap()),
                ("session_date", &date),
                ("session_start", &from),
                ("session_end", &to),
                ("session_location", "Tønsberg"),
                ("session_online_url", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let public = app.public_event(&event).await;
    assert_eq!(public["status"], "published");
    let moved: chrono::DateTime<chrono::Utc> = public["sessions"][0]["starts_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // (The form has whole minutes.)
    assert_eq!(moved.timestamp() / 60, new_start.timestamp() / 60);
    let mails = loop {
        let mails = app.mails_for(&rid).await;
        if mails.len() >= 2 {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        mails[1]
            .subject()
            .starts_with("Endret tid eller sted: Fagdag"),
        "{}",
        mails[1].subject()
    );
    assert!(
        mails[1].data.contains(&from.replace(':', ".")),
        "the new time is in it"
    );
}

/// Login CSRF: another site's form must not sign the visitor's browser in (to an account the
/// other site chose). A sign-in POST whose Origin, or without one whose Referer, is not ours
/// gets a 403 page and no session; our own pages (by base URL or the Host the request came
/// to) and clients that send neither still sign in.
async fn sign_in_from_another_site_is_refused(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let email = organiser(&app, "centre", false).await;
    let post = |origin: Option<(&'static str, String)>| {
        let mut req = browser()
            .post(format!("{}/admin/sign-in", app.base))
            .form(&[("email", email.as_str()), ("password", PASSWORD)]);
        if let Some((name, value)) = origin {
            req = req.header(name, value);
        }
        req.send()
    };
    for (name, value) in [
        ("origin", "https://evil.example".to_string()),
        ("origin", "null".to_string()),
        ("referer", "https://evil.example/login.html".to_string()),
    ] {
        let res = post(Some((name, value.clone()))).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "no session"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains("<html"), "a page: {page}");
    }
    let sessions = organiser_session::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    assert!(sessions.is_empty(), "no session was made");
    for origin in [
        Some(("origin", app.base.clone())),
        Some(("referer", format!("{}/admin", app.base))),
        None,
    ] {
        let res = post(origin.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{origin:?}");
        assert!(res.headers().get(header::SET_COOKIE).is_some());
    }
}

/// A password reset ends the sessions and revokes every token made at the desk (a stolen
/// session could have made one to keep); tokens from `samling organiser add` stay.
async fn password_reset_revokes_the_desks_tokens(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (email, cli_token) = app.new_organiser("centre", false).await;
    samling::service::organisers::set_password(&app.db, &email, PASSWORD.into(), app.clock.now())
        .await
        .unwrap();
    let desk = sign_in(&app, &email).await;
    let mut desk_tokens = Vec::new();
    for label in ["Excel-skript", ""] {
        let html = desk
            .post("/admin/tokens", &[("label", label)])
            .await
            .text()
            .await
            .unwrap();
        let at = html.find("value=\"sam_").expect("the new token") + 7;
        desk_tokens.push(html[at..].split('"').next().unwrap().to_string());
    }
    for t in desk_tokens.iter().chain([&cli_token]) {
        assert!(token_works(&app, t).await);
    }
    let reset = samling::service::organisers::set_password(
        &app.db,
        &email,
        PASSWORD.into(),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(reset.accounts, 1);
    assert_eq!(reset.tokens_revoked, 2);
    for t in &desk_tokens {
        assert!(!token_works(&app, t).await, "a desk token answers 401");
    }
    assert!(
        token_works(&app, &cli_token).await,
        "the command line's token stays"
    );
    let res = desk.get("/admin/tokens").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the session ended");
    let (_, audit) = app.get("/audit").await;
    let revoked = audit.to_string().matches("token.revoke").count();
    assert_eq!(revoked, 2, "each revocation is in the audit log: {audit}");
}

/// An administrator disables a colleague at the desk (after a confirmation): the colleague
/// is signed out, refused at sign-in like a wrong password, every token answers 401, and
/// the audit log keeps their history and the disabling. Not oneself, not another
/// organisation's, not as a plain organiser. Enabling gives the account back.
async fn an_administrator_disables_an_organiser(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (email, token) = app.new_organiser("centre", false).await;
    samling::service::organisers::set_password(&app.db, &email, PASSWORD.into(), app.clock.now())
        .await
        .unwrap();
    let colleague = sign_in(&app, &email).await;
    let admin_email = organiser(&app, "centre", true).await;
    let admin = sign_in(&app, &admin_email).await;
    let id = samling::service::organisers::organisers_by_email(&app.db, &email)
        .await
        .unwrap()
        .remove(0)
        .id;
    let admin_id = samling::service::organisers::organisers_by_email(&app.db, &admin_email)
        .await
        .unwrap()
        .remove(0)
        .id;
    let list = admin.get("/admin/organisers").await.text().await.unwrap();
    let disable = format!("/admin/organisers/{id}/disable");
    assert!(list.contains(&disable), "a disable link: {list}");
    assert!(
        !list.contains(&format!("/admin/organisers/{admin_id}/disable")),
        "none for oneself"
    );

    // Not as a plain organiser, not from another organisation.
    let res = colleague
        .post(&format!("/admin/organisers/{admin_id}/disable"), &[])
        .await;
    assert!(
        matches!(res.status().as_u16(), 403 | 404),
        "{}",
        res.status()
    );
    let stranger = sign_in(&app, &organiser(&app, "another-centre", true).await).await;
    assert_eq!(stranger.get(&disable).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.post(&disable, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(token_works(&app, &token).await);

    // Not oneself.
    let res = admin
        .post(&format!("/admin/organisers/{admin_id}/disable"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(back.ends_with("done=disable_self"), "{back}");
    assert_eq!(
        admin.get("/admin/organisers").await.status(),
        200,
        "still signed in"
    );

    // The colleague, after a confirmation.
    let confirm = admin.get(&disable).await;
    assert_eq!(confirm.status(), 200);
    assert!(confirm.text().await.unwrap().contains(&email));
    let res = admin.post(&disable, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .ends_with("done=organiser_disabled"));
    assert_eq!(
        colleague.get("/admin/tokens").await.status(),
        StatusCode::SEE_OTHER,
        "their session ended"
    );
    let refused = sign_in_raw(&app, &email, PASSWORD).await;
    let wrong = sign_in_raw(&app, &email, "wrong password here").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers().get(header::SET_COOKIE).is_none());
    assert!(!token_works(&app, &token).await, "every token answers 401");
    let list = admin.get("/admin/organisers").await.text().await.unwrap();
    assert!(list.contains("Deaktivert"), "{list}");
    let (_, audit) = app.get("/audit").await;
    let text = audit.to_string();
    assert!(text.contains("organiser.disable"), "{text}");
    assert!(
        text.contains("\"sign_in\""),
        "the earlier entries stay: {text}"
    );

    // Enabled again: signs in, and the token works.
    let res = admin
        .post(&format!("/admin/organisers/{id}/enable"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        sign_in_raw(&app, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(token_works(&app, &token).await);
    let (_, audit) = app.get("/audit").await;
    assert!(audit.to_string().contains("organiser.enable"));
}

/// The statistics page shows its chart from a route of its own that writes nothing to the
/// audit log; the downloads beside it are logged, each time.
async fn viewing_statistics_is_not_a_download(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let centre = organiser(&app, "stats-centre", true).await;
    let desk = sign_in(&app, &centre).await;
    let downloads = || async {
        samling::db::entities::audit_entry::Entity::find()
            .filter(samling::db::entities::audit_entry::Column::Action.eq("statistics.download"))
            .all(&app.db.conn)
            .await
            .unwrap()
            .len()
    };
    let page = desk.get("/admin/stats?year=2026").await;
    assert_eq!(page.status(), StatusCode::OK);
    let chart = desk.get("/admin/stats/chart.svg?year=2026").await;
    assert_eq!(chart.status(), StatusCode::OK);
    assert!(chart.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    assert!(chart.text().await.unwrap().contains("<svg"));
    assert_eq!(downloads().await, 0, "viewing is not downloading");
    let svg = desk.get("/admin/stats/participation.svg?year=2026").await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(downloads().await, 1, "the download is logged");
}
