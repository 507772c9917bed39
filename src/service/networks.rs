//! Networks and their members: create a network, add members one at a time or as a
//! pasted list (all or nothing), remove them.
use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::db::entities::{network, network_member};
use crate::db::networks::NewMember;
use crate::db::{self, Db, Unique};
use crate::domain::{self, Email, FieldErrors, Slug};

/// Why a network change was refused.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("that slug is already in use")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A new network as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct NewNetwork {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The network `slug` of the organisation `organisation_id`; another organisation's is
/// `None`, exactly like a missing one (callers answer 404).
pub async fn of_organisation(
    db: &Db,
    organisation_id: uuid::Uuid,
    slug: &str,
) -> Result<Option<network::Model>, DbErr> {
    Ok(db::networks::find_by_slug(&db.conn, slug)
        .await?
        .filter(|n| n.organisation_id == organisation_id))
}

/// Creates a network in `organisation_id`; slugs are unique across the service (they name
/// public feeds).
pub async fn create(
    db: &Db,
    organisation_id: uuid::Uuid,
    input: NewNetwork,
    now: DateTime<Utc>,
) -> Result<network::Model, NetworkError> {
    let mut errors = FieldErrors::new();
    let slug = Slug::parse(input.slug.as_deref().unwrap_or_default())
        .map_err(|e| errors.insert("slug", e))
        .ok();
    let name = domain::required_text(&mut errors, "name", input.name.as_deref(), 200);
    let description = domain::optional_long_text(
        &mut errors,
        "description",
        input.description.as_deref(),
        5000,
    );
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(NetworkError::Invalid(errors));
    };
    let tx = db.begin_write().await?;
    let created = match db::networks::insert(
        &*tx,
        organisation_id,
        slug.as_str(),
        &name,
        description,
        now,
    )
    .await
    {
        Ok(n) => n,
        Err(e) if db::violates(&e, Unique::NetworkSlug) => return Err(NetworkError::SlugTaken),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(created)
}

/// A member as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub municipality: Option<String>,
}

fn check_member(input: &MemberInput, errors: &mut FieldErrors) -> Option<NewMember> {
    let email = Email::parse(input.email.as_deref().unwrap_or_default())
        .map_err(|e| errors.insert("email", e))
        .ok();
    let name = domain::optional_text(errors, "name", input.name.as_deref(), 200);
    let municipality =
        domain::optional_text(errors, "municipality", input.municipality.as_deref(), 200);
    email.map(|email| NewMember {
        email: email.as_str().to_string(),
        email_normalized: email.normalized(),
        name,
        municipality,
    })
}

/// Adds a member; returns it and whether it is new (an existing member is left as it is).
pub async fn add_member(
    db: &Db,
    network: &network::Model,
    input: MemberInput,
    now: DateTime<Utc>,
) -> Result<(network_member::Model, bool), NetworkError> {
    let mut errors = FieldErrors::new();
    let member = check_member(&input, &mut errors);
    let Some(member) = member.filter(|_| errors.is_empty()) else {
        return Err(NetworkError::Invalid(errors));
    };
    let tx = db.begin_write().await?;
    let added =
        db::networks::add_members(&*tx, network.id, std::slice::from_ref(&member), now).await?;
    let saved = db::networks::member(&*tx, network.id, &member.email_normalized)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("member just added".into()))?;
    tx.commit().await?;
    Ok((saved, added > 0))
}

/// What adding a pasted list did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BulkReport {
    pub added: u64,
    /// Addresses that were members already.
    pub already: u64,
}

/// Why a pasted list was not added (the desk words it in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasteProblem {
    /// Line `line` (from 1) is not an address that can be added.
    BadLine { line: usize, text: String },
    /// More than [`MAX_PASTED`] addresses.
    TooMany,
    /// No address at all.
    Empty,
}

/// Addresses one pasted list may hold.
pub const MAX_PASTED: usize = 10_000;

/// Adds every address of a pasted list (one per line; blank lines skipped; "Name
/// <address>" and "address, name" allowed). If any line is bad nothing is added, and every
/// bad line is reported with its number.
pub async fn add_members_from_text(
    db: &Db,
    network: &network::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<BulkReport, Result<Vec<PasteProblem>, DbErr>> {
    let mut members = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (email, name) = split_member_line(line);
        let mut errors = FieldErrors::new();
        let input = MemberInput {
            email: Some(email.to_string()),
            name: name.map(str::to_string),
            municipality: None,
        };
        match check_member(&input, &mut errors) {
            Some(m) if errors.is_empty() => {
                if seen.insert(m.email_normalized.clone()) {
                    members.push(m);
                }
            }
            _ => problems.push(PasteProblem::BadLine {
                line: i + 1,
                text: line.chars().take(100).collect(),
            }),
        }
        if members.len() + problems.len() > MAX_PASTED {
            problems.push(PasteProblem::TooMany);
            break;
        }
    }
    if members.is_empty() && problems.is_empty() {
        problems.push(PasteProblem::Empty);
    }
    if !problems.is_empty() {
        return Err(Ok(problems));
    }
    let tx = db.begin_write().await.map_err(Err)?;
    let added = db::networks::add_members(&*tx, network.id, &members, now)
        .await
        .map_err(Err)?;
    tx.commit().await.map_err(Err)?;
    Ok(BulkReport {
        added,
        already: members.len() as u64 - added,
    })
}

/// `Kari Nordmann <kari@x.no>` → (address, name); `kari@x.no, Kari` and `kari@x.no;Kari`
/// likewise; a bare address has no name.
fn split_member_line(line: &str) -> (&str, Option<&str>) {
    if let (Some(open), true) = (line.rfind('<'), line.ends_with('>')) {
        let name = line[..open].trim().trim_matches('"').trim();
        return (
            line[open + 1..line.len() - 1].trim(),
            Some(name).filter(|n| !n.is_empty()),
        );
    }
    match line.split_once([',', ';', '\t']) {
        Some((email, name)) => (email.trim(), Some(name.trim()).filter(|n| !n.is_empty())),
        None => (line, None),
    }
}

/// Removes a member; returns whether there was one.
pub async fn remove_member(db: &Db, network: &network::Model, email: &str) -> Result<bool, DbErr> {
    let tx = db.begin_write().await?;
    let removed =
        db::networks::remove_member(&*tx, network.id, &domain::normalize_email(email)).await?;
    tx.commit().await?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::split_member_line;

    #[test]
    fn pasted_lines() {
        assert_eq!(split_member_line("kari@x.no"), ("kari@x.no", None));
        assert_eq!(
            split_member_line("Kari Nordmann <kari@x.no>"),
            ("kari@x.no", Some("Kari Nordmann"))
        );
        assert_eq!(
            split_member_line("kari@x.no; Kari"),
            ("kari@x.no", Some("Kari"))
        );
        assert_eq!(split_member_line("<kari@x.no>"), ("kari@x.no", None));
    }
}
