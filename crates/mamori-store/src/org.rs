//! Bodies, units, people, the body's role set and role assignments.

use crate::Reads;
use crate::WriteTx;
use crate::db::sealed::Sealed as _;
use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::body::BodyKind;
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{
    Body, HeldRole, OrgChangeKind, OrgUnit, Person, PersonStatus, PersonVersion, Post,
    RoleAssignment, RoleDefinition, UnitKind,
};
use sqlx::Row;

use crate::{StoreError, time};

pub async fn insert_body(conn: &mut WriteTx, body: &Body) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO bodies (id, code, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(body.id.to_string())
    .bind(&body.code)
    .bind(&body.name)
    .bind(body.kind.map_or("", BodyKind::key))
    .bind(time::text(body.created_at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn find_body_by_code(
    conn: &mut impl Reads,
    code: &str,
) -> Result<Option<Body>, StoreError> {
    let row = sqlx::query("SELECT id, code, name, kind, created_at FROM bodies WHERE code = $1")
        .bind(code)
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(body_from_row).transpose()
}

pub async fn get_body(conn: &mut impl Reads, id: BodyId) -> Result<Body, StoreError> {
    let row = sqlx::query("SELECT id, code, name, kind, created_at FROM bodies WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(conn.connection())
        .await?;
    body_from_row(&row)
}

fn body_from_row(row: &sqlx::any::AnyRow) -> Result<Body, StoreError> {
    let id: String = row.try_get("id")?;
    let created_at: String = row.try_get("created_at")?;
    let kind: String = row.try_get("kind")?;
    Ok(Body {
        id: id
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("bodies.id: {e}")))?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: match kind.as_str() {
            "" => None,
            key => Some(
                BodyKind::parse(key)
                    .map_err(|_| StoreError::Corrupt(format!("bodies.kind: {key}")))?,
            ),
        },
        created_at: time::parse("bodies.created_at", &created_at)?,
    })
}

pub async fn insert_unit(
    conn: &mut WriteTx,
    unit: &OrgUnit,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO org_units (id, body_id, parent_id, code, kind, agency_kind, name, sort_order, \
         created_at, valid_from, valid_to, successor_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(unit.id.to_string())
    .bind(unit.body_id.to_string())
    .bind(unit.parent_id.map(|p| p.to_string()))
    .bind(&unit.code)
    .bind(unit.kind.as_str())
    .bind(&unit.agency_kind)
    .bind(&unit.name)
    .bind(unit.sort_order)
    .bind(time::text(at))
    .bind(unit.valid_from.to_string())
    .bind(unit.valid_to.map(|d| d.to_string()))
    .bind(unit.successor_id.map(|d| d.to_string()))
    .execute(conn.connection())
    .await?;
    put_history(conn, unit, unit.valid_from).await
}

/// Records the unit's name, parent and kinds as they are from `from` on (a rename or move on that
/// date, which may lie ahead). The unit's current values become those of `today`: a change dated
/// ahead shows from its date on (`refresh_current` brings them up to date each day).
pub async fn put_unit_version(
    conn: &mut impl Reads,
    unit: &OrgUnit,
    from: NaiveDate,
    today: NaiveDate,
) -> Result<(), StoreError> {
    put_history(conn, unit, from).await?;
    refresh_units(conn, Some(unit.id), today).await
}

async fn put_history(
    conn: &mut impl Reads,
    unit: &OrgUnit,
    from: NaiveDate,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO org_unit_history (unit_id, valid_from, name, parent_id, kind, agency_kind) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (unit_id, valid_from) DO UPDATE SET name = excluded.name, \
         parent_id = excluded.parent_id, kind = excluded.kind, agency_kind = excluded.agency_kind",
    )
    .bind(unit.id.to_string())
    .bind(from.to_string())
    .bind(&unit.name)
    .bind(unit.parent_id.map(|p| p.to_string()))
    .bind(unit.kind.as_str())
    .bind(&unit.agency_kind)
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Sets the current values of units (one, or all with `None`) to their version of `today`.
async fn refresh_units(
    conn: &mut impl Reads,
    unit: Option<OrgUnitId>,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let columns = ["name", "parent_id", "kind", "agency_kind"];
    refresh(
        conn,
        ("org_units", "org_unit_history", "unit_id"),
        &columns,
        unit.map(|u| u.to_string()),
        today,
    )
    .await
}

/// Sets the current unit, 職名, 雇用区分 and 在職状況 of people (one, or all) to those of `today`.
async fn refresh_people(
    conn: &mut impl Reads,
    person: Option<PersonId>,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let columns = ["unit_id", "title", "employment_kind", "status"];
    refresh(
        conn,
        ("people", "person_history", "person_id"),
        &columns,
        person.map(|p| p.to_string()),
        today,
    )
    .await
}

/// Copies `columns` from the newest row of `history` dated on or before `today` into `table`
/// (one row, or all). The names are constants of this module, never input.
async fn refresh(
    conn: &mut impl Reads,
    (table, history, key): (&str, &str, &str),
    columns: &[&str],
    id: Option<String>,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let set: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "{c} = (SELECT h.{c} FROM {history} h WHERE h.{key} = {table}.id \
                 AND h.valid_from <= $1 ORDER BY h.valid_from DESC LIMIT 1)"
            )
        })
        .collect();
    let mut sql = format!(
        "UPDATE {table} SET {} WHERE EXISTS (SELECT 1 FROM {history} h \
         WHERE h.{key} = {table}.id AND h.valid_from <= $1)",
        set.join(", ")
    );
    if id.is_some() {
        sql.push_str(" AND id = $2");
    }
    let mut q = sqlx::query(&sql).bind(today.to_string());
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.execute(conn.connection()).await?;
    Ok(())
}

