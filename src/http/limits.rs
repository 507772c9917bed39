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

use axum::extract::{ConnectInfo, MatchedPath, RawPathParams, Request, State};
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

/// Classifies a request by the route the router matched (its pattern, e.g.
/// `/events/{id}`) and the decoded id, never by the raw path: `/events/%63f8…` reaches the
/// same handler as `/events/cf8…`, and `{A1B2…}` or an id without hyphens the same event, so
/// they must count against the same limit.
fn kind(method: &Method, route: Option<&str>, event_id: Option<&str>) -> Kind {
    let Some(route) = route else {
        return Kind::Other;
    };
    let post = method == Method::POST;
    match route {
        "/api/v1/events/{id}/registrations" | "/events/{id}" if post => {
            match event_id.and_then(|id| Uuid::parse_str(id).ok()) {
                Some(event) => Kind::SignUp(event),
                None => Kind::Other,
            }
        }
        "/admin/sign-in" if post => Kind::SignIn,
        r if post && (r.starts_with("/api/v1/registrations/") || r.starts_with("/r/")) => {
            Kind::ParticipantPost
        }
        r if r.starts_with("/feeds/me/") => Kind::PersonalFeed,
        _ => Kind::Other,
    }
}

/// The key a client address is limited by: an IPv4 address itself, an IPv6 address by its
/// /64 network (one household or phone gets a whole /64, so counting single IPv6 addresses
/// would give one client 2^64 keys). IPv4-mapped IPv6 addresses count as their IPv4.
pub fn network_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
    }
}

type Limiter<K> = Option<DefaultKeyedRateLimiter<K>>;

fn per_minute<K: std::hash::Hash + Eq + Clone>(n: u32) -> Limiter<K> {
    NonZeroU32::new(n).map(|n| DefaultKeyedRateLimiter::dashmap(Quota::per_minute(n)))
}

fn per_hour<K: std::hash::Hash + Eq + Clone>(n: u32) -> Limiter<K> {
    NonZeroU32::new(n).map(|n| DefaultKeyedRateLimiter::dashmap(Quota::per_hour(n)))
}

/// Failed sign-ins of one account from one client network.
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
    /// Keyed by account *and* client network: someone who knows an organiser's address
    /// can make their own attempts wait, never the organiser's.
    /// (`None`: from everywhere.)
    failures: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
    clock: DefaultClock,
}

