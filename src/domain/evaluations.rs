//! Evaluations after an event: the questions (the two presets and custom ones), when an
//! evaluation is open, who is invited and reminded, who may answer, what an answer must
//! be, and how the counters become the tables the annual reports print ("86 % svarte 5 eller
//! høyere på en skala fra 1 til 7"). Answers are confidential, not anonymous: the service
//! stores who answered apart from what (see `db::evaluations`); the rules here never need
//! both at once.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{optional_long_text, required_text, FieldErrors, Problem, RegistrationStatus, Slug};

/// Most questions an evaluation may have.
pub const MAX_QUESTIONS: usize = 30;
/// Longest question text or label.
pub const MAX_QUESTION_TEXT: usize = 500;
/// Longest free-text answer.
pub const MAX_ANSWER_TEXT: usize = 4000;
/// Most options of a choice question.
pub const MAX_OPTIONS: usize = 20;
/// Largest scale (1–10).
pub const MAX_SCALE: i64 = 10;
/// How long an evaluation is open unless its closing is set.
pub const DEFAULT_OPEN_DAYS: i64 = 14;
/// When the one reminder goes to those who have not answered, unless set.
pub const DEFAULT_REMINDER_DAYS: i64 = 3;

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// A number from `min` to `max` (radios).
    Scale,
    /// One of the options.
    Choice,
    /// Free text: personal data, deleted with the event's other personal data.
    Text,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Scale => "scale",
            QuestionType::Choice => "choice",
            QuestionType::Text => "text",
        }
    }
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub key: String,
    pub label_nb: String,
    pub label_en: String,
}

/// A question as stored and shown (the API's `questions` items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub text_nb: String,
    pub text_en: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Words for some values of a scale ("1": "svært dårlig"), Norwegian and English.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels_en: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// The value from which a scale answer counts as positive in `share_at_least_percent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    pub required: bool,
}

impl Question {
    /// The question in `lang`.
    pub fn text(&self, lang: super::Language) -> &str {
        match lang {
            super::Language::Nb => &self.text_nb,
            super::Language::En => &self.text_en,
        }
    }

    /// The scale's values, lowest first (empty for other types).
    pub fn values(&self) -> Vec<i64> {
        match (self.kind, self.min, self.max) {
            (QuestionType::Scale, Some(min), Some(max)) => (min..=max).collect(),
            _ => Vec::new(),
        }
    }

    /// The word for a scale value in `lang`, if it has one.
    pub fn label(&self, value: i64, lang: super::Language) -> Option<&str> {
        let key = value.to_string();
        let en = self.labels_en.get(&key);
        match lang {
            super::Language::En => en.or_else(|| self.labels.get(&key)),
            super::Language::Nb => self.labels.get(&key),
        }
        .map(String::as_str)
    }
}

/// The default cut-off of a scale: its upper part (5 on 1–7, 4 on 1–5, 7 on 1–10).
pub fn default_at_least(min: i64, max: i64) -> i64 {
    max - (max - min) / 3
}

const STANDARD_NB: [(&str, &str, &str); 4] = [
    (
        "relevans",
        "Hvor relevant var samlingen for deg og arbeidet ditt?",
        "How relevant was the event to you and your work?",
    ),
    (
        "kvalitet",
        "Hvordan vurderer du kvaliteten på det faglige innholdet?",
        "How do you rate the quality of the content?",
    ),
    (
        "erfaringsdeling",
        "Hvordan var mulighetene for erfaringsdeling og nettverksbygging?",
        "How were the opportunities to share experience and build networks?",
    ),
    (
        "organisering",
        "Hvordan vurderer du organiseringen av samlingen?",
        "How do you rate the organisation of the event?",
    ),
];

const GRAD_NB: [(&str, &str, &str); 4] = [
    (
        "relevans",
        "I hvilken grad var samlingen relevant for deg og arbeidet ditt?",
        "To what extent was the event relevant to you and your work?",
    ),
    (
        "kvalitet",
        "I hvilken grad holdt det faglige innholdet god kvalitet?",
        "To what extent was the content of good quality?",
    ),
    (
        "erfaringsdeling",
        "I hvilken grad ga samlingen mulighet for erfaringsdeling og nettverksbygging?",
        "To what extent did the event let you share experience and build networks?",
    ),
    (
        "organisering",
        "I hvilken grad var samlingen godt organisert?",
        "To what extent was the event well organised?",
    ),
];

