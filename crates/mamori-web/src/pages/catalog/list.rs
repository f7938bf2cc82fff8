//! /catalog: the chapter tree and the clause list with its filters.

use super::*;

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
    pub(super) fn recommended_only(&self) -> bool {
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
