//! The HTTP server loop: hyper with a header-read timeout (which also closes idle
//! keep-alive connections and cuts off slow-loris clients), a body-read timeout, a cap on
//! header size, caps on connections served at once (in all and per client address), and a
//! graceful shutdown that waits a bounded time for requests in flight.
//!
//! At the caps it does what servers people trust do: when the connections near the cap,
//! idle keep-alive connections are closed first (oldest first), so waiting browsers never
//! crowd out new visitors; a connection over a cap gets a fast `503` with `Retry-After` (a
//! page, or the API's JSON error), a warning in the log (at most one every 10 s, with a
//! count) and a count in `/metrics`, instead of a silent reset.
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::limits::network_key;
use crate::config::{HttpLimits, TrustedProxies};

/// The most connections the automatic cap allows, whatever the file-descriptor limit: an
/// idle connection costs some tens of kilobytes, so 10,000 stay within a small machine.
pub const AUTO_MAX_CONNECTIONS: usize = 10_000;

/// File descriptors kept back from the automatic cap for the database pool, mail, logs and
/// the files the service opens, and for the refusals being answered.
const RESERVED_DESCRIPTORS: u64 = 256 + REFUSALS_AT_ONCE as u64;

/// Raises this process's soft limit on open files to its hard limit (as nginx and most
/// servers do; the soft limit is often 1,024 for historical reasons), and returns the limit
/// now in force.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = limit.rlim_max;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap when none is configured: what the file-descriptor limit leaves after
/// the reserve, at most [`AUTO_MAX_CONNECTIONS`].
pub fn automatic_max_connections(fd_limit: Option<u64>) -> usize {
    let from_fds = fd_limit
        .map(|n| n.saturating_sub(RESERVED_DESCRIPTORS).max(64))
        .unwrap_or(1024);
    (from_fds as usize).min(AUTO_MAX_CONNECTIONS)
}

/// One open connection, as the cap sees it.
struct Connection {
    key: IpAddr,
    /// Requests being answered on it.
    in_flight: AtomicUsize,
    /// Requests answered on it. Only a connection that has answered one and waits for the
    /// next is an idle keep-alive connection: a new one may be sending its first request.
    answered: AtomicU64,
    /// When a request last started or ended, in milliseconds since the server started.
    last_active: AtomicU64,
    /// Asks the connection to close once idle.
    close: Notify,
}

/// The open connections: how many in all and per client network, and which are idle.
struct Registry {
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<Open>,
    /// Signalled when a connection closes (shutdown waits on it).
    closed: Notify,
}

#[derive(Default)]
struct Open {
    connections: HashMap<u64, Arc<Connection>>,
    per_key: HashMap<IpAddr, usize>,
    /// When idle connections were last looked for.
    last_sweep: Option<Instant>,
}

/// The shortest time between two sweeps for idle connections.
const SWEEP_EVERY: Duration = Duration::from_millis(10);

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Full,
    PerAddress,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::Full => "max_connections",
            Refusal::PerAddress => "max_connections_per_address",
        }
    }
}

impl Registry {
    fn new() -> Registry {
        Registry {
            started: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::default(),
            closed: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Admits a connection from `key` if the caps allow, closing idle ones first when they
    /// near the cap. `per_key_cap` is `None` for a trusted proxy (all its clients share it).
    fn admit(
        &self,
        key: IpAddr,
        cap: usize,
        per_key_cap: Option<usize>,
    ) -> Result<(u64, Arc<Connection>), Refusal> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let of_key = open.per_key.get(&key).copied().unwrap_or(0);
        if let Some(per_key) = per_key_cap {
            // One address never holds more than a quarter of the server, whatever is set.
            let per_key = per_key.min((cap / 4).max(1));
            if of_key >= per_key {
                if self.may_sweep(&mut open) {
                    close_idle(&open, Some(key), 1 + per_key / 8);
                }
                return Err(Refusal::PerAddress);
            }
        }
        // Near the cap (7/8), close the idle keep-alive connections that have waited
        // longest, down to 3/4: they reconnect in a moment if they come back. (At most
        // every 10 ms: the sweep looks at every connection.)
        let high_water = cap - cap / 8;
        if open.connections.len() >= high_water && self.may_sweep(&mut open) {
            let target = open.connections.len() - (cap - cap / 4).min(open.connections.len());
            close_idle(&open, None, target.max(1));
        }
        if open.connections.len() >= cap {
            return Err(Refusal::Full);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            key,
            in_flight: AtomicUsize::new(0),
            answered: AtomicU64::new(0),
            last_active: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
        });
        open.connections.insert(id, connection.clone());
        *open.per_key.entry(key).or_insert(0) += 1;
        Ok((id, connection))
    }

