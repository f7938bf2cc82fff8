//! Every table, read and written in a form that is the same on both backends: a row is a list of
//! JSON values (text as a string, an integer as a number, bytes as `{"hex": …}`, NULL as null),
//! in primary-key order with text compared byte by byte. A backup is therefore a table-by-table
//! copy that a database of either kind can take back, and its hashes can be recomputed from the
//! restored database.
//!
//! The tables and their columns are read from the database's own catalog, so a new migration is
//! copied without a change here; they come in an order where every referenced table is before
//! the tables that reference it.

use crate::Reads;
use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::Row;

use crate::{Backend, StoreError};

/// Tables not copied: the migrations' own record (the archive names the schema version), the
/// rule stamp (derived; a restored database gets a fresh one) and the record of the backups taken
/// (their files are on the source installation's disks; the trail keeps that they were taken).
const NOT_COPIED: [&str; 3] = ["_sqlx_migrations", "rule_stamps", "backup_runs"];

/// The table the migrations fill with its one row; a restore replaces that row.
pub const SEEDED: &str = "audit_head";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Text,
    Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// The primary key, or every column when there is none.
    pub key: Vec<String>,
    /// Columns that reference this same table, as (column, referenced column).
    pub self_refs: Vec<(String, String)>,
}

fn kind_of(declared: &str) -> ColumnKind {
    let upper = declared.to_ascii_uppercase();
    if upper.contains("INT") {
        ColumnKind::Integer
    } else if upper.contains("BLOB") || upper.contains("BYTEA") {
        ColumnKind::Bytes
    } else {
        ColumnKind::Text
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The migrations applied, by version.
pub async fn migrations(conn: &mut impl Reads) -> Result<Vec<i64>, StoreError> {
    let rows =
        sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version")
            .fetch_all(conn.connection())
            .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>("version").map_err(StoreError::from))
        .collect()
}

/// The copied tables, referenced before referencing.
pub async fn tables(conn: &mut impl Reads, backend: Backend) -> Result<Vec<Table>, StoreError> {
    let mut found: Vec<(Table, BTreeSet<String>)> = Vec::new();
    let names: Vec<String> = match backend {
        Backend::Sqlite => sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        ),
        Backend::Postgres => sqlx::query(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
        ),
    }
    .fetch_all(conn.connection())
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>("name"))
    .collect::<Result<_, _>>()?;
    for name in names
        .into_iter()
        .filter(|n| !NOT_COPIED.contains(&n.as_str()))
    {
        let (columns, mut key) = columns_of(conn, backend, &name).await?;
        let refs = references_of(conn, backend, &name).await?;
        if key.is_empty() {
            key = columns.iter().map(|c| c.name.clone()).collect();
        }
        let self_refs = refs
            .iter()
            .filter(|(_, table, _)| *table == name)
            .map(|(column, _, to)| (column.clone(), to.clone()))
            .collect();
        let depends = refs
            .into_iter()
            .map(|(_, table, _)| table)
            .filter(|t| *t != name)
            .collect();
        found.push((
            Table {
                name,
                columns,
                key,
                self_refs,
            },
            depends,
        ));
    }
    // Referenced tables first; among the ready ones, by name, so both backends agree.
    let mut ordered = Vec::with_capacity(found.len());
    let mut placed: BTreeSet<String> = BTreeSet::new();
    while !found.is_empty() {
        let Some(i) = found.iter().position(|(_, deps)| {
            deps.iter()
                .all(|d| placed.contains(d) || NOT_COPIED.contains(&d.as_str()))
        }) else {
            return Err(StoreError::Corrupt(format!(
                "参照が循環しているため表の順序を決められません: {}",
                found
                    .iter()
                    .map(|(t, _)| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let (table, _) = found.remove(i);
        placed.insert(table.name.clone());
        ordered.push(table);
    }
    Ok(ordered)
}

async fn columns_of(
    conn: &mut impl Reads,
    backend: Backend,
    table: &str,
) -> Result<(Vec<Column>, Vec<String>), StoreError> {
    match backend {
        Backend::Sqlite => {
            let rows = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(conn.connection())
                .await?;
            let mut columns = Vec::new();
            let mut key: Vec<(i64, String)> = Vec::new();
            for r in &rows {
                let name: String = r.try_get("name")?;
                let declared: String = r.try_get("type")?;
                let pk: i64 = r.try_get("pk")?;
                if pk > 0 {
                    key.push((pk, name.clone()));
                }
                columns.push(Column {
                    name,
                    kind: kind_of(&declared),
                });
            }
            key.sort();
            Ok((columns, key.into_iter().map(|(_, n)| n).collect()))
        }
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(conn.connection())
            .await?;
            let columns = rows
                .iter()
                .map(|r| {
                    Ok(Column {
                        name: r.try_get("name")?,
                        kind: kind_of(&r.try_get::<String, _>("type")?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let key = sqlx::query(
                "SELECT k.column_name::text AS name FROM information_schema.table_constraints c \
                 JOIN information_schema.key_column_usage k \
                   ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema \
                 WHERE c.table_schema = current_schema() AND c.table_name = $1 \
                   AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position",
            )
            .bind(table)
            .fetch_all(conn.connection())
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<Vec<_>, _>>()?;
            Ok((columns, key))
        }
    }
}

/// (column, referenced table, referenced column) of each foreign key of `table`.
async fn references_of(
    conn: &mut impl Reads,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query(
                "SELECT \"from\" AS col, \"table\" AS to_table, COALESCE(\"to\", '') AS to_col \
                 FROM pragma_foreign_key_list($1)",
            )
            .bind(table)
            .fetch_all(conn.connection())
            .await?
        }
        Backend::Postgres => sqlx::query(
            "SELECT a.attname::text AS col, t.relname::text AS to_table, b.attname::text AS to_col \
                 FROM pg_constraint c \
                 JOIN pg_class s ON s.oid = c.conrelid \
                 JOIN pg_class t ON t.oid = c.confrelid \
                 JOIN pg_namespace n ON n.oid = s.relnamespace \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(from_att, to_att) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.from_att \
                 JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.to_att \
                 WHERE c.contype = 'f' AND n.nspname = current_schema() AND s.relname = $1",
        )
        .bind(table)
        .fetch_all(conn.connection())
        .await?,
    };
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("col")?,
                r.try_get("to_table")?,
                r.try_get("to_col")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Starts the read of a consistent snapshot on `conn`: every read until [`end_snapshot`] sees
/// the database as it was at the first one, while writers go on.
pub async fn begin_snapshot(conn: &mut impl Reads, backend: Backend) -> Result<(), StoreError> {
    let sql = match backend {
        // In WAL mode a read transaction keeps the snapshot of its first read.
        Backend::Sqlite => "BEGIN",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    sqlx::query(sql).execute(conn.connection()).await?;
    Ok(())
}

pub async fn end_snapshot(conn: &mut impl Reads) -> Result<(), StoreError> {
    sqlx::query("ROLLBACK").execute(conn.connection()).await?;
    Ok(())
}

/// Reads `table` in key order, handing each row to `each` (nothing is kept here).
pub async fn read_rows(
    conn: &mut impl Reads,
    backend: Backend,
    table: &Table,
    mut each: impl FnMut(Vec<Value>) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match (backend, c.kind) {
            // Bytes as hex text on both, so the driver hands back one type.
            (Backend::Sqlite, ColumnKind::Bytes) => {
                format!("lower(hex({0})) AS {0}", quoted(&c.name))
            }
            (Backend::Postgres, ColumnKind::Bytes) => {
                format!("encode({0}, 'hex') AS {0}", quoted(&c.name))
            }
            (Backend::Postgres, ColumnKind::Integer) => {
                format!("{0}::bigint AS {0}", quoted(&c.name))
            }
            _ => quoted(&c.name),
        })
        .collect();
    let order: Vec<String> = table
        .key
        .iter()
        .map(|k| {
            let text = table
                .columns
                .iter()
                .any(|c| &c.name == k && c.kind == ColumnKind::Text);
            match (backend, text) {
                (Backend::Postgres, true) => format!("{} COLLATE \"C\"", quoted(k)),
                _ => quoted(k),
            }
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        quoted(&table.name),
        order.join(", ")
    );
    let mut rows = sqlx::query(&sql).fetch(conn.connection());
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(table.columns.len());
        for (i, c) in table.columns.iter().enumerate() {
            let value = match c.kind {
                ColumnKind::Integer => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, Value::from),
                ColumnKind::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, Value::from),
                ColumnKind::Bytes => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, |hex| serde_json::json!({ "hex": hex })),
            };
            values.push(value);
        }
        each(values)?;
        count += 1;
    }
    Ok(count)
}

/// Whether the database holds anything beyond what the migrations put there: the first table
/// with rows, if any.
pub async fn first_filled_table(
    conn: &mut impl Reads,
    tables: &[Table],
) -> Result<Option<String>, StoreError> {
    for t in tables {
        let sql = if t.name == SEEDED {
            format!(
                "SELECT COUNT(*) AS n FROM {} WHERE seq <> 0",
                quoted(&t.name)
            )
        } else {
            format!("SELECT COUNT(*) AS n FROM {}", quoted(&t.name))
        };
        let n: i64 = sqlx::query(&sql)
            .fetch_one(conn.connection())
            .await?
            .try_get("n")?;
        if n > 0 {
            return Ok(Some(t.name.clone()));
        }
    }
    Ok(None)
}

/// Rows of one statement at most, well inside both backends' limits on bound values.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;

/// Inserts `rows` (values in the order of `table.columns`) into `table`; a row of `SEEDED`
/// replaces the one the migrations wrote. A table that references itself takes its rows in an
/// order where every referenced row comes first.
/// The restore copies the archive's tables, the trail among them, into an empty database: the
/// copy is not a change to record.
pub async fn write_rows(
    conn: &mut impl Reads,
    backend: Backend,
    table: &Table,
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    if table.name == SEEDED {
        sqlx::query(&format!("DELETE FROM {}", quoted(&table.name)))
            .execute(conn.connection())
            .await?;
    }
    let rows = if table.self_refs.is_empty() {
        rows
    } else {
        referenced_first(table, rows)?
    };
    let width = table.columns.len().max(1);
    let per_statement = (MAX_VALUES_PER_STATEMENT / width).clamp(1, 500);
    let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    for chunk in rows.chunks(per_statement) {
        let mut n = 0;
        let tuples: Vec<String> = chunk
            .iter()
            .map(|_| {
                let marks: Vec<String> = table
                    .columns
                    .iter()
                    .map(|c| {
                        n += 1;
                        match (backend, c.kind) {
                            (Backend::Sqlite, ColumnKind::Bytes) => format!("unhex(${n})"),
                            (Backend::Postgres, ColumnKind::Bytes) => {
                                format!("decode(${n}, 'hex')")
                            }
                            _ => format!("${n}"),
                        }
                    })
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            quoted(&table.name),
            names.join(", "),
            tuples.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            if row.len() != table.columns.len() {
                return Err(StoreError::Corrupt(format!(
                    "{}: 行の値の数 {} が列の数 {} と違います",
                    table.name,
                    row.len(),
                    table.columns.len()
                )));
            }
            for (value, c) in row.iter().zip(&table.columns) {
                q = bind(q, &table.name, c, value)?;
            }
        }
        q.execute(conn.connection()).await?;
    }
    Ok(())
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    table: &str,
    column: &Column,
    value: &Value,
) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>, StoreError> {
    let bad = || StoreError::Corrupt(format!("{table}.{}: 値の形が列の型と違います", column.name));
    Ok(match (column.kind, value) {
        (ColumnKind::Integer, Value::Null) => q.bind(None::<i64>),
        (ColumnKind::Text | ColumnKind::Bytes, Value::Null) => q.bind(None::<String>),
        (ColumnKind::Integer, Value::Number(n)) => q.bind(n.as_i64().ok_or_else(bad)?),
        (ColumnKind::Text, Value::String(s)) => q.bind(s.clone()),
        (ColumnKind::Bytes, Value::Object(o)) => {
            let hex = o.get("hex").and_then(Value::as_str).ok_or_else(bad)?;
            if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            q.bind(hex.to_owned())
        }
        _ => return Err(bad()),
    })
}

/// The rows of a table that references itself, each after the rows it references.
fn referenced_first(table: &Table, rows: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, StoreError> {
    let index = |name: &str| table.columns.iter().position(|c| c.name == name);
    let links: Vec<(usize, usize)> = table
        .self_refs
        .iter()
        .filter_map(|(from, to)| Some((index(from)?, index(to)?)))
        .collect();
    let mut placed: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut pending = rows;
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for row in pending {
            let ready = links.iter().all(|(from, to)| match &row[*from] {
                Value::Null => true,
                v => placed.get(to).is_some_and(|s| s.contains(&v.to_string())),
            });
            if ready {
                for (_, to) in &links {
                    placed.entry(*to).or_default().insert(row[*to].to_string());
                }
                ordered.push(row);
            } else {
                rest.push(row);
            }
        }
        if rest.len() == before {
            return Err(StoreError::Corrupt(format!(
                "{}: 参照先のない行、または循環する参照があります",
                table.name
            )));
        }
        pending = rest;
    }
    Ok(ordered)
}
