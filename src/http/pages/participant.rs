//! The participant's own pages, opened with the link in their mail (`/r/{token}`): what
//! they signed up for, their calendar, the others who share contact details, and a cancel
//! button behind a confirmation step. A GET never changes anything (mail scanners open
//! every link); the token in the URL means these pages are never cached and never sent on
//! as a referrer.
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::lang::Lang;
use super::views;
use super::views::Subscribe;
use super::{see_other, Done, Outcome, Page, ShowErrorPage};
use crate::calendar;
use crate::db::entities::registration;
use crate::db::events::EventContext;
use crate::db::{self};
use crate::domain::notices::participant_sees_join_link;
use crate::domain::roles;
use crate::domain::{contacts, may_cancel, period, Availability, EventStatus, RegistrationStatus};
use crate::format::{kind_label, time_span};
use crate::http::AppState;
use crate::service::participants::{self, Opened};
use crate::service::registration::{self as signups, RegistrationError};

/// Participant pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(show))
        .route("/r/{token}/cancel", get(confirm_cancel).post(cancel))
        .route("/r/{token}/confirm", post(confirm_place))
        .route("/r/{token}/feed-link", post(new_feed_link))
        .route("/r/{token}/share-contact", post(share_contact))
        .route("/r/{token}/calendar.ics", get(calendar_file))
        .route("/r/{token}/kursbevis.pdf", get(certificate_file))
        .route("/r/{token}/data.json", get(data_download))
        .route("/r/{token}/erase", get(confirm_erase).post(erase))
}

/// A participant link that opens nothing: an unknown token (404), or the registration of
/// an erased address (410, with a page that says so). Every handler here answers it alike.
pub(super) struct Closed(pub(super) Response);

impl IntoResponse for Closed {
    fn into_response(self) -> Response {
        self.0
    }
}

impl From<ShowErrorPage> for Closed {
    fn from(e: ShowErrorPage) -> Closed {
        Closed(e.into_response())
    }
}

impl From<sea_orm::DbErr> for Closed {
    fn from(e: sea_orm::DbErr) -> Closed {
        ShowErrorPage::from(e).into()
    }
}

/// The registration and event a manage token opens (see [`Closed`] for the others).
pub(super) async fn open(
    state: &AppState,
    lang: &Lang,
    token: &str,
) -> Result<(registration::Model, EventContext), Closed> {
    match participants::open_registration(&state.db, state.mailer.links().key(), token).await? {
        None => Err(ShowErrorPage::not_found().into()),
        Some(Opened::Erased) => Err(Closed(erased_page(state, lang, StatusCode::GONE))),
        Some(Opened::Live(found)) => Ok(*found),
    }
}

#[derive(Serialize)]
struct SessionLine {
    starts_iso: String,
    when: String,
    place: String,
    join_link: Option<String>,
}

