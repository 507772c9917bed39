//! Evaluations after an event: the organiser sets the questions, the scheduler invites and
//! reminds through the outbox, participants answer from their mailed link, and the results
//! come out as the annual reports print them. The rules are in `domain::evaluations`;
//! keeping who answered apart from what is the data layer's (`db::evaluations`).
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db::entities::{evaluation, event, organiser, registration};
use crate::db::events::EventContext;
use crate::db::stats::StatsScope;
use crate::db::{self, Db};
use crate::domain::evaluations::{
    self as rules, AnswerRefusal, Disclosure, Given, Phase, Question, QuestionType, Settings,
    SettingsInput, Window,
};
use crate::domain::{match_key, roles, EventStatus, FieldErrors, Language, MailKind};
use crate::mail::facts::EvaluationFacts;
use crate::mail::{Mailer, Notice};
use crate::service::audit::{self, Action, Who};

/// Why a change to an evaluation was not made, or results not given.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("not found")]
    NotFound,
    #[error("invalid settings")]
    Invalid(FieldErrors),
    #[error("the event is cancelled")]
    EventCancelled,
    /// The questions cannot change (or the evaluation go) once someone has answered.
    #[error("someone has answered already; the questions can no longer change")]
    Answered,
    /// Invitations have gone out: the evaluation stays (removing it would invite again).
    #[error("the invitations have gone out; the evaluation can no longer be removed")]
    Invited,
    /// Closed: the results have been shown and nothing changes any more.
    #[error("the evaluation has closed and can no longer change")]
    Closed,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Why an answer was not taken.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("not found")]
    NotFound,
    #[error("the evaluation is not open")]
    Closed,
    #[error("this registration has answered already")]
    AlreadyAnswered,
    #[error("only confirmed participants answer the evaluation")]
    NotAParticipant,
    #[error("invalid answers")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AnswerRefusal> for AnswerError {
    fn from(r: AnswerRefusal) -> AnswerError {
        match r {
            AnswerRefusal::Closed => AnswerError::Closed,
            AnswerRefusal::AlreadyAnswered => AnswerError::AlreadyAnswered,
            AnswerRefusal::NotAParticipant => AnswerError::NotAParticipant,
        }
    }
}

/// An event's evaluation as organisers and participants see its settings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub event_id: Uuid,
    pub preset: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// E.g. "3d"; `null`: no reminder.
    pub reminder_after: Option<String>,
    #[schema(value_type = String)]
    pub status: Phase,
    pub invited: u64,
    pub respondents: u64,
    /// Reminders sent so far.
    pub reminded: u64,
}

fn reminder_text(window: &Window) -> Option<String> {
    window.reminder_after.map(|d| {
        let minutes = d.num_minutes();
        if minutes % (24 * 60) == 0 {
            format!("{}d", minutes / (24 * 60))
        } else {
            format!("{}h", minutes / 60)
        }
    })
}

fn questions_of(model: &evaluation::Model) -> Result<Vec<Question>, DbErr> {
    serde_json::from_str(&model.questions)
        .map_err(|e| DbErr::Custom(format!("evaluation questions unreadable: {e}")))
}

/// The window of a stored evaluation of `event`.
pub fn window_of(model: &evaluation::Model, event: &event::Model) -> Window {
    Window::of(
        model.opens_at,
        model.closes_at,
        model.reminder_after_minutes,
        event.ends_at,
    )
}

fn view(
    model: &evaluation::Model,
    event: &event::Model,
    reminded: u64,
    now: DateTime<Utc>,
) -> Result<Evaluation, DbErr> {
    let window = window_of(model, event);
    Ok(Evaluation {
        event_id: model.event_id,
        preset: model.preset.clone(),
        questions: questions_of(model)?,
        opens_at: window.opens_at,
        closes_at: window.closes_at,
        reminder_after: reminder_text(&window),
        status: window.phase(now),
        invited: model.invited.max(0) as u64,
        respondents: model.respondents.max(0) as u64,
        reminded,
    })
}

/// The organisation's event (404 for anyone else's).
async fn own_event(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    event_id: Uuid,
) -> Result<event::Model, EvaluationError> {
    db::events::find(db, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EvaluationError::NotFound)
}

