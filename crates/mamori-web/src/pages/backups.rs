//! バックアップ: the installation administrator's screen of the backups taken (by the schedule,
//! from this screen, by `mamori backup`), whether each was read back whole, whether its file is
//! still kept; a backup taken now, and a kept file read back again.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::backup::runs::{BackupsView, FileState, RunRow};
use mamori_domain::backup::{OVERDUE_AFTER_HOURS, State as RunState};
use mamori_domain::ids::BackupRunId;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::render;
use crate::view::{Chrome, datetime_ja};

#[derive(Debug)]
struct Line {
    id: String,
    started: String,
    trigger: &'static str,
    by: String,
    file: String,
    size: String,
    holds: String,
    sha256: String,
    state_key: &'static str,
    state: &'static str,
    checked: String,
    problem: Option<String>,
    kept: &'static str,
    can_check: bool,
}

fn line(row: RunRow) -> Line {
    let run = row.run;
    let (size, holds, sha256) = match &run.contents {
        Some(c) => (
            mamori_domain::text::file_size(c.bytes),
            format!(
                "{} 表・{} 行（監査証跡 {} 件目まで）",
                c.tables, c.rows, c.audit_seq
            ),
            c.sha256.chars().take(16).collect(),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    Line {
        id: run.id.to_string(),
        started: datetime_ja(run.started_at),
        trigger: run.trigger.label(),
        by: run.by,
        file: run.file,
        size,
        holds,
        sha256,
        state_key: match row.state {
            RunState::Verified => "in_force",
            RunState::Damaged | RunState::Failed => "failed",
        },
        state: row.state.label(),
        checked: run
            .check
            .as_ref()
            .map(|c| datetime_ja(c.at))
            .unwrap_or_default(),
        problem: run.error.or_else(|| run.check.and_then(|c| c.problem)),
        kept: match row.file {
            FileState::Present => "保存先にあります",
            FileState::Removed => "世代管理で削除しました",
            FileState::Missing => "見つかりません（移動・削除されています）",
            FileState::None => "",
        },
        can_check: row.file == FileState::Present,
    }
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    chrome: Chrome,
    view: BackupsView,
    lines: Vec<Line>,
    last_verified: Option<String>,
    overdue_hours: i64,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    done: String,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let view = state.app.backups(user).await?;
    let page = BackupsPage {
        chrome: Chrome::for_user("バックアップ", user, "/admin/backups"),
        lines: view.runs.iter().cloned().map(line).collect(),
        last_verified: view.last_verified.map(datetime_ja),
        overdue_hours: OVERDUE_AFTER_HOURS,
        notice: match q.done.as_str() {
            "started" => Some(
                "バックアップを始めました。終わると一覧に出ます（ページを再読み込みしてください）。",
            ),
            "checked" => Some("ファイルを読み戻して検証しました。結果は一覧のとおりです。"),
            _ => None,
        },
        view,
    };
    Ok(render(StatusCode::OK, &page))
}

/// 「今すぐバックアップを取る」: starts one into `backup_dir`.
pub async fn start(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    state.app.start_backup(&session.user, &meta)?;
    Ok(Redirect::to("/admin/backups?done=started").into_response())
}

/// 「再検証」: reads a kept file back again.
pub async fn check(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let id: BackupRunId = id
        .parse()
        .map_err(|_| AppError::NotFound("バックアップ".to_owned()))?;
    state.app.check_backup(&session.user, id, &meta).await?;
    Ok(Redirect::to("/admin/backups?done=checked").into_response())
}
