use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::authority::{ActiveAssignment, OrgSnapshot, UnitNode};
use crate::ids::IncidentFileId;
use crate::org::{RoleDefinition, RoleScope};

struct World {
    org: OrgSnapshot,
    rules: IncidentRules,
    ka: OrgUnitId,
    branch: OrgUnitId,
    lone: OrgUnitId,
    staff: PersonId,
    kacho: PersonId,
    bucho: PersonId,
    tokatsu: PersonId,
    deputy: PersonId,
    ciso: PersonId,
    head: PersonId,
    csirt: PersonId,
}

fn role(key: &str, name: &str, scope: RoleScope) -> RoleDefinition {
    RoleDefinition {
        key: key.into(),
        name: name.into(),
        scope,
        grants: vec![],
    }
}

fn assign(role: &str, person: PersonId, unit: Option<OrgUnitId>) -> ActiveAssignment {
    ActiveAssignment {
        role: role.into(),
        person,
        person_name: format!("{role}の人"),
        person_unit: unit,
        unit,
        system: None,
        is_deputy: false,
        in_service: true,
    }
}

fn world(tokatsu_on_leave: bool) -> World {
    let (bu, ka, branch, lone) = (
        OrgUnitId::new(),
        OrgUnitId::new(),
        OrgUnitId::new(),
        OrgUnitId::new(),
    );
    let mut units = BTreeMap::new();
    for (id, parent, name) in [
        (bu, None, "市民部"),
        (ka, Some(bu), "市民課"),
        (branch, Some(bu), "北支所"),
        (lone, None, "会計課"),
    ] {
        units.insert(
            id,
            UnitNode {
                id,
                parent,
                name: name.into(),
            },
        );
    }
    let [
        staff,
        kacho,
        bucho,
        bu_manager,
        tokatsu,
        deputy,
        ciso,
        head,
        csirt,
    ] = std::array::from_fn(|_| PersonId::new());
    let mut assignments = vec![
        assign("security_manager", kacho, Some(ka)),
        assign("security_manager", bu_manager, Some(bu)),
        assign("security_officer", bucho, Some(bu)),
        assign("chief_security_officer", tokatsu, None),
        ActiveAssignment {
            is_deputy: true,
            ..assign("chief_security_officer", deputy, None)
        },
        assign("ciso", ciso, None),
        assign("head_of_body", head, None),
        assign("csirt", csirt, None),
    ];
    if tokatsu_on_leave {
        assignments[3].in_service = false;
    }
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
            role("system_manager", "情報システム管理者", RoleScope::System),
            role("csirt", "CSIRT 要員", RoleScope::Body),
        ],
        assignments,
    };
    let rules = IncidentRules::guideline().unwrap();
    World {
        org,
        rules,
        ka,
        branch,
        lone,
        staff,
        kacho,
        bucho,
        tokatsu,
        deputy,
        ciso,
        head,
        csirt,
    }
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, hour, minute, 0).unwrap()
}

fn named(person: PersonId) -> Named {
    Named {
        person,
        name: "名前".into(),
    }
}

fn report(w: &World, unit: Option<OrgUnitId>) -> Incident {
    Incident::report(
        NewIncident {
            id: IncidentId::new(),
            body_id: BodyId::new(),
            number: "INC-2026-0001".into(),
            channel: Channel::Staff,
            reporter: Some(named(w.staff)),
            contact: String::new(),
            received_by: named(w.staff),
            summary: "北支所への運搬中にUSBメモリを紛失した".into(),
            how_noticed: "支所に着いて鞄を開けたところ無かった".into(),
            noticed_at: at(1, 0),
            unit: unit.map(|u| (u, "所属".into())),
            assets: vec![],
            systems: vec!["住民基本台帳システム".into()],
            at: at(1, 30),
        },
        &w.rules,
        &w.org,
    )
    .unwrap()
}

fn leak(people: u32) -> TriageInput {
    TriageInput {
        is_incident: true,
        category: "leak_loss".into(),
        severity: "moderate".into(),
        personal_data: true,
        affected_people: Some(people),
        note: "住民150名分の集計表".into(),
        ..TriageInput::default()
    }
}