    /// Whether a sweep for idle connections may run now (and notes that it does).
    fn may_sweep(&self, open: &mut Open) -> bool {
        if open.last_sweep.is_some_and(|t| t.elapsed() < SWEEP_EVERY) {
            return false;
        }
        open.last_sweep = Some(Instant::now());
        true
    }

    fn remove(&self, id: u64) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = open.connections.remove(&id) {
            if let Some(n) = open.per_key.get_mut(&c.key) {
                *n -= 1;
                if *n == 0 {
                    open.per_key.remove(&c.key);
                }
            }
        }
        drop(open);
        self.closed.notify_waiters();
    }

    fn count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .connections
            .len()
    }

    /// Asks every connection to close once its request in flight is answered.
    fn close_all(&self) {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for c in open.connections.values() {
            c.close.notify_one();
        }
    }
}

/// Asks up to `n` idle connections (of `key`, or of anyone) to close, longest idle first.
fn close_idle(open: &Open, key: Option<IpAddr>, n: usize) {
    let mut idle: Vec<&Arc<Connection>> = open
        .connections
        .values()
        .filter(|c| {
            key.is_none_or(|k| c.key == k)
                && c.in_flight.load(Ordering::Relaxed) == 0
                && c.answered.load(Ordering::Relaxed) > 0
        })
        .collect();
    idle.sort_by_key(|c| c.last_active.load(Ordering::Relaxed));
    for c in idle.into_iter().take(n) {
        c.close.notify_one();
    }
}

/// Logs refused connections at most once every 10 s, with how many there were.
struct RefusalLog {
    since_last: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl RefusalLog {
    fn refused(&self, why: Refusal, open: usize) {
        crate::metrics::connection_refused(why.as_str());
        let count = self.since_last.fetch_add(1, Ordering::Relaxed) + 1;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            *last = Some(Instant::now());
            self.since_last.store(0, Ordering::Relaxed);
            tracing::warn!(
                reason = why.as_str(),
                refused = count,
                open,
                "connections refused with 503: over the connection cap"
            );
        }
    }
}

/// Refusals being answered at once; beyond this a refused connection is just closed (a
/// flood must not turn into a flood of tasks).
const REFUSALS_AT_ONCE: usize = 256;

/// Serves `router` on `listener` until `shutdown` resolves, then waits at most
/// `limits.drain` for the connections still open.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    trusted: TrustedProxies,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let registry = Arc::new(Registry::new());
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let log = Arc::new(RefusalLog {
        since_last: AtomicU64::new(0),
        last: Mutex::new(None),
    });
    let (stop, stopping) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors or similar: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let proxy = trusted.contains(peer.ip());
        let per_key_cap = (!proxy).then_some(limits.max_connections_per_address);
        let (id, connection) =
            match registry.admit(network_key(peer.ip()), limits.max_connections, per_key_cap) {
                Ok(admitted) => admitted,
                Err(why) => {
                    log.refused(why, registry.count());
                    if let Ok(turn) = refusals.clone().try_acquire_owned() {
                        tokio::spawn(async move {
                            refuse(stream).await;
                            drop(turn);
                        });
                    }
                    continue;
                }
            };
        crate::metrics::connections_open(registry.count());
        let router = router.clone();
        let body_timeout = limits.body_timeout;
        let watched = connection.clone();
        let clock = registry.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            let active = Active::start(watched.clone(), clock.clone());
            async move {
                // A client that sends headers and then no body (or a trickle) is cut off
                // after the body timeout between chunks, freeing its connection.
                let request =
                    request.map(|b| axum::body::Body::new(TimeoutBody::new(body_timeout, b)));
                let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
                drop(active);
                Ok::<_, Infallible>(response)
            }
        });
        let registry = registry.clone();
        let mut stopping = stopping.clone();
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // Removed from the registry however the task ends, a panic included.
            let _registered = Registered {
                id,
                registry: registry.clone(),
            };
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = connection.close.notified() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    registry.close_all();
    let drained = async {
        loop {
            let closed = registry.closed.notified();
            if registry.count() == 0 {
                break;
            }
            closed.await;
        }
    };
    if tokio::time::timeout(limits.drain, drained).await.is_err() {
        tracing::warn!("shutdown: connections still open after the drain time; stopping anyway");
    }
}

