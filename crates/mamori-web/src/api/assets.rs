//! The 情報資産台帳 as JSON: list with filters and a keyset cursor, one asset with what the
//! classification derives (handling, label, findings, what each action needs), registering and
//! changing an asset. Reading is open to every member of the body; writing follows the screens'
//! rule (own unit, or every unit with `asset.manage`). A browser session writing through the API
//! must send its CSRF token in `X-CSRF-Token`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use mamori_app::access::AuthMethod;
use mamori_app::assets::{AssetDetail, AssetInput, AssetQuery, permitter_text};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::asset::{ActionGate, AssetKind, AssetStatus, NetworkSegment, Retention};
use mamori_domain::ids::{AssetId, OrgUnitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{invalid, json_body};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiUser, Meta};

/// A session (cookie) caller must prove the request comes from the app's own pages.
pub(crate) fn check_csrf(user: &CurrentUser, headers: &HeaderMap) -> Result<(), AppError> {
    if user.method != AuthMethod::Session {
        return Ok(());
    }
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match user.csrf_token.as_deref() {
        Some(token) if !sent.is_empty() && sent == token => Ok(()),
        _ => Err(AppError::Forbidden(
            "セッションで書き込むには X-CSRF-Token ヘッダが必要です".to_owned(),
        )),
    }
}

