//! The organisation's municipality reference list: list it, and import a file into it.
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::db;
use crate::domain::{access, reference, Problem};
use crate::http::error::ApiError;
use crate::http::extract::Organiser;
use crate::http::AppState;
use crate::service::municipalities::{self, ImportReport};
use crate::service::organisers;

use super::paging::{self, PageQuery};
use super::schema::{AdminOnly, InvalidInput};

/// A reference municipality.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Municipality)]
pub struct MunicipalityView {
    id: Uuid,
    name: String,
    population: Option<i64>,
    region: Option<String>,
    /// Other names people type for it; they count as this municipality.
    aliases: Vec<String>,
    /// First and last day it belongs to the list (a period's tables list it only then).
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

/// The organisation's municipality reference list, by name.
#[utoipa::path(
    get,
    path = "/municipalities",
    operation_id = "list_municipalities",
    tag = "organisation",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "The reference list", body = Vec<MunicipalityView>,
         headers(
            ("link" = String, description = "`<…?after=…>; rel=\"next\"` while there are more"),
            ("x-total-count" = u64, description = "How many municipalities the list has"),
         )),
        (status = 400, response = InvalidInput),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    me: Organiser,
    OriginalUri(uri): OriginalUri,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = super::query(q)?.check()?;
    let list = db::organisations::municipalities(&state.db.conn, me.0.organisation_id).await?;
    let (rows, next, total) =
        paging::slice_after(list, &page, |m| m.id.to_string()).ok_or_else(paging::bad_cursor)?;
    let views: Vec<MunicipalityView> = rows
        .into_iter()
        .map(|m| MunicipalityView {
            id: m.id,
            aliases: reference::aliases(m.aliases.as_deref())
                .into_iter()
                .map(str::to_string)
                .collect(),
            name: m.name,
            population: m.population,
            region: m.region,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
        })
        .collect();
    Ok(paging::respond(&uri, views, next, total))
}

/// `POST /municipalities/import` with the file as the body
/// (`name;population;region[;aliases;valid_from;valid_to]`).
/// A bad line rejects the whole file with every problem listed under `fields.file`.
/// Administrators only (403 otherwise).
#[utoipa::path(
    post,
    path = "/municipalities/import",
    operation_id = "import_municipalities",
    tag = "organisation",
    security(("bearer" = [])),
    request_body(
        description = "The file: one municipality a line, \
            `name;population;region[;aliases;valid_from;valid_to]` (semicolons, tabs or \
            commas; UTF-8 or Windows-1252; a header line may come first; aliases a comma \
            list, dates 2024-01-01 or 01.01.2024)",
        content((String = "text/csv"), (String = "text/plain")),
    ),
    responses(
        (status = 200, description = "What the import changed", body = ImportReport),
        (status = 400, response = InvalidInput),
        (status = 403, response = AdminOnly),
    ),
)]
pub async fn import(
    State(state): State<AppState>,
    me: Organiser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let body = crate::http::extract::raw_body(body)?;
    if !access::may_manage_municipalities(organisers::actor(&me.0)) {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "admin_only",
            "Only administrators of the organisation may change the municipality list.",
        ));
    }
    let rows = municipalities::parse(&municipalities::decode(&body))
        .map_err(|lines| ApiError::invalid_field("file", Problem::FileLines(lines)))?;
    let report = municipalities::import(&state.db, me.0.organisation_id, &rows).await?;
    Ok(Json(report))
}