/// Sets the current values of every unit and person to those of `today`, so changes dated ahead
/// show from their date on. The server runs it daily (with the due 人事異動).
pub async fn refresh_current(conn: &mut impl Reads, today: NaiveDate) -> Result<(), StoreError> {
    refresh_units(conn, None, today).await?;
    refresh_people(conn, None, today).await
}

/// Abolishes a unit after `last_day`, naming the unit that takes over its work.
pub async fn abolish_unit(
    conn: &mut WriteTx,
    id: OrgUnitId,
    last_day: NaiveDate,
    successor: Option<OrgUnitId>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE org_units SET valid_to = $2, successor_id = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(last_day.to_string())
        .bind(successor.map(|s| s.to_string()))
        .execute(conn.connection())
        .await?;
    Ok(())
}

const UNIT_ON_DATE: &str = "SELECT u.id AS id, u.body_id AS body_id, h.parent_id AS parent_id, \
     u.code AS code, h.kind AS kind, h.agency_kind AS agency_kind, h.name AS name, \
     u.sort_order AS sort_order, u.valid_from AS valid_from, u.valid_to AS valid_to, \
     u.successor_id AS successor_id \
     FROM org_units u JOIN org_unit_history h ON h.unit_id = u.id \
     AND h.valid_from = (SELECT MAX(h2.valid_from) FROM org_unit_history h2 \
                         WHERE h2.unit_id = u.id AND h2.valid_from <= $2)";

/// The body's units as they were on `on` (names, parents and kinds of that date), existing units
/// only, in the body's order.
pub async fn units_on(
    conn: &mut impl Reads,
    body: BodyId,
    on: NaiveDate,
) -> Result<Vec<OrgUnit>, StoreError> {
    let sql = format!(
        "{UNIT_ON_DATE} WHERE u.body_id = $1 AND u.valid_from <= $2 \
         AND (u.valid_to IS NULL OR u.valid_to >= $2) ORDER BY u.sort_order, u.code"
    );
    let rows = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(on.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(unit_from_row).collect()
}

/// Every unit of the body ever, with its latest values (abolished ones included).
pub async fn all_units(conn: &mut impl Reads, body: BodyId) -> Result<Vec<OrgUnit>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, body_id, parent_id, code, kind, agency_kind, name, sort_order, valid_from, \
         valid_to, successor_id FROM org_units WHERE body_id = $1 ORDER BY sort_order, code",
    )
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter().map(unit_from_row).collect()
}

