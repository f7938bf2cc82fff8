//! The 緊急連絡網 of the day and the 緊急時対応計画 made from it.

use super::*;

#[derive(Template)]
#[template(path = "incident_contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    tree: mamori_app::emergency::ContactTree,
    on: String,
    vacant: Vec<String>,
    missing_phones: usize,
    can_edit: bool,
}

/// The 緊急連絡網 of today, derived from the rules and the role assignments.
pub async fn contacts(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    let tree = state.app.emergency_contacts(user).await?;
    let page = ContactsPage {
        chrome: chrome("緊急連絡網", user),
        sub_nav: sub_nav("/incidents/contacts"),
        on: mamori_domain::wareki::format_gregorian_as_wareki(tree.on),
        vacant: tree
            .vacant()
            .map(|r| format!("{}（{}）", r.role_name, r.stage))
            .collect(),
        missing_phones: tree
            .rules
            .contacts
            .iter()
            .filter(|c| c.phone.trim().is_empty())
            .count(),
        can_edit: user.policy_editor().is_ok(),
        tree,
    };
    Ok(crate::pages::render(axum::http::StatusCode::OK, &page))
}

/// The 緊急時対応計画 as Word: the rules in force and today's 緊急連絡網.
pub async fn plan_docx(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let (name, bytes) = state.app.emergency_plan_docx(&session.user).await?;
    Ok(download(bytes, &name, DOCX))
}

/// The 緊急時対応計画 as PDF.
pub async fn plan_pdf(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let (name, doc) = state.app.emergency_plan_document(&session.user).await?;
    pdf_download(name, doc).await
}
