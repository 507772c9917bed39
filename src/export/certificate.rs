//! The course certificate (kursbevis) as a PDF: one A4 page, drawn with krilla (typst's PDF
//! backend) in DejaVu Sans, which is embedded as a subset. Every text is data drawn as
//! glyphs, never markup, so a name prints exactly as typed and `pdftotext` gives it back.
//! The page is tagged (title, paragraphs, decoration as artifacts) and checked as PDF/UA-1
//! by krilla when the font has every character; otherwise it is still tagged, just not
//! claimed to be PDF/UA.
use std::num::NonZeroU16;
use std::sync::{Arc, LazyLock};

use krilla::color::rgb;
use krilla::configure::{Configuration, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, Node, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

use crate::domain::Language;
use crate::format;
use crate::mail::facts::CertificateFacts;

/// DejaVu Sans, regular and bold (licence in `assets/fonts/LICENSE`).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The fonts, parsed once.
struct Fonts {
    regular: Font,
    bold: Font,
    regular_face: ttf_parser::Face<'static>,
    bold_face: ttf_parser::Face<'static>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| Fonts {
    regular: Font::new(Arc::new(REGULAR.to_vec()).into(), 0).expect("DejaVu Sans loads"),
    bold: Font::new(Arc::new(BOLD.to_vec()).into(), 0).expect("DejaVu Sans Bold loads"),
    regular_face: ttf_parser::Face::parse(REGULAR, 0).expect("DejaVu Sans parses"),
    bold_face: ttf_parser::Face::parse(BOLD, 0).expect("DejaVu Sans Bold parses"),
});

/// What one certificate says; every text already in the holder's language.
#[derive(Debug, Clone)]
pub struct CertificateDoc<'a> {
    pub language: Language,
    pub organisation: &'a str,
    pub holder: &'a str,
    pub course: &'a str,
    /// "1. september 2025 – 10. september 2026".
    pub dates: &'a str,
    /// "14 timer", if the event states its hours.
    pub hours: Option<&'a str>,
    /// The event's own sentence, if it has one.
    pub text: Option<&'a str>,
    pub number: &'a str,
    /// "12. september 2026".
    pub issued_on: &'a str,
    pub verify_url: &'a str,
}

/// The PDF of a certificate as its facts say, in `lang`, verified at `verify_url`.
pub fn render_facts(
    facts: &CertificateFacts,
    organisation: &str,
    lang: Language,
    verify_url: &str,
) -> Result<Vec<u8>, PdfError> {
    let dates = format::date_range(facts.first_date, facts.last_date, lang);
    let hours = facts.hours.map(|h| format::hours(h, lang));
    let issued_on = format::long_date(facts.issued_on, lang);
    render(&CertificateDoc {
        language: lang,
        organisation,
        holder: &facts.holder,
        course: &facts.course,
        dates: &dates,
        hours: hours.as_deref(),
        text: facts.text.as_deref(),
        number: &facts.number,
        issued_on: &issued_on,
        verify_url,
    })
}

/// Why a certificate could not be drawn (krilla's own words).
#[derive(Debug, thiserror::Error)]
#[error("cannot make the certificate's PDF: {0}")]
pub struct PdfError(String);

const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 64.0;
const INK: (u8, u8, u8) = (0x1a, 0x1a, 0x1a);
const MUTED: (u8, u8, u8) = (0x4a, 0x4a, 0x4a);
const ACCENT: (u8, u8, u8) = (0x00, 0x4f, 0x7c);

/// Where the body must end: above the footer and its QR code.
const BODY_BOTTOM: f32 = A4.1 - MARGIN - 112.0;

