//! Screens, one module each.

pub mod account;
pub mod approvals;
pub mod assets;
pub mod audit;
pub mod backups;
pub mod catalog;
pub mod committee;
pub mod errors;
pub mod forms;
pub mod gap;
pub mod home;
pub mod imports;
pub mod incidents;
pub mod login;
pub mod notifications;
pub mod org;
pub mod policy;
pub mod setup;

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use mamori_app::AppError;
use mamori_domain::DomainError;

/// An htmx request asks for the results of a screen, not the whole page.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Sets `Vary: HX-Request`: the same URL answers a full page or a fragment.
pub fn vary_on_htmx(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("HX-Request"));
    response
}

/// A date as typed: `2026-04-01` (the date input) or 和暦 (令和8年4月1日). A bad one names `field`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, AppError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| mamori_domain::wareki::parse(raw).ok().map(|d| d.to_gregorian()))
        .ok_or_else(|| {
            AppError::Invalid(DomainError::new(
                field,
                format!("「{raw}」は日付として読めません。2026-04-01 または 令和8年4月1日 の形式で入力してください"),
            ))
        })
}

/// Typesets a PDF off the async workers (typesetting takes a CPU for a second or more); a failed
/// or interrupted typesetting is an internal error.
pub async fn typeset_pdf(
    typeset: impl FnOnce() -> Result<Vec<u8>, mamori_pdf::PdfError> + Send + 'static,
) -> Result<Vec<u8>, AppError> {
    match tokio::task::spawn_blocking(typeset).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(AppError::Internal(e.to_string())),
        Err(e) => Err(AppError::Internal(format!("PDF の組版が中断しました: {e}"))),
    }
}

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
