//! The risk register: a risk on an asset or a group of assets, and the body's risk settings.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::ids::{AssetId, BodyId, RiskId};
use mamori_domain::risk::{RiskInput, Treatment};
use sqlx::Row;

use crate::org::{id, opt_id};
use crate::{StoreError, time};

/// A risk as stored: the domain's input, its target and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRecord {
    pub id: RiskId,
    pub body_id: BodyId,
    /// The asset the risk concerns, or `None` for an asset group named in `group_name`.
    pub asset_id: Option<AssetId>,
    pub group_name: String,
    pub input: RiskInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn put_risk(conn: &mut WriteTx, r: &RiskRecord) -> Result<(), StoreError> {
    let i = &r.input;
    sqlx::query(
        "INSERT INTO risks (id, body_id, asset_id, group_name, threat, vulnerability, likelihood, \
         impact, required_band, treatment, plan, reason, owner_person_id, due_date, \
         residual_likelihood, residual_impact, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET asset_id = excluded.asset_id, \
         group_name = excluded.group_name, threat = excluded.threat, \
         vulnerability = excluded.vulnerability, likelihood = excluded.likelihood, \
         impact = excluded.impact, required_band = excluded.required_band, \
         treatment = excluded.treatment, plan = excluded.plan, reason = excluded.reason, \
         owner_person_id = excluded.owner_person_id, due_date = excluded.due_date, \
         residual_likelihood = excluded.residual_likelihood, \
         residual_impact = excluded.residual_impact, updated_at = excluded.updated_at",
    )
    .bind(r.id.to_string())
    .bind(r.body_id.to_string())
    .bind(r.asset_id.map(|a| a.to_string()))
    .bind(&r.group_name)
    .bind(&i.threat)
    .bind(&i.vulnerability)
    .bind(&i.likelihood)
    .bind(&i.impact)
    .bind(i.required_band.as_deref())
    .bind(i.treatment.map(Treatment::key))
    .bind(&i.plan)
    .bind(&i.reason)
    .bind(i.owner.map(|p| p.to_string()))
    .bind(i.due.map(|d| d.to_string()))
    .bind(i.residual_likelihood.as_deref())
    .bind(i.residual_impact.as_deref())
    .bind(time::text(r.created_at))
    .bind(time::text(r.updated_at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn delete_risk(
    conn: &mut WriteTx,
    body: BodyId,
    risk: RiskId,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM risks WHERE body_id = $1 AND id = $2")
        .bind(body.to_string())
        .bind(risk.to_string())
        .execute(conn.connection())
        .await?;
    Ok(done.rows_affected() > 0)
}

const RISK_COLUMNS: &str = "id, body_id, asset_id, group_name, threat, vulnerability, likelihood, \
     impact, required_band, treatment, plan, reason, owner_person_id, due_date, \
     residual_likelihood, residual_impact, created_at, updated_at";

fn risk_from_row(r: &sqlx::any::AnyRow) -> Result<RiskRecord, StoreError> {
    let treatment: Option<String> = r.try_get("treatment")?;
    let due: Option<String> = r.try_get("due_date")?;
    let created: String = r.try_get("created_at")?;
    let updated: String = r.try_get("updated_at")?;
    let asset_id: Option<AssetId> = opt_id(r, "asset_id")?;
    let group_name: String = r.try_get("group_name")?;
    Ok(RiskRecord {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        asset_id,
        group_name: group_name.clone(),
        input: RiskInput {
            asset: asset_id.map_or(group_name, |a| a.to_string()),
            threat: r.try_get("threat")?,
            vulnerability: r.try_get("vulnerability")?,
            likelihood: r.try_get("likelihood")?,
            impact: r.try_get("impact")?,
            required_band: r.try_get("required_band")?,
            treatment: treatment
                .map(|t| {
                    Treatment::parse(&t)
                        .map_err(|_| StoreError::Corrupt(format!("risks.treatment: {t}")))
                })
                .transpose()?,
            plan: r.try_get("plan")?,
            reason: r.try_get("reason")?,
            owner: opt_id(r, "owner_person_id")?,
            due: due
                .map(|d| {
                    d.parse::<NaiveDate>()
                        .map_err(|_| StoreError::Corrupt(format!("risks.due_date: {d}")))
                })
                .transpose()?,
            residual_likelihood: r.try_get("residual_likelihood")?,
            residual_impact: r.try_get("residual_impact")?,
        },
        created_at: time::parse("risks.created_at", &created)?,
        updated_at: time::parse("risks.updated_at", &updated)?,
    })
}

/// The body's risks in registration order.
pub async fn list_risks(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<RiskRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE body_id = $1 ORDER BY id"
    ))
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(risk_from_row).collect()
}

/// The risks concerning one asset.
pub async fn risks_of_asset(
    conn: &mut impl Reads,
    asset: AssetId,
) -> Result<Vec<RiskRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE asset_id = $1 ORDER BY id"
    ))
    .bind(asset.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(risk_from_row).collect()
}

pub async fn get_risk(
    conn: &mut impl Reads,
    body: BodyId,
    risk: RiskId,
) -> Result<Option<RiskRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE body_id = $1 AND id = $2"
    ))
    .bind(body.to_string())
    .bind(risk.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.as_ref().map(risk_from_row).transpose()
}

/// The body's risk matrix and threat catalogue as TOML, when the body has set them.
pub async fn risk_settings(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query("SELECT matrix, threats FROM risk_settings WHERE body_id = $1")
        .bind(body.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.map(|r| Ok((r.try_get("matrix")?, r.try_get("threats")?)))
        .transpose()
}

pub async fn put_risk_settings(
    conn: &mut WriteTx,
    body: BodyId,
    matrix: &str,
    threats: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO risk_settings (body_id, matrix, threats, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (body_id) DO UPDATE SET matrix = excluded.matrix, \
         threats = excluded.threats, updated_at = excluded.updated_at",
    )
    .bind(body.to_string())
    .bind(matrix)
    .bind(threats)
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}