/// Filters of `GET /api/v1/assets`; all given filters apply together.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetsQuery {
    /// Part of the name or the 管理番号.
    pub q: Option<String>,
    /// Owner unit id, or `none` for assets without one.
    pub unit: Option<String>,
    /// `network`, `information_system`, `facility`, `medium`, `information`, `system_document`
    /// (or the Japanese label).
    pub kind: Option<String>,
    /// `my_number`, `lgwan`, `internet`, `other` (or the Japanese label).
    pub segment: Option<String>,
    /// `in_use`, `stored`, `disposed`.
    pub status: Option<String>,
    /// 「○○以上」: `axis:level` keys of the body's scheme, e.g. `confidentiality:2`.
    pub class: Option<String>,
    /// The cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetSummaryDto {
    pub id: String,
    pub asset_no: String,
    pub name: String,
    pub kind: String,
    pub owner_unit: Option<String>,
    pub segment: String,
    /// In the scheme's words: 「機密性２・完全性１・可用性１」.
    pub classification: String,
    pub status: String,
    /// How many rule checks find something on the asset.
    pub findings: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetPageDto {
    pub items: Vec<AssetSummaryDto>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SafeguardsDto {
    pub encrypted: bool,
    pub locked_storage: bool,
    pub backup: bool,
    pub recovery_target_hours: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandlingDto {
    /// The action key: `transport`, `disposal` …
    pub action: String,
    pub action_label: String,
    /// What the classification requires for it, in the body's words.
    pub requirements: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    pub check: String,
    /// The clause of the guideline the check enforces.
    pub clause: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateDto {
    pub action: String,
    /// `allowed`, `needs_permission` or `prohibited`.
    pub gate: String,
    /// For `needs_permission`: who may permit, 「情報セキュリティ管理者: 佐々木 翔太」.
    pub permitters: Vec<String>,
    /// For `prohibited`: why.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDto {
    pub id: String,
    pub asset_no: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub description: String,
    pub owner_unit_id: Option<String>,
    pub owner_unit: Option<String>,
    pub location: String,
    pub segment: String,
    pub segment_label: String,
    pub classification: String,
    /// Axis key → level key, for programs.
    pub classification_keys: BTreeMap<String, String>,
    pub retention: String,
    pub status: String,
    pub document_type: Option<String>,
    /// 管理番号 of the sources of a copy.
    pub derived_from: Vec<String>,
    /// 管理番号 of the assets a medium holds.
    pub holds: Vec<String>,
    pub safeguards: SafeguardsDto,
    /// The 表示 to print on the asset.
    pub label: String,
    pub handling: Vec<HandlingDto>,
    pub findings: Vec<FindingDto>,
    pub gates: Vec<GateDto>,
}

fn dto(d: AssetDetail) -> AssetDto {
    let a = &d.asset;
    AssetDto {
        id: a.id.to_string(),
        asset_no: d.asset_no.clone(),
        kind: a.kind.key().to_owned(),
        kind_label: a.kind.label().to_owned(),
        name: a.name.clone(),
        description: a.description.clone(),
        owner_unit_id: a.owner_unit.map(|u| u.to_string()),
        owner_unit: d.unit.clone(),
        location: a.location.clone(),
        segment: a.segment.key().to_owned(),
        segment_label: a.segment.label().to_owned(),
        classification: a.classification.to_string(),
        classification_keys: a
            .classification
            .keys()
            .into_iter()
            .map(|(x, l)| (x.to_owned(), l.to_owned()))
            .collect(),
        retention: match &a.retention {
            Retention::Unspecified => String::new(),
            r => r.label(),
        },
        status: a.status.key().to_owned(),
        document_type: a.document_type.map(|t| t.key().to_owned()),
        derived_from: d.derived_from.iter().map(|l| l.asset_no.clone()).collect(),
        holds: d.holds.iter().map(|l| l.asset_no.clone()).collect(),
        safeguards: SafeguardsDto {
            encrypted: a.safeguards.encrypted,
            locked_storage: a.safeguards.locked_storage,
            backup: a.safeguards.backup,
            recovery_target_hours: a.safeguards.recovery_target_hours,
        },
        label: d.label.clone(),
        handling: d
            .handling
            .iter()
            .map(|h| HandlingDto {
                action: h.action.key().to_owned(),
                action_label: h.action.label().to_owned(),
                requirements: h.requirements.clone(),
            })
            .collect(),
        findings: d
            .findings
            .iter()
            .map(|f| FindingDto {
                check: f.check.key.to_owned(),
                clause: f.check.clause.to_owned(),
                message: f.message.clone(),
            })
            .collect(),
        gates: d
            .gates
            .iter()
            .map(|g| {
                let (gate, reason) = match &g.gate {
                    ActionGate::Allowed { .. } => ("allowed", None),
                    ActionGate::NeedsPermission { .. } => ("needs_permission", None),
                    ActionGate::Prohibited { reason } => ("prohibited", Some(reason.clone())),
                };
                GateDto {
                    action: g.action.key().to_owned(),
                    gate: gate.to_owned(),
                    permitters: g.permitters.iter().map(permitter_text).collect(),
                    reason,
                }
            })
            .collect(),
    }
}

fn filters(q: &AssetsQuery) -> Result<(AssetQuery, Option<AssetId>), AppError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut query = AssetQuery {
        text: pick(&q.q),
        ..AssetQuery::default()
    };
    match pick(&q.unit).as_deref() {
        None => {}
        Some("none") => query.no_unit = true,
        Some(u) => {
            query.unit = Some(
                u.parse::<OrgUnitId>()
                    .map_err(|_| invalid("unit", "組織のIDではありません"))?,
            );
        }
    }
    query.kind = pick(&q.kind).map(|k| AssetKind::parse(&k)).transpose()?;
    query.segment = pick(&q.segment)
        .map(|s| NetworkSegment::parse(&s))
        .transpose()?;
    query.status = pick(&q.status)
        .map(|s| AssetStatus::parse(&s))
        .transpose()?;
    query.at_least = pick(&q.class)
        .map(|c| {
            c.split_once(':')
                .map(|(a, l)| (a.to_owned(), l.to_owned()))
                .ok_or_else(|| {
                    invalid(
                        "class",
                        "分類は 軸:区分 のキーで指定してください（例: confidentiality:2）",
                    )
                })
        })
        .transpose()?;
    let after = pick(&q.after)
        .map(|a| {
            a.parse::<AssetId>()
                .map_err(|_| invalid("after", "カーソルが読めません"))
        })
        .transpose()?;
    Ok((query, after))
}

/// A page of the register, in registration order; follow `next` for the next page.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets",
    params(AssetsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "情報資産の一覧", body = AssetPageDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "条件の誤り", body = ApiErrorBody)
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    q: Result<Query<AssetsQuery>, QueryRejection>,
) -> Result<Json<AssetPageDto>, ApiError> {
    let ApiUser(user) = user?;
    let Query(q) =
        q.map_err(|e| ApiError::from(invalid("クエリ", format!("条件を読み取れません（{e}）"))))?;
    let (query, after) = filters(&q)?;
    if let Some((axis, level)) = &query.at_least {
        let rules = state.app.asset_rules(&user).await?;
        if !rules
            .class_filters()
            .iter()
            .any(|(a, l, _)| a == axis && l == level)
        {
            return Err(ApiError::from(invalid(
                "class",
                format!(
                    "分類「{axis}:{level}」は分類基準にありません（最も低い区分は指定できません）"
                ),
            )));
        }
    }
    let page = state
        .app
        .asset_page(&user, &query, after, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(AssetPageDto {
        items: page
            .rows
            .into_iter()
            .map(|r| AssetSummaryDto {
                id: r.id.to_string(),
                asset_no: r.asset_no,
                name: r.name,
                kind: r.kind.key().to_owned(),
                owner_unit: r.unit,
                segment: r.segment.key().to_owned(),
                classification: r.classification,
                status: r.status.key().to_owned(),
                findings: r.findings,
            })
            .collect(),
        next: page.next.map(|n| n.to_string()),
    }))
}

fn asset_id(raw: &str) -> Result<AssetId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("情報資産".to_owned()))
}

