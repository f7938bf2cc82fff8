//! 人事異動 on both backends: a batch comes back as written through its states, batches list
//! newest date first within one body, the due ones are found across bodies, moves are put,
//! replaced and removed per person in 職員番号 order, and an uncommitted write leaves nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Duration, NaiveDate};
use common::{d, setup, t0};
use mamori_domain::ids::{BodyId, OrgUnitId, TransferId};
use mamori_domain::org::PersonStatus;
use mamori_domain::transfer::{Move, Position, Transfer, TransferReport, TransferStatus};
use mamori_store::transfers;

fn batch(body: BodyId, title: &str, date: NaiveDate, status: TransferStatus) -> Transfer {
    Transfer {
        id: TransferId::new(),
        body_id: body,
        title: title.into(),
        effective_date: date,
        status,
        created_at: t0(),
        applied_at: None,
        report: None,
    }
}

fn to(unit: OrgUnitId, title: &str, status: PersonStatus) -> Position {
    Position {
        unit_id: unit,
        title: title.into(),
        status,
    }
}

#[tokio::test]
async fn a_batch_comes_back_as_written_through_its_states() {
    let f = setup().await;
    let mut t = batch(
        f.body,
        "令和8年4月1日付け人事異動",
        d(2026, 4, 1),
        TransferStatus::Draft,
    );
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::insert_transfer(&mut tx, &t).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(
        transfers::find_transfer(&mut conn, f.body, t.id)
            .await
            .unwrap(),
        Some(t.clone())
    );
    assert_eq!(
        transfers::find_transfer(&mut conn, f.body, TransferId::new())
            .await
            .unwrap(),
        None
    );
    // Asked for in another body, the batch is not there.
    assert_eq!(
        transfers::find_transfer(&mut conn, f.other, t.id)
            .await
            .unwrap(),
        None
    );

    t.title = "令和8年4月1日付け人事異動（第2次）".into();
    t.effective_date = d(2026, 4, 2);
    t.status = TransferStatus::Confirmed;
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::update_transfer(&mut tx, &t).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        transfers::find_transfer(&mut conn, f.body, t.id)
            .await
            .unwrap(),
        Some(t.clone())
    );

    t.status = TransferStatus::Applied;
    t.applied_at = Some(t0() + Duration::days(32) + Duration::microseconds(999_999));
    t.report = Some(TransferReport {
        moved: 2,
        role_changes: vec!["市民課 課長: 職員 0001 → 職員 0002".into()],
        vacancies: vec!["デジタル推進課 課長が空席のため、後任が決まっていません".into()],
    });
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::update_transfer(&mut tx, &t).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        transfers::find_transfer(&mut conn, f.body, t.id)
            .await
            .unwrap(),
        Some(t)
    );
}

