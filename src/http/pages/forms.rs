//! Forms on pages, after the GOV.UK Design System: every field with its label, hint and
//! error tied together, the input kept on error, messages in the reader's language.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Pages;
use super::ShowErrorPage;
use crate::domain::problems::{one_of, LineFault, LineProblem};
use crate::domain::{FieldErrors, Language, Problem};

/// A posted form (`application/x-www-form-urlencoded`, repeated names allowed). Anything
/// unreadable is a 400 page, never a 500.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = ShowErrorPage;

    async fn from_request(req: Request, state: &S) -> Result<Self, ShowErrorPage> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ShowErrorPage::bad_request())?;
        serde_html_form::from_bytes(&bytes)
            .map(PageForm)
            .map_err(|_| ShowErrorPage::bad_request())
    }
}

/// A link in the error summary: the message, and the id of the field it is about.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorLink {
    /// `None` for a problem that is not about one field.
    pub field: Option<String>,
    pub message: String,
}

/// One form field as the templates draw it (`partials/*_field.hbs`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Field {
    pub id: String,
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    pub value: String,
    pub error: Option<String>,
    pub optional: bool,
    pub input_type: &'static str,
    pub autocomplete: Option<&'static str>,
    pub spellcheck_off: bool,
    pub inputmode: Option<&'static str>,
    pub list: Option<String>,
    pub short: bool,
    pub rows: Option<u32>,
    /// Choices of a select or radios.
    pub options: Vec<Choice>,
    /// A checkbox: its legend, and whether it is ticked.
    pub legend: Option<String>,
    pub checked: bool,
    /// Ids of the hint and the error, for `aria-describedby`.
    pub described_by: Option<String>,
}

/// One choice of a select or radio group.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Field {
    /// A text input named `name` (its id too).
    pub fn text(name: &str, label: impl Into<String>, value: Option<&str>) -> Field {
        Field {
            id: name.replace(['[', ']', '.'], "-"),
            name: name.to_string(),
            label: label.into(),
            value: value.unwrap_or_default().to_string(),
            input_type: "text",
            ..Default::default()
        }
    }

    /// Marks the field "(valgfritt)".
    pub fn optional(mut self) -> Field {
        self.optional = true;
        self
    }

    /// A hint under the label.
    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    /// The input type (`email`, `url`, `date`, `time`, `number`…). Addresses are typed
    /// `text` with an `inputmode` (GOV.UK's pattern): a wrong value kept after an error stays
    /// valid HTML, and every engine and password manager accepts `autocomplete` on them. A
    /// date, time or number whose kept value the type would reject is shown as text too.
    pub fn of_type(mut self, input_type: &'static str) -> Field {
        match input_type {
            "email" | "url" => {
                self.input_type = "text";
                self.inputmode = Some(input_type);
                self.spellcheck_off = true;
            }
            _ if !self.value.is_empty() && !fits_type(input_type, &self.value) => {
                self.input_type = "text";
            }
            _ => self.input_type = input_type,
        }
        self
    }

    /// An `autocomplete` token.
    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = Some(token);
        self
    }

    /// No spell checking (names, addresses).
    pub fn no_spellcheck(mut self) -> Field {
        self.spellcheck_off = true;
        self
    }

    /// Choices (for a select or radios); `selected` is the current value.
    pub fn choices(mut self, choices: Vec<(String, String)>, selected: &str) -> Field {
        self.options = choices
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == selected,
                value,
                label,
            })
            .collect();
        self
    }

    /// Finishes the field: takes its error from `errors` (already in the reader's words)
    /// and ties hint and error to the input.
    pub fn done(mut self, errors: &[ErrorLink]) -> Field {
        self.error = errors
            .iter()
            .find(|e| e.field.as_deref() == Some(self.id.as_str()))
            .map(|e| e.message.clone());
        let ids: Vec<String> = [
            self.hint.as_ref().map(|_| format!("{}-hint", self.id)),
            self.error.as_ref().map(|_| format!("{}-error", self.id)),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.described_by = (!ids.is_empty()).then(|| ids.join(" "));
        self
    }
}

/// Whether `value` is a valid value of an `<input type=…>` (HTML's value sanitisation would
/// otherwise drop what the person typed).
fn fits_type(input_type: &str, value: &str) -> bool {
    match input_type {
        "date" => value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        "time" => {
            (value.len() == 5 && chrono::NaiveTime::parse_from_str(value, "%H:%M").is_ok())
                || (value.len() == 8
                    && chrono::NaiveTime::parse_from_str(value, "%H:%M:%S").is_ok())
        }
        "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
        _ => true,
    }
}

