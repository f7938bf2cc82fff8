use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use serde::Serialize;

use super::*;
use crate::authority::{
    ActiveAssignment, AuthorityMatrix, Context, MatrixMark, OrgSnapshot, RoleMarkEntry, UnitNode,
};
use crate::classification::ClassificationScheme;
use crate::ids::{ApplicationId, AssetId, OrgUnitId, PersonId};
use crate::org::{RoleDefinition, RoleScope};
use crate::separation::{self, SodPolicy, SodRule};

pub(super) struct World {
    pub snap: OrgSnapshot,
    pub matrix: AuthorityMatrix,
    pub ka: OrgUnitId,
    pub other_ka: OrgUnitId,
    pub staff: PersonId,
    pub kacho: PersonId,
    pub bucho: PersonId,
    pub ciso: PersonId,
    pub other_kacho: PersonId,
}

fn role(key: &str, name: &str, scope: RoleScope) -> RoleDefinition {
    RoleDefinition {
        key: key.into(),
        name: name.into(),
        scope,
        grants: vec![],
    }
}

fn assign(role: &str, person: PersonId, name: &str, unit: Option<OrgUnitId>) -> ActiveAssignment {
    ActiveAssignment {
        role: role.into(),
        person,
        person_name: name.into(),
        person_unit: unit,
        unit,
        system: None,
        is_deputy: false,
        in_service: true,
    }
}

pub(super) fn world() -> World {
    let (bu, ka, other_ka) = (OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new());
    let mut units = BTreeMap::new();
    for (id, parent, name) in [
        (bu, None, "市民部"),
        (ka, Some(bu), "市民課"),
        (other_ka, None, "情報政策課"),
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
    let (staff, kacho, bucho, ciso, other_kacho) = (
        PersonId::new(),
        PersonId::new(),
        PersonId::new(),
        PersonId::new(),
        PersonId::new(),
    );
    let snap = OrgSnapshot {
        date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        units,
        roles: vec![
            role("ciso", "最高情報セキュリティ責任者", RoleScope::Body),
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
        ],
        assignments: vec![
            assign("security_manager", kacho, "市民 課長", Some(ka)),
            assign("security_officer", bucho, "市民 部長", Some(bu)),
            assign("ciso", ciso, "副 市長", None),
            assign("security_manager", other_kacho, "情報 課長", Some(other_ka)),
        ],
    };
    let mut matrix = AuthorityMatrix::new();
    for clause in ["S-2.(2)⑧(イ)", "S-5.1.(1)③(イ)"] {
        matrix.set_row(
            clause,
            vec![
                RoleMarkEntry {
                    role: "security_manager".into(),
                    mark: MatrixMark::Permits,
                },
                RoleMarkEntry {
                    role: "staff".into(),
                    mark: MatrixMark::Holds,
                },
            ],
        );
    }
    matrix.set_row(
        "S-7.4.(1)",
        vec![
            RoleMarkEntry {
                role: "security_manager".into(),
                mark: MatrixMark::Holds,
            },
            RoleMarkEntry {
                role: "ciso".into(),
                mark: MatrixMark::Permits,
            },
        ],
    );
    World {
        snap,
        matrix,
        ka,
        other_ka,
        staff,
        kacho,
        bucho,
        ciso,
        other_kacho,
    }
}

pub(super) fn common() -> Vec<ApplicationKind> {
    default_kinds(&[
        ApprovalClause {
            id: "S-2.(2)⑧(イ)".into(),
            title: "情報資産運搬の許可".into(),
            deciding_roles: vec!["security_manager".into()],
        },
        ApprovalClause {
            id: "S-5.1.(1)③(イ)".into(),
            title: "モバイル端末や電磁的記録媒体等の持ち出しの許可".into(),
            deciding_roles: vec!["security_manager".into()],
        },
        ApprovalClause {
            id: "S-7.4.(1)".into(),
            title: "例外措置の許可".into(),
            deciding_roles: vec!["ciso".into()],
        },
    ])
    .unwrap()
}

pub(super) fn kind(key: &str) -> ApplicationKind {
    common().into_iter().find(|k| k.key == key).unwrap()
}

/// A three-step kind: 管理者 → 責任者 (合議 with 情報政策課's 管理者 optional) → CISO.
pub(super) fn staged(w: &World, consult: bool) -> ApplicationKind {
    let mut k = kind("transport");
    k.key = "staged".into();
    k.fields.push(FieldDef {
        key: "scope".into(),
        label: "範囲".into(),
        kind: FieldKind::Choice {
            options: vec!["庁内".into(), "庁外".into()],
        },
        required: false,
        help: None,
    });
    k.route = RouteSpec::Steps {
        steps: vec![
            StepSpec {
                role: "security_manager".into(),
                label: Some("課長".into()),
                mark: MatrixMark::Approves,
                consult: consult.then(|| ConsultSpec {
                    role: None,
                    units: vec![w.other_ka.to_string()],
                }),
            },
            StepSpec {
                role: "security_officer".into(),
                label: Some("部長".into()),
                mark: MatrixMark::Approves,
                consult: None,
            },
            StepSpec {
                role: "ciso".into(),
                label: None,
                mark: MatrixMark::Permits,
                consult: None,
            },
        ],
    };
    k.delegation = vec![DelegationRule {
        when: Condition::Choice {
            field: "scope".into(),
            values: vec!["庁内".into()],
        },
        end_after: 1,
        note: Some("課長専決（庁内の運搬）".into()),
    }];
    k.validate().unwrap();
    k
}

pub(super) fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    // 10:00 in Japan.
    Utc.with_ymd_and_hms(y, m, d, 1, 0, 0).unwrap()
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn transport_fields(on: NaiveDate) -> FieldValues {
    let mut f = FieldValues::new();
    f.insert("assets".into(), FieldValue::Assets(vec![AssetId::new()]));
    f.insert("destination".into(), FieldValue::Text("県庁".into()));
    f.insert("transport_on".into(), FieldValue::Date(on));
    f.insert(
        "method".into(),
        FieldValue::Choice("職員による手渡し".into()),
    );
    f.insert(
        "safeguards".into(),
        FieldValue::Text("鍵付きケースに格納".into()),
    );
    f
}

pub(super) fn new_app(w: &World, fields: FieldValues) -> NewApplication {
    NewApplication {
        id: ApplicationId::new(),
        number: "R8-0001".into(),
        applicant: w.staff,
        applicant_name: "市民 太郎".into(),
        unit: Some(w.ka),
        unit_name: "市民課".into(),
        subjects: vec![],
        fields,
    }
}

pub(super) fn ctx(w: &World) -> Context {
    Context {
        unit: Some(w.ka),
        system: None,
    }
}

pub(super) fn actor(by: PersonId, app: &Application, when: DateTime<Utc>) -> Actor {
    Actor {
        by,
        at: when,
        version: app.version,
    }
}

pub(super) fn approve(step: usize) -> DecisionInput {
    DecisionInput {
        step,
        decision: Decision::Approve,
        comment: None,
        sod_reason: None,
    }
}

fn submitted(w: &World, k: &ApplicationKind, fields: FieldValues) -> Application {
    let app = Application::draft(k, new_app(w, fields.clone()), at(2026, 4, 1)).unwrap();
    let route = resolve_route(k, &w.snap, &w.matrix, &ctx(w), &fields, None).unwrap();
    app.submit(k, route, &actor(w.staff, &app, at(2026, 4, 1)))
        .unwrap()
}

// -- kinds --------------------------------------------------------------------------------

#[test]
fn the_shipped_kinds_load_and_cover_the_common_clauses() {
    let kinds = common();
    let keys: Vec<&str> = kinds.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["transport", "carry_out", "exception"]);
    let all = ApplicationKind::from_toml(COMMON_KINDS_TOML).unwrap();
    let clauses: Vec<&str> = all.iter().map(|k| k.clause.as_str()).collect();
    for c in [
        "S-2.(2)⑧(イ)",
        "S-2.(2)⑨(イ)",
        "S-2.(2)⑩(ウ)",
        "S-5.1.(1)③(イ)",
        "S-7.4.(1)",
    ] {
        assert!(clauses.contains(&c), "{c}");
    }
    let carry = kind("carry_out");
    assert_eq!(carry.return_field(), Some("period"));
    assert!(kind("exception").exception.is_some());
    assert_eq!(
        kind("exception").emergency,
        Some(EmergencyRule {
            report_within_days: 3
        })
    );
}

