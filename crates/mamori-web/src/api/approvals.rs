//! 許可・承認 as JSON: file an application, read it, decide it, the inbox, each kind's ledger
//! (JSON or `?format=xlsx`). A decision by someone not on the current step is a 403 and changes
//! nothing; a decision on a version someone else changed is a 409. A browser session writing
//! must send `X-CSRF-Token`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mamori_app::AppError;
use mamori_app::approvals::{ApplicationView, Apply, Decide, FieldInput, FollowUp};
use mamori_domain::approval::{Application, Decision, LedgerRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::assets::check_csrf;
use super::{invalid, json_body};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiUser, Meta};
use crate::pages::approvals::app_id;
use crate::pages::imports::download;

#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub label: String,
    /// 「市民課 情報セキュリティ管理者: 佐々木 翔太」 per seat.
    pub seats: Vec<String>,
    /// Per seat: `approve`, `return`, `reject`, or absent while undecided.
    pub decisions: Vec<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: String,
    /// 受付番号
    pub number: String,
    pub kind: String,
    pub kind_name: String,
    pub clause: String,
    /// `draft`, `submitted`, `sent_back`, `rejected`, `approved`, `in_progress`, `returned`,
    /// `expired`, `completed`, `withdrawn`.
    pub status: String,
    pub status_label: String,
    pub applicant: String,
    pub unit: String,
    /// Field key → value as text.
    pub fields: BTreeMap<String, String>,
    /// The step under decision (0-based) while `submitted`.
    pub current_step: usize,
    pub steps: Vec<StepDto>,
    /// Send it back with a decision.
    pub version: u32,
    pub valid_until: Option<String>,
    pub return_due: Option<String>,
}

fn decision_key(d: Decision) -> &'static str {
    match d {
        Decision::Approve => "approve",
        Decision::Return => "return",
        Decision::Reject => "reject",
    }
}

fn dto(a: &Application) -> ApplicationDto {
    ApplicationDto {
        id: a.id.to_string(),
        number: a.number.clone(),
        kind: a.kind.clone(),
        kind_name: a.kind_name.clone(),
        clause: a.clause.clone(),
        status: a.status.key().to_owned(),
        status_label: a.status.label().to_owned(),
        applicant: a.applicant_name.clone(),
        unit: a.unit_name.clone(),
        fields: a
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.display()))
            .collect(),
        current_step: a.current_step,
        steps: a
            .route
            .iter()
            .flat_map(|r| &r.steps)
            .map(|s| StepDto {
                label: s.label.clone(),
                seats: s
                    .seats
                    .iter()
                    .map(|seat| {
                        format!(
                            "{}: {}",
                            seat.place(),
                            seat.candidates
                                .iter()
                                .map(|h| h.name.clone())
                                .collect::<Vec<_>>()
                                .join("、")
                        )
                    })
                    .collect(),
                decisions: s
                    .seats
                    .iter()
                    .map(|seat| {
                        seat.decision
                            .as_ref()
                            .map(|d| decision_key(d.decision).to_owned())
                    })
                    .collect(),
            })
            .collect(),
        version: a.version,
        valid_until: a.valid_until.map(|d| d.to_string()),
        return_due: a.return_due.map(|d| d.to_string()),
    }
}

/// `{"clause": "S-2.(2)⑧(イ)", "fields": {...}}`: the kind by its clause (or key), the fields
/// by key as text (lists as arrays).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplicationDto {
    pub clause: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Files an application and submits it; the route is resolved from the applicant's unit.
#[utoipa::path(post, path = "/api/v1/applications", tag = "approvals",
    request_body = NewApplicationDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "申請した", body = ApplicationDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "その条項の申請の種類がない", body = ApiErrorBody),
        (status = 422, description = "入力の誤り（field が項目名）", body = ApiErrorBody)
    ))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    json: Result<Json<NewApplicationDto>, JsonRejection>,
) -> Result<(StatusCode, Json<ApplicationDto>), ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let body = json_body(json)?;
    let fields: FieldInput = body
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let id = state
        .app
        .approvals()
        .apply(&user, Apply::submit(&body.clause, &fields), &meta)
        .await?;
    let v = state.app.approvals().application(&user, id).await?;
    Ok((StatusCode::CREATED, Json(dto(&v.application))))
}

