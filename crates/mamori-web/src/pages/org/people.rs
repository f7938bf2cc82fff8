//! /org/people: the list of people with their unit and status.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::forms::{Choice, Problem, show_or_part, unreadable};
use crate::view::{Chrome, NavItem, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use mamori_app::organization::field;
use mamori_domain::org::PersonStatus;
use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
pub struct PeopleQuery {
    pub(super) q: Option<String>,
    pub(super) unit: Option<String>,
    pub(super) page: Option<String>,
}

#[derive(Debug)]
pub(super) struct PersonListRow {
    pub(super) id: String,
    pub(super) staff_number: String,
    pub(super) name: String,
    pub(super) kana: String,
    pub(super) unit: String,
    pub(super) title: String,
    pub(super) employment: String,
    pub(super) status: &'static str,
    pub(super) active: bool,
}

#[derive(Template, Debug)]
#[template(path = "org_people_results.html")]
pub(super) struct PeopleResults {
    pub(super) rows: Vec<PersonListRow>,
    pub(super) total: i64,
    pub(super) page: i64,
    pub(super) pages: i64,
    pub(super) prev: Option<String>,
    pub(super) next: Option<String>,
    pub(super) filtered: bool,
}

#[derive(Template, Debug)]
#[template(path = "org_people.html")]
pub(super) struct PeoplePage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    pub(super) q: String,
    pub(super) units: Vec<Choice>,
    pub(super) can_edit: bool,
    pub(super) results: PeopleResults,
    pub(super) problem: Problem,
}

pub async fn people(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let text = q.q.clone().unwrap_or_default();
    let unit_raw = q.unit.clone().unwrap_or_default();
    let page: i64 = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(1);
    let (unit, problem) = match unit_id(field::UNIT, &unit_raw) {
        Ok(u) => (u, Problem::default()),
        Err(e) => (None, unreadable(&e, "people-form")),
    };
    let found = match state
        .app
        .people(user, unit, Some(text.as_str()), page)
        .await
    {
        Ok(f) => f,
        Err(e) => return Err(PageError::from(e)),
    };
    let tree = state.app.org_tree(user, state.app.today()).await?;
    let query_of = |page: i64| {
        let mut parts = Vec::new();
        if !text.trim().is_empty() {
            parts.push(format!("q={}", url_encode(text.trim())));
        }
        if let Some(u) = unit {
            parts.push(format!("unit={u}"));
        }
        parts.push(format!("page={page}"));
        parts.join("&")
    };
    let results = PeopleResults {
        rows: found
            .rows
            .iter()
            .map(|r| PersonListRow {
                id: r.person.id.to_string(),
                staff_number: r.person.staff_number.clone(),
                name: r.person.name.clone(),
                kana: r.person.name_kana.clone(),
                unit: r.unit_name.clone(),
                title: r.person.title.clone(),
                employment: r.person.employment_kind.clone(),
                status: r.person.status.label(),
                active: r.person.status == PersonStatus::Active,
            })
            .collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
        prev: (found.page > 1).then(|| query_of(found.page - 1)),
        next: (found.page < found.pages).then(|| query_of(found.page + 1)),
        filtered: !text.trim().is_empty() || unit.is_some(),
    };
    let page = PeoplePage {
        chrome: chrome("職員", user),
        sub_nav: sub_nav("/org/people"),
        q: text.clone(),
        units: unit_choices(&tree, &unit.map(|u| u.to_string()).unwrap_or_default()),
        can_edit: user.org_editor().is_ok(),
        results,
        problem,
    };
    show_or_part(&headers, Ok(page), |p| &p.results)
}
