//! Black-box tests: a real Samling over HTTP, a real SMTP server, SQLite and PostgreSQL.
mod helpers;

mod concurrency;
mod desk;
mod feeds;
mod input;
mod isolation;
mod mail;
mod mail_calendar;
mod signup;
mod stats;
