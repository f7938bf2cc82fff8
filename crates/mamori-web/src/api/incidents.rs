//! インシデント as JSON: report one (a 職員 for themselves; the CSIRT also from outside, naming
//! the channel) and read one. A report is saved first and the chain told as on screen; an
//! incident that does not name the caller is a 404. A browser session writing must send
//! `X-CSRF-Token`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mamori_app::incidents::Report;
use mamori_domain::ids::{IncidentId, OrgUnitId};
use mamori_domain::incident::{Incident, field};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assets::check_csrf;
use super::{invalid, json_body};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiUser, Meta};

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStepDto {
    /// The role's key and the body's name for it (with the unit, for a unit role).
    pub role: String,
    pub role_name: String,
    pub holders: Vec<String>,
    /// RFC 3339, when the step was told.
    pub told_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    /// Told because the step before did not acknowledge in time.
    pub escalated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalStageDto {
    pub recipient: String,
    /// 「速報」「確報」 or 「報告」.
    pub stage: String,
    /// The last day, `YYYY-MM-DD`.
    pub due: String,
    pub sent_on: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    pub id: String,
    /// 「INC-2026-0001」
    pub number: String,
    /// `reported`, `not_incident`, `handling`, `closed`.
    pub status: String,
    pub status_label: String,
    /// `staff`, `resident`, `vendor`, `nisc`, `prefecture`, `police`, `other`.
    pub channel: String,
    pub summary: String,
    pub unit: String,
    /// RFC 3339.
    pub noticed_at: String,
    pub reported_at: String,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub chain: Vec<ChainStepDto>,
    pub external: Vec<ExternalStageDto>,
    pub version: u32,
}

fn dto(i: &Incident, today: chrono::NaiveDate) -> IncidentDto {
    IncidentDto {
        id: i.id.to_string(),
        number: i.number.clone(),
        status: i.status.key().to_owned(),
        status_label: i.status.label().to_owned(),
        channel: i.channel.key().to_owned(),
        summary: i.summary.clone(),
        unit: i.unit_name.clone(),
        noticed_at: i.noticed_at.to_rfc3339(),
        reported_at: i.reported_at.to_rfc3339(),
        category: i.triage.as_ref().map(|t| t.category.clone()),
        severity: i.triage.as_ref().map(|t| t.severity.clone()),
        chain: i
            .chain
            .iter()
            .map(|s| ChainStepDto {
                role: s.role.clone(),
                role_name: s.label(),
                holders: s.holders.iter().map(|h| h.name.clone()).collect(),
                told_at: s.told_at.map(|t| t.to_rfc3339()),
                acknowledged_at: s.acknowledged.as_ref().map(|a| a.at.to_rfc3339()),
                acknowledged_by: s.acknowledged.as_ref().map(|a| a.by.name.clone()),
                escalated: s.escalated,
            })
            .collect(),
        external: i
            .external
            .iter()
            .flat_map(|e| {
                e.stages().map(move |(kind, s)| ExternalStageDto {
                    recipient: e.recipient.clone(),
                    stage: e.stage_label(kind).to_owned(),
                    due: s.due.to_string(),
                    sent_on: s.sent.as_ref().map(|x| x.on.to_string()),
                    overdue: i.status.is_open() && s.is_overdue(today),
                })
            })
            .collect(),
        version: i.version,
    }
}

/// `{"summary": "…", "noticed_at": "2026-06-01T09:30", …}`: what happened and when it was
/// noticed (Japan time) are required; the rest as known.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewIncidentDto {
    pub summary: String,
    /// 「2026-06-01T09:30」, Japan time.
    pub noticed_at: String,
    pub how_noticed: String,
    /// The unit concerned (its id); the caller's own when absent.
    pub unit: Option<String>,
    /// 管理番号 of the assets concerned.
    pub assets: Vec<String>,
    pub systems: Vec<String>,
    /// For the CSIRT taking in a report from outside: `resident`, `vendor`, `nisc`,
    /// `prefecture`, `police`, `other`.
    pub channel: Option<String>,
    pub contact: String,
}

/// Reports an incident. It is saved first; the CSIRT and the chain's first step are told.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    request_body = NewIncidentDto,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "受け付けた", body = IncidentDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 403, description = "外部からの受付は CSIRT だけ", body = ApiErrorBody),
        (status = 422, description = "入力の誤り（field が項目名）", body = ApiErrorBody)
    ))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    user: Result<ApiUser, ApiError>,
    json: Result<Json<NewIncidentDto>, JsonRejection>,
) -> Result<(StatusCode, Json<IncidentDto>), ApiError> {
    let ApiUser(user) = user?;
    check_csrf(&user, &headers)?;
    let body = json_body(json)?;
    let unit = match body.unit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<OrgUnitId>()
                .map_err(|_| invalid(field::UNIT, "unit は組織の単位の ID です"))?,
        ),
    };
    let report = Report {
        channel: body.channel,
        contact: body.contact,
        summary: body.summary,
        how_noticed: body.how_noticed,
        noticed_at: body.noticed_at,
        unit,
        assets: body.assets,
        systems: body.systems,
    };
    let i = state.app.incidents().report(&user, report, &meta).await?;
    Ok((StatusCode::CREATED, Json(dto(&i, state.app.today()))))
}

/// One incident with its chain and reports outside.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "インシデントのID")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "インシデント", body = IncidentDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 404, description = "ない（または閲覧できない）", body = ApiErrorBody)
    ))]
pub async fn detail(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> Result<Json<IncidentDto>, ApiError> {
    let ApiUser(user) = user?;
    let id: IncidentId = id
        .parse()
        .map_err(|_| mamori_app::AppError::NotFound("インシデント".to_owned()))?;
    let v = state.app.incidents().incident(&user, id).await?;
    Ok(Json(dto(&v.incident, v.today)))
}
