//! 人事異動: the batches, one batch with its moves, and the forms that add moves, confirm the batch
//! (it is then applied on its date) and take it back before the date.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use mamori_app::transfers::{MoveInput, TransferView};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::{PersonId, TransferId};
use mamori_domain::org::PersonStatus;
use mamori_domain::transfer::{Transfer, TransferStatus};

use super::{
    Choice, PersonOption, Problem, chrome, editor_of, everyone, ja, not_found, person_options,
    required_date, settle, sub_nav, unit_choices, unit_id,
};
use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::render;
use crate::view::{Chrome, NavItem, datetime_ja};

/// A row of the batches table.
#[derive(Debug)]
struct BatchRow {
    id: String,
    title: String,
    date: String,
    status: &'static str,
    status_key: &'static str,
}

impl From<&Transfer> for BatchRow {
    fn from(t: &Transfer) -> Self {
        Self {
            id: t.id.to_string(),
            title: t.title.clone(),
            date: ja(t.effective_date),
            status: t.status.label(),
            status_key: t.status.key(),
        }
    }
}

#[derive(Debug, Default)]
struct NewBatchForm {
    title: String,
    date: String,
}

#[derive(Template)]
#[template(path = "org_transfers.html")]
struct ListPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    problem: Problem,
    rows: Vec<BatchRow>,
    can_edit: bool,
    form: NewBatchForm,
}

#[derive(Debug, Default)]
struct MoveForm {
    staff_number: String,
    unit: String,
    title: String,
    status: String,
}

#[derive(Template)]
#[template(path = "org_transfer.html")]
struct BatchPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    problem: Problem,
    view: TransferView,
    date: String,
    applied_at: String,
    editable: bool,
    can_edit: bool,
    units: Vec<Choice>,
    statuses: Vec<Choice>,
    people: Vec<PersonOption>,
    form: MoveForm,
    move_headers: String,
}

impl BatchPage {
    fn is_status(&self, key: &str) -> bool {
        self.view.transfer.status.key() == key
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    problem: Problem,
    form: NewBatchForm,
) -> Result<Response, AppError> {
    let rows = state
        .app
        .transfers(user)
        .await?
        .iter()
        .map(BatchRow::from)
        .collect();
    let status = problem.status();
    Ok(render(
        status,
        &ListPage {
            chrome: chrome("人事異動", user),
            sub_nav: sub_nav("/org/transfers"),
            problem,
            rows,
            can_edit: user.org_editor().is_ok(),
            form,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    Session { user, .. }: Session,
) -> Result<Response, PageError> {
    let form = NewBatchForm {
        date: state.app.today().to_string(),
        ..NewBatchForm::default()
    };
    list_page(&state, &user, Problem::default(), form)
        .await
        .map_err(PageError::from)
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, may) = editor_of(&form)?;
    let result = async {
        let date = required_date("適用日", form.get("date"))?;
        state
            .app
            .create_transfer(user, &may, form.get("title"), date, &meta)
            .await
    }
    .await;
    match settle(result, "new-transfer", |t| {
        format!("/org/transfers/{}", t.id)
    })? {
        Ok(r) => Ok(r),
        Err(problem) => list_page(
            &state,
            user,
            problem,
            NewBatchForm {
                title: form.get("title").to_owned(),
                date: form.get("date").to_owned(),
            },
        )
        .await
        .map_err(PageError::from),
    }
}

fn parse_id(raw: &str) -> Result<TransferId, AppError> {
    raw.parse().map_err(|_| not_found("人事異動"))
}

async fn batch_page(
    state: &AppState,
    user: &CurrentUser,
    id: TransferId,
    problem: Problem,
    form: MoveForm,
) -> Result<Response, AppError> {
    let view = state.app.transfer(user, id).await?;
    let tree = state
        .app
        .org_tree(user, view.transfer.effective_date)
        .await?;
    let people = everyone(state, user).await?;
    let status = problem.status();
    let selected_status = if form.status.is_empty() {
        PersonStatus::Active.label().to_owned()
    } else {
        form.status.clone()
    };
    Ok(render(
        status,
        &BatchPage {
            chrome: chrome(view.transfer.title.clone(), user),
            sub_nav: sub_nav("/org/transfers"),
            problem,
            date: ja(view.transfer.effective_date),
            applied_at: view
                .transfer
                .applied_at
                .map(datetime_ja)
                .unwrap_or_default(),
            editable: view.transfer.status == TransferStatus::Draft,
            can_edit: user.org_editor().is_ok(),
            units: unit_choices(&tree, &form.unit),
            statuses: PersonStatus::ALL
                .into_iter()
                .map(|s| Choice {
                    value: s.label().to_owned(),
                    label: s.label().to_owned(),
                    selected: s.label() == selected_status,
                })
                .collect(),
            people: person_options(&people),
            form,
            move_headers: mamori_io::org_table::MOVE_HEADERS.join("、"),
            view,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    async {
        let id = parse_id(&id)?;
        batch_page(&state, &user, id, Problem::default(), MoveForm::default()).await
    }
    .await
    .map_err(PageError::from)
}

/// Adds a move, confirms or reopens: the form's `op` says which.
pub async fn change(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, may) = editor_of(&form)?;
    let id = parse_id(&id)?;
    let back = format!("/org/transfers/{id}");
    let m = meta;
    let (result, anchor): (Result<(), AppError>, &str) = match form.get("op") {
        "move" => (
            async {
                let input = MoveInput {
                    staff_number: form
                        .get("staff_number")
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    to_unit: unit_id("異動後の所属", form.get("unit"))?,
                    to_title: form.get("title").to_owned(),
                    to_status: form.get("status").to_owned(),
                };
                state.app.put_transfer_move(user, &may, id, input, &m).await
            }
            .await,
            "add-move",
        ),
        "unmove" => (
            async {
                let person: PersonId = form.get("person").parse().map_err(|_| not_found("職員"))?;
                state
                    .app
                    .remove_transfer_move(user, &may, id, person, &m)
                    .await
            }
            .await,
            "moves",
        ),
        "confirm" => (
            state
                .app
                .confirm_transfer(user, &may, id, &m)
                .await
                .map(|_| ()),
            "transfer-actions",
        ),
        "reopen" => (
            state
                .app
                .reopen_transfer(user, &may, id, &m)
                .await
                .map(|_| ()),
            "transfer-actions",
        ),
        _ => (Err(not_found("操作")), ""),
    };
    match settle(result, anchor, |()| back.clone())? {
        Ok(r) => Ok(r),
        Err(problem) => batch_page(
            &state,
            user,
            id,
            problem,
            MoveForm {
                staff_number: form.get("staff_number").to_owned(),
                unit: form.get("unit").to_owned(),
                title: form.get("title").to_owned(),
                status: form.get("status").to_owned(),
            },
        )
        .await
        .map_err(PageError::from),
    }
}

/// Adds the moves of an uploaded 人事異動 list to the batch.
pub async fn import_moves(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let id = parse_id(&id)?;
    let result = async {
        let may = user.org_editor()?;
        let (name, bytes) = form.file.as_ref().ok_or_else(|| {
            AppError::Invalid(mamori_domain::DomainError::new(
                "異動の一覧",
                "ファイルを選んでください",
            ))
        })?;
        state
            .app
            .import_transfer_moves(user, &may, id, name, bytes, &meta)
            .await
    }
    .await;
    match settle(result, "import-moves", |_| format!("/org/transfers/{id}"))? {
        Ok(r) => Ok(r),
        Err(problem) => batch_page(&state, user, id, problem, MoveForm::default())
            .await
            .map_err(PageError::from),
    }
}
