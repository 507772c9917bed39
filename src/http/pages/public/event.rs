//! An event's page with its sign-up form.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{capitalised, paragraphs, NetworkLink};
use crate::db;
use crate::db::entities::event_session;
use crate::db::events::EventContext;
use crate::domain::period;
use crate::domain::roles::Role;
use crate::domain::visibility::{self, Viewer};
use crate::domain::{Availability, EventStatus, Language};
use crate::format::{kind_label, session_time};
use crate::http::extract::parse_id;
use crate::http::pages::forms::{ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::views::{self};
use crate::http::pages::{Page, Pages, ShowErrorPage};
use crate::http::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) municipality: Option<String>,
    pub(super) workplace: Option<String>,
    pub(super) role: Option<String>,
    pub(super) share_contact: Option<String>,
    /// The form's own id: the same form sent twice makes one registration.
    pub(super) submission: Option<String>,
}

/// One session on the event page.
#[derive(Serialize)]
pub(super) struct SessionView {
    number: usize,
    starts_iso: String,
    when: String,
    place: String,
    /// Not needed to complete the course.
    optional: bool,
}

#[derive(Serialize)]
pub(super) struct EventView {
    id: Uuid,
    title: String,
    kind: String,
    description: Vec<String>,
    audience: Option<String>,
    /// "Those who complete get a course certificate (14 hours)."
    certificate_text: Option<String>,
    organisation: String,
    /// Where participants write to the organiser, if the organisation has said.
    organisation_contact: Option<String>,
    organisation_url: String,
    network: Option<NetworkLink>,
    sessions: Vec<SessionView>,
    several_sessions: bool,
    members_only: bool,
    cancelled: bool,
    cancel_reason: Option<String>,
    window: Option<String>,
    availability: views::AvailabilityView,
    takes_signups: bool,
    waitlist_only: bool,
    form: Option<SignupFormView>,
}

#[derive(Serialize)]
pub(super) struct SignupFormView {
    action: String,
    submission: String,
    fields: Vec<Field>,
    municipalities: Vec<String>,
}

