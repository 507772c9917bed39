//! Whether an event takes sign-ups, and what a sign-up gets: a seat, a place in line, or
//! nothing. The parts that must be atomic (the counters, one registration per address) are
//! enforced by the registration use case in one transaction; it asks these functions with
//! the counters it read under the event lock.
use chrono::{DateTime, Utc};

use super::EventStatus;

/// Why an event takes no sign-ups right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupRefusal {
    /// Drafts are invisible to the public.
    NotFound,
    Cancelled,
    /// The registration window has not opened yet.
    NotYetOpen,
    /// After the window closed, or once the event has started.
    Closed,
    /// A planned event: some session has only a month, no date yet.
    NotDated,
}

/// The facts about an event that decide whether it is open for sign-up.
#[derive(Debug, Clone, Copy)]
pub struct SignupWindow {
    pub status: EventStatus,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Start of the first session: nobody signs up for something already under way.
    pub starts_at: DateTime<Utc>,
    /// Every session has its date and time (a planned event's have not).
    pub dated: bool,
}

impl SignupWindow {
    /// Whether the event takes sign-ups at `now`, before looking at membership or seats.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), SignupRefusal> {
        match self.status {
            EventStatus::Draft => return Err(SignupRefusal::NotFound),
            EventStatus::Cancelled => return Err(SignupRefusal::Cancelled),
            EventStatus::Published => {}
        }
        if !self.dated {
            return Err(SignupRefusal::NotDated);
        }
        if self.opens_at.is_some_and(|t| now < t) {
            return Err(SignupRefusal::NotYetOpen);
        }
        let after_close = self.closes_at.is_some_and(|t| now >= t);
        if after_close || now >= self.starts_at {
            return Err(SignupRefusal::Closed);
        }
        Ok(())
    }

    /// Whether the window is open now (for showing a form or a "closed" notice).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.check(now).is_ok()
    }
}

/// What a sign-up gets, decided from the event's counters read under its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatDecision {
    /// A seat is free.
    Seat,
    /// Full, but the waiting list takes them at this place (1 = next in line).
    WaitingList { position: u64 },
    /// Full and no waiting list.
    Full,
}

/// The counters an event keeps so that no decision has to count rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    /// `None` = unlimited.
    pub capacity: Option<i32>,
    pub confirmed: i32,
    pub waitlist_enabled: bool,
    pub waitlisted: i32,
}

impl Seats {
    /// A seat if one is free, else the end of the waiting list, else nothing.
    pub fn decide(&self) -> SeatDecision {
        if self.capacity.is_none_or(|c| self.confirmed < c) {
            SeatDecision::Seat
        } else if self.waitlist_enabled {
            SeatDecision::WaitingList {
                position: self.waitlisted.max(0) as u64 + 1,
            }
        } else {
            SeatDecision::Full
        }
    }
}

/// When sign-ups from one client network to one event must be confirmed from the mail
/// (against seat squatting). A municipality's nurses behind one NAT address sign up
/// together, so a share of the seats goes through as always; beyond it a sign-up still gets
/// its seat (or place in line) at once, but holds it only until the participant presses
/// "confirm" on the page the mail links to, and gives it back if that does not happen in
/// time. A script that invents addresses never reads those mails, so what it took beyond
/// the share returns to real people; a real participant presses one button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailCheck {
    /// Share of the seats, in percent, one network may take without the check (0: no check).
    pub share_percent: u32,
    /// …but never fewer than this many.
    pub at_least: u32,
    /// How long an unconfirmed place is held.
    pub hold: chrono::Duration,
}

impl MailCheck {
    /// Sign-ups one network may make to an event of `capacity` without the check; `None`
    /// when there is no check (turned off, or unlimited seats: nothing to squat).
    pub fn free_signups(&self, capacity: Option<i32>) -> Option<u64> {
        if self.share_percent == 0 {
            return None;
        }
        let capacity = u64::try_from(capacity?).unwrap_or(0);
        let share = (capacity * u64::from(self.share_percent)).div_ceil(100);
        Some(share.max(u64::from(self.at_least)))
    }

    /// Until when a new sign-up holds its place unconfirmed, given how many active sign-ups
    /// the same network already has for the event; `None`: confirmed as always. The hold
    /// ends before the event starts (nobody is released from an event underway), and a
    /// sign-up too close to the start for a fair hold is not checked.
    pub fn confirm_by(
        &self,
        capacity: Option<i32>,
        earlier_from_network: u64,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let free = self.free_signups(capacity)?;
        if earlier_from_network < free {
            return None;
        }
        let by = (now + self.hold).min(hold_ends_by(starts_at));
        (by - now >= SHORTEST_HOLD.min(self.hold)).then_some(by)
    }
}

