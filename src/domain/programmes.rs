//! Programmes across the year: who has completed an event of several sessions, and what
//! counts as an event or a session held in a reporting period.
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
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

/// A session's start as a period counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStart {
    /// Its start, or for a session with only a month the placeholder in that month
    /// ([`month_span`]), so that it counts in its month's period.
    pub at: DateTime<Utc>,
    /// False while only its month is known: it cannot have been held.
    pub dated: bool,
}

/// Counts the sessions starting in `[from, until)` and those of them started by `now`; a
/// cancelled event held none, nor did a session without a date.
pub fn period_sessions(
    starts: impl IntoIterator<Item = SessionStart>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    status: EventStatus,
    now: DateTime<Utc>,
) -> PeriodSessions {
    let mut out = PeriodSessions::default();
    for s in starts {
        if from.is_none_or(|f| s.at >= f) && until.is_none_or(|u| s.at < u) {
            out.in_period += 1;
            if s.dated && s.at <= now && status == EventStatus::Published {
                out.held += 1;
            }
        }
    }
    out
}

/// The first day of a month written `YYYY-MM` (a planned session's `month`).
pub fn parse_month(text: &str) -> Result<NaiveDate, Problem> {
    let t = text.trim();
    let (year, month) = t.split_once('-').ok_or(Problem::NotAMonth)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(Problem::NotAMonth);
    }
    let year: i32 = year.parse().map_err(|_| Problem::NotAMonth)?;
    let month: u32 = month.parse().map_err(|_| Problem::NotAMonth)?;
    NaiveDate::from_ymd_opt(year, month, 1)
        .filter(|_| super::period::REPORT_YEARS.contains(&year))
        .ok_or(Problem::NotAMonth)
}

/// The placeholder times of a session that has only a month: noon UTC on the month's first
/// and last day. Noon lies inside the month in every zone from UTC−11 to UTC+11, so lists
/// sort the session into its month and a period counts it there; nothing else may read
/// them as times (the event is `planned`: no sign-ups, feeds, reminders or attendance).
pub fn month_span(first_day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let noon = |d: NaiveDate| d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    let next = first_day
        .checked_add_months(Months::new(1))
        .unwrap_or(first_day);
    let last = next.pred_opt().unwrap_or(first_day);
    (noon(first_day).and_utc(), noon(last).and_utc())
}

/// The first day of the month a session is in: its `month` while it has no date, else the
/// month of its start in the organisation's `zone`.
pub fn plan_month(month: Option<&str>, starts_at: DateTime<Utc>, zone: chrono_tz::Tz) -> NaiveDate {
    let local = starts_at.with_timezone(&zone).date_naive();
    month
        .and_then(|m| parse_month(m).ok())
        .or_else(|| local.with_day(1))
        .unwrap_or(local)
}

/// The `YYYY-MM` of a month's first day.
pub fn month_text(first_day: NaiveDate) -> String {
    format!("{:04}-{:02}", first_day.year(), first_day.month())
}

/// Where a session stands in the year plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanState {
    /// It has started (or taken place).
    Held,
    /// Dated and still to come.
    Coming,
    /// Only its month is known ("dato ikke avklart").
    Undated,
    Cancelled,
}

/// The year plan's word for a session of an event of `status` that starts at `dated_start`
/// (`None`: only its month is known).
pub fn plan_state(
    status: EventStatus,
    dated_start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> PlanState {
    match (status, dated_start) {
        (EventStatus::Cancelled, _) => PlanState::Cancelled,
        (_, None) => PlanState::Undated,
        (_, Some(start)) if start <= now => PlanState::Held,
        _ => PlanState::Coming,
    }
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

    fn dated(at: DateTime<Utc>) -> SessionStart {
        SessionStart { at, dated: true }
    }

    #[test]
    fn a_session_counts_in_the_period_it_starts_in() {
        let autumn = [dated(at(9)), dated(at(10)), dated(at(11))];
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

    #[test]
    fn a_session_with_only_a_month_counts_in_its_month_but_is_never_held() {
        let (start, end) = month_span(parse_month("2025-10").unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2025, 10, 1, 12, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2025, 10, 31, 12, 0, 0).unwrap());
        let (_, feb) = month_span(parse_month("2028-02").unwrap());
        assert_eq!(feb, Utc.with_ymd_and_hms(2028, 2, 29, 12, 0, 0).unwrap());
        let undated = [SessionStart {
            at: start,
            dated: false,
        }];
        let s = period_sessions(
            undated,
            Some(at(10) - chrono::Duration::days(30)),
            Some(at(12)),
            EventStatus::Published,
            at(12),
        );
        assert_eq!(
            s,
            PeriodSessions {
                in_period: 1,
                held: 0
            }
        );
        assert_eq!(
            held_status(EventStatus::Published, s),
            Some(HeldStatus::Planned)
        );
        assert_eq!(
            plan_state(EventStatus::Published, None, at(12)),
            PlanState::Undated
        );
        assert_eq!(
            plan_state(EventStatus::Published, Some(at(1)), at(2)),
            PlanState::Held
        );
        assert_eq!(
            plan_state(EventStatus::Published, Some(at(3)), at(2)),
            PlanState::Coming
        );
        assert_eq!(
            plan_state(EventStatus::Cancelled, None, at(2)),
            PlanState::Cancelled
        );
    }

    #[test]
    fn months_are_written_year_dash_month() {
        assert_eq!(month_text(parse_month(" 2027-03 ").unwrap()), "2027-03");
        for bad in [
            "2027-13", "2027-3", "27-03", "2027/03", "", "2027-00", "1999-01",
        ] {
            assert_eq!(parse_month(bad), Err(Problem::NotAMonth), "{bad}");
        }
    }
}