const GRAD_STEPS: [(&str, &str); 5] = [
    ("I svært liten grad", "To a very small extent"),
    ("I liten grad", "To a small extent"),
    ("I middels grad", "To a moderate extent"),
    ("I stor grad", "To a large extent"),
    ("I svært stor grad", "To a very large extent"),
];

/// The preset names.
pub const PRESETS: [&str; 2] = ["standard", "grad"];

fn comment_question() -> Question {
    Question {
        key: "kommentar".into(),
        text_nb: "Har du andre kommentarer eller forslag til neste gang?".into(),
        text_en: "Any other comments or suggestions for next time?".into(),
        kind: QuestionType::Text,
        min: None,
        max: None,
        labels: BTreeMap::new(),
        labels_en: BTreeMap::new(),
        options: Vec::new(),
        at_least: None,
        required: false,
    }
}

/// The questions of a preset: relevance, quality, experience sharing and organisation on
/// 1–7 (`standard`, 1 = svært dårlig, 7 = svært god) or on five verbal steps (`grad`), and
/// a free-text comment.
pub fn preset(name: &str) -> Option<Vec<Question>> {
    let (texts, max, at_least) = match name {
        "standard" => (&STANDARD_NB, 7, 5),
        "grad" => (&GRAD_NB, 5, 3),
        _ => return None,
    };
    let mut questions: Vec<Question> = texts
        .iter()
        .map(|(key, nb, en)| {
            let (labels, labels_en) = if max == 7 {
                (
                    BTreeMap::from([
                        ("1".to_string(), "Svært dårlig".to_string()),
                        ("7".to_string(), "Svært god".to_string()),
                    ]),
                    BTreeMap::from([
                        ("1".to_string(), "Very poor".to_string()),
                        ("7".to_string(), "Very good".to_string()),
                    ]),
                )
            } else {
                let nb = GRAD_STEPS.iter().enumerate();
                (
                    nb.clone()
                        .map(|(i, (nb, _))| ((i + 1).to_string(), nb.to_string()))
                        .collect(),
                    nb.map(|(i, (_, en))| ((i + 1).to_string(), en.to_string()))
                        .collect(),
                )
            };
            Question {
                key: key.to_string(),
                text_nb: nb.to_string(),
                text_en: en.to_string(),
                kind: QuestionType::Scale,
                min: Some(1),
                max: Some(max),
                labels,
                labels_en,
                options: Vec::new(),
                at_least: Some(at_least),
                required: true,
            }
        })
        .collect();
    questions.push(comment_question());
    Some(questions)
}

/// A question as given (API body or desk form), unchecked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionInput {
    pub key: Option<String>,
    pub text_nb: Option<String>,
    pub text_en: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub labels: Option<BTreeMap<String, String>>,
    pub labels_en: Option<BTreeMap<String, String>>,
    pub options: Option<Vec<OptionInput>>,
    pub at_least: Option<i64>,
    pub required: Option<bool>,
}

/// A choice option as given.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OptionInput {
    pub key: Option<String>,
    pub label_nb: Option<String>,
    pub label_en: Option<String>,
}

/// An evaluation's settings as given.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub preset: Option<String>,
    pub questions: Option<Vec<QuestionInput>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// "3d", "36h", or "none".
    pub reminder_after: Option<String>,
}

/// Checked settings. `None` times are the defaults (they follow the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub preset: Option<String>,
    pub questions: Vec<Question>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Minutes after the invitation; `Some(0)`: no reminder; `None`: the default.
    pub reminder_after_minutes: Option<i32>,
}

/// Reads "3d", "36h" or "none" (0: no reminder) as minutes; 1 hour to 30 days.
pub fn parse_reminder_after(text: &str) -> Result<i32, Problem> {
    let text = text.trim().to_lowercase();
    if text == "none" || text == "0" {
        return Ok(0);
    }
    let split = text.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = text.split_at(split);
    let minutes_per = match unit {
        "d" => 24 * 60,
        "h" => 60,
        _ => return Err(Problem::choice(&["3d", "36h", "none"])),
    };
    match number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(minutes_per))
    {
        Some(m) if (60..=30 * 24 * 60).contains(&m) => Ok(m as i32),
        _ => Err(Problem::NumberRange { min: 1, max: 30 }),
    }
}