#[derive(Serialize)]
struct Given {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct Contact {
    name: String,
    workplace: Option<String>,
    municipality: Option<String>,
    email: String,
}

#[derive(Serialize)]
struct Sharing {
    shares: bool,
    awaits_confirmation: bool,
}

#[derive(Serialize)]
struct RegistrationView {
    token: String,
    event_title: String,
    event_url: String,
    kind: String,
    organisation: String,
    status_text: String,
    status_class: &'static str,
    confirmed: bool,
    event_cancelled: bool,
    cancel_reason: Option<String>,
    sessions: Vec<SessionLine>,
    given: Vec<Given>,
    subscribe: Option<Subscribe>,
    contacts: Option<Vec<Contact>>,
    /// The owner's own choice about sharing (`domain::contacts`).
    sharing: Option<Sharing>,
    may_cancel: bool,
    /// "Add to calendar" is offered while the registration holds a seat or a place in line.
    offers_calendar_file: bool,
    sign_up_again: bool,
    /// "Confirm by …" while the place is held until the participant confirms it.
    confirm_text: Option<String>,
    /// A webinar's recording, for those who held a seat.
    recording_url: Option<String>,
    /// "What did you think?" while the participant may answer the evaluation.
    evaluation_text: Option<String>,
    /// The participant's course certificate, once issued (and not revoked).
    has_certificate: bool,
}

/// The registration: event, sessions, status, what they gave, calendar, contacts, cancel.
async fn show(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, Closed> {
    let (reg, ctx) = match open(&state, &lang, &token).await {
        // Right after the erasure (its redirect): the confirmation, not an error.
        Err(closed)
            if closed.0.status() == StatusCode::GONE && done.outcome() == Some(Outcome::Erased) =>
        {
            return Ok(erased_page(&state, &lang, StatusCode::OK))
        }
        other => other?,
    };
    let pages = &state.pages;
    let l = lang.language;
    let t = |k: &str| pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let now = state.clock.now();
    let e = &ctx.event;
    let (status_text, status_class) = match reg.status {
        RegistrationStatus::Confirmed => (t("registration_confirmed"), "open"),
        RegistrationStatus::Waitlisted => (
            t("registration_waitlisted").replace(
                "{n}",
                &db::registrations::waitlist_position(&state.db.conn, &reg)
                    .await?
                    .to_string(),
            ),
            "waiting",
        ),
        RegistrationStatus::Cancelled => (t("registration_cancelled"), "closed"),
    };
    let may_join = participant_sees_join_link(reg.status, e.status);
    let sessions = ctx
        .sessions
        .iter()
        .map(|s| SessionLine {
            starts_iso: crate::format::html_datetime(s.starts_at),
            when: time_span(s.starts_at, s.ends_at, tz, l),
            place: views::place(pages, l, std::slice::from_ref(s)),
            join_link: s.online_url.clone().filter(|_| may_join),
        })
        .collect();
    let roles = crate::service::roles::of_organisation(&state.db.conn, ctx.organisation.id).await?;
    let role = roles::shown(&roles, reg.role.as_deref(), l);
    let yes_no = |b: bool| t(if b { "yes" } else { "no" });
    let given = [
        ("field_name", Some(reg.name.clone())),
        ("field_email", Some(reg.email.clone())),
        ("field_municipality", reg.municipality.clone()),
        ("field_workplace", reg.workplace.clone()),
        ("field_role", role),
        ("given_share", Some(yes_no(participants::shares(&reg)))),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        value.map(|value| Given {
            label: t(key),
            value,
        })
    })
    .collect();
    let feed = participants::feed_of(&state.db, &reg).await?;
    let subscribe = feed
        .and_then(|f| state.mailer.links().feed_url(&f.link_id))
        .map(|url| Subscribe::new(url, &t("personal_feed_name")));
    let contacts = participants::shared_contacts(&state.db, &reg, &ctx, now)
        .await?
        .map(|list| {
            list.into_iter()
                .map(|r| Contact {
                    name: r.name,
                    workplace: r.workplace,
                    municipality: r.municipality,
                    email: r.email,
                })
                .collect()
        });
    let availability = Availability::of(&e.window(), &e.seats(), now);
    let evaluation_text =
        crate::service::evaluations::for_participant(&state.db.conn, &reg, e, now)
            .await?
            .filter(|ev| ev.may_answer.is_ok())
            .map(|ev| {
                t("registration_evaluation")
                    .replace("{closes}", &crate::format::moment(ev.closes_at, tz, l))
            });
    let has_certificate = db::certificates::valid_of_registration(&state.db.conn, reg.id)
        .await?
        .is_some();
    let view = RegistrationView {
        has_certificate,
        evaluation_text,
        token: token.clone(),
        event_title: e.title.clone(),
        event_url: format!("/events/{}", e.id),
        kind: kind_label(e.kind, l).to_string(),
        organisation: ctx.organisation.name.clone(),
        status_text,
        status_class,
        confirmed: reg.status == RegistrationStatus::Confirmed,
        recording_url: e
            .recording_url
            .clone()
            .filter(|_| crate::domain::notices::gets_recording(reg.status)),
        event_cancelled: e.status == EventStatus::Cancelled,
        cancel_reason: e.cancel_reason.clone(),
        sessions,
        given,
        subscribe,
        contacts,
        sharing: (reg.status != RegistrationStatus::Cancelled).then(|| Sharing {
            shares: participants::shares(&reg),
            awaits_confirmation: contacts::awaits_confirmation(
                reg.share_contact,
                reg.share_contact_confirmed_at.is_some(),
            ),
        }),
        may_cancel: may_cancel(reg.status, e.status, e.starts_at, now).is_ok(),
        offers_calendar_file: reg.status.is_active(),
        sign_up_again: reg.status == RegistrationStatus::Cancelled && availability.takes_signups(),
        confirm_text: views::confirm_by_text(
            pages,
            l,
            "registration_confirm_by",
            reg.confirm_by,
            tz,
        ),
    };
    let mut page = Page::new("registration", e.title.clone())
        .with(view)
        .private();
    let notice = match done.outcome() {
        Some(Outcome::Cancelled) => Some("notice_cancelled"),
        Some(Outcome::Confirmed) => Some("notice_place_confirmed"),
        Some(Outcome::Feed) => Some("notice_new_feed"),
        Some(Outcome::SharingOn) => Some("notice_sharing_on"),
        Some(Outcome::SharingOff) => Some("notice_sharing_off"),
        _ => None,
    };
    if let Some(key) = notice {
        page = page.notice(t(key), Some("success"));
    }
    Ok(page.render(pages, &lang))
}

#[derive(Serialize)]
struct CancelView {
    token: String,
    event_title: String,
    when: String,
    confirmed: bool,
}

/// "Do you want to cancel?": the step between the button and the cancellation.
async fn confirm_cancel(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, ctx) = open(&state, &lang, &token).await?;
    if may_cancel(
        reg.status,
        ctx.event.status,
        ctx.event.starts_at,
        state.clock.now(),
    )
    .is_err()
    {
        return Ok(see_other(&format!("/r/{token}")));
    }
    let tz = period::zone(&ctx.organisation.time_zone);
    let view = CancelView {
        token,
        event_title: ctx.event.title.clone(),
        when: views::when(&ctx.sessions, tz, lang.language),
        confirmed: reg.status == RegistrationStatus::Confirmed,
    };
    Ok(
        Page::new("cancel", state.pages.text(lang.language, "cancel_title"))
            .with(view)
            .private()
            .render(&state.pages, &lang),
    )
}

