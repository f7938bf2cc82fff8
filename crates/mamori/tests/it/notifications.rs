//! お知らせ of the approval workflow: a filed application asks the section chief in the app and by
//! e-mail (sent to an SMTP server the test runs on 127.0.0.1), the decision tells the applicant,
//! a 代決 is reported to the absent holder, a refused decision tells nobody, no mail is queued
//! without mail settings, and a mail server that is down fails the mail — retried, then given
//! up — never the user's action. The header shows the unread count; a notification is marked read
//! with a plain form, and only by its owner.

use crate::common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use common::{Options, PUBLIC_URL, TestApp, csrf_of, location};
use mamori_app::approvals::{Apply, Decide, FieldInput};
use mamori_app::organization::{AssignmentInput, PersonInput};
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::approval::{Decision, Status};
use mamori_domain::ids::ApplicationId;
use mamori_store::notifications::OutboxMail;
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const KACHO_MAIL: &str = "sasaki.shota@city.mihon.example";
const SHOKUIN_MAIL: &str = "ishikawa.aya@city.mihon.example";

// ---------------------------------------------------------------------------------------------
// An SMTP server that accepts everything and keeps what it was sent.

#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    /// The message as sent after DATA, dot-stuffing undone.
    data: String,
}

impl Received {
    /// Headers unfolded, by lower-case name.
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = unfolded.last_mut() {
                    last.push_str(line);
                }
            } else {
                unfolded.push(line.to_owned());
            }
        }
        unfolded.iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// The subject with its RFC 2047 encoded words decoded.
    fn subject(&self) -> String {
        decode_words(&self.header("subject").unwrap_or_default())
    }

    /// The body, its transfer encoding undone.
    fn text(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        match self
            .header("content-transfer-encoding")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => {
                let joined: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .unwrap(),
                )
                .unwrap()
            }
            "quoted-printable" => String::from_utf8(quoted_printable(body, false)).unwrap(),
            _ => body.to_owned(),
        }
    }
}

fn quoted_printable(s: &str, underscore_is_space: bool) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if i + 3 <= bytes.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words; whitespace between two words goes.
fn decode_words(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let word = &rest[start + 2..];
        let mut parts = word.splitn(3, '?');
        let (_charset, enc, tail) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let end = tail.find("?=").unwrap();
        let data = &tail[..end];
        let bytes = if enc.eq_ignore_ascii_case("b") {
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap()
        } else {
            quoted_printable(data, true)
        };
        out.push_str(&String::from_utf8(bytes).unwrap());
        rest = &tail[end + 2..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

#[derive(Clone)]
struct Sink {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = smtp_session(socket, kept).await;
                });
            }
        });
        Self { port, received }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    fn to(&self, address: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .cloned()
            .collect()
    }
}

fn address_of(arg: &str) -> String {
    arg.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_owned()
}

async fn smtp_session(socket: TcpStream, kept: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
    let (reader, mut w) = socket.into_split();
    let mut reader = BufReader::new(reader);
    w.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            w.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            w.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address_of(&command[10..]);
            w.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address_of(&command[8..]));
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            kept.lock().unwrap().push(Received {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                data,
            });
            w.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

