//! The organiser lists page: `?limit=&after=`, `Link: rel="next"` and `X-Total-Count`,
//! walked to the end of a 5,000-registration event and a 2,000-member network.
use std::collections::HashSet;

use reqwest::{header, StatusCode};
use samling::db::entities::{network_member, registration};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::{organiser, sign_in, Desk, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    five_thousand_registrations_page_to_the_end,
    two_thousand_members_page_to_the_end,
    mails_networks_and_municipalities_page_alike
);

/// Follows the desk's "Neste side" link of the pagination labelled `label` from `first` to
/// the end; every page's HTML.
async fn walk_desk(desk: &Desk, first: &str, label: &str) -> Vec<String> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next.take() {
        let res = desk.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.unwrap();
        let nav = html
            .find(&format!("aria-label=\"{label}\""))
            .map(|at| &html[at..at + html[at..].find("</nav>").unwrap()]);
        next = nav.and_then(|nav| {
            let link = nav.find("rel=\"next\"")?;
            let href_at = nav[..link].rfind("href=\"")? + 6;
            let href = &nav[href_at..href_at + nav[href_at..].find('"')?];
            Some(href.replace("&#x3D;", "=").replace("&amp;", "&"))
        });
        pages.push(html);
        assert!(pages.len() < 100, "the pages end: {next:?}");
    }
    pages
}

/// Follows `Link: rel="next"` from `first` to the end; every page's rows and the total.
async fn walk(app: &TestApp, first: &str) -> (Vec<Vec<Value>>, u64) {
    let mut pages = Vec::new();
    let mut next = Some(app.url(first));
    let mut total = 0;
    while let Some(url) = next.take() {
        let res = app
            .client
            .get(&url)
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        total = res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        next = res.headers().get(header::LINK).map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with(">; rel=\"next\""), "{link}");
            let target = &link[1..link.find('>').unwrap()];
            assert!(target.starts_with("/api/v1/"), "{target}");
            format!("{}{target}", app.base)
        });
        pages.push(res.json::<Vec<Value>>().await.unwrap());
        assert!(pages.len() < 100, "the pages end");
    }
    (pages, total)
}

async fn five_thousand_registrations_page_to_the_end(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 4990})).await;
    let (_, first) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let model = registration::Entity::find_by_id(
        first["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap(),
    )
    .one(&app.db.conn)
    .await
    .unwrap()
    .unwrap();
    // 4,999 more in bulk, the last 10 on the waiting list (orders 1..=10).
    let rows: Vec<registration::ActiveModel> = (1..5000)
        .map(|i| {
            let mut row = model.clone();
            row.id = uuid::Uuid::now_v7();
            row.email = format!("p{i:04}@example.no");
            row.email_normalized = row.email.clone();
            row.created_at = model.created_at + chrono::Duration::milliseconds(i);
            row.submission_id = None;
            if i >= 4990 {
                row.status = samling::domain::RegistrationStatus::Waitlisted;
                row.waitlist_order = Some(i - 4989);
            }
            row.into()
        })
        .collect();
    for chunk in rows.chunks(200) {
        registration::Entity::insert_many(chunk.to_vec())
            .exec(&app.db.conn)
            .await
            .unwrap();
    }
    let (pages, total) = walk(&app, &format!("/events/{event}/registrations?limit=700")).await;
    assert_eq!(total, 5000);
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![700, 700, 700, 700, 700, 700, 700, 100]
    );
    let all: Vec<&Value> = pages.iter().flatten().collect();
    let ids: HashSet<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5000, "every registration once");
    assert_eq!(all[0]["email"], "kari@example.no", "sign-up order");
    assert_eq!(all[4999]["email"], "p4999@example.no");
    let positions: Vec<i64> = all
        .iter()
        .filter_map(|r| r["waitlist_position"].as_i64())
        .collect();
    assert_eq!(
        positions,
        (1..=10).collect::<Vec<_>>(),
        "positions across pages"
    );

    // Without a limit a page holds 1,000; a bad limit or cursor is a 400 that says which.
    let (pages, _) = walk(&app, &format!("/events/{event}/registrations")).await;
    assert_eq!(pages.len(), 5);
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=ti",
        "after=nope",
        &format!("after={}", uuid::Uuid::now_v7()),
    ] {
        let (status, body) = app
            .get(&format!("/events/{event}/registrations?{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]["fields"]["limit"].is_string()
                || body["error"]["fields"]["after"].is_string(),
            "{body}"
        );
    }

    // The desk pages the same event 200 rows at a time, every registrant once.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let pages = walk_desk(
        &desk,
        &format!("/admin/events/{event}"),
        "Sider med påmeldte",
    )
    .await;
    assert_eq!(pages.len(), 25, "4,990 seat holders in pages of 200");
    let shown: usize = pages
        .iter()
        .map(|html| html.matches("@example.no</span></th>").count())
        .sum();
    assert_eq!(
        shown,
        25 * 10 + 4990,
        "each page also shows the 10 on the waiting list"
    );
    assert!(pages[24].contains("p4989@example.no") && !pages[24].contains("p0001@example.no"));
    assert!(pages[1].contains("rel=\"prev\""));
}

