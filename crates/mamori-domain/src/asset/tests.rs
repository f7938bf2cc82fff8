use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn guideline() -> ClassificationScheme {
    ClassificationScheme::guideline().unwrap()
}

fn importance() -> ClassificationScheme {
    ClassificationScheme::importance_four().unwrap()
}

fn both() -> [ClassificationScheme; 2] {
    [guideline(), importance()]
}

/// (scheme, 機密性２相当, the lowest) written as people write them.
fn levels(scheme: &ClassificationScheme) -> (&'static str, &'static str) {
    if scheme.id() == "guideline" {
        ("機密性2 完全性1 可用性1", "機密性1 完全性1 可用性1")
    } else {
        ("重要性分類Ⅱ", "重要性分類Ⅳ")
    }
}

fn input(kind: &str, classification: &str) -> NewAsset {
    NewAsset {
        kind: kind.into(),
        name: "住民記録データ".into(),
        owner_unit: Some(OrgUnitId::new()),
        segment: "LGWAN接続系".into(),
        classification: classification.into(),
        ..NewAsset::default()
    }
}

fn build(scheme: &ClassificationScheme, new: &NewAsset) -> Asset {
    new.validate(scheme, AssetId::new(), BodyId::new())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn asset(scheme: &ClassificationScheme, kind: &str, classification: &str) -> Asset {
    build(scheme, &input(kind, classification))
}

fn errors(scheme: &ClassificationScheme, new: &NewAsset) -> Vec<DomainError> {
    new.validate(scheme, AssetId::new(), BodyId::new())
        .unwrap_err()
}

fn fired(scheme: &ClassificationScheme, asset: &Asset, ctx: &CheckContext) -> Vec<&'static str> {
    findings(scheme, asset, ctx)
        .unwrap()
        .iter()
        .map(|f| f.check.key)
        .collect()
}

fn message(scheme: &ClassificationScheme, asset: &Asset, key: &str) -> String {
    findings(scheme, asset, &CheckContext::default())
        .unwrap()
        .into_iter()
        .find(|f| f.check.key == key)
        .map(|f| f.message)
        .unwrap_or_else(|| panic!("{key} did not fire"))
}

// -- kinds, segments, status ------------------------------------------------------------

#[test]
fn enums_read_their_key_or_their_label() {
    assert_eq!(
        AssetKind::parse("電磁的記録媒体").unwrap(),
        AssetKind::Medium
    );
    assert_eq!(AssetKind::parse(" medium ").unwrap(), AssetKind::Medium);
    assert_eq!(
        NetworkSegment::parse("ＬＧＷＡＮ接続系").unwrap(),
        NetworkSegment::Lgwan
    );
    assert_eq!(
        NetworkSegment::parse("個人番号利用事務系").unwrap(),
        NetworkSegment::MyNumber
    );
    assert_eq!(NetworkSegment::parse("").unwrap(), NetworkSegment::Other);
    assert_eq!(AssetStatus::parse("廃棄済").unwrap(), AssetStatus::Disposed);
    assert_eq!(
        DocumentType::parse("ネットワーク図").unwrap(),
        DocumentType::NetworkDiagram
    );
    for kind in AssetKind::ALL {
        assert_eq!(AssetKind::parse(kind.key()).unwrap(), *kind);
        assert_eq!(AssetKind::parse(kind.label()).unwrap(), *kind);
    }
    for segment in NetworkSegment::ALL {
        assert_eq!(NetworkSegment::parse(segment.label()).unwrap(), *segment);
    }

    let err = NetworkSegment::parse("閉域網").unwrap_err();
    assert_eq!(err.field, "ネットワーク領域");
    assert!(err.message.contains("閉域網"), "{}", err.message);
    assert!(
        err.message.contains("インターネット接続系"),
        "{}",
        err.message
    );
    let err = AssetKind::parse("紙").unwrap_err();
    assert_eq!(err.field, "種別");
    assert!(err.message.contains("「紙」"), "{}", err.message);
}

