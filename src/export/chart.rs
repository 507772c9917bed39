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
    let height = TOP + rows.len() as f64 * (BAR_HEIGHT + GAP) + 16.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"title\" \
         font-family=\"system-ui, sans-serif\" font-size=\"13\">\
         <title id=\"title\">{}</title>\
         <text x=\"0\" y=\"20\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        escape(title),
        escape(title)
    );
    for (i, (name, value, participants)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * (BAR_HEIGHT + GAP);
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
