//! Lifecycle records of the register: 登録, 持出し, 廃棄 … with who acted and, where the
//! scheme wants it, who approved.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, Utc};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId, BodyId, PersonId};
use sqlx::Row;

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

pub async fn insert_event(conn: &mut WriteTx, e: &AssetEvent) -> Result<(), StoreError> {
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
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Saves what changes when a waiting record is completed: the status, approval, completion and
/// action times, the person and the details (the location and required roles stay as recorded).
pub async fn update_event(conn: &mut WriteTx, e: &AssetEvent) -> Result<(), StoreError> {
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
    .execute(conn.connection())
    .await?;
    Ok(())
}

const EVENT_COLUMNS: &str = "id, body_id, asset_id, action, status, acted_at, person_id, details, \
     new_location, approval, required_roles, recorded_by, created_at, completed_at";

/// The columns of [`EVENT_COLUMNS`] as the elements of a JSON array per row.
pub(super) const ARRAY_OF_EVENT_COLUMNS: &str = "e.id, e.body_id, e.asset_id, e.action, e.status, \
     e.acted_at, e.person_id, e.details, e.new_location, e.approval, e.required_roles, \
     e.recorded_by, e.created_at, e.completed_at";

/// A lifecycle record as stored, before its keys are read: from a database row or from one
/// element of a JSON array (the columns in [`EVENT_COLUMNS`] order).
#[derive(serde::Deserialize)]
pub(super) struct RawEvent {
    id: String,
    body_id: String,
    asset_id: String,
    action: String,
    status: String,
    acted_at: String,
    person_id: Option<String>,
    details: String,
    new_location: Option<String>,
    approval: Option<String>,
    required_roles: String,
    recorded_by: String,
    created_at: String,
    completed_at: Option<String>,
}

fn key<T: std::str::FromStr>(column: &str, raw: &str) -> Result<T, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("asset_events.{column}: {raw}")))
}

impl RawEvent {
    fn of_row(r: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.try_get("id")?,
            body_id: r.try_get("body_id")?,
            asset_id: r.try_get("asset_id")?,
            action: r.try_get("action")?,
            status: r.try_get("status")?,
            acted_at: r.try_get("acted_at")?,
            person_id: r.try_get("person_id")?,
            details: r.try_get("details")?,
            new_location: r.try_get("new_location")?,
            approval: r.try_get("approval")?,
            required_roles: r.try_get("required_roles")?,
            recorded_by: r.try_get("recorded_by")?,
            created_at: r.try_get("created_at")?,
            completed_at: r.try_get("completed_at")?,
        })
    }

    pub(super) fn event(self) -> Result<AssetEvent, StoreError> {
        let action = &self.action;
        let status = &self.status;
        Ok(AssetEvent {
            id: key("id", &self.id)?,
            body_id: key("body_id", &self.body_id)?,
            asset_id: key("asset_id", &self.asset_id)?,
            action: Action::parse(action)
                .ok_or_else(|| StoreError::Corrupt(format!("asset_events.action: {action}")))?,
            status: EventStatus::parse(status)
                .ok_or_else(|| StoreError::Corrupt(format!("asset_events.status: {status}")))?,
            acted_at: time::parse("asset_events.acted_at", &self.acted_at)?,
            person: self
                .person_id
                .as_deref()
                .map(|p| key("person_id", p))
                .transpose()?,
            required_roles: self
                .required_roles
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            created_at: time::parse("asset_events.created_at", &self.created_at)?,
            completed_at: self
                .completed_at
                .map(|c| time::parse("asset_events.completed_at", &c))
                .transpose()?,
            details: self.details,
            new_location: self.new_location,
            approval: self.approval,
            recorded_by: self.recorded_by,
        })
    }
}

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<AssetEvent, StoreError> {
    RawEvent::of_row(r)?.event()
}

/// The lifecycle records of an asset, oldest first.
pub async fn events_of(
    conn: &mut impl Reads,
    asset: AssetId,
) -> Result<Vec<AssetEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE asset_id = $1 ORDER BY created_at, id"
    ))
    .bind(asset.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(event_from_row).collect()
}

pub async fn get_event(
    conn: &mut impl Reads,
    body: BodyId,
    event: AssetEventId,
) -> Result<Option<AssetEvent>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE body_id = $1 AND id = $2"
    ))
    .bind(body.to_string())
    .bind(event.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.as_ref().map(event_from_row).transpose()
}

/// The body's records waiting for permission, oldest first.
pub async fn awaiting_events(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<AssetEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM asset_events WHERE body_id = $1 AND status = $2 \
         ORDER BY created_at, id"
    ))
    .bind(body.to_string())
    .bind(EventStatus::AwaitingApproval.key())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(event_from_row).collect()
}