fn told(i: &Incident) -> Vec<&str> {
    i.chain
        .iter()
        .filter(|s| s.told_at.is_some())
        .map(|s| s.role.as_str())
        .collect()
}

#[test]
fn a_staff_report_tells_the_units_manager_first_and_each_acknowledgement_tells_the_next() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    assert_eq!(i.status, Status::Reported);
    assert_eq!(told(&i), ["security_manager"]);
    assert!(i.chain[0].held_by(w.kacho));
    // The 長's step is for severe incidents only.
    assert!(!i.chain.iter().any(|s| s.role == "head_of_body"));

    // Only a told holder acknowledges.
    assert!(i.acknowledge(named(w.bucho), at(1, 40)).is_err());
    let (i, next) = i.acknowledge(named(w.kacho), at(1, 40)).unwrap();
    assert_eq!(next, [1]);
    assert_eq!(told(&i), ["security_manager", "security_officer"]);
    let (i, _) = i.acknowledge(named(w.bucho), at(1, 50)).unwrap();
    let (i, _) = i.acknowledge(named(w.tokatsu), at(2, 0)).unwrap();
    let (i, next) = i.acknowledge(named(w.ciso), at(2, 10)).unwrap();
    assert!(next.is_empty());
    assert!(
        i.chain
            .iter()
            .all(|s| s.acknowledged.is_some() && !s.escalated)
    );
    assert!(i.acknowledge(named(w.ciso), at(2, 20)).is_err());
    assert_eq!(
        i.history
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        [
            "report",
            "acknowledge",
            "acknowledge",
            "acknowledge",
            "acknowledge"
        ]
    );
    assert_eq!(i.version, 5);
}

#[test]
fn an_unacknowledged_step_escalates_to_the_next_after_its_period() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    // The manager has an hour.
    assert!(i.escalate(at(2, 29)).is_none());
    let (i, told_now) = i.escalate(at(2, 30)).unwrap();
    assert_eq!(told_now, [1]);
    assert!(i.chain[1].escalated);
    assert_eq!(i.history.last().unwrap().by, None);
    // The officer has two hours; nothing more is due before that.
    assert!(i.escalate(at(4, 29)).is_none());
    let (i, told_now) = i.escalate(at(4, 30)).unwrap();
    assert_eq!(told_now, [2]);
    // The late manager may still acknowledge.
    let (i, _) = i.acknowledge(named(w.kacho), at(4, 40)).unwrap();
    assert!(i.chain[0].acknowledged.is_some());
}

#[test]
fn a_vacant_managers_post_walks_up_and_a_role_nobody_holds_passes_on_at_once() {
    let w = world(false);
    let i = report(&w, Some(w.branch));
    assert!(
        i.chain[0].walked_up,
        "北支所 has no manager: 市民部's answers"
    );
    assert_eq!(i.chain[0].unit_name.as_deref(), Some("市民部"));
    assert!(!i.chain[0].held_by(w.kacho));

    // 会計課 has no manager nor officer up its tree: both are skipped, the 統括 is told at once.
    let i = report(&w, Some(w.lone));
    assert!(i.chain[0].holders.is_empty() && i.chain[0].gap.is_some());
    assert!(i.chain[1].holders.is_empty());
    assert_eq!(
        told(&i),
        [
            "security_manager",
            "security_officer",
            "chief_security_officer"
        ]
    );
}

#[test]
fn a_holder_on_leave_is_replaced_by_the_deputy() {
    let w = world(true);
    let i = report(&w, Some(w.ka));
    let step = i
        .chain
        .iter()
        .find(|s| s.role == "chief_security_officer")
        .unwrap();
    assert!(step.held_by(w.deputy));
    assert!(!step.held_by(w.tokatsu));
    assert!(i.involves(w.deputy));
}

