//! Who is told what: which mail a change sends to whom, who may see a webinar's join link,
//! which calendar messages go with a mail and with which SEQUENCE, and who is reminded.
//!
//! Calendar messages carry **one session each**. Outlook and Exchange act on the first
//! VEVENT of an iTIP message only ([MS-STANOICAL] §2.2.175: "all but the first VEVENT are
//! ignored"), RFC 5546 §3.2.2 wants one UID per REQUEST anyway, and Gmail and Apple
//! Calendar were seen to take only one of several. So a mail about a course of eight
//! gatherings carries the first gathering's entry, and each further gathering follows in a
//! short calendar-only mail ([`MailKind::Calendar`]); a change to gathering 3 sends an
//! update for gathering 3 only.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use sea_orm::sea_query::StringLen;

use super::{EventStatus, RegistrationStatus};

/// The messages Samling sends (stored as the outbox's `kind`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum MailKind {
    /// A seat is confirmed at sign-up.
    #[sea_orm(string_value = "confirmation")]
    Confirmation,
    /// Signed up, but on the waiting list.
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    /// Moved from the waiting list to a seat.
    #[sea_orm(string_value = "promoted")]
    Promoted,
    /// The participant (or an organiser on their behalf) cancelled.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// The organiser changed the time or place.
    #[sea_orm(string_value = "event_changed")]
    EventChanged,
    /// The organiser cancelled the event.
    #[sea_orm(string_value = "event_cancelled")]
    EventCancelled,
    /// A reminder before the first session.
    #[sea_orm(string_value = "reminder")]
    Reminder,
    /// One more session's calendar entry (or its removal) after a mail that carried the first.
    #[sea_orm(string_value = "calendar")]
    Calendar,
    /// A new link to the participant's personal calendar (the old one stopped working).
    #[sea_orm(string_value = "feed_link")]
    FeedLink,
    /// A webinar's recording is ready.
    #[sea_orm(string_value = "recording_available")]
    RecordingAvailable,
    /// The evaluation after the event is open.
    #[sea_orm(string_value = "evaluation_invitation")]
    EvaluationInvitation,
    /// The one reminder to answer it.
    #[sea_orm(string_value = "evaluation_reminder")]
    EvaluationReminder,
    /// A course certificate, with its PDF attached.
    #[sea_orm(string_value = "certificate_issued")]
    CertificateIssued,
}

impl MailKind {
    /// All kinds, for loading and checking templates.
    pub const ALL: [MailKind; 13] = [
        MailKind::Confirmation,
        MailKind::Waitlisted,
        MailKind::Promoted,
        MailKind::Cancelled,
        MailKind::EventChanged,
        MailKind::EventCancelled,
        MailKind::Reminder,
        MailKind::Calendar,
        MailKind::FeedLink,
        MailKind::RecordingAvailable,
        MailKind::EvaluationInvitation,
        MailKind::EvaluationReminder,
        MailKind::CertificateIssued,
    ];

    /// Template file stem and the outbox's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirmation => "confirmation",
            MailKind::Waitlisted => "waitlisted",
            MailKind::Promoted => "promoted",
            MailKind::Cancelled => "cancelled",
            MailKind::EventChanged => "event_changed",
            MailKind::EventCancelled => "event_cancelled",
            MailKind::Reminder => "reminder",
            MailKind::Calendar => "calendar",
            MailKind::FeedLink => "feed_link",
            MailKind::RecordingAvailable => "recording_available",
            MailKind::EvaluationInvitation => "evaluation_invitation",
            MailKind::EvaluationReminder => "evaluation_reminder",
            MailKind::CertificateIssued => "certificate_issued",
        }
    }
}

/// Whether an event's organisers see a mail of `kind` in its mail log. Not an evaluation's
/// invitation or reminder: who got a reminder, or no invitation, is who had answered.
pub fn shown_to_organisers(kind: MailKind) -> bool {
    !matches!(
        kind,
        MailKind::EvaluationInvitation | MailKind::EvaluationReminder
    )
}

/// Whether `viewer` sees the join links of an event of `organisation_id` in the API's event
/// answers: only the event's own organisers (participants get theirs from their link).
pub fn viewer_sees_join_links(
    viewer: super::visibility::Viewer,
    organisation_id: uuid::Uuid,
) -> bool {
    viewer == super::visibility::Viewer::Organiser { organisation_id }
}

/// Whether a participant may see an online session's join link (on their page, in their
/// personal feed, in mail): only while holding a seat, and not once the event is cancelled.
/// (An event's own organisers always see it.)
pub fn participant_sees_join_link(status: RegistrationStatus, event_status: EventStatus) -> bool {
    status == RegistrationStatus::Confirmed && event_status != EventStatus::Cancelled
}

