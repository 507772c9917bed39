//! Evaluations after an event: invitations and one reminder through the outbox, answers
//! from the mailed link (once), results with the minimum number of respondents, the
//! numbers the annual reports print, and confidentiality built into the tables.
use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{browser, organiser, page_text, sign_in, Engine, TestApp};
use crate::on_both_engines;
use crate::stats::import_reference;

on_both_engines!(
    invitations_and_one_reminder_reach_the_right_people_once,
    answers_count_once_and_results_wait_for_closing_and_the_minimum,
    twenty_answers_at_once_from_one_link_count_once,
    two_processes_invite_each_participant_once,
    buskerud_proact_shares_from_the_answers,
    buskerud_respondents_by_municipality_and_role,
    answers_cannot_be_joined_to_registrations,
    retention_removes_comments_and_keeps_the_counts,
    settings_are_checked_and_frozen_by_the_first_answer,
    evaluations_across_a_year,
    the_answer_page_takes_one_answer_with_clear_errors,
    the_desk_sets_an_evaluation_and_shows_its_results,
    closing_is_final_and_small_groups_stay_hidden,
);

/// A gathering that starts in an hour and lasts two (`capacity` seats and a waiting list).
async fn gathering(app: &TestApp, title: &str, capacity: u32) -> String {
    let start = app.now() + Duration::hours(1);
    app.event(json!({
        "title": title,
        "capacity": capacity,
        "waitlist": true,
        "sessions": [{"starts_at": start.to_rfc3339(),
            "ends_at": (start + Duration::hours(2)).to_rfc3339(), "location": "Drammen"}],
    }))
    .await
}

async fn sign_up(app: &TestApp, event: &str, body: Value) -> Value {
    let (status, signup) = app.sign_up_with(event, body).await;
    assert_eq!(status, 201, "{signup}");
    signup
}

/// `n` confirmed sign-ups named `{prefix}{i}`.
async fn crowd(app: &TestApp, event: &str, prefix: &str, n: usize) -> Vec<Value> {
    let mut people = Vec::new();
    for i in 0..n {
        let body = json!({"name": format!("{prefix} {i}"),
            "email": format!("{}{i}@example.no", prefix.to_lowercase().replace(['ø', 'å'], "o"))});
        people.push(sign_up(app, event, body).await);
    }
    people
}

async fn answer(app: &TestApp, signup: &Value, answers: Value) -> (u16, Value) {
    let token = app.token_of(signup);
    app.call(
        reqwest::Method::POST,
        &format!("/registrations/{token}/evaluation"),
        None,
        Some(json!({"answers": answers})),
    )
    .await
}

async fn set_evaluation(app: &TestApp, event: &str, body: Value) -> Value {
    let (status, evaluation) = app
        .call(
            reqwest::Method::PUT,
            &format!("/events/{event}/evaluation"),
            Some(&app.token),
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{evaluation}");
    evaluation
}

/// Recipients of the event's mails of `kind`, sorted (from the outbox: organisers do not
/// see evaluation mails, which would tell who had answered).
async fn mails_of_kind(app: &TestApp, event: &str, kind: &str) -> Vec<String> {
    use samling::db::entities::outbox;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    app.mail_settled().await;
    let event: uuid::Uuid = event.parse().unwrap();
    let mut to: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::EventId.eq(event))
        .all(&app.db.conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind.as_str() == kind)
        .map(|m| m.recipient)
        .collect();
    to.sort();
    to
}

fn standard(values: [u8; 4]) -> Value {
    json!({"relevans": values[0], "kvalitet": values[1], "erfaringsdeling": values[2],
        "organisering": values[3]})
}

