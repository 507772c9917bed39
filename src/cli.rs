//! The command line: `serve` (default), `migrate`, `organiser add|set-password|disable|enable|tokens|
//! revoke-token`, `municipalities import`, `demo`, `retention run`, `bench rush|feed|stats`.
use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::{Email, Slug};
use crate::service::audit::Who;
use crate::service::{municipalities, organisers};

/// Samling — event registration and calendar service.
#[derive(Debug, Parser)]
#[command(name = "samling", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve HTTP and deliver mail (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage organisers.
    Organiser {
        #[command(subcommand)]
        command: OrganiserCommand,
    },
    /// Manage an organisation's municipality reference list (for participation statistics).
    Municipalities {
        #[command(subcommand)]
        command: MunicipalitiesCommand,
    },
    /// Load a small demo centre (networks, upcoming events, Vestfold municipalities). Safe to repeat.
    Demo,
    /// Personal data past its time (see `retention_months` in config/default.toml).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Copy the SQLite database to FILE while the service runs (checked, then renamed into
    /// place). For PostgreSQL use pg_dump.
    Backup {
        /// A new file, e.g. backups/samling-2026-11-25.db.
        file: std::path::PathBuf,
    },
    /// Load tests of a running installation, over HTTP.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// Load tests. Sign-ups go to `…@bench.invalid` addresses, which are never mailed.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// A crowd signing up for a fresh event at once, then an oversell check through the API.
    Rush {
        /// The service (several: the crowd is spread over them).
        #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
        urls: Vec<String>,
        /// An organiser's API token (to create the event and read it back).
        #[arg(long, env = "SAMLING_BENCH_TOKEN")]
        token: String,
        /// Clients signing up at once.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Sign-ups in all.
        #[arg(long, default_value_t = 2000)]
        attempts: usize,
        /// Seats of the event (the rest go on the waiting list).
        #[arg(long, default_value_t = 100)]
        seats: usize,
        /// Refuse when full instead of keeping a waiting list.
        #[arg(long)]
        no_waitlist: bool,
        /// Stop after this many seconds whatever is left.
        #[arg(long, default_value_t = 120)]
        max_seconds: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Full and conditional (`If-None-Match`) requests of a calendar feed.
    Feed {
        /// The service.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The feed's path (e.g. `/feeds/networks/demens.ics`); without it, a new network
        /// with `--events` events is made (needs `--token`).
        #[arg(long)]
        path: Option<String>,
        #[arg(long, env = "SAMLING_BENCH_TOKEN")]
        token: Option<String>,
        #[arg(long, default_value_t = 5000)]
        events: usize,
        #[arg(long, default_value_t = 500)]
        requests: usize,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long)]
        json: bool,
    },
    /// Participation statistics requests.
    Stats {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, env = "SAMLING_BENCH_TOKEN")]
        token: String,
        /// The query, e.g. `year=2025` or `year=2025&format=xlsx`.
        #[arg(long, default_value = "format=json")]
        query: String,
        #[arg(long, default_value_t = 200)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long)]
        json: bool,
    },
}

