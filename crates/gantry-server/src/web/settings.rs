//! The project settings page: members and their roles (owners manage them), the calendars with
//! their holidays and other exceptions (managers change them), importing an MS Project file or
//! a plan file as a new project, and exporting this one. Viewers see it all read-only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gantry_core::model::{CalendarException, Shift};
use gantry_store::{Edit, Role, Session, SetupEdit, StoreError};
use serde::Deserialize;

use super::{PageSession, error_page, project_for, redirect, render, sentence, writer};
use crate::error::ApiError;
use crate::{AppState, Scheduled};

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const ROLES: [&str; 4] = ["owner", "manager", "member", "viewer"];

/// A member as listed.
struct MemberRow {
    user_id: i64,
    username: String,
    display_name: String,
    role: &'static str,
}

/// One exception of a calendar.
struct ExceptionRow {
    id: i64,
    name: String,
    from: String,
    to: String,
    hours: String,
}

/// A calendar with its week, its exceptions and the form that adds one.
struct CalendarRow {
    id: i64,
    version: i64,
    name: String,
    is_project_calendar: bool,
    base: Option<String>,
    week: Vec<(&'static str, String)>,
    exceptions: Vec<ExceptionRow>,
    /// The add-exception form's error about the form as a whole.
    form_error: Option<String>,
    /// The add-exception form's fields.
    inputs: Vec<FormInput>,
}

/// A field of the add-exception form.
struct FormInput {
    field: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    hint: &'static str,
    error: Option<String>,
}

impl ExceptionFormState {
    fn inputs(self) -> (Option<String>, Vec<FormInput>) {
        let error_field = self.error_field;
        let error = self.error;
        let error_for = |field: &str| error.clone().filter(|_| error_field == field);
        let inputs = vec![
            FormInput {
                field: "name",
                label: "Holiday",
                kind: "text",
                value: self.name,
                hint: "Christmas",
                error: error_for("name"),
            },
            FormInput {
                field: "from",
                label: "From",
                kind: "date",
                value: self.from,
                hint: "",
                error: error_for("from"),
            },
            FormInput {
                field: "to",
                label: "To (optional)",
                kind: "date",
                value: self.to,
                hint: "",
                error: error_for("to"),
            },
            FormInput {
                field: "hours",
                label: "Hours (empty: day off)",
                kind: "text",
                value: self.hours,
                hint: "08:00-12:00",
                error: error_for("hours"),
            },
        ];
        let known = ["name", "from", "to", "hours"].contains(&error_field.as_str());
        (error.filter(|_| !known), inputs)
    }
}

/// What the add-exception form shows: what was typed, and the refusal next to its field.
#[derive(Default, Clone)]
struct ExceptionFormState {
    name: String,
    from: String,
    to: String,
    hours: String,
    /// The field the error is about: "name", "from", "to", "hours", or "" for the form.
    error_field: String,
    error: Option<String>,
}

/// What a refused write leaves on the page.
#[derive(Default)]
struct Feedback {
    /// The add-member form's values and its error.
    member_username: String,
    member_role: String,
    member_error: Option<String>,
    /// An error about a row of the members table.
    members_error: Option<String>,
    /// The calendar whose form was refused, with its state.
    exception: Option<(i64, ExceptionFormState)>,
    /// An error about a calendar's exceptions list.
    calendars_error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    user_name: String,
    csrf_token: String,
    project_id: i64,
    page: &'static str,
    name: String,
    role: &'static str,
    can_manage_members: bool,
    can_edit_calendars: bool,
    roles: [&'static str; 4],
    members: Vec<MemberRow>,
    calendars: Vec<CalendarRow>,
    feedback: Feedback,
}

fn hours_text(shifts: &[Shift]) -> String {
    shifts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn calendar_rows(scheduled: &Scheduled, feedback: &Feedback) -> Vec<CalendarRow> {
    let stored = &scheduled.plan;
    let plan = &stored.plan;
    plan.calendars
        .iter()
        .enumerate()
        .map(|(index, calendar)| {
            let id = stored.calendar_ids[index];
            let (form_error, inputs) = match &feedback.exception {
                Some((calendar, state)) if *calendar == id => state.clone().inputs(),
                _ => ExceptionFormState::default().inputs(),
            };
            CalendarRow {
                id,
                version: stored.calendar_versions[index],
                name: calendar.name.clone(),
                is_project_calendar: plan.calendar.index() == index,
                base: calendar
                    .base
                    .map(|base| plan.calendars[base.index()].name.clone()),
                week: DAY_NAMES
                    .iter()
                    .zip(&calendar.week)
                    .map(|(day, shifts)| {
                        let text = match shifts {
                            None => "as base".to_string(),
                            Some(shifts) if shifts.is_empty() => "off".to_string(),
                            Some(shifts) => hours_text(shifts),
                        };
                        (*day, text)
                    })
                    .collect(),
                exceptions: calendar
                    .exceptions
                    .iter()
                    .zip(&stored.exception_ids[index])
                    .map(|(exception, &id)| ExceptionRow {
                        id,
                        name: exception.name.clone(),
                        from: exception.from.to_string(),
                        to: exception.to.to_string(),
                        hours: if exception.shifts.is_empty() {
                            "day off".to_string()
                        } else {
                            hours_text(&exception.shifts)
                        },
                    })
                    .collect(),
                form_error,
                inputs,
            }
        })
        .collect()
}

async fn settings_page(
    state: &AppState,
    session: Session,
    role: Role,
    scheduled: &Scheduled,
    feedback: Feedback,
) -> Response {
    let project = scheduled.plan.project_id;
    let members = match state.store().members(project).await {
        Ok(members) => members,
        Err(error) => return server_failed(&error),
    };
    let status = if feedback.member_error.is_some()
        || feedback.members_error.is_some()
        || feedback.exception.is_some()
        || feedback.calendars_error.is_some()
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SettingsPage {
        user_name: session.user.display_name.clone(),
        csrf_token: session.csrf_token,
        project_id: project,
        page: "settings",
        name: scheduled.plan.plan.name.clone(),
        role: role.code(),
        can_manage_members: role >= Role::Owner,
        can_edit_calendars: role >= Role::Manager,
        roles: ROLES,
        members: members
            .into_iter()
            .map(|member| MemberRow {
                user_id: member.user_id,
                username: member.username,
                display_name: member.display_name,
                role: member.role.code(),
            })
            .collect(),
        calendars: calendar_rows(scheduled, &feedback),
        feedback,
    };
    (status, render(&page)).into_response()
}

fn server_failed(error: &StoreError) -> Response {
    tracing::error!(%error, "a store call failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server failed; the details are in its log.",
    )
}

/// A store refusal in words, with the field it names: the same wording as the JSON API.
pub(crate) fn refusal(error: StoreError) -> (Option<String>, String) {
    match ApiError::from(error) {
        ApiError::InvalidField { field, message } => (Some(field), sentence(&message)),
        ApiError::InvalidPlan { message, .. }
        | ApiError::NotFound(message)
        | ApiError::Duplicate(message)
        | ApiError::Forbidden(message)
        | ApiError::Malformed(message) => (None, sentence(&message)),
        ApiError::Conflict { .. } => (
            None,
            "This changed since the page was loaded: reload the page and try again.".to_string(),
        ),
        _ => (
            None,
            "The server failed; the details are in its log.".to_string(),
        ),
    }
}

/// `GET /projects/{id}/settings`.
pub async fn settings(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
) -> Response {
    match project_for(&state, &session, project).await {
        Ok((role, scheduled)) => {
            settings_page(&state, session, role, &scheduled, Feedback::default()).await
        }
        Err(response) => response,
    }
}

/// The add-member form.
#[derive(Debug, Deserialize)]
pub struct AddMemberForm {
    csrf_token: Option<String>,
    username: String,
    role: String,
}

/// `POST /projects/{id}/settings/members` (owner): adds a member by username with a role.
pub async fn add_member(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path(project): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<AddMemberForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Owner,
        "Managing members",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let username = form.username.trim();
    let refused = |message: String| Feedback {
        member_username: form.username.clone(),
        member_role: form.role.clone(),
        member_error: Some(message),
        ..Feedback::default()
    };
    let Some(new_role) = Role::parse(&form.role) else {
        let feedback = refused(format!(
            "Unknown role \"{}\": choose owner, manager, member or viewer.",
            form.role
        ));
        return settings_page(&state, session, role, &scheduled, feedback).await;
    };
    let user = match state.store().users().await {
        Ok(users) => users.into_iter().find(|user| user.username == username),
        Err(error) => return server_failed(&error),
    };
    let Some(user) = user else {
        let feedback = refused(if username.is_empty() {
            "Type the username of the person to add.".to_string()
        } else {
            format!("There is no user \"{username}\".")
        });
        return settings_page(&state, session, role, &scheduled, feedback).await;
    };
    match state.store().role(project, user.id).await {
        Ok(Some(existing)) => {
            let feedback = refused(format!(
                "{} is already a member ({}); change their role in the table.",
                user.username,
                existing.code()
            ));
            return settings_page(&state, session, role, &scheduled, feedback).await;
        }
        Ok(None) => {}
        Err(error) => return server_failed(&error),
    }
    match state
        .store()
        .set_member(project, user.id, new_role, Some(session.user.id))
        .await
    {
        Ok(()) => redirect(&format!("/projects/{project}/settings#members")),
        Err(error) => {
            let feedback = refused(refusal(error).1);
            settings_page(&state, session, role, &scheduled, feedback).await
        }
    }
}

/// Whether `user` is the project's only owner, who must stay one.
async fn last_owner(state: &AppState, project: i64, user: i64) -> Result<bool, StoreError> {
    let members = state.store().members(project).await?;
    let owners: Vec<i64> = members
        .iter()
        .filter(|member| member.role == Role::Owner)
        .map(|member| member.user_id)
        .collect();
    Ok(owners == [user])
}

/// The change-role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    csrf_token: Option<String>,
    role: String,
}

/// `POST /projects/{id}/settings/members/{user}` (owner): changes a member's role; the last
/// owner stays one.
pub async fn change_role(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, user)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<RoleForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Owner,
        "Managing members",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = |message: String| Feedback {
        members_error: Some(message),
        ..Feedback::default()
    };
    let Some(new_role) = Role::parse(&form.role) else {
        let feedback = refused(format!(
            "Unknown role \"{}\": choose owner, manager, member or viewer.",
            form.role
        ));
        return settings_page(&state, session, role, &scheduled, feedback).await;
    };
    if new_role != Role::Owner {
        match last_owner(&state, project, user).await {
            Ok(true) => {
                let feedback = refused(
                    "A project needs an owner: make someone else owner before changing this role."
                        .to_string(),
                );
                return settings_page(&state, session, role, &scheduled, feedback).await;
            }
            Ok(false) => {}
            Err(error) => return server_failed(&error),
        }
    }
    match state.store().role(project, user).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let feedback = refused("That person is not a member of this project.".to_string());
            return settings_page(&state, session, role, &scheduled, feedback).await;
        }
        Err(error) => return server_failed(&error),
    }
    match state
        .store()
        .set_member(project, user, new_role, Some(session.user.id))
        .await
    {
        Ok(()) => redirect(&format!("/projects/{project}/settings#members")),
        Err(error) => {
            let feedback = refused(refusal(error).1);
            settings_page(&state, session, role, &scheduled, feedback).await
        }
    }
}

