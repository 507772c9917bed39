//! Handlebars mail templates from `email-templates/`, compiled into the binary so a
//! deployed `samling` needs no template folder. Each message has a subject, a plain-text
//! and an HTML template per language: `{kind}.{lang}.subject.hbs`, `….txt.hbs`, `….html.hbs`.
use handlebars::Handlebars;
use serde::Serialize;

use crate::domain::{Language, MailKind};

/// A rendered mail.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A template that failed to load or render.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub(crate) String);

/// The compiled templates: HTML escaped, subject and text verbatim.
pub struct Templates {
    html: Handlebars<'static>,
    text: Handlebars<'static>,
}

macro_rules! template_files {
    ($($stem:literal),+) => {
        &[$(
            (concat!($stem, ".nb.subject"), include_str!(concat!("../../email-templates/", $stem, ".nb.subject.hbs"))),
            (concat!($stem, ".nb.txt"), include_str!(concat!("../../email-templates/", $stem, ".nb.txt.hbs"))),
            (concat!($stem, ".nb.html"), include_str!(concat!("../../email-templates/", $stem, ".nb.html.hbs"))),
            (concat!($stem, ".en.subject"), include_str!(concat!("../../email-templates/", $stem, ".en.subject.hbs"))),
            (concat!($stem, ".en.txt"), include_str!(concat!("../../email-templates/", $stem, ".en.txt.hbs"))),
            (concat!($stem, ".en.html"), include_str!(concat!("../../email-templates/", $stem, ".en.html.hbs"))),
        )+]
    };
}

const FILES: &[(&str, &str)] = template_files!(
    "confirmation",
    "waitlisted",
    "promoted",
    "cancelled",
    "event_changed",
    "event_cancelled",
    "reminder",
    "calendar",
    "feed_link",
    "recording_available",
    "evaluation_invitation",
    "evaluation_reminder",
    "certificate_issued"
);
const LAYOUT: &str = include_str!("../../email-templates/layout.html.hbs");

impl Templates {
    /// Compiles every template; a syntax error stops the start.
    pub fn load() -> Result<Templates, TemplateError> {
        let mut html = Handlebars::new();
        let mut text = Handlebars::new();
        text.register_escape_fn(handlebars::no_escape);
        html.set_strict_mode(true);
        text.set_strict_mode(true);
        html.register_partial("layout", LAYOUT)
            .map_err(|e| TemplateError(format!("layout: {e}")))?;
        for (name, source) in FILES {
            let registry = if name.ends_with(".html") {
                &mut html
            } else {
                &mut text
            };
            registry
                .register_template_string(name, *source)
                .map_err(|e| TemplateError(format!("{name}: {e}")))?;
        }
        Ok(Templates { html, text })
    }

    /// Renders one message in one language.
    pub fn render<T: Serialize>(
        &self,
        kind: MailKind,
        lang: Language,
        ctx: &T,
    ) -> Result<Rendered, TemplateError> {
        let stem = format!("{}.{}", kind.as_str(), lang.as_str());
        let render_text = |part: &str| {
            self.text
                .render(&format!("{stem}.{part}"), ctx)
                .map_err(|e| TemplateError(format!("{stem}.{part}: {e}")))
        };
        let subject = render_text("subject")?;
        // A subject is one line, whatever the data holds.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered {
            subject,
            text: render_text("txt")?,
            html: self
                .html
                .render(&format!("{stem}.html"), ctx)
                .map_err(|e| TemplateError(format!("{stem}.html: {e}")))?,
        })
    }
}
