//! The organization over time on both backends: a unit's name and parent on any date, a person's
//! unit and status on any date, staged uploads as bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeZone, Utc};
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId};
use mamori_domain::org::{Body, OrgUnit, Person, PersonStatus, UnitKind};
use mamori_store::testing::TestDatabase;
use mamori_store::{Store, org};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn unit(
    body: BodyId,
    code: &str,
    name: &str,
    parent: Option<OrgUnitId>,
    from: NaiveDate,
) -> OrgUnit {
    OrgUnit {
        id: OrgUnitId::new(),
        body_id: body,
        parent_id: parent,
        code: code.into(),
        kind: if parent.is_some() {
            UnitKind::Section
        } else {
            UnitKind::Department
        },
        agency_kind: "内部部局".into(),
        name: name.into(),
        sort_order: 0,
        valid_from: from,
        valid_to: None,
        successor_id: None,
    }
}

#[tokio::test]
async fn names_parents_and_people_are_answered_as_of_any_date() {
    let db = TestDatabase::new().await.expect("test database");
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    let mut tx = store.begin_write().await.unwrap();
    let body = Body {
        id: BodyId::new(),
        code: "t".into(),
        name: "試験町".into(),
        kind: None,
        created_at: at,
    };
    org::insert_body(&mut tx, &body).await.unwrap();
    let bu = unit(body.id, "bu", "住民部", None, d(2020, 4, 1));
    let other = unit(body.id, "bu2", "総務部", None, d(2020, 4, 1));
    let mut ka = unit(body.id, "ka", "住民課", Some(bu.id), d(2020, 4, 1));
    let new = unit(body.id, "new", "デジタル課", Some(other.id), d(2025, 4, 1));
    for u in [&bu, &other, &ka, &new] {
        org::insert_unit(&mut tx, u, at).await.unwrap();
    }
    // On 2024-04-01 住民課 becomes 市民課 and moves to 総務部.
    ka.name = "市民課".into();
    ka.parent_id = Some(other.id);
    org::put_unit_version(&mut tx, &ka, d(2024, 4, 1), d(2026, 1, 1))
        .await
        .unwrap();
    // A rename dated ahead is history now, the current name only from its date.
    let mut future = ka.clone();
    future.name = "市民生活課".into();
    org::put_unit_version(&mut tx, &future, d(2027, 4, 1), d(2026, 1, 1))
        .await
        .unwrap();
    assert_eq!(
        org::find_unit(&mut tx, body.id, ka.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "市民課"
    );

    let mut p = Person {
        id: PersonId::new(),
        body_id: body.id,
        staff_number: "0001".into(),
        name: "試験 花子".into(),
        name_kana: "しけん はなこ".into(),
        unit_id: ka.id,
        title: "主事".into(),
        employment_kind: "職員".into(),
        email: None,
        status: PersonStatus::Active,
    };
    org::insert_person(&mut tx, &p, d(2020, 4, 1), "登録", at)
        .await
        .unwrap();
    p.unit_id = new.id;
    p.status = PersonStatus::OnLeave;
    org::update_person(&mut tx, &p, d(2025, 10, 1), "異動", d(2026, 1, 1))
        .await
        .unwrap();
    let staged = org::put_pending_import(
        &mut tx,
        body.id,
        "people",
        "a.csv",
        &[0x82, 0xa0, 0],
        "x",
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.conn().await.unwrap();
    let on = |units: Vec<OrgUnit>, code: &str| units.into_iter().find(|u| u.code == code);
    let early = org::units_on(&mut conn, body.id, d(2023, 3, 31))
        .await
        .unwrap();
    let ka_early = on(early.clone(), "ka").unwrap();
    assert_eq!(
        (ka_early.name.as_str(), ka_early.parent_id),
        ("住民課", Some(bu.id))
    );
    assert!(on(early, "new").is_none(), "not yet created");
    let late = org::units_on(&mut conn, body.id, d(2025, 4, 1))
        .await
        .unwrap();
    let ka_late = on(late.clone(), "ka").unwrap();
    assert_eq!(
        (ka_late.name.as_str(), ka_late.parent_id),
        ("市民課", Some(other.id))
    );
    assert!(on(late, "new").is_some());
    assert_eq!(org::unit_history(&mut conn, ka.id).await.unwrap().len(), 3);

    let at_date = |rows: Vec<(PersonId, String, OrgUnitId, String, PersonStatus)>| {
        rows.into_iter().find(|r| r.0 == p.id).map(|r| (r.2, r.4))
    };
    assert_eq!(
        at_date(
            org::people_on(&mut conn, body.id, d(2025, 9, 30))
                .await
                .unwrap()
        ),
        Some((ka.id, PersonStatus::Active))
    );
    assert_eq!(
        at_date(
            org::people_on(&mut conn, body.id, d(2025, 10, 1))
                .await
                .unwrap()
        ),
        Some((new.id, PersonStatus::OnLeave))
    );
    assert_eq!(org::person_history(&mut conn, p.id).await.unwrap().len(), 2);

    org::refresh_current(&mut conn, d(2027, 4, 1))
        .await
        .unwrap();
    assert_eq!(
        org::find_unit(&mut conn, body.id, ka.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "市民生活課"
    );
    let (kind, name, bytes) = org::pending_import(&mut conn, body.id, &staged)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kind.as_str(), name.as_str(), bytes),
        ("people", "a.csv", vec![0x82, 0xa0, 0])
    );
    assert!(
        org::pending_import(&mut conn, BodyId::new(), &staged)
            .await
            .unwrap()
            .is_none()
    );
}
