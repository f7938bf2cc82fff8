//! The committed catalog against a fresh build from `shared/`, and the facts the product relies on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_catalog::store::{load_dir, to_files};
use mamori_catalog::text::is_page_footer;
use mamori_catalog::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn shared_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !dir.join("seeds").is_dir() || !dir.join("docs").is_dir() {
        panic!(
            "the sources are missing: expected {} with seeds/ and docs/ (CI checks shared/ out \
             beside the clone). The freshness test cannot run without them.",
            dir.display()
        );
    }
    dir
}

fn catalog_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

fn fresh() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        let shared = shared_dir();
        build_from_paths(&shared.join("seeds"), &shared.join("docs"))
            .unwrap_or_else(|e| panic!("catalog build failed: {e}"))
    })
}

#[test]
fn committed_files_equal_a_fresh_build() {
    let files = to_files(fresh()).unwrap();
    let dir = catalog_dir();
    let mut stale = Vec::new();
    for (rel, content) in &files {
        let on_disk = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
        if &on_disk != content {
            stale.push(rel.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "catalog/ is stale ({stale:?}); regenerate with \
         `cargo run -p mamori -- catalog build --seed ../shared/seeds --index ../shared/docs --out catalog`"
    );
    assert_eq!(&load_dir(&dir).unwrap(), fresh());
}

#[test]
fn embedded_catalog_equals_a_fresh_build() {
    assert_eq!(&load_embedded().unwrap(), fresh());
}

#[test]
fn clause_counts() {
    let c = load_embedded().unwrap();
    assert_eq!(c.clauses.len(), 373);
    let b = c
        .clauses
        .iter()
        .filter(|c| c.id.part() == Part::BasicPolicy)
        .count();
    let s = c
        .clauses
        .iter()
        .filter(|c| c.id.part() == Part::Standards)
        .count();
    assert_eq!((b, s), (38, 335));
    for (i, cl) in c.clauses.iter().enumerate() {
        assert_eq!(cl.order as usize, i);
        assert_eq!(cl.part, cl.id.part());
    }
    let w = c.clauses.windows(2);
    for pair in w {
        assert!(
            pair[0].seed_lines.1 < pair[1].seed_lines.0,
            "{} / {}",
            pair[0].id,
            pair[1].id
        );
    }
}

#[test]
fn recommended_clauses_are_the_seventeen_of_the_index() {
    let c = load_embedded().unwrap();
    let rec: Vec<&str> = c
        .clauses
        .iter()
        .filter(|c| c.recommended)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        rec,
        [
            "S-1.(1)②",
            "S-1.(7)②",
            "S-2.(2)⑥(ウ)",
            "S-4.1.(2)①",
            "S-4.1.(2)②",
            "S-4.2.(1)②",
            "S-4.2.(1)⑤",
            "S-4.4.③",
            "S-4.4.⑤",
            "S-4.4.⑥",
            "S-5.2.(2)②",
            "S-5.3.(2)④",
            "S-6.1.(14)⑥",
            "S-6.2.(3)",
            "S-6.3.(3)①(ア)",
            "S-6.5.(1)④",
            "S-8.1.(1)②",
        ]
    );
    // The flag agrees with the 例文 (including the marker split over two lines in S-4.1.(2)②).
    for cl in &c.clauses {
        assert_eq!(
            cl.recommended,
            cl.model_text.contains("【推奨事項】"),
            "{}",
            cl.id
        );
    }
}

#[test]
fn ids_are_unique_and_parse() {
    let c = load_embedded().unwrap();
    let mut seen = std::collections::HashSet::new();
    for cl in &c.clauses {
        assert!(
            seen.insert(cl.id.as_str().to_owned()),
            "duplicate {}",
            cl.id
        );
        assert_eq!(ClauseId::parse(cl.id.as_str()).unwrap(), cl.id);
    }
    for s in &c.sections {
        assert!(
            s.id.len() == 1 || ClauseId::parse(&s.id).is_ok(),
            "{}",
            s.id
        );
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.is_empty(), "{what}: empty");
    for line in text.split('\n') {
        assert!(
            !line.trim().is_empty(),
            "{what}: empty line artefact in {text:?}"
        );
        assert_eq!(line, line.trim(), "{what}: untrimmed line {line:?}");
        assert!(!is_page_footer(line), "{what}: page footer {line:?}");
    }
    assert!(
        !text.contains("ⅱ- ") && !text.contains("ⅲ- "),
        "{what}: footer in {text:?}"
    );
}

#[test]
fn texts_have_no_extraction_artefacts() {
    let c = load_embedded().unwrap();
    for cl in &c.clauses {
        assert_clean(cl.id.as_str(), &cl.model_text);
        for p in &cl.path {
            if let Some(l) = &p.lead_in {
                assert_clean(&p.id, l);
            }
        }
    }
    for (id, com) in c
        .sections
        .iter()
        .filter_map(|s| s.commentary.as_ref().map(|c| (s.id.as_str(), c)))
        .chain(
            c.clauses
                .iter()
                .filter_map(|cl| cl.commentary.as_ref().map(|c| (cl.id.as_str(), c))),
        )
    {
        for t in [&com.purpose, &com.notes].into_iter().flatten() {
            assert_clean(id, t);
        }
        for f in &com.footnotes {
            assert_clean(id, &f.text);
        }
    }
    for t in &c.glossary {
        assert_clean(&t.term, &t.definition);
        assert!(!t.definition.contains("http"), "{}", t.term);
    }
}

#[test]
fn cleaning_changes_no_word() {
    // Apart from whitespace and the dropped page footers, every character of each range is kept,
    // in order.
    let seed =
        std::fs::read_to_string(shared_dir().join("seeds/000_832736aab405b508.txt")).unwrap();
    let lines: Vec<&str> = seed.lines().collect();
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    for cl in &fresh().clauses {
        let (a, b) = cl.seed_lines;
        let raw: String = lines[a as usize - 1..b as usize]
            .iter()
            .filter(|l| !is_page_footer(l))
            .copied()
            .collect();
        assert_eq!(squash(&cl.model_text), squash(&raw), "{}", cl.id);
    }
}

#[test]
fn sampled_clauses_read_as_in_the_seed() {
    let c = load_embedded().unwrap();
    let cases = [
        (
            "S-2.(2)⑧(イ)",
            "（イ）機密性２以上の情報資産を運搬する者は、情報セキュリティ管理者に許可を得なければならない。",
        ),
        // Crosses the page footer ⅱ- 7 at seed line 1159.
        (
            "B-6.(1)",
            "(１) 組織体制\n本市の情報資産について、情報セキュリティ対策を推進する全庁的な組織体制を確立する。",
        ),
        (
            "S-6.2.(1)③(イ)",
            "（イ）統括情報セキュリティ責任者及び情報システム管理者の特権を代行する者は、統括情報セキュリティ責任者及び情報システム管理者が指名し、CISO が認めた者でなければならない。",
        ),
        (
            "S-5.1.(1)③(イ)",
            "（イ）職員等は、本市のモバイル端末、電磁的記録媒体、情報資産及びソフトウェアを外部に持ち出す場合には、情報セキュリティ管理者の許可を得なければならない。",
        ),
        // Two ASCII words across a line break keep their space.
        (
            "S-1.(1)③",
            "（CSIRT：Computer Security Incident Response Team、以下「CSIRT」という。）",
        ),
        // 【推奨事 / 項】 split over two lines.
        (
            "S-4.1.(2)②",
            "システムの運用停止時間を最小限にしなければならない。【推奨事項】",
        ),
    ];
    for (id, phrase) in cases {
        let cl = c.clause(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(cl.model_text.contains(phrase), "{id}: {:?}", cl.model_text);
    }
    let cl = c.clause("S-6.2.(1)③(イ)").unwrap();
    assert!(
        cl.roles
            .iter()
            .any(|m| m.role == RoleKey::Ciso && m.mark == Mark::Approves)
    );
    // The lead-in of the numbered item makes the clause read whole.
    let pw = c.clause("S-5.4.(3)②").unwrap();
    assert_eq!(
        pw.full_text(),
        "職員等は、自己の管理するパスワードに関し、次の事項を遵守しなければならない。\n②パスワードを秘密にし、パスワードの照会等には一切応じてはならない。"
    );
    let ic = c.clause("S-5.4.(1)①(ア)").unwrap();
    assert!(
        ic.full_text()
            .starts_with("①職員等は、自己の管理する ICカード等に関し")
    );
}

#[test]
fn rebuilt_matrix_rows_are_marked() {
    let c = load_embedded().unwrap();
    let rebuilt: Vec<&Clause> = c
        .clauses
        .iter()
        .filter(|c| c.matrix_reconstructed)
        .collect();
    assert_eq!(rebuilt.len(), 38);
    for cl in &rebuilt {
        let id = cl.id.as_str();
        let in_gap = id.starts_with("S-6.2.(1)")
            || (11..=20).any(|n| id.starts_with(&format!("S-6.1.({n})")));
        assert!(in_gap, "{id}");
        assert!(cl.roles.iter().all(|m| m.reconstructed), "{id}");
        assert!(!cl.title.contains('†'));
    }
    assert!(
        c.clauses
            .iter()
            .filter(|c| !c.matrix_reconstructed)
            .all(|c| c.roles.iter().all(|m| !m.reconstructed))
    );
    // Every role used has its Japanese data.
    for cl in &c.clauses {
        for m in &cl.roles {
            assert!(c.role(m.role).is_some(), "{:?}", m.role);
        }
    }
    assert_eq!(
        c.role(RoleKey::SecurityManager).unwrap().name,
        "情報セキュリティ管理者"
    );
    let carry = c.clause("S-2.(2)⑧(イ)").unwrap();
    assert!(
        carry
            .roles
            .iter()
            .any(|m| m.role == RoleKey::SecurityManager && m.mark == Mark::Permits)
    );
    assert!(
        carry
            .artifacts
            .iter()
            .any(|a| a.kind == ArtifactKind::Approval)
    );
}

#[test]
fn commentary_is_attached() {
    let c = load_embedded().unwrap();
    let s54 = c.section("S-5.4").unwrap().commentary.as_ref().unwrap();
    assert!(
        s54.purpose
            .as_deref()
            .unwrap()
            .contains("ID 及びパスワード等の管理に関す")
    );
    let pw = c.clause("S-5.4.(3)⑤").unwrap();
    let all = c.commentary_for(pw);
    let ids: Vec<&str> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["S-5.4", "S-5.4.(3)"]);
    let item = all[1].1;
    assert!(
        item.notes
            .as_deref()
            .unwrap()
            .contains("想像しにくいパスワード設定")
    );
    assert_eq!(item.footnotes[0].number, 2);
    assert!(
        item.footnotes[0]
            .text
            .contains("メモの作成を禁止するものではない")
    );
    // A leaf that is a whole section carries its 趣旨 itself.
    let law = c.clause("S-7.5").unwrap().commentary.as_ref().unwrap();
    assert!(law.purpose.is_some() && law.notes.is_some());
    // 基本方針 chapters.
    assert!(c.clause("B-1").unwrap().commentary.is_some());
    assert!(c.section("B-6").unwrap().commentary.is_some());
    // Every 対策基準 section/chapter unit has its 趣旨.
    for unit in [
        "S-1", "S-2", "S-3", "S-4.1", "S-6.6", "S-7.6", "S-8.3", "S-9.2",
    ] {
        let com = c.section(unit).and_then(|s| s.commentary.as_ref()).unwrap();
        assert!(com.purpose.is_some(), "{unit}");
    }
}

#[test]
fn glossary_has_the_terms_of_the_guideline() {
    let c = load_embedded().unwrap();
    let terms: Vec<String> = c.glossary.iter().map(|t| t.term.replace(' ', "")).collect();
    let want = [
        "遠隔消去機能",
        "供給者",
        "サプライチェーン",
        "シンクライアント",
        "事業継続計画",
        "情報セキュリティインシデント",
        "情報セキュリティ事象",
        "送信ドメイン認証技術",
        "ソーシャルメディアサービス",
        "多要素認証",
        "端末",
        "庁内ネットワーク",
        "電子署名",
        "特権ID",
        "ドメイン名",
        "パソコン",
        "標的型攻撃",
        "モバイル端末",
        "約款による外部サービス",
        "リスク分析",
        "リモートワイプ機能",
        "BCP",
        "CRYPTREC",
        "CSIRT",
        "URL",
        "VPN",
    ];
    assert_eq!(terms, want);
    let remote = c
        .glossary
        .iter()
        .find(|t| t.term == "遠隔消去機能")
        .unwrap();
    assert_eq!(remote.see.as_deref(), Some("リモートワイプ機能"));
    let mfa = c.glossary.iter().find(|t| t.term == "多要素認証").unwrap();
    assert!(mfa.definition.contains("「知識」、「所持」及び「存在」"));
    let bcp = c.glossary.iter().find(|t| t.term == "BCP").unwrap();
    assert_eq!(
        bcp.expansion.as_deref(),
        Some("Busisness Continuity Plan：事業継続計画")
    );
}

#[test]
fn classification_tables() {
    let c = load_embedded().unwrap();
    let t = &c.classification;
    let shape: Vec<(AxisKey, Vec<u8>)> = t
        .axes
        .iter()
        .map(|a| (a.key, a.levels.iter().map(|l| l.level).collect()))
        .collect();
    assert_eq!(
        shape,
        [
            (AxisKey::Confidentiality, vec![3, 2, 1]),
            (AxisKey::Integrity, vec![2, 1]),
            (AxisKey::Availability, vec![2, 1]),
        ]
    );
    let c3 = &t.axes[0].levels[0];
    assert_eq!(c3.label, "機密性３");
    assert!(
        c3.criterion
            .contains("秘密文書に相当する機密性を要する情報資産")
    );
    assert_eq!(c3.handling.len(), 8);
    assert_eq!(t.axes[0].levels[1].handling.len(), 7);
    assert!(t.axes[0].levels[2].handling.is_empty());
    assert!(
        t.axes[2].levels[0]
            .handling
            .contains(&"バックアップ、指定する時間以内の復旧".to_owned())
    );
    let imp = &t.importance;
    let numerals: Vec<(&str, u8)> = imp
        .levels
        .iter()
        .map(|l| (l.numeral.as_str(), l.rank))
        .collect();
    assert_eq!(numerals, [("Ⅰ", 1), ("Ⅱ", 2), ("Ⅲ", 3), ("Ⅳ", 4)]);
    // Ⅰ is the highest: personal information.
    assert!(imp.levels[0].description.starts_with("個人情報及び"));
    assert_eq!(imp.levels[3].description, "上記以外の情報。");
}

#[test]
fn revision_2023_has_its_points() {
    let c = load_embedded().unwrap();
    let r = c.revisions.iter().find(|r| r.id == "2023-01").unwrap();
    assert_eq!(r.date, "2023-01-12");
    assert_eq!(r.points.len(), 8);
    for p in &r.points {
        assert!(!p.summary.is_empty() && !p.affected.is_empty(), "{}", p.id);
        for a in &p.affected {
            assert!(c.clause(a.as_str()).is_some());
        }
    }
    assert!(r.points[2].summary.contains("従事者名簿と突合"));
    let numbers: std::collections::BTreeSet<u32> =
        r.vendor_checklist.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=15).collect());
    assert!(
        r.vendor_checklist
            .iter()
            .any(|i| i.category == "再委託の禁止")
    );
}

