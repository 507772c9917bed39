//! Database migrations for Samling. One migration per change; never edit one that has landed.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_reminders_and_link_keys;
mod m20261123_000003_participant_feeds;
mod m20261123_000004_session_attendance;
mod m20261125_000005_links_and_mail_facts;
mod m20261125_000006_audience_and_submissions;
mod m20261125_000007_organiser_desk;
mod m20261125_000008_privacy;
mod m20261125_000009_feed_generation;
mod m20261203_000010_organiser_disable_and_token_origin;
mod m20261203_000011_contact_sharing_confirmed;
mod m20261203_000012_signup_checks;
mod m20261204_000013_organisation_contact;
mod m20261204_000014_roles;
mod m20261204_000015_recordings;
mod m20261206_000016_evaluations;
mod m20261206_000017_series_and_completion;
mod m20261206_000018_certificates;
mod m20261207_000019_planned_sessions;
mod m20261207_000020_reference_aliases;

/// Applies Samling's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_reminders_and_link_keys::Migration),
            Box::new(m20261123_000003_participant_feeds::Migration),
            Box::new(m20261123_000004_session_attendance::Migration),
            Box::new(m20261125_000005_links_and_mail_facts::Migration),
            Box::new(m20261125_000006_audience_and_submissions::Migration),
            Box::new(m20261125_000007_organiser_desk::Migration),
            Box::new(m20261125_000008_privacy::Migration),
            Box::new(m20261125_000009_feed_generation::Migration),
            Box::new(m20261203_000010_organiser_disable_and_token_origin::Migration),
            Box::new(m20261203_000011_contact_sharing_confirmed::Migration),
            Box::new(m20261203_000012_signup_checks::Migration),
            Box::new(m20261204_000013_organisation_contact::Migration),
            Box::new(m20261204_000014_roles::Migration),
            Box::new(m20261204_000015_recordings::Migration),
            Box::new(m20261206_000016_evaluations::Migration),
            Box::new(m20261206_000017_series_and_completion::Migration),
            Box::new(m20261206_000018_certificates::Migration),
            Box::new(m20261207_000019_planned_sessions::Migration),
            Box::new(m20261207_000020_reference_aliases::Migration),
        ]
    }
}
