//! What per-session attendance marks add up to, and from when a session's attendance can
//! be recorded.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Whether attendance may be recorded for a session starting at `starts_at`: from the
/// session's day on, as the organisation's calendar (`zone`) counts days. Before that
/// nobody can have come, and a mark would be a guess that the statistics count as fact;
/// on the day itself the desk ticks people off as they arrive (before the start time). A
/// session without a date (`None`) cannot have been held.
pub fn may_record_attendance(
    starts_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    zone: Tz,
) -> bool {
    starts_at.is_some_and(|start| {
        now.with_timezone(&zone).date_naive() >= start.with_timezone(&zone).date_naive()
    })
}

/// A registration's summary from its per-session marks: came to any session → attended;
/// only "did not come" marks → a no-show; no marks → not recorded (`None`).
pub fn summarize_attendance(marks: impl IntoIterator<Item = bool>) -> Option<bool> {
    marks
        .into_iter()
        .fold(None, |acc, came| Some(acc.unwrap_or(false) || came))
}

/// Attendance of a group of confirmed registrations (one session, or a whole event):
/// registered, attended, no-shows and not recorded.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AttendanceCount {
    /// Confirmed registrations.
    pub registered: u64,
    pub attended: u64,
    /// Marked as not having come.
    pub no_shows: u64,
    pub not_recorded: u64,
}

impl AttendanceCount {
    /// Counts `registered` confirmed registrations whose marks are `marks` (one per
    /// registration that has one; the rest are not recorded).
    pub fn of(registered: u64, marks: impl IntoIterator<Item = bool>) -> AttendanceCount {
        let (mut attended, mut no_shows) = (0u64, 0u64);
        for came in marks {
            if came {
                attended += 1;
            } else {
                no_shows += 1;
            }
        }
        AttendanceCount {
            registered,
            attended,
            no_shows,
            not_recorded: registered.saturating_sub(attended + no_shows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendance_from_the_sessions_day_in_the_organisations_zone() {
        use chrono::TimeZone;
        let oslo = chrono_tz::Europe::Oslo;
        // 09:00 Oslo on 10 March 2027 is 08:00 UTC.
        let start = oslo
            .with_ymd_and_hms(2027, 3, 10, 9, 0, 0)
            .unwrap()
            .to_utc();
        let at = |d, h, m| oslo.with_ymd_and_hms(2027, 3, d, h, m, 0).unwrap().to_utc();
        assert!(
            !may_record_attendance(Some(start), at(9, 23, 59), oslo),
            "the evening before"
        );
        assert!(
            may_record_attendance(Some(start), at(10, 0, 0), oslo),
            "midnight of its day"
        );
        assert!(
            may_record_attendance(Some(start), at(10, 8, 30), oslo),
            "before the start"
        );
        assert!(
            may_record_attendance(Some(start), at(20, 12, 0), oslo),
            "afterwards"
        );
        // 23:30 UTC on the 9th is already the 10th in Oslo: the zone decides, not UTC.
        let late_utc = Utc.with_ymd_and_hms(2027, 3, 9, 23, 30, 0).unwrap();
        assert!(may_record_attendance(Some(start), late_utc, oslo));
        assert!(!may_record_attendance(
            Some(start),
            late_utc,
            chrono_tz::UTC
        ));
        assert!(!may_record_attendance(None, late_utc, oslo));
    }

    #[test]
    fn any_session_attended_counts_as_attended() {
        assert_eq!(summarize_attendance([]), None);
        assert_eq!(summarize_attendance([false, false]), Some(false));
        assert_eq!(summarize_attendance([false, true, false]), Some(true));
        assert_eq!(summarize_attendance([true]), Some(true));
    }

    #[test]
    fn counts_add_up() {
        let c = AttendanceCount::of(10, [true, true, false]);
        assert_eq!(
            c,
            AttendanceCount {
                registered: 10,
                attended: 2,
                no_shows: 1,
                not_recorded: 7
            }
        );
    }
}
