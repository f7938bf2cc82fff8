//! The organization screens: the unit tree on a date with its 組織改正, a unit with its names over
//! time, people with their history, roles and powers, 役割と任命 (who holds which role on a date),
//! and 権限の照会 (who may permit or approve a clause, what a person may decide, 兼務の禁止).
//!
//! Everyone in the body may look; changes need the `org.edit` permission value, and a refused
//! input shows the form again with the message next to the field (422), nothing changed.

pub mod import;
pub mod transfers;

use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use mamori_app::access::OrgEditor;
use mamori_app::organization::{
    AssignmentInput, AssignmentView, PersonInput, PersonRow, UnitInput, UnitRow, field,
};
use mamori_app::policy::guideline;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_domain::authority::{Context, Power};
use mamori_domain::ids::{OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{
    AGENCY_KINDS, EMPLOYMENT_KINDS, Person, PersonStatus, RoleScope, UnitKind,
};
use mamori_domain::wareki::format_gregorian_as_wareki;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::extract::Session;
use crate::middleware::RequestId;
use crate::pages::{fail, meta, parse_date};
use crate::view::{Chrome, NavItem, url_encode};

use super::forms::{
    Choice, FormPage, Problem, form_page, page_or_part, refused, settle, show, show_or_part, typed,
    unreadable,
};

/// The label of the date every list is shown on.
const BASE_DATE: &str = "基準日";

// ---------------------------------------------------------------------------------------------
// Shared pieces

form_page!(
    TreePage,
    UnitPage,
    PeoplePage,
    PersonPage,
    RolesPage,
    AuthorityPage
);

/// The signed-in user of a form and their permission to change the organization.
fn editor_of(form: &VerifiedForm) -> Result<(&CurrentUser, OrgEditor), AppError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let editor = session.user.org_editor()?;
    Ok((&session.user, editor))
}

/// A person for the staff-number fields: the datalist offers the number with the name.
#[derive(Debug)]
struct PersonOption {
    staff_number: String,
    label: String,
}

fn ja(date: NaiveDate) -> String {
    format_gregorian_as_wareki(date)
}

/// 「令和8年4月1日〜」 or 「令和8年4月1日〜令和9年3月31日」.
fn period(from: NaiveDate, to: Option<NaiveDate>) -> String {
    format!("{}〜{}", ja(from), to.map(ja).unwrap_or_default())
}

fn sub_nav(current: &str) -> Vec<NavItem> {
    [
        ("組織図", "/org"),
        ("職員", "/org/people"),
        ("役割と任命", "/org/roles"),
        ("権限の照会", "/org/authority"),
        ("人事異動", "/org/transfers"),
        ("取込・出力", "/org/import"),
    ]
    .into_iter()
    .map(|(label, href)| NavItem {
        label,
        href,
        current: href == current,
    })
    .collect()
}

fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/org")
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

/// A date field that must be filled.
fn required_date(field: &str, raw: &str) -> Result<NaiveDate, AppError> {
    if raw.trim().is_empty() {
        return Err(invalid(field, "日付を入力してください"));
    }
    parse_date(field, raw)
}

/// A date field that may be left empty.
fn optional_date(field: &str, raw: &str) -> Result<Option<NaiveDate>, AppError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(field, raw).map(Some)
    }
}

/// The 基準日 of a list: the date asked for, else today.
fn base_date(raw: Option<&str>, today: NaiveDate) -> Result<NaiveDate, AppError> {
    optional_date(BASE_DATE, raw.unwrap_or("")).map(|d| d.unwrap_or(today))
}

/// A unit chosen in a select box; empty means none.
fn unit_id(field: &str, raw: &str) -> Result<Option<OrgUnitId>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| invalid(field, "一覧から組織を選んでください"))
}

fn not_found(what: &str) -> AppError {
    AppError::NotFound(what.to_owned())
}

/// The units of a tree as select options, indented by depth.
pub(crate) fn unit_choices(rows: &[UnitRow], selected: &str) -> Vec<Choice> {
    rows.iter()
        .map(|r| Choice {
            value: r.unit.id.to_string(),
            label: format!("{}{}", "　".repeat(r.depth), r.unit.name),
            selected: r.unit.id.to_string() == selected,
        })
        .collect()
}

fn kind_choices(selected: &str) -> Vec<Choice> {
    [UnitKind::Department, UnitKind::Section, UnitKind::Team]
        .into_iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.label().to_owned(),
            selected: k.as_str() == selected,
        })
        .collect()
}