async fn invitations_and_one_reminder_reach_the_right_people_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Fagnettverk demens", 3).await;
    let person = |name: &str, lang: &str| {
        json!({"name": name, "email": format!("{}@example.no", name.to_lowercase()),
            "language": lang})
    };
    let anne = sign_up(&app, &event, person("Anne", "nb")).await;
    let brage = sign_up(&app, &event, person("Brage", "en")).await;
    let cecilie = sign_up(&app, &event, person("Cecilie", "nb")).await;
    let dag = sign_up(&app, &event, person("Dag", "nb")).await;
    assert_eq!(dag["status"], "waitlisted");
    let evaluation = set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    assert_eq!(evaluation["status"], "scheduled");
    assert_eq!(evaluation["reminder_after"], "3d");
    assert_eq!(evaluation["questions"].as_array().unwrap().len(), 5);

    // Before the end: nothing sent, no answer taken.
    app.tick().await;
    assert!(mails_of_kind(&app, &event, "evaluation_invitation")
        .await
        .is_empty());
    let (status, body) = answer(&app, &anne, standard([6, 6, 6, 6])).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "evaluation_closed");

    // Cecilie did not come: recorded during the event, she is not invited.
    app.advance(Duration::hours(2));
    let (status, body) = app
        .post(
            &format!(
                "/events/{event}/registrations/{}/attendance",
                cecilie["id"].as_str().unwrap()
            ),
            json!({"attended": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.advance(Duration::hours(1));
    app.tick().await;
    app.tick().await;
    assert_eq!(
        mails_of_kind(&app, &event, "evaluation_invitation").await,
        vec!["Anne <anne@example.no>", "Brage <brage@example.no>"]
    );
    let brage_mail = app
        .mails_for(brage["id"].as_str().unwrap())
        .await
        .into_iter()
        .find(|m| m.subject().starts_with("What did you think"))
        .expect("Brage's invitation, in English");
    let (text, html) = brage_mail.bodies();
    let token = app.token_of(&brage);
    assert!(text.contains(&format!("/r/{token}/evaluering")), "{text}");
    assert!(text.contains("confidential") && text.contains("about 2 minutes"));
    assert!(html.contains("Answer the evaluation"));
    let anne_mail = app
        .mails_for(anne["id"].as_str().unwrap())
        .await
        .into_iter()
        .find(|m| m.subject().starts_with("Hva syntes du"))
        .expect("Anne's invitation, in Norwegian");
    assert!(anne_mail.bodies().0.contains("konfidensielle"));

    // Dag holds no seat: no answer.
    let (status, body) = answer(&app, &dag, standard([5, 5, 5, 5])).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = answer(&app, &cecilie, standard([5, 5, 5, 5])).await;
    assert_eq!(status, 403, "absent and never invited: {body}");
    let (status, body) = answer(&app, &anne, standard([7, 6, 5, 4])).await;
    assert_eq!(status, 201, "{body}");
    // Her data says that she was invited and answered, not what.
    let (_, data) = app
        .call(
            reqwest::Method::GET,
            &format!("/registrations/{}/data", app.token_of(&anne)),
            None,
            None,
        )
        .await;
    let evaluation = &data["registrations"][0]["evaluation"];
    assert_eq!(evaluation["answered"], true, "{data}");
    assert!(evaluation.get("relevans").is_none());

    // Three days on: one reminder, to Brage only, and never a second.
    app.advance(Duration::days(3));
    app.tick().await;
    app.tick().await;
    assert_eq!(
        mails_of_kind(&app, &event, "evaluation_reminder").await,
        vec!["Brage <brage@example.no>"]
    );
    app.advance(Duration::days(5));
    app.tick().await;
    assert_eq!(
        mails_of_kind(&app, &event, "evaluation_reminder")
            .await
            .len(),
        1
    );
    // The organiser's mail log leaves them out: who got a reminder is who had not answered.
    let (_, log) = app.get(&format!("/events/{event}/mails?limit=1000")).await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|m| !m["kind"].as_str().unwrap().starts_with("evaluation")),
        "{log}"
    );
    let (_, evaluation) = app.get(&format!("/events/{event}/evaluation")).await;
    assert_eq!(evaluation["invited"], 2);
    assert_eq!(evaluation["respondents"], 1);
    assert_eq!(evaluation["reminded"], 1);

    // Closed: no answer, no mail.
    app.advance(Duration::days(7));
    let (status, body) = answer(&app, &brage, standard([5, 5, 5, 5])).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "evaluation_closed");
}

/// A second event whose reminder is due only after closing: none is sent.
async fn answers_count_once_and_results_wait_for_closing_and_the_minimum(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Lunsjwebinar", 20).await;
    let people = crowd(&app, &event, "Deltaker", 4).await;
    // Open two days; the reminder would come after four.
    let end = app.now() + Duration::hours(3);
    set_evaluation(
        &app,
        &event,
        json!({"preset": "grad", "closes_at": (end + Duration::days(2)).to_rfc3339(),
            "reminder_after": "4d"}),
    )
    .await;
    app.advance(Duration::hours(4));
    app.tick().await;
    for p in &people[..2] {
        let (status, body) = answer(
            &app,
            p,
            json!({"relevans": 4, "kvalitet": 3, "erfaringsdeling": 5, "organisering": "2",
                "kommentar": "Gode innlegg"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = answer(&app, &people[0], standard([1, 1, 1, 1])).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "already_answered");
    let (status, body) = answer(&app, &people[2], json!({"relevans": 9})).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["fields"]["answers.relevans"].is_string(),
        "{body}"
    );
    assert!(
        body["error"]["fields"]["answers.kvalitet"].is_string(),
        "{body}"
    );

    // While open: only how many were invited and answered.
    let results_path = format!("/events/{event}/evaluation/results");
    let (status, open) = app.get(&results_path).await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open["status"], "open");
    assert_eq!(
        (open["invited"].clone(), open["respondents"].clone()),
        (json!(4), json!(2))
    );
    for hidden in [
        "questions",
        "comments",
        "respondents_by_role",
        "response_rate_percent",
    ] {
        assert!(open.get(hidden).is_none(), "{hidden} while open: {open}");
    }

    // Closed with two respondents, under the minimum of three: nothing that tells answers apart.
    app.advance(Duration::days(5));
    app.tick().await;
    assert!(mails_of_kind(&app, &event, "evaluation_reminder")
        .await
        .is_empty());
    let (_, closed) = app.get(&results_path).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["suppressed"], true);
    assert_eq!(closed["response_rate_percent"], 50.0);
    for hidden in [
        "questions",
        "comments",
        "respondents_by_role",
        "respondents_by_municipality",
    ] {
        assert!(
            closed.get(hidden).is_none(),
            "{hidden} under the minimum: {closed}"
        );
    }
}

