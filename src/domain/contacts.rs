//! Sharing contact details with the other participants — the centres' GDPR pain: people ask
//! for each other's details after a gathering, and the centre may not hand them out. With
//! an explicit opt-in per registration, those who opted in see each other, and only them.
//!
//! The opt-in on the sign-up form is made by whoever typed the address, who need not be its
//! owner (a colleague signing up the whole team, or someone else entirely). So it is only a
//! wish; it counts once the owner confirmed it on their own page, which only the link in the
//! mail to that address opens.
use super::RegistrationStatus;

/// Whether a registration shares its details: wished (at sign-up) and confirmed by the
/// owner (on their page). Everything that shows or exports the choice asks this.
pub fn shares(wished: bool, confirmed: bool) -> bool {
    wished && confirmed
}

/// Whether the owner's page asks them to confirm a wish made at sign-up.
pub fn awaits_confirmation(wished: bool, confirmed: bool) -> bool {
    wished && !confirmed
}

/// Whether a participant sees the list of others who share: they opted in themselves, held
/// a seat, and the event has started (before that it is a list of strangers).
pub fn sees_shared_contacts(shares: bool, status: RegistrationStatus, event_started: bool) -> bool {
    shares && status == RegistrationStatus::Confirmed && event_started
}

/// Whether a registration appears on that list: it opted in and held a seat.
pub fn appears_in_shared_contacts(shares: bool, status: RegistrationStatus) -> bool {
    shares && status == RegistrationStatus::Confirmed
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegistrationStatus::*;

    #[test]
    fn only_those_who_opted_in_and_held_a_seat_after_the_start() {
        assert!(sees_shared_contacts(true, Confirmed, true));
        assert!(
            !sees_shared_contacts(true, Confirmed, false),
            "not before it starts"
        );
        assert!(
            !sees_shared_contacts(false, Confirmed, true),
            "not without opting in"
        );
        assert!(!sees_shared_contacts(true, Waitlisted, true));
        assert!(appears_in_shared_contacts(true, Confirmed));
        assert!(!appears_in_shared_contacts(false, Confirmed));
        assert!(!appears_in_shared_contacts(true, Cancelled));
    }

    #[test]
    fn the_sign_ups_choice_is_a_wish_until_the_owner_confirms() {
        assert!(!shares(true, false), "typed by anyone: not yet");
        assert!(shares(true, true));
        assert!(!shares(false, false));
        assert!(awaits_confirmation(true, false));
        assert!(!awaits_confirmation(true, true) && !awaits_confirmation(false, false));
    }
}