/// The organisation's event, locked for the transaction (404 for anyone else's).
async fn lock_own_event(
    tx: &impl ConnectionTrait,
    organisation_id: Uuid,
    event_id: Uuid,
) -> Result<event::Model, EvaluationError> {
    db::events::find_for_update(tx, event_id)
        .await?
        .filter(|e| e.organisation_id == organisation_id)
        .ok_or(EvaluationError::NotFound)
}

/// The event's evaluation, if it has one (`NotFound` for another organisation's event).
pub async fn of_event(
    db: &Db,
    organisation_id: Uuid,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Evaluation>, EvaluationError> {
    let event = own_event(&db.conn, organisation_id, event_id).await?;
    let Some(model) = db::evaluations::find(&db.conn, event_id).await? else {
        return Ok(None);
    };
    let reminded = db::evaluations::reminded_count(&db.conn, event_id).await?;
    Ok(Some(view(&model, &event, reminded, now)?))
}

/// Sets (or replaces) the event's evaluation. Once someone has answered, the times may
/// change but the questions may not (their counters would no longer fit).
pub async fn set(
    db: &Db,
    organisation_id: Uuid,
    event_id: Uuid,
    input: &SettingsInput,
    now: DateTime<Utc>,
) -> Result<Evaluation, EvaluationError> {
    let settings: Settings = rules::check_settings(input).map_err(EvaluationError::Invalid)?;
    let tx = db.begin_write().await?;
    let event = lock_own_event(&*tx, organisation_id, event_id).await?;
    if event.status == EventStatus::Cancelled {
        return Err(EvaluationError::EventCancelled);
    }
    let old = db::evaluations::find(&*tx, event_id).await?;
    if let Some(old) = &old {
        if !rules::may_change(window_of(old, &event).phase(now)) {
            return Err(EvaluationError::Closed);
        }
        if old.respondents > 0 && questions_of(old)? != settings.questions {
            return Err(EvaluationError::Answered);
        }
    }
    let questions = serde_json::to_string(&settings.questions)
        .map_err(|e| DbErr::Custom(format!("questions: {e}")))?;
    let saved = evaluation::Model {
        event_id,
        preset: settings.preset,
        questions,
        opens_at: settings.opens_at,
        closes_at: settings.closes_at,
        reminder_after_minutes: settings.reminder_after_minutes,
        invited: 0,
        respondents: 0,
        finished: false,
        created_at: old.as_ref().map_or(now, |o| o.created_at),
        updated_at: now,
    };
    commit_saved(tx, saved, &event, now).await
}

/// Saves the settings, commits, and answers the evaluation as it now is.
async fn commit_saved(
    tx: db::WriteTx,
    model: evaluation::Model,
    event: &event::Model,
    now: DateTime<Utc>,
) -> Result<Evaluation, EvaluationError> {
    let saved = db::evaluations::save(&*tx, model).await?;
    let reminded = db::evaluations::reminded_count(&*tx, event.id).await?;
    tx.commit().await?;
    Ok(view(&saved, event, reminded, now)?)
}

/// Changes only when the evaluation opens and closes and its reminder; the questions stay
/// (also once answered).
pub async fn reschedule(
    db: &Db,
    organisation_id: Uuid,
    event_id: Uuid,
    input: &SettingsInput,
    now: DateTime<Utc>,
) -> Result<Evaluation, EvaluationError> {
    let minutes = rules::check_reschedule(input).map_err(EvaluationError::Invalid)?;
    let tx = db.begin_write().await?;
    let event = lock_own_event(&*tx, organisation_id, event_id).await?;
    if event.status == EventStatus::Cancelled {
        return Err(EvaluationError::EventCancelled);
    }
    let mut model = db::evaluations::find(&*tx, event_id)
        .await?
        .ok_or(EvaluationError::NotFound)?;
    if !rules::may_change(window_of(&model, &event).phase(now)) {
        return Err(EvaluationError::Closed);
    }
    model.opens_at = input.opens_at;
    model.closes_at = input.closes_at;
    model.reminder_after_minutes = minutes;
    model.updated_at = now;
    commit_saved(tx, model, &event, now).await
}

/// The questions of another event's evaluation of the organisation, as input for a copy
/// (`NotFound` when it has none).
pub async fn questions_to_copy(
    db: &Db,
    organisation_id: Uuid,
    from_event_id: Uuid,
) -> Result<Vec<rules::QuestionInput>, EvaluationError> {
    own_event(&db.conn, organisation_id, from_event_id).await?;
    let model = db::evaluations::find(&db.conn, from_event_id)
        .await?
        .ok_or(EvaluationError::NotFound)?;
    Ok(questions_of(&model)?
        .iter()
        .map(rules::QuestionInput::from)
        .collect())
}

/// The organisation's events that have an evaluation (to copy one from), latest first.
pub async fn copyable(db: &Db, organisation_id: Uuid) -> Result<Vec<event::Model>, DbErr> {
    db::evaluations::events_with_evaluation(&db.conn, organisation_id).await
}

/// Removes the event's evaluation while nobody has answered.
pub async fn remove(db: &Db, organisation_id: Uuid, event_id: Uuid) -> Result<(), EvaluationError> {
    let tx = db.begin_write().await?;
    lock_own_event(&*tx, organisation_id, event_id).await?;
    let model = db::evaluations::find(&*tx, event_id)
        .await?
        .ok_or(EvaluationError::NotFound)?;
    if model.respondents > 0 {
        return Err(EvaluationError::Answered);
    }
    if model.invited > 0 {
        return Err(EvaluationError::Invited);
    }
    db::evaluations::delete(&*tx, event_id).await?;
    tx.commit().await?;
    Ok(())
}

/// What a participant's answer page shows.
#[derive(Debug, Clone)]
pub struct ForParticipant {
    pub questions: Vec<Question>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub phase: Phase,
    /// `Ok` when they may answer now; otherwise why not.
    pub may_answer: Result<(), AnswerRefusal>,
}

/// The evaluation as the participant of `reg` meets it (`None`: the event has none).
pub async fn for_participant(
    db: &impl ConnectionTrait,
    reg: &registration::Model,
    event: &event::Model,
    now: DateTime<Utc>,
) -> Result<Option<ForParticipant>, DbErr> {
    let Some(model) = db::evaluations::find(db, event.id).await? else {
        return Ok(None);
    };
    let window = window_of(&model, event);
    let invitation = db::evaluations::invitation(db, event.id, reg.id).await?;
    let phase = window.phase(now);
    Ok(Some(ForParticipant {
        questions: questions_of(&model)?,
        opens_at: window.opens_at,
        closes_at: window.closes_at,
        phase,
        may_answer: rules::may_answer(
            reg.status,
            reg.attended,
            invitation.is_some(),
            invitation.is_some_and(|i| i.answered),
            phase,
            event.status == EventStatus::Published,
        ),
    }))
}

/// The values an answer adds to the respondents' tallies: the role's key (empty: not
/// stated) and the municipality as the reference list names it (`@other` for a place
/// outside it, empty for none).
async fn respondent_values(
    db: &impl ConnectionTrait,
    reg: &registration::Model,
    organisation_id: Uuid,
) -> Result<(String, String), DbErr> {
    let role_list = crate::service::roles::of_organisation(db, organisation_id).await?;
    let role = roles::stated(&role_list, reg.role.as_deref())
        .map(|r| r.key.clone())
        .unwrap_or_default();
    let place = match reg.municipality.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(given) => {
            match db::organisations::municipality_by_key(db, organisation_id, &match_key(given))
                .await?
            {
                Some(m) => m.name,
                // Not a name: an alias, or from elsewhere (read the list only then).
                None => {
                    let list = db::organisations::municipalities(db, organisation_id).await?;
                    crate::service::municipalities::matcher(&list)
                        .place(given)
                        .map_or_else(|| OTHER_PLACE.to_string(), |i| list[i].name.clone())
                }
            }
        }
    };
    Ok((role, place))
}

