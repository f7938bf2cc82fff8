//! /org/roles: 役割と任命 on a date.

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::{Choice, Problem, settle, show, show_or_part, typed, unreadable};
use crate::view::{Chrome, NavItem};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use mamori_app::organization::{AssignmentInput, PersonRow, field};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::RoleAssignmentId;
use mamori_domain::org::RoleScope;
use serde::Deserialize;

use super::*;

#[derive(Debug)]
pub(super) struct AssignmentRow {
    pub(super) id: String,
    pub(super) role: String,
    pub(super) scope: String,
    pub(super) person_id: String,
    pub(super) person: String,
    pub(super) staff_number: String,
    pub(super) deputy: bool,
    pub(super) period: String,
    pub(super) post: String,
    /// May still be ended (no end, or an end after today).
    pub(super) endable: bool,
    /// The last day the end form offers (as typed when the end was refused).
    pub(super) last_day: String,
    /// The message when ending this assignment was refused.
    pub(super) error: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_roles_results.html")]
pub(super) struct RolesResults {
    pub(super) caption: String,
    pub(super) rows: Vec<AssignmentRow>,
    pub(super) can_edit: bool,
    pub(super) csrf: String,
}

/// The fields of the 任命する form (a checkbox sends a value only when checked).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AssignForm {
    pub(super) role: String,
    pub(super) person: String,
    pub(super) unit: String,
    pub(super) system: String,
    pub(super) deputy: String,
    pub(super) valid_from: String,
    pub(super) valid_to: String,
    pub(super) tie_to_post: String,
}

impl AssignForm {
    pub(super) fn input(&self, people: &[PersonRow]) -> Result<AssignmentInput, AppError> {
        Ok(AssignmentInput {
            role: self.role.clone(),
            person: find_person(people, &self.person, field::PERSON)?,
            unit: unit_id(field::UNIT, &self.unit)?,
            system: Some(self.system.clone()),
            is_deputy: !self.deputy.is_empty(),
            valid_from: required_date(field::VALID_FROM, &self.valid_from)?,
            valid_to: optional_date(field::VALID_TO, &self.valid_to)?,
            tie_to_post: !self.tie_to_post.is_empty(),
        })
    }
}

#[derive(Template, Debug)]
#[template(path = "org_roles.html")]
pub(super) struct RolesPage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    pub(super) on: String,
    pub(super) all: bool,
    pub(super) results: RolesResults,
    pub(super) can_edit: bool,
    pub(super) form: AssignForm,
    pub(super) roles: Vec<Choice>,
    pub(super) units: Vec<Choice>,
    pub(super) people: Vec<PersonOption>,
    pub(super) systems: Vec<String>,
    pub(super) problem: Problem,
}

pub(super) fn scope_label(scope: RoleScope) -> &'static str {
    match scope {
        RoleScope::Body => "団体全体",
        RoleScope::Unit => "所属ごと",
        RoleScope::System => "情報システムごと",
    }
}

/// What the roles page shows: on a date, or every assignment ever (`on` None).
pub(super) struct RolesView {
    pub(super) on: Option<NaiveDate>,
    pub(super) form: AssignForm,
    pub(super) problem: Problem,
    /// The assignment whose end was refused, with the message.
    pub(super) end_error: Option<(RoleAssignmentId, String, String)>,
}

