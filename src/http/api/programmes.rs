//! Programmes across the year: series, who has completed an event, and the events a period
//! held.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::exports::download;
use super::schema::{Binary, InvalidInput, NotFound, SlugTaken, UnsupportedMediaType};
use crate::db::{self, entities::series};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Organiser, OwnEvent};
use crate::http::AppState;
use crate::service::downloads::{self, StatsQuery, TableAnswer};
use crate::service::programmes::{self, Completions, EventsHeld};

/// A series as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Series)]
pub struct SeriesView {
    id: uuid::Uuid,
    slug: String,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<series::Model> for SeriesView {
    fn from(s: series::Model) -> SeriesView {
        SeriesView {
            id: s.id,
            slug: s.slug,
            name: s.name,
            created_at: s.created_at,
        }
    }
}

/// `POST /series` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewSeries, example = json!({"slug": "hhlr-instruktor", "name": "HHLR-instruktørkurs"}))]
pub struct NewSeriesBody {
    /// Names the series in statistics queries (`series=`); unique in the organisation.
    #[schema(required, value_type = String, pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        min_length = 2, max_length = 64)]
    slug: Option<String>,
    #[schema(required, value_type = String, pattern = "\\S", max_length = 200)]
    name: Option<String>,
}

/// Creates a series (a webinar series, the yearly instructor course) in the organiser's
/// organisation; events join it with `series: slug`.
#[utoipa::path(
    post,
    path = "/series",
    operation_id = "create_series",
    tag = "programmes",
    security(("bearer" = [])),
    request_body = NewSeriesBody,
    responses(
        (status = 201, description = "Created", body = SeriesView),
        (status = 400, response = InvalidInput),
        (status = 409, response = SlugTaken),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn create_series(
    State(state): State<AppState>,
    Organiser(me): Organiser,
    ApiJson(body): ApiJson<NewSeriesBody>,
) -> Result<(StatusCode, Json<SeriesView>), ApiError> {
    let created = programmes::create_series(
        &state.db,
        me.organisation_id,
        body.slug.as_deref(),
        body.name.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The organisation's series, by name.
#[utoipa::path(
    get,
    path = "/series",
    operation_id = "list_series",
    tag = "programmes",
    security(("bearer" = [])),
    responses((status = 200, description = "The series", body = [SeriesView])),
)]
pub async fn list_series(
    State(state): State<AppState>,
    Organiser(me): Organiser,
) -> Result<Json<Vec<SeriesView>>, ApiError> {
    let all = db::series::of_organisation(&state.db.conn, me.organisation_id).await?;
    Ok(Json(all.into_iter().map(SeriesView::from).collect()))
}

/// Every confirmed registration with the sessions it came to and whether it completed the
/// event (its `completion` rule; by default every session that is not optional).
#[utoipa::path(
    get,
    path = "/events/{id}/completions",
    operation_id = "event_completions",
    tag = "programmes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Who has completed the event", body = Completions),
        (status = 404, response = NotFound),
    ),
)]
pub async fn completions(
    State(state): State<AppState>,
    own: OwnEvent,
) -> Result<Json<Completions>, ApiError> {
    Ok(Json(
        programmes::completions(&state.db, &own.ctx.event, &own.ctx.sessions).await?,
    ))
}

/// `GET /stats/events` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsHeldQuery {
    /// A calendar year (`from` and `to` narrow it).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// First day (the organisation's local date), included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Last day, included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// Only this network's events (its slug).
    pub network: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<crate::domain::EventKind>)]
    pub kind: Option<String>,
    /// Only this series' events (its slug).
    pub series: Option<String>,
    /// `json` (default), `csv` (per event) or `xlsx` (per event, and per network and kind).
    #[param(value_type = Option<String>)]
    pub format: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<String>)]
    pub delimiter: Option<String>,
}

/// The events a period held, per network and kind, per series and one by one. A session
/// counts in the period in which it starts, so a programme across years counts in each
/// year with its own sessions and its registrations so far. Held: published, not
/// cancelled, and a session in the period has started.
#[utoipa::path(
    get,
    path = "/stats/events",
    operation_id = "events_held",
    tag = "statistics",
    security(("bearer" = [])),
    params(EventsHeldQuery),
    responses(
        (status = 200, description = "The events held in the asked format",
            content(
                (EventsHeld = "application/json"),
                (String = "text/csv"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 400, response = InvalidInput),
        (status = 404, response = NotFound),
    ),
)]
pub async fn events_held(
    State(state): State<AppState>,
    me: Organiser,
    query: Result<Query<EventsHeldQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = super::query(query)?;
    let stats_query = StatsQuery {
        year: q.year,
        from: q.from,
        to: q.to,
        network: q.network,
        kind: q.kind,
        series: q.series,
        format: q.format,
        delimiter: q.delimiter,
        ..Default::default()
    };
    let answer = downloads::events_held(&state.db, &me.0, stats_query, state.clock.now()).await?;
    Ok(match answer {
        TableAnswer::Table(table) => Json::<EventsHeld>(*table).into_response(),
        TableAnswer::File(file) => download(file),
    })
}