/// One application with its route and decisions.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "approvals",
    params(("id" = String, Path, description = "申請のID")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "申請", body = ApplicationDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "ない", body = ApiErrorBody)
    ))]
pub async fn detail(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> Result<Json<ApplicationDto>, ApiError> {
    let ApiUser(user) = user?;
    let id = app_id(&id)?;
    let ApplicationView { application, .. } = state.app.approvals().application(&user, id).await?;
    Ok(Json(dto(&application)))
}

/// `{"decision": "approve"|"return"|"reject", "comment": "…", "version": N}`; without
/// `version`, the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDto {
    pub decision: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub version: Option<u32>,
    /// The reason for an exception to 兼務の禁止 the profile allows.
    #[serde(default)]
    pub sod_reason: Option<String>,
}

/// 承認・差戻し・却下 of the current step.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decisions", tag = "approvals",
    params(("id" = String, Path, description = "申請のID")),
    request_body = DecisionDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "決裁後の申請", body = ApplicationDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "この段階の決裁者ではない", body = ApiErrorBody),
        (status = 409, description = "他の決裁が先に記録された", body = ApiErrorBody),
        (status = 422, description = "入力の誤り・兼務の禁止", body = ApiErrorBody)
    ))]
pub async fn decide(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
    json: Result<Json<DecisionDto>, JsonRejection>,
) -> Result<Json<ApplicationDto>, ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let id = app_id(&id)?;
    let body = json_body(json)?;
    let decision = Decision::parse(&body.decision).ok_or_else(|| {
        ApiError::from(invalid(
            "decision",
            "decision は approve・return・reject のいずれかです",
        ))
    })?;
    let current = state.app.approvals().application(&user, id).await?;
    let seen = body.version.unwrap_or(current.application.version);
    let next = state
        .app
        .approvals()
        .decide(
            &user,
            Decide {
                id,
                step: current.application.current_step,
                decision,
                comment: body.comment.clone(),
                sod_reason: body.sod_reason.clone(),
                seen,
            },
            &meta,
        )
        .await?;
    Ok(Json(dto(&next)))
}

/// `{"action": "start"|"return"|"complete"|"report", "on": "2026-04-01", "version": N}`: `on`
/// is the 返却日 of a `return`; without `version`, the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpDto {
    pub action: String,
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub version: Option<u32>,
}

/// 実施・返却・完了 (the applicant or someone who approved it) and the 事後報告 of an
/// emergency application (its applicant).
#[utoipa::path(post, path = "/api/v1/applications/{id}/follow-ups", tag = "approvals",
    params(("id" = String, Path, description = "申請のID")),
    request_body = FollowUpDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "記録後の申請", body = ApplicationDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "申請者でも承認した人でもない", body = ApiErrorBody),
        (status = 409, description = "他の操作が先に記録された", body = ApiErrorBody),
        (status = 422, description = "入力の誤り・その状態ではできない", body = ApiErrorBody)
    ))]
pub async fn follow_up(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
    json: Result<Json<FollowUpDto>, JsonRejection>,
) -> Result<Json<ApplicationDto>, ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let id = app_id(&id)?;
    let body = json_body(json)?;
    let what = match body.action.as_str() {
        "start" => FollowUp::Start,
        "complete" => FollowUp::Complete,
        "report" => FollowUp::Report,
        "return" => {
            let raw = body.on.as_deref().unwrap_or("").trim();
            let on = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                ApiError::from(invalid(
                    "on",
                    "返却日 on を 2026-04-01 のように指定してください",
                ))
            })?;
            FollowUp::Return { on }
        }
        _ => {
            return Err(ApiError::from(invalid(
                "action",
                "action は start・return・complete・report のいずれかです",
            )));
        }
    };
    let seen = match body.version {
        Some(v) => v,
        None => {
            state
                .app
                .approvals()
                .application(&user, id)
                .await?
                .application
                .version
        }
    };
    let next = state
        .app
        .approvals()
        .follow_up(&user, id, what, seen, &meta)
        .await?;
    Ok(Json(dto(&next)))
}

