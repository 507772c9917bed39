//! Server-rendered pages for participants. Links in mail lead here; a GET never changes
//! anything (mail scanners open every link), so cancelling takes a button (a POST).
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use super::AppState;
use crate::db;
use crate::domain::{Language, RegistrationStatus};
use crate::mail::local_session_lines;
use crate::registration;
use crate::tokens;

/// Page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(manage_page))
        .route("/r/{token}/cancel", post(cancel_from_page))
        .route("/networks/{slug}", get(network_page))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} – Samling</title>\
         <style>body{{font-family:system-ui,Arial,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}\
         button{{font-size:1rem;padding:.6rem 1rem;background:#8b1a1a;color:#fff;border:0;border-radius:4px;cursor:pointer}}\
         button:focus{{outline:3px solid #005a9c;outline-offset:2px}}</style></head>\
         <body><main>{body}</main></body></html>",
        t = escape(title)
    ))
}

fn not_found_page() -> Response {
    (
        axum::http::StatusCode::NOT_FOUND,
        page(
            "Fant ikke påmeldingen",
            "<h1>Fant ikke påmeldingen</h1><p>Lenken er ikke gyldig (lenger). Har du fått en nyere \
             e-post fra oss, bruk lenken i den.</p>",
        ),
    )
        .into_response()
}

/// A participant's own registration, with a cancel button.
async fn manage_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match render_manage(&state, &token, None).await {
        Ok(Some(html)) => html.into_response(),
        Ok(None) => not_found_page(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}

async fn render_manage(
    state: &AppState,
    token: &str,
    notice: Option<&str>,
) -> Result<Option<Html<String>>, sea_orm::DbErr> {
    if token.len() > 200 {
        return Ok(None);
    }
    let Some(reg) =
        db::registrations::find_by_token_hash(&state.db.conn, &tokens::hash(token)).await?
    else {
        return Ok(None);
    };
    let Some(event) = db::events::find(&state.db.conn, reg.event_id).await? else {
        return Ok(None);
    };
    let organisation = registration::organisation_of(&state.db.conn, &event).await?;
    let sessions = db::events::sessions(&state.db.conn, event.id).await?;
    let confirmed = reg.status == RegistrationStatus::Confirmed.as_str();
    let lines = local_session_lines(
        &sessions,
        crate::mail::zone(&organisation.time_zone),
        Language::Nb,
        confirmed,
    );
    let status = match RegistrationStatus::from_db(&reg.status) {
        RegistrationStatus::Confirmed => "Du har plass.".to_string(),
        RegistrationStatus::Waitlisted => format!(
            "Du står på venteliste som nummer {}.",
            db::registrations::waitlist_position(&state.db.conn, &reg).await?
        ),
        RegistrationStatus::Cancelled => "Påmeldingen er avbestilt.".to_string(),
    };
    let mut body = String::new();
    if let Some(n) = notice {
        body.push_str(&format!(
            "<p role=\"status\"><strong>{}</strong></p>",
            escape(n)
        ));
    }
    body.push_str(&format!(
        "<h1>{}</h1><p>{}</p><ul>",
        escape(&event.title),
        escape(&status)
    ));
    for l in &lines {
        body.push_str(&format!("<li>{}", escape(&l.when)));
        if let Some(loc) = &l.location {
            body.push_str(&format!(", {}", escape(loc)));
        }
        if let Some(url) = &l.online_url {
            body.push_str(&format!(
                " – <a href=\"{}\">lenke for å delta</a>",
                escape(url)
            ));
        }
        body.push_str("</li>");
    }
    body.push_str(&format!(
        "</ul><p>Påmeldt som {} ({}).</p>",
        escape(&reg.name),
        escape(&reg.email)
    ));
    let feed = state.mailer.feed_url(&reg.email_normalized);
    body.push_str(&format!(
        "<p>Alle dine påmeldinger som kalender: <a href=\"{}\">abonner</a> – eller lim inn <code>{}</code> i kalenderen din.</p>",
        escape(&webcal(&feed)),
        escape(&feed)
    ));
    let cancellable =
        reg.status != RegistrationStatus::Cancelled.as_str() && Utc::now() < event.starts_at;
    if cancellable {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/r/{}/cancel\"><button type=\"submit\">Avbestill påmeldingen</button></form>",
            escape(token)
        ));
    }
    Ok(Some(page(&event.title, &body)))
}

/// The cancel button's target.
async fn cancel_from_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if token.len() > 200 {
        return not_found_page();
    }
    let notice =
        match registration::cancel_by_token(&state.db, &state.mailer, &token, Utc::now()).await {
            Ok(_) => "Påmeldingen er avbestilt. Du får en bekreftelse på e-post.",
            Err(registration::RegistrationError::NotFound) => return not_found_page(),
            Err(registration::RegistrationError::Closed) => {
                "Arrangementet har startet og kan ikke avbestilles her."
            }
            Err(e) => return super::error::ApiError::internal(e).into_response(),
        };
    match render_manage(&state, &token, Some(notice)).await {
        Ok(Some(html)) => html.into_response(),
        Ok(None) => not_found_page(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}

/// The `webcal://` form of a feed URL: one click subscribes in Outlook and Apple Calendar.
pub fn webcal(url: &str) -> String {
    url.replacen("https://", "webcal://", 1)
        .replacen("http://", "webcal://", 1)
}

/// A network: what it is, how to subscribe to its calendar, and what is coming.
async fn network_page(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let result: Result<Option<Html<String>>, sea_orm::DbErr> = async {
        let Some(network) = db::networks::find_by_slug(&state.db.conn, &slug).await? else {
            return Ok(None);
        };
        let organisation = db::organisations::find(&state.db.conn, network.organisation_id).await?;
        let tz = crate::mail::zone(organisation.as_ref().map(|o| o.time_zone.as_str()).unwrap_or("Europe/Oslo"));
        let feed = format!("{}/feeds/networks/{}.ics", state.settings.base_url, network.slug);
        let events = db::events::list(
            &state.db.conn,
            &db::events::EventFilter {
                network_id: Some(network.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await?;
        let mut body = format!("<h1>{}</h1>", escape(&network.name));
        if let Some(d) = &network.description {
            body.push_str(&format!("<p>{}</p>", escape(d)));
        }
        body.push_str(&format!(
            "<h2>Kalender</h2><p><a href=\"{}\">Abonner på nettverkets kalender</a> (Outlook, Apple Kalender)</p>\
             <p><label for=\"feed\">Adresse til kalenderen (Google Kalender: «Fra URL»):</label><br>\
             <input id=\"feed\" readonly size=\"60\" value=\"{}\"></p><h2>Kommende arrangementer</h2><ul>",
            escape(&webcal(&feed)),
            escape(&feed)
        ));
        if events.is_empty() {
            body.push_str("<li>Ingen planlagte arrangementer ennå.</li>");
        }
        for e in &events {
            body.push_str(&format!(
                "<li><a href=\"/events/{}\">{}</a> – {}</li>",
                e.id,
                escape(&e.title),
                escape(&crate::mail::format_time_span(e.starts_at, e.ends_at, tz, Language::Nb))
            ));
        }
        body.push_str("</ul>");
        Ok(Some(page(&network.name, &body)))
    }
    .await;
    match result {
        Ok(Some(html)) => html.into_response(),
        Ok(None) => (
            axum::http::StatusCode::NOT_FOUND,
            page("Fant ikke nettverket", "<h1>Fant ikke nettverket</h1>"),
        )
            .into_response(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}
