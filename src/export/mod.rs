//! Downloads organisers open in Excel: tables rendered as CSV (UTF-8 with BOM, `;` by
//! default, as Excel in a Norwegian locale expects) or as real XLSX workbooks, plus the SVG
//! chart. Text is never allowed to become a formula.
pub mod attendee_list;
pub mod certificate;
pub mod chart;
pub mod evaluations;
pub mod events_held;
pub mod participation;

use std::borrow::Cow;

use chrono::NaiveDateTime;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Shown with two decimals.
    Decimal(f64),
    /// Local time, to the minute.
    Time(NaiveDateTime),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<Option<&str>> for Cell {
    fn from(s: Option<&str>) -> Cell {
        s.map_or(Cell::Empty, Cell::from)
    }
}

/// A sheet: a header row and rows of cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// Worksheet name (at most 31 characters).
    pub name: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// A totals row after the rows, outside the auto-filter, so sorting keeps it last.
    pub totals: Option<Vec<Cell>>,
}

/// The CSV field separator: `semicolon` with decimal commas (what Excel opens as columns in
/// a Norwegian locale), or `comma` (RFC 4180) with decimal points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Delimiter {
    /// `;` with decimal commas: what Excel opens correctly in a Norwegian locale.
    #[default]
    Semicolon,
    /// RFC 4180 `,` with decimal points.
    Comma,
}

/// Characters after which a spreadsheet may start a new cell: either delimiter (a `;` file
/// opened as `,` or the reverse), tab and line breaks.
const SPLITS: [char; 5] = [',', ';', '\t', '\r', '\n'];

/// Text that a spreadsheet would read as a formula (or a DDE command) gets a `'` before the
/// trigger, at the start of the text and after every place the text could be split into
/// cells (OWASP's CSV-injection advice, applied to each possible cell). Spaces and quotes
/// before a trigger do not hide it. Excel and LibreOffice show the `'` in a CSV cell.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut piece_start = true;
    for (i, c) in text.char_indices() {
        let trigger = matches!(c, '=' | '+' | '-' | '@') || (i == 0 && matches!(c, '\t' | '\r'));
        if piece_start && trigger {
            out.push('\'');
        }
        out.push(c);
        piece_start = SPLITS.contains(&c) || (piece_start && matches!(c, ' ' | '"'));
    }
    if out.len() == text.len() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// A table as CSV bytes: BOM, CRLF line ends, every field quoted (so a file opened with
/// the other delimiter still keeps each text in one cell).
pub fn to_csv(table: &Table, delimiter: Delimiter) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(match delimiter {
            Delimiter::Semicolon => b';',
            Delimiter::Comma => b',',
        })
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let render = |cell: &Cell| -> String {
        match cell {
            Cell::Text(t) => neutralise(t).into_owned(),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(x) => {
                let s = format!("{x:.2}");
                match delimiter {
                    Delimiter::Semicolon => s.replace('.', ","),
                    Delimiter::Comma => s,
                }
            }
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        }
    };
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(table.headers.iter().map(|h| neutralise(h).into_owned()));
    for row in table.rows.iter().chain(&table.totals) {
        let _ = writer.write_record(row.iter().map(render));
    }
    writer.into_inner().unwrap_or_default()
}