async fn twenty_answers_at_once_from_one_link_count_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 10).await;
    let kari = sign_up(
        &app,
        &event,
        json!({"name": "Kari", "email": "kari@example.no"}),
    )
    .await;
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    let answers = (0..20).map(|i| {
        let app = &app;
        let kari = &kari;
        async move {
            answer(app, kari, standard([1 + (i % 7) as u8, 5, 5, 5]))
                .await
                .0
        }
    });
    let mut statuses = futures::future::join_all(answers).await;
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    let tallies = samling::db::evaluations::tallies(&app.db.conn, &[event.parse().unwrap()])
        .await
        .unwrap();
    let relevance: i32 = tallies
        .iter()
        .filter(|t| t.question_key == "relevans")
        .map(|t| t.count)
        .sum();
    assert_eq!(relevance, 1);
    let (_, evaluation) = app.get(&format!("/events/{event}/evaluation")).await;
    assert_eq!(evaluation["respondents"], 1);
}

async fn two_processes_invite_each_participant_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 100).await;
    for i in 0..40 {
        sign_up(
            &app,
            &event,
            json!({"name": format!("P{i}"), "email": format!("p{i}@example.no")}),
        )
        .await;
    }
    set_evaluation(
        &app,
        &event,
        json!({"preset": "standard", "reminder_after": "1h"}),
    )
    .await;
    app.advance(Duration::hours(4));
    // A second process: its own pool on the same database.
    let other = samling::db::Db::connect(&app.database_url, 4)
        .await
        .unwrap();
    let mailer = app.state().mailer.clone();
    for round in 0..2 {
        if round == 1 {
            app.advance(Duration::hours(2));
        }
        let now = app.now();
        let (a, b, c) = tokio::join!(
            samling::service::evaluations::queue_due(&app.db, &mailer, now),
            samling::service::evaluations::queue_due(&other, &mailer, now),
            samling::service::evaluations::queue_due(&app.db, &mailer, now),
        );
        let queued = a.unwrap() + b.unwrap() + c.unwrap();
        // Round one invites all forty, round two (two hours later) reminds them; the app's
        // own scheduler may have taken part of a round, never more than it.
        assert!(queued <= 40, "round {round}: {queued}");
    }
    let invitations = mails_of_kind(&app, &event, "evaluation_invitation").await;
    let reminders = mails_of_kind(&app, &event, "evaluation_reminder").await;
    for list in [&invitations, &reminders] {
        let mut unique = list.clone();
        unique.dedup();
        assert_eq!((list.len(), unique.len()), (40, 40));
    }
}