#[test]
fn retention_is_years_or_words() {
    assert_eq!(Retention::parse("５年").unwrap(), Retention::Years(5));
    assert_eq!(Retention::parse("10").unwrap(), Retention::Years(10));
    assert_eq!(Retention::parse("").unwrap(), Retention::Unspecified);
    assert_eq!(
        Retention::parse("永年").unwrap(),
        Retention::Text("永年".into())
    );
    assert_eq!(Retention::parse("0年").unwrap_err().field, "保存期間");
    assert_eq!(Retention::Years(5).label(), "5年");
}

// -- input ------------------------------------------------------------------------------

#[test]
fn classification_text_is_read_by_the_bodys_scheme() {
    let g = guideline();
    let a = asset(&g, "情報", "機密性3 完全性2 可用性2");
    assert_eq!(a.classification.to_string(), "機密性３・完全性２・可用性２");
    let a = asset(&g, "情報", "機密性３・完全性１・可用性２");
    assert_eq!(a.classification.level_key("availability"), Some("2"));

    let i = importance();
    let a = asset(&i, "情報", "重要性分類Ⅰ");
    assert_eq!(a.classification.to_string(), "重要性分類Ⅰ");
    assert_eq!(a.status, AssetStatus::InUse, "an empty status is 使用中");

    // A classification of the other scheme is not accepted.
    let errs = errors(&i, &input("情報", "機密性3 完全性2 可用性2"));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "分類");
    let errs = errors(&g, &input("情報", "機密性4 完全性1 可用性1"));
    assert_eq!(errs[0].field, "分類");
    assert!(errs[0].message.contains("機密性"), "{}", errs[0].message);
    let errs = errors(&g, &input("情報", ""));
    assert_eq!(errs[0].field, "分類");
}

