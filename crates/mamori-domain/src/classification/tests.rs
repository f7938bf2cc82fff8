use crate::org::RoleDefinition;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use super::*;

use proptest::prelude::*;

fn guideline() -> ClassificationScheme {
    ClassificationScheme::guideline().unwrap()
}

fn importance() -> ClassificationScheme {
    ClassificationScheme::importance_four().unwrap()
}

fn manager() -> Requirement {
    Requirement::Permission {
        role: "security_manager".into(),
    }
}

// -- the shipped schemes ----------------------------------------------------------------

#[test]
fn shipped_schemes_load_and_order_their_levels_lowest_first() {
    let g = guideline();
    let c = g.axis("confidentiality").unwrap();
    let keys: Vec<&str> = c.levels.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["1", "2", "3"]);
    assert_eq!(g.axes().len(), 3);

    let i = importance();
    let keys: Vec<&str> = i.axes()[0].levels.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["IV", "III", "II", "I"], "Ⅰ is the highest");
    assert_eq!(
        i.compare_level("importance", "I", "II").unwrap(),
        Ordering::Greater
    );
    assert_eq!(
        g.compare_level("confidentiality", "3", "2").unwrap(),
        Ordering::Greater
    );
}

/// scheme | classification as written | action | demanded | not demanded (`-` for none).
const REQUIREMENT_TABLE: &str = "
guideline    | 機密性2・完全性1・可用性1 | transport         | permission(security_manager) locked_case encryption_or_password | -
guideline    | 機密性3・完全性1・可用性1 | transport         | permission(security_manager)                      | -
guideline    | 機密性1・完全性2・可用性2 | transport         | -                                                 | permission(security_manager)
guideline    | 機密性2・完全性1・可用性1 | provision         | permission(security_manager) encryption_or_password | -
guideline    | 機密性2・完全性1・可用性1 | send              | encryption_or_password trusted_network            | permission(security_manager)
guideline    | 機密性1・完全性1・可用性2 | store             | backup recovery_within locked_storage             | -
guideline    | 機密性1・完全性2・可用性1 | store             | backup locked_storage                             | recovery_within
guideline    | 機密性3・完全性1・可用性1 | disposal          | irrecoverable_disposal disposal_record permission(security_manager) | -
guideline    | 機密性1・完全性1・可用性1 | disposal          | disposal_record permission(security_manager)      | irrecoverable_disposal
guideline    | 機密性3・完全性1・可用性1 | use               | issued_device_only                                | -
guideline    | 機密性2・完全性1・可用性1 | use               | -                                                 | issued_device_only
guideline    | 機密性2・完全性1・可用性1 | use_terms_service | prohibited                                        | -
guideline    | 機密性1・完全性1・可用性1 | post_to_social_media | -                                              | prohibited
guideline    | 機密性1・完全性1・可用性2 | process_offsite   | offsite_safeguards permission(security_manager)   | -
importance-4 | 重要性分類Ⅱ               | transport         | permission(security_manager) locked_case          | -
importance-4 | 重要性分類Ⅰ               | transport         | permission(security_manager)                      | -
importance-4 | 重要性分類Ⅲ               | transport         | -                                                 | permission(security_manager)
importance-4 | 重要性分類Ⅳ               | provision         | -                                                 | permission(security_manager)
importance-4 | 重要性分類Ⅱ               | disposal          | irrecoverable_disposal disposal_record            | -
importance-4 | 重要性分類Ⅲ               | disposal          | disposal_record permission(security_manager)      | irrecoverable_disposal
importance-4 | 重要性分類Ⅰ               | use               | issued_device_only                                | -
importance-4 | 重要性分類Ⅱ               | use               | -                                                 | issued_device_only
importance-4 | 重要性分類Ⅱ               | store             | backup recovery_within locked_storage             | -
";

fn requirement_list(cell: &str) -> Vec<Requirement> {
    cell.split_whitespace()
        .filter(|k| *k != "-")
        .map(|k| Requirement::parse(k).unwrap())
        .collect()
}

