//! Property tests of every parser of outside input, over HTTP: JSON bodies, form posts
//! (public sign-up and the desk's event form), the municipality CSV import, reminder
//! offsets, dates and times, query strings and `Accept-Language`. Whatever arrives, the
//! answer is 2xx (if it happens to be valid) or 4xx, never a 500 and never a dropped
//! connection. Inputs come from `proptest` strategies with a fixed seed per run size, so a
//! failure names the input that caused it.
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::header;
use serde_json::{json, Map, Value};

use crate::helpers::{browser, organiser, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(json_bodies_never_give_500, forms_and_queries_never_give_500);

/// Cases per parser: enough to reach the corners of each grammar, few enough that both
/// engines finish in seconds.
const CASES: usize = 96;

/// `n` values of `strategy`, from a fixed seed (so a failure is reproducible) that differs
/// per `seed`.
fn samples<S: Strategy>(strategy: S, n: usize, seed: u8) -> Vec<S::Value> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// Strings that have broken parsers before: bounds of numbers and dates, odd Unicode,
/// control characters, separators.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\u{0}".to_string()),
        Just("a\u{0}b".to_string()),
        Just("9223372036854775808".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("1e400".to_string()),
        Just("NaN".to_string()),
        Just("2030-02-30T25:61:00+01:00".to_string()),
        Just("+275760-09-13T00:00:00Z".to_string()),
        Just("0000-01-01T00:00:00Z".to_string()),
        Just("9999-12-31T23:59:59+14:00".to_string()),
        Just("2030-03-31T02:30:00".to_string()),
        Just("18446744073709551615d".to_string()),
        Just("7d,1h,,".to_string()),
        Just("99999999999999w".to_string()),
        Just("x".repeat(5000)),
        Just("👩‍⚕️".repeat(300)),
        Just("a@b".to_string()),
        Just("kari@eksempel.no".to_string()),
        Just("=HYPERLINK(\"x\")".to_string()),
        Just("../../etc/passwd".to_string()),
        Just("%00%ff%".to_string()),
        Just("\u{202e}\u{feff}\r\n\t".to_string()),
        "[0-9:T+-]{0,30}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

/// Field names the parsers know, and others.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name",
            "email",
            "title",
            "kind",
            "description",
            "audience",
            "network",
            "capacity",
            "waitlist",
            "members_only",
            "visibility",
            "sessions",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "signup_opens_at",
            "signup_closes_at",
            "reminders",
            "municipality",
            "workplace",
            "role",
            "share_contact",
            "language",
            "attended",
            "session",
            "registrations",
            "slug",
            "status",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

/// Arbitrary JSON, objects keyed mostly by known field names.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        tricky_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A JSON object body: the known fields filled with arbitrary values.
fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((field_name(), json_value()), 0..10)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

/// Form fields: names the forms know (and others), values tricky.
fn form_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop_oneof![
        prop::sample::select(vec![
            "name",
            "email",
            "municipality",
            "workplace",
            "role",
            "share_contact",
            "language",
            "submission",
            "title",
            "kind",
            "capacity",
            "waitlist",
            "members_only",
            "opens_date",
            "opens_time",
            "closes_date",
            "closes_time",
            "session_id",
            "session_date",
            "session_start",
            "session_end",
            "session_location",
            "session_online_url",
            "action",
            "network",
            "audience",
            "password",
            "slug",
            "description",
            "addresses",
        ])
        .prop_map(str::to_string),
        "\\PC{0,10}",
    ];
    let values = prop_oneof![
        tricky_text(),
        prop::sample::select(vec![
            "31.02.2030",
            "2030-13-01",
            "24:00",
            "09:60",
            "9.00",
            "1.1.99999",
            "remove:18446744073709551615",
            "remove:-1",
            "add_session",
            "publish",
            "save",
            "on",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::vec((names, values), 0..14)
}

/// Fails with the input when the answer is a server error.
fn assert_not_500(status: u16, what: &str, input: &dyn std::fmt::Debug) {
    assert!(status < 500, "{what} answered {status} to {input:?}");
}

async fn json_bodies_never_give_500(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let admin = app.admin_token("fuzz").await;
    let event = app.event(json!({"capacity": 2})).await;
    let (status, body) = app
        .post("/networks", json!({"slug": "nett", "name": "Nett"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let targets: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::POST, "/events".into()),
        (reqwest::Method::PATCH, format!("/events/{event}")),
        (
            reqwest::Method::POST,
            format!("/events/{event}/registrations"),
        ),
        (reqwest::Method::POST, format!("/events/{event}/attendance")),
        (reqwest::Method::POST, "/networks".into()),
        (reqwest::Method::POST, "/networks/nett/members".into()),
    ];
    for (seed, (method, path)) in (10..).zip(&targets) {
        for body in samples(json_object(), CASES, seed) {
            let res = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(&app.token)
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path} dropped {body}: {e}"));
            assert_not_500(res.status().as_u16(), path, &body);
        }
    }
    // The reminder offsets, dates and times inside otherwise valid events.
    let start = "2031-05-05T09:00:00+02:00";
    for (text, when) in samples((tricky_text(), tricky_text()), CASES, 2) {
        let body = json!({
            "title": "Fagdag", "kind": "gathering", "reminders": text,
            "sessions": [{"starts_at": when, "ends_at": start}],
            "signup_opens_at": text,
        });
        let (status, _) = app.post("/events", body.clone()).await;
        assert_not_500(status, "POST /api/v1/events", &body);
    }
    // The municipality CSV import, as bytes.
    let csv_lines = prop::collection::vec(
        (tricky_text(), tricky_text(), tricky_text()).prop_map(|(a, b, c)| format!("{a};{b};{c}")),
        0..6,
    )
    .prop_map(|lines| lines.join("\r\n").into_bytes());
    let bytes = prop_oneof![csv_lines, prop::collection::vec(any::<u8>(), 0..300)];
    for body in samples(bytes, CASES, 3) {
        let res = app
            .client
            .post(app.url("/municipalities/import"))
            .bearer_auth(&admin)
            .header(header::CONTENT_TYPE, "text/csv")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_not_500(res.status().as_u16(), "municipality import", &body);
    }
    // And everything still works afterwards.
    let (status, _) = app.sign_up(&event, "Kari", "kari@example.no").await;
    assert_eq!(status, 201);
}

async fn forms_and_queries_never_give_500(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 2})).await;
    let email = organiser(&app, "fuzz", false).await;
    let desk = sign_in(&app, &email).await;
    let res = desk
        .post("/admin/networks", &[("slug", "nett"), ("name", "Nett")])
        .await;
    assert_eq!(res.status(), 303);
    for fields in samples(form_fields(), CASES, 4) {
        let res = browser()
            .post(format!("{}/events/{event}", app.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_not_500(res.status().as_u16(), "sign-up form", &fields);
        let with_csrf: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for path in [
            "/admin/events/new",
            "/admin/networks",
            "/admin/networks/nett/members/paste",
        ] {
            let res = desk.post(path, &with_csrf).await;
            assert_not_500(res.status().as_u16(), path, &fields);
        }
        let res = browser()
            .post(format!("{}/admin/sign-in", app.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_not_500(res.status().as_u16(), "sign-in form", &fields);
    }
    // Raw bodies that are not even form encoding.
    for body in samples(prop::collection::vec(any::<u8>(), 0..200), CASES, 5) {
        let res = browser()
            .post(format!("{}/events/{event}", app.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_not_500(res.status().as_u16(), "raw sign-up form", &body);
    }
    // Query strings of the lists and statistics, and Accept-Language.
    let query = prop::collection::vec(
        (
            prop::sample::select(vec![
                "limit",
                "from",
                "to",
                "year",
                "kind",
                "network",
                "event",
                "format",
                "table",
                "delimiter",
                "status",
                "lang",
                "done",
            ]),
            tricky_text(),
        ),
        0..5,
    );
    let accept_language = "[ -~]{0,60}";
    for (pairs, language) in samples((query, accept_language), CASES, 6) {
        let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for path in [
            "/events".to_string(),
            "/stats/participation".to_string(),
            format!("/events/{event}/registrations.csv"),
        ] {
            let res = app
                .client
                .get(app.url(&path))
                .bearer_auth(&app.token)
                .query(&query)
                .send()
                .await
                .unwrap();
            assert_not_500(res.status().as_u16(), &path, &pairs);
        }
        for path in ["/", "/admin/stats"] {
            let res = browser()
                .get(format!("{}{path}", app.base))
                .header(header::COOKIE, &desk.cookie)
                .header(header::ACCEPT_LANGUAGE, &language)
                .query(&query)
                .send()
                .await
                .unwrap();
            assert_not_500(res.status().as_u16(), path, &(&pairs, &language));
        }
    }
}