/// The tally value of respondents from outside the reference list.
const OTHER_PLACE: &str = "@other";

/// Takes a participant's answers (the API's and the page's one function). Under the
/// event's lock: of several answers at once from one link, one counts; the rest are
/// `AlreadyAnswered`.
pub async fn answer(
    db: &Db,
    registration_id: Uuid,
    answers: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(), AnswerError> {
    let tx = db.begin_write().await?;
    let event_id = db::registrations::find(&*tx, registration_id)
        .await?
        .ok_or(AnswerError::NotFound)?
        .event_id;
    let event = db::events::find_for_update(&*tx, event_id)
        .await?
        .ok_or(AnswerError::NotFound)?;
    // Read again under the lock: it may have been cancelled meanwhile.
    let reg = db::registrations::find(&*tx, registration_id)
        .await?
        .ok_or(AnswerError::NotFound)?;
    let model = db::evaluations::find(&*tx, event.id)
        .await?
        .ok_or(AnswerError::NotFound)?;
    let phase = window_of(&model, &event).phase(now);
    let invitation = db::evaluations::invitation(&*tx, event.id, reg.id).await?;
    rules::may_answer(
        reg.status,
        reg.attended,
        invitation.is_some(),
        invitation.as_ref().is_some_and(|i| i.answered),
        phase,
        event.status == EventStatus::Published,
    )?;
    let given =
        rules::check_answers(&questions_of(&model)?, answers).map_err(AnswerError::Invalid)?;
    // Who answered: the invitation says so (made now if the link was opened before the
    // invitation went out).
    if invitation.is_some() {
        if !db::evaluations::mark_answered(&*tx, event.id, reg.id).await? {
            return Err(AnswerError::AlreadyAnswered);
        }
    } else {
        // Recorded as invited at the opening, not now: the time must not be the answer's.
        let opened = window_of(&model, &event).opens_at;
        db::evaluations::invite(&*tx, event.id, &[reg.id], true, opened).await?;
    }
    // What was answered: counters and comments, with nothing that leads back.
    let (role, place) = respondent_values(&*tx, &reg, event.organisation_id).await?;
    let mut counted: Vec<(&str, &str)> = vec![
        (db::evaluations::ROLE_TALLY, role.as_str()),
        (db::evaluations::MUNICIPALITY_TALLY, place.as_str()),
    ];
    let mut comments = Vec::new();
    for g in &given {
        match g {
            Given::Counted { key, value } => counted.push((key, value)),
            Given::Comment { key, text } => comments.push((key.as_str(), text.as_str())),
        }
    }
    let organisation = db::organisations::find(&*tx, event.organisation_id)
        .await?
        .ok_or(AnswerError::NotFound)?;
    let tz = crate::domain::period::zone(&organisation.time_zone);
    let day = now.with_timezone(&tz).date_naive();
    db::evaluations::add_answer(&*tx, event.id, &counted, &comments, day).await?;
    tx.commit().await?;
    Ok(())
}

/// One question's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub key: String,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub answered: u64,
    /// Value → count, every value of the scale (or option) included.
    #[schema(value_type = Object)]
    pub distribution: BTreeMap<String, u64>,
    /// The same, in the scale's order, with labels (for tables and charts).
    #[serde(skip)]
    pub rows: Vec<(String, String, u64)>,
    pub mean: Option<f64>,
    pub at_least: Option<i64>,
    pub share_at_least_percent: Option<f64>,
}

