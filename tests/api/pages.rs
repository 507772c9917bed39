//! The pages without a browser: plain form posts as a browser without JavaScript sends
//! them, on both engines. (The real-browser and axe checks are in `tests/browser/`.)
use reqwest::{header, redirect, StatusCode};
use serde_json::json;

use crate::helpers::{link_token, Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(
    sign_up_through_the_form,
    form_errors_keep_the_input,
    cancel_through_the_confirmation_step,
    refusals_in_words,
    language_and_headers,
    language_links_stay_on_this_site,
    contact_sharing_needs_the_owners_confirmation
);

/// A browser that does not follow redirects, so each answer can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = browser()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The hidden form id of the sign-up form on an event page.
fn submission_of(html: &str) -> String {
    let at = html
        .find("name=\"submission\" value=\"")
        .expect("a form id")
        + 25;
    html[at..at + 36].to_string()
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    browser()
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn sign_up_through_the_form(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    let (status, html) = page(&app, &format!("/events/{event}")).await;
    assert_eq!(status, 200);
    for needle in [
        "method=\"post\"",
        "novalidate",
        "name=\"name\"",
        "autocomplete=\"name\"",
        "inputmode=\"email\"",
        "autocomplete=\"email\"",
        "name=\"municipality\"",
        "list=\"municipality-list\"",
        "name=\"workplace\"",
        "autocomplete=\"organization\"",
        "type=\"radio\" value=\"helsepersonell\"",
        "name=\"share_contact\" type=\"checkbox\"",
        "(valgfritt)",
    ] {
        assert!(html.contains(needle), "the form has {needle}");
    }
    assert!(!html.contains('*'), "no asterisks");
    let submission = submission_of(&html);
    let form = [
        ("name", "Åse Øvrebø"),
        ("email", "ase@example.no"),
        ("municipality", "tønsberg"),
        ("workplace", "Eik sykehjem"),
        ("role", "fagansvarlig"),
        ("share_contact", "true"),
        ("submission", submission.as_str()),
    ];
    let res = post_form(&app, &format!("/events/{event}"), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let receipt = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(receipt.starts_with(&format!("/events/{event}/receipt/")));
    let (status, html) = page(&app, &receipt).await;
    assert_eq!(status, 200);
    assert!(html.contains("Du er påmeldt"));
    assert!(html.contains("Du får en påminnelse før arrangementet"));
    assert!(
        !html.contains("ase@example.no") && !html.contains("Åse"),
        "the receipt's URL is no key to the address"
    );
    assert!(
        !html.contains("/r/") && !html.contains("/feeds/me/"),
        "no secret on the receipt"
    );

    // The same form sent again (a double click, a reload): the same receipt, one registration.
    let again = post_form(&app, &format!("/events/{event}"), &form).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()[header::LOCATION], receipt.as_str());
    let regs = app.registrations(&event).await;
    assert_eq!(regs.len(), 1);
    assert_eq!(regs[0]["role"], "fagansvarlig");
    assert_eq!(regs[0]["share_contact_wished"], true);
    assert_eq!(
        regs[0]["share_contact"], false,
        "shared once the owner confirms"
    );
    assert_eq!(regs[0]["language"], "nb", "mails in the page's language");

    // The next gets the waiting list, in English mails.
    let (_, html) = page(&app, &format!("/events/{event}?lang=en")).await;
    assert!(html.contains("Put me on the waiting list"));
    let res = post_form(
        &app,
        &format!("/events/{event}?lang=en"),
        &[
            ("name", "Erin"),
            ("email", "erin@example.org"),
            ("submission", submission_of(&html).as_str()),
        ],
    )
    .await;
    let (_, html) = page(
        &app,
        &format!(
            "{}?lang=en",
            res.headers()[header::LOCATION].to_str().unwrap()
        ),
    )
    .await;
    assert!(html.contains("You are on the waiting list") && html.contains("number 1"));
    assert!(
        !html.contains("You will get a reminder"),
        "reminders go to seat holders only"
    );
    let regs = app.registrations(&event).await;
    assert_eq!(
        (regs[1]["status"].clone(), regs[1]["language"].clone()),
        (json!("waitlisted"), json!("en"))
    );
}

async fn form_errors_keep_the_input(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({})).await;
    let res = post_form(
        &app,
        &format!("/events/{event}"),
        &[
            ("name", "  "),
            ("email", "not-an-email"),
            ("workplace", "Eik <b>sykehjem</b>"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>Feil: "),
        "title says there are errors"
    );
    assert!(html.contains("class=\"error-summary\"") && html.contains("autofocus"));
    assert!(html.contains("href=\"#name\">Skriv inn navnet ditt"));
    assert!(html.contains("href=\"#email\">Skriv inn en e-postadresse i riktig format"));
    assert!(
        html.find("href=\"#name\"").unwrap() < html.find("href=\"#email\"").unwrap(),
        "in the order of the form"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"email-hint email-error\""));
    assert!(html.contains("<span class=\"visually-hidden\">Feil:</span>"));
    assert!(html.contains("value=\"not-an-email\""), "input kept");
    assert!(
        html.contains("value=\"Eik &lt;b&gt;sykehjem&lt;/b&gt;\""),
        "and escaped"
    );
    assert!(app.registrations(&event).await.is_empty(), "nothing saved");
    // A body no form sends is a 400 page, not a 500.
    let res = browser()
        .post(format!("{}/events/{event}", app.base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("name=%ZZ&&=")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

async fn cancel_through_the_confirmation_step(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 1})).await;
    let (_, a) = app.sign_up(&event, "Anne", "anne@example.no").await;
    let (_, b) = app.sign_up(&event, "Bjørn", "bjorn@example.no").await;
    let token = app.manage_token(&a).await;

    // Opening every link (as a mail scanner does) changes nothing.
    for path in [
        format!("/r/{token}"),
        format!("/r/{token}/cancel"),
        format!("/r/{token}/calendar.ics"),
    ] {
        let (status, _) = page(&app, &path).await;
        assert_eq!(status, 200, "{path}");
    }
    assert_eq!(app.registrations(&event).await[0]["status"], "confirmed");

    let (_, html) = page(&app, &format!("/r/{token}")).await;
    assert!(html.contains(&format!("href=\"/r/{token}/cancel\"")));
    // Cancelling is among the first things on the page, before the calendar guide.
    let cancel_at = html.find(&format!("href=\"/r/{token}/cancel\"")).unwrap();
    assert!(cancel_at < html.find("<details class=\"guide\">").unwrap());
    assert!(cancel_at < html.find("Dine opplysninger").unwrap());
    let (_, confirm) = page(&app, &format!("/r/{token}/cancel")).await;
    assert!(confirm.contains("Vil du avbestille") && confirm.contains("method=\"post\""));
    let res = post_form(&app, &format!("/r/{token}/cancel"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/r/{token}?done=cancelled").as_str()
    );
    let (_, html) = page(&app, &format!("/r/{token}?done=cancelled")).await;
    assert!(html.contains("Påmeldingen er avbestilt"));
    assert!(
        !html.contains(&format!("/r/{token}/cancel\"")),
        "no second cancel button"
    );
    let regs = app.registrations(&event).await;
    let status_of =
        |id: &serde_json::Value| regs.iter().find(|r| r["id"] == *id).unwrap()["status"].clone();
    assert_eq!(status_of(&a["id"]), "cancelled");
    assert_eq!(
        status_of(&b["id"]),
        "confirmed",
        "the first in line got the seat"
    );

    // The participant's calendar file and page carry their secrets only to them.
    let res = browser()
        .get(format!("{}/r/{token}/calendar.ics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert!(res.text().await.unwrap().contains("BEGIN:VEVENT"));
    let (status, _) = page(&app, "/r/not-a-token").await;
    assert_eq!(status, 404);
}

async fn refusals_in_words(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    app.post("/networks", json!({"slug": "demens", "name": "Demens"}))
        .await;
    let members_only = app
        .event(json!({"network": "demens", "members_only": true}))
        .await;
    let (_, html) = page(&app, &format!("/events/{members_only}")).await;
    assert!(html.contains("bare for medlemmer"));
    let res = post_form(
        &app,
        &format!("/events/{members_only}"),
        &[("name", "Ola"), ("email", "ola@example.no")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#email\">Arrangementet er bare for medlemmer"));

    let event = app.event(json!({})).await;
    app.sign_up(&event, "Kari", "kari@example.no").await;
    let res = post_form(
        &app,
        &format!("/events/{event}"),
        &[("name", "Noen andre"), ("email", "KARI@example.no")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("allerede påmeldt"));
    assert!(
        !html.contains("er sendt til adressen"),
        "no promise of a mail that is not sent"
    );
    assert!(
        !html.contains("Kari<") && !html.contains("/r/"),
        "nothing else revealed"
    );

    let full = app.event(json!({"capacity": 0, "waitlist": false})).await;
    let (_, html) = page(&app, &format!("/events/{full}")).await;
    assert!(
        html.contains(">Fullt<") && !html.contains("name=\"email\""),
        "no form when full"
    );
    let res = post_form(
        &app,
        &format!("/events/{full}"),
        &[("name", "A"), ("email", "a@example.no")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("ingen venteliste"));

    // Not open yet, closed, cancelled: the page says so in words, and has no form; a form
    // sent anyway is refused with the same words.
    let now = chrono::Utc::now();
    let not_yet = app
        .event(json!({"registration_opens_at": (now + chrono::Duration::days(1)).to_rfc3339()}))
        .await;
    let closed = app
        .event(json!({"registration_closes_at": (now - chrono::Duration::hours(1)).to_rfc3339()}))
        .await;
    let cancelled = app.event(json!({})).await;
    app.post(
        &format!("/events/{cancelled}/cancel"),
        json!({"reason": "Sykdom"}),
    )
    .await;
    for (event, words) in [
        (&not_yet, "Påmeldingen har ikke åpnet"),
        (&closed, "stengt"),
        (&cancelled, "avlyst"),
    ] {
        let (status, html) = page(&app, &format!("/events/{event}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(words), "{words}: {html}");
        assert!(!html.contains("name=\"email\""), "no form: {words}");
        let res = post_form(
            &app,
            &format!("/events/{event}"),
            &[("name", "Ola"), ("email", "ola@example.no")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{words}");
        assert!(res.text().await.unwrap().contains(words), "{words}");
    }
    assert!(app.registrations(&not_yet).await.is_empty());

    // A draft is nobody's business: 404, as a page.
    let (_, draft) = app
        .post("/events", json!({"title": "Utkast", "kind": "gathering", "sessions": [{"starts_at": "2031-01-01T09:00:00Z", "ends_at": "2031-01-01T10:00:00Z"}]}))
        .await;
    let (status, html) = page(&app, &format!("/events/{}", draft["id"].as_str().unwrap())).await;
    assert_eq!(status, 404);
    assert!(html.contains("Fant ikke siden") && html.contains("<html lang=\"nb\">"));
}

async fn language_and_headers(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({})).await;
    let res = browser()
        .get(format!("{}/?lang=en", app.base))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("samling_lang=en") && cookie.contains("SameSite=Lax"));
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("script-src"), "no script is allowed at all");
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(res.text().await.unwrap().contains("<html lang=\"en\">"));
    // The cookie remembers; Accept-Language is the fallback; Norwegian by default.
    let remembered = browser()
        .get(format!("{}/events/{event}", app.base))
        .header(header::COOKIE, "samling_lang=en")
        .send()
        .await
        .unwrap();
    assert!(remembered
        .text()
        .await
        .unwrap()
        .contains("<html lang=\"en\">"));
    let accepted = browser()
        .get(format!("{}/", app.base))
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(accepted
        .text()
        .await
        .unwrap()
        .contains("<html lang=\"en\">"));
    let (_, html) = page(&app, "/").await;
    assert!(html.contains("<html lang=\"nb\">") && html.contains("hreflang=\"en\""));

    // Pages with a token never leave it in a cache or a referrer.
    let (_, signup) = app.sign_up(&event, "Kari", "kari@example.no").await;
    let token = app.manage_token(&signup).await;
    let res = browser()
        .get(format!("{}/r/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(res.headers()[header::REFERRER_POLICY], "no-referrer");
    let html = res.text().await.unwrap();
    let feed = link_token(&html, "/feeds/me/").expect("the personal feed link on the page");
    assert!(!feed.is_empty());

    // HTML errors are pages; the API's are JSON.
    let (status, html) = page(&app, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("<main") && html.contains("Fant ikke siden"));
    let res = browser()
        .get(format!("{}/api/v1/no/such", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    // The stylesheet is ours, cached long.
    let (_, html) = page(&app, "/").await;
    let at = html.find("/static/samling.css").unwrap();
    let href: String = html[at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect::<String>()
        .replace("&#x3D;", "=");
    let css = browser()
        .get(format!("{}{href}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

/// A path that starts with `//` (or `/\\`) must not turn the language link of its 404 page
/// into a link to another site: the link is only the query (`?lang=en`).
async fn language_links_stay_on_this_site(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    for path in [
        "//evil.example/phish",
        "/\\evil.example/phish",
        "/?kind=course",
    ] {
        let (status, html) = page(&app, path).await;
        assert!(status == 404 || status == 200, "{path}: {status}");
        let at = html
            .find("hreflang=\"en\"")
            .unwrap_or_else(|| panic!("{path} has a language link"));
        let tag = &html[html[..at].rfind("<a ").unwrap()..at];
        let href = tag.split('"').nth(1).unwrap();
        assert!(href.starts_with('?'), "{path}: language link {href}");
        for href in html.split("href=\"").skip(1) {
            let href = &href[..href.find('"').unwrap()];
            assert!(
                !href.starts_with("//") && !href.starts_with("/\\") && !href.contains("evil"),
                "{path}: link {href}"
            );
        }
    }
}

/// Whoever fills in the sign-up form ticks "share my contact details", and need not own the
/// address: the details are shown to the other participants only once the owner confirms
/// on their own page (from the mailed link); until then neither shown nor shown others.
async fn contact_sharing_needs_the_owners_confirmation(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let event = app.event(json!({"capacity": 10})).await;
    let mut people = Vec::new();
    for (name, email, share) in [
        ("Anne Aas", "anne@example.no", true),
        ("Bjørn Berg", "bjorn@example.no", true),
        ("Cecilie Dahl", "cecilie@example.no", false),
    ] {
        let (status, signup) = app
            .sign_up_with(
                &event,
                json!({"name": name, "email": email, "share_contact": share}),
            )
            .await;
        assert_eq!(status, 201, "{signup}");
        let token = app.manage_token(&signup).await;
        people.push((email, token));
    }
    // The list is shown once the event has begun (it began a week ago by the app's clock).
    app.advance(chrono::Duration::days(14));
    let (anne, anne_token) = &people[0];
    let (bjorn, bjorn_token) = &people[1];
    let (cecilie, cecilie_token) = &people[2];
    let own = |token: &str| {
        let token = token.to_string();
        let app = &app;
        async move { page(app, &format!("/r/{token}")).await.1 }
    };
    let anne_page = own(anne_token).await;
    assert!(
        anne_page.contains("De blir ikke vist før du selv bekrefter det her"),
        "{anne_page}"
    );
    assert!(anne_page.contains(&format!("action=\"/r/{anne_token}/share-contact\"")));
    assert!(!anne_page.contains(bjorn), "nobody has confirmed yet");
    let regs = app.registrations(&event).await;
    assert!(regs.iter().all(|r| r["share_contact"] == false), "{regs:?}");

    let share = |token: &str, answer: &str| {
        let url = format!("{}/r/{token}/share-contact", app.base);
        let answer = answer.to_string();
        async move {
            browser()
                .post(url)
                .form(&[("share", answer)])
                .send()
                .await
                .unwrap()
        }
    };
    let res = share(anne_token, "yes").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/r/{anne_token}?done=sharing_on").as_str()
    );
    assert!(
        !own(anne_token).await.contains(bjorn),
        "Bjørn has not confirmed"
    );
    assert!(
        !own(bjorn_token).await.contains(anne),
        "Bjørn sees nobody before confirming"
    );
    assert_eq!(
        share(bjorn_token, "yes").await.status(),
        StatusCode::SEE_OTHER
    );
    let anne_page = own(anne_token).await;
    assert!(
        anne_page.contains(bjorn) && !anne_page.contains(cecilie),
        "{anne_page}"
    );
    assert!(own(bjorn_token).await.contains(anne));
    assert!(
        !own(cecilie_token).await.contains(anne),
        "Cecilie does not share"
    );
    let regs = app.registrations(&event).await;
    let shared: Vec<&str> = regs
        .iter()
        .filter(|r| r["share_contact"] == true)
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(shared, [*anne, *bjorn]);

    // Changing one's mind, and nonsense.
    assert_eq!(
        share(bjorn_token, "no").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!own(anne_token).await.contains(bjorn));
    assert_eq!(
        share(anne_token, "maybe").await.status(),
        StatusCode::BAD_REQUEST
    );
}
