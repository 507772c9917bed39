//! Secrets in links, and the links themselves.
//!
//! **Participants' links** (`/r/{token}` to manage a registration, `/feeds/me/{token}.ics`
//! for the personal calendar) reach people only through their mailbox. A token is 32 bytes
//! in URL-safe base64: a 16-byte subject (the registration id, or the personal feed's
//! random link id) followed by the first 16 bytes of an HMAC-SHA256 of purpose and subject
//! under the service's link key. Nothing stored in the database opens a link without the
//! key (keep it outside the database with `SAMLING_SECRET_KEY` for that to hold against a
//! copy of the database), and every mail can carry the same link without storing it.
//!
//! Why rotating the link key is safe: a link is checked by recomputing its MAC with the
//! current key (in constant time), never by looking up a stored hash. After a rotation,
//! every old link fails at once and every mail rendered from then on carries links that
//! work — no leaked link outlives the key, and no stored value goes stale.
//!
//! A personal feed is replaced by giving it a new random link id: the old link then names
//! nothing and answers 404 at once.
//!
//! **API tokens** are 256 random bits with a `sam_` prefix (so secret scanners can spot a
//! leaked one); only their SHA-256 is stored.
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "sam_";

/// Longest token any route accepts; longer input names nothing.
pub const MAX_TOKEN_LEN: usize = 200;

/// `n` random bytes.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A new random secret: 32 bytes, URL-safe base64 (e.g. a generated link key).
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new API token (`sam_` + 32 random bytes); store only [`hash`] of it.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", new_secret())
}

/// The stored form of a random token (hex SHA-256). Plain SHA-256 suffices: the tokens are
/// 256 random bits, so there is nothing to brute-force.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random id for a personal feed (128 bits, hex).
pub fn new_feed_link_id() -> String {
    hex(&random_bytes::<16>())
}

/// A new verification code of a certificate: 16 characters (80 bits) from an alphabet
/// without look-alikes (no 0/O, 1/I), in groups of four: `K7QM-…`.
pub fn new_certificate_code() -> String {
    const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = random_bytes::<16>();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What a link opens; part of the MAC, so one kind of link never opens another.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    Manage,
    Feed,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Manage => b"samling manage link\0",
            Purpose::Feed => b"samling feed link\0",
        }
    }
}

const SUBJECT_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// The secret that signs participants' links. Shared by every process of one service
/// (configured, or kept in the database), so a link works whichever process answers.
#[derive(Clone)]
pub struct LinkKey(Arc<Vec<u8>>);

impl LinkKey {
    /// Wraps key material (at least 32 bytes of entropy expected).
    pub fn new(secret: &str) -> LinkKey {
        LinkKey(Arc::new(secret.as_bytes().to_vec()))
    }

    fn mac(&self, purpose: Purpose, subject: &[u8; SUBJECT_LEN]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.label());
        mac.update(subject);
        mac
    }

    fn sign(&self, purpose: Purpose, subject: [u8; SUBJECT_LEN]) -> String {
        let tag = self.mac(purpose, &subject).finalize().into_bytes();
        let mut token = [0u8; SUBJECT_LEN + TAG_LEN];
        token[..SUBJECT_LEN].copy_from_slice(&subject);
        token[SUBJECT_LEN..].copy_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The subject of a token, if its MAC is right (checked in constant time).
    fn open(&self, purpose: Purpose, token: &str) -> Option<[u8; SUBJECT_LEN]> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() != SUBJECT_LEN + TAG_LEN {
            return None;
        }
        let subject: [u8; SUBJECT_LEN] = bytes[..SUBJECT_LEN].try_into().ok()?;
        self.mac(purpose, &subject)
            .verify_truncated_left(&bytes[SUBJECT_LEN..])
            .ok()?;
        Some(subject)
    }

    /// A tag of the client network a sign-up came from: the same network gives the same
    /// tag under this key, and the tag does not give the address back.
    pub fn origin_tag(&self, network: std::net::IpAddr) -> String {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"samling signup origin\0");
        match network {
            std::net::IpAddr::V4(v4) => mac.update(&v4.octets()),
            std::net::IpAddr::V6(v6) => mac.update(&v6.octets()),
        }
        let tag = mac.finalize().into_bytes();
        tag[..12].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The token of a registration's manage page (`/r/{token}`).
    pub fn manage_token(&self, registration_id: Uuid) -> String {
        self.sign(Purpose::Manage, registration_id.into_bytes())
    }

    /// The registration a manage token opens.
    pub fn registration_of(&self, token: &str) -> Option<Uuid> {
        self.open(Purpose::Manage, token).map(Uuid::from_bytes)
    }

    /// The token of a personal feed (`/feeds/me/{token}.ics`) with this link id.
    pub fn feed_token(&self, link_id: &str) -> Option<String> {
        let subject = parse_hex16(link_id)?;
        Some(self.sign(Purpose::Feed, subject))
    }

    /// The link id a personal-feed token opens.
    pub fn feed_link_of(&self, token: &str) -> Option<String> {
        self.open(Purpose::Feed, token).map(|s| hex(&s))
    }
}