/// A unit of the body by id; another body's unit is not found.
pub async fn find_unit(
    conn: &mut impl Reads,
    body: BodyId,
    id: OrgUnitId,
) -> Result<Option<OrgUnit>, StoreError> {
    let row = sqlx::query(
        "SELECT id, body_id, parent_id, code, kind, agency_kind, name, sort_order, valid_from, \
         valid_to, successor_id FROM org_units WHERE body_id = $1 AND id = $2",
    )
    .bind(body.to_string())
    .bind(id.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.as_ref().map(unit_from_row).transpose()
}

/// A unit's names over time: (from, name, parent id), oldest first.
pub async fn unit_history(
    conn: &mut impl Reads,
    id: OrgUnitId,
) -> Result<Vec<(NaiveDate, String, Option<OrgUnitId>, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT valid_from, name, parent_id, agency_kind FROM org_unit_history WHERE unit_id = $1 \
         ORDER BY valid_from",
    )
    .bind(id.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                date(r, "valid_from")?,
                r.try_get("name")?,
                opt_id(r, "parent_id")?,
                r.try_get("agency_kind")?,
            ))
        })
        .collect()
}

fn unit_from_row(r: &sqlx::any::AnyRow) -> Result<OrgUnit, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(OrgUnit {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        parent_id: opt_id(r, "parent_id")?,
        code: r.try_get("code")?,
        kind: UnitKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org_units.kind: {kind}")))?,
        agency_kind: r.try_get("agency_kind")?,
        name: r.try_get("name")?,
        sort_order: r.try_get("sort_order")?,
        valid_from: date(r, "valid_from")?,
        valid_to: opt_date(r, "valid_to")?,
        successor_id: opt_id(r, "successor_id")?,
    })
}

pub(crate) fn id<T: std::str::FromStr>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> Result<T, StoreError> {
    let raw: String = r.try_get(column)?;
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column}: {raw}")))
}

pub(crate) fn opt_id<T: std::str::FromStr>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<T>, StoreError> {
    let raw: Option<String> = r.try_get(column)?;
    raw.map(|v| {
        v.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column}: {v}")))
    })
    .transpose()
}

pub(crate) fn date(r: &sqlx::any::AnyRow, column: &str) -> Result<NaiveDate, StoreError> {
    let raw: String = r.try_get(column)?;
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column}: {raw}")))
}

pub(crate) fn opt_date(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<NaiveDate>, StoreError> {
    let raw: Option<String> = r.try_get(column)?;
    raw.map(|v| {
        v.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column}: {v}")))
    })
    .transpose()
}

pub async fn insert_org_change(
    conn: &mut WriteTx,
    body: BodyId,
    kind: OrgChangeKind,
    effective: NaiveDate,
    summary: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO org_changes (id, body_id, kind, effective_date, summary, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(body.to_string())
    .bind(kind.as_str())
    .bind(effective.to_string())
    .bind(summary)
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// 組織改正 of the body, newest first: (effective date, kind, summary).
pub async fn org_changes(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<(NaiveDate, OrgChangeKind, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT effective_date, kind, summary FROM org_changes WHERE body_id = $1 \
         ORDER BY effective_date DESC, created_at DESC",
    )
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok((
                date(r, "effective_date")?,
                OrgChangeKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("org_changes.kind: {kind}")))?,
                r.try_get("summary")?,
            ))
        })
        .collect()
}

pub async fn count_units(conn: &mut impl Reads, body: BodyId) -> Result<i64, StoreError> {
    count(
        conn,
        "SELECT COUNT(*) AS n FROM org_units WHERE body_id = $1",
        body,
    )
    .await
}

pub async fn count_people(conn: &mut impl Reads, body: BodyId) -> Result<i64, StoreError> {
    count(
        conn,
        "SELECT COUNT(*) AS n FROM people WHERE body_id = $1",
        body,
    )
    .await
}

