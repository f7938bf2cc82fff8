//! 情報資産台帳 in and out of Excel: upload, preview (row by row), apply as a job with progress,
//! and the export in the same layout.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use mamori_app::access::AssetWriter;
use mamori_app::asset_import::AssetImportPreview;
use mamori_app::org_import::ExportFormat;
use mamori_app::{App, AppError, CurrentUser};
use mamori_io::asset_table::ASSET_HEADERS;

use super::{chrome, sub_nav};
use crate::AppState;
use crate::csrf::VerifiedUpload;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::forms::Problem;
use crate::pages::imports::{self, StagedImport};
use crate::pages::render;
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
    user: &CurrentUser,
    problem: Problem,
) -> Result<Response, PageError> {
    let example = state
        .app
        .asset_rules(user)
        .await?
        .scheme
        .lowest()
        .to_string();
    Ok(render(
        problem.status(),
        &ImportPage {
            chrome: chrome("情報資産台帳の取込・出力", user),
            sub_nav: sub_nav("/assets/import", user),
            problem,
            can_import: user.asset_writer().is_ok_and(|w| w.all_units()),
            headers: ASSET_HEADERS.join("、"),
            example,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Session { user, .. }: Session,
) -> Result<Response, PageError> {
    import_page(&state, &user, Problem::default()).await
}

/// The asset register's import: the whole register, by 管理番号.
pub(crate) struct AssetImport;

impl StagedImport for AssetImport {
    type May = AssetWriter;
    type Choice = ();
    type Preview = AssetImportPreview;

    const BASE: &'static str = "/assets/import";
    const MENU_LABEL: &'static str = "情報資産のメニュー";
    const FAILED: &'static str = "asset import failed";

    fn may(user: &CurrentUser) -> Result<AssetWriter, AppError> {
        user.asset_writer()
    }

    fn frame(title: &str, user: &CurrentUser) -> (Chrome, Vec<NavItem>) {
        (chrome(title, user), sub_nav(Self::BASE, user))
    }

    fn choice(_: &VerifiedUpload) -> Result<(), AppError> {
        Ok(())
    }

    async fn stage(
        app: &App,
        user: &CurrentUser,
        writer: &AssetWriter,
        (): (),
        name: &str,
        bytes: &[u8],
    ) -> Result<AssetImportPreview, AppError> {
        app.stage_asset_import(user, writer, name, bytes).await
    }

    async fn refused_upload(
        state: &AppState,
        user: &CurrentUser,
        problem: Problem,
        _: &VerifiedUpload,
    ) -> Result<Response, PageError> {
        import_page(state, user, problem).await
    }

    async fn preview(
        app: &App,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: &str,
    ) -> Result<AssetImportPreview, AppError> {
        app.asset_import_preview(user, writer, id).await
    }

    fn labels(_: &AssetImportPreview) -> (&'static str, &'static str) {
        ("情報資産", "管理番号")
    }

    fn subject(_: &AssetImportPreview) -> &'static str {
        "情報資産台帳"
    }

    fn done(_: &AssetImportPreview) -> &'static str {
        "/assets"
    }

    async fn apply(
        app: &App,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: &str,
        skip_invalid: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<String, AppError> {
        app.apply_asset_import(user, writer, id, skip_invalid, progress)
            .await
            .map(|outcome| outcome.summary())
    }

    async fn export(
        app: &App,
        user: &CurrentUser,
        _: Option<&str>,
        format: ExportFormat,
        meta: &mamori_app::RequestMeta,
    ) -> Result<(Vec<u8>, String), AppError> {
        let body = user.body()?;
        let bytes = app.export_assets_for(user, format, meta).await?;
        let name = format!("{}_情報資産台帳_{}", body.name, app.today());
        Ok((bytes, name))
    }
}

imports::handlers!(AssetImport);