/// The core's field problems in the reader's words, as error-summary links in the order
/// the fields appear on the page (`order`); `specific` words a field's problem its own way.
pub fn error_links(
    pages: &Pages,
    errors: &FieldErrors,
    lang: Language,
    order: &[&str],
    specific: impl Fn(&str, &Problem) -> Option<String>,
) -> Vec<ErrorLink> {
    let mut links: Vec<(usize, ErrorLink)> = errors
        .iter()
        .map(|(field, problem)| {
            let message = specific(field, problem)
                .unwrap_or_else(|| format!("{}: {}", field, problem_text(pages, problem, lang)));
            let position = order.iter().position(|f| *f == field).unwrap_or(usize::MAX);
            (
                position,
                ErrorLink {
                    field: Some(field.replace(['[', ']', '.'], "-")),
                    message,
                },
            )
        })
        .collect();
    links.sort_by_key(|(p, _)| *p);
    links.into_iter().map(|(_, l)| l).collect()
}

/// A field's problem in `lang`, as a sentence (`problem_*` texts).
pub fn problem_text(pages: &Pages, problem: &Problem, lang: Language) -> String {
    let t = |k: &str| pages.text(lang, k);
    match problem {
        Problem::Required => t("problem_required"),
        Problem::TooLong { max } => t("problem_too_long").replace("{max}", &max.to_string()),
        Problem::LineBreaks => t("problem_line_breaks"),
        Problem::ControlCharacters => t("problem_control_characters"),
        Problem::Spaces => t("problem_spaces"),
        Problem::NotAnEmail => t("problem_not_an_email"),
        Problem::NotAUrl => t("problem_not_a_url"),
        Problem::SlugLength => t("problem_slug_length"),
        Problem::SlugCharacters => t("problem_slug_characters"),
        Problem::NotAChoice { choices } => {
            t("problem_not_a_choice").replace("{choices}", &one_of(choices, &t("or")))
        }
        Problem::NotADate => t("problem_not_a_date"),
        Problem::NotAYear => t("problem_not_a_year"),
        Problem::NotATime => t("problem_not_a_time"),
        Problem::NotAnEventId => t("problem_not_an_event_id"),
        Problem::NotACursor => t("problem_not_a_cursor"),
        Problem::NumberRange { min, max } => t("problem_number_range")
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        Problem::Capacity { max } => t("problem_capacity").replace("{max}", &max.to_string()),
        Problem::BeforeStart => t("problem_before_start"),
        Problem::EndsBeforeStart => t("problem_ends_before_start"),
        Problem::NotAMonth => t("problem_not_a_month"),
        Problem::MonthOrTimes => t("problem_month_or_times"),
        Problem::UndatedWithRegistrations => t("problem_undated_with_registrations"),
        Problem::ClosesBeforeOpens => t("problem_closes_before_opens"),
        Problem::NoSuchNetwork => t("problem_no_such_network"),
        Problem::NoSuchSeries => t("problem_no_such_series"),
        Problem::MembersOnlyNeedsNetwork => t("problem_members_only_needs_network"),
        Problem::UseCancel => t("problem_use_cancel"),
        Problem::PeopleRegistered => t("problem_people_registered"),
        Problem::NoSessions => t("problem_no_sessions"),
        Problem::TooManySessions { max } => {
            t("problem_too_many_sessions").replace("{max}", &max.to_string())
        }
        Problem::NotASessionOfThisEvent | Problem::UnknownSession => t("problem_unknown_session"),
        Problem::AppearsTwice => t("problem_appears_twice"),
        Problem::RequiredBoolean => t("problem_required"),
        Problem::EmptyList => t("problem_empty_list"),
        Problem::NotAWebinar => t("problem_not_a_webinar"),
        Problem::NotEnded => t("problem_not_ended"),
        Problem::HalfHours => t("problem_half_hours"),
        Problem::TooManyRoles { max } => {
            t("problem_too_many_roles").replace("{max}", &max.to_string())
        }
        Problem::InUse { key } => t("problem_in_use").replace("{key}", key),
        Problem::FileLines(lines) => lines
            .iter()
            .map(|l| line_problem_text(pages, l, lang))
            .collect::<Vec<_>>()
            .join("; "),
        // Only the API meets these (the pages send no JSON and no ids of their own).
        Problem::UnknownRegistrations(message) | Problem::Unreadable(message) => {
            capitalise(message)
        }
    }
}