async fn count(conn: &mut impl Reads, sql: &str, body: BodyId) -> Result<i64, StoreError> {
    let row = sqlx::query(sql)
        .bind(body.to_string())
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn insert_person(
    conn: &mut WriteTx,
    p: &Person,
    from: NaiveDate,
    cause: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO people (id, body_id, staff_number, name, name_kana, unit_id, title, \
         employment_kind, email, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(p.id.to_string())
    .bind(p.body_id.to_string())
    .bind(&p.staff_number)
    .bind(&p.name)
    .bind(&p.name_kana)
    .bind(p.unit_id.to_string())
    .bind(&p.title)
    .bind(&p.employment_kind)
    .bind(p.email.clone())
    .bind(p.status.label())
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    put_person_history(conn, p, from, cause).await
}

/// Saves the person's name, ふりがな and e-mail, and records their unit, 職名, employment and
/// status as of `from` (a later change on the same date replaces the earlier one); the current
/// unit, 職名 … become those of `today`.
pub async fn update_person(
    conn: &mut WriteTx,
    p: &Person,
    from: NaiveDate,
    cause: &str,
    today: NaiveDate,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE people SET name = $2, name_kana = $3, unit_id = $4, title = $5, \
         employment_kind = $6, email = $7, status = $8 WHERE id = $1",
    )
    .bind(p.id.to_string())
    .bind(&p.name)
    .bind(&p.name_kana)
    .bind(p.unit_id.to_string())
    .bind(&p.title)
    .bind(&p.employment_kind)
    .bind(p.email.clone())
    .bind(p.status.label())
    .execute(conn.connection())
    .await?;
    put_person_history(conn, p, from, cause).await?;
    // A change dated ahead shows from its date on.
    refresh_people(conn, Some(p.id), today).await
}

async fn put_person_history(
    conn: &mut impl Reads,
    p: &Person,
    from: NaiveDate,
    cause: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO person_history (person_id, valid_from, unit_id, title, employment_kind, \
         status, cause) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (person_id, valid_from) DO UPDATE SET unit_id = excluded.unit_id, \
         title = excluded.title, employment_kind = excluded.employment_kind, \
         status = excluded.status, cause = excluded.cause",
    )
    .bind(p.id.to_string())
    .bind(from.to_string())
    .bind(p.unit_id.to_string())
    .bind(&p.title)
    .bind(&p.employment_kind)
    .bind(p.status.label())
    .bind(cause)
    .execute(conn.connection())
    .await?;
    Ok(())
}

const PERSON_COLUMNS: &str = "id, body_id, staff_number, name, name_kana, unit_id, title, \
     employment_kind, email, status";

fn person_from_row(r: &sqlx::any::AnyRow) -> Result<Person, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Person {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        staff_number: r.try_get("staff_number")?,
        name: r.try_get("name")?,
        name_kana: r.try_get("name_kana")?,
        unit_id: id(r, "unit_id")?,
        title: r.try_get("title")?,
        employment_kind: r.try_get("employment_kind")?,
        email: r.try_get("email")?,
        status: PersonStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("people.status: {status}")))?,
    })
}

/// A person of the body by id; another body's person is not found.
pub async fn find_person(
    conn: &mut impl Reads,
    body: BodyId,
    id: PersonId,
) -> Result<Option<Person>, StoreError> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE body_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

/// Every person of the body (current values), by 職員番号.
pub async fn all_people(conn: &mut impl Reads, body: BodyId) -> Result<Vec<Person>, StoreError> {
    let sql =
        format!("SELECT {PERSON_COLUMNS} FROM people WHERE body_id = $1 ORDER BY staff_number");
    let rows = sqlx::query(&sql)
        .bind(body.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(person_from_row).collect()
}

/// One page of people, filtered by unit (and the units below it: pass them all) and by a text
/// that matches 職員番号, 氏名 or ふりがな.
pub async fn search_people(
    conn: &mut impl Reads,
    body: BodyId,
    units: Option<&[OrgUnitId]>,
    text: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Person>, i64), StoreError> {
    let mut filter = String::from("body_id = $1");
    let mut binds: Vec<String> = vec![body.to_string()];
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        binds.push(format!("%{}%", text.replace(['%', '_'], "")));
        let n = binds.len();
        filter.push_str(&format!(
            " AND (staff_number LIKE ${n} OR name LIKE ${n} OR name_kana LIKE ${n})"
        ));
    }
    if let Some(units) = units {
        if units.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let start = binds.len();
        let marks: Vec<String> = (1..=units.len())
            .map(|i| format!("${}", start + i))
            .collect();
        binds.extend(units.iter().map(ToString::to_string));
        filter.push_str(&format!(" AND unit_id IN ({})", marks.join(", ")));
    }
    let count_sql = format!("SELECT COUNT(*) AS n FROM people WHERE {filter}");
    let mut q = sqlx::query(&count_sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total: i64 = q.fetch_one(conn.connection()).await?.try_get("n")?;
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE {filter} ORDER BY staff_number LIMIT {limit} OFFSET {offset}"
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(conn.connection()).await?;
    Ok((
        rows.iter().map(person_from_row).collect::<Result<_, _>>()?,
        total,
    ))
}

/// A person's history, oldest first: (from, unit id, 職名, 雇用区分, status, cause).
pub async fn person_history(
    conn: &mut impl Reads,
    person: PersonId,
) -> Result<Vec<PersonVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT valid_from, unit_id, title, employment_kind, status, cause FROM person_history \
         WHERE person_id = $1 ORDER BY valid_from",
    )
    .bind(person.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(PersonVersion {
                valid_from: date(r, "valid_from")?,
                unit_id: id(r, "unit_id")?,
                title: r.try_get("title")?,
                employment_kind: r.try_get("employment_kind")?,
                status: PersonStatus::parse(&status).ok_or_else(|| {
                    StoreError::Corrupt(format!("person_history.status: {status}"))
                })?,
                cause: r.try_get("cause")?,
            })
        })
        .collect()
}