/// Buskerud, proACT instructors' gathering, October 2024: 29 participants; "86 % … score 5
/// og oppover" (relevance), "83 % … høyere score enn 5" (quality), 90 % (experience
/// sharing), 79 % (organisation). "5 og oppover" is `at_least=5`; "høyere enn 5" is
/// `at_least=6`.
async fn buskerud_proact_shares_from_the_answers(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Nettverkssamling for proACT-instruktører", 40).await;
    let people = crowd(&app, &event, "Instruktør", 29).await;
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    // Relevance: 25 of 29 at 5 or more; quality 24, sharing 26, organisation 23 at 6 or 7.
    for (i, p) in people.iter().enumerate() {
        let relevance = match i {
            0..4 => 4,
            4..14 => 5,
            14..24 => 6,
            _ => 7,
        };
        let quality = if i < 24 { 6 } else { 5 };
        let sharing = if i < 26 { 7 } else { 4 };
        let organisation = if i < 23 { 6 } else { 5 };
        let (status, body) = answer(
            &app,
            p,
            standard([relevance, quality, sharing, organisation]),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    app.advance(Duration::days(15));
    let results_path = format!("/events/{event}/evaluation/results");
    let share = |results: &Value, key: &str| {
        results["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["key"] == key)
            .unwrap()["share_at_least_percent"]
            .as_f64()
            .unwrap()
    };
    let (_, five) = app.get(&format!("{results_path}?at_least=5")).await;
    assert_eq!(five["respondents"], 29);
    assert_eq!(five["response_rate_percent"], 100.0);
    assert_eq!(five["participants"], 29);
    assert_eq!(share(&five, "relevans"), 86.2);
    assert_eq!(share(&five, "relevans").round(), 86.0);
    let (_, six) = app.get(&format!("{results_path}?at_least=6")).await;
    let printed: Vec<f64> = ["kvalitet", "erfaringsdeling", "organisering"]
        .iter()
        .map(|k| share(&six, k))
        .collect();
    assert_eq!(printed, vec![82.8, 89.7, 79.3]);
    assert_eq!(
        printed.iter().map(|p| p.round()).collect::<Vec<_>>(),
        vec![83.0, 90.0, 79.0]
    );
    // The default cut-off is the upper part of the scale (5 on 1–7).
    let (_, default) = app.get(&results_path).await;
    assert_eq!(share(&default, "relevans"), 86.2);
    let relevance = &default["questions"][0];
    assert_eq!(relevance["answered"], 29);
    assert_eq!(
        relevance["distribution"],
        json!({"1": 0, "2": 0, "3": 0, "4": 4, "5": 10, "6": 10, "7": 5})
    );
    assert_eq!(relevance["mean"], 5.55);
    assert_eq!(relevance["at_least"], 5);
    let (status, body) = app.get(&format!("{results_path}?at_least=11")).await;
    assert_eq!(status, 400, "{body}");
}

const BUSKERUD: &str =
    "Kommune;Innbyggere;Region\nDrammen;103291;Buskerud\nKongsberg;28291;Buskerud\n\
Ringerike;31479;Buskerud\nHole;7028;Buskerud\nFlå;1041;Buskerud\nNesbyen;3253;Buskerud\n\
Gol;4606;Buskerud\nHemsedal;2576;Buskerud\nÅl;4697;Buskerud\nHol;4474;Buskerud\n\
Sigdal;3496;Buskerud\nKrødsherad;2256;Buskerud\nModum;14487;Buskerud\nØvre Eiker;20584;Buskerud\n\
Lier;27839;Buskerud\nFlesberg;2733;Buskerud\nRollag;1418;Buskerud\nNore og Uvdal;2467;Buskerud\n";

/// Buskerud, the dementia network's gathering: "24 respondenter fra 12 kommuner i
/// Buskerud. 63% av respondentene er helsepersonell, 21 % fagansvarlige, 4% er ledere,
/// resterende har andre roller."
async fn buskerud_respondents_by_municipality_and_role(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    import_reference(&app, BUSKERUD).await;
    let event = gathering(&app, "Fagnettverk demensomsorg", 60).await;
    let places = [
        "Drammen",
        "Kongsberg",
        "Ringerike",
        "Hole",
        "Gol",
        "Ål",
        "Hol",
        "Sigdal",
        "Modum",
        "Øvre Eiker",
        "Lier",
        "Flesberg",
    ];
    let mut respondents = Vec::new();
    for i in 0..24 {
        let role = match i {
            0..15 => "helsepersonell",
            15..20 => "Fagansvarlig",
            20 => "leder",
            _ => "annet",
        };
        // Some typed in lower case: matched like the statistics match them.
        let place = places[i % 12];
        let typed = if i % 5 == 0 {
            place.to_lowercase()
        } else {
            place.to_string()
        };
        respondents.push(
            sign_up(
                &app,
                &event,
                json!({"name": format!("R{i}"), "email": format!("r{i}@example.no"),
                    "municipality": typed, "role": role}),
            )
            .await,
        );
    }
    // Six more came and did not answer; one from outside Buskerud answered.
    for i in 0..6 {
        sign_up(
            &app,
            &event,
            json!({"name": format!("S{i}"), "email": format!("s{i}@example.no"),
            "municipality": "Drammen"}),
        )
        .await;
    }
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    for r in &respondents {
        let (status, body) = answer(&app, r, standard([6, 6, 6, 6])).await;
        assert_eq!(status, 201, "{body}");
    }
    app.advance(Duration::days(15));
    let (_, results) = app
        .get(&format!("/events/{event}/evaluation/results"))
        .await;
    assert_eq!(results["respondents"], 24);
    assert_eq!(results["invited"], 30);
    assert_eq!(results["response_rate_percent"], 80.0);
    assert_eq!(results["respondent_municipalities"], 12);
    let by_place = results["respondents_by_municipality"].as_array().unwrap();
    assert_eq!(by_place.len(), 12);
    assert!(by_place.iter().all(|p| p["count"] == 2), "{by_place:?}");
    let roles: Vec<(String, u64, f64)> = results["respondents_by_role"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
                r["percent"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            ("Helsepersonell".into(), 15, 62.5),
            ("Fagansvarlig".into(), 5, 20.8),
            ("Leder".into(), 1, 4.2),
            ("Annet".into(), 3, 12.5),
            ("Ikke oppgitt".into(), 0, 0.0),
        ]
    );
    // As printed, in whole per cent: 63 %, 21 %, 4 %.
    let printed: Vec<f64> = roles[..3].iter().map(|r| r.2.round()).collect();
    assert_eq!(printed, vec![63.0, 21.0, 4.0]);
}

async fn answers_cannot_be_joined_to_registrations(engine: Engine) {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 10).await;
    let people = crowd(&app, &event, "P", 3).await;
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    for (i, p) in people.iter().enumerate() {
        let mut answers = standard([5, 6, 7, 4]);
        answers["kommentar"] = json!(format!("Kommentar nummer {i}"));
        assert_eq!(answer(&app, p, answers).await.0, 201);
    }
    let conn = &app.db.conn;
    let backend = conn.get_database_backend();
    // The answer tables' columns: none names a registration, none holds a time of day.
    for table in ["evaluation_tallies", "evaluation_comments"] {
        let sql = match engine {
            Engine::Sqlite => format!("SELECT name, type FROM pragma_table_info('{table}')"),
            Engine::Postgres => format!(
                "SELECT column_name AS name, data_type AS type FROM information_schema.columns \
                 WHERE table_name = '{table}'"
            ),
        };
        let columns = conn
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        assert!(columns.len() >= 4, "{table}");
        for c in columns {
            let name: String = c.try_get("", "name").unwrap();
            let kind: String = c.try_get("", "type").unwrap();
            assert!(!name.contains("registration"), "{table}.{name}");
            let kind = kind.to_lowercase();
            assert!(
                !kind.contains("time") && !kind.contains("stamp"),
                "{table}.{name} is {kind}"
            );
        }
    }
    // Comments: random (version 4) ids, a day, and no rowid that grows with each insert.
    let comments = samling::db::evaluations::comments(conn, event.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(comments.len(), 3);
    for c in &comments {
        assert_eq!(c.id.get_version_num(), 4, "not a time-ordered id");
    }
    if engine == Engine::Sqlite {
        let rowid = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT rowid FROM evaluation_comments",
            ))
            .await;
        assert!(rowid.is_err(), "the comments table has no rowid");
        let rowid = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT rowid FROM evaluation_tallies",
            ))
            .await;
        assert!(rowid.is_err(), "the tallies table has no rowid");
    }
    // The invitation says only that someone answered, not when.
    let invitation = samling::db::evaluations::invitation(
        conn,
        event.parse().unwrap(),
        people[0]["id"].as_str().unwrap().parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(invitation.answered);
}

