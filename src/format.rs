//! Dates, times and labels written the way a reader of each language expects, in the
//! organisation's time zone: for mails, pages and downloads alike.
use chrono::{DateTime, Datelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::domain::{EventKind, Language};

/// A `<time datetime>` value: whole seconds in UTC (`2026-12-03T08:46:12Z`); HTML allows at
/// most three digits of a second's fraction, and the database keeps nanoseconds.
pub fn html_datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A start–end span: "tirsdag 3. mars 2026 kl. 09.00–15.00" / "Tuesday 3 March 2026,
/// 09:00–15:00"; the end date is written out when it falls on another day.
pub fn time_span(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz, lang: Language) -> String {
    let s = start.with_timezone(&tz);
    let e = end.with_timezone(&tz);
    let same_day = s.date_naive() == e.date_naive();
    match lang {
        Language::Nb => {
            let time = |t: &DateTime<Tz>| clock(t, lang);
            if same_day {
                format!("{} kl. {}–{}", date_nb(&s), time(&s), time(&e))
            } else {
                format!(
                    "{} kl. {} – {} kl. {}",
                    date_nb(&s),
                    time(&s),
                    date_nb(&e),
                    time(&e)
                )
            }
        }
        Language::En => {
            let time = |t: &DateTime<Tz>| clock(t, lang);
            if same_day {
                format!("{}, {}–{}", date_en(&s), time(&s), time(&e))
            } else {
                format!(
                    "{}, {} – {}, {}",
                    date_en(&s),
                    time(&s),
                    date_en(&e),
                    time(&e)
                )
            }
        }
    }
}

/// A moment: "torsdag 12. mars 2026 kl. 14.30" / "Thursday 12 March 2026, 14:30".
pub fn moment(at: DateTime<Utc>, tz: Tz, lang: Language) -> String {
    let t = at.with_timezone(&tz);
    match lang {
        Language::Nb => format!("{} kl. {}", date_nb(&t), clock(&t, lang)),
        Language::En => format!("{}, {}", date_en(&t), clock(&t, lang)),
    }
}

/// A mail's first line, "Hei Kari," / "Hello Kari,": a name that ends in a comma,
/// semicolon or colon loses it, so `Kåre Æsøy, jr.;` reads "Hei Kåre Æsøy, jr.," and not
/// "…jr.;,".
pub fn greeting(name: &str, lang: Language) -> String {
    let name = name.trim_end_matches(|c: char| matches!(c, ',' | ';' | ':') || c.is_whitespace());
    let hello = match lang {
        Language::Nb => "Hei",
        Language::En => "Hello",
    };
    if name.is_empty() {
        format!("{hello},")
    } else {
        format!("{hello} {name},")
    }
}

/// A time of day, "14.30" / "14:30", with "sommertid"/"vintertid" when the clock shows it
/// twice that night (the hour repeated when daylight saving time ends).
fn clock(t: &DateTime<Tz>, lang: Language) -> String {
    use chrono::{offset::LocalResult, TimeZone};
    use chrono_tz::OffsetComponents;
    let time = match lang {
        Language::Nb => t.format("%H.%M").to_string(),
        Language::En => t.format("%H:%M").to_string(),
    };
    if !matches!(
        t.timezone().from_local_datetime(&t.naive_local()),
        LocalResult::Ambiguous(..)
    ) {
        return time;
    }
    let summer = !t.offset().dst_offset().is_zero();
    let which = match (lang, summer) {
        (Language::Nb, true) => "sommertid",
        (Language::Nb, false) => "vintertid",
        (Language::En, true) => "summer time",
        (Language::En, false) => "winter time",
    };
    format!("{time} {which}")
}

/// Month names in Norwegian (bokmål), lower case as in running text.
pub const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

/// "mars 2026" / "March 2026".
pub fn month_year(month: chrono::NaiveDate, lang: crate::domain::Language) -> String {
    match lang {
        crate::domain::Language::Nb => {
            format!("{} {}", MONTHS_NB[month.month0() as usize], month.year())
        }
        crate::domain::Language::En => month.format("%B %Y").to_string(),
    }
}

/// A session's time: its span ([`time_span`]), or while only its `month` is known
/// "mars 2027, dato ikke avklart" / "March 2027, date not settled".
pub fn session_time(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    month: Option<&str>,
    tz: Tz,
    lang: Language,
) -> String {
    match month.and_then(|m| crate::domain::programmes::parse_month(m).ok()) {
        Some(first_day) => match lang {
            Language::Nb => format!("{}, dato ikke avklart", month_year(first_day, lang)),
            Language::En => format!("{}, date not settled", month_year(first_day, lang)),
        },
        None => time_span(start, end, tz, lang),
    }
}

/// A date the Norwegian way: "torsdag 12. mars 2026".
pub fn date_nb(t: &DateTime<Tz>) -> String {
    const DAYS: [&str; 7] = [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ];
    format!(
        "{} {}. {} {}",
        DAYS[t.weekday().num_days_from_monday() as usize],
        t.day(),
        MONTHS_NB[t.month0() as usize],
        t.year()
    )
}

/// A date the English way: "Thursday 12 March 2026".
pub fn date_en(t: &DateTime<Tz>) -> String {
    let day = match t.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    };
    format!("{day} {}", t.format("%-d %B %Y"))
}

