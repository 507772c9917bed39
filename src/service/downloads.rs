//! What organisers download: an event's attendee list and the participation statistics,
//! as files (or the statistics as a table for JSON), each written to the audit log with how
//! much it holds. The API and the desk are two thin callers of these functions.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::DbErr;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::entities::organiser;
use crate::db::events::EventContext;
use crate::db::{self, stats::StatsScope, Db};
use crate::domain::period::{self, ReportingPeriod};
use crate::domain::{EventKind, FieldErrors, Problem, RegistrationStatus};
use crate::export::{self, attendee_list, chart, participation, Delimiter, Table};
use crate::service::audit::{self, Action, Who};
use crate::service::evaluations::{self, AcrossEvents, Results};
use crate::service::programmes::{self, EventsHeld};
use crate::service::stats::{self, Participation};

/// Why a download could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("invalid query")]
    Invalid(FieldErrors),
    /// The organisation, or the network or event asked for, is not the organiser's.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The file could not be written (a workbook error).
    #[error("the file could not be made: {0}")]
    File(String),
}

/// A file to hand over: its format, the name's stem (the extension follows the format),
/// and its bytes.
pub struct File {
    pub format: Format,
    pub stem: String,
    pub body: Vec<u8>,
}

/// The statistics as asked: the table itself (JSON) or a file.
pub enum StatsAnswer {
    Table(Box<Participation>),
    File(File),
}

/// The format of a download: the participation statistics in any, an attendee list in CSV
/// or XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Svg,
}

impl Format {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Svg => "svg",
        }
    }
}

impl Format {
    /// The format `raw` names among `allowed` (none: JSON); anything else is a problem of
    /// the `format` field naming the choices.
    pub fn parse(raw: Option<&str>, allowed: &[Format], errors: &mut FieldErrors) -> Format {
        let Some(raw) = raw else {
            return Format::Json;
        };
        match allowed.iter().find(|f| f.extension() == raw) {
            Some(f) => *f,
            None => {
                let names: Vec<&str> = allowed.iter().map(|f| f.extension()).collect();
                errors.insert("format", Problem::choice(&names));
                Format::Json
            }
        }
    }
}

/// The CSV separator asked for (`semicolon`, the default, or `comma`).
pub fn parse_delimiter(raw: Option<&str>, errors: &mut FieldErrors) -> Delimiter {
    match raw {
        None | Some("semicolon") => Delimiter::Semicolon,
        Some("comma") => Delimiter::Comma,
        Some(_) => {
            errors.insert("delimiter", Problem::choice(&["semicolon", "comma"]));
            Delimiter::Semicolon
        }
    }
}

/// Builds a workbook off the async runtime (it is CPU work: a big list takes a while).
async fn xlsx(tables: Vec<Table>) -> Result<Vec<u8>, DownloadError> {
    tokio::task::spawn_blocking(move || export::to_xlsx(&tables))
        .await
        .map_err(|e| DownloadError::File(e.to_string()))?
        .map_err(|e| DownloadError::File(e.to_string()))
}

/// The attendee list of an event (`ctx`, the organiser's own) as a CSV or XLSX file,
/// written to the audit log with its row count.
pub async fn attendee_list(
    db: &Db,
    by: &organiser::Model,
    ctx: &EventContext,
    status: Option<RegistrationStatus>,
    format: Format,
    delimiter: Delimiter,
    now: DateTime<Utc>,
) -> Result<File, DownloadError> {
    let (table, stem) = attendee_list::load(db, ctx, status).await?;
    let rows = table.rows.len() as i64;
    let body = match format {
        Format::Xlsx => xlsx(vec![table]).await?,
        _ => export::to_csv(&table, delimiter),
    };
    let subject = format!(
        "{} ({}, {})",
        ctx.event.title,
        format.extension(),
        ctx.event.id
    );
    audit::record(
        db,
        Some(ctx.organisation.id),
        Who::Organiser(by),
        Action::AttendeeListDownload,
        &subject,
        Some(rows),
        now,
    )
    .await;
    Ok(File { format, stem, body })
}