async fn retention_removes_comments_and_keeps_the_counts(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 10).await;
    let people = crowd(&app, &event, "P", 3).await;
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    for p in &people {
        let mut answers = standard([5, 6, 7, 4]);
        answers["kommentar"] = json!("Ola Nordmann var en god foreleser");
        assert_eq!(answer(&app, p, answers).await.0, 201);
    }
    app.advance(Duration::days(15));
    let path = format!("/events/{event}/evaluation/results");
    let (_, before) = app.get(&path).await;
    assert_eq!(before["comments"].as_array().unwrap().len(), 3);

    // The organiser deletes one comment; the counted answers stay.
    let id = before["comments"][0]["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/events/{event}/evaluation/comments/{id}"),
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/events/{event}/evaluation/comments/{id}"),
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(status, 404);

    app.advance(Duration::days(800));
    let settings = &app.state().settings;
    let report = samling::service::privacy::run_retention(
        &app.db,
        settings.retention.months,
        settings.retention.cancelled_days,
        app.now(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.evaluation_comments_deleted, 2);
    let (_, after) = app.get(&path).await;
    assert_eq!(after["comments"], json!([]));
    let without = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("comments");
        v
    };
    assert_eq!(
        without(&after),
        without(&before),
        "the statistics stay the same"
    );
}