/// An event and its sign-up form (drafts are a 404 for the public).
pub(super) async fn event_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    let ctx = public_event(&state, &id).await?;
    render_event(
        &state,
        &lang,
        &ctx,
        &SignupForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub(super) async fn public_event(
    state: &AppState,
    id: &str,
) -> Result<EventContext, ShowErrorPage> {
    let id = parse_id(id).map_err(|_| ShowErrorPage::not_found())?;
    db::events::context(&state.db.conn, id)
        .await?
        .filter(|c| {
            visibility::visible_by_id(c.event.status, c.event.organisation_id, Viewer::Public)
        })
        .ok_or_else(ShowErrorPage::not_found)
}

/// Draws the event page, with the form as posted and its problems when there are any.
pub(super) async fn render_event(
    state: &AppState,
    lang: &Lang,
    ctx: &EventContext,
    input: &SignupForm,
    errors: Vec<ErrorLink>,
    status: StatusCode,
) -> Result<Response, ShowErrorPage> {
    let pages = &state.pages;
    let l = lang.language;
    let t = |k: &str| pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let now = state.clock.now();
    let state_now = Availability::of(&e.window(), &e.seats(), now);
    let network = match e.network_id {
        Some(id) => db::networks::find_many(&state.db.conn, vec![id])
            .await?
            .into_iter()
            .next()
            .map(|n| NetworkLink {
                url: state.mailer.links().network_url(&n.slug),
                name: n.name,
            }),
        None => None,
    };
    let window = match (e.registration_opens_at, e.registration_closes_at) {
        (Some(o), Some(c)) => Some(
            t("window_between")
                .replace("{opens}", &crate::format::moment(o, tz, l))
                .replace("{closes}", &crate::format::moment(c, tz, l)),
        ),
        (Some(o), None) => {
            Some(t("window_opens").replace("{opens}", &crate::format::moment(o, tz, l)))
        }
        (None, Some(c)) => {
            Some(t("window_closes").replace("{closes}", &crate::format::moment(c, tz, l)))
        }
        (None, None) => None,
    };
    let takes_signups = state_now.takes_signups();
    let form = if takes_signups {
        let today = now.with_timezone(&tz).date_naive();
        let municipalities =
            crate::service::municipalities::valid_on(&state.db.conn, e.organisation_id, today)
                .await?
                .into_iter()
                .map(|m| m.name)
                .collect();
        Some(SignupFormView {
            action: format!("/events/{}", e.id),
            submission: input
                .submission
                .as_deref()
                .and_then(|s| Uuid::parse_str(s).ok())
                .unwrap_or_else(Uuid::new_v4)
                .to_string(),
            fields: signup_fields(
                pages,
                l,
                input,
                &errors,
                &crate::service::roles::of_organisation(&state.db.conn, e.organisation_id).await?,
            ),
            municipalities,
        })
    } else {
        None
    };
    let view = EventView {
        id: e.id,
        title: e.title.clone(),
        kind: capitalised(kind_label(e.kind, l)),
        description: paragraphs(e.description.as_deref()),
        audience: e.audience.clone(),
        certificate_text: crate::domain::certificates::CertificateRule::stored(
            e.certificate.as_deref(),
        )
        .map(|rule| match rule.hours {
            Some(h) => pages
                .text(l, "event_certificate_hours")
                .replace("{hours}", &crate::format::hours(h, l)),
            None => pages.text(l, "event_certificate"),
        }),
        organisation: ctx.organisation.name.clone(),
        organisation_contact: ctx.organisation.contact_email.clone(),
        organisation_url: format!("/organisations/{}", ctx.organisation.slug),
        network,
        sessions: sessions_view(pages, l, &ctx.sessions, tz),
        several_sessions: ctx.sessions.len() > 1,
        members_only: e.members_only,
        cancelled: e.status == EventStatus::Cancelled,
        cancel_reason: e.cancel_reason.clone(),
        window,
        availability: views::availability_of(pages, l, state_now, e.status),
        takes_signups,
        waitlist_only: matches!(state_now, Availability::WaitingList(_)),
        form,
    };
    Ok(Page::new("event", e.title.clone())
        .with(view)
        .errors(errors)
        .status(status)
        .render(pages, lang))
}

pub(super) fn sessions_view(
    pages: &Pages,
    lang: Language,
    sessions: &[event_session::Model],
    tz: chrono_tz::Tz,
) -> Vec<SessionView> {
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| SessionView {
            number: i + 1,
            starts_iso: views::starts_iso(Some(s), s.starts_at),
            when: session_time(s.starts_at, s.ends_at, s.month.as_deref(), tz, lang),
            place: views::place(pages, lang, std::slice::from_ref(s)),
            optional: s.optional,
        })
        .collect()
}

/// The sign-up form's fields, input kept, problems beside them.
pub(super) fn signup_fields(
    pages: &Pages,
    lang: Language,
    input: &SignupForm,
    errors: &[ErrorLink],
    roles: &[Role],
) -> Vec<Field> {
    let t = |k: &str| pages.text(lang, k);
    let role_choices = roles
        .iter()
        .map(|r| (r.key.clone(), r.label(lang).to_string()))
        .collect();
    let mut share = Field::text("share_contact", t("field_share_label"), None)
        .hint(t("field_share_hint"))
        .optional();
    share.legend = Some(t("field_share_legend"));
    share.checked = input.share_contact.is_some();
    vec![
        Field::text("name", t("field_name"), input.name.as_deref())
            .autocomplete("name")
            .no_spellcheck()
            .done(errors),
        Field::text("email", t("field_email"), input.email.as_deref())
            .of_type("email")
            .hint(t("field_email_hint"))
            .autocomplete("email")
            .no_spellcheck()
            .done(errors),
        {
            let mut f = Field::text(
                "municipality",
                t("field_municipality"),
                input.municipality.as_deref(),
            )
            .hint(t("field_municipality_hint"))
            .optional();
            f.list = Some("municipality-list".into());
            f.done(errors)
        },
        Field::text(
            "workplace",
            t("field_workplace"),
            input.workplace.as_deref(),
        )
        .hint(t("field_workplace_hint"))
        .autocomplete("organization")
        .optional()
        .done(errors),
        Field::text("role", t("field_role"), None)
            .choices(role_choices, input.role.as_deref().unwrap_or_default())
            .optional()
            .done(errors),
        share.done(errors),
    ]
}
