//! The guideline catalog as JSON: clause lists with the filters of the screen, one clause with its
//! 解説, marks and revisions, and the Japanese full-text search. Every signed-in caller may read
//! them (the guideline is public text), with a bearer token or the session cookie.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use mamori_app::AppError;
use mamori_app::catalog::{ClauseFilter, GuidelineCatalog};
use mamori_catalog::{Clause, Commentary, Part, RoleMark};
use mamori_domain::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::ApiUser;

/// The filters of `/api/v1/catalog/clauses`; every one given narrows the list.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClauseListQuery {
    /// Heading or clause id: `S-4`, `S-4.1`, `S-2.(2)⑧` … (clauses under it).
    pub section: Option<String>,
    /// `true` (or `1`) for 【推奨事項】 only; `false`, `0` or absent for all.
    pub recommended: Option<String>,
    /// Artifact kind: `register`, `approval`, `periodic`, `report`, `attribute`, `text`.
    pub artifact: Option<String>,
    /// Role key: `security_manager` …
    pub role: Option<String>,
    /// Mark: `holds` (○), `mentioned` (△), `permits` (許), `approves` (承). With `role`, that
    /// role's mark; alone, any role's.
    pub mark: Option<String>,
}

/// The query of `/api/v1/catalog/search`.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogSearchQuery {
    /// 検索語 (Japanese, up to 100 characters); words separated by spaces must all occur.
    pub q: Option<String>,
}

/// A heading above a clause.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathNodeDto {
    pub id: String,
    pub title: Option<String>,
}

/// One role's mark of the 権限・責任等一覧表.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleMarkDto {
    /// Role key, e.g. `security_manager`.
    pub role: String,
    /// The guideline's name of the role.
    pub role_name: String,
    /// `holds`, `mentioned`, `permits` or `approves`.
    pub mark: String,
    /// ○, △, 許 or 承.
    pub symbol: String,
    /// Rebuilt from the 例文 because the matrix page is missing from the source.
    pub reconstructed: bool,
}

/// A clause in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseSummaryDto {
    /// Canonical id, e.g. `S-2.(2)⑧(イ)`.
    pub id: String,
    pub title: String,
    /// Headings above the clause, outermost first.
    pub path: Vec<PathNodeDto>,
    /// 【推奨事項】.
    pub recommended: bool,
    /// Artifact kinds the clause asks for (`register`, `approval` …).
    pub artifacts: Vec<String>,
    pub roles: Vec<RoleMarkDto>,
}

/// An artifact a clause asks a system to hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtifactDto {
    /// `register`, `approval`, `periodic`, `report`, `attribute` or `text`.
    pub kind: String,
    /// The kind in Japanese.
    pub label: String,
    pub detail: String,
}

/// A （注n） of the 解説.
#[derive(Debug, Serialize, ToSchema)]
pub struct FootnoteDto {
    pub number: u32,
    pub text: String,
}

/// A piece of 解説 and the heading or clause it is stored on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentaryDto {
    /// Heading or clause id.
    pub at: String,
    pub title: Option<String>,
    /// 【趣旨】.
    pub purpose: Option<String>,
    /// (解説).
    pub notes: Option<String>,
    pub footnotes: Vec<FootnoteDto>,
}

/// A revision point that changes the clause or a heading above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionRefDto {
    pub set_id: String,
    pub set_title: String,
    /// e.g. `2023-01-P2`.
    pub point_id: String,
    pub title: String,
    pub summary: String,
}

/// One clause with everything the clause page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseDto {
    pub id: String,
    pub title: String,
    /// `basic_policy` (基本方針) or `standards` (対策基準).
    pub part: String,
    pub path: Vec<PathNodeDto>,
    pub recommended: bool,
    /// Lead-in sentences (柱書) of the headings above, outermost first.
    pub lead_ins: Vec<String>,
    /// The 例文; paragraphs separated by `\n`.
    pub model_text: String,
    /// English summary.
    pub summary_en: String,
    pub roles: Vec<RoleMarkDto>,
    /// The index's roles cell as written.
    pub roles_source: String,
    /// True when the row of the matrix was rebuilt from the 例文.
    pub matrix_reconstructed: bool,
    pub artifacts: Vec<ArtifactDto>,
    /// 解説, outermost first.
    pub commentary: Vec<CommentaryDto>,
    pub revisions: Vec<RevisionRefDto>,
    /// Ids of the clauses before and after in document order.
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitDto {
    pub id: String,
    pub title: String,
    /// Higher is better; results come best first.
    pub score: u32,
    /// The passage around the first match, as plain text.
    pub snippet: String,
}

fn path_of(c: &Clause) -> Vec<PathNodeDto> {
    c.path
        .iter()
        .map(|p| PathNodeDto {
            id: p.id.clone(),
            title: p.title.clone(),
        })
        .collect()
}

fn role_marks(catalog: &GuidelineCatalog, marks: &[RoleMark]) -> Vec<RoleMarkDto> {
    marks
        .iter()
        .map(|r| RoleMarkDto {
            role: r.role.key().to_owned(),
            role_name: catalog.role_name(r.role).to_owned(),
            mark: r.mark.key().to_owned(),
            symbol: r.mark.symbol().to_owned(),
            reconstructed: r.reconstructed,
        })
        .collect()
}

fn summary(catalog: &GuidelineCatalog, c: &Clause) -> ClauseSummaryDto {
    let mut artifacts: Vec<String> = Vec::new();
    for a in &c.artifacts {
        let key = a.kind.key().to_owned();
        if !artifacts.contains(&key) {
            artifacts.push(key);
        }
    }
    ClauseSummaryDto {
        id: c.id.as_str().to_owned(),
        title: c.title.clone(),
        path: path_of(c),
        recommended: c.recommended,
        artifacts,
        roles: role_marks(catalog, &c.roles),
    }
}

