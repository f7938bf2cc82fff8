//! Lifecycle records of the register: 登録, 持出し, 廃棄 … with who acted and, where the
//! scheme wants it, who approved.

use chrono::{DateTime, Utc};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId, BodyId, PersonId};
use sqlx::{AnyConnection, Row};

use crate::org::{id, opt_id};
use crate::{StoreError, time};

/// Where a lifecycle record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Done and recorded.
    Completed,
    /// The action needs permission and waits for it; it has not happened.
    AwaitingApproval,
    /// The request was withdrawn before approval.
    Withdrawn,
}

impl EventStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::AwaitingApproval => "awaiting_approval",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Completed => "記録済",
            Self::AwaitingApproval => "許可待ち",
            Self::Withdrawn => "取下げ",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [Self::Completed, Self::AwaitingApproval, Self::Withdrawn]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// A lifecycle record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetEvent {
    pub id: AssetEventId,
    pub body_id: BodyId,
    pub asset_id: AssetId,
    pub action: Action,
    pub status: EventStatus,
    /// 日時 of the act (or of the request, while it waits).
    pub acted_at: DateTime<Utc>,
    /// 担当者
    pub person: Option<PersonId>,
    /// 処理内容
    pub details: String,
    /// The new 保管場所 of a 保管場所の変更.
    pub new_location: Option<String>,
    pub approval: Option<String>,
    /// The role keys whose holders must permit the action (empty when none is needed).
    pub required_roles: Vec<String>,
    /// The account that entered the record.
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub async fn insert_event(conn: &mut AnyConnection, e: &AssetEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO asset_events (id, body_id, asset_id, action, status, acted_at, person_id, \
         details, new_location, approval, required_roles, recorded_by, created_at, completed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(e.id.to_string())
    .bind(e.body_id.to_string())
    .bind(e.asset_id.to_string())
    .bind(e.action.key())
    .bind(e.status.key())
    .bind(time::text(e.acted_at))
    .bind(e.person.map(|p| p.to_string()))
    .bind(&e.details)
    .bind(e.new_location.as_deref())
    .bind(e.approval.as_deref())
    .bind(e.required_roles.join(" "))
    .bind(&e.recorded_by)
    .bind(time::text(e.created_at))
    .bind(e.completed_at.map(time::text))
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves what changes when a waiting record is completed: the status, approval, completion and
/// action times, the person and the details (the location and required roles stay as recorded).
pub async fn update_event(conn: &mut AnyConnection, e: &AssetEvent) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE asset_events SET status = $2, approval = $3, completed_at = $4, acted_at = $5, \
         person_id = $6, details = $7 WHERE id = $1",
    )
    .bind(e.id.to_string())
    .bind(e.status.key())
    .bind(e.approval.as_deref())
    .bind(e.completed_at.map(time::text))
    .bind(time::text(e.acted_at))
    .bind(e.person.map(|p| p.to_string()))
    .bind(&e.details)
    .execute(conn)
    .await?;
    Ok(())
}

const EVENT_COLUMNS: &str = "id, body_id, asset_id, action, status, acted_at, person_id, details, \
     new_location, approval, required_roles, recorded_by, created_at, completed_at";

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<AssetEvent, StoreError> {
    let action: String = r.try_get("action")?;
    let status: String = r.try_get("status")?;
    let acted: String = r.try_get("acted_at")?;
    let created: String = r.try_get("created_at")?;
    let completed: Option<String> = r.try_get("completed_at")?;
    let roles: String = r.try_get("required_roles")?;
    Ok(AssetEvent {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        asset_id: id(r, "asset_id")?,
        action: Action::parse(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("asset_events.action: {action}")))?,
        status: EventStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("asset_events.status: {status}")))?,
        acted_at: time::parse("asset_events.acted_at", &acted)?,
        person: opt_id(r, "person_id")?,
        details: r.try_get("details")?,
        new_location: r.try_get("new_location")?,
        approval: r.try_get("approval")?,
        required_roles: roles.split_whitespace().map(str::to_owned).collect(),
        recorded_by: r.try_get("recorded_by")?,
        created_at: time::parse("asset_events.created_at", &created)?,
        completed_at: completed
            .map(|c| time::parse("asset_events.completed_at", &c))
            .transpose()?,
    })
}

/// The lifecycle records of an asset, oldest first.
pub async fn events_of(
    conn: &mut AnyConnection,
    asset: AssetId,
) -> Result<Vec<AssetEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE asset_id = $1 ORDER BY created_at, id"
    ))
    .bind(asset.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(event_from_row).collect()
}

pub async fn get_event(
    conn: &mut AnyConnection,
    body: BodyId,
    event: AssetEventId,
) -> Result<Option<AssetEvent>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE body_id = $1 AND id = $2"
    ))
    .bind(body.to_string())
    .bind(event.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(event_from_row).transpose()
}

/// The body's records waiting for permission, oldest first.
pub async fn awaiting_events(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Vec<AssetEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE body_id = $1 AND status = $2 \
         ORDER BY created_at, id"
    ))
    .bind(body.to_string())
    .bind(EventStatus::AwaitingApproval.key())
    .fetch_all(conn)
    .await?;
    rows.iter().map(event_from_row).collect()
}
