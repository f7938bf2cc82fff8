//! Applications on both backends: an application comes back whole, is saved only at the version
//! read, lists filter within one body newest number first, 受付番号 increment per body and year
//! and never repeat, attached files keep their bytes, and an uncommitted write leaves nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use common::{asset, d, setup, t0};
use mamori_domain::approval::{
    Application, EmergencyRecord, Event, EventKind, FieldValue, Period, Status,
};
use mamori_domain::classification::Action;
use mamori_domain::ids::{
    ApplicationFileId, ApplicationId, AssetEventId, AssetId, BodyId, PersonId,
};
use mamori_store::approvals::{self, ApplicationFile};
use mamori_store::assets::{self, AssetEvent, EventStatus};
use mamori_store::{Store, StoreError};

fn application(number: &str, clause: &str, applicant: PersonId, status: Status) -> Application {
    Application {
        id: ApplicationId::new(),
        number: number.into(),
        kind: "transport".into(),
        kind_name: "運搬の許可".into(),
        clause: clause.into(),
        applicant,
        applicant_name: "試験 花子".into(),
        unit: None,
        unit_name: String::new(),
        subjects: Vec::new(),
        fields: BTreeMap::new(),
        status,
        route: None,
        current_step: 0,
        exception: false,
        created_at: t0(),
        submitted_on: None,
        decided_on: None,
        valid_until: None,
        return_due: None,
        returned_on: None,
        emergency: None,
        history: Vec::new(),
        version: 1,
    }
}