/// A form that only carries the CSRF token (and, for rows with versions, the version read).
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf_token: Option<String>,
    version: Option<i64>,
}

/// `POST /projects/{id}/settings/members/{user}/remove` (owner): removes a member; the last
/// owner stays.
pub async fn remove_member(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, user)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Owner,
        "Managing members",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = |message: String| Feedback {
        members_error: Some(message),
        ..Feedback::default()
    };
    match last_owner(&state, project, user).await {
        Ok(true) => {
            let feedback = refused(
                "A project needs an owner: make someone else owner before removing this one."
                    .to_string(),
            );
            return settings_page(&state, session, role, &scheduled, feedback).await;
        }
        Ok(false) => {}
        Err(error) => return server_failed(&error),
    }
    match state
        .store()
        .remove_member(project, user, Some(session.user.id))
        .await
    {
        Ok(()) => redirect(&format!("/projects/{project}/settings#members")),
        Err(error) => {
            let feedback = refused(refusal(error).1);
            settings_page(&state, session, role, &scheduled, feedback).await
        }
    }
}

/// The add-exception form.
#[derive(Debug, Deserialize)]
pub struct ExceptionForm {
    csrf_token: Option<String>,
    version: i64,
    name: String,
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    hours: String,
}

impl ExceptionForm {
    fn state(&self, field: &str, message: String) -> ExceptionFormState {
        ExceptionFormState {
            name: self.name.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            hours: self.hours.clone(),
            error_field: field.to_string(),
            error: Some(message),
        }
    }

