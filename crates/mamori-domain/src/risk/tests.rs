use super::*;
use proptest::prelude::*;

fn m3() -> RiskMatrix {
    RiskMatrix::three_by_three().unwrap()
}

fn m5() -> RiskMatrix {
    RiskMatrix::five_by_five().unwrap()
}

fn threats() -> ThreatCatalogue {
    ThreatCatalogue::default_catalogue().unwrap()
}

fn input(likelihood: &str, impact: &str) -> RiskInput {
    RiskInput {
        asset: "asset-001".into(),
        threat: "unauthorized_access".into(),
        vulnerability: "パスワードの使い回し".into(),
        likelihood: likelihood.into(),
        impact: impact.into(),
        ..RiskInput::default()
    }
}

fn risk(m: &RiskMatrix, likelihood: &str, impact: &str) -> Risk {
    Risk::assess(RiskId::new(), &input(likelihood, impact), m, &threats()).unwrap()
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()
}

#[test]
fn scoring_and_banding_on_three_by_three() {
    let m = m3();
    assert_eq!(m.max_score(), 9);
    let keys = ["low", "medium", "high"];
    let expected_band = |s: u32| match s {
        1..=2 => "low",
        3..=5 => "medium",
        _ => "high",
    };
    for (li, l) in keys.iter().enumerate() {
        for (ii, i) in keys.iter().enumerate() {
            let r = m.rate(l, i).unwrap();
            let score = u32::try_from((li + 1) * (ii + 1)).unwrap();
            assert_eq!(r.score, score, "{l}×{i}");
            assert_eq!(r.band, expected_band(score), "{l}×{i}");
        }
    }
    assert_eq!(m.rate("high", "high").unwrap().band, "high");
    assert!(m.is_above_acceptable("medium").unwrap());
    assert!(!m.is_above_acceptable("low").unwrap());
}

#[test]
fn scoring_and_banding_on_five_by_five() {
    let m = m5();
    assert_eq!(m.max_score(), 25);
    let cases = [
        ("rare", "negligible", 1, "low"),
        ("unlikely", "minor", 4, "low"),
        ("possible", "minor", 6, "medium"),
        ("possible", "moderate", 9, "medium"),
        ("unlikely", "severe", 10, "high"),
        ("likely", "major", 16, "high"),
        ("likely", "severe", 20, "very_high"),
        ("almost_certain", "severe", 25, "very_high"),
    ];
    for (l, i, score, band) in cases {
        let r = m.rate(l, i).unwrap();
        assert_eq!((r.score, r.band.as_str()), (score, band), "{l}×{i}");
    }
    assert_eq!(
        m.compare_band("very_high", "high").unwrap(),
        Ordering::Greater
    );
    assert_eq!(m.rate(" likely ", "minor ").unwrap().likelihood, "likely");
    let err = m.rate("sometimes", "minor").unwrap_err();
    assert_eq!(err.field, "発生可能性");
    let err = m.rate("rare", "huge").unwrap_err();
    assert_eq!(err.field, "影響度");
}

#[test]
fn levels_listed_in_any_order_are_stored_by_their_order() {
    let text = THREE_BY_THREE_TOML.replacen("order = 1", "order = 9", 1);
    let text = text.replacen("order = 3", "order = 1", 1);
    let text = text.replacen("order = 9", "order = 3", 1);
    let m = RiskMatrix::from_toml(&text).unwrap();
    let keys: Vec<&str> = m.likelihood().iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["high", "medium", "low"]);
    assert_eq!(m.rate("low", "high").unwrap().score, 9);
}

#[test]
fn shipped_matrices_survive_writing_and_reading_back() {
    for m in [m3(), m5()] {
        assert_eq!(RiskMatrix::from_toml(&m.to_toml().unwrap()).unwrap(), m);
    }
    let t = threats();
    assert_eq!(
        ThreatCatalogue::from_toml(&t.to_toml().unwrap()).unwrap(),
        t
    );
}