#[test]
fn both_schemes_answer_the_requirement_questions() {
    let schemes = [guideline(), importance()];
    for row in REQUIREMENT_TABLE.lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let [id, written, action, present, absent] = cells[..] else {
            panic!("bad row: {row}");
        };
        let scheme = schemes.iter().find(|s| s.id() == id).unwrap();
        let action = Action::parse(action).unwrap();
        let c = scheme.parse_classification(written).unwrap();
        let got = scheme.requires(&c, action).unwrap();
        for r in requirement_list(present) {
            assert!(
                got.contains(&r),
                "{written} {action}: expected {r}, got {got:?}"
            );
        }
        for r in requirement_list(absent) {
            assert!(!got.contains(&r), "{written} {action}: did not expect {r}");
        }
    }
    // 機密性１ 運搬 and 重要性分類Ⅲ 運搬 need nothing at all.
    for (scheme, written) in [
        (&schemes[0], "機密性1・完全性1・可用性1"),
        (&schemes[1], "重要性分類Ⅲ"),
    ] {
        let c = scheme.parse_classification(written).unwrap();
        let got = scheme.requires(&c, Action::Transport).unwrap();
        assert!(got.is_empty(), "{written}: {got:?}");
    }
}

/// The shipped wording is the guideline's, as the catalog extracted it.
#[test]
fn shipped_wording_matches_the_catalog_extraction() {
    let catalog: serde_json::Value =
        serde_json::from_str(include_str!("../../../../catalog/classification.json")).unwrap();
    let g = guideline();
    for axis in catalog["axes"].as_array().unwrap() {
        let mine = g.axis(axis["key"].as_str().unwrap()).unwrap();
        assert_eq!(mine.name, axis["name"].as_str().unwrap());
        for level in axis["levels"].as_array().unwrap() {
            let key = level["level"].to_string();
            let ours = mine.levels.iter().find(|l| l.key == key).unwrap();
            assert_eq!(ours.name, level["label"].as_str().unwrap());
            assert_eq!(ours.definition, level["criterion"].as_str().unwrap());
            let handling: Vec<&str> = level["handling"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap())
                .collect();
            assert_eq!(ours.handling, handling);
        }
    }
    let i = importance();
    for level in catalog["importance"]["levels"].as_array().unwrap() {
        let short = level["numeral"].as_str().unwrap();
        let ours = i.axes()[0]
            .levels
            .iter()
            .find(|l| l.short == short)
            .unwrap();
        assert_eq!(ours.definition, level["description"].as_str().unwrap());
    }
}

#[test]
fn permission_is_firm_and_encryption_is_as_needed_with_their_clauses() {
    let g = guideline();
    let c = g.parse_classification("機密性2・完全性1・可用性1").unwrap();
    let got = g.requires(&c, Action::Transport).unwrap();
    assert_eq!(got.necessity(&manager()), Some(Necessity::Required));
    assert_eq!(
        got.necessity(&Requirement::EncryptionOrPassword),
        Some(Necessity::AsNeeded)
    );
    let clauses = &got.demand(&manager()).unwrap().clauses;
    assert!(clauses.contains("S-2.(2)⑧(イ)"));
    assert_eq!(got.permissions().collect::<Vec<_>>(), ["security_manager"]);
    let json = serde_json::to_string(&got).unwrap();
    assert!(json.contains("\"permission(security_manager)\""), "{json}");
}

#[test]
fn permission_names_the_role_as_the_body_names_it() {
    let roles = [RoleDefinition {
        key: "security_manager".into(),
        name: "所属長".into(),
        scope: crate::org::RoleScope::Unit,
        grants: vec![],
    }];
    assert_eq!(manager().label_with_roles(&roles), "所属長の許可");
    assert_eq!(manager().label(), "許可（security_manager）");
    assert_eq!(Requirement::Backup.label_with_roles(&roles), "バックアップ");
}

