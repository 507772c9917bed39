//! Local time: the organisation's zone, local dates and times as people type them, and the
//! reporting periods of the annual report. Instants are stored in UTC; people think in the
//! organisation's local time, so every conversion between the two happens here.
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{FieldErrors, Problem};

/// The zone of an organisation that has not chosen one (and of one whose stored zone name is
/// not known): every first user is Norwegian.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::Oslo;

/// The zone named `name`, or [`DEFAULT_ZONE`].
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(DEFAULT_ZONE)
}

/// A local wall-clock time as an instant. In the autumn hour that happens twice the earlier
/// one is meant; a time skipped by the spring change does not exist (`None`).
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant a local date begins (midnight never falls in a DST gap in Europe).
pub fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    local_to_utc(midnight, tz).unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// A reporting period in local dates, both ends included; open ends mean "since always" and
/// "until now". An event belongs to the period in which its first session starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportingPeriod {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Set when the period is exactly one calendar year given as a year.
    pub year: Option<i32>,
}

/// Years a report may ask for.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl ReportingPeriod {
    /// Reads `year`, `from` and `to` (dates like 2025-01-31) as a form or query gives them;
    /// `from`/`to` narrow a `year`. Every problem is recorded in `errors` under its field.
    pub fn parse(
        year: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        errors: &mut FieldErrors,
    ) -> ReportingPeriod {
        let year = year.map(str::trim).filter(|s| !s.is_empty());
        let from_text = from.map(str::trim).filter(|s| !s.is_empty());
        let to_text = to.map(str::trim).filter(|s| !s.is_empty());
        let mut date = |field: &str, raw: Option<&str>| {
            raw.and_then(|raw| match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) if REPORT_YEARS.contains(&chrono::Datelike::year(&d)) => Some(d),
                _ => {
                    errors.insert(field, Problem::NotADate);
                    None
                }
            })
        };
        let mut period = ReportingPeriod {
            from: date("from", from_text),
            to: date("to", to_text),
            year: None,
        };
        if let Some(raw) = year {
            match raw.parse::<i32>().ok().filter(|y| REPORT_YEARS.contains(y)) {
                Some(y) => {
                    period.from = period.from.or(NaiveDate::from_ymd_opt(y, 1, 1));
                    period.to = period.to.or(NaiveDate::from_ymd_opt(y, 12, 31));
                    period.year = (from_text.is_none() && to_text.is_none()).then_some(y);
                }
                None => {
                    errors.insert("year", Problem::NotAYear);
                }
            }
        }
        if period.from.zip(period.to).is_some_and(|(f, t)| f > t) {
            errors.insert("to", Problem::BeforeStart);
        }
        period
    }

    /// The period as instants `[from, until)` in zone `tz`.
    pub fn utc_range(&self, tz: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.map(|d| start_of_local_day(d, tz)),
            self.to
                .and_then(|d| d.succ_opt())
                .map(|d| start_of_local_day(d, tz)),
        )
    }

    /// Whether an event whose first session starts at `starts_at` belongs to the period.
    pub fn contains(&self, starts_at: DateTime<Utc>, tz: Tz) -> bool {
        let (from, until) = self.utc_range(tz);
        from.is_none_or(|f| starts_at >= f) && until.is_none_or(|u| starts_at < u)
    }
}

/// A date in an imported file: `2024-05-31`, or as Norwegians write it, `31.05.2024`.
pub fn parse_file_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
        .filter(|d| (1900..=9999).contains(&chrono::Datelike::year(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_its_local_days() {
        let mut errors = FieldErrors::new();
        let p = ReportingPeriod::parse(Some("2025"), None, None, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(p.year, Some(2025));
        let (from, until) = p.utc_range(DEFAULT_ZONE);
        // Oslo is UTC+1 in winter: the year begins at 23:00 UTC on New Year's Eve.
        assert_eq!(from.unwrap().to_rfc3339(), "2024-12-31T23:00:00+00:00");
        assert_eq!(until.unwrap().to_rfc3339(), "2025-12-31T23:00:00+00:00");
        let new_years_morning = Utc.with_ymd_and_hms(2024, 12, 31, 23, 30, 0).unwrap();
        assert!(p.contains(new_years_morning, DEFAULT_ZONE));
        assert!(!p.contains(new_years_morning - chrono::Duration::hours(1), DEFAULT_ZONE));
    }

    #[test]
    fn bad_periods_name_their_field() {
        let mut errors = FieldErrors::new();
        ReportingPeriod::parse(Some("twenty"), Some("2025-13-01"), None, &mut errors);
        assert!(errors.contains("year") && errors.contains("from"));
        let mut errors = FieldErrors::new();
        ReportingPeriod::parse(None, Some("2025-03-01"), Some("2025-02-01"), &mut errors);
        assert!(errors.contains("to"));
        let mut errors = FieldErrors::new();
        let p = ReportingPeriod::parse(Some("2025"), Some("2025-03-01"), None, &mut errors);
        assert_eq!(
            (p.from.unwrap().to_string(), p.year),
            ("2025-03-01".into(), None)
        );
    }

    #[test]
    fn local_times_across_daylight_saving() {
        let summer = NaiveDate::from_ymd_opt(2026, 6, 10)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(summer, DEFAULT_ZONE).unwrap().to_rfc3339(),
            "2026-06-10T07:00:00+00:00"
        );
        // 02:30 on the last Sunday of March does not exist in Oslo.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(local_to_utc(gap, DEFAULT_ZONE), None);
        assert_eq!(zone("Nowhere/City"), DEFAULT_ZONE);
    }
}