/// The applications whose current step the caller may decide.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "approvals",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "承認待ち", body = [ApplicationDto]),
        (status = 401, description = "未認証", body = ApiErrorBody)
    ))]
pub async fn inbox(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
) -> Result<Json<Vec<ApplicationDto>>, ApiError> {
    let ApiUser(user) = user?;
    let list = state.app.approvals().inbox(&user).await?;
    Ok(Json(list.iter().map(dto).collect()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// `xlsx` for the Excel workbook; JSON otherwise.
    pub format: Option<String>,
    /// Only rows in this state (`approved`, `in_progress`, `expired` …).
    pub status: Option<String>,
    /// Only rows whose 所属 contains this text.
    pub unit: Option<String>,
    /// 申請日 from (YYYY-MM-DD).
    pub from: Option<String>,
    /// 申請日 to (YYYY-MM-DD).
    pub to: Option<String>,
    /// `1`: only rows that need action (返却遅れ, 期限間近, 事後報告の期限超過).
    pub attention: Option<String>,
}

impl LedgerQuery {
    pub(crate) fn filter(&self) -> Result<mamori_app::approvals::LedgerFilter, AppError> {
        mamori_app::approvals::LedgerFilter::parse(
            self.status.as_deref().unwrap_or(""),
            self.unit.as_deref().unwrap_or(""),
            self.from.as_deref().unwrap_or(""),
            self.to.as_deref().unwrap_or(""),
            self.attention.as_deref() == Some("1"),
        )
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerRowDto {
    pub number: String,
    pub applied_on: Option<String>,
    pub applicant: String,
    pub unit: String,
    pub content: String,
    pub approvers: Vec<String>,
    pub approved_on: Option<String>,
    /// 期限 / 返却予定日
    pub due: Option<String>,
    pub returned_on: Option<String>,
    pub remarks: Vec<String>,
    pub status: String,
    pub overdue_return: bool,
    pub expiring: bool,
    pub report_overdue: bool,
}

fn ledger_dto(r: &LedgerRow) -> LedgerRowDto {
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    LedgerRowDto {
        number: r.number.clone(),
        applied_on: d(r.applied_on),
        applicant: r.applicant.clone(),
        unit: r.unit.clone(),
        content: r.content.clone(),
        approvers: r.approvers.clone(),
        approved_on: d(r.approved_on),
        due: d(r.due),
        returned_on: d(r.returned_on),
        remarks: r.remarks.clone(),
        status: r.status.key().to_owned(),
        overdue_return: r.overdue_return,
        expiring: r.expiring,
        report_overdue: r.report_overdue,
    }
}

/// The 台帳 of the kind of a clause (or a kind key).
#[utoipa::path(get, path = "/api/v1/ledgers/{clause}", tag = "approvals",
    params(("clause" = String, Path, description = "条項ID（例: S-2.(2)⑧(イ)）または種類のキー"), LedgerQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "台帳（JSON、または format=xlsx で Excel）", body = [LedgerRowDto]),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "その種類がない", body = ApiErrorBody)
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    Meta(meta): Meta,
    user: Result<ApiUser, ApiError>,
    Path(clause): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, ApiError> {
    let ApiUser(user) = user?;
    let filter = q.filter()?;
    if q.format.as_deref() == Some("xlsx") {
        let (bytes, name) = state
            .app
            .approvals()
            .ledger_workbook(&user, &clause, &filter, &meta)
            .await?;
        return Ok(download(
            bytes,
            &name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ));
    }
    let (_, rows) = state
        .app
        .approvals()
        .ledger(&user, &clause, &filter)
        .await?;
    Ok(Json(rows.iter().map(ledger_dto).collect::<Vec<_>>()).into_response())
}