/// A wrong line of an uploaded reference list, in `lang` (`line_*` texts).
pub fn line_problem_text(pages: &Pages, problem: &LineProblem, lang: Language) -> String {
    let t = |k: &str| pages.text(lang, k);
    let text = match &problem.problem {
        LineFault::NoRows => return t("line_no_rows"),
        LineFault::Unreadable(e) => t("line_unreadable").replace("{error}", e),
        LineFault::Name => t("line_name"),
        LineFault::AppearsTwice { name } => t("line_twice").replace("{name}", name),
        LineFault::Population { value, name } => t("line_population")
            .replace("{value}", value)
            .replace("{name}", name),
        LineFault::Region => t("line_region"),
        LineFault::Fields { found } => t("line_fields").replace("{found}", &found.to_string()),
        LineFault::Field { field, problem } => t("line_field")
            .replace("{field}", &t(&format!("column_{field}")))
            .replace("{problem}", &problem_text(pages, problem, lang)),
        LineFault::TooManyLines { max } => t("line_too_many").replace("{max}", &max.to_string()),
        LineFault::CertificateFields { found } => {
            t("line_certificate_fields").replace("{found}", &found.to_string())
        }
    };
    t("line_prefix")
        .replace("{line}", &problem.line.to_string())
        .replace("{problem}", &text)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_tie_hint_and_error_to_the_input() {
        let errors = vec![ErrorLink {
            field: Some("email".into()),
            message: "Skriv inn e-postadressen din".into(),
        }];
        let f = Field::text("email", "E-post", Some("x"))
            .hint("Vi sender bekreftelsen hit")
            .done(&errors);
        assert_eq!(f.described_by.as_deref(), Some("email-hint email-error"));
        assert_eq!(f.error.as_deref(), Some("Skriv inn e-postadressen din"));
        assert_eq!(
            Field::text("name", "Navn", None).done(&errors).described_by,
            None
        );
    }

    #[test]
    fn problems_in_norwegian() {
        let pages = Pages::load().unwrap();
        assert_eq!(
            problem_text(&pages, &Problem::Required, Language::Nb),
            "Må fylles ut"
        );
        assert_eq!(
            problem_text(&pages, &Problem::TooLong { max: 200 }, Language::Nb),
            "Kan være høyst 200 tegn"
        );
        assert_eq!(
            problem_text(&pages, &Problem::choice(&["a", "b", "c"]), Language::Nb),
            "Må være a, b eller c"
        );
        assert_eq!(
            problem_text(&pages, &Problem::Required, Language::En),
            "Is required"
        );
    }

    #[test]
    fn every_problem_has_a_text_in_both_languages() {
        let pages = Pages::load().unwrap();
        let line = |problem| LineProblem { line: 3, problem };
        let all = [
            Problem::Required,
            Problem::TooLong { max: 1 },
            Problem::LineBreaks,
            Problem::ControlCharacters,
            Problem::Spaces,
            Problem::NotAnEmail,
            Problem::NotAUrl,
            Problem::TooManyRoles { max: 30 },
            Problem::InUse {
                key: "leder".into(),
            },
            Problem::NotAWebinar,
            Problem::NotEnded,
            Problem::HalfHours,
            Problem::SlugLength,
            Problem::SlugCharacters,
            Problem::choice(&["a"]),
            Problem::NotADate,
            Problem::NotAYear,
            Problem::NotATime,
            Problem::NotAnEventId,
            Problem::NumberRange { min: 1, max: 2 },
            Problem::Capacity { max: 2 },
            Problem::BeforeStart,
            Problem::EndsBeforeStart,
            Problem::NotAMonth,
            Problem::MonthOrTimes,
            Problem::UndatedWithRegistrations,
            Problem::ClosesBeforeOpens,
            Problem::NoSuchNetwork,
            Problem::NoSuchSeries,
            Problem::MembersOnlyNeedsNetwork,
            Problem::UseCancel,
            Problem::PeopleRegistered,
            Problem::NoSessions,
            Problem::TooManySessions { max: 2 },
            Problem::NotASessionOfThisEvent,
            Problem::AppearsTwice,
            Problem::RequiredBoolean,
            Problem::UnknownSession,
            Problem::EmptyList,
            Problem::FileLines(vec![
                line(LineFault::Unreadable("x".into())),
                line(LineFault::Name),
                line(LineFault::AppearsTwice { name: "x".into() }),
                line(LineFault::Population {
                    value: "x".into(),
                    name: "y".into(),
                }),
                line(LineFault::Region),
                line(LineFault::Fields { found: 4 }),
                line(LineFault::NoRows),
                line(LineFault::Field {
                    field: "date",
                    problem: Problem::NotADate,
                }),
                line(LineFault::CertificateFields { found: 2 }),
                line(LineFault::TooManyLines { max: 2 }),
            ]),
        ];
        for lang in [Language::Nb, Language::En] {
            for p in &all {
                let text = problem_text(&pages, p, lang);
                assert!(
                    !text.contains("problem_") && !text.contains("line_"),
                    "{p:?} in {lang:?}: {text}"
                );
            }
        }
    }
}
