//! Sign up, cancel, and fill freed seats from the waiting list.
//!
//! Every function here that changes registrations runs in one write transaction that
//! first locks the event row (`db::events::find_for_update`). With that lock held, the
//! seat counters on the event are exact, so decisions are simple arithmetic
//! (`domain::Seats`) and never count rows; the same order of locking everywhere keeps
//! PostgreSQL free of deadlocks.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::entities::{outbox, registration};
use crate::db::events::{CountChange, EventContext};
use crate::db::{self, Db, Unique};
use crate::domain::notices::own_cancellation_sequence;
use crate::domain::{
    may_cancel, seats_to_fill, CancelRefusal, Email, EventStatus, Language, MailKind,
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

/// Signs a participant up: a seat if one is free, else the waiting list (if the event has
/// one), else `Full`. The confirmation or waiting-list mail is queued in the same
/// transaction, and the participant's personal feed is created with their first sign-up.
pub async fn sign_up(
    db: &Db,
    mailer: &Mailer,
    event_id: Uuid,
    input: SignupInput,
    now: DateTime<Utc>,
) -> Result<SignedUp, RegistrationError> {
    // Cheap checks first, without any lock: most refusals never reach the write queue.
    let ctx = db::events::context(&db.conn, event_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    ctx.event.window().check(now)?;
    let email_key = input.email.normalized();
    if let Some(earlier) = repeated_submission(db, input.submission, event_id, &email_key).await? {
        return Ok(earlier);
    }
    check_membership(&db.conn, &ctx.event, &email_key).await?;

    let tx = db.begin_write().await?;
    let event = db::events::find_for_update(&*tx, event_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    event.window().check(now)?;
    // The sessions read above are current unless the event changed meanwhile; then its
    // members-only rule is checked again too.
    let ctx = if event.sequence == ctx.event.sequence {
        EventContext { event, ..ctx }
    } else {
        check_membership(&*tx, &event, &email_key).await?;
        db::events::context_of(&*tx, event).await?
    };
    let (status, ticket, position, counts) = match ctx.event.seats().decide() {
        SeatDecision::Seat => (
            RegistrationStatus::Confirmed,
            None,
            None,
            CountChange {
                confirmed: 1,
                ..Default::default()
            },
        ),
        SeatDecision::WaitingList { position } => (
            RegistrationStatus::Waitlisted,
            Some(ctx.event.waitlist_seq + 1),
            Some(position),
            CountChange {
                waitlisted: 1,
                tickets: 1,
                ..Default::default()
            },
        ),
        SeatDecision::Full => return Err(RegistrationError::Full),
    };
    let submission = input.submission;
    let email_again = email_key.clone();
    let registration = db::registrations::insert(
        &*tx,
        registration::Model {
            id: Uuid::now_v7(),
            event_id,
            name: input.name,
            email: input.email.as_str().to_string(),
            email_normalized: email_key,
            municipality: input.municipality,
            workplace: input.workplace,
            role: input.role,
            share_contact: input.share_contact,
            language: input.language,
            status,
            waitlist_order: ticket,
            attended: None,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
            promoted_at: None,
            submission_id: submission,
            anonymised_at: None,
        },
    )
    .await;
    let registration = match registration {
        Ok(r) => r,
        Err(e)
            if db::violates(&e, Unique::ActiveRegistration)
                || db::violates(&e, Unique::Submission) =>
        {
            // Already registered; or the same form sent twice at once, whose first copy
            // has committed by now (the database made this insert wait for it).
            drop(tx);
            return match repeated_submission(db, submission, event_id, &email_again).await? {
                Some(earlier) => Ok(earlier),
                None => Err(RegistrationError::AlreadyRegistered),
            };
        }
        Err(e) => return Err(e.into()),
    };
    db::feeds::ensure_participant_feed(&*tx, &registration.email_normalized, now).await?;
    db::events::adjust_counts(&*tx, event_id, counts).await?;
    let kind = match status {
        RegistrationStatus::Confirmed => MailKind::Confirmation,
        _ => MailKind::Waitlisted,
    };
    let notice = Notice {
        waitlist_position: position,
        ..Notice::new(kind, &registration, &ctx)
    };
    db::outbox::insert_many(&*tx, vec![mailer.letter(&ctx, &registration, &notice)?]).await?;
    tx.commit().await?;
    mailer.wake();
    Ok(SignedUp {
        registration,
        waitlist_position: position,
        repeated: false,
    })
}

/// Members-only events take network members only.
async fn check_membership(
    db: &impl ConnectionTrait,
    event: &crate::db::entities::event::Model,
    email_key: &str,
) -> Result<(), RegistrationError> {
    if !event.members_only {
        return Ok(());
    }
    let member = match event.network_id {
        Some(network) => db::networks::is_member(db, network, email_key).await?,
        None => false,
    };
    if member {
        Ok(())
    } else {
        Err(RegistrationError::MembersOnly)
    }
}

/// The registration an earlier sending of the same form made, if this is one: same form
/// id, same event, same address (a form id alone opens nothing).
async fn repeated_submission(
    db: &Db,
    submission: Option<Uuid>,
    event_id: Uuid,
    email_key: &str,
) -> Result<Option<SignedUp>, DbErr> {
    let Some(submission) = submission else {
        return Ok(None);
    };
    let Some(earlier) = db::registrations::find_by_submission(&db.conn, submission).await? else {
        return Ok(None);
    };
    if earlier.event_id != event_id || earlier.email_normalized != email_key {
        return Ok(None);
    }
    let waitlist_position = match earlier.status {
        RegistrationStatus::Waitlisted => {
            Some(db::registrations::waitlist_position(&db.conn, &earlier).await?)
        }
        _ => None,
    };
    Ok(Some(SignedUp {
        registration: earlier,
        waitlist_position,
        repeated: true,
    }))
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
        ..Notice::new(MailKind::Cancelled, &reg, &ctx)
    };
    let mut letters = Vec::new();
    if tell {
        letters.push(mailer.letter(&ctx, &reg, &notice)?);
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
    if event.status != EventStatus::Published {
        return Ok(vec![]);
    }
    let n = seats_to_fill(event.capacity, event.confirmed_count, event.waitlist_count);
    if n <= 0 {
        return Ok(vec![]);
    }
    let lucky = db::registrations::first_waitlisted(tx, event.id, n as u64).await?;
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
        letters.push(mailer.letter(ctx, &reg, &Notice::new(MailKind::Promoted, &reg, ctx))?);
    }
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
