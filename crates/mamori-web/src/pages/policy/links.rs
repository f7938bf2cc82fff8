//! /policy/{number}/links: the officer walks the links of an edition in the body's own structure,
//! chapter by chapter — each provision beside the 例文 of the clauses it is linked to — and
//! confirms them, takes one off, adds one, or marks the provision as the body's own. Progress is
//! counted over provisions and over the guideline's clauses.

use mamori_app::policy::LinkOp;
use mamori_domain::policy::document::{OwnDocument, OwnProvision};

use super::*;

#[derive(Debug)]
struct LinkLine {
    clause: String,
    title: String,
    origin: &'static str,
    settled: bool,
    score: String,
    model: String,
    href: String,
}

#[derive(Debug)]
struct ProvisionLine {
    /// A bare heading: printed as a divider, not reviewed.
    heading_only: bool,
    key: String,
    caption: String,
    depth: u8,
    text: String,
    local: bool,
    reviewed: bool,
    has_analysis: bool,
    links: Vec<LinkLine>,
}

#[derive(Debug)]
struct ChapterLine {
    index: usize,
    caption: String,
    reviewed: usize,
    total: usize,
    current: bool,
}

#[derive(Template)]
#[template(path = "policy_links.html")]
struct LinksPage {
    chrome: Chrome,
    number: u32,
    label: String,
    title: String,
    editable: bool,
    chapters: Vec<ChapterLine>,
    chapter: usize,
    rows: Vec<ProvisionLine>,
    reviewed: usize,
    total: usize,
    clauses_settled: usize,
    clauses_total: usize,
    /// (id, title) of every clause, for the clause picker.
    clause_options: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinksQuery {
    chapter: Option<usize>,
    done: String,
}

/// The chapters: each top-level provision opens one; what comes before the first belongs to it.
fn chapter_starts(doc: &OwnDocument) -> Vec<usize> {
    let mut starts: Vec<usize> = doc
        .provisions
        .iter()
        .enumerate()
        .filter(|(_, p)| p.depth == 0)
        .map(|(i, _)| i)
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts
}

fn chapter_range(starts: &[usize], chapter: usize, len: usize) -> std::ops::Range<usize> {
    let start = starts.get(chapter).copied().unwrap_or(0);
    let end = starts.get(chapter + 1).copied().unwrap_or(len);
    start..end
}

fn links_page(
    user: &CurrentUser,
    view: &EditionView,
    chapter: Option<usize>,
    error: Option<String>,
) -> Result<LinksPage, AppError> {
    let e = &view.edition;
    let catalog = guideline()?;
    let doc = e.profile.document.as_ref().ok_or_else(|| {
        AppError::NotFound("本市の文書の構成の版（この版はガイドラインの構成です）".to_owned())
    })?;
    let in_terms = mamori_app::own_policy::in_body_terms(&e.profile)?;
    let starts = chapter_starts(doc);
    let len = doc.provisions.len();
    let in_range = |r: std::ops::Range<usize>| -> &[OwnProvision] { &doc.provisions[r] };
    let chapter = chapter
        .filter(|c| *c < starts.len())
        .or_else(|| {
            (0..starts.len()).find(|c| {
                in_range(chapter_range(&starts, *c, len))
                    .iter()
                    .any(|p| OwnDocument::needs_review(p) && !OwnDocument::reviewed(p))
            })
        })
        .unwrap_or(0);
    let chapters = (0..starts.len())
        .map(|c| {
            let ps = in_range(chapter_range(&starts, c, len));
            ChapterLine {
                index: c,
                caption: ps.first().map(OwnProvision::caption).unwrap_or_default(),
                reviewed: ps.iter().filter(|p| OwnDocument::reviewed(p)).count(),
                total: ps.iter().filter(|p| OwnDocument::needs_review(p)).count(),
                current: c == chapter,
            }
        })
        .collect();
    let rows = in_range(chapter_range(&starts, chapter, len))
        .iter()
        .map(|p| ProvisionLine {
            heading_only: !OwnDocument::needs_review(p),
            key: p.key.clone(),
            caption: p.caption(),
            depth: p.depth,
            text: p.text.clone(),
            local: p.local,
            reviewed: OwnDocument::reviewed(p),
            has_analysis: p.links.iter().any(|l| !l.origin.is_settled()),
            links: p
                .links
                .iter()
                .map(|l| {
                    let clause = catalog.clause(&l.clause);
                    LinkLine {
                        clause: l.clause.clone(),
                        title: clause.map(|c| c.title.clone()).unwrap_or_default(),
                        origin: l.origin.label(),
                        settled: l.origin.is_settled(),
                        score: l
                            .score
                            .map(|s| format!("{:.2}", f64::from(s) / 1000.0))
                            .unwrap_or_default(),
                        model: clause.map(|c| in_terms(&c.model_text)).unwrap_or_default(),
                        href: format!("/catalog/clauses/{}", url_encode(&l.clause)),
                    }
                })
                .collect(),
        })
        .collect();
    let settled: std::collections::BTreeSet<&str> = doc
        .provisions
        .iter()
        .flat_map(|p| p.links.iter())
        .filter(|l| l.origin.is_settled())
        .map(|l| l.clause.as_str())
        .collect();
    Ok(LinksPage {
        chrome: Chrome::for_user(
            format!("{} ガイドラインとの対応", e.number),
            user,
            "/policy",
        ),
        number: e.number.get(),
        label: e.number.to_string(),
        title: e.title.clone(),
        editable: user.policy_editor().is_ok() && e.status == EditionStatus::Draft,
        chapters,
        chapter,
        rows,
        reviewed: doc
            .provisions
            .iter()
            .filter(|p| OwnDocument::reviewed(p))
            .count(),
        total: doc
            .provisions
            .iter()
            .filter(|p| OwnDocument::needs_review(p))
            .count(),
        clauses_settled: settled.len(),
        clauses_total: catalog.clauses.len(),
        clause_options: catalog
            .clauses
            .iter()
            .map(|c| (c.id.to_string(), c.title.clone()))
            .collect(),
        error,
        notice: None,
    })
}

pub async fn links(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<LinksQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let n = edition_in_path(&number)?;
    let view = state.app.policy_edition(user, n).await?;
    Ok(render(
        StatusCode::OK,
        &links_page(user, &view, q.chapter, None)?,
    ))
}

/// One review step on a provision's links; back to its chapter and the provision.
pub async fn review_link(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(number): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let n = edition_in_path(&number)?;
    let editor = user.policy_editor()?;
    let provision = form.get("provision").to_owned();
    let clause = form.get("clause").trim().to_owned();
    let chapter: Option<usize> = form.get("chapter").parse().ok();
    if form.get("op") == "reanalyse" {
        return match state
            .app
            .reanalyse_own_policy(user, &editor, n, &meta)
            .await
        {
            Ok(_) => Ok(Redirect::to(&format!(
                "/policy/{}/links?chapter={}&done=reanalysed",
                n.get(),
                chapter.unwrap_or(0)
            ))
            .into_response()),
            Err(e) => Err(e.into()),
        };
    }
    let op = match form.get("op") {
        "confirm" => LinkOp::Confirm,
        "add" => LinkOp::Add(clause),
        "remove" => LinkOp::Remove(clause),
        "local" => LinkOp::Local(true),
        "unlocal" => LinkOp::Local(false),
        other => {
            return Err(AppError::Invalid(DomainError::new(
                "操作",
                format!("「{other}」という操作はありません"),
            ))
            .into());
        }
    };
    let change = ProfileChange::Link {
        provision: provision.clone(),
        op,
    };
    let back = format!(
        "/policy/{}/links?chapter={}#p-{}",
        n.get(),
        chapter.unwrap_or(0),
        url_encode(&provision)
    );
    review_step(
        &state,
        user,
        &editor,
        n,
        change,
        &meta,
        back,
        |view, message| links_page(user, view, chapter, Some(message)),
    )
    .await
}
