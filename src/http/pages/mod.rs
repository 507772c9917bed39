//! Server-rendered pages: handlebars templates from `templates/` (compiled in), texts in
//! Norwegian bokmål and English, GOV.UK-style forms, error pages in the same layout. Every
//! flow works without JavaScript. A page reads its form, asks `service/` to act and
//! `domain/` what is allowed, and draws the answer: rules and writes do not belong here.
mod evaluation;
pub mod forms;
pub mod lang;
mod participant;
mod public;
pub mod views;

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::AppState;
use crate::domain::Language;
use forms::ErrorLink;
use lang::Lang;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name, ".hbs")))),+]
    };
}

/// Every page template and partial.
const TEMPLATES: &[(&str, &str)] = templates!(
    "layout",
    "partials/event_card",
    "partials/text_field",
    "partials/textarea_field",
    "partials/select_field",
    "partials/radios",
    "partials/checkbox",
    "partials/subscribe",
    "partials/pagination",
    "partials/plan_item",
    "home",
    "event",
    "receipt",
    "certificate",
    "year_plan",
    "network",
    "organisation",
    "registration",
    "evaluation",
    "cancel",
    "erase",
    "accessibility",
    "privacy",
    "error",
    "admin/sign_in",
    "admin/events",
    "admin/event_form",
    "admin/event",
    "admin/event_cancel",
    "admin/capacity",
    "admin/registration_cancel",
    "admin/attendance",
    "admin/networks",
    "admin/network",
    "admin/roles",
    "admin/recording",
    "admin/evaluation",
    "admin/member_remove",
    "admin/stats",
    "admin/municipalities",
    "admin/certificates",
    "admin/tokens",
    "admin/token_revoke",
    "admin/organiser_disable",
    "admin/organisers",
    "admin/audit",
);

/// The stylesheet, served at a URL that changes with its content (cached for a year).
const STYLESHEET: &str = include_str!("../../../static/samling.css");

/// Texts of every page, by language.
const TEXTS_NB: &str = include_str!("../../../templates/i18n/nb.json");
const TEXTS_EN: &str = include_str!("../../../templates/i18n/en.json");

/// The compiled templates and texts.
pub struct Pages {
    hbs: Handlebars<'static>,
    texts: HashMap<Language, Value>,
    stylesheet_href: String,
}

impl Pages {
    /// Compiles every template; a syntax error stops the start.
    pub fn load() -> Result<Pages, String> {
        let mut hbs = Handlebars::new();
        hbs.set_strict_mode(true);
        for (name, source) in TEMPLATES {
            let name = name.strip_prefix("partials/").unwrap_or(name);
            hbs.register_template_string(name, *source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        let texts = [(Language::Nb, TEXTS_NB), (Language::En, TEXTS_EN)]
            .into_iter()
            .map(|(l, src)| {
                serde_json::from_str(src)
                    .map(|v| (l, v))
                    .map_err(|e| format!("texts {}: {e}", l.as_str()))
            })
            .collect::<Result<HashMap<_, _>, _>>()?;
        let digest = crate::links::hash(STYLESHEET);
        Ok(Pages {
            hbs,
            texts,
            stylesheet_href: format!("/static/samling.css?v={}", &digest[..12]),
        })
    }

    /// A text by key in `lang` (the key itself if missing, which tests catch).
    pub fn text(&self, lang: Language, key: &str) -> String {
        self.texts[&lang][key]
            .as_str()
            .map_or_else(|| key.to_string(), str::to_string)
    }

    fn render(&self, template: &str, data: &Value) -> Result<String, handlebars::RenderError> {
        self.hbs.render(template, data)
    }
}

/// A notice at the top of a page ("Påmeldingen er avbestilt.").
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub text: String,
    /// `success`, `warning` or none.
    pub kind: Option<&'static str>,
}

/// What the last POST did, as its redirect says it (`?done=…`): one closed list for the
/// desk and the participant's page, so a redirect and its notice cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    OrganiserDisabled,
    OrganiserEnabled,
    DisableSelf,
    Created,
    Saved,
    Published,
    CancelledEvent,
    Capacity,
    BadCapacity,
    CancelledRegistration,
    NotCancellable,
    Attendance,
    NothingToMark,
    AttendanceNotStarted,
    AttendanceRefused,
    NetworkCreated,
    MemberAdded,
    MemberAlready,
    MembersPasted,
    MembersPastedSomeKnown,
    MemberRemoved,
    MemberNotFound,
    Imported,
    Revoked,
    SignedOut,
    Cancelled,
    Confirmed,
    Feed,
    SharingOn,
    SharingOff,
    Erased,
    ContactSaved,
    RolesSaved,
    RecordingSaved,
    Answered,
    EvaluationSaved,
    EvaluationRemoved,
    CommentDeleted,
    EvaluationFinal,
    CertificatesIssued,
    NoNewCertificates,
    CertificatesNotYet,
}

