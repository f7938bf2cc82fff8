//! /catalog/glossary: the guideline's 用語の定義.

use super::*;

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