#[test]
fn search_finds_the_expected_clauses() {
    let c = load_embedded().unwrap();
    let idx = SearchIndex::new(&c);
    let ids = |q: &str| -> Vec<String> {
        idx.search(q)
            .into_iter()
            .map(|h| h.clause_id.to_string())
            .collect()
    };

    let carry = ids("持ち出し");
    assert!(carry.contains(&"S-5.1.(1)③(イ)".to_owned()), "{carry:?}");
    // A title hit ranks above body-only hits.
    let first = &idx.search("持ち出し")[0];
    assert!(
        c.clause(first.clause_id.as_str())
            .unwrap()
            .title
            .contains("持ち出し")
    );
    assert!(first.snippet.contains("持ち出"));

    let pw = ids("パスワード");
    for want in ["S-5.4.(3)①", "S-5.4.(3)⑥", "S-4.4.③"] {
        assert!(pw.contains(&want.to_owned()), "{want} not in {pw:?}");
    }
    let audit = ids("監査");
    for want in ["S-9.1.(1)", "S-9.1.(4)", "B-7", "S-1.(8)②"] {
        assert!(audit.contains(&want.to_owned()), "{want} not in {audit:?}");
    }
    // Width and spacing do not matter: 「ＩＣカード」 finds 「IC カード」.
    assert!(ids("ＩＣカード").contains(&"S-5.4.(1)①(ア)".to_owned()));
    // Several words: all must match.
    let both = ids("パスワード 共有");
    assert!(both.contains(&"S-5.4.(3)⑧".to_owned()));
    assert!(!both.contains(&"S-4.4.③".to_owned()));
    // Single characters match by substring.
    assert!(!ids("鍵").is_empty());
    // Ids are searchable.
    assert_eq!(
        ids("S-2.(2)⑧(イ)").first().map(String::as_str),
        Some("S-2.(2)⑧(イ)")
    );
    assert!(ids("ぬるぽガッ").is_empty());
    assert!(ids("   ").is_empty());
}

