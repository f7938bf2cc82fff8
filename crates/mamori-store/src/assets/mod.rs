//! The 情報資産台帳, its lifecycle records, and the risk register.
//!
//! The register is built for a million rows a body: lists are keyset pages on the asset id
//! (UUIDv7, so registration order), each filter walks its own composite index, and the class
//! filter walks `asset_levels`, whose rows the caller derives from the scheme. Nothing here knows
//! the scheme: a classification is stored as its `(axis, level)` keys.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, Utc};
use mamori_domain::asset::{AssetKind, AssetStatus, DocumentType, NetworkSegment, Safeguards};
use mamori_domain::ids::{AssetId, BodyId, OrgUnitId};
use sqlx::Row;

use crate::org::id;
use crate::{StoreError, time};

mod events;
mod risks;

pub use events::{
    AssetEvent, EventStatus, awaiting_events, events_of, get_event, insert_event, update_event,
};
pub use risks::{
    RiskRecord, delete_risk, get_risk, list_risks, put_risk, put_risk_settings, risk_settings,
    risks_of_asset,
};

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
    conn: &mut WriteTx,
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
    .execute(conn.connection())
    .await?;
    put_links(conn, asset).await?;
    put_levels(conn, asset.body_id, asset.id, levels).await
}

/// Saves every field of an existing asset, its links and its class-filter rows.
pub async fn update_asset(
    conn: &mut WriteTx,
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
    .execute(conn.connection())
    .await?;
    sqlx::query("DELETE FROM asset_links WHERE asset_id = $1")
        .bind(asset.id.to_string())
        .execute(conn.connection())
        .await?;
    put_links(conn, asset).await?;
    put_level_rows(conn, asset.body_id, asset.id, levels).await
}

async fn put_links(conn: &mut impl Reads, asset: &AssetRecord) -> Result<(), StoreError> {
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
            .execute(conn.connection())
            .await?;
        }
    }
    Ok(())
}

