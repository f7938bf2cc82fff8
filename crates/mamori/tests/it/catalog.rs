//! The guideline catalog screens and exports, driven like a browser, and the `catalog` commands.

use crate::common::{self, mamori};

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{TestApp, location};
use reqwest::{Client, StatusCode};

/// Rows of the clause table: each starts with a link to a clause page.
fn clause_rows(html: &str) -> usize {
    html.matches(r#"<td class="nowrap mono"><a href="/catalog/clauses/"#)
        .count()
}

#[tokio::test]
async fn the_list_shows_every_clause_and_filters_the_recommended_ones() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;

    let (status, html) = t.page(&b, "/catalog").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clause_rows(&html), 373);
    assert!(html.contains("<strong>373</strong> 件の条項"));
    assert!(html.contains("情報資産の分類と管理"), "the chapter tree");
    assert!(html.contains(r#"href="/catalog" aria-current="page">ガイドライン</a>"#));

    let (status, html) = t.page(&b, "/catalog?recommended=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clause_rows(&html), 17);
    assert!(html.contains(r#"name="recommended" value="1" checked"#));

    // htmx asks for the results only; the answer varies on that header.
    let r = b
        .get(t.url("/catalog?recommended=1"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "HX-Request");
    let fragment = r.text().await.unwrap();
    assert!(!fragment.contains("<html"));
    assert_eq!(clause_rows(&fragment), 17);

    // The authority matrix as a filter: what the 情報セキュリティ管理者 permits.
    let (_, html) = t
        .page(
            &b,
            "/catalog?role=security_manager&mark=permits&section=S-2",
        )
        .await;
    assert!(html.contains("S-2.(2)⑧(イ)"));
    assert!(clause_rows(&html) < 26);

    let (status, html) = t.page(&b, "/catalog?artifact=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("成果物の種類"));
}

#[tokio::test]
async fn a_clause_page_shows_its_text_roles_and_commentary() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    // The id percent-encoded, as the list links it.
    let (status, html) = t
        .page(&b, "/catalog/clauses/S-2.%28%32%29%E2%91%A7%28%E3%82%A4%29")
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("情報資産運搬の許可"));
    assert!(html.contains(
        "機密性２以上の情報資産を運搬する者は、情報セキュリティ管理者に許可を得なければならない。"
    ));
    assert!(html.contains("情報セキュリティ管理者"));
    assert!(html.contains(r#"<span class="mark">許</span>"#));
    assert!(html.contains("解説"));
    assert!(html.contains(r#"rel="prev""#) && html.contains(r#"rel="next""#));
    assert!(html.contains("/catalog/revisions#2023-01-P2"));

    let (status, html) = t.page(&b, "/catalog/clauses/S-99.(1)").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("条項「S-99.(1)」が見つかりません"));
}

#[tokio::test]
async fn search_finds_carry_out_clauses_marks_the_word_and_escapes_the_query() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let (status, html) = t.page(&b, "/catalog/search?q=持ち出し").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<mark>持ち出し</mark>"));
    // S-5.1.(1)③(イ) モバイル端末や電磁的記録媒体等の持ち出しの許可, linked percent-encoded.
    assert!(
        html.contains("/catalog/clauses/S-5.1.%281%29%E2%91%A2%28%E3%82%A4%29"),
        "the permission to take devices out"
    );
    assert!(html.contains("モバイル端末や電磁的記録媒体等の<mark>持ち出し</mark>の許可"));

    let (status, html) = t
        .page(&b, "/catalog/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));

    let (_, html) = t.page(&b, "/catalog/search?q=+").await;
    assert!(html.contains("検索する語を入力してください"), "{html}");
}

async fn json(b: &Client, url: &str) -> (StatusCode, serde_json::Value) {
    let r = b.get(url).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn the_api_lists_filters_shows_and_searches_clauses() {
    let t = TestApp::spawn().await;
    let anonymous = t.browser();
    let (status, body) = json(&anonymous, &t.url("/api/v1/catalog/clauses")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");

    let b = t.signed_in("kacho").await;
    let (status, all) = json(&b, &t.url("/api/v1/catalog/clauses")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 373);
    let (_, recommended) = json(&b, &t.url("/api/v1/catalog/clauses?recommended=true")).await;
    assert_eq!(recommended.as_array().unwrap().len(), 17);

    // 「情報セキュリティ管理者が許可するもの」
    let (status, permits) = json(
        &b,
        &t.url("/api/v1/catalog/clauses?role=security_manager&mark=permits"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = permits.as_array().unwrap();
    let carry = rows
        .iter()
        .find(|c| c["id"] == "S-2.(2)⑧(イ)")
        .expect("the 運搬 permission");
    assert_eq!(carry["title"], "情報資産運搬の許可");
    assert!(
        carry["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "security_manager"
                && r["mark"] == "permits"
                && r["symbol"] == "許")
    );
    assert!(rows.iter().all(|c| {
        c["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "security_manager" && r["mark"] == "permits")
    }));
    assert_eq!(carry["path"][0]["id"], "S");

    let (status, bad) = json(&b, &t.url("/api/v1/catalog/clauses?mark=nope")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["field"], "権限の印");
    let (status, bad) = json(&b, &t.url("/api/v1/catalog/clauses?recommended=maybe")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["field"], "推奨事項");
    let (_, same) = json(&b, &t.url("/api/v1/catalog/clauses?recommended=1")).await;
    assert_eq!(same.as_array().unwrap().len(), 17);
    let (_, section) = json(
        &b,
        &t.url("/api/v1/catalog/clauses?section=S-2.(2)%E2%91%A7"),
    )
    .await;
    assert!(
        section
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"].as_str().unwrap().starts_with("S-2.(2)⑧"))
    );
    assert!(!section.as_array().unwrap().is_empty());

    // The id percent-encoded: S-2.(2)⑧(イ).
    let (status, clause) = json(
        &b,
        &t.url("/api/v1/catalog/clauses/S-2.%282%29%E2%91%A7%28%E3%82%A4%29"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{clause}");
    assert_eq!(clause["id"], "S-2.(2)⑧(イ)");
    assert_eq!(clause["part"], "standards");
    assert!(
        clause["model_text"]
            .as_str()
            .unwrap()
            .contains("情報セキュリティ管理者に許可を得なければならない")
    );
    assert!(!clause["commentary"].as_array().unwrap().is_empty());
    assert!(
        clause["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["point_id"] == "2023-01-P2")
    );
    assert!(clause["roles"][0]["reconstructed"].is_boolean());
    assert!(clause["previous"].is_string() && clause["next"].is_string());

    let (status, missing) = json(&b, &t.url("/api/v1/catalog/clauses/S-99.%281%29")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["code"], "not_found");
    assert!(missing["request_id"].is_string());

    let (status, hits) = json(
        &b,
        &t.url("/api/v1/catalog/search?q=%E6%8C%81%E3%81%A1%E5%87%BA%E3%81%97"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hits = hits.as_array().unwrap();
    assert!(hits.iter().any(|h| h["id"] == "S-5.1.(1)③(イ)"), "{hits:?}");
    let first = &hits[0];
    assert!(first["score"].as_u64().unwrap() > 0);
    assert!(first["title"].is_string() && first["snippet"].is_string());

    for q in ["", "?q=", "?q=+"] {
        let (status, err) = json(&b, &t.url(&format!("/api/v1/catalog/search{q}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(err["field"], "検索語");
        assert_eq!(err["code"], "invalid_input");
    }

    // A bearer token works as well as the session.
    let token = t.api_token("kacho").await;
    let r = t
        .browser()
        .get(t.url("/api/v1/catalog/search?q=USB"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_catalog_api_is_in_the_openapi_document() {
    let t = TestApp::spawn().await;
    let (_, doc) = json(&t.browser(), &t.url("/api/v1/openapi.json")).await;
    for path in [
        "/api/v1/catalog/clauses",
        "/api/v1/catalog/clauses/{id}",
        "/api/v1/catalog/search",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    let params = doc["paths"]["/api/v1/catalog/clauses"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert_eq!(params.len(), 5);
    assert!(params.iter().all(|p| p["in"] == "query"), "{params:?}");
    let id = &doc["paths"]["/api/v1/catalog/clauses/{id}"]["get"]["parameters"][0];
    assert_eq!(id["in"], "path");
    for schema in [
        "ClauseSummaryDto",
        "ClauseDto",
        "SearchHitDto",
        "RoleMarkDto",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// Rows of the authority matrix: each row header links a clause.
fn matrix_rows(html: &str) -> Vec<String> {
    html.split(r#"<th scope="row"><a href="/catalog/clauses/"#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_authority_matrix_filters_by_role_and_mark() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let (status, html) = t.page(&b, "/catalog/matrix").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"href="/catalog/matrix" aria-current="page""#));
    assert!(html.contains("<caption>権限・責任等一覧表"));
    assert!(html.contains(r#"<th scope="col" class="role-col">情報セキュリティ管理者</th>"#));
    assert!(html.contains(r#"<abbr title="許可">許</abbr>"#));
    assert!(html.contains(r#"<th scope="rowgroup""#));
    // Reconstructed marks (6.1(11)–(20), 6.2(1)) carry the dagger and a text for screen readers.
    assert!(html.contains("†</span><span class=\"visually-hidden\">（例文から復元）</span>"));
    let all = matrix_rows(&html).len();
    assert!(all > 300, "{all}");

    // 「情報セキュリティ管理者が許可するもの」
    let (status, html) = t
        .page(&b, "/catalog/matrix?role=security_manager&mark=permits")
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = matrix_rows(&html);
    let expected: Vec<String> = mamori_catalog::load_embedded()
        .unwrap()
        .clauses
        .iter()
        .filter(|c| {
            c.roles.iter().any(|r| {
                r.role == mamori_catalog::RoleKey::SecurityManager
                    && r.mark == mamori_catalog::Mark::Permits
            })
        })
        .map(|c| mamori_web_href(c.id.as_str()))
        .collect();
    assert_eq!(rows, expected);
    assert!(rows.contains(&"S-2.%282%29%E2%91%A7%28%E3%82%A4%29".to_owned()));
    assert!(html.contains("情報セキュリティ管理者の印が「許」"));

    // htmx asks for the table only.
    let r = b
        .get(t.url("/catalog/matrix?role=security_manager&mark=permits"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "HX-Request");
    let fragment = r.text().await.unwrap();
    assert!(!fragment.contains("<html"));
    assert_eq!(matrix_rows(&fragment), expected);

    let (status, html) = t.page(&b, "/catalog/matrix?mark=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("一覧にない印"));
}

/// The percent-encoded path segment of a clause link, as the screens write it.
fn mamori_web_href(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn glossary_classification_and_revisions_render() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let (status, html) = t.page(&b, "/catalog/glossary").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("リモートワイプ機能"));
    let (status, html) = t.page(&b, "/catalog/classification").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("機密性３") && html.contains("可用性２"));
    assert!(html.contains("重要性分類"));
    let (status, html) = t.page(&b, "/catalog/revisions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("委託先における情報のライフサイクル全般での管理"));
    assert!(html.contains("秘密の保持"), "the vendor checklist");

    // Where the revision gives new wording, old and new are shown side by side, marked.
    assert!(html.contains("新旧対照"));
    assert!(
        html.contains(
            "アクセス方法<ins>の明確化など、情報のライフサイクル全般での管理の実施</ins>"
        ),
        "the new 例文 of S-8.1.(2)"
    );
    assert!(html.contains(r#"<span class="badge">例文</span>"#));
    assert!(html.contains(r#"<span class="badge">解説</span>"#));
    assert!(html.contains(r#"<a href="/catalog/clauses/S-8.1.%282%29"><span class="mono">S-8.1.(2)</span> 契約項目</a><br>"#));
    // The 「」 of the new wording are text, escaped like every segment.
    assert!(html.contains("「最小限の権限」") || html.contains("&#12300;"));
    assert!(!html.contains("**"));
    // A point without new wording keeps its summary and affected clauses (Emotet).
    assert!(html.contains("Emotetへの感染を予防し"));
}

#[tokio::test]
async fn the_oscal_export_has_the_catalog_shape() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let r = b
        .get(t.url("/catalog/export/oscal.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let json: serde_json::Value = r.json().await.unwrap();
    let cat = &json["catalog"];
    assert!(cat["uuid"].is_string());
    for key in ["title", "last-modified", "version", "oscal-version"] {
        assert!(cat["metadata"][key].is_string(), "metadata.{key}");
    }
    assert_eq!(cat["groups"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_excel_export_downloads_with_a_japanese_file_name_and_reads_back() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let r = b
        .get(t.url("/catalog/export/catalog.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains(r#"filename="guideline-catalog-2018-09.xlsx""#));
    // ガイドライン条項一覧 in UTF-8, percent-encoded.
    assert!(
        disposition.contains("filename*=UTF-8''%E3%82%AC%E3%82%A4%E3%83%89"),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("条項一覧").unwrap();
    let first = range.rows().next().unwrap();
    assert_eq!(first[0], Data::String("ID".into()));
    assert_eq!(range.rows().count(), 374);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_page() {
    let t = TestApp::spawn().await;
    let b = t.browser();
    for path in [
        "/catalog",
        "/catalog/clauses/B-1",
        "/catalog/search?q=USB",
        "/catalog/export/oscal.json",
        "/catalog/export/catalog.xlsx",
    ] {
        let r = b.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn export(format: &str, path: &std::path::Path) -> std::process::Output {
    mamori(&[
        "catalog",
        "export",
        "--format",
        format,
        "--output",
        path.to_str().unwrap(),
    ])
}

#[test]
fn cli_exports_the_catalog_as_oscal_and_excel() {
    let dir = tempfile::tempdir().unwrap();
    let oscal = dir.path().join("catalog.json");
    let out = export("oscal", &oscal);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&oscal).unwrap()).unwrap();
    assert_eq!(json["catalog"]["metadata"]["oscal-version"], "1.1.2");

    let xlsx = dir.path().join("条項一覧.xlsx");
    let out = export("xlsx", &xlsx);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("条項一覧").unwrap();
    assert_eq!(range.rows().count(), 374);

    let out = export("xlsx", &dir.path().join("no/such/dir.xlsx"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("書き込めません"));
}

#[test]
fn cli_stats_show_and_search() {
    let out = mamori(&["catalog", "stats", "--format", "json"]);
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(s["clauses"], 373);
    assert_eq!(s["basic_policy"], 38);
    assert_eq!(s["standards"], 335);
    assert_eq!(s["recommended"], 17);

    let out = mamori(&["catalog", "show", "S-2.(2)⑧(イ)"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("情報資産運搬の許可"));
    assert!(text.contains("許 情報セキュリティ管理者"));

    let out = mamori(&["catalog", "search", "USBメモリ", "--format", "json"]);
    assert!(out.status.success());
    let hits: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = &hits.as_array().unwrap()[0];
    assert!(first["id"].is_string() && first["title"].is_string() && first["score"].is_number());

    let out = mamori(&["catalog", "show", "S-99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("見つかりません"));
}

#[test]
fn cli_bench_prints_its_table() {
    let out = mamori(&["catalog", "bench", "--iterations", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("索引の作成"), "{text}");
    assert!(text.contains("クエリ\t件数\t平均(ms)\tp95(ms)\t最大(ms)"));
    for q in ["USBメモリ", "持ち出し", "パスワード", "再委託"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{q}\t")))
            .unwrap_or_else(|| panic!("a row for {q}: {text}"));
        assert_eq!(line.split('\t').count(), 5, "{line}");
    }
}

#[test]
fn cli_build_regenerates_the_committed_catalog() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    let out = tempfile::tempdir().unwrap();
    let o = mamori(&[
        "catalog",
        "build",
        "--seed",
        shared.join("seeds").to_str().unwrap(),
        "--index",
        shared.join("docs").to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("373 条項"));
    let committed = root.join("catalog");
    for file in ["edition.json", "glossary.json", "clauses/S-2.json"] {
        assert_eq!(
            std::fs::read_to_string(out.path().join(file)).unwrap(),
            std::fs::read_to_string(committed.join(file)).unwrap(),
            "{file}"
        );
    }
}
