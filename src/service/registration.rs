//! Sign up, cancel, and fill freed seats from the waiting list.
//!
//! Every function here that changes registrations runs in one write transaction that
//! first locks the event row (`db::events::find_for_update`). With that lock held, the
//! seat counters on the event are exact, so decisions are simple arithmetic
//! (`domain::Seats`) and never count rows; the same order of locking everywhere keeps
//! PostgreSQL free of deadlocks.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};
use uuid::Uuid;

use crate::db::entities::{event, outbox, registration};
use crate::db::events::{CountChange, EventContext};
use crate::db::group_commit::{Apply, GroupCommit};
use crate::db::{self, Db};
use crate::domain::notices::own_cancellation_sequence;
use crate::domain::{
    may_cancel, seats_to_fill, CancelRefusal, Email, EventStatus, Language, MailCheck, MailKind,
    RegistrationStatus, SeatDecision, SignupRefusal,
};
use crate::mail::{Mailer, Notice};

/// A checked sign-up.
#[derive(Debug, Clone)]
pub struct SignupInput {
    pub name: String,
    pub email: Email,
    pub municipality: Option<String>,
    pub workplace: Option<String>,
    pub role: Option<String>,
    pub share_contact: bool,
    pub language: Language,
    /// The id of the sign-up form, if it came from one: the same form sent twice ends on
    /// the same registration.
    pub submission: Option<Uuid>,
    /// The client network the sign-up came from (`http::limits::network_key`), if known:
    /// sign-ups from one network beyond a share of the seats must be confirmed by mail.
    pub network: Option<std::net::IpAddr>,
}

/// Why a sign-up or cancellation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("no such event")]
    NotFound,
    #[error("the event is cancelled")]
    EventCancelled,
    #[error("registration has not opened yet")]
    NotYetOpen,
    #[error("registration is closed")]
    Closed,
    #[error("the date is not settled yet: sign-up opens once every session has a date")]
    NotDated,
    #[error("the event has started")]
    Started,
    #[error("this event is for network members only")]
    MembersOnly,
    #[error("the event is full")]
    Full,
    #[error("this address is already registered")]
    AlreadyRegistered,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<SignupRefusal> for RegistrationError {
    fn from(r: SignupRefusal) -> Self {
        match r {
            SignupRefusal::NotFound => RegistrationError::NotFound,
            SignupRefusal::Cancelled => RegistrationError::EventCancelled,
            SignupRefusal::NotYetOpen => RegistrationError::NotYetOpen,
            SignupRefusal::Closed => RegistrationError::Closed,
            SignupRefusal::NotDated => RegistrationError::NotDated,
        }
    }
}

/// The result of a sign-up. It carries no link: those reach the participant by mail only.
#[derive(Debug)]
pub struct SignedUp {
    pub registration: registration::Model,
    pub waitlist_position: Option<u64>,
    /// True when the same form had already been sent: nothing new was made or mailed.
    pub repeated: bool,
}

/// One sign-up waiting for its batch.
#[derive(Debug, Clone)]
pub struct SignupJob {
    pub event_id: Uuid,
    pub input: SignupInput,
    pub now: DateTime<Utc>,
}

/// The most sign-ups one transaction takes (a rush of 64 clients fills about one batch).
const MAX_BATCH: usize = 256;

/// Sign-ups, group-committed (`db::group_commit`): each answer is given only once its
/// registration, seat counters and mail are committed to disk, and a rush needs one
/// commit per batch instead of one per person.
#[derive(Clone)]
pub struct Signups {
    queue: GroupCommit<SignupJob, Result<SignedUp, RegistrationError>>,
    mailer: Mailer,
}

impl Signups {
    /// Starts the writer of sign-ups, with the rule for sign-ups that must be confirmed.
    pub fn start(db: Db, mailer: Mailer, check: MailCheck) -> Signups {
        let letters = mailer.clone();
        let apply: Apply<SignupJob, Result<SignedUp, RegistrationError>> =
            Arc::new(move |tx, jobs| {
                let mailer = letters.clone();
                Box::pin(async move { apply_signups(tx, &mailer, check, jobs).await })
            });
        Signups {
            queue: GroupCommit::start("signups", db, MAX_BATCH, apply),
            mailer,
        }
    }