/// Replaces the class-filter rows of one asset.
pub async fn put_level_rows(
    conn: &mut WriteTx,
    body: BodyId,
    asset: AssetId,
    levels: &[(String, String)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM asset_levels WHERE asset_id = $1")
        .bind(asset.to_string())
        .execute(conn.connection())
        .await?;
    put_levels(conn, body, asset, levels).await
}

async fn put_levels(
    conn: &mut impl Reads,
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
        .execute(conn.connection())
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

/// An asset row as stored, before its keys are read: from a database row or from one element of
/// the JSON array a list read returns (the columns in [`COLUMNS`] order).
#[derive(serde::Deserialize)]
struct RawAsset {
    id: String,
    body_id: String,
    asset_no: String,
    kind: String,
    name: String,
    description: String,
    owner_unit_id: Option<String>,
    location: String,
    segment: String,
    classification: String,
    retention: String,
    status: String,
    document_type: Option<String>,
    encrypted: i64,
    locked_storage: i64,
    backup: i64,
    recovery_target_hours: Option<i64>,
    created_at: String,
    updated_at: String,
}

/// The columns of [`COLUMNS`] as the elements of a JSON array per row (`json_array` on SQLite,
/// `json_build_array` on PostgreSQL take the same list).
const ARRAY_OF_COLUMNS: &str = "a.id, a.body_id, a.asset_no, a.kind, a.name, a.description, \
     a.owner_unit_id, a.location, a.segment, a.classification, a.retention, a.status, \
     a.document_type, a.encrypted, a.locked_storage, a.backup, a.recovery_target_hours, \
     a.created_at, a.updated_at";

fn parsed<T: std::str::FromStr>(column: &str, raw: &str) -> Result<T, StoreError> {
    raw.parse().map_err(|_| corrupt(column, raw))
}

impl RawAsset {
    fn of_row(r: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.try_get("id")?,
            body_id: r.try_get("body_id")?,
            asset_no: r.try_get("asset_no")?,
            kind: r.try_get("kind")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            owner_unit_id: r.try_get("owner_unit_id")?,
            location: r.try_get("location")?,
            segment: r.try_get("segment")?,
            classification: r.try_get("classification")?,
            retention: r.try_get("retention")?,
            status: r.try_get("status")?,
            document_type: r.try_get("document_type")?,
            encrypted: r.try_get("encrypted")?,
            locked_storage: r.try_get("locked_storage")?,
            backup: r.try_get("backup")?,
            recovery_target_hours: r.try_get("recovery_target_hours")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    fn record(self) -> Result<AssetRecord, StoreError> {
        let kind = &self.kind;
        let segment = &self.segment;
        let status = &self.status;
        Ok(AssetRecord {
            id: parsed("id", &self.id)?,
            body_id: parsed("body_id", &self.body_id)?,
            kind: AssetKind::parse(kind).map_err(|_| corrupt("kind", kind))?,
            owner_unit: self
                .owner_unit_id
                .as_deref()
                .map(|u| parsed("owner_unit_id", u))
                .transpose()?,
            segment: NetworkSegment::parse(segment).map_err(|_| corrupt("segment", segment))?,
            classification: classification_pairs(&self.classification)?,
            status: AssetStatus::parse(status).map_err(|_| corrupt("status", status))?,
            document_type: self
                .document_type
                .as_deref()
                .map(|d| DocumentType::parse(d).map_err(|_| corrupt("document_type", d)))
                .transpose()?,
            safeguards: Safeguards {
                encrypted: self.encrypted != 0,
                locked_storage: self.locked_storage != 0,
                backup: self.backup != 0,
                recovery_target_hours: self
                    .recovery_target_hours
                    .map(|h| u32::try_from(h).map_err(|_| corrupt("recovery_target_hours", "")))
                    .transpose()?,
            },
            derived_from: Vec::new(),
            holds: Vec::new(),
            created_at: time::parse("assets.created_at", &self.created_at)?,
            updated_at: time::parse("assets.updated_at", &self.updated_at)?,
            asset_no: self.asset_no,
            name: self.name,
            description: self.description,
            location: self.location,
            retention: self.retention,
        })
    }
}

impl AssetRecord {
    /// A stored link of the asset: a medium it is held on, or else a record it copies.
    fn add_link(&mut self, relation: &str, source: AssetId) {
        if relation == RELATION_HOLDS {
            self.holds.push(source);
        } else {
            self.derived_from.push(source);
        }
    }
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<AssetRecord, StoreError> {
    RawAsset::of_row(r)?.record()
}

/// One asset of the body, with its links.
pub async fn get_asset(
    conn: &mut impl Reads,
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
    .fetch_all(conn.connection())
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut record = from_row(first)?;
    for r in &rows {
        let relation: Option<String> = r.try_get("link_relation")?;
        let Some(relation) = relation else { continue };
        record.add_link(&relation, id(r, "link_source")?);
    }
    Ok(Some(record))
}

/// Several assets of the body by id, with links (for sources and media); missing ids are left out.
pub async fn get_assets(
    conn: &mut impl Reads,
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

/// An asset as its page shows it, read in one statement: the record with its links, the
/// records it copies or is held on, the records that link to it, its lifecycle records with the
/// application each one waiting for permission belongs to, and the rule stamp of the moment.
#[derive(Debug, Clone)]
pub struct AssetSheet {
    pub record: AssetRecord,
    /// The sources and held media, without their own links.
    pub linked: Vec<AssetRecord>,
    /// The body's assets that link to this one, with the relation, in 管理番号 order; without
    /// their own links.
    pub dependents: Vec<(String, AssetRecord)>,
    /// Oldest first, each with its application when there is one.
    pub events: Vec<(AssetEvent, Option<String>)>,
    /// The rule stamp read in the same statement (see `policy::rule_stamp`).
    pub stamp: String,
}

#[derive(serde::Deserialize)]
struct RawSheet {
    asset: RawAsset,
    links: Vec<(String, String)>,
    linked: Vec<RawAsset>,
    dependents: Vec<(String, RawAsset)>,
    events: Vec<(events::RawEvent, Option<String>)>,
    stamp: String,
}

/// One asset of the body with everything its page shows, in one statement (see [`AssetSheet`]).
/// On SQLite each statement and each row is a hand-off to the connection's thread, which costs
/// more than the reading.
pub async fn get_asset_sheet(
    conn: &mut impl Reads,
    body: BodyId,
    asset: AssetId,
) -> Result<Option<AssetSheet>, StoreError> {
    let postgres = conn.connection().backend_name() == "PostgreSQL";
    // The same statement on both: SQLite's json functions under PostgreSQL's names.
    let (object, array, agg, wrap) = if postgres {
        ("json_build_object", "json_build_array", "json_agg", "")
    } else {
        ("json_object", "json_array", "json_group_array", "json")
    };
    let empty = if postgres { "'[]'::json" } else { "json('[]')" };
    let events = events::ARRAY_OF_EVENT_COLUMNS;
    let sql = format!(
        "SELECT {object}(\
           'asset', {array}({ARRAY_OF_COLUMNS}), \
           'links', COALESCE({wrap}((SELECT {agg}({array}(l.relation, l.source_id) \
               ORDER BY l.relation, l.position) FROM asset_links l WHERE l.asset_id = a.id)), {empty}), \
           'linked', COALESCE({wrap}((SELECT {agg}({array}({ARRAY_OF_COLUMNS}) ORDER BY a.id) \
               FROM assets a WHERE a.body_id = $1 AND a.id IN \
               (SELECT l.source_id FROM asset_links l WHERE l.asset_id = $2))), {empty}), \
           'dependents', COALESCE({wrap}((SELECT {agg}({array}(l.relation, {array}({ARRAY_OF_COLUMNS})) \
               ORDER BY a.asset_no) FROM asset_links l JOIN assets a ON a.id = l.asset_id \
               WHERE l.source_id = $2)), {empty}), \
           'events', COALESCE({wrap}((SELECT {agg}({array}({array}({events}), \
               (SELECT p.id FROM applications p WHERE p.asset_event_id = e.id)) \
               ORDER BY e.created_at, e.id) FROM asset_events e WHERE e.asset_id = a.id)), {empty}), \
           'stamp', (SELECT s.stamp FROM rule_stamps s WHERE s.scope = 'rules'))\
         {cast} AS sheet FROM assets a WHERE a.body_id = $1 AND a.id = $2",
        cast = if postgres { "::text" } else { "" },
    );
    let row = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(asset.to_string())
        .fetch_optional(conn.connection())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let text: String = row.try_get("sheet")?;
    let raw: RawSheet = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("asset sheet: {e}")))?;
    let mut record = raw.asset.record()?;
    for (relation, source) in raw.links {
        record.add_link(&relation, parsed("asset_links.source_id", &source)?);
    }
    let linked = raw
        .linked
        .into_iter()
        .map(RawAsset::record)
        .collect::<Result<_, _>>()?;
    // The body is checked on the rows, not in SQL, as in `dependent_records`.
    let mut dependents = Vec::new();
    for (relation, r) in raw.dependents {
        let r = r.record()?;
        if r.body_id == body {
            dependents.push((relation, r));
        }
    }
    let events = raw
        .events
        .into_iter()
        .map(|(e, application)| Ok((e.event()?, application)))
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(AssetSheet {
        record,
        linked,
        dependents,
        events,
        stamp: raw.stamp,
    }))
}

/// The assets of the body that link to `asset` (its copies and the media holding it), each with
/// the relation, in 管理番号 order; the records come without their own links.
pub async fn dependent_records(
    conn: &mut impl Reads,
    body: BodyId,
    asset: AssetId,
) -> Result<Vec<(String, AssetRecord)>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT l.relation AS relation, {COLUMNS} \
         FROM asset_links l JOIN assets a ON a.id = l.asset_id \
         WHERE l.source_id = $1 ORDER BY a.asset_no"
    ))
    .bind(asset.to_string())
    .fetch_all(conn.connection())
    .await?;
    // The body is checked on the rows, not in SQL: a filter on the assets' body lets SQLite
    // scan the body's whole register instead of the link index.
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let record = from_row(r)?;
        if record.body_id == body {
            out.push((r.try_get("relation")?, record));
        }
    }
    Ok(out)
}