/// The confirmation's button: cancels (the same core function as the API), then back to
/// the registration, which now says so.
async fn cancel(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, ctx) = open(&state, &lang, &token).await?;
    let contact = ctx.organisation.contact_email.as_deref();
    match signups::cancel(&state.db, &state.mailer, reg.id, state.clock.now()).await {
        Ok(_) => Ok(see_other(&format!(
            "/r/{token}?done={}",
            Outcome::Cancelled.as_str()
        ))),
        Err(RegistrationError::Started | RegistrationError::Closed) => {
            Ok(refused(&state, &lang, "refusal_cancel_started", contact))
        }
        Err(RegistrationError::EventCancelled) => Ok(refused(
            &state,
            &lang,
            "refusal_cancel_event_cancelled",
            contact,
        )),
        Err(RegistrationError::NotFound) => Err(ShowErrorPage::not_found().into()),
        Err(e) => Err(ShowErrorPage::internal(e).into()),
    }
}

/// The mailed page's "confirm my registration" button for a held place (the same core
/// function as the API); then back to the registration, which now says so.
async fn confirm_place(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, _) = open(&state, &lang, &token).await?;
    match signups::confirm_place(&state.db, reg.id, state.clock.now()).await {
        Ok(true) => Ok(see_other(&format!(
            "/r/{token}?done={}",
            Outcome::Confirmed.as_str()
        ))),
        Ok(false) => Ok(see_other(&format!("/r/{token}"))),
        Err(RegistrationError::NotFound) => Err(ShowErrorPage::not_found().into()),
        Err(e) => Err(ShowErrorPage::internal(e).into()),
    }
}

fn refused(state: &AppState, lang: &Lang, key: &str, contact: Option<&str>) -> Response {
    let pages = &state.pages;
    Page::new("error", pages.text(lang.language, "cancel_refused_title"))
        .with(serde_json::json!({
            "heading": pages.text(lang.language, "cancel_refused_title"),
            "body": views::refusal_text(pages, lang.language, key, contact),
        }))
        .status(StatusCode::CONFLICT)
        .private()
        .render(pages, lang)
}

/// "Send me a new calendar link": the old link stops working, the new one is mailed. Once
/// the address's data is erased there is no feed and no address to mail: 410, like the data.
async fn new_feed_link(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, ctx) = open(&state, &lang, &token).await?;
    participants::replace_feed_link(&state.db, &state.mailer, &reg, &ctx, state.clock.now())
        .await?;
    Ok(see_other(&format!(
        "/r/{token}?done={}",
        Outcome::Feed.as_str()
    )))
}

