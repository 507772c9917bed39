//! Types that can only hold valid values ("parse, don't validate").
use std::fmt;

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

pub use super::problems::{FieldErrors, Problem};

/// A mail address, trimmed; compared case-insensitively through [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP allows (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Accepts an address a mail server would accept; rejects anything that could smuggle
    /// header lines or spaces.
    pub fn parse(raw: &str) -> Result<Email, Problem> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if s.len() > Self::MAX_LEN {
            return Err(Problem::TooLong { max: Self::MAX_LEN });
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Problem::Spaces);
        }
        let address: lettre::Address = s.parse().map_err(|_| Problem::NotAnEmail)?;
        if !address.domain().contains('.') && address.domain() != "localhost" {
            return Err(Problem::NotAnEmail);
        }
        Ok(Email(s.to_string()))
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What identifies a participant: the address trimmed and in lower case. One
    /// registration per event and key, one personal feed per key, one member per network and
    /// key. (Lower-casing the local part is not strictly RFC 5321, but no mail system these
    /// users meet treats `Kari@` and `kari@` as two people.)
    pub fn normalized(&self) -> String {
        normalize_email(&self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The participant key of an address as typed (see [`Email::normalized`]).
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A URL name for networks and organisations: lower-case letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Checks length (2–64) and characters.
    pub fn parse(raw: &str) -> Result<Slug, Problem> {
        let s = raw.trim();
        if s.len() < 2 || s.len() > 64 {
            return Err(Problem::SlugLength);
        }
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(Problem::SlugCharacters);
        }
        Ok(Slug(s.to_string()))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Declares a closed set of values stored as short strings: a sea-orm `ActiveEnum` (an
/// unknown stored value is a database error, never a panic), serde in lower case, and
/// `as_str` for labels and logs.
macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
        )]
        #[serde(rename_all = "lowercase")]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
        pub enum $name { $(#[sea_orm(string_value = $text)] $variant),+ }

        impl $name {
            /// The name stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Reads a name as the API and forms send it.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum!(
    /// What sort of event it is.
    EventKind { Gathering => "gathering", Webinar => "webinar", Conference => "conference", Course => "course" }
);
stored_enum!(
    /// Where an event is in its life.
    EventStatus { Draft => "draft", Published => "published", Cancelled => "cancelled" }
);
stored_enum!(
    /// Where a registration is.
    RegistrationStatus { Confirmed => "confirmed", Waitlisted => "waitlisted", Cancelled => "cancelled" }
);
stored_enum!(
    /// Language of a participant's mails and pages.
    Language { Nb => "nb", En => "en" }
);

impl Default for Language {
    /// Norwegian unless the participant chose otherwise.
    fn default() -> Self {
        Language::Nb
    }
}

impl EventKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [EventKind; 4] = [
        EventKind::Gathering,
        EventKind::Webinar,
        EventKind::Conference,
        EventKind::Course,
    ];
}

impl RegistrationStatus {
    /// Holds a seat or a place in line.
    pub fn is_active(self) -> bool {
        self != RegistrationStatus::Cancelled
    }
}

/// Trims a required text field and checks its length, recording a problem in `errors`.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> String {
    match value.map(str::trim) {
        None | Some("") => {
            errors.insert(field, Problem::Required);
            String::new()
        }
        Some(v) => {
            check_text(errors, field, v, max);
            v.to_string()
        }
    }
}

/// Trims an optional text field: empty becomes `None`; too long or control characters are errors.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    check_text(errors, field, v, max);
    Some(v.to_string())
}

/// Long free text (descriptions) may have line breaks but no other control characters.
pub fn optional_long_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.insert(field, Problem::TooLong { max });
    } else if v
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.insert(field, Problem::ControlCharacters);
    }
    Some(v.to_string())
}

fn check_text(errors: &mut FieldErrors, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        errors.insert(field, Problem::TooLong { max });
    } else if v.chars().any(char::is_control) {
        errors.insert(field, Problem::LineBreaks);
    }
}

/// An http(s) URL, such as a webinar's join link.
pub fn optional_url(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let v = optional_text(errors, field, value, 2000)?;
    match url::Url::parse(&v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Some(v),
        _ => {
            errors.insert(field, Problem::NotAUrl);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_compared_case_insensitively() {
        let a = Email::parse("  Kari.Nordmann@Example.NO ").unwrap();
        assert_eq!(a.as_str(), "Kari.Nordmann@Example.NO");
        assert_eq!(a.normalized(), "kari.nordmann@example.no");
        for bad in [
            "",
            "kari",
            "kari@",
            "@x.no",
            "a b@x.no",
            "eve@x.no\r\nBcc: y@z.no",
            "a@nodot",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("demens-vestfold").is_ok());
        for bad in ["A", "Demens", "-x", "x-", "æøå", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }
}

/// The key that matches a municipality name however it was typed: case, accents and the
/// Norwegian letters folded ("Bærum" = "baerum", "Tønsberg" = "Tonsberg", "Ås" = "Aas").
pub fn match_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().to_lowercase().chars() {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' | 'ó' | 'ò' | 'ô' => out.push('o'),
            'å' | 'á' | 'à' | 'â' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'ü' | 'ú' => out.push('u'),
            'í' | 'ï' => out.push('i'),
            c if c.is_whitespace() || c == '-' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out.replace("aa", "a").trim().to_string()
}

#[cfg(test)]
mod match_key_tests {
    use super::match_key;

    #[test]
    fn folds_case_accents_and_norwegian_letters() {
        assert_eq!(match_key("Bærum"), match_key("baerum"));
        assert_eq!(match_key("Tønsberg"), match_key("TONSBERG"));
        assert_eq!(match_key("Ås"), match_key("aas"));
        assert_eq!(match_key(" Nordre  Follo "), match_key("nordre-follo"));
        assert_ne!(match_key("Horten"), match_key("Larvik"));
    }
}
