//! "Now" as the service sees it. Every wall-clock date (a sign-up's time, a hold's end, a
//! reminder falling due, retention's cut-off) comes from the [`Clock`] in the application
//! state, passed on as `now`; only [`Clock::system`] reads the system time. Tests use a
//! settable clock to move time forward instead of sleeping. Elapsed time (timeouts, rate
//! limits, latencies) stays `Instant`/tokio time: it is about the process, not the calendar.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

/// The source of "now": the system clock, or one that tests move.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Microseconds added to the system time; `None` for the system clock itself.
    offset: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock (production, the command line).
    pub fn system() -> Clock {
        Clock { offset: None }
    }

    /// A clock that runs with the system clock until [`set`](Clock::set) or
    /// [`advance`](Clock::advance) moves it, and keeps running from there. (It keeps
    /// running so that what happens one after the other is still stamped in that order.)
    pub fn settable() -> Clock {
        Clock {
            offset: Some(Arc::default()),
        }
    }

    /// The time now.
    pub fn now(&self) -> DateTime<Utc> {
        let system = system_time();
        match &self.offset {
            None => system,
            Some(offset) => system + Duration::microseconds(offset.load(Ordering::SeqCst)),
        }
    }

    /// Moves a settable clock by `by` (forward if positive).
    ///
    /// # Panics
    /// On the system clock, which cannot be moved.
    pub fn advance(&self, by: Duration) {
        let micros = by
            .num_microseconds()
            .expect("a shift of less than 290,000 years");
        self.offset().fetch_add(micros, Ordering::SeqCst);
    }

    /// Sets a settable clock to `to` (it runs on from there).
    ///
    /// # Panics
    /// On the system clock, which cannot be set.
    pub fn set(&self, to: DateTime<Utc>) {
        let offset = self.offset();
        // Whole microseconds, rounded up: `now()` right after is never before `to`.
        let micros = (to - system_time())
            .num_microseconds()
            .expect("a time within 290,000 years")
            + 1;
        offset.store(micros, Ordering::SeqCst);
    }

    fn offset(&self) -> &AtomicI64 {
        self.offset
            .as_deref()
            .expect("the system clock cannot be set; use Clock::settable")
    }
}

/// The one place the system's wall-clock time is read.
fn system_time() -> DateTime<Utc> {
    Utc::now()
}

/// A fixed "now" for unit tests of rules that take one: Wednesday 12 March 2031, 09:00 UTC.
#[cfg(test)]
pub(crate) fn test_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2031-03-12T09:00:00Z")
        .expect("a valid time")
        .to_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settable_clock_moves_and_keeps_running() {
        let clock = Clock::settable();
        let copy = clock.clone();
        let before = Clock::system().now();
        clock.advance(Duration::days(3));
        let moved = copy.now();
        assert!(
            moved >= before + Duration::days(3),
            "copies share the setting"
        );
        assert!(moved < before + Duration::days(3) + Duration::minutes(1));
        let at = DateTime::parse_from_rfc3339("2031-03-12T10:00:00Z")
            .unwrap()
            .to_utc();
        clock.set(at);
        let now = clock.now();
        assert!(now >= at && now < at + Duration::minutes(1), "{now}");
        assert!(clock.now() >= now, "it keeps running");
    }

    #[test]
    #[should_panic(expected = "cannot be set")]
    fn the_system_clock_cannot_be_moved() {
        Clock::system().advance(Duration::seconds(1));
    }
}
