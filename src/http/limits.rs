//! Abuse limits per client address (the `governor` crate's keyed GCRA limiters), and the
//! client address itself: the socket's peer, or `X-Forwarded-For`/`Forwarded` only when
//! the peer is a proxy the operator trusts.
//!
//! The numbers are in `config/default.toml` with the reasons for them; the shape:
//! - sign-ups per address **and event** (a municipality behind one NAT rushing for one
//!   popular course is hundreds a minute and must pass; a thousand a minute for one event
//!   from one address is a script), and per address across all events per hour;
//! - participants' POSTs (cancel, new calendar link, erase) per address;
//! - sign-in attempts per address, and per account a growing wait after a few failures;
//! - personal-feed requests per address;
//! - everything else at a generous rate per address.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

use super::error::ApiError;
use super::pages::ShowErrorPage;
use super::AppState;
use crate::config::{RateLimits, TrustedProxies};

/// The address a request comes from, as the limits and logs see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client address of a request: the peer, or — only when the peer is a trusted proxy —
/// the last address in `X-Forwarded-For` (or `Forwarded: for=`) that is not itself trusted.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(peer) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        if let Ok(v) = value.to_str() {
            chain.extend(v.split(',').filter_map(|a| parse_addr(a.trim())));
        }
    }
    if chain.is_empty() {
        for value in headers.get_all(header::FORWARDED) {
            if let Ok(v) = value.to_str() {
                chain.extend(
                    v.split([',', ';'])
                        .filter_map(|p| p.trim().strip_prefix("for="))
                        .filter_map(|a| parse_addr(a.trim_matches('"'))),
                );
            }
        }
    }
    chain
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(*a))
        .unwrap_or(peer)
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_addr(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.trim_start_matches('[')
                .split(']')
                .next()
                .and_then(|a| a.parse().ok())
        })
}

/// What a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SignUp(Uuid),
    ParticipantPost,
    SignIn,
    PersonalFeed,
    Other,
}

fn kind(method: &Method, path: &str) -> Kind {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method.clone(), parts.as_slice()) {
        (Method::POST, ["", "api", "v1", "events", id, "registrations"])
        | (Method::POST, ["", "events", id]) => match Uuid::parse_str(id) {
            Ok(event) => Kind::SignUp(event),
            Err(_) => Kind::Other,
        },
        (Method::POST, ["", "api", "v1", "registrations", ..]) | (Method::POST, ["", "r", ..]) => {
            Kind::ParticipantPost
        }
        (Method::POST, ["", "admin", "sign-in"]) => Kind::SignIn,
        (_, ["", "feeds", "me", ..]) => Kind::PersonalFeed,
        _ => Kind::Other,
    }
}

type Limiter<K> = Option<DefaultKeyedRateLimiter<K>>;

fn per_minute<K: std::hash::Hash + Eq + Clone>(n: u32) -> Limiter<K> {
    NonZeroU32::new(n).map(|n| DefaultKeyedRateLimiter::dashmap(Quota::per_minute(n)))
}

fn per_hour<K: std::hash::Hash + Eq + Clone>(n: u32) -> Limiter<K> {
    NonZeroU32::new(n).map(|n| DefaultKeyedRateLimiter::dashmap(Quota::per_hour(n)))
}

/// Failed sign-ins of one account.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Every limiter of one process.
pub struct Limits {
    signup_per_event: Limiter<(IpAddr, Uuid)>,
    signup_per_address: Limiter<IpAddr>,
    participant_posts: Limiter<IpAddr>,
    sign_in_per_address: Limiter<IpAddr>,
    personal_feed: Limiter<IpAddr>,
    everything: Limiter<IpAddr>,
    free_failures: u32,
    failures: Mutex<HashMap<String, Failures>>,
    clock: DefaultClock,
}

/// The longest wait after failed sign-ins.
const MAX_SIGN_IN_WAIT: Duration = Duration::from_secs(15 * 60);

impl Limits {
    /// Limiters with the configured numbers (0 turns one off).
    pub fn new(config: &RateLimits) -> Limits {
        Limits {
            signup_per_event: per_minute(config.signups_per_event_per_minute),
            signup_per_address: per_hour(config.signups_per_hour),
            participant_posts: per_minute(config.participant_posts_per_minute),
            sign_in_per_address: per_minute(config.sign_ins_per_minute),
            personal_feed: per_minute(config.personal_feed_per_minute),
            everything: per_minute(config.requests_per_minute),
            free_failures: config.sign_in_free_failures,
            failures: Mutex::default(),
            clock: DefaultClock::default(),
        }
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &Limiter<K>,
        key: &K,
    ) -> Result<(), Duration> {
        match limiter {
            Some(l) => l
                .check_key(key)
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
            None => Ok(()),
        }
    }

