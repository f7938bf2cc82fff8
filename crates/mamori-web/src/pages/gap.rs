//! ギャップ分析: upload an existing policy, read the summary per chapter and the clause table
//! with filters, compare a clause's 例文 with the document's provision character by character,
//! download the Excel report, and (policy editors) import the document as a new draft edition.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::gap::{self, ChapterSummary, FILE, GapAdoption, GapAnalysis};
use mamori_app::policy::guideline;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_domain::diff::{SegmentKind, side_by_side, text_diff};
use mamori_gap::Status;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::Problem;
use crate::pages::imports::download;
use crate::pages::render;
use crate::view::Chrome;

fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/policy")
}

#[derive(Template)]
#[template(path = "gap.html")]
struct UploadPage {
    chrome: Chrome,
    problem: Problem,
    max_mb: usize,
    can_adopt: bool,
}

fn upload_page(user: &CurrentUser, problem: Problem) -> Response {
    render(
        problem.status(),
        &UploadPage {
            chrome: chrome("ギャップ分析", user),
            problem,
            max_mb: gap::MAX_GAP_BYTES / 1024 / 1024,
            can_adopt: user.policy_editor().is_ok(),
        },
    )
}

pub async fn show(Session { user, .. }: Session) -> Response {
    upload_page(&user, Problem::default())
}

/// Keeps the uploaded document and sends the user to its analysis.
pub async fn upload(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let result = async {
        let (name, bytes) = form
            .file
            .as_ref()
            .ok_or_else(|| AppError::Invalid(DomainError::new(FILE, "ファイルを選んでください")))?;
        state
            .app
            .analyze_policy_document(user, name, bytes, &meta)
            .await
    }
    .await;
    match result {
        Ok(analysis) => Ok(Redirect::to(&format!("/policy/gap/{}", analysis.id)).into_response()),
        Err(AppError::Invalid(e)) => Ok(upload_page(user, Problem::new(&e, "upload"))),
        Err(e) => Err(e.into()),
    }
}

/// A row of the clause table.
struct ClauseRow {
    id: String,
    title: String,
    status: &'static str,
    status_key: &'static str,
    recommended: bool,
    score: u32,
    /// 「第2条(1)（12行）」, the best match first.
    found: String,
    missing: String,
    differences: Vec<String>,
}

impl ClauseRow {
    fn of(c: &mamori_gap::report::ClauseResult) -> Self {
        Self {
            id: c.id.clone(),
            title: c.title.clone(),
            status: c.status.label(),
            status_key: c.status.key(),
            recommended: c.recommended,
            score: (c.score * 100.0).round().clamp(0.0, 100.0) as u32,
            found: found_text(c),
            missing: c.missing.clone().unwrap_or_default(),
            differences: c
                .differences
                .iter()
                .map(|d| {
                    format!(
                        "ガイドライン {} ／ 文書 {}（{}）",
                        d.guideline, d.document, d.provision
                    )
                })
                .collect(),
        }
    }
}

/// A chapter of the summary, with its heading.
struct ChapterRow {
    summary: ChapterSummary,
    label: String,
}

/// A choice of a filter.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "gap_report.html")]
struct ReportPage {
    chrome: Chrome,
    id: String,
    file_name: String,
    title: String,
    provisions: usize,
    lines: usize,
    baseline: String,
    covered: usize,
    partial: usize,
    omitted: usize,
    omitted_recommended: usize,
    chapters: Vec<ChapterRow>,
    statuses: Vec<Choice>,
    chapter_choices: Vec<Choice>,
    recommended_only: bool,
    rows: Vec<ClauseRow>,
    total: usize,
    additions: Vec<(String, usize, String)>,
    unmet: Vec<(String, String, String, String)>,
    roles: Vec<(String, String)>,
    classification: String,
    can_adopt: bool,
    problem: Problem,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    chapter: String,
    #[serde(default)]
    recommended: String,
}

fn chapter_label(key: &str) -> String {
    match key.strip_prefix("S-") {
        Some(n) => format!("対策基準 第{n}章"),
        None => "基本方針".to_owned(),
    }
}

