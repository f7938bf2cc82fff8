//! /catalog/search: full-text search of the guideline.

use super::*;

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