#[tokio::test]
async fn batches_list_newest_date_first_and_the_due_ones_are_found_across_bodies() {
    let f = setup().await;
    let mut spring = batch(
        f.body,
        "4月1日付け",
        d(2026, 4, 1),
        TransferStatus::Confirmed,
    );
    let mut spring_late = spring.clone();
    spring_late.id = TransferId::new();
    spring_late.title = "4月1日付け（追加）".into();
    spring_late.created_at = t0() + Duration::hours(1);
    let autumn = batch(
        f.body,
        "10月1日付け",
        d(2026, 10, 1),
        TransferStatus::Confirmed,
    );
    let draft = batch(
        f.body,
        "3月31日付け（作成中）",
        d(2026, 3, 31),
        TransferStatus::Draft,
    );
    let applied = batch(f.body, "1月1日付け", d(2026, 1, 1), TransferStatus::Applied);
    let theirs = batch(
        f.other,
        "3月15日付け",
        d(2026, 3, 15),
        TransferStatus::Confirmed,
    );
    let mut tx = f.store.begin_write().await.unwrap();
    for t in [&applied, &spring_late, &theirs, &autumn, &draft, &spring] {
        transfers::insert_transfer(&mut tx, t).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let list = transfers::list_transfers(&mut conn, f.body).await.unwrap();
    let want = [&autumn, &spring_late, &spring, &draft, &applied];
    assert_eq!(list, want.map(Clone::clone));
    assert_eq!(
        transfers::list_transfers(&mut conn, f.other).await.unwrap(),
        vec![theirs.clone()]
    );

    // Confirmed and dated on or before today, oldest first; drafts and applied ones never.
    let due = transfers::due_transfers(&mut conn, d(2026, 3, 31))
        .await
        .unwrap();
    assert_eq!(due, vec![theirs.clone()]);
    let due = transfers::due_transfers(&mut conn, d(2026, 4, 1))
        .await
        .unwrap();
    assert_eq!(
        due,
        vec![theirs.clone(), spring.clone(), spring_late.clone()]
    );
    spring.status = TransferStatus::Applied;
    spring.applied_at = Some(t0());
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::update_transfer(&mut tx, &spring).await.unwrap();
    tx.commit().await.unwrap();
    let due = transfers::due_transfers(&mut conn, d(2027, 1, 1))
        .await
        .unwrap();
    assert_eq!(due, vec![theirs, spring_late, autumn]);
}

#[tokio::test]
async fn moves_are_put_replaced_and_removed_in_staff_number_order() {
    let f = setup().await;
    let t = batch(f.body, "4月1日付け", d(2026, 4, 1), TransferStatus::Draft);
    let other = batch(f.body, "5月1日付け", d(2026, 5, 1), TransferStatus::Draft);
    let [p3, p1, p2] = [f.people[0], f.people[1], f.people[2]];
    let (ka, ka2) = (f.units[0], f.units[1]);
    let m3 = Move {
        person: p3,
        to: to(ka2, "課長", PersonStatus::Active),
    };
    let m1 = Move {
        person: p1,
        to: to(ka, "主査", PersonStatus::OnLeave),
    };
    let m2 = Move {
        person: p2,
        to: to(ka2, "", PersonStatus::Retired),
    };
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::insert_transfer(&mut tx, &t).await.unwrap();
    transfers::insert_transfer(&mut tx, &other).await.unwrap();
    for m in [&m3, &m1, &m2] {
        transfers::put_move(&mut tx, t.id, m).await.unwrap();
    }
    transfers::put_move(&mut tx, other.id, &m1).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let moves = transfers::moves(&mut conn, t.id).await.unwrap();
    assert_eq!(moves, vec![m1.clone(), m2.clone(), m3.clone()]);

    // The person's move in the batch is replaced, not added.
    let m1b = Move {
        person: p1,
        to: to(ka2, "係長", PersonStatus::Active),
    };
    let mut tx = f.store.begin_write().await.unwrap();
    transfers::put_move(&mut tx, t.id, &m1b).await.unwrap();
    transfers::delete_move(&mut tx, t.id, p2).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        transfers::moves(&mut conn, t.id).await.unwrap(),
        vec![m1b, m3]
    );
    assert_eq!(
        transfers::moves(&mut conn, other.id).await.unwrap(),
        vec![m1],
        "the other batch keeps its move"
    );
    assert!(
        transfers::moves(&mut conn, TransferId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_uncommitted_write_leaves_nothing() {
    let f = setup().await;
    let t = batch(
        f.body,
        "4月1日付け",
        d(2026, 4, 1),
        TransferStatus::Confirmed,
    );
    {
        let mut tx = f.store.begin_write().await.unwrap();
        transfers::insert_transfer(&mut tx, &t).await.unwrap();
        let m = Move {
            person: f.people[0],
            to: to(f.units[1], "課長", PersonStatus::Active),
        };
        transfers::put_move(&mut tx, t.id, &m).await.unwrap();
        // dropped without commit
    }
    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(
        transfers::find_transfer(&mut conn, f.body, t.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        transfers::list_transfers(&mut conn, f.body)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        transfers::due_transfers(&mut conn, d(2030, 1, 1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(transfers::moves(&mut conn, t.id).await.unwrap().is_empty());
}