/// Respondents with one role.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleCount {
    pub key: Option<String>,
    pub role: String,
    pub count: u64,
    pub percent: f64,
}

/// Respondents from one municipality (or from elsewhere, or not stated).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceCount {
    pub municipality: String,
    pub count: u64,
}

/// A free-text answer, with its id so the organiser can delete it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: Uuid,
    pub question: String,
    pub text: String,
}

/// An event's results: while open only the counts; closed with too few respondents, the
/// counts and `suppressed`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub event_id: Uuid,
    pub title: String,
    pub status: String,
    pub invited: u64,
    pub respondents: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_rate_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<u64>,
    /// Fewer respondents than the minimum: nothing that could tell answers apart is shown.
    pub suppressed: bool,
    pub min_respondents: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<QuestionResult>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondents_by_role: Option<Vec<RoleCount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondents_by_municipality: Option<Vec<PlaceCount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondent_municipalities: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<Comment>>,
}

/// Counters of one event (or several, pooled) by question key.
fn by_question(
    tallies: &[crate::db::entities::evaluation_tally::Model],
) -> HashMap<&str, BTreeMap<String, u64>> {
    let mut out: HashMap<&str, BTreeMap<String, u64>> = HashMap::new();
    for t in tallies {
        *out.entry(t.question_key.as_str())
            .or_default()
            .entry(t.value.clone())
            .or_default() += t.count.max(0) as u64;
    }
    out
}

