//! Secrets the service keeps in its database (the link key when none is configured).
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use super::entities::app_secret;

/// The secret named `name`, created with `make` the first time (race-safe: the first
/// writer wins and everyone reads the winner).
pub async fn get_or_create_secret(
    db: &impl ConnectionTrait,
    name: &str,
    make: impl FnOnce() -> String,
) -> Result<String, DbErr> {
    if let Some(s) = app_secret::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
    {
        return Ok(s.value);
    }
    app_secret::Entity::insert(app_secret::ActiveModel {
        name: Set(name.to_string()),
        value: Set(make()),
    })
    .on_conflict(
        OnConflict::column(app_secret::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    app_secret::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| DbErr::RecordNotFound(format!("secret {name}")))
}
