//! Our cookies, read and written one way: the desk's session (`desk::auth`) and the chosen
//! language (`pages::lang`). Every one is `HttpOnly` and `SameSite=Lax`.
use axum::http::{header, HeaderMap, HeaderValue};

/// The values of the cookies called `name` in a request, in the order sent.
pub fn values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| {
            let (n, value) = pair.trim().split_once('=')?;
            (n == name).then(|| value.trim())
        })
}

/// A `Set-Cookie` value for `path`, kept `max_age` seconds (0: deleted); `secure` when the
/// service is served over https.
pub fn set(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_value_of_one_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; b= 2 ;c=3".parse().unwrap());
        headers.append(header::COOKIE, "b=4".parse().unwrap());
        assert_eq!(values(&headers, "b").collect::<Vec<_>>(), ["2", "4"]);
        assert_eq!(values(&headers, "d").next(), None);
    }

    #[test]
    fn writes_the_flags() {
        assert_eq!(
            set("s", "v", "/admin", 60, true),
            "s=v; Path=/admin; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            set("s", "", "/", 0, false),
            "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }
}