#[test]
fn every_invalid_field_is_named() {
    let g = guideline();
    let own = AssetId::new();
    let twice = AssetId::new();
    let bad = NewAsset {
        kind: "紙".into(),
        name: String::new(),
        segment: "閉域網".into(),
        classification: "機密性9".into(),
        status: "貸出中".into(),
        retention: "0年".into(),
        derived_from: vec![own],
        holds: vec![twice, twice],
        safeguards: Safeguards {
            recovery_target_hours: Some(0),
            ..Safeguards::default()
        },
        ..NewAsset::default()
    };
    let errs = bad.validate(&g, own, BodyId::new()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    for field in [
        "名称",
        "種別",
        "ネットワーク領域",
        "分類",
        "状態",
        "保存期間",
        "複製元",
        "格納する情報資産",
        "復旧目標時間",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }

    let long = NewAsset {
        name: "あ".repeat(NAME_MAX_CHARS + 1),
        ..input("情報", "機密性1 完全性1 可用性1")
    };
    let errs = errors(&g, &long);
    assert_eq!(errs[0].field, "名称");
    assert!(
        errs[0].message.contains("200文字以内"),
        "{}",
        errs[0].message
    );
    let just = NewAsset {
        name: "あ".repeat(NAME_MAX_CHARS),
        ..input("情報", "機密性1 完全性1 可用性1")
    };
    assert!(just.validate(&g, AssetId::new(), BodyId::new()).is_ok());
}

#[test]
fn document_type_belongs_to_system_documents_and_holding_to_media() {
    let g = guideline();
    let c = "機密性2 完全性1 可用性1";
    let errs = errors(&g, &input("システム関連文書", c));
    assert_eq!(errs[0].field, "文書の種類");
    let doc = build(
        &g,
        &NewAsset {
            document_type: "仕様書".into(),
            ..input("システム関連文書", c)
        },
    );
    assert_eq!(doc.document_type, Some(DocumentType::Specification));
    let errs = errors(
        &g,
        &NewAsset {
            document_type: "仕様書".into(),
            ..input("情報", c)
        },
    );
    assert_eq!(errs[0].field, "文書の種類");

    let held = vec![AssetId::new(), AssetId::new()];
    let errs = errors(
        &g,
        &NewAsset {
            holds: held.clone(),
            ..input("情報", c)
        },
    );
    assert_eq!(errs[0].field, "格納する情報資産");
    let usb = build(
        &g,
        &NewAsset {
            holds: held.clone(),
            ..input("電磁的記録媒体", c)
        },
    );
    assert_eq!(usb.holds, held);
}

// -- derived handling and label ---------------------------------------------------------

#[test]
fn derived_handling_differs_by_level_in_both_schemes() {
    for s in both() {
        let (two, low) = levels(&s);
        let high = asset(&s, "電磁的記録媒体", two);
        let lowest = asset(&s, "電磁的記録媒体", low);
        let h = handling(&s, &high).unwrap();
        let l = handling(&s, &lowest).unwrap();
        let actions: Vec<Action> = h.iter().map(|(a, _)| *a).collect();
        assert!(actions.contains(&Action::Transport), "{}", s.id());
        assert!(actions.contains(&Action::Disposal), "{}", s.id());
        assert!(
            !actions.contains(&Action::Create),
            "no rule of the scheme names 作成"
        );
        let of = |list: &[(Action, Requirements)], action| {
            list.iter().find(|(a, _)| *a == action).unwrap().1.clone()
        };
        let manager = Requirement::Permission {
            role: "security_manager".into(),
        };
        assert!(of(&h, Action::Transport).contains(&manager), "{}", s.id());
        assert!(!of(&l, Action::Transport).contains(&manager), "{}", s.id());
        assert!(of(&h, Action::Store).contains(&Requirement::LockedStorage));
        assert!(!of(&l, Action::Store).contains(&Requirement::LockedStorage));
        // 廃棄 needs a record and permission at every level.
        assert!(of(&l, Action::Disposal).contains(&Requirement::DisposalRecord));
        assert!(of(&l, Action::Disposal).contains(&manager));
        assert!(of(&h, Action::Disposal).includes(&of(&l, Action::Disposal)));
    }
}

#[test]
fn the_label_shows_the_class_in_the_schemes_words_and_what_is_special() {
    let g = guideline();
    let text = label_text(&g, &asset(&g, "電磁的記録媒体", "機密性2 完全性1 可用性1")).unwrap();
    assert!(text.starts_with("機密性２・完全性１・可用性１（"), "{text}");
    assert!(text.contains("許可: 運搬・外部提供"), "{text}");
    assert!(
        text.contains("禁止: 約款による外部サービスでの取扱い"),
        "{text}"
    );
    assert!(text.contains("施錠保管"), "{text}");
    assert!(
        !text.contains("廃棄"),
        "permission to dispose is the same for all: {text}"
    );
    let text = label_text(&g, &asset(&g, "情報", "機密性1 完全性1 可用性1")).unwrap();
    assert_eq!(text, "機密性１・完全性１・可用性１");

    let i = importance();
    let text = label_text(&i, &asset(&i, "情報", "重要性分類Ⅰ")).unwrap();
    assert!(
        text.starts_with("重要性分類Ⅰ（許可: 運搬・外部提供"),
        "{text}"
    );
    assert!(text.contains("バックアップ"), "{text}");
    assert_eq!(
        label_text(&i, &asset(&i, "情報", "重要性分類Ⅳ")).unwrap(),
        "重要性分類Ⅳ"
    );
}

// -- inheritance ------------------------------------------------------------------------

#[test]
fn a_copy_or_medium_takes_the_highest_per_axis() {
    let g = guideline();
    let a = g.parse_classification("機密性3 完全性1 可用性1").unwrap();
    let b = g.parse_classification("機密性1 完全性2 可用性2").unwrap();
    let top = inherited_classification(&g, &[&a, &b]).unwrap();
    assert_eq!(top.to_string(), "機密性３・完全性２・可用性２");
    assert_eq!(inherited_classification(&g, &[&a]).unwrap(), a);

    // Ⅰ is the highest although it is written first and reads as the smallest number.
    let i = importance();
    let c: Vec<Classification> = ["Ⅲ", "Ⅰ", "Ⅳ"]
        .iter()
        .map(|t| i.parse_classification(t).unwrap())
        .collect();
    let refs: Vec<&Classification> = c.iter().collect();
    assert_eq!(
        inherited_classification(&i, &refs).unwrap().to_string(),
        "重要性分類Ⅰ"
    );
    let two = i.parse_classification("Ⅱ").unwrap();
    let four = i.parse_classification("Ⅳ").unwrap();
    assert_eq!(inherited_classification(&i, &[&four, &two]).unwrap(), two);

    let err = inherited_classification(&g, &[]).unwrap_err();
    assert_eq!(err.field, "複製元");
}

#[test]
fn an_asset_may_not_sit_below_what_it_inherits() {
    for s in both() {
        let (two, low) = levels(&s);
        let source = s.parse_classification(two).unwrap();
        let copy = asset(&s, "情報", low);
        let err = check_inherited(&s, &copy, &[&source]).unwrap_err();
        assert_eq!(err.field, "分類");
        assert!(err.message.contains("住民記録データ"), "{}", err.message);
        let copy = asset(&s, "情報", two);
        assert!(check_inherited(&s, &copy, &[&source]).is_ok());
        assert!(check_inherited(&s, &copy, &[]).is_ok());
    }
}

proptest! {
    #[test]
    fn the_inherited_class_is_at_least_every_source_on_every_axis(
        picks in proptest::collection::vec(0usize..1000, 1..6),
        which in 0usize..2,
    ) {
        let s = &both()[which];
        let all = s.classifications();
        let sources: Vec<Classification> =
            picks.iter().map(|p| all[p % all.len()].clone()).collect();
        let refs: Vec<&Classification> = sources.iter().collect();
        let top = inherited_classification(s, &refs).unwrap();
        for source in &sources {
            prop_assert!(is_at_least_on_every_axis(s, &top, source).unwrap());
        }
        // And no higher than needed: on every axis some source has the inherited level.
        for choice in top.choices() {
            prop_assert!(sources
                .iter()
                .any(|c| c.level_key(&choice.axis) == Some(choice.level.as_str())));
        }
    }
}

// -- lifecycle --------------------------------------------------------------------------

#[test]
fn transport_asks_permission_at_the_confidential_level_only() {
    for s in both() {
        let (two, low) = levels(&s);
        let usb = asset(&s, "電磁的記録媒体", two);
        match check_action(&s, &usb, Action::Transport).unwrap() {
            ActionGate::NeedsPermission { roles, .. } => {
                assert_eq!(roles, ["security_manager"], "{}", s.id())
            }
            other => panic!("{}: {other:?}", s.id()),
        }
        let gate = check_action(&s, &usb, Action::Transport).unwrap();
        assert!(!gate.may_complete(None), "blocked until approved");
        assert!(!gate.may_complete(Some("  ")));
        assert!(gate.may_complete(Some("APR-1")));

        let public = asset(&s, "電磁的記録媒体", low);
        let gate = check_action(&s, &public, Action::Transport).unwrap();
        assert!(
            matches!(gate, ActionGate::Allowed { .. }),
            "{}: {gate:?}",
            s.id()
        );
        assert!(gate.may_complete(None));

        let gate = check_action(&s, &usb, Action::UseTermsService).unwrap();
        assert!(matches!(gate, ActionGate::Prohibited { .. }), "{gate:?}");
        assert!(!gate.may_complete(Some("APR-1")));

        let disposed = Asset {
            status: AssetStatus::Disposed,
            ..public
        };
        let gate = check_action(&s, &disposed, Action::Store).unwrap();
        assert!(matches!(gate, ActionGate::Prohibited { .. }), "{gate:?}");
    }
}

#[test]
fn disposal_records_need_date_person_details_and_approval() {
    for s in both() {
        let (_, low) = levels(&s);
        let a = asset(&s, "電磁的記録媒体", low);
        let errs =
            LifecycleRecord::validate(&s, &a, Action::Disposal, &NewLifecycleRecord::default())
                .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["承認", "日時", "担当者", "処理内容"], "{}", s.id());

        let at = Utc.with_ymd_and_hms(2026, 4, 1, 1, 0, 0).unwrap();
        let record = LifecycleRecord::validate(
            &s,
            &a,
            Action::Disposal,
            &NewLifecycleRecord {
                at: Some(at),
                by: Some(PersonId::new()),
                details: " 物理破壊 ".into(),
                approval: Some("APR-7".into()),
            },
        )
        .unwrap();
        assert_eq!(record.details, "物理破壊");
        assert_eq!(record.approval.as_deref(), Some("APR-7"));
        assert_eq!(record.asset_id, a.id);
    }
}

