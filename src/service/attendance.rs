//! Who came: attendance per session, the per-registration summary the statistics count,
//! and an event's attendance summary.
//!
//! Rules: only confirmed registrations can be marked (a waitlisted or cancelled person
//! held no seat). Without a session, a mark applies to every session of the event. A
//! registration counts as attended when it came to at least one session, as a no-show
//! when every recorded session says no, and as not recorded otherwise.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, entities::event, entities::registration, Db};
use crate::domain::attendance::{may_record_attendance, AttendanceCount};
use crate::domain::period;
use crate::domain::{summarize_attendance, RegistrationStatus};

/// Why attendance could not be recorded. Nothing is saved when any id is wrong.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    #[error("the event has no such session")]
    UnknownSession,
    #[error("no registration of this event has these ids: {0:?}")]
    UnknownRegistrations(Vec<Uuid>),
    #[error("only confirmed registrations can be marked; not confirmed: {0:?}")]
    NotConfirmed(Vec<Uuid>),
    #[error("no registrations given")]
    Empty,
    /// A session's day has not come (in the organisation's zone): nobody can have come yet.
    #[error("attendance can be recorded from the session's day; not yet begun: {0:?}")]
    NotStarted(Vec<Uuid>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Marks registrations of `event` as having come (or not) to one session or to all.
/// Returns the registrations as saved.
pub async fn record(
    db: &Db,
    event: &event::Model,
    registration_ids: &[Uuid],
    session: Option<Uuid>,
    attended: bool,
    now: DateTime<Utc>,
) -> Result<Vec<registration::Model>, AttendanceError> {
    let marks: Vec<(Uuid, bool)> = registration_ids.iter().map(|id| (*id, attended)).collect();
    record_marks(db, event, &marks, session, now).await
}

/// Records a whole sheet at once (the desk's checklist): each registration came or not,
/// all or nothing. Returns the registrations as saved.
pub async fn record_marks(
    db: &Db,
    event: &event::Model,
    marks: &[(Uuid, bool)],
    session: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<registration::Model>, AttendanceError> {
    if marks.is_empty() {
        return Err(AttendanceError::Empty);
    }
    let registration_ids: Vec<Uuid> = marks.iter().map(|(id, _)| *id).collect();
    let all_sessions = db::events::sessions(&db.conn, event.id).await?;
    let sessions: Vec<Uuid> = all_sessions.iter().map(|s| s.id).collect();
    let targets = match session {
        Some(id) if sessions.contains(&id) => vec![id],
        Some(_) => return Err(AttendanceError::UnknownSession),
        None => sessions.clone(),
    };
    let zone = match db::organisations::find(&db.conn, event.organisation_id).await? {
        Some(o) => period::zone(&o.time_zone),
        None => period::DEFAULT_ZONE,
    };
    let not_started: Vec<Uuid> = all_sessions
        .iter()
        .filter(|s| targets.contains(&s.id) && !may_record_attendance(s.dated_start(), now, zone))
        .map(|s| s.id)
        .collect();
    if !not_started.is_empty() {
        return Err(AttendanceError::NotStarted(not_started));
    }
    let wanted: HashSet<Uuid> = registration_ids.iter().copied().collect();
    let ids: Vec<Uuid> = wanted.iter().copied().collect();

    let tx = db.begin_write().await?;
    // Under the event lock no cancellation can slip in between the check and the mark.
    db::events::find_for_update(&*tx, event.id).await?;
    let found = db::registrations::find_many_of_event(&*tx, event.id, &ids).await?;
    let found_ids: HashSet<Uuid> = found.iter().map(|r| r.id).collect();
    let mut unknown: Vec<Uuid> = wanted.difference(&found_ids).copied().collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(AttendanceError::UnknownRegistrations(unknown));
    }
    let mut not_confirmed: Vec<Uuid> = found
        .iter()
        .filter(|r| r.status != RegistrationStatus::Confirmed)
        .map(|r| r.id)
        .collect();
    if !not_confirmed.is_empty() {
        not_confirmed.sort();
        return Err(AttendanceError::NotConfirmed(not_confirmed));
    }

    for value in [true, false] {
        let these: Vec<Uuid> = marks
            .iter()
            .filter(|(_, came)| *came == value)
            .map(|(id, _)| *id)
            .collect();
        db::attendance::record(&*tx, &these, &targets, value, now).await?;
    }
    let summaries = refresh_summaries(&*tx, &sessions, &ids, now).await?;
    let mut saved = Vec::with_capacity(found.len());
    for mut reg in found {
        reg.attended = summaries.get(&reg.id).copied().flatten();
        reg.updated_at = now;
        saved.push(reg);
    }
    tx.commit().await?;
    saved.sort_by_key(|r| (r.created_at, r.id));
    Ok(saved)
}

/// Recomputes and stores the summaries of `registration_ids` from their marks for
/// `session_ids` (the event's current sessions).
async fn refresh_summaries(
    db: &impl ConnectionTrait,
    session_ids: &[Uuid],
    registration_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Option<bool>>, DbErr> {
    let mut marks: HashMap<Uuid, Vec<bool>> = HashMap::new();
    for m in db::attendance::for_sessions(db, session_ids).await? {
        marks.entry(m.registration_id).or_default().push(m.attended);
    }
    let summaries: HashMap<Uuid, Option<bool>> = registration_ids
        .iter()
        .map(|id| {
            (
                *id,
                summarize_attendance(marks.remove(id).unwrap_or_default()),
            )
        })
        .collect();
    db::attendance::set_summaries(db, &summaries, now).await?;
    Ok(summaries)
}

/// Called when an event's sessions are replaced: marks for sessions that no longer exist
/// are dropped and the summaries they fed are recomputed, so a removed session cannot keep
/// someone counted as attended.
pub async fn forget_removed_sessions(
    db: &impl ConnectionTrait,
    kept: &[Uuid],
    removed: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if removed.is_empty() {
        return Ok(());
    }
    let mut affected: Vec<Uuid> = db::attendance::for_sessions(db, removed)
        .await?
        .into_iter()
        .map(|m| m.registration_id)
        .collect();
    affected.sort();
    affected.dedup();
    db::attendance::delete_for_sessions(db, removed).await?;
    refresh_summaries(db, kept, &affected, now).await?;
    Ok(())
}

/// One session's line of the attendance summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionAttendance {
    pub session_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(flatten)]
    pub count: AttendanceCount,
}

