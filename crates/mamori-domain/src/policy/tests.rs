#![allow(clippy::disallowed_methods)] // any time will do for these editions
use super::*;

struct Catalog;
impl ClauseLookup for Catalog {
    fn exists(&self, id: &str) -> bool {
        ["S-1.(1)", "S-2.(2)⑧(イ)", "S-4.1.(2)②"].contains(&id)
    }
    fn is_recommended(&self, id: &str) -> bool {
        id == "S-4.1.(2)②"
    }
    fn is_unassigned_column(&self, role: &str) -> bool {
        role == "staff"
    }
}

fn profile() -> Profile {
    Profile {
        guideline_edition: "2018-09".into(),
        body_name: "みほん市".into(),
        body_term: "本市".into(),
        adopted_recommended: BTreeSet::new(),
        amendments: BTreeMap::new(),
        deletions: BTreeMap::new(),
        local_clauses: Vec::new(),
        roles: vec![
            RoleSetting {
                key: "ciso".into(),
                name: "最高情報セキュリティ責任者".into(),
                post: Some("副市長".into()),
            },
            RoleSetting {
                key: "security_manager".into(),
                name: "所属長".into(),
                post: None,
            },
        ],
        deciding_role: "ciso".into(),
        deliberating_role: None,
        parameters: Vec::new(),
        classification_scheme: String::new(),
        authority_overrides: BTreeMap::new(),
        separation: SodPolicy::default(),
        organ_scope: None,
        deleted_numbering: DeletedNumbering::default(),
        approval_kinds: String::new(),
        incident_rules: String::new(),
        document: None,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn edition() -> Edition {
    Edition::first(
        BodyId::new(),
        "情報セキュリティポリシー".into(),
        profile(),
        Utc::now(),
    )
}

fn decision(role: &str) -> Decision {
    Decision {
        by_person: PersonId::new(),
        by_name: "佐藤 健一".into(),
        role_key: role.into(),
        on: date(2026, 3, 20),
        deliberation: None,
    }
}

#[test]
fn edition_numbers_parse_in_the_usual_spellings() {
    for raw in ["3", "第3版", "第３版", " 第3版 "] {
        assert_eq!(EditionNumber::parse(raw).unwrap().get(), 3, "{raw}");
    }
    assert!(EditionNumber::parse("第0版").is_err());
    assert_eq!(EditionNumber::parse("三").unwrap_err().field, "版");
    assert_eq!(EditionNumber::new(8).unwrap().to_string(), "第8版");
}

#[test]
fn an_edition_goes_from_draft_to_in_force_only_through_a_decision_by_the_deciding_role() {
    let mut e = edition();
    assert!(
        e.decide(decision("ciso"), &["ciso".into()], None, "")
            .is_err(),
        "not under review yet"
    );
    e.submit(&Catalog).unwrap();
    assert!(
        e.enforce(date(2026, 4, 1)).is_err(),
        "cannot skip the decision"
    );
    let err = e
        .decide(
            decision("security_manager"),
            &["security_manager".into()],
            None,
            "",
        )
        .unwrap_err();
    assert_eq!(err.field, "決裁する役割");
    assert!(
        err.message.contains("最高情報セキュリティ責任者"),
        "{}",
        err.message
    );
    // Claiming the role without holding it is refused too.
    assert!(
        e.decide(decision("ciso"), &["security_manager".into()], None, "")
            .is_err()
    );
    e.decide(decision("ciso"), &["ciso".into()], None, "")
        .unwrap();
    assert_eq!(e.status, EditionStatus::Decided);
    assert!(e.enforce(date(2026, 3, 1)).is_err(), "before the decision");
    e.enforce(date(2026, 4, 1)).unwrap();
    assert_eq!(e.status, EditionStatus::InForce);
}

#[test]
fn the_deciding_role_is_data_of_the_profile() {
    let mut e = edition();
    e.profile.deciding_role = "security_manager".into();
    e.submit(&Catalog).unwrap();
    assert!(
        e.decide(decision("ciso"), &["ciso".into()], None, "")
            .is_err()
    );
    e.decide(
        decision("security_manager"),
        &["security_manager".into()],
        None,
        "",
    )
    .unwrap();
}

#[test]
fn only_a_draft_can_change() {
    let mut e = edition();
    e.ensure_editable().unwrap();
    e.submit(&Catalog).unwrap();
    assert!(e.ensure_editable().unwrap_err().message.contains("差し戻"));
    e.send_back(
        "第3章の表現を見直すこと",
        "佐藤 健一",
        Some("ciso"),
        Utc::now(),
    )
    .unwrap();
    e.ensure_editable().unwrap();
    e.submit(&Catalog).unwrap();
    e.decide(decision("ciso"), &["ciso".into()], None, "")
        .unwrap();
    e.enforce(date(2026, 4, 1)).unwrap();
    let err = e.ensure_editable().unwrap_err();
    assert_eq!(err.field, "状態");
    assert!(
        err.message.contains("施行中") && err.message.contains("新しい版"),
        "{}",
        err.message
    );
}

#[test]
fn a_send_back_needs_its_comment_and_stays_with_the_edition() {
    for blank in ["", "  ", "\u{3000}\n"] {
        let err = SendBack::new(blank, "x".into(), None, Utc::now()).unwrap_err();
        assert_eq!(err.field, "差戻しの理由", "{blank:?}");
    }
    let long = "あ".repeat(SendBack::MAX_COMMENT + 1);
    assert!(SendBack::new(&long, "x".into(), None, Utc::now()).is_err());

    let mut e = edition();
    let err = e.send_back("x", "佐藤 健一", None, Utc::now()).unwrap_err();
    assert_eq!(err.field, "状態", "only an edition under review goes back");
    e.submit(&Catalog).unwrap();
    let err = e.send_back(" ", "佐藤 健一", None, Utc::now()).unwrap_err();
    assert_eq!(err.field, "差戻しの理由");
    assert_eq!(
        e.status,
        EditionStatus::UnderReview,
        "a refusal changes nothing"
    );
    assert!(e.send_backs.is_empty());
    e.send_back(
        " 第3章の表現を見直すこと ",
        "佐藤 健一",
        Some("ciso"),
        Utc::now(),
    )
    .unwrap();
    e.submit(&Catalog).unwrap();
    e.send_back("用語を統一すること", "鈴木 一郎", None, Utc::now())
        .unwrap();
    assert_eq!(e.status, EditionStatus::Draft);
    assert_eq!(e.send_backs.len(), 2, "every 差戻し is kept");
    assert_eq!(e.send_backs[0].comment, "第3章の表現を見直すこと");
    assert_eq!(e.send_backs[0].deciding_role.as_deref(), Some("ciso"));
    let last = e.last_send_back().unwrap();
    assert_eq!(
        (last.comment.as_str(), last.by_name.as_str()),
        ("用語を統一すること", "鈴木 一郎")
    );
    // The next edition starts without them.
    assert!(
        e.new_draft(e.number.next(), Utc::now())
            .send_backs
            .is_empty()
    );
}

#[test]
fn a_new_draft_copies_the_profile_and_points_back() {
    let mut e = edition();
    e.profile.adopted_recommended.insert("S-4.1.(2)②".into());
    let next = e.new_draft(e.number.next(), Utc::now());
    assert_eq!(next.number.to_string(), "第2版");
    assert_eq!(next.based_on, Some(e.number));
    assert_eq!(next.status, EditionStatus::Draft);
    assert_eq!(next.revision_kind, RevisionKind::PartialAmendment);
    assert_eq!(next.profile, e.profile);
    assert_ne!(next.id, e.id);
}

#[test]
fn profile_problems_name_their_field() {
    let mut p = profile();
    p.adopted_recommended.insert("S-1.(1)".into());
    p.adopted_recommended.insert("S-99".into());
    p.amendments.insert(
        "S-2.(2)⑧(イ)".into(),
        Amendment {
            text: " ".into(),
            reason: None,
        },
    );
    p.deletions.insert("S-1.(1)".into(), "".into());
    p.deciding_role = "mayor".into();
    let problems = p.problems(&Catalog);
    let fields: Vec<&str> = problems.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "採用する推奨事項",
            "採用する推奨事項",
            "条項の文言",
            "削除の理由",
            "決裁する役割"
        ]
    );
    assert!(problems[0].message.contains("推奨事項ではありません"));
    assert!(problems[1].message.contains("ガイドラインにありません"));
    assert!(profile().problems(&Catalog).is_empty());
    // A draft with problems cannot go to review.
    let mut e = edition();
    e.profile = p;
    assert!(e.submit(&Catalog).is_err());
    assert_eq!(e.status, EditionStatus::Draft);
}

