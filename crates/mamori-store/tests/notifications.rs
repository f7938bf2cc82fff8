//! お知らせ and the mail outbox on both backends: notifications come back as written, newest first
//! for one person in one body; reading marks and counts only the person's own; the outbox hands
//! out unsent mail oldest first until it is sent or out of attempts; an uncommitted write leaves
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::{Fixture, setup, t0};
use mamori_domain::ids::{BodyId, MailId, NotificationId, PersonId};
use mamori_store::Store;
use mamori_store::notifications::{self, Notification, OutboxMail};

/// The fixture with its first two people as `p` and `q`.
async fn fixture() -> (Fixture, PersonId, PersonId) {
    let f = setup().await;
    let (p, q) = (f.people[0], f.people[1]);
    (f, p, q)
}

fn note(body: BodyId, person: PersonId, minutes: i64, link: Option<&str>) -> Notification {
    Notification {
        id: NotificationId::new(),
        body_id: body,
        person_id: person,
        subject: "承認の依頼".into(),
        text: format!("運搬の許可（2026-0001）の承認をお願いします。{minutes}"),
        link: link.map(str::to_owned),
        created_at: t0() + Duration::minutes(minutes),
        read_at: None,
    }
}

fn mail(body: BodyId, minutes: i64, notification: Option<NotificationId>) -> OutboxMail {
    OutboxMail {
        id: MailId::new(),
        body_id: body,
        notification_id: notification,
        to_address: "hanako@example.jp".into(),
        subject: "【mamori】承認の依頼".into(),
        text: "承認をお願いします。\r\n— mamori".into(),
        created_at: t0() + Duration::minutes(minutes),
        sent_at: None,
        attempts: 0,
        last_error: None,
    }
}

