//! Which language a page is shown in: `?lang=en` (remembered in a cookie), else the
//! cookie, else the browser's `Accept-Language`, else Norwegian bokmål.
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Uri};

use crate::domain::Language;

/// The cookie that remembers a chosen language.
pub const COOKIE: &str = "samling_lang";

/// The language of one request, and how it was chosen.
#[derive(Debug, Clone)]
pub struct Lang {
    pub language: Language,
    /// Chosen with `?lang=` just now: the answer sets the cookie.
    pub chosen: bool,
    /// The request's path and query, to link to the same page in the other language.
    uri: Uri,
}

impl Lang {
    /// A language for a response made outside a request (tests, errors).
    pub fn fixed(language: Language) -> Lang {
        Lang {
            language,
            chosen: false,
            uri: Uri::from_static("/"),
        }
    }

    /// The other language of the two.
    pub fn other(&self) -> Language {
        match self.language {
            Language::Nb => Language::En,
            Language::En => Language::Nb,
        }
    }

    /// This page in the other language (`?lang=…` replaced or added), as a link relative to
    /// the page: only the query. The path is never echoed, because a path such as
    /// `//evil.example/x` or `/\\evil.example` would make a link to another site (an open
    /// redirect on every 404 page).
    pub fn switch_href(&self) -> String {
        let mut pairs: Vec<(String, String)> = self
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .filter(|(k, _)| k != "lang")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        pairs.push(("lang".into(), self.other().as_str().into()));
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("?{query}")
    }

    /// The `Set-Cookie` value that remembers the choice (a year).
    pub fn cookie(&self) -> HeaderValue {
        crate::http::cookies::set(COOKIE, self.language.as_str(), "/", 31_536_000, false)
    }
}

/// `nb`, `no`, `nn` and `en` with any region; nothing else.
fn supported(tag: &str) -> Option<Language> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "nb" | "no" | "nn" => Some(Language::Nb),
        "en" => Some(Language::En),
        _ => None,
    }
}

/// The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4):
/// highest q first, the header's order among equals; `q=0` means "not this".
pub fn from_accept_language(value: &str) -> Option<Language> {
    let mut best: Option<(u16, Language)> = None;
    for item in value.split(',').take(32) {
        let mut parts = item.split(';');
        let Some(language) = parts.next().and_then(supported) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), parse_q);
        let Some(q) = q.filter(|q| *q > 0) else {
            continue;
        };
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, language));
        }
    }
    best.map(|(_, l)| l)
}

/// `0.8` → 800; anything malformed → `None`.
fn parse_q(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

fn from_cookie(headers: &HeaderMap) -> Option<Language> {
    crate::http::cookies::values(headers, COOKIE).find_map(Language::parse)
}

fn from_query(uri: &Uri) -> Option<Language> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Language::parse(&v))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let chosen = from_query(&parts.uri);
        let language = chosen
            .or_else(|| from_cookie(&parts.headers))
            .or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(from_accept_language)
            })
            .unwrap_or_default();
        Ok(Lang {
            language,
            chosen: chosen.is_some(),
            uri: parts.uri.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Language::En));
        assert_eq!(
            from_accept_language("nb-NO,nb;q=0.9,en;q=0.8"),
            Some(Language::Nb)
        );
        assert_eq!(
            from_accept_language("de, en;q=0.5, no;q=0.7"),
            Some(Language::Nb)
        );
        assert_eq!(from_accept_language("en;q=0, nn"), Some(Language::Nb));
        assert_eq!(from_accept_language("fr, de"), None);
        assert_eq!(from_accept_language(";;;,q=,en;q=abc"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn switch_keeps_the_query() {
        let lang = Lang {
            language: Language::Nb,
            chosen: false,
            uri: "/?kind=course&lang=nb&page=2".parse().unwrap(),
        };
        assert_eq!(lang.switch_href(), "?kind=course&page=2&lang=en");
    }

    #[test]
    fn switch_never_names_another_site() {
        for uri in [
            "//evil.example/phish",
            "/%5Cevil.example/x?lang=nb",
            "/%2F%2Fevil.example",
        ] {
            let lang = Lang {
                language: Language::Nb,
                chosen: false,
                uri: uri.parse().unwrap(),
            };
            let href = lang.switch_href();
            assert!(
                href.starts_with('?') && !href.contains("evil"),
                "{uri} → {href}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_accept_language_gives_a_language_or_none(value in "[ -~]{0,80}|\\PC{0,40}") {
            let _ = from_accept_language(&value);
        }
    }
}