/// Every 許 (permits) and 承 (approves) mark of the catalog, and of the index tables read here
/// independently of the builder's parser, as (clause, role, mark).
#[test]
fn permit_and_approve_marks_match_the_index() {
    let alias = |name: &str| -> RoleKey {
        match name {
            "委員会" => RoleKey::Committee,
            "CISO" => RoleKey::Ciso,
            "統括" => RoleKey::ChiefSecurityOfficer,
            "責任者" => RoleKey::SecurityOfficer,
            "管理者" => RoleKey::SecurityManager,
            "システム管理者" => RoleKey::SystemManager,
            other => panic!("unexpected role {other:?} in a 許/承 cell"),
        }
    };
    let mut from_index = std::collections::BTreeSet::new();
    let docs = shared_dir().join("docs");
    for file in ["clause-index-a.md", "clause-index-b.md"] {
        let md = std::fs::read_to_string(docs.join(file)).unwrap();
        for line in md
            .lines()
            .filter(|l| l.starts_with("| B-") || l.starts_with("| S-"))
        {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (id, roles) = (cells[1], cells[5]);
            for part in roles.split(';') {
                let part = part.trim().trim_end_matches('†').trim();
                let (mark, rest) = if let Some(r) = part.strip_prefix('許') {
                    (Mark::Permits, r)
                } else if let Some(r) = part.strip_prefix('承') {
                    (Mark::Approves, r)
                } else {
                    continue;
                };
                for name in rest.split(',') {
                    let name = name.split('(').next().unwrap().trim();
                    from_index.insert((id.to_owned(), alias(name), mark.key()));
                }
            }
        }
    }
    let c = load_embedded().unwrap();
    let in_catalog: std::collections::BTreeSet<_> = c
        .clauses
        .iter()
        .flat_map(|cl| {
            cl.roles
                .iter()
                .filter(|m| matches!(m.mark, Mark::Permits | Mark::Approves))
                .map(|m| (cl.id.as_str().to_owned(), m.role, m.mark.key()))
        })
        .collect();
    assert!(from_index.len() >= 20, "{from_index:?}");
    assert_eq!(in_catalog, from_index);
}