fn question_result(
    q: &Question,
    counts: Option<&BTreeMap<String, u64>>,
    at_least: Option<i64>,
    lang: Language,
) -> QuestionResult {
    let empty = BTreeMap::new();
    let s = rules::summarise(q, counts.unwrap_or(&empty), at_least);
    let rows = s
        .distribution
        .iter()
        .map(|(value, n)| {
            let label = match q.kind {
                QuestionType::Choice => q
                    .options
                    .iter()
                    .find(|o| &o.key == value)
                    .map(|o| match lang {
                        Language::Nb => o.label_nb.clone(),
                        Language::En => o.label_en.clone(),
                    })
                    .unwrap_or_else(|| value.clone()),
                _ => value
                    .parse()
                    .ok()
                    .and_then(|v| q.label(v, lang))
                    .map_or_else(|| value.clone(), |l| format!("{value} – {l}")),
            };
            (value.clone(), label, *n)
        })
        .collect();
    QuestionResult {
        key: q.key.clone(),
        text: q.text(lang).to_string(),
        kind: q.kind.as_str().to_string(),
        answered: s.answered,
        distribution: s.distribution.into_iter().collect(),
        rows,
        mean: s.mean,
        at_least: s.at_least,
        share_at_least_percent: s.share_at_least_percent,
    }
}

/// An optional question answered by fewer than the minimum shows only how many answered.
fn hide_if_few(mut r: QuestionResult, min_respondents: u64) -> QuestionResult {
    if r.answered < min_respondents {
        r.distribution.clear();
        r.rows.clear();
        r.mean = None;
        r.share_at_least_percent = None;
    }
    r
}

