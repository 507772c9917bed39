//! The participation table of the annual report, as spreadsheet tables.
use chrono_tz::Tz;

use super::{Cell, Table};
use crate::domain::Language;
use crate::format::kind_label;
use crate::service::stats::{MunicipalityRow, Participation};

/// One row per role of the organisation's list (zeros included), "Ikke oppgitt" and
/// "Totalt" (empty when the table was counted without roles).
pub fn roles(p: &Participation) -> Table {
    let rows: Vec<Vec<Cell>> = p
        .roles
        .iter()
        .flatten()
        .map(|r| {
            vec![
                Cell::Text(r.label.clone()),
                Cell::Int(r.counts.registered as i64),
                Cell::Int(r.counts.attended as i64),
                Cell::Int(r.counts.participants as i64),
                people(r.people),
                Cell::Decimal(r.share_percent),
            ]
        })
        .collect();
    let totals = vec![
        "Totalt".into(),
        Cell::Int(p.totals.counts.registered as i64),
        Cell::Int(p.totals.counts.attended as i64),
        Cell::Int(p.totals.counts.participants as i64),
        people(p.totals.people),
        Cell::Decimal(if p.totals.counts.participants > 0 {
            100.0
        } else {
            0.0
        }),
    ];
    people_if_counted(
        Table {
            name: "Roller",
            headers: [
                "Rolle",
                "Påmeldte",
                "Møtt",
                "Deltakere",
                "Personer",
                "Andel av deltakerne (%)",
            ]
            .map(str::to_string)
            .to_vec(),
            rows,
            totals: Some(totals),
        },
        p,
    )
}

fn people(value: Option<u64>) -> Cell {
    value.map_or(Cell::Empty, |n| Cell::Int(n as i64))
}

/// The table without its "Personer" column when the people were not counted.
fn people_if_counted(mut table: Table, p: &Participation) -> Table {
    if p.totals.people.is_some() {
        return table;
    }
    if let Some(i) = table.headers.iter().position(|h| h == "Personer") {
        table.headers.remove(i);
        for row in table.rows.iter_mut().chain(table.totals.iter_mut()) {
            row.remove(i);
        }
    }
    table
}

fn per_1000(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Decimal)
}

fn optional_int(value: Option<i64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Int)
}

fn municipality_cells(row: &MunicipalityRow) -> Vec<Cell> {
    vec![
        Cell::Text(row.name.clone()),
        row.region.as_deref().into(),
        optional_int(row.population),
        Cell::Int(row.counts.registered as i64),
        Cell::Int(row.counts.attended as i64),
        Cell::Int(row.counts.participants as i64),
        people(row.people),
        per_1000(row.per_1000_inhabitants),
    ]
}

/// One row per reference municipality (zeros included), "Andre", and "Totalt".
pub fn municipalities(p: &Participation) -> Table {
    let mut rows: Vec<Vec<Cell>> = p.municipalities.iter().map(municipality_cells).collect();
    let mut others = municipality_cells(&p.others);
    if let Some(origins) = p.others.origins {
        others[1] = Cell::Text(format!("{origins} steder utenfor listen"));
    }
    rows.push(others);
    let totals = vec![
        "Totalt".into(),
        Cell::Text(format!(
            "{} kommuner med deltakere",
            p.totals.municipalities_with_participants
        )),
        optional_int(p.totals.population),
        Cell::Int(p.totals.counts.registered as i64),
        Cell::Int(p.totals.counts.attended as i64),
        Cell::Int(p.totals.counts.participants as i64),
        people(p.totals.people),
        per_1000(p.totals.per_1000_inhabitants),
    ];
    people_if_counted(
        Table {
            name: "Kommuner",
            headers: [
                "Kommune",
                "Region",
                "Innbyggere",
                "Påmeldte",
                "Møtt",
                "Deltakere",
                "Personer",
                "Deltakere per 1000 innbyggere",
            ]
            .map(str::to_string)
            .to_vec(),
            rows,
            totals: Some(totals),
        },
        p,
    )
}

/// Subtotals per region.
pub fn regions(p: &Participation) -> Table {
    people_if_counted(
        Table {
            name: "Regioner",
            headers: [
                "Region",
                "Kommuner",
                "Kommuner med deltakere",
                "Innbyggere",
                "Påmeldte",
                "Møtt",
                "Deltakere",
                "Personer",
                "Deltakere per 1000 innbyggere",
            ]
            .map(str::to_string)
            .to_vec(),
            rows: p
                .regions
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(r.region.clone()),
                        Cell::Int(r.municipalities as i64),
                        Cell::Int(r.municipalities_with_participants as i64),
                        optional_int(r.population),
                        Cell::Int(r.counts.registered as i64),
                        Cell::Int(r.counts.attended as i64),
                        Cell::Int(r.counts.participants as i64),
                        people(r.people),
                        per_1000(r.per_1000_inhabitants),
                    ]
                })
                .collect(),
            totals: None,
        },
        p,
    )
}

/// One row per event: "15 kommuner, 63 deltakere", "100/41".
pub fn events(p: &Participation, zone: Tz) -> Table {
    Table {
        name: "Arrangementer",
        headers: [
            "Arrangement",
            "Type",
            "Start",
            "Oppmøte registrert",
            "Påmeldte",
            "Møtt",
            "Deltakere",
            "Kommuner",
            "Deltakere fra kommunene",
            "Deltakere fra andre",
            "Steder utenfor listen",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: p
            .events
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.title.clone()),
                    Cell::Text(kind_label(e.kind, Language::Nb).into()),
                    Cell::Time(e.starts_at.with_timezone(&zone).naive_local()),
                    if e.attendance_recorded { "ja" } else { "nei" }.into(),
                    Cell::Int(e.counts.registered as i64),
                    Cell::Int(e.counts.attended as i64),
                    Cell::Int(e.counts.participants as i64),
                    Cell::Int(e.municipalities as i64),
                    Cell::Int(e.participants_from_municipalities as i64),
                    Cell::Int(e.participants_others as i64),
                    Cell::Int(e.origins as i64),
                ]
            })
            .collect(),
        totals: None,
    }
}
