//! Course certificates (kursbevis): issued once to those who completed, mailed with the PDF
//! (its text exactly the name, Norwegian letters and hostile characters alike), verified by
//! code, revoked and reissued; the register counts across years with the imported ones,
//! unchanged after erasure and retention ("Vestfold nå har 87 HHLR instruktører").
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{organiser, pdf_text, sign_in, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    certificates_go_once_to_those_who_completed,
    the_register_counts_across_years_and_outlives_the_names,
);

fn session(start: DateTime<Utc>) -> Value {
    json!({"starts_at": start.to_rfc3339(),
        "ends_at": (start + Duration::hours(6)).to_rfc3339(), "location": "Tønsberg"})
}

/// A published two-day course with certificates; its JSON.
async fn course(app: &TestApp, title: &str, extra: Value) -> Value {
    let first = app.now() + Duration::days(3);
    let mut body = json!({"title": title, "kind": "course", "status": "published",
        "sessions": [session(first), session(first + Duration::days(1))],
        "certificate": {"hours": 14, "text_nb": "Kurset gir 14 timer godkjent etterutdanning.",
            "text_en": "The course counts as 14 hours of further training."}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, event) = app.post("/events", body).await;
    assert_eq!(status, 201, "{event}");
    event
}

async fn came(app: &TestApp, event: &Value, who: &[&str], session: usize) {
    let id = event["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/events/{id}/attendance"),
            json!({"registrations": who, "attended": true,
                "session": event["sessions"][session]["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn signed_up(app: &TestApp, event: &Value, body: Value) -> Value {
    let (status, reg) = app.sign_up_with(event["id"].as_str().unwrap(), body).await;
    assert_eq!(status, 201, "{reg}");
    reg
}

/// The latest certificate mail of a registration (waits for it): its subject, the PDF's
/// file name, the PDF's text and the mail's own text.
async fn certificate_mail(app: &TestApp, reg: &Value) -> (String, String, String, String) {
    app.mail_settled().await;
    let mails = app.mails_for(reg["id"].as_str().unwrap()).await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.attachment(".pdf").is_some())
        .expect("a mail with the certificate");
    let (name, pdf) = mail.attachment(".pdf").unwrap();
    let (text, pages) = pdf_text(&pdf);
    assert_eq!(pages, 1, "one A4 page");
    (mail.subject(), name, text, mail.decoded())
}

async fn certificates_go_once_to_those_who_completed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = course(&app, "HLR-instruktørkurs", json!({})).await;
    let id = event["id"].as_str().unwrap().to_string();
    assert_eq!(event["certificate"]["hours"], 14.0);
    let public = crate::helpers::page_text(&app, &format!("/events/{id}")).await;
    assert!(
        public.contains("De som fullfører, får kursbevis (14 timer)."),
        "{public}"
    );
    let kare = signed_up(
        &app,
        &event,
        json!({"name": "Kåre Ødegård Æsøy", "email": "kare@example.no", "municipality": "Horten"}),
    )
    .await;
    // Typed as markup would be: printed as typed, and the page keeps its one-page layout.
    let hostile_name = "#set page(width: 1cm) )]} <b>&amp;";
    let hostile = signed_up(
        &app,
        &event,
        json!({"name": hostile_name, "email": "x@example.no"}),
    )
    .await;
    let emma = signed_up(
        &app,
        &event,
        json!({"name": "Emma Englund", "email": "emma@example.org", "language": "en"}),
    )
    .await;
    let per = signed_up(
        &app,
        &event,
        json!({"name": "Per Halvveis", "email": "per@example.no"}),
    )
    .await;
    // She completes too, but erases her data before the certificates are issued.
    let gro = signed_up(
        &app,
        &event,
        json!({"name": "Gro Glemt", "email": "gro@example.no"}),
    )
    .await;

    let (status, early) = app
        .post(&format!("/events/{id}/certificates"), json!({}))
        .await;
    assert_eq!(
        (status, early["error"]["code"].as_str()),
        (409, Some("not_ended"))
    );
    app.advance(Duration::days(5));
    let all: Vec<&str> = [&kare, &hostile, &emma, &gro, &per]
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    came(&app, &event, &all, 0).await;
    came(&app, &event, &all[..4], 1).await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{}/erase", app.token_of(&gro)),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);

    let (status, issued) = app
        .post(&format!("/events/{id}/certificates"), json!({}))
        .await;
    assert_eq!(status, 201, "{issued}");
    let list = issued.as_array().unwrap();
    assert_eq!(
        list.len(),
        3,
        "only those who completed and still have a name: {issued}"
    );
    let year = app
        .now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .format("%Y")
        .to_string();
    let mut numbers: Vec<&str> = list.iter().map(|c| c["number"].as_str().unwrap()).collect();
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=3)
            .map(|n| format!("CENTRE-{year}-{n:04}"))
            .collect::<Vec<_>>()
    );
    assert!(
        list.iter().all(|c| c.get("code").is_none()),
        "codes reach only the mailbox"
    );
    assert!(!list.iter().any(|c| c["registration_id"] == per["id"]));
    // Issuing again issues nothing and answers the same certificates.
    let (status, again) = app
        .post(&format!("/events/{id}/certificates"), json!({}))
        .await;
    assert_eq!(status, 200, "{again}");
    let mut again_numbers: Vec<&str> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    again_numbers.sort();
    assert_eq!(again_numbers, numbers);

    // The mail carries the PDF; its text is the name exactly.
    let (subject, file, text, _) = certificate_mail(&app, &kare).await;
    assert_eq!(subject, "Kursbevis: HLR-instruktørkurs");
    assert!(file.starts_with("kursbevis-CENTRE-"), "{file}");
    assert!(text.lines().any(|l| l == "Kåre Ødegård Æsøy"), "{text}");
    assert!(text.contains("Omfang: 14 timer"), "{text}");
    assert!(
        text.contains("Kurset gir 14 timer godkjent etterutdanning."),
        "{text}"
    );
    let (_, _, text, _) = certificate_mail(&app, &hostile).await;
    assert!(
        text.lines().any(|l| l == hostile_name),
        "one line, as typed: {text}"
    );
    assert!(
        text.lines().any(|l| l == "Kursbevis"),
        "the layout stands: {text}"
    );
    let (subject, file, text, _) = certificate_mail(&app, &emma).await;
    assert_eq!(subject, "Course certificate: HLR-instruktørkurs");
    assert!(file.starts_with("certificate-"), "{file}");
    assert!(
        text.contains("Course certificate") && text.contains("Emma Englund"),
        "{text}"
    );
    assert!(text.contains("14 hours of further training"), "{text}");

    // The participant's own link gives the PDF again; no certificate, no PDF.
    let pdf = app
        .client
        .get(format!(
            "{}/r/{}/kursbevis.pdf",
            app.base,
            app.token_of(&kare)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf_text(&pdf.bytes().await.unwrap())
        .0
        .contains("Kåre Ødegård Æsøy"));
    let none = app
        .client
        .get(format!(
            "{}/r/{}/kursbevis.pdf",
            app.base,
            app.token_of(&per)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    let page = app
        .client
        .get(format!("{}/r/{}", app.base, app.token_of(&kare)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("kursbevis.pdf"), "{page}");

    // The verification page, from the code in the mail.
    let (_, _, _, kare_text) = certificate_mail(&app, &kare).await;
    let code = crate::helpers::link_token(&kare_text, "/kursbevis/").expect("a verification link");
    let check = |code: String| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(format!("{}/kursbevis/{code}", app.base))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = check(code.clone()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Kursbeviset er gyldig") && html.contains("Kåre Ødegård Æsøy"),
        "{html}"
    );
    assert!(
        !html.contains("kare@example.no") && !html.contains("Horten"),
        "nothing more"
    );
    let (status, _) = check("AAAA-BBBB-CCCC-DDDD".into()).await;
    assert_eq!(status, 404);

    // Revoked: the page says so and the register shows it.
    let kare_number = list
        .iter()
        .find(|c| c["registration_id"] == kare["id"])
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, revoked) = app
        .post(&format!("/certificates/{kare_number}/revoke"), json!({}))
        .await;
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
    let (_, html) = check(code).await;
    assert!(html.contains("trukket tilbake"), "{html}");
    let gone = app
        .client
        .get(format!(
            "{}/r/{}/kursbevis.pdf",
            app.base,
            app.token_of(&kare)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404, "a revoked certificate is not offered");
    // The participant's own data lists it, revoked.
    let (_, data) = app
        .call(
            reqwest::Method::GET,
            &format!("/registrations/{}/data", app.token_of(&kare)),
            None,
            None,
        )
        .await;
    let theirs = &data["registrations"][0]["certificates"][0];
    assert_eq!(
        (theirs["number"].as_str(), theirs["revoked"].as_bool()),
        (Some(kare_number.as_str()), Some(true)),
        "{data}"
    );

    // A misspelt name: reissued with a new number, the old one revoked, mailed again.
    let emma_number = list
        .iter()
        .find(|c| c["registration_id"] == emma["id"])
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, new) = app
        .post(
            &format!("/certificates/{emma_number}/reissue"),
            json!({"name": "Emma Engelund"}),
        )
        .await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["replaces"], emma_number.as_str());
    assert_eq!(new["number"], format!("CENTRE-{year}-0004"));
    let (_, _, text, _) = certificate_mail(&app, &emma).await;
    assert!(text.contains("Emma Engelund"), "{text}");
    let (status, twice) = app
        .post(
            &format!("/certificates/{emma_number}/reissue"),
            json!({"name": "Emma"}),
        )
        .await;
    assert_eq!(
        (status, twice["error"]["code"].as_str()),
        (409, Some("revoked"))
    );

    let (status, register) = app.get(&format!("/certificates?event={id}")).await;
    assert_eq!(status, 200, "{register}");
    let statuses: Vec<(&str, &str)> = register
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses.len(), 4);
    assert_eq!(statuses.iter().filter(|s| s.1 == "valid").count(), 2);
    // Issuing once more gives nobody a new one: Kåre's stays revoked (a reissue is how a
    // certificate is replaced), Emma holds the reissued one.
    let (status, more) = app
        .post(&format!("/events/{id}/certificates"), json!({}))
        .await;
    assert_eq!(status, 200, "{more}");
    assert_eq!(more.as_array().unwrap().len(), 2);

    // The desk: the attendance page lists them and offers the button.
    let desk_email = organiser(&app, "centre", false).await;
    let desk = sign_in(&app, &desk_email).await;
    let html = desk
        .get(&format!("/admin/events/{id}/attendance"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("2 kursbevis er utstedt"), "{html}");
    assert!(
        html.contains("Trukket tilbake") && html.contains(&kare_number),
        "{html}"
    );
    let res = desk
        .post(&format!("/admin/events/{id}/certificates"), &[])
        .await;
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("/attendance?done=no_new_certificates"), "{to}");

    // Another organisation sees none of it.
    let other = app.organiser_token("other").await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/events/{id}/certificates"),
            Some(&other),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/certificates/{emma_number}/revoke"),
            Some(&other),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, theirs) = app
        .call(reqwest::Method::GET, "/certificates", Some(&other), None)
        .await;
    assert_eq!(theirs, json!([]));
}

