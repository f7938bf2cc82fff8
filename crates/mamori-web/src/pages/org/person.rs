//! /org/people/new and /org/people/{id}: a person with their history, roles and powers.

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::{Choice, Problem, settle, show, typed};
use crate::view::{Chrome, NavItem};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use mamori_app::organization::{AssignmentView, PersonInput, field};
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::ids::PersonId;
use mamori_domain::org::{EMPLOYMENT_KINDS, Person, PersonStatus};
use serde::Deserialize;

use super::*;

/// The fields of the person form, as typed or as stored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PersonForm {
    pub(super) staff_number: String,
    pub(super) name: String,
    pub(super) name_kana: String,
    pub(super) unit: String,
    pub(super) title: String,
    pub(super) employment_kind: String,
    pub(super) email: String,
    pub(super) status: String,
    pub(super) effective: String,
}

impl PersonForm {
    fn stored(p: &Person, today: NaiveDate) -> Self {
        Self {
            staff_number: p.staff_number.clone(),
            name: p.name.clone(),
            name_kana: p.name_kana.clone(),
            unit: p.unit_id.to_string(),
            title: p.title.clone(),
            employment_kind: p.employment_kind.clone(),
            email: p.email.clone().unwrap_or_default(),
            status: p.status.label().to_owned(),
            effective: today.to_string(),
        }
    }

    pub(super) fn input(&self) -> Result<PersonInput, AppError> {
        Ok(PersonInput {
            staff_number: self.staff_number.clone(),
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            unit: unit_id(field::UNIT, &self.unit)?,
            title: self.title.clone(),
            employment_kind: self.employment_kind.clone(),
            email: self.email.clone(),
            status: self.status.clone(),
            effective: optional_date(field::EFFECTIVE, &self.effective)?,
        })
    }
}

#[derive(Debug)]
pub(super) struct PersonFacts {
    pub(super) staff_number: String,
    pub(super) name: String,
    pub(super) kana: String,
    pub(super) unit: String,
    pub(super) unit_id: String,
    pub(super) title: String,
    pub(super) employment: String,
    pub(super) email: String,
    pub(super) status: &'static str,
    pub(super) active: bool,
}

#[derive(Debug)]
pub(super) struct PersonHistoryRow {
    pub(super) from: String,
    pub(super) unit: String,
    pub(super) title: String,
    pub(super) employment: String,
    pub(super) status: &'static str,
    pub(super) cause: String,
}

#[derive(Debug)]
pub(super) struct HeldRow {
    pub(super) role: String,
    pub(super) scope: String,
    pub(super) deputy: bool,
    pub(super) period: String,
    pub(super) post: String,
    pub(super) state: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "org_person.html")]
pub(super) struct PersonPage {
    pub(super) chrome: Chrome,
    pub(super) sub_nav: Vec<NavItem>,
    /// Empty for a new person.
    pub(super) id: String,
    pub(super) facts: Option<PersonFacts>,
    pub(super) history: Vec<PersonHistoryRow>,
    pub(super) held: Vec<HeldRow>,
    pub(super) powers: Vec<PowerRow>,
    pub(super) today: String,
    pub(super) can_edit: bool,
    pub(super) form: PersonForm,
    pub(super) units: Vec<Choice>,
    pub(super) statuses: Vec<Choice>,
    pub(super) employment_kinds: &'static [&'static str],
    /// The person's login accounts: (login, disabled).
    pub(super) accounts: Vec<(String, bool)>,
    pub(super) problem: Problem,
}

