//! How long personal data is kept (GDPR art. 5(1)(e)): what is needed for the event while
//! it is relevant, and afterwards only what the statistics count.
use chrono::{DateTime, Duration, Months, Utc};

/// The moments before which personal data goes, for a retention of `months` months (events
/// that ended) and `cancelled_days` days (cancelled registrations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Registrations to events that ended before this lose their personal data; sent mails
    /// created before this lose their contents and addresses; audit entries go.
    pub ended_before: DateTime<Utc>,
    /// Cancelled registrations cancelled before this lose their personal data.
    pub cancelled_before: DateTime<Utc>,
}

/// The cutoffs at `now`.
pub fn cutoffs(now: DateTime<Utc>, months: u32, cancelled_days: u32) -> Cutoffs {
    Cutoffs {
        ended_before: now
            .checked_sub_months(Months::new(months))
            .unwrap_or(DateTime::<Utc>::MIN_UTC),
        cancelled_before: now - Duration::days(i64::from(cancelled_days)),
    }
}

/// Whether a registration's personal data is due to go.
pub fn personal_data_expired(
    cutoffs: &Cutoffs,
    event_ended_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
) -> bool {
    event_ended_at < cutoffs.ended_before
        || cancelled_at.is_some_and(|c| c < cutoffs.cancelled_before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn two_years_after_the_event_thirty_days_after_a_cancellation() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let c = cutoffs(now, 24, 30);
        assert_eq!(
            c.ended_before,
            Utc.with_ymd_and_hms(2024, 11, 25, 12, 0, 0).unwrap()
        );
        let ended = |y, m| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).unwrap();
        assert!(personal_data_expired(&c, ended(2024, 10), None));
        assert!(!personal_data_expired(&c, ended(2025, 1), None));
        assert!(personal_data_expired(
            &c,
            ended(2027, 1),
            Some(now - Duration::days(31))
        ));
        assert!(!personal_data_expired(
            &c,
            ended(2027, 1),
            Some(now - Duration::days(29))
        ));
    }
}