async fn the_register_counts_across_years_and_outlives_the_names(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let res = app
        .client
        .post(app.url("/municipalities/import"))
        .bearer_auth(&app.token)
        .body("Færder;27 000;Vestfold\nHorten;27 600;Vestfold\nTønsberg;58 000;Vestfold\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, _) = app
        .post(
            "/series",
            json!({"slug": "hhlr", "name": "HHLR-instruktørkurs"}),
        )
        .await;
    assert_eq!(status, 201);
    let import = |body: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(app.url("/certificates/import"))
                .bearer_auth(&app.token)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    // A wrong line stops the whole file, with every line named.
    let (status, bad) = import("Anne;HHLR;2023-02-30;Horten;hhlr\nBo;HHLR\n").await;
    assert_eq!(status, 400, "{bad}");
    let file = bad["error"]["fields"]["file"].as_str().unwrap();
    assert!(
        file.contains("line 1: date") && file.contains("line 2"),
        "{file}"
    );
    let (status, bad) = import("Bo;HHLR;2023-03-01;Horten;ukjent\n").await;
    assert_eq!(status, 400, "{bad}");
    let file = bad["error"]["fields"]["file"].as_str().unwrap();
    assert!(file.contains("line 1: series"), "{file}");
    let earlier = "navn;kurs;dato;kommune;serie\n\
        Anne Hansen;HHLR-instruktør;10.03.2023;Horten;hhlr\n\
        Bjørn Berg;HHLR-instruktør;2023-03-10;Tønsberg;hhlr\n\
        Cecilie Dahl;HHLR-instruktør;2023-03-10;Oslo;hhlr\n\
        Dag Eide;HHLR-instruktør;2024-04-01;horten;hhlr\n\
        Eva Fjeld;HHLR-instruktør;2024-04-01;Horten;hhlr\n\
        Frida Gran;proACT;2024-05-01;Færder\n";
    let (status, report) = import(earlier).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, json!({"imported": 6, "already_there": 0}));
    let (_, again) = import(earlier).await;
    assert_eq!(
        again,
        json!({"imported": 0, "already_there": 6}),
        "a file sent twice adds nothing"
    );

    // This year's course in the series: two more instructors.
    let event = course(&app, "HHLR-instruktørkurs 2026", json!({"series": "hhlr"})).await;
    let a = signed_up(
        &app,
        &event,
        json!({"name": "Gunn Holm", "email": "gunn@example.no", "municipality": "Færder"}),
    )
    .await;
    let b = signed_up(
        &app,
        &event,
        json!({"name": "Hans Ime", "email": "hans@example.no", "municipality": "Horten"}),
    )
    .await;
    app.advance(Duration::days(5));
    let both = [a["id"].as_str().unwrap(), b["id"].as_str().unwrap()];
    came(&app, &event, &both, 0).await;
    came(&app, &event, &both, 1).await;
    let (status, _) = app
        .post(
            &format!("/events/{}/certificates", event["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 201);

    let stats = |query: String| {
        let app = &app;
        async move {
            let (status, body) = app.get(&format!("/stats/certificates?{query}")).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let per = |s: &Value| -> Vec<(String, u64)> {
        s["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_string(),
                    m["certificates"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let end_2024 = stats("as_of=2024-12-31&series=hhlr".into()).await;
    assert_eq!(end_2024["total"], 5, "{end_2024}");
    assert_eq!(
        per(&end_2024),
        [
            ("Færder".into(), 0),
            ("Horten".into(), 3),
            ("Tønsberg".into(), 1)
        ],
        "zeros stay; 'horten' is Horten"
    );
    assert_eq!(end_2024["others"], 1);
    assert_eq!(
        end_2024["by_year"],
        json!([{"year": 2023, "certificates": 3, "cumulative": 3},
            {"year": 2024, "certificates": 2, "cumulative": 5}])
    );
    // The organisation's date (Oslo), as certificates are dated.
    let today = app
        .now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
        .to_string();
    let now = stats(format!("as_of={today}&series=hhlr")).await;
    assert_eq!(now["total"], 7, "{now}");
    assert_eq!(
        per(&now),
        [
            ("Færder".into(), 1),
            ("Horten".into(), 4),
            ("Tønsberg".into(), 1)
        ]
    );
    let everything = stats(format!("as_of={today}")).await;
    assert_eq!(everything["total"], 8, "the proACT one too");
    // The desk's register says the same, and takes a file of earlier certificates.
    let desk = sign_in(&app, &organiser(&app, "centre", false).await).await;
    let html = desk.get("/admin/certificates").await.text().await.unwrap();
    assert!(html.contains("8 gyldige kursbevis per"), "{html}");
    assert!(
        html.contains("CENTRE-2023-0001") && html.contains("lagt inn fra før"),
        "{html}"
    );
    let upload = |body: &'static [u8]| {
        let desk = &desk;
        async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", desk.csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(body.to_vec()).file_name("kursbevis.csv"),
                );
            crate::helpers::browser()
                .post(format!("{}/admin/certificates", desk.base))
                .header(reqwest::header::COOKIE, &desk.cookie)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let res = upload(b"Ivar;proACT;32.01.2025;Horten\n").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("Linje 1: dato"), "{html}");
    let res = upload(b"Ivar Jensen;proACT;31.01.2025;Horten\n").await;
    assert_eq!(res.status(), 303);
    assert_eq!(stats(format!("as_of={today}")).await["total"], 9);
    let (_, _) = app
        .post(
            &format!(
                "/certificates/{}/revoke",
                app.get("/certificates?year=2025").await.1[0]["number"]
                    .as_str()
                    .unwrap()
            ),
            json!({}),
        )
        .await;
    let (status, _) = app.get("/stats/certificates?series=ukjent").await;
    assert_eq!(status, 404);
    let (status, bad) = app.get("/stats/certificates?as_of=31.12.2024").await;
    assert_eq!(status, 400, "{bad}");
    let (_, of_2023) = app.get("/certificates?year=2023").await;
    assert_eq!(of_2023.as_array().unwrap().len(), 3);
    assert!(of_2023
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["imported"] == true));

    // Erasure takes the name and leaves the count.
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/registrations/{}/erase", app.token_of(&a)),
            None,
            None,
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let after = stats(format!("as_of={today}&series=hhlr")).await;
    assert_eq!(after, now, "the register counts the same after an erasure");
    let (_, register) = app.get("/certificates?series=hhlr").await;
    let erased = register
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["registration_id"] == a["id"])
        .unwrap();
    assert_eq!(erased["holder_name"], Value::Null);
    assert_eq!(erased["municipality"], "Færder");

    // Years on: registrations and then the certificates' names go; the counts stay.
    let later = app.now() + Duration::days(365 * 11);
    samling::service::privacy::run_retention(&app.db, 24, 30, later, false)
        .await
        .unwrap();
    let names_gone =
        samling::service::privacy::run_certificate_retention(&app.db, 10, later, false)
            .await
            .unwrap();
    assert_eq!(
        names_gone, 8,
        "all nine certificates (one revoked) older than ten years but the erased one"
    );
    assert_eq!(stats(format!("as_of={today}&series=hhlr")).await, now);
    let (_, register) = app.get("/certificates").await;
    assert!(register
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["holder_name"].is_null()));

    // A revocation today leaves a past date's count as it was.
    let first = of_2023[0]["number"].as_str().unwrap();
    let (status, _) = app
        .post(&format!("/certificates/{first}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(stats("as_of=2024-12-31&series=hhlr".into()).await, end_2024);
    assert_eq!(
        stats(format!("as_of={today}&series=hhlr")).await["total"],
        6
    );
}
