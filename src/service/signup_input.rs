//! What a sign-up must hold before it reaches the seats: one check for the API's body and
//! the sign-up page's form.
use super::registration::SignupInput;
use crate::domain::{self, roles, Email, FieldErrors, Language};

/// The sign-up's fields as given (API body or page form), before checking.
#[derive(Debug, Default, Clone)]
pub struct SignupFields {
    pub name: Option<String>,
    pub email: Option<String>,
    pub municipality: Option<String>,
    pub workplace: Option<String>,
    pub role: Option<String>,
    pub share_contact: bool,
    pub language: Language,
}

/// Checks the fields: every problem at once, by field.
pub fn check_signup(fields: SignupFields) -> Result<SignupInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = domain::required_text(&mut errors, "name", fields.name.as_deref(), 200);
    let email = Email::parse(fields.email.as_deref().unwrap_or_default())
        .map_err(|e| errors.insert("email", e))
        .ok();
    let municipality = domain::optional_text(
        &mut errors,
        "municipality",
        fields.municipality.as_deref(),
        200,
    );
    let workplace =
        domain::optional_text(&mut errors, "workplace", fields.workplace.as_deref(), 200);
    let role = roles::check(&mut errors, "role", fields.role.as_deref());
    match email {
        Some(email) if errors.is_empty() => Ok(SignupInput {
            name,
            email,
            municipality,
            workplace,
            role,
            share_contact: fields.share_contact,
            language: fields.language,
            submission: None,
            network: None,
        }),
        _ => Err(errors),
    }
}
