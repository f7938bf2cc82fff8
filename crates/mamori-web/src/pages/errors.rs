//! Error pages: Japanese, with the request id to quote to the help desk, and the right status.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;

use crate::error::status_of;
use crate::middleware::current_request_id;
use crate::pages::render;
use crate::view::Chrome;

#[derive(Template, Debug)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub heading: String,
    pub message: String,
    pub request_id: Option<String>,
    pub show_login: bool,
}

impl ErrorPage {
    fn new(status: StatusCode, heading: &str, message: String, request_id: Option<String>) -> Self {
        Self {
            chrome: Chrome::anonymous(heading, String::new()),
            status: status.as_u16(),
            heading: heading.to_owned(),
            message,
            request_id,
            show_login: status == StatusCode::UNAUTHORIZED,
        }
    }

    pub fn internal(request_id: Option<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "内部エラー",
            "処理中にエラーが発生しました。時間をおいてもう一度お試しください。続く場合は、下の受付番号を添えて情報政策担当課へ連絡してください。".to_owned(),
            request_id,
        )
    }

    pub fn for_error(error: &AppError, request_id: Option<String>) -> Self {
        let status = status_of(error);
        let heading = match status {
            StatusCode::FORBIDDEN => "権限がありません",
            StatusCode::NOT_FOUND => "ページが見つかりません",
            StatusCode::UNAUTHORIZED => "ログインが必要です",
            StatusCode::UNPROCESSABLE_ENTITY => "入力内容に誤りがあります",
            StatusCode::CONFLICT => "処理できませんでした",
            StatusCode::TOO_MANY_REQUESTS => "しばらくお待ちください",
            StatusCode::PAYLOAD_TOO_LARGE => "送信されたデータが大きすぎます",
            _ => return Self::internal(request_id),
        };
        Self::new(status, heading, error.to_string(), request_id)
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        render(status, &self)
    }
}

/// The answer to a path no route has: the 404 page with the request's id.
pub async fn not_found() -> Response {
    ErrorPage::new(
        StatusCode::NOT_FOUND,
        "ページが見つかりません",
        "お探しのページは存在しないか、移動しました。アドレスをご確認ください。".to_owned(),
        current_request_id(),
    )
    .into_response()
}
