//! The インシデント台帳 and the インシデント報告書 read back: incidents built through the domain's
//! own transitions, the workbook read with calamine, the Word package unzipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mamori_domain::authority::{ActiveAssignment, OrgSnapshot, UnitNode};
use mamori_domain::ids::{BodyId, IncidentId, MeetingId, OrgUnitId, PersonId};
use mamori_domain::incident::{
    Approval, ApprovedBy, Channel, Entry, EntryKind, Incident, IncidentRules, Named, NewIncident,
    Sent, StageKind, Status, TriageInput,
};
use mamori_domain::org::{RoleDefinition, RoleScope};
use mamori_io::incident::{
    ESCALATED, INCIDENT_LEDGER_HEADERS, INCIDENT_LEDGER_SHEET, INCIDENT_SUMMARY_SHEET,
    REPORT_OVERDUE, REPORT_SECTIONS, incident_ledger_cells, incident_ledger_xlsx,
    incident_report_docx,
};
use regex::Regex;

struct World {
    org: OrgSnapshot,
    rules: IncidentRules,
    ka: OrgUnitId,
    staff: Named,
    tokatsu: Named,
    ciso: Named,
    csirt: Named,
}

fn world() -> World {
    let (bu, ka) = (OrgUnitId::new(), OrgUnitId::new());
    let mut units = BTreeMap::new();
    for (id, parent, name) in [(bu, None, "市民部"), (ka, Some(bu), "市民課")] {
        units.insert(
            id,
            UnitNode {
                id,
                parent,
                name: name.into(),
            },
        );
    }
    let person = |name: &str| Named {
        person: PersonId::new(),
        name: name.into(),
    };
    let (staff, kacho, bucho, tokatsu, ciso, head, csirt) = (
        person("市民 花子"),
        person("課長 一郎"),
        person("部長 次郎"),
        person("統括 三郎"),
        person("最高 四郎"),
        person("市長 五郎"),
        person("対応 六子"),
    );
    let assign = |role: &str, who: &Named, unit: Option<OrgUnitId>| ActiveAssignment {
        role: role.into(),
        person: who.person,
        person_name: who.name.clone(),
        person_unit: unit,
        unit,
        system: None,
        is_deputy: false,
        in_service: true,
    };
    let role = |key: &str, name: &str, scope| RoleDefinition {
        key: key.into(),
        name: name.into(),
        scope,
        grants: vec![],
    };
    let org = OrgSnapshot {
        date: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        units,
        roles: vec![
            role("head_of_body", "市長", RoleScope::Body),
            role("ciso", "最高情報セキュリティ責任者", RoleScope::Body),
            role(
                "chief_security_officer",
                "統括情報セキュリティ責任者",
                RoleScope::Body,
            ),
            role(
                "security_officer",
                "情報セキュリティ責任者",
                RoleScope::Unit,
            ),
            role(
                "security_manager",
                "情報セキュリティ管理者",
                RoleScope::Unit,
            ),
            role("csirt", "CSIRT 要員", RoleScope::Body),
        ],
        assignments: vec![
            assign("security_manager", &kacho, Some(ka)),
            assign("security_officer", &bucho, Some(bu)),
            assign("chief_security_officer", &tokatsu, None),
            assign("ciso", &ciso, None),
            assign("head_of_body", &head, None),
            assign("csirt", &csirt, None),
        ],
    };
    World {
        org,
        rules: IncidentRules::guideline().unwrap(),
        ka,
        staff,
        tokatsu,
        ciso,
        csirt,
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn report(w: &World, number: &str, noticed: DateTime<Utc>, at: DateTime<Utc>) -> Incident {
    Incident::report(
        NewIncident {
            id: IncidentId::new(),
            body_id: BodyId::new(),
            number: number.into(),
            channel: Channel::Staff,
            reporter: Some(w.staff.clone()),
            contact: String::new(),
            received_by: w.staff.clone(),
            summary: "住民票の写しを別の住民あてにメールで誤送信した".into(),
            how_noticed: "受け取った住民から電話があった".into(),
            noticed_at: noticed,
            unit: Some((w.ka, "市民課".into())),
            assets: vec![],
            systems: vec!["住民基本台帳システム".into()],
            at,
        },
        &w.rules,
        &w.org,
    )
    .unwrap()
}

fn sent(w: &World, on: NaiveDate) -> Sent {
    Sent {
        on,
        by: w.csirt.clone(),
        content: "様式により報告した".into(),
        file: None,
    }
}

/// 令和8年度: a 誤送信 of 150 people's data, handled, its report to the people late; the chain's
/// second step told because the first did not acknowledge in time; measures approved by the CISO.
fn misdelivery(w: &World) -> Incident {
    let i = report(
        w,
        "INC-2026-0001",
        utc(2026, 6, 1, 1, 0),
        utc(2026, 6, 1, 1, 30),
    );
    let (i, told) = i.escalate(utc(2026, 6, 1, 2, 30)).unwrap();
    assert_eq!(told, [1]);
    let input = TriageInput {
        is_incident: true,
        category: "misdelivery".into(),
        severity: "moderate".into(),
        personal_data: true,
        affected_people: Some(150),
        note: "150名分の一覧を添付していた".into(),
        ..TriageInput::default()
    };
    let i = i
        .triage(
            &input,
            None,
            w.csirt.clone(),
            &w.rules,
            &w.org,
            utc(2026, 6, 1, 3, 0),
        )
        .unwrap();
    let i = i
        .record_external(
            "ppc",
            StageKind::First,
            sent(w, day(2026, 6, 2)),
            utc(2026, 6, 2, 1, 0),
        )
        .unwrap();
    let i = i
        .add_entry(Entry {
            at: utc(2026, 6, 1, 4, 0),
            by: w.csirt.clone(),
            kind: EntryKind::Note,
            text: "誤送信先に削除を依頼し、削除の連絡を受けた".into(),
        })
        .unwrap();
    let i = i
        .propose_measures(
            "宛先を確認せずに送信した",
            "個人情報を含むメールは課長が宛先を確認してから送る",
            vec!["S-6.(1)②".into()],
            w.tokatsu.clone(),
            utc(2026, 6, 3, 0, 0),
        )
        .unwrap();
    i.approve_measures(
        Approval {
            on: day(2026, 6, 4),
            by: ApprovedBy::Role {
                by: w.ciso.clone(),
                role_name: "CISO".into(),
            },
        },
        w.ciso.person,
        utc(2026, 6, 4, 0, 0),
    )
    .unwrap()
}

/// 令和8年度: judged no incident.
fn not_incident(w: &World) -> Incident {
    report(
        w,
        "INC-2026-0002",
        utc(2026, 7, 1, 0, 0),
        utc(2026, 7, 1, 0, 30),
    )
    .triage(
        &TriageInput {
            note: "送信先は本人のものだった".into(),
            ..TriageInput::default()
        },
        None,
        w.csirt.clone(),
        &w.rules,
        &w.org,
        utc(2026, 7, 1, 1, 0),
    )
    .unwrap()
}

/// Received on 2027-04-01 01:00 in Japan (still 3月31日 in UTC): 令和9年度. A マイナンバー leak,
/// every report sent, measures approved by the committee, closed.
fn closed_leak(w: &World) -> Incident {
    let i = report(
        w,
        "INC-2027-0001",
        utc(2027, 3, 31, 15, 30),
        utc(2027, 3, 31, 16, 0),
    );
    let input = TriageInput {
        is_incident: true,
        category: "leak_loss".into(),
        severity: "moderate".into(),
        personal_data: true,
        my_number: true,
        affected_people: Some(3),
        note: "個人番号を含む申請書3件".into(),
        ..TriageInput::default()
    };
    let mut i = i
        .triage(
            &input,
            None,
            w.csirt.clone(),
            &w.rules,
            &w.org,
            utc(2027, 4, 1, 0, 0),
        )
        .unwrap();
    for (key, stage) in [
        ("ppc", StageKind::First),
        ("ppc", StageKind::Final),
        ("data_subjects", StageKind::First),
    ] {
        i = i
            .record_external(key, stage, sent(w, day(2027, 4, 2)), utc(2027, 4, 2, 3, 0))
            .unwrap();
    }
    let i = i
        .propose_measures(
            "書類を施錠保管していなかった",
            "申請書は受付後直ちに施錠保管庫へ入れる",
            vec![],
            w.tokatsu.clone(),
            utc(2027, 4, 3, 0, 0),
        )
        .unwrap()
        .approve_measures(
            Approval {
                on: day(2027, 4, 5),
                by: ApprovedBy::Committee {
                    meeting: MeetingId::new(),
                    held_on: day(2027, 4, 5),
                    committee: "情報セキュリティ委員会".into(),
                },
            },
            w.ciso.person,
            utc(2027, 4, 5, 5, 0),
        )
        .unwrap();
    let i = i
        .close(
            "全職員に施錠保管の手順を周知した",
            "受付から保管までの手順を見直した",
            w.csirt.clone(),
            &w.rules,
            utc(2027, 4, 6, 0, 0),
        )
        .unwrap();
    assert_eq!(i.status, Status::Closed);
    i
}

/// 令和8年度: waiting for the triage.
fn waiting(w: &World) -> Incident {
    report(
        w,
        "INC-2026-0003",
        utc(2026, 8, 1, 0, 0),
        utc(2026, 8, 1, 0, 30),
    )
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

fn col(name: &str) -> usize {
    INCIDENT_LEDGER_HEADERS
        .iter()
        .position(|h| *h == name)
        .unwrap()
}

#[test]
fn incident_ledger_reads_back_with_its_rows_flags_and_counts_per_fiscal_year() {
    let w = world();
    let today = day(2026, 6, 10);
    let rows = [
        closed_leak(&w),
        misdelivery(&w),
        not_incident(&w),
        waiting(&w),
    ];
    let bytes = incident_ledger_xlsx("みほん市 インシデント台帳", &rows, today).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [INCIDENT_LEDGER_SHEET, INCIDENT_SUMMARY_SHEET]
    );

    // The late row (the second, INC-2026-0001) is filled; the others are not.
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let styles = part(&bytes, "xl/styles.xml");
    let style_of = |cell: &str| {
        Regex::new(&format!(r#"<c r="{cell}" s="(\d+)""#))
            .unwrap()
            .captures(&sheet)
            .map(|c| c[1].parse::<usize>().unwrap())
            .unwrap()
    };
    let fills: Vec<&str> = styles
        .split("<fill>")
        .skip(1)
        .map(|f| f.split("</fill>").next().unwrap())
        .collect();
    let xfs: Vec<&str> = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("<xf ")
        .skip(1)
        .collect();
    let filled = |cell: &str| {
        let xf = xfs[style_of(cell)];
        let fill: usize = Regex::new(r#"fillId="(\d+)""#)
            .unwrap()
            .captures(xf)
            .unwrap()[1]
            .parse()
            .unwrap();
        fills[fill].contains("FFF4D6")
    };
    assert!(filled("A3") && filled("O3"));
    assert!(!filled("A2") && !filled("A4") && !filled("A5"));

    let range = book.worksheet_range(INCIDENT_LEDGER_SHEET).unwrap();
    let grid: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(grid.len(), 5);
    let header: Vec<String> = grid[0].iter().map(text).collect();
    assert_eq!(header, INCIDENT_LEDGER_HEADERS);
    let row = |number: &str| {
        grid.iter()
            .find(|r| text(&r[0]) == number)
            .unwrap_or_else(|| panic!("no row {number}"))
    };
    let cell = |number: &str, name: &str| text(&row(number)[col(name)]);

    // The late incident: its reports outside as sent and due, flagged in 備考.
    assert_eq!(cell("INC-2026-0001", "受付日時"), "2026-06-01 10:30");
    assert_eq!(cell("INC-2026-0001", "状態"), "対応中");
    assert_eq!(cell("INC-2026-0001", "区分"), "誤送信");
    assert_eq!(cell("INC-2026-0001", "個人情報"), "あり");
    assert_eq!(row("INC-2026-0001")[col("影響人数")], Data::Float(150.0));
    assert_eq!(
        cell("INC-2026-0001", "外部への報告"),
        "個人情報保護委員会：速報 済 2026-06-02、確報 期限 2026-07-01\n\
         本人（影響を受ける住民等）：報告 期限 2026-06-04（超過）"
    );
    assert_eq!(cell("INC-2026-0001", "次の期限"), "2026-06-04");
    assert!(cell("INC-2026-0001", "備考").contains(REPORT_OVERDUE));

    // The closed one, received after midnight in Japan on April 1.
    assert_eq!(cell("INC-2027-0001", "受付日時"), "2027-04-01 01:00");
    assert_eq!(cell("INC-2027-0001", "状態"), "終結");
    assert_eq!(cell("INC-2027-0001", "区分"), "漏えい・紛失");
    assert_eq!(cell("INC-2027-0001", "個人情報"), "マイナンバー");
    assert_eq!(cell("INC-2027-0001", "終結日"), "2027-04-06");
    assert_eq!(cell("INC-2027-0001", "次の期限"), "");
    assert!(!cell("INC-2027-0001", "備考").contains(REPORT_OVERDUE));

    assert_eq!(cell("INC-2026-0002", "状態"), "非該当");
    assert_eq!(cell("INC-2026-0002", "区分"), "");
    assert_eq!(cell("INC-2026-0003", "状態"), "受付（判断待ち）");
    assert_eq!(cell("INC-2026-0003", "外部への報告"), "");

    // Counted by the 年度 of the day received in Japan; categories in the order first reported.
    let summary = book.worksheet_range(INCIDENT_SUMMARY_SHEET).unwrap();
    let grid: Vec<Vec<String>> = summary
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Float(f) => f.to_string(),
                    d => text(d),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        grid,
        [
            [
                "年度",
                "誤送信",
                "漏えい・紛失",
                "非該当",
                "判断待ち",
                "合計"
            ],
            ["令和8年度", "1", "0", "1", "1", "3"],
            ["令和9年度", "0", "1", "0", "0", "1"],
            ["合計", "1", "1", "1", "1", "4"],
        ]
    );
}

#[test]
fn incident_ledger_flags_a_report_only_once_its_deadline_has_passed() {
    let w = world();
    let i = misdelivery(&w);
    let remarks = col("備考");
    assert!(!incident_ledger_cells(&i, day(2026, 6, 4))[remarks].contains(REPORT_OVERDUE));
    assert!(incident_ledger_cells(&i, day(2026, 6, 5))[remarks].contains(REPORT_OVERDUE));
    // The escalated step of the chain is noted too.
    assert!(incident_ledger_cells(&i, day(2026, 6, 4))[remarks].contains("上位へ報告"));
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

fn document_xml(bytes: &[u8]) -> String {
    part(bytes, "word/document.xml")
}

#[test]
fn incident_report_carries_the_number_the_sections_and_the_reports_outside() {
    let w = world();
    let bytes = incident_report_docx(&misdelivery(&w), "みほん市").unwrap();
    let xml = document_xml(&bytes);
    assert!(xml.contains("情報セキュリティインシデント報告書"));
    assert!(xml.contains("みほん市"));
    assert!(xml.contains("INC-2026-0001"));
    for section in REPORT_SECTIONS {
        assert!(xml.contains(section), "no section {section}");
    }
    // 1: the situation in Japan time.
    assert!(xml.contains("令和8年6月1日 10時30分"));
    assert!(xml.contains("住民基本台帳システム"));
    // 2: the judgement.
    assert!(xml.contains("誤送信") && xml.contains("150人"));
    // 3: the chain, the second step told for want of the first's acknowledgement.
    assert!(xml.contains("情報セキュリティ管理者（市民課）"));
    assert!(xml.contains("課長 一郎"));
    assert!(xml.contains(ESCALATED));
    // 4: the reports outside with their stages.
    assert!(xml.contains("個人情報保護委員会"));
    // Its 速報 and 確報 share one merged cell of the recipient.
    assert_eq!(xml.matches("個人情報保護委員会").count(), 1);
    assert!(xml.contains("w:vMerge"));
    assert!(xml.contains("個人情報の保護に関する法律第68条第1項"));
    assert!(xml.contains("速報") && xml.contains("確報") && xml.contains("未報告"));
    // 5 and 6.
    assert!(xml.contains("誤送信先に削除を依頼し"));
    assert!(xml.contains("CISO 最高 四郎 が承認（令和8年6月4日）"));
    assert!(xml.contains("S-6.(1)②"));
    // 7: not closed yet.
    assert!(xml.contains("まだ終結していません"));
    // The fonts of the other Word exports: 明朝 for the body, ゴシック for the title.
    assert!(part(&bytes, "word/styles.xml").contains("ＭＳ 明朝"));
    assert!(xml.contains("ＭＳ ゴシック"));
}

#[test]
fn incident_report_of_a_closed_case_names_the_committees_approval_and_the_recurrence_watch() {
    let w = world();
    let xml = document_xml(&incident_report_docx(&closed_leak(&w), "みほん市").unwrap());
    assert!(xml.contains("INC-2027-0001"));
    assert!(xml.contains("受付日　令和9年4月1日"));
    assert!(xml.contains("終結日　令和9年4月6日"));
    assert!(xml.contains("情報セキュリティ委員会（令和9年4月5日）の議決により承認"));
    assert!(xml.contains("全職員に施錠保管の手順を周知した"));
    assert!(xml.contains("令和9年7月5日まで"));
    assert!(xml.contains("マイナンバー"));

    // A report not yet judged still makes a document.
    let xml = document_xml(&incident_report_docx(&waiting(&w), "みほん市").unwrap());
    assert!(xml.contains("まだ判断されていません"));
    assert!(xml.contains("判断の後に定まります"));
}
