//! An event's evaluation at the desk: the settings (a preset, or the questions of an
//! earlier event's evaluation; when it closes; the reminder), who was invited and how many
//! answered — never who answered what —, the reminder's status, and once closed the
//! results: a chart of each scale question with its table, respondents by role and
//! municipality, the comments (each can be deleted) and the downloads. The same core
//! functions as the API.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::own_event;
use crate::db::events::EventContext;
use crate::domain::evaluations::{Phase, SettingsInput};
use crate::domain::{period, FieldErrors, Language, Problem};
use crate::format;
use crate::http::api::exports::download as file_download;
use crate::http::desk::auth::{Desk, DeskForm};
use crate::http::desk::{desk_page, done, with_done};
use crate::http::extract::parse_id;
use crate::http::pages::forms::{error_links, problem_text, ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::{Done, Outcome, ShowErrorPage};
use crate::http::AppState;
use crate::service::downloads::{self, Format};
use crate::service::evaluations::{self as service, Evaluation, EvaluationError, Results};

/// One bar of a scale question's chart and row of its table.
#[derive(Serialize)]
struct Bar {
    value: String,
    label: String,
    count: u64,
    percent: String,
    /// Bar length in the chart's units (0–300).
    width: f64,
    y: u32,
    text_y: u32,
}

#[derive(Serialize)]
struct QuestionView {
    text: String,
    answered: u64,
    mean: Option<String>,
    share: Option<String>,
    bars: Vec<Bar>,
    chart_height: u32,
    /// A text question: its answers are among the comments.
    text_only: bool,
}

#[derive(Serialize)]
struct CountRow {
    label: String,
    count: u64,
    percent: Option<String>,
}

#[derive(Serialize)]
struct CommentView {
    question: String,
    text: String,
    delete_action: String,
}

#[derive(Serialize)]
struct ResultsView {
    questions: Vec<QuestionView>,
    roles: Vec<CountRow>,
    places: Vec<CountRow>,
    places_count: u64,
    comments: Vec<CommentView>,
    csv_url: String,
    xlsx_url: String,
}

#[derive(Serialize)]
struct EvaluationPage {
    title: String,
    when: String,
    back_url: String,
    action: String,
    remove_action: Option<String>,
    /// The evaluation as it is (`None`: none yet).
    status: Option<String>,
    status_class: &'static str,
    facts: Vec<(String, String)>,
    questions: Vec<String>,
    /// Which questions the form may still set (none once someone has answered).
    choose_questions: bool,
    /// Closed: the settings are final (the results have been shown).
    settings_final: bool,
    preset: Field,
    copy_from: Option<Field>,
    closes_on: Field,
    reminder_days: Field,
    results_note: Option<String>,
    results: Option<ResultsView>,
}

/// The typed form (kept on error).
#[derive(Debug, Default, Deserialize)]
pub(super) struct EvaluationForm {
    #[serde(default)]
    questions: String,
    #[serde(default)]
    copy_from: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    reminder_days: String,
}

/// A number as the reader writes it ("86,2" in Norwegian).
fn decimal(v: f64, places: usize, lang: Language) -> String {
    let text = format!("{v:.places$}");
    match lang {
        Language::Nb => text.replace('.', ","),
        Language::En => text,
    }
}

fn one_decimal(v: f64, lang: Language) -> String {
    decimal(v, 1, lang)
}

fn results_view(
    state: &AppState,
    lang: Language,
    event_id: uuid::Uuid,
    r: &Results,
) -> Option<ResultsView> {
    let t = |k: &str| state.pages.text(lang, k);
    let questions = r.questions.as_ref()?;
    let questions = questions
        .iter()
        .map(|q| {
            let bars: Vec<Bar> = q
                .rows
                .iter()
                .enumerate()
                .map(|(i, (value, label, count))| {
                    let share = crate::domain::evaluations::percent(*count, q.answered);
                    Bar {
                        value: value.clone(),
                        label: label.clone(),
                        count: *count,
                        percent: one_decimal(share, lang),
                        width: (share * 3.0 * 10.0).round() / 10.0,
                        y: i as u32 * 28,
                        text_y: i as u32 * 28 + 15,
                    }
                })
                .collect();
            QuestionView {
                text: q.text.clone(),
                answered: q.answered,
                mean: q.mean.map(|m| decimal(m, 2, lang)),
                share: q.share_at_least_percent.map(|s| {
                    t("desk_evaluation_share")
                        .replace("{percent}", &one_decimal(s, lang))
                        .replace("{at_least}", &q.at_least.unwrap_or_default().to_string())
                }),
                chart_height: bars.len() as u32 * 28,
                text_only: q.kind == "text",
                bars,
            }
        })
        .collect();
    let roles = r
        .respondents_by_role
        .iter()
        .flatten()
        .map(|x| CountRow {
            label: x.role.clone(),
            count: x.count,
            percent: Some(one_decimal(x.percent, lang)),
        })
        .collect();
    let places = r
        .respondents_by_municipality
        .iter()
        .flatten()
        .map(|x| CountRow {
            label: x.municipality.clone(),
            count: x.count,
            percent: None,
        })
        .collect();
    let comments = r
        .comments
        .iter()
        .flatten()
        .map(|c| CommentView {
            question: c.question.clone(),
            text: c.text.clone(),
            delete_action: format!(
                "/admin/events/{event_id}/evaluation/comments/{}/delete",
                c.id
            ),
        })
        .collect();
    Some(ResultsView {
        questions,
        roles,
        places,
        places_count: r.respondent_municipalities.unwrap_or(0),
        comments,
        csv_url: format!("/admin/events/{event_id}/evaluation/results.csv"),
        xlsx_url: format!("/admin/events/{event_id}/evaluation/results.xlsx"),
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    lang: &Lang,
    desk: &Desk,
    ctx: &EventContext,
    evaluation: Option<&Evaluation>,
    typed: &EvaluationForm,
    errors: Vec<ErrorLink>,
    done_query: &Done,
) -> Result<Response, ShowErrorPage> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let l = lang.language;
    let t = |k: &str| state.pages.text(l, k);
    let tz = period::zone(&ctx.organisation.time_zone);
    let e = &ctx.event;
    let now = state.clock.now();
    let choose_questions = evaluation.is_none_or(|ev| ev.respondents == 0);
    let mut choices = vec![];
    if evaluation.is_some() {
        choices.push(("keep".to_string(), t("desk_evaluation_keep")));
    }
    choices.push(("standard".to_string(), t("desk_evaluation_standard")));
    choices.push(("grad".to_string(), t("desk_evaluation_grad")));
    let others: Vec<(String, String)> = service::copyable(&state.db, e.organisation_id)
        .await?
        .into_iter()
        .filter(|o| o.id != e.id)
        .map(|o| {
            (o.id.to_string(), {
                let day = o.starts_at.with_timezone(&tz);
                let day = match l {
                    Language::Nb => format::date_nb(&day),
                    Language::En => format::date_en(&day),
                };
                format!("{} ({day})", o.title)
            })
        })
        .collect();
    if !others.is_empty() {
        choices.push(("copy".to_string(), t("desk_evaluation_copy")));
    }
    let chosen = if typed.questions.is_empty() {
        if evaluation.is_some() {
            "keep"
        } else {
            "standard"
        }
    } else {
        typed.questions.as_str()
    };
    let preset = Field::text("questions", t("desk_evaluation_questions"), None)
        .choices(choices, chosen)
        .done(&errors);
    let copy_from = (!others.is_empty()).then(|| {
        Field::text("copy_from", t("desk_evaluation_copy_from"), None)
            .choices(
                std::iter::once((String::new(), t("desk_evaluation_copy_none")))
                    .chain(others)
                    .collect(),
                &typed.copy_from,
            )
            .optional()
            .done(&errors)
    });
    let closes_value = if typed.closes_on.is_empty() {
        evaluation
            .map(|ev| {
                (ev.closes_at - Duration::seconds(1))
                    .with_timezone(&tz)
                    .date_naive()
                    .to_string()
            })
            .unwrap_or_default()
    } else {
        typed.closes_on.clone()
    };
    let closes_on = Field::text(
        "closes_on",
        t("desk_evaluation_closes_on"),
        Some(&closes_value),
    )
    .of_type("date")
    .optional()
    .hint(t("desk_evaluation_closes_hint"))
    .done(&errors);
    let reminder_value = if typed.reminder_days.is_empty() {
        evaluation
            .map(|ev| {
                ev.reminder_after
                    .as_deref()
                    .and_then(|r| r.strip_suffix('d'))
                    .unwrap_or("0")
                    .to_string()
            })
            .unwrap_or_else(|| "3".to_string())
    } else {
        typed.reminder_days.clone()
    };
    let reminder_days = Field::text(
        "reminder_days",
        t("desk_evaluation_reminder_days"),
        Some(&reminder_value),
    )
    .of_type("number")
    .hint(t("desk_evaluation_reminder_hint"))
    .done(&errors);

    let mut facts = Vec::new();
    let mut results_note = None;
    let mut results = None;
    if let Some(ev) = evaluation {
        facts.push((
            t("desk_evaluation_opens"),
            format::moment(ev.opens_at, tz, l),
        ));
        facts.push((
            t("desk_evaluation_closes"),
            format::moment(ev.closes_at, tz, l),
        ));
        facts.push((t("desk_evaluation_invited"), ev.invited.to_string()));
        facts.push((
            t("desk_evaluation_respondents"),
            format!(
                "{} ({} %)",
                ev.respondents,
                one_decimal(
                    crate::domain::evaluations::percent(ev.respondents, ev.invited),
                    l
                )
            ),
        ));
        let reminder = match (&ev.reminder_after, ev.reminded) {
            (None, _) => t("desk_evaluation_reminder_off"),
            (Some(_), n) if n > 0 => {
                t("desk_evaluation_reminder_sent").replace("{n}", &n.to_string())
            }
            (Some(_), _) if ev.status == Phase::Closed => t("desk_evaluation_reminder_none_due"),
            (Some(after), _) => {
                t("desk_evaluation_reminder_planned").replace("{after}", &after.replace('d', ""))
            }
        };
        facts.push((t("desk_evaluation_reminder"), reminder));
        let found = service::results(
            &state.db,
            e.organisation_id,
            e.id,
            None,
            u64::from(state.settings.evaluation_min_respondents),
            l,
            now,
        )
        .await
        .map_err(error_page)?;
        results_note = match ev.status {
            Phase::Closed if found.suppressed => Some(t("desk_evaluation_suppressed").replace(
                "{min}",
                &state.settings.evaluation_min_respondents.to_string(),
            )),
            Phase::Closed => None,
            _ => Some(
                t("desk_evaluation_results_later")
                    .replace("{closes}", &format::moment(ev.closes_at, tz, l)),
            ),
        };
        results = results_view(state, l, e.id, &found);
    }
    let view = EvaluationPage {
        title: e.title.clone(),
        when: crate::http::pages::views::when(&ctx.sessions, tz, l),
        back_url: format!("/admin/events/{}", e.id),
        action: format!("/admin/events/{}/evaluation", e.id),
        remove_action: evaluation
            .filter(|ev| ev.invited == 0)
            .map(|_| format!("/admin/events/{}/evaluation/delete", e.id)),
        status: evaluation.map(|ev| t(&format!("desk_evaluation_status_{}", ev.status.as_str()))),
        status_class: match evaluation.map(|ev| ev.status) {
            Some(Phase::Open) => "open",
            Some(Phase::Closed) => "closed",
            _ => "waiting",
        },
        facts,
        questions: evaluation
            .map(|ev| ev.questions.iter().map(|q| q.text(l).to_string()).collect())
            .unwrap_or_default(),
        choose_questions,
        settings_final: evaluation.is_some_and(|ev| ev.status == Phase::Closed),
        preset,
        copy_from,
        closes_on,
        reminder_days,
        results_note,
        results,
    };
    let page = desk_page(desk, "admin/evaluation", t("desk_evaluation_title"))
        .with(view)
        .errors(errors)
        .status(status)
        .nav("events");
    Ok(with_done(page, done_query, state, lang).render(&state.pages, lang))
}

fn error_page(e: EvaluationError) -> ShowErrorPage {
    match e {
        EvaluationError::NotFound => ShowErrorPage::not_found(),
        EvaluationError::Db(e) => e.into(),
        other => ShowErrorPage::internal(other),
    }
}

pub(super) async fn evaluation_page(
    State(state): State<AppState>,
    lang: Lang,
    desk: Desk,
    Path(id): Path<String>,
    Query(done_query): Query<Done>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let evaluation = service::of_event(
        &state.db,
        desk.organiser.organisation_id,
        ctx.event.id,
        state.clock.now(),
    )
    .await
    .map_err(error_page)?;
    render(
        &state,
        &lang,
        &desk,
        &ctx,
        evaluation.as_ref(),
        &EvaluationForm::default(),
        vec![],
        &done_query,
    )
    .await
}

/// The closing day as given: the evaluation closes at the end of it (the organisation's
/// local midnight after it).
fn closes_at(
    errors: &mut FieldErrors,
    typed: &str,
    tz: chrono_tz::Tz,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
        Ok(day) => day
            .succ_opt()
            .map(|next| period::start_of_local_day(next, tz)),
        Err(_) => {
            errors.insert("closes_on", Problem::NotADate);
            None
        }
    }
}

pub(super) async fn save_evaluation(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    DeskForm { desk, form }: DeskForm<EvaluationForm>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let org = desk.organiser.organisation_id;
    let now = state.clock.now();
    let tz = period::zone(&ctx.organisation.time_zone);
    let existing = service::of_event(&state.db, org, ctx.event.id, now)
        .await
        .map_err(error_page)?;
    let mut errors = FieldErrors::new();
    let closes = closes_at(&mut errors, &form.closes_on, tz);
    let reminder_after = match form.reminder_days.trim() {
        "" => None,
        "0" => Some("none".to_string()),
        days => match days.parse::<u32>() {
            Ok(d) if (1..=30).contains(&d) => Some(format!("{d}d")),
            _ => {
                errors.insert("reminder_days", Problem::NumberRange { min: 0, max: 30 });
                None
            }
        },
    };
    let mut input = SettingsInput {
        closes_at: closes,
        reminder_after,
        opens_at: existing
            .as_ref()
            .map(|ev| ev.opens_at)
            .filter(|opens| *opens != ctx.event.ends_at),
        ..Default::default()
    };
    let keep = form.questions == "keep" || existing.as_ref().is_some_and(|ev| ev.respondents > 0);
    match form.questions.as_str() {
        _ if keep => {}
        "standard" | "grad" => input.preset = Some(form.questions.clone()),
        "copy" => match parse_id(&form.copy_from) {
            Ok(from) => match service::questions_to_copy(&state.db, org, from).await {
                Ok(questions) => input.questions = Some(questions),
                Err(EvaluationError::NotFound) => errors.insert("copy_from", Problem::Required),
                Err(e) => return Err(error_page(e)),
            },
            Err(_) => errors.insert("copy_from", Problem::Required),
        },
        _ => errors.insert("questions", Problem::choice(&["standard", "grad", "copy"])),
    }
    let result = if !errors.is_empty() {
        Err(EvaluationError::Invalid(errors))
    } else if keep && existing.is_some() {
        service::reschedule(&state.db, org, ctx.event.id, &input, now).await
    } else {
        service::set(&state.db, org, ctx.event.id, &input, now).await
    };
    match result {
        Ok(_) => Ok(done(
            &format!("/admin/events/{}/evaluation", ctx.event.id),
            Outcome::EvaluationSaved,
        )),
        Err(EvaluationError::Invalid(fields)) => {
            let l = lang.language;
            let labels = [
                ("questions", "desk_evaluation_questions"),
                ("copy_from", "desk_evaluation_copy_from"),
                ("closes_on", "desk_evaluation_closes_on"),
                ("closes_at", "desk_evaluation_closes_on"),
                ("reminder_days", "desk_evaluation_reminder_days"),
                ("reminder_after", "desk_evaluation_reminder_days"),
            ];
            let order: Vec<&str> = labels.iter().map(|(f, _)| *f).collect();
            let links = error_links(&state.pages, &fields, l, &order, |field, p| {
                let label = labels.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)?;
                Some(format!(
                    "{}: {}",
                    state.pages.text(l, label),
                    problem_text(&state.pages, p, l)
                ))
            });
            // A problem with the closing (before the opening) belongs to its field.
            let links = links
                .into_iter()
                .map(|mut link| {
                    if link.field.as_deref() == Some("closes_at") {
                        link.field = Some("closes_on".into());
                    }
                    if link.field.as_deref() == Some("reminder_after") {
                        link.field = Some("reminder_days".into());
                    }
                    link
                })
                .collect();
            render(
                &state,
                &lang,
                &desk,
                &ctx,
                existing.as_ref(),
                &form,
                links,
                &Done::default(),
            )
            .await
        }
        // Closed (or the event cancelled) meanwhile: the page as it now is says so.
        Err(EvaluationError::Closed | EvaluationError::EventCancelled) => Ok(done(
            &format!("/admin/events/{}/evaluation", ctx.event.id),
            Outcome::EvaluationFinal,
        )),
        Err(e) => Err(error_page(e)),
    }
}

