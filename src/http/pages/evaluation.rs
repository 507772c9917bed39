//! The participant's evaluation page, opened from the mailed link
//! (`/r/{token}/evaluering`): every question on one page (GOV.UK's question pages, with the
//! error summary), answered once; then "thank you". The same core function as the API
//! takes the answer.
use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::forms::{error_links, problem_text, ErrorLink, Field, PageForm};
use super::lang::Lang;
use super::participant::{open, Closed};
use super::{see_other, Done, Outcome, Page, ShowErrorPage};
use crate::db::entities::registration;
use crate::db::events::EventContext;
use crate::domain::evaluations::{AnswerRefusal, Phase, Question, QuestionType};
use crate::domain::{period, FieldErrors, Language, Problem};
use crate::format;
use crate::http::AppState;
use crate::service::evaluations::{self, AnswerError, ForParticipant};

/// The evaluation page.
pub fn router() -> Router<AppState> {
    Router::new().route("/r/{token}/evaluering", get(show).post(submit))
}

/// One question as a form field; `text` draws a textarea, anything else radios.
#[derive(Serialize)]
struct QuestionField {
    #[serde(flatten)]
    field: Field,
    text: bool,
}

#[derive(Serialize)]
struct EvaluationView {
    token: String,
    event_title: String,
    organisation: String,
    lead: String,
    confidential: String,
    /// The form, while the participant may answer.
    questions: Option<Vec<QuestionField>>,
    /// Otherwise why not ("thank you", not open yet, closed, no seat).
    state_title: Option<String>,
    state_text: Option<String>,
}

/// The scale's words as a hint when only some values have one ("1: Svært dårlig, 7: Svært
/// god"); none when every value is worded on its own radio.
fn scale_hint(q: &Question, lang: Language) -> Option<String> {
    let values = q.values();
    let worded: Vec<String> = values
        .iter()
        .filter_map(|v| q.label(*v, lang).map(|l| format!("{v}: {l}")))
        .collect();
    (!worded.is_empty() && worded.len() < values.len()).then(|| worded.join(", "))
}

fn fields(
    questions: &[Question],
    values: &BTreeMap<String, String>,
    errors: &[ErrorLink],
    lang: Language,
) -> Vec<QuestionField> {
    questions
        .iter()
        .map(|q| {
            let name = format!("answers.{}", q.key);
            let value = values.get(&q.key).map(String::as_str);
            let mut field = Field::text(&name, q.text(lang), value);
            if !q.required {
                field = field.optional();
            }
            field = match q.kind {
                QuestionType::Text => {
                    field.rows = Some(4);
                    field
                }
                QuestionType::Scale => {
                    let all_worded = q.values().iter().all(|v| q.label(*v, lang).is_some());
                    let choices = q
                        .values()
                        .iter()
                        .map(|v| {
                            let label = match q.label(*v, lang) {
                                Some(l) if all_worded => l.to_string(),
                                Some(l) => format!("{v} – {l}"),
                                None => v.to_string(),
                            };
                            (v.to_string(), label)
                        })
                        .collect();
                    let field = field.choices(choices, value.unwrap_or_default());
                    match scale_hint(q, lang) {
                        Some(hint) => field.hint(hint),
                        None => field,
                    }
                }
                QuestionType::Choice => {
                    let choices = q
                        .options
                        .iter()
                        .map(|o| {
                            let label = match lang {
                                Language::Nb => &o.label_nb,
                                Language::En => &o.label_en,
                            };
                            (o.key.clone(), label.clone())
                        })
                        .collect();
                    field.choices(choices, value.unwrap_or_default())
                }
            };
            QuestionField {
                field: field.done(errors),
                text: q.kind == QuestionType::Text,
            }
        })
        .collect()
}

