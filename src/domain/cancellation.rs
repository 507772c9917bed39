//! May a participant cancel a registration now? One answer for the API, the page's
//! button, and the organiser cancelling on someone's behalf.
use chrono::{DateTime, Utc};

use super::{EventStatus, RegistrationStatus};

/// Why a registration cannot be cancelled now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Already cancelled: nothing to do (callers answer as if it worked, idempotently).
    AlreadyCancelled,
    /// The organiser cancelled the event: every registrant was told and calendars dropped
    /// it, so there is nothing left for the participant to cancel.
    EventCancelled,
    /// The first session has begun: the seat was used (or not); attendance, not a
    /// cancellation, records that.
    EventStarted,
}

/// Whether a registration with `status`, for an event with `event_status` whose first
/// session starts at `starts_at`, may be cancelled at `now`.
pub fn may_cancel(
    status: RegistrationStatus,
    event_status: EventStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), CancelRefusal> {
    if status == RegistrationStatus::Cancelled {
        return Err(CancelRefusal::AlreadyCancelled);
    }
    if event_status == EventStatus::Cancelled {
        return Err(CancelRefusal::EventCancelled);
    }
    if now >= starts_at {
        return Err(CancelRefusal::EventStarted);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn active_registrations_until_the_start() {
        let now = crate::clock::test_now();
        let later = now + Duration::hours(1);
        use EventStatus::Published;
        use RegistrationStatus::{Confirmed, Waitlisted};
        assert_eq!(may_cancel(Confirmed, Published, later, now), Ok(()));
        assert_eq!(may_cancel(Waitlisted, Published, later, now), Ok(()));
        assert_eq!(
            may_cancel(RegistrationStatus::Cancelled, Published, later, now),
            Err(CancelRefusal::AlreadyCancelled)
        );
        assert_eq!(
            may_cancel(Confirmed, Published, now, now),
            Err(CancelRefusal::EventStarted)
        );
        assert_eq!(
            may_cancel(Confirmed, EventStatus::Cancelled, later, now),
            Err(CancelRefusal::EventCancelled)
        );
    }
}