/// The event's results for its organisers (`at_least`: the cut-off for every scale
/// question instead of each question's own). Comments come in a new random order each time.
pub async fn results(
    db: &Db,
    organisation_id: Uuid,
    event_id: Uuid,
    at_least: Option<i64>,
    min_respondents: u64,
    lang: Language,
    now: DateTime<Utc>,
) -> Result<Results, EvaluationError> {
    let event = own_event(&db.conn, organisation_id, event_id).await?;
    let model = db::evaluations::find(&db.conn, event_id)
        .await?
        .ok_or(EvaluationError::NotFound)?;
    let phase = window_of(&model, &event).phase(now);
    let invited = model.invited.max(0) as u64;
    let respondents = model.respondents.max(0) as u64;
    let mut results = Results {
        event_id,
        title: event.title.clone(),
        status: phase.as_str().to_string(),
        invited,
        respondents,
        response_rate_percent: None,
        participants: None,
        suppressed: false,
        min_respondents,
        questions: None,
        respondents_by_role: None,
        respondents_by_municipality: None,
        respondent_municipalities: None,
        comments: None,
    };
    let disclosure = rules::disclosure(phase, respondents, min_respondents);
    if disclosure == Disclosure::CountsOnly {
        return Ok(results);
    }
    results.response_rate_percent = Some(rules::percent(respondents, invited));
    let scope = StatsScope {
        organisation_id,
        from: None,
        until: None,
        network_id: None,
        event_id: Some(event_id),
        kind: None,
        series_id: None,
        now,
    };
    results.participants = Some(
        crate::service::stats::compute(db, &scope, &Default::default(), false, false)
            .await?
            .totals
            .counts
            .participants,
    );
    if disclosure == Disclosure::Suppressed {
        results.suppressed = true;
        return Ok(results);
    }
    let questions = questions_of(&model)?;
    let tallies = db::evaluations::tallies(&db.conn, &[event_id]).await?;
    let counts = by_question(&tallies);
    results.questions = Some(
        questions
            .iter()
            .map(|q| {
                let cut = at_least.filter(|c| q.values().contains(c));
                let r = question_result(q, counts.get(q.key.as_str()), cut, lang);
                hide_if_few(r, min_respondents)
            })
            .collect(),
    );
    let role_list = crate::service::roles::of_organisation(&db.conn, organisation_id).await?;
    let role_counts = counts.get(db::evaluations::ROLE_TALLY);
    let count_of = |map: Option<&BTreeMap<String, u64>>, key: &str| {
        map.and_then(|m| m.get(key)).copied().unwrap_or(0)
    };
    let mut by_role: Vec<RoleCount> = role_list
        .iter()
        .map(|r| {
            let count = count_of(role_counts, &r.key);
            RoleCount {
                key: Some(r.key.clone()),
                role: r.label(lang).to_string(),
                count,
                percent: rules::percent(count, respondents),
            }
        })
        .collect();
    let not_stated = respondents.saturating_sub(by_role.iter().map(|r| r.count).sum());
    by_role.push(RoleCount {
        key: None,
        role: match lang {
            Language::Nb => crate::service::stats::NOT_STATED.to_string(),
            Language::En => "Not stated".to_string(),
        },
        count: not_stated,
        percent: rules::percent(not_stated, respondents),
    });
    results.respondents_by_role = Some(by_role);
    let mut places: Vec<PlaceCount> = Vec::new();
    let (mut others, mut none) = (0, 0);
    for (value, count) in counts
        .get(db::evaluations::MUNICIPALITY_TALLY)
        .into_iter()
        .flatten()
    {
        match value.as_str() {
            "" => none += count,
            OTHER_PLACE => others += count,
            name => places.push(PlaceCount {
                municipality: name.to_string(),
                count: *count,
            }),
        }
    }
    places.sort_by(|a, b| {
        b.count.cmp(&a.count).then_with(|| {
            crate::service::stats::norwegian_order(&a.municipality)
                .cmp(&crate::service::stats::norwegian_order(&b.municipality))
        })
    });
    results.respondent_municipalities = Some(places.len() as u64);
    let (others_label, none_label) = match lang {
        Language::Nb => ("Andre", crate::service::stats::NOT_STATED),
        Language::En => ("Others", "Not stated"),
    };
    for (label, count) in [(others_label, others), (none_label, none)] {
        if count > 0 {
            places.push(PlaceCount {
                municipality: label.to_string(),
                count,
            });
        }
    }
    results.respondents_by_municipality = Some(places);
    let texts: HashMap<&str, &str> = questions
        .iter()
        .map(|q| (q.key.as_str(), q.text(lang)))
        .collect();
    let mut comments: Vec<Comment> = db::evaluations::comments(&db.conn, event_id)
        .await?
        .into_iter()
        .map(|c| Comment {
            id: c.id,
            question: texts
                .get(c.question_key.as_str())
                .map_or_else(|| c.question_key.clone(), |t| t.to_string()),
            text: c.text,
        })
        .collect();
    comments.shuffle(&mut rand::rng());
    results.comments = Some(comments);
    Ok(results)
}

/// Deletes one comment (free text is personal data; the organiser may remove one that
/// names someone). Recorded in the audit log without its text.
pub async fn delete_comment(
    db: &Db,
    by: &organiser::Model,
    event_id: Uuid,
    comment_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EvaluationError> {
    let event = own_event(&db.conn, by.organisation_id, event_id).await?;
    let tx = db.begin_write().await?;
    let deleted = db::evaluations::delete_comment(&*tx, event_id, comment_id).await?;
    tx.commit().await?;
    if !deleted {
        return Err(EvaluationError::NotFound);
    }
    audit::record(
        db,
        Some(by.organisation_id),
        Who::Organiser(by),
        Action::CommentDeleted,
        &event.title,
        Some(1),
        now,
    )
    .await;
    Ok(())
}

/// One event's line of the evaluations across a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventEvaluation {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub status: String,
    pub invited: u64,
    pub respondents: u64,
    pub response_rate_percent: f64,
}

