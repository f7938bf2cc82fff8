//! /catalog/clauses/{id}: one clause with its 解説, roles, artifacts and revisions.

use super::*;

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
