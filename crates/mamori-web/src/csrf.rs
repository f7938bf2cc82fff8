//! CSRF protection for every state-changing form.
//!
//! A signed-in user's token is kept with the session on the server; a visitor's (on the login
//! form) is a random value in an `HttpOnly; SameSite=Strict` cookie. Either way the form must
//! carry the same value in `_csrf`, and a request that a browser marks as cross-site is refused
//! before the body is read.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequestParts, Request};
use axum::http::header;
use mamori_app::AppError;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::PageError;
use crate::extract::{ANON_CSRF_COOKIE, Session, cookie, request_meta};

pub const FIELD: &str = "_csrf";

/// A form whose CSRF token checked out, as its fields, plus the session it came with.
#[derive(Debug)]
pub struct VerifiedForm {
    pub fields: HashMap<String, String>,
    pub session: Option<Session>,
}

impl VerifiedForm {
    /// A field's value, or an empty string when the form did not send it.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// A request the browser marks as coming from another site.
fn is_cross_site(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
}

/// The form's `_csrf` equals the expected token (compared in constant time).
fn token_matches(expected: Option<&str>, fields: &HashMap<String, String>) -> bool {
    let sent = fields.get(FIELD).map(String::as_str).unwrap_or("");
    match expected {
        Some(expected) if !sent.is_empty() => {
            bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
        }
        _ => false,
    }
}

fn forbidden(request_id: Option<String>) -> PageError {
    PageError {
        error: AppError::Forbidden("フォームの有効期限が切れたか、別のサイトから送信されました。画面を開き直してから操作してください".to_owned()),
        request_id,
    }
}

impl FromRequest<AppState> for VerifiedForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let request_id = request_meta(&parts).request_id;
        if is_cross_site(&parts.headers) {
            return Err(forbidden(request_id));
        }
        let session =
            <Session as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, state)
                .await?;
        let expected = match &session {
            Some(s) => s.user.csrf_token.clone(),
            None => cookie(&parts.headers, ANON_CSRF_COOKIE).map(str::to_owned),
        };
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let request = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| PageError {
                error: if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    crate::middleware::too_large_error()
                } else {
                    AppError::Invalid(mamori_domain::DomainError::new(
                        "フォーム",
                        "送信内容を読み取れません",
                    ))
                },
                request_id: request_id.clone(),
            })?;
        let fields: HashMap<String, String> = if is_form {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .map_err(|_| PageError {
                    error: AppError::Invalid(mamori_domain::DomainError::new(
                        "フォーム",
                        "送信内容の形式が正しくありません",
                    )),
                    request_id: request_id.clone(),
                })?
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        if !token_matches(expected.as_deref(), &fields) {
            return Err(forbidden(request_id));
        }
        Ok(Self { fields, session })
    }
}

/// A `multipart/form-data` form (a file upload) whose CSRF token checked out: its text fields and
/// its one file, plus the session it came with.
#[derive(Debug)]
pub struct VerifiedUpload {
    pub fields: HashMap<String, String>,
    /// (file name, content) of the field `file`, when one was chosen.
    pub file: Option<(String, Vec<u8>)>,
    /// Every other file chosen: (field name, file name, content).
    pub files: Vec<(String, String, Vec<u8>)>,
    pub session: Option<Session>,
}

impl VerifiedUpload {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

impl FromRequest<AppState> for VerifiedUpload {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let request_id = request_meta(&parts).request_id;
        let unreadable = |request_id: Option<String>| PageError {
            error: AppError::Invalid(mamori_domain::DomainError::new(
                "取込ファイル",
                "送信内容が大きすぎるか、読み取れません",
            )),
            request_id,
        };
        if is_cross_site(&parts.headers) {
            return Err(forbidden(request_id));
        }
        let session =
            <Session as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, state)
                .await?;
        let Some(expected) = session.as_ref().map(|s| s.user.csrf_token.clone()) else {
            return Err(forbidden(request_id));
        };
        let request = Request::from_parts(parts, body);
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|_| unreadable(request_id.clone()))?;
        let mut fields = HashMap::new();
        let mut file = None;
        let mut files = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| unreadable(request_id.clone()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" || field.file_name().is_some() {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| unreadable(request_id.clone()))?;
                if file_name.is_empty() && bytes.is_empty() {
                    // A file input left empty.
                } else if name == "file" {
                    file = Some((file_name, bytes.to_vec()));
                } else {
                    files.push((name, file_name, bytes.to_vec()));
                }
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|_| unreadable(request_id.clone()))?;
                fields.insert(name, text);
            }
        }
        if !token_matches(expected.as_deref(), &fields) {
            return Err(forbidden(request_id));
        }
        Ok(Self {
            fields,
            file,
            files,
            session,
        })
    }
}