/// One question key pooled across the period's closed evaluations with enough respondents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PooledQuestion {
    pub key: String,
    pub text: String,
    /// Events whose answers are pooled here.
    pub events: u64,
    pub answered: u64,
    #[schema(value_type = Object)]
    pub distribution: BTreeMap<String, u64>,
    pub mean: Option<f64>,
    pub at_least: Option<i64>,
    pub share_at_least_percent: Option<f64>,
}

/// Evaluations of the events of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AcrossEvents {
    pub events: Vec<EventEvaluation>,
    pub invited: u64,
    pub respondents: u64,
    pub response_rate_percent: f64,
    pub questions: Vec<PooledQuestion>,
}

/// Per event its invited, respondents and rate; per scale or choice question key the
/// answers pooled across the closed evaluations that have enough respondents (the same
/// rule as one event's results: nothing of an evaluation under the minimum is pooled).
pub async fn across(
    db: &Db,
    scope: &StatsScope,
    at_least: Option<i64>,
    min_respondents: u64,
    lang: Language,
) -> Result<AcrossEvents, DbErr> {
    let events = db::stats::events(&db.conn, scope).await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let evaluations: HashMap<Uuid, evaluation::Model> = db::evaluations::of_events(&db.conn, &ids)
        .await?
        .into_iter()
        .map(|e| (e.event_id, e))
        .collect();
    let full_events =
        db::events::by_ids(&db.conn, &evaluations.keys().copied().collect::<Vec<_>>()).await?;
    let mut lines = Vec::new();
    let mut pooled_ids = Vec::new();
    let (mut invited, mut respondents) = (0, 0);
    for e in &events {
        let Some(model) = evaluations.get(&e.id) else {
            continue;
        };
        let Some(event) = full_events.iter().find(|f| f.id == e.id) else {
            continue;
        };
        let phase = window_of(model, event).phase(scope.now);
        let (i, r) = (model.invited.max(0) as u64, model.respondents.max(0) as u64);
        invited += i;
        respondents += r;
        if rules::disclosure(phase, r, min_respondents) == Disclosure::Full {
            pooled_ids.push(e.id);
        }
        lines.push(EventEvaluation {
            id: e.id,
            title: e.title.clone(),
            starts_at: e.starts_at,
            status: phase.as_str().to_string(),
            invited: i,
            respondents: r,
            response_rate_percent: rules::percent(r, i),
        });
    }
    // Answers pool per question definition: the same key on the same scale (or with the
    // same options). A key asked on 1–5 in one event and 1–7 in another is two rows.
    let same = |a: &Question, b: &Question| {
        a.key == b.key
            && a.kind == b.kind
            && a.min == b.min
            && a.max == b.max
            && a.options
                .iter()
                .map(|o| &o.key)
                .eq(b.options.iter().map(|o| &o.key))
    };
    let tallies = db::evaluations::tallies(&db.conn, &pooled_ids).await?;
    let mut definitions: Vec<(Question, u64, BTreeMap<String, u64>)> = Vec::new();
    for id in &pooled_ids {
        for q in questions_of(&evaluations[id])? {
            if q.kind == QuestionType::Text {
                continue;
            }
            let at = match definitions.iter().position(|(d, _, _)| same(d, &q)) {
                Some(i) => i,
                None => {
                    definitions.push((q.clone(), 0, BTreeMap::new()));
                    definitions.len() - 1
                }
            };
            let (_, events, counts) = &mut definitions[at];
            *events += 1;
            for t in tallies
                .iter()
                .filter(|t| t.event_id == *id && t.question_key == q.key)
            {
                *counts.entry(t.value.clone()).or_default() += t.count.max(0) as u64;
            }
        }
    }
    let questions = definitions
        .iter()
        .map(|(q, events, counts)| {
            // One cut-off for all applies where it is on the scale.
            let cut = at_least.filter(|c| q.values().contains(c));
            let r = hide_if_few(question_result(q, Some(counts), cut, lang), min_respondents);
            PooledQuestion {
                key: r.key,
                text: r.text,
                events: *events,
                answered: r.answered,
                distribution: r.distribution,
                mean: r.mean,
                at_least: r.at_least,
                share_at_least_percent: r.share_at_least_percent,
            }
        })
        .collect();
    Ok(AcrossEvents {
        events: lines,
        invited,
        respondents,
        response_rate_percent: rules::percent(respondents, invited),
        questions,
    })
}