#[test]
fn a_malformed_matrix_is_refused_naming_the_field() {
    // (replace, with, field, words in the message)
    let cases = [
        ("max = 2\n", "max = 3\n", "リスク区分", "重なって"),
        ("min = 6", "min = 7", "リスク区分", "6〜6"),
        ("max = 9", "max = 8", "リスク区分", "9〜9"),
        ("max = 9", "max = 12", "リスク区分", "超えて"),
        (
            "colour = \"#f28b82\"",
            "colour = \"red\"",
            "リスク区分",
            "#rrggbb",
        ),
        (
            "key = \"medium\"\nlabel = \"中\"\ndescription = \"数年",
            "key = \"low\"\nlabel = \"中\"\ndescription = \"数年",
            "発生可能性",
            "重複",
        ),
        ("order = 2", "order = 4", "発生可能性", "order"),
        (
            "acceptable_band = \"low\"",
            "acceptable_band = \"tiny\"",
            "受容できるリスク区分",
            "tiny",
        ),
        (
            "[[bands]]\nkey = \"low\"",
            "[[bands]]\nkey = \"\"",
            "リスク区分",
            "キー",
        ),
        ("label = \"大\"", "label = \" \"", "影響度", "名前"),
        (
            "[[impact]]",
            "[[impakt]]",
            "リスクマトリクス",
            "TOMLとして読めません",
        ),
    ];
    for (from, to, field, needle) in cases {
        let text = THREE_BY_THREE_TOML.replacen(from, to, 1);
        assert_ne!(text, THREE_BY_THREE_TOML, "{from}");
        let err = RiskMatrix::from_toml(&text).unwrap_err();
        assert_eq!(err.field, field, "{to}: {err}");
        assert!(err.message.contains(needle), "{to}: {err}");
    }
    // Duplicate orders name both levels.
    let text = THREE_BY_THREE_TOML.replacen("order = 2", "order = 1", 1);
    let err = RiskMatrix::from_toml(&text).unwrap_err();
    assert_eq!(err.field, "発生可能性");
    assert!(err.message.contains("「low」と段階「medium」"), "{err}");
    // A band no cell can reach (7 is no product on 3×3).
    let text = THREE_BY_THREE_TOML
        .replacen("min = 6", "min = 8", 1)
        .replacen("max = 5", "max = 6", 1)
        .replacen(
            "[[bands]]\nkey = \"high\"",
            "[[bands]]\nkey = \"seven\"\nlabel = \"七\"\nmin = 7\nmax = 7\ncolour = \"#000000\"\n\n[[bands]]\nkey = \"high\"",
            1,
        );
    let err = RiskMatrix::from_toml(&text).unwrap_err();
    assert_eq!(err.field, "リスク区分");
    assert!(err.message.contains("「seven」"), "{err}");
    let err =
        RiskMatrix::from_toml("id = \"x\"\nname = \"y\"\nacceptable_band = \"a\"\n").unwrap_err();
    assert_eq!(err.field, "発生可能性");
}

#[test]
fn default_threats_have_the_five_groups_of_the_basic_policy() {
    let t = threats();
    let groups: Vec<&str> = t.groups().iter().map(|g| g.key.as_str()).collect();
    assert_eq!(
        groups,
        [
            "intentional",
            "unintentional",
            "disaster",
            "pandemic",
            "infrastructure"
        ]
    );
    for g in t.groups() {
        assert!(t.in_group(&g.key).count() > 0, "{}", g.key);
    }
    assert!(t.groups()[0].description.contains("サービス不能攻撃"));
    assert!(t.groups()[2].description.starts_with("地震、落雷、火災等"));
    assert!(t.groups()[4].description.contains("水道供給の途絶"));
    // Editable: a body adds its own threat, and a threat in no group is refused.
    let mut threats = t.threats().to_vec();
    threats.push(Threat {
        key: "ransomware".into(),
        group: "intentional".into(),
        name: "ランサムウェア".into(),
        description: String::new(),
    });
    let edited = ThreatCatalogue::new(t.groups().to_vec(), threats.clone()).unwrap();
    assert!(edited.threat("ransomware").is_some());
    threats.push(Threat {
        key: "x".into(),
        group: "nowhere".into(),
        name: "x".into(),
        description: String::new(),
    });
    let err = ThreatCatalogue::new(t.groups().to_vec(), threats).unwrap_err();
    assert_eq!(err.field, "脅威");
    assert!(err.message.contains("nowhere"));
}

#[test]
fn an_entry_is_rated_and_reads_back_from_its_input() {
    let m = m5();
    let mut i = input("likely", "major");
    i.treatment = Some(Treatment::Reduce);
    i.plan = "多要素認証を導入する".into();
    i.due = Some(date());
    i.owner = Some(PersonId::new());
    i.required_band = Some("medium".into());
    i.residual_likelihood = Some("unlikely".into());
    i.residual_impact = Some("major".into());
    let r = Risk::assess(RiskId::new(), &i, &m, &threats()).unwrap();
    assert_eq!(r.inherent().score, 16);
    assert_eq!(r.inherent().band, "high");
    assert_eq!(r.residual().unwrap().score, 8);
    assert_eq!(r.current().band, "medium");
    assert_eq!(r.to_input(), i);
}

