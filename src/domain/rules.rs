//! The sign-up rules that do not need the database. The parts that must be atomic (seat
//! counting, one registration per address) are enforced by `registration` in one
//! transaction; this module decides everything that can be decided from one event row.
use chrono::{DateTime, Utc};

use super::EventStatus;

/// Why an event takes no sign-ups right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupRefusal {
    /// Drafts are invisible to the public.
    NotFound,
    Cancelled,
    /// Before the window opens, after it closes, or once the event has started.
    Closed,
    /// Members-only event and the address is not a member.
    MembersOnly,
}

/// The facts about an event that decide whether it is open for sign-up.
pub struct SignupWindow {
    pub status: EventStatus,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
}

impl SignupWindow {
    /// Whether the event takes sign-ups at `now`, before looking at membership or seats.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), SignupRefusal> {
        match self.status {
            EventStatus::Draft => return Err(SignupRefusal::NotFound),
            EventStatus::Cancelled => return Err(SignupRefusal::Cancelled),
            EventStatus::Published => {}
        }
        let before_open = self.opens_at.is_some_and(|t| now < t);
        let after_close = self.closes_at.is_some_and(|t| now >= t);
        if before_open || after_close || now >= self.starts_at {
            return Err(SignupRefusal::Closed);
        }
        Ok(())
    }

    /// Whether the window is open now (for showing a form or a "closed" notice).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.check(now).is_ok()
    }
}

/// Seats still free, `None` for unlimited. Never negative, even after capacity was lowered
/// below the number already confirmed.
pub fn seats_left(capacity: Option<i32>, confirmed: i32) -> Option<i32> {
    capacity.map(|c| (c - confirmed).max(0))
}

/// How many waiting-list entries a capacity change lets in: as many as fit, never negative.
pub fn promotions_after_capacity_change(
    capacity: Option<i32>,
    confirmed: i32,
    waitlisted: i32,
) -> i32 {
    match capacity {
        None => waitlisted,
        Some(c) => (c - confirmed).clamp(0, waitlisted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn window(status: EventStatus, now: chrono::DateTime<Utc>) -> SignupWindow {
        SignupWindow {
            status,
            opens_at: Some(now - Duration::days(1)),
            closes_at: Some(now + Duration::days(1)),
            starts_at: now + Duration::days(2),
        }
    }

    #[test]
    fn window_rules() {
        let now = Utc::now();
        assert_eq!(window(EventStatus::Published, now).check(now), Ok(()));
        assert_eq!(
            window(EventStatus::Draft, now).check(now),
            Err(SignupRefusal::NotFound)
        );
        assert_eq!(
            window(EventStatus::Cancelled, now).check(now),
            Err(SignupRefusal::Cancelled)
        );
        assert_eq!(
            window(EventStatus::Published, now).check(now + Duration::days(1)),
            Err(SignupRefusal::Closed)
        );
        assert_eq!(
            window(EventStatus::Published, now).check(now - Duration::days(2)),
            Err(SignupRefusal::Closed)
        );
        let mut started = window(EventStatus::Published, now);
        started.closes_at = None;
        assert_eq!(
            started.check(now + Duration::days(3)),
            Err(SignupRefusal::Closed)
        );
    }

    #[test]
    fn capacity_arithmetic() {
        assert_eq!(seats_left(Some(10), 12), Some(0));
        assert_eq!(seats_left(None, 12), None);
        assert_eq!(promotions_after_capacity_change(Some(15), 10, 3), 3);
        assert_eq!(promotions_after_capacity_change(Some(12), 10, 3), 2);
        assert_eq!(promotions_after_capacity_change(Some(5), 10, 3), 0);
        assert_eq!(promotions_after_capacity_change(None, 10, 3), 3);
    }
}
