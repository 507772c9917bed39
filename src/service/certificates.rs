//! Course certificates (kursbevis): issuing them after an event to those who completed it
//! (each with a `certificate_issued` mail carrying the PDF), revoking and reissuing, the
//! public verification, the register and its counts across years, and the import of the
//! certificates issued before Samling. The rules are in `domain::certificates`.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DbErr;
use serde::Serialize;
use uuid::Uuid;

use crate::db::certificates::RegisterFilter;
use crate::db::entities::{certificate, organisation, organiser, registration};
use crate::db::events::EventContext;
use crate::db::{self, Db, Unique};
use crate::domain::certificates::{self as rules, CertificateRule, IssueRefusal, Validity};
use crate::domain::problems::{LineFault, LineProblem};
use crate::domain::{match_key, period, FieldErrors, Language, Problem};
use crate::mail::facts::CertificateFacts;
use crate::mail::Mailer;
use crate::service::audit::{self, Action, Who};

/// Why certificates could not be issued, revoked or imported.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such certificate or event")]
    NotFound,
    #[error("certificates cannot be issued: {0:?}")]
    Refused(IssueRefusal),
    #[error("the certificate is revoked")]
    Revoked,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A certificate as the organiser's register shows it (the verification code is not shown:
/// it reaches only the holder's mailbox).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub number: String,
    pub status: Validity,
    /// None once removed (erasure, or after the certificate retention).
    pub holder_name: Option<String>,
    pub course: String,
    pub event_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    /// The series' slug.
    pub series: Option<String>,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub hours: Option<f64>,
    pub municipality: Option<String>,
    pub language: Language,
    pub issued_on: NaiveDate,
    /// Brought in by `POST /certificates/import` (issued before Samling).
    pub imported: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The number of the certificate this one replaced.
    pub replaces: Option<String>,
}

/// Views of certificates, with their series' slugs.
async fn views(db: &Db, rows: Vec<certificate::Model>) -> Result<Vec<CertificateView>, DbErr> {
    let ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|c| c.series_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let slugs: HashMap<Uuid, String> = db::series::find_many(&db.conn, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.slug))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| CertificateView {
            status: Validity::at(c.revoked_at, DateTime::<Utc>::MAX_UTC),
            series: c.series_id.and_then(|s| slugs.get(&s).cloned()),
            number: c.number,
            holder_name: c.holder_name,
            course: c.course,
            event_id: c.event_id,
            registration_id: c.registration_id,
            first_date: c.first_date,
            last_date: c.last_date,
            hours: c.hours,
            municipality: c.municipality,
            language: c.language,
            issued_on: c.issued_on,
            imported: c.imported,
            revoked_at: c.revoked_at,
            replaces: c.replaces,
        })
        .collect())
}

/// The local dates of an event's first and last sessions.
fn course_dates(ctx: &EventContext) -> (NaiveDate, NaiveDate) {
    let tz = period::zone(&ctx.organisation.time_zone);
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    (day(ctx.event.starts_at), day(ctx.event.ends_at))
}

/// What a certificate's PDF says, in its holder's language, from the event's rule.
pub fn facts_of(c: &certificate::Model, rule: Option<&CertificateRule>) -> CertificateFacts {
    let text = rule.and_then(|r| match c.language {
        Language::Nb => r.text_nb.clone(),
        Language::En => r.text_en.clone().or_else(|| r.text_nb.clone()),
    });
    CertificateFacts {
        number: c.number.clone(),
        code: c.code.clone(),
        holder: c.holder_name.clone().unwrap_or_default(),
        course: c.course.clone(),
        first_date: c.first_date,
        last_date: c.last_date,
        hours: c.hours,
        text,
        issued_on: c.issued_on,
    }
}

/// How many times issuing starts again when another issue took a number meanwhile.
const NUMBER_RETRIES: usize = 5;

