//! Organisers' accounts: passwords (argon2id, hashed and checked off the async runtime),
//! desk sessions, and API tokens.
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::db::entities::{api_token, organisation, organiser, organiser_session};
use crate::db::{self, Db};
use crate::domain::access::{self, Actor};
use crate::domain::passwords::{self, WeakPassword, SESSION_IDLE, SESSION_LIFETIME};
use crate::domain::problems::Problem;
use crate::domain::{normalize_email, Email, Slug};
use crate::links;
use crate::service::audit::{self, Action, Who};

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no organiser has that address")]
    UnknownOrganiser,
    #[error("the password {0}")]
    Weak(#[from] WeakPassword),
    #[error("not found")]
    NotFound,
    #[error("administrators cannot disable their own account")]
    Oneself,
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Every password check slot stayed taken for the whole wait: try again shortly.
    #[error("too many sign-ins at once")]
    Busy,
}

/// Password checks that may run at once, and how long a sign-in waits for a turn. Each
/// argon2 check holds about 19 MiB for tens of milliseconds; unbounded, a burst of sign-in
/// attempts is a memory bomb (60 at once took a server from 24 MB to 1.2 GB). With one
/// check per core, memory stays flat and the checks run as fast as the machine can; a
/// sign-in that cannot get a turn within the wait is answered "busy, try again".
pub struct PasswordChecks {
    turns: Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

/// Gives the memory of a finished password check back to the system. glibc raises its
/// mmap threshold to the size of the last large block freed, so after the first check every
/// argon2 block (19 MiB) comes from a thread's heap and stays resident once freed: measured,
/// each sign-in attempt kept 20 MB, and 300 attempts took the process to 630 MB even with two
/// checks at a time. Trimming after each check (a sign-in already costs tens of milliseconds)
/// keeps the allocator's behaviour everywhere else as it is (300 attempts: under 150 MB).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl PasswordChecks {
    /// `parallel` checks at once (at least one), each sign-in waiting at most `wait`.
    pub fn new(parallel: usize, wait: Duration) -> PasswordChecks {
        PasswordChecks {
            turns: Arc::new(tokio::sync::Semaphore::new(parallel.max(1))),
            wait,
        }
    }

    /// One check per core, and a wait of 2 s (the semaphore is fair: first come, first
    /// served, so a person retrying after the answer's `Retry-After` gets through).
    pub fn per_core() -> PasswordChecks {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordChecks::new(cores, Duration::from_secs(2))
    }

    /// Runs `check` on a blocking thread once a turn is free; the turn is held until the
    /// check ends, even if the request that asked is dropped meanwhile.
    async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let turn = tokio::time::timeout(self.wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| AccountError::Busy)?
            .map_err(|_| AccountError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let result = check();
            release_freed_memory();
            drop(turn);
            result
        })
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
    }
}

/// The actor an organiser is.
pub fn actor(o: &organiser::Model) -> Actor {
    Actor {
        organiser_id: o.id,
        organisation_id: o.organisation_id,
        is_admin: o.is_admin,
    }
}

fn hash_password(password: String) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed))
        .is_ok()
}

/// A hash to check against when the address has no password, so a wrong address takes as
/// long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(links::new_secret()).unwrap_or_default());

/// What a password reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordReset {
    /// Accounts with the address (one per organisation).
    pub accounts: usize,
    /// API tokens made at the desk, revoked (`domain::access::revoked_on_password_reset`).
    pub tokens_revoked: usize,
}

/// Adds an organiser to the organisation `slug` (made, named `organisation_name` or its
/// slug, if it is new), or updates the one with that address: one transaction, so an
/// organisation is never left without the organiser it was made for.
pub async fn add_organiser(
    db: &Db,
    slug: &Slug,
    organisation_name: Option<&str>,
    email: &Email,
    name: &str,
    admin: bool,
    now: DateTime<Utc>,
) -> Result<(organisation::Model, organiser::Model), DbErr> {
    let tx = db.begin_write().await?;
    let org = db::organisations::get_or_create(
        &*tx,
        slug.as_str(),
        organisation_name.unwrap_or(slug.as_str()),
        now,
    )
    .await?;
    let organiser =
        db::organisations::upsert_organiser(&*tx, org.id, &email.normalized(), name, admin, now)
            .await?;
    tx.commit().await?;
    Ok((org, organiser))
}