/// Query of the participation statistics. Dates are the organisation's local dates, both
/// ends included; `year` is a shorthand for 1 January to 31 December.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day (the organisation's local date), included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Last day (the organisation's local date), included; not before `from`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// A calendar year: 1 January to 31 December (`from` and `to` narrow it).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// Only this network's events (its slug; 404 for another organisation's).
    pub network: Option<String>,
    /// Only this event (404 for another organisation's).
    #[param(value_type = Option<uuid::Uuid>)]
    pub event: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<crate::domain::EventKind>)]
    pub kind: Option<String>,
    /// Only this series' events (its slug; 404 for one the organisation does not have).
    pub series: Option<String>,
    /// The answer's format (default `json`).
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
    /// CSV field separator (default `semicolon`).
    #[param(value_type = Option<Delimiter>, inline)]
    pub delimiter: Option<String>,
    /// Which table a CSV holds: municipalities (default), regions or events.
    #[param(value_type = Option<CsvTable>, inline)]
    pub table: Option<String>,
    /// `role`: also one row per role of the organisation's list (zeros included) and
    /// "Ikke oppgitt" (JSON `roles`; the CSV is that table). Default `municipality`.
    #[param(value_type = Option<Breakdown>, inline)]
    pub by: Option<String>,
    /// `true`: every row and the totals also give `people`, the distinct addresses among
    /// the participants (someone at three events counts once); a "Personer" column in the
    /// files. Default `false`: it costs a scan of the registrations per table.
    #[param(value_type = Option<bool>)]
    pub people: Option<String>,
}

/// What the statistics are broken down by besides the municipalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Breakdown {
    Municipality,
    Role,
}

/// Which table a statistics CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CsvTable {
    Municipalities,
    Regions,
    Events,
}

/// A checked query.
pub struct StatsRequest {
    pub period: ReportingPeriod,
    pub network: Option<String>,
    pub event_id: Option<Uuid>,
    pub kind: Option<EventKind>,
    pub series: Option<String>,
    pub format: Format,
    pub delimiter: Delimiter,
    pub table: CsvTable,
    pub by: Breakdown,
    pub people: bool,
}

impl StatsQuery {
    /// Every problem at once, by field.
    pub fn check(self, forced: Option<Format>) -> Result<StatsRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let period = ReportingPeriod::parse(
            self.year.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            &mut errors,
        );
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => EventKind::parse(k).or_else(|| {
                errors.insert(
                    "kind",
                    Problem::choice(&["gathering", "webinar", "conference", "course"]),
                );
                None
            }),
        };
        let format = forced.unwrap_or_else(|| {
            let all = [Format::Json, Format::Csv, Format::Xlsx, Format::Svg];
            Format::parse(self.format.as_deref(), &all, &mut errors)
        });
        let delimiter = parse_delimiter(self.delimiter.as_deref(), &mut errors);
        let table = match self.table.as_deref() {
            None | Some("municipalities") => CsvTable::Municipalities,
            Some("regions") => CsvTable::Regions,
            Some("events") => CsvTable::Events,
            Some(_) => {
                errors.insert(
                    "table",
                    Problem::choice(&["municipalities", "regions", "events"]),
                );
                CsvTable::Municipalities
            }
        };
        let by = match self.by.as_deref() {
            None | Some("municipality") => Breakdown::Municipality,
            Some("role") if format == Format::Svg => {
                // The chart is per 1,000 inhabitants: a municipality's measure.
                errors.insert("by", Problem::choice(&["municipality"]));
                Breakdown::Municipality
            }
            Some("role") => Breakdown::Role,
            Some(_) => {
                errors.insert("by", Problem::choice(&["municipality", "role"]));
                Breakdown::Municipality
            }
        };
        let people = match self.people.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                errors.insert("people", Problem::choice(&["true", "false"]));
                false
            }
        };
        let event_id = self.event.as_deref().and_then(|raw| {
            Uuid::parse_str(raw)
                .map_err(|_| errors.insert("event", Problem::NotAnEventId))
                .ok()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StatsRequest {
            period,
            network: self.network,
            event_id,
            kind,
            series: self.series,
            format,
            delimiter,
            table,
            by,
            people,
        })
    }
}

/// "Deltakelse USHT Vestfold Demensnettverket 2025".
fn file_stem(organisation: &str, network: Option<&str>, request: &StatsRequest) -> String {
    let mut stem = format!("Deltakelse {organisation}");
    if let Some(network) = network {
        stem.push_str(&format!(" {network}"));
    }
    if let Some(year) = request.period.year {
        stem.push_str(&format!(" {year}"));
    } else {
        if let Some(f) = request.period.from {
            stem.push_str(&format!(" fra {f}"));
        }
        if let Some(t) = request.period.to {
            stem.push_str(&format!(" til {t}"));
        }
    }
    stem
}

/// A checked statistics request and the table it asks for.
pub struct Prepared {
    pub table: Participation,
    request: StatsRequest,
    pub stem: String,
    /// The organisation's zone, which the period's dates are in.
    pub tz: Tz,
}

impl Prepared {
    /// The answer in the asked format (the table for JSON; CSV, XLSX or SVG as a file),
    /// written to the audit log with the number of participants it counts.
    pub async fn answer(
        self,
        db: &Db,
        by: &organiser::Model,
        now: DateTime<Utc>,
    ) -> Result<StatsAnswer, DownloadError> {
        let subject = format!("{} ({})", self.stem, self.request.format.extension());
        let participants = self.table.totals.counts.participants as i64;
        let answer = self.into_answer().await?;
        audit::record(
            db,
            None,
            Who::Organiser(by),
            Action::StatisticsDownload,
            &subject,
            Some(participants),
            now,
        )
        .await;
        Ok(answer)
    }