/// One asset with what its classification derives.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "情報資産のID")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "情報資産", body = AssetDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "ない", body = ApiErrorBody)
    ))]
pub async fn detail(
    State(state): State<AppState>,
    Meta(meta): Meta,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> Result<Json<AssetDto>, ApiError> {
    let ApiUser(user) = user?;
    let id = asset_id(&id)?;
    let d = state.app.asset(&user, id, &meta).await?;
    Ok(Json(dto(d)))
}

/// An asset as sent: labels or keys for the choices, 管理番号 for links.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AssetInputDto {
    /// 管理番号; empty or absent assigns the next number (create only).
    pub asset_no: String,
    /// Key or label: `medium` / 「電磁的記録媒体」.
    pub kind: String,
    pub name: String,
    pub description: String,
    pub owner_unit_id: Option<String>,
    pub location: String,
    /// Key or label; absent is その他／なし.
    pub segment: String,
    /// As people write it: 「機密性２・完全性１・可用性１」, 「重要性分類Ⅱ」.
    pub classification: String,
    /// 「5年」, 「永年」, or empty.
    pub retention: String,
    /// Key or label; absent is 使用中.
    pub status: String,
    /// For a システム関連文書: key or label.
    pub document_type: String,
    pub derived_from: Vec<String>,
    pub holds: Vec<String>,
    pub encrypted: bool,
    pub locked_storage: bool,
    pub backup: bool,
    pub recovery_target_hours: Option<u32>,
}

impl AssetInputDto {
    fn input(&self) -> Result<AssetInput, AppError> {
        let owner_unit = self
            .owner_unit_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<OrgUnitId>()
                    .map_err(|_| invalid("所管課", "owner_unit_id は組織のIDで指定してください"))
            })
            .transpose()?;
        Ok(AssetInput {
            asset_no: self.asset_no.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner_unit,
            location: self.location.clone(),
            segment: if self.segment.trim().is_empty() {
                "other".to_owned()
            } else {
                self.segment.clone()
            },
            classification: self.classification.clone(),
            retention: self.retention.clone(),
            status: self.status.clone(),
            document_type: self.document_type.clone(),
            derived_from: self.derived_from.join(","),
            holds: self.holds.join(","),
            encrypted: self.encrypted,
            locked_storage: self.locked_storage,
            backup: self.backup,
            recovery_target_hours: self
                .recovery_target_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
        })
    }
}

/// Registers an asset. The classification is checked against the body's scheme, links by
/// 管理番号, and a copy or a medium must be classified at least at what it inherits.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets",
    request_body = AssetInputDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "登録した情報資産", body = AssetDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "権限がない", body = ApiErrorBody),
        (status = 422, description = "入力の誤り（field が項目名）", body = ApiErrorBody)
    ))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    json: Result<Json<AssetInputDto>, JsonRejection>,
) -> Result<(StatusCode, Json<AssetDto>), ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let writer = user.asset_writer()?;
    let input = json_body(json).and_then(|b| b.input())?;
    let id = state
        .app
        .register_asset(&user, &writer, &input, &meta)
        .await?;
    let d = state.app.asset(&user, id, &meta).await?;
    Ok((StatusCode::CREATED, Json(dto(d))))
}

/// Replaces every field of an asset (send the whole asset, as `GET` returns it).
#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "情報資産のID")),
    request_body = AssetInputDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "変更後の情報資産", body = AssetDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "権限がない", body = ApiErrorBody),
        (status = 404, description = "ない", body = ApiErrorBody),
        (status = 422, description = "入力の誤り（field が項目名）", body = ApiErrorBody)
    ))]
pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
    json: Result<Json<AssetInputDto>, JsonRejection>,
) -> Result<Json<AssetDto>, ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let writer = user.asset_writer()?;
    let id = asset_id(&id)?;
    let input = json_body(json).and_then(|b| b.input())?;
    state
        .app
        .update_asset(&user, &writer, id, &input, &meta)
        .await?;
    let d = state.app.asset(&user, id, &meta).await?;
    Ok(Json(dto(d)))
}
