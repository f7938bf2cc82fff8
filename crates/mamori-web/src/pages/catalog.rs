//! The guideline catalog screens: chapter tree and clause list with filters, one clause with its
//! 解説, search, glossary, classification tables, revision sets, and the OSCAL and Excel exports.
//!
//! Every signed-in user may read them (the guideline is public text). The view structs below turn
//! catalog data into plain strings for the templates; nothing here builds HTML.

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
// Clause list

/// The query string of the clause list.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    /// Heading id: `S-4`, `S-4.1`, `B-6` …
    pub section: Option<String>,
    /// `1` for 推奨事項 only.
    pub recommended: Option<String>,
    /// Artifact kind key: `register`, `approval` …
    pub artifact: Option<String>,
    /// Role key: `security_manager` …
    pub role: Option<String>,
    /// Mark key: `holds`, `mentioned`, `permits`, `approves`.
    pub mark: Option<String>,
}

impl ListQuery {
    fn recommended_only(&self) -> bool {
        matches!(self.recommended.as_deref(), Some("1" | "on" | "true"))
    }
}

#[derive(Debug)]
struct RoleCell {
    symbol: &'static str,
    name: String,
    meaning: &'static str,
}

#[derive(Debug)]
struct ClauseRow {
    id: String,
    href: String,
    title: String,
    recommended: bool,
    artifacts: Vec<&'static str>,
    roles: Vec<RoleCell>,
}

fn role_cells(catalog: &GuidelineCatalog, clause: &Clause) -> Vec<RoleCell> {
    clause
        .roles
        .iter()
        .map(|r| RoleCell {
            symbol: r.mark.symbol(),
            name: catalog.role_name(r.role).to_owned(),
            meaning: r.mark.label(),
        })
        .collect()
}

fn artifact_labels(clause: &Clause) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for a in &clause.artifacts {
        if !out.contains(&a.kind.label()) {
            out.push(a.kind.label());
        }
    }
    out
}

impl ClauseRow {
    fn new(catalog: &GuidelineCatalog, clause: &Clause) -> Self {
        Self {
            id: clause.id.as_str().to_owned(),
            href: clause_href(clause.id.as_str()),
            title: clause.title.clone(),
            recommended: clause.recommended,
            artifacts: artifact_labels(clause),
            roles: role_cells(catalog, clause),
        }
    }
}

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

#[derive(Template, Debug)]
#[template(path = "catalog_results.html")]
struct ListResults {
    rows: Vec<ClauseRow>,
    filtered: bool,
}

#[derive(Template, Debug)]
#[template(path = "catalog.html")]
struct ListPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    edition: String,
    tree: Vec<TreePart>,
    current_section: String,
    f: ListForm,
    error: Option<String>,
    results: ListResults,
}

fn parse_filter(q: &ListQuery) -> Result<ClauseFilter, AppError> {
    Ok(ClauseFilter::parse(
        q.section.as_deref(),
        q.recommended_only(),
        q.artifact.as_deref(),
        q.role.as_deref(),
        q.mark.as_deref(),
    )?)
}

fn edition_label(catalog: &GuidelineCatalog) -> String {
    let e = catalog.edition();
    format!("{}「{}」（{}版）", e.issuer, e.title, e.published)
}

pub async fn list(
    session: Session,
    Guideline(catalog): Guideline,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let listed = parse_filter(&q).and_then(|f| {
        let rows = catalog.clauses(&f)?;
        Ok((f.is_active(), rows))
    });
    let (status, results, error) = match listed {
        Ok((filtered, rows)) => (
            StatusCode::OK,
            ListResults {
                rows: rows.iter().map(|c| ClauseRow::new(catalog, c)).collect(),
                filtered,
            },
            None,
        ),
        Err(e @ AppError::Invalid(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ListResults {
                rows: Vec::new(),
                filtered: true,
            },
            Some(e.to_string()),
        ),
        Err(e) => return Err(e.into()),
    };
    if is_htmx(&headers) && error.is_none() {
        return Ok(vary_on_htmx(render(status, &results)));
    }
    let page = ListPage {
        chrome: Chrome::for_user("ガイドライン", &session.user, "/catalog"),
        sub_nav: sub_nav("/catalog"),
        edition: edition_label(catalog),
        tree: catalog.tree(),
        current_section: q.section.clone().unwrap_or_default(),
        f: ListForm::new(catalog, &q),
        error,
        results,
    };
    Ok(vary_on_htmx(render(status, &page)))
}

// ---------------------------------------------------------------------------------------------
// Authority matrix

/// The query string of the authority matrix.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MatrixQuery {
    /// Role key: `security_manager` …
    pub role: Option<String>,
    /// Mark key: `holds`, `mentioned`, `permits`, `approves`.
    pub mark: Option<String>,
}