#[test]
fn a_record_follows_the_gate() {
    let g = guideline();
    let at = Utc.with_ymd_and_hms(2026, 4, 1, 1, 0, 0).unwrap();
    let base = NewLifecycleRecord {
        at: Some(at),
        by: Some(PersonId::new()),
        ..NewLifecycleRecord::default()
    };
    let usb = asset(&g, "電磁的記録媒体", "機密性2 完全性1 可用性1");
    let errs = LifecycleRecord::validate(&g, &usb, Action::Transport, &base).unwrap_err();
    assert_eq!(errs[0].field, "承認");
    let ok = LifecycleRecord::validate(
        &g,
        &usb,
        Action::Transport,
        &NewLifecycleRecord {
            approval: Some("APR-1".into()),
            ..base.clone()
        },
    );
    assert!(ok.is_ok());
    let errs = LifecycleRecord::validate(&g, &usb, Action::PostToSocialMedia, &base).unwrap_err();
    assert_eq!(errs[0].field, "行為");
    let public = asset(&g, "電磁的記録媒体", "機密性1 完全性1 可用性1");
    assert!(LifecycleRecord::validate(&g, &public, Action::Transport, &base).is_ok());
}

// -- rule checks ------------------------------------------------------------------------

#[test]
fn rule_checks_have_unique_keys_and_clause_ids() {
    let mut keys: Vec<&str> = RULE_CHECKS.iter().map(|c| c.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), RULE_CHECKS.len());
    assert!(RULE_CHECKS.iter().all(|c| c.clause.starts_with("S-")));
}