fn commentary(at: &str, title: Option<&str>, c: &Commentary) -> CommentaryDto {
    CommentaryDto {
        at: at.to_owned(),
        title: title.map(str::to_owned),
        purpose: c.purpose.clone(),
        notes: c.notes.clone(),
        footnotes: c
            .footnotes
            .iter()
            .map(|f| FootnoteDto {
                number: f.number,
                text: f.text.clone(),
            })
            .collect(),
    }
}

/// The `recommended` flag as the screen's form and scripts send it.
fn recommended_only(value: Option<&str>) -> Result<bool, DomainError> {
    match value.map(str::trim) {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true" | "on") => Ok(true),
        Some(other) => Err(DomainError::new(
            "推奨事項",
            format!("「{other}」は true または false で指定してください"),
        )),
    }
}

fn unreadable_query(e: &QueryRejection) -> AppError {
    DomainError::new("クエリ", format!("条件を読み取れません（{e}）")).into()
}

/// Clauses of the guideline in document order, filtered like the list screen.
#[utoipa::path(get, path = "/api/v1/catalog/clauses", tag = "catalog",
    params(ClauseListQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "条項の一覧（文書の順）", body = Vec<ClauseSummaryDto>),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "条件の誤り（field が条件の名前）", body = ApiErrorBody)
    ))]
pub async fn clauses(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    query: Result<Query<ClauseListQuery>, QueryRejection>,
) -> Result<Json<Vec<ClauseSummaryDto>>, ApiError> {
    user?;
    let Query(q) = query.map_err(|e| unreadable_query(&e))?;
    let catalog = state.app.catalog()?;
    let recommended = recommended_only(q.recommended.as_deref()).map_err(AppError::from)?;
    let filter = ClauseFilter::parse(
        q.section.as_deref(),
        recommended,
        q.artifact.as_deref(),
        q.role.as_deref(),
        q.mark.as_deref(),
    )
    .map_err(AppError::from)?;
    let listed = catalog.clauses(&filter)?;
    Ok(Json(listed.iter().map(|c| summary(catalog, c)).collect()))
}

/// One clause: 柱書 and 例文, 解説, roles and marks, artifacts and the revisions affecting it.
#[utoipa::path(get, path = "/api/v1/catalog/clauses/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Canonical clause id, percent-encoded (e.g. `S-2.(2)⑧(イ)`)")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "条項", body = ClauseDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "その ID の条項はない", body = ApiErrorBody)
    ))]
pub async fn clause(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ClauseDto>, ApiError> {
    user?;
    let Path(id) = id.map_err(|e| {
        AppError::from(DomainError::new(
            "条項ID",
            format!("IDを読み取れません（{e}）"),
        ))
    })?;
    let catalog = state.app.catalog()?;
    let d = catalog.clause(id.trim())?;
    let c = d.clause;
    Ok(Json(ClauseDto {
        id: c.id.as_str().to_owned(),
        title: c.title.clone(),
        part: match c.part {
            Part::BasicPolicy => "basic_policy",
            Part::Standards => "standards",
        }
        .to_owned(),
        path: path_of(c),
        recommended: c.recommended,
        lead_ins: c.lead_ins().into_iter().map(str::to_owned).collect(),
        model_text: c.model_text.clone(),
        summary_en: c.summary_en.clone(),
        roles: role_marks(catalog, &c.roles),
        roles_source: c.roles_source.clone(),
        matrix_reconstructed: c.matrix_reconstructed,
        artifacts: c
            .artifacts
            .iter()
            .map(|a| ArtifactDto {
                kind: a.kind.key().to_owned(),
                label: a.kind.label().to_owned(),
                detail: a.detail.clone(),
            })
            .collect(),
        commentary: d
            .commentary
            .iter()
            .map(|b| commentary(b.id, b.title, b.commentary))
            .collect(),
        revisions: d
            .revisions
            .iter()
            .map(|(set, p)| RevisionRefDto {
                set_id: set.id.clone(),
                set_title: set.title.clone(),
                point_id: p.id.clone(),
                title: p.title.clone(),
                summary: p.summary.clone(),
            })
            .collect(),
        previous: d.previous.map(|p| p.id.as_str().to_owned()),
        next: d.next.map(|n| n.id.as_str().to_owned()),
    }))
}

/// Japanese full-text search over 例文 and 解説, best first (at most 100 results).
#[utoipa::path(get, path = "/api/v1/catalog/search", tag = "catalog",
    params(CatalogSearchQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "検索結果（よく合うものから）", body = Vec<SearchHitDto>),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "検索語が空、または長すぎる（field は「検索語」）", body = ApiErrorBody)
    ))]
pub async fn search(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    query: Result<Query<CatalogSearchQuery>, QueryRejection>,
) -> Result<Json<Vec<SearchHitDto>>, ApiError> {
    user?;
    let Query(q) = query.map_err(|e| unreadable_query(&e))?;
    let catalog = state.app.catalog()?;
    let found = catalog.search(q.q.as_deref().unwrap_or_default())?;
    Ok(Json(
        found
            .results
            .into_iter()
            .map(|h| SearchHitDto {
                id: h.clause.id.as_str().to_owned(),
                title: h.clause.title.clone(),
                score: h.score,
                snippet: h.snippet.into_iter().map(|s| s.text).collect(),
            })
            .collect(),
    ))
}
