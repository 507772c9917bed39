//! `samling`: command line → configuration → run.
use clap::Parser;
use samling::{cli, config::Settings};
use tracing_subscriber::EnvFilter;

/// Crates whose debug lines carry what must not be logged (rendered pages and mails with
/// their links, SQL with its parameters); they log warnings only, whatever `SAMLING_LOG` says.
const QUIET_CRATES: &str = "handlebars=warn,sqlx=warn,sea_orm=warn,lettre=warn,hyper=warn";

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // `log` was checked with the settings; the quiet crates are ours.
    let filter = match EnvFilter::try_new(format!("{},{QUIET_CRATES}", settings.log.filter)) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("configuration error: log (SAMLING_LOG): {e}");
            std::process::exit(2);
        }
    };
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log.json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
    if let Err(e) = cli::run(cli, settings).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