/// Checks the settings: every problem at once, by field (`questions[2].max`…). A preset
/// gives its questions; custom questions come after them; at least one question in all.
pub fn check_settings(input: &SettingsInput) -> Result<Settings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut questions = Vec::new();
    let preset_name = input
        .preset
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(name) = preset_name {
        match preset(name) {
            Some(list) => questions.extend(list),
            None => errors.insert("preset", Problem::choice(&PRESETS)),
        }
    }
    let custom = input.questions.as_deref().unwrap_or_default();
    if preset_name.is_none() && custom.is_empty() {
        errors.insert("questions", Problem::Required);
    }
    for (i, q) in custom.iter().enumerate() {
        if let Some(q) = check_question(&mut errors, i, q, &questions) {
            questions.push(q);
        }
    }
    if questions.len() > MAX_QUESTIONS {
        errors.insert(
            "questions",
            Problem::NumberRange {
                min: 1,
                max: MAX_QUESTIONS as i64,
            },
        );
    }
    let reminder_after_minutes = check_schedule(&mut errors, input);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Settings {
        preset: preset_name.map(str::to_string),
        questions,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        reminder_after_minutes,
    })
}

/// The schedule's problems (closing before opening, an unreadable reminder period), and
/// the reminder in minutes (`None`: the default).
fn check_schedule(errors: &mut FieldErrors, input: &SettingsInput) -> Option<i32> {
    // Years a person would type: anything else is a mistake (and would overflow later).
    let plausible = |t: DateTime<Utc>| (2000..=2100).contains(&chrono::Datelike::year(&t));
    for (field, at) in [("opens_at", input.opens_at), ("closes_at", input.closes_at)] {
        if at.is_some_and(|t| !plausible(t)) {
            errors.insert(field, Problem::NotADate);
        }
    }
    if let (Some(opens), Some(closes)) = (input.opens_at, input.closes_at) {
        if closes <= opens {
            errors.insert("closes_at", Problem::ClosesBeforeOpens);
        }
    }
    let text = input.reminder_after.as_deref()?;
    parse_reminder_after(text)
        .map_err(|p| errors.insert("reminder_after", p))
        .ok()
}

/// Checks a new schedule for questions that stay as they are (`preset` and `questions` of
/// the input are not read).
pub fn check_reschedule(input: &SettingsInput) -> Result<Option<i32>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let minutes = check_schedule(&mut errors, input);
    if errors.is_empty() {
        Ok(minutes)
    } else {
        Err(errors)
    }
}

impl From<&Question> for QuestionInput {
    /// A question as input again (to copy an evaluation to another event).
    fn from(q: &Question) -> QuestionInput {
        QuestionInput {
            key: Some(q.key.clone()),
            text_nb: Some(q.text_nb.clone()),
            text_en: Some(q.text_en.clone()),
            kind: Some(q.kind.as_str().to_string()),
            min: q.min,
            max: q.max,
            labels: Some(q.labels.clone()),
            labels_en: Some(q.labels_en.clone()),
            options: Some(
                q.options
                    .iter()
                    .map(|o| OptionInput {
                        key: Some(o.key.clone()),
                        label_nb: Some(o.label_nb.clone()),
                        label_en: Some(o.label_en.clone()),
                    })
                    .collect(),
            ),
            at_least: q.at_least,
            required: Some(q.required),
        }
    }
}

