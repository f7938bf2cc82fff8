//! The body's own policy as an edition: an analysed document imported as it is written prints
//! with the same numbers, headings and words in the same order — read back out of the edition's
//! Word file — for a real city's 1.(1)① document and a 例規 第N条 one; nothing of the guideline
//! is added; only an editor imports, in one audited step.

use std::io::Read;
use std::path::PathBuf;

use mamori_gap::Document;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

use crate::common::{TestApp, csrf_of, location};

fn iruma() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds/002_592f045dcc33169d.txt");
    std::fs::read(path).unwrap()
}

const REIKI: &str = "みほん町情報セキュリティ対策規程\n\
第1章　総則\n\
（目的）\n\
第1条　この規程は、本町が保有する情報資産の機密性、完全性及び可用性を維持するため、本町が実施する情報セキュリティ対策について基本的な事項を定めることを目的とする。\n\
（定義）\n\
第2条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n\
（1）　ネットワーク　コンピュータ等を相互に接続するための通信網及びその構成機器（ハードウェア及びソフトウェア）をいう。\n\
（2）　情報システム　コンピュータ、ネットワーク及び電磁的記録媒体で構成され、情報処理を行う仕組みをいう。\n\
第2章　組織体制\n\
（最高情報セキュリティ責任者）\n\
第3条　副町長を最高情報セキュリティ責任者（CISO）とする。\n\
2　CISOは、本町における全てのネットワーク、情報システム等の情報資産の管理及び情報セキュリティ対策に関する最終決定権限及び責任を有する。\n\
（情報管理者）\n\
第4条　各課の長を情報管理者とする。\n\
第3章　雑則\n\
（委任）\n\
第5条　この規程に定めるもののほか、必要な事項は、CISOが別に定める。\n";

