//! お知らせ to people and the e-mail outbox that carries them through SMTP.
//!
//! Notifications are written in the transaction of the change that causes them. Marking one read
//! and recording a send are technical writes (like touching a session), made on a plain
//! connection.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, Utc};
use mamori_domain::ids::{BodyId, MailId, NotificationId, PersonId};
use sqlx::Row;

use crate::org::{id, opt_id};
use crate::{StoreError, time};

/// One お知らせ to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub body_id: BodyId,
    pub person_id: PersonId,
    pub subject: String,
    pub text: String,
    /// A path inside mamori, e.g. `/approvals/…`.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// An e-mail waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: MailId,
    pub body_id: BodyId,
    pub notification_id: Option<NotificationId>,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

fn opt_time(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let raw: Option<String> = r.try_get(column)?;
    raw.map(|v| time::parse(column, &v)).transpose()
}

const NOTIFICATION_COLUMNS: &str =
    "id, body_id, person_id, subject, text, link, created_at, read_at";

fn notification_from_row(r: &sqlx::any::AnyRow) -> Result<Notification, StoreError> {
    let created: String = r.try_get("created_at")?;
    Ok(Notification {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        person_id: id(r, "person_id")?,
        subject: r.try_get("subject")?,
        text: r.try_get("text")?,
        link: r.try_get("link")?,
        created_at: time::parse("created_at", &created)?,
        read_at: opt_time(r, "read_at")?,
    })
}

const MAIL_COLUMNS: &str = "id, body_id, notification_id, to_address, subject, text, created_at, \
     sent_at, attempts, last_error";

fn mail_from_row(r: &sqlx::any::AnyRow) -> Result<OutboxMail, StoreError> {
    let created: String = r.try_get("created_at")?;
    let attempts: i64 = r.try_get("attempts")?;
    Ok(OutboxMail {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        notification_id: opt_id(r, "notification_id")?,
        to_address: r.try_get("to_address")?,
        subject: r.try_get("subject")?,
        text: r.try_get("text")?,
        created_at: time::parse("created_at", &created)?,
        sent_at: opt_time(r, "sent_at")?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error: r.try_get("last_error")?,
    })
}

pub async fn insert_notification(conn: &mut WriteTx, n: &Notification) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (id, body_id, person_id, subject, text, link, created_at, \
         read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(n.id.to_string())
    .bind(n.body_id.to_string())
    .bind(n.person_id.to_string())
    .bind(&n.subject)
    .bind(&n.text)
    .bind(n.link.clone())
    .bind(time::text(n.created_at))
    .bind(n.read_at.map(time::text))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// The person's notifications in the body, newest first, at most `limit`.
pub async fn list_for_person(
    conn: &mut impl Reads,
    body: BodyId,
    person: PersonId,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    let sql = format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE person_id = $1 AND body_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(person.to_string())
        .bind(body.to_string())
        .bind(limit)
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(notification_from_row).collect()
}

/// How many of the person's notifications in the body are unread.
pub async fn unread_count(
    conn: &mut impl Reads,
    body: BodyId,
    person: PersonId,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL \
         AND body_id = $2",
    )
    .bind(person.to_string())
    .bind(body.to_string())
    .fetch_one(conn.connection())
    .await?)
}

/// Marks the person's own notification read (an earlier read time stays). `false` when the
/// person has no notification with that id.
/// Not a change of state: whether a person has seen a notice, on a plain connection.
pub async fn mark_read(
    conn: &mut impl Reads,
    body: BodyId,
    person: PersonId,
    id: NotificationId,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $4) \
         WHERE id = $1 AND person_id = $2 AND body_id = $3",
    )
    .bind(id.to_string())
    .bind(person.to_string())
    .bind(body.to_string())
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks read the person's unread notifications that link to `link` (what they were told about
/// something they have now acted on). Returns how many.
pub async fn mark_read_by_link(
    conn: &mut impl Reads,
    body: BodyId,
    person: PersonId,
    link: &str,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $4 \
         WHERE person_id = $1 AND read_at IS NULL AND body_id = $2 AND link = $3",
    )
    .bind(person.to_string())
    .bind(body.to_string())
    .bind(link)
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(done.rows_affected())
}

/// Whether the person was already told something under `subject` about `link` (so that a
/// reminder of the daily run goes out once).
pub async fn was_told(
    conn: &mut impl Reads,
    body: BodyId,
    person: PersonId,
    link: &str,
    subject: &str,
) -> Result<bool, StoreError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM notifications \
         WHERE person_id = $1 AND body_id = $2 AND link = $3 AND subject = $4 LIMIT 1",
    )
    .bind(person.to_string())
    .bind(body.to_string())
    .bind(link)
    .bind(subject)
    .fetch_optional(conn.connection())
    .await?;
    Ok(found.is_some())
}

pub async fn insert_mail(conn: &mut WriteTx, m: &OutboxMail) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mail_outbox (id, body_id, notification_id, to_address, subject, text, \
         created_at, sent_at, attempts, last_error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(m.id.to_string())
    .bind(m.body_id.to_string())
    .bind(m.notification_id.map(|n| n.to_string()))
    .bind(&m.to_address)
    .bind(&m.subject)
    .bind(&m.text)
    .bind(time::text(m.created_at))
    .bind(m.sent_at.map(time::text))
    .bind(i64::from(m.attempts))
    .bind(m.last_error.clone())
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Mail not sent yet with fewer than `max_attempts` attempts, oldest first, at most `limit`.
pub async fn pending_mail(
    conn: &mut impl Reads,
    max_attempts: u32,
    limit: i64,
) -> Result<Vec<OutboxMail>, StoreError> {
    let sql = format!(
        "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1 \
         ORDER BY created_at, id LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(i64::from(max_attempts))
        .bind(limit)
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(mail_from_row).collect()
}

/// Every mail of the body, oldest first: what was queued, sent and failed.
pub async fn outbox(conn: &mut impl Reads, body: BodyId) -> Result<Vec<OutboxMail>, StoreError> {
    let sql = format!(
        "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE body_id = $1 ORDER BY created_at, id"
    );
    let rows = sqlx::query(&sql)
        .bind(body.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(mail_from_row).collect()
}

pub async fn mark_sent(
    conn: &mut impl Reads,
    id: MailId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL \
         WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Records a failed attempt: the count becomes `attempts` and the error is kept.
pub async fn mark_failed(
    conn: &mut impl Reads,
    id: MailId,
    attempts: u32,
    error: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE mail_outbox SET attempts = $2, last_error = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(i64::from(attempts))
        .bind(error)
        .execute(conn.connection())
        .await?;
    Ok(())
}