#[test]
fn a_clean_asset_has_no_findings_in_either_scheme() {
    for s in both() {
        let (two, _) = levels(&s);
        let safe = NewAsset {
            safeguards: Safeguards {
                encrypted: true,
                locked_storage: true,
                backup: true,
                recovery_target_hours: Some(24),
            },
            ..input("電磁的記録媒体", two)
        };
        let a = build(&s, &safe);
        assert!(
            fired(&s, &a, &CheckContext::default()).is_empty(),
            "{}",
            s.id()
        );
    }
}

#[test]
fn encryption_and_locked_storage_checks() {
    for s in both() {
        let (two, low) = levels(&s);
        let usb = asset(&s, "電磁的記録媒体", two);
        let keys = fired(&s, &usb, &CheckContext::default());
        assert!(keys.contains(&"encryption_missing"), "{}", s.id());
        assert!(keys.contains(&"locked_storage_missing"), "{}", s.id());
        let m = message(&s, &usb, "encryption_missing");
        assert!(
            m.contains("「住民記録データ」") && m.contains("暗号化"),
            "{m}"
        );
        let m = message(&s, &usb, "locked_storage_missing");
        assert!(
            m.contains("施錠保管されていません") && m.contains("S-2.(2)⑥(エ)"),
            "{m}"
        );

        let protected = Asset {
            safeguards: Safeguards {
                encrypted: true,
                locked_storage: true,
                ..Safeguards::default()
            },
            ..usb
        };
        let keys = fired(&s, &protected, &CheckContext::default());
        assert!(!keys.contains(&"encryption_missing"));
        assert!(!keys.contains(&"locked_storage_missing"));

        let public = asset(&s, "電磁的記録媒体", low);
        let keys = fired(&s, &public, &CheckContext::default());
        assert!(!keys.contains(&"encryption_missing"), "{}", s.id());
        assert!(!keys.contains(&"locked_storage_missing"), "{}", s.id());

        // A facility is not a medium: locked storage of media does not apply.
        let room = asset(&s, "施設・設備", two);
        assert!(!fired(&s, &room, &CheckContext::default()).contains(&"locked_storage_missing"));
    }
    // Under the guideline, 完全性２ alone asks for locked storage of the medium.
    let g = guideline();
    let usb = asset(&g, "電磁的記録媒体", "機密性1 完全性2 可用性1");
    let keys = fired(&g, &usb, &CheckContext::default());
    assert!(keys.contains(&"locked_storage_missing"));
    assert!(!keys.contains(&"encryption_missing"));
}

