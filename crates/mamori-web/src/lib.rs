//! The HTTP interface of mamori: Japanese server-rendered screens (askama templates, htmx for
//! partial updates, every asset embedded) and the JSON API under `/api/v1`.
//!
//! Handlers are thin: extract the user and the input, call one use case, render. Security is in
//! layers every route passes through: request ids, security headers, CSRF on every form.

mod api;
mod assets;
mod csrf;
mod document;
mod error;
mod extract;
mod middleware;
mod pages;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use mamori_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// The largest request: an import file plus the form around it.
const UPLOAD_LIMIT: usize = mamori_app::org_import::MAX_IMPORT_BYTES + 64 * 1024;
/// The limit of an import file as the refusal names it.
const UPLOAD_LIMIT_MB: usize = mamori_app::org_import::MAX_IMPORT_BYTES / 1024 / 1024;
/// The largest request without a file.
const FORM_LIMIT: usize = 1024 * 1024;

pub use api::openapi_json;
pub use document::render_policy_document;

/// Web settings that are not use-case settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (when mamori is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}

/// The whole application as an axum router.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        config: Arc::new(config),
    };
    Router::new()
        .route("/", get(pages::home::show))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/setup", get(pages::setup::show).post(pages::setup::submit))
        .route("/audit", get(pages::audit::list))
        .route(
            "/admin/backups",
            get(pages::backups::list).post(pages::backups::start),
        )
        .route("/admin/backups/{id}/check", post(pages::backups::check))
        .route("/policy", get(pages::policy::list))
        .route("/policy/editions", post(pages::policy::create))
        .route(
            "/policy/gap",
            get(pages::gap::show)
                .post(pages::gap::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/policy/gap/{id}", get(pages::gap::report))
        .route("/policy/gap/{id}/clause", get(pages::gap::clause))
        .route("/policy/gap/{id}/report.xlsx", get(pages::gap::workbook))
        .route("/policy/gap/{id}/adopt", post(pages::gap::adopt))
        .route("/policy/gap/{id}/import-own", post(pages::gap::import_own))
        .route("/policy/{number}", get(pages::policy::show))
        .route(
            "/policy/{number}/actions/{action}",
            post(pages::policy::act),
        )
        .route("/policy/{number}/profile", post(pages::policy::change))
        .route(
            "/policy/{number}/gaps",
            get(pages::policy::gaps).post(pages::policy::decide_gap),
        )
        .route(
            "/policy/{number}/links",
            get(pages::policy::links).post(pages::policy::review_link),
        )
        .route("/policy/{number}/clause", get(pages::policy::clause))
        .route("/policy/{number}/diff", get(pages::policy::diff))
        .route(
            "/policy/{number}/comparison.docx",
            get(pages::policy::comparison_docx),
        )
        .route(
            "/policy/{number}/comparison.pdf",
            get(pages::policy::comparison_pdf),
        )
        .route("/policy/{number}/document", get(pages::policy::document))
        .route(
            "/policy/{number}/basic-policy",
            get(pages::policy::basic_policy),
        )
        .route(
            "/policy/{number}/basic-policy.pdf",
            get(pages::policy::basic_policy_pdf),
        )
        .route(
            "/policy/{number}/document.docx",
            get(pages::policy::document_docx),
        )
        .route(
            "/policy/{number}/document.pdf",
            get(pages::policy::document_pdf),
        )
        .route(
            "/policy/{number}/acknowledgements",
            get(pages::policy::acknowledgements),
        )
        .route(
            "/committee",
            get(pages::committee::list)
                .post(pages::committee::create)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/committee/new", get(pages::committee::new_form))
        .route("/committee/{id}", get(pages::committee::show_meeting))
        .route("/committee/{id}/minutes", get(pages::committee::minutes))
        .route("/org", get(pages::org::tree))
        .route("/org/units", post(pages::org::create_unit))
        .route(
            "/org/units/{id}",
            get(pages::org::unit).post(pages::org::change_unit),
        )
        .route(
            "/org/people",
            get(pages::org::people).post(pages::org::create_person),
        )
        .route("/org/units/{id}/abolish", post(pages::org::abolish_unit))
        .route("/org/people/{id}/account", post(pages::org::create_account))
        .route("/org/people/new", get(pages::org::new_person))
        .route(
            "/org/people/{id}",
            get(pages::org::person).post(pages::org::change_person),
        )
        .route(
            "/org/roles",
            get(pages::org::roles).post(pages::org::assign),
        )
        .route("/org/roles/{id}/end", post(pages::org::end_assignment))
        .route("/org/authority", get(pages::org::authority))
        .route(
            "/org/import",
            get(pages::org::import::show)
                .post(pages::org::import::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/org/import/{id}",
            get(pages::org::import::preview).post(pages::org::import::apply),
        )
        .route("/org/export", get(pages::org::import::export))
        .route("/jobs/{id}", get(pages::org::import::job))
        .route(
            "/org/transfers",
            get(pages::org::transfers::list).post(pages::org::transfers::create),
        )
        .route(
            "/org/transfers/{id}",
            get(pages::org::transfers::show).post(pages::org::transfers::change),
        )
        .route(
            "/org/transfers/{id}/import",
            post(pages::org::transfers::import_moves).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/assets",
            get(pages::assets::list).post(pages::assets::create),
        )
        .route("/assets/new", get(pages::assets::new_form))
        .route(
            "/assets/import",
            get(pages::assets::import::show)
                .post(pages::assets::import::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/assets/import/{id}",
            get(pages::assets::import::preview).post(pages::assets::import::apply),
        )
        .route("/assets/export", get(pages::assets::import::export))
        .route("/assets/findings", get(pages::assets::findings))
        .route("/assets/awaiting", get(pages::assets::awaiting))
        .route(
            "/assets/{id}",
            get(pages::assets::show_asset).post(pages::assets::update),
        )
        .route("/assets/{id}/edit", get(pages::assets::edit_form))
        .route("/assets/{id}/actions", post(pages::assets::record_action))
        .route(
            "/assets/{id}/events/{event}/withdraw",
            post(pages::assets::withdraw_action),
        )
        .route(
            "/risks",
            get(pages::assets::risks::list).post(pages::assets::risks::create),
        )
        .route(
            "/risks/settings",
            get(pages::assets::risks::settings).post(pages::assets::risks::save_settings),
        )
        .route(
            "/risks/{id}",
            get(pages::assets::risks::edit).post(pages::assets::risks::update),
        )
        .route("/risks/{id}/delete", post(pages::assets::risks::delete))
        .route(
            "/approvals",
            get(pages::approvals::inbox)
                .post(pages::approvals::create)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/approvals/new", get(pages::approvals::new_form))
        .route("/approvals/{id}", get(pages::approvals::show_application))
        .route("/approvals/{id}/decisions", post(pages::approvals::decide))
        .route("/approvals/{id}/withdraw", post(pages::approvals::withdraw))
        .route(
            "/approvals/{id}/resubmit",
            post(pages::approvals::resubmit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/approvals/{id}/files/{file}", get(pages::approvals::file))
        .route(
            "/approvals/{id}/follow-up",
            post(pages::approvals::follow_up),
        )
        .route("/approvals/exceptions", get(pages::approvals::exceptions))
        .route(
            "/incidents",
            get(pages::incidents::list).post(pages::incidents::create),
        )
        .route("/incidents/new", get(pages::incidents::new_form))
        .route("/incidents/export.xlsx", get(pages::incidents::export))
        .route("/incidents/contacts", get(pages::incidents::contacts))
        .route("/incidents/plan.docx", get(pages::incidents::plan_docx))
        .route("/incidents/plan.pdf", get(pages::incidents::plan_pdf))
        .route("/incidents/{id}", get(pages::incidents::show_incident))
        .route(
            "/incidents/{id}/actions/{action}",
            post(pages::incidents::act),
        )
        .route(
            "/incidents/{id}/external",
            post(pages::incidents::record_external).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/incidents/{id}/entries",
            post(pages::incidents::add_entry).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/incidents/{id}/report.docx",
            get(pages::incidents::report_docx),
        )
        .route(
            "/incidents/{id}/report.pdf",
            get(pages::incidents::report_pdf),
        )
        .route("/incidents/{id}/files/{file}", get(pages::incidents::file))
        .route(
            "/account/password",
            get(pages::account::password).post(pages::account::change_password),
        )
        .route("/account/tokens", get(pages::account::tokens))
        .route(
            "/account/tokens/{id}/revoke",
            post(pages::account::revoke_token),
        )
        .route("/notifications", get(pages::notifications::list))
        .route(
            "/notifications/{id}/read",
            post(pages::notifications::mark_read),
        )
        .route("/ledgers", get(pages::approvals::ledgers))
        .route("/ledgers/{key}", get(pages::approvals::ledger))
        .route("/catalog", get(pages::catalog::list))
        .route("/catalog/clauses/{id}", get(pages::catalog::clause))
        .route("/catalog/search", get(pages::catalog::search))
        .route("/catalog/matrix", get(pages::catalog::matrix))
        .route("/catalog/glossary", get(pages::catalog::glossary))
        .route(
            "/catalog/classification",
            get(pages::catalog::classification),
        )
        .route("/catalog/revisions", get(pages::catalog::revisions))
        .route(
            "/catalog/export/oscal.json",
            get(pages::catalog::export_oscal),
        )
        .route(
            "/catalog/export/catalog.xlsx",
            get(pages::catalog::export_xlsx),
        )
        .route("/static/{*path}", get(assets::serve))
        .nest("/api/v1", api::routes())
        .fallback(pages::errors::not_found)
        // Forms are small; only the import upload takes more (its own limit above).
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
        // Outside the limits and the panic catcher, so their answers are Japanese pages with
        // the same security headers as every other.
        .layer(axum::middleware::from_fn(middleware::too_large))
        // Before a 団体 exists only the setup answers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::setup::gate,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}
