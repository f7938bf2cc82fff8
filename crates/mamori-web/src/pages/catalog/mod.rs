//! The guideline catalog screens: chapter tree and clause list with filters, one clause with its
//! 解説, search, glossary, classification tables, revision sets, and the OSCAL and Excel exports.
//!
//! Every signed-in user may read them (the guideline is public text). The view structs below turn
//! catalog data into plain strings for the templates; nothing here builds HTML.

mod classification;
mod clause;
mod export;
mod glossary;
mod list;
mod matrix;
mod revisions;
mod search;

use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use mamori_app::catalog::{
    AuthorityMatrix, CatalogRef, ClauseDetail, ClauseFilter, GuidelineCatalog, SearchResults,
    TreePart,
};
use mamori_catalog::{ArtifactKind, Clause, Commentary, Mark, RevisionPoint, Segment};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::{Session, request_meta};
use crate::pages::policy::{Piece, pieces};
use crate::pages::{is_htmx, render, vary_on_htmx};
use crate::view::{Chrome, url_encode};

pub use classification::*;
pub use clause::*;
pub use export::*;
pub use glossary::*;
pub use list::*;
pub use matrix::*;
pub use revisions::*;
pub use search::*;

/// The link to a clause page; ids hold `(`, `①`, `（`, so they are percent-encoded.
pub fn clause_href(id: &str) -> String {
    format!("/catalog/clauses/{}", url_encode(id))
}

/// The list filtered to one heading.
fn section_href(id: &str) -> String {
    format!("/catalog?section={}", url_encode(id))
}

/// Where a reference from guideline text leads: the clause, the list under the heading, or
/// nowhere when the catalog does not know it.
fn ref_href(catalog: &GuidelineCatalog, id: &str) -> Option<String> {
    match catalog.resolve(id) {
        CatalogRef::Clause(c) => Some(clause_href(c.id.as_str())),
        CatalogRef::Section(s) => Some(section_href(&s.id)),
        CatalogRef::Unknown => None,
    }
}

/// Text with `\n` between paragraphs, as paragraphs.
fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The embedded catalog, for handlers. Loading it cannot fail short of a broken build (the
/// startup loads it once already); if it does, the visitor gets the error page.
pub struct Guideline(pub &'static GuidelineCatalog);

impl FromRequestParts<AppState> for Guideline {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        state.app.catalog().map(Guideline).map_err(|error| {
            PageError {
                error,
                request_id: request_meta(parts).request_id,
            }
            .into_response()
        })
    }
}

/// The links between the catalog screens.
#[derive(Debug)]
struct SubNavItem {
    label: &'static str,
    href: &'static str,
    current: bool,
}

fn sub_nav(current: &str) -> Vec<SubNavItem> {
    [
        ("条項一覧", "/catalog"),
        ("権限・責任等一覧表", "/catalog/matrix"),
        ("検索", "/catalog/search"),
        ("用語の定義", "/catalog/glossary"),
        ("情報資産の分類", "/catalog/classification"),
        ("改定（2023年）", "/catalog/revisions"),
    ]
    .into_iter()
    .map(|(label, href)| SubNavItem {
        label,
        href,
        current: href == current,
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// The filter form of the clause list and the matrix

/// One option of a filter's select box.
#[derive(Debug)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The filter form as typed, with its choices.
#[derive(Debug)]
struct ListForm {
    section: String,
    section_label: Option<String>,
    recommended: bool,
    artifacts: Vec<Choice>,
    roles: Vec<Choice>,
    marks: Vec<Choice>,
}

impl ListForm {
    fn new(catalog: &GuidelineCatalog, q: &ListQuery) -> Self {
        let is = |v: &Option<String>, key: &str| v.as_deref().map(str::trim) == Some(key);
        let section = q.section.clone().unwrap_or_default().trim().to_owned();
        let section_label = match catalog.resolve(&section) {
            CatalogRef::Section(s) => {
                Some(format!("{} {}", s.id, s.title.clone().unwrap_or_default()))
            }
            CatalogRef::Clause(c) => Some(format!("{} {}", c.id.as_str(), c.title)),
            CatalogRef::Unknown => None,
        };
        Self {
            section,
            section_label,
            recommended: q.recommended_only(),
            artifacts: ArtifactKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.key().to_owned(),
                    label: k.label().to_owned(),
                    selected: is(&q.artifact, k.key()),
                })
                .collect(),
            roles: catalog
                .roles()
                .iter()
                .map(|r| Choice {
                    value: r.key.key().to_owned(),
                    label: r.name.clone(),
                    selected: is(&q.role, r.key.key()),
                })
                .collect(),
            marks: Mark::ALL
                .iter()
                .map(|m| Choice {
                    value: m.key().to_owned(),
                    label: format!("{} {}", m.symbol(), m.label()),
                    selected: is(&q.mark, m.key()),
                })
                .collect(),
        }
    }
}
