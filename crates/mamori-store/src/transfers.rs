//! 人事異動 batches and their moves.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::NaiveDate;
use mamori_domain::ids::{BodyId, PersonId, TransferId};
use mamori_domain::org::PersonStatus;
use mamori_domain::transfer::{Move, Position, Transfer, TransferReport, TransferStatus};
use sqlx::Row;

use crate::org::{date, id};
use crate::{StoreError, time};

pub async fn insert_transfer(conn: &mut WriteTx, t: &Transfer) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO transfers (id, body_id, title, effective_date, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.id.to_string())
    .bind(t.body_id.to_string())
    .bind(&t.title)
    .bind(t.effective_date.to_string())
    .bind(t.status.key())
    .bind(time::text(t.created_at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Saves the batch's title, date, status, application time and report.
pub async fn update_transfer(conn: &mut WriteTx, t: &Transfer) -> Result<(), StoreError> {
    let report = t
        .report
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("transfers.result_json: {e}")))?;
    sqlx::query(
        "UPDATE transfers SET title = $2, effective_date = $3, status = $4, applied_at = $5, \
         result_json = $6 WHERE id = $1",
    )
    .bind(t.id.to_string())
    .bind(&t.title)
    .bind(t.effective_date.to_string())
    .bind(t.status.key())
    .bind(t.applied_at.map(time::text))
    .bind(report)
    .execute(conn.connection())
    .await?;
    Ok(())
}

const COLUMNS: &str =
    "id, body_id, title, effective_date, status, created_at, applied_at, result_json";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Transfer, StoreError> {
    let status: String = r.try_get("status")?;
    let created: String = r.try_get("created_at")?;
    let applied: Option<String> = r.try_get("applied_at")?;
    let report: Option<String> = r.try_get("result_json")?;
    Ok(Transfer {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        title: r.try_get("title")?,
        effective_date: date(r, "effective_date")?,
        status: TransferStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("transfers.status: {status}")))?,
        created_at: time::parse("transfers.created_at", &created)?,
        applied_at: applied
            .map(|a| time::parse("transfers.applied_at", &a))
            .transpose()?,
        report: report
            .map(|j| serde_json::from_str::<TransferReport>(&j))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("transfers.result_json: {e}")))?,
    })
}

/// A batch of the body by id; another body's batch is not found.
pub async fn find_transfer(
    conn: &mut impl Reads,
    body: BodyId,
    id: TransferId,
) -> Result<Option<Transfer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM transfers WHERE body_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The body's batches, newest effective date first.
pub async fn list_transfers(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<Transfer>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM transfers WHERE body_id = $1 ORDER BY effective_date DESC, created_at DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(body.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Confirmed batches of every body whose date has come, oldest first.
pub async fn due_transfers(
    conn: &mut impl Reads,
    today: NaiveDate,
) -> Result<Vec<Transfer>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM transfers WHERE status = 'confirmed' AND effective_date <= $1 \
         ORDER BY effective_date, created_at"
    );
    let rows = sqlx::query(&sql)
        .bind(today.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Adds a move, or replaces the person's move in the batch.
pub async fn put_move(
    conn: &mut WriteTx,
    transfer: TransferId,
    m: &Move,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO transfer_moves (transfer_id, person_id, to_unit_id, to_title, to_status) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (transfer_id, person_id) DO UPDATE SET to_unit_id = excluded.to_unit_id, \
         to_title = excluded.to_title, to_status = excluded.to_status",
    )
    .bind(transfer.to_string())
    .bind(m.person.to_string())
    .bind(m.to.unit_id.to_string())
    .bind(&m.to.title)
    .bind(m.to.status.label())
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn delete_move(
    conn: &mut WriteTx,
    transfer: TransferId,
    person: PersonId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM transfer_moves WHERE transfer_id = $1 AND person_id = $2")
        .bind(transfer.to_string())
        .bind(person.to_string())
        .execute(conn.connection())
        .await?;
    Ok(())
}

/// The moves of a batch, by 職員番号.
pub async fn moves(conn: &mut impl Reads, transfer: TransferId) -> Result<Vec<Move>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.person_id AS person_id, m.to_unit_id AS to_unit_id, m.to_title AS to_title, \
         m.to_status AS to_status FROM transfer_moves m JOIN people p ON p.id = m.person_id \
         WHERE m.transfer_id = $1 ORDER BY p.staff_number",
    )
    .bind(transfer.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("to_status")?;
            Ok(Move {
                person: id(r, "person_id")?,
                to: Position {
                    unit_id: id(r, "to_unit_id")?,
                    title: r.try_get("to_title")?,
                    status: PersonStatus::parse(&status).ok_or_else(|| {
                        StoreError::Corrupt(format!("transfer_moves.to_status: {status}"))
                    })?,
                },
            })
        })
        .collect()
}