#[test]
fn a_kind_round_trips_through_toml_and_json() {
    let w = world();
    let k = staged(&w, true);
    #[derive(Serialize)]
    struct File<'a> {
        kind: Vec<&'a ApplicationKind>,
    }
    let text = toml::to_string(&File { kind: vec![&k] }).unwrap();
    let back = ApplicationKind::from_toml(&text).unwrap();
    assert_eq!(back, vec![k.clone()]);
    let json = serde_json::to_string(&k).unwrap();
    assert_eq!(serde_json::from_str::<ApplicationKind>(&json).unwrap(), k);
}

#[test]
fn clauses_without_a_deciding_role_get_no_kind_and_others_a_generic_one() {
    let kinds = default_kinds(&[
        ApprovalClause {
            id: "S-8.2.(2)".into(),
            title: "約款によるサービスの利用".into(),
            deciding_roles: vec![],
        },
        ApprovalClause {
            id: "S-6.1.(19)".into(),
            title: "無許可でのネットワーク接続の禁止".into(),
            deciding_roles: vec!["chief_security_officer".into()],
        },
    ])
    .unwrap();
    assert_eq!(kinds.len(), 1);
    assert_eq!(kinds[0].clause, "S-6.1.(19)");
    assert_eq!(kinds[0].route, RouteSpec::FromMatrix);
    assert!(kinds[0].field("subject").unwrap().required);
}

