//! Roles per organisation: the default four, one check for the API and the sign-up page,
//! the list changed by administrators (a role in use relabelled, never removed), and the
//! participation statistics by role with every role (zeros too) and "Ikke oppgitt".
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::desk::download;
use crate::helpers::{browser, organiser, sign_in, Engine, TestApp};
use crate::on_both_engines;
use crate::stats::create_event;

on_both_engines!(
    the_organisations_roles_decide_what_a_sign_up_may_say,
    participation_by_role_has_every_role_and_not_stated,
    velferdsteknologiens_abc_participants_by_role
);

fn keys(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

async fn the_organisations_roles_decide_what_a_sign_up_may_say(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let (status, list) = app.get("/roles").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        keys(&list),
        ["helsepersonell", "fagansvarlig", "leder", "annet"]
    );
    assert_eq!(list[1]["label_nb"], "Fagansvarlig");
    assert_eq!(list[1]["label_en"], "Professional lead");

    let event = app.event(json!({})).await;
    // A key or a label in either language, however typed; stored as the key.
    let (status, _) = app
        .sign_up_with(
            &event,
            json!({"name": "Åse", "email": "ase@example.no", "role": "PROFESSIONAL lead"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, answer) = app
        .sign_up_with(
            &event,
            json!({"name": "Bo", "email": "bo@example.no", "role": "Sykepleier"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"]["fields"]["role"],
        "must be helsepersonell, fagansvarlig, leder or annet"
    );
    assert_eq!(app.registrations(&event).await[0]["role"], "fagansvarlig");

    // Only administrators change the list.
    let (_, colleague) = app.new_organiser("centre", false).await;
    let (status, answer) = app
        .call(Method::PUT, "/roles", Some(&colleague), Some(json!([])))
        .await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "admin_only");

    // A role registrations hold cannot be left out...
    let put = |body: Value| {
        let app = &app;
        async move {
            app.call(Method::PUT, "/roles", Some(&app.token.clone()), Some(body))
                .await
        }
    };
    let (status, answer) = put(json!([
        {"key": "helsepersonell", "label_nb": "Helsepersonell"},
        {"key": "student", "label_nb": "Student"},
    ]))
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["fields"]["roles"]
            .as_str()
            .unwrap()
            .contains("fagansvarlig"),
        "{answer}"
    );
    // ...every problem is named at once...
    let (status, answer) = put(json!([
        {"key": "Ikke gyldig", "label_nb": ""},
        {"key": "fagansvarlig", "label_nb": "Fagleder"},
        {"key": "fagansvarlig", "label_nb": "To ganger"},
    ]))
    .await;
    assert_eq!(status, 400);
    let fields = &answer["error"]["fields"];
    assert!(fields["roles[0].key"].is_string(), "{answer}");
    assert!(fields["roles[0].label_nb"].is_string(), "{answer}");
    assert!(fields["roles[2].key"].is_string(), "{answer}");
    // ...and it may be relabelled, unused ones removed and new ones added.
    let (status, list) = put(json!([
        {"key": "helsepersonell", "label_nb": "Helsepersonell", "label_en": "Health personnel"},
        {"key": "fagansvarlig", "label_nb": "Fagleder", "label_en": "Professional lead"},
        {"key": "student", "label_nb": "Student"},
    ]))
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(keys(&list), ["helsepersonell", "fagansvarlig", "student"]);
    assert_eq!(
        list[2]["label_en"], "Student",
        "English defaults to Norwegian"
    );
    let (_, again) = app.get("/roles").await;
    assert_eq!(again, list);

    // The page offers exactly the organisation's list, and takes what the API takes.
    let html = browser()
        .get(format!("{}/events/{event}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("type=\"radio\" value=\"student\""), "{html}");
    assert!(!html.contains("value=\"leder\""), "removed from the form");
    let (status, _) = app
        .sign_up_with(
            &event,
            json!({"name": "Cato", "email": "cato@example.no", "role": "leder"}),
        )
        .await;
    assert_eq!(status, 400, "a removed role is no longer taken");
    // The attendee list shows the label of the stored key.
    let (_, _, csv) = download(&app, &format!("/events/{event}/registrations.csv")).await;
    assert!(String::from_utf8_lossy(&csv).contains("Fagleder"));

    // The desk page: the list as a form; administrators save it there too.
    let admin = sign_in(&app, &organiser(&app, "centre", true).await).await;
    let page = admin.get("/admin/roles").await.text().await.unwrap();
    assert!(page.contains("value=\"Fagleder\""), "{page}");
    let res = admin
        .post(
            "/admin/roles",
            &[
                ("roles[0].key", "helsepersonell"),
                ("roles[0].label_nb", "Helsepersonell"),
                ("roles[1].key", "fagansvarlig"),
                ("roles[1].label_nb", "Fagansvarlig"),
                ("roles[2].key", ""),
                ("roles[2].label_nb", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get("/roles").await;
    assert_eq!(keys(&list), ["helsepersonell", "fagansvarlig"]);
    let res = admin
        .post(
            "/admin/roles",
            &[
                ("roles[0].key", "helsepersonell"),
                ("roles[0].label_nb", "Helse"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "fagansvarlig is in use"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("fagansvarlig"), "{html}");
    assert!(html.contains("value=\"Helse\""), "the input is kept");
    let (_, audit) = app.get("/audit").await;
    assert!(audit.to_string().contains("roles.set"));
}

async fn participation_by_role_has_every_role_and_not_stated(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = create_event(&app, "Fagdag", "gathering", 1).await;
    let id = event["id"].as_str().unwrap().to_string();
    let people = [
        ("a@example.no", Some("helsepersonell")),
        ("b@example.no", Some("Health personnel")),
        ("c@example.no", Some("fagansvarlig")),
        ("d@example.no", None),
        ("e@example.no", None),
    ];
    for (email, role) in people {
        let mut body = json!({"name": "Deltaker", "email": email});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        let (status, answer) = app.sign_up_with(&id, body).await;
        assert_eq!(status, 201, "{answer}");
    }
    // Free text from before roles were a list counts as not stated.
    {
        use samling::db::entities::registration;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        registration::Entity::update_many()
            .col_expr(
                registration::Column::Role,
                sea_orm::sea_query::Expr::value("Sykepleier"),
            )
            .filter(registration::Column::EmailNormalized.eq("e@example.no"))
            .exec(&app.db.conn)
            .await
            .unwrap();
    }
    app.advance(chrono::Duration::days(11));
    let (status, stats) = app.get("/stats/participation?by=role").await;
    assert_eq!(status, 200, "{stats}");
    let rows: Vec<(Value, String, u64, f64)> = stats["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].clone(),
                r["label"].as_str().unwrap().to_string(),
                r["participants"].as_u64().unwrap(),
                r["share_percent"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (json!("helsepersonell"), "Helsepersonell".into(), 2, 40.0),
            (json!("fagansvarlig"), "Fagansvarlig".into(), 1, 20.0),
            (json!("leder"), "Leder".into(), 0, 0.0),
            (json!("annet"), "Annet".into(), 0, 0.0),
            (Value::Null, "Ikke oppgitt".into(), 2, 40.0),
        ]
    );
    assert_eq!(stats["totals"]["participants"], 5, "the same totals");
    let (_, plain) = app.get("/stats/participation").await;
    assert!(plain.get("roles").is_none(), "only when asked");
    assert_eq!(plain["totals"], stats["totals"]);

    let (status, _, csv) = download(&app, "/stats/participation.csv?by=role").await;
    assert_eq!(status, 200);
    let csv = String::from_utf8_lossy(&csv).to_string();
    assert!(
        csv.contains("\"Rolle\";\"Påmeldte\";\"Møtt\";\"Deltakere\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"Ikke oppgitt\";\"2\";\"0\";\"2\";\"40,00\""),
        "{csv}"
    );
    let (status, bad) = app.get("/stats/participation?by=kjønn").await;
    assert_eq!(status, 400);
    assert!(bad["error"]["fields"]["by"].is_string(), "{bad}");

    // The desk's statistics page has the role table.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let html = desk.get("/admin/stats").await.text().await.unwrap();
    assert!(html.contains("Deltakere etter rolle"), "{html}");
    assert!(html.contains("<th scope=\"row\">Ikke oppgitt</th><td class=\"num\">2</td>"));
}

/// Vestfold's report: "15. april - sluttsamling Velferdsteknologiens ABC. Deltakere: 82%
/// helsepersonell, 6% med lederansvar og 6% med fagansvar (6% annet)" — 50 participants.
async fn velferdsteknologiens_abc_participants_by_role(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = create_event(
        &app,
        "Sluttsamling Velferdsteknologiens ABC",
        "gathering",
        1,
    )
    .await;
    let id = event["id"].as_str().unwrap().to_string();
    let groups = [
        ("helsepersonell", 41),
        ("leder", 3),
        ("fagansvarlig", 3),
        ("annet", 3),
    ];
    let mut n = 0;
    for (role, count) in groups {
        for _ in 0..count {
            n += 1;
            let (status, answer) = app
                .sign_up_with(
                    &id,
                    json!({"name": format!("Deltaker {n}"), "email": format!("d{n}@example.no"), "role": role}),
                )
                .await;
            assert_eq!(status, 201, "{answer}");
        }
    }
    app.advance(chrono::Duration::days(11));
    let (_, stats) = app
        .get(&format!("/stats/participation?event={id}&by=role"))
        .await;
    let share = |key: &str| {
        stats["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap()["share_percent"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(stats["totals"]["participants"], 50);
    assert_eq!(share("helsepersonell"), 82.0);
    assert_eq!(share("leder"), 6.0);
    assert_eq!(share("fagansvarlig"), 6.0);
    assert_eq!(share("annet"), 6.0);
}
