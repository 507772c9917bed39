//! Samling: event registration and calendar service for professional networks.
//!
//! Where things live: `domain` decides (pure rules), `service` does (one use case, one
//! transaction), `db` stores, `mail`/`calendar`/`export` render, `http` translates.
pub mod app;
pub mod bench;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod export;
pub mod format;
pub mod http;
pub mod links;
pub mod mail;
pub mod metrics;
pub mod scheduler;
pub mod service;
