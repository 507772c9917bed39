//! The per-municipality table as an SVG bar chart (participants per 1,000 inhabitants),
//! highest first: "who do we reach, relative to size" at a glance.
use std::fmt::Write;

use handlebars::html_escape as escape;

use crate::service::stats::Participation;

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 170.0;
const VALUE_WIDTH: f64 = 60.0;
const BAR_HEIGHT: f64 = 22.0;
const GAP: f64 = 6.0;
const TOP: f64 = 44.0;
/// A title line: at most this many characters (16 px bold fits about 75 in the width).
const TITLE_CHARS: usize = 70;
const TITLE_LINE: f64 = 20.0;

/// Words in lines of at most `max` characters (a longer word gets a line of its own).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The chart as a standalone SVG document. Municipalities without a population are left
/// out (no rate can be computed); zeros are shown as empty bars.
pub fn per_1000_chart(p: &Participation, title: &str) -> String {
    let mut rows: Vec<(&str, f64, u64)> = p
        .municipalities
        .iter()
        .filter_map(|m| {
            m.per_1000_inhabitants
                .map(|v| (m.name.as_str(), v, m.counts.participants))
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max);
    let plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    // SVG text does not wrap: a long title is broken into lines here, so none is cut off.
    let title_lines = wrap(title, TITLE_CHARS);
    let top = TOP + (title_lines.len().max(1) - 1) as f64 * TITLE_LINE;
    let height = top + rows.len() as f64 * (BAR_HEIGHT + GAP) + 16.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"title\" \
         font-family=\"system-ui, sans-serif\" font-size=\"13\">\
         <title id=\"title\">{}</title>\
         <text x=\"0\" y=\"20\" font-size=\"16\" font-weight=\"bold\">",
        escape(title),
    );
    for (i, line) in title_lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { TITLE_LINE };
        let _ = write!(svg, "<tspan x=\"0\" dy=\"{dy}\">{}</tspan>", escape(line));
    }
    svg.push_str("</text>");
    for (i, (name, value, participants)) in rows.iter().enumerate() {
        let y = top + i as f64 * (BAR_HEIGHT + GAP);
        let width = if max > 0.0 { value / max * plot } else { 0.0 };
        let text_y = y + BAR_HEIGHT * 0.7;
        let shown = format!("{value:.2}").replace('.', ",");
        let _ = write!(
            svg,
            "<g class=\"bar\" data-name=\"{name}\" data-value=\"{value:.2}\">\
             <title>{name}: {shown} per 1000 innbyggere ({participants} deltakere)</title>\
             <text x=\"{lx}\" y=\"{text_y:.1}\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{BAR_HEIGHT}\" fill=\"#2f6f8f\"/>\
             <text x=\"{vx:.1}\" y=\"{text_y:.1}\">{shown}</text></g>",
            name = escape(name),
            lx = LABEL_WIDTH - 8.0,
            vx = LABEL_WIDTH + width + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn a_long_title_is_broken_into_lines_and_keeps_every_word() {
        let title = "Deltakere per 1000 innbyggere, Nettverk for sykehjem i Vestfold og Telemark 2026: demens";
        let lines = wrap(title, 70);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 70), "{lines:?}");
        assert_eq!(lines.join(" "), title);
    }
}
