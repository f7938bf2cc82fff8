//! The organization as JSON: units on a date, people, and the authority resolver — «who may
//! permit or approve this clause for this unit on this date». Every signed-in member of the body
//! may read them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use mamori_app::AppError;
use mamori_domain::DomainError;
use mamori_domain::authority::Context;
use mamori_domain::ids::OrgUnitId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::ApiUser;

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, AppError> {
    q.map(|Query(q)| q).map_err(|e| {
        AppError::Invalid(DomainError::new(
            "クエリ",
            format!("条件を読み取れません（{e}）"),
        ))
    })
}

fn date_of(raw: Option<&str>, field: &str, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => s.parse().map_err(|_| {
            AppError::Invalid(DomainError::new(
                field,
                format!("「{s}」は日付（YYYY-MM-DD）ではありません"),
            ))
        }),
    }
}

fn unit_of(raw: Option<&str>) -> Result<Option<OrgUnitId>, AppError> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<OrgUnitId>()
                .map_err(|_| AppError::Invalid(DomainError::new("unit", "組織のIDではありません")))
        })
        .transpose()
}

/// `?date=YYYY-MM-DD` (default today).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// 基準日: the organization as it was on this date.
    pub date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `department` (部局), `section` (課室) or `team` (係).
    pub kind: String,
    pub agency_kind: String,
    pub parent_id: Option<String>,
    /// Depth in the tree (0 for a 部局).
    pub depth: usize,
    /// People in the unit on the date (not 退職).
    pub people: usize,
    /// 「情報セキュリティ管理者: 佐々木 翔太」 …
    pub holders: Vec<String>,
}

/// The units of the caller's body on a date, as a tree in display order.
#[utoipa::path(get, path = "/api/v1/org/units", tag = "org",
    params(UnitsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "組織", body = [UnitDto]),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "条件の誤り", body = ApiErrorBody)
    ))]
pub async fn units(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    q: Result<Query<UnitsQuery>, QueryRejection>,
) -> Result<Json<Vec<UnitDto>>, ApiError> {
    let ApiUser(user) = user?;
    let q = query(q)?;
    let on = date_of(q.date.as_deref(), "date", state.app.today())?;
    let tree = state.app.org_tree(&user, on).await?;
    Ok(Json(
        tree.into_iter()
            .map(|r| UnitDto {
                id: r.unit.id.to_string(),
                code: r.unit.code,
                name: r.unit.name,
                kind: r.unit.kind.as_str().to_owned(),
                agency_kind: r.unit.agency_kind,
                parent_id: r.unit.parent_id.map(|p| p.to_string()),
                depth: r.depth,
                people: r.people,
                holders: r.holders,
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Text in 職員番号, 氏名 or ふりがな.
    pub q: Option<String>,
    /// Unit id: people of that unit and the units below it.
    pub unit: Option<String>,
    /// Page (1-based, 50 a page).
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: String,
    pub staff_number: String,
    pub name: String,
    pub name_kana: String,
    pub unit_id: String,
    pub unit_name: String,
    pub title: String,
    pub employment_kind: String,
    pub email: Option<String>,
    /// 在職, 休職 or 退職.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeoplePageDto {
    pub people: Vec<PersonDto>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// People of the caller's body.
#[utoipa::path(get, path = "/api/v1/org/people", tag = "org",
    params(PeopleQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "職員", body = PeoplePageDto),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "条件の誤り", body = ApiErrorBody)
    ))]
pub async fn people(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    q: Result<Query<PeopleQuery>, QueryRejection>,
) -> Result<Json<PeoplePageDto>, ApiError> {
    let ApiUser(user) = user?;
    let q = query(q)?;
    let unit = unit_of(q.unit.as_deref())?;
    let page = state
        .app
        .people(&user, unit, q.q.as_deref(), q.page.unwrap_or(1))
        .await?;
    Ok(Json(PeoplePageDto {
        people: page
            .rows
            .into_iter()
            .map(|r| PersonDto {
                id: r.person.id.to_string(),
                staff_number: r.person.staff_number,
                name: r.person.name,
                name_kana: r.person.name_kana,
                unit_id: r.person.unit_id.to_string(),
                unit_name: r.unit_name,
                title: r.person.title,
                employment_kind: r.person.employment_kind,
                email: r.person.email,
                status: r.person.status.label().to_owned(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorityQuery {
    /// Clause id with 許 or 承 in the body's matrix, e.g. `S-2.(2)⑧(イ)`.
    pub clause: String,
    /// Unit id (for roles per unit; the answer walks up the tree).
    pub unit: Option<String>,
    /// Information system name (for roles per system).
    pub system: Option<String>,
    /// 基準日 (default today).
    pub date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolderDto {
    pub person_id: String,
    pub name: String,
    /// Acts as 代理 for an absent holder.
    pub deputy: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorityDto {
    /// Role key.
    pub role: String,
    /// The role as the body names it.
    pub role_name: String,
    /// `permits` (許) or `approves` (承).
    pub mark: String,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    /// The answer came from a unit above the one asked about.
    pub walked_up: bool,
    pub holders: Vec<HolderDto>,
    /// Why nobody can act, when `holders` is empty.
    pub gap: Option<String>,
}

/// Who may permit (許) or approve (承) a clause for a unit on a date, one entry per deciding role
/// of the clause's row in the body's 権限・責任等一覧表.
#[utoipa::path(get, path = "/api/v1/org/authority", tag = "org",
    params(AuthorityQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "許可・承認できる者", body = [AuthorityDto]),
        (status = 401, description = "未認証", body = ApiErrorBody),
        (status = 422, description = "条件の誤り（許・承のない条項、所属の指定が必要 等）", body = ApiErrorBody)
    ))]
pub async fn authority(
    State(state): State<AppState>,
    user: Result<ApiUser, ApiError>,
    q: Result<Query<AuthorityQuery>, QueryRejection>,
) -> Result<Json<Vec<AuthorityDto>>, ApiError> {
    let ApiUser(user) = user?;
    let q = query(q)?;
    let on = date_of(q.date.as_deref(), "date", state.app.today())?;
    let context = Context {
        unit: unit_of(q.unit.as_deref())?,
        system: q.system.clone(),
    };
    let answer = state.app.who_may(&user, &q.clause, &context, on).await?;
    Ok(Json(
        answer
            .into_iter()
            .map(|a| AuthorityDto {
                role: a.role,
                role_name: a.role_name,
                mark: match a.mark {
                    mamori_domain::authority::MatrixMark::Approves => "approves",
                    _ => "permits",
                }
                .to_owned(),
                unit_id: a.unit.map(|u| u.to_string()),
                unit_name: a.unit_name,
                walked_up: a.walked_up,
                holders: a
                    .holders
                    .into_iter()
                    .map(|h| HolderDto {
                        person_id: h.person.to_string(),
                        name: h.name,
                        deputy: h.is_deputy,
                    })
                    .collect(),
                gap: a.gap,
            })
            .collect(),
    ))
}