#[test]
fn is_at_least_follows_the_schemes_order_not_the_numbers() {
    let i = importance();
    let two = i.parse_classification("Ⅱ").unwrap();
    assert!(i.is_at_least(&two, "importance", "II").unwrap());
    assert!(i.is_at_least(&two, "importance", "III").unwrap());
    assert!(!i.is_at_least(&two, "importance", "I").unwrap());

    let g = guideline();
    let c2 = g.parse_classification("機密性2・完全性1・可用性1").unwrap();
    assert!(g.is_at_least(&c2, "confidentiality", "2").unwrap());
    assert!(!g.is_at_least(&c2, "confidentiality", "3").unwrap());
    let err = g.is_at_least(&c2, "confidentiality", "4").unwrap_err();
    assert_eq!(err.field, "機密性");
}

#[test]
fn highest_takes_each_axis_separately() {
    let g = guideline();
    let a = g.parse_classification("機密性3・完全性1・可用性1").unwrap();
    let b = g.parse_classification("機密性1・完全性2・可用性2").unwrap();
    let top = g.highest(&[a, b]).unwrap().unwrap();
    assert_eq!(top.to_string(), "機密性３・完全性２・可用性２");
    assert_eq!(g.highest(&[]).unwrap(), None);

    let i = importance();
    let xs: Vec<Classification> = ["Ⅲ", "Ⅰ", "Ⅳ"]
        .iter()
        .map(|s| i.parse_classification(s).unwrap())
        .collect();
    assert_eq!(i.highest(&xs).unwrap().unwrap().to_string(), "重要性分類Ⅰ");
}

#[test]
fn condition_labels_read_as_the_policy_writes_them() {
    let g = guideline();
    let labels: BTreeSet<String> = g.rules().iter().map(|r| g.condition_label(r)).collect();
    assert!(labels.contains("機密性２以上"));
    assert!(labels.contains("機密性３"));
    assert!(labels.contains("全ての情報資産"));
    let i = importance();
    let labels: BTreeSet<String> = i.rules().iter().map(|r| i.condition_label(r)).collect();
    assert!(labels.contains("重要性分類Ⅱ以上"));
    assert!(labels.contains("重要性分類Ⅰ"));
}

// -- parsing ----------------------------------------------------------------------------

#[test]
fn written_classifications_are_read_in_their_usual_forms() {
    let g = guideline();
    let expected = g
        .classify(&[
            ("confidentiality", "2"),
            ("integrity", "2"),
            ("availability", "1"),
        ])
        .unwrap();
    for written in [
        "機密性2・完全性2・可用性1",
        "機密性２・完全性２・可用性１",
        "可用性1 機密性2 完全性2",
        "機密性 2 / 完全性 2 / 可用性 1",
        "機密性:2、完全性：2、可用性1",
    ] {
        assert_eq!(
            g.parse_classification(written).unwrap(),
            expected,
            "{written}"
        );
    }
    assert_eq!(expected.to_string(), "機密性２・完全性２・可用性１");
    assert_eq!(expected.level_key("integrity"), Some("2"));
    assert_eq!(
        g.classify(&expected.keys()).unwrap(),
        expected,
        "the stored keys read back"
    );

    let i = importance();
    let two = i.classify(&[("importance", "II")]).unwrap();
    for written in [
        "重要性分類Ⅱ",
        "重要性分類２",
        "Ⅱ",
        "II",
        "ii",
        "2",
        "２",
        " 重要性分類 Ⅱ ",
    ] {
        assert_eq!(i.parse_classification(written).unwrap(), two, "{written}");
    }
    assert_eq!(two.to_string(), "重要性分類Ⅱ");
}

#[test]
fn bad_classifications_are_rejected_naming_the_axis() {
    let g = guideline();
    let cases = [
        ("機密性4・完全性1・可用性1", "機密性"),
        ("機密性2・完全性1", "可用性"),
        ("機密性2・機密性3・完全性1・可用性1", "機密性"),
        ("2・完全性1・可用性1", "機密性・完全性・可用性"),
        ("1", "機密性・完全性・可用性"),
        ("重要性分類Ⅱ", "分類"),
        ("", "分類"),
    ];
    for (written, field) in cases {
        let err = g.parse_classification(written).unwrap_err();
        assert_eq!(err.field, field, "{written}: {err}");
        assert!(!err.message.is_empty());
    }
    let err = g
        .parse_classification("機密性4・完全性1・可用性1")
        .unwrap_err();
    assert!(
        err.message.contains("機密性３・機密性２・機密性１"),
        "{err}"
    );

    let err = g
        .classify(&[
            ("confidentiality", "4"),
            ("integrity", "1"),
            ("availability", "1"),
        ])
        .unwrap_err();
    assert_eq!(err.field, "機密性");
    let err = g.classify(&[("secrecy", "1")]).unwrap_err();
    assert_eq!(err.field, "分類");
    assert!(err.message.contains("secrecy"));

    let i = importance();
    let err = i.parse_classification("重要性分類Ⅴ").unwrap_err();
    assert_eq!(err.field, "重要性分類");
}

