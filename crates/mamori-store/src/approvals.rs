//! Applications of the approvals engine, kept whole as JSON with the columns lists filter on.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, Utc};
use mamori_domain::approval::Application;
use mamori_domain::ids::{ApplicationFileId, ApplicationId, AssetEventId, BodyId, PersonId};
use sqlx::Row;

use crate::org::{id, opt_id};
use crate::{StoreError, time};

fn json(app: &Application) -> Result<String, StoreError> {
    serde_json::to_string(app).map_err(|e| StoreError::Corrupt(format!("applications.data: {e}")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<(Application, Option<AssetEventId>), StoreError> {
    let data: String = r.try_get("data")?;
    let app = serde_json::from_str(&data)
        .map_err(|e| StoreError::Corrupt(format!("applications.data: {e}")))?;
    Ok((app, opt_id(r, "asset_event_id")?))
}

/// Saves a new application (its `version` as given).
pub async fn insert_application(
    conn: &mut WriteTx,
    body: BodyId,
    app: &Application,
    asset_event: Option<AssetEventId>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO applications (id, body_id, number, kind, clause, status, version, \
         applicant_id, asset_event_id, data, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(app.id.to_string())
    .bind(body.to_string())
    .bind(&app.number)
    .bind(&app.kind)
    .bind(&app.clause)
    .bind(app.status.key())
    .bind(i64::from(app.version))
    .bind(app.applicant.to_string())
    .bind(asset_event.map(|e| e.to_string()))
    .bind(json(app)?)
    .bind(time::text(at))
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Saves the application if it is still at `seen` (the version the writer read). `false` when
/// another write came first: nothing was changed.
pub async fn update_application(
    conn: &mut WriteTx,
    app: &Application,
    seen: u32,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE applications SET status = $2, version = $3, data = $4, updated_at = $5 \
         WHERE id = $1 AND version = $6",
    )
    .bind(app.id.to_string())
    .bind(app.status.key())
    .bind(i64::from(app.version))
    .bind(json(app)?)
    .bind(time::text(at))
    .bind(i64::from(seen))
    .execute(conn.connection())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One application of the body, with the asset record it permits.
pub async fn get_application(
    conn: &mut impl Reads,
    body: BodyId,
    id: ApplicationId,
) -> Result<Option<(Application, Option<AssetEventId>)>, StoreError> {
    let row =
        sqlx::query("SELECT data, asset_event_id FROM applications WHERE body_id = $1 AND id = $2")
            .bind(body.to_string())
            .bind(id.to_string())
            .fetch_optional(conn.connection())
            .await?;
    row.as_ref().map(from_row).transpose()
}

/// The body's applications, newest number first: all, of one clause, or in some statuses.
pub async fn list_applications(
    conn: &mut impl Reads,
    body: BodyId,
    clause: Option<&str>,
    statuses: &[&str],
) -> Result<Vec<(Application, Option<AssetEventId>)>, StoreError> {
    let mut sql = "SELECT data, asset_event_id FROM applications WHERE body_id = $1".to_owned();
    let mut binds: Vec<String> = vec![body.to_string()];
    if let Some(c) = clause {
        binds.push(c.to_owned());
        sql.push_str(&format!(" AND clause = ${}", binds.len()));
    }
    if !statuses.is_empty() {
        let mut marks = Vec::new();
        for s in statuses {
            binds.push((*s).to_owned());
            marks.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY number DESC");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(conn.connection()).await?;
    rows.iter().map(from_row).collect()
}

/// One person's applications in the body, newest number first (on the applicant index).
pub async fn applications_of(
    conn: &mut impl Reads,
    body: BodyId,
    applicant: PersonId,
) -> Result<Vec<Application>, StoreError> {
    let rows = sqlx::query(
        "SELECT data, asset_event_id FROM applications \
         WHERE applicant_id = $1 AND body_id = $2 ORDER BY number DESC",
    )
    .bind(applicant.to_string())
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(|r| from_row(r).map(|(a, _)| a)).collect()
}

/// The application that waits for the permission of an asset record, if any.
pub async fn application_of_event(
    conn: &mut impl Reads,
    event: AssetEventId,
) -> Result<Option<ApplicationId>, StoreError> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM applications WHERE asset_event_id = $1")
            .bind(event.to_string())
            .fetch_optional(conn.connection())
            .await?;
    id.map(|v| {
        v.parse()
            .map_err(|_| StoreError::Corrupt(format!("applications.id: {v}")))
    })
    .transpose()
}

/// Takes the next 受付番号 of the body for a fiscal year: 「2026-0001」.
pub async fn next_application_number(
    conn: &mut WriteTx,
    body: BodyId,
    year: i32,
) -> Result<String, StoreError> {
    let current: Option<i64> = sqlx::query_scalar(
        "SELECT next_no FROM application_counters WHERE body_id = $1 AND year = $2",
    )
    .bind(body.to_string())
    .bind(i64::from(year))
    .fetch_optional(conn.connection())
    .await?;
    let next = current.unwrap_or(1);
    if current.is_some() {
        sqlx::query(
            "UPDATE application_counters SET next_no = $3 WHERE body_id = $1 AND year = $2",
        )
        .bind(body.to_string())
        .bind(i64::from(year))
        .bind(next + 1)
        .execute(conn.connection())
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO application_counters (body_id, year, next_no) VALUES ($1, $2, $3)",
        )
        .bind(body.to_string())
        .bind(i64::from(year))
        .bind(next + 1)
        .execute(conn.connection())
        .await?;
    }
    Ok(format!("{year}-{next:04}"))
}

/// A file attached to an application, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFile {
    pub id: ApplicationFileId,
    pub application_id: ApplicationId,
    /// The attachment field it was given in.
    pub field_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, recorded in the audit trail.
    pub sha256: String,
    pub uploaded_by: PersonId,
    pub uploaded_at: DateTime<Utc>,
}

const FILE_COLUMNS: &str = "id, application_id, field_key, file_name, content_type, size_bytes, \
     sha256, uploaded_by, uploaded_at";

fn file_from_row(r: &sqlx::any::AnyRow) -> Result<ApplicationFile, StoreError> {
    let at: String = r.try_get("uploaded_at")?;
    Ok(ApplicationFile {
        id: id(r, "id")?,
        application_id: id(r, "application_id")?,
        field_key: r.try_get("field_key")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        uploaded_by: id(r, "uploaded_by")?,
        uploaded_at: time::parse("application_files.uploaded_at", &at)?,
    })
}

/// Saves an attached file (the application must exist).
pub async fn insert_file(
    conn: &mut WriteTx,
    body: BodyId,
    file: &ApplicationFile,
    content: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_files (id, body_id, application_id, field_key, file_name, \
         content_type, size_bytes, sha256, content, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(file.id.to_string())
    .bind(body.to_string())
    .bind(file.application_id.to_string())
    .bind(&file.field_key)
    .bind(&file.file_name)
    .bind(&file.content_type)
    .bind(file.size_bytes)
    .bind(&file.sha256)
    .bind(content.to_vec())
    .bind(file.uploaded_by.to_string())
    .bind(time::text(file.uploaded_at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// The files attached to an application, oldest first.
pub async fn files_of(
    conn: &mut impl Reads,
    body: BodyId,
    application: ApplicationId,
) -> Result<Vec<ApplicationFile>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {FILE_COLUMNS} FROM application_files \
         WHERE body_id = $1 AND application_id = $2 ORDER BY id"
    ))
    .bind(body.to_string())
    .bind(application.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(file_from_row).collect()
}

/// One attached file of an application, with its bytes.
pub async fn file_content(
    conn: &mut impl Reads,
    body: BodyId,
    application: ApplicationId,
    file: ApplicationFileId,
) -> Result<Option<(ApplicationFile, Vec<u8>)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {FILE_COLUMNS}, content FROM application_files \
         WHERE body_id = $1 AND application_id = $2 AND id = $3"
    ))
    .bind(body.to_string())
    .bind(application.to_string())
    .bind(file.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.map(|r| Ok((file_from_row(&r)?, r.try_get("content")?)))
        .transpose()
}
