//! Evaluations: the organiser sets an event's questions and reads its results; the holder
//! of a mailed link answers. The rules live in `domain::evaluations`, the use cases in
//! `service::evaluations`.
use std::collections::BTreeMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::exports::download;
use crate::domain::evaluations::{QuestionInput, SettingsInput, MAX_SCALE};
use crate::domain::{Language, Problem};
use crate::http::error::ApiError;
use crate::http::extract::{parse_id, ApiJson, Organiser, OwnEvent};
use crate::http::AppState;
use crate::service::downloads::{self, EvaluationsAnswer, Format, StatsQuery};
use crate::service::evaluations::{
    self, AcrossEvents, AnswerError, Evaluation, EvaluationError, Results,
};

use super::schema::{
    Binary, EvaluationAnswerRefused, EvaluationChangeRefused, InvalidInput, NotFound,
    UnsupportedMediaType,
};

impl From<EvaluationError> for ApiError {
    fn from(e: EvaluationError) -> Self {
        let message = e.to_string();
        match e {
            EvaluationError::NotFound => ApiError::not_found(),
            EvaluationError::Invalid(fields) => ApiError::invalid(fields),
            EvaluationError::EventCancelled => {
                ApiError::new(StatusCode::CONFLICT, "event_cancelled", message)
            }
            EvaluationError::Answered => {
                ApiError::new(StatusCode::CONFLICT, "already_answered", message)
            }
            EvaluationError::Invited => {
                ApiError::new(StatusCode::CONFLICT, "invitations_sent", message)
            }
            EvaluationError::Closed => {
                ApiError::new(StatusCode::CONFLICT, "evaluation_closed", message)
            }
            EvaluationError::Db(e) => e.into(),
        }
    }
}

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        let message = e.to_string();
        match e {
            AnswerError::NotFound => ApiError::not_found(),
            AnswerError::Closed => {
                ApiError::new(StatusCode::CONFLICT, "evaluation_closed", message)
            }
            AnswerError::AlreadyAnswered => {
                ApiError::new(StatusCode::CONFLICT, "already_answered", message)
            }
            AnswerError::NotAParticipant => {
                ApiError::new(StatusCode::FORBIDDEN, "not_a_participant", message)
            }
            AnswerError::Invalid(fields) => ApiError::invalid(fields),
            AnswerError::Db(e) => e.into(),
        }
    }
}

/// `PUT /events/{id}/evaluation` body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EvaluationSettings, example = json!({"preset": "standard", "reminder_after": "3d"}))]
pub struct SettingsBody {
    /// `standard`: relevance, quality, experience sharing and organisation on 1–7 and a
    /// comment; `grad`: the same on five verbal steps (i svært liten grad … i svært stor
    /// grad). Custom `questions` follow the preset's.
    pub preset: Option<String>,
    /// Each `{key, text_nb, text_en?, type: scale|choice|text, min?, max?, labels?:
    /// {"1": "…"}, labels_en?, options?: [{key, label_nb, label_en?}], at_least?,
    /// required?}`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub questions: Option<Vec<QuestionInput>>,
    /// Default: the end of the last session.
    pub opens_at: Option<DateTime<Utc>>,
    /// Default: 14 days after opening.
    pub closes_at: Option<DateTime<Utc>>,
    /// After the invitation: `3d` (default), `36h`, or `none`.
    pub reminder_after: Option<String>,
}

