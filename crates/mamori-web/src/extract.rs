//! Who is asking: the session cookie (screens) or a bearer token (API), resolved once per handler.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::{AppError, CurrentUser, RequestMeta};

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::middleware::RequestId;

pub const SESSION_COOKIE: &str = "mamori_session";
/// Carries the CSRF token of a visitor who has not signed in yet (the login form).
pub const ANON_CSRF_COOKIE: &str = "mamori_csrf";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn request_meta(parts: &Parts) -> RequestMeta {
    RequestMeta {
        request_id: parts.extensions.get::<RequestId>().map(|r| r.0.clone()),
    }
}

/// The request's metadata for the audit records of a change (its id).
#[derive(Debug, Clone)]
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(parts)))
    }
}

/// The session user of a screen request, if any, with the raw session token (for logout and for
/// rotating the session at sign-in).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: CurrentUser,
    pub token: String,
}

impl OptionalFromRequestParts<AppState> for Session {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let token = token.to_owned();
        let user = state
            .app
            .session_user(&token)
            .await
            .map_err(|error| PageError {
                error,
                request_id: request_meta(parts).request_id,
            })?;
        // A password someone else set is changed before anything else is done: every screen
        // but the change itself and signing out sends there.
        if user.as_ref().is_some_and(|u| u.must_change_password)
            && !crate::pages::account::open_while_password_must_change(parts.uri.path())
        {
            return Err(PageError {
                error: AppError::PasswordChangeRequired,
                request_id: request_meta(parts).request_id,
            });
        }
        Ok(user.map(|user| Session { user, token }))
    }
}

/// A screen that needs a signed-in user: anyone else is sent to the login page and back.
impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match <Session as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
        {
            Ok(Some(session)) => Ok(session),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", crate::view::url_encode(next))
                };
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// An API caller: a bearer token, or the session cookie of the browser.
#[derive(Debug, Clone)]
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = request_meta(parts).request_id;
        let fail = |error| ApiError {
            error,
            request_id: request_id.clone(),
        };
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let user = match (bearer, cookie(&parts.headers, SESSION_COOKIE)) {
            (Some(token), _) => state.app.token_user(token).await.map_err(fail)?,
            (None, Some(token)) => state.app.session_user(token).await.map_err(fail)?,
            (None, None) => None,
        };
        user.map(ApiUser)
            .ok_or_else(|| fail(AppError::Unauthenticated))
    }
}