/// Issues a certificate to each confirmed registration of the event in `ctx` that has
/// completed it and holds no valid certificate, queues each one's mail, and answers every
/// valid certificate of the event (so a second call issues nothing and answers the same).
/// Only after the last session of a published event with a certificate rule.
pub async fn issue(
    db: &Db,
    mailer: &Mailer,
    by: &organiser::Model,
    ctx: &EventContext,
    now: DateTime<Utc>,
) -> Result<(u64, Vec<CertificateView>), CertificateError> {
    let rule = CertificateRule::stored(ctx.event.certificate.as_deref());
    rules::may_issue(rule.is_some(), ctx.event.status, ctx.event.dated_end(), now)
        .map_err(CertificateError::Refused)?;
    let completions =
        crate::service::programmes::completions(db, &ctx.event, &ctx.sessions).await?;
    let completed: HashSet<Uuid> = completions
        .registrations
        .iter()
        .filter(|c| c.completed)
        .map(|c| c.registration_id)
        .collect();
    let mut attempt = 0;
    let issued = loop {
        attempt += 1;
        match issue_once(db, mailer, ctx, rule.as_ref(), &completed, now).await {
            Err(e) if db::violates(&e, Unique::CertificateNumber) && attempt < NUMBER_RETRIES => {
                continue
            }
            other => break other?,
        }
    };
    mailer.wake();
    if issued > 0 {
        audit::record(
            db,
            Some(ctx.organisation.id),
            Who::Organiser(by),
            Action::CertificatesIssued,
            &ctx.event.title,
            Some(issued as i64),
            now,
        )
        .await;
    }
    let valid: Vec<certificate::Model> = db::certificates::of_event(&db.conn, ctx.event.id)
        .await?
        .into_iter()
        .filter(|c| c.revoked_at.is_none())
        .collect();
    Ok((issued, views(db, valid).await?))
}

/// One try at issuing, in one transaction with the event locked (two issues of one event
/// never both issue); how many were issued.
async fn issue_once(
    db: &Db,
    mailer: &Mailer,
    ctx: &EventContext,
    rule: Option<&CertificateRule>,
    completed: &HashSet<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let tx = db.begin_write().await?;
    db::events::find_for_update(&*tx, ctx.event.id).await?;
    let holders: HashSet<Uuid> = db::certificates::of_event(&*tx, ctx.event.id)
        .await?
        .into_iter()
        .filter_map(|c| c.registration_id)
        .collect();
    let due: Vec<registration::Model> = db::registrations::confirmed_for_event(&*tx, ctx.event.id)
        .await?
        .into_iter()
        .filter(|r| {
            rules::is_due(
                completed.contains(&r.id),
                r.anonymised_at.is_some(),
                holders.contains(&r.id),
            )
        })
        .collect();
    if due.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let tz = period::zone(&ctx.organisation.time_zone);
    let today = now.with_timezone(&tz).date_naive();
    let (first_date, last_date) = course_dates(ctx);
    let mut seq = db::certificates::last_seq(&*tx, ctx.organisation.id, year_of(today)).await?;
    let mut rows = Vec::with_capacity(due.len());
    let mut mails = Vec::with_capacity(due.len());
    for reg in &due {
        seq += 1;
        let row = certificate::Model {
            id: Uuid::now_v7(),
            organisation_id: ctx.organisation.id,
            number: rules::number(
                &rules::number_prefix(&ctx.organisation.slug),
                year_of(today),
                seq,
            ),
            year: year_of(today),
            seq,
            code: crate::links::new_certificate_code(),
            event_id: Some(ctx.event.id),
            registration_id: Some(reg.id),
            series_id: ctx.event.series_id,
            holder_name: Some(reg.name.clone()),
            course: ctx.event.title.clone(),
            first_date,
            last_date,
            hours: rule.and_then(|r| r.hours),
            municipality: reg.municipality.clone(),
            language: reg.language,
            issued_on: today,
            imported: false,
            revoked_at: None,
            replaces: None,
            anonymised_at: None,
            created_at: now,
        };
        // An address that cannot be mailed (it was accepted at sign-up, so this is rare):
        // the certificate is issued all the same and waits on the participant's page.
        match mailer.certificate_letter(ctx, reg, facts_of(&row, rule), now) {
            Ok(mail) => mails.push(mail),
            Err(e) => tracing::warn!(registration = %reg.id, error = %e, "certificate not mailed"),
        }
        rows.push(row);
    }
    let issued = rows.len() as u64;
    db::certificates::insert_many(&*tx, rows).await?;
    db::outbox::insert_many(&*tx, mails).await?;
    tx.commit().await?;
    Ok(issued)
}

fn year_of(date: NaiveDate) -> i32 {
    chrono::Datelike::year(&date)
}

/// Revokes the organisation's certificate `number`; its verification page says revoked
/// from now on, and the register stops counting it.
pub async fn revoke(
    db: &Db,
    by: &organiser::Model,
    number: &str,
    now: DateTime<Utc>,
) -> Result<CertificateView, CertificateError> {
    let found = db::certificates::find_by_number(&db.conn, by.organisation_id, number)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let tx = db.begin_write().await?;
    db::certificates::revoke(&*tx, found.id, now).await?;
    if let Some(reg) = found.registration_id {
        db::outbox::drop_pending(&*tx, reg, crate::domain::MailKind::CertificateIssued).await?;
    }
    tx.commit().await?;
    audit::record(
        db,
        Some(by.organisation_id),
        Who::Organiser(by),
        Action::CertificateRevoked,
        number,
        None,
        now,
    )
    .await;
    let after = db::certificates::find_by_number(&db.conn, by.organisation_id, number)
        .await?
        .ok_or(CertificateError::NotFound)?;
    Ok(views(db, vec![after]).await?.remove(0))
}

