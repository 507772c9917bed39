//! Course certificates (kursbevis): the rule an event sets, who gets one and when, how they
//! are numbered, how long the holder's name is kept, and the lines of an import of the
//! certificates issued before Samling.
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::problems::{LineFault, LineProblem};
use super::{FieldErrors, Problem};

/// An event's certificate: the hours it states and an optional sentence in each language
/// ("Kurset gir 7 timer godkjent etterutdanning"). Stored as JSON with the event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateRule {
    /// Course hours printed on the certificate.
    #[schema(minimum = 0.5, maximum = 10000)]
    pub hours: Option<f64>,
    #[schema(max_length = 500)]
    pub text_nb: Option<String>,
    #[schema(max_length = 500)]
    pub text_en: Option<String>,
}

/// The longest sentence a certificate prints.
pub const TEXT_MAX: usize = 500;

impl CertificateRule {
    /// Checks a rule as an organiser sent it; problems go to `errors` under `certificate.*`.
    pub fn checked(self, errors: &mut FieldErrors) -> CertificateRule {
        if let Some(h) = self.hours {
            if !(0.5..=10000.0).contains(&h) || (h * 2.0).fract() != 0.0 {
                errors.insert("certificate.hours", Problem::HalfHours);
            }
        }
        let text_nb = super::optional_text(
            errors,
            "certificate.text_nb",
            self.text_nb.as_deref(),
            TEXT_MAX,
        );
        let text_en = super::optional_text(
            errors,
            "certificate.text_en",
            self.text_en.as_deref(),
            TEXT_MAX,
        );
        CertificateRule {
            hours: self.hours,
            text_nb,
            text_en,
        }
    }

    /// The rule stored with an event, if it has one (an unreadable one counts as none).
    pub fn stored(json: Option<&str>) -> Option<CertificateRule> {
        json.and_then(|j| serde_json::from_str(j).ok())
    }

