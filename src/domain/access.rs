//! What an organiser may do: every organiser runs the organisation's events, networks and
//! attendance; administrators also manage the organisation's organisers, its municipality
//! reference list, and other organisers' API tokens, and read the audit log. A disabled
//! account does nothing at all.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::EventStatus;

/// The organiser acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub organiser_id: Uuid,
    pub organisation_id: Uuid,
    pub is_admin: bool,
}

/// Whether `actor` may see and revoke the API tokens of `owner` (of `owner_organisation`).
pub fn may_manage_tokens_of(actor: Actor, owner: Uuid, owner_organisation: Uuid) -> bool {
    actor.organisation_id == owner_organisation && (actor.organiser_id == owner || actor.is_admin)
}

/// Whether `actor` may change the municipality reference list.
pub fn may_manage_municipalities(actor: Actor) -> bool {
    actor.is_admin
}

/// Whether `actor` may see the organisation's organisers.
pub fn may_manage_organisers(actor: Actor) -> bool {
    actor.is_admin
}

/// Whether `actor` may change what the organisation tells participants (its contact
/// address): administrators, as with its organisers.
pub fn may_change_organisation(actor: Actor) -> bool {
    actor.is_admin
}

/// Whether an account may act (sign in, use its API tokens, keep its sessions): not while
/// it is disabled. A disabled account is refused exactly like a wrong password, so the
/// refusal tells a guesser nothing.
pub fn is_active(disabled: bool) -> bool {
    !disabled
}

/// Why an administrator may not disable (or enable) an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableRefusal {
    /// Not an administrator, or the account is of another organisation (looks like 404).
    NotAllowed,
    /// Administrators cannot lock themselves out (and so the organisation may be left
    /// with no one to undo it); the command line can.
    Oneself,
}

/// Whether `actor` may disable or enable the organiser `target` (of `target_organisation`).
pub fn may_disable(
    actor: Actor,
    target: Uuid,
    target_organisation: Uuid,
) -> Result<(), DisableRefusal> {
    if !actor.is_admin || actor.organisation_id != target_organisation {
        return Err(DisableRefusal::NotAllowed);
    }
    if actor.organiser_id == target {
        return Err(DisableRefusal::Oneself);
    }
    Ok(())
}

/// Whether a password reset revokes this API token: those made at the desk, which a stolen
/// session could have made and kept; the command line's tokens (made by the operator, for
/// scripts) stay.
pub fn revoked_on_password_reset(made_at_desk: bool) -> bool {
    made_at_desk
}

/// Whether `actor` may read the organisation's audit log (who downloaded what).
pub fn may_read_audit_log(actor: Actor) -> bool {
    actor.is_admin
}

/// What an organiser may do with one of the organisation's events at the desk, given its
/// status: the desk offers these buttons and no others (the service refuses the rest too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EventActions {
    /// Change the event's details and sessions (not once it is cancelled).
    pub edit: bool,
    /// Publish a draft.
    pub publish: bool,
    /// Cancel the event.
    pub cancel: bool,
    /// Change the capacity.
    pub change_capacity: bool,
}

/// The actions of an event with `status` (see [`EventActions`]).
pub fn event_actions(status: EventStatus) -> EventActions {
    let live = status != EventStatus::Cancelled;
    EventActions {
        edit: live,
        publish: status == EventStatus::Draft,
        cancel: live,
        change_capacity: live,
    }
}

/// How the desk names an event's state: a published event whose last session has ended
/// is past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskState {
    Draft,
    Published,
    Past,
    Cancelled,
}

/// The desk state of an event with `status` that ends at `ends_at`, at `now`.
pub fn desk_state(status: EventStatus, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> DeskState {
    match status {
        EventStatus::Draft => DeskState::Draft,
        EventStatus::Published if ends_at < now => DeskState::Past,
        EventStatus::Published => DeskState::Published,
        EventStatus::Cancelled => DeskState::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_manage_others_in_their_organisation_only() {
        let org = Uuid::now_v7();
        let other_org = Uuid::now_v7();
        let me = Uuid::now_v7();
        let colleague = Uuid::now_v7();
        let plain = Actor {
            organiser_id: me,
            organisation_id: org,
            is_admin: false,
        };
        let admin = Actor {
            is_admin: true,
            ..plain
        };
        assert!(may_manage_tokens_of(plain, me, org));
        assert!(!may_manage_tokens_of(plain, colleague, org));
        assert!(may_manage_tokens_of(admin, colleague, org));
        assert!(!may_manage_tokens_of(admin, colleague, other_org));
        assert!(!may_manage_municipalities(plain) && may_manage_municipalities(admin));
        assert!(!may_manage_organisers(plain) && may_manage_organisers(admin));
        assert!(!may_read_audit_log(plain) && may_read_audit_log(admin));
    }

    #[test]
    fn admins_disable_others_of_their_organisation_but_not_themselves() {
        let org = Uuid::now_v7();
        let me = Uuid::now_v7();
        let colleague = Uuid::now_v7();
        let admin = Actor {
            organiser_id: me,
            organisation_id: org,
            is_admin: true,
        };
        let plain = Actor {
            is_admin: false,
            ..admin
        };
        assert_eq!(may_disable(admin, colleague, org), Ok(()));
        assert_eq!(may_disable(admin, me, org), Err(DisableRefusal::Oneself));
        assert_eq!(
            may_disable(admin, colleague, Uuid::now_v7()),
            Err(DisableRefusal::NotAllowed)
        );
        assert_eq!(
            may_disable(plain, colleague, org),
            Err(DisableRefusal::NotAllowed)
        );
        assert!(is_active(false) && !is_active(true));
        assert!(revoked_on_password_reset(true) && !revoked_on_password_reset(false));
    }
}