#[test]
fn treatment_rules() {
    let m = m3();
    let t = threats();
    let check = |f: &dyn Fn(&mut RiskInput), field: &str| {
        let mut i = input("high", "medium");
        f(&mut i);
        let err = Risk::assess(RiskId::new(), &i, &m, &t).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    };
    check(&|i| i.treatment = Some(Treatment::Accept), "受容の理由");
    check(
        &|i| {
            i.treatment = Some(Treatment::Reduce);
            i.plan = "計画".into();
        },
        "期限",
    );
    check(&|i| i.treatment = Some(Treatment::Reduce), "対応計画");
    check(&|i| i.treatment = Some(Treatment::Transfer), "対応計画");
    check(&|i| i.vulnerability = " ".into(), "脆弱性");
    check(&|i| i.asset = String::new(), "情報資産");
    check(&|i| i.threat = "meteor".into(), "脅威");
    check(
        &|i| i.required_band = Some("huge".into()),
        "要求されるリスク区分",
    );
    let mut ok = input("high", "medium");
    ok.treatment = Some(Treatment::Accept);
    ok.reason = "費用が効果を上回るため".into();
    assert!(Risk::assess(RiskId::new(), &ok, &m, &t).is_ok());
    assert_eq!(Treatment::parse("移転").unwrap(), Treatment::Transfer);
    assert_eq!(Treatment::parse("accept").unwrap(), Treatment::Accept);
    assert_eq!(Treatment::parse("放置").unwrap_err().field, "リスク対応");
}

#[test]
fn residual_rules() {
    let m = m3();
    let t = threats();
    let with = |l: Option<&str>, i: Option<&str>| {
        let mut x = input("medium", "medium");
        x.residual_likelihood = l.map(Into::into);
        x.residual_impact = i.map(Into::into);
        Risk::assess(RiskId::new(), &x, &m, &t)
    };
    let err = with(Some("high"), Some("low")).unwrap_err();
    assert_eq!(err.field, "残留リスクの発生可能性");
    assert!(err.message.contains("対応前"), "{err}");
    let err = with(Some("low"), Some("high")).unwrap_err();
    assert_eq!(err.field, "残留リスクの影響度");
    let err = with(Some("low"), None).unwrap_err();
    assert_eq!(err.field, "残留リスクの影響度");
    let err = with(None, Some("low")).unwrap_err();
    assert_eq!(err.field, "残留リスクの発生可能性");
    let err = with(Some("often"), Some("low")).unwrap_err();
    assert_eq!(err.field, "残留リスクの発生可能性");
    let err = with(Some("low"), Some("vast")).unwrap_err();
    assert_eq!(err.field, "残留リスクの影響度");
    let same = with(Some("medium"), Some("medium")).unwrap();
    assert_eq!(same.residual().unwrap(), same.inherent());
    let lower = with(Some("low"), Some("medium")).unwrap();
    assert_eq!(lower.current().score, 2);
    assert_eq!(lower.current().band, "low");
    let none = with(None, None).unwrap();
    assert_eq!(none.current(), none.inherent());
}

#[test]
fn heat_cells_and_band_counts_on_both_matrices() {
    let m = m3();
    let risks = vec![
        risk(&m, "high", "high"),
        risk(&m, "high", "high"),
        risk(&m, "low", "medium"),
        risk(&m, "medium", "low"),
    ];
    let cells = heat_cells(&m, &risks, Basis::Inherent).unwrap();
    assert_eq!(cells.len(), 9);
    let count = |l: &str, i: &str| {
        cells
            .iter()
            .find(|c| c.likelihood == l && c.impact == i)
            .unwrap()
            .count
    };
    assert_eq!(count("high", "high"), 2);
    assert_eq!(count("low", "medium"), 1);
    assert_eq!(count("medium", "low"), 1);
    assert_eq!(count("low", "low"), 0);
    assert_eq!(cells.iter().map(|c| c.count).sum::<usize>(), 4);
    let bands = band_counts(&m, &risks, Basis::Inherent).unwrap();
    let counts: Vec<(&str, usize)> = bands.iter().map(|b| (b.band.as_str(), b.count)).collect();
    assert_eq!(counts, [("low", 2), ("medium", 0), ("high", 2)]);
    assert_eq!(
        above_acceptable(&m, &risks, Basis::Inherent).unwrap().len(),
        2
    );

    let m = m5();
    let risks = vec![
        risk(&m, "almost_certain", "severe"),
        risk(&m, "possible", "moderate"),
        risk(&m, "rare", "minor"),
    ];
    let cells = heat_cells(&m, &risks, Basis::Inherent).unwrap();
    assert_eq!(cells.len(), 25);
    let top = cells.last().unwrap();
    assert_eq!(
        (top.likelihood.as_str(), top.impact.as_str()),
        ("almost_certain", "severe")
    );
    assert_eq!((top.count, top.band.as_str()), (1, "very_high"));
    let bands = band_counts(&m, &risks, Basis::Inherent).unwrap();
    let counts: Vec<usize> = bands.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 1, 0, 1]);
    // A risk assessed under another matrix is not silently dropped.
    let other = risk(&m3(), "high", "high");
    assert!(heat_cells(&m, &[other], Basis::Inherent).is_err());
}