/// The asset with this 管理番号, with its links.
pub async fn find_by_number(
    conn: &mut impl Reads,
    body: BodyId,
    asset_no: &str,
) -> Result<Option<AssetRecord>, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM assets WHERE body_id = $1 AND asset_no = $2")
            .bind(body.to_string())
            .bind(asset_no)
            .fetch_optional(conn.connection())
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
    conn: &mut impl Reads,
    asset: AssetId,
) -> Result<Vec<(String, AssetId, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT l.relation AS relation, a.id AS id, a.asset_no AS asset_no, a.name AS name \
         FROM asset_links l JOIN assets a ON a.id = l.asset_id WHERE l.source_id = $1 \
         ORDER BY a.asset_no",
    )
    .bind(asset.to_string())
    .fetch_all(conn.connection())
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
    conn: &mut impl Reads,
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
    // The page comes back as one row holding a JSON array of rows: on SQLite every row of a
    // result is a hand-off between the connection's thread and the caller, which costs more than
    // reading the row.
    let aggregate = match conn.connection().backend_name() {
        "PostgreSQL" => {
            "SELECT COALESCE(json_agg(json_build_array({ARRAY_OF_COLUMNS}) ORDER BY {KEY}), '[]')::text"
        }
        _ => "SELECT json_group_array(json_array({ARRAY_OF_COLUMNS}) ORDER BY {KEY})",
    };
    let key_column = key.replace('.', "_");
    let sql = format!(
        "{} AS page FROM ({}) a",
        aggregate
            .replace("{ARRAY_OF_COLUMNS}", ARRAY_OF_COLUMNS)
            .replace("{KEY}", &format!("a.{key_column}")),
        sql.replacen("SELECT ", &format!("SELECT {key} AS {key_column}, "), 1)
    );
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let page: String = query.fetch_one(conn.connection()).await?.try_get("page")?;
    let raws: Vec<RawAsset> = serde_json::from_str(&page)
        .map_err(|e| StoreError::Corrupt(format!("assets page: {e}")))?;
    raws.into_iter().map(RawAsset::record).collect()
}

