//! /org/units/{id}: a unit with its names over time, its change and abolition.

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::{Choice, Problem, settle, show, typed};
use crate::view::{Chrome, NavItem};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use mamori_app::organization::{UnitRow, field};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::OrgUnitId;
use mamori_domain::org::AGENCY_KINDS;

use super::*;

#[derive(Debug)]
pub(super) struct UnitHistoryRow {
    pub(super) from: String,
    pub(super) name: String,
    pub(super) parent: String,
    pub(super) agency: String,
}

#[derive(Template, Debug)]
#[template(path = "org_unit.html")]
pub(super) struct UnitPage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    pub(super) id: String,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) agency: String,
    pub(super) parent: String,
    pub(super) parent_id: String,
    pub(super) since: String,
    pub(super) until: Option<String>,
    pub(super) people: usize,
    pub(super) holders: Vec<String>,
    pub(super) history: Vec<UnitHistoryRow>,
    pub(super) can_edit: bool,
    pub(super) form: UnitForm,
    pub(super) parents: Vec<Choice>,
    /// Units the unit can be merged into (not itself nor a unit below it).
    pub(super) successors: Vec<Choice>,
    pub(super) successor: Option<(String, String)>,
    pub(super) abolished: bool,
    pub(super) kinds: Vec<Choice>,
    pub(super) agencies: &'static [&'static str],
    pub(super) problem: Problem,
}

pub(super) async fn unit_page(
    state: &AppState,
    user: &CurrentUser,
    id: OrgUnitId,
    typed: Option<UnitForm>,
    problem: Problem,
) -> Result<UnitPage, AppError> {
    let app = &state.app;
    let today = app.today();
    let (unit, history) = app.org_unit(user, id).await?;
    let rows = app.org_tree(user, today).await?;
    let mine = rows.iter().position(|r| r.unit.id == id);
    // Neither the unit itself nor a unit below it can become its parent.
    let below = mine.map_or(0, |i| {
        rows[i + 1..]
            .iter()
            .take_while(|r| r.depth > rows[i].depth)
            .count()
    });
    let candidates: Vec<UnitRow> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| mine.is_none_or(|m| *i < m || *i > m + below))
        .map(|(_, r)| r.clone())
        .collect();
    let parent_name = unit
        .parent_id
        .and_then(|p| rows.iter().find(|r| r.unit.id == p))
        .map(|r| r.unit.name.clone())
        .unwrap_or_default();
    let form = typed.unwrap_or_else(|| UnitForm {
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: unit.kind.as_str().to_owned(),
        parent: unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        agency_kind: unit.agency_kind.clone(),
        effective: today.to_string(),
    });
    let row = mine.map(|i| &rows[i]);
    Ok(UnitPage {
        chrome: chrome(unit.name.clone(), user),
        sub_nav: sub_nav(""),
        id: unit.id.to_string(),
        code: unit.code.clone(),
        kind: unit.kind.label(),
        agency: unit.agency_kind.clone(),
        parent: parent_name,
        parent_id: unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        since: ja(unit.valid_from),
        until: unit.valid_to.map(ja),
        people: mine.map_or(0, |i| people_within(&rows[i..=i + below])[0]),
        holders: row.map(|r| r.holders.clone()).unwrap_or_default(),
        history: history
            .into_iter()
            .rev()
            .map(|(from, name, parent, agency)| UnitHistoryRow {
                from: ja(from),
                name,
                parent: parent.unwrap_or_else(|| "（なし）".to_owned()),
                agency,
            })
            .collect(),
        can_edit: user.org_editor().is_ok(),
        successors: unit_choices(&candidates, ""),
        successor: match unit.successor_id {
            Some(s) => Some((s.to_string(), app.org_unit(user, s).await?.0.name)),
            None => None,
        },
        abolished: unit.valid_to.is_some(),
        parents: unit_choices(&candidates, &form.parent),
        kinds: kind_choices(&form.kind),
        agencies: &AGENCY_KINDS,
        name: unit.name,
        form,
        problem,
    })
}

pub(super) fn parse_unit(raw: &str) -> Result<OrgUnitId, AppError> {
    raw.parse().map_err(|_| not_found("組織"))
}

pub async fn unit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = match parse_unit(&id) {
        Ok(id) => unit_page(&state, &session.user, id, None, Problem::default()).await,
        Err(e) => Err(e),
    };
    show(page)
}

pub async fn change_unit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let id = parse_unit(&id)?;
    let typed: UnitForm = typed(&form);
    let result = async {
        let input = typed.input()?;
        state.app.change_unit(user, &editor, id, input, &meta).await
    }
    .await;
    match settle(result, "edit-unit", |u| format!("/org/units/{}", u.id))? {
        Ok(response) => Ok(response),
        Err(problem) => show(unit_page(&state, user, id, Some(typed), problem).await),
    }
}

/// 廃止・統合 of a unit.
pub async fn abolish_unit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let id = parse_unit(&id)?;
    let result = async {
        let successor = unit_id("統合先", form.get("successor"))?;
        let effective = required_date(field::EFFECTIVE, form.get("effective"))?;
        state
            .app
            .abolish_unit(user, &editor, id, successor, effective, &meta)
            .await
    }
    .await;
    match settle(result, "abolish-unit", |(u, _)| {
        format!("/org/units/{}", u.id)
    })? {
        Ok(response) => Ok(response),
        Err(problem) => show(unit_page(&state, user, id, None, problem).await),
    }
}