impl Outcome {
    const ALL: [Outcome; 42] = [
        Outcome::OrganiserDisabled,
        Outcome::OrganiserEnabled,
        Outcome::DisableSelf,
        Outcome::Created,
        Outcome::Saved,
        Outcome::Published,
        Outcome::CancelledEvent,
        Outcome::Capacity,
        Outcome::BadCapacity,
        Outcome::CancelledRegistration,
        Outcome::NotCancellable,
        Outcome::Attendance,
        Outcome::NothingToMark,
        Outcome::AttendanceNotStarted,
        Outcome::AttendanceRefused,
        Outcome::NetworkCreated,
        Outcome::MemberAdded,
        Outcome::MemberAlready,
        Outcome::MembersPasted,
        Outcome::MembersPastedSomeKnown,
        Outcome::MemberRemoved,
        Outcome::MemberNotFound,
        Outcome::Imported,
        Outcome::Revoked,
        Outcome::SignedOut,
        Outcome::Cancelled,
        Outcome::Confirmed,
        Outcome::Feed,
        Outcome::SharingOn,
        Outcome::SharingOff,
        Outcome::Erased,
        Outcome::ContactSaved,
        Outcome::RolesSaved,
        Outcome::RecordingSaved,
        Outcome::Answered,
        Outcome::EvaluationSaved,
        Outcome::EvaluationRemoved,
        Outcome::CommentDeleted,
        Outcome::EvaluationFinal,
        Outcome::CertificatesIssued,
        Outcome::NoNewCertificates,
        Outcome::CertificatesNotYet,
    ];

    /// The word in the redirect's query (and, as `done_{word}`, the desk notice's text).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::OrganiserDisabled => "organiser_disabled",
            Outcome::OrganiserEnabled => "organiser_enabled",
            Outcome::DisableSelf => "disable_self",
            Outcome::Created => "created",
            Outcome::Saved => "saved",
            Outcome::Published => "published",
            Outcome::CancelledEvent => "cancelled_event",
            Outcome::Capacity => "capacity",
            Outcome::BadCapacity => "bad_capacity",
            Outcome::CancelledRegistration => "cancelled_registration",
            Outcome::NotCancellable => "not_cancellable",
            Outcome::Attendance => "attendance",
            Outcome::NothingToMark => "nothing_to_mark",
            Outcome::AttendanceNotStarted => "attendance_not_started",
            Outcome::AttendanceRefused => "attendance_refused",
            Outcome::NetworkCreated => "network_created",
            Outcome::MemberAdded => "member_added",
            Outcome::MemberAlready => "member_already",
            Outcome::MembersPasted => "members_pasted",
            Outcome::MembersPastedSomeKnown => "members_pasted_some_known",
            Outcome::MemberRemoved => "member_removed",
            Outcome::MemberNotFound => "member_not_found",
            Outcome::Imported => "imported",
            Outcome::Revoked => "revoked",
            Outcome::SignedOut => "signed_out",
            Outcome::Cancelled => "cancelled",
            Outcome::Confirmed => "confirmed",
            Outcome::Feed => "feed",
            Outcome::SharingOn => "sharing_on",
            Outcome::SharingOff => "sharing_off",
            Outcome::Erased => "erased",
            Outcome::ContactSaved => "contact_saved",
            Outcome::RolesSaved => "roles_saved",
            Outcome::RecordingSaved => "recording_saved",
            Outcome::Answered => "answered",
            Outcome::EvaluationSaved => "evaluation_saved",
            Outcome::EvaluationRemoved => "evaluation_removed",
            Outcome::CommentDeleted => "comment_deleted",
            Outcome::EvaluationFinal => "evaluation_final",
            Outcome::CertificatesIssued => "certificates_issued",
            Outcome::NoNewCertificates => "no_new_certificates",
            Outcome::CertificatesNotYet => "certificates_not_yet",
        }
    }

    /// How its notice looks: a refusal or a no-op is a warning, the rest a success.
    pub fn notice_kind(self) -> &'static str {
        match self {
            Outcome::DisableSelf
            | Outcome::BadCapacity
            | Outcome::NotCancellable
            | Outcome::NothingToMark
            | Outcome::AttendanceNotStarted
            | Outcome::AttendanceRefused
            | Outcome::MemberAlready
            | Outcome::MemberNotFound
            | Outcome::EvaluationFinal
            | Outcome::NoNewCertificates
            | Outcome::CertificatesNotYet => "warning",
            _ => "success",
        }
    }

    /// The outcome a query word names (anything else shows no notice).
    pub fn parse(word: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == word)
    }
}