pub(super) async fn roles_page(
    state: &AppState,
    user: &CurrentUser,
    view: RolesView,
) -> Result<RolesPage, AppError> {
    let app = &state.app;
    let today = app.today();
    let list = app.role_assignments(user, view.on).await?;
    let everything = match view.on {
        None => None,
        Some(_) => Some(app.role_assignments(user, None).await?),
    };
    let systems = system_names(everything.as_deref().unwrap_or(&list));
    let tree = app.org_tree(user, today).await?;
    let people = everyone(state, user).await?;
    let set = app.role_set(user).await?;
    let mut form = view.form;
    if form.valid_from.is_empty() {
        form.valid_from = today.to_string();
    }
    let csrf = user.csrf_token.clone().unwrap_or_default();
    let rows = list
        .iter()
        .map(|a| AssignmentRow {
            id: a.assignment.id.to_string(),
            role: a.role_name.clone(),
            scope: a.scope.clone().unwrap_or_else(|| "団体全体".to_owned()),
            person_id: a.assignment.person_id.to_string(),
            person: a.person_name.clone(),
            staff_number: a.staff_number.clone(),
            deputy: a.assignment.is_deputy,
            period: period(a.assignment.valid_from, a.assignment.valid_to),
            post: a.post.clone().unwrap_or_default(),
            endable: a.assignment.valid_to.is_none_or(|to| to > today),
            last_day: view
                .end_error
                .as_ref()
                .filter(|(id, _, _)| *id == a.assignment.id)
                .map_or_else(|| today.to_string(), |(_, _, typed)| typed.clone()),
            error: view
                .end_error
                .as_ref()
                .filter(|(id, _, _)| *id == a.assignment.id)
                .map(|(_, m, _)| m.clone()),
        })
        .collect();
    let caption = match view.on {
        Some(on) => format!("{}に役割を担う者", ja(on)),
        None => "すべての任命（過去・将来を含む）".to_owned(),
    };
    let can_edit = user.org_editor().is_ok();
    Ok(RolesPage {
        chrome: chrome("役割と任命", user),
        sub_nav: sub_nav("/org/roles"),
        on: view.on.unwrap_or(today).to_string(),
        all: view.on.is_none(),
        results: RolesResults {
            caption,
            rows,
            can_edit,
            csrf,
        },
        can_edit,
        roles: set
            .iter()
            .map(|r| Choice {
                value: r.key.clone(),
                label: format!("{}（{}）", r.name, scope_label(r.scope)),
                selected: r.key == form.role,
            })
            .collect(),
        units: unit_choices(&tree, &form.unit),
        people: person_options(&people),
        systems,
        form,
        problem: view.problem,
    })
}

pub async fn roles(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<DateQuery>,
) -> Result<Response, PageError> {
    let today = state.app.today();
    let all = q.all.as_deref() == Some("1");
    let (on, problem) = match base_date(q.on.as_deref(), today) {
        Ok(d) => (d, Problem::default()),
        Err(e) => (today, unreadable(&e, "on-form")),
    };
    let view = RolesView {
        on: (!all).then_some(on),
        form: AssignForm::default(),
        problem,
        end_error: None,
    };
    let page = roles_page(&state, &session.user, view).await;
    show_or_part(&headers, page, |p| &p.results)
}

pub async fn assign(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let typed: AssignForm = typed(&form);
    let result = async {
        let input = typed.input(&everyone(&state, user).await?)?;
        state.app.assign_role(user, &editor, input, &meta).await
    }
    .await;
    match settle(result, "assign", |a| {
        format!("/org/roles?on={}", a.valid_from)
    })? {
        Ok(response) => Ok(response),
        Err(problem) => {
            let view = RolesView {
                on: Some(state.app.today()),
                form: typed,
                problem,
                end_error: None,
            };
            show(roles_page(&state, user, view).await)
        }
    }
}

pub async fn end_assignment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let Ok(id) = id.parse::<RoleAssignmentId>() else {
        return Err(not_found("役割の任命").into());
    };
    let last_day = form.get("last_day");
    let result = async {
        let day = required_date(field::VALID_TO, last_day)?;
        state.app.end_role(user, &editor, id, day, &meta).await
    }
    .await;
    match settle(result, &format!("end-{id}"), |_| "/org/roles".to_owned())? {
        Ok(response) => Ok(response),
        Err(problem) => {
            let view = RolesView {
                on: Some(state.app.today()),
                form: AssignForm::default(),
                end_error: Some((id, problem.message.clone(), last_day.to_owned())),
                problem,
            };
            show(roles_page(&state, user, view).await)
        }
    }
}