/// Retention commands.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Remove personal data past its time now (the scheduler also does it daily) and say
    /// what was removed.
    Run {
        /// Only count what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Organiser commands.
#[derive(Debug, Subcommand)]
pub enum OrganiserCommand {
    /// Create an organiser (and the organisation if new); prints a new API token as the last line.
    Add {
        /// Organisation slug, e.g. usht-vestfold.
        #[arg(long)]
        organisation: String,
        /// The organiser's email address.
        #[arg(long)]
        email: String,
        /// The organiser's name.
        #[arg(long)]
        name: String,
        /// Organisation name when it is created (default: the slug).
        #[arg(long)]
        organisation_name: Option<String>,
        /// Give the organiser administrator rights.
        #[arg(long)]
        admin: bool,
        /// The address participants write to about the organisation's events (shown on its
        /// events, on refusals, and the Reply-To of its mails); "" clears it.
        #[arg(long)]
        contact_email: Option<String>,
    },
    /// Set the password for the organiser desk (/admin), read from standard input:
    /// `echo "$PASSWORD" | samling organiser set-password --email kari@example.no`.
    /// At least 12 characters, and not one of the 10,000 most common passwords.
    SetPassword {
        /// The organiser's email address.
        #[arg(long)]
        email: String,
    },
    /// Disable an organiser's account(s) with this address: no sign-in, their desk sessions
    /// end and every API token answers 401 until `enable`. Recorded in the audit log.
    Disable {
        /// The organiser's email address.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled organiser's account(s) again (their tokens work again).
    Enable {
        /// The organiser's email address.
        #[arg(long)]
        email: String,
    },
    /// List an organiser's API tokens (id, name, created, last used; never the token).
    Tokens {
        /// The organiser's email address.
        #[arg(long)]
        email: String,
    },
    /// Revoke an API token by its id (from `samling organiser tokens`); it answers 401 at once.
    RevokeToken {
        /// The token's id.
        id: uuid::Uuid,
    },
}

/// Municipality commands.
#[derive(Debug, Subcommand)]
pub enum MunicipalitiesCommand {
    /// Add or update municipalities from a `name;population;region` file (UTF-8 or Excel's
    /// Windows-1252 CSV; a header line is skipped). Nothing changes if any line is bad.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Organisation slug, e.g. usht-vestfold.
        #[arg(long)]
        organisation: String,
    },
}

/// Runs a command with loaded settings.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until(app::shutdown_signal()).await
        }
        Command::Backup { file } => {
            let Some(source) = crate::db::sqlite_file(settings.database.url.expose()) else {
                anyhow::bail!(
                    "samling backup copies a SQLite database. For PostgreSQL use its own tools: \
                     pg_dump --format=custom --file=samling.dump \"$SAMLING_DATABASE_URL\" \
                     (restore with pg_restore), or base backups with WAL archiving for \
                     point-in-time recovery (see README)"
                );
            };
            if !source.exists() {
                anyhow::bail!("there is no database at {}", source.display());
            }
            let db = Db::connect(settings.database.url.expose(), 1).await?;
            let backup = crate::db::backup::sqlite_into(&db, &file).await?;
            println!(
                "{} written: {} bytes, {} registrations, checked",
                backup.file.display(),
                backup.bytes,
                backup.registrations
            );
            Ok(())
        }
        Command::Migrate => {
            let db = open(&settings).await?;
            println!("migrations applied to {}", settings.database.url.redacted());
            drop(db);
            Ok(())
        }
        Command::Organiser {
            command:
                OrganiserCommand::Add {
                    organisation,
                    email,
                    name,
                    organisation_name,
                    admin,
                    contact_email,
                },
        } => {
            let slug =
                Slug::parse(&organisation).map_err(|e| anyhow::anyhow!("--organisation: {e}"))?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
                anyhow::bail!("--name: must be 1 to 200 characters on one line");
            }
            if let Some(typed) = contact_email.as_deref().filter(|c| !c.trim().is_empty()) {
                Email::parse(typed).map_err(|e| anyhow::anyhow!("--contact-email: {e}"))?;
            }
            let db = open(&settings).await?;
            let now = Clock::system().now();
            let (org, organiser) = organisers::add_organiser(
                &db,
                &slug,
                organisation_name.as_deref(),
                &email,
                name,
                admin,
                now,
            )
            .await?;
            if let Some(typed) = contact_email {
                organisers::set_contact_email(&db, Who::CommandLine, org.id, &typed, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("--contact-email: {e}"))?;
            }
            let (token, _) =
                organisers::create_token(&db, Who::CommandLine, &organiser, None, now).await?;
            println!(
                "organiser {} of {} is ready; API token (shown once):",
                organiser.email, org.slug
            );
            println!("{token}");
            Ok(())
        }
        Command::Organiser {
            command: OrganiserCommand::SetPassword { email },
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| {
                anyhow::anyhow!("cannot read the password from standard input: {e}")
            })?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let db = open(&settings).await?;
            let reset = organisers::set_password(&db, &email, password, Clock::system().now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "password set for {} account(s) of {email}; their sessions were ended; \
                 {} API token(s) made at the desk were revoked (tokens from `organiser add` \
                 still work: `samling organiser tokens --email {email}`)",
                reset.accounts, reset.tokens_revoked
            );
            Ok(())
        }
        Command::Organiser {
            command: OrganiserCommand::Disable { email },
        } => disable_organiser(&settings, &email, true).await,
        Command::Organiser {
            command: OrganiserCommand::Enable { email },
        } => disable_organiser(&settings, &email, false).await,

        Command::Organiser {
            command: OrganiserCommand::Tokens { email },
        } => {
            let db = open(&settings).await?;
            let accounts = db::organisations::organisers_by_email(
                &db.conn,
                &crate::domain::normalize_email(&email),
            )
            .await?;
            if accounts.is_empty() {
                anyhow::bail!("no organiser has the address {email}");
            }
            let ids: Vec<uuid::Uuid> = accounts.iter().map(|o| o.id).collect();
            let tokens = db::organisations::tokens_of(&db.conn, &ids).await?;
            println!("id\tname\tcreated\tlast used");
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}",
                    t.id,
                    t.label.as_deref().unwrap_or("-"),
                    t.created_at.format("%Y-%m-%d %H:%M UTC"),
                    t.last_used_at.map_or("never".to_string(), |u| u
                        .format("%Y-%m-%d %H:%M UTC")
                        .to_string())
                );
            }
            Ok(())
        }
        Command::Organiser {
            command: OrganiserCommand::RevokeToken { id },
        } => {
            let db = open(&settings).await?;
            match organisers::revoke_token(&db, Who::CommandLine, id, Clock::system().now()).await {
                Ok(()) => {}
                Err(organisers::AccountError::NotFound) => {
                    anyhow::bail!("no token has the id {id}")
                }
                Err(e) => return Err(e.into()),
            }
            println!("token {id} revoked");
            Ok(())
        }
        Command::Municipalities {
            command: MunicipalitiesCommand::Import { file, organisation },
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let rows =
                municipalities::parse(&municipalities::decode(&bytes)).map_err(|errors| {
                    anyhow::anyhow!(
                        "{} was not imported (nothing changed):\n  {}",
                        file.display(),
                        errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("\n  ")
                    )
                })?;
            let db = open(&settings).await?;
            let org = db::organisations::find_by_slug(&db.conn, &organisation)
                .await?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no organisation {organisation:?}; create it with `samling organiser add`"
                    )
                })?;
            let report = municipalities::import(&db, org.id, &rows).await?;
            println!(
                "{}: {} added, {} updated, {} unchanged",
                org.slug, report.added, report.updated, report.unchanged
            );
            Ok(())
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run },
        } => {
            let db = open(&settings).await?;
            let report = crate::service::privacy::run_retention(
                &db,
                settings.retention.months,
                settings.retention.cancelled_days,
                Clock::system().now(),
                dry_run,
            )
            .await?;
            let certificates = crate::service::privacy::run_certificate_retention(
                &db,
                settings.retention.certificate_years,
                Clock::system().now(),
                dry_run,
            )
            .await?;
            if dry_run {
                println!(
                    "dry run: {} registrations would lose their personal data (older than {} months after the event, or cancelled more than {} days ago)",
                    report.registrations_anonymised, settings.retention.months, settings.retention.cancelled_days
                );
                println!(
                    "dry run: {certificates} course certificates would lose their holder's name (issued more than {} years ago)",
                    settings.retention.certificate_years
                );
            } else {
                println!(
                    "{} registrations anonymised, {} mails scrubbed, {} personal feeds deleted, {} audit entries deleted, {} evaluation comments deleted",
                    report.registrations_anonymised,
                    report.mails_scrubbed,
                    report.personal_feeds_deleted,
                    report.audit_entries_deleted,
                    report.evaluation_comments_deleted
                );
                println!(
                    "{certificates} course certificates lost their holder's name (issued more than {} years ago; still counted)",
                    settings.retention.certificate_years
                );
            }
            Ok(())
        }
        Command::Bench { command } => bench(command).await,
        Command::Demo => {
            let db = open(&settings).await?;
            let summary = crate::demo::load(&db, Clock::system().now()).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(settings.database.url.expose(), 2).await?;
    db.migrate().await?;
    Ok(db)
}