    /// The rule as stored.
    pub fn to_stored(&self) -> String {
        // Plain data: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why certificates cannot be issued for an event (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueRefusal {
    /// The event gives no certificates (`certificate` is not set).
    NoCertificate,
    /// Its last session has not ended.
    NotEnded,
    /// A cancelled event or a draft.
    NotHeld,
}

/// Whether an event whose last session ends at `ends_at` may have its certificates issued at
/// `now`: only a published event with a certificate rule, after its last session (`None`:
/// some session has no date yet, so it has not ended).
pub fn may_issue(
    has_rule: bool,
    status: super::EventStatus,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), IssueRefusal> {
    if !has_rule {
        Err(IssueRefusal::NoCertificate)
    } else if status != super::EventStatus::Published {
        Err(IssueRefusal::NotHeld)
    } else if ends_at.is_none_or(|end| now < end) {
        Err(IssueRefusal::NotEnded)
    } else {
        Ok(())
    }
}

/// The prefix of an organisation's certificate numbers: its slug in capitals
/// (`usht-vestfold` → `USHT-VESTFOLD`).
pub fn number_prefix(organisation_slug: &str) -> String {
    organisation_slug.to_ascii_uppercase()
}

/// A certificate's number: `PREFIX-YEAR-0001`, counted per organisation and year of issue.
pub fn number(prefix: &str, year: i32, seq: i32) -> String {
    format!("{prefix}-{year}-{seq:04}")
}

/// Certificates issued on or before this date keep their holder's name at `now`; older ones
/// lose it (the register still counts them).
pub fn names_kept_from(now: DateTime<Utc>, retention_years: u32) -> NaiveDate {
    let today = now.date_naive();
    today
        .checked_sub_months(Months::new(retention_years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether a certificate is valid or was revoked, as its verification page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    Valid,
    Revoked,
}

impl Validity {
    /// A certificate revoked at `revoked_at` (if ever), as it stands at `at`: one revoked
    /// later still counted as valid then, so a past date's count never changes.
    pub fn at(revoked_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Validity {
        match revoked_at {
            Some(r) if r <= at => Validity::Revoked,
            _ => Validity::Valid,
        }
    }
}

/// Whether a registration is due a certificate: it completed, its personal data is still
/// there, and it never held one (a revoked certificate is replaced by a reissue, never by
/// issuing again, so revoking means something).
pub fn is_due(completed: bool, anonymised: bool, ever_held: bool) -> bool {
    completed && !anonymised && !ever_held
}

/// One line of an import: a certificate issued before Samling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCertificate {
    /// Its line in the file (a header line counts).
    pub line: usize,
    pub name: String,
    pub course: String,
    pub issued_on: NaiveDate,
    pub municipality: Option<String>,
    /// A series slug of the organisation, checked against its series by the caller.
    pub series: Option<String>,
}

/// The most lines one import takes.
pub const IMPORT_MAX_LINES: usize = 20_000;

/// Reads an import (`name;course;date;municipality[;series]`, a header line allowed, `;`
/// or `,` as the separator, dates as `2024-05-31` or `31.05.2024`). Every wrong line is
/// reported; nothing is imported unless every line is right.
pub fn parse_import(text: &str) -> Result<Vec<ImportedCertificate>, Vec<LineProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let separator = if text.lines().next().is_some_and(|l| l.contains(';')) {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(LineProblem {
                    line,
                    problem: LineFault::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or("");
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if line == 1
            && ["name", "navn"]
                .iter()
                .any(|h| field(0).eq_ignore_ascii_case(h))
        {
            continue;
        }
        if !(4..=5).contains(&record.len()) {
            problems.push(LineProblem {
                line,
                problem: LineFault::CertificateFields {
                    found: record.len(),
                },
            });
            continue;
        }
        let mut errors = FieldErrors::new();
        let name = super::required_text(&mut errors, "name", Some(field(0)), 200);
        let course = super::required_text(&mut errors, "course", Some(field(1)), 300);
        let municipality = super::optional_text(&mut errors, "municipality", Some(field(3)), 200);
        let series = Some(field(4)).filter(|s| !s.is_empty()).map(str::to_string);
        let issued_on = super::period::parse_file_date(field(2));
        if issued_on.is_none() {
            errors.insert("date", Problem::NotADate);
        }
        // The first problem of the line, by field name.
        let first = ["name", "course", "date", "municipality"]
            .into_iter()
            .find_map(|f| errors.get(f).map(|p| (f, p.clone())));
        match (first, issued_on) {
            (None, Some(issued_on)) => rows.push(ImportedCertificate {
                line,
                name,
                course,
                issued_on,
                municipality,
                series,
            }),
            (Some((field, problem)), _) => problems.push(LineProblem {
                line,
                problem: LineFault::Field { field, problem },
            }),
            (None, None) => unreachable!("a missing date is a problem"),
        }
        if rows.len() > IMPORT_MAX_LINES {
            problems.push(LineProblem {
                line,
                problem: LineFault::TooManyLines {
                    max: IMPORT_MAX_LINES,
                },
            });
            break;
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventStatus;
    use chrono::TimeZone;

    #[test]
    fn numbers_count_per_year_with_four_digits() {
        assert_eq!(
            number(&number_prefix("usht-vestfold"), 2026, 7),
            "USHT-VESTFOLD-2026-0007"
        );
        assert_eq!(number("A", 2026, 12345), "A-2026-12345");
    }

    #[test]
    fn issued_only_after_the_last_session_of_a_published_event() {
        let end = Utc.with_ymd_and_hms(2026, 5, 1, 15, 0, 0).unwrap();
        let after = end + chrono::Duration::minutes(1);
        assert_eq!(
            may_issue(true, EventStatus::Published, Some(end), after),
            Ok(())
        );
        assert_eq!(
            may_issue(
                true,
                EventStatus::Published,
                Some(end),
                end - chrono::Duration::minutes(1)
            ),
            Err(IssueRefusal::NotEnded)
        );
        assert_eq!(
            may_issue(false, EventStatus::Published, Some(end), after),
            Err(IssueRefusal::NoCertificate)
        );
        assert_eq!(
            may_issue(true, EventStatus::Cancelled, Some(end), after),
            Err(IssueRefusal::NotHeld)
        );
        assert_eq!(
            may_issue(true, EventStatus::Published, None, after),
            Err(IssueRefusal::NotEnded)
        );
    }

    #[test]
    fn a_revoked_certificate_counts_until_its_revocation_and_is_never_issued_again() {
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        assert_eq!(Validity::at(None, at), Validity::Valid);
        assert_eq!(Validity::at(Some(at), at), Validity::Revoked);
        assert_eq!(
            Validity::at(Some(at + chrono::Duration::days(1)), at),
            Validity::Valid
        );
        assert!(is_due(true, false, false));
        assert!(!is_due(true, false, true), "revoked or valid: held once");
        assert!(!is_due(true, true, false), "erased: no name to print");
        assert!(!is_due(false, false, false));
    }

    #[test]
    fn names_are_kept_for_the_retention_years() {
        let now = Utc.with_ymd_and_hms(2036, 3, 1, 12, 0, 0).unwrap();
        assert_eq!(
            names_kept_from(now, 10),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
    }

    #[test]
    fn an_import_takes_both_separators_and_norwegian_dates() {
        let rows = parse_import(
            "navn;kurs;dato;kommune;serie\nKåre Ødegård Æsøy;HLR-instruktør;31.05.2019;Horten;hhlr\nAnne;proACT;2020-01-02;;\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Kåre Ødegård Æsøy");
        assert_eq!(
            rows[0].issued_on,
            NaiveDate::from_ymd_opt(2019, 5, 31).unwrap()
        );
        assert_eq!(rows[0].series.as_deref(), Some("hhlr"));
        assert_eq!(rows[1].municipality, None);
        let rows = parse_import("Per,Kurs,2021-02-03,Tønsberg\n").unwrap();
        assert_eq!(rows[0].municipality.as_deref(), Some("Tønsberg"));
    }

    #[test]
    fn a_wrong_line_stops_the_whole_import() {
        let problems =
            parse_import("Per;Kurs;2021-13-03;Horten\n;Kurs;2021-01-01;Horten\nPer;Kurs\n")
                .unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![1, 2, 3]);
    }

    #[test]
    fn hours_are_whole_or_half() {
        let mut errors = FieldErrors::new();
        CertificateRule {
            hours: Some(7.5),
            ..Default::default()
        }
        .checked(&mut errors);
        assert!(errors.is_empty());
        CertificateRule {
            hours: Some(7.3),
            ..Default::default()
        }
        .checked(&mut errors);
        assert!(!errors.is_empty());
    }
}
