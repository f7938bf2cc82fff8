//! 人事異動: people move on the effective date, roles tied to a post pass to the successor, and
//! the organization of any earlier date still answers who held what.

use crate::common;

use chrono::NaiveDate;
use common::TestApp;
use mamori_app::organization::{AssignmentInput, PersonInput};
use mamori_app::transfers::MoveInput;
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::authority::Context;
use mamori_domain::ids::OrgUnitId;
use mamori_domain::transfer::TransferStatus;

const TRANSPORT: &str = "S-2.(2)⑧(イ)";

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

async fn unit(t: &TestApp, user: &CurrentUser, name: &str) -> OrgUnitId {
    t.app
        .org_tree(user, t.app.today())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.unit.name == name)
        .unwrap_or_else(|| panic!("unit {name}"))
        .unit
        .id
}

async fn who(t: &TestApp, user: &CurrentUser, unit: OrgUnitId, on: NaiveDate) -> Vec<String> {
    let answer = t
        .app
        .who_may(
            user,
            TRANSPORT,
            &Context {
                unit: Some(unit),
                system: None,
            },
            on,
        )
        .await
        .unwrap();
    answer[0].holders.iter().map(|h| h.name.clone()).collect()
}

fn move_to(staff_number: &str, unit: OrgUnitId, title: &str) -> MoveInput {
    MoveInput {
        staff_number: staff_number.into(),
        to_unit: Some(unit),
        to_title: title.into(),
        to_status: "在職".into(),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn a_confirmed_transfer_moves_people_on_its_date_and_the_role_follows_the_post() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let (shimin, zeimu) = (
        unit(&t, &editor, "市民課").await,
        unit(&t, &editor, "税務課").await,
    );
    // The demo has next April's batch confirmed and waiting for its date.
    let waiting = t.app.transfers(&editor).await.unwrap();
    assert!(
        waiting
            .iter()
            .any(|b| b.status == TransferStatus::Confirmed && b.effective_date == date(2027, 4, 1))
    );
    // The two 課長 swap sections on 令和8年7月1日 (the demo clock is at 6月1日).
    let batch = t
        .app
        .create_transfer(
            &editor,
            &may,
            "令和8年7月1日付け人事異動",
            date(2026, 7, 1),
            &meta,
        )
        .await
        .unwrap();
    t.app
        .put_transfer_move(
            &editor,
            &may,
            batch.id,
            move_to("100091", zeimu, "課長"),
            &meta,
        )
        .await
        .unwrap();
    t.app
        .put_transfer_move(
            &editor,
            &may,
            batch.id,
            move_to("100105", shimin, "課長"),
            &meta,
        )
        .await
        .unwrap();
    let confirmed = t
        .app
        .confirm_transfer(&editor, &may, batch.id, &meta)
        .await
        .unwrap();
    assert_eq!(
        confirmed.status,
        TransferStatus::Confirmed,
        "not applied before its date"
    );
    assert_eq!(
        who(&t, &editor, shimin, t.app.today()).await,
        ["佐々木 翔太"]
    );
    assert_eq!(t.app.apply_due_transfers().await.unwrap(), 0);

    t.clock.advance(chrono::Duration::days(30));
    assert_eq!(t.app.apply_due_transfers().await.unwrap(), 1);
    assert_eq!(
        t.app.apply_due_transfers().await.unwrap(),
        0,
        "applied once only"
    );

    assert_eq!(
        who(&t, &editor, shimin, date(2026, 7, 1)).await,
        ["松本 和也"]
    );
    assert_eq!(
        who(&t, &editor, zeimu, date(2026, 7, 1)).await,
        ["佐々木 翔太"]
    );
    // The day before, the organization answers as it was.
    assert_eq!(
        who(&t, &editor, shimin, date(2026, 6, 30)).await,
        ["佐々木 翔太"]
    );

    let view = t.app.transfer(&editor, batch.id).await.unwrap();
    assert_eq!(view.transfer.status, TransferStatus::Applied);
    let report = view.transfer.report.unwrap();
    assert_eq!(report.moved, 2);
    assert!(
        report
            .role_changes
            .iter()
            .any(|c| c.contains("市民課") && c.contains("佐々木 翔太 → 松本 和也")),
        "{report:?}"
    );
    assert!(report.vacancies.is_empty(), "{report:?}");

    let person = t
        .app
        .people(&editor, None, Some("100091"), 1)
        .await
        .unwrap()
        .rows
        .remove(0)
        .person;
    let detail = t.app.person(&editor, person.id).await.unwrap();
    let last = detail.history.last().unwrap();
    assert_eq!(last.unit_name, "税務課");
    assert_eq!(last.version.cause, "異動");
    assert_eq!(last.version.valid_from, date(2026, 7, 1));
}

#[tokio::test]
async fn a_post_left_empty_is_reported_and_the_resolver_shows_the_gap() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let (shimin, zeimu) = (
        unit(&t, &editor, "市民課").await,
        unit(&t, &editor, "税務課").await,
    );
    let today = t.app.today();
    let batch = t
        .app
        .create_transfer(&editor, &may, "臨時異動", today, &meta)
        .await
        .unwrap();
    t.app
        .put_transfer_move(
            &editor,
            &may,
            batch.id,
            move_to("100091", zeimu, "主査"),
            &meta,
        )
        .await
        .unwrap();
    // Its date has come: confirming applies it at once.
    let applied = t
        .app
        .confirm_transfer(&editor, &may, batch.id, &meta)
        .await
        .unwrap();
    assert_eq!(applied.status, TransferStatus::Applied);
    let report = applied.report.unwrap();
    assert!(
        report
            .vacancies
            .iter()
            .any(|v| v.contains("市民課 課長") && v.contains("空席")),
        "{report:?}"
    );
    let answer = t
        .app
        .who_may(
            &editor,
            TRANSPORT,
            &Context {
                unit: Some(shimin),
                system: None,
            },
            today,
        )
        .await
        .unwrap();
    assert!(answer[0].holders.is_empty());
    assert!(
        answer[0]
            .gap
            .as_deref()
            .unwrap()
            .contains("任命されていません")
    );

    // An applied batch cannot be changed.
    let err = t
        .app
        .put_transfer_move(
            &editor,
            &may,
            batch.id,
            move_to("100105", shimin, "課長"),
            &meta,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn a_holder_on_leave_is_replaced_by_the_deputy_and_staff_cannot_edit() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let shimin = unit(&t, &editor, "市民課").await;
    let today = t.app.today();
    let people = t.app.people(&editor, Some(shimin), None, 1).await.unwrap();
    let chief = people
        .rows
        .iter()
        .find(|r| r.person.title == "課長")
        .unwrap()
        .person
        .clone();
    let deputy = people
        .rows
        .iter()
        .find(|r| r.person.title == "主査")
        .unwrap()
        .person
        .clone();
    t.app
        .assign_role(
            &editor,
            &may,
            AssignmentInput {
                role: "security_manager".into(),
                person: deputy.id,
                unit: Some(shimin),
                system: None,
                is_deputy: true,
                valid_from: today,
                valid_to: None,
                tie_to_post: false,
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(
        who(&t, &editor, shimin, today).await,
        vec![chief.name.clone()]
    );
    t.app
        .save_person(
            &editor,
            &may,
            Some(chief.id),
            PersonInput {
                staff_number: chief.staff_number.clone(),
                name: chief.name.clone(),
                name_kana: chief.name_kana.clone(),
                unit: Some(shimin),
                title: chief.title.clone(),
                employment_kind: chief.employment_kind.clone(),
                email: String::new(),
                status: "休職".into(),
                effective: None,
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(
        who(&t, &editor, shimin, today).await,
        vec![deputy.name.clone()]
    );

    let staff = user(&t, "kacho").await;
    assert!(matches!(staff.org_editor(), Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn merging_a_section_moves_its_people_ends_its_roles_and_keeps_the_past() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let (shimin, hoken) = (
        unit(&t, &editor, "市民課").await,
        unit(&t, &editor, "保険年金課").await,
    );
    let today = t.app.today();
    let hoken_people = t
        .app
        .people(&editor, Some(hoken), None, 1)
        .await
        .unwrap()
        .total;
    assert!(hoken_people > 0);

    // Abolishing a section that still has people needs a successor.
    let err = t
        .app
        .abolish_unit(&editor, &may, hoken, None, today, &meta)
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "統合先");

    let (abolished, notes) = t
        .app
        .abolish_unit(&editor, &may, hoken, Some(shimin), today, &meta)
        .await
        .unwrap();
    assert_eq!(abolished.successor_id, Some(shimin));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("保険年金課") && n.contains("山口 陽子") && n.contains("終了")),
        "{notes:?}"
    );
    // Its people are now in 市民課; the section is gone from today's tree but not yesterday's.
    assert_eq!(
        t.app
            .people(&editor, Some(hoken), None, 1)
            .await
            .unwrap()
            .total,
        0
    );
    let tree = t.app.org_tree(&editor, today).await.unwrap();
    assert!(!tree.iter().any(|r| r.unit.name == "保険年金課"));
    let yesterday = today.pred_opt().unwrap();
    let before = t.app.org_tree(&editor, yesterday).await.unwrap();
    assert!(before.iter().any(|r| r.unit.name == "保険年金課"));
    // Who could permit for 保険年金課 yesterday is still answered.
    assert_eq!(who(&t, &editor, hoken, yesterday).await, ["山口 陽子"]);
    let changes = t.app.org_changes(&editor).await.unwrap();
    assert!(
        changes
            .iter()
            .any(|(_, _, s)| s.starts_with("保険年金課を市民課に統合") && s.contains("山口 陽子")),
        "{changes:?}"
    );
}

#[tokio::test]
async fn a_reorganization_dated_ahead_shows_from_its_date() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let shimin = unit(&t, &editor, "市民課").await;
    let today = t.app.today();
    let april = today + chrono::Duration::days(10);
    let (current, _) = t.app.org_unit(&editor, shimin).await.unwrap();
    t.app
        .change_unit(
            &editor,
            &may,
            shimin,
            mamori_app::organization::UnitInput {
                code: current.code.clone(),
                name: "市民生活課".into(),
                kind: current.kind.as_str().into(),
                parent: current.parent_id,
                agency_kind: current.agency_kind.clone(),
                effective: april,
            },
            &meta,
        )
        .await
        .unwrap();
    let names_on = |rows: Vec<mamori_app::organization::UnitRow>| {
        rows.into_iter().map(|r| r.unit.name).collect::<Vec<_>>()
    };
    assert!(names_on(t.app.org_tree(&editor, today).await.unwrap()).contains(&"市民課".to_owned()));
    assert!(
        names_on(t.app.org_tree(&editor, april).await.unwrap()).contains(&"市民生活課".to_owned())
    );
    let unit_name = || async {
        t.app
            .people(&editor, None, Some("100091"), 1)
            .await
            .unwrap()
            .rows[0]
            .unit_name
            .clone()
    };
    assert_eq!(unit_name().await, "市民課", "not before its date");
    t.clock.advance(chrono::Duration::days(10));
    t.app.apply_due_transfers().await.unwrap();
    assert_eq!(unit_name().await, "市民生活課");
}

#[tokio::test]
async fn a_person_gets_a_login_and_loses_it_when_they_retire() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let person = t
        .app
        .people(&editor, None, Some("100175"), 1)
        .await
        .unwrap()
        .rows
        .remove(0)
        .person;
    // The password rule of the settings applies.
    let err = t
        .app
        .create_person_account(&editor, &may, person.id, "abe", "short", &meta)
        .await
        .unwrap_err();
    let AppError::Invalid(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "パスワード");
    t.app
        .create_person_account(
            &editor,
            &may,
            person.id,
            "abe",
            "correct horse battery",
            &meta,
        )
        .await
        .unwrap();
    assert!(
        t.app
            .login("abe", "correct horse battery", None, &meta)
            .await
            .is_ok()
    );
    // One account per person.
    assert!(
        t.app
            .create_person_account(
                &editor,
                &may,
                person.id,
                "abe2",
                "correct horse battery",
                &meta
            )
            .await
            .is_err()
    );

    let shokuin_unit = person.unit_id;
    t.app
        .save_person(
            &editor,
            &may,
            Some(person.id),
            PersonInput {
                staff_number: person.staff_number.clone(),
                name: person.name.clone(),
                name_kana: person.name_kana.clone(),
                unit: Some(shokuin_unit),
                title: person.title.clone(),
                employment_kind: person.employment_kind.clone(),
                email: String::new(),
                status: "退職".into(),
                effective: None,
            },
            &meta,
        )
        .await
        .unwrap();
    let accounts = t.app.person_accounts(&editor, person.id).await.unwrap();
    assert!(accounts[0].disabled, "the login of a leaver is disabled");
    assert!(matches!(
        t.app
            .login("abe", "correct horse battery", None, &meta)
            .await,
        Err(AppError::BadCredentials)
    ));
}
