//! Secrets reach only the mailbox: nothing a stranger can read opens a registration, a
//! personal feed or a join link; a personal feed link can be replaced; sent mail leaves no
//! links behind in the database.
use reqwest::StatusCode;
use samling::db::entities::outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{link_token, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    answers_to_strangers_carry_no_link,
    feed_link_can_be_replaced,
    sent_mail_keeps_no_body
);

/// Every string anywhere in a JSON value.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

async fn get(app: &TestApp, path: &str) -> StatusCode {
    app.client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .status()
}

async fn answers_to_strangers_carry_no_link(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let join = "https://teams.example.org/join/secret-room";
    let first = app
        .event(json!({"kind": "webinar", "sessions": [{"starts_at": "2031-02-03T10:00:00+01:00", "ends_at": "2031-02-03T11:00:00+01:00", "online_url": join}]}))
        .await;
    let second = app.event(json!({"capacity": 1})).await;
    // The victim signs up herself; a stranger then signs her address up for other events.
    let (_, own) = app.sign_up(&first, "Victim", "victim@kommune.no").await;
    let (status, by_stranger) = app.sign_up(&second, "Victim", "victim@kommune.no").await;
    assert_eq!(status, 201);
    let (_, waiting) = app.sign_up(&second, "Other", "other@kommune.no").await;
    for answer in [&own, &by_stranger, &waiting] {
        let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| ["id", "status", "waitlist_position"].contains(&k.as_str())),
            "only id, status and position: {answer}"
        );
        for s in strings(answer) {
            assert!(!s.contains("/r/") && !s.contains("/feeds/me/") && !s.contains(join));
        }
    }
    // A duplicate sign-up says so, and nothing more.
    let (status, again) = app.sign_up(&first, "Victim", "VICTIM@kommune.no").await;
    assert_eq!(status, 409);
    assert!(strings(&again)
        .iter()
        .all(|s| !s.contains("/r/") && !s.contains("/feeds/")));
    // The public event never shows the join link.
    assert!(strings(&app.public_event(&first).await)
        .iter()
        .all(|s| !s.contains(join)));

    // What the stranger can try: guessed or forged tokens open nothing.
    let victim_feed = app.feed_path(&own).await;
    assert_eq!(
        get(&app, &victim_feed).await,
        200,
        "her own mailed link works"
    );
    let manage = app.manage_token(&own).await;
    let mut forged = manage.clone().into_bytes();
    forged[0] = if forged[0] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(get(&app, &format!("/r/{forged}")).await, 404);
    assert_eq!(
        get(&app, &format!("/feeds/me/{manage}.ics")).await,
        404,
        "a manage token is no feed token"
    );
    let feed_token = victim_feed
        .trim_start_matches("/feeds/me/")
        .trim_end_matches(".ics");
    assert_eq!(
        get(&app, &format!("/r/{feed_token}")).await,
        404,
        "a feed token is no manage token"
    );
}

async fn feed_link_can_be_replaced(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({})).await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let old = app.feed_path(&signup).await;
    assert_eq!(get(&app, &old).await, 200);
    let token = app.manage_token(&signup).await;
    let res = app
        .client
        .post(format!("{}/r/{token}/feed-link", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert_eq!(get(&app, &old).await, 404, "the old link stops at once");
    // The new link arrives by mail (the last mail about this registration).
    let mut new = old.clone();
    for _ in 0..100 {
        new = app.feed_path(&signup).await;
        if new != old {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_ne!(new, old);
    assert_eq!(get(&app, &new).await, 200);
    assert!(!page.contains(&old));
    // The API does the same for the holder of the manage token; nothing secret in the answer.
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{token}/feed-link"),
            None,
            None,
        )
        .await;
    assert_eq!((status, body), (202, Value::Null));
    assert_eq!(get(&app, &new).await, 404);
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/registrations/not-a-token/feed-link",
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
}

async fn sent_mail_keeps_no_body(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app
        .event(json!({"kind": "webinar", "sessions": [{"starts_at": "2031-02-03T10:00:00+01:00", "ends_at": "2031-02-03T11:00:00+01:00", "online_url": "https://teams.example.org/join/kept"}]}))
        .await;
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let mail = &app.mails_for(signup["id"].as_str().unwrap()).await[0];
    let token = link_token(&mail.bodies().0, "/r/").unwrap();
    let rows = outbox::Entity::find()
        .filter(outbox::Column::EventId.eq(event.parse::<uuid::Uuid>().unwrap()))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.status, outbox::MailStatus::Sent);
    assert_eq!(
        row.facts, None,
        "what the mail said is gone once it is sent"
    );
    let kept = format!("{row:?}");
    assert!(!kept.contains(&token) && !kept.contains("join/kept"));
    // What the organiser's status view needs is still there.
    let (_, mails) = app.get(&format!("/events/{event}/mails")).await;
    assert_eq!(mails[0]["status"], "sent");
    assert_eq!(mails[0]["kind"], "confirmation");
    assert!(mails[0]["recipient"]
        .as_str()
        .unwrap()
        .contains("kari@example.no"));
    assert!(mails[0]["subject"].as_str().unwrap().contains("bekreftet"));
}
