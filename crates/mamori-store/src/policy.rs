//! Policy editions and their acknowledgement by staff.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::ids::{BodyId, EditionId, PersonId};
use mamori_domain::policy::{
    Decision, Edition, EditionNumber, EditionStatus, Profile, RevisionKind, SendBack,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{StoreError, time};

const COLUMNS: &str = "id, body_id, number, title, status, revision_kind, based_on, decision_json, \
                       effective_from, profile_json, created_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("policy_editions.{what}: {e}"))
}

/// What `decision_json` keeps: the edition's 決裁 and its 差戻し with their comments.
#[derive(Serialize, Deserialize)]
struct Review {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    send_backs: Vec<SendBack>,
}

/// `decision_json` as rows hold it: rows written before 差戻し were recorded hold the decision
/// object alone. The bare form is tried first, because every `Review` field is optional.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredReview {
    Bare(Decision),
    Review(Review),
}

impl From<StoredReview> for Review {
    fn from(stored: StoredReview) -> Self {
        match stored {
            StoredReview::Bare(decision) => Review {
                decision: Some(decision),
                send_backs: Vec::new(),
            },
            StoredReview::Review(review) => review,
        }
    }
}

/// The edition's profile and review (決裁, 差戻し) as the JSON text the table keeps.
fn json_columns(e: &Edition) -> Result<(String, Option<String>), StoreError> {
    let profile = serde_json::to_string(&e.profile).map_err(|x| corrupt("profile", x))?;
    let review = if e.decision.is_none() && e.send_backs.is_empty() {
        None
    } else {
        let review = Review {
            decision: e.decision.clone(),
            send_backs: e.send_backs.clone(),
        };
        Some(serde_json::to_string(&review).map_err(|x| corrupt("decision", x))?)
    };
    Ok((profile, review))
}

pub async fn insert_edition(
    conn: &mut WriteTx,
    e: &Edition,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (profile, decision) = json_columns(e)?;
    sqlx::query(
        "INSERT INTO policy_editions (id, body_id, number, title, status, revision_kind, based_on, \
         decision_json, effective_from, profile_json, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.id.to_string())
    .bind(e.body_id.to_string())
    .bind(i64::from(e.number.get()))
    .bind(&e.title)
    .bind(e.status.key())
    .bind(e.revision_kind.key())
    .bind(e.based_on.map(|n| i64::from(n.get())))
    .bind(decision)
    .bind(e.effective_from.map(|d| d.to_string()))
    .bind(profile)
    .bind(time::text(e.created_at))
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Saves an edition's changeable parts. `expected` is the status it was read with: if another
/// transaction moved it meanwhile, nothing is written and `Conflict` is returned.
pub async fn update_edition(
    conn: &mut WriteTx,
    e: &Edition,
    expected: EditionStatus,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (profile, decision) = json_columns(e)?;
    let done = sqlx::query(
        "UPDATE policy_editions SET title = $1, status = $2, revision_kind = $3, decision_json = $4, \
         effective_from = $5, profile_json = $6, updated_at = $7 WHERE id = $8 AND status = $9",
    )
    .bind(&e.title)
    .bind(e.status.key())
    .bind(e.revision_kind.key())
    .bind(decision)
    .bind(e.effective_from.map(|d| d.to_string()))
    .bind(profile)
    .bind(time::text(at))
    .bind(e.id.to_string())
    .bind(expected.key())
    .execute(conn.connection())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "{} was changed by someone else",
            e.number
        )));
    }
    Ok(())
}

pub async fn find_edition(
    conn: &mut impl Reads,
    body: BodyId,
    number: EditionNumber,
) -> Result<Option<Edition>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM policy_editions WHERE body_id = $1 AND number = $2");
    let row = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(i64::from(number.get()))
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// All editions of a body, newest first.
pub async fn list_editions(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<Edition>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM policy_editions WHERE body_id = $1 ORDER BY number DESC");
    let rows = sqlx::query(&sql)
        .bind(body.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The stamp of what the body's rules are derived from (migration 0015): it changes with every
/// write to the policy editions and the organization, in the writing transaction. Equal stamps
/// mean nothing of it changed in between.
pub async fn rule_stamp(conn: &mut impl Reads) -> Result<String, StoreError> {
    let row = sqlx::query("SELECT stamp FROM rule_stamps WHERE scope = 'rules'")
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("stamp")?)
}

/// The profile text of the edition that rules the body: the one in force, else the newest. One
/// indexed row, unparsed, so a caller can tell whether what it derived from it still holds.
pub async fn ruling_profile_json(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT profile_json FROM policy_editions WHERE body_id = $1 \
         ORDER BY CASE WHEN status = 'in_force' THEN 0 ELSE 1 END, number DESC LIMIT 1",
    )
    .bind(body.to_string())
    .fetch_optional(conn.connection())
    .await?;
    Ok(row.map(|r| r.try_get("profile_json")).transpose()?)
}