fn parse_hex16(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

/// Every public address Samling writes into mails, feeds and pages: one place, so a page
/// and a mail can never disagree on a link.
#[derive(Clone)]
pub struct Links {
    base_url: Arc<str>,
    key: LinkKey,
}

impl Links {
    /// Links under `base_url` (no trailing slash), signed with `key`.
    pub fn new(base_url: &str, key: LinkKey) -> Links {
        Links {
            base_url: base_url.trim_end_matches('/').into(),
            key,
        }
    }

    /// The key that signs participants' links.
    pub fn key(&self) -> &LinkKey {
        &self.key
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A registration's manage page (secret: mail only).
    pub fn manage_url(&self, registration_id: Uuid) -> String {
        format!(
            "{}/r/{}",
            self.base_url,
            self.key.manage_token(registration_id)
        )
    }

    /// A registration's course certificate (secret, like the manage page it belongs to).
    pub fn certificate_pdf_url(&self, registration_id: Uuid) -> String {
        format!("{}/kursbevis.pdf", self.manage_url(registration_id))
    }

    /// A certificate's public verification page (for holders of the code).
    pub fn certificate_verify_url(&self, code: &str) -> String {
        format!("{}/kursbevis/{code}", self.base_url)
    }

    /// A participant's personal calendar feed (secret: shown only in their mail and on their
    /// own page, which only their mailed link opens).
    pub fn feed_url(&self, link_id: &str) -> Option<String> {
        let token = self.key.feed_token(link_id)?;
        Some(format!("{}/feeds/me/{token}.ics", self.base_url))
    }

    /// An event's public page.
    pub fn event_url(&self, event_id: Uuid) -> String {
        format!("{}/events/{event_id}", self.base_url)
    }

    /// A network's page.
    pub fn network_url(&self, slug: &str) -> String {
        format!("{}/networks/{slug}", self.base_url)
    }

    /// A network's public calendar feed.
    pub fn network_feed_url(&self, slug: &str) -> String {
        format!("{}/feeds/networks/{slug}.ics", self.base_url)
    }

    /// An organisation's public calendar feed.
    pub fn organisation_feed_url(&self, slug: &str) -> String {
        format!("{}/feeds/organisations/{slug}.ics", self.base_url)
    }
}

/// The `webcal://` form of a feed URL: one click subscribes in Outlook and Apple Calendar.
pub fn webcal(url: &str) -> String {
    url.replacen("https://", "webcal://", 1)
        .replacen("http://", "webcal://", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_tokens_open_their_registration_under_their_key_only() {
        let id = Uuid::now_v7();
        let a = LinkKey::new("first secret first secret first secret");
        let b = LinkKey::new("other secret other secret other secret");
        let token = a.manage_token(id);
        assert_eq!(token.len(), 43);
        assert_eq!(a.registration_of(&token), Some(id));
        assert_eq!(
            b.registration_of(&token),
            None,
            "a rotated key opens nothing old"
        );
        assert_eq!(b.registration_of(&b.manage_token(id)), Some(id));
        // One bit changed, truncated, padded or of another purpose: nothing.
        let mut tampered = token.clone().into_bytes();
        tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            a.registration_of(std::str::from_utf8(&tampered).unwrap()),
            None
        );
        assert_eq!(a.registration_of(&token[..42]), None);
        assert_eq!(a.registration_of(&format!("{token}A")), None);
        let link = new_feed_link_id();
        let feed = a.feed_token(&link).unwrap();
        assert_eq!(a.feed_link_of(&feed), Some(link));
        assert_eq!(
            a.registration_of(&feed),
            None,
            "a feed token is not a manage token"
        );
        assert_eq!(a.feed_link_of(&token), None);
    }

    #[test]
    fn feed_ids_and_api_tokens_are_random() {
        assert_ne!(new_feed_link_id(), new_feed_link_id());
        assert_eq!(new_feed_link_id().len(), 32);
        let t = new_api_token();
        assert!(t.starts_with("sam_") && t.len() == 47);
        assert_eq!(hash(&t).len(), 64);
    }

    #[test]
    fn urls() {
        let links = Links::new("https://samling.example.no/", LinkKey::new(&new_secret()));
        assert_eq!(
            links.network_feed_url("demens"),
            "https://samling.example.no/feeds/networks/demens.ics"
        );
        assert_eq!(
            webcal(&links.network_feed_url("demens")),
            "webcal://samling.example.no/feeds/networks/demens.ics"
        );
        assert!(links.manage_url(Uuid::now_v7()).contains("/r/"));
    }
}