/// The queries of the issue find the clauses a reader looks for, near the top.
#[test]
fn search_finds_known_clauses_for_japanese_queries() {
    let c = load_embedded().unwrap();
    let idx = SearchIndex::new(&c);
    let cases: &[(&str, &[&str], usize)] = &[
        // 情報の持ち出し不可設定 (USB memory and other media).
        ("USBメモリ", &["S-3.(1)②(イ)"], 1),
        // Taking devices out: the permission, the record, the technical block.
        (
            "持ち出し",
            &["S-5.1.(1)③(イ)", "S-5.1.(1)⑤", "S-3.(1)②(イ)"],
            3,
        ),
        // Password handling of the staff and of the systems.
        (
            "パスワード",
            &[
                "S-5.4.(3)②",
                "S-5.4.(3)④",
                "S-5.4.(3)⑥",
                "S-5.4.(3)⑧",
                "S-6.2.(5)②",
            ],
            8,
        ),
        // 再委託に関する制限事項 of the contract with the vendor.
        ("再委託", &["S-8.1.(2)"], 2),
    ];
    for (query, expected, within) in cases {
        let top: Vec<String> = idx
            .search(query)
            .into_iter()
            .take(*within)
            .map(|h| h.clause_id.to_string())
            .collect();
        for want in *expected {
            assert!(
                top.iter().any(|id| id == want),
                "{query}: {want} not in the first {within}: {top:?}"
            );
        }
    }
}

