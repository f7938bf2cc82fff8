//! Signing in and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::auth::random_secret;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::{PageError, status_of};
use crate::extract::{ANON_CSRF_COOKIE, Meta, SESSION_COOKIE, Session, cookie, set_cookie};
use crate::pages::render;
use crate::view::{Chrome, safe_next};

#[derive(Template, Debug)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    login: String,
    error: Option<String>,
    error_field: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn page(
    csrf: String,
    next: &str,
    login: &str,
    error: Option<(String, Option<&'static str>)>,
) -> LoginPage {
    let (error, error_field) = match error {
        Some((message, field)) => (Some(message), field),
        None => (None, None),
    };
    LoginPage {
        chrome: Chrome::anonymous("ログイン", csrf),
        next: safe_next(next).to_owned(),
        login: login.to_owned(),
        error,
        error_field,
    }
}

pub async fn show(
    session: Option<Session>,
    headers: HeaderMap,
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = query.next.unwrap_or_default();
    if session.is_some() {
        return Redirect::to(safe_next(&next)).into_response();
    }
    anonymous_form(&headers, state.config.secure_cookies, |csrf| {
        render(StatusCode::OK, &page(csrf, &next, "", None))
    })
}

/// A form page for a visitor who is not signed in: its CSRF token is the visitor's cookie,
/// kept across reloads so that two open tabs both work, and set when there is none.
pub(crate) fn anonymous_form(
    headers: &HeaderMap,
    secure_cookies: bool,
    page: impl FnOnce(String) -> Response,
) -> Response {
    let (csrf, set) = match cookie(headers, ANON_CSRF_COOKIE) {
        Some(existing) => (existing.to_owned(), false),
        None => (random_secret(), true),
    };
    let mut response = page(csrf.clone());
    if set && let Ok(value) = set_cookie(ANON_CSRF_COOKIE, &csrf, secure_cookies, None).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: VerifiedForm,
) -> Response {
    let login = form.get("login").to_owned();
    let password = form.get("password").to_owned();
    let next = form.get("next").to_owned();
    // The form re-renders with the token it was sent with.
    let csrf = form.get(crate::csrf::FIELD).to_owned();
    let again = |status: StatusCode, message: String, field: Option<&'static str>| {
        render(
            status,
            &page(csrf.clone(), &next, &login, Some((message, field))),
        )
    };
    if login.trim().is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ログインID: 入力してください".to_owned(),
            Some("login"),
        );
    }
    if password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "パスワード: 入力してください".to_owned(),
            Some("password"),
        );
    }
    let previous = cookie(&headers, SESSION_COOKIE).map(str::to_owned);
    match state
        .app
        .login(&login, &password, previous.as_deref(), &meta)
        .await
    {
        Ok(session) => {
            let secure = state.config.secure_cookies;
            let mut response = Redirect::to(safe_next(&next)).into_response();
            let cookies = [
                set_cookie(SESSION_COOKIE, &session.token, secure, None),
                set_cookie(ANON_CSRF_COOKIE, "", secure, Some(0)),
            ];
            for c in cookies {
                if let Ok(value) = c.parse() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(e @ (AppError::BadCredentials | AppError::LockedOut { .. })) => {
            again(status_of(&e), e.to_string(), None)
        }
        Err(error) => PageError {
            error,
            request_id: meta.request_id,
        }
        .into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    if let Some(session) = &form.session {
        state
            .app
            .logout(&session.user, &session.token, &meta)
            .await?;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
