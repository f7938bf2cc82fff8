//! The asset register on both backends: assets, links and lifecycle records come back as written
//! and stay in their body, automatic 管理番号 never repeat, a bulk load reads back like single
//! registrations, and an uncommitted write leaves nothing. Paging and filters: `asset_filters.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::{asset, filter, get, ids, insert_assets, levels, setup, t0};
use mamori_domain::asset::{AssetKind, AssetStatus, DocumentType, NetworkSegment, Safeguards};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId};
use mamori_store::assets::{self, AssetEvent, AssetRecord, EventStatus};

#[tokio::test]
async fn an_asset_and_its_links_come_back_as_written() {
    let f = setup().await;
    let s1 = asset(f.body, "S-1", "元データ一");
    let s2 = asset(f.body, "S-2", "元データ二");
    let s3 = asset(f.body, "S-3", "元データ三");
    let mut a = asset(f.body, "A-2", "住民基本台帳（写し）");
    a.kind = AssetKind::SystemDocument;
    a.description = "窓口端末から複製した一覧\n二行目".into();
    a.owner_unit = Some(f.units[0]);
    a.location = "本庁舎 3階 書庫".into();
    a.segment = NetworkSegment::MyNumber;
    a.classification = levels(&[("confidentiality", "3"), ("integrity", "2")]);
    a.retention = "5年".into();
    a.status = AssetStatus::Stored;
    a.document_type = Some(DocumentType::NetworkDiagram);
    a.safeguards = Safeguards {
        encrypted: true,
        locked_storage: true,
        backup: true,
        recovery_target_hours: Some(24),
    };
    // Links in an order that is neither id nor insertion order.
    a.derived_from = vec![s3.id, s1.id];
    a.holds = vec![s2.id];
    a.updated_at = t0() + Duration::seconds(90);
    let mut b = asset(f.body, "A-1", "媒体");
    b.holds = vec![s1.id];
    let high = levels(&[("confidentiality", "3")]);
    let items = [
        (&s1, vec![]),
        (&s2, vec![]),
        (&s3, vec![]),
        (&a, high),
        (&b, vec![]),
    ];
    insert_assets(&f.store, &items).await;

    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(get(&mut conn, f.body, a.id).await.as_ref(), Some(&a));
    assert_eq!(get(&mut conn, f.body, s1.id).await.as_ref(), Some(&s1));
    assert_eq!(get(&mut conn, f.other, a.id).await, None);
    let found = assets::find_by_number(&mut conn, f.body, "A-2")
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&a));
    assert_eq!(
        assets::find_by_number(&mut conn, f.other, "A-2")
            .await
            .unwrap(),
        None
    );
    let some = [b.id, AssetId::new(), a.id];
    let got = assets::get_assets(&mut conn, f.body, &some).await.unwrap();
    assert_eq!(
        got,
        vec![b.clone(), a.clone()],
        "in the order asked, missing ids left out"
    );
    let chunk = assets::chunk_with_links(&mut conn, f.body, None, 10)
        .await
        .unwrap();
    assert_eq!(
        chunk,
        vec![s1.clone(), s2.clone(), s3.clone(), a.clone(), b.clone()]
    );
    let chunk = assets::chunk_with_links(&mut conn, f.body, Some(s3.id), 1)
        .await
        .unwrap();
    assert_eq!(chunk, vec![a.clone()]);
    let deps = assets::dependents(&mut conn, s1.id).await.unwrap();
    let want = vec![
        (
            "holds".to_owned(),
            b.id,
            "A-1".to_owned(),
            "媒体".to_owned(),
        ),
        (
            "derived_from".to_owned(),
            a.id,
            "A-2".to_owned(),
            a.name.clone(),
        ),
    ];
    assert_eq!(deps, want, "by 管理番号");
    let records = assets::dependent_records(&mut conn, f.body, s1.id)
        .await
        .unwrap();
    let no_links = |r: &AssetRecord| AssetRecord {
        derived_from: Vec::new(),
        holds: Vec::new(),
        ..r.clone()
    };
    assert_eq!(
        records,
        vec![
            ("holds".to_owned(), no_links(&b)),
            ("derived_from".to_owned(), no_links(&a)),
        ],
        "the whole records of the dependents, by 管理番号"
    );
    assert!(
        assets::dependent_records(&mut conn, f.other, s1.id)
            .await
            .unwrap()
            .is_empty(),
        "another body's view finds none"
    );
    let numbers = ["A-1".to_owned(), "Z-9".to_owned()];
    let by_no = assets::ids_by_number(&mut conn, f.body, &numbers)
        .await
        .unwrap();
    assert_eq!(by_no, vec![(b.id, "A-1".to_owned())]);
    let by_no = assets::ids_by_number(&mut conn, f.other, &numbers)
        .await
        .unwrap();
    assert!(by_no.is_empty());
    let mut nos = assets::numbers_of(&mut conn, f.body, &[s2.id, s2.id, a.id])
        .await
        .unwrap();
    nos.sort();
    assert_eq!(
        nos,
        vec![(s2.id, "S-2".to_owned()), (a.id, "A-2".to_owned())]
    );

    // Every field is saved again, the links replaced in their new order, the filter rows too.
    let mut changed = a.clone();
    changed.name = "住民基本台帳（廃棄予定）".into();
    changed.owner_unit = None;
    changed.document_type = None;
    changed.safeguards = Safeguards::default();
    changed.classification = Vec::new();
    changed.retention = String::new();
    changed.status = AssetStatus::Disposed;
    changed.derived_from = vec![s1.id];
    changed.holds = vec![s3.id, s2.id];
    changed.updated_at = t0() + Duration::days(3);
    let mut tx = f.store.begin_write().await.unwrap();
    assets::update_asset(&mut tx, &changed, &[]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get(&mut conn, f.body, a.id).await, Some(changed));
    let at_least = filter(|x| x.at_least = Some(("confidentiality".into(), "3".into())));
    assert!(ids(&mut conn, f.body, &at_least, None, 10).await.is_empty());
}

