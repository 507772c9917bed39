//! What a participant does with the links in their mail: open their registration, replace
//! the link to their personal calendar, and decide whether the others see their details.
//!
//! A participant is identified by their normalised address (`Email::normalized`): one
//! personal feed per address, covering every registration made with it.
use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::db::entities::{participant_feed, registration};
use crate::db::events::EventContext;
use crate::db::{self, Db};
use crate::domain::{contacts, MailKind};
use crate::links::{self, LinkKey};
use crate::mail::{Mailer, Notice};

/// What a manage token opens.
pub enum Opened {
    /// The registration, with its event.
    Live(Box<(registration::Model, EventContext)>),
    /// The registration of an address whose data has been erased: nothing of it is
    /// shown or done any more (the API and the pages answer 410 Gone).
    Erased,
}

/// The registration a manage token opens (`None`: no such token).
pub async fn open_registration(
    db: &Db,
    key: &LinkKey,
    token: &str,
) -> Result<Option<Opened>, DbErr> {
    let found = match key.registration_of(token) {
        Some(id) => crate::service::registration::with_event(db, id).await?,
        None => None,
    };
    Ok(found.map(|(reg, ctx)| {
        if reg.anonymised_at.is_some() {
            Opened::Erased
        } else {
            Opened::Live(Box::new((reg, ctx)))
        }
    }))
}

/// The personal feed a feed token opens.
pub async fn open_feed(
    db: &Db,
    key: &LinkKey,
    token: &str,
) -> Result<Option<participant_feed::Model>, DbErr> {
    match key.feed_link_of(token) {
        Some(link_id) => db::feeds::participant_feed_by_link(&db.conn, &link_id).await,
        None => Ok(None),
    }
}

/// The personal feed of the participant who made `reg` (every sign-up creates one).
pub async fn feed_of(
    db: &Db,
    reg: &registration::Model,
) -> Result<Option<participant_feed::Model>, DbErr> {
    Ok(
        db::feeds::participant_feeds(&db.conn, std::slice::from_ref(&reg.email_normalized))
            .await?
            .remove(&reg.email_normalized),
    )
}

/// Gives the participant who made `reg` a new personal-feed link: the old one answers 404
/// from this moment, and the new one is mailed (and shown on their own page, which only
/// their mailed manage link opens).
pub async fn replace_feed_link(
    db: &Db,
    mailer: &Mailer,
    reg: &registration::Model,
    ctx: &EventContext,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    db::feeds::ensure_participant_feed(&*tx, &reg.email_normalized, now).await?;
    db::feeds::replace_participant_link(
        &*tx,
        &reg.email_normalized,
        &links::new_feed_link_id(),
        now,
    )
    .await?;
    let letter = mailer.letter(ctx, reg, &Notice::new(MailKind::FeedLink, reg, ctx), now)?;
    db::outbox::insert_many(&*tx, vec![letter]).await?;
    tx.commit().await?;
    mailer.wake();
    Ok(())
}

/// The others of the event who share their contact details, if `reg` may see them
/// (`domain::contacts`), in sign-up order.
pub async fn shared_contacts(
    db: &Db,
    reg: &registration::Model,
    ctx: &EventContext,
    now: DateTime<Utc>,
) -> Result<Option<Vec<registration::Model>>, DbErr> {
    let started = now >= ctx.event.starts_at;
    if !contacts::sees_shared_contacts(shares(reg), reg.status, started) {
        return Ok(None);
    }
    Ok(Some(
        db::registrations::confirmed_for_event(&db.conn, ctx.event.id)
            .await?
            .into_iter()
            .filter(|r| r.id != reg.id && contacts::appears_in_shared_contacts(shares(r), r.status))
            .collect(),
    ))
}

/// Whether `reg` shares its contact details (`domain::contacts::shares`).
pub fn shares(reg: &registration::Model) -> bool {
    contacts::shares(reg.share_contact, reg.share_contact_confirmed_at.is_some())
}

/// The owner's choice on their own page: share their details with the other participants
/// (confirming a wish from the sign-up, or deciding now), or not.
pub async fn set_contact_sharing(
    db: &Db,
    reg: &registration::Model,
    share: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    db::registrations::set_contact_sharing(&*tx, reg.id, share.then_some(now), now).await?;
    tx.commit().await
}
