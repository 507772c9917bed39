//! Safe on the open internet: the abuse limits with the production numbers (a NAT-sized
//! rush passes, a script does not, a spoofed `X-Forwarded-For` moves nothing), growing
//! waits after failed sign-ins, a slow-loris client cut off without holding up shutdown,
//! the security headers on every kind of answer, and logs without tokens or addresses.
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::{header, StatusCode};
use samling::config::{Settings, TrustedProxies};
use serde_json::{json, Value};

use crate::helpers::{
    browser, link_token, organiser, sign_in_raw, Engine, ServeProcess, TestApp, PASSWORD,
};
use crate::on_both_engines;

on_both_engines!(
    a_nat_rush_passes_a_script_does_not,
    spoofed_forwarded_for_is_ignored,
    failed_sign_ins_make_the_account_wait,
    every_answer_has_the_security_headers,
    logs_hold_no_tokens_or_addresses,
    sign_ins_personal_feeds_and_everything_are_limited_per_address
);

/// The limits of `config/default.toml`, as production runs them.
fn production_limits(settings: &mut Settings) {
    settings.rate_limits = Settings::defaults_with_database("sqlite::memory:").rate_limits;
}

/// Signs up `n` people from `address` (as a trusted proxy reports it), 16 at a time; the
/// statuses.
async fn rush(app: &TestApp, event: &str, address: &str, from: usize, n: usize) -> Vec<u16> {
    futures::stream::iter(from..from + n)
        .map(|i| async move {
            app.client
                .post(app.url(&format!("/events/{event}/registrations")))
                .header("x-forwarded-for", address)
                .json(
                    &json!({"name": format!("Deltaker {i}"), "email": format!("p{i}@kommune.no")}),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
        .buffer_unordered(16)
        .collect()
        .await
}

async fn a_nat_rush_passes_a_script_does_not(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        production_limits(s);
        s.http.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 1000})).await;
    let nat = "203.0.113.10";
    // A municipality behind one address: 300 sign-ups for one course within a minute.
    let started = Instant::now();
    let first = rush(&app, &event, nat, 0, 300).await;
    assert!(first.iter().all(|s| *s == 201), "{first:?}");
    assert!(started.elapsed() < Duration::from_secs(60));
    // The per-event limit is 500 a minute (a burst of 500, then one more each 120 ms):
    // a script firing on gets 429 from there on.
    let statuses = rush(&app, &event, nat, 300, 300).await;
    let elapsed = started.elapsed().as_secs_f64();
    let accepted = 300 + statuses.iter().filter(|s| **s == 201).count();
    let allowed = 500 + (elapsed * 500.0 / 60.0).ceil() as usize;
    assert!(
        (500..=allowed).contains(&accepted),
        "{accepted} accepted in {elapsed:.1} s"
    );
    assert!(statuses.iter().all(|s| *s == 201 || *s == 429));
    // Firing on is refused at once (a token that refilled meanwhile may let one through).
    let mut res = None;
    for i in 0..3 {
        let answer = app
            .client
            .post(app.url(&format!("/events/{event}/registrations")))
            .header("x-forwarded-for", nat)
            .json(&json!({"name": "Skript", "email": format!("script{i}@example.org")}))
            .send()
            .await
            .unwrap();
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            res = Some(answer);
            break;
        }
    }
    let res = res.expect("a 429 after the limit");
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    // The form from the same address gets a page saying so (here too a token that refilled
    // meanwhile, one each 120 ms, may let one through first).
    let mut res = None;
    for i in 0..3 {
        let answer = browser()
            .post(format!("{}/events/{event}", app.base))
            .header("x-forwarded-for", nat)
            .form(&[
                ("name", "Skript"),
                ("email", &format!("form{i}@example.org")),
            ])
            .send()
            .await
            .unwrap();
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            res = Some(answer);
            break;
        }
        assert_eq!(
            answer.status(),
            StatusCode::SEE_OTHER,
            "signed up or refused"
        );
    }
    let res = res.expect("the form refused after the limit");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("For mange forespørsler"));
    // Meanwhile another address signs up, and the same address for another event too.
    let other = rush(&app, &event, "203.0.113.11", 1000, 1).await;
    assert_eq!(other, vec![201]);
    let second_event = app.event(json!({"capacity": 10})).await;
    assert_eq!(rush(&app, &second_event, nat, 2000, 1).await, vec![201]);
    let total = app.registrations(&event).await.len();
    assert!((accepted + 1..=accepted + 3).contains(&total), "{total}");
}

