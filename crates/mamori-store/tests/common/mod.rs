//! Shared setup of the aggregate conformance tests: a fresh migrated database (SQLite, or
//! PostgreSQL when `MAMORI_TEST_POSTGRES_URL` is set) with two bodies, two units and three people.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mamori_domain::asset::{AssetKind, AssetStatus, NetworkSegment, Safeguards};
use mamori_domain::ids::{AssetId, BodyId, OrgUnitId, PersonId};
use mamori_domain::org::{Body, OrgUnit, Person, PersonStatus, UnitKind};
use mamori_store::assets::{self, AssetFilter, AssetRecord};
use mamori_store::testing::TestDatabase;
use mamori_store::{Store, org};

/// A time with microseconds, the precision the store keeps.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 30, 0).unwrap() + Duration::microseconds(123_456)
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub struct Fixture {
    pub store: Store,
    pub db: TestDatabase,
    pub body: BodyId,
    /// Another body, whose rows the reads of `body` must never return.
    pub other: BodyId,
    /// 市民課 and デジタル推進課 of `body`.
    pub units: [OrgUnitId; 2],
    /// People of `body` in 市民課 with 職員番号 0003, 0001 and 0002, registered in that order.
    pub people: [PersonId; 3],
}

pub async fn setup() -> Fixture {
    let db = TestDatabase::new().await.expect("test database");
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    let mut bodies = Vec::new();
    for code in ["a", "b"] {
        let body = Body {
            id: BodyId::new(),
            code: code.into(),
            name: "試験町".into(),
            kind: None,
            created_at: t0(),
        };
        org::insert_body(&mut tx, &body).await.unwrap();
        bodies.push(body.id);
    }
    let mut units = Vec::new();
    for (code, name) in [("ka", "市民課"), ("ka2", "デジタル推進課")] {
        let unit = OrgUnit {
            id: OrgUnitId::new(),
            body_id: bodies[0],
            parent_id: None,
            code: code.into(),
            kind: UnitKind::Department,
            agency_kind: "内部部局".into(),
            name: name.into(),
            sort_order: 0,
            valid_from: d(2020, 4, 1),
            valid_to: None,
            successor_id: None,
        };
        org::insert_unit(&mut tx, &unit, t0()).await.unwrap();
        units.push(unit.id);
    }
    let mut people = Vec::new();
    for staff in ["0003", "0001", "0002"] {
        let p = Person {
            id: PersonId::new(),
            body_id: bodies[0],
            staff_number: staff.into(),
            name: format!("職員 {staff}"),
            name_kana: "しょくいん".into(),
            unit_id: units[0],
            title: "主事".into(),
            employment_kind: "職員".into(),
            email: Some(format!("s{staff}@example.jp")),
            status: PersonStatus::Active,
        };
        org::insert_person(&mut tx, &p, d(2020, 4, 1), "登録", t0())
            .await
            .unwrap();
        people.push(p.id);
    }
    tx.commit().await.unwrap();
    Fixture {
        store,
        db,
        body: bodies[0],
        other: bodies[1],
        units: [units[0], units[1]],
        people: [people[0], people[1], people[2]],
    }
}

/// An asset with the optional fields empty.
pub fn asset(body: BodyId, no: &str, name: &str) -> AssetRecord {
    AssetRecord {
        id: AssetId::new(),
        body_id: body,
        asset_no: no.into(),
        kind: AssetKind::Information,
        name: name.into(),
        description: String::new(),
        owner_unit: None,
        location: String::new(),
        segment: NetworkSegment::Other,
        classification: Vec::new(),
        retention: String::new(),
        status: AssetStatus::InUse,
        document_type: None,
        safeguards: Safeguards::default(),
        derived_from: Vec::new(),
        holds: Vec::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

/// Registers the assets with their class-filter rows in one committed transaction.
pub async fn insert_assets(store: &Store, items: &[(&AssetRecord, Vec<(String, String)>)]) {
    let mut tx = store.begin_write().await.unwrap();
    for (a, levels) in items {
        assets::insert_asset(&mut tx, a, levels).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `(axis, level)` pairs from string slices.
pub fn levels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, l)| ((*a).to_owned(), (*l).to_owned()))
        .collect()
}

/// A register filter with the given fields set.
pub fn filter(edit: impl FnOnce(&mut AssetFilter)) -> AssetFilter {
    let mut filter = AssetFilter::default();
    edit(&mut filter);
    filter
}

/// One asset of the body with its links.
pub async fn get(
    conn: &mut impl mamori_store::Reads,
    body: BodyId,
    asset: AssetId,
) -> Option<AssetRecord> {
    assets::get_asset(conn, body, asset).await.unwrap()
}

/// The ids of one page of the register.
pub async fn ids(
    conn: &mut impl mamori_store::Reads,
    body: BodyId,
    filter: &AssetFilter,
    after: Option<AssetId>,
    limit: i64,
) -> Vec<AssetId> {
    let rows = assets::list_assets(conn, body, filter, after, limit)
        .await
        .unwrap();
    rows.into_iter().map(|a| a.id).collect()
}