/// An event's attendance: per session and in total (by the registration summary).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceSummary {
    pub event_id: Uuid,
    pub sessions: Vec<SessionAttendance>,
    pub total: AttendanceCount,
}

/// Counts who came to each session of `event`.
pub async fn summary(db: &Db, event: &event::Model) -> Result<AttendanceSummary, DbErr> {
    let sessions = db::events::sessions(&db.conn, event.id).await?;
    let confirmed: Vec<registration::Model> =
        db::registrations::confirmed_for_event(&db.conn, event.id).await?;
    let confirmed_ids: HashSet<Uuid> = confirmed.iter().map(|r| r.id).collect();
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let mut marks: HashMap<Uuid, Vec<bool>> = HashMap::new();
    for m in db::attendance::for_sessions(&db.conn, &ids).await? {
        if confirmed_ids.contains(&m.registration_id) {
            marks.entry(m.session_id).or_default().push(m.attended);
        }
    }
    let registered = confirmed.len() as u64;
    let per_session = sessions
        .iter()
        .map(|s| SessionAttendance {
            session_id: s.id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            count: AttendanceCount::of(registered, marks.get(&s.id).into_iter().flatten().copied()),
        })
        .collect();
    Ok(AttendanceSummary {
        event_id: event.id,
        sessions: per_session,
        total: AttendanceCount::of(registered, confirmed.iter().filter_map(|r| r.attended)),
    })
}
