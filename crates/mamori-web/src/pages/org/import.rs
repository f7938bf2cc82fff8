//! 取込・出力: upload people or units as Excel/CSV, check the preview (every problem with its row
//! and column), apply it with progress, and download the same layout.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use mamori_app::access::OrgEditor;
use mamori_app::jobs::JobStatus;
use mamori_app::org_import::{ExportFormat, ImportKind, ImportPreview};
use mamori_app::{App, AppError, CurrentUser};
use mamori_io::org_table::{PEOPLE_HEADERS, UNIT_HEADERS};

use super::{Problem, chrome, not_found, sub_nav};
use crate::AppState;
use crate::csrf::VerifiedUpload;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::imports::{self, StagedImport};
use crate::pages::render;
use crate::view::{Chrome, NavItem};

#[derive(Template)]
#[template(path = "org_import.html")]
struct ImportPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    problem: Problem,
    can_edit: bool,
    people_headers: String,
    unit_headers: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    chrome: Chrome,
    job: JobStatus,
    percent: usize,
}

fn import_page(user: &CurrentUser, problem: Problem, kind: &str) -> Response {
    let status = problem.status();
    render(
        status,
        &ImportPage {
            chrome: chrome("取込・出力", user),
            sub_nav: sub_nav("/org/import"),
            problem,
            can_edit: user.org_editor().is_ok(),
            people_headers: PEOPLE_HEADERS.join("、"),
            unit_headers: UNIT_HEADERS.join("、"),
            kind: kind.to_owned(),
        },
    )
}

pub async fn show(Session { user, .. }: Session) -> Response {
    import_page(&user, Problem::default(), "people")
}

fn kind_of(raw: &str) -> Result<ImportKind, AppError> {
    ImportKind::parse(raw).ok_or_else(|| {
        AppError::Invalid(mamori_domain::DomainError::new(
            "取り込む内容",
            "職員か組織を選んでください",
        ))
    })
}

/// The organization's import: people (by 職員番号) or units (by 組織コード).
pub(crate) struct OrgImport;

impl StagedImport for OrgImport {
    type May = OrgEditor;
    type Choice = ImportKind;
    type Preview = ImportPreview;

    const BASE: &'static str = "/org/import";
    const MENU_LABEL: &'static str = "組織のメニュー";
    const FAILED: &'static str = "import failed";

    fn may(user: &CurrentUser) -> Result<OrgEditor, AppError> {
        user.org_editor()
    }

    fn frame(title: &str, user: &CurrentUser) -> (Chrome, Vec<NavItem>) {
        (chrome(title, user), sub_nav(Self::BASE))
    }

    fn choice(form: &VerifiedUpload) -> Result<ImportKind, AppError> {
        kind_of(form.get("kind"))
    }

    async fn stage(
        app: &App,
        user: &CurrentUser,
        may: &OrgEditor,
        kind: ImportKind,
        name: &str,
        bytes: &[u8],
    ) -> Result<ImportPreview, AppError> {
        app.stage_import(user, may, kind, name, bytes).await
    }

    async fn refused_upload(
        _: &AppState,
        user: &CurrentUser,
        problem: Problem,
        form: &VerifiedUpload,
    ) -> Result<Response, PageError> {
        Ok(import_page(user, problem, form.get("kind")))
    }

    async fn preview(
        app: &App,
        user: &CurrentUser,
        may: &OrgEditor,
        id: &str,
    ) -> Result<ImportPreview, AppError> {
        app.import_preview(user, may, id).await
    }

    fn labels(preview: &ImportPreview) -> (&'static str, &'static str) {
        let key_label = match preview.kind {
            ImportKind::People => "職員番号",
            ImportKind::Units => "組織コード",
        };
        (preview.kind.label(), key_label)
    }

    fn subject(preview: &ImportPreview) -> &'static str {
        preview.kind.label()
    }

    fn done(preview: &ImportPreview) -> &'static str {
        match preview.kind {
            ImportKind::People => "/org/people",
            ImportKind::Units => "/org",
        }
    }

    async fn apply(
        app: &App,
        user: &CurrentUser,
        may: &OrgEditor,
        id: &str,
        skip_invalid: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<String, AppError> {
        app.apply_import(user, may, id, skip_invalid, progress)
            .await
            .map(|(kind, outcome)| outcome.summary(kind))
    }

    /// People or units; personal data, so editors only.
    async fn export(
        app: &App,
        user: &CurrentUser,
        kind: Option<&str>,
        format: ExportFormat,
        meta: &mamori_app::RequestMeta,
    ) -> Result<(Vec<u8>, String), AppError> {
        let may = user.org_editor()?;
        let body = user.body()?;
        let kind = kind_of(kind.unwrap_or("people"))?;
        let bytes = app.export_org_for(user, &may, kind, format, meta).await?;
        let name = format!("{}_{}一覧_{}", body.name, kind.label(), app.today());
        Ok((bytes, name))
    }
}

imports::handlers!(OrgImport);

/// The progress of a job; the page refreshes itself until the job ends.
pub async fn job(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(job) = state.app.jobs().status(&id) else {
        return Err(not_found("処理").into());
    };
    let mut response = render(
        StatusCode::OK,
        &JobPage {
            chrome: Chrome::for_user(job.title.clone(), &user, "/org"),
            percent: job.percent(),
            job,
        },
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
