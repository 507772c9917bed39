//! The use cases: what the API, the pages, the CLI and the scheduler ask Samling to do.
//! Each write is one transaction that asks `domain` to decide and `db` to store, and
//! queues the mails the change causes in the same transaction.
pub mod attendance;
pub mod audit;
pub mod certificates;
pub mod downloads;
pub mod evaluations;
pub mod events;
pub mod municipalities;
pub mod network_stats;
pub mod networks;
pub mod organisers;
pub mod participants;
pub mod privacy;
pub mod programmes;
pub mod registration;
pub mod reminders;
pub mod roles;
pub mod signup_input;
pub mod stats;
