//! The command line: `serve` (default), `migrate`, `organiser add`, `demo`.
use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::{Email, Slug};
use crate::tokens;

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
    /// Load a small demo centre (networks, upcoming events, Vestfold municipalities). Safe to repeat.
    Demo,
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
    },
}

/// Runs a command with loaded settings.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until(app::shutdown_signal()).await
        }
        Command::Migrate => {
            let db = open(&settings).await?;
            println!(
                "migrations applied to {}",
                app::redact(&settings.database_url)
            );
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
                },
        } => {
            let slug =
                Slug::parse(&organisation).map_err(|e| anyhow::anyhow!("--organisation: {e}"))?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
                anyhow::bail!("--name: must be 1 to 200 characters on one line");
            }
            let db = open(&settings).await?;
            let tx = db.begin_write().await?;
            let org = db::organisations::get_or_create(
                &*tx,
                slug.as_str(),
                organisation_name.as_deref().unwrap_or(slug.as_str()),
            )
            .await?;
            let organiser =
                db::organisations::upsert_organiser(&*tx, org.id, &email.normalized(), name, admin)
                    .await?;
            let token = tokens::new_token();
            db::organisations::add_token(&*tx, organiser.id, &tokens::hash(&token)).await?;
            tx.commit().await?;
            println!(
                "organiser {} of {} is ready; API token (shown once):",
                organiser.email, org.slug
            );
            println!("{token}");
            Ok(())
        }
        Command::Demo => {
            let db = open(&settings).await?;
            let summary = crate::demo::load(&db).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url, 2).await?;
    db.migrate().await?;
    Ok(db)
}
