//! 情報資産台帳 in and out of Excel: upload, preview (row by row), apply as a job with progress,
//! and the export in the same layout.

use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::CurrentUser;
use mamori_app::asset_import::AssetImportPreview;
use mamori_io::asset_table::ASSET_HEADERS;
use serde::Deserialize;

use super::{chrome, sub_nav};
use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::extract::Session;
use crate::middleware::RequestId;
use crate::pages::forms::Problem;
use crate::pages::org::import::{PreviewPage, SHOWN, download, export_format};
use crate::pages::{fail, render};
use crate::view::{Chrome, NavItem};

#[derive(Template)]
#[template(path = "assets_import.html")]
struct ImportPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    problem: Problem,
    can_import: bool,
    headers: String,
    example: String,
}

async fn import_page(
    state: &AppState,
    rid: &RequestId,
    user: &CurrentUser,
    problem: Problem,
) -> Response {
    let example = match state.app.asset_rules(user).await {
        Ok(rules) => rules.scheme.lowest().to_string(),
        Err(e) => return fail(rid)(e),
    };
    render(
        problem.status(),
        &ImportPage {
            chrome: chrome("情報資産台帳の取込・出力", user),
            sub_nav: sub_nav("/assets/import", user),
            problem,
            can_import: user.asset_writer().is_ok_and(|w| w.all_units()),
            headers: ASSET_HEADERS.join("、"),
            example,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
) -> Response {
    import_page(&state, &rid, &user, Problem::default()).await
}

/// Stages the uploaded file and shows its preview.
pub async fn upload(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    form: VerifiedUpload,
) -> Response {
    let Some(session) = form.session.as_ref() else {
        return fail(&rid)(AppError::Unauthenticated);
    };
    let user = &session.user;
    let result = async {
        let writer = user.asset_writer()?;
        let (name, bytes) = form.file.as_ref().ok_or_else(|| {
            AppError::Invalid(mamori_domain::DomainError::new(
                "取込ファイル",
                "ファイルを選んでください",
            ))
        })?;
        state
            .app
            .stage_asset_import(user, &writer, name, bytes)
            .await
    }
    .await;
    match result {
        Ok(preview) => Redirect::to(&format!("/assets/import/{}", preview.id)).into_response(),
        Err(AppError::Invalid(e)) => {
            import_page(&state, &rid, user, Problem::new(&e, "upload")).await
        }
        Err(e) => fail(&rid)(e),
    }
}

fn preview_page(user: &CurrentUser, p: AssetImportPreview, problem: Problem) -> Response {
    render(
        problem.status(),
        &PreviewPage {
            chrome: chrome("取込の確認", user),
            sub_nav: sub_nav("/assets/import", user),
            menu_label: "情報資産のメニュー",
            problem,
            base: "/assets/import",
            kind_label: "情報資産",
            key_label: "管理番号",
            shown: p.changes.len().min(SHOWN),
            id: p.id,
            file_name: p.file_name,
            rows: p.rows,
            created: p.created,
            changed: p.changed,
            unchanged: p.unchanged,
            problems: p.problems,
            changes: p.changes,
        },
    )
}

pub async fn preview(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let writer = user.asset_writer()?;
        state.app.asset_import_preview(&user, &writer, &id).await
    }
    .await;
    match result {
        Ok(p) => preview_page(&user, p, Problem::default()),
        Err(e) => fail(&rid)(e),
    }
}

/// Applies the staged file as a background job and sends the user to its progress page.
pub async fn apply(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let Some(session) = form.session.as_ref() else {
        return fail(&rid)(AppError::Unauthenticated);
    };
    let user = session.user.clone();
    let writer = match user.asset_writer() {
        Ok(w) => w,
        Err(e) => return fail(&rid)(e),
    };
    let skip = form.get("skip_invalid") == "1";
    let preview = match state.app.asset_import_preview(&user, &writer, &id).await {
        Ok(p) => p,
        Err(e) => return fail(&rid)(e),
    };
    if !preview.is_clean() && !skip {
        let problem = Problem::new(
            &mamori_domain::DomainError::new(
                "誤りのある行",
                "誤りのある行があります。ファイルを直して取り込み直すか、「誤りのある行を除いて取り込む」を選んでください（何も変更していません）",
            ),
            "apply",
        );
        return preview_page(&user, preview, problem);
    }
    let job = state
        .app
        .jobs()
        .start(&format!("情報資産台帳の取込（{}）", preview.file_name));
    let app = state.app.clone();
    let handle = job.clone();
    let request = rid.0.clone();
    tokio::spawn(async move {
        let Ok(writer) = user.asset_writer() else {
            return;
        };
        let progress = |done: usize, total: usize| handle.progress(done, total);
        match app
            .apply_asset_import(&user, &writer, &id, skip, &progress)
            .await
        {
            Ok(outcome) => handle.finish(Ok(outcome.summary()), Some("/assets".to_owned())),
            Err(e) => {
                tracing::warn!(request_id = %request, error = %e, "asset import failed");
                handle.finish(Err(e.to_string()), Some(format!("/assets/import/{id}")));
            }
        }
    });
    Redirect::to(&format!("/jobs/{}", job.id())).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    encoding: Option<String>,
}

/// The register in the import layout, as a download.
pub async fn export(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
    Query(q): Query<ExportQuery>,
) -> Response {
    let result = async {
        let body = user.body()?;
        let (format, ext, mime) = export_format(q.format.as_deref(), q.encoding.as_deref());
        let bytes = state.app.export_assets_for(&user, format).await?;
        let name = format!("{}_情報資産台帳_{}.{ext}", body.name, state.app.today());
        Ok::<_, AppError>((bytes, name, mime))
    }
    .await;
    match result {
        Ok((bytes, name, mime)) => download(bytes, &name, mime),
        Err(e) => fail(&rid)(e),
    }
}
