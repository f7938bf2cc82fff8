//! The store conformance suite: the same tests on SQLite (always) and PostgreSQL (when
//! `MAMORI_TEST_POSTGRES_URL` is set, as in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use mamori_domain::account::{Account, DisplayName, Login};
use mamori_domain::audit::{Actor, AuditEntry, ChainVerifier};
use mamori_domain::ids::AccountId;
use mamori_store::accounts::{self, Throttle};
use mamori_store::audit::{self, AuditFilter};
use mamori_store::testing::TestDatabase;
use mamori_store::{Store, StoreError, sessions};

async fn store() -> (Store, TestDatabase) {
    let db = TestDatabase::new().await.expect("test database");
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, db)
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap()
}

fn account(login: &str) -> Account {
    Account {
        id: AccountId::new(),
        body_id: None,
        login: Login::parse(login).unwrap(),
        display_name: DisplayName::parse("試験 太郎").unwrap(),
        person_id: None,
        is_system_admin: false,
        disabled: false,
        created_at: t0(),
    }
}

async fn append(store: &Store, actor: &str, action: &str, target: &str, at: chrono::DateTime<Utc>) {
    let mut tx = store.begin_write().await.unwrap();
    let entry = AuditEntry::new(
        Actor {
            id: actor.into(),
            label: actor.into(),
        },
        action,
        "thing",
        target,
    )
    .after(&serde_json::json!({"名前": target}));
    audit::append(&mut tx, at, entry).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let (store, _db) = store().await;
    store.migrate().await.unwrap();
    let mut conn = store.conn().await.unwrap();
    assert_eq!(audit::head(&mut conn).await.unwrap().0, 0);
}