/// What the last POST did (`?done=…` on its redirect), for a notice shown once: the
/// participant's page and the desk read it alike.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// The outcome, if the query names one of ours.
    pub fn outcome(&self) -> Option<Outcome> {
        self.done.as_deref().and_then(Outcome::parse)
    }
}

/// The desk menu's entries only some organisers may open (decided by `domain::access`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DeskMenu {
    pub organisers: bool,
    pub audit_log: bool,
}

/// A page to show: its template, title and data, and how to answer.
pub struct Page {
    template: &'static str,
    title: String,
    status: StatusCode,
    data: Value,
    errors: Vec<ErrorLink>,
    notice: Option<Notice>,
    nav: &'static str,
    private: bool,
    admin: bool,
    desk: Option<Value>,
}

impl Page {
    /// A page drawn by `template` with `title` (without the site name).
    pub fn new(template: &'static str, title: impl Into<String>) -> Page {
        Page {
            template,
            title: title.into(),
            status: StatusCode::OK,
            data: json!({}),
            errors: vec![],
            notice: None,
            nav: "",
            private: false,
            admin: false,
            desk: None,
        }
    }

    /// The page's own data; its fields are reachable at the top of the template.
    pub fn with(mut self, data: impl Serialize) -> Page {
        self.data = serde_json::to_value(data).unwrap_or_else(|_| json!({}));
        self
    }

    /// An answer other than 200.
    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// Problems to list in the error summary (the title gets "Feil: ").
    pub fn errors(mut self, errors: Vec<ErrorLink>) -> Page {
        self.errors = errors;
        self
    }

    /// A notice at the top.
    pub fn notice(mut self, text: impl Into<String>, kind: Option<&'static str>) -> Page {
        self.notice = Some(Notice {
            text: text.into(),
            kind,
        });
        self
    }

    /// Which navigation item is current.
    pub fn nav(mut self, nav: &'static str) -> Page {
        self.nav = nav;
        self
    }

    /// The page has a secret in its URL or shows personal data: never cached, never sent
    /// on as a referrer.
    pub fn private(mut self) -> Page {
        self.private = true;
        self
    }

    /// A page of the organiser desk, for the signed-in organiser (`me`: name, the menu's
    /// pages they may open) with the session's CSRF token for its forms.
    pub fn desk(mut self, name: &str, may: DeskMenu, csrf: &str) -> Page {
        self.admin = true;
        self.private = true;
        self.desk = Some(json!({"name": name, "may": may, "csrf": csrf}));
        self
    }

    /// A desk page for nobody signed in yet (the sign-in form).
    pub fn desk_public(mut self) -> Page {
        self.admin = true;
        self.private = true;
        self
    }

    /// Renders the page in the request's language.
    pub fn render(self, pages: &Pages, lang: &Lang) -> Response {
        let other = lang.other();
        let mut data = self.data;
        let common = json!({
            "lang": lang.language.as_str(),
            "t": pages.texts[&lang.language],
            "page_title": self.title,
            "stylesheet": pages.stylesheet_href,
            "errors": self.errors,
            "notice": self.notice,
            "nav": self.nav,
            "admin": self.admin,
            "me": self.desk,
            "switch": {
                "href": lang.switch_href(),
                "lang": other.as_str(),
                "label": pages.text(other, "language_name"),
            },
        });
        // The page's own data keeps its keys; the common ones fill in the rest.
        if let (Value::Object(d), Value::Object(c)) = (&mut data, common) {
            for (k, v) in c {
                d.entry(k).or_insert(v);
            }
        }
        let html = match pages.render(self.template, &data) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(template = self.template, error = %e, "page template failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
            }
        };
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.language.as_str()),
        );
        if self.private {
            crate::http::security::keep_private(headers);
        } else {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        if lang.chosen {
            headers.insert(header::SET_COOKIE, lang.cookie());
        }
        response
    }
}

/// A 303 to `location` (after every POST: the browser then GETs the result).
pub fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => ShowErrorPage::internal("bad redirect").into_response(),
    }
}

/// Asks for the error page with this status; drawn (in the reader's language) by
/// [`error_pages`] on the way out.
#[derive(Debug, Clone, Copy)]
pub struct ShowErrorPage {
    pub status: StatusCode,
}

impl ShowErrorPage {
    /// 404: no such page (also what another organisation's resources answer).
    pub fn not_found() -> ShowErrorPage {
        ShowErrorPage {
            status: StatusCode::NOT_FOUND,
        }
    }

