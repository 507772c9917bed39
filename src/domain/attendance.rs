//! What per-session attendance marks add up to.
use serde::Serialize;

/// A registration's summary from its per-session marks: came to any session → attended;
/// only "did not come" marks → a no-show; no marks → not recorded (`None`).
pub fn summarize_attendance(marks: impl IntoIterator<Item = bool>) -> Option<bool> {
    marks
        .into_iter()
        .fold(None, |acc, came| Some(acc.unwrap_or(false) || came))
}

/// Attendance of a group of confirmed registrations (one session, or a whole event).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
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