/// `login` files a 運搬 of 市民課's IA-000004 to 北支所 (申請 at once).
async fn file_transport(t: &TestApp, applicant: &CurrentUser) -> ApplicationId {
    let asset = {
        let mut conn = t.app.store().conn().await.unwrap();
        mamori_store::assets::find_by_number(&mut conn, applicant.body().unwrap().id, "IA-000004")
            .await
            .unwrap()
            .unwrap()
    };
    let raw: BTreeMap<String, String> = [
        ("assets", asset.id.to_string()),
        ("destination", "北支所".to_owned()),
        ("transport_on", "2026-06-10".to_owned()),
        ("method", "職員による手渡し".to_owned()),
        ("safeguards", "暗号化して鍵付きケースに格納".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    t.app
        .approvals()
        .apply(
            applicant,
            Apply::submit("transport", &FieldInput::from(raw.clone())),
            &RequestMeta::default(),
        )
        .await
        .unwrap()
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let mut conn = t.app.store().conn().await.unwrap();
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(conn.raw())
        .await
        .unwrap()
}

async fn outbox(t: &TestApp, someone: &CurrentUser) -> Vec<OutboxMail> {
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::notifications::outbox(&mut conn, someone.body().unwrap().id)
        .await
        .unwrap()
}

async fn decide(
    t: &TestApp,
    who: &CurrentUser,
    id: ApplicationId,
    decision: Decision,
) -> Result<(), AppError> {
    let view = t.app.approvals().application(who, id).await?;
    t.app
        .approvals()
        .decide(
            who,
            Decide {
                comment: (decision != Decision::Approve).then(|| "記載が不足しています".to_owned()),
                ..Decide::new(
                    id,
                    view.application.current_step,
                    decision,
                    view.application.version,
                )
            },
            &RequestMeta::default(),
        )
        .await
        .map(|_| ())
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_filed_application_asks_the_chief_in_the_app_and_by_mail_and_the_decision_tells_the_applicant()
 {
    let sink = Sink::start().await;
    let t = TestApp::spawn_with(Options {
        smtp_url: Some(sink.url()),
        ..Options::default()
    })
    .await;
    let kacho = user(&t, "kacho").await;
    let shokuin = user(&t, "shokuin").await;
    // What the demo's own applications queued goes first.
    t.app.send_pending_mail().await.unwrap();
    let before = sink.to(KACHO_MAIL).len();
    let unread = t.app.unread_notifications(&kacho).await.unwrap();

    let id = file_transport(&t, &shokuin).await;
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    let number = view.application.number.clone();
    let title = format!("{number} {}", view.application.kind_name);

    // In the app: the newest notification of 市民課長 asks for his decision and links to it.
    assert_eq!(
        t.app.unread_notifications(&kacho).await.unwrap(),
        unread + 1
    );
    let newest = t.app.notifications(&kacho).await.unwrap().remove(0);
    assert_eq!(newest.subject, format!("承認依頼: {title}"));
    assert!(newest.text.contains("石川 綾さんから"), "{}", newest.text);
    assert_eq!(newest.link, Some(format!("/approvals/{id}")));
    assert!(newest.read_at.is_none());

    // By mail: queued in the same transaction, sent on the next run, to his address.
    let queued: Vec<_> = outbox(&t, &kacho)
        .await
        .into_iter()
        .filter(|m| m.sent_at.is_none())
        .collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].to_address, KACHO_MAIL);
    let run = t.app.send_pending_mail().await.unwrap();
    assert_eq!((run.sent, run.failed), (1, 0));
    let mails = sink.to(KACHO_MAIL);
    assert_eq!(mails.len(), before + 1);
    let mail = mails.last().unwrap();
    assert_eq!(mail.from, common::MAIL_FROM);
    assert_eq!(mail.subject(), format!("【mamori】承認依頼: {title}"));
    assert!(
        mail.header("content-type")
            .unwrap()
            .to_ascii_lowercase()
            .contains("charset=utf-8")
    );
    let text = mail.text();
    assert!(text.starts_with("佐々木 翔太 様"), "{text}");
    assert!(text.contains(&format!("申請番号: {number}")), "{text}");
    assert!(
        text.contains(&format!("{PUBLIC_URL}/approvals/{id}")),
        "{text}"
    );
    // Sent mail is not sent again.
    let run = t.app.send_pending_mail().await.unwrap();
    assert_eq!((run.sent, run.failed), (0, 0));
    assert_eq!(sink.to(KACHO_MAIL).len(), before + 1);

    // 市民課長 approves: the applicant hears the result, in the app and by mail; the request he
    // acted on counts as read.
    decide(&t, &kacho, id, Decision::Approve).await.unwrap();
    assert_eq!(t.app.unread_notifications(&kacho).await.unwrap(), unread);
    let asked = t.app.notifications(&kacho).await.unwrap().remove(0);
    assert_eq!(asked.link, Some(format!("/approvals/{id}")));
    assert!(asked.read_at.is_some());
    let newest = t.app.notifications(&shokuin).await.unwrap().remove(0);
    assert_eq!(newest.subject, format!("結果のお知らせ: {title}"));
    assert!(newest.text.contains("承認されました"), "{}", newest.text);
    t.app.send_pending_mail().await.unwrap();
    let mail = sink.to(SHOKUIN_MAIL).pop().expect("mail to the applicant");
    assert_eq!(mail.subject(), format!("【mamori】結果のお知らせ: {title}"));
    assert!(mail.text().starts_with("石川 綾 様"));
}

#[tokio::test]
async fn the_header_counts_unread_notifications_and_only_the_owner_marks_one_read() {
    let t = TestApp::spawn().await;
    let shokuin = user(&t, "shokuin").await;
    let kacho = user(&t, "kacho").await;
    let id = file_transport(&t, &shokuin).await;
    decide(&t, &kacho, id, Decision::Return).await.unwrap();
    let unread = t.app.unread_notifications(&shokuin).await.unwrap();
    assert!(unread >= 1);
    let newest = t.app.notifications(&shokuin).await.unwrap().remove(0);
    assert!(newest.subject.starts_with("結果のお知らせ"));
    assert!(newest.text.contains("差し戻されました"));
    assert!(newest.text.contains("記載が不足しています"));

    // Every screen's header links to the list with the count.
    let browser = t.signed_in("shokuin").await;
    let (_, home) = t.page(&browser, "/").await;
    assert!(
        home.contains(&format!(
            "お知らせ<span class=\"unread-count\">（未読{unread}件）</span>"
        )),
        "{home}"
    );
    let (status, page) = t.page(&browser, "/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&newest.subject));
    assert!(page.contains("記載が不足しています"));
    assert!(page.contains(&format!("id=\"n-{}\" class=\"unread\"", newest.id)));
    assert!(page.contains(&format!("action=\"/notifications/{}/read\"", newest.id)));

    // Someone else's notification is not found, and stays unread.
    let chief = t.signed_in("kacho").await;
    let (_, chief_page) = t.page(&chief, "/notifications").await;
    let r = chief
        .post(t.url(&format!("/notifications/{}/read", newest.id)))
        .form(&[("_csrf", csrf_of(&chief_page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(t.app.unread_notifications(&shokuin).await.unwrap(), unread);
    // Without the CSRF token nothing happens.
    let r = browser
        .post(t.url(&format!("/notifications/{}/read", newest.id)))
        .form(&[("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The owner marks it read with the plain form and is sent back to the list.
    let r = browser
        .post(t.url(&format!("/notifications/{}/read", newest.id)))
        .form(&[("_csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/notifications?done=read");
    assert_eq!(
        t.app.unread_notifications(&shokuin).await.unwrap(),
        unread - 1
    );
    let (_, page) = t.page(&browser, "/notifications?done=read").await;
    assert!(page.contains("既読にしました。"));
    assert!(!page.contains(&format!("id=\"n-{}\" class=\"unread\"", newest.id)));
    // 「申請を開く」 of an unread one marks it read and opens the application; a link off the
    // site is not followed.
    if let Some(other) = t
        .app
        .notifications(&shokuin)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.read_at.is_none())
    {
        let r = browser
            .post(t.url(&format!("/notifications/{}/read", other.id)))
            .form(&[
                ("_csrf", csrf_of(&page).as_str()),
                ("next", "https://evil.example/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/");
    }
}

#[tokio::test]
async fn a_refused_decision_tells_nobody() {
    let sink = Sink::start().await;
    let t = TestApp::spawn_with(Options {
        smtp_url: Some(sink.url()),
        ..Options::default()
    })
    .await;
    let shokuin = user(&t, "shokuin").await;
    let kacho = user(&t, "kacho").await;
    let id = file_transport(&t, &shokuin).await;
    let (notifications, mails) = (
        count(&t, "notifications").await,
        count(&t, "mail_outbox").await,
    );

    // The applicant may not decide her own application.
    let refused = decide(&t, &shokuin, id, Decision::Approve).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    // A decision on a version already changed is refused as well.
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    let stale = t
        .app
        .approvals()
        .decide(
            &kacho,
            Decide::new(id, 0, Decision::Approve, view.application.version - 1),
            &RequestMeta::default(),
        )
        .await;
    assert!(stale.is_err(), "{stale:?}");
    assert_eq!(count(&t, "notifications").await, notifications);
    assert_eq!(count(&t, "mail_outbox").await, mails);
}

#[tokio::test]
async fn without_mail_settings_nothing_is_queued() {
    let t = TestApp::spawn().await;
    assert!(t.app.settings().mail.is_none());
    let shokuin = user(&t, "shokuin").await;
    let kacho = user(&t, "kacho").await;
    let unread = t.app.unread_notifications(&kacho).await.unwrap();
    file_transport(&t, &shokuin).await;
    assert_eq!(
        t.app.unread_notifications(&kacho).await.unwrap(),
        unread + 1,
        "in the app all the same"
    );
    assert_eq!(count(&t, "mail_outbox").await, 0);
    let run = t.app.send_pending_mail().await.unwrap();
    assert_eq!((run.sent, run.failed), (0, 0));
}

#[tokio::test]
async fn a_mail_server_that_is_down_fails_the_mail_not_the_action() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = TestApp::spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}?tls=none")),
        ..Options::default()
    })
    .await;
    let shokuin = user(&t, "shokuin").await;
    let kacho = user(&t, "kacho").await;
    let id = file_transport(&t, &shokuin).await;
    assert_eq!(
        t.app
            .approvals()
            .application(&kacho, id)
            .await
            .unwrap()
            .application
            .status,
        Status::Submitted,
        "the action is done"
    );
    let mine = |all: Vec<OutboxMail>| {
        all.into_iter()
            .rfind(|m| m.to_address == KACHO_MAIL)
            .unwrap()
    };
    let run = t.app.send_pending_mail().await.unwrap();
    assert_eq!(run.sent, 0);
    assert!(run.failed >= 1);
    let mail = mine(outbox(&t, &kacho).await);
    assert_eq!(mail.attempts, 1);
    assert!(mail.sent_at.is_none());
    assert!(
        mail.last_error
            .as_deref()
            .is_some_and(|e| e.contains("SMTP サーバーに接続できません")),
        "{mail:?}"
    );

    // Retried on each run up to five attempts, then left alone.
    for _ in 0..4 {
        t.app.send_pending_mail().await.unwrap();
    }
    assert_eq!(
        mine(outbox(&t, &kacho).await).attempts,
        mamori_app::notify::MAX_ATTEMPTS
    );
    let run = t.app.send_pending_mail().await.unwrap();
    assert_eq!((run.sent, run.failed), (0, 0));
    // The user's next action works as well.
    decide(&t, &kacho, id, Decision::Approve).await.unwrap();
}

#[tokio::test]
async fn a_decision_by_the_deputy_is_reported_to_the_absent_holder() {
    let t = TestApp::spawn().await;
    let editor = user(&t, "tokatsu").await;
    let may = editor.org_editor().unwrap();
    let meta = RequestMeta::default();
    let shimin = t
        .app
        .org_tree(&editor, t.app.today())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.unit.name == "市民課")
        .unwrap()
        .unit
        .id;
    let people = t.app.people(&editor, Some(shimin), None, 1).await.unwrap();
    let person = |title: &str| {
        people
            .rows
            .iter()
            .find(|r| r.person.title == title)
            .unwrap()
            .person
            .clone()
    };
    let (chief, deputy) = (person("課長"), person("主査"));
    // 主査 is 代理 of the 情報セキュリティ管理者 of 市民課, and 課長 goes on leave today.
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
                valid_from: t.app.today(),
                valid_to: None,
                tie_to_post: false,
            },
            &meta,
        )
        .await
        .unwrap();
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
                email: chief.email.clone().unwrap_or_default(),
                status: "休職".into(),
                effective: None,
            },
            &meta,
        )
        .await
        .unwrap();
    t.app
        .create_person_account(
            &editor,
            &may,
            deputy.id,
            "dairi",
            "kaze-no-oto-2026-a",
            &meta,
        )
        .await
        .unwrap();
    let dairi = user(&t, "dairi").await;
    let kacho = user(&t, "kacho").await;
    let shokuin = user(&t, "shokuin").await;

    // The application asks the deputy, not the holder on leave.
    let kacho_before = t.app.notifications(&kacho).await.unwrap().len();
    let id = file_transport(&t, &shokuin).await;
    let asked = t.app.notifications(&dairi).await.unwrap();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].subject.starts_with("承認依頼"));
    assert_eq!(
        t.app.notifications(&kacho).await.unwrap().len(),
        kacho_before
    );

    // The deputy decides as 代決: the applicant hears the result, the holder the report.
    decide(&t, &dairi, id, Decision::Approve).await.unwrap();
    let view = t.app.approvals().application(&kacho, id).await.unwrap();
    let report = t.app.notifications(&kacho).await.unwrap().remove(0);
    assert_eq!(
        report.subject,
        format!(
            "代決の報告: {} {}",
            view.application.number, view.application.kind_name
        )
    );
    assert!(
        report
            .text
            .contains(&format!("{}さんが代決しました", deputy.name)),
        "{}",
        report.text
    );
    assert!(report.text.contains("判断: 承認"), "{}", report.text);
    assert!(
        t.app.notifications(&shokuin).await.unwrap()[0]
            .subject
            .starts_with("結果のお知らせ")
    );
    assert!(
        t.app.notifications(&dairi).await.unwrap().len() == 1,
        "the deputy is not told about their own decision"
    );
}