/// A Word file of `text` as an office writes one: a paragraph per line.
fn word_file(text: &str) -> Vec<u8> {
    use std::io::Write;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body: String = text
        .lines()
        .map(|l| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                escape(l)
            )
        })
        .collect();
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "word/document.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Posts `fields` to `url` with the CSRF token of the page at `page`, as a form on it would.
async fn post_from(
    t: &TestApp,
    client: &Client,
    page: &str,
    url: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = t.page(client, page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = csrf_of(&html);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
    form.extend_from_slice(fields);
    client.post(t.url(url)).form(&form).send().await.unwrap()
}

/// The 例規 imported at the console as 第3版 (draft) of the demo.
fn import_reiki(t: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kitei.txt");
    std::fs::write(&file, REIKI).unwrap();
    let out = t.cli(&["policy", "import", file.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn upload(t: &TestApp, b: &Client, name: &str, bytes: Vec<u8>) -> String {
    let (_, html) = t.page(b, "/policy/gap").await;
    let form = Form::new()
        .text("_csrf", csrf_of(&html))
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let r = b
        .post(t.url("/policy/gap"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r)
}

/// (number as written, heading, text) of every numbered provision, in order.
fn numbered(doc: &Document) -> Vec<(String, String, String)> {
    doc.provisions
        .iter()
        .filter(|p| !p.label.is_empty())
        .map(|p| (p.written.clone(), p.title.clone(), p.text.clone()))
        .collect()
}

async fn word_text(t: &TestApp, b: &Client, path: &str) -> String {
    let r = b.get(t.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("<w:body>"));
    mamori_gap::input::docx_text(&bytes).unwrap()
}

#[tokio::test]
async fn an_imported_policy_prints_with_its_own_numbers_headings_and_words_in_order() {
    let iruma_text = String::from_utf8(iruma()).unwrap();
    for (name, bytes) in [
        ("iruma.txt", iruma()),
        ("kitei.txt", REIKI.as_bytes().to_vec()),
        ("iruma.docx", word_file(&iruma_text)),
        ("kitei.docx", word_file(REIKI)),
    ] {
        let t = TestApp::spawn().await;
        let original = numbered(&Document::from_bytes(&bytes, name).unwrap());
        assert!(original.len() >= 10, "{name}: {original:?}");

        // A member who does not edit the policy may analyse, not import.
        let kacho = t.signed_in("kacho").await;
        let path = upload(&t, &kacho, name, bytes.clone()).await;
        let (_, html) = t.page(&kacho, &path).await;
        assert!(!html.contains("import-own"));
        let before = t.audit_count().await;
        let r = kacho
            .post(t.url(&format!("{path}/import-own")))
            .form(&[("_csrf", csrf_of(&html).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(t.audit_count().await, before);

        let tokatsu = t.signed_in("tokatsu").await;
        let path = upload(&t, &tokatsu, name, bytes.clone()).await;
        let (_, html) = t.page(&tokatsu, &path).await;
        assert!(html.contains("本市の文書のまま取り込む"));
        let before = t.audit_count().await;
        let r = tokatsu
            .post(t.url(&format!("{path}/import-own")))
            .form(&[("_csrf", csrf_of(&html).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(location(&r), "/policy/3/document");
        // The edition created and the import: two records.
        assert_eq!(t.audit_count().await, before + 2);

        // The Word file read back holds the same provisions: numbers, headings, words, order.
        let printed = word_text(&t, &tokatsu, "/policy/3/document.docx").await;
        let reread = numbered(&Document::from_text(&printed).unwrap());
        let mut rest = reread.iter();
        for p in &original {
            assert!(
                rest.any(|q| q == p),
                "{name}: {p:?} is not printed in order\n---\n{printed}"
            );
        }
        // Nothing of the guideline is added: no 例文 sentence the document does not have.
        let example = "情報セキュリティ対策は、情報資産をその重要性に応じて";
        let source = mamori_gap::input::read_bytes(&bytes, name).unwrap();
        assert_eq!(
            printed.contains(example),
            source.contains(example),
            "{name}"
        );

        let (status, page) = t.page(&tokatsu, "/policy/3/document").await;
        assert_eq!(status, StatusCode::OK);
        if name.starts_with("kitei") {
            assert!(page.contains("（目的）"));
            assert!(
                page.contains("（1）　ネットワーク"),
                "the item's number as written"
            );
            assert!(page.contains("第3条　副町長を最高情報セキュリティ責任者（CISO）とする。"));
        }
        // The upload is gone with the import: a second import finds nothing.
        let r = tokatsu
            .post(t.url(&format!("{path}/import-own")))
            .form(&[("_csrf", csrf_of(&html).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_console_imports_a_policy_file_and_refuses_a_second_while_the_draft_is_open() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kitei.txt");
    std::fs::write(&file, REIKI).unwrap();
    let out = t.cli(&["policy", "import", file.to_str().unwrap()], None);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("第3版（下書き）「みほん町情報セキュリティ対策規程」"),
        "{said}"
    );

    let before = t.audit_count().await;
    let out = t.cli(&["policy", "import", file.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第3版が下書きです"));
    assert_eq!(t.audit_count().await, before, "nothing written");

    // The draft prints as the file reads.
    let docx = dir.path().join("out.docx");
    let out = t.cli(
        &[
            "policy",
            "export",
            "--edition",
            "3",
            "--format",
            "docx",
            "--output",
            docx.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = mamori_gap::input::docx_text(&std::fs::read(&docx).unwrap()).unwrap();
    let original = numbered(&Document::from_text(REIKI).unwrap());
    let reread = numbered(&Document::from_text(&printed).unwrap());
    let mut rest = reread.iter();
    for p in &original {
        assert!(rest.any(|q| q == p), "{p:?}\n{printed}");
    }
    // A file that is not a policy is refused naming the field.
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out = t.cli(&["policy", "import", empty.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ファイル"));
}

#[tokio::test]
async fn an_editor_reviews_the_links_chapter_by_chapter_and_a_refused_step_changes_nothing() {
    let t = TestApp::spawn().await;
    import_reiki(&t);

    let tokatsu = t.signed_in("tokatsu").await;
    let (status, html) = t.page(&tokatsu, "/policy/3/links").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("確認済み 0 / "), "{html}");
    // Chapters of the document, each with its own count.
    for chapter in ["第1章 総則", "第2章 組織体制", "第3章 雑則"] {
        assert!(html.contains(chapter), "{chapter}");
    }
    let post = async |client: &Client, fields: &[(&str, &str)]| {
        post_from(&t, client, "/policy/3/links", "/policy/3/links", fields).await
    };
    let article1 = "p2";
    let r = post(
        &tokatsu,
        &[("provision", article1), ("chapter", "0"), ("op", "confirm")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/policy/3/links?chapter=0#p-p2");
    let (_, html) = t.page(&tokatsu, "/policy/3/links?chapter=0").await;
    assert!(html.contains("確認済み 1 / "), "{html}");

    // A clause that is not the guideline's is refused naming the field; nothing changes.
    let before = t.audit_count().await;
    let r = post(
        &tokatsu,
        &[
            ("provision", article1),
            ("chapter", "0"),
            ("op", "add"),
            ("clause", "S-99"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("ガイドラインとの対応: 「S-99」はガイドラインの条項ではありません")
    );
    assert_eq!(t.audit_count().await, before);

    // Marking 独自 takes the links off and counts as reviewed; it is audited.
    let r = post(
        &tokatsu,
        &[("provision", "p10"), ("chapter", "2"), ("op", "local")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, before + 1);
    let (_, html) = t.page(&tokatsu, "/policy/3/links?chapter=2").await;
    assert!(html.contains("本市独自の規定です"), "{html}");

    // What a person settled survives a new analysis; what the analysis alone found is redone.
    let read = async || {
        let user = t.user("tokatsu").await;
        let view = t
            .app
            .policy_edition(&user, mamori_domain::policy::EditionNumber::new(3).unwrap())
            .await
            .unwrap();
        view.edition.profile.document.unwrap()
    };
    let doc = read().await;
    let confirmed: Vec<_> = doc.provisions[1].links.clone();
    assert!(!confirmed.is_empty() && confirmed.iter().all(|l| l.origin.is_settled()));
    let (taken, taken_clause) = doc
        .provisions
        .iter()
        .find_map(|p| {
            p.links
                .iter()
                .find(|l| !l.origin.is_settled())
                .map(|l| (p.key.clone(), l.clause.clone()))
        })
        .expect("an analysis link to take off");
    let r = post(
        &tokatsu,
        &[
            ("provision", &taken),
            ("op", "remove"),
            ("clause", &taken_clause),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(&tokatsu, &[("op", "reanalyse"), ("chapter", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/policy/3/links?chapter=1&done=reanalysed");
    let after = read().await;
    assert_eq!(
        after.provisions[1].links, confirmed,
        "confirmed links stay as they were"
    );
    let again = after.provisions.iter().find(|p| p.key == taken).unwrap();
    assert!(
        again.links.iter().all(|l| l.clause != taken_clause),
        "a link taken off stays off"
    );
    let local = after.provisions.iter().find(|p| p.key == "p10").unwrap();
    assert!(local.local && local.links.is_empty());
    assert!(
        after
            .provisions
            .iter()
            .any(|p| p.links.iter().any(|l| !l.origin.is_settled())),
        "the new analysis linked the rest again"
    );

    // A 課長 does not see the draft, and changes nothing.
    let kacho = t.signed_in("kacho").await;
    let before = t.audit_count().await;
    let (status, _) = t.page(&kacho, "/policy/3/links").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = t.page(&kacho, "/policy").await;
    let r = kacho
        .post(t.url("/policy/3/links"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("provision", article1),
            ("op", "remove"),
            ("clause", "B-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, before);

    // The guideline-structured editions have no links to review.
    let (status, _) = t.page(&tokatsu, "/policy/2/links").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The worklist of the imported 例規 draft, after the body's scheme and role names are set.
async fn worklist_page(t: &TestApp, b: &Client, chapter: &str) -> String {
    let (status, html) = t
        .page(b, &format!("/policy/3/gaps?chapter={chapter}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    html
}

#[tokio::test]
async fn the_worklist_speaks_the_bodys_terms_and_three_decisions_close_three_gaps() {
    let t = TestApp::spawn().await;
    import_reiki(&t);
    let tokatsu = t.signed_in("tokatsu").await;

    // The link review shows each linked clause's 例文: as the guideline writes it, first.
    let links_pages = async || {
        let mut models = String::new();
        for chapter in 0..8 {
            let (status, html) = t
                .page(&tokatsu, &format!("/policy/3/links?chapter={chapter}"))
                .await;
            assert_eq!(status, StatusCode::OK);
            for part in html.split("<div class=\"model-text\">").skip(1) {
                models.push_str(part.split("</div>").next().unwrap_or(""));
            }
        }
        models
    };
    assert!(links_pages().await.contains("情報セキュリティ管理者"));

    // With the guideline's scheme and names the 例文 reads as the guideline writes it.
    let html = worklist_page(&t, &tokatsu, "S-2").await;
    assert!(
        html.contains("情報セキュリティ管理者は、その所管する情報資産"),
        "{html}"
    );
    assert!(html.contains("機密性２以上"));

    // The body's single-axis scheme and its name for the 情報セキュリティ管理者.
    let profile = async |fields: &[(&str, &str)]| {
        let r = post_from(&t, &tokatsu, "/policy/3", "/policy/3/profile", fields).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{fields:?}");
    };
    profile(&[("op", "set-scheme"), ("preset", "importance-4")]).await;
    profile(&[
        ("op", "rename-role"),
        ("key", "security_manager"),
        ("name", "情報管理者"),
    ])
    .await;
    profile(&[("op", "set-body-term"), ("term", "本町")]).await;
    let html = worklist_page(&t, &tokatsu, "S-2").await;
    assert!(
        html.contains("情報管理者は、その所管する情報資産"),
        "{html}"
    );
    assert!(!html.contains("機密性２以上") && html.contains("重要性分類Ⅱ以上"));
    assert!(!html.contains("本市における情報資産") && html.contains("本町における情報資産"));
    // The link review reads the 例文 in the same terms as the worklist.
    let links = links_pages().await;
    assert!(!links.contains("情報セキュリティ管理者") && links.contains("情報管理者"));

    let decide = async |fields: &[(&str, &str)]| {
        let mut form = vec![("chapter", "S-2")];
        form.extend_from_slice(fields);
        post_from(
            &t,
            &tokatsu,
            "/policy/3/gaps?chapter=S-2",
            "/policy/3/gaps",
            &form,
        )
        .await
    };
    let added_text = "各課の長は、その所管する情報資産について管理責任を有する。";
    // A place that is not a provision of the draft is refused naming it.
    let before = t.audit_count().await;
    let r = decide(&[
        ("clause", "S-2.(2)①(ア)"),
        ("op", "add"),
        ("after", "p999"),
        ("number", "第4条の2"),
        ("text", added_text),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("条項「p999」はこの版にありません")
    );
    assert_eq!(t.audit_count().await, before);
    let r = decide(&[
        ("clause", "S-2.(2)①(ア)"),
        ("op", "add"),
        ("after", "p9"),
        ("number", "第4条の2"),
        ("text", added_text),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = decide(&[
        ("clause", "S-2.(2)①(イ)"),
        ("op", "elsewhere"),
        ("place", "情報資産管理実施手順"),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // 採用しない needs its reason: refused naming the field, nothing written.
    let before = t.audit_count().await;
    let r = decide(&[
        ("clause", "S-2.(2)②"),
        ("op", "not-adopted"),
        ("reason", ""),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("採用しない理由: 入力してください")
    );
    assert_eq!(t.audit_count().await, before);
    let r = decide(&[
        ("clause", "S-2.(2)②"),
        ("op", "not-adopted"),
        ("reason", "本町は電子決裁のみのため"),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, before + 1);

    let html = worklist_page(&t, &tokatsu, "S-2").await;
    assert!(html.contains("決めた対応（3 件）"), "{html}");
    for clause in ["S-2.(2)①(ア)", "S-2.(2)①(イ)", "S-2.(2)②"] {
        assert!(
            !html.contains(&format!("id=\"g-{clause}\"")),
            "{clause} left the worklist"
        );
    }
    // The added provision is in the draft, after 第4条, in the body's numbering.
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    let at4 = doc.find("第4条　各課の長を情報管理者とする。").unwrap();
    let added = doc.find(&format!("第4条の2　{added_text}")).unwrap();
    let at5 = doc.find("第5条　").unwrap();
    assert!(at4 < added && added < at5, "{doc}");
}

#[tokio::test]
async fn the_next_edition_prints_its_comparison_table_against_the_imported_one_as_word() {
    use mamori_app::policy::{GapOp, ProfileChange};
    let t = TestApp::spawn().await;
    import_reiki(&t);
    let imported = mamori_domain::policy::EditionNumber::new(3).unwrap();
    t.bring_into_force(imported).await;

    // The next draft closes three gaps: one provision added, one elsewhere, one not adopted.
    let added = "各課の長は、その所管する情報資産について管理責任を有する。";
    let next = t
        .policy_draft(vec![
            ProfileChange::Gap {
                clause: "S-2.(2)①(ア)".into(),
                op: GapOp::Add {
                    after: Some("p9".into()),
                    number: "第4条の2".into(),
                    text: added.into(),
                },
            },
            ProfileChange::Gap {
                clause: "S-2.(2)①(イ)".into(),
                op: GapOp::Elsewhere("情報資産管理実施手順".into()),
            },
            ProfileChange::Gap {
                clause: "S-2.(2)②".into(),
                op: GapOp::NotAdopted("電子決裁のみのため".into()),
            },
        ])
        .await;
    assert_eq!(next.get(), 4);

    let tokatsu = t.signed_in("tokatsu").await;
    let (_, html) = t.page(&tokatsu, "/policy/4/diff").await;
    assert!(html.contains("/policy/4/comparison.docx?from=3"), "{html}");
    let r = tokatsu
        .get(t.url("/policy/4/comparison.docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let text = mamori_gap::input::docx_text(&bytes).unwrap();
    assert!(text.contains("新旧対照表"), "{text}");
    assert!(text.contains("改正後（第4版）") && text.contains("改正前（第3版）"));
    // The one changed provision: the added one, underlined, against 「（新設）」; nothing else.
    assert!(text.contains("第4条の2") && text.contains(added) && text.contains("（新設）"));
    assert!(
        !text.contains("第1条（目的）"),
        "unchanged provisions are left out: {text}"
    );
    let underlined_run = xml.split("<w:r>").find(|r| r.contains(added)).unwrap();
    assert!(underlined_run.contains("<w:u w:val=\"single\""));
}

#[tokio::test]
async fn the_basic_policy_is_published_on_its_own_and_the_preface_prints_with_the_document() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    // The guideline-structured edition in force: its 基本方針 alone, self-contained.
    let (status, html) = t.page(&kacho, "/policy/2/basic-policy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("情報セキュリティ基本方針") && html.contains("公開"));
    assert!(!html.contains("庁内限り"), "no internal part");
    assert!(
        html.contains("<style") && !html.contains("/static/"),
        "nothing fetched from the server"
    );
    let r = kacho
        .get(t.url("/policy/2/basic-policy.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));

    // The real city's document: its 序 prints before the 基本方針, which is a part of its own.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("iruma.txt");
    std::fs::write(&file, iruma()).unwrap();
    let out = t.cli(&["policy", "import", file.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tokatsu = t.signed_in("tokatsu").await;
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    let preface = doc
        .find("入間市情報セキュリティポリシーとは、入間市が保有する")
        .unwrap();
    let purpose = doc.find("本基本方針は、本市が保有する情報資産").unwrap();
    assert!(preface < purpose);
    let (status, public) = t.page(&tokatsu, "/policy/3/basic-policy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(public.contains("本基本方針は、本市が保有する情報資産"));
    assert!(
        !public.contains("入間市情報セキュリティポリシーとは"),
        "the preface is not the 基本方針"
    );
}

#[tokio::test]
async fn a_first_import_keeps_the_documents_edition_and_revision_history() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    // さくら市, set up to start its policy later.
    let setup = dir.path().join("sakura.toml");
    std::fs::write(
        &setup,
        format!("policy = \"later\"\n{}", crate::common::second_body_file()),
    )
    .unwrap();
    let out = t.cli(&["body", "create", "--file", setup.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = format!(
        "さくら市情報セキュリティ対策規程\n改定履歴\n第1版　平成15年4月1日　制定\n第10版　令和5年4月1日　一部改正\n{}",
        REIKI.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    let file = dir.path().join("sakura-kitei.txt");
    std::fs::write(&file, text).unwrap();
    let out = t.cli(
        &[
            "policy",
            "import",
            file.to_str().unwrap(),
            "--body",
            "092142",
        ],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("さくら市の第10版（下書き）"), "{said}");

    // As the console prints it (the body's people act from the day it was set up, by the
    // machine's clock, which the test server does not share).
    let html = dir.path().join("sakura.html");
    let out = t.cli(
        &[
            "policy",
            "export",
            "--body",
            "092142",
            "--edition",
            "10",
            "--format",
            "html",
            "--output",
            html.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = std::fs::read_to_string(&html).unwrap();
    assert!(doc.contains("第10版（案）（一部改正）"), "{doc}");
    let history = &doc[doc.find("改定履歴").unwrap()..];
    for row in ["第1版", "平成15年4月1日", "制定", "第10版", "令和5年4月1日"] {
        assert!(history.contains(row), "{row}");
    }
}

/// The clause ids of a worklist page whose item is marked 一部不足.
fn partial_items(html: &str) -> Vec<String> {
    html.split("<section class=\"card gap-item\" id=\"g-")
        .skip(1)
        .filter(|part| {
            part.split("</section>")
                .next()
                .is_some_and(|s| s.contains("badge-partial"))
        })
        .filter_map(|part| part.split('"').next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_clause_the_document_holds_only_in_part_is_on_the_worklist_until_decided() {
    let t = TestApp::spawn().await;
    import_reiki(&t);
    let tokatsu = t.signed_in("tokatsu").await;
    let mut found = None;
    for chapter in [
        "B", "S-1", "S-2", "S-3", "S-4", "S-5", "S-6", "S-7", "S-8", "S-9",
    ] {
        let html = worklist_page(&t, &tokatsu, chapter).await;
        if let Some(clause) = partial_items(&html).into_iter().next() {
            // What is missing is named, and where the rest of it is.
            assert!(html.contains("に当たる記述が見当たりません"), "{html}");
            assert!(html.contains("が一部を定めています"), "{html}");
            found = Some((chapter, clause));
            break;
        }
    }
    let (chapter, clause) = found.expect("the imported 例規 holds some clause only in part");
    let r = post_from(
        &t,
        &tokatsu,
        &format!("/policy/3/gaps?chapter={chapter}"),
        "/policy/3/gaps",
        &[
            ("chapter", chapter),
            ("clause", clause.as_str()),
            ("op", "not-adopted"),
            ("reason", "残りは実施手順で定める"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = worklist_page(&t, &tokatsu, chapter).await;
    assert!(!partial_items(&html).contains(&clause), "{html}");
    assert!(html.contains("残りは実施手順で定める"));
}