fn check_question(
    errors: &mut FieldErrors,
    i: usize,
    q: &QuestionInput,
    before: &[Question],
) -> Option<Question> {
    let field = |name: &str| format!("questions[{i}].{name}");
    let start = errors.len();
    let key = match Slug::parse(q.key.as_deref().unwrap_or_default()) {
        Ok(slug) if before.iter().any(|b| b.key == slug.as_str()) => {
            errors.insert(field("key"), Problem::AppearsTwice);
            String::new()
        }
        Ok(slug) => slug.as_str().to_string(),
        Err(p) => {
            errors.insert(field("key"), p);
            String::new()
        }
    };
    let text_nb = required_text(
        errors,
        &field("text_nb"),
        q.text_nb.as_deref(),
        MAX_QUESTION_TEXT,
    );
    let text_en = match q
        .text_en
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(en) => required_text(errors, &field("text_en"), Some(en), MAX_QUESTION_TEXT),
        None => text_nb.clone(),
    };
    let kind = match q.kind.as_deref() {
        Some("scale") => QuestionType::Scale,
        Some("choice") => QuestionType::Choice,
        Some("text") => QuestionType::Text,
        _ => {
            errors.insert(field("type"), Problem::choice(&["scale", "choice", "text"]));
            QuestionType::Text
        }
    };
    let (mut min, mut max, mut at_least) = (None, None, None);
    let mut labels = BTreeMap::new();
    let mut labels_en = BTreeMap::new();
    let mut options = Vec::new();
    match kind {
        QuestionType::Scale => {
            let lo = q.min.unwrap_or(1);
            let hi = q.max.unwrap_or(7);
            if !(0..=1).contains(&lo) {
                errors.insert(field("min"), Problem::NumberRange { min: 0, max: 1 });
            }
            if !(lo + 1..=MAX_SCALE).contains(&hi) {
                errors.insert(
                    field("max"),
                    Problem::NumberRange {
                        min: lo + 1,
                        max: MAX_SCALE,
                    },
                );
            }
            let cut = q.at_least.unwrap_or_else(|| default_at_least(lo, hi));
            if !(lo..=hi).contains(&cut) {
                errors.insert(field("at_least"), Problem::NumberRange { min: lo, max: hi });
            }
            for (name, given, out) in [
                ("labels", &q.labels, &mut labels),
                ("labels_en", &q.labels_en, &mut labels_en),
            ] {
                for (value, label) in given.iter().flatten() {
                    let fits = value.parse::<i64>().is_ok_and(|v| (lo..=hi).contains(&v));
                    let f = format!("{}.{value}", field(name));
                    if !fits {
                        errors.insert(f, Problem::NumberRange { min: lo, max: hi });
                        continue;
                    }
                    let label = required_text(errors, &f, Some(label), MAX_QUESTION_TEXT);
                    out.insert(value.parse::<i64>().unwrap_or(lo).to_string(), label);
                }
            }
            (min, max, at_least) = (Some(lo), Some(hi), Some(cut));
        }
        QuestionType::Choice => {
            let given = q.options.as_deref().unwrap_or_default();
            if !(2..=MAX_OPTIONS).contains(&given.len()) {
                errors.insert(
                    field("options"),
                    Problem::NumberRange {
                        min: 2,
                        max: MAX_OPTIONS as i64,
                    },
                );
            }
            for (j, o) in given.iter().enumerate() {
                let f = |name: &str| format!("{}[{j}].{name}", field("options"));
                let key = match Slug::parse(o.key.as_deref().unwrap_or_default()) {
                    Ok(s) if options.iter().any(|x: &ChoiceOption| x.key == s.as_str()) => {
                        errors.insert(f("key"), Problem::AppearsTwice);
                        continue;
                    }
                    Ok(s) => s.as_str().to_string(),
                    Err(p) => {
                        errors.insert(f("key"), p);
                        continue;
                    }
                };
                let nb = required_text(
                    errors,
                    &f("label_nb"),
                    o.label_nb.as_deref(),
                    MAX_QUESTION_TEXT,
                );
                let en = o
                    .label_en
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map_or_else(|| nb.clone(), str::to_string);
                options.push(ChoiceOption {
                    key,
                    label_nb: nb,
                    label_en: en,
                });
            }
        }
        QuestionType::Text => {}
    }
    (errors.len() == start).then(|| Question {
        key,
        text_nb,
        text_en,
        kind,
        min,
        max,
        labels,
        labels_en,
        options,
        at_least,
        required: q.required.unwrap_or(kind != QuestionType::Text),
    })
}

/// When an evaluation is open and when its reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// After the invitation; `None`: no reminder.
    pub reminder_after: Option<Duration>,
}

/// Where an evaluation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not open yet (the event has not ended, or the opening is set later).
    Scheduled,
    Open,
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Scheduled => "scheduled",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }
}