/// The body's tag groups in reading order (the title is the heading), at `scale`.
fn body(fonts: &Fonts, doc: &CertificateDoc<'_>, w: &Words, scale: f32) -> Vec<(bool, Vec<Line>)> {
    let width = A4.0 - 2.0 * MARGIN;
    let para = |text: &str, bold: bool, size: f32, color, gap: f32, min: f32| {
        wrap(fonts, text, bold, size * scale, min * scale, width)
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| Line {
                text: t,
                bold,
                size: s,
                color,
                gap: if i == 0 { gap * scale } else { s * 0.25 },
            })
            .collect::<Vec<_>>()
    };
    let mut groups = vec![
        (
            false,
            para(doc.organisation, false, 14.0, MUTED, 40.0, 10.0),
        ),
        (true, para(w.title, true, 40.0, ACCENT, 56.0, 24.0)),
        (false, para(w.certifies, false, 13.0, INK, 48.0, 10.0)),
        (false, para(doc.holder, true, 28.0, INK, 20.0, 14.0)),
        (false, para(w.completed, false, 13.0, INK, 24.0, 10.0)),
        (false, para(doc.course, true, 20.0, INK, 18.0, 12.0)),
        (false, para(doc.dates, false, 13.0, INK, 18.0, 10.0)),
    ];
    if let Some(hours) = doc.hours {
        let line = format!("{} {hours}", w.duration);
        groups.push((false, para(&line, false, 13.0, INK, 8.0, 10.0)));
    }
    if let Some(text) = doc.text {
        groups.push((false, para(text, false, 12.0, MUTED, 24.0, 9.0)));
    }
    groups
}

/// The words of the page in each language.
struct Words {
    title: &'static str,
    certifies: &'static str,
    completed: &'static str,
    duration: &'static str,
    issued: &'static str,
    number: &'static str,
    verify: &'static str,
    lang: &'static str,
}

fn words(lang: Language) -> Words {
    match lang {
        Language::Nb => Words {
            title: "Kursbevis",
            certifies: "Dette bekrefter at",
            completed: "har fullført",
            duration: "Omfang:",
            issued: "Utstedt",
            number: "Kursbevis nr.",
            verify: "Kontroller kursbeviset:",
            lang: "nb-NO",
        },
        Language::En => Words {
            title: "Course certificate",
            certifies: "This is to certify that",
            completed: "has completed",
            duration: "Duration:",
            issued: "Issued",
            number: "Certificate no.",
            verify: "Verify this certificate:",
            lang: "en-GB",
        },
    }
}

/// One line of text to draw, centred, and the tag group it belongs to.
struct Line {
    text: String,
    bold: bool,
    size: f32,
    color: (u8, u8, u8),
    /// Space above the line's top, in points.
    gap: f32,
}

/// The certificate as PDF bytes. A panic inside the PDF library becomes an error, so a
/// mail that cannot be drawn fails like any other (and is retried, then given up).
pub fn render(doc: &CertificateDoc<'_>) -> Result<Vec<u8>, PdfError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(doc)))
        .unwrap_or_else(|_| Err(PdfError("the PDF library panicked".into())))
}

fn draw(doc: &CertificateDoc<'_>) -> Result<Vec<u8>, PdfError> {
    let fonts = &*FONTS;
    let w = words(doc.language);
    let all_text = [
        doc.organisation,
        doc.holder,
        doc.course,
        doc.dates,
        doc.hours.unwrap_or(""),
        doc.text.unwrap_or(""),
        doc.number,
        doc.verify_url,
    ];
    // PDF/UA forbids .notdef glyphs: claim it only when DejaVu has every character.
    let covered = all_text.iter().flat_map(|t| t.chars()).all(|c| {
        c.is_whitespace()
            || fonts.regular_face.glyph_index(c).is_some()
                && fonts.bold_face.glyph_index(c).is_some()
    });
    let settings = SerializeSettings {
        configuration: if covered {
            Configuration::new_with_validator(Validator::UA1)
        } else {
            Configuration::new()
        },
        enable_tagging: true,
        ..Default::default()
    };

    // The body shrinks (sizes and gaps alike) until it ends above the footer.
    let mut scale = 1.0;
    let groups = loop {
        let groups = body(fonts, doc, &w, scale);
        let height: f32 = groups
            .iter()
            .flat_map(|(_, lines)| lines)
            .map(|l| l.gap + l.size)
            .sum();
        if MARGIN + height <= BODY_BOTTOM || scale <= 0.4 {
            break groups;
        }
        scale -= 0.05;
    };
    let issued = format!("{} {}", w.issued, doc.issued_on);
    let number = format!("{} {}", w.number, doc.number);
    let footer = [
        (issued.as_str(), false),
        (number.as_str(), true),
        (w.verify, false),
        (doc.verify_url, false),
    ];

    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(format!("{}: {} – {}", w.title, doc.holder, doc.course))
            .language(w.lang.to_string())
            .creator("Samling".to_string())
            .authors(vec![doc.organisation.to_string()]),
    );
    let mut tree = TagTree::new().with_lang(Some(w.lang.to_string()));
    let mut page = document.start_page_with(
        PageSettings::from_wh(A4.0, A4.1).ok_or_else(|| PdfError("page size".into()))?,
    );
    let mut surface = page.surface();
    frame(&mut surface);

    let mut y = MARGIN;
    for (heading, lines) in &groups {
        let mut group = if *heading {
            TagGroup::new(Tag::Hn(NonZeroU16::MIN, Some(w.title.to_string())))
        } else {
            TagGroup::new(Tag::P)
        };
        for line in lines {
            y += line.gap + line.size;
            let id = draw_centred(&mut surface, fonts, line, y, w.lang);
            group.push(id);
        }
        tree.push(group);
    }

    // The footer: issue date, number and the verification link on the left, its QR code on
    // the right (an artifact: the link is printed beside it).
    let qr_size = 96.0;
    let bottom = A4.1 - MARGIN;
    let mut fy = bottom - 4.0 * 17.0 + 12.0;
    for (text, bold) in footer {
        let line = Line {
            text: text.to_string(),
            bold,
            size: 10.5,
            color: INK,
            gap: 0.0,
        };
        let mut group = TagGroup::new(Tag::P);
        group.push(draw_left(&mut surface, fonts, &line, MARGIN, fy, w.lang));
        tree.push(group);
        fy += 17.0;
    }
    qr(
        &mut surface,
        doc.verify_url,
        A4.0 - MARGIN - qr_size,
        bottom - qr_size,
        qr_size,
    );

    surface.finish();
    page.finish();
    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(
        format!("{}: {}", w.title, doc.holder),
        XyzDestination::new(0, Point::from_xy(0.0, 0.0)),
    ));
    document.set_outline(outline);
    document.set_tag_tree(tree);
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}

