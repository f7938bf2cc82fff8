//! Layers every request passes through: a request id, and the security headers.

use std::any::Any;
use std::future::Future;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Response, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use tracing::Instrument;

use crate::pages::errors::ErrorPage;

/// The id of one request: shown on error pages, written in logs and audit records.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

tokio::task_local! {
    /// The id of the request being answered, for the errors that render without the request.
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being answered, when called while answering one.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `future` as the answer to the request `id`: [`current_request_id`] gives `id` inside it.
fn with_request_id<F: Future>(id: String, future: F) -> impl Future<Output = F::Output> {
    CURRENT_REQUEST_ID.scope(id, future)
}

/// Gives every request its id: in the request (for the extractors), for the errors rendered
/// while answering it, in the log span of everything it does, and in the `x-request-id` header
/// of the answer.
pub async fn request_id(mut request: Request, next: Next) -> Response<Body> {
    let id = uuid::Uuid::now_v7().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let mut response = with_request_id(id.clone(), next.run(request))
        .instrument(span)
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    tracing::info!(request_id = %id, %method, %path, status = response.status().as_u16(), "request");
    response
}

/// No inline script anywhere, so the policy can forbid it; htmx is configured by a meta tag not
/// to inject its indicator styles, so inline styles are forbidden too.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; object-src 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response<Body> {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A handler that panicked still answers with the Japanese 500 page, never a dropped connection.
pub fn panic_response(_err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!("handler panicked");
    ErrorPage::internal(None).into_response()
}

/// The refusal of a request over the limits, naming them.
pub fn too_large_error() -> mamori_app::AppError {
    mamori_app::AppError::TooLarge(format!(
        "送信されたデータが上限を超えています。取り込むファイルは {} MB まで、そのほかの入力は {} MB までです。ファイルを分けるか小さくしてから、もう一度お試しください",
        crate::UPLOAD_LIMIT_MB,
        crate::FORM_LIMIT / 1024 / 1024
    ))
}

/// A request larger than a limit is refused by the body-limit layers and the extractors with
/// an English plain-text 413. It becomes the Japanese error page (or the API's JSON error)
/// like every other refusal; the security headers are added outside this layer.
pub async fn too_large(request: Request, next: Next) -> Response<Body> {
    let api = request.uri().path().starts_with("/api/");
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    let response = next.run(request).await;
    let already_ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if response.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE || already_ours {
        return response;
    }
    let error = too_large_error();
    if api {
        crate::error::ApiError { error, request_id }.into_response()
    } else {
        crate::error::PageError { error, request_id }.into_response()
    }
}