#[test]
fn a_body_replaces_and_adds_kinds() {
    let mut mine = kind("transport");
    mine.name = "情報資産の庁外への運搬".into();
    let mut new = kind("transport");
    new.key = "transport_bulk".into();
    let merged = merge_kinds(common(), &[mine.clone(), new]);
    assert_eq!(merged.len(), 4);
    assert_eq!(merged[0].name, "情報資産の庁外への運搬");
    assert!(validate_kinds(&merged).is_ok());
    assert!(
        validate_kinds(&[mine.clone(), mine]).unwrap_err()[0]
            .message
            .contains("重複")
    );
}

#[test]
fn invalid_kinds_name_the_part_at_fault() {
    let w = world();
    let mut k = staged(&w, false);
    k.delegation[0].end_after = 3;
    k.validity = Some(Validity::Field {
        field: "destination".into(),
    });
    k.follow_ups = vec![FollowUp::Return {
        due_field: "nothing".into(),
    }];
    k.exception = Some(ExceptionRule {
        measures_field: "transport_on".into(),
        expiry_field: "destination".into(),
        max_days: 0,
    });
    k.fields.push(FieldDef {
        key: "method".into(),
        label: "重複".into(),
        kind: FieldKind::Choice { options: vec![] },
        required: false,
        help: None,
    });
    let errors = k.validate().unwrap_err();
    let fields: BTreeSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for part in [
        field::DELEGATION,
        field::VALIDITY,
        field::FOLLOW_UP,
        field::EXCEPTION,
        field::FIELDS,
    ] {
        assert!(fields.contains(part), "{part}: {errors:?}");
    }
    assert!(
        errors
            .iter()
            .all(|e| e.message.starts_with("「情報資産の運搬」"))
    );
    let broken = "[[kind]]\nkey = 1";
    assert_eq!(
        ApplicationKind::from_toml(broken).unwrap_err()[0].field,
        field::KIND
    );
}

// -- fields -------------------------------------------------------------------------------

#[test]
fn form_text_is_read_per_field_with_japanese_errors() {
    let k = kind("carry_out");
    let period = k.field("period").unwrap();
    assert_eq!(
        period.parse("2026-04-01〜2026/04/03").unwrap(),
        Some(FieldValue::Period(Period {
            from: date(2026, 4, 1),
            to: date(2026, 4, 3)
        }))
    );
    let e = period.parse("2026-04-03..2026-04-01").unwrap_err();
    assert_eq!(e.field, "持ち出し期間");
    assert!(e.message.contains("前"));
    assert_eq!(period.parse("  ").unwrap(), None);
    let e = k.field("devices").unwrap().parse("abc").unwrap_err();
    assert!(e.message.contains("abc"));
    let t = kind("transport");
    let e = t.field("method").unwrap().parse("ドローン").unwrap_err();
    assert!(e.message.contains("選択肢"));
    let long = "あ".repeat(201);
    let e = t.field("destination").unwrap().parse(&long).unwrap_err();
    assert!(e.message.contains("200文字以内"));
}

#[test]
fn values_are_checked_against_the_kind() {
    let k = kind("transport");
    let mut f = transport_fields(date(2026, 4, 2));
    assert!(k.check_fields(&f, true).is_ok());
    f.remove("destination");
    f.insert("colour".into(), FieldValue::Text("赤".into()));
    f.insert("transport_on".into(), FieldValue::Text("明日".into()));
    let errors = k.check_fields(&f, true).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"運搬先"), "{errors:?}");
    assert!(fields.contains(&"運搬日"));
    assert!(fields.contains(&field::FIELDS));
    // A draft may lack required values, never hold wrong ones.
    let mut partial = FieldValues::new();
    partial.insert("destination".into(), FieldValue::Text("県庁".into()));
    assert!(k.check_fields(&partial, false).is_ok());
}

// -- routes -------------------------------------------------------------------------------

#[test]
fn a_route_from_the_matrix_asks_the_resolver() {
    let w = world();
    let k = kind("transport");
    let f = transport_fields(date(2026, 4, 2));
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    assert_eq!(route.steps.len(), 1);
    assert_eq!(route.steps[0].label, "情報セキュリティ管理者の許可");
    assert_eq!(route.steps[0].seats[0].candidates[0].person, w.kacho);
    assert!(!route.steps[0].seats[0].by_deputy);
    // The body's matrix decides: an override that adds the CISO adds a step.
    let mut m = w.matrix.clone();
    m.set_row(
        "S-2.(2)⑧(イ)",
        vec![
            RoleMarkEntry {
                role: "security_manager".into(),
                mark: MatrixMark::Permits,
            },
            RoleMarkEntry {
                role: "ciso".into(),
                mark: MatrixMark::Approves,
            },
        ],
    );
    let route = resolve_route(&k, &w.snap, &m, &ctx(&w), &f, None).unwrap();
    assert_eq!(route.steps.len(), 2);
    assert_eq!(route.steps[1].seats[0].candidates[0].person, w.ciso);
}

