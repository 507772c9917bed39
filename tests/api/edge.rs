//! The edge of the service under attack: limits that encoded ids cannot dodge, IPv6 keyed
//! by /64, a sign-in burst that cannot exhaust memory, connection caps that answer instead
//! of resetting, and seat squatting by invented addresses.
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::helpers::{self, Engine, ServeProcess, TestApp};

const ENGINES: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

/// An event with `capacity` seats and a waiting list.
async fn course(app: &TestApp, capacity: i32) -> String {
    app.event(json!({"capacity": capacity, "waitlist": true}))
        .await
}

/// A sign-up body.
fn person(i: usize) -> Value {
    json!({"name": format!("Deltaker {i}"), "email": format!("p{i}@example.no")})
}

/// Every spelling of one event id that reaches the same handler counts against the same
/// per-event sign-up limit: percent-encoded characters, upper case, no hyphens, braces,
/// and the sign-up page's form alike.
#[tokio::test]
async fn encoded_event_ids_count_against_the_same_signup_limit() {
    for engine in ENGINES {
        let Some(app) = TestApp::spawn_with(engine, None, |s| {
            s.rate_limits.signups_per_event_per_minute = 3;
        })
        .await
        else {
            continue;
        };
        let event = course(&app, 100).await;
        let encoded_first = format!("%{:02x}{}", event.as_bytes()[0], &event[1..]);
        let simple = event.replace('-', "");
        let variants = [
            event.clone(),
            encoded_first.clone(),
            event.to_uppercase(),
            simple.clone(),
            format!("%7B{event}%7D"),
            format!("{}%2D{}", &event[..8], &event[9..]),
        ];
        let mut accepted = 0;
        let mut limited = 0;
        for (i, id) in variants.iter().enumerate() {
            let res = app
                .client
                .post(format!("{}/api/v1/events/{id}/registrations", app.base))
                .json(&person(i))
                .send()
                .await
                .unwrap();
            match res.status() {
                StatusCode::CREATED => accepted += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    assert!(res.headers().contains_key("retry-after"));
                    limited += 1
                }
                other => panic!("{engine:?} {id}: {other}"),
            }
        }
        assert_eq!((accepted, limited), (3, 3), "{engine:?}");
        // The page form with an encoded id counts against the same limit.
        let res = helpers::browser()
            .post(format!("{}/events/{encoded_first}", app.base))
            .form(&[("name", "Kari"), ("email", "kari@example.no")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
        let (_, public) = app.get(&format!("/events/{event}")).await;
        assert_eq!(public["confirmed_count"], 3, "{engine:?}: {public}");
    }
}

/// Ten addresses of one IPv6 /64 share one limit; the next /64 has its own.
#[tokio::test]
async fn ipv6_addresses_are_limited_by_their_64() {
    let Some(app) = TestApp::spawn_with(Engine::Sqlite, None, |s| {
        s.rate_limits.signups_per_event_per_minute = 5;
        s.http.trusted_proxies = samling::config::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
    else {
        return;
    };
    let event = course(&app, 100).await;
    let sign_up = |addr: String, i: usize| {
        let app = &app;
        let event = &event;
        async move {
            app.client
                .post(app.url(&format!("/events/{event}/registrations")))
                .header("x-forwarded-for", addr)
                .json(&person(i))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let mut accepted = 0;
    for i in 0..10 {
        if sign_up(format!("2001:db8:7:9:{i:x}::1"), i).await == StatusCode::CREATED {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 5, "ten addresses of one /64 passed a limit of 5");
    assert_eq!(
        sign_up("2001:db8:7:a::1".into(), 99).await,
        StatusCode::CREATED,
        "another /64 is another client"
    );
}

/// The resident set size high-water mark of a process, in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

/// 300 sign-in attempts at once (unknown addresses, every per-address limit off, as from
/// rotating addresses) keep the process small, because password checks take turns; the
/// ones that cannot get a turn in time are told to come back (503 + Retry-After), and the
/// organiser with the right password gets in meanwhile.
#[tokio::test]
async fn a_sign_in_burst_keeps_memory_flat_and_lets_the_owner_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("samling.db").display());
    let server = ServeProcess::start_with(
        &url,
        &[
            ("SAMLING_RATE_SIGN_INS_PER_MINUTE", "0"),
            ("SAMLING_RATE_REQUESTS_PER_MINUTE", "0"),
            ("SAMLING_RATE_SIGN_IN_FREE_FAILURES", "1000000"),
        ],
        None,
    )
    .await;
    let app = TestApp::attach(&url, &server.base).await;
    let owner = helpers::organiser(&app, "centre", true).await;
    let pid = server.child.id();
    let before = peak_rss_mib(pid);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let attempts = (0..300).map(|i| {
        let client = client.clone();
        let base = server.base.clone();
        tokio::spawn(async move {
            client
                .post(format!("{base}/admin/sign-in"))
                .form(&[
                    ("email", format!("ukjent{i}@example.no")),
                    ("password", "feil-passord-123".into()),
                ])
                .send()
                .await
                .map(|r| (r.status(), r.headers().contains_key("retry-after")))
        })
    });
    let burst: Vec<_> = attempts.collect();
    // The owner signs in while the burst runs, coming back as Retry-After says.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let owner_in = loop {
        let res = helpers::sign_in_raw(&app, &owner, helpers::PASSWORD).await;
        match res.status() {
            StatusCode::SEE_OTHER => break started.elapsed(),
            StatusCode::SERVICE_UNAVAILABLE => {
                let wait: u64 = res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "owner kept out"
                );
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => panic!("owner's sign-in: {other}"),
        }
    };
    let mut refused = 0;
    let mut busy = 0;
    for task in burst {
        match task.await.unwrap() {
            Ok((StatusCode::UNAUTHORIZED, _)) => refused += 1,
            Ok((StatusCode::SERVICE_UNAVAILABLE, true)) => busy += 1,
            Ok((other, _)) => panic!("an attempt answered {other}"),
            Err(e) => panic!("an attempt failed: {e:?}"),
        }
    }
    assert_eq!(refused + busy, 300);
    assert!(refused > 0, "some attempts were checked");
    let peak = peak_rss_mib(pid);
    assert!(
        peak < 150,
        "peak RSS {peak} MiB (before the burst {before} MiB); owner in after {owner_in:?}"
    );
}

/// A TCP connection to `server` from the loopback address `from`.
async fn connect_from(from: &str, server: SocketAddr) -> tokio::net::TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    socket.connect(server).await.unwrap()
}

/// Sends a request's headers promising a body that never comes.
async fn stall(stream: &mut tokio::net::TcpStream, event: &str) {
    let head = format!(
        "POST /api/v1/events/{event}/registrations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
}

/// Reads what the server sends until it closes (at most `limit`).
async fn read_all(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&out).into_owned())
}

/// Real sockets against the caps: one address holding its whole share of stalled
/// connections gets a fast 503 with Retry-After for the next one while everyone else is
/// served; a body that never comes is cut off; near the cap idle keep-alive connections are
/// closed first; over it a 503 (JSON for the API), counted in /metrics.
#[tokio::test]
async fn connection_caps_answer_503_and_keep_the_service_up_for_others() {
    let Some(app) = TestApp::spawn_with(Engine::Sqlite, None, |s| {
        s.http.limits.max_connections = 32;
        s.http.limits.max_connections_per_address = 8;
        s.http.limits.body_timeout = Duration::from_secs(2);
        s.keys.metrics_token = Some(samling::config::Secret::new(
            "metrics-token-0123456789".into(),
        ));
    })
    .await
    else {
        return;
    };
    let server: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let event = course(&app, 10).await;

    // One address: its 8 stalled connections, then a fast 503 for the ninth.
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut s = connect_from("127.0.0.2", server).await;
        stall(&mut s, &event).await;
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut ninth = connect_from("127.0.0.2", server).await;
    ninth
        .write_all(b"GET /api/v1/events HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_all(&mut ninth, Duration::from_secs(3))
        .await
        .expect("the refused connection is answered and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: "),
        "{answer}"
    );
    assert!(
        answer.contains("server_busy"),
        "the API gets JSON: {answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "fast");
    // Everyone else is served meanwhile.
    let res = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The stalled bodies are cut off after the body timeout, freeing the connections.
    for s in &mut stalled {
        assert!(
            read_all(s, Duration::from_secs(6)).await.is_some(),
            "a body that never comes is cut off"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from("127.0.0.2", server).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_all(&mut again, Duration::from_secs(3)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Idle keep-alive connections from many addresses fill the server near its cap…
    let mut idle = Vec::new();
    for i in 0..28 {
        let mut s = connect_from(&format!("127.0.1.{}", i % 8 + 1), server).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        idle.push(s);
    }
    // …and a newcomer is still served: the longest idle ones were closed for it.
    let res = reqwest::Client::new()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "served near the cap");
    let mut closed = 0;
    for s in &mut idle {
        let mut buf = [0u8; 16];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert!(closed > 0, "idle keep-alive connections were closed first");
    drop(idle);

    // Busy connections at the cap: the next one gets the page (not an API path).
    let mut busy = Vec::new();
    for i in 0..32 {
        let mut s = connect_from(&format!("127.0.2.{}", i % 6 + 1), server).await;
        stall(&mut s, &event).await;
        busy.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut over = connect_from("127.0.3.1", server).await;
    over.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_all(&mut over, Duration::from_secs(3)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("<html lang=\"nb\""), "a page: {answer}");
    drop(busy);
    tokio::time::sleep(Duration::from_secs(3)).await;

    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .bearer_auth("metrics-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains("samling_connections_refused_total{reason=\"max_connections_per_address\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("samling_connections_refused_total{reason=\"max_connections\"}"),
        "{metrics}"
    );
}

/// Sign-ups from `addr` (through the trusted proxy), at once; the answers.
async fn rush_from(
    app: &TestApp,
    event: &str,
    addr: &str,
    people: std::ops::Range<usize>,
) -> Vec<Value> {
    let calls = people.map(|i| {
        let client = app.client.clone();
        let url = app.url(&format!("/events/{event}/registrations"));
        let addr = addr.to_string();
        async move {
            let res = client
                .post(url)
                .header("x-forwarded-for", addr)
                .json(&person(i))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.unwrap()
        }
    });
    futures::future::join_all(calls).await
}

/// How long an unconfirmed place is held in these tests (the app's clock is moved past it).
const HOLD: Duration = Duration::from_secs(2 * 3600);

async fn squatting_app(engine: Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, None, |s| {
        s.http.trusted_proxies = samling::config::TrustedProxies::parse("127.0.0.1").unwrap();
        s.signup_check = samling::domain::MailCheck {
            share_percent: 10,
            at_least: 5,
            hold: chrono::Duration::from_std(HOLD).unwrap(),
        };
    })
    .await
}

/// Moves the app's clock past the hold and runs the scheduler's tick, which releases the
/// places still unconfirmed.
async fn after_the_hold(app: &TestApp) {
    app.advance(chrono::Duration::from_std(HOLD).unwrap() + chrono::Duration::minutes(1));
    app.tick().await;
}

/// Waits until the event's counters are `confirmed`/`waitlisted`, at most 30 s.
async fn wait_for_counts(app: &TestApp, event: &str, confirmed: i64, waitlisted: i64) -> Value {
    let started = Instant::now();
    loop {
        let (_, e) = app.get(&format!("/events/{event}")).await;
        if e["confirmed_count"] == confirmed && e["waitlist_length"] == waitlisted {
            return e;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "counts stayed {} / {}",
            e["confirmed_count"],
            e["waitlist_length"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A script behind one address invents 500 people for a 70-seat course: beyond the free
/// share (10 % of the seats) every place is held only until confirmed from the mail, so
/// after the hold the script keeps its 7 and the real person from elsewhere, who was on the
/// waiting list, has a seat. Nothing oversold, every count exact.
#[tokio::test]
async fn invented_addresses_hold_nothing_beyond_their_share_after_the_hold() {
    for engine in ENGINES {
        let Some(app) = squatting_app(engine).await else {
            continue;
        };
        let event = course(&app, 70).await;
        let answers = rush_from(&app, &event, "198.51.100.7", 0..500).await;
        let held = answers
            .iter()
            .filter(|a| a.get("confirm_by").is_some())
            .count();
        assert_eq!(held, 493, "{engine:?}: all but the free 7 are held");
        let real = rush_from(&app, &event, "203.0.113.50", 1000..1001).await;
        assert_eq!(real[0]["status"], "waitlisted", "{engine:?}");
        assert!(
            real[0].get("confirm_by").is_none(),
            "a first sign-up from elsewhere is not held"
        );
        after_the_hold(&app).await;
        wait_for_counts(&app, &event, 8, 0).await;
        let regs = app.registrations(&event).await;
        let active: Vec<&Value> = regs.iter().filter(|r| r["status"] != "cancelled").collect();
        assert_eq!(active.len(), 8, "{engine:?}");
        assert!(active.iter().all(|r| r["status"] == "confirmed"));
        let real_now = regs.iter().find(|r| r["id"] == real[0]["id"]).unwrap();
        assert_eq!(real_now["status"], "confirmed", "{engine:?}: promoted");
        assert!(
            active.iter().all(|r| r.get("confirm_by").is_none()),
            "{engine:?}: no hold left"
        );
        // A released participant was told why.
        let released = answers
            .iter()
            .find(|a| a.get("confirm_by").is_some())
            .unwrap();
        let mails = app.mails_for(released["id"].as_str().unwrap()).await;
        let started = Instant::now();
        let mut mails = mails;
        while mails.len() < 2 && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            mails = app.mails_for(released["id"].as_str().unwrap()).await;
        }
        assert!(
            mails[0].subject().contains("Bekreft"),
            "{}",
            mails[0].subject()
        );
        let (text, _) = mails.last().unwrap().bodies();
        assert!(text.contains("innen fristen"), "{engine:?}: {text}");
    }
}

/// 200 nurses of one municipality behind one NAT address sign up for a 250-seat course:
/// the first 25 as always, the rest confirm from their mail, and after the hold all 200
/// still have their seats.
#[tokio::test]
async fn a_municipality_behind_one_address_keeps_every_confirmed_seat() {
    for engine in ENGINES {
        let Some(app) = squatting_app(engine).await else {
            continue;
        };
        let event = course(&app, 250).await;
        let answers = rush_from(&app, &event, "192.0.2.10", 0..200).await;
        let held: Vec<&Value> = answers
            .iter()
            .filter(|a| a.get("confirm_by").is_some())
            .collect();
        assert_eq!(held.len(), 175, "{engine:?}");
        let confirms = held.iter().map(|signup| {
            let app = &app;
            async move {
                let token = app.manage_token(signup).await;
                let res = helpers::browser()
                    .post(format!("{}/r/{token}/confirm", app.base))
                    .header("x-forwarded-for", "192.0.2.10")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::SEE_OTHER);
                let page = helpers::browser()
                    .get(format!(
                        "{}{}",
                        app.base,
                        res.headers()["location"].to_str().unwrap()
                    ))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert!(!page.contains("/confirm\""), "no confirm button any more");
            }
        });
        futures::future::join_all(confirms).await;
        after_the_hold(&app).await;
        wait_for_counts(&app, &event, 200, 0).await;
        let regs = app.registrations(&event).await;
        assert_eq!(
            regs.iter().filter(|r| r["status"] == "confirmed").count(),
            200,
            "{engine:?}"
        );
        // The API confirms too (idempotent once confirmed).
        let token = app.manage_token(held[0]).await;
        let (status, body) = app
            .call(
                reqwest::Method::POST,
                &format!("/registrations/{token}/confirm"),
                None,
                None,
            )
            .await;
        assert_eq!((status, &body["changed"]), (200, &json!(false)), "{body}");
    }
}

/// Moving an event's start earlier shortens the holds of its unconfirmed places, so they are
/// still released before the new start (and the squatter does not keep them).
#[tokio::test]
async fn a_start_moved_earlier_shortens_the_holds() {
    for engine in ENGINES {
        let Some(app) = TestApp::spawn_with(engine, None, |s| {
            s.http.trusted_proxies = samling::config::TrustedProxies::parse("127.0.0.1").unwrap();
            s.signup_check = samling::domain::MailCheck {
                share_percent: 10,
                at_least: 5,
                hold: chrono::Duration::hours(24),
            };
        })
        .await
        else {
            continue;
        };
        let event = course(&app, 10).await;
        let answers = rush_from(&app, &event, "198.51.100.8", 0..7).await;
        assert_eq!(
            answers
                .iter()
                .filter(|a| a.get("confirm_by").is_some())
                .count(),
            2,
            "{engine:?}"
        );
        let start = chrono::Utc::now() + chrono::Duration::hours(2);
        let (status, body) = app
            .patch(
                &format!("/events/{event}"),
                json!({"sessions": [{"starts_at": start.to_rfc3339(), "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(), "location": "Tønsberg"}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let latest = start - chrono::Duration::minutes(10);
        let held: Vec<chrono::DateTime<chrono::Utc>> = app
            .registrations(&event)
            .await
            .iter()
            .filter_map(|r| r["confirm_by"].as_str())
            .map(|t| t.parse().unwrap())
            .collect();
        assert_eq!(held.len(), 2, "{engine:?}");
        assert!(
            held.iter()
                .all(|by| *by <= latest + chrono::Duration::seconds(1)),
            "{engine:?}: {held:?} not before {latest}"
        );
    }
}