#[derive(Deserialize)]
struct ShareForm {
    share: Option<String>,
}

/// The owner's answer about sharing their details (`share=yes|no`): only here, behind the
/// link mailed to the address, does a wish from the sign-up form become a consent.
async fn share_contact(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    super::forms::PageForm(form): super::forms::PageForm<ShareForm>,
) -> Result<Response, Closed> {
    let (reg, _) = open(&state, &lang, &token).await?;
    let share = match form.share.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => return Err(ShowErrorPage::bad_request().into()),
    };
    participants::set_contact_sharing(&state.db, &reg, share, state.clock.now()).await?;
    let done = if share {
        Outcome::SharingOn
    } else {
        Outcome::SharingOff
    };
    Ok(see_other(&format!("/r/{token}?done={}", done.as_str())))
}

/// "Add to calendar": every session of the event as a file to open (no METHOD: an import,
/// not an invitation), with join links for a seat holder. 410 after an erasure (the
/// registration it was for is no longer anyone's).
async fn calendar_file(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, ctx) = open(&state, &lang, &token).await?;
    let e = &ctx.event;
    let entries = calendar::event_entries(
        e,
        &ctx.sessions,
        &state.mailer.links().event_url(e.id),
        None,
        calendar::Reader {
            waitlisted: reg.status == RegistrationStatus::Waitlisted,
            may_join: participant_sees_join_link(reg.status, e.status),
            language: reg.language,
        },
    );
    let body = calendar::download(&e.title, entries);
    let disposition = crate::export::content_disposition("attachment", &e.title, "ics");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    crate::http::security::keep_private(headers);
    Ok(response)
}

/// The participant's course certificate as a PDF (404 until one is issued).
async fn certificate_file(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, _) = open(&state, &lang, &token).await?;
    let Some((filename, pdf)) =
        crate::service::certificates::pdf_of_registration(&state.db, &state.mailer, &reg).await?
    else {
        return Err(ShowErrorPage::not_found().into());
    };
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let stem = filename.trim_end_matches(".pdf");
    let disposition = crate::export::content_disposition("inline", stem, "pdf");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    crate::http::security::keep_private(headers);
    Ok(response)
}

/// What a link of an erased participant shows: that it is gone, nothing else (`status`:
/// 200 for their page, 410 for what it offered: the data, the calendar, a new feed link).
fn erased_page(state: &AppState, lang: &Lang, status: StatusCode) -> Response {
    let pages = &state.pages;
    Page::new("error", pages.text(lang.language, "erased_title"))
        .with(serde_json::json!({
            "heading": pages.text(lang.language, "erased_title"),
            "body": pages.text(lang.language, "erased_body"),
        }))
        .status(status)
        .private()
        .render(pages, lang)
}

/// Everything held about the participant's address, as a JSON file (GDPR art. 15 and 20).
async fn data_download(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, _) = open(&state, &lang, &token).await?;
    let data = crate::service::privacy::export(&state.db, &reg.email_normalized, state.clock.now())
        .await?;
    let body = serde_json::to_vec_pretty(&data).map_err(ShowErrorPage::internal)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"samling-data.json\""),
    );
    crate::http::security::keep_private(headers);
    Ok(response)
}

#[derive(Serialize)]
struct EraseView {
    token: String,
    email: String,
}

/// "Erase everything about me?": the step before the erasure.
async fn confirm_erase(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    let (reg, _) = open(&state, &lang, &token).await?;
    Ok(
        Page::new("erase", state.pages.text(lang.language, "erase_title"))
            .with(EraseView {
                token,
                email: reg.email,
            })
            .private()
            .render(&state.pages, &lang),
    )
}

/// Erases everything held about the participant's address (GDPR art. 17).
async fn erase(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, Closed> {
    match open(&state, &lang, &token).await {
        Ok((reg, _)) => {
            crate::service::privacy::erase(&state.db, &state.mailer, &reg, state.clock.now())
                .await?;
        }
        // Erased already (a second click): the same confirmation.
        Err(closed) if closed.0.status() == StatusCode::GONE => {}
        Err(closed) => return Err(closed),
    }
    Ok(see_other(&format!(
        "/r/{token}?done={}",
        Outcome::Erased.as_str()
    )))
}