/// The person's unit name and 職名, for the header and `/api/v1/me`.
pub async fn person_summary(
    conn: &mut impl Reads,
    person: PersonId,
) -> Result<Option<(String, String, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT p.name AS name, u.name AS unit_name, p.title AS title \
         FROM people p JOIN org_units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(person.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("name")?,
            r.try_get("unit_name")?,
            r.try_get("title")?,
        ))
    })
    .transpose()
}

pub async fn insert_role_definition(
    conn: &mut WriteTx,
    body: BodyId,
    role: &RoleDefinition,
    sort_order: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_definitions (body_id, key, name, scope, grants, sort_order) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(body.to_string())
    .bind(&role.key)
    .bind(&role.name)
    .bind(role.scope.as_str())
    .bind(role.grants.join(" "))
    .bind(sort_order)
    .execute(conn.connection())
    .await?;
    Ok(())
}

pub async fn insert_assignment(
    conn: &mut WriteTx,
    a: &RoleAssignment,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_assignments (id, body_id, role_key, person_id, unit_id, system_name, \
         is_deputy, valid_from, valid_to, created_at, post_unit_id, post_title) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(a.id.to_string())
    .bind(a.body_id.to_string())
    .bind(&a.role_key)
    .bind(a.person_id.to_string())
    .bind(a.unit_id.map(|u| u.to_string()))
    .bind(a.system_name.clone())
    .bind(i64::from(a.is_deputy))
    .bind(a.valid_from.to_string())
    .bind(a.valid_to.map(|d| d.to_string()))
    .bind(time::text(at))
    .bind(a.post.as_ref().map(|p| p.unit_id.to_string()))
    .bind(a.post.as_ref().map(|p| p.title.clone()))
    .execute(conn.connection())
    .await?;
    Ok(())
}

/// Ends an assignment on `last_day` (inclusive).
pub async fn end_assignment(
    conn: &mut WriteTx,
    id: RoleAssignmentId,
    last_day: NaiveDate,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE role_assignments SET valid_to = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(last_day.to_string())
        .execute(conn.connection())
        .await?;
    Ok(())
}

const ASSIGNMENT_COLUMNS: &str = "a.id AS id, a.body_id AS body_id, a.role_key AS role_key, \
     a.person_id AS person_id, a.unit_id AS unit_id, a.system_name AS system_name, \
     a.is_deputy AS is_deputy, a.valid_from AS valid_from, a.valid_to AS valid_to, \
     a.post_unit_id AS post_unit_id, a.post_title AS post_title";

fn assignment_from_row(r: &sqlx::any::AnyRow) -> Result<RoleAssignment, StoreError> {
    let post_unit: Option<OrgUnitId> = opt_id(r, "post_unit_id")?;
    let post_title: Option<String> = r.try_get("post_title")?;
    Ok(RoleAssignment {
        id: id(r, "id")?,
        body_id: id(r, "body_id")?,
        role_key: r.try_get("role_key")?,
        person_id: id(r, "person_id")?,
        unit_id: opt_id(r, "unit_id")?,
        system_name: r.try_get("system_name")?,
        is_deputy: r.try_get::<i64, _>("is_deputy")? != 0,
        valid_from: date(r, "valid_from")?,
        valid_to: opt_date(r, "valid_to")?,
        post: match (post_unit, post_title) {
            (Some(unit_id), Some(title)) => Some(Post { unit_id, title }),
            _ => None,
        },
    })
}