/// Whether a mail of `kind` to a registration with `status` shows a webinar's join link:
/// see [`participant_sees_join_link`], and only in the mails that are about attending.
pub fn shows_join_link(
    kind: MailKind,
    status: RegistrationStatus,
    event_status: EventStatus,
) -> bool {
    participant_sees_join_link(status, event_status)
        && matches!(
            kind,
            MailKind::Confirmation
                | MailKind::Promoted
                | MailKind::Reminder
                | MailKind::EventChanged
                | MailKind::Calendar
        )
}

/// Whether a registrant hears of a change: everyone on the list of a new time or place;
/// only seat holders, whose calendars hold the entries, of a new title or description.
/// Those promoted by the same change already have it all in their promotion mail.
pub fn gets_change_notice(
    status: RegistrationStatus,
    just_promoted: bool,
    diff: &SessionDiff,
) -> bool {
    let told = diff.times_changed
        || diff.place_changed
        || (diff.text_changed && status == RegistrationStatus::Confirmed);
    status.is_active() && !just_promoted && told
}

/// Whether a registrant is told that the event is cancelled (seat holders and the waiting
/// list alike).
pub fn gets_cancellation_notice(status: RegistrationStatus) -> bool {
    status.is_active()
}

/// Whether a mail of `kind` tells of the end of the registration (it was cancelled, or the
/// event was): its link and the calendar mails after it show the registration but no longer
/// offer to cancel it.
pub fn ends_registration(kind: MailKind) -> bool {
    matches!(kind, MailKind::Cancelled | MailKind::EventCancelled)
}

/// What a calendar message asks the participant's calendar to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarMethod {
    /// Add or update the entry.
    Request,
    /// Remove the entry.
    Cancel,
}

impl CalendarMethod {
    /// The iTIP method name, also used in the MIME type.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarMethod::Request => "REQUEST",
            CalendarMethod::Cancel => "CANCEL",
        }
    }
}

/// One calendar message: one session's entry, added/updated or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarPart {
    pub method: CalendarMethod,
    pub session_id: Uuid,
}

/// Which sessions a change touched, in the event's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionDiff {
    /// New sessions and those whose time, place or join link changed.
    pub changed: Vec<Uuid>,
    /// Sessions no longer part of the event.
    pub removed: Vec<Uuid>,
    /// Whether any time changed (a session added or removed counts): reminders re-plan.
    pub times_changed: bool,
    /// Whether any place or join link changed.
    pub place_changed: bool,
    /// Whether the title or description changed: every entry people hold shows them.
    pub text_changed: bool,
}

impl SessionDiff {
    /// Whether registrants should hear of the change.
    pub fn notifies(&self) -> bool {
        self.times_changed || self.place_changed || self.text_changed
    }

    /// Whether only the title or description changed (the mail says so, not "new time").
    pub fn only_text(&self) -> bool {
        self.text_changed && !self.times_changed && !self.place_changed
    }
}

/// What participants see of one session: compared to find what a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionShape<'a> {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
}

/// Compares an event's sessions before and after a change (matched by id).
pub fn diff_sessions(old: &[SessionShape<'_>], new: &[SessionShape<'_>]) -> SessionDiff {
    let mut diff = SessionDiff::default();
    for s in new {
        match old.iter().find(|o| o.id == s.id) {
            None => {
                diff.changed.push(s.id);
                diff.times_changed = true;
            }
            Some(o) => {
                let times = (o.starts_at, o.ends_at) != (s.starts_at, s.ends_at);
                let place = (o.location, o.online_url) != (s.location, s.online_url);
                if times || place {
                    diff.changed.push(s.id);
                }
                diff.times_changed |= times;
                diff.place_changed |= place;
            }
        }
    }
    for o in old {
        if new.iter().all(|s| s.id != o.id) {
            diff.removed.push(o.id);
            diff.times_changed = true;
        }
    }
    diff
}

