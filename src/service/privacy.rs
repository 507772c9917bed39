//! Privacy by default: retention (personal data goes when it is no longer needed, the
//! statistics stay exactly the same), the participant's rights to their data (art. 15 and
//! 20: a download of everything held about their address; art. 17: erasure), and the audit
//! log of who downloaded or changed what.
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde::Serialize;
use uuid::Uuid;

use crate::db::entities::outbox::MailStatus;
use crate::db::entities::registration;
use crate::db::{self, Db};
use crate::domain::retention::{self, Cutoffs};
use crate::domain::{may_cancel, RegistrationStatus};
use crate::mail::Mailer;
use crate::service::audit::{self, Action, Who};
use crate::service::registration as signups;

/// What a retention run removed (or, dry, would remove).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RetentionReport {
    pub registrations_anonymised: u64,
    pub mails_scrubbed: u64,
    pub personal_feeds_deleted: u64,
    pub audit_entries_deleted: u64,
    /// Free-text evaluation answers of those events (their counters stay).
    pub evaluation_comments_deleted: u64,
}

/// Removes personal data past its time (`domain::retention`); with `dry_run` only counts
/// the registrations it would anonymise.
pub async fn run_retention(
    db: &Db,
    months: u32,
    cancelled_days: u32,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<RetentionReport, DbErr> {
    let Cutoffs {
        ended_before,
        cancelled_before,
    } = retention::cutoffs(now, months, cancelled_days);
    let mut report = RetentionReport::default();
    if dry_run {
        report.registrations_anonymised =
            db::registrations::count_due_for_anonymising(&db.conn, ended_before, cancelled_before)
                .await?;
        return Ok(report);
    }
    loop {
        let due =
            db::registrations::due_for_anonymising(&db.conn, ended_before, cancelled_before, 1000)
                .await?;
        if due.is_empty() {
            break;
        }
        let tx = db.begin_write().await?;
        report.registrations_anonymised += db::registrations::anonymise(&*tx, &due, now).await?;
        report.mails_scrubbed += db::outbox::scrub(&*tx, Some(&due), None).await?;
        tx.commit().await?;
    }
    let tx = db.begin_write().await?;
    report.mails_scrubbed += db::outbox::scrub(&*tx, None, Some(ended_before)).await?;
    report.personal_feeds_deleted = db::feeds::delete_orphan_feeds(&*tx).await?;
    db::feeds::delete_orphan_versions(&*tx).await?;
    report.audit_entries_deleted = db::audit::delete_before(&*tx, ended_before).await?;
    report.evaluation_comments_deleted =
        db::evaluations::delete_comments_of_events_ended_before(&*tx, ended_before).await?;
    tx.commit().await?;
    Ok(report)
}

/// Removes the holder's name from certificates issued more than `years` years before `now`
/// (`domain::certificates::names_kept_from`); the register counts them the same. With
/// `dry_run` nothing changes and the answer is how many would lose the name.
pub async fn run_certificate_retention(
    db: &Db,
    years: u32,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<u64, DbErr> {
    let before = crate::domain::certificates::names_kept_from(now, years);
    if dry_run {
        return db::certificates::count_named_issued_before(&db.conn, before).await;
    }
    let tx = db.begin_write().await?;
    let changed = db::certificates::anonymise_issued_before(&*tx, before, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Counts one more registration of `organisation` (each organisation's audit log gets one
/// entry with its own count).
fn count_for(counts: &mut Vec<(Uuid, i64)>, organisation: Uuid) {
    match counts.iter_mut().find(|(o, _)| *o == organisation) {
        Some((_, n)) => *n += 1,
        None => counts.push((organisation, 1)),
    }
}

/// One session as a participant's data shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionData {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    /// Whether they were marked as having come (null: not recorded).
    pub attended: Option<bool>,
}

/// One mail as a participant's data shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailData {
    pub kind: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: MailStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One registration as a participant's data shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationData {
    pub event: String,
    pub organiser: String,
    pub status: RegistrationStatus,
    pub name: String,
    pub email: String,
    pub municipality: Option<String>,
    pub workplace: Option<String>,
    pub role: Option<String>,
    pub shares_contact_details: bool,
    pub language: crate::domain::Language,
    pub registered_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub attended: Option<bool>,
    pub sessions: Vec<SessionData>,
    pub mails: Vec<MailData>,
    /// The event's evaluation, if this registration was invited: when, whether reminded and
    /// whether it answered. What it answered is not stored with it (see the privacy page).
    pub evaluation: Option<EvaluationData>,
    /// Course certificates issued to this registration (revoked ones too).
    pub certificates: Vec<CertificateData>,
}

/// A course certificate as a participant's data shows it (the PDF is on their page).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateData {
    pub number: String,
    pub name: Option<String>,
    pub course: String,
    pub issued_on: chrono::NaiveDate,
    pub municipality: Option<String>,
    pub revoked: bool,
}

/// A registration's invitation to an evaluation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvaluationData {
    pub invited_at: DateTime<Utc>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub answered: bool,
}

/// A network membership of the address (an organiser added it; members-only events let it
/// sign up), as a participant's data shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MembershipData {
    pub network: String,
    pub organiser: String,
    pub email: String,
    pub name: Option<String>,
    pub municipality: Option<String>,
    pub added_at: DateTime<Utc>,
}

