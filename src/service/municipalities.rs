//! Municipality reference data: the list an organisation reports against (name,
//! population, region, and optionally the other names people type and the days it belongs
//! to the list), imported from the `name;population;region;aliases;valid_from;valid_to`
//! files organisers keep in Excel.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db::entities::municipality;
use crate::db::organisations::MunicipalityRow;
use crate::db::{self, Db};
use crate::domain::period::{self, ReportingPeriod};
use crate::domain::problems::{LineFault, LineProblem};
use crate::domain::reference::{self, MAX_ALIASES, MAX_ALIAS_CHARS};
use crate::domain::{match_key, Problem};

/// One line of a reference file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRow {
    pub name: String,
    pub population: Option<i64>,
    pub region: Option<String>,
    /// Other names it is typed as ("Egersund" for Eigersund).
    pub aliases: Vec<String>,
    /// First and last day it belongs to the list.
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// What an import changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportReport {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// Text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252, which is
/// what Excel's plain "CSV" export writes on a Norwegian Windows machine.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// Parses `name;population;region[;aliases;valid_from;valid_to]` lines (a header line is
/// recognised and skipped; `,` or tab work too when the file has no `;`; aliases are a comma
/// list, quoted in a comma file; dates `2024-01-01` or `01.01.2024`). No name or alias may
/// name two municipalities. Every problem is reported with its line number, and nothing is
/// returned unless the whole file is good.
pub fn parse(text: &str) -> Result<Vec<ReferenceRow>, Vec<LineProblem>> {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains(';') {
        b';'
    } else if first_line.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineProblem {
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
        if index == 0 && is_header(field(0), field(1)) {
            continue;
        }
        let name = field(0);
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            errors.push(LineProblem {
                line,
                problem: LineFault::Name,
            });
            continue;
        }
        if !seen.insert(match_key(name)) {
            errors.push(LineProblem {
                line,
                problem: LineFault::AppearsTwice { name: name.into() },
            });
            continue;
        }
        let population = match parse_population(field(1)) {
            Ok(p) => p,
            Err(()) => {
                errors.push(LineProblem {
                    line,
                    problem: LineFault::Population {
                        value: field(1).into(),
                        name: name.into(),
                    },
                });
                continue;
            }
        };
        let region = Some(field(2)).filter(|r| !r.is_empty());
        if region.is_some_and(|r| r.chars().count() > 200 || r.chars().any(char::is_control)) {
            errors.push(LineProblem {
                line,
                problem: LineFault::Region,
            });
            continue;
        }
        if record.len() > 6 && record.iter().skip(6).any(|f| !f.trim().is_empty()) {
            errors.push(LineProblem {
                line,
                problem: LineFault::Fields {
                    found: record.len(),
                },
            });
            continue;
        }
        let aliases = match aliases_of(name, field(3)) {
            Ok(aliases) => aliases,
            Err(problem) => {
                errors.push(LineProblem {
                    line,
                    problem: LineFault::Field {
                        field: "aliases",
                        problem,
                    },
                });
                continue;
            }
        };
        if let Some(taken) = aliases.iter().find(|a| seen.contains(&match_key(a))) {
            errors.push(LineProblem {
                line,
                problem: LineFault::AppearsTwice {
                    name: taken.clone(),
                },
            });
            continue;
        }
        seen.extend(aliases.iter().map(|a| match_key(a)));
        let mut date = |field: &'static str, raw: &str| -> Result<Option<NaiveDate>, ()> {
            if raw.is_empty() {
                return Ok(None);
            }
            period::parse_file_date(raw).map(Some).ok_or_else(|| {
                errors.push(LineProblem {
                    line,
                    problem: LineFault::Field {
                        field,
                        problem: Problem::NotADate,
                    },
                })
            })
        };
        let (Ok(valid_from), Ok(valid_to)) =
            (date("valid_from", field(4)), date("valid_to", field(5)))
        else {
            continue;
        };
        if valid_from.zip(valid_to).is_some_and(|(f, t)| t < f) {
            errors.push(LineProblem {
                line,
                problem: LineFault::Field {
                    field: "valid_to",
                    problem: Problem::BeforeStart,
                },
            });
            continue;
        }
        rows.push(ReferenceRow {
            name: name.to_string(),
            population,
            region: region.map(str::to_string),
            aliases,
            valid_from,
            valid_to,
        });
    }
    if errors.is_empty() && rows.is_empty() {
        errors.push(LineProblem {
            line: 0,
            problem: LineFault::NoRows,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A line's aliases: the comma list, blanks, repeats and the name itself dropped.
fn aliases_of(name: &str, raw: &str) -> Result<Vec<String>, Problem> {
    let mut keys = HashSet::from([match_key(name)]);
    let mut aliases = Vec::new();
    for alias in reference::aliases(Some(raw)) {
        if alias.chars().count() > MAX_ALIAS_CHARS {
            return Err(Problem::TooLong {
                max: MAX_ALIAS_CHARS,
            });
        }
        if alias.chars().any(char::is_control) {
            return Err(Problem::ControlCharacters);
        }
        if keys.insert(match_key(alias)) {
            aliases.push(alias.to_string());
        }
    }
    if aliases.len() > MAX_ALIASES {
        return Err(Problem::NumberRange {
            min: 0,
            max: MAX_ALIASES as i64,
        });
    }
    Ok(aliases)
}

fn is_header(first: &str, second: &str) -> bool {
    let first = match_key(first);
    ["name", "navn", "kommune", "municipality"].contains(&first.as_str())
        && parse_population(second).is_err()
}

/// Largest population a municipality can have (larger is a typing error, and keeps every
/// sum far from overflowing).
pub const MAX_POPULATION: i64 = 100_000_000;

/// "27 005", "27005", "27.005" → 27005; empty → unknown.
fn parse_population(raw: &str) -> Result<Option<i64>, ()> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    let groups: Vec<&str> = digits.split('.').collect();
    let grouped_well = groups.len() == 1 || groups[1..].iter().all(|g| g.len() == 3);
    if !grouped_well
        || !groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(());
    }
    match groups.concat().parse::<i64>() {
        Ok(n) if n <= MAX_POPULATION => Ok(Some(n)),
        _ => Err(()),
    }
}

/// The organisation's municipalities valid at some day of `period` (all of them for an
/// open period), in Norwegian alphabetical order as the tables print them.
pub async fn valid_in(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    period: &ReportingPeriod,
) -> Result<Vec<municipality::Model>, DbErr> {
    let mut list: Vec<municipality::Model> = db::organisations::municipalities(db, organisation_id)
        .await?
        .into_iter()
        .filter(|m| reference::valid_in(m.valid_from, m.valid_to, period.from, period.to))
        .collect();
    list.sort_by_key(|m| crate::service::stats::norwegian_order(&m.name));
    Ok(list)
}

/// Finds the municipality of `list` (its index) a typed place names, by name or alias.
pub fn matcher(list: &[municipality::Model]) -> reference::Matcher {
    reference::Matcher::new(list.iter().map(|m| (m.name.as_str(), m.aliases.as_deref())))
}

/// The organisation's list as it stands on `day`.
pub async fn valid_on(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    day: NaiveDate,
) -> Result<Vec<municipality::Model>, DbErr> {
    let period = ReportingPeriod {
        from: Some(day),
        to: Some(day),
        year: None,
    };
    valid_in(db, organisation_id, &period).await
}

/// Adds new municipalities and updates changed ones (matched by name, ignoring case and
/// accents); municipalities missing from the file are kept, since registrations may name them.
pub async fn import(
    db: &Db,
    organisation_id: Uuid,
    rows: &[ReferenceRow],
) -> Result<ImportReport, DbErr> {
    let tx = db.begin_write().await?;
    let before: HashMap<String, municipality::Model> =
        db::organisations::municipalities(&*tx, organisation_id)
            .await?
            .into_iter()
            .map(|m| (m.name_key.clone(), m))
            .collect();
    let mut report = ImportReport::default();
    let rows: Vec<MunicipalityRow> = rows
        .iter()
        .map(|row| MunicipalityRow {
            name: row.name.clone(),
            key: match_key(&row.name),
            population: row.population,
            region: row.region.clone(),
            aliases: reference::stored_aliases(&row.aliases),
            valid_from: row.valid_from,
            valid_to: row.valid_to,
        })
        .collect();
    for row in &rows {
        match before.get(&row.key) {
            None => report.added += 1,
            Some(m)
                if m.name == row.name
                    && m.population == row.population
                    && m.region == row.region
                    && m.aliases == row.aliases
                    && m.valid_from == row.valid_from
                    && m.valid_to == row.valid_to =>
            {
                report.unchanged += 1
            }
            Some(_) => report.updated += 1,
        }
    }
    db::organisations::upsert_municipalities(&*tx, organisation_id, &rows).await?;
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_excel_style_files() {
        let text = "\u{feff}Kommune;Innbyggere;Region\r\nBærum;130 772;Vest\r\nAsker;98.514;\r\n\r\nLunner;;Hadeland\r\n";
        let rows = parse(&decode(text.as_bytes())).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].name, "Bærum");
        assert_eq!(rows[0].population, Some(130772));
        assert_eq!(rows[0].region.as_deref(), Some("Vest"));
        assert_eq!(rows[1].population, Some(98514));
        assert_eq!(rows[1].region, None);
        assert_eq!(rows[2].population, None);
    }

    #[test]
    fn windows_1252_files_keep_their_letters() {
        let bytes = b"B\xe6rum;1\nR\xe6lingen;2\n\xc5s;3\n";
        let rows = parse(&decode(bytes)).unwrap();
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Bærum", "Rælingen", "Ås"]);
    }

    #[test]
    fn every_bad_line_is_named() {
        let errors =
            parse("Asker;lots\nAsker;1\n;5\nNes;1.2\nAsker;2\nX;1;r;;;;extra\n").unwrap_err();
        assert_eq!(errors[0].line, 1, "{errors:?}");
        assert!(errors.iter().any(|e| e.line == 3), "{errors:?}");
        assert!(errors.iter().any(|e| e.line == 4), "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.to_string().contains("line 5: Asker appears twice")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.line == 6), "{errors:?}");
        assert!(parse("\n\n").is_err());
    }

    #[test]
    fn aliases_and_validity_dates_are_read() {
        let text = "Kommune;Innbyggere;Region;Andre navn;Fra;Til\n\
            Eigersund;14 811;Dalane;Egersund, Helleland, egersund\n\
            Lunner;9 200;Hadeland;;01.01.2024\n\
            Gamle Nes;1;;;2010-01-01;2019-12-31\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows[0].aliases, ["Egersund", "Helleland"]);
        assert_eq!(rows[1].valid_from, NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(rows[1].valid_to, None);
        assert_eq!(rows[2].valid_to, NaiveDate::from_ymd_opt(2019, 12, 31));
        // A comma file quotes its alias list.
        let rows = parse("Eigersund,14811,Dalane,\"Egersund, Helleland\"\n").unwrap();
        assert_eq!(rows[0].aliases, ["Egersund", "Helleland"]);
    }

    #[test]
    fn an_alias_names_one_municipality_and_dates_must_be_dates() {
        let errors = parse(
            "Eigersund;1;;Sokndal\nSokndal;2\nHå;3;;Egersund, Hå\nX;4;;Egersund\n\
             Y;5;;;1.1.24x\nZ;6;;;2024-02-01;2024-01-01\n",
        )
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text.contains(&"line 2: Sokndal appears twice".to_string()),
            "{text:?}"
        );
        assert!(
            text.contains(&"line 4: Egersund appears twice".to_string()),
            "{text:?}"
        );
        assert!(
            text.iter().any(|e| e.starts_with("line 5: valid_from")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|e| e.starts_with("line 6: valid_to")),
            "{text:?}"
        );
        assert_eq!(errors.len(), 4, "{text:?}");
    }

    proptest::proptest! {
        /// Any file: every line named in the errors, or rows with sane populations.
        #[test]
        fn any_file_is_read_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            if let Ok(rows) = parse(&decode(&bytes)) {
                proptest::prop_assert!(rows.iter().all(|r| !r.name.is_empty()
                    && r.population.is_none_or(|p| (0..=MAX_POPULATION).contains(&p))));
            }
        }

        #[test]
        fn any_csv_like_text_is_read_or_refused(text in "([^;\r\n]{0,12};[0-9 .]{0,12};[^;\r\n]{0,8}\r?\n){0,8}") {
            let _ = parse(&decode(text.as_bytes()));
        }
    }
}