/// Every asset of the body, a chunk at a time in registration order, with links: for exports
/// and the rule checks over the whole register.
pub async fn chunk_with_links(
    conn: &mut impl Reads,
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
    .fetch_all(conn.connection())
    .await?;
    let index: std::collections::HashMap<AssetId, usize> =
        records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for r in &rows {
        let owner: AssetId = id(r, "asset_id")?;
        let relation: String = r.try_get("relation")?;
        let source: AssetId = id(r, "source_id")?;
        if let Some(&i) = index.get(&owner) {
            records[i].add_link(&relation, source);
        }
    }
    Ok(records)
}

/// `(id, 管理番号)` of the body's assets whose numbers are in `numbers`.
pub async fn ids_by_number(
    conn: &mut impl Reads,
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
        for r in q.fetch_all(conn.connection()).await? {
            out.push((id(&r, "id")?, r.try_get("asset_no")?));
        }
    }
    Ok(out)
}

/// The 管理番号 of the given assets of the body (for the link columns of an export).
pub async fn numbers_of(
    conn: &mut impl Reads,
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
        for r in q.fetch_all(conn.connection()).await? {
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
    conn: &mut WriteTx,
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
        q.execute(conn.connection()).await?;
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
        q.execute(conn.connection()).await?;
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
        q.execute(conn.connection()).await?;
    }
    Ok(())
}

/// Sets the next automatic 管理番号 of the body (after a bulk load that numbered its assets).
pub async fn set_next_asset_number(
    conn: &mut WriteTx,
    body: BodyId,
    next: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO asset_counters (body_id, next_no) VALUES ($1, $2) \
         ON CONFLICT (body_id) DO UPDATE SET next_no = excluded.next_no",
    )
    .bind(body.to_string())
    .bind(next)
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// The next automatic 管理番号 counter of the body, if set.
pub async fn next_asset_number_value(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT next_no FROM asset_counters WHERE body_id = $1")
            .bind(body.to_string())
            .fetch_optional(conn.connection())
            .await?,
    )
}

/// Every `every`-th asset id of the body in registration order (for benchmarks that need
/// cursors spread over the register).
pub async fn sample_asset_ids(
    conn: &mut impl Reads,
    body: BodyId,
    every: i64,
) -> Result<Vec<AssetId>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM assets \
         WHERE body_id = $1) t WHERE t.n % $2 = 0 ORDER BY id",
    )
    .bind(body.to_string())
    .bind(every.max(1))
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|raw| raw.parse().map_err(|_| corrupt("id", raw)))
        .collect()
}

/// The number of the body's assets.
pub async fn count_assets(conn: &mut impl Reads, body: BodyId) -> Result<i64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE body_id = $1")
        .bind(body.to_string())
        .fetch_one(conn.connection())
        .await?;
    Ok(n)
}

/// Takes the next free automatic 管理番号 for the body: the counter's value, skipping numbers
/// already used by hand.
pub async fn next_asset_number(
    conn: &mut WriteTx,
    body: BodyId,
    prefix: &str,
) -> Result<String, StoreError> {
    let current: Option<i64> =
        sqlx::query_scalar("SELECT next_no FROM asset_counters WHERE body_id = $1")
            .bind(body.to_string())
            .fetch_optional(conn.connection())
            .await?;
    let mut next = current.unwrap_or(1);
    let number = loop {
        let candidate = format!("{prefix}{next:06}");
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM assets WHERE body_id = $1 AND asset_no = $2")
                .bind(body.to_string())
                .bind(&candidate)
                .fetch_optional(conn.connection())
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
            .execute(conn.connection())
            .await?;
    } else {
        sqlx::query("INSERT INTO asset_counters (body_id, next_no) VALUES ($1, $2)")
            .bind(body.to_string())
            .bind(next)
            .execute(conn.connection())
            .await?;
    }
    Ok(number)
}