#[test]
fn a_classification_from_another_scheme_is_refused_rather_than_guessed() {
    let g = guideline();
    let i = importance();
    let foreign = i.parse_classification("Ⅰ").unwrap();
    assert!(g.requires(&foreign, Action::Transport).is_err());
    assert!(g.highest(&[foreign]).is_err());
}

// -- validation of a body's own scheme ----------------------------------------------------

const SMALL: &str = r#"
id = "small"
name = "小さな体系"

[[axes]]
key = "confidentiality"
name = "機密性"
order = "highest_first"

[[axes.levels]]
key = "3"
name = "機密性3"

[[axes.levels]]
key = "2"
name = "機密性2"

[[axes.levels]]
key = "1"
name = "機密性1"

[[rules]]
axis = "confidentiality"
at_or_above = "2"
actions = ["transport"]
requires = ["permission(security_manager)"]
clause = "S-2.(2)⑧(イ)"
"#;

#[test]
fn a_valid_scheme_of_the_body_is_accepted() {
    let s = ClassificationScheme::from_toml(SMALL).unwrap();
    assert_eq!(s.id(), "small");
    assert_eq!(s.rules().len(), 1);
}

#[test]
fn invalid_schemes_are_rejected_naming_the_offending_key() {
    let cases: [(&str, &str, &str, &str); 10] = [
        (
            r#"at_or_above = "2""#,
            r#"at_or_above = "4""#,
            "機密性",
            "「4」",
        ),
        (
            r#"axis = "confidentiality""#,
            r#"axis = "secrecy""#,
            "取扱規則",
            "「secrecy」",
        ),
        (
            r#"actions = ["transport"]"#,
            r#"actions = ["teleport"]"#,
            "取扱規則",
            "「teleport」",
        ),
        (
            r#"requires = ["permission(security_manager)"]"#,
            r#"requires = ["shredding"]"#,
            "取扱制限",
            "「shredding」",
        ),
        (
            r#"requires = ["permission(security_manager)"]"#,
            r#"requires = ["permission(課長)"]"#,
            "取扱制限",
            "permission(課長)",
        ),
        (r#"order = "highest_first""#, "", "機密性", "order"),
        (
            r#"order = "highest_first""#,
            r#"order = "descending""#,
            "機密性",
            "「descending」",
        ),
        (r#"key = "1""#, r#"key = "2""#, "機密性", "「2」が重複"),
        (
            r#"name = "機密性1""#,
            r#"name = "機密性2""#,
            "機密性",
            "「機密性2」",
        ),
        (
            r#"name = "機密性1""#,
            r#"name = "機密性・1""#,
            "機密性",
            "区切り文字",
        ),
    ];
    for (from, to, field, needle) in cases {
        let text = SMALL.replacen(from, to, 1);
        assert_ne!(text, SMALL, "{from}");
        let err = ClassificationScheme::from_toml(&text).unwrap_err();
        assert_eq!(err.field, field, "{to}: {err}");
        assert!(err.message.contains(needle), "{to}: {err}");
    }
    let err = ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\n").unwrap_err();
    assert_eq!(err.field, "軸");
    let err = ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\nfoo = 1\n").unwrap_err();
    assert_eq!(err.field, "分類体系");
    // A syntax error says on which line it is, for the person editing the text.
    let err = ClassificationScheme::from_toml("id = \"x\"\nname = \"y\"\n[[axes]\n").unwrap_err();
    assert_eq!(err.field, "分類体系");
    assert!(
        err.message.starts_with("TOMLとして読めません（3行目）"),
        "{err}"
    );
}

#[test]
fn a_missing_level_in_a_rule_is_named_with_its_clause() {
    let text = SMALL.replacen(r#"at_or_above = "2""#, r#"at_or_above = "4""#, 1);
    let err = ClassificationScheme::from_toml(&text).unwrap_err();
    assert_eq!(err.field, "機密性");
    assert!(err.message.contains("S-2.(2)⑧(イ)"), "{err}");
    assert!(err.message.contains("「4」"), "{err}");
}

#[test]
fn requirement_keys_read_back() {
    for r in Requirement::plain().into_iter().chain([
        manager(),
        Requirement::RecoveryWithin { hours: Some(24) },
        Requirement::RecoveryWithin { hours: None },
    ]) {
        assert_eq!(Requirement::parse(&r.key()).unwrap(), r);
        assert!(!r.label().is_empty());
    }
    assert!(Requirement::parse("recovery_within(0)").is_err());
    for a in Action::ALL {
        assert_eq!(Action::parse(a.key()), Some(a));
    }
}

#[test]
fn shipped_schemes_survive_writing_and_reading_back() {
    for s in [guideline(), importance()] {
        let text = s.to_toml().unwrap();
        assert_eq!(ClassificationScheme::from_toml(&text).unwrap(), s);
    }
}

// -- properties over both shipped schemes -----------------------------------------------

/// A classification from per-axis seeds, and one at or above it on every axis.
fn pair_from_seeds(
    s: &ClassificationScheme,
    low: &[usize],
    up: &[usize],
) -> (Classification, Classification) {
    let mut lo_keys = Vec::new();
    let mut hi_keys = Vec::new();
    for (i, axis) in s.axes().iter().enumerate() {
        let n = axis.levels.len();
        let lo = low[i % low.len()] % n;
        let hi = lo + up[i % up.len()] % (n - lo);
        lo_keys.push((axis.key.as_str(), axis.levels[lo].key.as_str()));
        hi_keys.push((axis.key.as_str(), axis.levels[hi].key.as_str()));
    }
    (s.classify(&lo_keys).unwrap(), s.classify(&hi_keys).unwrap())
}

fn assert_monotone(s: &ClassificationScheme, lo: &Classification, hi: &Classification) {
    for action in Action::ALL {
        let low = s.requires(lo, action).unwrap();
        let high = s.requires(hi, action).unwrap();
        assert!(
            high.includes(&low),
            "{}: {hi} {action} demands less than {lo}: {high:?} vs {low:?}",
            s.id()
        );
    }
}

fn shipped() -> impl Strategy<Value = ClassificationScheme> {
    prop_oneof![Just(guideline()), Just(importance())]
}

proptest! {
    #[test]
    fn a_higher_level_never_requires_less(
        s in shipped(),
        low in prop::collection::vec(any::<usize>(), 3),
        up in prop::collection::vec(any::<usize>(), 3),
    ) {
        let (lo, hi) = pair_from_seeds(&s, &low, &up);
        assert_monotone(&s, &lo, &hi);
    }

    #[test]
    fn highest_is_a_least_upper_bound_made_of_the_inputs_levels(
        s in shipped(),
        seeds in prop::collection::vec(prop::collection::vec(any::<usize>(), 3), 1..6),
    ) {
        let xs: Vec<Classification> =
            seeds.iter().map(|seed| pair_from_seeds(&s, seed, &[0]).0).collect();
        let top = s.highest(&xs).unwrap().unwrap();
        for axis in s.axes() {
            let top_level = top.level_key(&axis.key).unwrap();
            for x in &xs {
                prop_assert!(s.is_at_least(&top, &axis.key, x.level_key(&axis.key).unwrap()).unwrap());
            }
            prop_assert!(xs.iter().any(|x| x.level_key(&axis.key) == Some(top_level)));
        }
        for x in &xs {
            assert_monotone(&s, x, &top);
        }
    }

    #[test]
    fn is_at_least_agrees_with_compare_level(
        s in shipped(),
        seed in prop::collection::vec(any::<usize>(), 3),
        a in any::<usize>(),
        level in any::<usize>(),
    ) {
        let c = pair_from_seeds(&s, &seed, &[0]).0;
        let axis = &s.axes()[a % s.axes().len()];
        let level = &axis.levels[level % axis.levels.len()].key;
        let mine = c.level_key(&axis.key).unwrap();
        let ordering = s.compare_level(&axis.key, mine, level).unwrap();
        prop_assert_eq!(s.is_at_least(&c, &axis.key, level).unwrap(), ordering != Ordering::Less);
        prop_assert_eq!(s.compare_level(&axis.key, level, mine).unwrap(), ordering.reverse());
    }
}

#[test]
fn every_classification_of_both_schemes_reads_back_from_its_display() {
    for s in [guideline(), importance()] {
        let all = s.classifications();
        let expected: usize = s.axes().iter().map(|a| a.levels.len()).product();
        assert_eq!(all.len(), expected);
        for c in all {
            assert_eq!(s.parse_classification(&c.to_string()).unwrap(), c);
        }
    }
}

#[test]
fn reads_are_recorded_from_the_level_the_scheme_names() {
    let g = guideline();
    let recorded = |s: &ClassificationScheme, text: &str| {
        s.read_is_recorded(&s.parse_classification(text).unwrap())
            .unwrap()
    };
    assert!(recorded(&g, "機密性３・完全性１・可用性１"));
    // The highest integrity and availability do not make a read worth recording.
    assert!(!recorded(&g, "機密性２・完全性２・可用性２"));
    assert_eq!(g.read_log_label(), "機密性３");
    let i = importance();
    assert!(recorded(&i, "重要性分類Ⅰ"));
    assert!(!recorded(&i, "重要性分類Ⅱ"));
    assert_eq!(i.read_log_label(), "重要性分類Ⅰ");
    // The body may lower the threshold; a written scheme keeps it.
    let lowered = IMPORTANCE_FOUR_TOML.replace(
        "at_or_above = \"I\"\n\n[[axes]]",
        "at_or_above = \"II\"\n\n[[axes]]",
    );
    let lowered = ClassificationScheme::from_toml(&lowered).unwrap();
    assert!(recorded(&lowered, "重要性分類Ⅱ"));
    assert!(!recorded(&lowered, "重要性分類Ⅲ"));
    assert_eq!(lowered.read_log_label(), "重要性分類Ⅱ以上");
    let again = ClassificationScheme::from_toml(&lowered.to_toml().unwrap()).unwrap();
    assert_eq!(again.read_log(), lowered.read_log());
}

#[test]
fn a_scheme_without_a_read_log_records_its_first_axis_highest_level() {
    let text = GUIDELINE_TOML.replace(
        "[read_log]\naxis = \"confidentiality\"\nat_or_above = \"3\"\n",
        "",
    );
    assert_ne!(text, GUIDELINE_TOML);
    let s = ClassificationScheme::from_toml(&text).unwrap();
    assert_eq!(s.read_log(), guideline().read_log());
}

#[test]
fn a_read_log_naming_no_level_is_refused_with_the_field() {
    let text = GUIDELINE_TOML.replace(
        "at_or_above = \"3\"\n\n[[axes]]",
        "at_or_above = \"9\"\n\n[[axes]]",
    );
    let e = ClassificationScheme::from_toml(&text).unwrap_err();
    assert_eq!(e.field, "閲覧の記録（read_log）");
    assert!(e.message.contains("「9」"), "{}", e.message);
    let text = GUIDELINE_TOML.replace(
        "axis = \"confidentiality\"\nat_or_above",
        "axis = \"secrecy\"\nat_or_above",
    );
    let e = ClassificationScheme::from_toml(&text).unwrap_err();
    assert!(e.message.contains("secrecy"), "{}", e.message);
}

// -- properties over randomly generated schemes -------------------------------------------

const REQUIREMENT_POOL: [&str; 8] = [
    "encryption",
    "backup",
    "locked_storage",
    "prohibited",
    "permission(security_manager)",
    "permission(ciso)",
    "recovery_within",
    "recovery_within(24)",
];

/// A scheme as a generator sees it: per axis, the level count, the listing direction and a
/// shuffle of the key numbers (so keys sort neither with nor against the order).
#[derive(Debug, Clone)]
struct Spec {
    axes: Vec<(usize, bool, Vec<usize>)>,
    rules: Vec<SpecRule>,
}

/// Axis seed, level seed, action indexes, requirement indexes, as needed.
type SpecRule = (usize, usize, Vec<usize>, Vec<usize>, bool);

fn spec() -> impl Strategy<Value = Spec> {
    let axis = (1usize..=5, any::<bool>()).prop_flat_map(|(n, highest_first)| {
        (
            Just(n),
            Just(highest_first),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        )
    });
    let rule = (
        any::<usize>(),
        any::<usize>(),
        prop::collection::vec(0..Action::ALL.len(), 1..4),
        prop::collection::vec(0..REQUIREMENT_POOL.len(), 1..4),
        any::<bool>(),
    );
    (
        prop::collection::vec(axis, 1..4),
        prop::collection::vec(rule, 0..12),
    )
        .prop_map(|(axes, rules)| Spec { axes, rules })
}

/// The TOML of a spec, and for each axis the level keys from lowest to highest.
fn render(spec: &Spec) -> (String, Vec<Vec<String>>) {
    let mut text = String::from("id = \"random\"\nname = \"生成した体系\"\n");
    let mut ordered = Vec::new();
    for (a, (n, highest_first, perm)) in spec.axes.iter().enumerate() {
        let order = if *highest_first {
            "highest_first"
        } else {
            "lowest_first"
        };
        text.push_str(&format!(
            "\n[[axes]]\nkey = \"axis{a}\"\nname = \"軸{a}\"\norder = \"{order}\"\n"
        ));
        // rank r (0 = lowest) gets key k{perm[r]}
        let keys: Vec<String> = (0..*n).map(|r| format!("k{}", perm[r])).collect();
        let listed: Vec<usize> = if *highest_first {
            (0..*n).rev().collect()
        } else {
            (0..*n).collect()
        };
        for r in listed {
            text.push_str(&format!(
                "\n[[axes.levels]]\nkey = \"{}\"\nname = \"軸{a}区分{}\"\nshort = \"{}\"\n",
                keys[r], keys[r], keys[r]
            ));
        }
        ordered.push(keys);
    }
    for (axis, level, actions, requires, as_needed) in &spec.rules {
        let a = axis % spec.axes.len();
        let keys = &ordered[a];
        let actions: Vec<String> = actions
            .iter()
            .map(|i| format!("\"{}\"", Action::ALL[*i].key()))
            .collect();
        let requires: Vec<String> = requires
            .iter()
            .map(|i| format!("\"{}\"", REQUIREMENT_POOL[*i]))
            .collect();
        text.push_str(&format!(
            "\n[[rules]]\naxis = \"axis{a}\"\nat_or_above = \"{}\"\nactions = [{}]\nrequires = [{}]\nas_needed = {as_needed}\n",
            keys[level % keys.len()],
            actions.join(", "),
            requires.join(", ")
        ));
    }
    (text, ordered)
}

proptest! {
    #[test]
    fn a_generated_scheme_keeps_its_stated_order_and_is_monotone(
        spec in spec(),
        low in prop::collection::vec(any::<usize>(), 3),
        up in prop::collection::vec(any::<usize>(), 3),
    ) {
        let (text, ordered) = render(&spec);
        let s = ClassificationScheme::from_toml(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for (axis, keys) in s.axes().iter().zip(&ordered) {
            for (i, a) in keys.iter().enumerate() {
                for (j, b) in keys.iter().enumerate() {
                    prop_assert_eq!(s.compare_level(&axis.key, a, b).unwrap(), i.cmp(&j));
                }
            }
        }
        let (lo, hi) = pair_from_seeds(&s, &low, &up);
        assert_monotone(&s, &lo, &hi);
        prop_assert_eq!(s.parse_classification(&hi.to_string()).unwrap(), hi);
        prop_assert_eq!(ClassificationScheme::from_toml(&s.to_toml().unwrap()).unwrap(), s);
    }
}