    /// 400: a request no form of ours sends.
    pub fn bad_request() -> ShowErrorPage {
        ShowErrorPage {
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> ShowErrorPage {
        tracing::error!(%cause, "internal error");
        ShowErrorPage {
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ShowErrorPage {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<crate::service::downloads::DownloadError> for ShowErrorPage {
    fn from(e: crate::service::downloads::DownloadError) -> ShowErrorPage {
        use crate::service::downloads::DownloadError;
        match e {
            DownloadError::Invalid(_) => ShowErrorPage::bad_request(),
            DownloadError::NotFound => ShowErrorPage::not_found(),
            DownloadError::Db(e) => e.into(),
            DownloadError::File(e) => ShowErrorPage::internal(e),
        }
    }
}

impl From<sea_orm::DbErr> for ShowErrorPage {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return ShowErrorPage {
                status: StatusCode::SERVICE_UNAVAILABLE,
            };
        }
        ShowErrorPage::internal(e)
    }
}

/// Draws error pages: a handler's [`ShowErrorPage`], and the bare 404/405 answers of the
/// router, for everything outside `/api` (which answers JSON).
pub async fn error_pages(
    State(state): State<AppState>,
    lang: Lang,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if api {
        return response;
    }
    let status = match response.extensions().get::<ShowErrorPage>() {
        Some(e) => e.status,
        None if is_bare(&response) => response.status(),
        None => return response,
    };
    let key = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::BAD_REQUEST | StatusCode::METHOD_NOT_ALLOWED => "bad_request",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::URI_TOO_LONG => "too_large",
        StatusCode::TOO_MANY_REQUESTS => "too_many",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ => "internal",
    };
    let pages = &state.pages;
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut page = Page::new(
        "error",
        pages.text(lang.language, &format!("error_{key}_title")),
    )
    .with(json!({
        "heading": pages.text(lang.language, &format!("error_{key}_title")),
        "body": pages.text(lang.language, &format!("error_{key}_body")),
    }))
    .status(status)
    // Errors are not worth storing, and the URL may hold a token.
    .private()
    .render(pages, &lang);
    if let Some(v) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

/// An answer without a page of its own: a client or server error with no HTML body.
fn is_bare(response: &Response) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error())
        && !response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"))
}

/// The stylesheet (its URL carries a fingerprint, so it is cached for a year).
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Public and participant pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/samling.css", get(stylesheet))
        .merge(public::router())
        .merge(participant::router())
        .merge(evaluation::router())
}

/// Anything else outside `/api`: the 404 page.
pub async fn not_found() -> ShowErrorPage {
    ShowErrorPage::not_found()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_and_the_desk_ones_have_a_notice() {
        let pages = Pages::load().unwrap();
        // The participant's page words these with its own texts.
        let participant = [
            Outcome::Cancelled,
            Outcome::Confirmed,
            Outcome::Feed,
            Outcome::SharingOn,
            Outcome::SharingOff,
            Outcome::Erased,
        ];
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            if !participant.contains(&outcome) {
                let key = format!("done_{}", outcome.as_str());
                assert_ne!(pages.text(Language::Nb, &key), key, "{outcome:?}");
            }
        }
        assert_eq!(Outcome::parse("anything"), None);
    }

    #[test]
    fn templates_compile_and_both_languages_have_every_text() {
        let pages = Pages::load().unwrap();
        let nb = pages.texts[&Language::Nb].as_object().unwrap();
        let en = pages.texts[&Language::En].as_object().unwrap();
        let missing: Vec<&String> = nb.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "missing in en: {missing:?}");
        let missing: Vec<&String> = en.keys().filter(|k| !nb.contains_key(*k)).collect();
        assert!(missing.is_empty(), "missing in nb: {missing:?}");
    }
}

/// `?page=N` of a list for people (the home page, the desk's lists): page 1 unless the
/// query holds a number from 1 to 10,000 (a wrong one shows the first page, not an error).
#[derive(Debug, Default, Deserialize)]
pub struct PageNumber {
    page: Option<String>,
}

impl PageNumber {
    pub fn get(&self) -> u64 {
        PageNumber::of(self.page.as_deref())
    }

    /// The page a raw `page` value asks for.
    pub fn of(raw: Option<&str>) -> u64 {
        raw.and_then(|p| p.trim().parse::<u64>().ok())
            .filter(|p| (1..=10_000).contains(p))
            .unwrap_or(1)
    }
}

/// The "previous page" and "next page" links of page `page` (the `pagination` partial);
/// `link(n)` is page n's address.
#[derive(Debug, Serialize)]
pub struct PageLinks {
    pub previous_page: Option<String>,
    pub next_page: Option<String>,
}

impl PageLinks {
    pub fn new(page: u64, more: bool, link: impl Fn(u64) -> String) -> PageLinks {
        PageLinks {
            previous_page: (page > 1).then(|| link(page - 1)),
            next_page: more.then(|| link(page + 1)),
        }
    }
}
