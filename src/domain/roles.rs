//! The roles a participant can give at sign-up: one list and one check for the API and the
//! sign-up page. (Today the list is the same for every organisation; when organisations
//! get their own, it is this list that becomes theirs.)
use super::{FieldErrors, Language, Problem};

/// A role: stored as its Norwegian label (as the attendee list shows it), labelled in the
/// reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub nb: &'static str,
    pub en: &'static str,
}

impl Role {
    /// The label in `lang`.
    pub fn label(&self, lang: Language) -> &'static str {
        match lang {
            Language::Nb => self.nb,
            Language::En => self.en,
        }
    }
}

/// The roles offered, in the order the form lists them.
pub const ROLES: [Role; 4] = [
    Role {
        nb: "Helsepersonell",
        en: "Health personnel",
    },
    Role {
        nb: "Fagleder",
        en: "Professional lead",
    },
    Role {
        nb: "Leder",
        en: "Leader",
    },
    Role {
        nb: "Annet",
        en: "Other",
    },
];

/// The role `text` names (its Norwegian or English label, case ignored).
pub fn find(text: &str) -> Option<&'static Role> {
    let text = text.trim().to_lowercase();
    ROLES
        .iter()
        .find(|r| r.nb.to_lowercase() == text || r.en.to_lowercase() == text)
}

/// Checks an optional role as given at sign-up: blank is none; a role on the list is
/// stored by its Norwegian label; anything else is a problem naming the choices.
pub fn check(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let text = value.map(str::trim).filter(|v| !v.is_empty())?;
    match find(text) {
        Some(role) => Some(role.nb.to_string()),
        None => {
            errors.insert(
                field,
                Problem::NotAChoice {
                    choices: ROLES.iter().map(|r| r.nb.to_string()).collect(),
                },
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_one_of_the_list_in_either_language() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            check(&mut errors, "role", Some(" leader ")).as_deref(),
            Some("Leder")
        );
        assert_eq!(check(&mut errors, "role", Some("")), None);
        assert!(errors.is_empty());
        assert_eq!(check(&mut errors, "role", Some("Sykepleier")), None);
        assert_eq!(
            errors.get("role").map(ToString::to_string).as_deref(),
            Some("must be Helsepersonell, Fagleder, Leder or Annet")
        );
    }
}
