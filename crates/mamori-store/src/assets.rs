//! The 情報資産台帳, its lifecycle records, and the risk register.
//!
//! The register is built for a million rows a body: lists are keyset pages on the asset id
//! (UUIDv7, so registration order), each filter walks its own composite index, and the class
//! filter walks `asset_levels`, whose rows the caller derives from the scheme. Nothing here knows
//! the scheme: a classification is stored as its `(axis, level)` keys.

use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::asset::{AssetKind, AssetStatus, DocumentType, NetworkSegment, Safeguards};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId, BodyId, OrgUnitId, PersonId, RiskId};
use mamori_domain::risk::{RiskInput, Treatment};
use sqlx::{AnyConnection, Row};

use crate::org::{id, opt_id};
use crate::{StoreError, time};

/// An asset as stored: the domain's fields, the 管理番号, and the classification as keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    pub id: AssetId,
    pub body_id: BodyId,
    pub asset_no: String,
    pub kind: AssetKind,
    pub name: String,
    pub description: String,
    pub owner_unit: Option<OrgUnitId>,
    pub location: String,
    pub segment: NetworkSegment,
    /// `(axis key, level key)` pairs in the scheme's axis order.
    pub classification: Vec<(String, String)>,
    /// 保存期間 as written: 「5年」, 「永年」, empty for none.
    pub retention: String,
    pub status: AssetStatus,
    pub document_type: Option<DocumentType>,
    pub safeguards: Safeguards,
    /// 複製元, in the order given. Filled by [`get_asset`] and the `*_with_links` reads only.
    pub derived_from: Vec<AssetId>,
    /// The assets a medium holds. Filled like `derived_from`.
    pub holds: Vec<AssetId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The filters of the register. All given filters apply together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub unit: Option<OrgUnitId>,
    /// Only assets without an owner unit.
    pub no_unit: bool,
    pub kind: Option<AssetKind>,
    pub segment: Option<NetworkSegment>,
    pub status: Option<AssetStatus>,
    /// 「○○以上」: an `(axis, level)` row of `asset_levels`.
    pub at_least: Option<(String, String)>,
    /// Part of the name or the 管理番号, without regard to the case of Latin letters (the same
    /// on both backends).
    pub text: Option<String>,
}

const RELATION_COPY: &str = "derived_from";
const RELATION_HOLDS: &str = "holds";

fn classification_text(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(a, l)| format!("{a}={l}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn classification_pairs(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(a, l)| (a.to_owned(), l.to_owned()))
                .ok_or_else(|| StoreError::Corrupt(format!("assets.classification: {text}")))
        })
        .collect()
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Registers an asset with its links and its class-filter rows.
pub async fn insert_asset(
    conn: &mut AnyConnection,
    asset: &AssetRecord,
    levels: &[(String, String)],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO assets (id, body_id, asset_no, kind, name, description, owner_unit_id, \
         location, segment, classification, retention, status, document_type, encrypted, \
         locked_storage, backup, recovery_target_hours, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19)",
    )
    .bind(asset.id.to_string())
    .bind(asset.body_id.to_string())
    .bind(&asset.asset_no)
    .bind(asset.kind.key())
    .bind(&asset.name)
    .bind(&asset.description)
    .bind(asset.owner_unit.map(|u| u.to_string()))
    .bind(&asset.location)
    .bind(asset.segment.key())
    .bind(classification_text(&asset.classification))
    .bind(&asset.retention)
    .bind(asset.status.key())
    .bind(asset.document_type.map(|d| d.key()))
    .bind(flag(asset.safeguards.encrypted))
    .bind(flag(asset.safeguards.locked_storage))
    .bind(flag(asset.safeguards.backup))
    .bind(asset.safeguards.recovery_target_hours.map(i64::from))
    .bind(time::text(asset.created_at))
    .bind(time::text(asset.updated_at))
    .execute(&mut *conn)
    .await?;
    put_links(conn, asset).await?;
    put_levels(conn, asset.body_id, asset.id, levels).await
}