#[test]
fn guideline_texts_take_the_bodys_term() {
    let mut p = profile();
    assert_eq!(p.localize("本市の情報資産"), "本市の情報資産");
    p.body_term = "本町".into();
    assert_eq!(
        p.localize("本市の情報資産は本市が管理する"),
        "本町の情報資産は本町が管理する"
    );
}

#[test]
fn enumerations_read_as_the_guideline_writes_them() {
    let list = |items: &[&str]| enumerate(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(list(&[]), "");
    assert_eq!(list(&["内部部局"]), "内部部局");
    assert_eq!(list(&["内部部局", "消防本部"]), "内部部局及び消防本部");
    assert_eq!(
        list(&[
            "内部部局",
            "行政委員会",
            "議会事務局",
            "消防本部",
            "地方公営企業"
        ]),
        "内部部局、行政委員会、議会事務局、消防本部及び地方公営企業"
    );
}

#[test]
fn the_organ_scope_replaces_the_guidelines_list_in_its_clause_only() {
    let text = "(１) 行政機関の範囲\n本基本方針が適用される行政機関は、内部部局、行政委員会、議会事務局、消防本部及び地方公営企業とする。";
    let guideline: Vec<String> = [
        "内部部局",
        "行政委員会",
        "議会事務局",
        "消防本部",
        "地方公営企業",
    ]
    .map(String::from)
    .to_vec();
    let mut p = profile();
    assert_eq!(
        p.guideline_text("S-1.(1)", text),
        text,
        "no scope: the 例文"
    );
    p.organ_scope = Some(OrganScope {
        clause: "S-1.(1)".into(),
        guideline: guideline.clone(),
        organs: vec!["内部部局".into(), "教育委員会".into(), "消防本部".into()],
    });
    assert_eq!(
        p.guideline_text("S-1.(1)", text),
        "(１) 行政機関の範囲\n本基本方針が適用される行政機関は、内部部局、教育委員会及び消防本部とする。"
    );
    assert_eq!(
        p.guideline_text("S-2.(2)⑧(イ)", text),
        text,
        "other clauses keep theirs"
    );
    assert!(p.problems(&Catalog).is_empty());

    let scope = p.organ_scope.as_mut().unwrap();
    scope.organs = vec!["消防本部".into(), "消防本部".into(), " ".into()];
    scope.clause = "B-99".into();
    let problems = p.problems(&Catalog);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().all(|e| e.field == "行政機関の範囲"));
    p.organ_scope.as_mut().unwrap().organs.clear();
    p.organ_scope.as_mut().unwrap().clause = "S-1.(1)".into();
    assert!(p.problems(&Catalog)[0].message.contains("一つ以上"));
}

