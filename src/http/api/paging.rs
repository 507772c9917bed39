//! Paging of the organiser lists: `?limit=` and `?after=`, the next page in a
//! `Link: <…>; rel="next"` header (RFC 8288, as GitHub's API does) and the whole count in
//! `X-Total-Count`. The body stays the plain array it always was, so a client that reads
//! one page of up to the limit keeps working.
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, Problem};
use crate::http::error::ApiError;

/// The most a page holds, and what it holds unless asked for less.
pub const MAX_PAGE: u64 = 1000;

/// `?limit=&after=` of a paged list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many (1 to 1000; default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Where the page starts: the `after` of the previous page's `Link: rel="next"`.
    pub after: Option<String>,
}

/// A checked page request: the database reads `limit + 1` rows after `after` to know
/// whether there is a next page.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: u64,
    pub after: Option<String>,
}

impl PageQuery {
    /// 400 `invalid_input` for a limit outside 1–1000; `after` is checked by the list that
    /// reads it (see [`bad_cursor`]).
    pub fn check(self) -> Result<Page, ApiError> {
        let limit = match self.limit.as_deref().map(str::parse::<u64>) {
            None => MAX_PAGE,
            Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => {
                let max = MAX_PAGE as i64;
                return Err(ApiError::invalid(FieldErrors::one(
                    "limit",
                    Problem::NumberRange { min: 1, max },
                )));
            }
        };
        Ok(Page {
            limit,
            after: self.after.filter(|a| !a.is_empty()),
        })
    }
}

impl Page {
    /// `after` as the row id it is for lists keyed by id (registrations, mails).
    pub fn uuid_after(&self) -> Result<Option<uuid::Uuid>, ApiError> {
        self.after
            .as_deref()
            .map(|a| uuid::Uuid::parse_str(a).map_err(|_| bad_cursor()))
            .transpose()
    }
}

/// The 400 for an `after` that no page of this list gave.
pub fn bad_cursor() -> ApiError {
    ApiError::invalid(FieldErrors::one("after", Problem::NotACursor))
}

/// One page of rows read as `limit + 1`: the rows to show, and the cursor of the next
/// page (the key of its last row) when there are more.
pub fn split<T>(
    mut rows: Vec<T>,
    page: &Page,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if rows.len() as u64 > page.limit {
        rows.truncate(page.limit as usize);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// A page of a short list read whole (an organisation's networks, its reference list of a
/// few hundred municipalities): the rows after the one whose key is `after`, the next
/// cursor and the whole count; `None` when no row has the key `after`.
pub fn slice_after<T>(
    rows: Vec<T>,
    page: &Page,
    key: impl Fn(&T) -> String,
) -> Option<(Vec<T>, Option<String>, u64)> {
    let total = rows.len() as u64;
    let start = match &page.after {
        None => 0,
        Some(after) => rows.iter().position(|r| key(r) == *after)? + 1,
    };
    let rest: Vec<T> = rows
        .into_iter()
        .skip(start)
        .take(page.limit as usize + 1)
        .collect();
    let (rows, next) = split(rest, page, key);
    Some((rows, next, total))
}

/// The page as the API answers it: the array, `X-Total-Count`, and `Link: rel="next"`
/// with the request's own path and query (its `after` replaced) when there is more.
pub fn respond<T: Serialize>(
    uri: &Uri,
    items: Vec<T>,
    next: Option<String>,
    total: u64,
) -> Response {
    let mut response = Json(items).into_response();
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(total));
    if let Some(after) = next {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = uri.query() {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                if k != "after" {
                    query.append_pair(&k, &v);
                }
            }
        }
        query.append_pair("after", &after);
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish());
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    response
}
