//! Who is at the desk: the session cookie (`Path=/admin`, `HttpOnly`, `SameSite=Lax`,
//! `Secure` on https), and the CSRF token every desk form carries.
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::{request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::db::entities::organiser;
use crate::domain::access::Actor;
use crate::http::cookies;
use crate::http::pages::{see_other, ShowErrorPage};
use crate::http::AppState;
use crate::service::organisers;

/// The desk's session cookie.
pub const COOKIE: &str = "samling_session";

/// A signed-in organiser at the desk.
#[derive(Debug, Clone)]
pub struct Desk {
    pub organiser: organiser::Model,
    /// Goes into every form (`<input type="hidden" name="csrf">`).
    pub csrf: String,
}

impl Desk {
    /// What this organiser may do.
    pub fn actor(&self) -> Actor {
        organisers::actor(&self.organiser)
    }
}

/// Not signed in: GETs go to the sign-in page, anything else is refused.
pub enum NotSignedIn {
    Redirect,
    Refused,
    Failed(ShowErrorPage),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Redirect => see_other("/admin"),
            NotSignedIn::Refused => ShowErrorPage {
                status: StatusCode::FORBIDDEN,
            }
            .into_response(),
            NotSignedIn::Failed(e) => e.into_response(),
        }
    }
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookies::values(headers, COOKIE).next().map(str::to_string)
}

/// The cookie that keeps a session (`secure` when the service is served over https).
pub fn session_set_cookie(value: &str, secure: bool) -> HeaderValue {
    let max_age = crate::domain::passwords::SESSION_LIFETIME.num_seconds();
    cookies::set(COOKIE, value, "/admin", max_age, secure)
}

/// The cookie that ends a session in the browser.
pub fn session_clear_cookie(secure: bool) -> HeaderValue {
    cookies::set(COOKIE, "", "/admin", 0, secure)
}

impl<S> FromRequestParts<S> for Desk
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NotSignedIn> {
        let state = AppState::from_ref(state);
        let not_signed_in = || {
            if parts.method == Method::GET || parts.method == Method::HEAD {
                NotSignedIn::Redirect
            } else {
                NotSignedIn::Refused
            }
        };
        let Some(cookie) = session_cookie(&parts.headers) else {
            return Err(not_signed_in());
        };
        match organisers::session(&state.db, &cookie, state.clock.now()).await {
            Ok(Some((organiser, session))) => Ok(Desk {
                organiser,
                csrf: session.csrf_token,
            }),
            Ok(None) => Err(not_signed_in()),
            Err(e) => Err(NotSignedIn::Failed(e.into())),
        }
    }
}

/// An administrator at the desk (403 for other organisers).
pub struct AdminDesk(pub Desk);

impl<S> FromRequestParts<S> for AdminDesk
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NotSignedIn> {
        let desk = Desk::from_request_parts(parts, state).await?;
        if desk.organiser.is_admin {
            Ok(AdminDesk(desk))
        } else {
            Err(NotSignedIn::Refused)
        }
    }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Whether a form's CSRF token is the session's (compared in constant time).
pub fn csrf_matches(sent: Option<&str>, desk: &Desk) -> bool {
    sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(desk.csrf.as_bytes())))
}

/// A desk form: posted by the signed-in organiser, with the session's CSRF token (403
/// otherwise), and readable (400 otherwise).
pub struct DeskForm<T> {
    pub desk: Desk,
    pub form: T,
}

impl<S, T> FromRequest<S> for DeskForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let desk = Desk::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ShowErrorPage::bad_request().into_response())?;
        let csrf: CsrfField = serde_html_form::from_bytes(&bytes)
            .map_err(|_| ShowErrorPage::bad_request().into_response())?;
        if !csrf_matches(csrf.csrf.as_deref(), &desk) {
            return Err(ShowErrorPage {
                status: StatusCode::FORBIDDEN,
            }
            .into_response());
        }
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|_| ShowErrorPage::bad_request().into_response())?;
        Ok(DeskForm { desk, form })
    }
}
