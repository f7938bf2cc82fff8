//! The 情報資産台帳 screens: the register with filters and keyset pages, registering and editing
//! an asset, the asset page (表示, handling rules, findings, what each action needs and who
//! permits it, lifecycle records), the rule checks per unit and the requests waiting for
//! permission.
//!
//! Everyone in the body may look. A person registers and edits the assets of their own unit; the
//! `asset.manage` permission (the 統括 by default) covers every unit.

mod awaiting;
mod detail;
mod findings;
mod form;
pub mod import;
mod register;
pub mod risks;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use mamori_app::access::AssetWriter;
use mamori_app::assets::{
    ActionInput, ActionOutcome, AssetDetail, AssetInput, AssetQuery, AssetRules, UnitFindings,
    permitter_text,
};
use mamori_app::risks::RiskRow;
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::DomainError;
use mamori_domain::asset::{
    ActionGate, AssetKind, AssetStatus, DocumentType, LIFECYCLE_ACTIONS, NetworkSegment,
};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId, OrgUnitId};
use serde::Deserialize;

use super::forms::{Choice, FormPage, Problem, form_page, refused, show, show_or_part, unreadable};
use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::view::{Chrome, NavItem, datetime_ja, url_encode};

pub use awaiting::*;
pub use detail::*;
pub use findings::*;
pub use form::*;
pub use register::*;

/// Rows on a page of the register.
const PAGE_SIZE: i64 = 50;

pub(crate) fn sub_nav(current: &str, user: &CurrentUser) -> Vec<NavItem> {
    let mut items = vec![("台帳", "/assets")];
    if user.asset_writer().is_ok() {
        items.push(("登録", "/assets/new"));
    }
    items.extend([
        ("点検結果", "/assets/findings"),
        ("許可待ち", "/assets/awaiting"),
        ("リスク台帳", "/risks"),
        ("取込・出力", "/assets/import"),
    ]);
    items
        .into_iter()
        .map(|(label, href)| NavItem {
            label,
            href,
            current: href == current,
        })
        .collect()
}

pub(crate) fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/assets")
}

fn choices<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice {
            value: key(v).to_owned(),
            label: label(v).to_owned(),
            selected: key(v) == selected,
        })
        .collect()
}

fn kind_choices(selected: &str) -> Vec<Choice> {
    choices(AssetKind::ALL, AssetKind::key, AssetKind::label, selected)
}

fn segment_choices(selected: &str) -> Vec<Choice> {
    choices(
        NetworkSegment::ALL,
        NetworkSegment::key,
        NetworkSegment::label,
        selected,
    )
}

fn status_choices(selected: &str) -> Vec<Choice> {
    choices(
        AssetStatus::ALL,
        AssetStatus::key,
        AssetStatus::label,
        selected,
    )
}

fn document_choices(selected: &str) -> Vec<Choice> {
    choices(
        DocumentType::ALL,
        DocumentType::key,
        DocumentType::label,
        selected,
    )
}

async fn unit_choices(
    state: &AppState,
    user: &CurrentUser,
    selected: &str,
) -> Result<Vec<Choice>, AppError> {
    let tree = state.app.org_tree(user, state.app.today()).await?;
    Ok(super::org::unit_choices(&tree, selected))
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

fn writer_of(form: &VerifiedForm) -> Result<(&CurrentUser, AssetWriter), AppError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let writer = session.user.asset_writer()?;
    Ok((&session.user, writer))
}

fn asset_id(raw: &str) -> Result<AssetId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("情報資産".to_owned()))
}
