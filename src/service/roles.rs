//! Each organisation's role list: read (its own, or the default list) and replaced by an
//! administrator, under the rules of `domain::roles`.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::entities::{organiser, role};
use crate::db::{self, Db};
use crate::domain::access;
use crate::domain::roles::{self, Role, RoleInput};
use crate::domain::FieldErrors;
use crate::service::audit::{self, Action, Who};

/// Why a new list was not taken.
#[derive(Debug, thiserror::Error)]
pub enum RolesError {
    #[error("only an administrator may change the roles")]
    NotAllowed,
    #[error("invalid roles")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn from_rows(rows: Vec<role::Model>) -> Vec<Role> {
    if rows.is_empty() {
        return roles::defaults();
    }
    rows.into_iter()
        .map(|r| Role {
            key: r.key,
            nb: r.label_nb,
            en: r.label_en,
        })
        .collect()
}

/// The organisation's roles, in its order.
pub async fn of_organisation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<Role>, DbErr> {
    Ok(from_rows(
        db::organisations::roles(db, organisation_id).await?,
    ))
}

/// The roles of the organisation that runs `event_id` (one query: a sign-up checks its
/// role against them before it reaches the seats).
pub async fn of_event(db: &impl ConnectionTrait, event_id: Uuid) -> Result<Vec<Role>, DbErr> {
    Ok(from_rows(
        db::organisations::roles_of_event(db, event_id).await?,
    ))
}

/// Replaces the organisation's list on behalf of `by` (an administrator,
/// `domain::access::may_change_organisation`): every problem at once; a role registrations
/// hold may be relabelled, not removed. Recorded in the audit log.
pub async fn set(
    db: &Db,
    by: &organiser::Model,
    input: &[RoleInput],
    now: DateTime<Utc>,
) -> Result<Vec<Role>, RolesError> {
    if !access::may_change_organisation(crate::service::organisers::actor(by)) {
        return Err(RolesError::NotAllowed);
    }
    let organisation_id = by.organisation_id;
    let tx = db.begin_write().await?;
    let in_use = db::organisations::roles_in_use(&*tx, organisation_id).await?;
    let list = roles::check_list(input, &in_use).map_err(RolesError::Invalid)?;
    let rows: Vec<(String, String, String)> = list
        .iter()
        .map(|r| (r.key.clone(), r.nb.clone(), r.en.clone()))
        .collect();
    db::organisations::replace_roles(&*tx, organisation_id, &rows).await?;
    tx.commit().await?;
    let keys: Vec<&str> = list.iter().map(|r| r.key.as_str()).collect();
    audit::record(
        db,
        Some(organisation_id),
        Who::Organiser(by),
        Action::RolesChanged,
        &keys.join(", "),
        Some(list.len() as i64),
        now,
    )
    .await;
    Ok(list)
}
