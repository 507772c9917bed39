//! What is wrong with a field, as a type: the API words it in English (its JSON `fields`
//! map), the pages in the reader's language, and nobody parses a sentence back.
use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    /// One-line text with a line break or another control character.
    LineBreaks,
    /// Long text with a control character other than line breaks and tabs.
    ControlCharacters,
    /// A mail address with a space or a line break.
    Spaces,
    NotAnEmail,
    NotAUrl,
    SlugLength,
    SlugCharacters,
    /// Not one of a list of words (the list may be the organisation's own).
    NotAChoice {
        choices: Vec<String>,
    },
    NotADate,
    NotAYear,
    /// Neither an RFC 3339 time nor a date.
    NotATime,
    NotAnEventId,
    /// A list's `after` that no `Link: rel="next"` of that list gave.
    NotACursor,
    /// A whole number outside `min..=max`.
    NumberRange {
        min: i64,
        max: i64,
    },
    /// A capacity that is not a whole number from 0 to the limit (or no limit).
    Capacity {
        max: i64,
    },
    /// The end of a period before its start (`to` before `from`).
    BeforeStart,
    /// A session that ends before it starts.
    EndsBeforeStart,
    /// Not a month written `YYYY-MM`.
    NotAMonth,
    /// A session with both a month and times (a month is for one whose date is not set).
    MonthOrTimes,
    /// A session without a date for an event people have signed up to.
    UndatedWithRegistrations,
    /// Registration closing before it opens.
    ClosesBeforeOpens,
    NoSuchNetwork,
    NoSuchSeries,
    MembersOnlyNeedsNetwork,
    /// Cancelling by setting the status (there is a cancel action for that).
    UseCancel,
    /// Back to draft with people registered.
    PeopleRegistered,
    NoSessions,
    TooManySessions {
        max: usize,
    },
    NotASessionOfThisEvent,
    AppearsTwice,
    /// A yes/no field left out.
    RequiredBoolean,
    /// A session id that is not one of the event's sessions.
    UnknownSession,
    /// Registration ids that are not the event's.
    UnknownRegistrations(String),
    /// A list that must not be empty.
    EmptyList,
    /// A recording for an event that is not a webinar.
    NotAWebinar,
    /// A recording before the event has ended.
    NotEnded,
    /// More roles than a list may hold.
    TooManyRoles {
        max: usize,
    },
    /// A role registrations use, left out of a new list: it may be relabelled, not removed.
    InUse {
        key: String,
    },
    /// Lines of an uploaded file that are wrong (nothing of the file is used).
    FileLines(Vec<LineProblem>),
    /// The JSON body could not be read as the request's type (the parser's own words).
    Unreadable(String),
    /// Course hours that are not 0.5 to 10000 in steps of a half.
    HalfHours,
}

impl Problem {
    /// Not one of `choices`.
    pub fn choice(choices: &[&str]) -> Problem {
        Problem::NotAChoice {
            choices: choices.iter().map(|c| c.to_string()).collect(),
        }
    }
}

impl fmt::Display for Problem {
    /// The API's English wording (stable: clients may show it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => f.write_str("is required"),
            Problem::TooLong { max } => write!(f, "must be at most {max} characters"),
            Problem::LineBreaks => {
                f.write_str("must not contain line breaks or control characters")
            }
            Problem::ControlCharacters => f.write_str("must not contain control characters"),
            Problem::Spaces => f.write_str("must not contain spaces or line breaks"),
            Problem::NotAnEmail => f.write_str("is not a valid email address"),
            Problem::NotAUrl => f.write_str("must be an http(s) URL"),
            Problem::SlugLength => f.write_str("must be 2 to 64 characters"),
            Problem::SlugCharacters => f.write_str("may hold only a-z, 0-9 and inner dashes"),
            Problem::NotAChoice { choices } => write!(f, "must be {}", one_of(choices, "or")),
            Problem::NotADate => f.write_str("must be a date like 2025-01-31"),
            Problem::NotAYear => f.write_str("must be a year like 2025"),
            Problem::NotATime => f.write_str("must be an RFC 3339 time or a date (YYYY-MM-DD)"),
            Problem::NotAnEventId => f.write_str("must be an event id"),
            Problem::NotACursor => {
                f.write_str("must be the after value of this list's Link rel=\"next\"")
            }
            Problem::NumberRange { min, max } => write!(f, "must be a number from {min} to {max}"),
            Problem::Capacity { max } => {
                write!(f, "must be a whole number from 0 to {max}, or null")
            }
            Problem::BeforeStart => f.write_str("must not be before from"),
            Problem::EndsBeforeStart => f.write_str("must be after starts_at"),
            Problem::NotAMonth => f.write_str("must be a month written YYYY-MM"),
            Problem::MonthOrTimes => {
                f.write_str("give either month (date not settled) or starts_at and ends_at")
            }
            Problem::UndatedWithRegistrations => {
                f.write_str("people are signed up: every session needs its date and time")
            }
            Problem::ClosesBeforeOpens => f.write_str("must be after registration_opens_at"),
            Problem::NoSuchSeries => f.write_str("is not a series of this organisation"),
            Problem::NoSuchNetwork => f.write_str("no such network in your organisation"),
            Problem::MembersOnlyNeedsNetwork => f.write_str("a members-only event needs a network"),
            Problem::UseCancel => f.write_str("use POST /events/{id}/cancel to cancel"),
            Problem::PeopleRegistered => {
                f.write_str("people are registered; cancel the event instead of making it a draft")
            }
            Problem::NoSessions => f.write_str("at least one session is required"),
            Problem::TooManySessions { max } => write!(f, "at most {max} sessions"),
            Problem::NotASessionOfThisEvent => f.write_str("not a session of this event"),
            Problem::AppearsTwice => f.write_str("appears twice"),
            Problem::RequiredBoolean => f.write_str("is required (true or false)"),
            Problem::UnknownSession => f.write_str("is not a session of this event"),
            Problem::UnknownRegistrations(message) => f.write_str(message),
            Problem::EmptyList => f.write_str("must list at least one registration id"),
            Problem::NotAWebinar => f.write_str("only a webinar has a recording"),
            Problem::NotEnded => f.write_str("can be set once the event has ended"),
            Problem::TooManyRoles { max } => write!(f, "at most {max} roles"),
            Problem::InUse { key } => write!(
                f,
                "must keep the role {key}: registrations have it (relabel it instead)"
            ),
            Problem::FileLines(lines) => {
                let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("; "))
            }
            Problem::Unreadable(message) => f.write_str(message),
            Problem::HalfHours => {
                f.write_str("must be a number of hours from 0.5 to 10000 in steps of 0.5")
            }
        }
    }
}

