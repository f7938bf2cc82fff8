//! /policy/{number}/diff: an edition side by side with an earlier one or the guideline's 例文.

use super::*;

/// A piece of text in the side-by-side view: `mark` is `del`, `ins` or empty.
#[derive(Debug)]
pub(crate) struct Piece {
    pub(crate) mark: &'static str,
    pub(crate) text: String,
}

#[derive(Debug)]
struct DiffRow {
    label: String,
    kind: &'static str,
    kind_label: &'static str,
    moved: bool,
    retitled: bool,
    left: Vec<Piece>,
    right: Vec<Piece>,
}

#[derive(Template, Debug)]
#[template(path = "policy_diff.html")]
struct DiffPage {
    chrome: Chrome,
    number: u32,
    from_label: String,
    /// The query value of the side compared from, for the 新旧対照表 link.
    from_value: String,
    to_label: String,
    choices: Vec<(String, String, bool)>,
    rows: Vec<DiffRow>,
    added: usize,
    removed: usize,
    changed: usize,
    moved: usize,
    unchanged: usize,
    show_all: bool,
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    all: Option<String>,
}

pub(crate) fn pieces(segments: &[mamori_domain::diff::Segment]) -> Vec<Piece> {
    use mamori_domain::diff::SegmentKind;
    segments
        .iter()
        .map(|s| Piece {
            mark: match s.kind {
                SegmentKind::Equal => "",
                SegmentKind::Deleted => "del",
                SegmentKind::Inserted => "ins",
            },
            text: s.text.clone(),
        })
        .collect()
}

fn plain(text: Option<&str>) -> Vec<Piece> {
    text.map(|t| {
        vec![Piece {
            mark: "",
            text: t.to_owned(),
        }]
    })
    .unwrap_or_default()
}

pub async fn diff(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    use mamori_app::policy::DiffSide;
    use mamori_domain::diff::ClauseChangeKind;
    let user = &session.user;
    let (n, body, view, may_see_drafts) = visible_edition(&state, user, &number).await?;
    let default_from = view
        .edition
        .based_on
        .map_or_else(|| "guideline".to_owned(), |b| b.get().to_string());
    let from_value = q
        .from
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or(default_from);
    let from = DiffSide::parse(&from_value).map_err(AppError::from)?;
    let result = state
        .app
        .policy_diff(body, from, DiffSide::Edition(n), may_see_drafts)
        .await?;
    let show_all = q.all.as_deref() == Some("1");
    let rows = result
        .changes
        .iter()
        .filter(|c| {
            show_all
                || c.moved
                || c.retitled
                || !matches!(c.kind, ClauseChangeKind::Unchanged { .. })
        })
        .map(|c| {
            let (kind, kind_label, left, right) = match &c.kind {
                ClauseChangeKind::Unchanged { text } => (
                    "unchanged",
                    "変更なし",
                    plain(Some(text)),
                    plain(Some(text)),
                ),
                ClauseChangeKind::Added { text } => {
                    ("added", "追加", Vec::new(), plain(Some(text)))
                }
                ClauseChangeKind::Removed { text } => {
                    ("removed", "削除", plain(Some(text)), Vec::new())
                }
                ClauseChangeKind::Changed { segments } => {
                    let (l, r) = mamori_domain::diff::side_by_side(segments);
                    ("changed", "文言の変更", pieces(&l), pieces(&r))
                }
            };
            DiffRow {
                label: c
                    .new_label
                    .clone()
                    .or_else(|| c.old_label.clone())
                    .unwrap_or_else(|| c.key.clone()),
                kind,
                kind_label,
                moved: c.moved,
                retitled: c.retitled,
                left,
                right,
            }
        })
        .collect();
    let editions = state.app.policy_editions(user).await.unwrap_or_default();
    let mut choices = vec![(
        "guideline".to_owned(),
        "ガイドライン（例文）".to_owned(),
        from == DiffSide::Guideline,
    )];
    for e in editions.iter().filter(|e| e.number != n) {
        choices.push((
            e.number.get().to_string(),
            e.number.to_string(),
            from == DiffSide::Edition(e.number),
        ));
    }
    let s = &result.summary;
    let page = DiffPage {
        chrome: Chrome::for_user(format!("{n} の比較"), user, "/policy"),
        number: n.get(),
        from_label: from.label(),
        from_value: from_value.clone(),
        to_label: n.to_string(),
        choices,
        rows,
        added: s.added,
        removed: s.removed,
        changed: s.changed,
        moved: s.moved,
        unchanged: s.unchanged,
        show_all,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The 新旧対照表 of an edition against another (by default the one it was made from).
async fn comparison(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
    q: &DiffQuery,
) -> Result<(EditionNumber, mamori_io::comparison::ComparisonTable), AppError> {
    use mamori_app::policy::DiffSide;
    let (n, body, view, may_see_drafts) = visible_edition(state, user, number).await?;
    let from = match q.from.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => DiffSide::parse(raw).map_err(AppError::from)?,
        None => DiffSide::Edition(view.edition.based_on.ok_or_else(|| {
            AppError::Invalid(DomainError::new(
                "比較する版",
                "この版のもとになった版がありません。比較する版を選んでください",
            ))
        })?),
    };
    let diff = state
        .app
        .policy_diff(body, from, DiffSide::Edition(n), may_see_drafts)
        .await?;
    Ok((
        n,
        mamori_io::comparison::ComparisonTable::of(
            &diff,
            &format!("{}新旧対照表", view.edition.title),
            &format!("改正後（{n}）"),
            &format!("改正前（{}）", from.label()),
        ),
    ))
}

fn comparison_file(
    n: EditionNumber,
    title: &str,
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &str,
) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        crate::pages::catalog::attachment(
            &format!("policy-comparison-{}.{extension}", n.get()),
            &format!("{title}_{n}.{extension}"),
        ),
    );
    response
}

/// 新旧対照表 as Word.
pub async fn comparison_docx(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    let (n, table) = comparison(&state, &session.user, &number, &q).await?;
    let bytes = mamori_io::comparison::comparison_docx(&table)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(comparison_file(
        n,
        &table.title,
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ))
}

/// 新旧対照表 as PDF.
pub async fn comparison_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    let (n, table) = comparison(&state, &session.user, &number, &q).await?;
    let bytes = {
        let table = table.clone();
        crate::pages::typeset_pdf(move || mamori_pdf::comparison_pdf(&table)).await?
    };
    Ok(comparison_file(
        n,
        &table.title,
        bytes,
        "application/pdf",
        "pdf",
    ))
}