/// Sets the address participants write to about the organisation's events (an empty
/// `typed` clears it), on behalf of `by` (an administrator of that organisation per
/// `domain::access::may_change_organisation`, or the command line). Recorded in the audit
/// log. Returns the address as stored.
pub async fn set_contact_email(
    db: &Db,
    by: Who<'_>,
    organisation_id: Uuid,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, ContactError> {
    let allowed = match by {
        Who::Organiser(o) => {
            access::may_change_organisation(actor(o)) && o.organisation_id == organisation_id
        }
        Who::CommandLine => true,
        Who::Participant => false,
    };
    if !allowed {
        return Err(ContactError::NotAllowed);
    }
    let email = match typed.trim() {
        "" => None,
        typed => Some(
            Email::parse(typed)
                .map_err(ContactError::Invalid)?
                .normalized(),
        ),
    };
    let tx = db.begin_write().await?;
    db::organisations::set_contact_email(&*tx, organisation_id, email.as_deref()).await?;
    tx.commit().await?;
    audit::record(
        db,
        Some(organisation_id),
        by,
        Action::ContactChanged,
        email.as_deref().unwrap_or(""),
        None,
        now,
    )
    .await;
    Ok(email)
}

/// Why the organisation's contact address was not set.
#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("only an administrator of the organisation may change it")]
    NotAllowed,
    #[error("{0}")]
    Invalid(Problem),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Sets the password of the organiser(s) with `email` (every organisation they belong to),
/// ends their sessions and revokes the API tokens made at the desk: a reset is what follows
/// a leaked password, and whoever held the session may have made a token to keep.
pub async fn set_password(
    db: &Db,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<PasswordReset, AccountError> {
    passwords::check_new_password(&password)?;
    let accounts =
        db::organisations::organisers_by_email(&db.conn, &normalize_email(email)).await?;
    if accounts.is_empty() {
        return Err(AccountError::UnknownOrganiser);
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(password))
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))?
        .map_err(AccountError::Hashing)?;
    let tx = db.begin_write().await?;
    let mut revoked = Vec::new();
    for o in &accounts {
        db::organisations::set_password(&*tx, o.id, &hash, now).await?;
        db::sessions::delete_of(&*tx, o.id).await?;
        let tokens = db::organisations::delete_desk_tokens(&*tx, o.id).await?;
        debug_assert!(tokens
            .iter()
            .all(|t| access::revoked_on_password_reset(t.made_at_desk)));
        revoked.extend(tokens.into_iter().map(|t| (o, t)));
    }
    tx.commit().await?;
    for o in &accounts {
        audit::record(
            db,
            Some(o.organisation_id),
            Who::CommandLine,
            Action::PasswordSet,
            &o.email,
            None,
            now,
        )
        .await;
    }
    for (o, token) in &revoked {
        audit::record(
            db,
            Some(o.organisation_id),
            Who::CommandLine,
            Action::TokenRevoked,
            &token_subject(o, token),
            None,
            now,
        )
        .await;
    }
    Ok(PasswordReset {
        accounts: accounts.len(),
        tokens_revoked: revoked.len(),
    })
}

