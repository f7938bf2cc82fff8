//! The organization screens: the unit tree on a date with its 組織改正, a unit with its names over
//! time, people with their history, roles and powers, 役割と任命 (who holds which role on a date),
//! and 権限の照会 (who may permit or approve a clause, what a person may decide, 兼務の禁止).
//!
//! Everyone in the body may look; changes need the `org.edit` permission value, and a refused
//! input shows the form again with the message next to the field (422), nothing changed.

mod authority;
pub mod import;
mod people;
mod person;
mod roles;
pub mod transfers;
mod tree;
mod unit;

use super::forms::{Choice, FormPage, Problem, form_page, settle};
use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::pages::parse_date;
use crate::view::{Chrome, NavItem, url_encode};
use chrono::NaiveDate;
use mamori_app::access::OrgEditor;
use mamori_app::organization::{AssignmentView, PersonRow, UnitRow};
use mamori_app::policy::guideline;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_domain::authority::Power;
use mamori_domain::ids::{OrgUnitId, PersonId};
use mamori_domain::org::UnitKind;
use mamori_domain::wareki::format_gregorian_as_wareki;

pub use authority::*;
pub use people::*;
pub use person::*;
pub use roles::*;
pub use tree::*;
pub use unit::*;

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