/// Sets or replaces the event's evaluation. Once someone has answered, only the times and
/// the reminder may change (409 `already_answered` for other questions); once closed,
/// nothing (409 `evaluation_closed`: the results have been shown).
#[utoipa::path(
    put,
    path = "/events/{id}/evaluation",
    operation_id = "set_evaluation",
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")),
    request_body = SettingsBody,
    responses(
        (status = 200, description = "The evaluation", body = Evaluation),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
        (status = 409, response = EvaluationChangeRefused),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn set(
    State(state): State<AppState>,
    own: OwnEvent,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<Json<Evaluation>, ApiError> {
    let input = SettingsInput {
        preset: body.preset,
        questions: body.questions,
        opens_at: body.opens_at,
        closes_at: body.closes_at,
        reminder_after: body.reminder_after,
    };
    Ok(Json(
        evaluations::set(
            &state.db,
            own.organiser.organisation_id,
            own.ctx.event.id,
            &input,
            state.clock.now(),
        )
        .await?,
    ))
}

/// The event's evaluation: its questions, times, status and how many were invited and
/// have answered (404 if it has none).
#[utoipa::path(
    get,
    path = "/events/{id}/evaluation",
    operation_id = "get_evaluation",
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")),
    responses(
        (status = 200, description = "The evaluation", body = Evaluation),
        (status = 404, response = NotFound),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<Evaluation>, ApiError> {
    evaluations::of_event(
        &state.db,
        own.organiser.organisation_id,
        own.ctx.event.id,
        state.clock.now(),
    )
    .await?
    .map(Json)
    .ok_or_else(ApiError::not_found)
}

/// Removes the evaluation while no invitation has gone out (409 `invitations_sent` or
/// `already_answered` after: removing it then would invite everyone again).
#[utoipa::path(
    delete,
    path = "/events/{id}/evaluation",
    operation_id = "delete_evaluation",
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = NotFound),
        (status = 409, response = EvaluationChangeRefused),
    ),
)]
pub async fn remove(State(state): State<AppState>, own: OwnEvent) -> Result<StatusCode, ApiError> {
    evaluations::remove(&state.db, own.organiser.organisation_id, own.ctx.event.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of an evaluation's results.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// The cut-off of `share_at_least_percent` for every scale question (default: each
    /// question's own, the scale's upper part: 5 on 1–7, 3 on the `grad` steps).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 10)]
    pub at_least: Option<String>,
    /// `json` (default), `csv` (the summary per question) or `xlsx` (every table).
    #[param(value_type = Option<String>)]
    pub format: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<String>)]
    pub delimiter: Option<String>,
}

fn at_least(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|v| match v.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_SCALE).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid_field(
            "at_least",
            Problem::NumberRange {
                min: 0,
                max: MAX_SCALE,
            },
        )),
    })
    .transpose()
}

