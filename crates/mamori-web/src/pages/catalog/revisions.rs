//! /catalog/revisions: the revision sets of the guideline, each change of wording side by side.

use super::*;

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