#[test]
fn profiles_stored_before_the_scope_and_numbering_choice_read_with_the_defaults() {
    let mut json = serde_json::to_value(profile()).unwrap();
    let object = json.as_object_mut().unwrap();
    object.remove("organ_scope");
    object.remove("deleted_numbering");
    let read: Profile = serde_json::from_value(json).unwrap();
    assert_eq!(read.organ_scope, None);
    assert_eq!(read.deleted_numbering, DeletedNumbering::KeepAsDeleted);
    for n in DeletedNumbering::ALL {
        assert_eq!(DeletedNumbering::parse(n.key()).unwrap(), n);
    }
    assert_eq!(
        DeletedNumbering::parse("gaps").unwrap_err().field,
        "削除した条項の番号"
    );
}

#[test]
fn inclusion_follows_adoption_and_deletion() {
    let mut p = profile();
    assert!(p.includes("S-1.(1)", false));
    assert!(
        !p.includes("S-4.1.(2)②", true),
        "a 推奨事項 binds only once adopted"
    );
    p.adopted_recommended.insert("S-4.1.(2)②".into());
    assert!(p.includes("S-4.1.(2)②", true));
    p.deletions
        .insert("S-1.(1)".into(), "該当する業務がないため".into());
    assert!(!p.includes("S-1.(1)", false));
}

#[test]
fn the_revision_history_is_in_wareki_and_lists_only_editions_that_were_in_force() {
    let mut first = edition();
    first.status = EditionStatus::Superseded;
    first.effective_from = Some(date(2002, 4, 1));
    let mut second = first.new_draft(first.number.next(), Utc::now());
    second.status = EditionStatus::InForce;
    second.effective_from = Some(date(2019, 5, 1));
    let third = second.new_draft(second.number.next(), Utc::now());
    let lines: Vec<String> = revision_history(&[third, second, first])
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        lines,
        vec!["第1版 制定 平成14年4月1日", "第2版 一部改正 令和元年5月1日"]
    );
}

fn mark(role: &str, mark: crate::authority::MatrixMark) -> RoleMarkEntry {
    RoleMarkEntry {
        role: role.into(),
        mark,
    }
}