async fn spoofed_forwarded_for_is_ignored(engine: Engine) {
    // No trusted proxy: the socket's address is the client, whatever the headers say.
    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        production_limits(s);
        s.rate_limits.signups_per_event_per_minute = 3;
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 10})).await;
    for (i, spoof) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        assert_eq!(rush(&app, &event, spoof, i, 1).await, vec![201]);
    }
    assert_eq!(rush(&app, &event, "198.51.100.4", 3, 1).await, vec![429]);
    let res = app
        .client
        .post(app.url(&format!("/events/{event}/registrations")))
        .header(header::FORWARDED, "for=198.51.100.5")
        .json(&json!({"name": "X", "email": "x@example.org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

async fn failed_sign_ins_make_the_account_wait(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, None, production_limits).await else {
        return;
    };
    let email = organiser(&app, "centre", false).await;
    // Five free failures, then each further one waits: 1 s after the sixth.
    for _ in 0..6 {
        let res = sign_in_raw(&app, &email, "wrong-password-here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = sign_in_raw(&app, &email, PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = sign_in_raw(&app, &email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A success forgets the failures.
    let res = sign_in_raw(&app, &email, "wrong-password-here").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// The headers every answer must carry, and its `Cache-Control` if it must not be stored.
fn assert_headers(what: &str, res: &reqwest::Response, personal: bool) {
    let h = res.headers();
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert!(h.contains_key(header::REFERRER_POLICY), "{what}");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{what}");
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"),
        "{what}"
    );
    assert!(h.contains_key(header::CACHE_CONTROL), "{what}");
    if personal {
        assert!(
            h[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("no-store"),
            "{what}: {:?}",
            h[header::CACHE_CONTROL]
        );
    }
    assert!(
        h.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "{what}: the base URL is https"
    );
}

async fn every_answer_has_the_security_headers(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        s.http.base_url = "https://samling.example.no".parse().unwrap();
        s.rate_limits.participant_posts_per_minute = 2;
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let manage = app.manage_token(&signup).await;
    let feed = app.feed_path(&signup).await;
    let get = |path: String, token: bool| {
        let app = &app;
        async move {
            let request = browser().get(format!("{}{path}", app.base));
            let request = if token {
                request.bearer_auth(&app.token)
            } else {
                request
            };
            request.send().await.unwrap()
        }
    };
    let cases: Vec<(String, reqwest::Response, bool)> = vec![
        ("home page".into(), get("/".into(), false).await, false),
        (
            "event page".into(),
            get(format!("/events/{event}"), false).await,
            false,
        ),
        (
            "page 404".into(),
            get("/finnes-ikke".into(), false).await,
            true,
        ),
        (
            "participant page".into(),
            get(format!("/r/{manage}"), false).await,
            true,
        ),
        (
            "participant data".into(),
            get(format!("/r/{manage}/data.json"), false).await,
            true,
        ),
        ("personal feed".into(), get(feed.clone(), false).await, true),
        (
            "public feed".into(),
            get("/feeds/organisations/centre.ics".into(), false).await,
            false,
        ),
        (
            "API list".into(),
            get("/api/v1/events".into(), false).await,
            true,
        ),
        (
            "API registrations".into(),
            get(format!("/api/v1/events/{event}/registrations"), true).await,
            true,
        ),
        (
            "API 401".into(),
            get(format!("/api/v1/events/{event}/registrations"), false).await,
            true,
        ),
        (
            "API 404".into(),
            get("/api/v1/nothing".into(), false).await,
            true,
        ),
        (
            "attendee list".into(),
            get(format!("/api/v1/events/{event}/registrations.csv"), true).await,
            true,
        ),
        (
            "414".into(),
            get(format!("/?q={}", "x".repeat(9000)), false).await,
            true,
        ),
        ("health".into(), get("/healthz".into(), false).await, true),
        (
            "stylesheet".into(),
            get("/static/samling.css".into(), false).await,
            false,
        ),
        (
            "desk sign-in".into(),
            get("/admin".into(), false).await,
            true,
        ),
    ];
    for (what, res, personal) in &cases {
        assert_headers(what, res, *personal);
    }
    assert_eq!(cases[12].1.status(), StatusCode::URI_TOO_LONG);
    let too_large = browser()
        .post(app.url("/events"))
        .bearer_auth(&app.token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_headers("413", &too_large, true);
    let redirect = browser()
        .post(format!("{}/events/{event}", app.base))
        .form(&[("name", "Ola"), ("email", "ola@example.no")])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::SEE_OTHER);
    assert_headers("303", &redirect, true);
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            browser()
                .post(app.url(&format!("/registrations/{manage}/feed-link")))
                .send()
                .await
                .unwrap(),
        );
    }
    let limited = last.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_headers("429", &limited, true);
}

async fn logs_hold_no_tokens_or_addresses(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("samling.db").display()),
        Engine::Postgres => match crate::helpers::fresh_postgres_database().await {
            Some(url) => url,
            None => return,
        },
    };
    let outbox = dir.path().join("outbox");
    let log_path = dir.path().join("samling.log");
    let process = ServeProcess::start_with(
        &database_url,
        &[
            ("SAMLING_SMTP_URL", ""),
            ("SAMLING_OUTBOX_DIR", outbox.to_str().unwrap()),
            ("SAMLING_LOG", "debug"),
        ],
        Some(std::fs::File::create(&log_path).unwrap()),
    )
    .await;
    let mut app = TestApp::attach(&database_url, &process.base).await;
    app.outbox_dir = outbox;
    // A participant's year: sign up (API and form), open the mailed links, the feed, the
    // data download, cancel; an organiser signs in, downloads the list, uses the API.
    let event = app.event(json!({"capacity": 1})).await;
    let (_, kari) = app
        .sign_up(&event, "Kari", "kari.nordmann@example.no")
        .await;
    let (_, ola) = app.sign_up(&event, "Ola", "ola.hansen@example.no").await;
    let res = browser()
        .post(format!("{}/events/{event}", app.base))
        .form(&[("name", "Per"), ("email", "per.olsen@example.no")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let manage = app.manage_token(&kari).await;
    let feed = app.feed_path(&kari).await;
    for path in [
        format!("/r/{manage}"),
        format!("/r/{manage}/data.json"),
        feed.clone(),
    ] {
        let res = browser()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let res = browser()
        .post(format!("{}/r/{manage}/cancel", app.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection() || res.status().is_success());
    let ola_token = app.manage_token(&ola).await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{ola_token}/cancel"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let email = organiser(&app, "centre", true).await;
    let signed_in = sign_in_raw(&app, &email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie_pair = signed_in.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let cookie = cookie_pair.split_once('=').unwrap().1.to_string();
    let res = browser()
        .get(format!(
            "{}/admin/events/{event}/registrations.csv",
            app.base
        ))
        .header(header::COOKIE, &cookie_pair)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .get(app.url(&format!("/events/{event}/registrations.xlsx")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    // A network member added and removed through the API: the address is in the path.
    app.post("/networks", json!({"slug": "demens", "name": "Demens"}))
        .await;
    app.post(
        "/networks/demens/members",
        json!({"email": "marit.berg@example.no"}),
    )
    .await;
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            "/networks/demens/members/marit.berg%40example.no",
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    // Something must be logged for the test to mean anything.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut log = String::new();
    std::fs::File::open(&log_path)
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("answered"), "access log lines are written");
    assert!(
        log.lines()
            .any(|l| l.contains(&request_id) && l.contains("answered")),
        "the request id {request_id} is in the request's log lines"
    );
    assert!(log.contains("/r/***"), "participant paths are masked");
    let feed_token = link_token(&feed, "/feeds/me/").unwrap();
    let secrets = [
        manage.as_str(),
        ola_token.as_str(),
        feed_token.as_str(),
        app.token.as_str(),
        cookie.as_str(),
        PASSWORD,
        "kari.nordmann",
        "ola.hansen",
        "per.olsen",
        "marit.berg",
        email.split('@').next().unwrap(),
    ];
    for secret in secrets {
        assert!(
            !log.contains(secret),
            "the log holds {secret:?}:\n{}",
            log.lines()
                .filter(|l| l.contains(secret))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    drop(process);
}

/// A client that sends its headers a byte at a time is cut off after the header timeout,
/// and a connection held open that way does not hold up shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_is_cut_off_and_does_not_hold_up_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("samling.db").display());
    let mut settings = Settings::defaults_with_database(&url);
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.mail.outbox_dir = dir.path().join("outbox");
    settings.http.limits.header_timeout = Duration::from_secs(1);
    settings.http.limits.drain = Duration::from_secs(30);
    let app = samling::app::Application::build(settings).await.unwrap();
    let address = format!("127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    // One byte every 200 ms: the connection is closed about a second in.
    let loris = |address: String| {
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let started = Instant::now();
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
                if stream.write_all(&[*byte]).is_err() {
                    break;
                }
                let mut buf = [0u8; 512];
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => break,
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
                if started.elapsed() > Duration::from_secs(20) {
                    break;
                }
            }
            started.elapsed()
        })
    };
    let held = loris(address.clone()).await.unwrap();
    assert!(
        held < Duration::from_secs(4),
        "a slow client held its connection for {held:?}"
    );

    // Another slow client is mid-headers when shutdown begins: shutdown does not wait the
    // 30 s drain for it.
    let second = loris(address.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("shutdown finished")
        .unwrap()
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "shutdown took {:?}",
        asked.elapsed()
    );
    assert!(second.await.unwrap() < Duration::from_secs(5));
}

/// The sign-in, personal-feed and overall limits, each at a small number here: the request
/// past the limit gets 429 with `Retry-After` (a page for browsers, JSON under /api), and
/// another address is not held up by it.
async fn sign_ins_personal_feeds_and_everything_are_limited_per_address(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, None, |s| {
        s.rate_limits = samling::config::RateLimits {
            sign_ins_per_minute: 3,
            personal_feed_per_minute: 3,
            requests_per_minute: 12,
            ..samling::config::RateLimits::off()
        };
        s.http.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
    else {
        return;
    };
    let event = app.event(json!({"capacity": 5})).await;
    let (_, kari) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let feed = app.feed_path(&kari).await;
    let from = |address: &'static str, request: reqwest::RequestBuilder| async move {
        request
            .header("x-forwarded-for", address)
            .send()
            .await
            .unwrap()
    };
    let sign_in = || {
        browser()
            .post(format!("{}/admin/sign-in", app.base))
            .form(&[
                ("email", "nobody@example.no"),
                ("password", "wrong-password-1"),
            ])
    };
    let get = |path: &str| browser().get(format!("{}{path}", app.base));

    // Sign-in attempts from one address: three, then 429 as a page.
    for _ in 0..3 {
        assert_ne!(from("198.51.100.1", sign_in()).await.status(), 429);
    }
    let refused = from("198.51.100.1", sign_in()).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert!(refused.text().await.unwrap().contains("<html"));
    assert_ne!(from("198.51.100.9", sign_in()).await.status(), 429);

    // The personal feed from one address: three, then 429.
    for _ in 0..3 {
        assert_eq!(from("198.51.100.2", get(&feed)).await.status(), 200);
    }
    let refused = from("198.51.100.2", get(&feed)).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(from("198.51.100.8", get(&feed)).await.status(), 200);

    // Everything from one address: twelve requests, then 429 (JSON under /api).
    for _ in 0..12 {
        assert_eq!(
            from("198.51.100.3", get("/api/v1/events")).await.status(),
            200
        );
    }
    let refused = from("198.51.100.3", get("/api/v1/events")).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert_eq!(
        from("198.51.100.7", get("/api/v1/events")).await.status(),
        200
    );
}