#[test]
fn sequential_steps_resolve_per_role_and_a_vacancy_names_the_step() {
    let mut w = world();
    let k = staged(&w, false);
    let f = transport_fields(date(2026, 4, 2));
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    let labels: Vec<&str> = route.steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["課長", "部長", "最高情報セキュリティ責任者の許可"]);
    assert_eq!(route.steps[1].seats[0].candidates[0].person, w.bucho);
    assert_eq!(route.steps[1].seats[0].unit_name.as_deref(), Some("市民部"));

    w.snap.assignments.retain(|a| a.role != "security_officer");
    let e = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap_err();
    assert_eq!(e.field, field::ROUTE);
    assert!(e.message.contains("第2段階「部長」"), "{}", e.message);
    assert!(e.message.contains("任命されていません"), "{}", e.message);
}

#[test]
fn an_absent_holder_gives_a_deputy_and_the_decision_is_daiketsu() {
    let mut w = world();
    let deputy = PersonId::new();
    w.snap.assignments[0].in_service = false;
    let mut d = assign("security_manager", deputy, "課長 補佐", Some(w.ka));
    d.is_deputy = true;
    w.snap.assignments.push(d);
    let k = kind("transport");
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let seat = &app.route.as_ref().unwrap().steps[0].seats[0];
    assert!(seat.by_deputy);
    assert_eq!(seat.absent[0].person, w.kacho);
    let done = app
        .decide(
            &k,
            &approve(0),
            &SodPolicy::default(),
            &actor(deputy, &app, at(2026, 4, 1)),
        )
        .unwrap();
    assert_eq!(done.status, Status::Approved);
    let reports = done.deputy_reports();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].report_to[0].person, w.kacho);
    assert_eq!(reports[0].decided_by, "課長 補佐");
    let row = LedgerRow::build(&done, &k, date(2026, 4, 1), 7);
    assert_eq!(row.approvers, ["課長 補佐（代決）"]);

    // Without the deputy the step cannot be decided, and the error says why.
    w.snap.assignments.pop();
    let e = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
    assert!(e.message.contains("第1段階"));
    assert!(e.message.contains("代理"), "{}", e.message);
}

#[test]
fn senketsu_ends_the_route_early_in_the_defined_case() {
    let w = world();
    let k = staged(&w, false);
    let mut f = transport_fields(date(2026, 4, 2));
    f.insert("scope".into(), FieldValue::Choice("庁内".into()));
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    assert_eq!(route.steps.len(), 1);
    let d = route.delegation.as_ref().unwrap();
    assert_eq!(d.note, "課長専決（庁内の運搬）");
    assert_eq!(d.skipped.len(), 2);
    f.insert("scope".into(), FieldValue::Choice("庁外".into()));
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    assert_eq!(route.steps.len(), 3);
    assert!(route.delegation.is_none());
}

#[test]
fn senketsu_skips_a_vacancy_in_the_steps_it_removes() {
    let mut w = world();
    w.snap.assignments.retain(|a| a.role != "ciso");
    let k = staged(&w, false);
    let mut f = transport_fields(date(2026, 4, 2));
    f.insert("scope".into(), FieldValue::Choice("庁内".into()));
    assert!(resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).is_ok());
}

#[test]
fn senketsu_on_the_classification_asks_the_scheme() {
    let w = world();
    let mut k = staged(&w, false);
    k.delegation = vec![DelegationRule {
        when: Condition::ClassificationBelow {
            axis: "confidentiality".into(),
            level: "3".into(),
        },
        end_after: 2,
        note: None,
    }];
    let scheme = ClassificationScheme::guideline().unwrap();
    let axis = scheme.axes()[0].key.clone();
    let levels: Vec<String> = scheme.axes()[0]
        .levels
        .iter()
        .map(|l| l.key.clone())
        .collect();
    k.delegation[0].when = Condition::ClassificationBelow {
        axis: axis.clone(),
        level: levels.last().unwrap().clone(),
    };
    let low = scheme.lowest();
    let f = transport_fields(date(2026, 4, 2));
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, Some((&scheme, &low))).unwrap();
    assert_eq!(route.steps.len(), 2);
    assert_eq!(route.delegation.unwrap().note, "専決");
    // No assets known: no 専決.
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    assert_eq!(route.steps.len(), 3);
}

