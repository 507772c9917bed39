//! The transactional core: sign up, cancel, and fill freed seats from the waiting list.
//!
//! Every function here that changes registrations runs in one write transaction that
//! first locks the event row (`db::events::find_for_update`). With that lock held, the
//! seat counters on the event are exact, so decisions are simple arithmetic and never
//! count rows; the same order of locking everywhere keeps PostgreSQL free of deadlocks.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::entities::{event, organisation, registration};
use crate::db::{self, Db};
use crate::domain::{
    Email, EventStatus, Language, RegistrationStatus, SignupRefusal, SignupWindow,
};
use crate::mail::{EventFacts, MailKind, Mailer};
use crate::tokens;

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
}

/// Why a sign-up or cancellation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("no such event")]
    NotFound,
    #[error("the event is cancelled")]
    EventCancelled,
    #[error("registration is closed")]
    Closed,
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
            SignupRefusal::Closed => RegistrationError::Closed,
            SignupRefusal::MembersOnly => RegistrationError::MembersOnly,
        }
    }
}

/// The result of a sign-up: the registration and the one-time manage token.
#[derive(Debug)]
pub struct SignedUp {
    pub registration: registration::Model,
    pub waitlist_position: Option<u64>,
    /// The token of the participant's manage page; only its hash is stored.
    pub manage_token: String,
}

/// The sign-up window of an event row.
pub fn window_of(event: &event::Model) -> SignupWindow {
    SignupWindow {
        status: EventStatus::from_db(&event.status),
        opens_at: event.registration_opens_at,
        closes_at: event.registration_closes_at,
        starts_at: event.starts_at,
    }
}

/// Signs a participant up: a seat if one is free, else the waiting list (if the event has
/// one), else `Full`. The confirmation or waiting-list mail is queued in the same
/// transaction.
pub async fn sign_up(
    db: &Db,
    mailer: &Mailer,
    event_id: Uuid,
    input: SignupInput,
    now: DateTime<Utc>,
) -> Result<SignedUp, RegistrationError> {
    // Cheap checks first, without any lock: most refusals never reach the write queue.
    let event = db::events::find(&db.conn, event_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    window_of(&event).check(now)?;
    let email_key = input.email.normalized();
    if event.members_only {
        let member = match event.network_id {
            Some(network) => db::networks::is_member(&db.conn, network, &email_key).await?,
            None => false,
        };
        if !member {
            return Err(RegistrationError::MembersOnly);
        }
    }
    let organisation = organisation_of(&db.conn, &event).await?;
    let municipality_id = match &input.municipality {
        Some(name) => db::organisations::municipality_by_key(
            &db.conn,
            organisation.id,
            &crate::domain::match_key(name),
        )
        .await?
        .map(|m| m.id),
        None => None,
    };
    let sessions = db::events::sessions(&db.conn, event_id).await?;

    let tx = db.begin_write().await?;
    let event = db::events::find_for_update(&*tx, event_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    window_of(&event).check(now)?;
    let seat_free = event.capacity.is_none_or(|c| event.confirmed_count < c);
    let (status, ticket, position) = if seat_free {
        (RegistrationStatus::Confirmed, None, None)
    } else if event.waitlist_enabled {
        let ticket = event.waitlist_seq + 1;
        (
            RegistrationStatus::Waitlisted,
            Some(ticket),
            Some(event.waitlist_count as u64 + 1),
        )
    } else {
        return Err(RegistrationError::Full);
    };
    let id = Uuid::now_v7();
    let manage_token = mailer.links().manage_token(id);
    let registration = db::registrations::insert(
        &*tx,
        registration::Model {
            id,
            event_id,
            name: input.name,
            email: input.email.as_str().to_string(),
            email_normalized: email_key,
            municipality: input.municipality,
            municipality_id,
            workplace: input.workplace,
            role: input.role,
            share_contact: input.share_contact,
            language: input.language.as_str().to_string(),
            status: status.as_str().to_string(),
            waitlist_order: ticket,
            manage_token_hash: tokens::hash(&manage_token),
            attended: None,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
            promoted_at: None,
        },
    )
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e) {
            RegistrationError::AlreadyRegistered
        } else {
            e.into()
        }
    })?;
    let feed_token = mailer.links().feed_token(&registration.email_normalized);
    db::feeds::ensure_participant_feed(
        &*tx,
        &registration.email_normalized,
        &tokens::hash(&feed_token),
        now,
    )
    .await?;
    match status {
        RegistrationStatus::Confirmed => db::events::adjust_counts(&*tx, event_id, 1, 0, 0).await?,
        _ => db::events::adjust_counts(&*tx, event_id, 0, 1, 1).await?,
    }
    let facts = EventFacts {
        event: &event,
        sessions: &sessions,
        organisation: &organisation,
    };
    let kind = match status {
        RegistrationStatus::Confirmed => MailKind::Confirmation,
        _ => MailKind::Waitlisted,
    };
    mailer
        .queue_for_registration(&*tx, kind, &facts, &registration, position)
        .await?;
    tx.commit().await?;
    mailer.wake();
    Ok(SignedUp {
        registration,
        waitlist_position: position,
        manage_token,
    })
}