impl Window {
    /// The window of stored settings for an event whose last session ends at `event_ends_at`:
    /// by default it opens then and closes 14 days later; the reminder 3 days after the
    /// invitation.
    pub fn of(
        opens_at: Option<DateTime<Utc>>,
        closes_at: Option<DateTime<Utc>>,
        reminder_after_minutes: Option<i32>,
        event_ends_at: DateTime<Utc>,
    ) -> Window {
        let opens_at = opens_at.unwrap_or(event_ends_at);
        Window {
            opens_at,
            closes_at: closes_at.unwrap_or_else(|| {
                opens_at
                    .checked_add_signed(Duration::days(DEFAULT_OPEN_DAYS))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC)
            }),
            reminder_after: match reminder_after_minutes {
                None => Some(Duration::days(DEFAULT_REMINDER_DAYS)),
                Some(0) => None,
                Some(m) => Some(Duration::minutes(i64::from(m))),
            },
        }
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.opens_at {
            Phase::Scheduled
        } else if now < self.closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    /// Whether the reminder of an invitation sent at `invited_at` is due at `now`: after the
    /// set time and never after closing.
    pub fn reminder_due(&self, invited_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.reminder_after
            .is_some_and(|after| invited_at + after <= now && now < self.closes_at)
    }
}

/// Who is invited: confirmed registrants not marked absent (attendance recorded later
/// decides from then on).
pub fn gets_invitation(status: RegistrationStatus, attended: Option<bool>) -> bool {
    status == RegistrationStatus::Confirmed && attended != Some(false)
}

/// Whom the one reminder goes to: the invited who have not answered and have had none.
pub fn gets_evaluation_reminder(answered: bool, reminded: bool) -> bool {
    !answered && !reminded
}

/// Why an answer is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRefusal {
    /// Not open yet, or closed.
    Closed,
    AlreadyAnswered,
    /// A cancelled or waitlisted registration, or one marked absent and never invited.
    NotAParticipant,
}

/// Whether the settings may change: not once closed (the results have been shown; moving
/// the closing and polling the count would single answers out).
pub fn may_change(phase: Phase) -> bool {
    phase != Phase::Closed
}

/// Whether this registration may answer now (`event_published`: a cancelled event takes
/// no answers).
pub fn may_answer(
    status: RegistrationStatus,
    attended: Option<bool>,
    invited: bool,
    answered: bool,
    phase: Phase,
    event_published: bool,
) -> Result<(), AnswerRefusal> {
    if status != RegistrationStatus::Confirmed || (!invited && attended == Some(false)) {
        Err(AnswerRefusal::NotAParticipant)
    } else if phase != Phase::Open || !event_published {
        Err(AnswerRefusal::Closed)
    } else if answered {
        Err(AnswerRefusal::AlreadyAnswered)
    } else {
        Ok(())
    }
}

/// One checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// A scale value or a choice's key: it moves a counter.
    Counted { key: String, value: String },
    /// Free text: stored on its own.
    Comment { key: String, text: String },
}

/// Checks answers given as text (`answers.{key}` fields): required ones present, scale
/// values in range, choices among the options, text not too long, no unknown keys, and
/// at least one answer in all.
pub fn check_answers(
    questions: &[Question],
    answers: &BTreeMap<String, String>,
) -> Result<Vec<Given>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut given = Vec::new();
    for key in answers.keys() {
        if !questions.iter().any(|q| &q.key == key) {
            errors.insert(
                format!("answers.{key}"),
                Problem::NotAChoice {
                    choices: questions.iter().map(|q| q.key.clone()).collect(),
                },
            );
        }
    }
    for q in questions {
        let field = format!("answers.{}", q.key);
        let value = answers
            .get(&q.key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        let Some(value) = value else {
            if q.required {
                errors.insert(field, Problem::Required);
            }
            continue;
        };
        match q.kind {
            QuestionType::Scale => {
                let (lo, hi) = (q.min.unwrap_or(1), q.max.unwrap_or(7));
                match value.parse::<i64>() {
                    Ok(v) if (lo..=hi).contains(&v) => given.push(Given::Counted {
                        key: q.key.clone(),
                        value: v.to_string(),
                    }),
                    _ => errors.insert(field, Problem::NumberRange { min: lo, max: hi }),
                }
            }
            QuestionType::Choice => match q.options.iter().find(|o| o.key == value) {
                Some(o) => given.push(Given::Counted {
                    key: q.key.clone(),
                    value: o.key.clone(),
                }),
                None => errors.insert(
                    field,
                    Problem::NotAChoice {
                        choices: q.options.iter().map(|o| o.key.clone()).collect(),
                    },
                ),
            },
            QuestionType::Text => {
                if let Some(text) =
                    optional_long_text(&mut errors, &field, Some(value), MAX_ANSWER_TEXT)
                {
                    given.push(Given::Comment {
                        key: q.key.clone(),
                        text,
                    });
                }
            }
        }
    }
    if errors.is_empty() && given.is_empty() {
        errors.insert("answers", Problem::Required);
    }
    if errors.is_empty() {
        Ok(given)
    } else {
        Err(errors)
    }
}