#[test]
fn a_row_of_the_authority_matrix_takes_the_bodys_roles_and_unassigned_columns_once() {
    use crate::authority::MatrixMark::{Holds, Permits};
    let mut p = profile();
    p.set_authority_row(
        " S-2.(2)⑧(イ) ",
        vec![mark("ciso", Permits), mark("staff", Holds)],
        &Catalog,
    )
    .unwrap();
    assert_eq!(p.authority_overrides["S-2.(2)⑧(イ)"].len(), 2);

    let err = p.set_authority_row("S-99", vec![], &Catalog).unwrap_err();
    assert_eq!(err.field, "条項");
    assert!(err.message.contains("S-99"));
    let err = p
        .set_authority_row("S-1.(1)", vec![mark("mayor", Permits)], &Catalog)
        .unwrap_err();
    assert_eq!(err.field, "権限・責任等一覧表の調整");
    assert!(err.message.contains("mayor"));
    let err = p
        .set_authority_row(
            "S-1.(1)",
            vec![mark("ciso", Permits), mark("ciso", Holds)],
            &Catalog,
        )
        .unwrap_err();
    assert!(err.message.contains("最高情報セキュリティ責任者"), "{err}");
    assert!(
        !p.authority_overrides.contains_key("S-1.(1)"),
        "a refusal changes nothing"
    );

    // An empty row stays: the clause then has no marks at all.
    p.set_authority_row("S-1.(1)", vec![], &Catalog).unwrap();
    assert_eq!(p.authority_overrides.get("S-1.(1)"), Some(&vec![]));
    assert!(p.problems(&Catalog).is_empty());
    p.reset_authority_row("S-1.(1)");
    assert!(!p.authority_overrides.contains_key("S-1.(1)"));

    // A stored row that no longer fits is a problem of the profile.
    p.authority_overrides
        .insert("S-1.(1)".into(), vec![mark("mayor", Permits)]);
    assert_eq!(p.problems(&Catalog)[0].field, "権限・責任等一覧表の調整");
}

#[test]
fn an_exception_to_separation_needs_its_case_and_can_be_withdrawn() {
    let mut p = profile();
    let rule = SodRule::ApplicantApprover;
    for bad in ["", "  ", &"あ".repeat(MAX_SEPARATION_CASE + 1)] {
        let err = p.set_separation_exception(rule, Some(bad)).unwrap_err();
        assert_eq!(err.field, "例外を認める場合（S-1.(8)①）");
    }
    assert!(p.separation.exceptions.is_empty());
    p.set_separation_exception(rule, Some(" 代わる者がいない場合 "))
        .unwrap();
    assert_eq!(
        p.separation.exceptions.get(&rule).map(String::as_str),
        Some("代わる者がいない場合")
    );
    assert!(p.problems(&Catalog).is_empty());
    p.set_separation_exception(rule, None).unwrap();
    assert!(p.separation.exceptions.is_empty());
}

#[test]
fn statuses_round_trip_through_their_keys() {
    for s in EditionStatus::ALL {
        assert_eq!(EditionStatus::parse(s.key()), Some(s));
    }
    assert_eq!(EditionStatus::parse("x"), None);
}

#[test]
fn with_a_deliberating_committee_only_its_carried_vote_on_this_round_lets_the_decider_decide() {
    use crate::committee::{Deliberation, Vote};
    let mut e = edition();
    e.submit(&Catalog).unwrap();
    let vote = |vote: Vote, round: u32, by: &str| Deliberation {
        meeting_id: crate::ids::MeetingId::new(),
        held_on: date(2026, 3, 10),
        title: "第1版について".into(),
        vote,
        round,
        recorded_by: by.into(),
    };
    let with = |d: Option<Deliberation>| Decision {
        deliberation: d,
        ..decision("ciso")
    };
    let ciso = ["ciso".to_owned()];
    let committee = Some("security_manager");
    let refused = |e: &mut Edition, d: Option<Deliberation>| {
        e.clone()
            .decide(with(d), &ciso, committee, "decider")
            .unwrap_err()
    };
    let err = refused(&mut e, None);
    assert_eq!(err.field, "委員会の審議");
    assert!(
        err.message.contains("所属長の審議が必要"),
        "{}",
        err.message
    );
    let rejected = Vote::Counted {
        in_favour: 1,
        against: 3,
        abstain: 0,
    };
    assert!(
        refused(&mut e, Some(vote(rejected, 0, "clerk")))
            .message
            .contains("否決")
    );
    assert!(
        refused(&mut e, Some(vote(Vote::Unanimous, 1, "clerk")))
            .message
            .contains("差戻しの前")
    );
    assert!(
        refused(&mut e, Some(vote(Vote::Unanimous, 0, "decider")))
            .message
            .contains("記録した人")
    );
    e.decide(
        with(Some(vote(Vote::Unanimous, 0, "clerk"))),
        &ciso,
        committee,
        "decider",
    )
    .unwrap();
    assert_eq!(e.status, EditionStatus::Decided);
    assert!(e.decision.unwrap().deliberation.is_some());
}
