//! Forms on pages, after the GOV.UK Design System: every field with its label, hint and
//! error tied together, the input kept on error, messages in the reader's language.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ShowErrorPage;
use crate::domain::{FieldErrors, Language};

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

    /// The input type (`email`, `date`, `time`, `number`…).
    pub fn of_type(mut self, input_type: &'static str) -> Field {
        self.input_type = input_type;
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

/// The core's field problems (English, as the API gives them) in the reader's words, as
/// error-summary links in the order the fields appear on the page (`order`).
pub fn error_links(
    errors: &FieldErrors,
    lang: Language,
    order: &[&str],
    specific: impl Fn(&str, &str) -> Option<String>,
) -> Vec<ErrorLink> {
    let mut links: Vec<(usize, ErrorLink)> = errors
        .iter()
        .map(|(field, problem)| {
            let message = specific(field, problem)
                .unwrap_or_else(|| format!("{}: {}", field, problem_text(problem, lang)));
            let position = order.iter().position(|f| f == field).unwrap_or(usize::MAX);
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

/// A problem message of the core in `lang` (the core words them in English for the API).
pub fn problem_text(problem: &str, lang: Language) -> String {
    if lang == Language::En {
        return capitalise(problem);
    }
    if let Some(n) = problem
        .strip_prefix("must be at most ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        return format!("Kan være høyst {n} tegn");
    }
    match problem {
        "is required" => "Må fylles ut".into(),
        "must not contain line breaks or control characters" => {
            "Kan ikke inneholde linjeskift eller kontrolltegn".into()
        }
        "must not contain control characters" => "Kan ikke inneholde kontrolltegn".into(),
        "must not contain spaces or line breaks" => "Kan ikke inneholde mellomrom".into(),
        "is not a valid email address" => {
            "Skriv inn en e-postadresse i riktig format, som navn@eksempel.no".into()
        }
        "must be an http(s) URL" => "Må være en nettadresse som begynner med https://".into(),
        other => capitalise(other),
    }
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
        assert_eq!(problem_text("is required", Language::Nb), "Må fylles ut");
        assert_eq!(
            problem_text("must be at most 200 characters", Language::Nb),
            "Kan være høyst 200 tegn"
        );
        assert_eq!(problem_text("is required", Language::En), "Is required");
    }
}