/// Tables as one workbook, a sheet each: bold frozen header row with an auto-filter,
/// columns as wide as their content, times as real dates. Text cells are always strings,
/// so nothing typed by a participant becomes a formula.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let decimal = Format::new().set_num_format("0.00");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name)?;
        let mut widths: Vec<usize> = table.headers.iter().map(|h| h.chars().count()).collect();
        for (col, header) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, header, &bold)?;
        }
        for (r, row) in table.rows.iter().chain(&table.totals).enumerate() {
            let r = r as u32 + 1;
            let totals = r as usize > table.rows.len();
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                let width = match cell {
                    Cell::Text(t) if totals => {
                        sheet.write_string_with_format(r, col, t, &bold)?;
                        t.chars().count()
                    }
                    Cell::Text(t) => {
                        sheet.write_string(r, col, t)?;
                        t.chars().count()
                    }
                    Cell::Int(n) => {
                        sheet.write_number(r, col, *n as f64)?;
                        n.to_string().len()
                    }
                    Cell::Decimal(x) => {
                        sheet.write_number_with_format(r, col, *x, &decimal)?;
                        format!("{x:.2}").len()
                    }
                    Cell::Time(t) => {
                        let value = ExcelDateTime::parse_from_str(
                            &t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        )?;
                        sheet.write_datetime_with_format(r, col, &value, &time)?;
                        16
                    }
                    Cell::Empty => 0,
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(width);
                }
            }
        }
        for (col, width) in widths.iter().enumerate() {
            sheet.set_column_width(col as u16, (*width).clamp(6, 50) as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let last_col = table.headers.len().saturating_sub(1) as u16;
        sheet.autofilter(0, 0, table.rows.len() as u32, last_col)?;
    }
    workbook.save_to_buffer()
}