async fn insert_notes(store: &Store, notes: &[&Notification]) {
    let mut tx = store.begin_write().await.unwrap();
    for n in notes {
        notifications::insert_notification(&mut tx, n)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn notifications_come_back_newest_first_for_one_person_in_one_body() {
    let (f, p, q) = fixture().await;
    let old = note(f.body, p, 0, Some("/approvals/1"));
    let mut read = note(f.body, p, 10, None);
    read.read_at = Some(t0() + Duration::minutes(11) + Duration::microseconds(5));
    let newest = note(f.body, p, 20, Some("/assets/2"));
    let someone_else = note(f.body, q, 30, None);
    let elsewhere = note(f.other, p, 40, None);
    // Written out of order: the list orders by creation time.
    insert_notes(&f.store, &[&read, &newest, &old, &someone_else, &elsewhere]).await;

    let mut conn = f.store.conn().await.unwrap();
    let all = notifications::list_for_person(&mut conn, f.body, p, 10)
        .await
        .unwrap();
    assert_eq!(all, vec![newest.clone(), read.clone(), old.clone()]);
    let two = notifications::list_for_person(&mut conn, f.body, p, 2)
        .await
        .unwrap();
    assert_eq!(two, vec![newest, read]);
    let theirs = notifications::list_for_person(&mut conn, f.other, p, 10)
        .await
        .unwrap();
    assert_eq!(theirs, vec![elsewhere]);
    assert_eq!(
        notifications::unread_count(&mut conn, f.body, p)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        notifications::unread_count(&mut conn, f.other, p)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notifications::unread_count(&mut conn, f.body, q)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn reading_marks_only_the_persons_own_and_keeps_the_first_read_time() {
    let (f, p, q) = fixture().await;
    let a = note(f.body, p, 0, Some("/approvals/1"));
    let b = note(f.body, p, 1, Some("/approvals/1"));
    let c = note(f.body, p, 2, Some("/approvals/2"));
    let qs = note(f.body, q, 3, Some("/approvals/1"));
    insert_notes(&f.store, &[&a, &b, &c, &qs]).await;
    let mut conn = f.store.conn().await.unwrap();
    let at = t0() + Duration::hours(1);

    // Someone else's notification, or another body's, is not the person's.
    assert!(
        !notifications::mark_read(&mut conn, f.body, q, a.id, at)
            .await
            .unwrap()
    );
    assert!(
        !notifications::mark_read(&mut conn, f.other, p, a.id, at)
            .await
            .unwrap()
    );
    assert!(
        notifications::mark_read(&mut conn, f.body, p, a.id, at)
            .await
            .unwrap()
    );
    assert!(
        notifications::mark_read(&mut conn, f.body, p, a.id, at + Duration::days(1))
            .await
            .unwrap()
    );
    let list = notifications::list_for_person(&mut conn, f.body, p, 10)
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|n| n.read_at).collect::<Vec<_>>(),
        [None, None, Some(at)]
    );
    assert_eq!(
        notifications::unread_count(&mut conn, f.body, p)
            .await
            .unwrap(),
        2
    );

    // By link: the person's unread ones only (b), not q's, not c.
    let later = at + Duration::minutes(1);
    let n = notifications::mark_read_by_link(&mut conn, f.body, p, "/approvals/1", later)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let list = notifications::list_for_person(&mut conn, f.body, p, 10)
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|n| n.read_at).collect::<Vec<_>>(),
        [None, Some(later), Some(at)]
    );
    assert_eq!(
        notifications::unread_count(&mut conn, f.body, q)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notifications::mark_read_by_link(&mut conn, f.other, q, "/approvals/1", later)
            .await
            .unwrap(),
        0
    );

    assert!(
        notifications::was_told(&mut conn, f.body, p, "/approvals/2", "承認の依頼")
            .await
            .unwrap()
    );
    assert!(
        !notifications::was_told(&mut conn, f.body, p, "/approvals/2", "期限の通知")
            .await
            .unwrap()
    );
    assert!(
        !notifications::was_told(&mut conn, f.body, p, "/approvals/3", "承認の依頼")
            .await
            .unwrap()
    );
    assert!(
        !notifications::was_told(&mut conn, f.other, p, "/approvals/2", "承認の依頼")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_outbox_hands_out_unsent_mail_oldest_first_until_sent_or_out_of_attempts() {
    let (f, p, _) = fixture().await;
    let n = note(f.body, p, 0, None);
    insert_notes(&f.store, &[&n]).await;
    let first = mail(f.body, 0, Some(n.id));
    let second = mail(f.other, 1, None);
    let third = mail(f.body, 2, None);
    let mut sent = mail(f.body, 3, None);
    sent.sent_at = Some(t0() + Duration::minutes(4));
    sent.attempts = 1;
    let mut tx = f.store.begin_write().await.unwrap();
    for m in [&third, &sent, &second, &first] {
        notifications::insert_mail(&mut tx, m).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut conn = f.store.conn().await.unwrap();
    // Pending mail of every body, oldest first.
    let pending = notifications::pending_mail(&mut conn, 3, 10).await.unwrap();
    assert_eq!(pending, vec![first.clone(), second.clone(), third.clone()]);
    assert_eq!(
        notifications::pending_mail(&mut conn, 3, 1).await.unwrap(),
        vec![first.clone()]
    );

    notifications::mark_failed(&mut conn, first.id, 1, "SMTP 421 一時的なエラー")
        .await
        .unwrap();
    notifications::mark_failed(&mut conn, third.id, 3, "接続できません")
        .await
        .unwrap();
    let pending = notifications::pending_mail(&mut conn, 3, 10).await.unwrap();
    let mut failed_once = first.clone();
    failed_once.attempts = 1;
    failed_once.last_error = Some("SMTP 421 一時的なエラー".into());
    assert_eq!(
        pending,
        vec![failed_once, second.clone()],
        "third has used its attempts"
    );

    let at = t0() + Duration::hours(1);
    notifications::mark_sent(&mut conn, first.id, at)
        .await
        .unwrap();
    assert_eq!(
        notifications::pending_mail(&mut conn, 3, 10).await.unwrap(),
        vec![second.clone()]
    );
    let outbox = notifications::outbox(&mut conn, f.body).await.unwrap();
    let mut done = first.clone();
    done.sent_at = Some(at);
    done.attempts = 2;
    let mut given_up = third.clone();
    given_up.attempts = 3;
    given_up.last_error = Some("接続できません".into());
    assert_eq!(outbox, vec![done, given_up, sent]);
    assert_eq!(
        notifications::outbox(&mut conn, f.other).await.unwrap(),
        vec![second]
    );
}

#[tokio::test]
async fn an_uncommitted_write_leaves_nothing() {
    let (f, p, _) = fixture().await;
    let n = note(f.body, p, 0, Some("/approvals/1"));
    {
        let mut tx = f.store.begin_write().await.unwrap();
        notifications::insert_notification(&mut tx, &n)
            .await
            .unwrap();
        notifications::insert_mail(&mut tx, &mail(f.body, 0, Some(n.id)))
            .await
            .unwrap();
        // dropped without commit
    }
    let mut conn = f.store.conn().await.unwrap();
    assert!(
        notifications::list_for_person(&mut conn, f.body, p, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        notifications::unread_count(&mut conn, f.body, p)
            .await
            .unwrap(),
        0
    );
    assert!(
        !notifications::was_told(&mut conn, f.body, p, "/approvals/1", "承認の依頼")
            .await
            .unwrap()
    );
    assert!(
        notifications::outbox(&mut conn, f.body)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        notifications::pending_mail(&mut conn, 3, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
