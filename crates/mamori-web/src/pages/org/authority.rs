//! /org/authority: 権限の照会 (who may, what a person may, 兼務の禁止).

use crate::AppState;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::forms::{Choice, Problem, page_or_part, refused};
use crate::view::{Chrome, NavItem, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use mamori_app::organization::{PersonRow, field};
use mamori_app::policy::guideline;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::authority::Context;
use serde::Deserialize;

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct AuthorityQuery {
    /// Which form was sent: `who` or `what`.
    pub(super) ask: Option<String>,
    pub(super) clause: Option<String>,
    pub(super) unit: Option<String>,
    pub(super) system: Option<String>,
    pub(super) on: Option<String>,
    pub(super) person: Option<String>,
}

#[derive(Debug)]
pub(super) struct HolderRow {
    pub(super) person_id: String,
    pub(super) name: String,
    pub(super) deputy: bool,
}

#[derive(Debug)]
pub(super) struct AnswerRow {
    pub(super) symbol: &'static str,
    pub(super) mark: &'static str,
    pub(super) role: String,
    pub(super) unit: String,
    pub(super) walked_up: bool,
    pub(super) holders: Vec<HolderRow>,
    pub(super) gap: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority_who.html")]
pub(super) struct WhoResults {
    pub(super) asked: bool,
    pub(super) clause: String,
    pub(super) href_id: String,
    pub(super) title: String,
    pub(super) context: String,
    pub(super) on_label: String,
    pub(super) answers: Vec<AnswerRow>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority_what.html")]
pub(super) struct WhatResults {
    pub(super) asked: bool,
    pub(super) person_id: String,
    pub(super) person: String,
    pub(super) on_label: String,
    pub(super) powers: Vec<PowerRow>,
}

#[derive(Debug)]
pub(super) struct SodRow {
    pub(super) clause: String,
    pub(super) href_id: String,
    pub(super) label: &'static str,
    pub(super) exception: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority.html")]
pub(super) struct AuthorityPage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    pub(super) clauses: Vec<Choice>,
    pub(super) units: Vec<Choice>,
    pub(super) systems: Vec<String>,
    pub(super) people: Vec<PersonOption>,
    pub(super) system: String,
    pub(super) person: String,
    pub(super) on: String,
    pub(super) who: WhoResults,
    pub(super) what: WhatResults,
    pub(super) rules: Vec<SodRow>,
    pub(super) problem: Problem,
}

/// The two answers of the page, from the query. A refused query is a [`Problem`] of its form.
pub(super) async fn answers(
    state: &AppState,
    user: &CurrentUser,
    q: &AuthorityQuery,
    people: &[PersonRow],
) -> Result<(WhoResults, WhatResults), AppError> {
    let app = &state.app;
    let on = base_date(q.on.as_deref(), app.today())?;
    let mut who = WhoResults {
        asked: false,
        clause: String::new(),
        href_id: String::new(),
        title: String::new(),
        context: String::new(),
        on_label: ja(on),
        answers: Vec::new(),
    };
    let mut what = WhatResults {
        asked: false,
        person_id: String::new(),
        person: String::new(),
        on_label: ja(on),
        powers: Vec::new(),
    };
    let clause = q.clause.as_deref().map(str::trim).unwrap_or_default();
    if !clause.is_empty() {
        let unit = unit_id(field::UNIT, q.unit.as_deref().unwrap_or_default())?;
        let system = q
            .system
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let context = Context {
            unit,
            system: system.clone(),
        };
        let found = app.who_may(user, clause, &context, on).await?;
        let tree = app.org_tree(user, on).await?;
        let unit_name = unit
            .and_then(|u| tree.iter().find(|r| r.unit.id == u))
            .map(|r| r.unit.name.clone());
        who.asked = true;
        who.clause = clause.to_owned();
        who.href_id = url_encode(clause);
        who.title = guideline()?
            .clause(clause)
            .map(|c| c.title.clone())
            .unwrap_or_default();
        who.context = [unit_name, system]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("・");
        who.answers = found
            .into_iter()
            .map(|a| AnswerRow {
                symbol: a.mark.symbol(),
                mark: a.mark.label(),
                role: a.role_name,
                unit: a.unit_name.unwrap_or_default(),
                walked_up: a.walked_up,
                holders: a
                    .holders
                    .into_iter()
                    .map(|h| HolderRow {
                        person_id: h.person.to_string(),
                        name: h.name,
                        deputy: h.is_deputy,
                    })
                    .collect(),
                gap: a.gap,
            })
            .collect();
    }
    let typed = q.person.as_deref().map(str::trim).unwrap_or_default();
    if q.ask.as_deref() == Some("what") || !typed.is_empty() {
        let id = find_person(people, typed, field::PERSON)?;
        let powers = app.what_may(user, id, on).await?;
        what.asked = true;
        what.person_id = id.to_string();
        what.person = people
            .iter()
            .find(|p| p.person.id == id)
            .map(|p| format!("{}（{} {}）", p.person.name, p.unit_name, p.person.title))
            .unwrap_or_default();
        what.powers = power_rows(&powers)?;
    }
    Ok((who, what))
}

pub async fn authority(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<AuthorityQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = authority_page(&state, user, &q).await?;
    let status = page.problem.status();
    Ok(match q.ask.as_deref() {
        Some("what") => page_or_part(&headers, status, &page, &page.what),
        _ => page_or_part(&headers, status, &page, &page.who),
    })
}

pub(super) async fn authority_page(
    state: &AppState,
    user: &CurrentUser,
    q: &AuthorityQuery,
) -> Result<AuthorityPage, AppError> {
    let app = &state.app;
    let today = app.today();
    let people = everyone(state, user).await?;
    let form = if q.ask.as_deref() == Some("what") {
        "what-form"
    } else {
        "who-form"
    };
    let (who, what, problem) = match answers(state, user, q, &people).await {
        Ok((who, what)) => (who, what, Problem::default()),
        Err(e) => {
            let problem = refused(e, form)?;
            let empty = answers(state, user, &AuthorityQuery::default(), &people).await?;
            (empty.0, empty.1, problem)
        }
    };
    let set = app.role_set(user).await?;
    let role_name = |key: &str| {
        set.iter()
            .find(|r| r.key == key)
            .map_or_else(|| key.to_owned(), |r| r.name.clone())
    };
    let chosen = q.clause.clone().unwrap_or_default();
    let clauses = app
        .deciding_clauses(user)
        .await?
        .into_iter()
        .map(|c| {
            let marks = c
                .marks
                .iter()
                .map(|(role, mark)| format!("{}: {}", mark.symbol(), role_name(role)))
                .collect::<Vec<_>>()
                .join("、");
            Choice {
                selected: c.clause == chosen,
                label: format!("{} {}（{}）", c.clause, c.title, marks),
                value: c.clause,
            }
        })
        .collect();
    let tree = app.org_tree(user, today).await?;
    let systems = system_names(&app.role_assignments(user, None).await?);
    let rules = app
        .separation_rules(user)
        .await?
        .into_iter()
        .map(|(rule, exception)| SodRow {
            clause: rule.clause().to_owned(),
            href_id: url_encode(rule.clause()),
            label: rule.label(),
            exception,
        })
        .collect();
    Ok(AuthorityPage {
        chrome: chrome("権限の照会", user),
        sub_nav: sub_nav("/org/authority"),
        clauses,
        units: unit_choices(&tree, q.unit.as_deref().unwrap_or_default()),
        systems,
        people: person_options(&people),
        system: q.system.clone().unwrap_or_default(),
        person: q.person.clone().unwrap_or_default(),
        on: q
            .on
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| today.to_string()),
        who,
        what,
        rules,
        problem,
    })
}