/// The event kind as a word in the reader's language.
pub fn kind_label(kind: EventKind, lang: Language) -> &'static str {
    match (kind, lang) {
        (EventKind::Gathering, Language::Nb) => "samling",
        (EventKind::Webinar, Language::Nb) => "webinar",
        (EventKind::Conference, Language::Nb) => "konferanse",
        (EventKind::Course, Language::Nb) => "kurs",
        (EventKind::Gathering, Language::En) => "gathering",
        (EventKind::Webinar, Language::En) => "webinar",
        (EventKind::Conference, Language::En) => "conference",
        (EventKind::Course, Language::En) => "course",
    }
}

/// The event kind counted: "1 samling", "2 samlinger".
pub fn kinds_counted(kind: EventKind, n: u64, lang: Language) -> String {
    let word = match (kind, lang, n == 1) {
        (_, _, true) => kind_label(kind, lang),
        (EventKind::Gathering, Language::Nb, false) => "samlinger",
        (EventKind::Webinar, Language::Nb, false) => "webinarer",
        (EventKind::Conference, Language::Nb, false) => "konferanser",
        (EventKind::Course, Language::Nb, false) => "kurs",
        (EventKind::Gathering, Language::En, false) => "gatherings",
        (EventKind::Webinar, Language::En, false) => "webinars",
        (EventKind::Conference, Language::En, false) => "conferences",
        (EventKind::Course, Language::En, false) => "courses",
    };
    format!("{n} {word}")
}

/// A date in running text: "12. mars 2026" / "12 March 2026".
pub fn long_date(date: chrono::NaiveDate, lang: Language) -> String {
    match lang {
        Language::Nb => format!(
            "{}. {} {}",
            date.day(),
            MONTHS_NB[date.month0() as usize],
            date.year()
        ),
        Language::En => date.format("%-d %B %Y").to_string(),
    }
}

/// The dates of a course: one date, or "1. september 2025 – 10. september 2026".
pub fn date_range(first: chrono::NaiveDate, last: chrono::NaiveDate, lang: Language) -> String {
    if first == last {
        long_date(first, lang)
    } else {
        format!("{} – {}", long_date(first, lang), long_date(last, lang))
    }
}

/// Course hours: "1 time", "7,5 timer" / "1 hour", "7.5 hours".
pub fn hours(h: f64, lang: Language) -> String {
    let number = if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        let n = format!("{h:.1}");
        match lang {
            Language::Nb => n.replace('.', ","),
            Language::En => n,
        }
    };
    let one = h == 1.0;
    match (lang, one) {
        (Language::Nb, true) => format!("{number} time"),
        (Language::Nb, false) => format!("{number} timer"),
        (Language::En, true) => format!("{number} hour"),
        (Language::En, false) => format!("{number} hours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn greetings_end_in_one_comma() {
        assert_eq!(greeting("Kari", Language::Nb), "Hei Kari,");
        assert_eq!(
            greeting("Kåre \"Ø\" Æsøy, jr.;", Language::Nb),
            "Hei Kåre \"Ø\" Æsøy, jr.,"
        );
        assert_eq!(greeting("Ann Lee ,", Language::En), "Hello Ann Lee,");
        assert_eq!(greeting(" ;", Language::En), "Hello,");
    }

    #[test]
    fn the_repeated_hour_says_which() {
        let oslo = chrono_tz::Europe::Oslo;
        // 25 October 2026: 03.00 summer time becomes 02.00 winter time.
        let first = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let second = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 10, 24, 23, 0, 0).unwrap();
        assert_eq!(
            time_span(before, first, oslo, Language::Nb),
            "søndag 25. oktober 2026 kl. 01.00–02.30 sommertid"
        );
        assert!(moment(second, oslo, Language::Nb).ends_with("kl. 02.30 vintertid"));
        assert!(moment(second, oslo, Language::En).ends_with("02:30 winter time"));
        let ordinary = Utc.with_ymd_and_hms(2026, 10, 25, 9, 0, 0).unwrap();
        assert!(moment(ordinary, oslo, Language::Nb).ends_with("kl. 10.00"));
    }

    #[test]
    fn norwegian_dates_in_local_time() {
        // 08:00 UTC in March (before DST) is 09:00 in Oslo.
        let start = Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
        assert_eq!(
            time_span(start, end, chrono_tz::Europe::Oslo, Language::Nb),
            "tirsdag 3. mars 2026 kl. 09.00–15.00"
        );
        assert_eq!(
            time_span(start, end, chrono_tz::Europe::Oslo, Language::En),
            "Tuesday 3 March 2026, 09:00–15:00"
        );
        // Summer time: 07:00 UTC is 09:00.
        let start = Utc.with_ymd_and_hms(2026, 6, 10, 7, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 6, 11, 13, 0, 0).unwrap();
        assert_eq!(
            time_span(start, end, chrono_tz::Europe::Oslo, Language::Nb),
            "onsdag 10. juni 2026 kl. 09.00 – torsdag 11. juni 2026 kl. 15.00"
        );
    }

    #[test]
    fn course_dates_and_hours_read_as_in_each_language() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(
            date_range(d(9, 1), d(12, 10), Language::Nb),
            "1. september 2025 – 10. desember 2025"
        );
        assert_eq!(
            date_range(d(9, 1), d(9, 1), Language::En),
            "1 September 2025"
        );
        assert_eq!(hours(7.5, Language::Nb), "7,5 timer");
        assert_eq!(hours(1.0, Language::Nb), "1 time");
        assert_eq!(hours(14.0, Language::En), "14 hours");
    }
}