/// The results: while open only `invited` and `respondents`; once closed the rate, every
/// question's distribution, mean and share at or above `at_least`, the respondents by role
/// and municipality and the comments (in random order) — unless there are fewer
/// respondents than the minimum (`SAMLING_EVALUATION_MIN_RESPONDENTS`), when `suppressed`
/// is true and none of those is given.
#[utoipa::path(
    get,
    path = "/events/{id}/evaluation/results",
    operation_id = "evaluation_results",
    tag = "evaluations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), ResultsQuery),
    responses(
        (status = 200, description = "The results in the asked format",
            content(
                (Results = "application/json"),
                (String = "text/csv"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn results(
    State(state): State<AppState>,
    own: OwnEvent,
    query: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = super::query(query)?;
    let cut = at_least(query.at_least.as_deref())?;
    let mut errors = crate::domain::FieldErrors::new();
    let format = Format::parse(
        query.format.as_deref(),
        &downloads::TABLE_FORMATS,
        &mut errors,
    );
    let delimiter = downloads::parse_delimiter(query.delimiter.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = state.clock.now();
    let results = evaluations::results(
        &state.db,
        own.organiser.organisation_id,
        own.ctx.event.id,
        cut,
        u64::from(state.settings.evaluation_min_respondents),
        Language::Nb,
        now,
    )
    .await?;
    if format == Format::Json {
        return Ok(Json(results).into_response());
    }
    let file =
        downloads::evaluation_results(&state.db, &own.organiser, &results, format, delimiter, now)
            .await?;
    Ok(download(file))
}

/// Deletes one comment (free text is personal data: one that names someone can go). The
/// counted answers stay.
#[utoipa::path(
    delete,
    path = "/events/{id}/evaluation/comments/{comment}",
    operation_id = "delete_evaluation_comment",
    tag = "evaluations",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Event id"),
        ("comment" = Uuid, Path, description = "The comment's id (from the results)"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = NotFound),
    ),
)]
pub async fn delete_comment(
    State(state): State<AppState>,
    own: OwnEvent,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let (_, comment) = super::path(path)?;
    let comment: Uuid = parse_id(&comment)?;
    evaluations::delete_comment(
        &state.db,
        &own.organiser,
        own.ctx.event.id,
        comment,
        state.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /registrations/{token}/evaluation` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EvaluationAnswer, example = json!({"answers": {"relevans": 6, "kvalitet": 5,
    "erfaringsdeling": 7, "organisering": 6, "kommentar": "Nyttig dag."}}))]
pub struct AnswerBody {
    /// Question key → a number (scale), an option's key (choice) or text.
    #[schema(required, value_type = Object)]
    pub answers: Option<BTreeMap<String, serde_json::Value>>,
}

/// Answers the evaluation of the token's event, once. Confidential: the answers are
/// stored apart from who gave them. 409 `already_answered` for a second answer,
/// `evaluation_closed` before opening or after closing; 403 for a registration without a
/// seat.
#[utoipa::path(
    post,
    path = "/registrations/{token}/evaluation",
    operation_id = "answer_evaluation",
    tag = "participant",
    params(("token" = String, Path, description = "The token of the participant's mailed link")),
    request_body = AnswerBody,
    responses(
        (status = 201, description = "Answered"),
        (status = 400, response = InvalidInput),
        (status = 403, response = EvaluationAnswerRefused),
        (status = 404, response = NotFound),
        (status = 409, response = EvaluationAnswerRefused),
        (status = 410, response = super::schema::Erased),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn answer(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<StatusCode, ApiError> {
    let token = super::path(path)?;
    let (reg, _) = super::registrations::open_own_with_event(&state, &token).await?;
    let answers = body
        .answers
        .ok_or_else(|| ApiError::invalid_field("answers", Problem::Required))?;
    let mut texts = BTreeMap::new();
    for (key, value) in answers {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        texts.insert(key, text);
    }
    evaluations::answer(&state.db, reg.id, &texts, state.clock.now()).await?;
    Ok(StatusCode::CREATED)
}

/// Query of the evaluations of a period.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationStatsQuery {
    /// First day (the organisation's local date), included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Last day, included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// A calendar year.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// Only this network's events (its slug).
    pub network: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<crate::domain::EventKind>)]
    pub kind: Option<String>,
    /// One cut-off for every scale question (default: each question's own).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 10)]
    pub at_least: Option<String>,
    /// `json` (default), `csv` (per event) or `xlsx` (per event and per question).
    #[param(value_type = Option<String>)]
    pub format: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<String>)]
    pub delimiter: Option<String>,
}

/// Per event of the period its invited, respondents and response rate; per question key
/// the answers pooled across the closed evaluations with enough respondents.
#[utoipa::path(
    get,
    path = "/stats/evaluations",
    operation_id = "evaluation_stats",
    tag = "statistics",
    security(("bearer" = [])),
    params(EvaluationStatsQuery),
    responses(
        (status = 200, description = "The evaluations in the asked format",
            content(
                (AcrossEvents = "application/json"),
                (String = "text/csv"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn stats(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<EvaluationStatsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = super::query(query)?;
    let cut = at_least(q.at_least.as_deref())?;
    let stats_query = StatsQuery {
        from: q.from,
        to: q.to,
        year: q.year,
        network: q.network,
        kind: q.kind,
        format: q.format,
        delimiter: q.delimiter,
        ..Default::default()
    };
    let answer = downloads::evaluations(
        &state.db,
        &me.0,
        stats_query,
        cut,
        u64::from(state.settings.evaluation_min_respondents),
        state.clock.now(),
    )
    .await?;
    Ok(match answer {
        EvaluationsAnswer::Table(table) => Json::<AcrossEvents>(*table).into_response(),
        EvaluationsAnswer::File(file) => download(file),
    })
}