/// Every person of the body, for the staff-number fields and to find the one typed.
async fn everyone(state: &AppState, user: &CurrentUser) -> Result<Vec<PersonRow>, AppError> {
    state.app.all_people(user).await
}

fn person_options(people: &[PersonRow]) -> Vec<PersonOption> {
    people
        .iter()
        .map(|p| PersonOption {
            staff_number: p.person.staff_number.clone(),
            label: format!("{}（{} {}）", p.person.name, p.unit_name, p.person.title),
        })
        .collect()
}

/// The person typed in a staff-number field: the 職員番号 (what the datalist fills in), or the
/// exact name.
fn find_person(people: &[PersonRow], typed: &str, field: &str) -> Result<PersonId, AppError> {
    let typed = typed.trim();
    let number = typed.split_whitespace().next().unwrap_or_default();
    if number.is_empty() {
        return Err(invalid(field, "職員番号を入力してください"));
    }
    people
        .iter()
        .find(|p| p.person.staff_number == number)
        .or_else(|| people.iter().find(|p| p.person.name == typed))
        .map(|p| p.person.id)
        .ok_or_else(|| invalid(field, format!("職員番号「{number}」の職員はいません")))
}

/// The information systems named in assignments, for the system-name fields (a datalist).
fn system_names(list: &[AssignmentView]) -> Vec<String> {
    list.iter()
        .filter_map(|a| a.assignment.system_name.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A power as the screens list it.
#[derive(Debug)]
struct PowerRow {
    clause: String,
    href_id: String,
    title: String,
    symbol: &'static str,
    mark: &'static str,
    role: String,
    deputy: bool,
    scope: String,
}

fn power_rows(powers: &[Power]) -> Result<Vec<PowerRow>, AppError> {
    let catalog = guideline()?;
    Ok(powers
        .iter()
        .map(|p| PowerRow {
            clause: p.clause.clone(),
            href_id: url_encode(&p.clause),
            title: catalog
                .clause(&p.clause)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            symbol: p.mark.symbol(),
            mark: p.mark.label(),
            role: p.role_name.clone(),
            deputy: p.is_deputy,
            scope: p.scope.clone().unwrap_or_else(|| "団体全体".to_owned()),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// /org: the tree on a date, 組織改正, 組織を追加

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    on: Option<String>,
    all: Option<String>,
}

#[derive(Debug)]
struct TreeRow {
    id: String,
    name: String,
    parent: String,
    kind: &'static str,
    agency: String,
    /// The depth for the indentation (deeper levels share the last class).
    level: usize,
    people: usize,
    holders: Vec<String>,
}

#[derive(Debug)]
struct HolderLink {
    person_id: String,
    name: String,
    deputy: bool,
}

/// A body-wide role with everyone who holds it on the date.
#[derive(Debug)]
struct BodyRole {
    role: String,
    holders: Vec<HolderLink>,
}

#[derive(Template, Debug)]
#[template(path = "org_tree_results.html")]
struct TreeResults {
    on_label: String,
    body_roles: Vec<BodyRole>,
    rows: Vec<TreeRow>,
}

/// The people of each row's unit with the units below it (rows in depth-first order), as the
/// people list shows them when filtered by the unit.
fn people_within(rows: &[UnitRow]) -> Vec<usize> {
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
struct ChangeRow {
    date: String,
    kind: &'static str,
    summary: String,
}

/// The fields of a unit form, as typed or as stored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnitForm {
    code: String,
    name: String,
    kind: String,
    parent: String,
    agency_kind: String,
    effective: String,
}

impl UnitForm {
    fn input(&self) -> Result<UnitInput, AppError> {
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
struct TreePage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    on: String,
    results: TreeResults,
    changes: Vec<ChangeRow>,
    can_edit: bool,
    form: UnitForm,
    parents: Vec<Choice>,
    kinds: Vec<Choice>,
    agencies: &'static [&'static str],
    problem: Problem,
}

async fn tree_page(
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
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    Query(q): Query<DateQuery>,
) -> Response {
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
    show_or_part(&rid, &headers, page, |p| &p.results)
}

pub async fn create_unit(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let typed: UnitForm = typed(&form);
    let result = async {
        let input = typed.input()?;
        state
            .app
            .create_unit(user, &editor, input, &meta(&rid))
            .await
    }
    .await;
    match settle(&rid, result, "add-unit", |u| format!("/org/units/{}", u.id)) {
        Ok(response) => response,
        Err(problem) => show(
            &rid,
            tree_page(&state, user, state.app.today(), typed, problem).await,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// /org/units/{id}

#[derive(Debug)]
struct UnitHistoryRow {
    from: String,
    name: String,
    parent: String,
    agency: String,
}

#[derive(Template, Debug)]
#[template(path = "org_unit.html")]
struct UnitPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    id: String,
    code: String,
    name: String,
    kind: &'static str,
    agency: String,
    parent: String,
    parent_id: String,
    since: String,
    until: Option<String>,
    people: usize,
    holders: Vec<String>,
    history: Vec<UnitHistoryRow>,
    can_edit: bool,
    form: UnitForm,
    parents: Vec<Choice>,
    /// Units the unit can be merged into (not itself nor a unit below it).
    successors: Vec<Choice>,
    successor: Option<(String, String)>,
    abolished: bool,
    kinds: Vec<Choice>,
    agencies: &'static [&'static str],
    problem: Problem,
}

async fn unit_page(
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

fn parse_unit(raw: &str) -> Result<OrgUnitId, AppError> {
    raw.parse().map_err(|_| not_found("組織"))
}

pub async fn unit(
    State(state): State<AppState>,
    session: Session,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
) -> Response {
    let page = match parse_unit(&id) {
        Ok(id) => unit_page(&state, &session.user, id, None, Problem::default()).await,
        Err(e) => Err(e),
    };
    show(&rid, page)
}

pub async fn change_unit(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let id = match parse_unit(&id) {
        Ok(id) => id,
        Err(e) => return fail(&rid)(e),
    };
    let typed: UnitForm = typed(&form);
    let result = async {
        let input = typed.input()?;
        state
            .app
            .change_unit(user, &editor, id, input, &meta(&rid))
            .await
    }
    .await;
    match settle(&rid, result, "edit-unit", |u| {
        format!("/org/units/{}", u.id)
    }) {
        Ok(response) => response,
        Err(problem) => show(
            &rid,
            unit_page(&state, user, id, Some(typed), problem).await,
        ),
    }
}

/// 廃止・統合 of a unit.
pub async fn abolish_unit(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let id = match parse_unit(&id) {
        Ok(id) => id,
        Err(e) => return fail(&rid)(e),
    };
    let result = async {
        let successor = unit_id("統合先", form.get("successor"))?;
        let effective = required_date(field::EFFECTIVE, form.get("effective"))?;
        state
            .app
            .abolish_unit(user, &editor, id, successor, effective, &meta(&rid))
            .await
    }
    .await;
    match settle(&rid, result, "abolish-unit", |(u, _)| {
        format!("/org/units/{}", u.id)
    }) {
        Ok(response) => response,
        Err(problem) => show(&rid, unit_page(&state, user, id, None, problem).await),
    }
}

// ---------------------------------------------------------------------------------------------
// /org/people

#[derive(Debug, Deserialize)]
pub struct PeopleQuery {
    q: Option<String>,
    unit: Option<String>,
    page: Option<String>,
}

#[derive(Debug)]
struct PersonListRow {
    id: String,
    staff_number: String,
    name: String,
    kana: String,
    unit: String,
    title: String,
    employment: String,
    status: &'static str,
    active: bool,
}

#[derive(Template, Debug)]
#[template(path = "org_people_results.html")]
struct PeopleResults {
    rows: Vec<PersonListRow>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

#[derive(Template, Debug)]
#[template(path = "org_people.html")]
struct PeoplePage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    q: String,
    units: Vec<Choice>,
    can_edit: bool,
    results: PeopleResults,
    problem: Problem,
}

pub async fn people(
    State(state): State<AppState>,
    session: Session,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    Query(q): Query<PeopleQuery>,
) -> Response {
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
        Err(e) => return fail(&rid)(e),
    };
    let tree = match state.app.org_tree(user, state.app.today()).await {
        Ok(t) => t,
        Err(e) => return fail(&rid)(e),
    };
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
    show_or_part(&rid, &headers, Ok(page), |p| &p.results)
}

// ---------------------------------------------------------------------------------------------
// /org/people/new, /org/people/{id}

/// The fields of the person form, as typed or as stored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PersonForm {
    staff_number: String,
    name: String,
    name_kana: String,
    unit: String,
    title: String,
    employment_kind: String,
    email: String,
    status: String,
    effective: String,
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

    fn input(&self) -> Result<PersonInput, AppError> {
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
struct PersonFacts {
    staff_number: String,
    name: String,
    kana: String,
    unit: String,
    unit_id: String,
    title: String,
    employment: String,
    email: String,
    status: &'static str,
    active: bool,
}

#[derive(Debug)]
struct PersonHistoryRow {
    from: String,
    unit: String,
    title: String,
    employment: String,
    status: &'static str,
    cause: String,
}

#[derive(Debug)]
struct HeldRow {
    role: String,
    scope: String,
    deputy: bool,
    period: String,
    post: String,
    state: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "org_person.html")]
struct PersonPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    /// Empty for a new person.
    id: String,
    facts: Option<PersonFacts>,
    history: Vec<PersonHistoryRow>,
    held: Vec<HeldRow>,
    powers: Vec<PowerRow>,
    today: String,
    can_edit: bool,
    form: PersonForm,
    units: Vec<Choice>,
    statuses: Vec<Choice>,
    employment_kinds: &'static [&'static str],
    /// The person's login accounts: (login, disabled).
    accounts: Vec<(String, bool)>,
    problem: Problem,
}

async fn person_page(
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

fn parse_person(raw: &str) -> Result<PersonId, AppError> {
    raw.parse().map_err(|_| not_found("職員"))
}

pub async fn new_person(
    State(state): State<AppState>,
    session: Session,
    Extension(rid): Extension<RequestId>,
) -> Response {
    let user = &session.user;
    if let Err(e) = user.org_editor() {
        return fail(&rid)(e);
    }
    show(
        &rid,
        person_page(&state, user, None, None, Problem::default()).await,
    )
}

pub async fn person(
    State(state): State<AppState>,
    session: Session,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
) -> Response {
    let page = match parse_person(&id) {
        Ok(id) => person_page(&state, &session.user, Some(id), None, Problem::default()).await,
        Err(e) => Err(e),
    };
    show(&rid, page)
}

/// Saves a new person (`id` None) or a change, or shows the form again with the message.
async fn save_person(
    state: &AppState,
    rid: &RequestId,
    id: Option<PersonId>,
    form: &VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(form) {
        Ok(x) => x,
        Err(e) => return fail(rid)(e),
    };
    let typed: PersonForm = typed(form);
    let result = async {
        let input = typed.input()?;
        state
            .app
            .save_person(user, &editor, id, input, &meta(rid))
            .await
    }
    .await;
    match settle(rid, result, "edit-person", |p| {
        format!("/org/people/{}", p.id)
    }) {
        Ok(response) => response,
        Err(problem) => show(
            rid,
            person_page(state, user, id, Some(typed), problem).await,
        ),
    }
}

pub async fn create_person(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    form: VerifiedForm,
) -> Response {
    save_person(&state, &rid, None, &form).await
}

pub async fn change_person(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    match parse_person(&id) {
        Ok(id) => save_person(&state, &rid, Some(id), &form).await,
        Err(e) => fail(&rid)(e),
    }
}

/// Creates the person's login account.
pub async fn create_account(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let Ok(person) = id.parse::<PersonId>() else {
        return fail(&rid)(not_found("職員"));
    };
    let result = state
        .app
        .create_person_account(
            user,
            &editor,
            person,
            form.get("login"),
            form.get("password"),
            &meta(&rid),
        )
        .await;
    match settle(&rid, result, "new-account", |_| {
        format!("/org/people/{person}")
    }) {
        Ok(response) => response,
        Err(problem) => show(
            &rid,
            person_page(&state, user, Some(person), None, problem).await,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// /org/roles: 役割と任命

#[derive(Debug)]
struct AssignmentRow {
    id: String,
    role: String,
    scope: String,
    person_id: String,
    person: String,
    staff_number: String,
    deputy: bool,
    period: String,
    post: String,
    /// May still be ended (no end, or an end after today).
    endable: bool,
    /// The last day the end form offers (as typed when the end was refused).
    last_day: String,
    /// The message when ending this assignment was refused.
    error: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_roles_results.html")]
struct RolesResults {
    caption: String,
    rows: Vec<AssignmentRow>,
    can_edit: bool,
    csrf: String,
}

/// The fields of the 任命する form (a checkbox sends a value only when checked).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssignForm {
    role: String,
    person: String,
    unit: String,
    system: String,
    deputy: String,
    valid_from: String,
    valid_to: String,
    tie_to_post: String,
}

impl AssignForm {
    fn input(&self, people: &[PersonRow]) -> Result<AssignmentInput, AppError> {
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
struct RolesPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    on: String,
    all: bool,
    results: RolesResults,
    can_edit: bool,
    form: AssignForm,
    roles: Vec<Choice>,
    units: Vec<Choice>,
    people: Vec<PersonOption>,
    systems: Vec<String>,
    problem: Problem,
}

fn scope_label(scope: RoleScope) -> &'static str {
    match scope {
        RoleScope::Body => "団体全体",
        RoleScope::Unit => "所属ごと",
        RoleScope::System => "情報システムごと",
    }
}

/// What the roles page shows: on a date, or every assignment ever (`on` None).
struct RolesView {
    on: Option<NaiveDate>,
    form: AssignForm,
    problem: Problem,
    /// The assignment whose end was refused, with the message.
    end_error: Option<(RoleAssignmentId, String, String)>,
}

async fn roles_page(
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
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    Query(q): Query<DateQuery>,
) -> Response {
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
    show_or_part(&rid, &headers, page, |p| &p.results)
}

pub async fn assign(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let typed: AssignForm = typed(&form);
    let result = async {
        let input = typed.input(&everyone(&state, user).await?)?;
        state
            .app
            .assign_role(user, &editor, input, &meta(&rid))
            .await
    }
    .await;
    match settle(&rid, result, "assign", |a| {
        format!("/org/roles?on={}", a.valid_from)
    }) {
        Ok(response) => response,
        Err(problem) => {
            let view = RolesView {
                on: Some(state.app.today()),
                form: typed,
                problem,
                end_error: None,
            };
            show(&rid, roles_page(&state, user, view).await)
        }
    }
}

pub async fn end_assignment(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (user, editor) = match editor_of(&form) {
        Ok(x) => x,
        Err(e) => return fail(&rid)(e),
    };
    let Ok(id) = id.parse::<RoleAssignmentId>() else {
        return fail(&rid)(not_found("役割の任命"));
    };
    let last_day = form.get("last_day");
    let result = async {
        let day = required_date(field::VALID_TO, last_day)?;
        state
            .app
            .end_role(user, &editor, id, day, &meta(&rid))
            .await
    }
    .await;
    match settle(&rid, result, &format!("end-{id}"), |_| {
        "/org/roles".to_owned()
    }) {
        Ok(response) => response,
        Err(problem) => {
            let view = RolesView {
                on: Some(state.app.today()),
                form: AssignForm::default(),
                end_error: Some((id, problem.message.clone(), last_day.to_owned())),
                problem,
            };
            show(&rid, roles_page(&state, user, view).await)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /org/authority: 権限の照会

#[derive(Debug, Default, Deserialize)]
pub struct AuthorityQuery {
    /// Which form was sent: `who` or `what`.
    ask: Option<String>,
    clause: Option<String>,
    unit: Option<String>,
    system: Option<String>,
    on: Option<String>,
    person: Option<String>,
}

#[derive(Debug)]
struct HolderRow {
    person_id: String,
    name: String,
    deputy: bool,
}

#[derive(Debug)]
struct AnswerRow {
    symbol: &'static str,
    mark: &'static str,
    role: String,
    unit: String,
    walked_up: bool,
    holders: Vec<HolderRow>,
    gap: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority_who.html")]
struct WhoResults {
    asked: bool,
    clause: String,
    href_id: String,
    title: String,
    context: String,
    on_label: String,
    answers: Vec<AnswerRow>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority_what.html")]
struct WhatResults {
    asked: bool,
    person_id: String,
    person: String,
    on_label: String,
    powers: Vec<PowerRow>,
}

#[derive(Debug)]
struct SodRow {
    clause: String,
    href_id: String,
    label: &'static str,
    exception: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "org_authority.html")]
struct AuthorityPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    clauses: Vec<Choice>,
    units: Vec<Choice>,
    systems: Vec<String>,
    people: Vec<PersonOption>,
    system: String,
    person: String,
    on: String,
    who: WhoResults,
    what: WhatResults,
    rules: Vec<SodRow>,
    problem: Problem,
}

/// The two answers of the page, from the query. A refused query is a [`Problem`] of its form.
async fn answers(
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
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    Query(q): Query<AuthorityQuery>,
) -> Response {
    let user = &session.user;
    match authority_page(&state, user, &q).await {
        Ok(page) => {
            let status = page.problem.status();
            match q.ask.as_deref() {
                Some("what") => page_or_part(&headers, status, &page, &page.what),
                _ => page_or_part(&headers, status, &page, &page.who),
            }
        }
        Err(e) => fail(&rid)(e),
    }
}

async fn authority_page(
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
