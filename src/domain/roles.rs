//! The roles a participant can give at sign-up: each organisation's list (the default four
//! until it sets its own), one check for the API and the sign-up page, and the rules for
//! changing the list. A registration stores the role's key, so relabelling changes no
//! registration; text that is no key of the list (free text from before roles were a list)
//! counts as "not stated".
use super::{match_key, required_text, FieldErrors, Language, Problem, Slug};

/// Most roles a list may hold (a form of radios stays usable).
pub const MAX_ROLES: usize = 30;
/// Longest label.
pub const MAX_LABEL: usize = 100;

/// A role: its key (stored with the registration) and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub key: String,
    pub nb: String,
    pub en: String,
}

impl Role {
    fn new(key: &str, nb: &str, en: &str) -> Role {
        Role {
            key: key.into(),
            nb: nb.into(),
            en: en.into(),
        }
    }

    /// The label in `lang`.
    pub fn label(&self, lang: Language) -> &str {
        match lang {
            Language::Nb => &self.nb,
            Language::En => &self.en,
        }
    }
}

/// The list of an organisation that has not set its own.
pub fn defaults() -> Vec<Role> {
    vec![
        Role::new("helsepersonell", "Helsepersonell", "Health personnel"),
        Role::new("fagansvarlig", "Fagansvarlig", "Professional lead"),
        Role::new("leder", "Leder", "Leader"),
        Role::new("annet", "Annet", "Other"),
    ]
}

/// The role `text` names: its key or either label, matched like municipality names (case
/// and accents ignored).
pub fn find<'a>(roles: &'a [Role], text: &str) -> Option<&'a Role> {
    let wanted = match_key(text);
    roles.iter().find(|r| {
        match_key(&r.key) == wanted || match_key(&r.nb) == wanted || match_key(&r.en) == wanted
    })
}

/// The role a registration's stored value is (only a key of the list: anything else, and
/// nothing, is "not stated").
pub fn stated<'a>(roles: &'a [Role], stored: Option<&str>) -> Option<&'a Role> {
    stored.and_then(|s| roles.iter().find(|r| r.key == s))
}

/// A stored role as people read it: the label of the list's role, or the stored text as it
/// is (free text from before).
pub fn shown(roles: &[Role], stored: Option<&str>, lang: Language) -> Option<String> {
    stored.map(|s| {
        stated(roles, Some(s))
            .map_or(s, |r| r.label(lang))
            .to_string()
    })
}

/// Checks an optional role as given at sign-up against the organisation's list: blank is
/// none; a role of the list is stored by its key; anything else is a problem naming the
/// choices.
pub fn check(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    roles: &[Role],
) -> Option<String> {
    let text = value.map(str::trim).filter(|v| !v.is_empty())?;
    match find(roles, text) {
        Some(role) => Some(role.key.clone()),
        None => {
            errors.insert(
                field,
                Problem::NotAChoice {
                    choices: roles.iter().map(|r| r.key.clone()).collect(),
                },
            );
            None
        }
    }
}

/// A role of a new list as given (API body or desk form).
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    pub key: Option<String>,
    pub nb: Option<String>,
    pub en: Option<String>,
}

/// Checks a whole new list: every problem at once, by field (`roles[0].key`…). Keys are
/// slugs, each once; the Norwegian label is required, the English one defaults to it; a
/// key that registrations use (`in_use`) may be relabelled but not removed.
pub fn check_list(input: &[RoleInput], in_use: &[String]) -> Result<Vec<Role>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if input.is_empty() {
        errors.insert("roles", Problem::Required);
    }
    if input.len() > MAX_ROLES {
        errors.insert("roles", Problem::TooManyRoles { max: MAX_ROLES });
    }
    let mut roles = Vec::with_capacity(input.len());
    for (i, role) in input.iter().enumerate() {
        let field = |name: &str| format!("roles[{i}].{name}");
        let key = match Slug::parse(role.key.as_deref().unwrap_or_default()) {
            Ok(slug) if roles.iter().any(|r: &Role| r.key == slug.as_str()) => {
                errors.insert(field("key"), Problem::AppearsTwice);
                None
            }
            Ok(slug) => Some(slug.as_str().to_string()),
            Err(problem) => {
                errors.insert(field("key"), problem);
                None
            }
        };
        let nb = required_text(
            &mut errors,
            &field("label_nb"),
            role.nb.as_deref(),
            MAX_LABEL,
        );
        let en = match role.en.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(en) => required_text(&mut errors, &field("label_en"), Some(en), MAX_LABEL),
            None => nb.clone(),
        };
        if let Some(key) = key {
            roles.push(Role { key, nb, en });
        }
    }
    for key in in_use {
        if errors.is_empty() && !roles.iter().any(|r| &r.key == key) {
            errors.insert("roles", Problem::InUse { key: key.clone() });
        }
    }
    if errors.is_empty() {
        Ok(roles)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_a_key_or_a_label_of_the_list_however_typed() {
        let roles = defaults();
        let mut errors = FieldErrors::new();
        for typed in [" leader ", "LEDER", "leder"] {
            assert_eq!(
                check(&mut errors, "role", Some(typed), &roles).as_deref(),
                Some("leder")
            );
        }
        assert_eq!(
            check(&mut errors, "role", Some("fagansvarlig"), &roles).as_deref(),
            Some("fagansvarlig")
        );
        assert_eq!(check(&mut errors, "role", Some(""), &roles), None);
        assert!(errors.is_empty());
        assert_eq!(check(&mut errors, "role", Some("Sykepleier"), &roles), None);
        assert_eq!(
            errors.get("role").map(ToString::to_string).as_deref(),
            Some("must be helsepersonell, fagansvarlig, leder or annet")
        );
    }

    #[test]
    fn old_free_text_is_shown_as_typed_and_not_stated() {
        let roles = defaults();
        assert_eq!(stated(&roles, Some("Sykepleier")), None);
        assert_eq!(
            shown(&roles, Some("Sykepleier"), Language::En).as_deref(),
            Some("Sykepleier")
        );
        assert_eq!(
            shown(&roles, Some("leder"), Language::En).as_deref(),
            Some("Leader")
        );
    }

    #[test]
    fn a_new_list_keeps_the_keys_in_use_and_reports_every_problem() {
        let input = |key: &str, nb: &str| RoleInput {
            key: Some(key.into()),
            nb: Some(nb.into()),
            en: None,
        };
        let list = check_list(
            &[input("leder", "Leiar"), input("student", "Student")],
            &["leder".into()],
        )
        .unwrap();
        assert_eq!(
            list[0].en, "Leiar",
            "English defaults to the Norwegian label"
        );
        let errors = check_list(&[input("student", "Student")], &["leder".into()]).unwrap_err();
        assert_eq!(
            errors.get("roles"),
            Some(&Problem::InUse {
                key: "leder".into()
            })
        );
        let errors = check_list(
            &[
                input("Ikke en nøkkel", ""),
                input("leder", "Leder"),
                input("leder", "x"),
            ],
            &[],
        )
        .unwrap_err();
        assert_eq!(errors.get("roles[0].key"), Some(&Problem::SlugCharacters));
        assert_eq!(errors.get("roles[0].label_nb"), Some(&Problem::Required));
        assert_eq!(errors.get("roles[2].key"), Some(&Problem::AppearsTwice));
        assert!(check_list(&[], &[]).is_err());
    }
}
