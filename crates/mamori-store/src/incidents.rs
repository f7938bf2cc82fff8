//! 情報セキュリティインシデント, kept whole as JSON with the columns the ledger and the escalation
//! run filter on, the people each names, and its files.

use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::ids::{BodyId, IncidentFileId, IncidentId, PersonId};
use mamori_domain::incident::{FileRef, Incident, Status};
use sqlx::Row;

use crate::db::sealed::Sealed as _;
use crate::{Reads, StoreError, WriteTx, time};

/// The most incidents one list returns.
pub const LIST_LIMIT: i64 = 2_000;

fn json(i: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(i).map_err(|e| StoreError::Corrupt(format!("incidents.data: {e}")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Incident, StoreError> {
    let data: String = r.try_get("data")?;
    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("incidents.data: {e}")))
}

fn category(i: &Incident) -> &str {
    i.triage.as_ref().map_or("", |t| t.category.as_str())
}

fn severity(i: &Incident) -> &str {
    i.triage.as_ref().map_or("", |t| t.severity.as_str())
}

fn next_lapse(i: &Incident) -> Option<String> {
    if !i.status.is_open() {
        return None;
    }
    i.next_lapse().map(time::text)
}

async fn write_people(conn: &mut WriteTx, i: &Incident) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM incident_people WHERE incident_id = $1")
        .bind(i.id.to_string())
        .execute(conn.connection())
        .await?;
    for person in i.people() {
        sqlx::query(
            "INSERT INTO incident_people (incident_id, body_id, person_id) VALUES ($1, $2, $3)",
        )
        .bind(i.id.to_string())
        .bind(i.body_id.to_string())
        .bind(person.to_string())
        .execute(conn.connection())
        .await?;
    }
    Ok(())
}

/// Saves a new incident with the people it names.
pub async fn insert_incident(
    conn: &mut WriteTx,
    i: &Incident,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO incidents (id, body_id, number, status, category, severity, reported_at, \
         next_due, next_lapse, data, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(i.id.to_string())
    .bind(i.body_id.to_string())
    .bind(&i.number)
    .bind(i.status.key())
    .bind(category(i))
    .bind(severity(i))
    .bind(time::text(i.reported_at))
    .bind(i.next_due().map(|d| d.to_string()))
    .bind(next_lapse(i))
    .bind(json(i)?)
    .bind(i64::from(i.version))
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    write_people(conn, i).await
}

/// Writes the incident's next state if it is still at the version `seen`; `false` when someone
/// changed it in between.
pub async fn update_incident(
    conn: &mut WriteTx,
    i: &Incident,
    seen: u32,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE incidents SET status = $3, category = $4, severity = $5, next_due = $6, \
         next_lapse = $7, data = $8, version = $9, updated_at = $10 \
         WHERE id = $1 AND body_id = $2 AND version = $11",
    )
    .bind(i.id.to_string())
    .bind(i.body_id.to_string())
    .bind(i.status.key())
    .bind(category(i))
    .bind(severity(i))
    .bind(i.next_due().map(|d| d.to_string()))
    .bind(next_lapse(i))
    .bind(json(i)?)
    .bind(i64::from(i.version))
    .bind(time::text(at))
    .bind(i64::from(seen))
    .execute(conn.connection())
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    write_people(conn, i).await?;
    Ok(true)
}

/// One incident of the body.
pub async fn find_incident(
    conn: &mut impl Reads,
    body: BodyId,
    id: IncidentId,
) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query("SELECT data FROM incidents WHERE body_id = $1 AND id = $2")
        .bind(body.to_string())
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The incident of the body with this number.
pub async fn find_by_number(
    conn: &mut impl Reads,
    body: BodyId,
    number: &str,
) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query("SELECT data FROM incidents WHERE body_id = $1 AND number = $2")
        .bind(body.to_string())
        .bind(number)
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// What a list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub statuses: Vec<Status>,
    pub category: Option<String>,
    /// Reported from this instant (inclusive) …
    pub from: Option<DateTime<Utc>>,
    /// … to this one (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// Only the incidents that name this person.
    pub naming: Option<PersonId>,
}