/// An unconfirmed place is released this long before the event starts at the latest.
const HOLD_ENDS_BEFORE_START: chrono::Duration = chrono::Duration::minutes(10);

/// The latest an unconfirmed place may be held for an event starting at `starts_at` (also
/// when the start is moved earlier after the sign-up).
pub fn hold_ends_by(starts_at: DateTime<Utc>) -> DateTime<Utc> {
    starts_at - HOLD_ENDS_BEFORE_START
}

/// A hold shorter than this is no fair chance to read the mail: no check then.
const SHORTEST_HOLD: chrono::Duration = chrono::Duration::minutes(15);

/// Whether an unconfirmed place is released at `now`.
pub fn unconfirmed_expired(confirm_by: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    confirm_by.is_some_and(|by| by <= now)
}

/// Seats still free, `None` for unlimited. Never negative, even after capacity was lowered
/// below the number already confirmed.
pub fn seats_left(capacity: Option<i32>, confirmed: i32) -> Option<i32> {
    capacity.map(|c| (c - confirmed).max(0))
}

/// Largest capacity an event may have.
pub const MAX_CAPACITY: i64 = 1_000_000;

/// A capacity as asked (a whole number from 0 to [`MAX_CAPACITY`]).
pub fn capacity(asked: i64) -> Result<i32, super::Problem> {
    if (0..=MAX_CAPACITY).contains(&asked) {
        Ok(asked as i32)
    } else {
        Err(super::Problem::Capacity { max: MAX_CAPACITY })
    }
}

pub fn seats_to_fill(capacity: Option<i32>, confirmed: i32, waitlisted: i32) -> i32 {
    match capacity {
        None => waitlisted.max(0),
        Some(c) => (c - confirmed).clamp(0, waitlisted.max(0)),
    }
}

/// What the public is told about an event's seats: "3 plasser igjen", "venteliste",
/// "fullt", "påmelding stengt".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Open, without a limit.
    Open,
    /// Open with this many seats left.
    SeatsLeft(i32),
    /// Open, but only the waiting list (this many already in line).
    WaitingList(i32),
    /// Open window but full and no waiting list.
    Full,
    /// Registration has not opened yet.
    NotYetOpen,
    /// Sign-up opens once every session has a date.
    NotDated,
    /// Closed, started, cancelled or draft.
    Closed,
}

impl Availability {
    /// The state of an event's sign-up at `now`.
    pub fn of(window: &SignupWindow, seats: &Seats, now: DateTime<Utc>) -> Availability {
        match window.check(now) {
            Err(SignupRefusal::NotYetOpen) => return Availability::NotYetOpen,
            Err(SignupRefusal::NotDated) => return Availability::NotDated,
            Err(_) => return Availability::Closed,
            Ok(()) => {}
        }
        match seats.decide() {
            SeatDecision::Seat => match seats_left(seats.capacity, seats.confirmed) {
                Some(n) => Availability::SeatsLeft(n),
                None => Availability::Open,
            },
            SeatDecision::WaitingList { .. } => Availability::WaitingList(seats.waitlisted),
            SeatDecision::Full => Availability::Full,
        }
    }