/// A role assignment of the body by id; another body's is not found.
pub async fn find_assignment(
    conn: &mut impl Reads,
    body: BodyId,
    id: RoleAssignmentId,
) -> Result<Option<RoleAssignment>, StoreError> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments a WHERE a.body_id = $1 AND a.id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(body.to_string())
        .bind(id.to_string())
        .fetch_optional(conn.connection())
        .await?;
    row.as_ref().map(assignment_from_row).transpose()
}

/// The body's assignments valid on `on` (or all of them, past and future, with `None`), in the
/// order of the role set, then unit.
pub async fn assignments(
    conn: &mut impl Reads,
    body: BodyId,
    on: Option<NaiveDate>,
) -> Result<Vec<RoleAssignment>, StoreError> {
    let mut sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments a \
         JOIN role_definitions d ON d.body_id = a.body_id AND d.key = a.role_key \
         LEFT JOIN org_units u ON u.id = a.unit_id WHERE a.body_id = $1"
    );
    if on.is_some() {
        sql.push_str(" AND a.valid_from <= $2 AND (a.valid_to IS NULL OR a.valid_to >= $2)");
    }
    sql.push_str(" ORDER BY d.sort_order, u.sort_order, a.system_name, a.is_deputy, a.valid_from");
    let mut q = sqlx::query(&sql).bind(body.to_string());
    if let Some(on) = on {
        q = q.bind(on.to_string());
    }
    let rows = q.fetch_all(conn.connection()).await?;
    rows.iter().map(assignment_from_row).collect()
}

/// A person's assignments, past and present, newest first.
pub async fn assignments_of(
    conn: &mut impl Reads,
    person: PersonId,
) -> Result<Vec<RoleAssignment>, StoreError> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments a WHERE a.person_id = $1 \
         ORDER BY a.valid_from DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(person.to_string())
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(assignment_from_row).collect()
}

/// Each person's unit, 職名 and status on `on`, from their history: (person, unit, 職名, status).
pub async fn people_on(
    conn: &mut impl Reads,
    body: BodyId,
    on: NaiveDate,
) -> Result<Vec<(PersonId, String, OrgUnitId, String, PersonStatus)>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.id AS id, p.name AS name, h.unit_id AS unit_id, h.title AS title, \
         h.status AS status FROM people p JOIN person_history h ON h.person_id = p.id \
         AND h.valid_from = (SELECT MAX(h2.valid_from) FROM person_history h2 \
                             WHERE h2.person_id = p.id AND h2.valid_from <= $2) \
         WHERE p.body_id = $1",
    )
    .bind(body.to_string())
    .bind(on.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok((
                id(r, "id")?,
                r.try_get("name")?,
                id(r, "unit_id")?,
                r.try_get("title")?,
                PersonStatus::parse(&status).ok_or_else(|| {
                    StoreError::Corrupt(format!("person_history.status: {status}"))
                })?,
            ))
        })
        .collect()
}

/// Stores an uploaded file until the user confirms (or abandons) its import.
/// Not a change of state: an upload waiting to be confirmed, kept on a plain connection like a
/// session; the import that uses it is audited.
pub async fn put_pending_import(
    conn: &mut impl Reads,
    body: BodyId,
    kind: &str,
    file_name: &str,
    content: &[u8],
    created_by: &str,
    at: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO pending_imports (id, body_id, kind, file_name, content, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(body.to_string())
    .bind(kind)
    .bind(file_name)
    .bind(content.to_vec())
    .bind(created_by)
    .bind(time::text(at))
    .execute(conn.connection())
    .await?;
    Ok(id)
}

/// An uploaded file of the body: (kind, file name, content).
pub async fn pending_import(
    conn: &mut impl Reads,
    body: BodyId,
    id: &str,
) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
    let row = sqlx::query(
        "SELECT kind, file_name, content FROM pending_imports WHERE id = $1 AND body_id = $2",
    )
    .bind(id)
    .bind(body.to_string())
    .fetch_optional(conn.connection())
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("kind")?,
            r.try_get("file_name")?,
            r.try_get("content")?,
        ))
    })
    .transpose()
}

/// An upload kept for its preview that nobody imported: (id, body, kind, file name, created by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalePendingImport {
    pub id: String,
    pub body_id: String,
    pub kind: String,
    pub file_name: String,
    pub created_by: String,
}