/// The short word a mark stands for, read out by screen readers (`<abbr title>`).
fn mark_word(mark: Mark) -> &'static str {
    match mark {
        Mark::Holds => "権限・責任あり",
        Mark::Mentioned => "記載あり・報告先",
        Mark::Permits => "許可",
        Mark::Approves => "承認",
    }
}

#[derive(Debug)]
struct MatrixCell {
    symbol: &'static str,
    word: &'static str,
    reconstructed: bool,
    /// The role's mark is the one filtered for.
    selected: bool,
}

#[derive(Debug)]
struct MatrixRowView {
    id: String,
    href: String,
    title: String,
    cells: Vec<Option<MatrixCell>>,
}

#[derive(Debug)]
struct MatrixChapterView {
    heading: String,
    rows: Vec<MatrixRowView>,
}

#[derive(Debug)]
struct MatrixColumn {
    name: String,
    selected: bool,
}

#[derive(Debug)]
struct LegendEntry {
    symbol: &'static str,
    word: &'static str,
    label: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "catalog_matrix_results.html")]
struct MatrixResults {
    columns: Vec<MatrixColumn>,
    chapters: Vec<MatrixChapterView>,
    count: usize,
    /// What the filter asks, in words (「情報セキュリティ管理者が許可するもの」).
    description: Option<String>,
    legend: Vec<LegendEntry>,
}

#[derive(Template, Debug)]
#[template(path = "catalog_matrix.html")]
struct MatrixPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    roles: Vec<Choice>,
    marks: Vec<Choice>,
    error: Option<String>,
    results: MatrixResults,
}

fn legend() -> Vec<LegendEntry> {
    Mark::ALL
        .iter()
        .map(|m| LegendEntry {
            symbol: m.symbol(),
            word: mark_word(*m),
            label: m.label(),
        })
        .collect()
}

