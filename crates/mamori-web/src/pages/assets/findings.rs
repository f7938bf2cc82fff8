//! /assets/findings: the rule checks of the register, unit by unit.

use super::*;

#[derive(Template, Debug)]
#[template(path = "assets_findings.html")]
struct FindingsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    units: Vec<UnitFindings>,
    total: usize,
}

pub async fn findings(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.asset_findings(user).await {
        Ok(units) => Ok(crate::pages::render(
            axum::http::StatusCode::OK,
            &FindingsPage {
                chrome: chrome("情報資産の点検結果", user),
                sub_nav: sub_nav("/assets/findings", user),
                total: units.iter().map(|u| u.findings.len()).sum(),
                units,
            },
        )),
        Err(e) => Err(e.into()),
    }
}
