//! Programmes across the year: who has completed an event of several sessions, and what
//! counts as an event or a session held in a reporting period.
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{EventStatus, Problem};

/// What a session contributes to completion and to the count of events held.
#[derive(Debug, Clone, Copy)]
pub struct SessionPart {
    pub starts_at: DateTime<Utc>,
    /// Not needed for completing the event.
    pub optional: bool,
}

/// Whether a registration that came to the sessions marked in `attended` (one flag per
/// session of `sessions`, in the same order) has completed the event. With `min_sessions`
/// it must have come to that many sessions, optional ones included; without, to every
/// session that is not optional (and to at least one, should every session be optional).
pub fn completed(sessions: &[SessionPart], attended: &[bool], min_sessions: Option<i32>) -> bool {
    let came = attended.iter().filter(|a| **a).count();
    match min_sessions {
        Some(n) => came as i64 >= i64::from(n.max(1)),
        None => {
            came > 0
                && sessions
                    .iter()
                    .zip(attended.iter().chain(std::iter::repeat(&false)))
                    .all(|(s, a)| s.optional || *a)
        }
    }
}

/// Checks an event's completion rule against its number of sessions: at least one session,
/// at most all of them.
pub fn check_min_sessions(min_sessions: i64, sessions: usize) -> Result<i32, Problem> {
    let max = sessions.max(1) as i64;
    if (1..=max).contains(&min_sessions) {
        Ok(min_sessions as i32)
    } else {
        Err(Problem::NumberRange { min: 1, max })
    }
}

/// An event's standing in a reporting period, as the annual report counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HeldStatus {
    /// Published, not cancelled, and one of its sessions in the period has started.
    Held,
    /// Published, with sessions in the period that have not started yet.
    Planned,
    Cancelled,
}

impl HeldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldStatus::Held => "held",
            HeldStatus::Planned => "planned",
            HeldStatus::Cancelled => "cancelled",
        }
    }
}

/// One event's sessions as a period counts them: a session belongs to the period in which
/// it starts, so a programme across two years counts in each year with its own sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodSessions {
    pub in_period: u64,
    /// Of those, the ones that have started by now (of a cancelled event: none).
    pub held: u64,
}

/// The event's standing in a period with `sessions` in it (`None` when it has none there,
/// or is a draft: a draft is not on anybody's calendar).
pub fn held_status(status: EventStatus, sessions: PeriodSessions) -> Option<HeldStatus> {
    if sessions.in_period == 0 {
        return None;
    }
    match status {
        EventStatus::Draft => None,
        EventStatus::Cancelled => Some(HeldStatus::Cancelled),
        EventStatus::Published if sessions.held > 0 => Some(HeldStatus::Held),
        EventStatus::Published => Some(HeldStatus::Planned),
    }
}

/// Counts the sessions starting in `[from, until)` and those of them started by `now`; a
/// cancelled event held none.
pub fn period_sessions(
    starts: impl IntoIterator<Item = DateTime<Utc>>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    status: EventStatus,
    now: DateTime<Utc>,
) -> PeriodSessions {
    let mut out = PeriodSessions::default();
    for s in starts {
        if from.is_none_or(|f| s >= f) && until.is_none_or(|u| s < u) {
            out.in_period += 1;
            if s <= now && status == EventStatus::Published {
                out.held += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(month: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, month, 10, 9, 0, 0).unwrap()
    }

    fn part(month: u32, optional: bool) -> SessionPart {
        SessionPart {
            starts_at: at(month),
            optional,
        }
    }

    #[test]
    fn one_optional_and_three_mandatory_gatherings() {
        let sessions = [
            part(1, false),
            part(3, true),
            part(5, false),
            part(7, false),
        ];
        assert!(completed(&sessions, &[true, false, true, true], None));
        assert!(!completed(&sessions, &[true, true, true, false], None));
        assert!(!completed(&sessions, &[false; 4], None));
        // A minimum counts any sessions, the optional one too.
        assert!(completed(&sessions, &[true, true, true, false], Some(3)));
        assert!(!completed(&sessions, &[true, false, false, true], Some(3)));
        // Every session optional: coming to one completes it.
        let open = [part(1, true), part(2, true)];
        assert!(completed(&open, &[false, true], None));
        assert!(!completed(&open, &[false, false], None));
    }

    #[test]
    fn the_minimum_is_within_the_sessions() {
        assert_eq!(check_min_sessions(3, 4), Ok(3));
        assert!(check_min_sessions(0, 4).is_err());
        assert!(check_min_sessions(5, 4).is_err());
    }

    #[test]
    fn a_session_counts_in_the_period_it_starts_in() {
        let autumn = [at(9), at(10), at(11)];
        let from = Some(at(10) - chrono::Duration::days(1));
        let until = Some(at(12));
        let now = at(10) + chrono::Duration::hours(1);
        let s = period_sessions(autumn, from, until, EventStatus::Published, now);
        assert_eq!(
            s,
            PeriodSessions {
                in_period: 2,
                held: 1
            }
        );
        assert_eq!(
            held_status(EventStatus::Published, s),
            Some(HeldStatus::Held)
        );
        let before = period_sessions(autumn, from, until, EventStatus::Published, at(1));
        assert_eq!(
            held_status(EventStatus::Published, before),
            Some(HeldStatus::Planned)
        );
        let cancelled = period_sessions(autumn, from, until, EventStatus::Cancelled, now);
        assert_eq!(cancelled.held, 0);
        assert_eq!(
            held_status(EventStatus::Cancelled, cancelled),
            Some(HeldStatus::Cancelled)
        );
        assert_eq!(held_status(EventStatus::Draft, s), None);
        let none = period_sessions(autumn, Some(at(12)), None, EventStatus::Published, now);
        assert_eq!(held_status(EventStatus::Published, none), None);
    }
}