/// Saves every field of an existing asset, its links and its class-filter rows.
pub async fn update_asset(
    conn: &mut AnyConnection,
    asset: &AssetRecord,
    levels: &[(String, String)],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE assets SET asset_no = $2, kind = $3, name = $4, description = $5, \
         owner_unit_id = $6, location = $7, segment = $8, classification = $9, retention = $10, \
         status = $11, document_type = $12, encrypted = $13, locked_storage = $14, backup = $15, \
         recovery_target_hours = $16, updated_at = $17 WHERE id = $1",
    )
    .bind(asset.id.to_string())
    .bind(&asset.asset_no)
    .bind(asset.kind.key())
    .bind(&asset.name)
    .bind(&asset.description)
    .bind(asset.owner_unit.map(|u| u.to_string()))
    .bind(&asset.location)
    .bind(asset.segment.key())
    .bind(classification_text(&asset.classification))
    .bind(&asset.retention)
    .bind(asset.status.key())
    .bind(asset.document_type.map(|d| d.key()))
    .bind(flag(asset.safeguards.encrypted))
    .bind(flag(asset.safeguards.locked_storage))
    .bind(flag(asset.safeguards.backup))
    .bind(asset.safeguards.recovery_target_hours.map(i64::from))
    .bind(time::text(asset.updated_at))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM asset_links WHERE asset_id = $1")
        .bind(asset.id.to_string())
        .execute(&mut *conn)
        .await?;
    put_links(conn, asset).await?;
    put_level_rows(conn, asset.body_id, asset.id, levels).await
}

