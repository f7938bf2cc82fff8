//! インシデント: a 職員's report is saved first and tells the chain of the policy in order, each
//! step acknowledging; an unacknowledged step escalates after its period; the CSIRT's triage
//! decides the reports outside and their deadlines; the 委員会's 議決 approves the 再発防止策;
//! the incident closes and the ledger exports. A 職員 it does not name finds nothing.

use chrono::Duration;
use mamori_app::committee::{ItemForm, MeetingForm};
use mamori_app::incidents::{AddEntry, Close, ProposeMeasures, RecordExternal, Report, Triage};
use mamori_app::{AppError, RequestMeta};
use mamori_domain::incident::{ApprovedBy, Channel, Status};
use mamori_store::incidents::IncidentFilter;
use sha2::Digest as _;

use crate::common::TestApp;

fn loss() -> Report {
    Report {
        summary: "北支所への運搬中に住民150名分の集計表を保存したUSBメモリを紛失した".into(),
        how_noticed: "支所に着いて鍵付きケースを開けたところ入っていなかった".into(),
        noticed_at: "2026-06-01 09:30".into(),
        assets: vec!["IA-000005".into()],
        ..Report::default()
    }
}

fn noticed_now(t: &TestApp) -> String {
    let now = t.app.now().with_timezone(&mamori_app::clock::jst()) - Duration::minutes(10);
    now.format("%Y-%m-%d %H:%M").to_string()
}