#[test]
fn a_consultation_needs_every_unit() {
    let w = world();
    let k = staged(&w, true);
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let step = &app.route.as_ref().unwrap().steps[0];
    assert!(step.is_consultation());
    assert_eq!(step.seats.len(), 2);
    assert_eq!(step.seats[1].candidates[0].person, w.other_kacho);
    let sod = SodPolicy::default();
    let one = app
        .decide(&k, &approve(0), &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
        .unwrap();
    assert_eq!(
        one.current_step, 0,
        "the consulted unit has not approved yet"
    );
    assert!(one.awaits(w.other_kacho));
    assert!(!one.awaits(w.kacho));
    let again = one.decide(&k, &approve(0), &sod, &actor(w.kacho, &one, at(2026, 4, 1)));
    assert!(matches!(again, Err(ApprovalError::Forbidden(e)) if e.message.contains("既に")));
    let two = one
        .decide(
            &k,
            &approve(0),
            &sod,
            &actor(w.other_kacho, &one, at(2026, 4, 1)),
        )
        .unwrap();
    assert_eq!(two.current_step, 1);
    assert!(two.awaits(w.bucho));
}

#[test]
fn a_consulted_unit_without_a_holder_is_named() {
    let mut w = world();
    w.snap.assignments.retain(|a| a.person != w.other_kacho);
    let k = staged(&w, true);
    let e = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
    assert!(e.message.contains("第1段階「課長」"), "{}", e.message);
    assert!(e.message.contains("情報政策課"), "{}", e.message);
}

#[test]
fn a_consulted_unit_is_named_as_the_organization_names_it() {
    let w = world();
    let with_consulted = |name: &str| {
        let mut k = staged(&w, true);
        if let RouteSpec::Steps { steps } = &mut k.route
            && let Some(c) = steps[0].consult.as_mut()
        {
            c.units = vec![name.into()];
        }
        k
    };
    let k = with_consulted("情報政策課");
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap();
    assert_eq!(route.steps[0].seats.len(), 2);
    assert!(
        route.steps[0].seats[1]
            .candidates
            .iter()
            .any(|h| h.person == w.other_kacho)
    );
    let k = with_consulted("総務課");
    let e = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap_err();
    assert!(
        e.message
            .contains("合議先の所属「総務課」が組織にありません"),
        "{}",
        e.message
    );
}

#[test]
fn a_decision_is_named_as_it_is_stored() {
    for d in Decision::ALL {
        assert_eq!(Decision::parse(d.key()), Some(d));
        assert_eq!(serde_json::to_value(d).unwrap(), d.key());
    }
    assert_eq!(Decision::parse("approved"), None);
}

// -- transitions --------------------------------------------------------------------------

#[test]
fn a_three_step_application_walks_to_completion_with_a_version_per_transition() {
    let w = world();
    let k = staged(&w, false);
    let sod = SodPolicy::default();
    let mut app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    assert_eq!(app.status, Status::Submitted);
    assert_eq!(app.version, 2);
    for (i, p) in [w.kacho, w.bucho, w.ciso].into_iter().enumerate() {
        // Someone not on the step is refused as Forbidden.
        let wrong = if p == w.ciso { w.kacho } else { w.ciso };
        assert!(matches!(
            app.decide(&k, &approve(i), &sod, &actor(wrong, &app, at(2026, 4, 1))),
            Err(ApprovalError::Forbidden(_))
        ));
        let v = app.version;
        app = app
            .decide(&k, &approve(i), &sod, &actor(p, &app, at(2026, 4, 1)))
            .unwrap();
        assert_eq!(app.version, v + 1);
    }
    assert_eq!(app.status, Status::Approved);
    assert_eq!(app.valid_until, Some(date(2026, 4, 2)));
    assert_eq!(app.decided_on, Some(date(2026, 4, 1)));
    let app = app.start(&actor(w.staff, &app, at(2026, 4, 2))).unwrap();
    assert_eq!(app.status, Status::InProgress);
    let app = app.complete(&actor(w.staff, &app, at(2026, 4, 2))).unwrap();
    assert_eq!(app.status, Status::Completed);
    assert_eq!(app.history.len(), app.version as usize);
    let kinds: Vec<EventKind> = app.history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds[0], EventKind::Create);
    assert_eq!(kinds.last(), Some(&EventKind::Complete));
    assert!(app.status.is_final());
}

#[test]
fn a_stale_version_is_refused() {
    let w = world();
    let k = kind("transport");
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let mut old = actor(w.kacho, &app, at(2026, 4, 1));
    old.version -= 1;
    let e = app
        .decide(&k, &approve(0), &SodPolicy::default(), &old)
        .unwrap_err();
    assert!(matches!(
        e,
        ApprovalError::Stale {
            seen: 1,
            current: 2
        }
    ));
    assert!(e.to_string().contains("読み込み直して"));
}