/// A matrix of `n`×`m` levels whose bands start at the achievable scores picked by `cuts`.
fn generated(n: u32, m: u32, cuts: &[usize]) -> String {
    let mut text = String::from("id = \"gen\"\nname = \"生成\"\nacceptable_band = \"b0\"\n");
    for (axis, count) in [("likelihood", n), ("impact", m)] {
        // Listed highest first, so that order, not listing, decides.
        for o in (1..=count).rev() {
            text.push_str(&format!(
                "\n[[{axis}]]\nkey = \"{axis}{o}\"\nlabel = \"{axis}段階{o}\"\norder = {o}\n"
            ));
        }
    }
    let scores: BTreeSet<u32> = (1..=n).flat_map(|l| (1..=m).map(move |i| l * i)).collect();
    let scores: Vec<u32> = scores.into_iter().collect();
    let mut starts: BTreeSet<usize> = cuts.iter().map(|c| 1 + c % (scores.len() - 1)).collect();
    starts.insert(0);
    let starts: Vec<usize> = starts.into_iter().collect();
    for (b, s) in starts.iter().enumerate() {
        let min = if b == 0 { 1 } else { scores[*s] };
        let max = starts.get(b + 1).map_or(n * m, |next| scores[*next] - 1);
        text.push_str(&format!(
            "\n[[bands]]\nkey = \"b{b}\"\nlabel = \"区分{b}\"\nmin = {min}\nmax = {max}\ncolour = \"#00{b:02}00\"\n"
        ));
    }
    text
}

proptest! {
    #[test]
    fn every_cell_of_a_generated_matrix_has_one_band_and_every_risk_is_counted_once(
        n in 2u32..=6,
        m in 2u32..=6,
        cuts in prop::collection::vec(any::<usize>(), 0..5),
        picks in prop::collection::vec((any::<u32>(), any::<u32>()), 0..20),
    ) {
        let text = generated(n, m, &cuts);
        let matrix = RiskMatrix::from_toml(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(matrix.max_score(), n * m);
        for (li, l) in matrix.likelihood().iter().enumerate() {
            prop_assert_eq!(l.order as usize, li + 1);
            for i in matrix.impact() {
                let r = matrix.rate(&l.key, &i.key).unwrap();
                prop_assert_eq!(r.score, l.order * i.order);
                let holding: Vec<&RiskBand> = matrix
                    .bands()
                    .iter()
                    .filter(|b| b.min <= r.score && r.score <= b.max)
                    .collect();
                prop_assert_eq!(holding.len(), 1);
                prop_assert_eq!(&holding[0].key, &r.band);
            }
        }
        let risks: Vec<Risk> = picks
            .iter()
            .map(|(l, i)| {
                let l = &matrix.likelihood()[(*l % n) as usize].key;
                let i = &matrix.impact()[(*i % m) as usize].key;
                risk(&matrix, l, i)
            })
            .collect();
        let cells = heat_cells(&matrix, &risks, Basis::Inherent).unwrap();
        prop_assert_eq!(cells.len(), (n * m) as usize);
        prop_assert_eq!(cells.iter().map(|c| c.count).sum::<usize>(), risks.len());
        let bands = band_counts(&matrix, &risks, Basis::Inherent).unwrap();
        prop_assert_eq!(bands.iter().map(|b| b.count).sum::<usize>(), risks.len());
        let above = above_acceptable(&matrix, &risks, Basis::Inherent).unwrap();
        prop_assert_eq!(above.len(), risks.len() - bands[0].count);
        prop_assert_eq!(RiskMatrix::from_toml(&matrix.to_toml().unwrap()).unwrap(), matrix);
    }
}

#[test]
fn residual_basis_and_required_band() {
    let m = m3();
    let t = threats();
    let mut treated = input("high", "high");
    treated.treatment = Some(Treatment::Reduce);
    treated.plan = "バックアップを取得する".into();
    treated.due = Some(date());
    treated.required_band = Some("medium".into());
    treated.residual_likelihood = Some("low".into());
    treated.residual_impact = Some("high".into());
    let treated = Risk::assess(RiskId::new(), &treated, &m, &t).unwrap();
    let mut open = input("high", "medium");
    open.required_band = Some("medium".into());
    let open = Risk::assess(RiskId::new(), &open, &m, &t).unwrap();
    let risks = vec![treated.clone(), open.clone()];
    let current = band_counts(&m, &risks, Basis::Current).unwrap();
    let counts: Vec<usize> = current.iter().map(|b| b.count).collect();
    assert_eq!(counts, [0, 1, 1]);
    let above: Vec<RiskId> = above_required(&m, &risks)
        .unwrap()
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(above, [open.id()]);
    assert_eq!(
        above_acceptable(&m, &risks, Basis::Current).unwrap().len(),
        2
    );
}