/// One wrong line of an uploaded reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub problem: LineFault,
}

/// What is wrong with a line of an uploaded reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineFault {
    /// The CSV reader could not read it (its own words).
    Unreadable(String),
    /// The name is empty, too long or holds control characters.
    Name,
    AppearsTwice {
        name: String,
    },
    Population {
        value: String,
        name: String,
    },
    Region,
    /// The file has no rows at all (`line` is 0).
    NoRows,
    /// A field of a line of a certificate import.
    Field {
        field: &'static str,
        problem: Problem,
    },
    /// More lines than an import takes (`line` is the first one too many).
    TooManyLines {
        max: usize,
    },
    /// A certificate import's line without name;course;date;municipality[;series].
    CertificateFields {
        found: usize,
    },
    /// More than name;population;region;aliases;valid_from;valid_to.
    Fields {
        found: usize,
    },
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.line;
        match &self.problem {
            LineFault::NoRows => f.write_str("the file lists no municipalities"),
            LineFault::Unreadable(e) => write!(f, "line {line}: {e}"),
            LineFault::Name => write!(f, "line {line}: the name must be 1 to 200 characters"),
            LineFault::AppearsTwice { name } => write!(f, "line {line}: {name} appears twice"),
            LineFault::Population { value, name } => write!(
                f,
                "line {line}: population {value:?} of {name} is not a whole number"
            ),
            LineFault::Region => {
                write!(f, "line {line}: the region must be at most 200 characters")
            }
            LineFault::Fields { found } => write!(
                f,
                "line {line}: expected name;population;region[;aliases;valid_from;valid_to], found {found} fields"
            ),
            LineFault::TooManyLines { max } => {
                write!(f, "line {line}: too many lines (at most {max})")
            }
            LineFault::Field { field, problem } => write!(f, "line {line}: {field} {problem}"),
            LineFault::CertificateFields { found } => write!(
                f,
                "line {line}: expected name;course;date;municipality[;series], found {found} fields"
            ),
        }
    }
}

/// "a, b or c".
pub fn one_of(choices: &[impl AsRef<str>], or: &str) -> String {
    let choices: Vec<&str> = choices.iter().map(AsRef::as_ref).collect();
    match choices.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} {or} {last}", rest.join(", ")),
    }
}

/// Field name → its problem; sent to clients as the `fields` map of a 400 (in English).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Problem>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// One field's problem.
    pub fn one(field: impl Into<String>, problem: Problem) -> FieldErrors {
        let mut errors = FieldErrors::new();
        errors.insert(field, problem);
        errors
    }

    /// Records `problem` for `field` (a later problem of the same field replaces it).
    pub fn insert(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.insert(field.into(), problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.get(field)
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The problems in field-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Problem)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// Adds `other`'s problems for fields that have none yet (the first problem found stays).
    pub fn add_missing(&mut self, other: FieldErrors) {
        for (field, problem) in other.0 {
            self.0.entry(field).or_insert(problem);
        }
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_wording_stays_as_clients_know_it() {
        assert_eq!(
            Problem::choice(&["json", "csv", "xlsx", "svg"]).to_string(),
            "must be json, csv, xlsx or svg"
        );
        assert_eq!(
            Problem::TooLong { max: 200 }.to_string(),
            "must be at most 200 characters"
        );
        let errors = FieldErrors::one("email", Problem::Required);
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({"email": "is required"})
        );
    }
}