fn found_text(result: &mamori_gap::report::ClauseResult) -> String {
    result
        .matches
        .iter()
        .map(|m| {
            if m.provision.is_empty() {
                format!("{}行", m.line)
            } else {
                format!("{}（{}行）", m.provision, m.line)
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn report_page(
    user: &CurrentUser,
    analysis: GapAnalysis,
    q: &ReportQuery,
    problem: Problem,
) -> Result<Response, AppError> {
    let catalog = guideline()?;
    let report = &analysis.report;
    let status = Status::parse(q.status.trim());
    let chapter = q.chapter.trim();
    let recommended_only = q.recommended == "1";
    let chapters: Vec<ChapterRow> = gap::chapter_summaries(catalog, report)
        .into_iter()
        .map(|summary| ChapterRow {
            label: chapter_label(&summary.key),
            summary,
        })
        .collect();
    let rows: Vec<ClauseRow> = report
        .clauses
        .iter()
        .filter(|c| status.is_none_or(|s| c.status == s))
        .filter(|c| chapter.is_empty() || gap::chapter_of(catalog, &c.id) == chapter)
        .filter(|c| !recommended_only || c.recommended)
        .map(ClauseRow::of)
        .collect();
    let statuses = [Status::Covered, Status::Partial, Status::Omitted]
        .into_iter()
        .map(|s| Choice {
            value: s.key().to_owned(),
            label: s.label().to_owned(),
            selected: status == Some(s),
        })
        .collect();
    let chapter_choices = chapters
        .iter()
        .map(|c| Choice {
            value: c.summary.key.clone(),
            label: c.label.clone(),
            selected: c.summary.key == chapter,
        })
        .collect();
    let page = ReportPage {
        chrome: chrome(format!("ギャップ分析: {}", analysis.file_name), user),
        id: analysis.id.clone(),
        file_name: analysis.file_name.clone(),
        title: report.document.title.clone(),
        provisions: report.document.provisions,
        lines: report.document.lines,
        baseline: report.baseline.clone(),
        covered: report.summary.covered,
        partial: report.summary.partial,
        omitted: report.summary.omitted,
        omitted_recommended: report.summary.omitted_recommended,
        chapters,
        statuses,
        chapter_choices,
        recommended_only,
        total: report.clauses.len(),
        rows,
        additions: report
            .additions
            .iter()
            .map(|a| (a.provision.clone(), a.line, a.text.clone()))
            .collect(),
        unmet: report
            .revision_points_unmet
            .iter()
            .map(|u| {
                (
                    u.point_id.clone(),
                    u.point.clone(),
                    u.clauses.join("、"),
                    u.reason.clone(),
                )
            })
            .collect(),
        roles: report
            .roles
            .iter()
            .map(|r| (r.guideline.clone(), r.document.clone()))
            .collect(),
        classification: report.classification.label.clone(),
        can_adopt: user.policy_editor().is_ok(),
        problem,
    };
    Ok(render(page.problem.status(), &page))
}

pub async fn report(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let result = async {
        let analysis = state.app.gap_analysis(&user, &id).await?;
        report_page(&user, analysis, &q, Problem::default())
    }
    .await;
    result.map_err(PageError::from)
}

/// A run of text of the side-by-side view; `marked` = differs from the other side.
struct Piece {
    marked: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "gap_clause.html")]
struct ClausePage {
    chrome: Chrome,
    id: String,
    file_name: String,
    /// The clause's verdict, as the report's table shows it.
    c: ClauseRow,
    left: Vec<Piece>,
    right: Vec<Piece>,
    has_match: bool,
    similarity: u32,
}

#[derive(Debug, Default, Deserialize)]
pub struct ClauseQuery {
    #[serde(default)]
    id: String,
}

fn pieces(segments: Vec<mamori_domain::diff::Segment>) -> Vec<Piece> {
    segments
        .into_iter()
        .map(|s| Piece {
            marked: s.kind != SegmentKind::Equal,
            text: s.text,
        })
        .collect()
}

pub async fn clause(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
    Query(q): Query<ClauseQuery>,
) -> Result<Response, PageError> {
    let result = async {
        let analysis = state.app.gap_analysis(&user, &id).await?;
        let wanted = q.id.trim();
        let c = analysis
            .report
            .clauses
            .iter()
            .find(|c| c.id == wanted)
            .ok_or_else(|| AppError::NotFound(format!("条項「{wanted}」")))?;
        let document = gap::document_text(c);
        let (left, right) = if document.is_empty() {
            (
                vec![Piece {
                    marked: false,
                    text: c.model_text.clone(),
                }],
                Vec::new(),
            )
        } else {
            let (l, r) = side_by_side(&text_diff(&c.model_text, &document));
            (pieces(l), pieces(r))
        };
        let similarity = (mamori_domain::diff::similarity(&c.model_text, &document) * 100.0)
            .round()
            .clamp(0.0, 100.0) as u32;
        Ok::<_, AppError>(render(
            StatusCode::OK,
            &ClausePage {
                chrome: chrome(format!("ギャップ分析: {}", c.id), &user),
                id: analysis.id.clone(),
                file_name: analysis.file_name.clone(),
                c: ClauseRow::of(c),
                has_match: !document.is_empty(),
                left,
                right,
                similarity,
            },
        ))
    }
    .await;
    result.map_err(PageError::from)
}

/// The report as an Excel workbook.
pub async fn workbook(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let result = async {
        let analysis = state.app.gap_analysis(&user, &id).await?;
        let bytes = mamori_gap::xlsx::workbook(&analysis.report)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let stem = analysis
            .file_name
            .rsplit_once('.')
            .map_or(analysis.file_name.as_str(), |(s, _)| s);
        Ok::<_, AppError>((bytes, format!("ギャップ分析_{stem}.xlsx")))
    }
    .await;
    match result {
        Ok((bytes, name)) => Ok(download(
            bytes,
            &name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "gap_adopted.html")]
struct AdoptedPage {
    chrome: Chrome,
    number: u32,
    label: String,
    amended: Vec<String>,
    adopted: Vec<String>,
    restored: Vec<String>,
    local: Vec<(String, String)>,
    unaddressed: Vec<(String, String)>,
    front_matter: Vec<String>,
}

/// The analysis page again with the reason an import of it was refused, at the form `form`.
async fn refused_import(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    e: &DomainError,
    form: &'static str,
) -> Result<Response, PageError> {
    let analysis = state.app.gap_analysis(user, id).await?;
    Ok(report_page(
        user,
        analysis,
        &ReportQuery::default(),
        Problem::new(e, form),
    )?)
}

/// Imports the analysed document as a new draft edition (policy editors).
pub async fn adopt(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let result = async {
        let editor = user.policy_editor()?;
        state
            .app
            .adopt_gap_analysis(user, &editor, &id, &meta)
            .await
    }
    .await;
    match result {
        Ok(outcome) => Ok(adopted_page(user, outcome)),
        Err(AppError::Invalid(e)) => refused_import(&state, user, &id, &e, "adopt").await,
        Err(e) => Err(e.into()),
    }
}

/// 「本市の文書のまま取り込む」: the analysed document becomes a draft in its own structure; the
/// document view of the new edition follows.
pub async fn import_own(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let result = async {
        let editor = user.policy_editor()?;
        state.app.import_own_policy(user, &editor, &id, &meta).await
    }
    .await;
    match result {
        Ok(outcome) => Ok(Redirect::to(&format!(
            "/policy/{}/document",
            outcome.edition.number.get()
        ))
        .into_response()),
        Err(AppError::Invalid(e)) => refused_import(&state, user, &id, &e, "import-own").await,
        Err(e) => Err(e.into()),
    }
}

fn adopted_page(user: &CurrentUser, outcome: GapAdoption) -> Response {
    let catalog = guideline().ok();
    let title_of = |id: &str| {
        catalog
            .and_then(|c| c.clause(id))
            .map(|c| c.title.clone())
            .unwrap_or_default()
    };
    render(
        StatusCode::OK,
        &AdoptedPage {
            chrome: chrome("ギャップ分析の取込", user),
            number: outcome.edition.number.get(),
            label: outcome.edition.number.to_string(),
            unaddressed: outcome
                .unaddressed
                .iter()
                .map(|id| (id.clone(), title_of(id)))
                .collect(),
            amended: outcome.amended,
            adopted: outcome.adopted,
            restored: outcome.restored,
            local: outcome.local,
            front_matter: outcome.front_matter,
        },
    )
}
