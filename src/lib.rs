//! Samling: event registration and calendar service for professional networks.
pub mod app;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod events;
pub mod http;
pub mod mail;
pub mod registration;
pub mod reminders;
pub mod scheduler;
pub mod tokens;