/// Removes the uploads kept since before `before` and returns what they were.
pub async fn expire_pending_imports(
    conn: &mut WriteTx,
    before: DateTime<Utc>,
) -> Result<Vec<StalePendingImport>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, body_id, kind, file_name, created_by FROM pending_imports \
         WHERE created_at < $1 ORDER BY created_at",
    )
    .bind(time::text(before))
    .fetch_all(conn.connection())
    .await?;
    let mut stale = Vec::with_capacity(rows.len());
    for row in &rows {
        stale.push(StalePendingImport {
            id: row.try_get("id")?,
            body_id: row.try_get("body_id")?,
            kind: row.try_get("kind")?,
            file_name: row.try_get("file_name")?,
            created_by: row.try_get("created_by")?,
        });
    }
    sqlx::query("DELETE FROM pending_imports WHERE created_at < $1")
        .bind(time::text(before))
        .execute(conn.connection())
        .await?;
    Ok(stale)
}

/// Uploads of `kind` kept for `created_by`.
pub async fn count_pending_imports(
    conn: &mut impl Reads,
    kind: &str,
    created_by: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM pending_imports WHERE kind = $1 AND created_by = $2",
    )
    .bind(kind)
    .bind(created_by)
    .fetch_one(conn.connection())
    .await?;
    Ok(row.try_get("n")?)
}

pub async fn delete_pending_import(conn: &mut WriteTx, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM pending_imports WHERE id = $1")
        .bind(id)
        .execute(conn.connection())
        .await?;
    Ok(())
}

/// The roles a person holds on a date, in the order of the body's role set.
pub async fn roles_held(
    conn: &mut impl Reads,
    person: PersonId,
    on: NaiveDate,
) -> Result<Vec<HeldRole>, StoreError> {
    // Dates are ISO text, so text comparison is date comparison on both backends.
    let rows = sqlx::query(
        "SELECT d.key AS key, d.name AS name, d.grants AS grants, u.name AS unit_name, \
         a.system_name AS system_name, a.is_deputy AS is_deputy \
         FROM role_assignments a \
         JOIN role_definitions d ON d.body_id = a.body_id AND d.key = a.role_key \
         LEFT JOIN org_units u ON u.id = a.unit_id \
         WHERE a.person_id = $1 AND a.valid_from <= $2 AND (a.valid_to IS NULL OR a.valid_to >= $2) \
         ORDER BY d.sort_order, u.sort_order",
    )
    .bind(person.to_string())
    .bind(on.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let grants: String = r.try_get("grants")?;
            Ok(HeldRole {
                key: r.try_get("key")?,
                name: r.try_get("name")?,
                unit_name: r.try_get("unit_name")?,
                system_name: r.try_get("system_name")?,
                is_deputy: r.try_get::<i64, _>("is_deputy")? != 0,
                grants: grants.split_whitespace().map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// The body's role set, in its order.
pub async fn list_role_definitions(
    conn: &mut impl Reads,
    body: BodyId,
) -> Result<Vec<RoleDefinition>, StoreError> {
    let rows = sqlx::query(
        "SELECT key, name, scope, grants FROM role_definitions WHERE body_id = $1 ORDER BY sort_order",
    )
    .bind(body.to_string())
    .fetch_all(conn.connection())
    .await?;
    rows.iter()
        .map(|r| {
            let scope: String = r.try_get("scope")?;
            let grants: String = r.try_get("grants")?;
            Ok(RoleDefinition {
                key: r.try_get("key")?,
                name: r.try_get("name")?,
                scope: mamori_domain::org::RoleScope::parse(&scope).ok_or_else(|| {
                    StoreError::Corrupt(format!("role_definitions.scope: {scope}"))
                })?,
                grants: grants.split_whitespace().map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// How many bodies the installation holds.
pub async fn count_bodies(conn: &mut impl Reads) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM bodies")
        .fetch_one(conn.connection())
        .await?;
    Ok(row.try_get("n")?)
}

/// Every body in the installation, by code.
pub async fn list_bodies(conn: &mut impl Reads) -> Result<Vec<Body>, StoreError> {
    let rows = sqlx::query("SELECT id, code, name, kind, created_at FROM bodies ORDER BY code")
        .fetch_all(conn.connection())
        .await?;
    rows.iter().map(body_from_row).collect()
}