fn backed_up(asset: Asset, hours: u32) -> Asset {
    Asset {
        safeguards: Safeguards {
            backup: true,
            recovery_target_hours: Some(hours),
            ..Safeguards::default()
        },
        ..asset
    }
}

#[test]
fn backup_and_recovery_checks_follow_the_scheme() {
    let g = guideline();
    let data = asset(&g, "情報", "機密性1 完全性1 可用性2");
    let keys = fired(&g, &data, &CheckContext::default());
    assert!(keys.contains(&"backup_missing"));
    assert!(keys.contains(&"recovery_target_missing"));
    let m = message(&g, &data, "recovery_target_missing");
    assert!(
        m.contains("「住民記録データ」") && m.contains("復旧目標時間"),
        "{m}"
    );
    let covered = backed_up(data, 72);
    assert!(fired(&g, &covered, &CheckContext::default()).is_empty());
    let low = asset(&g, "情報", "機密性1 完全性1 可用性1");
    assert!(fired(&g, &low, &CheckContext::default()).is_empty());

    let i = importance();
    let data = asset(&i, "情報システム", "重要性分類Ⅱ");
    let keys = fired(&i, &data, &CheckContext::default());
    assert!(keys.contains(&"backup_missing"));
    assert!(keys.contains(&"recovery_target_missing"));
    let low = asset(&i, "情報システム", "重要性分類Ⅲ");
    assert!(fired(&i, &low, &CheckContext::default()).is_empty());

    // A body that fixes the time: a longer target is a finding, a shorter one is not.
    let text = include_str!("../../data/guideline.toml").replace(
        "requires = [\"backup\", \"recovery_within\"]",
        "requires = [\"backup\", \"recovery_within(24)\"]",
    );
    let fixed = ClassificationScheme::from_toml(&text).unwrap();
    let slow = backed_up(asset(&fixed, "情報", "機密性1 完全性1 可用性2"), 48);
    let m = message(&fixed, &slow, "recovery_target_missing");
    assert!(
        m.contains("48時間") && m.contains("24時間以内の復旧"),
        "{m}"
    );
    let quick = backed_up(slow, 12);
    assert!(fired(&fixed, &quick, &CheckContext::default()).is_empty());
}

#[test]
fn the_expected_minimum_is_computed_from_each_scheme() {
    let g = guideline();
    let i = importance();
    let min = |s: &ClassificationScheme, m: ClassMarker| m.minimum(s).unwrap().unwrap().to_string();
    assert_eq!(
        min(&g, ClassMarker::not_for_public()),
        "機密性２・完全性１・可用性１"
    );
    assert_eq!(min(&i, ClassMarker::not_for_public()), "重要性分類Ⅱ");
    assert_eq!(
        min(&g, ClassMarker::secret()),
        "機密性３・完全性１・可用性１"
    );
    assert_eq!(min(&i, ClassMarker::secret()), "重要性分類Ⅰ");
    let never = ClassMarker {
        action: Action::Create,
        requirement: Requirement::Prohibited,
    };
    assert_eq!(never.minimum(&g).unwrap(), None);
}