    /// Signs a participant up: a seat if one is free, else the waiting list (if the event
    /// has one), else `Full`. The confirmation or waiting-list mail is queued in the same
    /// transaction, and the participant's personal feed is created with their first sign-up.
    pub async fn sign_up(
        &self,
        event_id: Uuid,
        input: SignupInput,
        now: DateTime<Utc>,
    ) -> Result<SignedUp, RegistrationError> {
        let done = self
            .queue
            .submit(SignupJob {
                event_id,
                input,
                now,
            })
            .await?;
        crate::metrics::signup(match &done {
            Ok(d) if d.repeated => "repeated",
            Ok(d) if d.registration.status == RegistrationStatus::Confirmed => "confirmed",
            Ok(_) => "waitlisted",
            Err(RegistrationError::Full) => "full",
            Err(RegistrationError::AlreadyRegistered) => "already_registered",
            Err(RegistrationError::Db(_)) => "error",
            Err(_) => "refused",
        });
        let done = done?;
        if !done.repeated {
            self.mailer.wake();
        }
        Ok(done)
    }
}

/// An event of a batch, locked, with its counters as the batch has moved them so far.
struct Locked {
    ctx: EventContext,
    /// Addresses with an active registration (the stored ones and the batch's own).
    taken: HashSet<String>,
    /// Network members among the batch's addresses (members-only events).
    members: HashSet<String>,
    /// Active sign-ups per client network (origin tag), the stored ones and the batch's.
    from_origin: HashMap<String, u64>,
    counts: CountChange,
}

/// Each event of the batch, locked for the batch's transaction, with what its sign-ups
/// are checked against: addresses already registered, members, holds per origin (`None`:
/// no such event).
async fn lock_events(
    tx: &DatabaseTransaction,
    check: MailCheck,
    jobs: &[SignupJob],
    origins: &[Option<String>],
) -> Result<HashMap<Uuid, Option<Locked>>, DbErr> {
    let mut events: HashMap<Uuid, Option<Locked>> = HashMap::new();
    for job in jobs {
        if events.contains_key(&job.event_id) {
            continue;
        }
        let locked = match db::events::find_for_update(tx, job.event_id).await? {
            None => None,
            Some(event) => {
                let addresses: Vec<String> = jobs
                    .iter()
                    .filter(|j| j.event_id == event.id)
                    .map(|j| j.input.email.normalized())
                    .collect();
                let members = match (event.members_only, event.network_id) {
                    (true, Some(network)) => {
                        db::networks::members_among(tx, network, &addresses).await?
                    }
                    _ => HashSet::new(),
                };
                let taken = db::registrations::active_addresses(tx, event.id, &addresses).await?;
                let from_origin = if check.free_signups(event.capacity).is_some() {
                    let mut tags: Vec<String> = jobs
                        .iter()
                        .zip(origins)
                        .filter(|(j, _)| j.event_id == event.id)
                        .filter_map(|(_, o)| o.clone())
                        .collect();
                    tags.sort();
                    tags.dedup();
                    db::registrations::active_by_origin(tx, event.id, &tags).await?
                } else {
                    HashMap::new()
                };
                Some(Locked {
                    ctx: db::events::context_of(tx, event).await?,
                    taken,
                    members,
                    from_origin,
                    counts: CountChange::default(),
                })
            }
        };
        events.insert(job.event_id, locked);
    }
    Ok(events)
}

/// Forms of the batch sent before: their registration, and its place in line if this
/// batch made it (a stored one's place is looked up when needed).
async fn forms_sent_before(
    tx: &DatabaseTransaction,
    jobs: &[SignupJob],
) -> Result<HashMap<Uuid, (registration::Model, Option<u64>)>, DbErr> {
    let submissions: Vec<Uuid> = jobs.iter().filter_map(|j| j.input.submission).collect();
    if submissions.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(db::registrations::find_by_submissions(tx, &submissions)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.submission_id?, (r, None))))
        .collect())
}

