//! Drawing the event form, input kept and problems beside the fields.
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::form::{EventForm, SessionRow};
use crate::db;
use crate::db::events::EventContext;
use crate::domain::EventKind;
use crate::format::kind_label;
use crate::http::desk::auth::Desk;
use crate::http::desk::desk_page;
use crate::http::pages::forms::{ErrorLink, Field};
use crate::http::pages::lang::Lang;
use crate::http::pages::ShowErrorPage;
use crate::http::AppState;

#[derive(Serialize)]
pub(super) struct SessionRowView {
    number: usize,
    index: usize,
    id: String,
    fields: Vec<Field>,
    /// A "remove when you save" checkbox (there is more than one row), and whether it is ticked.
    removable: bool,
    remove_ticked: bool,
    remove_label: String,
    /// The "optional session" checkbox.
    optional_ticked: bool,
    optional_label: String,
}

#[derive(Serialize)]
pub(super) struct FormView {
    action: String,
    creating: bool,
    fields: Vec<Field>,
    registration: Vec<Field>,
    sessions: Vec<SessionRowView>,
    cancel_url: String,
}

/// Where the event form is drawn: the organiser's desk, for a new event or for editing one.
pub(super) struct FormPage<'a> {
    pub state: &'a AppState,
    pub lang: &'a Lang,
    pub desk: &'a Desk,
    /// The event being edited (`None`: a new one).
    pub editing: Option<&'a EventContext>,
}

/// A field drawn narrow (dates, times, numbers).
fn short(mut f: Field) -> Field {
    f.short = true;
    f
}