/// Queues the invitations and reminders that are due, each once (the event's lock
/// serialises processes; an invitation row exists before its mail is queued, in the same
/// transaction). Returns how many mails were queued.
pub async fn queue_due(db: &Db, mailer: &Mailer, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let mut queued = 0;
    for (model, event) in db::evaluations::unfinished(&db.conn).await? {
        if window_of(&model, &event).phase(now) == Phase::Scheduled {
            continue;
        }
        // One evaluation's failure must not hold up the others' mail.
        match queue_for_event(db, mailer, event.id, now).await {
            Ok(n) => queued += n,
            Err(e) => tracing::error!(error = %e, event = %event.id, "evaluation mails failed"),
        }
    }
    if queued > 0 {
        tracing::info!(queued, "evaluation mails queued");
        mailer.wake();
    }
    Ok(queued)
}

/// The invitations and reminders of one event's evaluation that are due, under its lock.
async fn queue_for_event(
    db: &Db,
    mailer: &Mailer,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let tx = db.begin_write().await?;
    let Some(event) = db::events::find_for_update(&*tx, event_id).await? else {
        return Ok(0);
    };
    let Some(model) = db::evaluations::find(&*tx, event.id).await? else {
        return Ok(0);
    };
    let window = window_of(&model, &event);
    if window.phase(now) == Phase::Closed || event.status == EventStatus::Cancelled {
        db::evaluations::finish(&*tx, event.id).await?;
        tx.commit().await?;
        return Ok(0);
    }
    // A draft for now (unpublished): nothing goes out, and it is looked at again later.
    if event.status != EventStatus::Published {
        return Ok(0);
    }
    let ctx = db::events::context_of(&*tx, event.clone()).await?;
    let facts = EvaluationFacts {
        closes_at: window.closes_at,
        minutes: rules::minutes_to_answer(&questions_of(&model)?),
    };
    let mut letters = Vec::new();
    let newly: Vec<registration::Model> = db::evaluations::uninvited(&*tx, event.id)
        .await?
        .into_iter()
        .filter(|r| rules::gets_invitation(r.status, r.attended))
        .collect();
    for reg in &newly {
        letters.push(letter(
            mailer,
            &ctx,
            reg,
            MailKind::EvaluationInvitation,
            facts,
            now,
        )?);
    }
    let ids: Vec<Uuid> = newly.iter().map(|r| r.id).collect();
    db::evaluations::invite(&*tx, event.id, &ids, false, now).await?;
    if let Some(after) = window.reminder_after {
        let waiting = db::evaluations::awaiting_reminder(&*tx, event.id, now - after).await?;
        let mut reminded = Vec::new();
        for inv in waiting {
            if !window.reminder_due(inv.invited_at, now)
                || !rules::gets_evaluation_reminder(inv.answered, inv.reminded_at.is_some())
            {
                continue;
            }
            let Some(reg) = db::registrations::find(&*tx, inv.registration_id).await? else {
                continue;
            };
            // Cancelled or marked absent since the invitation: no reminder (marked as had,
            // so the question is not asked again).
            if rules::gets_invitation(reg.status, reg.attended) {
                letters.push(letter(
                    mailer,
                    &ctx,
                    &reg,
                    MailKind::EvaluationReminder,
                    facts,
                    now,
                )?);
            }
            reminded.push(inv.registration_id);
        }
        db::evaluations::mark_reminded(&*tx, event.id, &reminded, now).await?;
    }
    let queued = letters.len();
    db::outbox::insert_many(&*tx, letters).await?;
    tx.commit().await?;
    Ok(queued)
}

fn letter(
    mailer: &Mailer,
    ctx: &EventContext,
    reg: &registration::Model,
    kind: MailKind,
    facts: EvaluationFacts,
    now: DateTime<Utc>,
) -> Result<crate::db::entities::outbox::Model, DbErr> {
    let notice = Notice {
        evaluation: Some(facts),
        ..Notice::new(kind, reg, ctx)
    };
    mailer.letter(ctx, reg, &notice, now)
}