/// About how many minutes answering takes (for the invitation): a quarter of a minute per
/// scale or choice, a minute per text question, at least one.
pub fn minutes_to_answer(questions: &[Question]) -> u32 {
    let quarters: usize = questions
        .iter()
        .map(|q| if q.kind == QuestionType::Text { 4 } else { 1 })
        .sum();
    quarters.div_ceil(4).max(1) as u32
}

/// `part` of `whole` in per cent, one decimal (0 of nothing is 0).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// What an organiser sees of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// While open (or before): how many were invited and have answered, nothing more.
    CountsOnly,
    /// Closed, with fewer respondents than the minimum: no distribution, share, breakdown
    /// or comment at all (a few answers could be told apart).
    Suppressed,
    Full,
}

/// The disclosure rule: results only once closed, and only with `min_respondents` or more.
pub fn disclosure(phase: Phase, respondents: u64, min_respondents: u64) -> Disclosure {
    if phase != Phase::Closed {
        Disclosure::CountsOnly
    } else if respondents < min_respondents {
        Disclosure::Suppressed
    } else {
        Disclosure::Full
    }
}

/// One question's counted answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionSummary {
    /// How many answered it.
    pub answered: u64,
    /// Every value of the scale (or option) with its count, zeros included, in order.
    pub distribution: Vec<(String, u64)>,
    /// Scale: the mean, two decimals.
    pub mean: Option<f64>,
    /// Scale: the cut-off used and the share of answers at or above it (one decimal).
    pub at_least: Option<i64>,
    pub share_at_least_percent: Option<f64>,
}