#[test]
fn return_and_reject_need_a_comment_and_a_return_goes_back_to_the_applicant() {
    let w = world();
    let k = kind("transport");
    let sod = SodPolicy::default();
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let mut input = DecisionInput {
        step: 0,
        decision: Decision::Return,
        comment: Some(" ".into()),
        sod_reason: None,
    };
    let e = app
        .decide(&k, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
        .unwrap_err();
    assert_eq!(e.errors()[0].field, field::COMMENT);
    assert!(e.errors()[0].message.contains("差戻しの理由"));
    input.comment = Some("運搬方法を具体的に".into());
    let back = app
        .decide(&k, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
        .unwrap();
    assert_eq!(back.status, Status::SentBack);
    assert_eq!(
        back.history.last().unwrap().comment.as_deref(),
        Some("運搬方法を具体的に")
    );
    // The applicant edits and submits again on a fresh route.
    let mut f = back.fields.clone();
    f.insert("method".into(), FieldValue::Choice("庁内便".into()));
    let edited = back
        .edit(&k, f.clone(), &[], &actor(w.staff, &back, at(2026, 4, 1)))
        .unwrap();
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &f, None).unwrap();
    let again = edited
        .submit(&k, route, &actor(w.staff, &edited, at(2026, 4, 1)))
        .unwrap();
    assert!(
        again.route.as_ref().unwrap().steps[0].seats[0]
            .decision
            .is_none()
    );
    input.decision = Decision::Reject;
    input.comment = Some("必要性がない".into());
    let rejected = again
        .decide(&k, &input, &sod, &actor(w.kacho, &again, at(2026, 4, 1)))
        .unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    let e = rejected
        .withdraw(None, &actor(w.staff, &rejected, at(2026, 4, 1)))
        .unwrap_err();
    assert!(
        e.to_string().contains("却下の申請は取下げできません"),
        "{e}"
    );
}

#[test]
fn invalid_transitions_are_refused_in_japanese() {
    let w = world();
    let k = kind("transport");
    let draft = Application::draft(&k, new_app(&w, FieldValues::new()), at(2026, 4, 1)).unwrap();
    let a = actor(w.staff, &draft, at(2026, 4, 1));
    assert!(
        draft
            .start(&a)
            .unwrap_err()
            .to_string()
            .contains("下書きの申請は実施できません")
    );
    assert!(draft.complete(&a).is_err());
    assert!(draft.return_item(date(2026, 4, 1), &a).is_err());
    assert!(
        draft
            .decide(&k, &approve(0), &SodPolicy::default(), &a)
            .is_err()
    );
    // Submitting an incomplete draft names the missing fields.
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &FieldValues::new(), None).unwrap();
    let e = draft.submit(&k, route.clone(), &a).unwrap_err();
    assert!(
        e.errors()
            .iter()
            .any(|e| e.field == "運搬先" && e.message == "運搬先を入力してください")
    );
    // Only the applicant submits, edits or withdraws.
    let other = actor(w.kacho, &draft, at(2026, 4, 1));
    assert!(matches!(
        draft.submit(&k, route, &other),
        Err(ApprovalError::Forbidden(_))
    ));
    assert!(matches!(
        draft.withdraw(None, &other),
        Err(ApprovalError::Forbidden(_))
    ));
    let gone = draft.withdraw(Some("不要になった"), &a).unwrap();
    assert_eq!(gone.status, Status::Withdrawn);
    assert_eq!(gone.status.label(), "取下げ");
    // A decision on a step that is not the current one.
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let e = app
        .decide(
            &k,
            &approve(1),
            &SodPolicy::default(),
            &actor(w.kacho, &app, at(2026, 4, 1)),
        )
        .unwrap_err();
    assert!(e.to_string().contains("審査中の段階ではありません"), "{e}");
}

