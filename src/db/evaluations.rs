//! Evaluations: settings, invitations (who, and whether they answered) and the answers,
//! kept apart. An answer moves counters and may add comments; nothing written with it
//! names the registration, and nothing in the answer tables is ordered in time (counters
//! have no timestamps, comments a random id and only the day).
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::entities::{
    evaluation, evaluation_comment, evaluation_invitation, evaluation_tally, event, registration,
};
use crate::domain::RegistrationStatus;

/// Tally key of the respondents' roles.
pub const ROLE_TALLY: &str = "@role";
/// Tally key of the respondents' municipalities.
pub const MUNICIPALITY_TALLY: &str = "@municipality";

pub async fn find(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Option<evaluation::Model>, DbErr> {
    evaluation::Entity::find_by_id(event_id).one(db).await
}

/// The evaluations of these events.
pub async fn of_events(
    db: &impl ConnectionTrait,
    event_ids: &[Uuid],
) -> Result<Vec<evaluation::Model>, DbErr> {
    let mut all = Vec::new();
    for chunk in event_ids.chunks(500) {
        all.extend(
            evaluation::Entity::find()
                .filter(evaluation::Column::EventId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(all)
}

/// Inserts or replaces an event's evaluation settings (the counts stay as they are).
pub async fn save(
    db: &impl ConnectionTrait,
    model: evaluation::Model,
) -> Result<evaluation::Model, DbErr> {
    match find(db, model.event_id).await? {
        None => evaluation::ActiveModel::from(model).insert(db).await,
        Some(old) => {
            let mut active = old.into_active_model();
            active.preset = Set(model.preset);
            active.questions = Set(model.questions);
            active.opens_at = Set(model.opens_at);
            active.closes_at = Set(model.closes_at);
            active.reminder_after_minutes = Set(model.reminder_after_minutes);
            active.finished = Set(false);
            active.updated_at = Set(model.updated_at);
            active.update(db).await
        }
    }
}

pub async fn delete(db: &impl ConnectionTrait, event_id: Uuid) -> Result<(), DbErr> {
    evaluation_invitation::Entity::delete_many()
        .filter(evaluation_invitation::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    evaluation::Entity::delete_by_id(event_id).exec(db).await?;
    Ok(())
}

/// Evaluations the scheduler still looks after, with their events.
pub async fn unfinished(
    db: &impl ConnectionTrait,
) -> Result<Vec<(evaluation::Model, event::Model)>, DbErr> {
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::Finished.eq(false))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = evaluations.iter().map(|e| e.event_id).collect();
    let mut events: HashMap<Uuid, event::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for e in event::Entity::find()
            .filter(event::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            events.insert(e.id, e);
        }
    }
    Ok(evaluations
        .into_iter()
        .filter_map(|ev| events.remove(&ev.event_id).map(|e| (ev, e)))
        .collect())
}

/// Marks an evaluation finished: the scheduler has nothing more to do for it.
pub async fn finish(db: &impl ConnectionTrait, event_id: Uuid) -> Result<(), DbErr> {
    evaluation::Entity::update_many()
        .col_expr(evaluation::Column::Finished, true.into())
        .filter(evaluation::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Confirmed registrations of the event not yet invited (the caller applies
/// `domain::evaluations::gets_invitation`).
pub async fn uninvited(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<registration::Model>, DbErr> {
    let invited = Query::select()
        .column(evaluation_invitation::Column::RegistrationId)
        .from(evaluation_invitation::Entity)
        .and_where(evaluation_invitation::Column::EventId.eq(event_id))
        .to_owned();
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::Id.not_in_subquery(invited))
        .order_by_asc(registration::Column::CreatedAt)
        .all(db)
        .await
}

/// Records invitations (and, when `answered`, that the answer came with the first visit).
pub async fn invite(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    registration_ids: &[Uuid],
    answered: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if registration_ids.is_empty() {
        return Ok(());
    }
    for chunk in registration_ids.chunks(500) {
        evaluation_invitation::Entity::insert_many(chunk.iter().map(|id| {
            evaluation_invitation::ActiveModel {
                event_id: Set(event_id),
                registration_id: Set(*id),
                invited_at: Set(now),
                reminded_at: Set(None),
                answered: Set(answered),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    add_to_counts(db, event_id, registration_ids.len() as i32, 0).await
}

async fn add_to_counts(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    invited: i32,
    respondents: i32,
) -> Result<(), DbErr> {
    evaluation::Entity::update_many()
        .col_expr(
            evaluation::Column::Invited,
            Expr::col(evaluation::Column::Invited).add(invited),
        )
        .col_expr(
            evaluation::Column::Respondents,
            Expr::col(evaluation::Column::Respondents).add(respondents),
        )
        .filter(evaluation::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One registration's invitation, if it has one.
pub async fn invitation(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    registration_id: Uuid,
) -> Result<Option<evaluation_invitation::Model>, DbErr> {
    evaluation_invitation::Entity::find_by_id((event_id, registration_id))
        .one(db)
        .await
}

/// Invitations without an answer and without a reminder, sent at or before `sent_before`.
pub async fn awaiting_reminder(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    sent_before: DateTime<Utc>,
) -> Result<Vec<evaluation_invitation::Model>, DbErr> {
    evaluation_invitation::Entity::find()
        .filter(evaluation_invitation::Column::EventId.eq(event_id))
        .filter(evaluation_invitation::Column::Answered.eq(false))
        .filter(evaluation_invitation::Column::RemindedAt.is_null())
        .filter(evaluation_invitation::Column::InvitedAt.lte(sent_before))
        .all(db)
        .await
}

pub async fn mark_reminded(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    registration_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in registration_ids.chunks(500) {
        evaluation_invitation::Entity::update_many()
            .col_expr(evaluation_invitation::Column::RemindedAt, Some(now).into())
            .filter(evaluation_invitation::Column::EventId.eq(event_id))
            .filter(evaluation_invitation::Column::RegistrationId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// How many invitations have had their reminder.
pub async fn reminded_count(db: &impl ConnectionTrait, event_id: Uuid) -> Result<u64, DbErr> {
    evaluation_invitation::Entity::find()
        .filter(evaluation_invitation::Column::EventId.eq(event_id))
        .filter(evaluation_invitation::Column::RemindedAt.is_not_null())
        .count(db)
        .await
}

/// Marks the invitation answered; false when it already was (a second answer, or the
/// loser of two at once). Call under the event's lock.
pub async fn mark_answered(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    registration_id: Uuid,
) -> Result<bool, DbErr> {
    let changed = evaluation_invitation::Entity::update_many()
        .col_expr(evaluation_invitation::Column::Answered, true.into())
        .filter(evaluation_invitation::Column::EventId.eq(event_id))
        .filter(evaluation_invitation::Column::RegistrationId.eq(registration_id))
        .filter(evaluation_invitation::Column::Answered.eq(false))
        .exec(db)
        .await?
        .rows_affected;
    Ok(changed == 1)
}

/// What one answer adds: counters moved by one, comments stored on their own, one more
/// respondent. No argument names the registration.
pub async fn add_answer(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    counted: &[(&str, &str)],
    comments: &[(&str, &str)],
    day: NaiveDate,
) -> Result<(), DbErr> {
    for (key, value) in counted {
        evaluation_tally::Entity::insert(evaluation_tally::ActiveModel {
            event_id: Set(event_id),
            question_key: Set(key.to_string()),
            value: Set(value.to_string()),
            count: Set(1),
        })
        .on_conflict(
            OnConflict::columns([
                evaluation_tally::Column::EventId,
                evaluation_tally::Column::QuestionKey,
                evaluation_tally::Column::Value,
            ])
            .value(
                evaluation_tally::Column::Count,
                Expr::col((evaluation_tally::Entity, evaluation_tally::Column::Count)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    if !comments.is_empty() {
        evaluation_comment::Entity::insert_many(comments.iter().map(|(key, text)| {
            evaluation_comment::ActiveModel {
                // Random, not `now_v7`: the order of the ids must not be the order of answers.
                id: Set(Uuid::new_v4()),
                event_id: Set(event_id),
                question_key: Set(key.to_string()),
                text: Set(text.to_string()),
                answered_on: Set(day),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    add_to_counts(db, event_id, 0, 1).await
}

/// The counters of these events.
pub async fn tallies(
    db: &impl ConnectionTrait,
    event_ids: &[Uuid],
) -> Result<Vec<evaluation_tally::Model>, DbErr> {
    let mut all = Vec::new();
    for chunk in event_ids.chunks(500) {
        all.extend(
            evaluation_tally::Entity::find()
                .filter(evaluation_tally::Column::EventId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(all)
}

/// An event's comments (in the order of their random ids: no order of answering).
pub async fn comments(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<evaluation_comment::Model>, DbErr> {
    evaluation_comment::Entity::find()
        .filter(evaluation_comment::Column::EventId.eq(event_id))
        .order_by_asc(evaluation_comment::Column::Id)
        .all(db)
        .await
}

/// Deletes one comment of the event; false if there is none with that id.
pub async fn delete_comment(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let res = evaluation_comment::Entity::delete_many()
        .filter(evaluation_comment::Column::EventId.eq(event_id))
        .filter(evaluation_comment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Deletes the comments of events that ended before `ended_before` (retention: free text
/// is personal data; the counters stay).
pub async fn delete_comments_of_events_ended_before(
    db: &impl ConnectionTrait,
    ended_before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let ended = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(event::Column::EndsAt.lt(ended_before))
        .to_owned();
    let res = evaluation_comment::Entity::delete_many()
        .filter(evaluation_comment::Column::EventId.in_subquery(ended))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The organisation's events that have an evaluation, latest first (at most 200).
pub async fn events_with_evaluation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<event::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let with = Query::select()
        .column(evaluation::Column::EventId)
        .from(evaluation::Entity)
        .to_owned();
    event::Entity::find()
        .filter(event::Column::OrganisationId.eq(organisation_id))
        .filter(event::Column::Id.in_subquery(with))
        .order_by_desc(event::Column::StartsAt)
        .limit(200)
        .all(db)
        .await
}
