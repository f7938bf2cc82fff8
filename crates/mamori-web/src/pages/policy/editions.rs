//! /policy: the editions of the body's policy with their 改定履歴, and starting a new draft.

use super::*;

#[derive(Template, Debug)]
#[template(path = "policy.html")]
struct PolicyPage {
    chrome: Chrome,
    editions: Vec<EditionRow>,
    history: Vec<String>,
    can_edit: bool,
    /// The edition a new draft would start from, when one may be started.
    draft_from: Option<u32>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let user = &session.user;
    let editions = state.app.policy_editions(user).await?;
    let history = state.app.policy_history(user).await?;
    let can_edit = user.policy_editor().is_ok();
    let open = editions.iter().any(Edition::is_open);
    let draft_from = editions
        .iter()
        .find(|e| e.status == EditionStatus::InForce)
        .filter(|_| can_edit && !open)
        .map(|e| e.number.get());
    let page = PolicyPage {
        chrome: Chrome::for_user("情報セキュリティポリシー", user, "/policy"),
        editions: editions.iter().map(EditionRow::from).collect(),
        history: history.iter().map(HistoryLine::to_string).collect(),
        can_edit,
        draft_from,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Starts a new draft (from the edition in force) or the first edition.
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let editor = user.policy_editor()?;
    let result = match form.get("from") {
        "" => {
            state
                .app
                .create_first_edition(user, &editor, form.get("title"), &meta)
                .await
        }
        from => match parse_number(from) {
            Ok(n) => state.app.new_policy_draft(user, &editor, n, &meta).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/policy/{}", e.number.get())).into_response()),
        Err(e) => Err(e.into()),
    }
}