/// Sums a question's counters (`value → count`, several events' counters may be pooled):
/// `at_least` overrides the question's cut-off.
pub fn summarise(
    q: &Question,
    counts: &BTreeMap<String, u64>,
    at_least: Option<i64>,
) -> QuestionSummary {
    let keys: Vec<String> = match q.kind {
        QuestionType::Scale => q.values().iter().map(i64::to_string).collect(),
        QuestionType::Choice => q.options.iter().map(|o| o.key.clone()).collect(),
        QuestionType::Text => Vec::new(),
    };
    let distribution: Vec<(String, u64)> = keys
        .into_iter()
        .map(|k| {
            let n = counts.get(&k).copied().unwrap_or(0);
            (k, n)
        })
        .collect();
    let answered: u64 = distribution.iter().map(|(_, n)| n).sum();
    if q.kind != QuestionType::Scale {
        return QuestionSummary {
            answered,
            distribution,
            mean: None,
            at_least: None,
            share_at_least_percent: None,
        };
    }
    let cut = at_least
        .or(q.at_least)
        .unwrap_or_else(|| default_at_least(q.min.unwrap_or(1), q.max.unwrap_or(7)));
    let mut sum = 0i64;
    let mut positive = 0u64;
    for (k, n) in &distribution {
        let v: i64 = k.parse().unwrap_or(0);
        sum += v * *n as i64;
        if v >= cut {
            positive += n;
        }
    }
    QuestionSummary {
        answered,
        mean: (answered > 0).then(|| (sum as f64 / answered as f64 * 100.0).round() / 100.0),
        at_least: Some(cut),
        share_at_least_percent: (answered > 0).then(|| percent(positive, answered)),
        distribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 3, h, 0, 0).unwrap()
    }

    #[test]
    fn presets_have_four_scales_and_a_comment() {
        let standard = preset("standard").unwrap();
        assert_eq!(standard.len(), 5);
        assert_eq!(standard[0].values(), (1..=7).collect::<Vec<_>>());
        assert_eq!(
            standard[0].label(1, super::super::Language::Nb),
            Some("Svært dårlig")
        );
        assert_eq!(standard[0].at_least, Some(5));
        let grad = preset("grad").unwrap();
        assert_eq!(grad[1].values(), (1..=5).collect::<Vec<_>>());
        assert_eq!(
            grad[1].label(3, super::super::Language::Nb),
            Some("I middels grad")
        );
        assert_eq!(grad[1].at_least, Some(3));
        assert_eq!(grad[4].kind, QuestionType::Text);
        assert!(preset("other").is_none());
    }

    #[test]
    fn default_cut_off_is_the_upper_part() {
        assert_eq!(default_at_least(1, 7), 5);
        assert_eq!(default_at_least(1, 5), 4);
        assert_eq!(default_at_least(1, 10), 7);
    }

    #[test]
    fn settings_are_checked_all_at_once() {
        let bad = SettingsInput {
            preset: Some("nope".into()),
            questions: Some(vec![
                QuestionInput {
                    key: Some("x".into()),
                    kind: Some("scale".into()),
                    max: Some(20),
                    ..Default::default()
                },
                QuestionInput {
                    key: Some("valg".into()),
                    text_nb: Some("Hva?".into()),
                    kind: Some("choice".into()),
                    options: Some(vec![OptionInput {
                        key: Some("a".into()),
                        label_nb: Some("A".into()),
                        label_en: None,
                    }]),
                    ..Default::default()
                },
            ]),
            reminder_after: Some("3w".into()),
            opens_at: Some(at(12)),
            closes_at: Some(at(10)),
        };
        let errors = check_settings(&bad).unwrap_err();
        for field in [
            "preset",
            "questions[0].key",
            "questions[0].text_nb",
            "questions[0].max",
            "questions[1].options",
            "reminder_after",
            "closes_at",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let ok = check_settings(&SettingsInput {
            preset: Some("standard".into()),
            questions: Some(vec![QuestionInput {
                key: Some("nyttig-tema".into()),
                text_nb: Some("Hvilket tema var mest nyttig?".into()),
                kind: Some("text".into()),
                ..Default::default()
            }]),
            reminder_after: Some("2d".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.questions.len(), 6);
        assert!(!ok.questions[5].required);
        assert_eq!(ok.reminder_after_minutes, Some(2 * 24 * 60));
        let twice = check_settings(&SettingsInput {
            preset: Some("standard".into()),
            questions: Some(vec![QuestionInput {
                key: Some("relevans".into()),
                text_nb: Some("Igjen".into()),
                kind: Some("text".into()),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(twice.get("questions[0].key"), Some(&Problem::AppearsTwice));
        assert_eq!(
            check_settings(&SettingsInput::default())
                .unwrap_err()
                .get("questions"),
            Some(&Problem::Required)
        );
    }

    #[test]
    fn a_copied_question_reads_back_the_same() {
        let standard = preset("standard").unwrap();
        let copied = check_settings(&SettingsInput {
            questions: Some(standard.iter().map(QuestionInput::from).collect()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(copied.questions, standard);
    }

    #[test]
    fn reminder_after_takes_days_hours_or_none() {
        assert_eq!(parse_reminder_after("3d"), Ok(3 * 24 * 60));
        assert_eq!(parse_reminder_after("36h"), Ok(36 * 60));
        assert_eq!(parse_reminder_after("none"), Ok(0));
        assert!(parse_reminder_after("31d").is_err());
        assert!(parse_reminder_after("0h").is_err());
        assert!(parse_reminder_after("d").is_err());
        let far = SettingsInput {
            preset: Some("standard".into()),
            opens_at: Some("+262142-12-31T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(
            check_settings(&far).unwrap_err().get("opens_at"),
            Some(&Problem::NotADate)
        );
        let w = Window::of(Some(DateTime::<Utc>::MAX_UTC), None, None, at(1));
        assert_eq!(w.closes_at, DateTime::<Utc>::MAX_UTC);
        assert!(parse_reminder_after("\u{b4}").is_err());
        assert!(parse_reminder_after("3\u{f8}").is_err());
    }

    #[test]
    fn the_window_follows_the_event_and_the_reminder_never_comes_after_closing() {
        let w = Window::of(None, None, None, at(15));
        assert_eq!(w.phase(at(14)), Phase::Scheduled);
        assert_eq!(w.phase(at(15)), Phase::Open);
        assert_eq!(w.phase(at(15) + Duration::days(14)), Phase::Closed);
        assert!(!w.reminder_due(at(15), at(15) + Duration::days(2)));
        assert!(w.reminder_due(at(15), at(15) + Duration::days(3)));
        assert!(!w.reminder_due(at(15) + Duration::days(12), at(15) + Duration::days(14)));
        assert!(!Window::of(None, None, Some(0), at(15)).reminder_due(at(15), at(20)));
    }

    #[test]
    fn who_is_invited_and_who_may_answer() {
        use RegistrationStatus::*;
        assert!(gets_invitation(Confirmed, None));
        assert!(gets_invitation(Confirmed, Some(true)));
        assert!(!gets_invitation(Confirmed, Some(false)));
        assert!(!gets_invitation(Waitlisted, None));
        assert!(!gets_invitation(Cancelled, Some(true)));
        assert!(gets_evaluation_reminder(false, false));
        assert!(!gets_evaluation_reminder(true, false));
        assert!(!gets_evaluation_reminder(false, true));
        assert_eq!(
            may_answer(Confirmed, None, true, false, Phase::Open, true),
            Ok(())
        );
        assert_eq!(
            may_answer(Confirmed, None, true, true, Phase::Open, true),
            Err(AnswerRefusal::AlreadyAnswered)
        );
        assert_eq!(
            may_answer(Confirmed, None, true, false, Phase::Closed, true),
            Err(AnswerRefusal::Closed)
        );
        assert_eq!(
            may_answer(Waitlisted, None, false, false, Phase::Open, true),
            Err(AnswerRefusal::NotAParticipant)
        );
        assert_eq!(
            may_answer(Confirmed, None, true, false, Phase::Open, false),
            Err(AnswerRefusal::Closed),
            "a cancelled event"
        );
        assert!(may_change(Phase::Open) && !may_change(Phase::Closed));
        // Invited before the absence was recorded: the invitation stands.
        assert_eq!(
            may_answer(Confirmed, Some(false), true, false, Phase::Open, true),
            Ok(())
        );
        assert_eq!(
            may_answer(Confirmed, Some(false), false, false, Phase::Open, true),
            Err(AnswerRefusal::NotAParticipant)
        );
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let qs = preset("standard").unwrap();
        let mut answers: BTreeMap<String, String> = [
            ("relevans", "7"),
            ("kvalitet", "8"),
            ("erfaringsdeling", "x"),
            ("ukjent", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let errors = check_answers(&qs, &answers).unwrap_err();
        assert_eq!(
            errors.get("answers.kvalitet"),
            Some(&Problem::NumberRange { min: 1, max: 7 })
        );
        assert!(errors.get("answers.erfaringsdeling").is_some());
        assert_eq!(errors.get("answers.organisering"), Some(&Problem::Required));
        assert!(errors.get("answers.ukjent").is_some());
        answers.remove("ukjent");
        for (k, v) in [
            ("kvalitet", "6"),
            ("erfaringsdeling", "5"),
            ("organisering", "1"),
        ] {
            answers.insert(k.into(), v.into());
        }
        answers.insert("kommentar".into(), "  Fin dag.\nTakk!  ".into());
        let given = check_answers(&qs, &answers).unwrap();
        assert_eq!(given.len(), 5);
        assert!(given.contains(&Given::Comment {
            key: "kommentar".into(),
            text: "Fin dag.\nTakk!".into()
        }));
    }

    #[test]
    fn summaries_count_zeros_the_mean_and_the_share_at_or_above() {
        let q = &preset("standard").unwrap()[0];
        let counts: BTreeMap<String, u64> = [("4", 4), ("5", 10), ("6", 10), ("7", 5)]
            .map(|(k, n)| (k.to_string(), n))
            .into();
        let s = summarise(q, &counts, None);
        assert_eq!(s.answered, 29);
        assert_eq!(s.distribution.len(), 7);
        assert_eq!(s.distribution[0], ("1".to_string(), 0));
        assert_eq!(s.at_least, Some(5));
        assert_eq!(s.share_at_least_percent, Some(86.2));
        assert_eq!(s.mean, Some(5.55));
        assert_eq!(
            summarise(q, &counts, Some(6)).share_at_least_percent,
            Some(51.7)
        );
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 0.0);
    }

    #[test]
    fn results_only_once_closed_and_with_enough_respondents() {
        assert_eq!(disclosure(Phase::Open, 50, 3), Disclosure::CountsOnly);
        assert_eq!(disclosure(Phase::Closed, 2, 3), Disclosure::Suppressed);
        assert_eq!(disclosure(Phase::Closed, 3, 3), Disclosure::Full);
    }

    #[test]
    fn minutes_to_answer_round_up() {
        assert_eq!(minutes_to_answer(&preset("standard").unwrap()), 2);
        assert_eq!(minutes_to_answer(&[]), 1);
    }
}
