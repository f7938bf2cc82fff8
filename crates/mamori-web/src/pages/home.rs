//! The home page: who you are, in which body, and what you can open.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::extract::Session;
use crate::pages::render;
use crate::view::Chrome;

#[derive(Template, Debug)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    body_name: Option<String>,
    roles: Vec<String>,
    today: String,
    fiscal_year: String,
    can_read_audit: bool,
}

pub async fn show(State(state): State<AppState>, session: Session) -> Response {
    let user = &session.user;
    let today = state.app.today();
    let page = HomePage {
        chrome: Chrome::for_user("ホーム", user, "/"),
        name: user.name().to_owned(),
        body_name: user.body.as_ref().map(|b| b.name.clone()),
        roles: user.roles.iter().map(|r| r.label()).collect(),
        today: mamori_domain::wareki::format_gregorian_as_wareki(today),
        fiscal_year: mamori_domain::fiscal_year::FiscalYear::of(today).to_string(),
        can_read_audit: user.has(mamori_app::access::permission::AUDIT_READ),
    };
    render(StatusCode::OK, &page)
}
