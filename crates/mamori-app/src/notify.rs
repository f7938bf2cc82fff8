//! お知らせ: what the approval workflow tells people — 承認依頼 to those who decide the next step,
//! 結果のお知らせ to the applicant, 代決の報告 to a holder who was absent — in the app and, when
//! the installation has a mail server, by e-mail.
//!
//! A notice is written in the transaction of the transition that causes it, so a refused or
//! rolled-back transition tells nobody. Mail goes into an outbox in that same transaction and is
//! sent later by [`App::send_pending_mail`] (the server calls it every 30 seconds): a mail server
//! that is down never fails a user's action, and a failed send is retried up to
//! [`MAX_ATTEMPTS`] times. Reading notifications and recording sends are technical writes, not
//! audited (the transitions themselves are).

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use mamori_domain::approval::{Application, EventKind, Status};
use mamori_domain::ids::{BodyId, MailId, NotificationId, PersonId};
use mamori_store::notifications::{self as store, OutboxMail};
use mamori_store::{WriteTx, org};
use serde::Serialize;

pub use mamori_store::notifications::Notification;

use crate::settings::{MailSettings, MailTls};
use crate::{App, AppError, CurrentUser};

/// Sends of one mail before it is given up.
pub const MAX_ATTEMPTS: u32 = 5;
/// Notifications the list shows.
const LIST_LIMIT: i64 = 100;
/// Mails one run sends at most; the rest wait for the next run.
const RUN_LIMIT: i64 = 200;
/// How long one SMTP command may take.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// What to tell whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub recipients: Vec<PersonId>,
    /// One line, e.g. 「承認依頼: 2026-0001 情報資産の運搬」.
    pub subject: String,
    /// Plain text, lines separated by `\n`.
    pub text: String,
    /// A path inside mamori, e.g. `/approvals/…`.
    pub link: Option<String>,
}

/// What one run of the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MailRun {
    pub sent: usize,
    pub failed: usize,
}

/// 「令和8年6月1日 10:00」 in Japan time.
fn when(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&crate::clock::jst());
    format!(
        "{} {}",
        mamori_domain::wareki::format_gregorian_as_wareki(local.date_naive()),
        local.format("%H:%M")
    )
}

/// The mail of a notice to one person: greeting, the notice, the link, and where it came from.
fn mail_text(name: &str, notice: &Notice, mail: &MailSettings) -> String {
    let mut out = format!("{name} 様\n\n{}\n", notice.text);
    if let Some(link) = &notice.link {
        out.push_str(&format!("\n詳細: {}\n", mail.link(link)));
    }
    out.push_str(
        "\n--\nこのメールは mamori（情報セキュリティ管理システム）から自動で送信しています。\
         \n返信はできません。お知らせは mamori の「お知らせ」画面でも確認できます。\n",
    );
    out
}

