//! What a sign-up must hold before it reaches the seats: one check for the API's body and
//! the sign-up page's form.
use super::registration::SignupInput;
use crate::domain::roles::{self, Role};
use crate::domain::{self, Email, FieldErrors, Language};

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

/// The roles a sign-up's `role` is checked against: the list of the organisation that runs
/// `event_id`, read only when a role was given (most sign-ups cost no extra query).
pub async fn roles_to_check(
    db: &impl sea_orm::ConnectionTrait,
    event_id: uuid::Uuid,
    role: Option<&str>,
) -> Result<Vec<Role>, sea_orm::DbErr> {
    match role.map(str::trim) {
        Some(r) if !r.is_empty() => crate::service::roles::of_event(db, event_id).await,
        _ => Ok(vec![]),
    }
}

/// Checks the fields (the role against `roles`, the organisation's list): every problem at
/// once, by field.
pub fn check_signup(fields: SignupFields, roles: &[Role]) -> Result<SignupInput, FieldErrors> {
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
    let role = roles::check(&mut errors, "role", fields.role.as_deref(), roles);
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