    /// The answer for the desk's own statistics page (its chart): viewing is not a
    /// download, so nothing is written to the audit log.
    pub async fn show(self) -> Result<StatsAnswer, DownloadError> {
        self.into_answer().await
    }

    async fn into_answer(self) -> Result<StatsAnswer, DownloadError> {
        let Prepared {
            table,
            request,
            stem,
            tz,
        } = self;
        let file = |body| {
            Ok(StatsAnswer::File(File {
                format: request.format,
                stem: stem.clone(),
                body,
            }))
        };
        match request.format {
            Format::Json => Ok(StatsAnswer::Table(Box::new(table))),
            Format::Csv => {
                let sheet = match request.table {
                    _ if request.by == Breakdown::Role => participation::roles(&table),
                    CsvTable::Municipalities => participation::municipalities(&table),
                    CsvTable::Regions => participation::regions(&table),
                    CsvTable::Events => participation::events(&table, tz),
                };
                file(export::to_csv(&sheet, request.delimiter))
            }
            Format::Xlsx => {
                let sheets = vec![
                    participation::municipalities(&table),
                    participation::regions(&table),
                    participation::events(&table, tz),
                    participation::roles(&table),
                ];
                file(xlsx(sheets).await?)
            }
            Format::Svg => {
                let title = format!("{stem}: deltakere per 1000 innbyggere");
                file(chart::per_1000_chart(&table, &title).into_bytes())
            }
        }
    }
}

/// What a checked query covers, for `organisation_id`: the scope the database counts, the
/// organisation (its zone: the period's dates are in it) and the network asked for.
struct Covered {
    scope: StatsScope,
    organisation: crate::db::entities::organisation::Model,
    network: Option<crate::db::entities::network::Model>,
    tz: Tz,
}

async fn covered(
    db: &Db,
    organisation_id: Uuid,
    request: &StatsRequest,
    now: DateTime<Utc>,
) -> Result<Covered, DownloadError> {
    let organisation = db::organisations::find(&db.conn, organisation_id)
        .await?
        .ok_or(DownloadError::NotFound)?;
    let tz = period::zone(&organisation.time_zone);
    let network = match request.network.as_deref() {
        None => None,
        Some(slug) => Some(
            crate::service::networks::of_organisation(db, organisation.id, slug)
                .await?
                .ok_or(DownloadError::NotFound)?,
        ),
    };
    if let Some(id) = request.event_id {
        crate::service::events::of_organisation(db, organisation.id, id)
            .await?
            .ok_or(DownloadError::NotFound)?;
    }
    let series = match request.series.as_deref() {
        None => None,
        Some(slug) => Some(
            db::series::find_by_slug(&db.conn, organisation.id, slug)
                .await?
                .ok_or(DownloadError::NotFound)?,
        ),
    };
    let (from, until) = request.period.utc_range(tz);
    let scope = StatsScope {
        organisation_id: organisation.id,
        from,
        until,
        network_id: network.as_ref().map(|n| n.id),
        event_id: request.event_id,
        kind: request.kind,
        series_id: series.map(|s| s.id),
        now,
    };
    Ok(Covered {
        scope,
        organisation,
        network,
        tz,
    })
}

/// Checks a statistics query for `organisation_id` and counts the table (the API's and the
/// desk's page and downloads).
pub async fn prepare(
    db: &Db,
    organisation_id: Uuid,
    query: StatsQuery,
    forced: Option<Format>,
    now: DateTime<Utc>,
) -> Result<Prepared, DownloadError> {
    let request = query.check(forced).map_err(DownloadError::Invalid)?;
    let Covered {
        scope,
        organisation,
        network,
        tz,
    } = covered(db, organisation_id, &request, now).await?;
    // A workbook holds every table, the role table included.
    let with_roles = request.by == Breakdown::Role || request.format == Format::Xlsx;
    let table = stats::compute(db, &scope, &request.period, with_roles, request.people).await?;
    let stem = file_stem(
        &organisation.name,
        network.as_ref().map(|n| n.name.as_str()),
        &request,
    );
    Ok(Prepared {
        table,
        request,
        stem,
        tz,
    })
}

/// The formats of tables without a chart (evaluations).
pub const TABLE_FORMATS: [Format; 3] = [Format::Json, Format::Csv, Format::Xlsx];

/// A table as asked: the table itself (JSON) or a file.
pub enum TableAnswer<T> {
    Table(Box<T>),
    File(File),
}

/// The evaluations of a period as asked.
pub type EvaluationsAnswer = TableAnswer<AcrossEvents>;

