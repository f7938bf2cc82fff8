//! /policy/{number}/clause: the editor of one clause of a draft, beside the guideline's 例文.

use super::*;

#[derive(Template, Debug)]
#[template(path = "policy_clause.html")]
struct ClausePage {
    chrome: Chrome,
    number: u32,
    edition_label: String,
    id: String,
    title: String,
    model_text: String,
    current_text: String,
    reason: String,
    amended: bool,
    deleted: Option<String>,
    recommended: bool,
    adopted: bool,
    editable: bool,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ClauseQuery {
    id: String,
}

pub async fn clause(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<ClauseQuery>,
) -> Result<Response, PageError> {
    let n = edition_in_path(&number)?;
    clause_editor(&state, &session.user, n, &q.id, None, None).await
}

pub(super) async fn clause_editor(
    state: &AppState,
    user: &CurrentUser,
    n: EditionNumber,
    id: &str,
    error: Option<String>,
    typed: Option<String>,
) -> Result<Response, PageError> {
    let catalog = guideline()?;
    let Some(c) = catalog.clause(id) else {
        return Err(AppError::NotFound(format!("条項「{id}」")).into());
    };
    let view = state.app.policy_edition(user, n).await?;
    let e = &view.edition;
    let amendment = e.profile.amendments.get(id);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ClausePage {
        chrome: Chrome::for_user(format!("{} {}", id, c.title), user, "/policy"),
        number: n.get(),
        edition_label: e.number.to_string(),
        id: id.to_owned(),
        title: c.title.clone(),
        model_text: c.model_text.clone(),
        current_text: typed
            .unwrap_or_else(|| amendment.map_or_else(|| c.model_text.clone(), |a| a.text.clone())),
        reason: amendment.and_then(|a| a.reason.clone()).unwrap_or_default(),
        amended: amendment.is_some(),
        deleted: e.profile.deletions.get(id).cloned(),
        recommended: c.recommended,
        adopted: e.profile.adopted_recommended.contains(id),
        editable: user.policy_editor().is_ok() && e.status == EditionStatus::Draft,
        error,
    };
    Ok(render(status, &page))
}
