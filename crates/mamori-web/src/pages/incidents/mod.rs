//! 情報セキュリティインシデント: the インシデント台帳 with its filters and Excel export, the short
//! report form every 職員 has (and the CSIRT's intake of reports from outside), and one incident
//! with its reporting chain, triage, reports outside, timeline, 再発防止策 and closing. Works
//! without JavaScript; what a person may not read does not exist for them (404).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use mamori_app::incidents::{
    AddEntry, Close, IncidentFilter, IncidentView, ProposeMeasures, RecordExternal, Report, Triage,
};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::{IncidentFileId, IncidentId, OrgUnitId, PersonId};
use mamori_domain::incident::{
    ApprovedBy, Channel, EntryKind, Incident, IncidentRules, Permission, Permit, Status, field,
};
use serde::Deserialize;

use super::forms::{Choice, FormPage, Problem, form_page, refused, show, unreadable};
use super::imports::download;
use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::parse_date;
use crate::view::{Chrome, NavItem, datetime_ja, url_encode};

mod contacts;
mod detail;
mod ledger;
mod report;

pub use contacts::{contacts, plan_docx, plan_pdf};
pub use detail::{act, add_entry, file, record_external, report_docx, report_pdf, show_incident};
pub use ledger::{export, list};
pub use report::{create, new_form};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/incidents")
}

fn sub_nav(current: &str) -> Vec<NavItem> {
    [
        ("インシデント台帳", "/incidents"),
        ("インシデントを報告", "/incidents/new"),
        ("緊急連絡網", "/incidents/contacts"),
    ]
    .into_iter()
    .map(|(label, href)| NavItem {
        label,
        href,
        current: href == current,
    })
    .collect()
}

fn incident_id(raw: &str) -> Result<IncidentId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("インシデント".to_owned()))
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(mamori_domain::DomainError::new(field, message))
}

/// The start of a day in Japan, as an instant.
fn japan_midnight(day: NaiveDate) -> chrono::DateTime<Utc> {
    mamori_app::clock::jst()
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// A report document typeset as PDF, as a download named `name`.
async fn pdf_download(
    name: String,
    doc: mamori_io::incident::ReportDoc,
) -> Result<Response, PageError> {
    let bytes = crate::pages::typeset_pdf(move || mamori_pdf::incident_pdf(&doc)).await?;
    Ok(download(bytes, &name, "application/pdf"))
}

/// The body's categories for a select, `selected` chosen.
fn category_choices(rules: &IncidentRules, selected: &str) -> Vec<Choice> {
    rules
        .categories
        .iter()
        .map(|c| Choice {
            value: c.key.clone(),
            label: c.label.clone(),
            selected: c.key == selected,
        })
        .collect()
}

fn handles(rules: &IncidentRules, user: &CurrentUser) -> bool {
    rules.handles(&user.role_keys())
}