/// The line's width in points.
fn measure(fonts: &Fonts, text: &str, bold: bool, size: f32) -> f32 {
    let face = if bold {
        &fonts.bold_face
    } else {
        &fonts.regular_face
    };
    let units: u32 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map(u32::from)
                .unwrap_or(u32::from(face.units_per_em()) / 2)
        })
        .sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// Lays `text` out in lines no wider than `width`, each with its size: on one line if it
/// fits at no less than three quarters of `size`; otherwise words move to the next line and
/// the size shrinks (down to `min`) until it takes at most three lines; a word wider than
/// the line is cut.
fn wrap(
    fonts: &Fonts,
    text: &str,
    bold: bool,
    size: f32,
    min: f32,
    width: f32,
) -> Vec<(String, f32)> {
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut one_line = size;
    while one_line >= size * 0.75 {
        if measure(fonts, &text, bold, one_line) <= width {
            return vec![(text, one_line)];
        }
        one_line -= 1.0;
    }
    let mut size = size;
    loop {
        let lines = break_words(fonts, &text, bold, size, width);
        if lines.len() <= 3 || size <= min {
            return lines.into_iter().map(|l| (l, size)).collect();
        }
        size = (size - 1.0).max(min);
    }
}

fn break_words(fonts: &Fonts, text: &str, bold: bool, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if measure(fonts, &candidate, bold, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // A word longer than the line: cut it where it fills the line.
        let mut rest = word.to_string();
        while measure(fonts, &rest, bold, size) > width {
            let mut cut = String::new();
            for c in rest.chars() {
                cut.push(c);
                if measure(fonts, &cut, bold, size) > width {
                    cut.pop();
                    break;
                }
            }
            if cut.is_empty() {
                break;
            }
            rest = rest[cut.len()..].to_string();
            lines.push(cut);
        }
        current = rest;
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        ..Default::default()
    }
}

/// Draws one line centred with its baseline at `y`; its tag's identifier.
fn draw_centred(surface: &mut Surface<'_>, fonts: &Fonts, line: &Line, y: f32, lang: &str) -> Node {
    let x = (A4.0 - measure(fonts, &line.text, line.bold, line.size)) / 2.0;
    draw_left(surface, fonts, line, x.max(MARGIN / 2.0), y, lang)
}

/// Draws one line from `x` with its baseline at `y`; its tag's identifier.
fn draw_left(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    line: &Line,
    x: f32,
    y: f32,
    lang: &str,
) -> Node {
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty().with_lang(Some(lang))));
    surface.set_fill(Some(fill(line.color)));
    let font = if line.bold {
        fonts.bold.clone()
    } else {
        fonts.regular.clone()
    };
    surface.draw_text(
        Point::from_xy(x, y),
        font,
        line.size,
        &line.text,
        false,
        TextDirection::Auto,
    );
    surface.end_tagged();
    id.into()
}

