//! Server-rendered pages for participants. Links in mail lead here; a GET never changes
//! anything (mail scanners open every link), so cancelling takes a button (a POST).
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use super::AppState;
use crate::db;
use crate::domain::{may_cancel, period, Language, RegistrationStatus};
use crate::links::webcal;
use crate::mail::format::time_span;
use crate::service::{participants, registration};

/// Page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(manage_page))
        .route("/r/{token}/cancel", post(cancel_from_page))
        .route("/r/{token}/feed-link", post(replace_feed_link))
        .route("/networks/{slug}", get(network_page))
}

use handlebars::html_escape as escape;

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
    let Some((reg, ctx)) =
        participants::open_registration(&state.db, state.mailer.links().key(), token).await?
    else {
        return Ok(None);
    };
    let tz = period::zone(&ctx.organisation.time_zone);
    let status = match reg.status {
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
        escape(&ctx.event.title),
        escape(&status)
    ));
    let may_join = reg.status == RegistrationStatus::Confirmed;
    for s in &ctx.sessions {
        body.push_str(&format!(
            "<li>{}",
            escape(&time_span(s.starts_at, s.ends_at, tz, Language::Nb))
        ));
        if let Some(loc) = &s.location {
            body.push_str(&format!(", {}", escape(loc)));
        }
        if let Some(url) = s.online_url.as_ref().filter(|_| may_join) {
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
    let feed = participants::feed_of(&state.db, &reg).await?;
    if let Some(url) = feed.and_then(|f| state.mailer.links().feed_url(&f.link_id)) {
        body.push_str(&format!(
            "<p>Alle dine påmeldinger som kalender: <a href=\"{}\">abonner</a> – eller lim inn <code>{}</code> i kalenderen din.</p>",
            escape(&webcal(&url)),
            escape(&url)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/r/{}/feed-link\"><button type=\"submit\">Send meg en ny kalenderlenke</button></form>",
        escape(token)
    ));
    if may_cancel(
        reg.status,
        ctx.event.status,
        ctx.event.starts_at,
        Utc::now(),
    )
    .is_ok()
    {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/r/{}/cancel\"><button type=\"submit\">Avbestill påmeldingen</button></form>",
            escape(token)
        ));
    }
    Ok(Some(page(&ctx.event.title, &body)))
}

/// The cancel button's target.
async fn cancel_from_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(id) = state.mailer.links().key().registration_of(&token) else {
        return not_found_page();
    };
    let notice = match registration::cancel(&state.db, &state.mailer, id, Utc::now()).await {
        Ok(_) => "Påmeldingen er avbestilt. Du får en bekreftelse på e-post.",
        Err(registration::RegistrationError::NotFound) => return not_found_page(),
        Err(registration::RegistrationError::Closed) => {
            "Arrangementet har startet og kan ikke avbestilles her."
        }
        Err(registration::RegistrationError::EventCancelled) => "Arrangementet er avlyst.",
        Err(e) => return super::error::ApiError::internal(e).into_response(),
    };
    match render_manage(&state, &token, Some(notice)).await {
        Ok(Some(html)) => html.into_response(),
        Ok(None) => not_found_page(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}

/// The "new calendar link" button's target: the old link stops working, the new one is
/// mailed.
async fn replace_feed_link(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let result = async {
        let Some((reg, ctx)) =
            participants::open_registration(&state.db, state.mailer.links().key(), &token).await?
        else {
            return Ok(None);
        };
        participants::replace_feed_link(&state.db, &state.mailer, &reg, &ctx, Utc::now()).await?;
        render_manage(
            &state,
            &token,
            Some(
                "Den gamle kalenderlenken virker ikke lenger. Den nye er sendt til deg på e-post.",
            ),
        )
        .await
    }
    .await;
    match result {
        Ok(Some(html)) => html.into_response(),
        Ok(None) => not_found_page(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}

/// A network: what it is, how to subscribe to its calendar, and what is coming.
async fn network_page(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let result: Result<Option<Html<String>>, sea_orm::DbErr> = async {
        let Some(network) = db::networks::find_by_slug(&state.db.conn, &slug).await? else {
            return Ok(None);
        };
        let organisation = db::organisations::find(&state.db.conn, network.organisation_id).await?;
        let tz = organisation.as_ref().map_or(period::DEFAULT_ZONE, |o| period::zone(&o.time_zone));
        let feed = state.mailer.links().network_feed_url(&network.slug);
        let events = db::events::list(
            &state.db.conn,
            &db::events::EventFilter {
                network_id: Some(network.id),
                ..db::events::EventFilter::upcoming(
                    crate::domain::visibility::list_rule(crate::domain::visibility::Viewer::Public),
                    100,
                )
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
                "<li><a href=\"{}\">{}</a> – {}</li>",
                escape(&state.mailer.links().event_url(e.id)),
                escape(&e.title),
                escape(&time_span(e.starts_at, e.ends_at, tz, Language::Nb))
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
