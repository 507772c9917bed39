//! Random bearer tokens (API tokens, manage links) and their stored hashes.
//!
//! Tokens carry 256 random bits, so a plain SHA-256 is the right hash: nothing to
//! brute-force, and lookups by hash stay a single indexed query per request.
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

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