#[tokio::test]
async fn automatic_numbers_increment_skip_numbers_taken_by_hand_and_never_repeat() {
    let f = setup().await;
    let mut tx = f.store.begin_write().await.unwrap();
    let mut taken = vec![
        assets::next_asset_number(&mut tx, f.body, "A-")
            .await
            .unwrap(),
    ];
    for no in ["A-000003", "A-000004"] {
        assets::insert_asset(&mut tx, &asset(f.body, no, "手入力"), &[])
            .await
            .unwrap();
    }
    for _ in 0..2 {
        taken.push(
            assets::next_asset_number(&mut tx, f.body, "A-")
                .await
                .unwrap(),
        );
    }
    assert_eq!(taken, ["A-000001", "A-000002", "A-000005"]);
    let theirs = assets::next_asset_number(&mut tx, f.other, "A-")
        .await
        .unwrap();
    assert_eq!(theirs, "A-000001", "each body counts on its own");
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(
        assets::next_asset_number_value(&mut conn, f.body)
            .await
            .unwrap(),
        Some(6)
    );
    let mut tx = f.store.begin_write().await.unwrap();
    assets::set_next_asset_number(&mut tx, f.body, 40)
        .await
        .unwrap();
    let next = assets::next_asset_number(&mut tx, f.body, "A-")
        .await
        .unwrap();
    assert_eq!(next, "A-000040");
    let next = assets::next_asset_number(&mut tx, f.body, "A-")
        .await
        .unwrap();
    assert_eq!(next, "A-000041");
    tx.commit().await.unwrap();
    assert_eq!(
        assets::next_asset_number_value(&mut conn, f.other)
            .await
            .unwrap(),
        Some(2)
    );
}

#[tokio::test]
async fn a_bulk_load_reads_back_like_single_registrations() {
    let f = setup().await;
    let mut items: Vec<(AssetRecord, Vec<(String, String)>)> = Vec::new();
    for i in 0..40 {
        let mut a = asset(f.body, &format!("L-{i:03}"), &format!("一括登録 {i}"));
        a.owner_unit = Some(f.units[1]);
        a.classification = levels(&[("confidentiality", "2")]);
        a.safeguards.recovery_target_hours = Some(i);
        // Links to assets earlier in the load.
        if let Some((prev, _)) = items.last() {
            a.derived_from = vec![prev.id];
            a.holds = prev.derived_from.clone();
        }
        items.push((a, levels(&[("confidentiality", "2")])));
    }
    let mut tx = f.store.begin_write().await.unwrap();
    assets::insert_assets_bulk(&mut tx, &items).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = f.store.conn().await.unwrap();
    let want: Vec<AssetRecord> = items.iter().map(|(a, _)| a.clone()).collect();
    let chunk = assets::chunk_with_links(&mut conn, f.body, None, 100)
        .await
        .unwrap();
    assert_eq!(chunk, want);
    assert_eq!(
        get(&mut conn, f.body, want[7].id).await.as_ref(),
        Some(&want[7])
    );
    let c2 = filter(|x| x.at_least = Some(("confidentiality".into(), "2".into())));
    assert_eq!(
        ids(&mut conn, f.body, &c2, Some(want[29].id), 100)
            .await
            .len(),
        10
    );
    let sample = assets::sample_asset_ids(&mut conn, f.body, 10)
        .await
        .unwrap();
    assert_eq!(
        sample,
        vec![want[9].id, want[19].id, want[29].id, want[39].id]
    );
}