#[tokio::test]
async fn accounts_round_trip_and_logins_are_unique() {
    let (store, _db) = store().await;
    let a = account("kacho");
    let mut tx = store.begin_write().await.unwrap();
    accounts::insert(&mut tx, &a, "$argon2id$fake")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.conn().await.unwrap();
    let (found, hash) = accounts::find_with_hash(&mut conn, &a.login)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, a);
    assert_eq!(hash, "$argon2id$fake");

    let mut tx = store.begin_write().await.unwrap();
    let err = accounts::insert(&mut tx, &account("kacho"), "x")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn an_uncommitted_write_leaves_nothing() {
    let (store, _db) = store().await;
    {
        let mut tx = store.begin_write().await.unwrap();
        accounts::insert(&mut tx, &account("ghost"), "x")
            .await
            .unwrap();
        append_in(&mut tx).await;
        // dropped without commit
    }
    let mut conn = store.conn().await.unwrap();
    assert!(
        accounts::find_by_login(&mut conn, &Login::parse("ghost").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit::count(&mut conn).await.unwrap(), 0);
    assert_eq!(audit::head(&mut conn).await.unwrap().0, 0);
}

async fn append_in(tx: &mut mamori_store::WriteTx) {
    let entry = AuditEntry::new(Actor::system("test"), "thing.create", "thing", "1");
    audit::append(tx, t0(), entry).await.unwrap();
}

#[tokio::test]
async fn the_chain_stays_linear_under_concurrent_writers() {
    let (store, _db) = store().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                append(
                    &store,
                    &format!("writer{w}"),
                    "thing.create",
                    &format!("{w}-{i}"),
                    t0(),
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut conn = store.conn().await.unwrap();
    let records = audit::batch_after(&mut conn, 0, 1000).await.unwrap();
    assert_eq!(records.len(), 80);
    let mut v = ChainVerifier::new();
    for r in &records {
        v.push(r).unwrap();
    }
    let (seq, hash) = audit::head(&mut conn).await.unwrap();
    assert_eq!(v.finish(Some((seq, &hash))).unwrap(), 80);
}

/// Read connections handed back are used again, and neither starve the writers nor keep an old
/// view: after eight readers at once, a write still begins at once, and every reader sees it.
#[tokio::test]
async fn read_connections_given_back_leave_room_for_writers_and_see_their_commits() {
    let (store, _db) = store().await;
    let mut readers = Vec::new();
    for _ in 0..8 {
        let mut conn = store.conn().await.expect("reader");
        assert_eq!(audit::count(&mut conn).await.unwrap(), 0);
        readers.push(conn);
    }
    drop(readers);
    let mut tx = tokio::time::timeout(std::time::Duration::from_secs(5), store.begin_write())
        .await
        .expect("a writer finds a connection while readers are kept")
        .unwrap();
    append_in(&mut tx).await;
    tx.commit().await.unwrap();
    let mut readers = Vec::new();
    for _ in 0..8 {
        let mut conn = store.conn().await.expect("reader");
        assert_eq!(audit::count(&mut conn).await.unwrap(), 1);
        readers.push(conn);
    }
}

#[tokio::test]
async fn audit_listing_filters_and_pages_by_keyset() {
    let (store, _db) = store().await;
    for i in 0..25 {
        let actor = if i % 5 == 0 { "ciso" } else { "kacho" };
        append(
            &store,
            actor,
            "thing.create",
            &format!("t{i}"),
            t0() + Duration::days(i),
        )
        .await;
    }
    let mut conn = store.conn().await.unwrap();

    let first = audit::list(&mut conn, &AuditFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (16..=25).rev().collect::<Vec<_>>()
    );
    let second = audit::list(
        &mut conn,
        &AuditFilter {
            before_seq: Some(16),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(second.first().unwrap().seq, 15);

    let by_actor = audit::list(
        &mut conn,
        &AuditFilter {
            actor: Some("ciso".into()),
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(by_actor.len(), 5);
    assert!(by_actor.iter().all(|r| r.entry.actor.label == "ciso"));

    // Days 10..=14 (from inclusive, until exclusive).
    let period = audit::list(
        &mut conn,
        &AuditFilter {
            from: Some(t0() + Duration::days(10)),
            until: Some(t0() + Duration::days(15)),
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(period.len(), 5);

    let by_target = audit::list(
        &mut conn,
        &AuditFilter {
            target_type: Some("thing".into()),
            target_id: Some("t7".into()),
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(by_target.len(), 1);
    assert_eq!(
        by_target[0].entry.after.as_deref(),
        Some(r#"{"名前":"t7"}"#)
    );
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let (store, _db) = store().await;
    append(&store, "kacho", "thing.create", "t", t0()).await;
    let mut conn = store.conn().await.unwrap();
    let update = sqlx::query("UPDATE audit_log SET actor_label = 'x' WHERE seq = 1")
        .execute(conn.raw())
        .await;
    assert!(update.is_err(), "update must be refused");
    let delete = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(conn.raw())
        .await;
    assert!(delete.is_err(), "delete must be refused");
    assert_eq!(audit::count(&mut conn).await.unwrap(), 1);
}

#[tokio::test]
async fn sessions_and_throttles_round_trip() {
    let (store, _db) = store().await;
    let a = account("shokuin");
    let mut tx = store.begin_write().await.unwrap();
    accounts::insert(&mut tx, &a, "x").await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.conn().await.unwrap();
    let s = sessions::SessionRow {
        token_hash: "h1".into(),
        account_id: a.id,
        csrf_token: "c1".into(),
        created_at: t0(),
        last_seen_at: t0(),
    };
    sessions::insert(&mut conn, &s).await.unwrap();
    assert_eq!(
        sessions::find(&mut conn, "h1").await.unwrap(),
        Some(s.clone())
    );
    sessions::touch(&mut conn, "h1", t0() + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(
        sessions::find(&mut conn, "h1")
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        t0() + Duration::minutes(5)
    );
    let purged = sessions::purge_expired(&mut conn, t0() + Duration::minutes(10), t0())
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(sessions::find(&mut conn, "h1").await.unwrap().is_none());

    assert_eq!(
        accounts::throttle(&mut conn, "nobody")
            .await
            .unwrap()
            .failures,
        0
    );
    let locked = Throttle {
        failures: 5,
        locked_until: Some(t0() + Duration::minutes(1)),
    };
    accounts::set_throttle(&mut conn, "nobody", &locked, t0())
        .await
        .unwrap();
    accounts::set_throttle(&mut conn, "nobody", &locked, t0())
        .await
        .unwrap();
    assert_eq!(
        accounts::throttle(&mut conn, "nobody").await.unwrap(),
        locked
    );
    accounts::clear_throttle(&mut conn, "nobody").await.unwrap();
    assert_eq!(
        accounts::throttle(&mut conn, "nobody")
            .await
            .unwrap()
            .failures,
        0
    );
}

/// Saves an edition read with status `expected` and reads it back.
async fn saved(
    conn: &mut mamori_store::WriteTx,
    e: &mamori_domain::policy::Edition,
    expected: mamori_domain::policy::EditionStatus,
) -> mamori_domain::policy::Edition {
    mamori_store::policy::update_edition(conn, e, expected, t0())
        .await
        .unwrap();
    mamori_store::policy::find_edition(conn, e.body_id, e.number)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn an_edition_keeps_its_decision_and_send_backs_and_reads_rows_of_the_older_form() {
    use mamori_domain::ids::{BodyId, PersonId};
    use mamori_domain::org::Body;
    use mamori_domain::policy::{Decision, Edition, EditionStatus, Profile};
    use mamori_store::{org, policy};

    let (store, _db) = store().await;
    // Written in one transaction that is never committed: the test reads what it wrote.
    let mut conn = store.begin_write().await.unwrap();
    let body = Body {
        id: BodyId::new(),
        code: "test".into(),
        name: "試験市".into(),
        kind: None,
        created_at: t0(),
    };
    org::insert_body(&mut conn, &body).await.unwrap();
    let profile: Profile = serde_json::from_value(serde_json::json!({
        "guideline_edition": "2018-09",
        "body_name": "試験市",
        "body_term": "本市",
        "adopted_recommended": [],
        "amendments": {},
        "deletions": {},
        "local_clauses": [],
        "roles": [{"key": "ciso", "name": "CISO"}],
        "deciding_role": "ciso",
        "parameters": [],
        "classification_scheme": "",
    }))
    .unwrap();
    let mut e = Edition::first(
        body.id,
        "試験市情報セキュリティポリシー".into(),
        profile,
        t0(),
    );
    policy::insert_edition(&mut conn, &e, t0()).await.unwrap();
    let stored = saved(&mut conn, &e, EditionStatus::Draft).await;
    assert!(stored.send_backs.is_empty() && stored.decision.is_none());

    // Under review, sent back with a comment, under review again, decided.
    e.status = EditionStatus::UnderReview;
    saved(&mut conn, &e, EditionStatus::Draft).await;
    e.send_back("用語を統一すること", "佐藤 健一", Some("ciso"), t0())
        .unwrap();
    let stored = saved(&mut conn, &e, EditionStatus::UnderReview).await;
    assert_eq!(stored.status, EditionStatus::Draft);
    assert_eq!(stored.send_backs, e.send_backs);
    assert_eq!(stored.decision, None);
    let decision = Decision {
        by_person: PersonId::new(),
        by_name: "佐藤 健一".into(),
        role_key: "ciso".into(),
        on: t0().date_naive(),
        // The 委員会's 議決 the decision followed is kept with it.
        deliberation: Some(mamori_domain::committee::Deliberation {
            meeting_id: mamori_domain::ids::MeetingId::new(),
            held_on: t0().date_naive(),
            title: "第1版について".into(),
            vote: mamori_domain::committee::Vote::Unanimous,
            round: 1,
            recorded_by: "clerk".into(),
        }),
    };
    e.status = EditionStatus::Decided;
    e.decision = Some(decision.clone());
    let stored = saved(&mut conn, &e, EditionStatus::Draft).await;
    assert_eq!(stored.decision.as_ref(), Some(&decision));
    assert_eq!(
        stored.send_backs.len(),
        1,
        "the 差戻し stays after the decision"
    );

    // A row written before 差戻し were kept holds the decision object alone.
    sqlx::query("UPDATE policy_editions SET decision_json = $1 WHERE id = $2")
        .bind(serde_json::to_string(&decision).unwrap())
        .bind(e.id.to_string())
        .execute(conn.raw())
        .await
        .unwrap();
    let stored = policy::find_edition(&mut conn, body.id, e.number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.decision, Some(decision));
    assert!(stored.send_backs.is_empty());
}

/// What the application derived from the policy and the organization it keeps while the rule
/// stamp stays the same; the stamp must therefore change with every such write (in the writing
/// transaction, so the writer sees its own state), and a rolled-back write must not leave a
/// stamp that a later write could meet again.
#[tokio::test]
async fn the_rule_stamp_changes_with_every_write_to_the_rules_and_not_with_others() {
    use mamori_domain::ids::BodyId;
    use mamori_domain::org::Body;
    use mamori_store::{org, policy};
    let (store, _db) = store().await;
    let mut conn = store.conn().await.unwrap();
    let start = policy::rule_stamp(&mut conn).await.unwrap();
    assert_eq!(start, policy::rule_stamp(&mut conn).await.unwrap());

    // A write elsewhere (an account, the audit trail) leaves it.
    let mut tx = store.begin_write().await.unwrap();
    accounts::insert(&mut tx, &account("aside"), "x")
        .await
        .unwrap();
    append_in(&mut tx).await;
    tx.commit().await.unwrap();
    assert_eq!(start, policy::rule_stamp(&mut conn).await.unwrap());

    // A write to the organization changes it, inside the transaction already.
    let body = Body {
        id: BodyId::new(),
        code: "stamp".to_owned(),
        name: "みほん市".to_owned(),
        kind: None,
        created_at: t0(),
    };
    let mut tx = store.begin_write().await.unwrap();
    org::insert_body(&mut tx, &body).await.unwrap();
    let inside = policy::rule_stamp(&mut tx).await.unwrap();
    assert_ne!(inside, start);
    drop(tx);
    // Rolled back: the stamp is the committed one again.
    assert_eq!(start, policy::rule_stamp(&mut conn).await.unwrap());

    let mut tx = store.begin_write().await.unwrap();
    org::insert_body(&mut tx, &body).await.unwrap();
    tx.commit().await.unwrap();
    let committed = policy::rule_stamp(&mut conn).await.unwrap();
    assert_ne!(committed, start);
    // The rolled-back write's stamp does not come again.
    assert_ne!(committed, inside);
}