impl FormPage<'_> {
    fn t(&self, key: &str) -> String {
        self.state.pages.text(self.lang.language, key)
    }

    /// Draws `form` with the input kept and its problems beside the fields: 200 for a
    /// fresh or redrawn form, 400 when there are problems.
    pub(super) async fn draw(
        &self,
        form: &EventForm,
        errors: Vec<ErrorLink>,
    ) -> Result<Response, ShowErrorPage> {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let t = |k: &str| self.t(k);
        let (action, title, cancel_url) = match self.editing {
            Some(ctx) => (
                format!("/admin/events/{}/edit", ctx.event.id),
                t("desk_edit_title").replace("{title}", &ctx.event.title),
                format!("/admin/events/{}", ctx.event.id),
            ),
            None => (
                "/admin/events/new".to_string(),
                t("desk_new_title"),
                "/admin".to_string(),
            ),
        };
        let view = FormView {
            action,
            creating: self.editing.is_none(),
            fields: self.detail_fields(form, &errors).await?,
            registration: self.registration_fields(form, &errors),
            sessions: self.session_rows(form, &errors),
            cancel_url,
        };
        Ok(desk_page(self.desk, "admin/event_form", title)
            .with(view)
            .errors(errors)
            .status(status)
            .nav("events")
            .render(&self.state.pages, self.lang))
    }

    /// Title, kind, description, audience, network, capacity, waiting list, members only.
    async fn detail_fields(
        &self,
        form: &EventForm,
        errors: &[ErrorLink],
    ) -> Result<Vec<Field>, ShowErrorPage> {
        let l = self.lang.language;
        let t = |k: &str| self.t(k);
        let networks = db::networks::list(
            &self.state.db.conn,
            Some(self.desk.organiser.organisation_id),
        )
        .await?;
        let mut network_choices = vec![(String::new(), t("desk_no_network"))];
        network_choices.extend(networks.iter().map(|n| (n.slug.clone(), n.name.clone())));
        let series =
            db::series::of_organisation(&self.state.db.conn, self.desk.organiser.organisation_id)
                .await?;
        let mut series_choices = vec![(String::new(), t("desk_no_series"))];
        series_choices.extend(series.iter().map(|s| (s.slug.clone(), s.name.clone())));
        let kind_choices = EventKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), kind_label(*k, l).to_string()))
            .collect();
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut waitlist = Field::text("waitlist", t("desk_field_waitlist_label"), None)
            .hint(t("desk_field_waitlist_hint"));
        waitlist.legend = Some(t("desk_field_waitlist"));
        waitlist.checked = form.waitlist.is_some();
        let mut members_only =
            Field::text("members_only", t("desk_field_members_only_label"), None)
                .hint(t("desk_field_members_only_hint"));
        members_only.legend = Some(t("desk_field_members_only"));
        members_only.checked = form.members_only.is_some();
        let mut description = Field::text(
            "description",
            t("desk_field_description"),
            form.description.as_deref(),
        )
        .hint(t("desk_field_description_hint"))
        .optional();
        description.rows = Some(8);
        let mut capacity = Field::text(
            "capacity",
            t("desk_field_capacity"),
            form.capacity.as_deref(),
        )
        .hint(t("desk_field_capacity_hint"))
        .optional();
        capacity.inputmode = Some("numeric");
        capacity.short = true;
        let mut min_sessions = Field::text(
            "min_sessions",
            t("desk_field_min_sessions"),
            form.min_sessions.as_deref(),
        )
        .hint(t("desk_field_min_sessions_hint"))
        .optional();
        min_sessions.inputmode = Some("numeric");
        min_sessions.short = true;
        Ok(vec![
            Field::text("title", t("desk_field_title"), form.title.as_deref()).done(errors),
            Field::text("kind", t("desk_field_kind"), None)
                .choices(kind_choices, &value(&form.kind))
                .done(errors),
            description.done(errors),
            Field::text(
                "audience",
                t("desk_field_audience"),
                form.audience.as_deref(),
            )
            .hint(t("desk_field_audience_hint"))
            .optional()
            .done(errors),
            Field::text("network", t("desk_field_network"), None)
                .choices(network_choices, &value(&form.network))
                .optional()
                .done(errors),
            Field::text("series", t("desk_field_series"), None)
                .choices(series_choices, &value(&form.series))
                .hint(t("desk_field_series_hint"))
                .optional()
                .done(errors),
            min_sessions.done(errors),
            capacity.done(errors),
            waitlist.done(errors),
            members_only.done(errors),
        ])
    }

    /// When registration opens and closes.
    fn registration_fields(&self, form: &EventForm, errors: &[ErrorLink]) -> Vec<Field> {
        let t = |k: &str| self.t(k);
        vec![
            short(
                Field::text(
                    "opens_date",
                    t("desk_field_opens"),
                    form.opens_date.as_deref(),
                )
                .of_type("date")
                .optional(),
            )
            .done(errors),
            short(
                Field::text(
                    "opens_time",
                    t("desk_field_opens_time"),
                    form.opens_time.as_deref(),
                )
                .of_type("time")
                .optional(),
            )
            .done(errors),
            short(
                Field::text(
                    "closes_date",
                    t("desk_field_closes"),
                    form.closes_date.as_deref(),
                )
                .of_type("date")
                .optional()
                .hint(t("desk_field_closes_hint")),
            )
            .done(errors),
            short(
                Field::text(
                    "closes_time",
                    t("desk_field_closes_time"),
                    form.closes_time.as_deref(),
                )
                .of_type("time")
                .optional(),
            )
            .done(errors),
        ]
    }

    /// One row of fields per session (at least one row).
    fn session_rows(&self, form: &EventForm, errors: &[ErrorLink]) -> Vec<SessionRowView> {
        let t = |k: &str| self.t(k);
        let mut rows = form.rows();
        if rows.is_empty() {
            rows.push(SessionRow::default());
        }
        let count = rows.len();
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| {
                let named = |name: &str, label: &str, value: &str, input_type: &'static str| {
                    let mut f = Field::text(&format!("session_{name}"), t(label), Some(value))
                        .of_type(input_type);
                    f.id = format!("session-{i}-{name}");
                    f
                };
                SessionRowView {
                    number: i + 1,
                    index: i,
                    id: row.id.clone(),
                    removable: count > 1,
                    remove_ticked: form.removing(i),
                    remove_label: t("desk_remove_session_on_save")
                        .replace("{n}", &(i + 1).to_string()),
                    optional_ticked: form.optional(i),
                    optional_label: t("desk_session_optional"),
                    fields: vec![
                        short(named("date", "desk_session_date", &row.date, "date")).done(errors),
                        short(named("start", "desk_session_start", &row.start, "time"))
                            .done(errors),
                        short(named("end", "desk_session_end", &row.end, "time")).done(errors),
                        short(named("month", "desk_session_month", &row.month, "text"))
                            .hint(t("desk_session_month_hint"))
                            .optional()
                            .done(errors),
                        named("location", "desk_session_location", &row.location, "text")
                            .hint(t("desk_session_location_hint"))
                            .optional()
                            .done(errors),
                        named(
                            "online_url",
                            "desk_session_online_url",
                            &row.online_url,
                            "url",
                        )
                        .hint(t("desk_session_online_url_hint"))
                        .optional()
                        .done(errors),
                    ],
                }
            })
            .collect()
    }
}