/// The page for the registration in its state; `answered_now` right after the answer.
fn page(
    state: &AppState,
    lang: &Lang,
    token: String,
    ctx: &EventContext,
    evaluation: &ForParticipant,
    values: &BTreeMap<String, String>,
    errors: Vec<ErrorLink>,
) -> Page {
    let pages = &state.pages;
    let l = lang.language;
    let t = |k: &str| pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let closes = format::moment(evaluation.closes_at, tz, l);
    let minutes = crate::domain::evaluations::minutes_to_answer(&evaluation.questions);
    let (state_title, state_text) = match evaluation.may_answer {
        Ok(()) => (None, None),
        Err(AnswerRefusal::AlreadyAnswered) => (
            Some(t("evaluation_thanks_title")),
            Some(t("evaluation_thanks")),
        ),
        Err(AnswerRefusal::Closed) if evaluation.phase == Phase::Scheduled => (
            Some(t("evaluation_not_open_title")),
            Some(
                t("evaluation_not_open")
                    .replace("{opens}", &format::moment(evaluation.opens_at, tz, l)),
            ),
        ),
        Err(AnswerRefusal::Closed) => (
            Some(t("evaluation_closed_title")),
            Some(t("evaluation_closed").replace("{closes}", &closes)),
        ),
        Err(AnswerRefusal::NotAParticipant) => (
            Some(t("evaluation_not_participant_title")),
            Some(t("evaluation_not_participant")),
        ),
    };
    let questions = evaluation
        .may_answer
        .is_ok()
        .then(|| fields(&evaluation.questions, values, &errors, l));
    let view = EvaluationView {
        token,
        event_title: ctx.event.title.clone(),
        organisation: ctx.organisation.name.clone(),
        lead: t("evaluation_lead")
            .replace("{minutes}", &minutes.to_string())
            .replace("{closes}", &closes),
        confidential: t("evaluation_confidential").replace(
            "{min}",
            &state.settings.evaluation_min_respondents.to_string(),
        ),
        questions,
        state_title,
        state_text,
    };
    Page::new(
        "evaluation",
        format!("{}: {}", t("evaluation_title"), ctx.event.title),
    )
    .with(view)
    .errors(errors)
    .private()
}

async fn load(
    state: &AppState,
    lang: &Lang,
    token: &str,
) -> Result<(registration::Model, EventContext, ForParticipant), Closed> {
    let (reg, ctx) = open(state, lang, token).await?;
    let evaluation =
        evaluations::for_participant(&state.db.conn, &reg, &ctx.event, state.clock.now())
            .await?
            .ok_or_else(ShowErrorPage::not_found)?;
    Ok((reg, ctx, evaluation))
}

async fn show(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, Closed> {
    let (_, ctx, evaluation) = load(&state, &lang, &token).await?;
    let mut page = page(
        &state,
        &lang,
        token,
        &ctx,
        &evaluation,
        &BTreeMap::new(),
        vec![],
    );
    if done.outcome() == Some(Outcome::Answered) {
        page = page.notice(
            state.pages.text(lang.language, "done_answered"),
            Some("success"),
        );
    }
    Ok(page.render(&state.pages, &lang))
}

/// The error summary's sentences: the question's own words, then what is wrong.
fn answer_errors(
    state: &AppState,
    questions: &[Question],
    errors: &FieldErrors,
    lang: Language,
) -> Vec<ErrorLink> {
    let pages = &state.pages;
    let order: Vec<String> = questions
        .iter()
        .map(|q| format!("answers.{}", q.key))
        .collect();
    let order: Vec<&str> = order.iter().map(String::as_str).collect();
    error_links(pages, errors, lang, &order, |field, problem| {
        if field == "answers" {
            return Some(pages.text(lang, "evaluation_none"));
        }
        let q = questions
            .iter()
            .find(|q| field.strip_prefix("answers.") == Some(q.key.as_str()))?;
        Some(
            match problem {
                Problem::Required if q.kind == QuestionType::Text => {
                    pages.text(lang, "evaluation_required_text")
                }
                Problem::Required => pages.text(lang, "evaluation_required"),
                other => problem_text(pages, other, lang),
            }
            .replace("{question}", q.text(lang)),
        )
    })
}

async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Result<Response, Closed> {
    let (reg, ctx, evaluation) = load(&state, &lang, &token).await?;
    let answers: BTreeMap<String, String> = form
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("answers.").map(|k| (k.to_string(), v)))
        .collect();
    match evaluations::answer(&state.db, reg.id, &answers, state.clock.now()).await {
        Ok(()) => Ok(see_other(&format!(
            "/r/{token}/evaluering?done={}",
            Outcome::Answered.as_str()
        ))),
        Err(AnswerError::Invalid(errors)) => {
            let links = answer_errors(&state, &evaluation.questions, &errors, lang.language);
            Ok(
                page(&state, &lang, token, &ctx, &evaluation, &answers, links)
                    .status(StatusCode::BAD_REQUEST)
                    .render(&state.pages, &lang),
            )
        }
        Err(AnswerError::NotFound) => Err(ShowErrorPage::not_found().into()),
        Err(AnswerError::Db(e)) => Err(ShowErrorPage::from(e).into()),
        // Answered, closed or no seat meanwhile: the page as it now is says which.
        Err(_) => {
            let (_, ctx, evaluation) = load(&state, &lang, &token).await?;
            Ok(
                page(&state, &lang, token, &ctx, &evaluation, &answers, vec![])
                    .status(StatusCode::CONFLICT)
                    .render(&state.pages, &lang),
            )
        }
    }
}
