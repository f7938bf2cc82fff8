//! The signed-in person's own account: changing the password (forced after someone else set it)
//! and the API tokens issued to them, which they may revoke.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::accounts::PasswordChange;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::Problem;
use crate::pages::render;
use crate::view::{Chrome, datetime_ja};

pub const PASSWORD_PATH: &str = "/account/password";

/// The paths a person whose password must change may still reach.
pub fn open_while_password_must_change(path: &str) -> bool {
    path == PASSWORD_PATH || path == "/logout" || path.starts_with("/static/")
}

#[derive(Template, Debug)]
#[template(path = "account_password.html")]
struct PasswordPage {
    chrome: Chrome,
    forced: bool,
    done: bool,
    min_len: usize,
    problem: Problem,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

async fn password_page(
    state: &AppState,
    session: &Session,
    done: bool,
    problem: Problem,
) -> Result<Response, AppError> {
    let user = &session.user;
    let min_len = state.app.password_min_length(user.account.body_id).await?;
    let status = problem.status();
    Ok(render(
        status,
        &PasswordPage {
            chrome: Chrome::for_user("パスワードの変更", user, PASSWORD_PATH),
            forced: user.must_change_password,
            done,
            min_len,
            problem,
        },
    ))
}

pub async fn password(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    password_page(&state, &session, q.done == "1", Problem::default())
        .await
        .map_err(PageError::from)
}

pub async fn change_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let change = PasswordChange {
        current: form.get("current"),
        new: form.get("new"),
        confirm: form.get("confirm"),
    };
    match state
        .app
        .change_own_password(&session.user, &change, Some(&session.token), &meta)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{PASSWORD_PATH}?done=1")).into_response()),
        Err(AppError::Invalid(e)) => {
            password_page(&state, session, false, Problem::new(&e, "password-form"))
                .await
                .map_err(PageError::from)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug)]
struct TokenRow {
    id: String,
    label: String,
    created: String,
    last_used: String,
    expires: String,
    state: &'static str,
    live: bool,
}

#[derive(Template, Debug)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    rows: Vec<TokenRow>,
    done: bool,
}

pub async fn tokens(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let now = state.app.now();
        let rows = state
            .app
            .own_api_tokens(user)
            .await?
            .into_iter()
            .map(|t| {
                let expired = t.expires_at.is_some_and(|e| e <= now);
                TokenRow {
                    id: t.id,
                    label: t.label,
                    created: datetime_ja(t.created_at),
                    last_used: t.last_used_at.map_or_else(|| "—".to_owned(), datetime_ja),
                    expires: t
                        .expires_at
                        .map_or_else(|| "なし（失効させるまで）".to_owned(), datetime_ja),
                    state: if t.revoked {
                        "失効"
                    } else if expired {
                        "期限切れ"
                    } else {
                        "有効"
                    },
                    live: !t.revoked && !expired,
                }
            })
            .collect();
        Ok::<_, AppError>(render(
            axum::http::StatusCode::OK,
            &TokensPage {
                chrome: Chrome::for_user("API トークン", user, "/account/tokens"),
                rows,
                done: q.done == "1",
            },
        ))
    }
    .await;
    page.map_err(PageError::from)
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    match state
        .app
        .revoke_api_token(Some(user), &id, user.actor(), &meta)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/tokens?done=1").into_response()),
        Err(e) => Err(e.into()),
    }
}
