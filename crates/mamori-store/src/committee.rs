//! Meetings of the 委員会, kept whole as JSON with the 議事録 file beside them and one index row
//! per 議題 that decides on a subject.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use mamori_domain::committee::{Meeting, MinutesFile};
use mamori_domain::ids::{BodyId, MeetingId};
use sqlx::Row;

use crate::{StoreError, time};

fn from_row(r: &sqlx::any::AnyRow) -> Result<Meeting, StoreError> {
    let data: String = r.try_get("data")?;
    serde_json::from_str(&data)
        .map_err(|e| StoreError::Corrupt(format!("committee_meetings.data: {e}")))
}

/// Saves a new meeting with its 議事録 (when the record names one) and its subject rows.
pub async fn insert_meeting(
    conn: &mut WriteTx,
    meeting: &Meeting,
    minutes: Option<&[u8]>,
) -> Result<(), StoreError> {
    let data = serde_json::to_string(meeting)
        .map_err(|e| StoreError::Corrupt(format!("committee_meetings.data: {e}")))?;
    sqlx::query(
        "INSERT INTO committee_meetings (id, body_id, role_key, held_on, data, minutes, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(meeting.id.to_string())
    .bind(meeting.body_id.to_string())
    .bind(&meeting.role_key)
    .bind(meeting.held_on.to_string())
    .bind(data)
    .bind(minutes.map(<[u8]>::to_vec))
    .bind(time::text(meeting.recorded_at))
    .execute(conn.connection())
    .await?;
    for (position, item) in meeting.items.iter().enumerate() {
        let Some(subject) = &item.subject else {
            continue;
        };
        let (kind, id) = subject.key();
        sqlx::query(
            "INSERT INTO committee_resolutions (meeting_id, position, body_id, subject_kind, \
             subject_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(meeting.id.to_string())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(meeting.body_id.to_string())
        .bind(kind)
        .bind(id)
        .execute(conn.connection())
        .await?;
    }
    Ok(())
}

/// The body's meetings, the latest first.
pub async fn meetings(conn: &mut impl Reads, body: BodyId) -> Result<Vec<Meeting>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM committee_meetings WHERE body_id = $1 ORDER BY held_on DESC, id DESC",
    )
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One meeting of the body.
pub async fn find_meeting(
    conn: &mut impl Reads,
    body: BodyId,
    id: MeetingId,
) -> Result<Option<Meeting>, StoreError> {
    let row = sqlx::query("SELECT data FROM committee_meetings WHERE body_id = $1 AND id = $2")
        .bind(body.to_string())
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The meetings with a 議題 on a subject (`("edition", id)`), the latest first.
pub async fn meetings_on(
    conn: &mut impl Reads,
    body: BodyId,
    subject: (&str, &str),
) -> Result<Vec<Meeting>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.data AS data FROM committee_meetings m WHERE m.body_id = $1 AND m.id IN \
         (SELECT r.meeting_id FROM committee_resolutions r WHERE r.body_id = $1 \
          AND r.subject_kind = $2 AND r.subject_id = $3) ORDER BY m.held_on DESC, m.id DESC",
    )
    .bind(body.to_string())
    .bind(subject.0)
    .bind(subject.1)
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(from_row).collect()
}

/// A meeting's 議事録 with its bytes.
pub async fn minutes(
    conn: &mut impl Reads,
    body: BodyId,
    id: MeetingId,
) -> Result<Option<(MinutesFile, Vec<u8>)>, StoreError> {
    let row =
        sqlx::query("SELECT data, minutes FROM committee_meetings WHERE body_id = $1 AND id = $2")
            .bind(body.to_string())
            .bind(id.to_string())
            .fetch_optional(conn.connection())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let meeting = from_row(&row)?;
    let content: Option<Vec<u8>> = row.try_get("minutes")?;
    Ok(meeting.minutes.zip(content))
}