impl App {
    /// Writes one notification per distinct recipient and, when mail is configured and the person
    /// has an address, one mail in the outbox — all in the caller's transaction.
    pub(crate) async fn notify_in(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut seen: Vec<PersonId> = Vec::new();
        for person in &notice.recipients {
            if seen.contains(person) {
                continue;
            }
            seen.push(*person);
            let notification = Notification {
                id: NotificationId::new(),
                body_id: body,
                person_id: *person,
                subject: notice.subject.clone(),
                text: notice.text.clone(),
                link: notice.link.clone(),
                created_at: now,
                read_at: None,
            };
            store::insert_notification(&mut *tx, &notification).await?;
            let Some(mail) = &self.settings().mail else {
                continue;
            };
            let Some(p) = org::find_person(&mut *tx, body, *person).await? else {
                continue;
            };
            let Some(address) = p.email.as_deref().map(str::trim).filter(|a| !a.is_empty()) else {
                continue;
            };
            store::insert_mail(
                &mut *tx,
                &OutboxMail {
                    id: MailId::new(),
                    body_id: body,
                    notification_id: Some(notification.id),
                    to_address: address.to_owned(),
                    subject: format!("【mamori】{}", notice.subject),
                    text: mail_text(&p.name, notice, mail),
                    created_at: now,
                    sent_at: None,
                    attempts: 0,
                    last_error: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Tells the people concerned about the application's last transition (see
    /// [`application_notices`]), in the caller's transaction. Called right after the transition
    /// is audited. What the actor was told about the application counts as read: they have
    /// acted on it.
    pub(crate) async fn notify_application(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        app: &Application,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if let (Some(by), Some(path)) = (app.history.last().and_then(|e| e.by), link(app)) {
            store::mark_read_by_link(&mut *tx, body, by, &path, now).await?;
        }
        for notice in application_notices(app) {
            self.notify_in(tx, body, &notice, now).await?;
        }
        Ok(())
    }

    /// The signed-in person's notifications, newest first (the latest 100).
    pub async fn notifications(&self, user: &CurrentUser) -> Result<Vec<Notification>, AppError> {
        let (Some(body), Some(person)) = (user.body.as_ref(), user.account.person_id) else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        Ok(store::list_for_person(&mut conn, body.id, person, LIST_LIMIT).await?)
    }

    /// How many of the signed-in person's notifications are unread.
    pub async fn unread_notifications(&self, user: &CurrentUser) -> Result<usize, AppError> {
        let (Some(body), Some(person)) = (user.body.as_ref(), user.account.person_id) else {
            return Ok(0);
        };
        let mut conn = self.store().conn().await?;
        let n = store::unread_count(&mut conn, body.id, person).await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Marks one of the signed-in person's notifications read. Someone else's is not found.
    pub async fn mark_notification_read(
        &self,
        user: &CurrentUser,
        id: NotificationId,
    ) -> Result<(), AppError> {
        let not_found = || AppError::NotFound("お知らせ".to_owned());
        let body = user.body().map_err(|_| not_found())?;
        let person = user.account.person_id.ok_or_else(not_found)?;
        let mut conn = self.store().conn().await?;
        if store::mark_read(&mut conn, body.id, person, id, self.now()).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    /// Sends the mail waiting in the outbox through the configured SMTP server. A mail that
    /// fails keeps its error and is tried again on the next run, up to [`MAX_ATTEMPTS`] times
    /// (a mail the server refuses for good, or whose address is not one, is not retried).
    /// Without mail settings nothing is sent.
    pub async fn send_pending_mail(&self) -> Result<MailRun, AppError> {
        let Some(mail) = self.settings().mail.clone() else {
            return Ok(MailRun::default());
        };
        let pending = {
            let mut conn = self.store().conn().await?;
            store::pending_mail(&mut conn, MAX_ATTEMPTS, RUN_LIMIT).await?
        };
        let mut run = MailRun::default();
        if pending.is_empty() {
            return Ok(run);
        }
        let transport = transport(&mail);
        // Once the server cannot be reached, the rest of the run fails the same way without
        // waiting for a time-out each.
        let mut unreachable: Option<String> = None;
        for m in pending {
            let outcome = match (&unreachable, &transport, message(&mail, &m)) {
                (Some(e), _, _) => Err((false, e.clone())),
                (None, Err(e), _) => Err((false, e.clone())),
                (None, _, Err(e)) => Err((true, e)),
                (None, Ok(t), Ok(msg)) => match t.send(msg).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_permanent() => Err((true, e.to_string())),
                    Err(e) if e.is_transient() || e.is_client() => Err((false, e.to_string())),
                    Err(e) => {
                        let error = format!("SMTP サーバーに接続できません: {e}");
                        unreachable = Some(error.clone());
                        Err((false, error))
                    }
                },
            };
            let mut conn = self.store().conn().await?;
            match outcome {
                Ok(()) => {
                    store::mark_sent(&mut conn, m.id, self.now()).await?;
                    run.sent += 1;
                }
                Err((permanent, error)) => {
                    let attempts = if permanent {
                        MAX_ATTEMPTS
                    } else {
                        m.attempts.saturating_add(1)
                    };
                    tracing::warn!(mail = %m.id, attempts, error = %error, "メールを送信できません");
                    store::mark_failed(&mut conn, m.id, attempts, &error).await?;
                    run.failed += 1;
                }
            }
        }
        Ok(run)
    }
}

/// The SMTP transport of the settings.
fn transport(mail: &MailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = match mail.tls {
        MailTls::Plain => Tls::None,
        MailTls::StartTls | MailTls::Tls => {
            let params =
                TlsParameters::new(mail.host.clone()).map_err(|e| format!("TLS の設定: {e}"))?;
            if mail.tls == MailTls::Tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(mail.host.as_str())
        .port(mail.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &mail.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            mail.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

/// The message of an outbox row: UTF-8 plain text.
fn message(mail: &MailSettings, m: &OutboxMail) -> Result<Message, String> {
    let from: Mailbox = mail
        .from
        .parse()
        .map_err(|e| format!("送信者「{}」: {e}", mail.from))?;
    let to: Mailbox = m
        .to_address
        .parse()
        .map_err(|e| format!("宛先「{}」: {e}", m.to_address))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(m.text.clone())
        .map_err(|e| format!("メールを組み立てられません: {e}"))
}

/// 「2026-0001 情報資産の運搬」
fn title(app: &Application) -> String {
    format!("{} {}", app.number, app.kind_name)
}

/// The lines every notice about an application carries.
fn about(app: &Application) -> String {
    format!(
        "申請番号: {}\n種類: {}\n申請者: {}（{}）",
        app.number, app.kind_name, app.applicant_name, app.unit_name
    )
}

fn link(app: &Application) -> Option<String> {
    Some(format!("/approvals/{}", app.id))
}

/// Who may decide the undecided seats of step `index`.
fn deciders_of_step(app: &Application, index: usize) -> Vec<PersonId> {
    app.route
        .as_ref()
        .and_then(|r| r.steps.get(index))
        .into_iter()
        .flat_map(|s| &s.seats)
        .filter(|seat| seat.decision.is_none())
        .flat_map(|seat| seat.candidates.iter().map(|h| h.person))
        .collect()
}

/// Who approved on the route.
fn approvers(app: &Application) -> Vec<PersonId> {
    app.route
        .iter()
        .flat_map(|r| &r.steps)
        .flat_map(|s| &s.seats)
        .filter_map(|seat| seat.decision.as_ref())
        .filter(|d| d.decision == mamori_domain::approval::Decision::Approve)
        .map(|d| d.by)
        .collect()
}

fn step_name(app: &Application, index: usize) -> String {
    let label = app
        .route
        .as_ref()
        .and_then(|r| r.steps.get(index))
        .map(|s| s.label.clone())
        .unwrap_or_default();
    format!("第{}段階「{label}」", index + 1)
}

/// 承認依頼 to the people who decide the current step.
fn request(app: &Application, what: String) -> Notice {
    Notice {
        recipients: deciders_of_step(app, app.current_step),
        subject: format!("承認依頼: {}", title(app)),
        text: format!(
            "{what}\n{}で、あなたの判断を待っています。\n\n{}",
            step_name(app, app.current_step),
            about(app)
        ),
        link: link(app),
    }
}

/// 結果のお知らせ to the applicant.
fn result(app: &Application, outcome: &str, comment: Option<&str>) -> Notice {
    let mut text = format!("あなたの申請（{}）は{outcome}。", title(app));
    if let Some(c) = comment {
        text.push_str(&format!("\nコメント: {c}"));
    }
    text.push_str(&format!("\n\n{}", about(app)));
    Notice {
        recipients: vec![app.applicant],
        subject: format!("結果のお知らせ: {}", title(app)),
        text,
        link: link(app),
    }
}

/// What the application's last transition tells whom:
///
/// - 申請, 事後報告, and a 承認 that moves the application to its next step: 承認依頼 to the
///   candidates of the (new) current step;
/// - the final 承認, 差戻し, 却下: 結果のお知らせ to the applicant;
/// - after a decision taken as 代決: 代決の報告 to each holder who was absent;
/// - 取下げ of an application under decision: to the candidates of the step that was waiting;
/// - 期限切れ and 完了 (by someone else): to the applicant; 実施 and 返却: to the approvers.
///
/// The person who acted is never told about their own action.
pub fn application_notices(app: &Application) -> Vec<Notice> {
    let Some(event) = app.history.last() else {
        return Vec::new();
    };
    let comment = event.comment.as_deref();
    let mut out = Vec::new();
    match event.kind {
        EventKind::Submit => out.push(request(
            app,
            format!(
                "{}さんから「{}」の申請がありました。",
                app.applicant_name, app.kind_name
            ),
        )),
        EventKind::Report => out.push(request(
            app,
            format!(
                "{}さんから、緊急時に実施した「{}」の事後報告がありました。",
                app.applicant_name, app.kind_name
            ),
        )),
        EventKind::Approve => {
            let step = event.step.unwrap_or(app.current_step);
            if app.status == Status::Submitted {
                // A 合議 step still waiting for other seats asks nobody new.
                if app.current_step != step {
                    out.push(request(
                        app,
                        format!(
                            "{}さんの「{}」の申請は{}で承認されました。",
                            app.applicant_name,
                            app.kind_name,
                            step_name(app, step)
                        ),
                    ));
                }
            } else if app.status == Status::InProgress {
                out.push(result(app, "事後報告の審査で承認されました", comment));
            } else {
                out.push(result(app, "承認されました", comment));
            }
        }
        EventKind::SendBack => out.push(result(
            app,
            "差し戻されました。内容を直して申請し直すか、取り下げてください",
            comment,
        )),
        EventKind::Reject => out.push(result(app, "却下されました", comment)),
        EventKind::Withdraw => {
            if event.from == Some(Status::Submitted) {
                out.push(Notice {
                    recipients: deciders_of_step(app, app.current_step),
                    subject: format!("取下げ: {}", title(app)),
                    text: format!(
                        "{}さんが申請を取り下げました。{}での判断は不要になりました。{}\n\n{}",
                        app.applicant_name,
                        step_name(app, app.current_step),
                        comment.map(|c| format!("\n理由: {c}")).unwrap_or_default(),
                        about(app)
                    ),
                    link: link(app),
                });
            }
        }
        EventKind::Expire => out.push(Notice {
            recipients: vec![app.applicant],
            subject: format!("期限切れ: {}", title(app)),
            text: format!(
                "あなたの申請（{}）は承認の有効期限を過ぎたため、期限切れになりました。{}\n\n{}",
                title(app),
                comment.map(|c| format!("（{c}）")).unwrap_or_default(),
                about(app)
            ),
            link: link(app),
        }),
        EventKind::Complete => out.push(Notice {
            recipients: vec![app.applicant],
            subject: format!("完了: {}", title(app)),
            text: format!(
                "申請（{}）は完了になりました。\n\n{}",
                title(app),
                about(app)
            ),
            link: link(app),
        }),
        EventKind::Start => out.push(Notice {
            recipients: approvers(app),
            subject: format!("実施のお知らせ: {}", title(app)),
            text: format!(
                "あなたが承認した申請（{}）が実施されました。\n日時: {}\n\n{}",
                title(app),
                when(event.at),
                about(app)
            ),
            link: link(app),
        }),
        EventKind::ReturnItem => out.push(Notice {
            recipients: approvers(app),
            subject: format!("返却の報告: {}", title(app)),
            text: format!(
                "あなたが承認した申請（{}）について、返却が記録されました。\n返却日: {}\n\n{}",
                title(app),
                app.returned_on
                    .map(mamori_domain::wareki::format_gregorian_as_wareki)
                    .unwrap_or_default(),
                about(app)
            ),
            link: link(app),
        }),
        EventKind::Create | EventKind::Edit | EventKind::ActInEmergency => {}
    }
    if matches!(
        event.kind,
        EventKind::Approve | EventKind::SendBack | EventKind::Reject
    ) {
        for report in app
            .deputy_reports()
            .into_iter()
            .filter(|r| Some(r.step) == event.step && r.at == event.at)
        {
            out.push(Notice {
                recipients: report.report_to.iter().map(|h| h.person).collect(),
                subject: format!("代決の報告: {}", title(app)),
                text: format!(
                    "あなたの不在中に、{}を{}さんが代決しました。\n判断: {}\n日時: {}{}\n\n{}",
                    step_name(app, report.step),
                    report.decided_by,
                    report.decision.label(),
                    when(report.at),
                    comment
                        .map(|c| format!("\nコメント: {c}"))
                        .unwrap_or_default(),
                    about(app)
                ),
                link: link(app),
            });
        }
    }
    for notice in &mut out {
        notice.recipients.retain(|p| Some(*p) != event.by);
        let mut distinct: Vec<PersonId> = Vec::new();
        for p in &notice.recipients {
            if !distinct.contains(p) {
                distinct.push(*p);
            }
        }
        notice.recipients = distinct;
    }
    out.retain(|n| !n.recipients.is_empty());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use chrono::TimeZone;
    use mamori_domain::approval::{
        Decision, Event, FieldValues, Route, RouteStep, Seat, SeatDecision,
    };
    use mamori_domain::authority::{Holder, MatrixMark};
    use mamori_domain::ids::ApplicationId;

    use super::*;

    fn holder(person: PersonId, name: &str, is_deputy: bool) -> Holder {
        Holder {
            person,
            name: name.into(),
            is_deputy,
        }
    }

    fn seat(candidates: Vec<Holder>, absent: Vec<Holder>) -> Seat {
        Seat {
            role: "security_manager".into(),
            role_name: "情報セキュリティ管理者".into(),
            unit: None,
            unit_name: Some("市民課".into()),
            consulted: false,
            by_deputy: !absent.is_empty(),
            candidates,
            absent,
            decision: None,
        }
    }

    struct People {
        applicant: PersonId,
        chief: PersonId,
        deputy: PersonId,
        director: PersonId,
    }

    /// 市民課長 (absent, 代理 decides) → 市民部長, submitted by the applicant.
    fn submitted(p: &People) -> Application {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap();
        Application {
            id: ApplicationId::new(),
            number: "2026-0007".into(),
            kind: "transport".into(),
            kind_name: "情報資産の運搬".into(),
            clause: "S-2.(2)⑧(イ)".into(),
            applicant: p.applicant,
            applicant_name: "石川 綾".into(),
            unit: None,
            unit_name: "市民課".into(),
            subjects: vec![],
            fields: FieldValues::new(),
            status: Status::Submitted,
            route: Some(Route {
                kind: "transport".into(),
                clause: "S-2.(2)⑧(イ)".into(),
                steps: vec![
                    RouteStep {
                        label: "市民課長".into(),
                        mark: MatrixMark::Permits,
                        seats: vec![seat(
                            vec![holder(p.deputy, "代理 花子", true)],
                            vec![holder(p.chief, "佐々木 翔太", false)],
                        )],
                    },
                    RouteStep {
                        label: "市民部長".into(),
                        mark: MatrixMark::Approves,
                        seats: vec![seat(vec![holder(p.director, "田中 由美子", false)], vec![])],
                    },
                ],
                delegation: None,
            }),
            current_step: 0,
            exception: false,
            created_at: at,
            submitted_on: None,
            decided_on: None,
            valid_until: None,
            return_due: None,
            returned_on: None,
            emergency: None,
            history: vec![Event {
                kind: EventKind::Submit,
                at,
                by: Some(p.applicant),
                from: Some(Status::Draft),
                to: Status::Submitted,
                step: None,
                comment: None,
                version: 2,
            }],
            version: 2,
        }
    }

    /// The deputy decides step 0 as 代決.
    fn decided_by_deputy(p: &People, decision: Decision) -> Application {
        let mut app = submitted(p);
        let at = Utc.with_ymd_and_hms(2026, 6, 2, 5, 30, 0).unwrap();
        let route = app.route.as_mut().unwrap();
        route.steps[0].seats[0].decision = Some(SeatDecision {
            by: p.deputy,
            by_name: "代理 花子".into(),
            by_deputy: true,
            decision,
            comment: None,
            at,
            sod_exception: None,
        });
        let (kind, to) = match decision {
            Decision::Approve => {
                app.current_step = 1;
                (EventKind::Approve, Status::Submitted)
            }
            Decision::Return => (EventKind::SendBack, Status::SentBack),
            Decision::Reject => (EventKind::Reject, Status::Rejected),
        };
        app.status = to;
        app.history.push(Event {
            kind,
            at,
            by: Some(p.deputy),
            from: Some(Status::Submitted),
            to,
            step: Some(0),
            comment: (decision != Decision::Approve).then(|| "記載不足".to_owned()),
            version: 3,
        });
        app
    }

    fn people() -> People {
        People {
            applicant: PersonId::new(),
            chief: PersonId::new(),
            deputy: PersonId::new(),
            director: PersonId::new(),
        }
    }

    #[test]
    fn a_submission_asks_the_candidates_of_the_first_step() {
        let p = people();
        let notices = application_notices(&submitted(&p));
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].recipients, vec![p.deputy]);
        assert_eq!(notices[0].subject, "承認依頼: 2026-0007 情報資産の運搬");
        assert!(
            notices[0].text.contains("第1段階「市民課長」"),
            "{}",
            notices[0].text
        );
        assert!(
            notices[0]
                .link
                .as_deref()
                .unwrap()
                .starts_with("/approvals/")
        );
    }

    #[test]
    fn a_deputy_decision_asks_the_next_step_and_reports_to_the_absent_holder() {
        let p = people();
        let notices = application_notices(&decided_by_deputy(&p, Decision::Approve));
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert_eq!(notices[0].recipients, vec![p.director]);
        assert!(notices[0].subject.starts_with("承認依頼"));
        let report = &notices[1];
        assert_eq!(report.recipients, vec![p.chief]);
        assert_eq!(report.subject, "代決の報告: 2026-0007 情報資産の運搬");
        assert!(
            report.text.contains("代理 花子さんが代決"),
            "{}",
            report.text
        );
        assert!(report.text.contains("判断: 承認"), "{}", report.text);
        assert!(
            report.text.contains("令和8年6月2日 14:30"),
            "{}",
            report.text
        );
    }

    #[test]
    fn a_return_by_a_deputy_tells_the_applicant_and_the_absent_holder() {
        let p = people();
        let notices = application_notices(&decided_by_deputy(&p, Decision::Return));
        let whom: Vec<_> = notices.iter().map(|n| n.recipients.clone()).collect();
        assert_eq!(whom, vec![vec![p.applicant], vec![p.chief]]);
        assert!(notices[0].text.contains("差し戻されました"));
        assert!(notices[0].text.contains("記載不足"));
    }

    #[test]
    fn the_final_approval_tells_the_applicant() {
        let p = people();
        let mut app = decided_by_deputy(&p, Decision::Approve);
        let at = Utc.with_ymd_and_hms(2026, 6, 3, 1, 0, 0).unwrap();
        app.route.as_mut().unwrap().steps[1].seats[0].decision = Some(SeatDecision {
            by: p.director,
            by_name: "田中 由美子".into(),
            by_deputy: false,
            decision: Decision::Approve,
            comment: None,
            at,
            sod_exception: None,
        });
        app.status = Status::Approved;
        app.history.push(Event {
            kind: EventKind::Approve,
            at,
            by: Some(p.director),
            from: Some(Status::Submitted),
            to: Status::Approved,
            step: Some(1),
            comment: None,
            version: 4,
        });
        let notices = application_notices(&app);
        assert_eq!(notices.len(), 1, "the earlier 代決 is not reported again");
        assert_eq!(notices[0].recipients, vec![p.applicant]);
        assert_eq!(
            notices[0].subject,
            "結果のお知らせ: 2026-0007 情報資産の運搬"
        );
        assert!(notices[0].text.contains("承認されました"));
    }

    #[test]
    fn a_withdrawal_tells_the_step_that_was_waiting_and_expiry_the_applicant() {
        let p = people();
        let mut app = decided_by_deputy(&p, Decision::Approve);
        let at = Utc.with_ymd_and_hms(2026, 6, 4, 1, 0, 0).unwrap();
        app.status = Status::Withdrawn;
        app.history.push(Event {
            kind: EventKind::Withdraw,
            at,
            by: Some(p.applicant),
            from: Some(Status::Submitted),
            to: Status::Withdrawn,
            step: None,
            comment: None,
            version: 4,
        });
        let notices = application_notices(&app);
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].recipients, vec![p.director]);
        assert!(notices[0].subject.starts_with("取下げ"));

        let mut app = submitted(&p);
        app.status = Status::Expired;
        app.history.push(Event {
            kind: EventKind::Expire,
            at,
            by: None,
            from: Some(Status::Approved),
            to: Status::Expired,
            step: None,
            comment: Some("有効期限 2026-06-03".into()),
            version: 3,
        });
        let notices = application_notices(&app);
        assert_eq!(notices[0].recipients, vec![p.applicant]);
        assert!(notices[0].text.contains("期限切れ"));
    }

    #[test]
    fn nobody_is_told_about_their_own_action() {
        let p = people();
        let mut app = submitted(&p);
        // The applicant is also the only candidate: nobody to ask.
        app.route.as_mut().unwrap().steps[0].seats[0].candidates =
            vec![holder(p.applicant, "石川 綾", false)];
        assert!(application_notices(&app).is_empty());
    }

    #[test]
    fn mail_text_carries_the_name_the_notice_and_the_full_link() {
        let mail = MailSettings::parse(
            "smtp://127.0.0.1?tls=none",
            "mamori@city.example.lg.jp",
            "https://mamori.city.example.lg.jp",
        )
        .unwrap()
        .unwrap();
        let p = people();
        let notice = &application_notices(&submitted(&p))[0];
        let text = mail_text("佐々木 翔太", notice, &mail);
        assert!(text.starts_with("佐々木 翔太 様\n\n"));
        assert!(text.contains("申請番号: 2026-0007"));
        assert!(text.contains("詳細: https://mamori.city.example.lg.jp/approvals/"));
    }
}
