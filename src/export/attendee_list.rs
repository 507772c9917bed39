//! The attendee list of an event, as organisers print it for name tags, the venue and the
//! sign-in sheet.
use std::collections::HashMap;

use chrono_tz::Tz;
use uuid::Uuid;

use super::{Cell, Table};
use crate::db::entities::{event_session, registration, session_attendance};
use crate::db::events::EventContext;
use crate::db::{self, Db};
use crate::domain::roles::{self, Role};
use crate::domain::{period, Language, RegistrationStatus};
use crate::service::registration::waitlist_positions;

/// Everything the list shows.
pub struct AttendeeList<'a> {
    pub registrations: &'a [registration::Model],
    /// Waiting-list position by registration id.
    pub waitlist_positions: &'a HashMap<Uuid, u64>,
    pub sessions: &'a [event_session::Model],
    pub marks: &'a [session_attendance::Model],
    pub zone: Tz,
    /// The organisation's roles: the list shows a role's Norwegian label.
    pub roles: &'a [Role],
}

/// A registration status as the Norwegian list shows it.
pub fn status_label(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "bekreftet",
        RegistrationStatus::Waitlisted => "venteliste",
        RegistrationStatus::Cancelled => "avmeldt",
    }
}

fn yes_no(value: Option<bool>) -> Cell {
    match value {
        Some(true) => "ja".into(),
        Some(false) => "nei".into(),
        None => Cell::Empty,
    }
}

/// The list as a table: confirmed first, then the waiting list in order, then cancelled;
/// sign-up order within each. A multi-session event gets a column per session.
pub fn table(list: &AttendeeList) -> Table {
    let mut headers: Vec<String> = [
        "Navn",
        "E-post",
        "Kommune",
        "Arbeidssted",
        "Rolle",
        "Status",
        "Plass på venteliste",
        "Påmeldt",
        "Møtt",
        "Deler kontaktinfo",
    ]
    .map(str::to_string)
    .to_vec();
    let per_session = list.sessions.len() > 1;
    if per_session {
        for (i, s) in list.sessions.iter().enumerate() {
            let day = s.starts_at.with_timezone(&list.zone).format("%d.%m.%Y");
            headers.push(format!("Møtt økt {} ({day})", i + 1));
        }
    }
    let marks: HashMap<(Uuid, Uuid), bool> = list
        .marks
        .iter()
        .map(|m| ((m.registration_id, m.session_id), m.attended))
        .collect();
    let mut regs: Vec<&registration::Model> = list.registrations.iter().collect();
    regs.sort_by_key(|r| {
        let group = match r.status {
            RegistrationStatus::Confirmed => 0,
            RegistrationStatus::Waitlisted => 1,
            RegistrationStatus::Cancelled => 2,
        };
        let position = list.waitlist_positions.get(&r.id).copied().unwrap_or(0);
        (group, position, r.created_at, r.id)
    });
    let rows = regs
        .into_iter()
        .map(|r| {
            let mut row = vec![
                Cell::Text(r.name.clone()),
                Cell::Text(r.email.clone()),
                r.municipality.as_deref().into(),
                r.workplace.as_deref().into(),
                roles::shown(list.roles, r.role.as_deref(), Language::Nb)
                    .as_deref()
                    .into(),
                status_label(r.status).into(),
                list.waitlist_positions
                    .get(&r.id)
                    .map_or(Cell::Empty, |p| Cell::Int(*p as i64)),
                Cell::Time(r.created_at.with_timezone(&list.zone).naive_local()),
                yes_no(r.attended),
                yes_no(Some(crate::domain::contacts::shares(
                    r.share_contact,
                    r.share_contact_confirmed_at.is_some(),
                ))),
            ];
            if per_session {
                for s in list.sessions {
                    row.push(yes_no(marks.get(&(r.id, s.id)).copied()));
                }
            }
            row
        })
        .collect();
    Table {
        name: "Deltakere",
        headers,
        rows,
        totals: None,
    }
}

/// The list of `event` (only registrations with `status`, if given) and a file name made of
/// the title, the date and the status.
pub async fn load(
    db: &Db,
    ctx: &EventContext,
    status: Option<RegistrationStatus>,
) -> Result<(Table, String), sea_orm::DbErr> {
    let event = &ctx.event;
    let zone = period::zone(&ctx.organisation.time_zone);
    let mut registrations = db::registrations::list_for_event(&db.conn, event.id).await?;
    let positions = waitlist_positions(&registrations);
    if let Some(status) = status {
        registrations.retain(|r| r.status == status);
    }
    let session_ids: Vec<Uuid> = ctx.sessions.iter().map(|s| s.id).collect();
    let marks = db::attendance::for_sessions(&db.conn, &session_ids).await?;
    let roles = crate::service::roles::of_organisation(&db.conn, ctx.organisation.id).await?;
    let list = table(&AttendeeList {
        roles: &roles,
        registrations: &registrations,
        waitlist_positions: &positions,
        sessions: &ctx.sessions,
        marks: &marks,
        zone,
    });
    let mut stem = format!(
        "{} {}",
        event.title,
        event.starts_at.with_timezone(&zone).format("%Y-%m-%d")
    );
    if let Some(status) = status {
        stem.push_str(&format!(" {}", status_label(status)));
    }
    Ok((list, stem))
}
