//! Bodies, units, people, the body's role set and role assignments.

use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::ids::{BodyId, PersonId};
use mamori_domain::org::{Body, HeldRole, OrgUnit, Person, RoleAssignment, RoleDefinition};
use sqlx::{AnyConnection, Row};

use crate::{StoreError, time};

pub async fn insert_body(conn: &mut AnyConnection, body: &Body) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO bodies (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(body.id.to_string())
        .bind(&body.code)
        .bind(&body.name)
        .bind(time::text(body.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_body_by_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<Body>, StoreError> {
    let row = sqlx::query("SELECT id, code, name, created_at FROM bodies WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(body_from_row).transpose()
}

pub async fn get_body(conn: &mut AnyConnection, id: BodyId) -> Result<Body, StoreError> {
    let row = sqlx::query("SELECT id, code, name, created_at FROM bodies WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(conn)
        .await?;
    body_from_row(&row)
}

fn body_from_row(row: &sqlx::any::AnyRow) -> Result<Body, StoreError> {
    let id: String = row.try_get("id")?;
    let created_at: String = row.try_get("created_at")?;
    Ok(Body {
        id: id
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("bodies.id: {e}")))?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        created_at: time::parse("bodies.created_at", &created_at)?,
    })
}

pub async fn insert_unit(
    conn: &mut AnyConnection,
    unit: &OrgUnit,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO org_units (id, body_id, parent_id, code, kind, agency_kind, name, sort_order, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_units(conn: &mut AnyConnection, body: BodyId) -> Result<i64, StoreError> {
    count(
        conn,
        "SELECT COUNT(*) AS n FROM org_units WHERE body_id = $1",
        body,
    )
    .await
}

pub async fn count_people(conn: &mut AnyConnection, body: BodyId) -> Result<i64, StoreError> {
    count(
        conn,
        "SELECT COUNT(*) AS n FROM people WHERE body_id = $1",
        body,
    )
    .await
}

async fn count(conn: &mut AnyConnection, sql: &str, body: BodyId) -> Result<i64, StoreError> {
    let row = sqlx::query(sql)
        .bind(body.to_string())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn insert_person(
    conn: &mut AnyConnection,
    p: &Person,
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
    .bind(&p.status)
    .bind(time::text(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The person's unit name and 職名, for the header and `/api/v1/me`.
pub async fn person_summary(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Option<(String, String, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT p.name AS name, u.name AS unit_name, p.title AS title \
         FROM people p JOIN org_units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(person.to_string())
    .fetch_optional(conn)
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
    conn: &mut AnyConnection,
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
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_assignment(
    conn: &mut AnyConnection,
    a: &RoleAssignment,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_assignments (id, body_id, role_key, person_id, unit_id, system_name, \
         is_deputy, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .execute(conn)
    .await?;
    Ok(())
}

/// The roles a person holds on a date, in the order of the body's role set.
pub async fn roles_held(
    conn: &mut AnyConnection,
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
    .fetch_all(conn)
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
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Vec<RoleDefinition>, StoreError> {
    let rows = sqlx::query(
        "SELECT key, name, scope, grants FROM role_definitions WHERE body_id = $1 ORDER BY sort_order",
    )
    .bind(body.to_string())
    .fetch_all(conn)
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

/// Every body in the installation, by code.
pub async fn list_bodies(conn: &mut AnyConnection) -> Result<Vec<Body>, StoreError> {
    let rows = sqlx::query("SELECT id, code, name, created_at FROM bodies ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.iter().map(body_from_row).collect()
}
