//! What an organiser may do: every organiser runs the organisation's events, networks and
//! attendance; administrators also manage the organisation's organisers, its municipality
//! reference list, and other organisers' API tokens, and read the audit log.
use uuid::Uuid;

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

/// Whether `actor` may read the organisation's audit log (who downloaded what).
pub fn may_read_audit_log(actor: Actor) -> bool {
    actor.is_admin
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
}