/// The calendar messages that go with a mail of `kind` to someone who `held_seat` (before
/// the change, for cancellations; after it, otherwise). `sessions` are the event's sessions
/// in order; `diff` is what an event change touched. The waiting list gets no calendar
/// entries: nothing is certain yet.
pub fn calendar_parts(
    kind: MailKind,
    held_seat: bool,
    sessions: &[Uuid],
    diff: Option<&SessionDiff>,
) -> Vec<CalendarPart> {
    if !held_seat {
        return vec![];
    }
    let each = |method, ids: &[Uuid]| -> Vec<CalendarPart> {
        ids.iter()
            .map(|&session_id| CalendarPart { method, session_id })
            .collect()
    };
    match kind {
        MailKind::Confirmation | MailKind::Promoted => each(CalendarMethod::Request, sessions),
        MailKind::Cancelled | MailKind::EventCancelled => each(CalendarMethod::Cancel, sessions),
        MailKind::EventChanged => match diff {
            Some(d) => {
                // A new title or description is in every entry; otherwise only the
                // sessions whose time or place changed are sent again.
                let updated = if d.text_changed { sessions } else { &d.changed };
                let mut parts = each(CalendarMethod::Request, updated);
                parts.extend(each(CalendarMethod::Cancel, &d.removed));
                parts
            }
            None => vec![],
        },
        MailKind::Waitlisted
        | MailKind::Reminder
        | MailKind::Calendar
        | MailKind::FeedLink
        | MailKind::RecordingAvailable
        | MailKind::EvaluationInvitation
        | MailKind::EvaluationReminder
        | MailKind::CertificateIssued => vec![],
    }
}

/// Whether a recording may be added to an event of `kind` ending at `ends_at`: a webinar,
/// once it has ended.
pub fn may_add_recording(
    kind: super::EventKind,
    ends_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), super::Problem> {
    if kind != super::EventKind::Webinar {
        Err(super::Problem::NotAWebinar)
    } else if ends_at > now {
        Err(super::Problem::NotEnded)
    } else {
        Ok(())
    }
}

/// Who gets a webinar's recording, and sees it on their page: everyone who held a seat,
/// those marked absent too (they are the ones who need it most).
pub fn gets_recording(status: RegistrationStatus) -> bool {
    status == RegistrationStatus::Confirmed
}

/// SEQUENCE numbers for a participant's own cancellation. The CANCEL must be newer than the
/// REQUEST they hold (so: the event's sequence + 1), and anything sent later about the same
/// entries, including an invitation after signing up again, must be newer than that CANCEL,
/// or calendars treat it as out of date. So the event's counter moves past the CANCEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnCancellationSequence {
    /// SEQUENCE of the CANCEL sent to the participant.
    pub cancel: i32,
    /// The event's sequence from now on.
    pub event_after: i32,
}

/// See [`OwnCancellationSequence`].
pub fn own_cancellation_sequence(event_sequence: i32) -> OwnCancellationSequence {
    OwnCancellationSequence {
        cancel: event_sequence + 1,
        event_after: event_sequence + 2,
    }
}

/// Whether a reminder round is skipped because the event was moved after the round fell
/// due: the participants got the change mail instead, and the moved event has rounds of
/// its own.
pub fn reminder_round_skipped(
    due_at: DateTime<Utc>,
    schedule_changed_at: Option<DateTime<Utc>>,
) -> bool {
    schedule_changed_at.is_some_and(|changed| changed >= due_at)
}

/// Whether a registrant gets the reminder that fell due at `due_at`: only seat holders,
/// and only those who held the seat before it fell due (someone signing up or promoted
/// after that moment knows the date already).
pub fn gets_reminder(
    status: RegistrationStatus,
    seated_since: DateTime<Utc>,
    due_at: DateTime<Utc>,
) -> bool {
    status == RegistrationStatus::Confirmed && seated_since < due_at
}

