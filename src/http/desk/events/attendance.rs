//! The attendance sheet of a session, and recording it.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::own_event;
use crate::db;
use crate::db::entities::event_session;
use crate::domain::certificates::{self as certificate_rules, CertificateRule, IssueRefusal};
use crate::domain::period;
use crate::format::session_time;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done, filled, with_done, Done};
use crate::http::pages::lang::Lang;
use crate::http::pages::Outcome;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;
use crate::service::attendance::{self, AttendanceError};
use crate::service::certificates::{self, CertificateError};
use crate::service::programmes;

#[derive(Deserialize)]
pub(super) struct SheetQuery {
    session: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SheetRow {
    id: Uuid,
    name: String,
    municipality: String,
    checked: bool,
    field_id: String,
}

#[derive(Serialize)]
pub(super) struct SheetView {
    title: String,
    session: Option<Uuid>,
    session_label: String,
    sessions: Vec<SheetChoice>,
    rows: Vec<SheetRow>,
    action: String,
    back_url: String,
    /// Who has completed an event of several sessions so far.
    completion: Option<CompletionView>,
    /// An event with course certificates: the button, or why not yet, and those issued.
    certificates: Option<CertificatesView>,
}

#[derive(Serialize)]
pub(super) struct CertificatesView {
    /// "3 kursbevis er utstedt."
    summary: String,
    may_issue: bool,
    /// Why the button is not offered ("after the last session").
    not_yet: Option<String>,
    action: String,
    rows: Vec<CertificateRow>,
}

#[derive(Serialize)]
pub(super) struct CertificateRow {
    number: String,
    name: String,
    issued: String,
    revoked: bool,
}

#[derive(Serialize)]
pub(super) struct CompletionView {
    /// "12 of 20 have completed (every session that is not optional)".
    summary: String,
    rows: Vec<CompletionRow>,
}

#[derive(Serialize)]
pub(super) struct CompletionRow {
    name: String,
    /// "3 of 4".
    attended: String,
    completed: bool,
}

#[derive(Serialize)]
pub(super) struct SheetChoice {
    label: String,
    url: String,
    current: bool,
}

/// Attendance of one session (or all, for a one-session event) as a checklist.
pub(super) async fn attendance_sheet(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let session: Option<&event_session::Model> = match filled(&q.session) {
        Some(s) => Some(
            ctx.sessions
                .iter()
                .find(|x| x.id.to_string() == s)
                .ok_or_else(ShowErrorPage::not_found)?,
        ),
        None => ctx.sessions.first(),
    };
    let confirmed = db::registrations::confirmed_for_event(&state.db.conn, ctx.event.id).await?;
    let marks: HashMap<Uuid, bool> = match session {
        Some(s) => db::attendance::for_sessions(&state.db.conn, &[s.id])
            .await?
            .into_iter()
            .map(|m| (m.registration_id, m.attended))
            .collect(),
        None => HashMap::new(),
    };
    let rows = confirmed
        .into_iter()
        .map(|r| SheetRow {
            checked: marks.get(&r.id).copied().unwrap_or(false),
            field_id: format!("came-{}", r.id),
            id: r.id,
            name: r.name,
            municipality: r.municipality.unwrap_or_default(),
        })
        .collect();
    let label = |i: usize, s: &event_session::Model| {
        let mut label = format!(
            "{} {}: {}",
            t("desk_session"),
            i + 1,
            session_time(s.starts_at, s.ends_at, s.month.as_deref(), tz, l)
        );
        if s.optional {
            label.push_str(&format!(" ({})", t("desk_optional")));
        }
        label
    };
    let rule = CertificateRule::stored(ctx.event.certificate.as_deref());
    let certificates = match &rule {
        None => None,
        Some(_) => {
            let now = state.clock.now();
            let may =
                certificate_rules::may_issue(true, ctx.event.status, ctx.event.dated_end(), now);
            let issued = db::certificates::of_event(&state.db.conn, ctx.event.id).await?;
            let valid = issued.iter().filter(|c| c.revoked_at.is_none()).count();
            Some(CertificatesView {
                summary: t("desk_certificates_summary").replace("{n}", &valid.to_string()),
                may_issue: may.is_ok(),
                not_yet: may.err().map(|r| {
                    t(match r {
                        IssueRefusal::NotHeld => "desk_certificates_not_held",
                        _ => "desk_certificates_not_ended",
                    })
                }),
                action: format!("/admin/events/{}/certificates", ctx.event.id),
                rows: issued
                    .into_iter()
                    .map(|c| CertificateRow {
                        revoked: c.revoked_at.is_some(),
                        issued: crate::format::long_date(c.issued_on, l),
                        name: c.holder_name.unwrap_or_else(|| t("desk_name_removed")),
                        number: c.number,
                    })
                    .collect(),
            })
        }
    };
    let completion = if ctx.sessions.len() > 1 || rule.is_some() {
        let c = programmes::completions(&state.db, &ctx.event, &ctx.sessions).await?;
        let rule = match c.min_sessions {
            Some(n) => t("desk_completion_rule_min").replace("{n}", &n.to_string()),
            None => t("desk_completion_rule_default"),
        };
        Some(CompletionView {
            summary: t("desk_completion_summary")
                .replace("{completed}", &c.completed.to_string())
                .replace("{of}", &c.registrations.len().to_string())
                .replace("{rule}", &rule),
            rows: c
                .registrations
                .into_iter()
                .map(|r| CompletionRow {
                    attended: t("desk_completion_attended")
                        .replace("{n}", &r.sessions_attended.len().to_string())
                        .replace("{of}", &c.sessions.to_string()),
                    name: r.name,
                    completed: r.completed,
                })
                .collect(),
        })
    } else {
        None
    };
    let view = SheetView {
        title: ctx.event.title.clone(),
        session: session.map(|s| s.id),
        session_label: session
            .and_then(|s| {
                ctx.sessions
                    .iter()
                    .position(|x| x.id == s.id)
                    .map(|i| label(i, s))
            })
            .unwrap_or_default(),
        sessions: ctx
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| SheetChoice {
                label: label(i, s),
                url: format!("/admin/events/{}/attendance?session={}", ctx.event.id, s.id),
                current: session.is_some_and(|c| c.id == s.id),
            })
            .collect(),
        rows,
        action: format!("/admin/events/{}/attendance", ctx.event.id),
        back_url: format!("/admin/events/{}", ctx.event.id),
        completion,
        certificates,
    };
    let page = desk_page(&desk, "admin/attendance", t("desk_attendance_title"))
        .with(view)
        .nav("events");
    Ok(with_done(page, &done_query, &state, &lang).render(&state.pages, &lang))
}