/// The events a period held, as asked: JSON, CSV (per event) or XLSX (per event and per
/// network and kind); files are written to the audit log with the number of events held.
pub async fn events_held(
    db: &Db,
    by: &organiser::Model,
    query: StatsQuery,
    now: DateTime<Utc>,
) -> Result<TableAnswer<EventsHeld>, DownloadError> {
    let (request, covered) = checked_tables(db, by.organisation_id, query, now).await?;
    let table = programmes::compute_events_held(db, &covered.scope).await?;
    if request.format == Format::Json {
        return Ok(TableAnswer::Table(Box::new(table)));
    }
    let stem = file_stem(
        &covered.organisation.name,
        covered.network.as_ref().map(|n| n.name.as_str()),
        &request,
    )
    .replacen("Deltakelse", "Arrangementer", 1);
    let body = match request.format {
        Format::Xlsx => {
            xlsx(vec![
                export::events_held::events(&table, covered.tz),
                export::events_held::networks(&table),
            ])
            .await?
        }
        _ => export::to_csv(
            &export::events_held::events(&table, covered.tz),
            request.delimiter,
        ),
    };
    audit::record(
        db,
        None,
        Who::Organiser(by),
        Action::StatisticsDownload,
        &format!("{stem} ({})", request.format.extension()),
        Some(table.totals.events_held as i64),
        now,
    )
    .await;
    Ok(TableAnswer::File(File {
        format: request.format,
        stem,
        body,
    }))
}

/// Checks a query for a table without a chart (JSON, CSV or XLSX) and what it covers.
async fn checked_tables(
    db: &Db,
    organisation_id: Uuid,
    query: StatsQuery,
    now: DateTime<Utc>,
) -> Result<(StatsRequest, Covered), DownloadError> {
    let mut errors = FieldErrors::new();
    Format::parse(query.format.as_deref(), &TABLE_FORMATS, &mut errors);
    if !errors.is_empty() {
        return Err(DownloadError::Invalid(errors));
    }
    let request = query.check(None).map_err(DownloadError::Invalid)?;
    let covered = covered(db, organisation_id, &request, now).await?;
    Ok((request, covered))
}

/// The evaluations of the events a statistics query covers (`at_least`: one cut-off for
/// every scale question), as JSON or as a CSV (per event) or XLSX (per event and per
/// question) file; files are written to the audit log.
pub async fn evaluations(
    db: &Db,
    by: &organiser::Model,
    query: StatsQuery,
    at_least: Option<i64>,
    min_respondents: u64,
    now: DateTime<Utc>,
) -> Result<EvaluationsAnswer, DownloadError> {
    let (
        request,
        Covered {
            scope,
            organisation,
            network,
            tz,
        },
    ) = checked_tables(db, by.organisation_id, query, now).await?;
    let table = evaluations::across(
        db,
        &scope,
        at_least,
        min_respondents,
        crate::domain::Language::Nb,
    )
    .await?;
    if request.format == Format::Json {
        return Ok(TableAnswer::Table(Box::new(table)));
    }
    let stem = file_stem(
        &organisation.name,
        network.as_ref().map(|n| n.name.as_str()),
        &request,
    )
    .replacen("Deltakelse", "Evalueringer", 1);
    let body = match request.format {
        Format::Xlsx => {
            xlsx(vec![
                export::evaluations::events(&table, tz),
                export::evaluations::pooled(&table),
            ])
            .await?
        }
        _ => export::to_csv(&export::evaluations::events(&table, tz), request.delimiter),
    };
    audit::record(
        db,
        None,
        Who::Organiser(by),
        Action::StatisticsDownload,
        &format!("{stem} ({})", request.format.extension()),
        Some(table.respondents as i64),
        now,
    )
    .await;
    Ok(TableAnswer::File(File {
        format: request.format,
        stem,
        body,
    }))
}

/// One event's evaluation results as a file: CSV (the summary per question) or XLSX (the
/// summary, the answers per value, the respondents and the comments), written to the audit
/// log with the number of respondents.
pub async fn evaluation_results(
    db: &Db,
    by: &organiser::Model,
    results: &Results,
    format: Format,
    delimiter: Delimiter,
    now: DateTime<Utc>,
) -> Result<File, DownloadError> {
    use export::evaluations as sheets;
    let body = match format {
        Format::Xlsx => {
            xlsx(vec![
                sheets::summary(results),
                sheets::answers(results),
                sheets::respondents(results),
                sheets::comments(results),
            ])
            .await?
        }
        _ => export::to_csv(&sheets::summary(results), delimiter),
    };
    let stem = format!("Evaluering {}", results.title);
    audit::record(
        db,
        Some(by.organisation_id),
        Who::Organiser(by),
        Action::StatisticsDownload,
        &format!("{stem} ({}, {})", format.extension(), results.event_id),
        Some(results.respondents as i64),
        now,
    )
    .await;
    Ok(File { format, stem, body })
}