/// `Content-Disposition` (`attachment` or `inline`) for a file named after `stem` (e.g. the
/// event title and date): an ASCII fallback for old clients and the exact name in RFC 5987
/// form.
pub fn content_disposition(disposition: &str, stem: &str, extension: &str) -> String {
    let ascii: String = stem
        .chars()
        .flat_map(|c| match c {
            'æ' => "ae".chars().collect::<Vec<_>>(),
            'Æ' => "Ae".chars().collect(),
            'ø' => vec!['o'],
            'Ø' => vec!['O'],
            'å' => vec!['a'],
            'Å' => vec!['A'],
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') => vec![c],
            _ => vec!['_'],
        })
        .collect();
    let ascii = ascii.trim().trim_start_matches('.');
    let ascii = if ascii.is_empty() { "samling" } else { ascii };
    // The exact name keeps every letter (browsers adapt `:` or `"` to the file system)
    // but no path separator: `Æ/Ø/Å` must not become a folder `Æ`.
    let exact: String = stem
        .chars()
        .map(|c| match c {
            '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let exact = exact.trim().trim_start_matches('.');
    let exact = if exact.is_empty() { ascii } else { exact };
    let full = format!("{exact}.{extension}");
    let encoded: String = full
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{disposition}; filename=\"{ascii}.{extension}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_make_no_path() {
        let header = content_disposition("attachment", "Æ/Ø\\Å kurs", "csv");
        assert_eq!(
            header,
            "attachment; filename=\"Ae_O_A kurs.csv\"; filename*=UTF-8''%C3%86_%C3%98_%C3%85%20kurs.csv"
        );
        assert!(content_disposition("inline", "../..", "ics").contains("filename*=UTF-8''_...ics"));
    }

    #[test]
    fn formulas_become_text_after_every_split() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", " =1", "\"=1"] {
            assert!(neutralise(s).contains('\''), "{s:?}");
        }
        assert_eq!(neutralise("Kari,=1+1,x"), "Kari,'=1+1,x");
        assert_eq!(
            neutralise("a;=HYPERLINK(\"u\");b"),
            "a;'=HYPERLINK(\"u\");b"
        );
        assert_eq!(neutralise("a\n@b\r\n-c"), "a\n'@b\r\n'-c");
        assert_eq!(neutralise("x, \"+1"), "x, \"'+1");
        for s in [
            "Kari Nordmann",
            "Lise-Lotte",
            "a=b",
            "kari@example.no",
            "007",
        ] {
            assert!(matches!(neutralise(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    /// Opens the CSV as a careless spreadsheet would: split on both delimiters and tabs,
    /// quotes and spaces stripped. No piece may start a formula.
    #[test]
    fn no_cell_starts_a_formula_whichever_delimiter_opens_the_file() {
        let evil = [
            "Kari,=1+1,x",
            "Kari;=1+1;x",
            "Kari,=HYPERLINK(\"http://evil.example\",\"klikk\"),x",
            "a\t@SUM(A1)",
            "\"=cmd|' /C calc'!A0\"",
            "x\r\n+1",
        ];
        let t = Table {
            name: "T",
            headers: vec!["navn".into(), "=header".into()],
            rows: evil
                .iter()
                .map(|e| vec![Cell::Text(e.to_string()), Cell::Int(3)])
                .collect(),
            totals: None,
        };
        for delimiter in [Delimiter::Semicolon, Delimiter::Comma] {
            let csv = String::from_utf8(to_csv(&t, delimiter)).unwrap();
            for piece in csv.split([',', ';', '\t', '\r', '\n']) {
                let cell = piece.trim_matches(|c| c == ' ' || c == '"' || c == '\u{feff}');
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "{delimiter:?}: {cell:?} in {csv:?}"
                );
            }
        }
    }

    #[test]
    fn file_names_are_safe() {
        let h = content_disposition(
            "attachment",
            "Fagdag: \"Demens\" og ernæring 2025-03-12",
            "csv",
        );
        assert!(
            h.starts_with("attachment; filename=\"Fagdag_ _Demens_ og ernaering 2025-03-12.csv\""),
            "{h}"
        );
        assert!(
            h.contains(
                "filename*=UTF-8''Fagdag%3A%20%22Demens%22%20og%20ern%C3%A6ring%202025-03-12.csv"
            ),
            "{h}"
        );
        assert!(h.is_ascii());
    }

    #[test]
    fn semicolon_csv_uses_decimal_commas() {
        let t = Table {
            name: "T",
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::Decimal(0.5), Cell::Text("x;y".into())]],
            totals: None,
        };
        let csv = String::from_utf8(to_csv(&t, Delimiter::Semicolon)).unwrap();
        assert_eq!(csv, "\u{feff}\"a\";\"b\"\r\n\"0,50\";\"x;y\"\r\n");
        let csv = String::from_utf8(to_csv(&t, Delimiter::Comma)).unwrap();
        assert_eq!(csv, "\u{feff}\"a\",\"b\"\r\n\"0.50\",\"x;y\"\r\n");
    }

    /// The totals row is written last, in bold, and left out of the auto-filter, so
    /// sorting the municipalities never moves "Totalt" among them.
    #[test]
    fn totals_stay_below_the_filter() {
        use std::io::Read;
        let t = Table {
            name: "Kommuner",
            headers: vec!["Kommune".into(), "Deltakere".into()],
            rows: vec![
                vec![Cell::Text("Asker".into()), Cell::Int(3)],
                vec![Cell::Text("Bærum".into()), Cell::Int(2)],
            ],
            totals: Some(vec![Cell::Text("Totalt".into()), Cell::Int(5)]),
        };
        let bytes = to_xlsx(std::slice::from_ref(&t)).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(sheet.contains(r#"<autoFilter ref="A1:B3"/>"#), "{sheet}");
        assert!(sheet.contains(r#"<c r="A4""#), "the totals row is row 4");
        let csv = String::from_utf8(to_csv(&t, Delimiter::Semicolon)).unwrap();
        assert!(csv.ends_with("\"Totalt\";\"5\"\r\n"), "{csv}");
    }

    proptest::proptest! {
        /// Whatever the text, no piece a spreadsheet could split off starts a formula, and
        /// only guards were added.
        #[test]
        fn neutralised_text_never_starts_a_formula(text in "[=+@,;\t\r\n \"a-z-]{0,30}|\\PC{0,30}") {
            let out = neutralise(&text);
            proptest::prop_assert_eq!(out.replace('\'', ""), text.replace('\'', ""));
            for piece in out.split(SPLITS) {
                let cell = piece.trim_start_matches([' ', '"']);
                proptest::prop_assert!(!cell.starts_with(['=', '+', '-', '@']), "{:?} in {:?}", cell, out);
            }
        }
    }
}
