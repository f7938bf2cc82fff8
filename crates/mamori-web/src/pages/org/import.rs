//! 取込・出力: upload people or units as Excel/CSV, check the preview (every problem with its row
//! and column), apply it with progress, and download the same layout.

use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::jobs::JobStatus;
use mamori_app::org_import::{ChangeLine, ExportFormat, ImportKind, ImportPreview, ProblemLine};
use mamori_app::{AppError, CurrentUser};
use mamori_io::org_table::{CsvEncoding, PEOPLE_HEADERS, UNIT_HEADERS};
use serde::Deserialize;

use super::{Problem, chrome, not_found, sub_nav};
use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::extract::Session;
use crate::middleware::RequestId;
use crate::pages::{fail, render};
use crate::view::{Chrome, NavItem, url_encode};

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

/// The preview of a staged file, for the organization's and the asset register's imports.
#[derive(Template)]
#[template(path = "import_preview.html")]
pub(crate) struct PreviewPage {
    pub(crate) chrome: Chrome,
    pub(crate) sub_nav: Vec<NavItem>,
    pub(crate) menu_label: &'static str,
    pub(crate) problem: Problem,
    /// The import screen: `/org/import`, `/assets/import`.
    pub(crate) base: &'static str,
    pub(crate) kind_label: &'static str,
    /// The heading of the key column: 職員番号, 組織コード, 管理番号.
    pub(crate) key_label: &'static str,
    pub(crate) id: String,
    pub(crate) file_name: String,
    pub(crate) rows: usize,
    pub(crate) created: usize,
    pub(crate) changed: usize,
    pub(crate) unchanged: usize,
    pub(crate) problems: Vec<ProblemLine>,
    pub(crate) changes: Vec<ChangeLine>,
    pub(crate) shown: usize,
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
        let may = user.org_editor()?;
        let kind = kind_of(form.get("kind"))?;
        let (name, bytes) = form.file.as_ref().ok_or_else(|| {
            AppError::Invalid(mamori_domain::DomainError::new(
                "取込ファイル",
                "ファイルを選んでください",
            ))
        })?;
        state.app.stage_import(user, &may, kind, name, bytes).await
    }
    .await;
    match result {
        Ok(preview) => Redirect::to(&format!("/org/import/{}", preview.id)).into_response(),
        Err(AppError::Invalid(e)) => {
            import_page(user, Problem::new(&e, "upload"), form.get("kind"))
        }
        Err(e) => fail(&rid)(e),
    }
}

fn preview_page(user: &CurrentUser, preview: ImportPreview, problem: Problem) -> Response {
    let status = problem.status();
    render(
        status,
        &PreviewPage {
            chrome: chrome("取込の確認", user),
            sub_nav: sub_nav("/org/import"),
            menu_label: "組織のメニュー",
            problem,
            base: "/org/import",
            kind_label: preview.kind.label(),
            key_label: match preview.kind {
                ImportKind::People => "職員番号",
                ImportKind::Units => "組織コード",
            },
            shown: preview.changes.len().min(SHOWN),
            id: preview.id,
            file_name: preview.file_name,
            rows: preview.rows,
            created: preview.created,
            changed: preview.changed,
            unchanged: preview.unchanged,
            problems: preview.problems,
            changes: preview.changes,
        },
    )
}

/// Rows of the changes table shown on the page (the counts cover all of them).
pub(crate) const SHOWN: usize = 500;

pub async fn preview(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Response {
    let may = match user.org_editor() {
        Ok(may) => may,
        Err(e) => return fail(&rid)(e),
    };
    match state.app.import_preview(&user, &may, &id).await {
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
    let may = match user.org_editor() {
        Ok(may) => may,
        Err(e) => return fail(&rid)(e),
    };
    let skip = form.get("skip_invalid") == "1";
    let preview = match state.app.import_preview(&user, &may, &id).await {
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
    let kind = preview.kind;
    let job = state
        .app
        .jobs()
        .start(&format!("{}の取込（{}）", kind.label(), preview.file_name));
    let app = state.app.clone();
    let handle = job.clone();
    let request = rid.0.clone();
    tokio::spawn(async move {
        let Ok(may) = user.org_editor() else { return };
        let progress = |done: usize, total: usize| handle.progress(done, total);
        let next = match kind {
            ImportKind::People => "/org/people",
            ImportKind::Units => "/org",
        };
        match app.apply_import(&user, &may, &id, skip, &progress).await {
            Ok((kind, outcome)) => handle.finish(Ok(outcome.summary(kind)), Some(next.to_owned())),
            Err(e) => {
                tracing::warn!(request_id = %request, error = %e, "import failed");
                handle.finish(Err(e.to_string()), Some(format!("/org/import/{id}")));
            }
        }
    });
    Redirect::to(&format!("/jobs/{}", job.id())).into_response()
}

/// The progress of a job; the page refreshes itself until the job ends.
pub async fn job(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(job) = state.app.jobs().status(&id) else {
        return fail(&rid)(not_found("処理"));
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
    response
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    kind: Option<String>,
    format: Option<String>,
    encoding: Option<String>,
}

/// People or units in the import layout, as a download. Personal data: editors only.
pub async fn export(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Session { user, .. }: Session,
    Query(q): Query<ExportQuery>,
) -> Response {
    let result = async {
        user.org_editor()?;
        let body = user.body()?;
        let kind = kind_of(q.kind.as_deref().unwrap_or("people"))?;
        let (format, ext, mime) = export_format(q.format.as_deref(), q.encoding.as_deref());
        let bytes = state.app.export_org(body.id, kind, format).await?;
        let name = format!(
            "{}_{}一覧_{}.{ext}",
            body.name,
            kind.label(),
            state.app.today()
        );
        Ok::<_, AppError>((bytes, name, mime))
    }
    .await;
    match result {
        Ok((bytes, name, mime)) => download(bytes, &name, mime),
        Err(e) => fail(&rid)(e),
    }
}

/// The file kind an export asks for (`format=csv&encoding=utf8`; Shift_JIS is the CSV default,
/// as Excel writes it), with the file extension and MIME type.
pub(crate) fn export_format(
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
