//! What the imports of the organization and of the asset register share: the upload that stages
//! a file, its preview, the apply as a background job with progress, and the export in the same
//! layout. Each import says how it differs through [`StagedImport`].

use std::future::Future;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::asset_import::AssetImportPreview;
use mamori_app::org_import::{ChangeLine, ExportFormat, ImportPreview, ProblemLine};
use mamori_app::{App, AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_io::org_table::CsvEncoding;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::middleware::current_request_id;
use crate::pages::forms::Problem;
use crate::pages::render;
use crate::view::{Chrome, NavItem, url_encode};

/// Rows of the changes table shown on the page (the counts cover all of them).
const SHOWN: usize = 500;

/// One import: its authority, its use cases and the words and places of its screens.
pub(crate) trait StagedImport {
    /// The authority the import asks for.
    type May: Send;
    /// What the upload form says besides the file (people or units, for the organization).
    type Choice: Send;
    /// A staged file as the use case describes it.
    type Preview: StagedFile + Send;

    /// The import screen: `/org/import`, `/assets/import`.
    const BASE: &'static str;
    /// The label of the section's menu on the preview.
    const MENU_LABEL: &'static str;
    /// The log message of an apply that failed.
    const FAILED: &'static str;

    fn may(user: &CurrentUser) -> Result<Self::May, AppError>;

    /// The chrome and the section menu of a page of the import titled `title`.
    fn frame(title: &str, user: &CurrentUser) -> (Chrome, Vec<NavItem>);

    /// Reads the upload form's other fields, before the file.
    fn choice(form: &VerifiedUpload) -> Result<Self::Choice, AppError>;

    fn stage(
        app: &App,
        user: &CurrentUser,
        may: &Self::May,
        choice: Self::Choice,
        name: &str,
        bytes: &[u8],
    ) -> impl Future<Output = Result<Self::Preview, AppError>> + Send;

    /// The import screen again, with the refused upload.
    fn refused_upload(
        state: &AppState,
        user: &CurrentUser,
        problem: Problem,
        form: &VerifiedUpload,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;

    fn preview(
        app: &App,
        user: &CurrentUser,
        may: &Self::May,
        id: &str,
    ) -> impl Future<Output = Result<Self::Preview, AppError>> + Send;

    /// What the file holds (情報資産, 職員, 組織) and the heading of its key column (管理番号,
    /// 職員番号, 組織コード).
    fn labels(preview: &Self::Preview) -> (&'static str, &'static str);

    /// What the job's title says is imported: 情報資産台帳, 職員, 組織.
    fn subject(preview: &Self::Preview) -> &'static str;

    /// Where the user goes once the import is done.
    fn done(preview: &Self::Preview) -> &'static str;

    /// Applies the staged file and sums up what it did.
    fn apply(
        app: &App,
        user: &CurrentUser,
        may: &Self::May,
        id: &str,
        skip_invalid: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> impl Future<Output = Result<String, AppError>> + Send;

    /// The file of an export in the import layout (`kind`: what to export, where there is a
    /// choice) and its name without the extension.
    fn export(
        app: &App,
        user: &CurrentUser,
        kind: Option<&str>,
        format: ExportFormat,
        meta: &mamori_app::RequestMeta,
    ) -> impl Future<Output = Result<(Vec<u8>, String), AppError>> + Send;
}

/// The preview of a staged file, for the organization's and the asset register's imports.
#[derive(Template)]
#[template(path = "import_preview.html")]
pub(crate) struct PreviewPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    menu_label: &'static str,
    problem: Problem,
    /// The import screen: `/org/import`, `/assets/import`.
    base: &'static str,
    kind_label: &'static str,
    /// The heading of the key column: 職員番号, 組織コード, 管理番号.
    key_label: &'static str,
    id: String,
    file_name: String,
    rows: usize,
    created: usize,
    changed: usize,
    unchanged: usize,
    problems: Vec<ProblemLine>,
    changes: Vec<ChangeLine>,
    shown: usize,
}

/// The preview page around a staged file.
pub(crate) struct PreviewHead {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    menu_label: &'static str,
    base: &'static str,
    kind_label: &'static str,
    key_label: &'static str,
}

/// A staged file of either import, as far as its preview and apply read it.
pub(crate) trait StagedFile {
    fn id(&self) -> &str;
    fn file_name(&self) -> &str;
    fn is_clean(&self) -> bool;
    fn into_page(self, head: PreviewHead, problem: Problem) -> PreviewPage;
}

macro_rules! staged_file {
    ($($preview:ty),*) => {
        $(impl StagedFile for $preview {
            fn id(&self) -> &str {
                &self.id
            }

            fn file_name(&self) -> &str {
                &self.file_name
            }

            fn is_clean(&self) -> bool {
                <$preview>::is_clean(self)
            }

            fn into_page(self, head: PreviewHead, problem: Problem) -> PreviewPage {
                PreviewPage {
                    chrome: head.chrome,
                    sub_nav: head.sub_nav,
                    menu_label: head.menu_label,
                    problem,
                    base: head.base,
                    kind_label: head.kind_label,
                    key_label: head.key_label,
                    shown: self.changes.len().min(SHOWN),
                    id: self.id,
                    file_name: self.file_name,
                    rows: self.rows,
                    created: self.created,
                    changed: self.changed,
                    unchanged: self.unchanged,
                    problems: self.problems,
                    changes: self.changes,
                }
            }
        })*
    };
}

staged_file!(AssetImportPreview, ImportPreview);

fn preview_page<I: StagedImport>(
    user: &CurrentUser,
    preview: I::Preview,
    problem: Problem,
) -> Response {
    let (chrome, sub_nav) = I::frame("取込の確認", user);
    let (kind_label, key_label) = I::labels(&preview);
    let head = PreviewHead {
        chrome,
        sub_nav,
        menu_label: I::MENU_LABEL,
        base: I::BASE,
        kind_label,
        key_label,
    };
    render(problem.status(), &preview.into_page(head, problem))
}

/// Stages the uploaded file and shows its preview.
pub(crate) async fn upload<I: StagedImport>(
    State(state): State<AppState>,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let result = async {
        let may = I::may(user)?;
        let choice = I::choice(&form)?;
        let (name, bytes) = form.file.as_ref().ok_or_else(|| {
            AppError::Invalid(DomainError::new("取込ファイル", "ファイルを選んでください"))
        })?;
        I::stage(&state.app, user, &may, choice, name, bytes).await
    }
    .await;
    match result {
        Ok(preview) => Ok(Redirect::to(&format!("{}/{}", I::BASE, preview.id())).into_response()),
        Err(AppError::Invalid(e)) => {
            I::refused_upload(&state, user, Problem::new(&e, "upload"), &form).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn preview<I: StagedImport>(
    State(state): State<AppState>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let result = async {
        let may = I::may(&user)?;
        I::preview(&state.app, &user, &may, &id).await
    }
    .await;
    match result {
        Ok(p) => Ok(preview_page::<I>(&user, p, Problem::default())),
        Err(e) => Err(e.into()),
    }
}

/// Applies the staged file as a background job and sends the user to its progress page.
pub(crate) async fn apply<I>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError>
where
    I: StagedImport + 'static,
    I::May: 'static,
{
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = session.user.clone();
    let may = I::may(&user)?;
    let skip = form.get("skip_invalid") == "1";
    let preview = I::preview(&state.app, &user, &may, &id).await?;
    if !preview.is_clean() && !skip {
        let problem = Problem::new(
            &DomainError::new(
                "誤りのある行",
                "誤りのある行があります。ファイルを直して取り込み直すか、「誤りのある行を除いて取り込む」を選んでください（何も変更していません）",
            ),
            "apply",
        );
        return Ok(preview_page::<I>(&user, preview, problem));
    }
    let next = I::done(&preview);
    let job = state.app.jobs().start(&format!(
        "{}の取込（{}）",
        I::subject(&preview),
        preview.file_name()
    ));
    let app = state.app.clone();
    let handle = job.clone();
    // The job runs after the answer, outside the request: it names the request in its log.
    let request = current_request_id().unwrap_or_default();
    tokio::spawn(async move {
        let Ok(may) = I::may(&user) else { return };
        let progress = |done: usize, total: usize| handle.progress(done, total);
        match I::apply(&app, &user, &may, &id, skip, &progress).await {
            Ok(summary) => handle.finish(Ok(summary), Some(next.to_owned())),
            Err(e) => {
                tracing::warn!(request_id = %request, error = %e, "{}", I::FAILED);
                handle.finish(Err(e.to_string()), Some(format!("{}/{id}", I::BASE)));
            }
        }
    });
    Ok(Redirect::to(&format!("/jobs/{}", job.id())).into_response())
}

/// The handlers of an import (`upload`, `preview`, `apply`, `export`), for the router.
macro_rules! handlers {
    ($import:ty) => {
        /// Stages the uploaded file and shows its preview.
        pub async fn upload(
            state: ::axum::extract::State<$crate::AppState>,
            form: $crate::csrf::VerifiedUpload,
        ) -> Result<::axum::response::Response, $crate::error::PageError> {
            $crate::pages::imports::upload::<$import>(state, form).await
        }

        pub async fn preview(
            state: ::axum::extract::State<$crate::AppState>,
            session: $crate::extract::Session,
            id: ::axum::extract::Path<String>,
        ) -> Result<::axum::response::Response, $crate::error::PageError> {
            $crate::pages::imports::preview::<$import>(state, session, id).await
        }

        /// Applies the staged file as a background job and sends the user to its progress page.
        pub async fn apply(
            state: ::axum::extract::State<$crate::AppState>,
            id: ::axum::extract::Path<String>,
            form: $crate::csrf::VerifiedForm,
        ) -> Result<::axum::response::Response, $crate::error::PageError> {
            $crate::pages::imports::apply::<$import>(state, id, form).await
        }

        /// The export in the import layout, as a download.
        pub async fn export(
            state: ::axum::extract::State<$crate::AppState>,
            meta: $crate::extract::Meta,
            session: $crate::extract::Session,
            query: ::axum::extract::Query<$crate::pages::imports::ExportQuery>,
        ) -> Result<::axum::response::Response, $crate::error::PageError> {
            $crate::pages::imports::export::<$import>(state, meta, session, query).await
        }
    };
}

pub(crate) use handlers;

/// The query of an export: `kind` (the organization's: people or units), `format` and `encoding`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExportQuery {
    kind: Option<String>,
    format: Option<String>,
    encoding: Option<String>,
}

/// The export in the import layout, as a download.
pub(crate) async fn export<I: StagedImport>(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Session { user, .. }: Session,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let (format, ext, mime) = export_format(q.format.as_deref(), q.encoding.as_deref());
    match I::export(&state.app, &user, q.kind.as_deref(), format, &meta).await {
        Ok((bytes, stem)) => Ok(download(bytes, &format!("{stem}.{ext}"), mime)),
        Err(e) => Err(e.into()),
    }
}

/// The file kind an export asks for (`format=csv&encoding=utf8`; Shift_JIS is the CSV default,
/// as Excel writes it), with the file extension and MIME type.
fn export_format(
    format: Option<&str>,
    encoding: Option<&str>,
) -> (ExportFormat, &'static str, &'static str) {
    match (format, encoding) {
        (Some("csv"), Some("utf8")) => (
            ExportFormat::Csv(CsvEncoding::Utf8Bom),
            "csv",
            "text/csv; charset=utf-8",
        ),
        (Some("csv"), _) => (
            ExportFormat::Csv(CsvEncoding::ShiftJis),
            "csv",
            "text/csv; charset=shift_jis",
        ),
        _ => (
            ExportFormat::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
}

/// A file to save, named in Japanese.
pub(crate) fn download(bytes: Vec<u8>, name: &str, mime: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", url_encode(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}