    /// Whether the sign-up form should be shown.
    pub fn takes_signups(self) -> bool {
        matches!(
            self,
            Availability::Open | Availability::SeatsLeft(_) | Availability::WaitingList(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_the_seats_goes_through_unchecked_per_network() {
        let check = MailCheck {
            share_percent: 10,
            at_least: 5,
            hold: chrono::Duration::hours(24),
        };
        assert_eq!(check.free_signups(Some(70)), Some(7));
        assert_eq!(
            check.free_signups(Some(20)),
            Some(5),
            "never fewer than at_least"
        );
        assert_eq!(check.free_signups(None), None, "unlimited seats: no check");
        let off = MailCheck {
            share_percent: 0,
            ..check
        };
        assert_eq!(off.free_signups(Some(70)), None);
        let now = crate::clock::test_now();
        let start = now + chrono::Duration::days(30);
        assert_eq!(check.confirm_by(Some(70), 6, now, start), None);
        assert_eq!(
            check.confirm_by(Some(70), 7, now, start),
            Some(now + chrono::Duration::hours(24))
        );
        let soon = now + chrono::Duration::hours(2);
        assert_eq!(
            check.confirm_by(Some(70), 9, now, soon),
            Some(soon - chrono::Duration::minutes(10)),
            "released before the start"
        );
        let very_soon = now + chrono::Duration::minutes(20);
        assert_eq!(
            check.confirm_by(Some(70), 9, now, very_soon),
            None,
            "too close to the start for a fair hold"
        );
        assert!(!unconfirmed_expired(None, now));
        assert!(unconfirmed_expired(Some(now), now));
        assert!(!unconfirmed_expired(Some(soon), now));
    }
    use chrono::Duration;

    fn window(status: EventStatus, now: chrono::DateTime<Utc>) -> SignupWindow {
        SignupWindow {
            status,
            opens_at: Some(now - Duration::days(1)),
            closes_at: Some(now + Duration::days(1)),
            starts_at: now + Duration::days(2),
            dated: true,
        }
    }

    #[test]
    fn window_rules() {
        let now = crate::clock::test_now();
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
            Err(SignupRefusal::NotYetOpen)
        );
        let mut started = window(EventStatus::Published, now);
        started.closes_at = None;
        assert_eq!(
            started.check(now + Duration::days(3)),
            Err(SignupRefusal::Closed)
        );
        let mut planned = window(EventStatus::Published, now);
        planned.dated = false;
        assert_eq!(planned.check(now), Err(SignupRefusal::NotDated));
        assert_eq!(
            Availability::of(
                &planned,
                &Seats {
                    capacity: None,
                    confirmed: 0,
                    waitlist_enabled: true,
                    waitlisted: 0
                },
                now
            ),
            Availability::NotDated
        );
    }

    #[test]
    fn seat_then_line_then_full() {
        let mut seats = Seats {
            capacity: Some(2),
            confirmed: 1,
            waitlist_enabled: true,
            waitlisted: 0,
        };
        assert_eq!(seats.decide(), SeatDecision::Seat);
        seats.confirmed = 2;
        assert_eq!(seats.decide(), SeatDecision::WaitingList { position: 1 });
        seats.waitlisted = 4;
        assert_eq!(seats.decide(), SeatDecision::WaitingList { position: 5 });
        seats.waitlist_enabled = false;
        assert_eq!(seats.decide(), SeatDecision::Full);
        seats.capacity = None;
        assert_eq!(seats.decide(), SeatDecision::Seat);
        // Capacity lowered below the confirmed count: no seat, nobody demoted.
        seats.capacity = Some(1);
        assert_eq!(seats.decide(), SeatDecision::Full);
        assert_eq!(seats_left(Some(1), 2), Some(0));
    }

    #[test]
    fn capacity_arithmetic() {
        assert_eq!(seats_left(Some(10), 12), Some(0));
        assert_eq!(seats_left(None, 12), None);
        assert_eq!(seats_to_fill(Some(15), 10, 3), 3);
        assert_eq!(seats_to_fill(Some(12), 10, 3), 2);
        assert_eq!(seats_to_fill(Some(5), 10, 3), 0);
        assert_eq!(seats_to_fill(None, 10, 3), 3);
    }

    #[test]
    fn what_the_public_is_told() {
        let now = crate::clock::test_now();
        let open = window(EventStatus::Published, now);
        let seats = |capacity, confirmed, waitlist_enabled, waitlisted| Seats {
            capacity,
            confirmed,
            waitlist_enabled,
            waitlisted,
        };
        assert_eq!(
            Availability::of(&open, &seats(Some(10), 7, true, 0), now),
            Availability::SeatsLeft(3)
        );
        assert_eq!(
            Availability::of(&open, &seats(None, 7, true, 0), now),
            Availability::Open
        );
        assert_eq!(
            Availability::of(&open, &seats(Some(7), 7, true, 2), now),
            Availability::WaitingList(2)
        );
        assert_eq!(
            Availability::of(&open, &seats(Some(7), 7, false, 0), now),
            Availability::Full
        );
        assert_eq!(
            Availability::of(&open, &seats(Some(7), 0, false, 0), now + Duration::days(5)),
            Availability::Closed
        );
        assert_eq!(
            Availability::of(&open, &seats(Some(7), 0, false, 0), now - Duration::days(5)),
            Availability::NotYetOpen
        );
        assert!(!Availability::Full.takes_signups());
        assert!(Availability::WaitingList(1).takes_signups());
    }
}
