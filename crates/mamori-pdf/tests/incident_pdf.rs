#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The インシデント報告書 and the 緊急時対応計画 as PDF: an incident made through the domain's own
//! transitions and a plan from the guideline's rules, typst's special characters in their text
//! printed as they are, and the text (read back with poppler's `pdftotext`) carrying every
//! section and the values.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mamori_domain::authority::{OrgSnapshot, UnitNode};
use mamori_domain::ids::{BodyId, IncidentId, OrgUnitId, PersonId};
use mamori_domain::incident::{
    Channel, Incident, IncidentRules, Named, NewIncident, Sent, StageKind, TriageInput,
};
use mamori_io::incident::{
    EmergencyPlan, PLAN_SECTIONS, PlanContact, REPORT_SECTIONS, emergency_plan, incident_report,
};
use std::collections::BTreeMap;

/// Characters that mean something in typst markup; the document must print them as they are.
const SPECIAL: &str = r#"記号#見出し*強調*$x$[括弧]"引用"C:\mamori"#;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A 誤送信 of 150 people's data reported by a resident: reports outside of a 速報 and a 確報
/// (the recipient merged over both), the 速報 sent.
fn incident(rules: &IncidentRules) -> Incident {
    let ka = OrgUnitId::new();
    let org = OrgSnapshot {
        date: day(2026, 6, 1),
        units: BTreeMap::from([(
            ka,
            UnitNode {
                id: ka,
                parent: None,
                name: "市民課".into(),
            },
        )]),
        roles: vec![],
        assignments: vec![],
    };
    let csirt = Named {
        person: PersonId::new(),
        name: "対応 六子".into(),
    };
    let i = Incident::report(
        NewIncident {
            id: IncidentId::new(),
            body_id: BodyId::new(),
            number: "INC-2026-0007".into(),
            channel: Channel::Resident,
            reporter: None,
            contact: format!("住民 {SPECIAL}"),
            received_by: csirt.clone(),
            summary: format!("概要 {SPECIAL}"),
            how_noticed: "受け取った住民から電話があった".into(),
            noticed_at: utc(2026, 6, 1, 1, 0),
            unit: Some((ka, "市民課".into())),
            assets: vec![],
            systems: vec!["住民基本台帳システム".into()],
            at: utc(2026, 6, 1, 1, 30),
        },
        rules,
        &org,
    )
    .unwrap();
    let i = i
        .triage(
            &TriageInput {
                is_incident: true,
                category: "misdelivery".into(),
                severity: "moderate".into(),
                personal_data: true,
                affected_people: Some(150),
                note: format!("備考 {SPECIAL}"),
                ..TriageInput::default()
            },
            None,
            csirt.clone(),
            rules,
            &org,
            utc(2026, 6, 1, 3, 0),
        )
        .unwrap();
    i.record_external(
        "ppc",
        StageKind::First,
        Sent {
            on: day(2026, 6, 2),
            by: csirt,
            content: "様式により報告した".into(),
            file: None,
        },
        utc(2026, 6, 2, 1, 0),
    )
    .unwrap()
}

/// A section's heading without its number, which `pdftotext` may read apart from the title.
fn title(heading: &str) -> String {
    heading
        .trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace())
        .to_owned()
}

/// The text of a PDF, without white space.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    common::squeeze(&common::pdf_text(pdf, name))
}

#[test]
fn the_incident_report_typesets_its_sections_values_and_special_characters_verbatim() {
    let rules = IncidentRules::guideline().unwrap();
    let doc = incident_report(&incident(&rules), "みほん市");
    let markup = mamori_pdf::incident_markup(&doc);
    // The recipient and its basis are one cell over the 速報 and the 確報.
    assert_eq!(
        markup.matches("table.cell(rowspan: 2,").count(),
        2,
        "{markup}"
    );
    for heading in REPORT_SECTIONS {
        assert!(markup.contains(&format!("heading(level: 1, \"{heading}\")")));
    }

    let text = pdf_text(&mamori_pdf::incident_pdf(&doc).unwrap(), "report.pdf");
    let special: String = SPECIAL.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in REPORT_SECTIONS.iter().map(|s| title(s)).chain([
        "情報セキュリティインシデント報告書".to_owned(),
        "みほん市".to_owned(),
        "INC-2026-0007".to_owned(),
        format!("概要{special}"),
        format!("住民{special}"),
        format!("備考{special}"),
        // The start of a recipient in a narrow column (the rest is on the next line).
        "個人情報保護".to_owned(),
        "速報".to_owned(),
        "確報".to_owned(),
        "150人".to_owned(),
        "様式により報告した".to_owned(),
        "-1-".to_owned(),
    ]) {
        assert!(text.contains(&expected), "{expected} in {text}");
    }
}

#[test]
fn the_emergency_plan_typesets_its_sections_and_contacts() {
    let rules = IncidentRules::guideline().unwrap();
    let role_names = BTreeMap::from([("csirt".to_owned(), "CSIRT 要員".to_owned())]);
    // The text of a wrapped cell reads back whole when the cells beside it are single lines.
    let contacts = [
        PlanContact {
            stage: "CSIRT".into(),
            role: "CSIRT要員".into(),
            for_unit: String::new(),
            name: format!("対応{SPECIAL}"),
            post: String::new(),
            email: String::new(),
        },
        PlanContact {
            stage: "第1段".into(),
            role: "情報セキュリティ管理者".into(),
            for_unit: "市民課".into(),
            name: "課長 一郎".into(),
            post: "課長".into(),
            email: "ka@example.jp".into(),
        },
    ];
    let doc = emergency_plan(&EmergencyPlan {
        body_name: "みほん市",
        on: day(2026, 6, 1),
        rules: &rules,
        role_names: &role_names,
        contacts: &contacts,
    });
    let text = pdf_text(&mamori_pdf::incident_pdf(&doc).unwrap(), "plan.pdf");
    let special: String = SPECIAL.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in PLAN_SECTIONS.iter().map(|s| title(s)).chain([
        "みほん市緊急時対応計画".to_owned(),
        "令和8年6月1日現在".to_owned(),
        format!("対応{special}"),
        "ka@example.jp".to_owned(),
        // The start of a recipient in a narrow column (the rest is on the next line).
        "個人情報保護".to_owned(),
    ]) {
        assert!(text.contains(&expected), "{expected} in {text}");
    }
}