async fn two_thousand_members_page_to_the_end(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (_, network) = app
        .post(
            "/networks",
            json!({"slug": "stort", "name": "Stort nettverk"}),
        )
        .await;
    let network_id: uuid::Uuid = network["id"].as_str().unwrap().parse().unwrap();
    let rows: Vec<network_member::ActiveModel> = (0..2000)
        .map(|i| {
            network_member::Model {
                id: uuid::Uuid::now_v7(),
                network_id,
                email: format!("m{i:04}@example.no"),
                email_normalized: format!("m{i:04}@example.no"),
                name: None,
                municipality: None,
                created_at: chrono::Utc::now(),
            }
            .into()
        })
        .collect();
    for chunk in rows.chunks(200) {
        network_member::Entity::insert_many(chunk.to_vec())
            .exec(&app.db.conn)
            .await
            .unwrap();
    }
    let (pages, total) = walk(&app, "/networks/stort/members?limit=300").await;
    assert_eq!(total, 2000);
    assert_eq!(pages.len(), 7);
    let emails: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..2000).map(|i| format!("m{i:04}@example.no")).collect();
    assert_eq!(emails, expected, "every member once, by address");
    // The cursor carries no address in the clear.
    let res = app
        .client
        .get(app.url("/networks/stort/members?limit=1"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let link = res.headers()[header::LINK].to_str().unwrap().to_string();
    assert!(!link.contains("example"), "{link}");
    let (status, _) = app.get("/networks/stort/members?after=%%%").await;
    assert_eq!(status, 400);

    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let pages = walk_desk(&desk, "/admin/networks/stort", "Sider med medlemmer").await;
    assert_eq!(pages.len(), 10, "2,000 members in pages of 200");
    assert!(pages[0].contains("(2000)"), "the count of them all");
    let mut seen = HashSet::new();
    for html in &pages {
        for i in 0..2000 {
            let address = format!(">m{i:04}@example.no<");
            if html.contains(&address) {
                assert!(seen.insert(i), "m{i:04} on two pages");
            }
        }
    }
    assert_eq!(seen.len(), 2000, "every member on a page");
}

/// The shorter lists page with the same parameters and headers.
async fn mails_networks_and_municipalities_page_alike(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 10})).await;
    for i in 0..5 {
        app.sign_up(&event, "Deltaker", &format!("d{i}@example.no"))
            .await;
    }
    app.mail_settled().await;
    let (_, every) = app.get(&format!("/events/{event}/mails")).await;
    let every: Vec<Value> = every.as_array().unwrap().clone();
    assert!(every.len() >= 5, "{every:?}");
    let (pages, total) = walk(&app, &format!("/events/{event}/mails?limit=2")).await;
    assert_eq!(total as usize, every.len());
    let ids = |mails: &[Value]| -> Vec<String> {
        mails
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let walked: Vec<Value> = pages.into_iter().flatten().collect();
    assert_eq!(
        ids(&walked),
        ids(&every),
        "the same mails in the same order"
    );

    for slug in ["a-nett", "b-nett", "c-nett"] {
        app.post("/networks", json!({"slug": slug, "name": slug}))
            .await;
    }
    let (pages, total) = walk(&app, "/networks?limit=2").await;
    assert_eq!(total, 3);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
    let (status, _) = app.get("/networks?after=no-such-network").await;
    assert_eq!(status, 400);

    let (_, all) = app.get("/municipalities").await;
    let all = all.as_array().unwrap().clone();
    let (pages, total) = walk(&app, "/municipalities?limit=100").await;
    assert_eq!(total as usize, all.len());
    assert_eq!(pages.into_iter().flatten().collect::<Vec<_>>(), all);
}