async fn put_links(conn: &mut AnyConnection, asset: &AssetRecord) -> Result<(), StoreError> {
    for (relation, list) in [
        (RELATION_COPY, &asset.derived_from),
        (RELATION_HOLDS, &asset.holds),
    ] {
        for (position, source) in list.iter().enumerate() {
            sqlx::query(
                "INSERT INTO asset_links (asset_id, relation, source_id, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(asset.id.to_string())
            .bind(relation)
            .bind(source.to_string())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Replaces the class-filter rows of one asset.
pub async fn put_level_rows(
    conn: &mut AnyConnection,
    body: BodyId,
    asset: AssetId,
    levels: &[(String, String)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM asset_levels WHERE asset_id = $1")
        .bind(asset.to_string())
        .execute(&mut *conn)
        .await?;
    put_levels(conn, body, asset, levels).await
}

async fn put_levels(
    conn: &mut AnyConnection,
    body: BodyId,
    asset: AssetId,
    levels: &[(String, String)],
) -> Result<(), StoreError> {
    for (axis, level) in levels {
        sqlx::query(
            "INSERT INTO asset_levels (body_id, axis, level, asset_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(body.to_string())
        .bind(axis)
        .bind(level)
        .bind(asset.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

const COLUMNS: &str = "a.id AS id, a.body_id AS body_id, a.asset_no AS asset_no, a.kind AS kind, \
     a.name AS name, a.description AS description, a.owner_unit_id AS owner_unit_id, \
     a.location AS location, a.segment AS segment, a.classification AS classification, \
     a.retention AS retention, a.status AS status, a.document_type AS document_type, \
     a.encrypted AS encrypted, a.locked_storage AS locked_storage, a.backup AS backup, \
     a.recovery_target_hours AS recovery_target_hours, a.created_at AS created_at, \
     a.updated_at AS updated_at";

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("assets.{column}: {value}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<AssetRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    let segment: String = r.try_get("segment")?;
    let status: String = r.try_get("status")?;
    let document_type: Option<String> = r.try_get("document_type")?;
    let classification: String = r.try_get("classification")?;
    let created: String = r.try_get("created_at")?;
    let updated: String = r.try_get("updated_at")?;
    let hours: Option<i64> = r.try_get("recovery_target_hours")?;
    let encrypted: i64 = r.try_get("encrypted")?;
    let locked: i64 = r.try_get("locked_storage")?;
    let backup: i64 = r.try_get("backup")?;
    Ok(AssetRecord {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        asset_no: r.try_get("asset_no")?,
        kind: AssetKind::parse(&kind).map_err(|_| corrupt("kind", &kind))?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        owner_unit: opt_id(r, "owner_unit_id")?,
        location: r.try_get("location")?,
        segment: NetworkSegment::parse(&segment).map_err(|_| corrupt("segment", &segment))?,
        classification: classification_pairs(&classification)?,
        retention: r.try_get("retention")?,
        status: AssetStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
        document_type: document_type
            .map(|d| DocumentType::parse(&d).map_err(|_| corrupt("document_type", &d)))
            .transpose()?,
        safeguards: Safeguards {
            encrypted: encrypted != 0,
            locked_storage: locked != 0,
            backup: backup != 0,
            recovery_target_hours: hours
                .map(|h| u32::try_from(h).map_err(|_| corrupt("recovery_target_hours", "")))
                .transpose()?,
        },
        derived_from: Vec::new(),
        holds: Vec::new(),
        created_at: time::parse("assets.created_at", &created)?,
        updated_at: time::parse("assets.updated_at", &updated)?,
    })
}

/// One asset of the body, with its links.
pub async fn get_asset(
    conn: &mut AnyConnection,
    body: BodyId,
    asset: AssetId,
) -> Result<Option<AssetRecord>, StoreError> {
    // The asset and its links in one statement: one row per link (one row without any).
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, l.relation AS link_relation, l.source_id AS link_source \
         FROM assets a LEFT JOIN asset_links l ON l.asset_id = a.id \
         WHERE a.body_id = $1 AND a.id = $2 ORDER BY l.relation, l.position"
    ))
    .bind(body.to_string())
    .bind(asset.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut record = from_row(first)?;
    for r in &rows {
        let relation: Option<String> = r.try_get("link_relation")?;
        let Some(relation) = relation else { continue };
        let source: AssetId = id(r, "link_source")?;
        if relation == RELATION_HOLDS {
            record.holds.push(source);
        } else {
            record.derived_from.push(source);
        }
    }
    Ok(Some(record))
}

/// Several assets of the body by id, with links (for sources and media); missing ids are left out.
pub async fn get_assets(
    conn: &mut AnyConnection,
    body: BodyId,
    ids: &[AssetId],
) -> Result<Vec<AssetRecord>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for asset in ids {
        if let Some(record) = get_asset(conn, body, *asset).await? {
            out.push(record);
        }
    }
    Ok(out)
}

/// The asset with this 管理番号, with its links.
pub async fn find_by_number(
    conn: &mut AnyConnection,
    body: BodyId,
    asset_no: &str,
) -> Result<Option<AssetRecord>, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM assets WHERE body_id = $1 AND asset_no = $2")
            .bind(body.to_string())
            .bind(asset_no)
            .fetch_optional(&mut *conn)
            .await?;
    match found {
        None => Ok(None),
        Some(raw) => {
            let asset: AssetId = raw.parse().map_err(|_| corrupt("id", &raw))?;
            get_asset(conn, body, asset).await
        }
    }
}

/// The assets that name `asset` as their 複製元 or hold it: `(relation, asset id, 管理番号, name)`.
pub async fn dependents(
    conn: &mut AnyConnection,
    asset: AssetId,
) -> Result<Vec<(String, AssetId, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT l.relation AS relation, a.id AS id, a.asset_no AS asset_no, a.name AS name \
         FROM asset_links l JOIN assets a ON a.id = l.asset_id WHERE l.source_id = $1 \
         ORDER BY a.asset_no",
    )
    .bind(asset.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("relation")?,
                id(r, "id")?,
                r.try_get("asset_no")?,
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A page of the register after `after` (exclusive) in registration order, at most `limit` rows.
/// Links are not filled. The page is one index range scan for each filter the register offers.
pub async fn list_assets(
    conn: &mut AnyConnection,
    body: BodyId,
    filter: &AssetFilter,
    after: Option<AssetId>,
    limit: i64,
) -> Result<Vec<AssetRecord>, StoreError> {
    let mut binds: Vec<Option<String>> = vec![Some(body.to_string())];
    let mut sql = String::new();
    let key;
    if let Some((axis, level)) = &filter.at_least {
        binds.push(Some(axis.clone()));
        binds.push(Some(level.clone()));
        sql.push_str(&format!(
            "SELECT {COLUMNS} FROM asset_levels l JOIN assets a ON a.id = l.asset_id \
             WHERE l.body_id = $1 AND l.axis = $2 AND l.level = $3"
        ));
        key = "l.asset_id";
    } else {
        sql.push_str(&format!(
            "SELECT {COLUMNS} FROM assets a WHERE a.body_id = $1"
        ));
        key = "a.id";
    }
    let mut push = |sql: &mut String, clause: &str, value: Option<String>| {
        binds.push(value);
        sql.push_str(&clause.replace("?", &format!("${}", binds.len())));
    };
    if let Some(unit) = filter.unit {
        push(&mut sql, " AND a.owner_unit_id = ?", Some(unit.to_string()));
    }
    if filter.no_unit {
        sql.push_str(" AND a.owner_unit_id IS NULL");
    }
    if let Some(kind) = filter.kind {
        push(&mut sql, " AND a.kind = ?", Some(kind.key().to_owned()));
    }
    if let Some(segment) = filter.segment {
        push(
            &mut sql,
            " AND a.segment = ?",
            Some(segment.key().to_owned()),
        );
    }
    if let Some(status) = filter.status {
        push(&mut sql, " AND a.status = ?", Some(status.key().to_owned()));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = like_pattern(text);
        push(
            &mut sql,
            " AND (LOWER(a.name) LIKE LOWER(?) ESCAPE '\\'",
            Some(pattern.clone()),
        );
        push(
            &mut sql,
            " OR LOWER(a.asset_no) LIKE LOWER(?) ESCAPE '\\')",
            Some(pattern),
        );
    }
    if let Some(after) = after {
        push(
            &mut sql,
            &format!(" AND {key} > ?"),
            Some(after.to_string()),
        );
    }
    sql.push_str(&format!(" ORDER BY {key} LIMIT {}", limit.max(1)));
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Every asset of the body, a chunk at a time in registration order, with links: for exports
/// and the rule checks over the whole register.
pub async fn chunk_with_links(
    conn: &mut AnyConnection,
    body: BodyId,
    after: Option<AssetId>,
    limit: i64,
) -> Result<Vec<AssetRecord>, StoreError> {
    let mut records = list_assets(conn, body, &AssetFilter::default(), after, limit).await?;
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Ok(records);
    };
    let rows = sqlx::query(
        "SELECT l.asset_id AS asset_id, l.relation AS relation, l.source_id AS source_id \
         FROM asset_links l JOIN assets a ON a.id = l.asset_id \
         WHERE a.body_id = $1 AND l.asset_id >= $2 AND l.asset_id <= $3 \
         ORDER BY l.asset_id, l.relation, l.position",
    )
    .bind(body.to_string())
    .bind(first.id.to_string())
    .bind(last.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let index: std::collections::HashMap<AssetId, usize> =
        records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for r in &rows {
        let owner: AssetId = id(r, "asset_id")?;
        let relation: String = r.try_get("relation")?;
        let source: AssetId = id(r, "source_id")?;
        if let Some(&i) = index.get(&owner) {
            if relation == RELATION_HOLDS {
                records[i].holds.push(source);
            } else {
                records[i].derived_from.push(source);
            }
        }
    }
    Ok(records)
}

/// `(id, 管理番号)` of the body's assets whose numbers are in `numbers`.
pub async fn ids_by_number(
    conn: &mut AnyConnection,
    body: BodyId,
    numbers: &[String],
) -> Result<Vec<(AssetId, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, asset_no FROM assets WHERE body_id = $1 AND asset_no IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(body.to_string());
        for n in chunk {
            q = q.bind(n);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push((id(&r, "id")?, r.try_get("asset_no")?));
        }
    }
    Ok(out)
}

/// The 管理番号 of the given assets of the body (for the link columns of an export).
pub async fn numbers_of(
    conn: &mut AnyConnection,
    body: BodyId,
    ids: &[AssetId],
) -> Result<Vec<(AssetId, String)>, StoreError> {
    let mut unique: Vec<String> = ids.iter().map(ToString::to_string).collect();
    unique.sort();
    unique.dedup();
    let mut out = Vec::new();
    for chunk in unique.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, asset_no FROM assets WHERE body_id = $1 AND id IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(body.to_string());
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push((id(&r, "id")?, r.try_get("asset_no")?));
        }
    }
    Ok(out)
}

/// Bound values of one multi-row INSERT in [`insert_assets_bulk`]. Binding takes time growing
/// with the square of a statement's parameters under sqlx's SQLite driver (it looks each `$N`
/// up by name), so a few hundred values a statement load fastest: measured at 1,700 assets/s
/// with 9,500 values a statement.
const BULK_VALUES: usize = 640;

/// `($1, $2, …), ($n+1, …)`: the VALUES list of `rows` rows of `width` placeholders.
fn values_list(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * width + c + 1));
        }
        out.push(')');
    }
    out
}

/// Registers many new assets at once, each with its class-filter rows: the rows
/// [`insert_asset`] writes, as multi-row INSERTs (for bulk loads such as the scale generator).
/// Links may name assets registered earlier or earlier in `items`.
pub async fn insert_assets_bulk(
    conn: &mut AnyConnection,
    items: &[(AssetRecord, Vec<(String, String)>)],
) -> Result<(), StoreError> {
    for chunk in items.chunks(BULK_VALUES / 19) {
        let sql = format!(
            "INSERT INTO assets (id, body_id, asset_no, kind, name, description, owner_unit_id, \
             location, segment, classification, retention, status, document_type, encrypted, \
             locked_storage, backup, recovery_target_hours, created_at, updated_at) VALUES {}",
            values_list(chunk.len(), 19)
        );
        let mut q = sqlx::query(&sql);
        for (asset, _) in chunk {
            q = q
                .bind(asset.id.to_string())
                .bind(asset.body_id.to_string())
                .bind(asset.asset_no.clone())
                .bind(asset.kind.key())
                .bind(asset.name.clone())
                .bind(asset.description.clone())
                .bind(asset.owner_unit.map(|u| u.to_string()))
                .bind(asset.location.clone())
                .bind(asset.segment.key())
                .bind(classification_text(&asset.classification))
                .bind(asset.retention.clone())
                .bind(asset.status.key())
                .bind(asset.document_type.map(|d| d.key()))
                .bind(flag(asset.safeguards.encrypted))
                .bind(flag(asset.safeguards.locked_storage))
                .bind(flag(asset.safeguards.backup))
                .bind(asset.safeguards.recovery_target_hours.map(i64::from))
                .bind(time::text(asset.created_at))
                .bind(time::text(asset.updated_at));
        }
        q.execute(&mut *conn).await?;
    }
    let links: Vec<(String, &str, String, i64)> = items
        .iter()
        .flat_map(|(asset, _)| {
            [
                (RELATION_COPY, &asset.derived_from),
                (RELATION_HOLDS, &asset.holds),
            ]
            .into_iter()
            .flat_map(move |(relation, list)| {
                list.iter().enumerate().map(move |(position, source)| {
                    (
                        asset.id.to_string(),
                        relation,
                        source.to_string(),
                        i64::try_from(position).unwrap_or(i64::MAX),
                    )
                })
            })
        })
        .collect();
    for chunk in links.chunks(BULK_VALUES / 4) {
        let sql = format!(
            "INSERT INTO asset_links (asset_id, relation, source_id, position) VALUES {}",
            values_list(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (asset, relation, source, position) in chunk {
            q = q
                .bind(asset.clone())
                .bind(*relation)
                .bind(source.clone())
                .bind(*position);
        }
        q.execute(&mut *conn).await?;
    }
    let levels: Vec<(String, &str, &str, String)> = items
        .iter()
        .flat_map(|(asset, rows)| {
            rows.iter().map(move |(axis, level)| {
                (
                    asset.body_id.to_string(),
                    axis.as_str(),
                    level.as_str(),
                    asset.id.to_string(),
                )
            })
        })
        .collect();
    for chunk in levels.chunks(BULK_VALUES / 4) {
        let sql = format!(
            "INSERT INTO asset_levels (body_id, axis, level, asset_id) VALUES {}",
            values_list(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (body, axis, level, asset) in chunk {
            q = q
                .bind(body.clone())
                .bind(*axis)
                .bind(*level)
                .bind(asset.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets the next automatic 管理番号 of the body (after a bulk load that numbered its assets).
pub async fn set_next_asset_number(
    conn: &mut AnyConnection,
    body: BodyId,
    next: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO asset_counters (body_id, next_no) VALUES ($1, $2) \
         ON CONFLICT (body_id) DO UPDATE SET next_no = excluded.next_no",
    )
    .bind(body.to_string())
    .bind(next)
    .execute(conn)
    .await?;
    Ok(())
}

/// The next automatic 管理番号 counter of the body, if set.
pub async fn next_asset_number_value(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT next_no FROM asset_counters WHERE body_id = $1")
            .bind(body.to_string())
            .fetch_optional(conn)
            .await?,
    )
}

/// Every `every`-th asset id of the body in registration order (for benchmarks that need
/// cursors spread over the register).
pub async fn sample_asset_ids(
    conn: &mut AnyConnection,
    body: BodyId,
    every: i64,
) -> Result<Vec<AssetId>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM assets \
         WHERE body_id = $1) t WHERE t.n % $2 = 0 ORDER BY id",
    )
    .bind(body.to_string())
    .bind(every.max(1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|raw| raw.parse().map_err(|_| corrupt("id", raw)))
        .collect()
}

/// The number of the body's assets.
pub async fn count_assets(conn: &mut AnyConnection, body: BodyId) -> Result<i64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE body_id = $1")
        .bind(body.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Takes the next free automatic 管理番号 for the body: the counter's value, skipping numbers
/// already used by hand.
pub async fn next_asset_number(
    conn: &mut AnyConnection,
    body: BodyId,
    prefix: &str,
) -> Result<String, StoreError> {
    let current: Option<i64> =
        sqlx::query_scalar("SELECT next_no FROM asset_counters WHERE body_id = $1")
            .bind(body.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let mut next = current.unwrap_or(1);
    let number = loop {
        let candidate = format!("{prefix}{next:06}");
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM assets WHERE body_id = $1 AND asset_no = $2")
                .bind(body.to_string())
                .bind(&candidate)
                .fetch_optional(&mut *conn)
                .await?;
        next += 1;
        if taken.is_none() {
            break candidate;
        }
    };
    if current.is_some() {
        sqlx::query("UPDATE asset_counters SET next_no = $2 WHERE body_id = $1")
            .bind(body.to_string())
            .bind(next)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("INSERT INTO asset_counters (body_id, next_no) VALUES ($1, $2)")
            .bind(body.to_string())
            .bind(next)
            .execute(&mut *conn)
            .await?;
    }
    Ok(number)
}

// ---------------------------------------------------------------------------------------------
// Lifecycle records

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

// ---------------------------------------------------------------------------------------------
// Risks

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

pub async fn put_risk(conn: &mut AnyConnection, r: &RiskRecord) -> Result<(), StoreError> {
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
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_risk(
    conn: &mut AnyConnection,
    body: BodyId,
    risk: RiskId,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM risks WHERE body_id = $1 AND id = $2")
        .bind(body.to_string())
        .bind(risk.to_string())
        .execute(conn)
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
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Vec<RiskRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE body_id = $1 ORDER BY id"
    ))
    .bind(body.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(risk_from_row).collect()
}

/// The risks concerning one asset.
pub async fn risks_of_asset(
    conn: &mut AnyConnection,
    asset: AssetId,
) -> Result<Vec<RiskRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE asset_id = $1 ORDER BY id"
    ))
    .bind(asset.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(risk_from_row).collect()
}

pub async fn get_risk(
    conn: &mut AnyConnection,
    body: BodyId,
    risk: RiskId,
) -> Result<Option<RiskRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RISK_COLUMNS} FROM risks WHERE body_id = $1 AND id = $2"
    ))
    .bind(body.to_string())
    .bind(risk.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(risk_from_row).transpose()
}

/// The body's risk matrix and threat catalogue as TOML, when the body has set them.
pub async fn risk_settings(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query("SELECT matrix, threats FROM risk_settings WHERE body_id = $1")
        .bind(body.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("matrix")?, r.try_get("threats")?)))
        .transpose()
}

pub async fn put_risk_settings(
    conn: &mut AnyConnection,
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
    .execute(conn)
    .await?;
    Ok(())
}