/// The body's incidents by the filter, the latest reported first (at most [`LIST_LIMIT`]).
pub async fn list_incidents(
    conn: &mut impl Reads,
    body: BodyId,
    filter: &IncidentFilter,
) -> Result<Vec<Incident>, StoreError> {
    let mut sql = String::from("SELECT i.data AS data FROM incidents i WHERE i.body_id = $1");
    let mut binds: Vec<String> = vec![body.to_string()];
    let next = |value: String, binds: &mut Vec<String>| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if !filter.statuses.is_empty() {
        let marks: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| next(s.key().to_owned(), &mut binds))
            .collect();
        sql.push_str(&format!(" AND i.status IN ({})", marks.join(", ")));
    }
    if let Some(c) = &filter.category {
        let m = next(c.clone(), &mut binds);
        sql.push_str(&format!(" AND i.category = {m}"));
    }
    if let Some(from) = filter.from {
        let m = next(time::text(from), &mut binds);
        sql.push_str(&format!(" AND i.reported_at >= {m}"));
    }
    if let Some(until) = filter.until {
        let m = next(time::text(until), &mut binds);
        sql.push_str(&format!(" AND i.reported_at < {m}"));
    }
    if let Some(person) = filter.naming {
        let m = next(person.to_string(), &mut binds);
        sql.push_str(&format!(
            " AND i.id IN (SELECT p.incident_id FROM incident_people p \
             WHERE p.body_id = $1 AND p.person_id = {m})"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY i.reported_at DESC, i.id DESC LIMIT {LIST_LIMIT}"
    ));
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.clone());
    }
    let rows = query.fetch_all(conn.connection()).await?;
    rows.iter().map(from_row).collect()
}

/// Open incidents, of any body, with a chain step that lapses at or before `now`.
pub async fn lapsed(
    conn: &mut impl Reads,
    now: DateTime<Utc>,
) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM incidents WHERE next_lapse IS NOT NULL AND next_lapse <= $1 \
         ORDER BY next_lapse LIMIT 500",
    )
    .bind(time::text(now))
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Open incidents of the body with a report outside due on or before `day` and not sent.
pub async fn due_by(
    conn: &mut impl Reads,
    body: BodyId,
    day: NaiveDate,
) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM incidents WHERE body_id = $1 AND next_due IS NOT NULL \
         AND next_due <= $2 AND status IN ('reported', 'handling') ORDER BY next_due, id",
    )
    .bind(body.to_string())
    .bind(day.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Takes the next number of the body for a 年度: 「INC-2026-0001」.
pub async fn next_incident_number(
    conn: &mut WriteTx,
    body: BodyId,
    year: i32,
) -> Result<String, StoreError> {
    let current: Option<i64> = sqlx::query_scalar(
        "SELECT next_no FROM incident_counters WHERE body_id = $1 AND year = $2",
    )
    .bind(body.to_string())
    .bind(i64::from(year))
    .fetch_optional(conn.connection())
    .await?;
    let next = current.unwrap_or(1);
    let sql = if current.is_some() {
        "UPDATE incident_counters SET next_no = $3 WHERE body_id = $1 AND year = $2"
    } else {
        "INSERT INTO incident_counters (body_id, year, next_no) VALUES ($1, $2, $3)"
    };
    sqlx::query(sql)
        .bind(body.to_string())
        .bind(i64::from(year))
        .bind(next + 1)
        .execute(conn.connection())
        .await?;
    Ok(format!("INC-{year}-{next:04}"))
}

/// Keeps a file of an incident (evidence, a copy of a report sent).
pub async fn insert_file(
    conn: &mut WriteTx,
    body: BodyId,
    incident: IncidentId,
    file: &FileRef,
    content_type: &str,
    content: &[u8],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO incident_files (id, incident_id, body_id, file_name, content_type, \
         size_bytes, sha256, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(file.id.to_string())
    .bind(incident.to_string())
    .bind(body.to_string())
    .bind(&file.name)
    .bind(content_type)
    .bind(i64::try_from(file.size_bytes).unwrap_or(i64::MAX))
    .bind(&file.sha256)
    .bind(content.to_vec())
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// A file of an incident of the body: its name, type and bytes.
pub async fn file(
    conn: &mut impl Reads,
    body: BodyId,
    incident: IncidentId,
    id: IncidentFileId,
) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
    let row = sqlx::query(
        "SELECT file_name, content_type, content FROM incident_files \
         WHERE body_id = $1 AND incident_id = $2 AND id = $3",
    )
    .bind(body.to_string())
    .bind(incident.to_string())
    .bind(id.to_string())
    .fetch_optional(conn.connection())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((
        row.try_get("file_name")?,
        row.try_get("content_type")?,
        row.try_get("content")?,
    )))
}