/// A thin double frame around the page (decoration: an artifact).
fn frame(surface: &mut Surface<'_>) {
    surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
    surface.set_fill(Some(fill(ACCENT)));
    for (inset, thickness) in [(24.0, 2.0), (30.0, 0.75)] {
        let (w, h) = (A4.0 - 2.0 * inset, A4.1 - 2.0 * inset);
        let mut pb = PathBuilder::new();
        for rect in [
            Rect::from_xywh(inset, inset, w, thickness),
            Rect::from_xywh(inset, inset + h - thickness, w, thickness),
            Rect::from_xywh(inset, inset, thickness, h),
            Rect::from_xywh(inset + w - thickness, inset, thickness, h),
        ]
        .into_iter()
        .flatten()
        {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            surface.draw_path(&path);
        }
    }
    surface.end_tagged();
}

/// The verification link as a QR code of `size` points at (`x`, `y`) (an artifact: the
/// link is printed as text too).
fn qr(surface: &mut Surface<'_>, url: &str, x: f32, y: f32, size: f32) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M) else {
        return;
    };
    let modules = code.width();
    let colors = code.to_colors();
    let quiet = 2.0;
    let cell = size / (modules as f32 + 2.0 * quiet);
    surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
    surface.set_fill(Some(fill(INK)));
    let mut pb = PathBuilder::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (cx, cy) = ((i % modules) as f32, (i / modules) as f32);
            if let Some(rect) =
                Rect::from_xywh(x + (cx + quiet) * cell, y + (cy + quiet) * cell, cell, cell)
            {
                pb.push_rect(rect);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
    surface.end_tagged();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(holder: &'a str, course: &'a str) -> CertificateDoc<'a> {
        CertificateDoc {
            language: Language::Nb,
            organisation: "USHT Vestfold",
            holder,
            course,
            dates: "1. september 2025 – 10. september 2026",
            hours: Some("14 timer"),
            text: Some("Kurset er godkjent som etterutdanning."),
            number: "USHT-VESTFOLD-2026-0001",
            issued_on: "12. september 2026",
            verify_url: "https://samling.example.no/kursbevis/ABCD-EFGH-JKLM",
        }
    }

    #[test]
    fn a_certificate_is_one_pdf_page() {
        let pdf = render(&doc("Kåre Ødegård Æsøy", "Sorgskolen")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    }

    #[test]
    fn long_names_and_titles_wrap_inside_the_page() {
        let long = "Hjerte-lunge-redning for instruktører i kommunehelsetjenesten, med praktiske øvelser og simulering i team";
        let lines = wrap(&FONTS, long, true, 20.0, 12.0, A4.0 - 2.0 * MARGIN);
        assert!(lines.len() >= 2);
        for (line, size) in &lines {
            assert!(measure(&FONTS, line, true, *size) <= A4.0 - 2.0 * MARGIN);
        }
        let word = "x".repeat(300);
        let lines = wrap(&FONTS, &word, true, 28.0, 14.0, A4.0 - 2.0 * MARGIN);
        assert_eq!(lines.iter().map(|(l, _)| l.len()).sum::<usize>(), 300);
        render(&doc(&word, long)).unwrap();
    }

    #[test]
    fn the_longest_texts_end_above_the_footer() {
        let name = "W".repeat(200);
        let course = "WWWWWWW ".repeat(37);
        let text = "WWWW ".repeat(100);
        let mut d = doc(&name, &course);
        d.text = Some(&text);
        let w = words(Language::Nb);
        let mut scale = 1.0;
        let fits = loop {
            let height: f32 = body(&FONTS, &d, &w, scale)
                .iter()
                .flat_map(|(_, lines)| lines)
                .map(|l| l.gap + l.size)
                .sum();
            if MARGIN + height <= BODY_BOTTOM {
                break true;
            }
            if scale <= 0.4 {
                break false;
            }
            scale -= 0.05;
        };
        assert!(
            fits,
            "the longest name, course and text fit at scale {scale}"
        );
        render(&d).unwrap();
    }

    #[test]
    fn characters_the_font_lacks_still_give_a_pdf() {
        render(&doc("王秀英 🎓", "Kurs")).unwrap();
    }
}
