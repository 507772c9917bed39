//! The reference list a report counts against, as it changes over time: which municipality
//! a typed place belongs to (its name or one of its aliases — "Egersund" for Eigersund —
//! ignoring case and accents), and which municipalities a period's tables list (those
//! valid in it: Lunner and Jevnaker join Akershus from 2024).
use std::collections::HashMap;

use chrono::NaiveDate;

use super::match_key;

/// Most aliases one municipality takes, and their longest length.
pub const MAX_ALIASES: usize = 20;
pub const MAX_ALIAS_CHARS: usize = 200;

/// The aliases as stored: a comma list, blanks dropped.
pub fn aliases(stored: Option<&str>) -> Vec<&str> {
    stored
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect()
}

/// The aliases to store (none: `None`).
pub fn stored_aliases(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| list.join(", "))
}

/// Whether a municipality valid from `valid_from` to `valid_to` (both days included, open
/// when unset) belongs to the list at some day of the period `from`..=`to` (open ends mean
/// "since always" and "until now", so every municipality does).
pub fn valid_in(
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> bool {
    let starts_in_time = match (valid_from, to) {
        (Some(v), Some(t)) => v <= t,
        _ => true,
    };
    let lasts_long_enough = match (valid_to, from) {
        (Some(v), Some(f)) => v >= f,
        _ => true,
    };
    starts_in_time && lasts_long_enough
}

/// Finds the municipality (its index in the list it was made from) a typed place names.
/// A name wins over another municipality's alias, so an alias can never take a name away.
#[derive(Debug, Default)]
pub struct Matcher(HashMap<String, usize>);

impl Matcher {
    /// From each municipality's name and stored aliases, in list order.
    pub fn new<'a>(places: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Matcher {
        let places: Vec<_> = places.into_iter().collect();
        let mut keys = HashMap::new();
        for (i, (name, _)) in places.iter().enumerate() {
            keys.entry(match_key(name)).or_insert(i);
        }
        for (i, (_, stored)) in places.iter().enumerate() {
            for alias in aliases(*stored) {
                keys.entry(match_key(alias)).or_insert(i);
            }
        }
        Matcher(keys)
    }

    /// The municipality `typed` names, if it is on the list.
    pub fn place(&self, typed: &str) -> Option<usize> {
        self.0.get(match_key(typed).as_str()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn aliases_and_names_find_their_municipality() {
        let m = Matcher::new([
            ("Eigersund", Some("Egersund, Helleland")),
            ("Sokndal", None),
            ("Hauge", Some("Sokndal")),
        ]);
        assert_eq!(m.place("egersund"), Some(0));
        assert_eq!(m.place(" EIGERSUND "), Some(0));
        assert_eq!(m.place("Helleland"), Some(0));
        // A name is never taken by another's alias.
        assert_eq!(m.place("Sokndal"), Some(1));
        assert_eq!(m.place("Oslo"), None);
        assert_eq!(aliases(Some(" a, ,b ")), ["a", "b"]);
        assert_eq!(stored_aliases(&[]), None);
    }

    #[test]
    fn validity_overlaps_the_period() {
        let (from, to) = (day(2023, 1, 1), day(2023, 12, 31));
        assert!(valid_in(None, None, from, to));
        assert!(!valid_in(day(2024, 1, 1), None, from, to));
        assert!(valid_in(
            day(2024, 1, 1),
            None,
            day(2024, 1, 1),
            day(2024, 12, 31)
        ));
        assert!(valid_in(None, day(2023, 1, 1), from, to));
        assert!(!valid_in(None, day(2022, 12, 31), from, to));
        assert!(valid_in(day(2024, 1, 1), None, None, None));
        assert!(valid_in(day(2023, 12, 31), None, from, to));
    }
}