impl MatrixResults {
    fn new(catalog: &GuidelineCatalog, f: &ClauseFilter, m: &AuthorityMatrix<'_>) -> Self {
        let description = match (f.role, f.mark) {
            (Some(r), Some(mark)) => Some(format!(
                "{}の印が「{}」（{}）の条項",
                catalog.role_name(r),
                mark.symbol(),
                mark.label()
            )),
            (Some(r), None) => Some(format!("{}に印のある条項", catalog.role_name(r))),
            (None, Some(mark)) => Some(format!(
                "いずれかの役割の印が「{}」（{}）の条項",
                mark.symbol(),
                mark.label()
            )),
            (None, None) => None,
        };
        Self {
            columns: m
                .roles
                .iter()
                .map(|r| MatrixColumn {
                    name: r.name.clone(),
                    selected: f.role == Some(r.key),
                })
                .collect(),
            chapters: m
                .chapters
                .iter()
                .map(|ch| MatrixChapterView {
                    heading: match ch.title {
                        Some(t) => format!("{} {t}", ch.id),
                        None => ch.id.to_owned(),
                    },
                    rows: ch
                        .rows
                        .iter()
                        .map(|row| MatrixRowView {
                            id: row.clause.id.as_str().to_owned(),
                            href: clause_href(row.clause.id.as_str()),
                            title: row.clause.title.clone(),
                            cells: row
                                .cells
                                .iter()
                                .map(|cell| {
                                    cell.map(|rm| MatrixCell {
                                        symbol: rm.mark.symbol(),
                                        word: mark_word(rm.mark),
                                        reconstructed: rm.reconstructed,
                                        selected: f.role.is_none_or(|r| r == rm.role)
                                            && f.mark.is_some_and(|k| k == rm.mark),
                                    })
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            count: m.row_count(),
            description,
            legend: legend(),
        }
    }
}

pub async fn matrix(
    session: Session,
    Guideline(catalog): Guideline,
    headers: HeaderMap,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, PageError> {
    let built = ClauseFilter::parse(None, false, None, q.role.as_deref(), q.mark.as_deref())
        .map_err(AppError::from)
        .and_then(|f| {
            let m = catalog.matrix(&f)?;
            Ok(MatrixResults::new(catalog, &f, &m))
        });
    let (status, results, error) = match built {
        Ok(results) => (StatusCode::OK, results, None),
        Err(e @ AppError::Invalid(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            MatrixResults {
                columns: Vec::new(),
                chapters: Vec::new(),
                count: 0,
                description: None,
                legend: legend(),
            },
            Some(e.to_string()),
        ),
        Err(e) => return Err(e.into()),
    };
    if is_htmx(&headers) && error.is_none() {
        return Ok(vary_on_htmx(render(status, &results)));
    }
    let list_query = ListQuery {
        role: q.role.clone(),
        mark: q.mark.clone(),
        ..ListQuery::default()
    };
    let form = ListForm::new(catalog, &list_query);
    let page = MatrixPage {
        chrome: Chrome::for_user("権限・責任等一覧表", &session.user, "/catalog"),
        sub_nav: sub_nav("/catalog/matrix"),
        roles: form.roles,
        marks: form.marks,
        error,
        results,
    };
    Ok(vary_on_htmx(render(status, &page)))
}

// ---------------------------------------------------------------------------------------------
// One clause

#[derive(Debug)]
struct Crumb {
    label: String,
    href: String,
}

#[derive(Debug)]
struct FootnoteView {
    number: u32,
    paragraphs: Vec<String>,
}

#[derive(Debug)]
struct CommentaryView {
    heading: String,
    purpose: Vec<String>,
    notes: Vec<String>,
    footnotes: Vec<FootnoteView>,
}

impl CommentaryView {
    fn new(id: &str, title: Option<&str>, c: &Commentary) -> Self {
        Self {
            heading: match title {
                Some(t) => format!("{id} {t}"),
                None => id.to_owned(),
            },
            purpose: c.purpose.as_deref().map(paragraphs).unwrap_or_default(),
            notes: c.notes.as_deref().map(paragraphs).unwrap_or_default(),
            footnotes: c
                .footnotes
                .iter()
                .map(|f| FootnoteView {
                    number: f.number,
                    paragraphs: paragraphs(&f.text),
                })
                .collect(),
        }
    }
}

#[derive(Debug)]
struct RoleRow {
    name: String,
    symbol: &'static str,
    meaning: &'static str,
    reconstructed: bool,
}

#[derive(Debug)]
struct ArtifactView {
    label: &'static str,
    detail: String,
}

#[derive(Debug)]
struct Neighbour {
    id: String,
    title: String,
    href: String,
}

impl Neighbour {
    fn new(c: &Clause) -> Self {
        Self {
            id: c.id.as_str().to_owned(),
            title: c.title.clone(),
            href: clause_href(c.id.as_str()),
        }
    }
}

#[derive(Debug)]
struct RevisionLink {
    title: String,
    set_title: String,
    href: String,
}

#[derive(Template, Debug)]
#[template(path = "catalog_clause.html")]
struct ClausePage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    id: String,
    title: String,
    crumbs: Vec<Crumb>,
    recommended: bool,
    lead_ins: Vec<String>,
    text: Vec<String>,
    summary_en: String,
    roles: Vec<RoleRow>,
    roles_source: String,
    matrix_reconstructed: bool,
    artifacts: Vec<ArtifactView>,
    seed_lines: String,
    commentary: Vec<CommentaryView>,
    revisions: Vec<RevisionLink>,
    previous: Option<Neighbour>,
    next: Option<Neighbour>,
}

impl ClausePage {
    fn new(chrome: Chrome, catalog: &GuidelineCatalog, d: &ClauseDetail<'_>) -> Self {
        let c = d.clause;
        let mut crumbs = vec![Crumb {
            label: "ガイドライン".to_owned(),
            href: "/catalog".to_owned(),
        }];
        crumbs.extend(c.path.iter().map(|p| Crumb {
            label: match &p.title {
                Some(t) if p.id.len() > 1 => format!("{} {t}", p.id),
                Some(t) => t.clone(),
                None => p.id.clone(),
            },
            href: section_href(&p.id),
        }));
        Self {
            chrome,
            sub_nav: sub_nav(""),
            id: c.id.as_str().to_owned(),
            title: c.title.clone(),
            crumbs,
            recommended: c.recommended,
            lead_ins: c.lead_ins().into_iter().flat_map(paragraphs).collect(),
            text: paragraphs(&c.model_text),
            summary_en: c.summary_en.clone(),
            roles: c
                .roles
                .iter()
                .map(|r| RoleRow {
                    name: catalog.role_name(r.role).to_owned(),
                    symbol: r.mark.symbol(),
                    meaning: r.mark.label(),
                    reconstructed: r.reconstructed,
                })
                .collect(),
            roles_source: c.roles_source.clone(),
            matrix_reconstructed: c.matrix_reconstructed,
            artifacts: c
                .artifacts
                .iter()
                .map(|a| ArtifactView {
                    label: a.kind.label(),
                    detail: a.detail.clone(),
                })
                .collect(),
            seed_lines: format!("{}〜{} 行", c.seed_lines.0, c.seed_lines.1),
            commentary: d
                .commentary
                .iter()
                .map(|b| CommentaryView::new(b.id, b.title, b.commentary))
                .collect(),
            revisions: d
                .revisions
                .iter()
                .map(|(set, p)| RevisionLink {
                    title: p.title.clone(),
                    set_title: set.title.clone(),
                    href: format!("/catalog/revisions#{}", p.id),
                })
                .collect(),
            previous: d.previous.map(Neighbour::new),
            next: d.next.map(Neighbour::new),
        }
    }
}

pub async fn clause(
    session: Session,
    Guideline(catalog): Guideline,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match catalog.clause(id.trim()) {
        Ok(d) => {
            let title = format!("{} {}", d.clause.id.as_str(), d.clause.title);
            let chrome = Chrome::for_user(title, &session.user, "/catalog");
            Ok(render(
                StatusCode::OK,
                &ClausePage::new(chrome, catalog, &d),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Search

#[derive(Debug, Default, Clone, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

#[derive(Debug)]
struct SearchRow {
    id: String,
    href: String,
    title: Vec<Segment>,
    snippet: Vec<Segment>,
    score: u32,
    recommended: bool,
}

#[derive(Template, Debug)]
#[template(path = "catalog_search_results.html")]
struct SearchResultsView {
    /// The query as typed; `None` before the first search.
    query: Option<String>,
    error: Option<String>,
    total: usize,
    rows: Vec<SearchRow>,
}

#[derive(Template, Debug)]
#[template(path = "catalog_search.html")]
struct SearchPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    q: String,
    results: SearchResultsView,
}

impl SearchResultsView {
    fn new(query: Option<String>, found: Option<Result<SearchResults<'_>, AppError>>) -> Self {
        let mut view = Self {
            query,
            error: None,
            total: 0,
            rows: Vec::new(),
        };
        match found {
            None => {}
            Some(Ok(r)) => {
                view.total = r.total;
                view.rows = r
                    .results
                    .into_iter()
                    .map(|h| SearchRow {
                        id: h.clause.id.as_str().to_owned(),
                        href: clause_href(h.clause.id.as_str()),
                        title: h.title,
                        snippet: h.snippet,
                        score: h.score,
                        recommended: h.clause.recommended,
                    })
                    .collect();
            }
            Some(Err(e)) => view.error = Some(e.to_string()),
        }
        view
    }
}

pub async fn search(
    session: Session,
    Guideline(catalog): Guideline,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    // No `q` at all is the first visit (the empty form); a blank `q` is a search for nothing,
    // which gets the message.
    let found = q.q.as_deref().map(|text| catalog.search(text));
    if let Some(Err(e)) = &found
        && !matches!(e, AppError::Invalid(_))
    {
        return Err(AppError::Internal(e.to_string()).into());
    }
    let results = SearchResultsView::new(q.q.clone(), found);
    if is_htmx(&headers) {
        return Ok(vary_on_htmx(render(StatusCode::OK, &results)));
    }
    let page = SearchPage {
        chrome: Chrome::for_user("ガイドラインの検索", &session.user, "/catalog"),
        sub_nav: sub_nav("/catalog/search"),
        q: q.q.unwrap_or_default(),
        results,
    };
    Ok(vary_on_htmx(render(StatusCode::OK, &page)))
}

// ---------------------------------------------------------------------------------------------
// Glossary, classification, revisions

#[derive(Debug)]
struct TermView {
    anchor: String,
    term: String,
    expansion: Option<String>,
    definition: Vec<String>,
    see: Option<String>,
}

#[derive(Debug)]
struct TermGroup {
    heading: String,
    terms: Vec<TermView>,
}

#[derive(Template, Debug)]
#[template(path = "catalog_glossary.html")]
struct GlossaryPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    groups: Vec<TermGroup>,
    count: usize,
}

/// An in-page anchor for a term: terms are Japanese, so their position is the stable part.
fn term_anchor(i: usize) -> String {
    format!("term-{}", i + 1)
}

pub async fn glossary(session: Session, Guideline(catalog): Guideline) -> Response {
    let terms = catalog.glossary();
    let anchor_of = |name: &str| {
        terms
            .iter()
            .position(|t| t.term == name)
            .map(|i| format!("#{}", term_anchor(i)))
    };
    let mut groups: Vec<TermGroup> = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        let view = TermView {
            anchor: term_anchor(i),
            term: t.term.clone(),
            expansion: t.expansion.clone(),
            definition: paragraphs(&t.definition),
            see: t.see.as_deref().and_then(anchor_of),
        };
        match groups.last_mut() {
            Some(g) if g.heading == t.group => g.terms.push(view),
            _ => groups.push(TermGroup {
                heading: t.group.clone(),
                terms: vec![view],
            }),
        }
    }
    let page = GlossaryPage {
        chrome: Chrome::for_user("用語の定義", &session.user, "/catalog"),
        sub_nav: sub_nav("/catalog/glossary"),
        groups,
        count: terms.len(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template, Debug)]
#[template(path = "catalog_classification.html")]
struct ClassificationPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    table: &'static mamori_catalog::ClassificationTable,
}

pub async fn classification(session: Session, Guideline(catalog): Guideline) -> Response {
    let page = ClassificationPage {
        chrome: Chrome::for_user("情報資産の分類", &session.user, "/catalog"),
        sub_nav: sub_nav("/catalog/classification"),
        table: catalog.classification(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug)]
struct AffectedLink {
    id: String,
    title: Option<String>,
    href: Option<String>,
}

/// One change of wording, old and new side by side with the characters marked.
#[derive(Debug)]
struct AmendmentView {
    clause_id: String,
    clause_title: String,
    href: String,
    /// 例文 or 解説.
    target: &'static str,
    left: Vec<Piece>,
    right: Vec<Piece>,
}

#[derive(Debug)]
struct PointView {
    id: String,
    title: String,
    cause: Option<String>,
    summary: Vec<String>,
    location: String,
    affected: Vec<AffectedLink>,
    amendments: Vec<AmendmentView>,
}

fn amendment_views(catalog: &GuidelineCatalog, point: &RevisionPoint) -> Vec<AmendmentView> {
    point
        .amendments
        .iter()
        .filter_map(|a| catalog.amended_wording(a))
        .map(|w| {
            let segments = mamori_domain::diff::text_diff(&w.old, &w.new);
            let (left, right) = mamori_domain::diff::side_by_side(&segments);
            AmendmentView {
                clause_id: w.clause.id.as_str().to_owned(),
                clause_title: w.clause.title.clone(),
                href: clause_href(w.clause.id.as_str()),
                target: w.target.label(),
                left: pieces(&left),
                right: pieces(&right),
            }
        })
        .collect()
}

#[derive(Debug)]
struct ChecklistRow {
    number: u32,
    category: String,
    requirement: String,
}

#[derive(Debug)]
struct RevisionSetView {
    id: String,
    title: String,
    date: String,
    issuer: String,
    points: Vec<PointView>,
    checklist: Vec<ChecklistRow>,
}

#[derive(Template, Debug)]
#[template(path = "catalog_revisions.html")]
struct RevisionsPage {
    chrome: Chrome,
    sub_nav: Vec<SubNavItem>,
    sets: Vec<RevisionSetView>,
}

pub async fn revisions(session: Session, Guideline(catalog): Guideline) -> Response {
    let title_of = |id: &str| match catalog.resolve(id) {
        CatalogRef::Clause(c) => Some(c.title.clone()),
        CatalogRef::Section(s) => s.title.clone(),
        CatalogRef::Unknown => None,
    };
    let sets = catalog
        .revisions()
        .iter()
        .map(|set| RevisionSetView {
            id: set.id.clone(),
            title: set.title.clone(),
            date: set.date.clone(),
            issuer: set.issuer.clone(),
            points: set
                .points
                .iter()
                .map(|p| PointView {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    cause: p.cause.clone(),
                    summary: paragraphs(&p.summary),
                    location: p.location.clone(),
                    affected: p
                        .affected
                        .iter()
                        .map(|a| AffectedLink {
                            id: a.as_str().to_owned(),
                            title: title_of(a.as_str()),
                            href: ref_href(catalog, a.as_str()),
                        })
                        .collect(),
                    amendments: amendment_views(catalog, p),
                })
                .collect(),
            checklist: set
                .vendor_checklist
                .iter()
                .map(|c| ChecklistRow {
                    number: c.number,
                    category: c.category.clone(),
                    requirement: c.requirement.clone(),
                })
                .collect(),
        })
        .collect();
    render(
        StatusCode::OK,
        &RevisionsPage {
            chrome: Chrome::for_user("ガイドラインの改定", &session.user, "/catalog"),
            sub_nav: sub_nav("/catalog/revisions"),
            sets,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Exports

/// `Content-Disposition` for a download: an ASCII name for old clients and the Japanese name in
/// RFC 5987 form (`filename*=UTF-8''…`) for the others.
pub(crate) fn attachment(ascii_name: &str, name: &str) -> HeaderValue {
    let value = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        url_encode(name)
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

/// A file made from the catalog: its bytes, type and names.
struct ExportFile {
    bytes: Vec<u8>,
    content_type: &'static str,
    ascii_name: String,
    name: String,
}

/// Sends a file written from the catalog as a download.
fn download(file: Result<ExportFile, mamori_io::ExportError>) -> Result<Response, PageError> {
    match file.map_err(|e| AppError::Internal(e.to_string())) {
        Ok(f) => {
            let mut response = f.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(f.content_type),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                attachment(&f.ascii_name, &f.name),
            );
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_oscal(
    State(state): State<AppState>,
    _session: Session,
    Guideline(c): Guideline,
) -> Result<Response, PageError> {
    let edition = &c.edition().id;
    let document = mamori_io::oscal::catalog(c.data(), state.app.now());
    let file = mamori_io::oscal::to_json(&document).map(|bytes| ExportFile {
        bytes,
        content_type: "application/json",
        ascii_name: format!("guideline-catalog-{edition}-oscal.json"),
        name: format!("ガイドライン_{edition}_OSCAL.json"),
    });
    download(file)
}

pub async fn export_xlsx(
    _session: Session,
    Guideline(c): Guideline,
) -> Result<Response, PageError> {
    let edition = &c.edition().id;
    let file = mamori_io::xlsx::catalog_workbook(c.data()).map(|bytes| ExportFile {
        bytes,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ascii_name: format!("guideline-catalog-{edition}.xlsx"),
        name: format!("ガイドライン条項一覧_{edition}.xlsx"),
    });
    download(file)
}
