//! The JSON API under `/api/v1`. Callers authenticate with `Authorization: Bearer <token>` (from
//! `mamori admin token`) or the browser's session cookie. The OpenAPI document is generated from
//! these handlers and types, so it cannot drift from them.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiUser, Meta};
use crate::middleware::current_request_id;
use crate::pages::audit::{AuditQuery, action_label};

pub(crate) mod approvals;
mod assets;
mod catalog;
mod incidents;
mod org;

/// An input error naming the field.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> mamori_app::AppError {
    mamori_app::AppError::Invalid(mamori_domain::DomainError::new(field, message))
}

/// The JSON body, or an error naming 本文 with what could not be read.
pub(crate) fn json_body<T>(
    json: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, mamori_app::AppError> {
    json.map(|Json(b)| b).map_err(|e| {
        invalid(
            "本文",
            format!("JSON を読み取れません（{}）", e.body_text()),
        )
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/audit", get(audit))
        .route("/catalog/clauses", get(catalog::clauses))
        .route("/catalog/clauses/{id}", get(catalog::clause))
        .route("/catalog/search", get(catalog::search))
        .route("/org/units", get(org::units))
        .route("/org/people", get(org::people))
        .route("/org/authority", get(org::authority))
        .route("/assets", get(assets::list).post(assets::create))
        .route("/assets/{id}", get(assets::detail).put(assets::update))
        .route("/applications", axum::routing::post(approvals::create))
        .route("/applications/{id}", get(approvals::detail))
        .route(
            "/applications/{id}/decisions",
            axum::routing::post(approvals::decide),
        )
        .route(
            "/applications/{id}/follow-ups",
            axum::routing::post(approvals::follow_up),
        )
        .route("/incidents", axum::routing::post(incidents::create))
        .route("/incidents/{id}", get(incidents::detail))
        .route("/inbox", get(approvals::inbox))
        .route("/ledgers/{clause}", get(approvals::ledger))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the server and its database answer.
    pub status: String,
    pub version: String,
}

/// Whether the server and its database answer. Needs no authentication.
#[utoipa::path(get, path = "/api/v1/health", tag = "system",
    responses(
        (status = 200, description = "正常", body = Health),
        (status = 503, description = "データベースに接続できない", body = ApiErrorBody)
    ))]
async fn health(State(state): State<AppState>) -> Response {
    match state.app.health().await {
        Ok(()) => Json(Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
        .into_response(),
        Err(e) => {
            let request_id = current_request_id();
            tracing::error!(request_id = request_id.as_deref(), error = ?e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(ApiErrorBody {
                    code: "unavailable".to_owned(),
                    message: "データベースに接続できません".to_owned(),
                    field: None,
                    request_id,
                }),
            )
                .into_response()
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    /// Stable role key, e.g. `security_manager`.
    pub key: String,
    /// The body's name for the role.
    pub name: String,
    pub unit: Option<String>,
    pub system: Option<String>,
    pub deputy: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    pub login: String,
    pub name: String,
    pub body: Option<BodyDto>,
    pub unit: Option<String>,
    pub title: Option<String>,
    pub system_admin: bool,
    pub roles: Vec<RoleDto>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyDto {
    pub code: String,
    pub name: String,
}

/// The caller: login, name, body and the roles held today.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "呼び出したユーザー", body = MeDto),
        (status = 401, description = "未認証", body = ApiErrorBody)
    ))]
async fn me(ApiUser(user): ApiUser) -> Json<MeDto> {
    Json(MeDto {
        login: user.account.login.to_string(),
        name: user.name().to_owned(),
        body: user.body.as_ref().map(|b| BodyDto {
            code: b.code.clone(),
            name: b.name.clone(),
        }),
        unit: user.person.as_ref().map(|p| p.unit.clone()),
        title: user.person.as_ref().map(|p| p.title.clone()),
        system_admin: user.account.is_system_admin,
        roles: user
            .roles
            .iter()
            .map(|r| RoleDto {
                key: r.key.clone(),
                name: r.name.clone(),
                unit: r.unit_name.clone(),
                system: r.system_name.clone(),
                deputy: r.is_deputy,
            })
            .collect(),
        permissions: user.permissions.iter().cloned().collect(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordDto {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: String,
    pub actor: String,
    pub body_id: Option<String>,
    pub action: String,
    /// The action in Japanese.
    pub action_label: String,
    pub target_type: String,
    pub target_id: String,
    /// State before the change (JSON), when there was one.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageDto {
    pub records: Vec<AuditRecordDto>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The audit trail, newest first, 100 records a page (keyset paging with `before`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "監査証跡", body = AuditPageDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "権限なし", body = ApiErrorBody),
        (status = 422, description = "条件の誤り", body = ApiErrorBody)
    ))]
async fn audit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    user: Result<ApiUser, ApiError>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPageDto>, ApiError> {
    let ApiUser(user) = user?;
    let reader = user.audit_reader()?;
    let Query(q) = query.map_err(|e| {
        ApiError::from(mamori_app::AppError::Invalid(
            mamori_domain::DomainError::new("クエリ", format!("条件を読み取れません（{e}）")),
        ))
    })?;
    let filter = q.to_filter().map_err(mamori_app::AppError::from)?;
    let page = state
        .app
        .audit_page(&user, &reader, &filter, 100, &meta)
        .await?;
    let parse = |json: &Option<String>| json.as_deref().and_then(|t| serde_json::from_str(t).ok());
    Ok(Json(AuditPageDto {
        records: page
            .records
            .iter()
            .map(|r| AuditRecordDto {
                seq: r.seq,
                at: r.at.to_rfc3339(),
                actor_id: r.entry.actor.id.clone(),
                actor: r.entry.actor.label.clone(),
                body_id: r.entry.body_id.clone(),
                action: r.entry.action.clone(),
                action_label: action_label(&r.entry.action).to_owned(),
                target_type: r.entry.target_type.clone(),
                target_id: r.entry.target_id.clone(),
                before: parse(&r.entry.before),
                after: parse(&r.entry.after),
                request_id: r.entry.request_id.clone(),
                prev_hash: r.prev_hash.clone(),
                hash: r.hash.clone(),
            })
            .collect(),
        next_before: page.next_before_seq,
    }))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ApiErrorBody {
            code: "not_found".to_owned(),
            message: "APIが見つかりません".to_owned(),
            field: None,
            request_id: current_request_id(),
        }),
    )
        .into_response()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mamori API", description = "地方公共団体の情報セキュリティ管理システム mamori の API。エラーは `code`（安定した識別子）と `message`（日本語）を持つ JSON で返します。"),
    paths(health, me, audit, catalog::clauses, catalog::clause, catalog::search, org::units,
        org::people, org::authority, assets::list, assets::detail, assets::create, assets::update,
        approvals::create, approvals::detail, approvals::decide, approvals::follow_up, approvals::inbox,
        approvals::ledger, incidents::create, incidents::detail),
    components(schemas(Health, MeDto, BodyDto, RoleDto, AuditRecordDto, AuditPageDto, ApiErrorBody,
        catalog::ClauseSummaryDto, catalog::ClauseDto, catalog::PathNodeDto, catalog::RoleMarkDto,
        catalog::ArtifactDto, catalog::CommentaryDto, catalog::FootnoteDto, catalog::RevisionRefDto,
        catalog::SearchHitDto, org::UnitDto, org::PersonDto, org::PeoplePageDto, org::HolderDto,
        org::AuthorityDto, assets::AssetSummaryDto, assets::AssetPageDto, assets::AssetDto,
        assets::SafeguardsDto, assets::HandlingDto, assets::FindingDto, assets::GateDto,
        assets::AssetInputDto, approvals::ApplicationDto, approvals::StepDto,
        approvals::NewApplicationDto, approvals::DecisionDto, approvals::FollowUpDto,
        approvals::LedgerRowDto, incidents::IncidentDto, incidents::ChainStepDto,
        incidents::ExternalStageDto, incidents::NewIncidentDto)),
    modifiers(&SecuritySchemes),
    tags((name = "system"), (name = "accounts"), (name = "audit"),
        (name = "catalog", description = "ガイドラインの条項・解説・検索"),
        (name = "org", description = "組織・職員・権限の照会"),
        (name = "assets", description = "情報資産台帳"),
        (name = "approvals", description = "許可・承認の申請と台帳"),
        (name = "incidents", description = "情報セキュリティインシデントの報告と照会"))
)]
struct ApiDoc;

/// The OpenAPI 3 document, as JSON text.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
        .into_response()
}