/// An asset with one record waiting for permission, for applications that permit it.
async fn waiting_event(store: &Store, body: BodyId) -> AssetEventId {
    let asset = asset(body, &format!("A-{}", AssetId::new()), "USBメモリ");
    let event = AssetEvent {
        id: AssetEventId::new(),
        body_id: body,
        asset_id: asset.id,
        action: Action::Transport,
        status: EventStatus::AwaitingApproval,
        acted_at: t0(),
        person: None,
        details: "運搬".into(),
        new_location: None,
        approval: None,
        required_roles: vec!["ciso".into()],
        recorded_by: "kacho".into(),
        created_at: t0(),
        completed_at: None,
    };
    let mut tx = store.begin_write().await.unwrap();
    assets::insert_asset(&mut tx, &asset, &[]).await.unwrap();
    assets::insert_event(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    event.id
}

#[tokio::test]
async fn an_application_comes_back_whole_with_the_record_it_permits() {
    let f = setup().await;
    let event = waiting_event(&f.store, f.body).await;
    let mut app = application("2026-0007", "S-2.(2)⑧(イ)", f.people[0], Status::Submitted);
    app.unit = Some(f.units[0]);
    app.unit_name = "情報政策課".into();
    app.subjects = vec![f.people[1], f.people[0]];
    app.fields = BTreeMap::from([
        (
            "purpose".to_owned(),
            FieldValue::Text("住民説明会の資料を運ぶ\n（第二庁舎）".into()),
        ),
        ("day".to_owned(), FieldValue::Date(d(2026, 4, 10))),
        (
            "period".to_owned(),
            FieldValue::Period(Period {
                from: d(2026, 4, 10),
                to: d(2026, 4, 12),
            }),
        ),
        (
            "assets".to_owned(),
            FieldValue::Assets(vec![AssetId::new(), AssetId::new()]),
        ),
        ("people".to_owned(), FieldValue::People(vec![f.people[1]])),
        ("means".to_owned(), FieldValue::Choice("公用車".into())),
        (
            "files".to_owned(),
            FieldValue::Attachment(vec!["配置図.pdf".into()]),
        ),
    ]);
    app.exception = true;
    app.submitted_on = Some(d(2026, 4, 2));
    app.valid_until = Some(d(2027, 3, 31));
    app.return_due = Some(d(2026, 4, 13));
    app.emergency = Some(EmergencyRecord {
        acted_on: d(2026, 4, 1),
        report_due: d(2026, 4, 8),
        reported_on: None,
    });
    app.history = vec![Event {
        kind: EventKind::Submit,
        at: t0() + Duration::hours(2),
        by: Some(f.people[0]),
        from: Some(Status::Draft),
        to: Status::Submitted,
        step: Some(0),
        comment: Some("至急お願いします".into()),
        version: 2,
    }];
    app.version = 2;
    let plain = application("2026-0008", "S-7.4", f.people[1], Status::Draft);
    let mut tx = f.store.begin_write().await.unwrap();
    approvals::insert_application(&mut tx, f.body, &app, Some(event), t0())
        .await
        .unwrap();
    approvals::insert_application(&mut tx, f.body, &plain, None, t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let got = approvals::get_application(&mut conn, f.body, app.id)
        .await
        .unwrap();
    assert_eq!(got, Some((app.clone(), Some(event))));
    let got = approvals::get_application(&mut conn, f.body, plain.id)
        .await
        .unwrap();
    assert_eq!(got, Some((plain.clone(), None)));
    assert_eq!(
        approvals::get_application(&mut conn, f.other, app.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        approvals::application_of_event(&mut conn, event)
            .await
            .unwrap(),
        Some(app.id)
    );
    assert_eq!(
        approvals::application_of_event(&mut conn, AssetEventId::new())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_application_is_saved_only_at_the_version_read() {
    let f = setup().await;
    let app = application("2026-0001", "S-2.(2)⑧(イ)", f.people[0], Status::Draft);
    let mut tx = f.store.begin_write().await.unwrap();
    approvals::insert_application(&mut tx, f.body, &app, None, t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut first = app.clone();
    first.status = Status::Submitted;
    first.version = 2;
    let mut second = app.clone();
    second.status = Status::Withdrawn;
    second.version = 2;
    let mut tx = f.store.begin_write().await.unwrap();
    assert!(
        approvals::update_application(&mut tx, &first, 1, t0())
            .await
            .unwrap()
    );
    // A writer that also read version 1 comes second: nothing is changed.
    assert!(
        !approvals::update_application(&mut tx, &second, 1, t0())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let (got, _) = approvals::get_application(&mut conn, f.body, app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, first);
    let withdrawn = approvals::list_applications(&mut conn, f.body, None, &["withdrawn"])
        .await
        .unwrap();
    assert!(
        withdrawn.is_empty(),
        "the status column was not touched either"
    );
    let submitted = approvals::list_applications(&mut conn, f.body, None, &["submitted"])
        .await
        .unwrap();
    assert_eq!(submitted, vec![(first.clone(), None)]);

    let mut third = first.clone();
    third.status = Status::Approved;
    third.version = 3;
    third.decided_on = Some(d(2026, 4, 3));
    let mut tx = f.store.begin_write().await.unwrap();
    assert!(
        approvals::update_application(&mut tx, &third, 2, t0())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let (got, _) = approvals::get_application(&mut conn, f.body, app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, third);
}

#[tokio::test]
async fn lists_filter_by_clause_status_and_applicant_within_the_body() {
    let f = setup().await;
    let (p, q) = (f.people[0], f.people[1]);
    let rows = [
        ("2026-0003", "S-7.4", p, Status::Approved),
        ("2026-0001", "S-2.(2)⑧(イ)", p, Status::Submitted),
        ("2026-0004", "S-2.(2)⑧(イ)", q, Status::Draft),
        ("2026-0002", "S-2.(2)⑧(イ)", q, Status::Approved),
    ];
    let apps: Vec<Application> = rows
        .iter()
        .map(|(n, c, a, s)| application(n, c, *a, *s))
        .collect();
    let mut tx = f.store.begin_write().await.unwrap();
    for a in &apps {
        approvals::insert_application(&mut tx, f.body, a, None, t0())
            .await
            .unwrap();
    }
    // The other body has the same numbers and clauses, even an applicant of this body.
    for a in [
        application("2026-0005", "S-7.4", p, Status::Approved),
        application("2026-0001", "S-7.4", f.people[2], Status::Draft),
    ] {
        approvals::insert_application(&mut tx, f.other, &a, None, t0())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    let numbers = |list: Vec<(Application, Option<AssetEventId>)>| -> Vec<String> {
        list.into_iter().map(|(a, _)| a.number).collect()
    };
    let all = approvals::list_applications(&mut conn, f.body, None, &[])
        .await
        .unwrap();
    assert_eq!(all[0], (apps[2].clone(), None));
    assert_eq!(
        numbers(all),
        ["2026-0004", "2026-0003", "2026-0002", "2026-0001"]
    );
    let clause = approvals::list_applications(&mut conn, f.body, Some("S-2.(2)⑧(イ)"), &[])
        .await
        .unwrap();
    assert_eq!(numbers(clause), ["2026-0004", "2026-0002", "2026-0001"]);
    let open = approvals::list_applications(&mut conn, f.body, None, &["submitted", "draft"])
        .await
        .unwrap();
    assert_eq!(numbers(open), ["2026-0004", "2026-0001"]);
    let both = approvals::list_applications(&mut conn, f.body, Some("S-2.(2)⑧(イ)"), &["approved"])
        .await
        .unwrap();
    assert_eq!(numbers(both), ["2026-0002"]);
    let of_p = approvals::applications_of(&mut conn, f.body, p)
        .await
        .unwrap();
    assert_eq!(of_p, vec![apps[0].clone(), apps[1].clone()]);
    let theirs = approvals::list_applications(&mut conn, f.other, None, &[])
        .await
        .unwrap();
    assert_eq!(numbers(theirs), ["2026-0005", "2026-0001"]);
}

#[tokio::test]
async fn reception_numbers_increment_per_body_and_year_and_never_repeat() {
    let f = setup().await;
    let mut tx = f.store.begin_write().await.unwrap();
    let mut taken = Vec::new();
    for year in [2026, 2026, 2027, 2026] {
        taken.push(
            approvals::next_application_number(&mut tx, f.body, year)
                .await
                .unwrap(),
        );
    }
    assert_eq!(taken, ["2026-0001", "2026-0002", "2027-0001", "2026-0003"]);
    assert_eq!(
        approvals::next_application_number(&mut tx, f.other, 2026)
            .await
            .unwrap(),
        "2026-0001"
    );
    let a = application("2026-0001", "S-7.4", f.people[0], Status::Draft);
    approvals::insert_application(&mut tx, f.body, &a, None, t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A number taken in a transaction that is not committed is given again.
    {
        let mut tx = f.store.begin_write().await.unwrap();
        assert_eq!(
            approvals::next_application_number(&mut tx, f.body, 2026)
                .await
                .unwrap(),
            "2026-0004"
        );
    }
    let mut tx = f.store.begin_write().await.unwrap();
    assert_eq!(
        approvals::next_application_number(&mut tx, f.body, 2026)
            .await
            .unwrap(),
        "2026-0004"
    );
    // The number is unique in the body.
    let twin = application("2026-0001", "S-2.(2)⑧(イ)", f.people[1], Status::Draft);
    let err = approvals::insert_application(&mut tx, f.body, &twin, None, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn attached_files_keep_their_bytes_and_stay_in_their_body() {
    let f = setup().await;
    let app = application("2026-0001", "S-7.4", f.people[0], Status::Draft);
    let file = |name: &str, at: DateTime<Utc>, size: i64| ApplicationFile {
        id: ApplicationFileId::new(),
        application_id: app.id,
        field_key: "files".into(),
        file_name: name.into(),
        content_type: "application/pdf".into(),
        size_bytes: size,
        sha256: "ab".repeat(32),
        uploaded_by: f.people[0],
        uploaded_at: at,
    };
    let first = file("配置図.pdf", t0(), 4);
    let second = file("説明資料（案）.pdf", t0() + Duration::minutes(1), 0);
    let bytes = vec![0x25, 0x00, 0xff, 0x82];
    let mut tx = f.store.begin_write().await.unwrap();
    approvals::insert_application(&mut tx, f.body, &app, None, t0())
        .await
        .unwrap();
    approvals::insert_file(&mut tx, f.body, &first, &bytes)
        .await
        .unwrap();
    approvals::insert_file(&mut tx, f.body, &second, &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(
        approvals::files_of(&mut conn, f.body, app.id)
            .await
            .unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert!(
        approvals::files_of(&mut conn, f.other, app.id)
            .await
            .unwrap()
            .is_empty()
    );
    let got = approvals::file_content(&mut conn, f.body, app.id, first.id)
        .await
        .unwrap();
    assert_eq!(got, Some((first.clone(), bytes)));
    let got = approvals::file_content(&mut conn, f.body, app.id, second.id)
        .await
        .unwrap();
    assert_eq!(got, Some((second, Vec::new())));
    assert_eq!(
        approvals::file_content(&mut conn, f.other, app.id, first.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        approvals::file_content(&mut conn, f.body, ApplicationId::new(), first.id)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_uncommitted_write_leaves_nothing() {
    let f = setup().await;
    let app = application("2026-0001", "S-7.4", f.people[0], Status::Draft);
    {
        let mut tx = f.store.begin_write().await.unwrap();
        approvals::insert_application(&mut tx, f.body, &app, None, t0())
            .await
            .unwrap();
        // dropped without commit
    }
    let mut conn = f.store.conn().await.unwrap();
    assert_eq!(
        approvals::get_application(&mut conn, f.body, app.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        approvals::list_applications(&mut conn, f.body, None, &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        approvals::applications_of(&mut conn, f.body, f.people[0])
            .await
            .unwrap()
            .is_empty()
    );
}
