//! Pure rules and validated types. Nothing here touches the database or the network, so
//! every rule can be read (and tested) on its own.
mod rules;
mod types;

pub use rules::*;
pub use types::*;
