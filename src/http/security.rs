//! Headers every answer carries: no MIME sniffing, no framing, a strict Content Security
//! Policy (no script at all; styles only from our own stylesheet), a referrer policy, and
//! HSTS when the service is served over https. Nothing is stored by caches unless its
//! handler says so: only public pages, public feeds and the stylesheet do.
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// The policy for everything we serve. Pages have no script, so none is allowed; SVG
/// downloads get the same policy, so a crafted label can never run anything.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers (a handler's own `Cache-Control` or `Referrer-Policy` wins;
/// without one, `no-store`, so API answers, errors and anything personal stay out of caches).
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    if state.settings.http.base_url.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Marks a personal answer (a participant's page or file: its URL holds their token):
/// caches never keep it (`no-store`) and the browser sends its URL nowhere (`no-referrer`).
pub fn keep_private(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The origin (`scheme://host[:port]`) of a URL, lower-cased, or `None` for one without a
/// host (`null`, `about:blank`, garbage).
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let host = parsed.host_str()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(match parsed.port() {
        Some(port) => format!("{}://{}:{port}", parsed.scheme(), host).to_ascii_lowercase(),
        None => format!("{}://{}", parsed.scheme(), host).to_ascii_lowercase(),
    })
}

/// Whether a form POST comes from one of our own pages (login-CSRF defence: a sign-in form on
/// another site must not sign the visitor's browser in to the attacker's account).
///
/// The browser's `Origin` (or, when it sends none, the `Referer`) is believed: a page cannot
/// forge either. It must be the origin of `base_url`, or `http(s)://` plus the `Host` the
/// request came to. Accepting that Host is safe: a cross-site form's Origin is the other
/// site's, never our Host; and a site whose own name points at us (DNS rebinding) gets a
/// cookie for its own name only. Neither header present (old clients, privacy tools) is
/// allowed: the session's SameSite cookie and the CSRF token cover the rest of the desk.
pub fn same_origin_post(headers: &axum::http::HeaderMap, base_url: &str) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER));
    let Some(claimed) = claimed else {
        return true;
    };
    let Some(origin) = claimed.to_str().ok().and_then(origin_of) else {
        return false;
    };
    if origin_of(base_url).is_some_and(|ours| ours == origin) {
        return true;
    }
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
    else {
        return false;
    };
    // `origin_of` drops a scheme's default port; the Host header may carry it.
    ["http", "https"]
        .iter()
        .any(|scheme| origin_of(&format!("{scheme}://{host}/")).is_some_and(|o| o == origin))
}

#[cfg(test)]
mod tests {
    use super::same_origin_post;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_our_own_pages_may_post_the_sign_in() {
        let base = "https://samling.example.no";
        let host = (header::HOST, "127.0.0.1:8080");
        let ok = |pairs: &[(header::HeaderName, &str)]| same_origin_post(&headers(pairs), base);
        assert!(ok(&[(header::ORIGIN, "https://samling.example.no")]));
        assert!(ok(&[(header::ORIGIN, "https://SAMLING.example.no:443")]));
        assert!(ok(&[
            host.clone(),
            (header::ORIGIN, "http://127.0.0.1:8080")
        ]));
        assert!(ok(&[(
            header::REFERER,
            "https://samling.example.no/admin?x=1"
        )]));
        assert!(
            ok(std::slice::from_ref(&host)),
            "no Origin and no Referer: allowed"
        );
        assert!(!ok(&[
            host.clone(),
            (header::ORIGIN, "https://evil.example")
        ]));
        assert!(!ok(&[host.clone(), (header::ORIGIN, "null")]));
        assert!(!ok(&[
            host.clone(),
            (header::ORIGIN, "http://127.0.0.1:9999")
        ]));
        assert!(!ok(&[(
            header::ORIGIN,
            "https://samling.example.no.evil.example"
        )]));
        assert!(!ok(&[
            host.clone(),
            (header::REFERER, "https://evil.example/x")
        ]));
        assert!(
            !ok(&[
                host,
                (header::ORIGIN, "https://evil.example"),
                (header::REFERER, "http://127.0.0.1:8080/admin"),
            ]),
            "the Origin decides when there is one"
        );
    }
}
