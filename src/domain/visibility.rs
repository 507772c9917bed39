//! Which events a viewer may see. By id, cancelled events stay visible (links in mails and
//! calendars keep working and say "cancelled"); in lists of what is coming, only published
//! events appear; calendar feeds also keep recently cancelled ones. Drafts are seen by
//! their own organisation's organisers only.
use chrono::{DateTime, Duration, Utc};
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

/// How far back a calendar feed reaches: enough for "what did we do last term".
pub const FEED_HISTORY: Duration = Duration::days(180);

/// The most entries one feed carries (the latest by start are kept): the largest feed we
/// measured (README "Performance") renders in well under a second, and no real network
/// publishes this many within [`FEED_HISTORY`] and its future.
pub const FEED_MAX_EVENTS: u64 = 5000;

/// How long a cancelled event stays in calendar feeds (as `STATUS:CANCELLED`), so that
/// subscribed calendars that refresh rarely still see the cancellation rather than a
/// silent removal.
pub const FEED_KEEPS_CANCELLED: Duration = Duration::days(30);

/// Whether a calendar feed shows an event: published, or cancelled within
/// [`FEED_KEEPS_CANCELLED`]; not ended more than [`FEED_HISTORY`] ago; and not planned (a
/// calendar entry needs a time: it joins the feed once every session has its date).
pub fn feed_shows(
    status: EventStatus,
    cancelled_at: Option<DateTime<Utc>>,
    ends_at: DateTime<Utc>,
    planned: bool,
    now: DateTime<Utc>,
) -> bool {
    let recent = ends_at >= now - FEED_HISTORY && !planned;
    let shown = match status {
        EventStatus::Published => true,
        EventStatus::Cancelled => cancelled_at.is_some_and(|t| t >= now - FEED_KEEPS_CANCELLED),
        EventStatus::Draft => false,
    };
    recent && shown
}

/// Whether a published event may go back to being a draft: only while nobody holds a seat
/// or a place in line (a draft is invisible, so they would lose it without a word).
pub fn may_return_to_draft(confirmed: i32, waitlisted: i32) -> bool {
    confirmed == 0 && waitlisted == 0
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
    fn feeds_keep_recent_cancellations_for_a_while() {
        let now = crate::clock::test_now();
        let soon = now + Duration::days(3);
        assert!(feed_shows(EventStatus::Published, None, soon, false, now));
        assert!(!feed_shows(EventStatus::Draft, None, soon, false, now));
        assert!(feed_shows(
            EventStatus::Cancelled,
            Some(now - Duration::days(29)),
            soon,
            false,
            now
        ));
        assert!(!feed_shows(
            EventStatus::Cancelled,
            Some(now - Duration::days(31)),
            soon,
            false,
            now
        ));
        assert!(!feed_shows(
            EventStatus::Published,
            None,
            now - Duration::days(181),
            false,
            now
        ));
        assert!(!feed_shows(EventStatus::Published, None, soon, true, now));
        assert!(
            may_return_to_draft(0, 0) && !may_return_to_draft(1, 0) && !may_return_to_draft(0, 2)
        );
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
