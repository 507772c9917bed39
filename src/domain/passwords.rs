//! What an organiser's password must be, and how long a desk session lasts.
use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::Duration;

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; the desk holds
/// health workers' personal data, so 12).
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// The longest (argon2 copes with more, but nobody types more).
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// A signed-in desk session ends after this long without use…
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// …and after this long in any case (a work day).
pub const SESSION_LIFETIME: Duration = Duration::hours(12);

/// The 10,000 most common passwords (`assets/README.md`).
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../assets/common-passwords.txt")
        .lines()
        .collect()
});

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("must be at least {MIN_PASSWORD_LENGTH} characters")]
    TooShort,
    #[error("must be at most {MAX_PASSWORD_LENGTH} characters")]
    TooLong,
    #[error("is one of the 10,000 most common passwords")]
    Common,
}

/// Checks a new password: long enough, not absurdly long, and not a common one (compared
/// without regard to case, as guessing tools do).
pub fn check_new_password(password: &str) -> Result<(), WeakPassword> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(WeakPassword::TooShort);
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(WeakPassword::TooLong);
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_uncommon() {
        assert_eq!(check_new_password("kort"), Err(WeakPassword::TooShort));
        assert_eq!(
            check_new_password("qwerty123456"),
            Err(WeakPassword::Common)
        );
        assert_eq!(
            check_new_password("1QAZ2WSX3EDC"),
            Err(WeakPassword::Common)
        );
        assert_eq!(check_new_password("gul-hest-leser-avis"), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(300)),
            Err(WeakPassword::TooLong)
        );
        assert_eq!(COMMON.len(), 10_000);
    }
}