#[derive(Deserialize)]
pub(super) struct NoFields {}

pub(super) async fn remove_evaluation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    DeskForm { desk, form: _ }: DeskForm<NoFields>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    match service::remove(&state.db, desk.organiser.organisation_id, ctx.event.id).await {
        Ok(()) | Err(EvaluationError::Answered | EvaluationError::Invited) => Ok(done(
            &format!("/admin/events/{}/evaluation", ctx.event.id),
            Outcome::EvaluationRemoved,
        )),
        Err(e) => Err(error_page(e)),
    }
}

pub(super) async fn delete_comment(
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, String)>,
    DeskForm { desk, form: _ }: DeskForm<NoFields>,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let comment = parse_id(&comment).map_err(|_| ShowErrorPage::not_found())?;
    service::delete_comment(
        &state.db,
        &desk.organiser,
        ctx.event.id,
        comment,
        state.clock.now(),
    )
    .await
    .map_err(error_page)?;
    Ok(done(
        &format!("/admin/events/{}/evaluation#comments", ctx.event.id),
        Outcome::CommentDeleted,
    ))
}

async fn results_file(
    state: AppState,
    desk: Desk,
    id: String,
    format: Format,
) -> Result<Response, ShowErrorPage> {
    let ctx = own_event(&state, &desk, &id).await?;
    let now = state.clock.now();
    let results = service::results(
        &state.db,
        desk.organiser.organisation_id,
        ctx.event.id,
        None,
        u64::from(state.settings.evaluation_min_respondents),
        Language::Nb,
        now,
    )
    .await
    .map_err(error_page)?;
    let file = downloads::evaluation_results(
        &state.db,
        &desk.organiser,
        &results,
        format,
        crate::export::Delimiter::Semicolon,
        now,
    )
    .await?;
    Ok(file_download(file))
}

pub(super) async fn results_csv(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    results_file(state, desk, id, Format::Csv).await
}

pub(super) async fn results_xlsx(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> Result<Response, ShowErrorPage> {
    results_file(state, desk, id, Format::Xlsx).await
}