    /// The exception, or the field that is wrong and why.
    fn exception(&self) -> Result<CalendarException, (&'static str, String)> {
        let date = |field: &'static str, text: &str| {
            text.trim().parse::<jiff::civil::Date>().map_err(|_| {
                (
                    field,
                    format!("\"{}\" is not a date like 2026-12-24.", text.trim()),
                )
            })
        };
        let from = date("from", &self.from)?;
        let to = if self.to.trim().is_empty() {
            from
        } else {
            date("to", &self.to)?
        };
        let shifts = self
            .hours
            .split(',')
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(|text| Shift::parse(text).map_err(|message| ("hours", sentence(&message))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CalendarException {
            name: self.name.trim().to_string(),
            from,
            to,
            shifts,
        })
    }
}

async fn apply(
    state: &AppState,
    session: &Session,
    project: i64,
    edit: SetupEdit,
) -> Result<(), StoreError> {
    let outcome = state
        .store()
        .edit(project, Some(session.user.id), Edit::Setup(edit))
        .await?;
    let scheduled = std::sync::Arc::new(Scheduled::new(outcome.plan, outcome.schedule));
    state.remember(project, scheduled);
    Ok(())
}

/// `POST /projects/{id}/settings/calendars/{calendar}/exceptions` (manager): adds a holiday,
/// an extra working day or changed hours; the tasks on the calendar are rescheduled.
pub async fn add_exception(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, calendar)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<ExceptionForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        "Changing a calendar",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = |field: &str, message: String| Feedback {
        exception: Some((calendar, form.state(field, message))),
        ..Feedback::default()
    };
    let exception = match form.exception() {
        Ok(exception) => exception,
        Err((field, message)) => {
            let feedback = refused(field, message);
            return settings_page(&state, session, role, &scheduled, feedback).await;
        }
    };
    let edit = SetupEdit::CreateException {
        calendar,
        version: form.version,
        exception,
    };
    match apply(&state, &session, project, edit).await {
        Ok(()) => redirect(&format!("/projects/{project}/settings#calendar-{calendar}")),
        Err(error) => {
            let (field, message) = refusal(error);
            let feedback = refused(field.as_deref().unwrap_or(""), message);
            settings_page(&state, session, role, &scheduled, feedback).await
        }
    }
}

/// `POST /projects/{id}/settings/calendars/{calendar}/exceptions/{exception}/delete`
/// (manager): deletes an exception.
pub async fn delete_exception(
    State(state): State<AppState>,
    PageSession(session): PageSession,
    Path((project, calendar, exception)): Path<(i64, i64, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (role, scheduled) = match writer(
        &state,
        &session,
        &headers,
        form.csrf_token.as_deref(),
        project,
        Role::Manager,
        "Changing a calendar",
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(version) = form.version else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The form lacks the calendar's version: reload the page.",
        );
    };
    let edit = SetupEdit::DeleteException {
        calendar,
        version,
        exception,
    };
    match apply(&state, &session, project, edit).await {
        Ok(()) => redirect(&format!("/projects/{project}/settings#calendar-{calendar}")),
        Err(error) => {
            let feedback = Feedback {
                calendars_error: Some(refusal(error).1),
                ..Feedback::default()
            };
            settings_page(&state, session, role, &scheduled, feedback).await
        }
    }
}
