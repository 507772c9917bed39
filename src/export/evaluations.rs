//! Evaluation results as spreadsheet tables: one event's (answers per value, a summary per
//! question, respondents by role and municipality, comments) and a period's.
use chrono_tz::Tz;

use super::{Cell, Table};
use crate::service::evaluations::{AcrossEvents, Results};

fn optional(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Decimal)
}

/// One row per question: how many answered, the mean, the cut-off and the share at or
/// above it.
pub fn summary(r: &Results) -> Table {
    Table {
        name: "Sammendrag",
        headers: [
            "Spørsmål",
            "Type",
            "Svar",
            "Gjennomsnitt",
            "Fra og med",
            "Andel fra og med (%)",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: r
            .questions
            .iter()
            .flatten()
            .map(|q| {
                vec![
                    Cell::Text(q.text.clone()),
                    Cell::Text(q.kind.clone()),
                    Cell::Int(q.answered as i64),
                    optional(q.mean),
                    q.at_least.map_or(Cell::Empty, Cell::Int),
                    optional(q.share_at_least_percent),
                ]
            })
            .collect(),
        totals: Some(vec![
            "Respondenter".into(),
            Cell::Empty,
            Cell::Int(r.respondents as i64),
            Cell::Empty,
            "Invitert".into(),
            Cell::Int(r.invited as i64),
        ]),
    }
}

/// One row per question and value: the distribution, zeros included.
pub fn answers(r: &Results) -> Table {
    Table {
        name: "Svar",
        headers: ["Spørsmål", "Svar", "Antall"].map(str::to_string).to_vec(),
        rows: r
            .questions
            .iter()
            .flatten()
            .flat_map(|q| {
                q.rows.iter().map(|(_, label, n)| {
                    vec![
                        Cell::Text(q.text.clone()),
                        Cell::Text(label.clone()),
                        Cell::Int(*n as i64),
                    ]
                })
            })
            .collect(),
        totals: None,
    }
}

/// Respondents by role, then by municipality.
pub fn respondents(r: &Results) -> Table {
    let mut rows: Vec<Vec<Cell>> = r
        .respondents_by_role
        .iter()
        .flatten()
        .map(|x| {
            vec![
                "Rolle".into(),
                Cell::Text(x.role.clone()),
                Cell::Int(x.count as i64),
                Cell::Decimal(x.percent),
            ]
        })
        .collect();
    rows.extend(r.respondents_by_municipality.iter().flatten().map(|x| {
        vec![
            "Kommune".into(),
            Cell::Text(x.municipality.clone()),
            Cell::Int(x.count as i64),
            Cell::Empty,
        ]
    }));
    Table {
        name: "Respondenter",
        headers: ["Gruppe", "Navn", "Antall", "Andel (%)"]
            .map(str::to_string)
            .to_vec(),
        rows,
        totals: None,
    }
}

/// The comments (free text), in the random order they came in.
pub fn comments(r: &Results) -> Table {
    Table {
        name: "Kommentarer",
        headers: ["Spørsmål", "Kommentar"].map(str::to_string).to_vec(),
        rows: r
            .comments
            .iter()
            .flatten()
            .map(|c| vec![Cell::Text(c.question.clone()), Cell::Text(c.text.clone())])
            .collect(),
        totals: None,
    }
}

/// Per event of a period: invited, respondents and rate.
pub fn events(a: &AcrossEvents, zone: Tz) -> Table {
    Table {
        name: "Arrangementer",
        headers: [
            "Arrangement",
            "Start",
            "Status",
            "Invitert",
            "Respondenter",
            "Svarprosent",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: a
            .events
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.title.clone()),
                    Cell::Time(e.starts_at.with_timezone(&zone).naive_local()),
                    Cell::Text(e.status.clone()),
                    Cell::Int(e.invited as i64),
                    Cell::Int(e.respondents as i64),
                    Cell::Decimal(e.response_rate_percent),
                ]
            })
            .collect(),
        totals: Some(vec![
            "Totalt".into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Int(a.invited as i64),
            Cell::Int(a.respondents as i64),
            Cell::Decimal(a.response_rate_percent),
        ]),
    }
}

/// Per question key, pooled across the period's events.
pub fn pooled(a: &AcrossEvents) -> Table {
    Table {
        name: "Spørsmål",
        headers: [
            "Spørsmål",
            "Arrangementer",
            "Svar",
            "Gjennomsnitt",
            "Fra og med",
            "Andel fra og med (%)",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: a
            .questions
            .iter()
            .map(|q| {
                vec![
                    Cell::Text(q.text.clone()),
                    Cell::Int(q.events as i64),
                    Cell::Int(q.answered as i64),
                    optional(q.mean),
                    q.at_least.map_or(Cell::Empty, Cell::Int),
                    optional(q.share_at_least_percent),
                ]
            })
            .collect(),
        totals: None,
    }
}
