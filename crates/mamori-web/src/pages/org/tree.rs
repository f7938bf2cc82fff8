//! /org: the unit tree on a date, 組織改正 and 組織を追加.

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::{Choice, Problem, settle, show, show_or_part, typed, unreadable};
use crate::view::{Chrome, NavItem};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use mamori_app::organization::{UnitInput, UnitRow, field};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::OrgUnitId;
use mamori_domain::org::{AGENCY_KINDS, UnitKind};
use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub(super) on: Option<String>,
    pub(super) all: Option<String>,
}

#[derive(Debug)]
pub(super) struct TreeRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) parent: String,
    pub(super) kind: &'static str,
    pub(super) agency: String,
    /// The depth for the indentation (deeper levels share the last class).
    pub(super) level: usize,
    pub(super) people: usize,
    pub(super) holders: Vec<String>,
}

#[derive(Debug)]
pub(super) struct HolderLink {
    pub(super) person_id: String,
    pub(super) name: String,
    pub(super) deputy: bool,
}

/// A body-wide role with everyone who holds it on the date.
#[derive(Debug)]
pub(super) struct BodyRole {
    pub(super) role: String,
    pub(super) holders: Vec<HolderLink>,
}

#[derive(Template, Debug)]
#[template(path = "org_tree_results.html")]
pub(super) struct TreeResults {
    pub(super) on_label: String,
    pub(super) body_roles: Vec<BodyRole>,
    pub(super) rows: Vec<TreeRow>,
}

/// The people of each row's unit with the units below it (rows in depth-first order), as the
/// people list shows them when filtered by the unit.
pub(super) fn people_within(rows: &[UnitRow]) -> Vec<usize> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            r.people
                + rows[i + 1..]
                    .iter()
                    .take_while(|below| below.depth > r.depth)
                    .map(|below| below.people)
                    .sum::<usize>()
        })
        .collect()
}

#[derive(Debug)]
pub(super) struct ChangeRow {
    pub(super) date: String,
    pub(super) kind: &'static str,
    pub(super) summary: String,
}

/// The fields of a unit form, as typed or as stored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UnitForm {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) parent: String,
    pub(super) agency_kind: String,
    pub(super) effective: String,
}

impl UnitForm {
    pub(super) fn input(&self) -> Result<UnitInput, AppError> {
        Ok(UnitInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent: unit_id(field::PARENT, &self.parent)?,
            agency_kind: self.agency_kind.clone(),
            effective: required_date(field::EFFECTIVE, &self.effective)?,
        })
    }
}

#[derive(Template, Debug)]
#[template(path = "org_tree.html")]
pub(super) struct TreePage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    pub(super) on: String,
    pub(super) results: TreeResults,
    pub(super) changes: Vec<ChangeRow>,
    pub(super) can_edit: bool,
    pub(super) form: UnitForm,
    pub(super) parents: Vec<Choice>,
    pub(super) kinds: Vec<Choice>,
    pub(super) agencies: &'static [&'static str],
    pub(super) problem: Problem,
}

pub(super) async fn tree_page(
    state: &AppState,
    user: &CurrentUser,
    on: NaiveDate,
    form: UnitForm,
    problem: Problem,
) -> Result<TreePage, AppError> {
    let app = &state.app;
    let today = app.today();
    let rows = app.org_tree(user, on).await?;
    let current = if on == today {
        None
    } else {
        Some(app.org_tree(user, today).await?)
    };
    let mut body_roles: Vec<BodyRole> = Vec::new();
    for a in app.role_assignments(user, Some(on)).await? {
        if a.assignment.unit_id.is_some() || a.assignment.system_name.is_some() {
            continue;
        }
        let holder = HolderLink {
            person_id: a.assignment.person_id.to_string(),
            name: a.person_name,
            deputy: a.assignment.is_deputy,
        };
        match body_roles.last_mut() {
            Some(last) if last.role == a.role_name => last.holders.push(holder),
            _ => body_roles.push(BodyRole {
                role: a.role_name,
                holders: vec![holder],
            }),
        }
    }
    let changes = app
        .org_changes(user)
        .await?
        .into_iter()
        .map(|(date, kind, summary)| ChangeRow {
            date: ja(date),
            kind: kind.label(),
            summary,
        })
        .collect();
    let form = UnitForm {
        effective: if form.effective.is_empty() {
            today.to_string()
        } else {
            form.effective.clone()
        },
        ..form
    };
    let names: std::collections::HashMap<OrgUnitId, String> = rows
        .iter()
        .map(|r| (r.unit.id, r.unit.name.clone()))
        .collect();
    let within = people_within(&rows);
    Ok(TreePage {
        chrome: chrome("組織", user),
        sub_nav: sub_nav("/org"),
        on: on.to_string(),
        results: TreeResults {
            on_label: ja(on),
            body_roles,
            rows: rows
                .iter()
                .zip(within)
                .map(|(r, people)| TreeRow {
                    id: r.unit.id.to_string(),
                    name: r.unit.name.clone(),
                    parent: r
                        .unit
                        .parent_id
                        .and_then(|p| names.get(&p).cloned())
                        .unwrap_or_default(),
                    kind: r.unit.kind.label(),
                    agency: r.unit.agency_kind.clone(),
                    level: r.depth.min(4),
                    people,
                    holders: r.holders.clone(),
                })
                .collect(),
        },
        changes,
        can_edit: user.org_editor().is_ok(),
        parents: unit_choices(current.as_deref().unwrap_or(&rows), &form.parent),
        kinds: kind_choices(&form.kind),
        agencies: &AGENCY_KINDS,
        form,
        problem,
    })
}

pub async fn tree(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<DateQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let today = state.app.today();
    let (on, problem) = match base_date(q.on.as_deref(), today) {
        Ok(d) => (d, Problem::default()),
        Err(e) => (today, unreadable(&e, "on-form")),
    };
    let form = UnitForm {
        kind: UnitKind::Section.as_str().to_owned(),
        agency_kind: AGENCY_KINDS[0].to_owned(),
        ..UnitForm::default()
    };
    let page = tree_page(&state, user, on, form, problem).await;
    show_or_part(&headers, page, |p| &p.results)
}

pub async fn create_unit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let typed: UnitForm = typed(&form);
    let result = async {
        let input = typed.input()?;
        state.app.create_unit(user, &editor, input, &meta).await
    }
    .await;
    match settle(result, "add-unit", |u| format!("/org/units/{}", u.id))? {
        Ok(response) => Ok(response),
        Err(problem) => show(tree_page(&state, user, state.app.today(), typed, problem).await),
    }
}
