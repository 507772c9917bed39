//! Sharing contact details with the other participants — the centres' GDPR pain: people ask
//! for each other's details after a gathering, and the centre may not hand them out. With
//! an explicit opt-in per registration, those who opted in see each other, and only them.
use super::RegistrationStatus;

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
}