/// What a participant's cancellation did.
#[derive(Debug)]
pub struct Cancelled {
    pub registration: registration::Model,
    /// False when it was already cancelled (the call is idempotent).
    pub changed: bool,
}

/// Cancels the registration holding `token`. A freed seat goes to the first on the
/// waiting list in the same transaction.
pub async fn cancel_by_token(
    db: &Db,
    mailer: &Mailer,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Cancelled, RegistrationError> {
    let found = db::registrations::find_by_token_hash(&db.conn, &tokens::hash(token))
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
    let status = RegistrationStatus::from_db(&reg.status);
    if status == RegistrationStatus::Cancelled {
        return Ok(Cancelled {
            registration: reg,
            changed: false,
        });
    }
    if now >= event.starts_at && event.status != EventStatus::Cancelled.as_str() {
        return Err(RegistrationError::Closed);
    }
    db::registrations::change_status(
        &*tx,
        reg.id,
        status.as_str(),
        RegistrationStatus::Cancelled.as_str(),
    )
    .await?;
    match status {
        RegistrationStatus::Confirmed => {
            db::events::adjust_counts(&*tx, event.id, -1, 0, 0).await?
        }
        _ => db::events::adjust_counts(&*tx, event.id, 0, -1, 0).await?,
    }
    let organisation = organisation_of(&*tx, &event).await?;
    let sessions = db::events::sessions(&*tx, event.id).await?;
    let facts = EventFacts {
        event: &event,
        sessions: &sessions,
        organisation: &organisation,
    };
    mailer
        .queue_for_registration(&*tx, MailKind::Cancelled, &facts, &reg, None)
        .await?;
    if status == RegistrationStatus::Confirmed {
        fill_free_seats(&*tx, mailer, event.id, &facts).await?;
    }
    tx.commit().await?;
    mailer.wake();
    let registration = db::registrations::find(&db.conn, reg.id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    Ok(Cancelled {
        registration,
        changed: true,
    })
}

/// Gives free seats to the waiting list, first come first served, and queues a mail for
/// each promoted participant. Call with the event row locked (inside the caller's
/// transaction). Returns the ids of those promoted.
pub async fn fill_free_seats(
    tx: &impl ConnectionTrait,
    mailer: &Mailer,
    event_id: Uuid,
    facts: &EventFacts<'_>,
) -> Result<Vec<Uuid>, DbErr> {
    let Some(event) = db::events::find(tx, event_id).await? else {
        return Ok(vec![]);
    };
    if event.status != EventStatus::Published.as_str() {
        return Ok(vec![]);
    }
    let n = crate::domain::promotions_after_capacity_change(
        event.capacity,
        event.confirmed_count,
        event.waitlist_count,
    );
    if n <= 0 {
        return Ok(vec![]);
    }
    let lucky = db::registrations::first_waitlisted(tx, event_id, n as u64).await?;
    let mut promoted = Vec::new();
    for reg in lucky {
        if db::registrations::change_status(
            tx,
            reg.id,
            RegistrationStatus::Waitlisted.as_str(),
            RegistrationStatus::Confirmed.as_str(),
        )
        .await?
        {
            let mut reg = reg;
            reg.status = RegistrationStatus::Confirmed.as_str().into();
            reg.promoted_at = Some(Utc::now());
            mailer
                .queue_for_registration(tx, MailKind::Promoted, facts, &reg, None)
                .await?;
            promoted.push(reg.id);
        }
    }
    let moved = promoted.len() as i32;
    db::events::adjust_counts(tx, event_id, moved, -moved, 0).await?;
    Ok(promoted)
}

/// The organisation that owns an event.
pub async fn organisation_of(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> Result<organisation::Model, DbErr> {
    db::organisations::find(db, event.organisation_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("organisation {}", event.organisation_id)))
}

/// Waiting-list positions (1 = next in line) of the waitlisted among `registrations`.
pub fn waitlist_positions(registrations: &[registration::Model]) -> HashMap<Uuid, u64> {
    let mut waiting: Vec<(i64, Uuid)> = registrations
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted.as_str())
        .map(|r| (r.waitlist_order.unwrap_or(i64::MAX), r.id))
        .collect();
    waiting.sort();
    waiting
        .into_iter()
        .enumerate()
        .map(|(i, (_, id))| (id, i as u64 + 1))
        .collect()
}