/// Everything held about one address (GDPR art. 15 and 20).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParticipantData {
    pub email: String,
    pub exported_at: DateTime<Utc>,
    pub personal_calendar_since: Option<DateTime<Utc>>,
    pub registrations: Vec<RegistrationData>,
    /// Network member lists are kept by address, apart from any registration.
    pub network_memberships: Vec<MembershipData>,
}

/// Everything held about the address `email_normalized`, as exported `now`.
pub async fn export(
    db: &Db,
    email_normalized: &str,
    now: DateTime<Utc>,
) -> Result<ParticipantData, DbErr> {
    let regs = db::registrations::of_address(&db.conn, email_normalized).await?;
    let ids: Vec<Uuid> = regs.iter().map(|r| r.id).collect();
    let mails = db::outbox::for_registrations(&db.conn, &ids).await?;
    let mut out = Vec::new();
    let mut organisations = Vec::new();
    for r in regs {
        let Some(ctx) = db::events::context(&db.conn, r.event_id).await? else {
            continue;
        };
        let session_ids: Vec<Uuid> = ctx.sessions.iter().map(|s| s.id).collect();
        let marks = db::attendance::for_sessions(&db.conn, &session_ids).await?;
        let evaluation = db::evaluations::invitation(&db.conn, r.event_id, r.id)
            .await?
            .map(|i| EvaluationData {
                invited_at: i.invited_at,
                reminded_at: i.reminded_at,
                answered: i.answered,
            });
        let certificates = db::certificates::of_registration(&db.conn, r.id)
            .await?
            .into_iter()
            .map(|c| CertificateData {
                number: c.number,
                name: c.holder_name,
                course: c.course,
                issued_on: c.issued_on,
                municipality: c.municipality,
                revoked: c.revoked_at.is_some(),
            })
            .collect();
        out.push(RegistrationData {
            certificates,
            evaluation,
            event: ctx.event.title.clone(),
            organiser: ctx.organisation.name.clone(),
            status: r.status,
            municipality: r.municipality.clone(),
            workplace: r.workplace.clone(),
            role: r.role.clone(),
            shares_contact_details: crate::service::participants::shares(&r),
            language: r.language,
            registered_at: r.created_at,
            promoted_at: r.promoted_at,
            cancelled_at: r.cancelled_at,
            attended: r.attended,
            sessions: ctx
                .sessions
                .iter()
                .map(|s| SessionData {
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    location: s.location.clone(),
                    attended: marks
                        .iter()
                        .find(|m| m.session_id == s.id && m.registration_id == r.id)
                        .map(|m| m.attended),
                })
                .collect(),
            mails: mails
                .iter()
                .filter(|m| m.registration_id == Some(r.id))
                .map(|m| MailData {
                    kind: m.kind.as_str().to_string(),
                    subject: m.subject.clone(),
                    status: m.status,
                    created_at: m.created_at,
                    sent_at: m.sent_at,
                })
                .collect(),
            name: r.name,
            email: r.email,
        });
        count_for(&mut organisations, ctx.organisation.id);
    }
    let memberships = db::networks::memberships_of_address(&db.conn, email_normalized).await?;
    let org_ids: Vec<Uuid> = memberships.iter().map(|(_, n)| n.organisation_id).collect();
    let orgs = db::organisations::find_many(&db.conn, &org_ids).await?;
    let network_memberships = memberships
        .into_iter()
        .map(|(m, n)| MembershipData {
            organiser: orgs
                .iter()
                .find(|o| o.id == n.organisation_id)
                .map_or_else(String::new, |o| o.name.clone()),
            network: n.name,
            email: m.email,
            name: m.name,
            municipality: m.municipality,
            added_at: m.created_at,
        })
        .collect();
    for (organisation, registrations) in organisations {
        audit::record(
            db,
            Some(organisation),
            Who::Participant,
            Action::ParticipantExport,
            "registrations of one address",
            Some(registrations),
            now,
        )
        .await;
    }
    let feed = db::feeds::participant_feeds(&db.conn, &[email_normalized.to_string()])
        .await?
        .remove(email_normalized);
    Ok(ParticipantData {
        email: email_normalized.to_string(),
        exported_at: now,
        personal_calendar_since: feed.map(|f| f.created_at),
        registrations: out,
        network_memberships,
    })
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErasureReport {
    /// Registrations to coming events, cancelled first (their seats went to the waiting list).
    pub cancelled: u64,
    /// Registrations whose personal data was removed.
    pub anonymised: u64,
}

/// Erases what is held about the address of `reg`: registrations to coming events are
/// cancelled first (the waiting list moves and the organiser sees a cancellation), then
/// every registration of the address is anonymised, its mails scrubbed, its personal feed
/// deleted and the address taken off every network's member list (an organiser can add it
/// again; members-only events then refuse it until they do). The participant's own links
/// open nothing personal afterwards.
pub async fn erase(
    db: &Db,
    mailer: &Mailer,
    reg: &registration::Model,
    now: DateTime<Utc>,
) -> Result<ErasureReport, DbErr> {
    let address = reg.email_normalized.clone();
    let regs = db::registrations::of_address(&db.conn, &address).await?;
    let mut report = ErasureReport::default();
    let mut organisations = Vec::new();
    for r in &regs {
        let Some(event) = db::events::find(&db.conn, r.event_id).await? else {
            continue;
        };
        count_for(&mut organisations, event.organisation_id);
        if may_cancel(r.status, event.status, event.starts_at, now).is_ok() {
            match signups::cancel_and_tell(db, mailer, r.id, now, false).await {
                Ok(c) if c.changed => report.cancelled += 1,
                Ok(_) => {}
                Err(signups::RegistrationError::Db(e)) => return Err(e),
                // Started or cancelled meanwhile: anonymised below all the same.
                Err(_) => {}
            }
        }
    }
    let ids: Vec<Uuid> = regs.iter().map(|r| r.id).collect();
    let tx = db.begin_write().await?;
    report.anonymised = db::registrations::anonymise(&*tx, &ids, now).await?;
    // Their certificates stay in the register (counted), without the name.
    db::certificates::anonymise_of_registrations(&*tx, &ids, now).await?;
    db::outbox::scrub(&*tx, Some(&ids), None).await?;
    db::feeds::delete_orphan_feeds(&*tx).await?;
    db::networks::remove_address_everywhere(&*tx, &address).await?;
    tx.commit().await?;
    for (organisation, registrations) in organisations {
        audit::record(
            db,
            Some(organisation),
            Who::Participant,
            Action::ParticipantErasure,
            "registrations of one address",
            Some(registrations),
            now,
        )
        .await;
    }
    Ok(report)
}
