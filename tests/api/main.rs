//! Black-box tests: a real Samling over HTTP, a real SMTP server, SQLite and PostgreSQL.
mod helpers;

mod concurrency;
mod core;
mod desk;
mod desk_pages;
mod edge;
mod faults;
mod feeds;
mod fuzz;
mod input;
mod isolation;
mod mail;
mod mail_calendar;
mod openapi;
mod operations;
mod organisation;
mod pages;
mod paging;
mod paths;
mod privacy;
mod roles;
mod safety;
mod scale;
mod secrets;
mod signup;
mod stats;