#[tokio::test]
async fn a_loss_reported_by_staff_is_told_in_order_triaged_approved_by_the_committee_and_closed() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    let shokuin = t.user("shokuin").await;
    let before = t.audit_count().await;
    let report = Report {
        noticed_at: noticed_now(&t),
        ..loss()
    };
    let i = t
        .app
        .incidents()
        .report(&shokuin, report, &meta)
        .await
        .unwrap();
    assert_eq!(i.status, Status::Reported);
    assert_eq!(i.channel, Channel::Staff);
    assert_eq!(i.unit_name, "市民課");
    assert_eq!(i.assets[0].asset_no, "IA-000005");
    assert_eq!(t.audit_count().await, before + 1);

    // kacho, bucho, the 統括 and the CISO are told one after the other, each acknowledging.
    let mut i = i;
    for login in ["kacho", "bucho", "tokatsu", "ciso"] {
        let user = t.user(login).await;
        let view = t.app.incidents().incident(&user, i.id).await.unwrap();
        assert!(view.may.acknowledge, "{login} is told");
        let next_login_told = i.chain.iter().filter(|s| s.told_at.is_some()).count();
        i = t
            .app
            .incidents()
            .acknowledge(&user, i.id, i.version, &meta)
            .await
            .unwrap();
        assert!(i.chain.iter().filter(|s| s.told_at.is_some()).count() >= next_login_told);
    }
    assert!(i.chain.iter().all(|s| s.acknowledged.is_some()));
    let roles: Vec<&str> = i.chain.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "security_manager",
            "security_officer",
            "chief_security_officer",
            "ciso"
        ]
    );
    // Each was told in the app.
    let kacho = t.user("kacho").await;
    let notices = t.app.notifications(&kacho).await.unwrap();
    assert!(notices.iter().any(|n| n.subject.contains(&i.number)));

    // The CSIRT (the 統括) triages: personal data of 150 people → the 個人情報保護委員会.
    let tokatsu = t.user("tokatsu").await;
    let i = t
        .app
        .incidents()
        .triage(
            &tokatsu,
            Triage {
                id: i.id,
                seen: i.version,
                is_incident: true,
                category: "leak_loss".into(),
                severity: "moderate".into(),
                personal_data: true,
                affected_people: "150".into(),
                note: "暗号化済みだが住民の氏名・住所を含む".into(),
                ..Triage::default()
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(i.status, Status::Handling);
    let ppc = i.external.iter().find(|e| e.key == "ppc").unwrap();
    assert_eq!(ppc.recipient, "個人情報保護委員会");
    assert_eq!(ppc.first.due, i.known_on() + Duration::days(3));
    let due = t.app.incidents().reports_due(&tokatsu, 7).await.unwrap();
    assert!(
        due.iter().any(|d| d.id == i.id),
        "the report due shows on home"
    );

    // The plan waits for the 委員会's 議決; a staff member cannot triage or approve.
    assert!(matches!(
        t.app
            .incidents()
            .triage(
                &shokuin,
                Triage {
                    id: i.id,
                    seen: i.version,
                    ..Triage::default()
                },
                &meta
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    let i = t
        .app
        .incidents()
        .propose_measures(
            &tokatsu,
            ProposeMeasures {
                id: i.id,
                seen: i.version,
                root_cause: "鍵付きケースに入れたかを出発前に確かめていなかった".into(),
                plan: "運搬は2名で行い、出発前と到着時にケースの中身を運搬簿で確認する".into(),
                clauses: "S-2.(2)⑧(イ)".into(),
            },
            &meta,
        )
        .await
        .unwrap();
    let err = t
        .app
        .incidents()
        .approve_measures(&tokatsu, i.id, i.version, &meta)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("議決がまだありません"), "{err}");

    // The 事務局 records the meeting that carries the plan; then the approval is recorded.
    let committee = t.app.committee(&tokatsu).await.unwrap();
    let may = tokatsu.policy_editor().unwrap();
    t.app
        .record_meeting(
            &tokatsu,
            &may,
            &MeetingForm {
                held_on: t.app.today().to_string(),
                attendees: committee
                    .members
                    .iter()
                    .take(2)
                    .map(|m| m.person_id.to_string())
                    .collect(),
                items: vec![ItemForm {
                    incident: i.number.clone(),
                    vote: "unanimous".into(),
                    ..ItemForm::default()
                }],
                minutes: None,
            },
            &meta,
        )
        .await
        .unwrap();
    let i = t
        .app
        .incidents()
        .approve_measures(&tokatsu, i.id, i.version, &meta)
        .await
        .unwrap();
    let approval = i.measures.as_ref().unwrap().approved.as_ref().unwrap();
    assert!(
        matches!(&approval.by, ApprovedBy::Committee { committee, .. } if committee == "情報セキュリティ委員会")
    );

    // Not closed while a report outside is not sent.
    let id = i.id;
    let close = |seen| Close {
        id,
        seen,
        lessons: "全職員に事案の概要と運搬の手順を庁内掲示板で周知した".into(),
        review: "手順の見直しを確認した".into(),
    };
    let err = t
        .app
        .incidents()
        .close(&tokatsu, close(i.version), &meta)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("個人情報保護委員会"), "{err}");
    let mut i = i;
    let keys: Vec<(String, &str)> = i
        .external
        .iter()
        .flat_map(|e| {
            let key = e.key.clone();
            e.stages().map(move |(k, _)| (key.clone(), k.key()))
        })
        .collect();
    for (key, stage) in keys {
        i = t
            .app
            .incidents()
            .record_external(
                &tokatsu,
                RecordExternal {
                    id: i.id,
                    seen: i.version,
                    key,
                    stage: stage.into(),
                    sent_on: t.app.today().to_string(),
                    content: "事案の概要、影響範囲、対応状況を報告した".into(),
                    file: None,
                },
                &meta,
            )
            .await
            .unwrap();
    }
    let i = t
        .app
        .incidents()
        .close(&tokatsu, close(i.version), &meta)
        .await
        .unwrap();
    assert_eq!(i.status, Status::Closed);
    // Every transition is in the trail.
    let transitions = i.history.len() as i64;
    assert!(t.audit_count().await >= before + transitions);

    // The インシデント台帳 exports to Excel.
    let bytes = t
        .app
        .incidents()
        .ledger_workbook(&tokatsu, IncidentFilter::default(), &meta)
        .await
        .unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let (name, docx) = t.app.incidents().report_docx(&shokuin, i.id).await.unwrap();
    assert!(name.starts_with(&i.number));
    assert_eq!(&docx[..2], b"PK");
}

#[tokio::test]
async fn an_unacknowledged_step_escalates_after_its_period_and_the_uninvolved_find_nothing() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    let shokuin = t.user("shokuin").await;
    let i = t
        .app
        .incidents()
        .report(
            &shokuin,
            Report {
                noticed_at: noticed_now(&t),
                ..loss()
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(t.app.incidents().escalate_due().await.unwrap(), 0);
    t.clock.advance(Duration::minutes(61));
    assert_eq!(t.app.incidents().escalate_due().await.unwrap(), 1);
    let bucho = t.user("bucho").await;
    let view = t.app.incidents().incident(&bucho, i.id).await.unwrap();
    assert!(view.incident.chain[1].escalated);
    assert!(view.may.acknowledge);
    assert_eq!(t.app.incidents().escalate_due().await.unwrap(), 0);

    // A report taken in by the CSIRT from a vendor about 総務課: shokuin is not named.
    let tokatsu = t.user("tokatsu").await;
    let somu = t
        .app
        .org_tree(&tokatsu, t.app.today())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.unit.name == "総務課")
        .map(|u| u.unit.id)
        .unwrap();
    let outside = t
        .app
        .incidents()
        .report(
            &tokatsu,
            Report {
                channel: Some("vendor".into()),
                contact: "保守事業者 山田（03-0000-0000）".into(),
                unit: Some(somu),
                ..loss()
            },
            &meta,
        )
        .await
        .unwrap();
    assert!(outside.reporter.is_none());
    assert!(matches!(
        t.app.incidents().incident(&shokuin, outside.id).await,
        Err(AppError::NotFound(_))
    ));
    let mine: Vec<_> = t
        .app
        .incidents()
        .list(&shokuin, IncidentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert!(mine.contains(&i.id));
    assert!(!mine.contains(&outside.id));
    // A 職員 cannot take in a report from outside.
    let err = t
        .app
        .incidents()
        .report(
            &shokuin,
            Report {
                channel: Some("resident".into()),
                contact: "住民".into(),
                ..loss()
            },
            &meta,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
    // Nothing is saved of a report without what happened.
    let count = t.audit_count().await;
    assert!(matches!(
        t.app
            .incidents()
            .report(
                &shokuin,
                Report {
                    summary: " ".into(),
                    ..loss()
                },
                &meta
            )
            .await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(t.audit_count().await, count);
}

#[tokio::test]
async fn the_timeline_keeps_actions_with_their_permission_and_evidence_with_its_hash() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    let shokuin = t.user("shokuin").await;
    let tokatsu = t.user("tokatsu").await;
    let i = t
        .app
        .incidents()
        .report(
            &shokuin,
            Report {
                noticed_at: noticed_now(&t),
                ..loss()
            },
            &meta,
        )
        .await
        .unwrap();
    let i = t
        .app
        .incidents()
        .triage(
            &tokatsu,
            Triage {
                id: i.id,
                seen: i.version,
                is_incident: true,
                category: "malware".into(),
                severity: "minor".into(),
                note: "端末1台の感染".into(),
                ..Triage::default()
            },
            &meta,
        )
        .await
        .unwrap();
    let entry = |seen, kind: &str| AddEntry {
        id: i.id,
        seen,
        kind: kind.into(),
        ..AddEntry::default()
    };
    // Cutting the network needs the 統括's permission beforehand; the CISO cannot give it.
    let ciso = t.user("ciso").await.account.person_id.unwrap();
    let err = t
        .app
        .incidents()
        .add_entry(
            &tokatsu,
            AddEntry {
                action: "network_cut".into(),
                permitted_by: Some(ciso),
                text: "LGWAN接続系から切り離した".into(),
                ..entry(i.version, "action")
            },
            &meta,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("統括情報セキュリティ責任者"),
        "{err}"
    );
    let err = t
        .app
        .incidents()
        .add_entry(
            &tokatsu,
            AddEntry {
                action: "network_cut".into(),
                report_after: true,
                text: "切り離した".into(),
                ..entry(i.version, "action")
            },
            &meta,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("事後報告にできません"), "{err}");
    // A terminal may be disconnected at once and reported afterwards: the 統括 is told.
    let i = t
        .app
        .incidents()
        .add_entry(
            &tokatsu,
            AddEntry {
                action: "terminal_disconnect".into(),
                report_after: true,
                text: "感染した端末のLANケーブルを抜いた".into(),
                ..entry(i.version, "action")
            },
            &meta,
        )
        .await
        .unwrap();
    let notices = t.app.notifications(&tokatsu).await.unwrap();
    assert!(notices.iter().any(|n| n.subject.starts_with("事後報告")));
    // Evidence is kept with its SHA-256 and custody; an analysis copy names its original.
    let log = b"2026-06-01 09:12 blocked C2 connection".to_vec();
    let i = t
        .app
        .incidents()
        .add_entry(
            &tokatsu,
            AddEntry {
                custody: "情報政策課 金庫（保管者: 統括）".into(),
                file: Some(("proxy.log".into(), log.clone())),
                ..entry(i.version, "evidence")
            },
            &meta,
        )
        .await
        .unwrap();
    let original = i.evidence().next().unwrap().clone();
    assert_eq!(original.sha256, hex::encode(sha2::Sha256::digest(&log)));
    assert_eq!(original.size_bytes, log.len() as u64);
    let i = t
        .app
        .incidents()
        .add_entry(
            &tokatsu,
            AddEntry {
                copy_of: Some(original.id),
                file: Some(("proxy-copy.log".into(), log.clone())),
                text: "解析用に複製".into(),
                ..entry(i.version, "evidence")
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(i.timeline.len(), 3);
    // The copy of the same bytes has the original's hash: nothing was altered in between.
    assert!(matches!(&i.timeline[2].kind,
        mamori_domain::incident::EntryKind::Evidence { file, copy_of: Some(o), .. }
            if file.sha256 == original.sha256 && *o == original.id));
    let (name, _, bytes) = t
        .app
        .incidents()
        .file(&shokuin, i.id, original.id, &meta)
        .await
        .unwrap();
    assert_eq!((name.as_str(), bytes), ("proxy.log", log));

    // A person the CSIRT adds reads the incident from then on; only the CSIRT adds.
    let outsider = t
        .app
        .people(&tokatsu, None, None, 1)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|p| p.person.id)
        .find(|p| !i.involves(*p))
        .unwrap();
    assert!(matches!(
        t.app
            .incidents()
            .add_member(&shokuin, i.id, i.version, outsider, &meta)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let i = t
        .app
        .incidents()
        .add_member(&tokatsu, i.id, i.version, outsider, &meta)
        .await
        .unwrap();
    assert!(i.involves(outsider));
}

#[tokio::test]
async fn the_demo_loss_of_a_usb_memory_waits_for_the_chief_with_its_report_outside_due() {
    let t = TestApp::spawn().await;
    let shokuin = t.user("shokuin").await;
    let mine = t
        .app
        .incidents()
        .list(&shokuin, IncidentFilter::default())
        .await
        .unwrap();
    let demo = mine
        .iter()
        .find(|i| i.summary.contains("USBメモリ"))
        .expect("the demo's incident");
    let view = t.app.incidents().incident(&shokuin, demo.id).await.unwrap();
    let i = &view.incident;
    assert_eq!(i.status, Status::Handling);
    assert_eq!(i.channel, Channel::Staff);
    assert_eq!(
        i.reporter.as_ref().map(|r| r.person),
        shokuin.account.person_id
    );
    assert_eq!(i.unit_name, "市民課");
    assert!(i.assets.iter().any(|a| a.asset_no == "IA-000005"));
    let triage = i.triage.as_ref().unwrap();
    assert_eq!(triage.category, "leak_loss");
    assert!(triage.personal_data);
    // Noticed yesterday at 17:30 in Japan: the 速報 to the 委員会 is due the day after tomorrow.
    let today = t.app.today();
    assert_eq!(i.known_on(), today - Duration::days(1));
    let ppc = i.external.iter().find(|e| e.key == "ppc").unwrap();
    assert_eq!(ppc.first.due, today + Duration::days(2));
    assert!(ppc.first.sent.is_none());
    assert!(!i.is_overdue(today));

    // The 課長 and the 部長 acknowledged; the 統括 is told and awaited; the CISO is not told yet.
    let app = &t;
    let person = |login: &'static str| async move { app.user(login).await.account.person_id };
    let roles: Vec<&str> = i.chain.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "security_manager",
            "security_officer",
            "chief_security_officer",
            "ciso"
        ]
    );
    for (n, login) in ["kacho", "bucho"].into_iter().enumerate() {
        let by = i.chain[n].acknowledged.as_ref().map(|a| a.by.person);
        assert_eq!(by, person(login).await, "{login} acknowledged");
    }
    assert!(i.chain[2].told_at.is_some() && i.chain[2].acknowledged.is_none());
    assert!(i.chain[2].held_by(person("tokatsu").await.unwrap()));
    assert!(i.chain[3].told_at.is_none());
    let tokatsu = t.user("tokatsu").await;
    let chiefs = t.app.incidents().incident(&tokatsu, i.id).await.unwrap();
    assert!(chiefs.may.acknowledge && chiefs.may.handle);
    for login in ["kacho", "bucho", "ciso"] {
        let view = t.app.incidents().incident(&t.user(login).await, i.id).await;
        assert!(!view.unwrap().may.acknowledge, "{login} is not awaited");
    }
    // The 課長's notice was read by acknowledging; the 統括's waits.
    let notices = |login: &'static str| async move {
        app.app
            .notifications(&app.user(login).await)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.subject == format!("インシデントの報告（要確認）: {}", i.number))
            .collect::<Vec<_>>()
    };
    assert!(notices("kacho").await.iter().all(|n| n.read_at.is_some()));
    let waiting = notices("tokatsu").await;
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0].read_at.is_none());
    assert!(notices("ciso").await.is_empty());
    // Every transition is in the trail: the report, the triage, two acknowledgements.
    let kinds: Vec<&str> = i.history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["report", "triage", "acknowledge", "acknowledge"]);
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = mamori_store::audit::AuditFilter {
        target_id: Some(i.id.to_string()),
        ..Default::default()
    };
    let mut audited: Vec<String> = mamori_store::audit::list(&mut conn, &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    drop(conn);
    audited.reverse();
    assert_eq!(
        audited,
        [
            "incident.report",
            "incident.triage",
            "incident.acknowledge",
            "incident.acknowledge"
        ]
    );

    // A colleague of the same unit it does not name finds nothing.
    let may = tokatsu.org_editor().unwrap();
    let colleague = t
        .app
        .people(&tokatsu, None, None, 1)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|p| p.person)
        .find(|p| p.staff_number == "100322")
        .unwrap();
    assert!(!i.involves(colleague.id));
    t.app
        .create_person_account(
            &tokatsu,
            &may,
            colleague.id,
            "kaneko",
            "kaze-no-oto-2026-c",
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let kaneko = t.user("kaneko").await;
    assert!(matches!(
        t.app.incidents().incident(&kaneko, i.id).await,
        Err(AppError::NotFound(_))
    ));
    let theirs = t
        .app
        .incidents()
        .list(&kaneko, IncidentFilter::default())
        .await
        .unwrap();
    assert!(theirs.is_empty());
}