fn print_report<T: serde::Serialize>(json: bool, report: &T, text: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        println!("{text}");
    }
    Ok(())
}

fn latency_line(l: &crate::bench::Latency) -> String {
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        l.p50, l.p95, l.p99, l.max
    )
}

async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    use crate::bench;
    match command {
        BenchCommand::Rush {
            urls,
            token,
            clients,
            attempts,
            seats,
            no_waitlist,
            max_seconds,
            json,
        } => {
            let rush = bench::Rush {
                urls,
                token,
                clients: clients.clamp(1, 1024),
                attempts: attempts.min(1_000_000),
                seats,
                waitlist: !no_waitlist,
                max_time: std::time::Duration::from_secs(max_seconds),
            };
            let r = rush.run().await?;
            let o = &r.outcomes;
            let check = if r.problems.is_empty() {
                "ok: no oversell, no lost or doubled registration, waiting list 1…n".to_string()
            } else {
                format!("FAILED: {}", r.problems.join("; "))
            };
            print_report(
                json,
                &r,
                format!(
                    "event {}\n{} sign-ups from {} clients in {:.2} s: {:.0}/s\nlatency {}\nconfirmed {}, waitlisted {}, refused {}, limited {}, errors {}\ncheck {check}",
                    r.event, r.attempts, r.clients, r.seconds, r.per_second,
                    latency_line(&r.latency_ms), o.confirmed, o.waitlisted, o.refused, o.limited, o.errors
                ),
            )?;
            if !r.problems.is_empty() {
                anyhow::bail!("the oversell check failed");
            }
            Ok(())
        }
        BenchCommand::Feed {
            url,
            path,
            token,
            events,
            requests,
            clients,
            json,
        } => {
            let feed_url = match path {
                Some(p) => format!("{}{p}", url.trim_end_matches('/')),
                None => {
                    let token = token.ok_or_else(|| {
                        anyhow::anyhow!("--token is needed to make a feed (or give --path)")
                    })?;
                    bench::seed_feed(&url, &token, events.min(100_000), clients).await?
                }
            };
            let r = bench::feed(&feed_url, requests.min(1_000_000), clients.clamp(1, 1024)).await?;
            print_report(
                json,
                &r,
                format!(
                    "{} ({} bytes)\nfirst:       {:.1} ms (cold unless asked for before)\n\
                     again:       {:.1} ms (one client, p50)\n\
                     full:        {:.0}/s, {}\nconditional: {:.0}/s, {}",
                    r.url,
                    r.bytes,
                    r.first_ms,
                    r.repeat_ms,
                    r.full_per_second,
                    latency_line(&r.full_latency_ms),
                    r.conditional_per_second,
                    latency_line(&r.conditional_latency_ms)
                ),
            )
        }
        BenchCommand::Stats {
            url,
            token,
            query,
            requests,
            clients,
            json,
        } => {
            let r = bench::stats(
                &url,
                &token,
                &query,
                requests.min(1_000_000),
                clients.clamp(1, 256),
            )
            .await?;
            print_report(
                json,
                &r,
                format!(
                    "{}\n{:.0}/s, {}",
                    r.url,
                    r.per_second,
                    latency_line(&r.latency_ms)
                ),
            )
        }
    }
}

/// `samling organiser disable|enable --email EMAIL`.
async fn disable_organiser(settings: &Settings, email: &str, disable: bool) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let accounts = organisers::organisers_by_email(&db, email).await?;
    let n = organisers::set_disabled(
        &db,
        Who::CommandLine,
        &accounts,
        disable,
        Clock::system().now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if disable {
        println!(
            "{n} account(s) of {email} disabled: no sign-in, sessions ended, API tokens refused"
        );
    } else {
        println!("{n} account(s) of {email} enabled again");
    }
    Ok(())
}