#[derive(Deserialize)]
pub(super) struct SheetForm {
    session: Option<String>,
    #[serde(default)]
    came: Vec<String>,
    #[serde(default)]
    listed: Vec<String>,
    action: Option<String>,
}

/// Records the checklist: ticked came, unticked did not; all or nothing.
pub(super) async fn record_attendance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<SheetForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let session = match filled(&form.session) {
        Some(s) => Some(Uuid::parse_str(s).map_err(|_| ShowErrorPage::bad_request())?),
        None => None,
    };
    let all = form.action.as_deref() == Some("all");
    let came: std::collections::HashSet<&str> = form.came.iter().map(String::as_str).collect();
    let marks: Vec<(Uuid, bool)> = form
        .listed
        .iter()
        .filter_map(|id| {
            Uuid::parse_str(id)
                .ok()
                .map(|u| (u, all || came.contains(id.as_str())))
        })
        .collect();
    let back = match session {
        Some(s) => format!("/admin/events/{}/attendance?session={s}", ctx.event.id),
        None => format!("/admin/events/{}/attendance", ctx.event.id),
    };
    if marks.is_empty() {
        return Ok(done(&back, Outcome::NothingToMark));
    }
    match attendance::record_marks(&state.db, &ctx.event, &marks, session, state.clock.now()).await
    {
        Ok(_) => Ok(done(&back, Outcome::Attendance)),
        Err(AttendanceError::Db(e)) => Err(e.into()),
        Err(AttendanceError::NotStarted(_)) => Ok(done(&back, Outcome::AttendanceNotStarted)),
        Err(_) => Ok(done(&back, Outcome::AttendanceRefused)),
    }
}

/// Issues the event's course certificates to those who completed it (the API's rule and
/// function), then back to the attendance page with what came of it.
pub(super) async fn issue_certificates(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form: _ }: DeskForm<EmptyForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let back = format!("/admin/events/{}/attendance", ctx.event.id);
    match certificates::issue(
        &state.db,
        &state.mailer,
        &desk.organiser,
        &ctx,
        state.clock.now(),
    )
    .await
    {
        Ok((0, _)) => Ok(done(&back, Outcome::NoNewCertificates)),
        Ok(_) => Ok(done(&back, Outcome::CertificatesIssued)),
        Err(CertificateError::Db(e)) => Err(e.into()),
        Err(_) => Ok(done(&back, Outcome::CertificatesNotYet)),
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub(super) struct EmptyForm {}