/// Replaces a certificate whose name was wrong: the old number is revoked and a new one
/// issued with `name` (same course, dates and municipality), mailed to the holder again if
/// their registration still has an address.
pub async fn reissue(
    db: &Db,
    mailer: &Mailer,
    by: &organiser::Model,
    number: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CertificateView, CertificateError> {
    let mut errors = FieldErrors::new();
    let name = crate::domain::required_text(&mut errors, "name", name, 200);
    if !errors.is_empty() {
        return Err(CertificateError::Invalid(errors));
    }
    let old = db::certificates::find_by_number(&db.conn, by.organisation_id, number)
        .await?
        .ok_or(CertificateError::NotFound)?;
    if old.revoked_at.is_some() {
        return Err(CertificateError::Revoked);
    }
    let ctx = match old.event_id {
        Some(id) => db::events::context(&db.conn, id).await?,
        None => None,
    };
    let organisation = db::organisations::find(&db.conn, by.organisation_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let reg = match old.registration_id {
        Some(id) => db::registrations::find(&db.conn, id)
            .await?
            .filter(|r| r.anonymised_at.is_none()),
        None => None,
    };
    let tz = period::zone(&organisation.time_zone);
    let today = now.with_timezone(&tz).date_naive();
    let rule = ctx
        .as_ref()
        .and_then(|c| CertificateRule::stored(c.event.certificate.as_deref()));
    let mut attempt = 0;
    let new = loop {
        attempt += 1;
        let tx = db.begin_write().await?;
        // Revoked in this transaction or not at all: two reissues (or a reissue and a
        // revocation) at once leave one valid certificate.
        if !db::certificates::revoke(&*tx, old.id, now).await? {
            return Err(CertificateError::Revoked);
        }
        if let Some(reg) = old.registration_id {
            db::outbox::drop_pending(&*tx, reg, crate::domain::MailKind::CertificateIssued).await?;
        }
        let seq = db::certificates::last_seq(&*tx, organisation.id, year_of(today)).await? + 1;
        let row = certificate::Model {
            id: Uuid::now_v7(),
            number: rules::number(
                &rules::number_prefix(&organisation.slug),
                year_of(today),
                seq,
            ),
            year: year_of(today),
            seq,
            code: crate::links::new_certificate_code(),
            holder_name: Some(name.clone()),
            // The same certificate with the name put right: it counts from when it was
            // earned (only the number is new).
            revoked_at: None,
            replaces: Some(old.number.clone()),
            anonymised_at: None,
            created_at: now,
            ..old.clone()
        };
        let inserted = db::certificates::insert_many(&*tx, vec![row.clone()]).await;
        match inserted {
            Err(e) if db::violates(&e, Unique::CertificateNumber) && attempt < NUMBER_RETRIES => {
                continue
            }
            other => other?,
        }
        if let (Some(ctx), Some(reg)) = (&ctx, &reg) {
            let mut reg = reg.clone();
            reg.name = name.clone();
            match mailer.certificate_letter(ctx, &reg, facts_of(&row, rule.as_ref()), now) {
                Ok(mail) => db::outbox::insert_many(&*tx, vec![mail]).await?,
                Err(e) => {
                    tracing::warn!(registration = %reg.id, error = %e, "certificate not mailed")
                }
            }
        }
        tx.commit().await?;
        break row;
    };
    mailer.wake();
    audit::record(
        db,
        Some(organisation.id),
        Who::Organiser(by),
        Action::CertificateRevoked,
        &format!("{} (replaced by {})", old.number, new.number),
        None,
        now,
    )
    .await;
    Ok(views(db, vec![new]).await?.remove(0))
}

/// The organisation's certificates (revoked ones too), oldest first.
pub async fn register(
    db: &Db,
    organisation_id: Uuid,
    filter: &RegisterFilter,
) -> Result<Vec<CertificateView>, DbErr> {
    let rows = db::certificates::register(&db.conn, organisation_id, filter).await?;
    views(db, rows).await
}

/// What the public verification page says of a code: nothing more than this.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub status: Validity,
    /// None once the holder's name was removed (the certificate still stands).
    pub name: Option<String>,
    pub course: String,
    pub issued_on: NaiveDate,
    pub organisation: String,
}

/// The verification of a certificate's code, if it is one.
pub async fn verify(
    db: &Db,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<Verification>, DbErr> {
    let code = code.trim().to_ascii_uppercase();
    let Some(c) = db::certificates::find_by_code(&db.conn, &code).await? else {
        return Ok(None);
    };
    let organisation = db::organisations::find(&db.conn, c.organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Some(Verification {
        status: Validity::at(c.revoked_at, now),
        name: c.holder_name,
        course: c.course,
        issued_on: c.issued_on,
        organisation,
    }))
}

/// A registration's valid certificate as a PDF and its file name, if it has one.
pub async fn pdf_of_registration(
    db: &Db,
    mailer: &Mailer,
    reg: &registration::Model,
) -> Result<Option<(String, Vec<u8>)>, DbErr> {
    let Some(c) = db::certificates::valid_of_registration(&db.conn, reg.id).await? else {
        return Ok(None);
    };
    let (organisation, rule) = match db::events::context(&db.conn, reg.event_id).await? {
        Some(ctx) => (
            ctx.organisation.name,
            CertificateRule::stored(ctx.event.certificate.as_deref()),
        ),
        None => (String::new(), None),
    };
    let verify = mailer.links().certificate_verify_url(&c.code);
    let pdf = crate::export::certificate::render_facts(
        &facts_of(&c, rule.as_ref()),
        &organisation,
        c.language,
        &verify,
    )
    .map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Some((
        crate::mail::certificate_filename(&c.number, c.language),
        pdf,
    )))
}

/// One municipality's line in the certificate counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateMunicipality {
    pub name: String,
    pub region: Option<String>,
    pub certificates: u64,
}

