//! The events a period held as spreadsheet tables: every event with sessions in the
//! period, and the counts per network and kind.
use chrono_tz::Tz;

use super::{Cell, Table};
use crate::domain::programmes::HeldStatus;
use crate::domain::Language;
use crate::format::kind_label;
use crate::service::programmes::{EventsHeld, HeldCounts};

fn status_nb(status: HeldStatus) -> &'static str {
    match status {
        HeldStatus::Held => "gjennomført",
        HeldStatus::Planned => "planlagt",
        HeldStatus::Cancelled => "avlyst",
    }
}

fn counts(c: &HeldCounts) -> [Cell; 5] {
    [
        Cell::Int(c.events_held as i64),
        Cell::Int(c.events_planned as i64),
        Cell::Int(c.events_cancelled as i64),
        Cell::Int(c.sessions_held as i64),
        Cell::Int(c.sessions_planned as i64),
    ]
}

const COUNT_HEADERS: [&str; 5] = [
    "Gjennomført",
    "Planlagt",
    "Avlyst",
    "Økter gjennomført",
    "Økter planlagt",
];

/// One row per event: its sessions in the period and overall, its registrations so far.
pub fn events(t: &EventsHeld, zone: Tz) -> Table {
    Table {
        name: "Arrangementer",
        headers: [
            "Arrangement",
            "Type",
            "Nettverk",
            "Serie",
            "Start",
            "Status",
            "Økter i perioden",
            "Økter gjennomført i perioden",
            "Økter i alt",
            "Påmeldte",
            "Deltakere",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: t
            .events
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.title.clone()),
                    kind_label(e.kind, Language::Nb).into(),
                    e.network.as_deref().into(),
                    e.series.as_deref().into(),
                    Cell::Time(e.starts_at.with_timezone(&zone).naive_local()),
                    status_nb(e.status).into(),
                    Cell::Int(e.sessions_in_period as i64),
                    Cell::Int(e.sessions_held_in_period as i64),
                    Cell::Int(e.sessions_total as i64),
                    Cell::Int(e.registered as i64),
                    Cell::Int(e.participants as i64),
                ]
            })
            .collect(),
        totals: Some(vec![
            "Totalt".into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Int(t.events.iter().map(|e| e.sessions_in_period as i64).sum()),
            Cell::Int(
                t.events
                    .iter()
                    .map(|e| e.sessions_held_in_period as i64)
                    .sum(),
            ),
            Cell::Empty,
            Cell::Int(t.events.iter().map(|e| e.registered as i64).sum()),
            Cell::Int(t.events.iter().map(|e| e.participants as i64).sum()),
        ]),
    }
}

/// One row per network and kind ("Demensnettverket, samling: 2 gjennomført").
pub fn networks(t: &EventsHeld) -> Table {
    let mut rows = Vec::new();
    for n in &t.by_network {
        let name = n.name.clone().unwrap_or_else(|| "Uten nettverk".into());
        for k in n.by_kind.iter().filter(|k| {
            let c = &k.counts;
            c.events_held + c.events_planned + c.events_cancelled > 0
        }) {
            let mut row = vec![
                Cell::Text(name.clone()),
                kind_label(k.kind, Language::Nb).into(),
            ];
            row.extend(counts(&k.counts));
            rows.push(row);
        }
    }
    for s in &t.by_series {
        let mut row = vec![Cell::Text(format!("Serie: {}", s.name)), Cell::Empty];
        row.extend(counts(&s.counts));
        rows.push(row);
    }
    let mut totals = vec!["Totalt".into(), Cell::Empty];
    totals.extend(counts(&t.totals));
    Table {
        name: "Per nettverk",
        headers: ["Nettverk", "Type"]
            .into_iter()
            .chain(COUNT_HEADERS)
            .map(str::to_string)
            .collect(),
        rows,
        totals: Some(totals),
    }
}