/// Whether mail to `address` can be delivered at all: the `.invalid` top-level domain is
/// reserved never to exist (RFC 2606), so load tests (`samling bench`) and examples use it
/// and nothing is sent there.
pub fn deliverable(address: &str) -> bool {
    !address.rsplit_once('@').is_some_and(|(_, domain)| {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        domain == "invalid" || domain.ends_with(".invalid")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_invalid_domain_is_never_mailed() {
        assert!(!deliverable("rush-1@bench.invalid"));
        assert!(!deliverable("a@INVALID."));
        assert!(deliverable("kari@example.no"));
        assert!(deliverable("kari@invalid.no"));
    }

    fn shape(id: Uuid, start: DateTime<Utc>, location: &str) -> SessionShape<'_> {
        SessionShape {
            id,
            starts_at: start,
            ends_at: start + Duration::hours(2),
            location: Some(location),
            online_url: None,
        }
    }

    #[test]
    fn join_links_only_for_seats_in_attending_mails() {
        use RegistrationStatus::*;
        let on = EventStatus::Published;
        assert!(shows_join_link(MailKind::Confirmation, Confirmed, on));
        assert!(shows_join_link(MailKind::Reminder, Confirmed, on));
        assert!(!shows_join_link(MailKind::Waitlisted, Waitlisted, on));
        assert!(!shows_join_link(MailKind::EventChanged, Waitlisted, on));
        assert!(!shows_join_link(MailKind::Cancelled, Confirmed, on));
        assert!(!shows_join_link(
            MailKind::EventCancelled,
            Confirmed,
            EventStatus::Cancelled
        ));
        assert!(!participant_sees_join_link(
            Confirmed,
            EventStatus::Cancelled
        ));
        assert!(participant_sees_join_link(Confirmed, on));
    }

    #[test]
    fn a_change_to_session_three_touches_session_three() {
        let now = crate::clock::test_now();
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let old: Vec<_> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| shape(*id, now + Duration::days(i as i64), "Tønsberg"))
            .collect();
        let mut new = old.clone();
        new[2].starts_at += Duration::hours(1);
        let d = diff_sessions(&old, &new);
        assert_eq!(d.changed, vec![ids[2]]);
        assert!(d.times_changed && !d.place_changed && d.removed.is_empty());
        let parts = calendar_parts(MailKind::EventChanged, true, &ids, Some(&d));
        assert_eq!(
            parts,
            vec![CalendarPart {
                method: CalendarMethod::Request,
                session_id: ids[2]
            }]
        );
        // A removed session is taken out of calendars; a moved place is a change too.
        let mut fewer = old[..3].to_vec();
        fewer[0].location = Some("Horten");
        let d = diff_sessions(&old, &fewer);
        assert_eq!(
            (d.changed.clone(), d.removed.clone()),
            (vec![ids[0]], vec![ids[3]])
        );
        assert!(d.place_changed && d.times_changed && d.notifies());
        let parts = calendar_parts(MailKind::EventChanged, true, &ids[..3], Some(&d));
        assert_eq!(parts[1].method, CalendarMethod::Cancel);
        // The waiting list gets no entries.
        assert!(calendar_parts(MailKind::EventChanged, false, &ids, Some(&d)).is_empty());
    }

    #[test]
    fn every_session_gets_its_own_message() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let parts = calendar_parts(MailKind::Confirmation, true, &ids, None);
        assert_eq!(parts.iter().map(|p| p.session_id).collect::<Vec<_>>(), ids);
        assert!(parts.iter().all(|p| p.method == CalendarMethod::Request));
        let parts = calendar_parts(MailKind::Cancelled, true, &ids, None);
        assert!(parts.iter().all(|p| p.method == CalendarMethod::Cancel));
        assert!(calendar_parts(MailKind::Waitlisted, false, &ids, None).is_empty());
        assert!(calendar_parts(MailKind::Reminder, true, &ids, None).is_empty());
    }

    #[test]
    fn sequence_never_goes_backwards_for_a_participant() {
        // Signed up at sequence 1, cancels, signs up again.
        let request = 1;
        let own = own_cancellation_sequence(request);
        assert!(own.cancel > request);
        let next_request = own.event_after;
        assert!(next_request > own.cancel);
    }

    #[test]
    fn reminders_for_seats_held_before_the_round() {
        let due = crate::clock::test_now();
        use RegistrationStatus::*;
        assert!(gets_reminder(Confirmed, due - Duration::days(1), due));
        assert!(!gets_reminder(Confirmed, due + Duration::minutes(1), due));
        assert!(!gets_reminder(Waitlisted, due - Duration::days(1), due));
        assert!(reminder_round_skipped(
            due,
            Some(due + Duration::minutes(5))
        ));
        assert!(!reminder_round_skipped(due, Some(due - Duration::days(1))));
        assert!(!reminder_round_skipped(due, None));
    }

    #[test]
    fn change_and_cancellation_notices() {
        use RegistrationStatus::*;
        let moved = SessionDiff {
            times_changed: true,
            ..SessionDiff::default()
        };
        let retitled = SessionDiff {
            text_changed: true,
            ..SessionDiff::default()
        };
        assert!(gets_change_notice(Waitlisted, false, &moved));
        assert!(!gets_change_notice(Confirmed, true, &moved));
        assert!(!gets_change_notice(Cancelled, false, &moved));
        // A new title reaches the calendars that hold it, not the waiting list.
        assert!(gets_change_notice(Confirmed, false, &retitled));
        assert!(!gets_change_notice(Waitlisted, false, &retitled));
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        let parts = calendar_parts(MailKind::EventChanged, true, &ids, Some(&retitled));
        assert_eq!(parts.len(), 2, "every entry gets the new title");
        assert!(gets_cancellation_notice(Waitlisted));
        assert!(!gets_cancellation_notice(Cancelled));
    }
}