mod id_round_trip {
    use mamori_catalog::ClauseId;
    use mamori_catalog::id::Marker;
    use proptest::prelude::*;

    const KANA: &[char] = &[
        'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ',
    ];

    /// Canonical ids: part, chapter, section (対策基準 only) and item markers in nesting order.
    fn canonical() -> impl Strategy<Value = (char, u32, Option<u32>, Vec<Marker>)> {
        let markers = (
            proptest::option::of(1u32..=30),
            proptest::option::of(1u32..=20),
            proptest::option::of(proptest::sample::select(KANA)),
            any::<bool>(),
        )
            .prop_map(|(paren, circled, kana, lead_in)| {
                let mut m: Vec<Marker> = Vec::new();
                m.extend(paren.map(Marker::Paren));
                m.extend(circled.map(Marker::Circled));
                m.extend(kana.map(Marker::Kana));
                // 柱書 is the lead-in of a numbered item, never alone.
                if lead_in && !m.is_empty() {
                    m.push(Marker::LeadIn);
                }
                m
            });
        (
            prop_oneof![Just('B'), Just('S')],
            1u32..=12,
            proptest::option::of(1u32..=9),
            markers,
        )
            .prop_map(|(part, chapter, section, markers)| {
                let section = if part == 'S' { section } else { None };
                (part, chapter, section, markers)
            })
    }

