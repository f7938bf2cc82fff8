//! /policy/{number}/gaps: the worklist of an edition in the body's own structure — each guideline
//! clause no provision implements, with its 例文 in the body's terms and where a provision would
//! go — decided one by one: 追加する (text editable), 別に定める (where), 採用しない (why).

use mamori_app::own_policy::{GapDone, GapItem, worklist};
use mamori_app::policy::GapOp;

use super::*;

#[derive(Template)]
#[template(path = "policy_gaps.html")]
struct GapsPage {
    chrome: Chrome,
    number: u32,
    label: String,
    title: String,
    editable: bool,
    /// (key, label, open count, current)
    chapters: Vec<(String, String, usize, bool)>,
    chapter: String,
    items: Vec<GapItem>,
    /// (key, caption) of every provision, for the place picker.
    provisions: Vec<(String, String)>,
    open_total: usize,
    done: Vec<GapDone>,
    error: Option<String>,
    /// The clause the error is about, to keep its form open.
    error_clause: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GapsQuery {
    chapter: String,
}

fn gaps_page(
    user: &CurrentUser,
    view: &EditionView,
    chapter: &str,
    error: Option<(String, String)>,
) -> Result<GapsPage, AppError> {
    let e = &view.edition;
    let (open, done) = worklist(e)?;
    let catalog = guideline()?;
    let mut keys: Vec<String> = Vec::new();
    for c in &catalog.clauses {
        let k = c.id.chapter_key();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let chapter = if keys.iter().any(|k| k == chapter) {
        chapter.to_owned()
    } else {
        open.first()
            .map(|g| g.chapter.clone())
            .or_else(|| keys.first().cloned())
            .unwrap_or_default()
    };
    let chapters = keys
        .iter()
        .map(|k| {
            let label = if k == "B" {
                "基本方針".to_owned()
            } else {
                format!("対策基準 第{}章", k.trim_start_matches("S-"))
            };
            let count = open.iter().filter(|g| &g.chapter == k).count();
            (k.clone(), label, count, *k == chapter)
        })
        .collect();
    let open_total = open.len();
    let (error, error_clause) = error.map_or((None, String::new()), |(m, c)| (Some(m), c));
    Ok(GapsPage {
        chrome: Chrome::for_user(format!("{} ガイドラインとの差", e.number), user, "/policy"),
        number: e.number.get(),
        label: e.number.to_string(),
        title: e.title.clone(),
        editable: user.policy_editor().is_ok() && e.status == EditionStatus::Draft,
        chapters,
        items: open.into_iter().filter(|g| g.chapter == chapter).collect(),
        provisions: e
            .profile
            .document
            .as_ref()
            .map(|d| {
                d.provisions
                    .iter()
                    .map(|p| (p.key.clone(), p.caption()))
                    .collect()
            })
            .unwrap_or_default(),
        chapter,
        open_total,
        done,
        error,
        error_clause,
    })
}

pub async fn gaps(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<GapsQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let n = edition_in_path(&number)?;
    let view = state.app.policy_edition(user, n).await?;
    Ok(render(
        StatusCode::OK,
        &gaps_page(user, &view, &q.chapter, None)?,
    ))
}

/// One decision on a clause of the worklist; back to its chapter.
pub async fn decide_gap(
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
    let clause = form.get("clause").trim().to_owned();
    let chapter = form.get("chapter").to_owned();
    let op = match form.get("op") {
        "add" => GapOp::Add {
            after: Some(form.get("after").trim().to_owned()).filter(|a| !a.is_empty()),
            number: form.get("number").to_owned(),
            text: form.get("text").to_owned(),
        },
        "elsewhere" => GapOp::Elsewhere(form.get("place").to_owned()),
        "not-adopted" => GapOp::NotAdopted(form.get("reason").to_owned()),
        "reopen" => GapOp::Reopen,
        other => {
            return Err(AppError::Invalid(DomainError::new(
                "操作",
                format!("「{other}」という操作はありません"),
            ))
            .into());
        }
    };
    let change = ProfileChange::Gap {
        clause: clause.clone(),
        op,
    };

    let back = format!("/policy/{}/gaps?chapter={}", n.get(), url_encode(&chapter));
    review_step(
        &state,
        user,
        &editor,
        n,
        change,
        &meta,
        back,
        |view, message| {
            gaps_page(
                user,
                view,
                &chapter,
                Some((format!("{clause}: {message}"), clause.clone())),
            )
        },
    )
    .await
}
