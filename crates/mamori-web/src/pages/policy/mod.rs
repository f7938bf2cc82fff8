//! The body's policy: editions and 改定履歴, one edition with its profile and the actions its
//! state allows, the clause editor, and the acknowledgement roll-up.

mod acknowledgements;
mod clause;
mod diff;
mod document;
mod edition;
mod editions;
mod gaps;
mod links;

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_app::organization::authority_matrix;
use mamori_app::policy::{
    EditionView, HandlingTable, MatrixColumn, ProfileChange, SCHEME_PRESETS, UnitRollup, guideline,
    guideline_organ_scope, handling_tables, matrix_columns, preset_in_use,
};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_domain::authority::{MatrixMark, RoleMarkEntry};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::policy::{
    DeletedNumbering, Edition, EditionNumber, EditionStatus, HistoryLine, field,
};
use mamori_domain::separation::SodRule;
use mamori_domain::wareki::format_gregorian_as_wareki;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::{parse_date, render};
use crate::view::{Chrome, datetime_ja, url_encode};

pub use acknowledgements::*;
pub use clause::*;
pub use diff::*;
pub use document::*;
pub use edition::*;
pub use editions::*;
pub use gaps::*;
pub use links::*;

/// A `ProfileChange` from a review screen (links, worklist): to `back` when it is made; a refused
/// one shows the screen again with the message (422) and nothing written.
#[allow(clippy::too_many_arguments)]
async fn review_step<P: Template>(
    state: &AppState,
    user: &CurrentUser,
    editor: &mamori_app::access::PolicyEditor,
    n: EditionNumber,
    change: ProfileChange,
    meta: &mamori_app::RequestMeta,
    back: String,
    again: impl FnOnce(&EditionView, String) -> Result<P, AppError>,
) -> Result<Response, PageError> {
    match state
        .app
        .change_policy_profile(user, editor, n, change, meta)
        .await
    {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Invalid(e)) => {
            let view = state.app.policy_edition(user, n).await?;
            let page = again(&view, format!("{}: {}", e.field, e.message))?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_number(raw: &str) -> Result<EditionNumber, AppError> {
    EditionNumber::parse(raw).map_err(AppError::from)
}

/// The edition a path names: one that cannot be a number is not found, like one that is not there.
fn edition_in_path(raw: &str) -> Result<EditionNumber, AppError> {
    EditionNumber::parse(raw).map_err(|_| AppError::NotFound(format!("「{raw}」という版")))
}

/// A row of the editions table.
#[derive(Debug)]
struct EditionRow {
    number: u32,
    label: String,
    title: String,
    status: &'static str,
    status_key: &'static str,
    kind: &'static str,
    decided: String,
    effective: String,
}

impl From<&Edition> for EditionRow {
    fn from(e: &Edition) -> Self {
        Self {
            number: e.number.get(),
            label: e.number.to_string(),
            title: e.title.clone(),
            status: e.status.label(),
            status_key: e.status.key(),
            kind: e.revision_kind.label(),
            decided: e
                .decision
                .as_ref()
                .map(|d| format!("{}（{}）", format_gregorian_as_wareki(d.on), d.by_name))
                .unwrap_or_default(),
            effective: e
                .effective_from
                .map(format_gregorian_as_wareki)
                .unwrap_or_default(),
        }
    }
}

/// The edition a read-only view shows, if the user may see it: its number, the body, the view,
/// and whether the user may also see drafts (editors and the deciding role; staff see decided
/// editions only).
async fn visible_edition(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<(EditionNumber, mamori_domain::ids::BodyId, EditionView, bool), AppError> {
    let n = edition_in_path(number)?;
    let body = user.body()?.id;
    let view = state.app.policy_edition(user, n).await?;
    let drafts = user.policy_editor().is_ok()
        || user
            .role_keys()
            .contains(&view.edition.profile.deciding_role);
    Ok((n, body, view, drafts))
}