    fn format(part: char, chapter: u32, section: Option<u32>, markers: &[Marker]) -> String {
        let mut s = format!("{part}-{chapter}");
        if let Some(n) = section {
            s.push_str(&format!(".{n}"));
        }
        if !markers.is_empty() {
            s.push('.');
            for m in markers {
                s.push_str(&m.to_string());
            }
        }
        s
    }

    proptest! {
        #[test]
        fn parse_and_format_round_trip((part, chapter, section, markers) in canonical()) {
            let text = format(part, chapter, section, &markers);
            let id = ClauseId::parse(&text).unwrap();
            prop_assert_eq!(id.part().letter(), part);
            prop_assert_eq!(id.chapter(), chapter);
            prop_assert_eq!(id.section(), section);
            prop_assert_eq!(id.markers(), markers.as_slice());
            // Formatting the parsed parts gives the text back, and so does Display.
            let again = format(id.part().letter(), id.chapter(), id.section(), id.markers());
            prop_assert_eq!(&again, &text);
            prop_assert_eq!(id.to_string(), text.clone());
            prop_assert_eq!(ClauseId::parse(&id.to_string()).unwrap(), id);
        }

        #[test]
        fn markers_out_of_order_are_refused((part, chapter, section, markers) in canonical()) {
            prop_assume!(markers.len() >= 2);
            let mut swapped = markers.clone();
            swapped.swap(0, 1);
            let text = format(part, chapter, section, &swapped);
            prop_assert!(ClauseId::parse(&text).is_err(), "{}", text);
        }
    }
}

#[test]
fn revision_amendments_apply_to_this_edition() {
    let c = load_embedded().unwrap();
    let amendments: Vec<&Amendment> = c
        .revisions
        .iter()
        .flat_map(|s| &s.points)
        .flat_map(|p| &p.amendments)
        .collect();
    assert_eq!(amendments.len(), 5);
    for a in &amendments {
        let clause = c.clause(a.clause.as_str()).unwrap();
        let text = a.current_text(clause).unwrap();
        let new = a.apply(text).unwrap();
        assert!(new.contains(&a.new_text), "{}", a.clause);
    }
    let p1 = &c.revisions[0].points[0];
    assert_eq!(p1.amendments[0].target, AmendedText::ModelText);
    assert!(
        p1.amendments[0]
            .new_text
            .ends_with("情報のライフサイクル全般での管理の実施")
    );
}