/// Disables (`disable`) or enables again the organiser accounts `targets` (returns how
/// many), on behalf of
/// `by` (an administrator at the desk for one of their organisation, not themselves, per
/// `domain::access::may_disable`; or the command line). A disabled account cannot sign in,
/// its sessions end now and its API tokens answer 401 (they are kept, so enabling gives the
/// account back as it was; revoke them to be rid of them). Recorded in the audit log.
pub async fn set_disabled(
    db: &Db,
    by: Who<'_>,
    targets: &[organiser::Model],
    disable: bool,
    now: DateTime<Utc>,
) -> Result<usize, AccountError> {
    if targets.is_empty() {
        return Err(AccountError::UnknownOrganiser);
    }
    for target in targets {
        let allowed = match by {
            Who::Organiser(o) => access::may_disable(actor(o), target.id, target.organisation_id)
                .map_err(|r| match r {
                    access::DisableRefusal::Oneself => AccountError::Oneself,
                    access::DisableRefusal::NotAllowed => AccountError::NotFound,
                }),
            Who::CommandLine => Ok(()),
            Who::Participant => Err(AccountError::NotFound),
        };
        allowed?;
    }
    let tx = db.begin_write().await?;
    for target in targets {
        db::organisations::set_disabled(&*tx, target.id, disable.then_some(now)).await?;
        if disable {
            db::sessions::delete_of(&*tx, target.id).await?;
        }
    }
    tx.commit().await?;
    for target in targets {
        audit::record(
            db,
            Some(target.organisation_id),
            by,
            if disable {
                Action::OrganiserDisabled
            } else {
                Action::OrganiserEnabled
            },
            &target.email,
            None,
            now,
        )
        .await;
    }
    Ok(targets.len())
}

/// The organiser `id` of `actor`'s organisation, as an administrator sees it (`None` for
/// any other, so another organisation's accounts look like missing ones).
pub async fn organiser_of(
    db: &Db,
    actor: Actor,
    id: Uuid,
) -> Result<Option<organiser::Model>, DbErr> {
    Ok(db::organisations::organiser(&db.conn, id)
        .await?
        .filter(|o| {
            access::may_manage_organisers(actor) && o.organisation_id == actor.organisation_id
        }))
}

/// The organisers with `email` (every organisation), for the command line.
pub async fn organisers_by_email(db: &Db, email: &str) -> Result<Vec<organiser::Model>, DbErr> {
    db::organisations::organisers_by_email(&db.conn, &normalize_email(email)).await
}

/// A new desk session: the cookie value (shown to the browser, stored only as a hash) and
/// its CSRF token.
pub struct NewSession {
    pub organiser: organiser::Model,
    pub cookie: String,
}