/// One year's certificates and the sum up to that year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateYear {
    pub year: i32,
    pub certificates: u64,
    pub cumulative: u64,
}

/// Valid certificates issued up to a date, per municipality of the reference list (every
/// one, with zeros), those from elsewhere, per year and in total: "Vestfold now has 87 HHLR
/// instructors".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateStats {
    pub as_of: NaiveDate,
    /// The series' slug, when counted for one series.
    pub series: Option<String>,
    pub total: u64,
    pub municipalities: Vec<CertificateMunicipality>,
    /// Certificates of holders from municipalities outside the list, or none given.
    pub others: u64,
    pub by_year: Vec<CertificateYear>,
}

/// The counts of `organisation_id`'s certificates as of `as_of` (default: today in the
/// organisation's zone), in `series` if given.
pub async fn stats(
    db: &Db,
    organisation_id: Uuid,
    as_of: Option<NaiveDate>,
    series: Option<(Uuid, String)>,
    now: DateTime<Utc>,
) -> Result<CertificateStats, DbErr> {
    let zone = db::organisations::find(&db.conn, organisation_id)
        .await?
        .map(|o| period::zone(&o.time_zone))
        .unwrap_or(chrono_tz::Europe::Oslo);
    let as_of = as_of.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let next_day = as_of.succ_opt().unwrap_or(as_of);
    let valid_at = period::start_of_local_day(next_day, zone);
    // The list as it stands on the day: a municipality that joined later is not on it yet.
    let reference =
        crate::service::municipalities::valid_on(&db.conn, organisation_id, as_of).await?;
    let counts = db::certificates::counts(
        &db.conn,
        organisation_id,
        as_of,
        valid_at,
        series.as_ref().map(|s| s.0),
    )
    .await?;
    let matcher = crate::service::municipalities::matcher(&reference);
    let mut per = vec![0u64; reference.len()];
    let mut others = 0u64;
    let mut per_year: BTreeMap<i32, u64> = BTreeMap::new();
    for c in &counts {
        let n = c.certificates.max(0) as u64;
        *per_year.entry(year_of(c.issued_on)).or_default() += n;
        match c.municipality.as_deref().and_then(|m| matcher.place(m)) {
            Some(i) => per[i] += n,
            None => others += n,
        }
    }
    let mut cumulative = 0;
    let by_year = per_year
        .into_iter()
        .map(|(year, certificates)| {
            cumulative += certificates;
            CertificateYear {
                year,
                certificates,
                cumulative,
            }
        })
        .collect();
    Ok(CertificateStats {
        as_of,
        series: series.map(|s| s.1),
        total: cumulative,
        municipalities: reference
            .into_iter()
            .zip(per)
            .map(|(m, certificates)| CertificateMunicipality {
                name: m.name,
                region: m.region,
                certificates,
            })
            .collect(),
        others,
        by_year,
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[schema(as = CertificateImportReport)]
pub struct ImportReport {
    pub imported: u64,
    /// Lines that were already in the register (the same name, course and date imported
    /// before): a file sent twice adds nothing.
    pub already_there: u64,
}

/// Imports the certificates issued before Samling (`domain::certificates::parse_import`):
/// each gets a number of its year and a verification code, and counts as any other.
pub async fn import(
    db: &Db,
    by: &organiser::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, CertificateError> {
    let rows = rules::parse_import(text).map_err(file_problems)?;
    let organisation: organisation::Model = db::organisations::find(&db.conn, by.organisation_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let series: HashMap<String, Uuid> = db::series::of_organisation(&db.conn, organisation.id)
        .await?
        .into_iter()
        .map(|s| (s.slug, s.id))
        .collect();
    let mut problems = Vec::new();
    for row in &rows {
        if let Some(slug) = &row.series {
            if !series.contains_key(slug) {
                problems.push(LineProblem {
                    line: row.line,
                    problem: LineFault::Field {
                        field: "series",
                        problem: Problem::NoSuchSeries,
                    },
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(file_problems(problems));
    }
    let mut attempt = 0;
    let report = loop {
        attempt += 1;
        match import_once(db, &organisation, &series, &rows, now).await {
            Err(e) if db::violates(&e, Unique::CertificateNumber) && attempt < NUMBER_RETRIES => {
                continue
            }
            other => break other?,
        }
    };
    audit::record(
        db,
        Some(organisation.id),
        Who::Organiser(by),
        Action::CertificatesImported,
        "certificates imported",
        Some(report.imported as i64),
        now,
    )
    .await;
    Ok(report)
}

/// What makes two imported lines the same certificate: a file sent twice adds nothing.
/// (Once the names are gone, after the retention, a resent file is not recognised.)
type ImportKey = (String, String, NaiveDate, Option<String>);

/// One try at an import, in one transaction; numbers taken meanwhile surface as a unique
/// violation (the caller tries again).
async fn import_once(
    db: &Db,
    organisation: &organisation::Model,
    series: &HashMap<String, Uuid>,
    rows: &[rules::ImportedCertificate],
    now: DateTime<Utc>,
) -> Result<ImportReport, DbErr> {
    let tx = db.begin_write().await?;
    let mut seen: HashSet<ImportKey> =
        db::certificates::register(&*tx, organisation.id, &RegisterFilter::default())
            .await?
            .into_iter()
            .filter(|c| c.imported)
            .filter_map(|c| {
                let municipality = c.municipality.as_deref().map(match_key);
                Some((c.holder_name?, c.course, c.issued_on, municipality))
            })
            .collect();
    let mut report = ImportReport {
        imported: 0,
        already_there: 0,
    };
    let mut seqs: HashMap<i32, i32> = HashMap::new();
    let mut new = Vec::new();
    for row in rows {
        let key = (
            row.name.clone(),
            row.course.clone(),
            row.issued_on,
            row.municipality.as_deref().map(match_key),
        );
        if !seen.insert(key) {
            report.already_there += 1;
            continue;
        }
        let year = year_of(row.issued_on);
        let seq = match seqs.get_mut(&year) {
            Some(s) => s,
            None => {
                let last = db::certificates::last_seq(&*tx, organisation.id, year).await?;
                seqs.entry(year).or_insert(last)
            }
        };
        *seq += 1;
        new.push(certificate::Model {
            id: Uuid::now_v7(),
            organisation_id: organisation.id,
            number: rules::number(&rules::number_prefix(&organisation.slug), year, *seq),
            year,
            seq: *seq,
            code: crate::links::new_certificate_code(),
            event_id: None,
            registration_id: None,
            series_id: row.series.as_ref().and_then(|s| series.get(s).copied()),
            holder_name: Some(row.name.clone()),
            course: row.course.clone(),
            first_date: row.issued_on,
            last_date: row.issued_on,
            hours: None,
            municipality: row.municipality.clone(),
            language: Language::Nb,
            issued_on: row.issued_on,
            imported: true,
            revoked_at: None,
            replaces: None,
            anonymised_at: None,
            created_at: now,
        });
    }
    report.imported = new.len() as u64;
    db::certificates::insert_many(&*tx, new).await?;
    tx.commit().await?;
    Ok(report)
}

fn file_problems(lines: Vec<LineProblem>) -> CertificateError {
    CertificateError::Invalid(FieldErrors::one("file", Problem::FileLines(lines)))
}