#[test]
fn system_documents_below_the_expected_class_are_found() {
    let spec = |s: &ClassificationScheme, class: &str, doc: &str| {
        build(
            s,
            &NewAsset {
                document_type: doc.into(),
                ..input("システム関連文書", class)
            },
        )
    };
    let key = "system_document_below_expected";
    let ctx = CheckContext::default();
    let strict = CheckContext {
        document_marker: ClassMarker::secret(),
        ..CheckContext::default()
    };

    let g = guideline();
    let low = spec(&g, "機密性1 完全性1 可用性1", "ネットワーク構成図");
    assert!(fired(&g, &low, &ctx).contains(&key));
    let m = message(&g, &low, key);
    assert!(
        m.contains("ネットワーク構成図「住民記録データ」")
            && m.contains("機密性２・完全性１・可用性１以上"),
        "{m}"
    );
    assert!(!fired(&g, &spec(&g, "機密性2 完全性1 可用性1", "仕様書"), &ctx).contains(&key));
    assert!(
        !fired(
            &g,
            &spec(&g, "機密性1 完全性1 可用性1", "オペレーションマニュアル"),
            &ctx
        )
        .contains(&key)
    );
    assert!(fired(&g, &spec(&g, "機密性2 完全性1 可用性1", "仕様書"), &strict).contains(&key));
    assert!(!fired(&g, &spec(&g, "機密性3 完全性1 可用性1", "仕様書"), &strict).contains(&key));

    let i = importance();
    assert!(fired(&i, &spec(&i, "重要性分類Ⅲ", "仕様書"), &ctx).contains(&key));
    assert!(!fired(&i, &spec(&i, "重要性分類Ⅱ", "仕様書"), &ctx).contains(&key));
    assert!(fired(&i, &spec(&i, "重要性分類Ⅱ", "仕様書"), &strict).contains(&key));
    assert!(!fired(&i, &spec(&i, "重要性分類Ⅰ", "仕様書"), &strict).contains(&key));
}

#[test]
fn owner_and_internet_segment_checks() {
    for s in both() {
        let (two, low) = levels(&s);
        let orphan = Asset {
            owner_unit: None,
            ..asset(&s, "ネットワーク", low)
        };
        assert_eq!(fired(&s, &orphan, &CheckContext::default()), ["no_owner"]);
        assert!(message(&s, &orphan, "no_owner").contains("「住民記録データ」"));
        let owned = asset(&s, "ネットワーク", low);
        assert!(fired(&s, &owned, &CheckContext::default()).is_empty());

        let on_net = |class| {
            build(
                &s,
                &NewAsset {
                    segment: "インターネット接続系".into(),
                    ..input("施設・設備", class)
                },
            )
        };
        let key = "confidential_in_internet_segment";
        let m = message(&s, &on_net(two), key);
        assert!(
            m.contains("「住民記録データ」") && m.contains("インターネット接続系"),
            "{m}"
        );
        assert!(!fired(&s, &on_net(low), &CheckContext::default()).contains(&key));
        assert!(!fired(&s, &asset(&s, "施設・設備", two), &CheckContext::default()).contains(&key));

        let disposed = Asset {
            status: AssetStatus::Disposed,
            ..on_net(two)
        };
        assert!(fired(&s, &disposed, &CheckContext::default()).is_empty());
    }
}

#[test]
fn findings_are_listed_per_unit() {
    let g = guideline();
    let a = asset(&g, "電磁的記録媒体", "機密性2 完全性1 可用性1");
    let b = Asset {
        owner_unit: None,
        ..asset(&g, "情報", "機密性1 完全性1 可用性1")
    };
    let c = asset(&g, "情報", "機密性1 完全性1 可用性1");
    let by_unit = findings_by_unit(&g, [&a, &b, &c], &CheckContext::default()).unwrap();
    assert_eq!(by_unit.len(), 2);
    assert!(by_unit[&a.owner_unit].iter().all(|(id, _)| *id == a.id));
    assert_eq!(by_unit[&None].len(), 1);
    assert_eq!(by_unit[&None][0].1.check.key, "no_owner");
    assert!(!by_unit.contains_key(&c.owner_unit));
}