    fn admit(&self, addr: IpAddr, kind: Kind) -> Result<(), Duration> {
        self.check(&self.everything, &addr)?;
        match kind {
            Kind::SignUp(event) => {
                self.check(&self.signup_per_event, &(addr, event))?;
                self.check(&self.signup_per_address, &addr)
            }
            Kind::ParticipantPost => self.check(&self.participant_posts, &addr),
            Kind::SignIn => self.check(&self.sign_in_per_address, &addr),
            Kind::PersonalFeed => self.check(&self.personal_feed, &addr),
            Kind::Other => Ok(()),
        }
    }

    /// How long an account must wait before its next sign-in attempt: nothing for the
    /// first few failures, then 1 s, 2 s, 4 s… up to 15 minutes since the last failure.
    pub fn sign_in_wait(&self, account: &str) -> Option<Duration> {
        let failures = self.failures.lock().ok()?.get(account).copied()?;
        let over = failures
            .count
            .checked_sub(self.free_failures)
            .filter(|o| *o > 0)?;
        let wait = Duration::from_secs(1u64 << (over - 1).min(20)).min(MAX_SIGN_IN_WAIT);
        wait.checked_sub(failures.last.elapsed())
    }

    /// Records a failed sign-in of an account.
    pub fn sign_in_failed(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            let entry = map.entry(account.to_string()).or_insert(Failures {
                count: 0,
                last: Instant::now(),
            });
            entry.count = entry.count.saturating_add(1);
            entry.last = Instant::now();
        }
    }

    /// Forgets an account's failures after it signed in.
    pub fn sign_in_succeeded(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(account);
        }
    }

    /// Drops state of clients not seen lately (the scheduler calls this), so memory does
    /// not grow with every address ever seen.
    pub fn forget_idle(&self) {
        for l in [
            &self.signup_per_address,
            &self.participant_posts,
            &self.sign_in_per_address,
            &self.personal_feed,
            &self.everything,
        ]
        .into_iter()
        .flatten()
        {
            l.retain_recent();
        }
        if let Some(l) = &self.signup_per_event {
            l.retain_recent();
        }
        if let Ok(mut map) = self.failures.lock() {
            map.retain(|_, f| f.last.elapsed() < MAX_SIGN_IN_WAIT * 2);
        }
    }
}

/// The 429 answer: `Retry-After`, and the API's JSON error or a page.
pub fn too_many(path: &str, retry_after: Duration) -> Response {
    let seconds = retry_after.as_secs().max(1).to_string();
    let mut response = if path.starts_with("/api/") {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("Too many requests from this address; try again in {seconds} s."),
        )
        .into_response()
    } else {
        ShowErrorPage {
            status: StatusCode::TOO_MANY_REQUESTS,
        }
        .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Finds the client address and applies the limits before anything else runs.
pub async fn limit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let addr = client_addr(peer, request.headers(), &state.settings.trusted_proxies);
    request.extensions_mut().insert(ClientAddr(addr));
    let kind = kind(request.method(), request.uri().path());
    if let Err(wait) = state.limits.admit(addr, kind) {
        return too_many(request.uri().path(), wait);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let none = TrustedProxies::parse("").unwrap();
        let proxy = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let spoof = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_addr(peer, &spoof, &none),
            peer,
            "ignored without a trusted proxy"
        );
        assert_eq!(
            client_addr(peer, &spoof, &proxy),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // The client may prepend anything; the last untrusted hop is what the proxy saw.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.5")]);
        assert_eq!(
            client_addr(peer, &chain, &proxy),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let fwd = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(
            client_addr("192.0.2.7".parse().unwrap(), &fwd, &proxy),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let outsider: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_addr(outsider, &spoof, &proxy), outsider);
    }

    #[test]
    fn requests_are_classified() {
        let id = Uuid::now_v7();
        assert_eq!(
            kind(&Method::POST, &format!("/api/v1/events/{id}/registrations")),
            Kind::SignUp(id)
        );
        assert_eq!(
            kind(&Method::POST, &format!("/events/{id}")),
            Kind::SignUp(id)
        );
        assert_eq!(kind(&Method::GET, &format!("/events/{id}")), Kind::Other);
        assert_eq!(kind(&Method::POST, "/r/abc/cancel"), Kind::ParticipantPost);
        assert_eq!(kind(&Method::POST, "/admin/sign-in"), Kind::SignIn);
        assert_eq!(kind(&Method::GET, "/feeds/me/x.ics"), Kind::PersonalFeed);
    }

    #[test]
    fn sign_in_waits_grow() {
        let limits = Limits::new(&RateLimits {
            sign_in_free_failures: 2,
            ..RateLimits::default()
        });
        assert_eq!(limits.sign_in_wait("a"), None);
        limits.sign_in_failed("a");
        limits.sign_in_failed("a");
        assert_eq!(
            limits.sign_in_wait("a"),
            None,
            "the first failures are free"
        );
        limits.sign_in_failed("a");
        let first = limits.sign_in_wait("a").unwrap();
        limits.sign_in_failed("a");
        let second = limits.sign_in_wait("a").unwrap();
        assert!(second > first);
        limits.sign_in_succeeded("a");
        assert_eq!(limits.sign_in_wait("a"), None);
    }
}
