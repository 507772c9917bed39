//! Which events a viewer may see. By id, cancelled events stay visible (links in mails and
//! calendars keep working and say "cancelled"); in lists of what is coming, only published
//! events appear. Drafts are seen by their own organisation's organisers only.
use uuid::Uuid;

use super::EventStatus;

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone, without signing in.
    Public,
    /// An organiser of this organisation.
    Organiser { organisation_id: Uuid },
}

impl Viewer {
    fn owns(self, organisation_id: Uuid) -> bool {
        matches!(self, Viewer::Organiser { organisation_id: o } if o == organisation_id)
    }
}

/// Whether `viewer` may open an event (its page, `GET /events/{id}`).
pub fn visible_by_id(status: EventStatus, organisation_id: Uuid, viewer: Viewer) -> bool {
    status != EventStatus::Draft || viewer.owns(organisation_id)
}

/// Which events a listing shows: these statuses to everyone, and every status of one
/// organisation to its own organisers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRule {
    pub statuses_for_all: &'static [EventStatus],
    pub all_of_organisation: Option<Uuid>,
}

/// The listing rule for `viewer`.
pub fn list_rule(viewer: Viewer) -> ListRule {
    ListRule {
        statuses_for_all: &[EventStatus::Published],
        all_of_organisation: match viewer {
            Viewer::Public => None,
            Viewer::Organiser { organisation_id } => Some(organisation_id),
        },
    }
}

impl ListRule {
    /// The same rule for one event (what the database query implements).
    pub fn shows(&self, status: EventStatus, organisation_id: Uuid) -> bool {
        self.statuses_for_all.contains(&status) || self.all_of_organisation == Some(organisation_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_only_for_their_own_organisers() {
        let org = Uuid::now_v7();
        let other = Viewer::Organiser {
            organisation_id: Uuid::now_v7(),
        };
        let own = Viewer::Organiser {
            organisation_id: org,
        };
        assert!(!visible_by_id(EventStatus::Draft, org, Viewer::Public));
        assert!(!visible_by_id(EventStatus::Draft, org, other));
        assert!(visible_by_id(EventStatus::Draft, org, own));
        assert!(visible_by_id(EventStatus::Cancelled, org, Viewer::Public));
        assert!(visible_by_id(EventStatus::Published, org, other));
    }

    #[test]
    fn lists_show_what_is_on() {
        let org = Uuid::now_v7();
        let public = list_rule(Viewer::Public);
        assert!(public.shows(EventStatus::Published, org));
        assert!(!public.shows(EventStatus::Cancelled, org));
        assert!(!public.shows(EventStatus::Draft, org));
        let own = list_rule(Viewer::Organiser {
            organisation_id: org,
        });
        assert!(own.shows(EventStatus::Draft, org));
        assert!(own.shows(EventStatus::Cancelled, org));
        assert!(!own.shows(EventStatus::Draft, Uuid::now_v7()));
    }
}