#[tokio::test]
async fn lifecycle_records_round_trip_and_the_waiting_ones_are_listed() {
    let f = setup().await;
    let a = asset(f.body, "A-1", "申請書綴り");
    insert_assets(&f.store, &[(&a, vec![])]).await;
    let done = AssetEvent {
        id: AssetEventId::new(),
        body_id: f.body,
        asset_id: a.id,
        action: Action::Create,
        status: EventStatus::Completed,
        acted_at: t0() + Duration::hours(1),
        person: Some(f.people[0]),
        details: "新規作成".into(),
        new_location: None,
        approval: None,
        required_roles: Vec::new(),
        recorded_by: "kacho".into(),
        created_at: t0(),
        completed_at: Some(t0() + Duration::hours(1)),
    };
    let mut waiting = AssetEvent {
        id: AssetEventId::new(),
        action: Action::Transport,
        status: EventStatus::AwaitingApproval,
        person: None,
        details: "第二庁舎へ運搬".into(),
        new_location: Some("第二庁舎 書庫".into()),
        required_roles: vec!["security_manager".into(), "ciso".into()],
        created_at: t0() + Duration::minutes(5),
        completed_at: None,
        ..done.clone()
    };
    let mut tx = f.store.begin_write().await.unwrap();
    // Written newest first: the reads order by creation time.
    assets::insert_event(&mut tx, &waiting).await.unwrap();
    assets::insert_event(&mut tx, &done).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let events = assets::events_of(&mut conn, a.id).await.unwrap();
    assert_eq!(events, vec![done.clone(), waiting.clone()]);
    let awaiting = assets::awaiting_events(&mut conn, f.body).await.unwrap();
    assert_eq!(awaiting, vec![waiting.clone()]);
    assert!(
        assets::awaiting_events(&mut conn, f.other)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        assets::get_event(&mut conn, f.other, waiting.id)
            .await
            .unwrap(),
        None
    );

    waiting.status = EventStatus::Completed;
    waiting.approval = Some("2026-0001".into());
    waiting.acted_at = t0() + Duration::days(2);
    waiting.person = Some(f.people[1]);
    waiting.details = "許可を得て運搬した".into();
    waiting.completed_at = Some(t0() + Duration::days(2) + Duration::microseconds(7));
    let mut tx = f.store.begin_write().await.unwrap();
    assets::update_event(&mut tx, &waiting).await.unwrap();
    tx.commit().await.unwrap();
    let got = assets::get_event(&mut conn, f.body, waiting.id)
        .await
        .unwrap();
    assert_eq!(got, Some(waiting));
    assert!(
        assets::awaiting_events(&mut conn, f.body)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_uncommitted_write_leaves_nothing() {
    let f = setup().await;
    let source = asset(f.body, "A-1", "元");
    insert_assets(&f.store, &[(&source, vec![])]).await;
    let mut ghost = asset(f.body, "A-2", "幻");
    ghost.derived_from = vec![source.id];
    let event = AssetEvent {
        id: AssetEventId::new(),
        body_id: f.body,
        asset_id: source.id,
        action: Action::Disposal,
        status: EventStatus::AwaitingApproval,
        acted_at: t0(),
        person: None,
        details: "廃棄".into(),
        new_location: None,
        approval: None,
        required_roles: vec!["ciso".into()],
        recorded_by: "kacho".into(),
        created_at: t0(),
        completed_at: None,
    };
    {
        let mut tx = f.store.begin_write().await.unwrap();
        let no = assets::next_asset_number(&mut tx, f.body, "G-")
            .await
            .unwrap();
        assert_eq!(no, "G-000001");
        assets::insert_asset(&mut tx, &ghost, &levels(&[("c", "3")]))
            .await
            .unwrap();
        assets::insert_event(&mut tx, &event).await.unwrap();
        // dropped without commit
    }
    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(get(&mut conn, f.body, ghost.id).await, None);
    assert_eq!(assets::count_assets(&mut conn, f.body).await.unwrap(), 1);
    assert!(
        assets::dependents(&mut conn, source.id)
            .await
            .unwrap()
            .is_empty()
    );
    let c3 = filter(|x| x.at_least = Some(("c".into(), "3".into())));
    assert!(ids(&mut conn, f.body, &c3, None, 10).await.is_empty());
    assert_eq!(
        assets::next_asset_number_value(&mut conn, f.body)
            .await
            .unwrap(),
        None
    );
    assert!(
        assets::events_of(&mut conn, source.id)
            .await
            .unwrap()
            .is_empty()
    );
}
