//! Turning use-case errors into what the person sees: a Japanese page with the right status for
//! screens, JSON with a stable code for the API. The cause chain goes to the log only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::current_request_id;
use crate::pages::errors::ErrorPage;

pub fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::BadCredentials | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::LockedOut { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Forbidden(_) | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log(err: &AppError, request_id: Option<&str>) {
    if err.is_internal() {
        tracing::error!(request_id, error = ?err, "request failed");
    } else {
        tracing::info!(request_id, error = %err, "request refused");
    }
}

/// An error on a screen. Without a request id of its own it shows the id of the request being
/// answered.
#[derive(Debug)]
pub struct PageError {
    pub error: AppError,
    pub request_id: Option<String>,
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self {
            error,
            request_id: current_request_id(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, AppError::PasswordChangeRequired) {
            return axum::response::Redirect::to(crate::pages::account::PASSWORD_PATH)
                .into_response();
        }
        let request_id = self.request_id.or_else(current_request_id);
        log(&self.error, request_id.as_deref());
        ErrorPage::for_error(&self.error, request_id).into_response()
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// Stable code: `invalid_input`, `unauthenticated`, `forbidden`, `not_found`, `internal` …
    pub code: String,
    /// What went wrong, in Japanese.
    pub message: String,
    /// The input field concerned, for `invalid_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub request_id: Option<String>,
}

/// An error of the API. Without a request id of its own it names the id of the request being
/// answered.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub request_id: Option<String>,
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self {
            error,
            request_id: current_request_id(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = self.request_id.or_else(current_request_id);
        log(&self.error, request_id.as_deref());
        let body = ApiErrorBody {
            code: self.error.code().to_owned(),
            message: self.error.to_string(),
            field: self.error.field().map(str::to_owned),
            request_id,
        };
        (status_of(&self.error), Json(body)).into_response()
    }
}