/// A new registration as the sign-up decided it.
#[allow(clippy::too_many_arguments)]
fn new_registration(
    event_id: Uuid,
    input: SignupInput,
    email_normalized: String,
    status: RegistrationStatus,
    waitlist_order: Option<i64>,
    origin: Option<String>,
    confirm_by: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> registration::Model {
    registration::Model {
        id: Uuid::now_v7(),
        event_id,
        name: input.name,
        email: input.email.as_str().to_string(),
        email_normalized,
        municipality: input.municipality,
        workplace: input.workplace,
        role: input.role,
        share_contact: input.share_contact,
        share_contact_confirmed_at: None,
        language: input.language,
        status,
        waitlist_order,
        attended: None,
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        promoted_at: None,
        submission_id: input.submission,
        anonymised_at: None,
        origin,
        confirm_by,
    }
}

/// Applies a batch of sign-ups in arrival order in `tx`, each by the same rules as alone
/// (`domain::SignupWindow`, `domain::Seats`), with few statements for the whole batch:
/// every event is locked and read once, existing registrations, earlier sendings of the
/// same forms and network memberships are looked up for all at once, and the new rows
/// are written together.
async fn apply_signups(
    tx: &DatabaseTransaction,
    mailer: &Mailer,
    check: MailCheck,
    jobs: Vec<SignupJob>,
) -> Result<Vec<Result<SignedUp, RegistrationError>>, DbErr> {
    let key = mailer.links().key();
    let origins: Vec<Option<String>> = jobs
        .iter()
        .map(|j| j.input.network.map(|n| key.origin_tag(n)))
        .collect();
    let mut events = lock_events(tx, check, &jobs, &origins).await?;
    let mut sent_before = forms_sent_before(tx, &jobs).await?;
    let mut answers = Vec::with_capacity(jobs.len());
    let mut new_registrations = Vec::new();
    let mut letters = Vec::new();
    for (job, origin) in jobs.into_iter().zip(origins) {
        let email_key = job.input.email.normalized();
        // The same form sent again (before, or earlier in this batch): the same answer.
        if let Some((earlier, known)) = job.input.submission.and_then(|s| sent_before.get(&s)) {
            if earlier.event_id == job.event_id && earlier.email_normalized == email_key {
                let waitlist_position = match (earlier.status, known) {
                    (RegistrationStatus::Waitlisted, Some(p)) => Some(*p),
                    (RegistrationStatus::Waitlisted, None) => {
                        Some(db::registrations::waitlist_position(tx, earlier).await?)
                    }
                    _ => None,
                };
                answers.push(Ok(SignedUp {
                    registration: earlier.clone(),
                    waitlist_position,
                    repeated: true,
                }));
                continue;
            }
        }
        let Some(Some(locked)) = events.get_mut(&job.event_id) else {
            answers.push(Err(RegistrationError::NotFound));
            continue;
        };
        let event = &locked.ctx.event;
        if let Err(refusal) = event.window().check(job.now) {
            answers.push(Err(refusal.into()));
            continue;
        }
        if event.members_only && !locked.members.contains(&email_key) {
            answers.push(Err(RegistrationError::MembersOnly));
            continue;
        }
        if locked.taken.contains(&email_key) {
            answers.push(Err(RegistrationError::AlreadyRegistered));
            continue;
        }
        let seats = crate::domain::Seats {
            confirmed: event.confirmed_count + locked.counts.confirmed,
            waitlisted: event.waitlist_count + locked.counts.waitlisted,
            ..event.seats()
        };
        let (status, ticket, position) = match seats.decide() {
            SeatDecision::Seat => {
                locked.counts.confirmed += 1;
                (RegistrationStatus::Confirmed, None, None)
            }
            SeatDecision::WaitingList { position } => {
                locked.counts.waitlisted += 1;
                locked.counts.tickets += 1;
                (
                    RegistrationStatus::Waitlisted,
                    Some(event.waitlist_seq + locked.counts.tickets),
                    Some(position),
                )
            }
            SeatDecision::Full => {
                answers.push(Err(RegistrationError::Full));
                continue;
            }
        };
        let confirm_by = origin.as_ref().and_then(|tag| {
            let earlier = locked.from_origin.entry(tag.clone()).or_insert(0);
            let by = check.confirm_by(event.capacity, *earlier, job.now, event.starts_at);
            *earlier += 1;
            by
        });
        let submission = job.input.submission;
        let registration = new_registration(
            job.event_id,
            job.input,
            email_key.clone(),
            status,
            ticket,
            origin,
            confirm_by,
            job.now,
        );
        let kind = match status {
            RegistrationStatus::Confirmed => MailKind::Confirmation,
            _ => MailKind::Waitlisted,
        };
        let notice = Notice {
            waitlist_position: position,
            ..Notice::new(kind, &registration, &locked.ctx)
        };
        letters.push(mailer.letter(&locked.ctx, &registration, &notice, job.now)?);
        locked.taken.insert(email_key);
        if let Some(submission) = submission {
            sent_before.insert(submission, (registration.clone(), position));
        }
        new_registrations.push(registration.clone());
        answers.push(Ok(SignedUp {
            registration,
            waitlist_position: position,
            repeated: false,
        }));
    }

    if !new_registrations.is_empty() {
        db::registrations::insert_many(tx, &new_registrations).await?;
        let mut addresses: Vec<String> = new_registrations
            .iter()
            .map(|r| r.email_normalized.clone())
            .collect();
        addresses.sort();
        addresses.dedup();
        let now = new_registrations[0].created_at;
        db::feeds::ensure_participant_feeds(tx, &addresses, now).await?;
        db::outbox::insert_many(tx, letters).await?;
    }
    for (id, locked) in events {
        if let Some(locked) = locked {
            db::events::adjust_counts(tx, id, locked.counts).await?;
        }
    }
    Ok(answers)
}

/// What a cancellation did.
#[derive(Debug)]
pub struct Cancelled {
    pub registration: registration::Model,
    /// False when it was already cancelled (the call is idempotent).
    pub changed: bool,
    /// Registrations that got the freed seat.
    pub promoted: Vec<Uuid>,
}

/// Cancels a registration (by the holder of its mailed link, or by an organiser on their
/// behalf). A freed seat goes to the first on the waiting list in the same transaction;
/// both are told.
pub async fn cancel(
    db: &Db,
    mailer: &Mailer,
    registration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Cancelled, RegistrationError> {
    cancel_and_tell(db, mailer, registration_id, now, true).await
}

/// Cancels as [`cancel`] does; `tell` says whether the participant gets the cancellation
/// mail (not when they are erasing their data: there is nobody left to write to). Whoever
/// gets the freed seat is told either way.
pub async fn cancel_and_tell(
    db: &Db,
    mailer: &Mailer,
    registration_id: Uuid,
    now: DateTime<Utc>,
    tell: bool,
) -> Result<Cancelled, RegistrationError> {
    cancel_for(db, mailer, registration_id, now, tell, Why::Asked).await
}

/// Why a registration is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// The participant, or an organiser on their behalf.
    Asked,
    /// Its unconfirmed place was not confirmed in time.
    NotConfirmed,
}

async fn cancel_for(
    db: &Db,
    mailer: &Mailer,
    registration_id: Uuid,
    now: DateTime<Utc>,
    tell: bool,
    why: Why,
) -> Result<Cancelled, RegistrationError> {
    let found = db::registrations::find(&db.conn, registration_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    let tx = db.begin_write().await?;
    let event = db::events::find_for_update(&*tx, found.event_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    // Re-read under the event lock: the status may have changed (a promotion) meanwhile.
    let reg = db::registrations::find(&*tx, found.id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    if why == Why::NotConfirmed && !crate::domain::unconfirmed_expired(reg.confirm_by, now) {
        // Confirmed meanwhile: nothing is ever taken from a confirmed place.
        return Ok(Cancelled {
            registration: reg,
            changed: false,
            promoted: vec![],
        });
    }
    match may_cancel(reg.status, event.status, event.starts_at, now) {
        Ok(()) => {}
        Err(CancelRefusal::AlreadyCancelled) => {
            return Ok(Cancelled {
                registration: reg,
                changed: false,
                promoted: vec![],
            })
        }
        Err(CancelRefusal::EventCancelled) => return Err(RegistrationError::EventCancelled),
        Err(CancelRefusal::EventStarted) => return Err(RegistrationError::Started),
    }
    db::registrations::change_status(
        &*tx,
        &[reg.id],
        reg.status,
        RegistrationStatus::Cancelled,
        now,
    )
    .await?;
    let sequence = own_cancellation_sequence(event.sequence);
    let held_seat = reg.status == RegistrationStatus::Confirmed;
    db::events::adjust_counts(
        &*tx,
        event.id,
        CountChange {
            confirmed: if held_seat { -1 } else { 0 },
            waitlisted: if held_seat { 0 } else { -1 },
            sequence: sequence.event_after - event.sequence,
            ..Default::default()
        },
    )
    .await?;
    // The row as it is now (its counters and SEQUENCE moved).
    let event = db::events::find(&*tx, event.id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    let ctx = db::events::context_of(&*tx, event).await?;
    let notice = Notice {
        sequence: sequence.cancel,
        confirm_by: None,
        released: why == Why::NotConfirmed,
        ..Notice::new(MailKind::Cancelled, &reg, &ctx)
    };
    let mut letters = Vec::new();
    if tell {
        letters.push(mailer.letter(&ctx, &reg, &notice, now)?);
    }
    let promoted = if held_seat {
        fill_free_seats(&*tx, mailer, &ctx, now, &mut letters).await?
    } else {
        vec![]
    };
    db::outbox::insert_many(&*tx, letters).await?;
    tx.commit().await?;
    mailer.wake();
    let registration = db::registrations::find(&db.conn, reg.id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    Ok(Cancelled {
        registration,
        changed: true,
        promoted,
    })
}

/// Confirms a held place from the participant's page (the button the mail links to): the
/// place is theirs like any other from now on. Idempotent; `false` when there was no hold.
pub async fn confirm_place(
    db: &Db,
    registration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, RegistrationError> {
    let reg = db::registrations::find(&db.conn, registration_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    if reg.confirm_by.is_none() || reg.status == RegistrationStatus::Cancelled {
        return Ok(false);
    }
    let tx = db.begin_write().await?;
    // Under the event lock, so a release running at this moment sees one or the other.
    db::events::find_for_update(&*tx, reg.event_id).await?;
    let current = db::registrations::find(&*tx, reg.id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    if current.status == RegistrationStatus::Cancelled || current.confirm_by.is_none() {
        return Ok(false);
    }
    db::registrations::clear_confirm_by(&*tx, reg.id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Releases the places whose hold ended unconfirmed (see `domain::MailCheck`): each is
/// cancelled like any other, the participant is told why, and the seat goes to the waiting
/// list. Returns how many were released. The scheduler calls this every tick.
pub async fn release_unconfirmed(
    db: &Db,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<usize, RegistrationError> {
    let mut released = 0;
    loop {
        let due = db::registrations::unconfirmed_due(&db.conn, now, 200).await?;
        if due.is_empty() {
            return Ok(released);
        }
        let before = released;
        let mut settled = 0;
        for id in due {
            match cancel_for(db, mailer, id, now, true, Why::NotConfirmed).await {
                Ok(c) if c.changed => released += 1,
                Ok(_) => {
                    db::registrations::clear_confirm_by(&db.conn, id, now).await?;
                    settled += 1;
                }
                // Started or cancelled events keep their registrations as they are; the
                // hold is over either way.
                Err(RegistrationError::Started | RegistrationError::EventCancelled) => {
                    db::registrations::clear_confirm_by(&db.conn, id, now).await?;
                    settled += 1;
                }
                Err(RegistrationError::Db(e)) if crate::db::unavailable(&e) => {
                    return Err(RegistrationError::Db(e))
                }
                // One row that cannot be released must not hold up the others: it is
                // logged and left for the next round.
                Err(e) => {
                    tracing::error!(registration = %id, error = %e, "could not release an unconfirmed place")
                }
            }
        }
        if released == before && settled == 0 {
            return Ok(released);
        }
    }
}

/// Who gets a seat if `event` has `capacity`: the first of the waiting list, as many as
/// the free seats (none unless the event is published). Filling seats and the desk's
/// preview of a new capacity both ask this.
pub async fn moving_up(
    conn: &impl ConnectionTrait,
    event: &event::Model,
    capacity: Option<i32>,
) -> Result<Vec<registration::Model>, DbErr> {
    if event.status != EventStatus::Published {
        return Ok(vec![]);
    }
    let n = seats_to_fill(capacity, event.confirmed_count, event.waitlist_count);
    if n <= 0 {
        return Ok(vec![]);
    }
    db::registrations::first_waitlisted(conn, event.id, n as u64).await
}

/// Gives free seats to the waiting list, first come first served, and adds a promotion
/// mail for each to `letters`. Call inside the transaction that holds the event lock, after
/// the change that freed seats; `ctx` is the event's context in that transaction (the
/// counters are read afresh). Returns the ids of those promoted.
pub async fn fill_free_seats(
    tx: &impl ConnectionTrait,
    mailer: &Mailer,
    ctx: &EventContext,
    now: DateTime<Utc>,
    letters: &mut Vec<outbox::Model>,
) -> Result<Vec<Uuid>, DbErr> {
    let Some(event) = db::events::find(tx, ctx.event.id).await? else {
        return Ok(vec![]);
    };
    let lucky = moving_up(tx, &event, event.capacity).await?;
    if lucky.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = lucky.iter().map(|r| r.id).collect();
    let moved = db::registrations::change_status(
        tx,
        &ids,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Confirmed,
        now,
    )
    .await?;
    // Under the event lock nobody else changes these rows, so all of them moved.
    debug_assert_eq!(moved as usize, ids.len());
    for mut reg in lucky {
        reg.status = RegistrationStatus::Confirmed;
        reg.promoted_at = Some(now);
        letters.push(mailer.letter(ctx, &reg, &Notice::new(MailKind::Promoted, &reg, ctx), now)?);
    }
    crate::metrics::promotions(ids.len());
    let moved = ids.len() as i32;
    db::events::adjust_counts(
        tx,
        event.id,
        CountChange {
            confirmed: moved,
            waitlisted: -moved,
            ..Default::default()
        },
    )
    .await?;
    Ok(ids)
}

/// Waiting-list positions (1 = next in line) of the waitlisted among `registrations`.
pub fn waitlist_positions(registrations: &[registration::Model]) -> HashMap<Uuid, u64> {
    let mut waiting: Vec<(i64, Uuid)> = registrations
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted)
        .map(|r| (r.waitlist_order.unwrap_or(i64::MAX), r.id))
        .collect();
    waiting.sort();
    waiting
        .into_iter()
        .enumerate()
        .map(|(i, (_, id))| (id, i as u64 + 1))
        .collect()
}

/// One page of an event's registrations in sign-up order, each with its waiting-list
/// position, and the number of them all; `None` when `after` is not one of the event's.
pub async fn page_for_event(
    db: &Db,
    event_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Option<RegistrationPage>, DbErr> {
    let Some(rows) = db::registrations::page_for_event(&db.conn, event_id, after, limit).await?
    else {
        return Ok(None);
    };
    let orders = db::registrations::waitlist_orders(&db.conn, event_id).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let position = (r.status == RegistrationStatus::Waitlisted).then(|| {
                let order = r.waitlist_order.unwrap_or(i64::MAX);
                orders.partition_point(|o| *o < order) as u64 + 1
            });
            (r, position)
        })
        .collect();
    let total = db::registrations::count_for_event(&db.conn, event_id).await?;
    Ok(Some(RegistrationPage { rows, total }))
}

/// A page of [`page_for_event`].
pub struct RegistrationPage {
    /// The registrations with their waiting-list positions.
    pub rows: Vec<(registration::Model, Option<u64>)>,
    /// How many the event has in all.
    pub total: u64,
}

/// The event a registration belongs to, with its context.
pub async fn with_event(
    db: &Db,
    registration_id: Uuid,
) -> Result<Option<(registration::Model, EventContext)>, DbErr> {
    let Some(reg) = db::registrations::find(&db.conn, registration_id).await? else {
        return Ok(None);
    };
    let Some(ctx) = db::events::context(&db.conn, reg.event_id).await? else {
        return Ok(None);
    };
    Ok(Some((reg, ctx)))
}