#[test]
fn nobody_decides_their_own_application_nor_one_about_them_at_any_step() {
    let w = world();
    let k = staged(&w, false);
    let mut sod = SodPolicy::default();
    for (step, approver) in [w.kacho, w.bucho, w.ciso].into_iter().enumerate() {
        // The approver of this step is the applicant.
        let mut new = new_app(&w, transport_fields(date(2026, 4, 2)));
        new.applicant = approver;
        let mut app = Application::draft(&k, new, at(2026, 4, 1)).unwrap();
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap();
        app = app
            .submit(&k, route, &actor(approver, &app, at(2026, 4, 1)))
            .unwrap();
        for (i, p) in [w.kacho, w.bucho, w.ciso]
            .into_iter()
            .enumerate()
            .take(step)
        {
            app = app
                .decide(&k, &approve(i), &sod, &actor(p, &app, at(2026, 4, 1)))
                .unwrap();
        }
        let e = app
            .decide(
                &k,
                &approve(step),
                &sod,
                &actor(approver, &app, at(2026, 4, 1)),
            )
            .unwrap_err();
        assert_eq!(e.errors()[0].field, separation::FIELD);
        assert!(e.to_string().contains("S-1.(8)①"), "{e}");
    }
    // A subject of the application (a companion) is refused too.
    let carry = kind("carry_out");
    let mut f = FieldValues::new();
    f.insert("devices".into(), FieldValue::Assets(vec![AssetId::new()]));
    f.insert("destination".into(), FieldValue::Text("県庁".into()));
    f.insert("purpose".into(), FieldValue::Text("会議".into()));
    f.insert(
        "period".into(),
        FieldValue::Period(Period {
            from: date(2026, 4, 1),
            to: date(2026, 4, 3),
        }),
    );
    f.insert("companions".into(), FieldValue::People(vec![w.kacho]));
    let app = submitted(&w, &carry, f);
    assert!(app.subjects.contains(&w.kacho));
    let input = DecisionInput {
        sod_reason: Some("代わる者がいない".into()),
        ..approve(0)
    };
    let e = app
        .decide(&carry, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
        .unwrap_err();
    assert!(e.to_string().contains("対象者"), "{e}");
    // Where the profile allows an exception, a reason lets it through and is recorded.
    sod.exceptions
        .insert(SodRule::ApplicantApprover, "代わる者がいない場合".into());
    let ok = app
        .decide(&carry, &input, &sod, &actor(w.kacho, &app, at(2026, 4, 1)))
        .unwrap();
    let d = ok.route.as_ref().unwrap().steps[0].seats[0]
        .decision
        .as_ref()
        .unwrap();
    assert_eq!(d.sod_exception.as_ref().unwrap().reason, "代わる者がいない");
    let row = LedgerRow::build(&ok, &carry, date(2026, 4, 1), 7);
    assert!(row.remarks.contains(&"兼務禁止の例外".to_owned()));
}

#[test]
fn a_carry_out_expects_its_return_and_flags_it_when_late() {
    let w = world();
    let carry = kind("carry_out");
    let mut f = FieldValues::new();
    f.insert("devices".into(), FieldValue::Assets(vec![AssetId::new()]));
    f.insert("destination".into(), FieldValue::Text("県庁".into()));
    f.insert("purpose".into(), FieldValue::Text("研修の講師".into()));
    f.insert(
        "period".into(),
        FieldValue::Period(Period {
            from: date(2026, 4, 1),
            to: date(2026, 4, 3),
        }),
    );
    let app = submitted(&w, &carry, f);
    let app = app
        .decide(
            &carry,
            &approve(0),
            &SodPolicy::default(),
            &actor(w.kacho, &app, at(2026, 4, 1)),
        )
        .unwrap();
    assert_eq!(app.return_due, Some(date(2026, 4, 3)));
    let app = app.start(&actor(w.staff, &app, at(2026, 4, 1))).unwrap();
    assert!(
        app.complete(&actor(w.staff, &app, at(2026, 4, 2)))
            .unwrap_err()
            .to_string()
            .contains("返却")
    );
    let row = LedgerRow::build(&app, &carry, date(2026, 4, 2), 3);
    assert!(!row.overdue_return);
    assert!(row.expiring);
    assert_eq!(row.due, Some(date(2026, 4, 3)));
    assert_eq!(row.content, "パソコン等の持ち出し：研修の講師");
    assert_eq!(row.applied_on, Some(date(2026, 4, 1)));
    assert_eq!(row.approvers, ["市民 課長"]);
    let late = LedgerRow::build(&app, &carry, date(2026, 4, 4), 3);
    assert!(late.overdue_return);
    assert!(!late.expiring);
    let expired = app
        .expire(date(2026, 4, 4), at(2026, 4, 4), app.version)
        .unwrap();
    assert_eq!(expired.status, Status::Expired);
    assert_eq!(expired.history.last().unwrap().by, None);
    assert!(expired.is_return_overdue(date(2026, 4, 4)));
    let back = expired
        .return_item(date(2026, 4, 5), &actor(w.kacho, &expired, at(2026, 4, 5)))
        .unwrap();
    assert_eq!(back.status, Status::Returned);
    let row = LedgerRow::build(&back, &carry, date(2026, 4, 6), 3);
    assert_eq!(row.returned_on, Some(date(2026, 4, 5)));
    assert!(!row.overdue_return);
    let done = back
        .complete(&actor(w.kacho, &back, at(2026, 4, 6)))
        .unwrap();
    assert_eq!(done.status, Status::Completed);
    // Expiry is refused before the date passes.
    assert!(
        app.expire(date(2026, 4, 3), at(2026, 4, 3), app.version)
            .is_err()
    );
}

fn exception_fields(expires: NaiveDate) -> FieldValues {
    let mut f = FieldValues::new();
    f.insert("rule".into(), FieldValue::Text("S-5.1.(1)④(ア)".into()));
    f.insert(
        "ground".into(),
        FieldValue::Choice("技術的に遵守が困難".into()),
    );
    f.insert(
        "reason".into(),
        FieldValue::Text("専用端末が調達できない".into()),
    );
    f.insert(
        "measures".into(),
        FieldValue::Text("画面ロックと暗号化".into()),
    );
    f.insert("expires_on".into(), FieldValue::Date(expires));
    f
}

#[test]
fn an_exception_needs_measures_and_an_expiry_within_the_limit_and_comes_up_for_review() {
    let w = world();
    let k = kind("exception");
    let mut new = new_app(&w, exception_fields(date(2027, 6, 1)));
    new.applicant = w.kacho;
    let draft = Application::draft(&k, new, at(2026, 4, 1)).unwrap();
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &draft.fields, None).unwrap();
    let a = actor(w.kacho, &draft, at(2026, 4, 1));
    let e = draft.submit(&k, route.clone(), &a).unwrap_err();
    assert!(e.to_string().contains("365日以内"), "{e}");
    let mut f = exception_fields(date(2026, 9, 30));
    f.remove("measures");
    let draft = draft.edit(&k, f, &[], &a).unwrap();
    let a = actor(w.kacho, &draft, at(2026, 4, 1));
    let e = draft.submit(&k, route.clone(), &a).unwrap_err();
    assert!(e.errors().iter().any(|e| e.field == "代替措置"), "{e}");
    let draft = draft
        .edit(&k, exception_fields(date(2026, 9, 30)), &[], &a)
        .unwrap();
    let app = draft
        .submit(&k, route, &actor(w.kacho, &draft, at(2026, 4, 1)))
        .unwrap();
    assert_eq!(
        app.route.as_ref().unwrap().steps[0].seats[0].candidates[0].person,
        w.ciso
    );
    let app = app
        .decide(
            &k,
            &approve(0),
            &SodPolicy::default(),
            &actor(w.ciso, &app, at(2026, 4, 2)),
        )
        .unwrap();
    assert_eq!(app.valid_until, Some(date(2026, 9, 30)));
    assert!(!app.needs_review(date(2026, 4, 2), 30));
    assert!(app.needs_review(date(2026, 9, 1), 30));
    assert!(app.needs_review(date(2026, 10, 5), 30));
    assert!(app.is_in_force(date(2026, 9, 30)));
    assert!(!app.is_in_force(date(2026, 10, 1)));
    let row = LedgerRow::build(&app, &k, date(2026, 9, 20), 14);
    assert!(row.expiring);
    assert_eq!(row.due, Some(date(2026, 9, 30)));
    // Not an exception: never up for review.
    let t = kind("transport");
    let plain = submitted(&w, &t, transport_fields(date(2026, 4, 2)));
    assert!(!plain.needs_review(date(2026, 4, 2), 365));
}