#[test]
fn a_report_without_a_unit_waits_for_the_triage_to_start_the_chain() {
    let w = world(false);
    let i = report(&w, None);
    assert!(i.chain.is_empty());
    let err = i
        .triage(&leak(10), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap_err();
    assert_eq!(err.field, field::UNIT);
    let (i, told_now) = i
        .triage_telling(
            &leak(10),
            Some((w.ka, "市民課".into())),
            named(w.csirt),
            &w.rules,
            &w.org,
            at(2, 0),
        )
        .unwrap();
    assert_eq!(told_now, [0]);
    assert_eq!(told(&i), ["security_manager"]);
    assert_eq!(i.unit_name, "市民課");
    // Judged again, nothing is told twice.
    let (_, told_now) = i
        .triage_telling(
            &leak(150),
            None,
            named(w.csirt),
            &w.rules,
            &w.org,
            at(2, 10),
        )
        .unwrap();
    assert!(told_now.is_empty());
}

#[test]
fn the_facts_of_the_triage_decide_the_reports_outside_and_their_deadlines() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    // Ten people, nothing sensitive: no report to the 委員会 is required.
    let small = i
        .triage(&leak(10), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    assert_eq!(small.status, Status::Handling);
    assert!(small.external.is_empty());
    // More than 100 people: the 個人情報保護委員会 (速報 in 3 days, 確報 in 30) and the people.
    let i = small
        .triage(&leak(150), None, named(w.csirt), &w.rules, &w.org, at(3, 0))
        .unwrap();
    let keys: Vec<&str> = i.external.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["ppc", "data_subjects"]);
    let ppc = &i.external[0];
    let known = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    assert_eq!(ppc.first.due, known + Duration::days(3));
    assert_eq!(ppc.last.as_ref().unwrap().due, known + Duration::days(30));
    assert!(!i.is_overdue(known + Duration::days(3)));
    assert!(i.is_overdue(known + Duration::days(4)));
    assert_eq!(i.next_due(), Some(known + Duration::days(3)));

    // A 速報 sent is kept when later facts no longer require the report.
    let sent = Sent {
        on: known,
        by: named(w.csirt),
        content: "速報を提出".into(),
        file: None,
    };
    let i = i
        .record_external("ppc", StageKind::First, sent.clone(), at(5, 0))
        .unwrap();
    assert!(
        i.record_external("ppc", StageKind::First, sent, at(5, 0))
            .is_err()
    );
    let i = i
        .triage(&leak(10), None, named(w.csirt), &w.rules, &w.org, at(6, 0))
        .unwrap();
    assert_eq!(i.external.len(), 1);
    assert!(i.external[0].first.sent.is_some());
}

#[test]
fn a_severe_incident_adds_the_head_of_the_body_to_the_chain() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    let severe = TriageInput {
        severity: "severe".into(),
        ..leak(10)
    };
    let i = i
        .triage(&severe, None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    assert_eq!(i.chain.last().unwrap().role, "head_of_body");
    assert!(i.chain.last().unwrap().held_by(w.head));
    assert!(i.external.iter().any(|e| e.key == "press"));
    assert!(i.external.iter().any(|e| e.key == "police"));
}