/// Signs an organiser in. A wrong address and a wrong password are refused alike, in the
/// same time (`None`). Both outcomes go to the audit log of the account's organisation (a
/// refusal for an address without an account goes nowhere: there is no organisation to
/// tell, and the typed text may be a password).
pub async fn sign_in(
    db: &Db,
    checks: &PasswordChecks,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<Option<NewSession>, AccountError> {
    let candidates: Vec<organiser::Model> =
        db::organisations::organisers_by_email(&db.conn, &normalize_email(email))
            .await?
            .into_iter()
            .filter(|o| o.password_hash.is_some() && access::is_active(o.disabled_at.is_some()))
            .collect();
    let hashes: Vec<String> = candidates
        .iter()
        .filter_map(|o| o.password_hash.clone())
        .collect();
    let matched = checks
        .run(move || {
            if hashes.is_empty() {
                verify_password(&password, &DUMMY_HASH);
                return None;
            }
            hashes.iter().position(|h| verify_password(&password, h))
        })
        .await?;
    let Some(index) = matched else {
        for o in &candidates {
            audit::record(
                db,
                None,
                Who::Organiser(o),
                Action::SignInRefused,
                audit::DESK,
                None,
                now,
            )
            .await;
        }
        return Ok(None);
    };
    let organiser = candidates[index].clone();
    let cookie = links::new_secret();
    let tx = db.begin_write().await?;
    db::sessions::insert(
        &*tx,
        organiser_session::Model {
            id_hash: links::hash(&cookie),
            organiser_id: organiser.id,
            csrf_token: links::new_secret(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_LIFETIME,
        },
    )
    .await?;
    tx.commit().await?;
    audit::record(
        db,
        None,
        Who::Organiser(&organiser),
        Action::SignIn,
        audit::DESK,
        None,
        now,
    )
    .await;
    Ok(Some(NewSession { organiser, cookie }))
}

/// The organiser and session a cookie belongs to, if it is still valid (not idle too long,
/// not past its lifetime). Use is recorded at most once a minute.
pub async fn session(
    db: &Db,
    cookie: &str,
    now: DateTime<Utc>,
) -> Result<Option<(organiser::Model, organiser_session::Model)>, DbErr> {
    if cookie.len() > links::MAX_TOKEN_LEN {
        return Ok(None);
    }
    let id_hash = links::hash(cookie);
    let Some(session) = db::sessions::find(&db.conn, &id_hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= now || session.last_seen_at + SESSION_IDLE <= now {
        return Ok(None);
    }
    let Some(organiser) = db::organisations::organiser(&db.conn, session.organiser_id)
        .await?
        .filter(|o| access::is_active(o.disabled_at.is_some()))
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > chrono::Duration::minutes(1) {
        let tx = db.begin_write().await?;
        db::sessions::touch(&*tx, &id_hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some((organiser, session)))
}

/// Ends a session on the server (the cookie then opens nothing).
pub async fn sign_out(db: &Db, cookie: &str) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    db::sessions::delete(&*tx, &links::hash(cookie)).await?;
    tx.commit().await
}

/// Removes expired sessions (the scheduler calls this).
pub async fn forget_expired_sessions(db: &Db, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let tx = db.begin_write().await?;
    let n = db::sessions::delete_expired(&*tx, now, now - SESSION_IDLE).await?;
    tx.commit().await?;
    Ok(n)
}

/// Creates an API token for `owner` on behalf of `by` (the owner at the desk, or the
/// command line); the token itself is returned once, only its hash is kept.
pub async fn create_token(
    db: &Db,
    by: Who<'_>,
    owner: &organiser::Model,
    label: Option<String>,
    now: DateTime<Utc>,
) -> Result<(String, api_token::Model), DbErr> {
    let token = links::new_api_token();
    let tx = db.begin_write().await?;
    let at_desk = matches!(by, Who::Organiser(_));
    let saved =
        db::organisations::add_token(&*tx, owner.id, &links::hash(&token), label, at_desk, now)
            .await?;
    tx.commit().await?;
    audit::record(
        db,
        Some(owner.organisation_id),
        by,
        Action::TokenCreated,
        &token_subject(owner, &saved),
        None,
        now,
    )
    .await;
    Ok((token, saved))
}

/// How the audit log names a token: its owner, name and id (never the token).
fn token_subject(owner: &organiser::Model, token: &api_token::Model) -> String {
    format!(
        "{} ({}, {})",
        token.label.as_deref().unwrap_or("-"),
        owner.email,
        token.id
    )
}

/// Revokes a token, if `by` may manage its owner's tokens (the command line may revoke
/// any; otherwise: not found). It answers 401 at once.
pub async fn revoke_token(
    db: &Db,
    by: Who<'_>,
    token_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let token = db::organisations::token(&db.conn, token_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let owner = db::organisations::organiser(&db.conn, token.organiser_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let allowed = match by {
        Who::Organiser(o) => {
            access::may_manage_tokens_of(actor(o), owner.id, owner.organisation_id)
        }
        Who::CommandLine => true,
        Who::Participant => false,
    };
    if !allowed {
        return Err(AccountError::NotFound);
    }
    let tx = db.begin_write().await?;
    db::organisations::delete_token(&*tx, token_id).await?;
    tx.commit().await?;
    audit::record(
        db,
        Some(owner.organisation_id),
        by,
        Action::TokenRevoked,
        &token_subject(&owner, &token),
        None,
        now,
    )
    .await;
    Ok(())
}

/// The tokens `actor` may see: their own, or (administrators) the organisation's.
pub async fn visible_tokens(
    db: &Db,
    actor: Actor,
) -> Result<Vec<(organiser::Model, api_token::Model)>, DbErr> {
    let organisers = if access::may_manage_organisers(actor) {
        db::organisations::organisers_of(&db.conn, actor.organisation_id).await?
    } else {
        db::organisations::organiser(&db.conn, actor.organiser_id)
            .await?
            .into_iter()
            .collect()
    };
    let ids: Vec<Uuid> = organisers.iter().map(|o| o.id).collect();
    let tokens = db::organisations::tokens_of(&db.conn, &ids).await?;
    Ok(tokens
        .into_iter()
        .filter_map(|t| {
            organisers
                .iter()
                .find(|o| o.id == t.organiser_id)
                .map(|o| (o.clone(), t))
        })
        .collect())
}
