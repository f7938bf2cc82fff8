//! Screens, one module each.

pub mod audit;
pub mod catalog;
pub mod errors;
pub mod home;
pub mod login;
pub mod policy;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Renders a template; a template that fails to render (it cannot, short of a bug) becomes the
/// 500 page rather than a blank 200.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"ja\"><title>エラー</title><p>内部エラーが発生しました。</p></html>".to_owned()),
            )
                .into_response()
        }
    }
}
