//! /assets/awaiting: the lifecycle actions waiting for permission.

use super::*;

#[derive(Debug)]
struct AwaitingRow {
    asset: String,
    asset_no: String,
    name: String,
    classification: String,
    action: &'static str,
    at: String,
    details: String,
    waiting_for: String,
    by: String,
}

#[derive(Template, Debug)]
#[template(path = "assets_awaiting.html")]
struct AwaitingPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    rows: Vec<AwaitingRow>,
}

pub async fn awaiting(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.awaiting_asset_actions(user).await {
        Ok(list) => Ok(crate::pages::render(
            axum::http::StatusCode::OK,
            &AwaitingPage {
                chrome: chrome("許可待ちの行為", user),
                sub_nav: sub_nav("/assets/awaiting", user),
                rows: list
                    .into_iter()
                    .map(|(e, a)| AwaitingRow {
                        asset: a.id.to_string(),
                        asset_no: a.asset_no,
                        name: a.name,
                        classification: a.classification,
                        action: e.action.label(),
                        at: datetime_ja(e.acted_at),
                        details: e.details,
                        waiting_for: e.required_roles.join("・"),
                        by: e.recorded_by,
                    })
                    .collect(),
            },
        )),
        Err(e) => Err(e.into()),
    }
}
