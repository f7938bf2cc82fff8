//! /catalog/classification: the guideline's tables of the classification of information assets.

use super::*;

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
