//! Keyset pages of the lists that grow with use (an event's registrations, its mails): in
//! the order they were made, after a row the client already has.
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// At most `limit` rows of `E` within `scope`, ordered by (`created_at`, `id`), after the
/// row whose id is `after`; `None` when `after` is no row of the scope.
pub async fn after<E>(
    db: &impl ConnectionTrait,
    scope: Condition,
    created_at: E::Column,
    id: E::Column,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Option<Vec<E::Model>>, DbErr>
where
    E: EntityTrait,
{
    let mut query = E::find().filter(scope.clone());
    if let Some(cursor_id) = after {
        let cursor: Option<DateTime<Utc>> = E::find()
            .select_only()
            .column(created_at)
            .filter(scope)
            .filter(id.eq(cursor_id))
            .into_tuple()
            .one(db)
            .await?;
        let Some(at) = cursor else {
            return Ok(None);
        };
        query = query.filter(
            Condition::any().add(created_at.gt(at)).add(
                Condition::all()
                    .add(created_at.eq(at))
                    .add(id.gt(cursor_id)),
            ),
        );
    }
    let rows = query
        .order_by_asc(created_at)
        .order_by_asc(id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Some(rows))
}
