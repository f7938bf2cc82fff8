//! First-run setup (設定): while the database holds no 団体, every page leads here, and the form
//! opens only with the one-time token `serve` printed to the console.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::setup::{
    AdministratorForm, BodyForm, HolderForm, PolicyStart, STARTING_ROLES, SetupForm,
};
use mamori_domain::DomainError;
use mamori_domain::body::BodyKind;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::Meta;
use crate::pages::forms::{Choice, Problem, refused, typed};
use crate::pages::login::anonymous_form;
use crate::pages::render;
use crate::view::Chrome;

/// While setup waits, only the setup page, the static files and the health check answer;
/// pages lead to `/setup`, the API answers 503.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.app.setup_pending() {
        let path = request.uri().path();
        let open = path == "/setup" || path.starts_with("/static/") || path == "/api/v1/health";
        if !open {
            if path.starts_with("/api/") {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "団体の設定が済んでいません。サーバーの起動時に表示された設定用URLを開いてください",
                )
                    .into_response();
            }
            return Redirect::to("/setup").into_response();
        }
    }
    next.run(request).await
}

/// The form as typed: one flat set of fields.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Fields {
    token: String,
    body_name: String,
    body_code: String,
    body_kind: String,
    body_term: String,
    admin_login: String,
    admin_name: String,
    admin_password: String,
    admin_password_confirm: String,
    admin_holder: String,
    ciso_staff_number: String,
    ciso_name: String,
    ciso_title: String,
    ciso_unit: String,
    chief_staff_number: String,
    chief_name: String,
    chief_title: String,
    chief_unit: String,
    policy: String,
}

impl Fields {
    fn holder(&self, key: &str) -> Option<HolderForm> {
        let (staff_number, name, title, unit) = match key {
            "ciso" => (
                &self.ciso_staff_number,
                &self.ciso_name,
                &self.ciso_title,
                &self.ciso_unit,
            ),
            _ => (
                &self.chief_staff_number,
                &self.chief_name,
                &self.chief_title,
                &self.chief_unit,
            ),
        };
        let given = [staff_number, name, title, unit]
            .iter()
            .any(|v| !v.trim().is_empty());
        given.then(|| HolderForm {
            staff_number: staff_number.clone(),
            name: name.clone(),
            name_kana: String::new(),
            title: title.clone(),
            unit: unit.clone(),
        })
    }

    fn form(&self) -> Result<SetupForm, DomainError> {
        if self.admin_password != self.admin_password_confirm {
            return Err(DomainError::new(
                "パスワード（確認）",
                "パスワードと同じものを入力してください",
            ));
        }
        let holders: BTreeMap<String, HolderForm> = STARTING_ROLES
            .iter()
            .filter_map(|key| self.holder(key).map(|h| ((*key).to_owned(), h)))
            .collect();
        Ok(SetupForm {
            body: BodyForm {
                name: self.body_name.clone(),
                code: self.body_code.clone(),
                kind: self.body_kind.clone(),
                term: self.body_term.clone(),
            },
            administrator: AdministratorForm {
                login: self.admin_login.clone(),
                name: self.admin_name.clone(),
                password: self.admin_password.clone(),
                holder: self.admin_holder.clone(),
            },
            holders,
            policy: PolicyStart::parse(&self.policy)?,
        })
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    /// False when the URL had no token, or a wrong one: the page says where the right one is.
    admitted: bool,
    f: Fields,
    kinds: Vec<Choice>,
    problem: Problem,
}

#[derive(Template)]
#[template(path = "setup_done.html")]
struct DonePage {
    chrome: Chrome,
    body_name: String,
    body_code: String,
    login: String,
    edition: Option<u32>,
}

fn kinds(current: &str) -> Vec<Choice> {
    BodyKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.key().to_owned(),
            label: k.label().to_owned(),
            selected: k.key() == current,
        })
        .collect()
}

fn page(csrf: String, admitted: bool, mut f: Fields, problem: Problem) -> SetupPage {
    // Passwords are never sent back.
    f.admin_password.clear();
    f.admin_password_confirm.clear();
    SetupPage {
        chrome: Chrome::anonymous("団体の設定", csrf),
        admitted,
        kinds: kinds(&f.body_kind),
        f,
        problem,
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn show(
    headers: HeaderMap,
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    match state.app.setup_still_needed().await {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/login").into_response(),
        Err(error) => {
            return PageError {
                error,
                request_id: None,
            }
            .into_response();
        }
    }
    let token = query.token.unwrap_or_default();
    let admitted = state.app.setup_token_admits(&token);
    let fields = Fields {
        token,
        body_kind: BodyKind::City.key().to_owned(),
        policy: "example".to_owned(),
        ..Fields::default()
    };
    let status = if admitted {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    anonymous_form(&headers, state.config.secure_cookies, |csrf| {
        render(status, &page(csrf, admitted, fields, Problem::default()))
    })
}

pub async fn submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let fields: Fields = typed(&form);
    let csrf = form.get(crate::csrf::FIELD).to_owned();
    let again = |problem: Problem| {
        let p = page(csrf.clone(), true, fields.clone(), problem);
        render(p.problem.status(), &p)
    };
    let setup = match fields.form() {
        Ok(setup) => setup,
        Err(e) => return Ok(again(Problem::new(&e, "setup"))),
    };
    match state
        .app
        .set_up_with_token(&fields.token, &setup, &meta)
        .await
    {
        Ok(outcome) => Ok(render(
            StatusCode::OK,
            &DonePage {
                chrome: Chrome::anonymous("団体を設定しました", String::new()),
                body_name: outcome.body.name,
                body_code: outcome.body.code,
                login: outcome.login,
                edition: outcome.edition,
            },
        )),
        Err(e @ AppError::Invalid(_)) => Ok(again(refused(e, "setup")?)),
        Err(e @ AppError::Conflict(_)) => Ok(again(Problem {
            summary: e.to_string(),
            form: "setup".to_owned(),
            ..Problem::default()
        })),
        Err(error) => Err(PageError {
            error,
            request_id: meta.request_id,
        }),
    }
}