/// A profile as stored.
pub fn parse_profile(json: &str) -> Result<Profile, StoreError> {
    serde_json::from_str::<Profile>(json).map_err(|e| corrupt("profile_json", e))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Edition, StoreError> {
    let id: String = row.try_get("id")?;
    let body_id: String = row.try_get("body_id")?;
    let number: i64 = row.try_get("number")?;
    let status: String = row.try_get("status")?;
    let kind: String = row.try_get("revision_kind")?;
    let based_on: Option<i64> = row.try_get("based_on")?;
    let decision: Option<String> = row.try_get("decision_json")?;
    let effective_from: Option<String> = row.try_get("effective_from")?;
    let profile: String = row.try_get("profile_json")?;
    let created_at: String = row.try_get("created_at")?;
    let review: Review = decision
        .map(|d| serde_json::from_str::<StoredReview>(&d))
        .transpose()
        .map_err(|e| corrupt("decision_json", e))?
        .map_or(
            Review {
                decision: None,
                send_backs: Vec::new(),
            },
            Review::from,
        );
    let number_of = |n: i64| {
        u32::try_from(n)
            .map_err(|e| corrupt("number", e))
            .and_then(|n| EditionNumber::new(n).map_err(|e| corrupt("number", e)))
    };
    Ok(Edition {
        id: id.parse().map_err(|e| corrupt("id", e))?,
        body_id: body_id.parse().map_err(|e| corrupt("body_id", e))?,
        number: number_of(number)?,
        title: row.try_get("title")?,
        status: EditionStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        revision_kind: RevisionKind::parse(&kind).ok_or_else(|| corrupt("revision_kind", &kind))?,
        based_on: based_on.map(number_of).transpose()?,
        decision: review.decision,
        send_backs: review.send_backs,
        effective_from: effective_from
            .map(|d| d.parse::<NaiveDate>())
            .transpose()
            .map_err(|e| corrupt("effective_from", e))?,
        profile: parse_profile(&profile)?,
        created_at: time::parse("policy_editions.created_at", &created_at)?,
    })
}

pub async fn publish(
    conn: &mut WriteTx,
    edition: EditionId,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policy_publications (edition_id, published_at, published_by) VALUES ($1, $2, $3)",
    )
    .bind(edition.to_string())
    .bind(time::text(at))
    .bind(by)
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// When the edition was published to staff (周知), if it was.
pub async fn published_at(
    conn: &mut impl Reads,
    edition: EditionId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query("SELECT published_at FROM policy_publications WHERE edition_id = $1")
        .bind(edition.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.map(|r| {
        let t: String = r.try_get("published_at")?;
        time::parse("policy_publications.published_at", &t)
    })
    .transpose()
}

pub async fn acknowledge(
    conn: &mut WriteTx,
    edition: EditionId,
    person: PersonId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policy_acknowledgements (edition_id, person_id, acknowledged_at) VALUES ($1, $2, $3)",
    )
    .bind(edition.to_string())
    .bind(person.to_string())
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn acknowledged_at(
    conn: &mut impl Reads,
    edition: EditionId,
    person: PersonId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query(
        "SELECT acknowledged_at FROM policy_acknowledgements WHERE edition_id = $1 AND person_id = $2",
    )
    .bind(edition.to_string())
    .bind(person.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.map(|r| {
        let t: String = r.try_get("acknowledged_at")?;
        time::parse("policy_acknowledgements.acknowledged_at", &t)
    })
    .transpose()
}

/// One unit's acknowledgement count for an edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAcknowledgement {
    pub unit_id: String,
    pub parent_id: Option<String>,
    pub unit_name: String,
    pub kind: String,
    pub staff: i64,
    pub acknowledged: i64,
}

/// Per unit, in the body's unit order: how many serving staff there are and how many have
/// acknowledged the edition.
pub async fn acknowledgement_rollup(
    conn: &mut impl Reads,
    body: BodyId,
    edition: EditionId,
) -> Result<Vec<UnitAcknowledgement>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id AS id, u.parent_id AS parent_id, u.name AS name, u.kind AS kind, \
         COUNT(p.id) AS staff, COUNT(a.person_id) AS acknowledged \
         FROM org_units u \
         LEFT JOIN people p ON p.unit_id = u.id AND p.status = '在職' \
         LEFT JOIN policy_acknowledgements a ON a.person_id = p.id AND a.edition_id = $2 \
         WHERE u.body_id = $1 \
         GROUP BY u.id, u.parent_id, u.name, u.kind, u.sort_order ORDER BY u.sort_order",
    )
    .bind(body.to_string())
    .bind(edition.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnitAcknowledgement {
                unit_id: r.try_get("id")?,
                parent_id: r.try_get("parent_id")?,
                unit_name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                staff: r.try_get("staff")?,
                acknowledged: r.try_get("acknowledged")?,
            })
        })
        .collect()
}

/// Serving staff of a unit who have not acknowledged the edition: name and 職名.
pub async fn not_acknowledged(
    conn: &mut impl Reads,
    unit_id: &str,
    edition: EditionId,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.name AS name, p.title AS title FROM people p \
         WHERE p.unit_id = $1 AND p.status = '在職' AND NOT EXISTS ( \
           SELECT 1 FROM policy_acknowledgements a WHERE a.person_id = p.id AND a.edition_id = $2) \
         ORDER BY p.staff_number",
    )
    .bind(unit_id)
    .bind(edition.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("title")?)))
        .collect()
}