#[test]
fn an_emergency_acts_first_and_an_overdue_report_is_flagged() {
    let w = world();
    let k = kind("exception");
    let mut new = new_app(&w, exception_fields(date(2026, 5, 1)));
    new.applicant = w.kacho;
    let app =
        Application::act_in_emergency(&k, new.clone(), date(2026, 4, 1), at(2026, 4, 1)).unwrap();
    assert_eq!(app.status, Status::InProgress);
    assert_eq!(app.version, 1);
    let e = app.emergency.unwrap();
    assert_eq!(e.report_due, date(2026, 4, 4));
    assert!(!app.is_report_overdue(date(2026, 4, 4)));
    assert!(app.is_report_overdue(date(2026, 4, 5)));
    let row = LedgerRow::build(&app, &k, date(2026, 4, 5), 7);
    assert!(row.report_overdue);
    assert!(
        row.remarks
            .iter()
            .any(|r| r.contains("事後報告期限 2026-04-04"))
    );
    assert!(app.complete(&actor(w.kacho, &app, at(2026, 4, 5))).is_err());
    // The late report is recorded, then the CISO reviews it.
    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap();
    let reported = app
        .report(&k, route, &actor(w.kacho, &app, at(2026, 4, 6)))
        .unwrap();
    assert_eq!(reported.status, Status::Submitted);
    assert!(
        reported.is_report_overdue(date(2026, 4, 30)),
        "reported late stays flagged"
    );
    let reviewed = reported
        .decide(
            &k,
            &approve(0),
            &SodPolicy::default(),
            &actor(w.ciso, &reported, at(2026, 4, 7)),
        )
        .unwrap();
    assert_eq!(reviewed.status, Status::InProgress);
    assert!(
        reviewed
            .complete(&actor(w.kacho, &reviewed, at(2026, 4, 8)))
            .is_ok()
    );
    // A report in time is not flagged; a kind without the rule cannot act first.
    let on_time = app.report(
        &k,
        resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &app.fields, None).unwrap(),
        &actor(w.kacho, &app, at(2026, 4, 3)),
    );
    assert!(!on_time.unwrap().is_report_overdue(date(2026, 5, 1)));
    let t = kind("transport");
    let e = Application::act_in_emergency(
        &t,
        new_app(&w, transport_fields(date(2026, 4, 1))),
        date(2026, 4, 1),
        at(2026, 4, 1),
    )
    .unwrap_err();
    assert_eq!(e.errors()[0].field, field::EMERGENCY);
    // An emergency cannot be dated in the future.
    assert!(Application::act_in_emergency(&k, new, date(2026, 4, 9), at(2026, 4, 1)).is_err());
}

#[test]
fn an_application_round_trips_through_json() {
    let w = world();
    let k = staged(&w, true);
    let app = submitted(&w, &k, transport_fields(date(2026, 4, 2)));
    let json = serde_json::to_string(&app).unwrap();
    assert_eq!(serde_json::from_str::<Application>(&json).unwrap(), app);
    assert_eq!(Status::parse(app.status.key()), Some(Status::Submitted));
}

#[test]
fn the_japan_date_of_an_instant() {
    let late = Utc.with_ymd_and_hms(2026, 3, 31, 16, 0, 0).unwrap();
    assert_eq!(japan_date(late), date(2026, 4, 1));
}
