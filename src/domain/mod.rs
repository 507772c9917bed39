//! Pure rules and validated types. Nothing here touches the database or the network, so
//! every rule can be read (and tested) on its own, and the API, the pages, the mail and
//! the scheduler all ask the same function.
//!
//! Where to look:
//! - `access`: what an organiser (or an administrator) may do;
//! - `signup`: is the event open, is there a seat, what the public sees ("3 seats left");
//! - `cancellation`: may this registration be cancelled now?
//! - `visibility`: may this viewer see this event, by id or in a list?
//! - `notices`: who gets which mail, who sees a join link, which calendar messages and
//!   SEQUENCE numbers, who gets a reminder;
//! - `retention`: how long personal data is kept;
//! - `period`: time zones, local dates and reporting periods;
//! - `passwords`: what an organiser's password must be, how long a desk session lasts;
//! - `attendance`: what the per-session marks add up to;
//! - `contacts`: who sees whose contact details;
//! - `roles`: the roles a participant can give;
//! - `evaluations`: the questions after an event, who is invited, what results show;
//! - `programmes`: who has completed a course, which events and sessions a period held;
//! - `certificates`: who gets a course certificate and when, its number, the import;
//! - `reference`: which municipality a typed place is (aliases) and when it is on the list;
//! - `problems`: what is wrong with a field, as a type (worded by the API and the pages);
//! - `types`: validated values (Email, Slug, statuses, languages).
pub mod access;
pub mod attendance;
pub mod cancellation;
pub mod certificates;
pub mod contacts;
pub mod evaluations;
pub mod notices;
pub mod passwords;
pub mod period;
pub mod problems;
pub mod programmes;
pub mod reference;
pub mod retention;
pub mod roles;
pub mod signup;
mod types;
pub mod visibility;

pub use attendance::summarize_attendance;
pub use cancellation::{may_cancel, CancelRefusal};
pub use notices::MailKind;
pub use signup::{
    seats_left, seats_to_fill, unconfirmed_expired, Availability, MailCheck, SeatDecision, Seats,
    SignupRefusal, SignupWindow,
};
pub use types::*;
