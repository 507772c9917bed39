//! Bearer tokens and the links built from them.
//!
//! API tokens are random (256 bits) and only their SHA-256 is stored. A participant's
//! manage token is derived from the registration id with an HMAC under the service's link
//! key, so every mail — reminders, changes, cancellations — can carry the same link without
//! the token ever being stored; the database holds only its SHA-256, for lookups. Plain
//! SHA-256 fits both: the inputs are unguessable, so there is nothing to brute-force.
use std::sync::Arc;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new URL-safe token of 32 random bytes.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token (hex SHA-256).
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The secret that signs participants' links. Shared by every process of one service
/// (configured, or kept in the database), so a link works whichever process answers.
#[derive(Clone)]
pub struct LinkKey(Arc<Vec<u8>>);

impl LinkKey {
    /// Wraps key material (at least 32 bytes of entropy expected).
    pub fn new(secret: &str) -> LinkKey {
        LinkKey(Arc::new(secret.as_bytes().to_vec()))
    }

    fn derive(&self, purpose: &str, subject: &[u8]) -> String {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(subject);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The token of a registration's manage page (`/r/{token}`).
    pub fn manage_token(&self, registration_id: Uuid) -> String {
        self.derive("manage", registration_id.as_bytes())
    }

    /// The token of a participant's personal calendar feed (`/feeds/me/{token}.ics`).
    pub fn feed_token(&self, email_normalized: &str) -> String {
        self.derive("feed", email_normalized.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_tokens_are_stable_and_keyed() {
        let id = Uuid::now_v7();
        let a = LinkKey::new("first secret first secret first secret");
        let b = LinkKey::new("other secret other secret other secret");
        assert_eq!(a.manage_token(id), a.manage_token(id));
        assert_ne!(a.manage_token(id), b.manage_token(id));
        assert_ne!(a.manage_token(id), a.manage_token(Uuid::now_v7()));
        assert_eq!(a.manage_token(id).len(), 43);
    }
}