async fn settings_are_checked_and_frozen_by_the_first_answer(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 10).await;
    let path = format!("/events/{event}/evaluation");
    let put = |body: Value| app.call(reqwest::Method::PUT, &path, Some(&app.token), Some(body));
    let (status, body) = put(json!({"preset": "nei", "reminder_after": "3 uker",
        "questions": [{"key": "x", "type": "scale", "max": 12}]}))
    .await;
    assert_eq!(status, 400);
    let fields = &body["error"]["fields"];
    for f in [
        "preset",
        "reminder_after",
        "questions[0].key",
        "questions[0].text_nb",
        "questions[0].max",
    ] {
        assert!(fields[f].is_string(), "{f}: {body}");
    }
    let (status, body) = app.get(&path).await;
    assert_eq!(status, 404, "{body}");
    // Custom questions: a choice and a text, after a preset.
    let custom = json!({"preset": "grad", "questions": [
        {"key": "tema", "text_nb": "Hvilket tema var mest nyttig?", "type": "choice",
         "options": [{"key": "simulering", "label_nb": "Simulering"},
                     {"key": "implementering", "label_nb": "Implementering"}]}]});
    let (status, saved) = put(custom.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["questions"].as_array().unwrap().len(), 6);
    assert_eq!(saved["questions"][5]["required"], true);

    // Another organisation sees nothing.
    let other = app.admin_token("annet-senter").await;
    let (status, _) = app
        .call(reqwest::Method::GET, &path, Some(&other), None)
        .await;
    assert_eq!(status, 404);

    let kari = sign_up(
        &app,
        &event,
        json!({"name": "Kari", "email": "kari@example.no"}),
    )
    .await;
    app.advance(Duration::hours(4));
    app.tick().await;
    let (status, body) = answer(
        &app,
        &kari,
        json!({"relevans": 3, "kvalitet": 3,
        "erfaringsdeling": 3, "organisering": 3, "tema": "kake"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["fields"]["answers.tema"].is_string(),
        "{body}"
    );
    let (status, body) = answer(
        &app,
        &kari,
        json!({"relevans": 3, "kvalitet": 3,
        "erfaringsdeling": 3, "organisering": 3, "tema": "simulering"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Now the questions stay; the closing may still move; it cannot be removed.
    let (status, body) = put(json!({"preset": "standard"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "already_answered");
    let mut later = custom.clone();
    later["closes_at"] = json!((app.now() + Duration::days(30)).to_rfc3339());
    let (status, body) = put(later).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(reqwest::Method::DELETE, &path, Some(&app.token), None)
        .await;
    assert_eq!(status, 409);

    // An evaluation nobody answered can go.
    let second = gathering(&app, "Andre", 10).await;
    set_evaluation(&app, &second, json!({"preset": "standard"})).await;
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/events/{second}/evaluation"),
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
}

async fn evaluations_across_a_year(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let year = app.now().format("%Y").to_string();
    let mut events = Vec::new();
    for (title, values) in [("Vår", [7u8, 6, 5, 4]), ("Høst", [5, 4, 3, 2])] {
        let event = gathering(&app, title, 10).await;
        let mut people = Vec::new();
        for i in 0..4 {
            people.push(
                sign_up(
                    &app,
                    &event,
                    json!({"name": format!("{title}{i}"),
                    "email": format!("{}{i}@example.no", title.to_lowercase().replace('ø', "o"))}),
                )
                .await,
            );
        }
        set_evaluation(&app, &event, json!({"preset": "standard"})).await;
        events.push((event, people, values));
    }
    app.advance(Duration::hours(4));
    app.tick().await;
    for (_, people, values) in &events {
        for p in &people[..3] {
            assert_eq!(answer(&app, p, standard(*values)).await.0, 201);
        }
    }
    app.advance(Duration::days(15));
    let (status, stats) = app.get(&format!("/stats/evaluations?year={year}")).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["invited"], 8);
    assert_eq!(stats["respondents"], 6);
    assert_eq!(stats["response_rate_percent"], 75.0);
    assert_eq!(stats["events"].as_array().unwrap().len(), 2);
    let relevance = &stats["questions"][0];
    assert_eq!(relevance["key"], "relevans");
    assert_eq!(relevance["events"], 2);
    assert_eq!(relevance["answered"], 6);
    assert_eq!(relevance["mean"], 6.0);
    assert_eq!(relevance["share_at_least_percent"], 100.0);
    let quality = &stats["questions"][1];
    assert_eq!(quality["share_at_least_percent"], 50.0);

    let (status, _) = app
        .get(&format!("/stats/evaluations?year={year}&format=svg"))
        .await;
    assert_eq!(status, 400);
    let (status, _, csv) =
        crate::desk::download(&app, &format!("/stats/evaluations?year={year}&format=csv")).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("\"Vår\""), "{text}");
    assert!(text.contains("\"75,00\""), "{text}");
    let one = &events[0].0;
    let (status, _, xlsx) = crate::desk::download(
        &app,
        &format!("/events/{one}/evaluation/results?format=xlsx"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"), "a workbook");

    // The desk's statistics for the year show the same.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let html = desk
        .get(&format!("/admin/stats?year={year}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Svarprosent per arrangement"), "{html}");
    assert!(html.contains("<td class=\"num\">75,0</td>"), "{html}");
    let res = desk
        .get(&format!("/admin/stats/evaluations.xlsx?year={year}"))
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

async fn the_answer_page_takes_one_answer_with_clear_errors(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Fagdag om velferdsteknologi", 10).await;
    let kari = sign_up(
        &app,
        &event,
        json!({"name": "Kari", "email": "kari@example.no"}),
    )
    .await;
    set_evaluation(&app, &event, json!({"preset": "standard"})).await;
    let token = app.token_of(&kari);
    let page = format!("/r/{token}/evaluering");
    let html = page_text(&app, &page).await;
    assert!(html.contains("Evalueringen er ikke åpen ennå"), "{html}");
    assert!(
        !html.contains("<form method=\"post\" action=\"/r/"),
        "no form before opening"
    );

    app.advance(Duration::hours(4));
    app.tick().await;
    let registration = page_text(&app, &format!("/r/{token}")).await;
    assert!(
        registration.contains(&format!("href=\"{page}\"")),
        "a link from the registration"
    );
    let html = page_text(&app, &page).await;
    assert!(html.contains("konfidensielle") && html.contains("om lag 2 minutter"));
    assert!(html.contains("Hvor relevant var samlingen for deg og arbeidet ditt?"));
    assert!(
        html.contains("1: Svært dårlig, 7: Svært god"),
        "the scale's words as a hint"
    );
    assert!(html.contains("name=\"answers.relevans\" type=\"radio\" value=\"7\""));
    let english = page_text(&app, &format!("{page}?lang=en")).await;
    assert!(english.contains("How relevant was the event to you and your work?"));

    // Missing answers: the error summary names each question, the given answers stay.
    let url = format!("{}{page}", app.base);
    let res = browser()
        .post(&url)
        .form(&[("answers.relevans", "6"), ("answers.kommentar", "Fin dag")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("error-summary") || html.contains("Det er noe som må rettes"),
        "{html}"
    );
    assert!(html.contains("href=\"#answers-kvalitet\""), "{html}");
    assert!(
        html.contains("Velg et svar på «Hvordan vurderer du kvaliteten på det faglige innholdet?»")
    );
    assert!(
        html.contains("value=\"6\" checked"),
        "the answer given stays"
    );
    assert!(html.contains(">Fin dag</textarea>"));

    let full = [
        ("answers.relevans", "6"),
        ("answers.kvalitet", "5"),
        ("answers.erfaringsdeling", "7"),
        ("answers.organisering", "6"),
        ("answers.kommentar", "Fin dag"),
    ];
    let res = browser().post(&url).form(&full).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let thanks = page_text(&app, &format!("{page}?done=answered")).await;
    assert!(thanks.contains("Takk for svarene!"), "{thanks}");
    assert!(
        !thanks.contains("answers.relevans"),
        "no form after answering"
    );
    // A second answer (the back button): not counted, the page says why.
    let res = browser().post(&url).form(&full).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().await.unwrap().contains("Takk for svarene!"));
    let (_, evaluation) = app.get(&format!("/events/{event}/evaluation")).await;
    assert_eq!(evaluation["respondents"], 1);
    // The link no longer shows on the registration.
    let registration = page_text(&app, &format!("/r/{token}")).await;
    assert!(!registration.contains(&format!("href=\"{page}\"")));
    // An unknown token opens nothing.
    let res = browser()
        .get(format!("{}/r/nonsense/evaluering", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

async fn the_desk_sets_an_evaluation_and_shows_its_results(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let earlier = gathering(&app, "Vårsamling", 10).await;
    set_evaluation(
        &app,
        &earlier,
        json!({"questions": [{"key": "nytte", "text_nb": "Hvor nyttig var dagen?", "type": "scale",
            "min": 1, "max": 5}]}),
    )
    .await;
    let event = gathering(&app, "Høstsamling", 10).await;
    let me = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &me).await;
    let page = format!("/admin/events/{event}/evaluation");
    let overview = desk
        .get(&format!("/admin/events/{event}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        overview.contains(&page),
        "the event desk links to its evaluation"
    );
    let html = desk.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("Arrangementet har ingen evaluering ennå"),
        "{html}"
    );
    assert!(html.contains("Vårsamling"), "an earlier evaluation to copy");

    // Wrong input keeps what was typed and names the fields.
    let res = desk
        .post(
            &page,
            &[
                ("questions", "copy"),
                ("closes_on", "i morgen"),
                ("reminder_days", "40"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
    let html = res.text().await.unwrap();
    for field in ["#copy_from", "#closes_on", "#reminder_days"] {
        assert!(
            html.contains(&format!("href=\"{field}\"")),
            "{field}: {html}"
        );
    }
    assert!(html.contains("value=\"i morgen\""));
    // Copy the earlier event's questions, close on a set day, remind after two days.
    let closes_on = (app.now() + Duration::days(10)).date_naive().to_string();
    let res = desk
        .post(
            &page,
            &[
                ("questions", "copy"),
                ("copy_from", &earlier),
                ("closes_on", &closes_on),
                ("reminder_days", "2"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (_, evaluation) = app.get(&format!("/events/{event}/evaluation")).await;
    assert_eq!(evaluation["questions"][0]["key"], "nytte");
    assert_eq!(evaluation["reminder_after"], "2d");
    let html = desk
        .get(&format!("{page}?done=evaluation_saved"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Evalueringen er lagret."), "{html}");
    assert!(html.contains("Hvor nyttig var dagen?"));
    // Back to the standard questions.
    let res = desk
        .post(
            &page,
            &[
                ("questions", "standard"),
                ("closes_on", ""),
                ("reminder_days", "3"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);

    let mut people = Vec::new();
    for i in 0..4 {
        people.push(
            sign_up(
                &app,
                &event,
                json!({"name": format!("P{i}"), "email": format!("p{i}@example.no"),
                "role": "helsepersonell"}),
            )
            .await,
        );
    }
    app.advance(Duration::hours(4));
    app.tick().await;
    for (i, p) in people[..3].iter().enumerate() {
        let mut answers = standard([7, 6, 5, 4]);
        answers["kommentar"] = json!(format!("Kommentar {i}"));
        assert_eq!(answer(&app, p, answers).await.0, 201);
    }
    // Desk sessions end with time like everything else: sign in again.
    let desk = sign_in(&app, &me).await;
    let html = desk.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("Resultatene vises når evalueringen har stengt"),
        "{html}"
    );
    assert!(!html.contains("Kommentar 0"));
    assert!(html.contains("Noen har svart, så spørsmålene kan ikke endres lenger"));

    app.advance(Duration::days(15));
    let desk = sign_in(&app, &me).await;
    let html = desk.get(&page).await.text().await.unwrap();
    assert!(html.contains("<svg class=\"bars\""), "a chart");
    assert!(
        html.contains("<caption class=\"visually-hidden\">Hvor relevant var samlingen for deg og arbeidet ditt?</caption>")
    );
    assert!(html.contains("100,0 % svarte 5 eller høyere"), "{html}");
    assert!(html.contains("Helsepersonell"));
    assert!(html.contains("Kommentar 1"));
    let delete = html
        .split("action=\"")
        .filter_map(|part| part.split('"').next())
        .find(|a| a.contains("/comments/"))
        .expect("a delete button per comment")
        .to_string();
    let res = desk.post(&delete, &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let html = desk.get(&page).await.text().await.unwrap();
    assert_eq!(html.matches("Kommentar ").count(), 2);
    let res = desk.get(&format!("{page}/results.csv")).await;
    assert_eq!(res.status().as_u16(), 200);
    let csv = res.text().await.unwrap();
    assert!(csv.contains("Hvor relevant var samlingen"), "{csv}");
    let res = desk.get(&format!("{page}/results.xlsx")).await;
    assert_eq!(res.status().as_u16(), 200);
    // Another organisation's desk finds nothing.
    let other = sign_in(&app, &organiser(&app, "annet", false).await).await;
    assert_eq!(other.get(&page).await.status().as_u16(), 404);
}

/// Review findings: a closed evaluation cannot be reopened (closing it early and polling the
/// count would single answers out), it cannot be removed once invitations went out (they
/// would go again), a cancelled event takes no answers, an optional question answered by
/// fewer than the minimum shows no distribution, a hostile date is refused, and a key asked
/// on two scales pools as two rows.
async fn closing_is_final_and_small_groups_stay_hidden(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = gathering(&app, "Samling", 10).await;
    let path = format!("/events/{event}/evaluation");
    let put = |body: Value| app.call(reqwest::Method::PUT, &path, Some(&app.token), Some(body));
    let (status, body) = put(json!({"preset": "standard",
        "opens_at": "+262142-12-31T00:00:00Z"}))
    .await;
    assert_eq!(status, 400, "{body}");
    let with_optional = json!({"questions": [
        {"key": "nytte", "text_nb": "Nytte?", "type": "scale", "min": 1, "max": 5},
        {"key": "tema", "text_nb": "Tema?", "type": "scale", "min": 1, "max": 5, "required": false}]});
    let (status, _) = put(with_optional.clone()).await;
    assert_eq!(status, 200);
    let people = crowd(&app, &event, "P", 3).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    let (status, body) = app
        .call(reqwest::Method::DELETE, &path, Some(&app.token), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("invitations_sent"))
    );
    for (i, p) in people.iter().enumerate() {
        let mut answers = json!({"nytte": 4});
        if i == 0 {
            answers["tema"] = json!(2);
        }
        assert_eq!(answer(&app, p, answers).await.0, 201);
    }
    app.advance(Duration::days(15));
    let (_, results) = app.get(&format!("{path}/results")).await;
    assert_eq!(results["questions"][0]["distribution"]["4"], 3);
    let optional = &results["questions"][1];
    assert_eq!(optional["answered"], 1);
    assert_eq!(
        optional["distribution"],
        json!({}),
        "one answer is not shown: {results}"
    );
    assert!(optional["mean"].is_null());
    // Closed: final.
    let mut later = with_optional.clone();
    later["closes_at"] = json!((app.now() + Duration::days(30)).to_rfc3339());
    let (status, body) = put(later).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("evaluation_closed"))
    );

    // The same key on 1–7 elsewhere pools on its own row.
    let other = gathering(&app, "Andre samling", 10).await;
    set_evaluation(
        &app,
        &other,
        json!({"questions": [
        {"key": "nytte", "text_nb": "Nytte?", "type": "scale", "min": 1, "max": 7}]}),
    )
    .await;
    let others = crowd(&app, &other, "Q", 3).await;
    app.advance(Duration::hours(4));
    app.tick().await;
    for p in &others {
        assert_eq!(answer(&app, p, json!({"nytte": 7})).await.0, 201);
    }
    // A cancelled event takes no more answers.
    let third = gathering(&app, "Avlyst", 10).await;
    set_evaluation(
        &app,
        &third,
        json!({"preset": "standard",
        "opens_at": (app.now() - Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    let late = crowd(&app, &third, "R", 1).await;
    assert_eq!(
        app.post(&format!("/events/{third}/cancel"), json!({}))
            .await
            .0,
        200
    );
    let (status, body) = answer(&app, &late[0], standard([5, 5, 5, 5])).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("evaluation_closed"))
    );

    app.advance(Duration::days(15));
    let (_, stats) = app.get("/stats/evaluations").await;
    let rows: Vec<(u64, u64)> = stats["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["key"] == "nytte")
        .map(|q| {
            (
                q["answered"].as_u64().unwrap(),
                q["events"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, vec![(3, 1), (3, 1)], "{stats}");
}
