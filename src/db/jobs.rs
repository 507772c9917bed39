//! Runs of periodic jobs, claimed by name so that several processes run each once.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, TryInsertResult};

use super::entities::job_run;

/// Claims the run `name` of a periodic job; false when another process (or an earlier
/// tick) has it.
pub async fn claim_job(
    db: &impl ConnectionTrait,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = job_run::Entity::insert(job_run::ActiveModel {
        name: Set(name.to_string()),
        ran_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(job_run::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    Ok(matches!(res, TryInsertResult::Inserted(n) if n > 0))
}