/// The account as failures are kept: an address is at most 254 characters, so a longer
/// typed text (the body may be a megabyte) is cut, and memory per attempt stays small.
fn failure_account(account: &str) -> String {
    account.chars().take(254).collect()
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
        let addr = network_key(addr);
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

    /// How long sign-in attempts on an account from `addr` must wait: nothing for the
    /// first few failures from that address, then 1 s, 2 s, 4 s… up to 15 minutes since the
    /// last failure. Failures from everywhere together also make every attempt wait, but
    /// only past twenty times as many (a guess spread over a botnet), so someone who knows
    /// an organiser's address cannot lock them out with a handful of tries.
    pub fn sign_in_wait(&self, account: &str, addr: IpAddr) -> Option<Duration> {
        let map = self.failures.lock().ok()?;
        let account = failure_account(account);
        let wait = |key: &(String, Option<IpAddr>), free: u32| {
            let failures = map.get(key)?;
            let over = failures.count.checked_sub(free).filter(|o| *o > 0)?;
            let wait = Duration::from_secs(1u64 << (over - 1).min(20)).min(MAX_SIGN_IN_WAIT);
            wait.checked_sub(failures.last.elapsed())
        };
        let here = wait(
            &(account.clone(), Some(network_key(addr))),
            self.free_failures,
        );
        let everywhere = wait(&(account, None), self.free_failures.saturating_mul(20));
        here.max(everywhere)
    }

    /// Records a failed sign-in on an account from `addr`.
    pub fn sign_in_failed(&self, account: &str, addr: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            let account = failure_account(account);
            for key in [(account.clone(), Some(network_key(addr))), (account, None)] {
                let entry = map.entry(key).or_insert(Failures {
                    count: 0,
                    last: Instant::now(),
                });
                entry.count = entry.count.saturating_add(1);
                entry.last = Instant::now();
            }
        }
    }

    /// Forgets the failures on an account after a sign-in from `addr` (from there, and
    /// from everywhere: the owner is back).
    pub fn sign_in_succeeded(&self, account: &str, addr: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            let account = failure_account(account);
            map.remove(&(account.clone(), Some(network_key(addr))));
            map.remove(&(account, None));
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

/// Finds the client address and applies the limits before the handler runs. A layer of the
/// router runs once a route has matched, so the matched pattern and its decoded parameters
/// are at hand (`kind`); unmatched requests (404s) count as "everything else".
pub async fn limit(
    State(state): State<AppState>,
    route: Option<MatchedPath>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let addr = client_addr(
        peer,
        request.headers(),
        &state.settings.http.trusted_proxies,
    );
    request.extensions_mut().insert(ClientAddr(addr));
    let event_id = params
        .as_ref()
        .ok()
        .and_then(|p| p.iter().find(|(name, _)| *name == "id").map(|(_, v)| v));
    let kind = kind(
        request.method(),
        route.as_ref().map(MatchedPath::as_str),
        event_id,
    );
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
    fn requests_are_classified_by_route_and_decoded_id() {
        let id = Uuid::now_v7();
        let text = id.to_string();
        let signup = Some("/api/v1/events/{id}/registrations");
        assert_eq!(kind(&Method::POST, signup, Some(&text)), Kind::SignUp(id));
        for variant in [
            text.to_uppercase(),
            id.simple().to_string(),
            format!("{{{text}}}"),
            format!("urn:uuid:{text}"),
        ] {
            assert_eq!(
                kind(&Method::POST, Some("/events/{id}"), Some(&variant)),
                Kind::SignUp(id),
                "{variant}"
            );
        }
        assert_eq!(
            kind(&Method::GET, Some("/events/{id}"), Some(&text)),
            Kind::Other
        );
        assert_eq!(
            kind(&Method::POST, Some("/r/{token}/cancel"), None),
            Kind::ParticipantPost
        );
        assert_eq!(
            kind(
                &Method::POST,
                Some("/api/v1/registrations/{token}/erase"),
                None
            ),
            Kind::ParticipantPost
        );
        assert_eq!(
            kind(&Method::POST, Some("/admin/sign-in"), None),
            Kind::SignIn
        );
        assert_eq!(
            kind(&Method::GET, Some("/feeds/me/{file}"), None),
            Kind::PersonalFeed
        );
        assert_eq!(kind(&Method::POST, None, None), Kind::Other);
    }

    #[test]
    fn ipv6_counts_by_its_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_key(a), network_key(b));
        assert_ne!(network_key(a), network_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(network_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
        let limits = Limits::new(&RateLimits {
            requests_per_minute: 5,
            ..RateLimits::off()
        });
        let admitted = (0..10u16)
            .map(|i| {
                let addr = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, 0, 0, 1));
                limits.admit(addr, Kind::Other).is_ok()
            })
            .filter(|ok| *ok)
            .count();
        assert_eq!(admitted, 5, "ten addresses of one /64 share one limit");
    }

    #[test]
    fn sign_in_waits_grow_per_account_and_address() {
        let limits = Limits::new(&RateLimits {
            sign_in_free_failures: 2,
            ..RateLimits::default()
        });
        let attacker: IpAddr = "198.51.100.7".parse().unwrap();
        let owner: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(limits.sign_in_wait("a", attacker), None);
        limits.sign_in_failed("a", attacker);
        limits.sign_in_failed("a", attacker);
        assert_eq!(
            limits.sign_in_wait("a", attacker),
            None,
            "the first failures are free"
        );
        limits.sign_in_failed("a", attacker);
        let first = limits.sign_in_wait("a", attacker).unwrap();
        limits.sign_in_failed("a", attacker);
        let second = limits.sign_in_wait("a", attacker).unwrap();
        assert!(second > first);
        assert_eq!(
            limits.sign_in_wait("a", owner),
            None,
            "the owner, elsewhere, is not locked out by someone else's failures"
        );
        limits.sign_in_succeeded("a", attacker);
        assert_eq!(limits.sign_in_wait("a", attacker), None);
        // Spread over many addresses, past twenty times the free failures, everyone waits.
        for i in 0..40u8 {
            limits.sign_in_failed("b", IpAddr::from([198, 51, 100, i]));
        }
        assert_eq!(
            limits.sign_in_wait("b", owner),
            None,
            "40 = 20 × 2 are free"
        );
        limits.sign_in_failed("b", IpAddr::from([198, 51, 100, 200]));
        assert!(limits.sign_in_wait("b", owner).is_some());
        let long = "x".repeat(10_000);
        limits.sign_in_failed(&long, owner);
        assert!(limits
            .failures
            .lock()
            .unwrap()
            .keys()
            .all(|(a, _)| a.len() <= 254));
    }
}