pub(super) async fn person_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<PersonId>,
    typed: Option<PersonForm>,
    problem: Problem,
) -> Result<PersonPage, AppError> {
    let app = &state.app;
    let today = app.today();
    let tree = app.org_tree(user, today).await?;
    let detail = match id {
        Some(id) => Some(app.person(user, id).await?),
        None => None,
    };
    let form = match (typed, &detail) {
        (Some(f), _) => f,
        (None, Some(d)) => PersonForm::stored(&d.person, today),
        (None, None) => PersonForm {
            employment_kind: EMPLOYMENT_KINDS[0].to_owned(),
            status: PersonStatus::Active.label().to_owned(),
            effective: today.to_string(),
            ..PersonForm::default()
        },
    };
    let held_state = |a: &AssignmentView| {
        if a.assignment.valid_from > today {
            "開始前"
        } else if a.assignment.is_valid_on(today) {
            "現在"
        } else {
            "終了"
        }
    };
    let title = detail
        .as_ref()
        .map_or_else(|| "職員の登録".to_owned(), |d| d.person.name.clone());
    let accounts = match id {
        Some(id) => app
            .person_accounts(user, id)
            .await?
            .into_iter()
            .map(|a| (a.login.to_string(), a.disabled))
            .collect(),
        None => Vec::new(),
    };
    Ok(PersonPage {
        accounts,
        chrome: chrome(title, user),
        sub_nav: sub_nav(if detail.is_some() { "" } else { "/org/people" }),
        id: id.map(|i| i.to_string()).unwrap_or_default(),
        facts: detail.as_ref().map(|d| PersonFacts {
            staff_number: d.person.staff_number.clone(),
            name: d.person.name.clone(),
            kana: d.person.name_kana.clone(),
            unit: d.unit_name.clone(),
            unit_id: d.person.unit_id.to_string(),
            title: d.person.title.clone(),
            employment: d.person.employment_kind.clone(),
            email: d.person.email.clone().unwrap_or_default(),
            status: d.person.status.label(),
            active: d.person.status == PersonStatus::Active,
        }),
        history: detail
            .as_ref()
            .map(|d| {
                d.history
                    .iter()
                    .rev()
                    .map(|h| PersonHistoryRow {
                        from: ja(h.version.valid_from),
                        unit: h.unit_name.clone(),
                        title: h.version.title.clone(),
                        employment: h.version.employment_kind.clone(),
                        status: h.version.status.label(),
                        cause: h.version.cause.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        held: detail
            .as_ref()
            .map(|d| {
                d.assignments
                    .iter()
                    .map(|a| HeldRow {
                        role: a.role_name.clone(),
                        scope: a.scope.clone().unwrap_or_else(|| "団体全体".to_owned()),
                        deputy: a.assignment.is_deputy,
                        period: period(a.assignment.valid_from, a.assignment.valid_to),
                        post: a.post.clone().unwrap_or_default(),
                        state: held_state(a),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        powers: match &detail {
            Some(d) => power_rows(&d.powers)?,
            None => Vec::new(),
        },
        today: ja(today),
        can_edit: user.org_editor().is_ok(),
        units: unit_choices(&tree, &form.unit),
        statuses: PersonStatus::ALL
            .into_iter()
            .map(|s| Choice {
                value: s.label().to_owned(),
                label: s.label().to_owned(),
                selected: s.label() == form.status,
            })
            .collect(),
        employment_kinds: &EMPLOYMENT_KINDS,
        form,
        problem,
    })
}

pub(super) fn parse_person(raw: &str) -> Result<PersonId, AppError> {
    raw.parse().map_err(|_| not_found("職員"))
}

pub async fn new_person(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    if let Err(e) = user.org_editor() {
        return Err(e.into());
    }
    show(person_page(&state, user, None, None, Problem::default()).await)
}

pub async fn person(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = match parse_person(&id) {
        Ok(id) => person_page(&state, &session.user, Some(id), None, Problem::default()).await,
        Err(e) => Err(e),
    };
    show(page)
}

/// Saves a new person (`id` None) or a change, or shows the form again with the message.
pub(super) async fn save_person(
    state: &AppState,
    meta: &RequestMeta,
    id: Option<PersonId>,
    form: &VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(form)?;
    let typed: PersonForm = typed(form);
    let result = async {
        let input = typed.input()?;
        state.app.save_person(user, &editor, id, input, meta).await
    }
    .await;
    match settle(result, "edit-person", |p| format!("/org/people/{}", p.id))? {
        Ok(response) => Ok(response),
        Err(problem) => show(person_page(state, user, id, Some(typed), problem).await),
    }
}

pub async fn create_person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    save_person(&state, &meta, None, &form).await
}

pub async fn change_person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    match parse_person(&id) {
        Ok(id) => save_person(&state, &meta, Some(id), &form).await,
        Err(e) => Err(e.into()),
    }
}

/// Creates the person's login account.
pub async fn create_account(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let Ok(person) = id.parse::<PersonId>() else {
        return Err(not_found("職員").into());
    };
    let result = state
        .app
        .create_person_account(
            user,
            &editor,
            person,
            form.get("login"),
            form.get("password"),
            &meta,
        )
        .await;
    match settle(result, "new-account", |_| format!("/org/people/{person}"))? {
        Ok(response) => Ok(response),
        Err(problem) => show(person_page(&state, user, Some(person), None, problem).await),
    }
}