#[test]
fn a_severity_raised_after_the_chain_acknowledged_tells_the_step_it_adds_only() {
    let w = world(false);
    let (mut i, told_now) = report(&w, Some(w.ka))
        .triage_telling(&leak(10), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    assert!(told_now.is_empty(), "the manager was told at the report");
    for (n, person) in [w.kacho, w.bucho, w.tokatsu, w.ciso]
        .into_iter()
        .enumerate()
    {
        (i, _) = i.acknowledge(named(person), at(2, 10 + n as u32)).unwrap();
    }
    let severe = TriageInput {
        severity: "severe".into(),
        ..leak(10)
    };
    let (i, told_now) = i
        .triage_telling(&severe, None, named(w.csirt), &w.rules, &w.org, at(3, 0))
        .unwrap();
    assert_eq!(told_now, [4]);
    assert_eq!(i.chain[4].role, "head_of_body");
    assert_eq!(i.chain[4].told_at, Some(at(3, 0)));
    // Judged no incident, nothing is told.
    let no = TriageInput {
        note: "鞄の別の仕切りから見つかった".into(),
        ..TriageInput::default()
    };
    let (_, told_now) = report(&w, Some(w.ka))
        .triage_telling(&no, None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    assert!(told_now.is_empty());
}

#[test]
fn a_report_judged_no_incident_needs_its_reason_and_then_changes_no_more() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    let no = TriageInput::default();
    assert_eq!(
        i.triage(&no, None, named(w.csirt), &w.rules, &w.org, at(2, 0))
            .unwrap_err()
            .field,
        field::NOTE
    );
    let no = TriageInput {
        note: "鞄の別の仕切りから見つかった".into(),
        ..no
    };
    let i = i
        .triage(&no, None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    assert_eq!(i.status, Status::NotIncident);
    assert!(
        i.triage(&leak(1), None, named(w.csirt), &w.rules, &w.org, at(3, 0))
            .is_err()
    );
    assert!(i.add_member(named(w.bucho), w.csirt, at(3, 0)).is_err());
}

#[test]
fn closing_needs_approved_measures_and_every_report_outside() {
    let w = world(false);
    let i = report(&w, Some(w.ka))
        .triage(&leak(150), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    let close = |i: &Incident| {
        i.close(
            "全職員に事案の概要と運搬手順をメールで周知",
            "",
            named(w.csirt),
            &w.rules,
            at(9, 0),
        )
    };
    assert_eq!(close(&i).unwrap_err().field, field::MEASURES);
    let i = i
        .propose_measures(
            "鍵付きケースを使わずに運搬した",
            "運搬は2名で行い、鍵付きケースの使用を運搬簿で確認する",
            vec!["S-2.(2)⑧".into()],
            named(w.tokatsu),
            at(3, 0),
        )
        .unwrap();
    // The one who drafted the plan does not approve it.
    let by_role = |p: PersonId| Approval {
        on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        by: ApprovedBy::Role {
            by: named(p),
            role_name: "CISO".into(),
        },
    };
    assert!(
        i.approve_measures(by_role(w.tokatsu), w.tokatsu, at(4, 0))
            .is_err()
    );
    let i = i
        .approve_measures(by_role(w.ciso), w.ciso, at(4, 0))
        .unwrap();
    let err = close(&i).unwrap_err();
    assert_eq!(err.field, field::EXTERNAL);
    assert!(
        err.message.contains("個人情報保護委員会の速報"),
        "{}",
        err.message
    );
    let mut i = i;
    for (key, stage) in [
        ("ppc", StageKind::First),
        ("ppc", StageKind::Final),
        ("data_subjects", StageKind::First),
    ] {
        i = i
            .record_external(
                key,
                stage,
                Sent {
                    on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                    by: named(w.csirt),
                    content: "報告した".into(),
                    file: None,
                },
                at(5, 0),
            )
            .unwrap();
    }
    let closed = close(&i).unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(
        closed.closing.as_ref().unwrap().watch_until,
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + Duration::days(90)
    );
    // A changed plan needs a new approval.
    let redrafted = i
        .propose_measures("原因", "別の策", vec![], named(w.tokatsu), at(6, 0))
        .unwrap();
    assert_eq!(redrafted.measures.as_ref().unwrap().round, 2);
    assert!(close(&redrafted).is_err());
}

#[test]
fn an_analysis_copy_names_an_original_and_an_original_names_its_custody() {
    let w = world(false);
    let i = report(&w, Some(w.ka))
        .triage(&leak(1), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap();
    let file = |name: &str| FileRef {
        id: IncidentFileId::new(),
        name: name.into(),
        size_bytes: 10,
        sha256: "ab".repeat(32),
    };
    let evidence = |f: FileRef, custody: &str, copy_of| Entry {
        at: at(3, 0),
        by: named(w.csirt),
        kind: EntryKind::Evidence {
            file: f,
            custody: custody.into(),
            copy_of,
        },
        text: String::new(),
    };
    let original = file("proxy.log");
    assert_eq!(
        i.add_entry(evidence(original.clone(), "", None))
            .unwrap_err()
            .field,
        field::CUSTODY
    );
    assert!(
        i.add_entry(evidence(file("copy.log"), "", Some(original.id)))
            .is_err()
    );
    let i = i
        .add_entry(evidence(original.clone(), "情報政策課 金庫", None))
        .unwrap();
    let i = i
        .add_entry(evidence(file("copy.log"), "", Some(original.id)))
        .unwrap();
    assert_eq!(i.evidence().count(), 1);
}

#[test]
fn the_incident_is_read_by_the_people_it_names_only() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    for p in [w.staff, w.kacho, w.bucho, w.tokatsu, w.ciso] {
        assert!(i.involves(p));
    }
    let outsider = PersonId::new();
    assert!(!i.involves(outsider));
    assert!(
        !i.involves(w.head),
        "the 長 is in the chain of severe cases only"
    );
    let i = i
        .triage(&leak(1), None, named(w.csirt), &w.rules, &w.org, at(2, 0))
        .unwrap()
        .add_member(named(outsider), w.csirt, at(2, 0))
        .unwrap();
    assert!(i.involves(outsider));
}

#[test]
fn rules_name_known_roles_severities_and_categories() {
    let roles = |r: &str| r != "mayor";
    let base = GUIDELINE_TEXT;
    assert!(IncidentRules::parse(base, &roles).is_ok());
    let bad_role = base.replace("role = \"ciso\"", "role = \"mayor\"");
    assert!(
        IncidentRules::parse(&bad_role, &roles)
            .unwrap_err()
            .message
            .contains("mayor")
    );
    let bad_severity = base.replace("severities = [\"severe\"]\n", "severities = [\"huge\"]\n");
    assert!(
        IncidentRules::parse(&bad_severity, &roles)
            .unwrap_err()
            .message
            .contains("huge")
    );
    let empty_when = "handlers = [\"csirt\"]\nwatch_days = 1\nactions = []\n[[categories]]\nkey=\"a\"\nlabel=\"A\"\n\
        [[severities]]\nkey=\"s\"\nlabel=\"S\"\n[[chain]]\nrole=\"ciso\"\nhours=1\n\
        [[external]]\nkey=\"x\"\nrecipient=\"X\"\nfirst_days=1\n[[external.when]]\n";
    assert!(
        IncidentRules::parse(empty_when, &roles)
            .unwrap_err()
            .message
            .contains("条件")
    );
    assert!(IncidentRules::parse("handlers = 1", &roles).is_err());
}

const GUIDELINE_TEXT: &str = rules::GUIDELINE_RULES;

#[test]
fn the_plan_has_measures_for_every_category_and_contacts_that_name_known_reports() {
    let rules = IncidentRules::guideline().unwrap();
    assert!(
        rules
            .categories
            .iter()
            .all(|c| !c.measures.trim().is_empty()),
        "the 緊急時対応計画 names the first measures of every kind of case"
    );
    let ppc = rules
        .contacts
        .iter()
        .find(|c| c.external.as_deref() == Some("ppc"))
        .expect("the 個人情報保護委員会 is a contact of the plan");
    assert!(rules.external(ppc.external.as_deref().unwrap()).is_some());

    let roles = |_: &str| true;
    let unknown = GUIDELINE_TEXT.replace("external = \"ppc\"", "external = \"nisc\"");
    assert_ne!(unknown, GUIDELINE_TEXT);
    let err = IncidentRules::parse(&unknown, &roles).unwrap_err();
    assert!(err.message.contains("nisc"), "{err}");
    let nameless = GUIDELINE_TEXT.replace(
        "organization = \"個人情報保護委員会\"",
        "organization = \" \"",
    );
    assert!(IncidentRules::parse(&nameless, &roles).is_err());
    // Rules written before the plan's parts existed still read.
    let start = GUIDELINE_TEXT.find("[[contacts]]").unwrap();
    let older = GUIDELINE_TEXT[..start].to_owned();
    assert!(
        IncidentRules::parse(&older, &roles)
            .unwrap()
            .contacts
            .is_empty()
    );
}

#[test]
fn a_unit_step_is_labelled_with_its_unit_and_a_body_step_with_its_role_only() {
    let w = world(false);
    let i = report(&w, Some(w.ka));
    let manager = &i.chain[0];
    let unit = manager
        .unit_name
        .clone()
        .expect("a unit role names its unit");
    assert_eq!(manager.label(), format!("{}（{unit}）", manager.role_name));
    let last = i.chain.last().unwrap();
    assert!(last.unit_name.is_none());
    assert_eq!(last.label(), last.role_name);
}