/// A connection's place in the registry, given back when its task ends.
struct Registered {
    id: u64,
    registry: Arc<Registry>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.remove(self.id);
        crate::metrics::connections_open(self.registry.count());
    }
}

/// Marks a connection busy while a request is answered (idle connections are closed first
/// near the cap).
struct Active {
    connection: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Active {
    fn start(connection: Arc<Connection>, registry: Arc<Registry>) -> Active {
        connection.in_flight.fetch_add(1, Ordering::Relaxed);
        connection
            .last_active
            .store(registry.now_ms(), Ordering::Relaxed);
        Active {
            connection,
            registry,
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.connection.answered.fetch_add(1, Ordering::Relaxed);
        self.connection.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.connection
            .last_active
            .store(self.registry.now_ms(), Ordering::Relaxed);
    }
}

/// How long a refused connection gets to send its request line (to choose JSON or a page).
const REFUSAL_READ: Duration = Duration::from_millis(500);

/// Seconds a refused client is asked to wait.
const REFUSAL_RETRY_AFTER: u32 = 5;

/// Answers a connection over the cap: a `503` with `Retry-After`, as the API's JSON error
/// or a short page in both languages, then closes it. The request is read (briefly) first,
/// so the close does not turn into a reset that hides the answer.
async fn refuse(mut stream: TcpStream) {
    let mut head = [0u8; 2048];
    let read = tokio::time::timeout(REFUSAL_READ, stream.read(&mut head))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    let request_line = String::from_utf8_lossy(&head[..read.min(256)]);
    let api = request_line
        .split_whitespace()
        .nth(1)
        .is_some_and(|target| target.starts_with("/api/"));
    let (content_type, body) = if api {
        (
            "application/json",
            r#"{"error":{"code":"server_busy","message":"The server has too many connections open; try again in a few seconds."}}"#,
        )
    } else {
        (
            "text/html; charset=utf-8",
            concat!(
                "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "<title>Prøv igjen om litt – Samling</title></head><body>",
                "<h1>Prøv igjen om litt</h1><p>Tjenesten har mange besøkende akkurat nå. ",
                "Last inn siden på nytt om noen sekunder.</p>",
                "<p lang=\"en\">The service is busy right now. Reload the page in a few seconds.</p>",
                "</body></html>"
            ),
        )
    };
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: {REFUSAL_RETRY_AFTER}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_READ, async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        // Read what else the client sends for a moment, then close.
        let mut rest = [0u8; 4096];
        while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_cap_follows_the_descriptor_limit() {
        assert_eq!(automatic_max_connections(Some(1024)), 512);
        assert_eq!(automatic_max_connections(Some(100)), 64);
        assert_eq!(
            automatic_max_connections(Some(1 << 20)),
            AUTO_MAX_CONNECTIONS
        );
        assert_eq!(automatic_max_connections(None), 1024);
    }

    #[test]
    fn caps_per_address_and_in_all() {
        let registry = Registry::new();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = registry.admit(a, 8, Some(2)).unwrap();
        let _second = registry.admit(a, 8, Some(2)).unwrap();
        assert_eq!(
            registry.admit(a, 8, Some(2)).err(),
            Some(Refusal::PerAddress)
        );
        for _ in 0..5 {
            registry.admit(a, 8, None).unwrap();
        }
        let _b = registry.admit(b, 8, Some(2)).unwrap();
        assert_eq!(registry.admit(b, 8, Some(2)).err(), Some(Refusal::Full));
        registry.remove(first.0);
        assert!(registry.admit(b, 8, Some(2)).is_ok());
        // Never more than a quarter of the server for one address.
        let small = Registry::new();
        small.admit(a, 8, Some(100)).unwrap();
        small.admit(a, 8, Some(100)).unwrap();
        assert_eq!(
            small.admit(a, 8, Some(100)).err(),
            Some(Refusal::PerAddress)
        );
    }
}
