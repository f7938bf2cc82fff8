//! /catalog/matrix: the guideline's 権限・責任等一覧表, filtered by role and mark.

use super::*;

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
