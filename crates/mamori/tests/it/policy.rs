//! The body's policy editions through the screens: drafting, 決裁, 施行, 周知 and acknowledgement,
//! and the refusals that keep an edition in force unchanged.

use crate::common;

use common::{TestApp, alert_of, csrf_of, location};
use reqwest::{Client, StatusCode};

async fn post(t: &TestApp, b: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, home) = t.page(b, "/").await;
    let csrf = csrf_of(&home);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(t.url(path)).form(&form).send().await.unwrap()
}

/// tokatsu (the policy editor) signed in, with 第3版 drafted from 第2版.
async fn editor_with_draft(t: &TestApp) -> Client {
    let tokatsu = t.signed_in("tokatsu").await;
    let r = post(t, &tokatsu, "/policy/editions", &[("from", "2")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    tokatsu
}

/// A change to the profile of the draft 第3版 that is accepted (303 back to the edition).
async fn change_draft_ok(t: &TestApp, b: &Client, fields: &[(&str, &str)]) {
    let r = change_draft(t, b, fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{fields:?}");
}

/// A change to the profile of the draft 第3版.
async fn change_draft(t: &TestApp, b: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    post(t, b, "/policy/3/profile", fields).await
}

/// Each of `actions` is among the latest 20 records of the audit trail.
async fn assert_audited(t: &TestApp, actions: &[&str]) {
    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 20)
        .await
        .unwrap();
    let found: Vec<&str> = records.iter().map(|r| r.entry.action.as_str()).collect();
    for a in actions {
        assert!(found.contains(a), "{a} missing from {found:?}");
    }
}

const AMENDED: &str = "②統括情報セキュリティ責任者及び情報システム管理者は、IC カード等の紛失等の通報があり次第、直ちに当該 IC カード等を使用したアクセス等を停止しなければならない。";

#[tokio::test]
async fn the_chief_drafts_an_edition_the_ciso_decides_it_and_staff_acknowledge_it() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;

    // The demo has 第1版 and 第2版, both in the 改定履歴 in 和暦.
    let (status, html) = t.page(&tokatsu, "/policy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第1版 制定 平成31年4月1日"), "{html}");
    assert!(html.contains("第2版 一部改正 令和5年4月1日"));
    assert!(html.contains("第2版から新しい版を作成"));

    let r = post(&t, &tokatsu, "/policy/editions", &[("from", "2")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/policy/3");
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("下書き") && html.contains("第2版から改定"));
    // The copy keeps 第2版's amendment and local clause.
    assert!(html.contains("S-5.1.(1)③(イ)") && html.contains("生成AIサービスの利用"));

    // Amend a clause and adopt a 推奨事項.
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "amend"),
            ("clause", "S-5.4.(1)②"),
            ("text", AMENDED),
            ("reason", "停止の時期を明確にするため"),
            ("back", "clause"),
        ],
    )
    .await;
    let (_, clause) = t
        .page(
            &tokatsu,
            &format!("/policy/3/clause?id={}", "S-5.4.%281%29%E2%91%A1"),
        )
        .await;
    assert!(
        clause.contains("直ちに当該") && clause.contains("速やかに停止"),
        "both wordings are shown"
    );
    change_draft_ok(&t, &tokatsu, &[("op", "adopt"), ("clause", "S-4.4.⑤")]).await;

    // Staff do not see drafts; the chief cannot decide.
    let shokuin = t.signed_in("shokuin").await;
    assert_eq!(t.page(&shokuin, "/policy/3").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        post(&t, &tokatsu, "/policy/3/actions/submit", &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = post(&t, &tokatsu, "/policy/3/actions/decide", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .contains("最高情報セキュリティ責任者（CISO）が行います")
    );

    // The CISO sees it under review and decides it.
    let ciso = t.signed_in("ciso").await;
    let (_, html) = t.page(&ciso, "/policy/3").await;
    assert!(html.contains("審議中") && html.contains("決裁する"));
    assert_eq!(
        post(&t, &ciso, "/policy/3/actions/decide", &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // The chief brings it into force; 第2版 becomes 改定済.
    let r = post(
        &t,
        &tokatsu,
        "/policy/3/actions/enforce",
        &[("effective_from", "2026-07-01")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&tokatsu, "/policy").await;
    assert!(html.contains("第3版 一部改正 令和8年7月1日"));
    assert_eq!(
        html.matches("status-in_force").count(),
        1,
        "one edition in force"
    );

    // 周知, then a member of staff acknowledges once.
    assert_eq!(
        post(&t, &tokatsu, "/policy/3/actions/publish", &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = t.page(&shokuin, "/policy/3").await;
    assert!(html.contains("内容を確認しました"));
    assert_eq!(
        post(&t, &shokuin, "/policy/3/actions/acknowledge", &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = t.page(&shokuin, "/policy/3").await;
    assert!(html.contains("確認済み") && !html.contains("内容を確認しました"));
    assert_eq!(
        post(&t, &shokuin, "/policy/3/actions/acknowledge", &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );

    // The roll-up counts it and lists who has not read it.
    let (status, html) = t.page(&tokatsu, "/policy/3/acknowledgements").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("全体: 1 / 46 人"), "{html}");
    // 市民部 totals its 課室: shokuin (市民課) confirmed.
    let shimin_bu = &html[html.find("<td>市民部</td>").unwrap()..];
    let cells: Vec<&str> = shimin_bu
        .split("<td class=\"num\">")
        .skip(1)
        .take(2)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(
        cells,
        vec!["12", "1"],
        "市民部: 部長 + 市民課 5 + 保険年金課 3 + 税務課 3"
    );
    assert_eq!(
        t.page(&shokuin, "/policy/3/acknowledgements").await.0,
        StatusCode::FORBIDDEN
    );

    // Every step is in the audit trail.
    assert_audited(
        &t,
        &[
            "policy.create_edition",
            "policy.amend_clause",
            "policy.adopt_recommended",
            "policy.submit",
            "policy.decide",
            "policy.enforce",
            "policy.supersede",
            "policy.publish",
            "policy.acknowledge",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_edition_in_force_cannot_be_changed_and_the_refusal_changes_nothing() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let before = t.audit_count().await;
    let r = post(
        &t,
        &tokatsu,
        "/policy/2/profile",
        &[("op", "amend"), ("clause", "S-5.4.(1)②"), ("text", AMENDED)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        message.starts_with("状態:") && message.contains("施行中") && message.contains("新しい版"),
        "{message}"
    );
    assert_eq!(t.audit_count().await, before);
    let (_, clause) = t
        .page(&tokatsu, "/policy/2/clause?id=S-5.4.%281%29%E2%91%A1")
        .await;
    assert!(!clause.contains("直ちに当該"));
}

#[tokio::test]
async fn bad_profile_input_names_the_field() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    let r = change_draft(
        &t,
        &tokatsu,
        &[("op", "delete"), ("clause", "S-5.4.(1)②"), ("reason", " ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        alert_of(&r.text().await.unwrap()).unwrap(),
        "削除の理由: 入力してください"
    );
    let r = change_draft(&t, &tokatsu, &[("op", "adopt"), ("clause", "S-5.4.(1)②")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .contains("推奨事項ではありません")
    );
    let r = change_draft(
        &t,
        &tokatsu,
        &[
            ("op", "amend"),
            ("clause", "S-5.4.(1)②"),
            ("text", ""),
            ("back", "clause"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(alert_of(&html).unwrap(), "条項の文言: 入力してください");
    assert!(html.contains(r#"aria-invalid="true""#));
    // A second draft cannot be started while one is open.
    let r = post(&t, &tokatsu, "/policy/editions", &[("from", "2")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn only_policy_editors_change_the_policy() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let (status, html) = t.page(&kacho, "/policy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("新しい版を作成"));
    assert_eq!(
        post(&t, &kacho, "/policy/editions", &[("from", "2")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            &t,
            &kacho,
            "/policy/2/profile",
            &[("op", "adopt"), ("clause", "S-4.4.⑤")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // The installation administrator has no authority in the body's policy either.
    let admin = t.signed_in("admin").await;
    assert_eq!(
        post(&t, &admin, "/policy/editions", &[("from", "2")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_diff_shows_what_changed_between_editions_character_by_character() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let (status, html) = t.page(&kacho, "/policy/2/diff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第1版 と 第2版 の比較"));
    assert!(html.contains("追加 2 ・ 削除 0 ・ 文言の変更 1"), "{html}");
    assert!(
        html.contains("<ins>事前に</ins>") && html.contains("<ins>て、持出管理簿に記録し</ins>")
    );
    assert!(html.contains("生成AIサービスの利用（独自）"));
    assert!(html.contains("S-5.2.(2)② 毎年度最低１回の研修受講"));
    assert!(
        !html.contains("S-1.(1)① "),
        "unchanged clauses are hidden by default"
    );
    let (_, all) = t.page(&kacho, "/policy/2/diff?all=1").await;
    assert!(all.contains("変更なし</span>"));

    // Against the guideline: the 推奨事項 not adopted are missing from the policy.
    let (_, html) = t.page(&kacho, "/policy/2/diff?from=guideline").await;
    assert!(html.contains("ガイドライン と 第2版 の比較"));
    assert!(html.contains("S-1.(1)② 最高情報セキュリティアドバイザーの設置"));
    assert!(html.contains("削除</span>"));

    let (status, _) = t.page(&kacho, "/policy/2/diff?from=第九版").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The cells of the handling-table row whose level is `level`.
fn handling_row(html: &str, level: &str) -> Vec<String> {
    let marker = format!(">{level}</th>");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for {level}"));
    let row = &html[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td>").skip(1).map(|c| c.to_owned()).collect()
}

// The handling table's columns: 保管, 送信, 運搬, 提供, 持ち出し, 庁外での処理, 廃棄.
const STORE: usize = 0;
const TRANSPORT: usize = 2;

#[tokio::test]
async fn both_classification_schemes_answer_the_handling_questions_in_the_bodys_words() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "rename-role"),
            ("key", "security_manager"),
            ("name", "所属長"),
        ],
    )
    .await;

    // The guideline's scheme: 機密性２以上 needs the permission for 運搬, 機密性１ does not.
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(handling_row(&html, "機密性３")[TRANSPORT].contains("所属長の許可"));
    assert!(handling_row(&html, "機密性２")[TRANSPORT].contains("所属長の許可"));
    assert!(!handling_row(&html, "機密性１")[TRANSPORT].contains("許可"));
    // The recovery time comes from the profile's parameter.
    assert!(handling_row(&html, "可用性２")[STORE].contains("24時間以内の復旧"));
    change_draft(
        &t,
        &tokatsu,
        &[
            ("op", "set-parameter"),
            ("key", "recovery_time_hours"),
            ("value", "8"),
        ],
    )
    .await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(handling_row(&html, "可用性２")[STORE].contains("8時間以内の復旧"));

    // The single axis where Ⅰ is the highest: Ⅱ以上 means Ⅰ and Ⅱ.
    change_draft_ok(
        &t,
        &tokatsu,
        &[("op", "set-scheme"), ("preset", "importance-4")],
    )
    .await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("重要性による分類"));
    // Reads are recorded from the scheme's own highest level.
    assert!(
        html.contains("閲覧の記録: <strong>重要性分類Ⅰ</strong>"),
        "{html}"
    );
    assert!(handling_row(&html, "重要性分類Ⅰ")[TRANSPORT].contains("所属長の許可"));
    assert!(handling_row(&html, "重要性分類Ⅱ")[TRANSPORT].contains("所属長の許可"));
    assert!(!handling_row(&html, "重要性分類Ⅲ")[TRANSPORT].contains("許可"));
    assert!(!handling_row(&html, "重要性分類Ⅳ")[TRANSPORT].contains("許可"));
    // Rows run from the highest level down.
    assert!(html.find(">重要性分類Ⅰ</th>").unwrap() < html.find(">重要性分類Ⅳ</th>").unwrap());

    let r = change_draft(
        &t,
        &tokatsu,
        &[("op", "set-scheme"), ("preset", "five-levels")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .starts_with("情報資産の分類:")
    );
}

#[tokio::test]
async fn the_edition_in_force_reads_as_a_document() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let (status, html) = t.page(&shokuin, "/policy/2/document").await;
    assert_eq!(status, StatusCode::OK);
    // Title page and 改定履歴 in 和暦.
    assert!(
        html.contains("みほん市情報セキュリティポリシー") && html.contains("第2版（一部改正）")
    );
    assert!(
        html.contains("令和5年3月20日")
            && html.contains("令和5年4月1日")
            && html.contains("平成31年4月1日")
    );
    // 例規 numbering and the table of contents, including sections that are single clauses.
    assert!(html.contains("第２章　情報資産の分類と管理"));
    assert!(html.contains(">１ 目的</a>"), "the TOC lists 基本方針 1");
    // The amendment, the adopted 推奨事項 and the local clause are in; what is not adopted is not.
    assert!(html.contains("持出管理簿に記録しなければならない"));
    assert!(html.contains("毎年度最低１回は情報セキュリティ研修を受講できる"));
    assert!(html.contains("生成AIサービスの利用"));
    assert!(
        !html.contains("最高情報セキュリティアドバイザーを置く"),
        "a 推奨事項 not adopted is left out"
    );
    // The classification tables are real tables, and the 対策基準 is marked internal.
    assert!(html.contains("<caption>機密性による情報資産の分類</caption>"));
    assert!(html.contains("庁内限り"));
    assert!(
        !html.contains("分類 分類基準 取扱制限"),
        "the linearised table text is not printed"
    );

    // Staff cannot open a draft's document.
    let tokatsu = editor_with_draft(&t).await;
    assert_eq!(
        t.page(&shokuin, "/policy/3/document").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, html) = t.page(&tokatsu, "/policy/3/document").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第3版（案）"));
}

#[tokio::test]
async fn the_home_page_asks_staff_to_confirm_the_edition_in_force() {
    let t = TestApp::spawn().await;
    // shokuin is not among those who confirmed 第2版 in the demo; kacho is.
    let shokuin = t.signed_in("shokuin").await;
    let (_, html) = t.page(&shokuin, "/").await;
    assert!(html.contains("第2版 みほん市情報セキュリティポリシー"));
    assert!(html.contains("まだ確認していません"), "{html}");
    post(&t, &shokuin, "/policy/2/actions/acknowledge", &[]).await;
    let (_, html) = t.page(&shokuin, "/").await;
    assert!(!html.contains("まだ確認していません") && html.contains("確認済みです"));
    let kacho = t.signed_in("kacho").await;
    let (_, html) = t.page(&kacho, "/").await;
    assert!(html.contains("確認済みです"));
}

#[tokio::test]
async fn the_edition_downloads_as_a_pdf() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let r = kacho
        .get(t.url("/policy/2/document.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("content-type").unwrap(), "application/pdf");
    let disposition = r
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename=\"policy-edition-2.pdf\""),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
}

#[tokio::test]
async fn the_edition_downloads_as_a_word_document_with_its_clauses_in_order() {
    use std::io::Read;
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let r = kacho
        .get(t.url("/policy/2/document.docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = r
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename=\"policy-edition-2.docx\"")
            && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    // The title page, then the clauses in document order, with the body's own wording.
    let order = [
        "みほん市情報セキュリティポリシー",
        "改定履歴",
        "令和5年4月1日",
        "目的",
        "持出管理簿に記録し",
        "生成AIサービスの利用",
    ];
    let mut at = 0;
    for text in order {
        let found = xml[at..]
            .find(text)
            .unwrap_or_else(|| panic!("{text} missing or out of order"));
        at += found;
    }
    assert!(xml.contains("<w:tbl>"), "real Word tables");
}

#[tokio::test]
async fn a_draft_gets_its_own_clauses_and_terms_and_an_edition_can_be_abolished() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;

    // A local clause placed after a guideline clause, then shown in the document at that place.
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "add-local"),
            ("number", "2.3"),
            ("title", "テレワーク端末の管理"),
            (
                "text",
                "テレワークに用いる端末は、情報システム管理者が管理しなければならない。",
            ),
            ("after", "S-2.(2)⑩(ウ)"),
        ],
    )
    .await;
    let r = change_draft(
        &t,
        &tokatsu,
        &[
            ("op", "add-local"),
            ("number", "2.4"),
            ("title", ""),
            ("text", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        alert_of(&r.text().await.unwrap()).unwrap(),
        "独自の条項の見出し: 入力してください"
    );
    let r = change_draft(
        &t,
        &tokatsu,
        &[
            ("op", "add-local"),
            ("number", "2.4"),
            ("title", "t"),
            ("text", "x"),
            ("after", "S-99"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The body calls itself 本町: guideline texts follow, amended texts stay as written.
    change_draft_ok(&t, &tokatsu, &[("op", "set-body-term"), ("term", "本町")]).await;
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    let disposal = doc
        .find("情報セキュリティ管理者の許可を得なければならない")
        .unwrap();
    let local = doc.find("テレワーク端末の管理").unwrap();
    assert!(disposal < local, "the local clause follows S-2.(2)⑩(ウ)");
    assert!(doc.contains("本町が保有する情報資産") && !doc.contains("本市が保有する情報資産"));
    let r = change_draft(&t, &tokatsu, &[("op", "set-body-term"), ("term", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Removing the local clause takes it out again.
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    let marker = "name=\"op\" value=\"remove-local\"><input type=\"hidden\" name=\"key\" value=\"";
    let keys: Vec<&str> = html
        .match_indices(marker)
        .map(|(i, _)| html[i + marker.len()..].split('"').next().unwrap())
        .collect();
    assert_eq!(keys.len(), 2, "the demo's 5.5 and the new 2.3");
    for key in keys {
        change_draft(&t, &tokatsu, &[("op", "remove-local"), ("key", key)]).await;
    }
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    assert!(!doc.contains("テレワーク端末の管理") && !doc.contains("生成AIサービスの利用"));

    // 廃止 of the edition in force, by an editor only; it stays in the 改定履歴.
    let kacho = t.signed_in("kacho").await;
    assert_eq!(
        post(&t, &kacho, "/policy/2/actions/abolish", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&t, &tokatsu, "/policy/2/actions/abolish", &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = t.page(&tokatsu, "/policy").await;
    assert!(html.contains("status-abolished") && html.contains("第2版 一部改正 令和5年4月1日"));
    assert_eq!(
        post(&t, &tokatsu, "/policy/2/actions/abolish", &[])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_send_back_needs_a_comment_which_the_drafters_then_read() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    post(&t, &tokatsu, "/policy/3/actions/submit", &[]).await;
    let ciso = t.signed_in("ciso").await;
    let (_, html) = t.page(&ciso, "/policy/3").await;
    assert!(html.contains("差戻しの理由（修正してほしい点）"));

    // Without a comment the 差戻し is refused and nothing changes.
    let before = t.audit_count().await;
    for blank in ["", " \u{3000} "] {
        let r = post(
            &t,
            &ciso,
            "/policy/3/actions/send-back",
            &[("comment", blank)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            alert_of(&html).unwrap().starts_with("差戻しの理由:"),
            "the message names the field"
        );
        assert!(html.contains(r#"name="comment" rows="3" required aria-invalid="true""#));
    }
    assert_eq!(t.audit_count().await, before);
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("status-under_review"), "still under review");

    // The CISO sends it back with a comment: the draft shows it, with who and when.
    let comment = "第5章の用語を「所属長」に統一してください。";
    let r = post(
        &t,
        &ciso,
        "/policy/3/actions/send-back",
        &[("comment", comment)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("status-draft"));
    assert!(html.contains(comment), "{html}");
    assert!(html.contains("佐藤 健一（最高情報セキュリティ責任者（CISO））が差し戻しました"));

    // The audit record of the transition carries the comment.
    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 20)
        .await
        .unwrap();
    let record = records
        .iter()
        .find(|r| r.entry.action == "policy.send_back")
        .expect("a send_back record");
    let after: serde_json::Value =
        serde_json::from_str(record.entry.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["status"], "draft");
    assert_eq!(after["send_back"]["comment"], comment);
    assert_eq!(after["send_back"]["deciding_role"], "ciso");

    // A second round: the editor takes it back; the page shows the latest comment and the count.
    post(&t, &tokatsu, "/policy/3/actions/submit", &[]).await;
    let r = post(
        &t,
        &tokatsu,
        "/policy/3/actions/send-back",
        &[("comment", "別表の誤記を直します")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("別表の誤記を直します") && !html.contains(comment));
    assert!(html.contains("高橋 誠が差し戻しました（この版の差戻しは 2 回目）"));
}

/// A scheme of the body's own: one axis, two levels, one rule.
const OWN_SCHEME: &str = r#"id = "mihon-secrecy"
name = "みほん市の秘密区分"

[[axes]]
key = "secrecy"
name = "秘密区分"
order = "highest_first"

[[axes.levels]]
key = "hi"
name = "秘"
definition = "漏えいすると住民の権利を侵害するおそれがある情報"
handling = ["施錠できる書庫に保管する"]

[[axes.levels]]
key = "kokai"
name = "公開"
definition = "公開している情報"

[[rules]]
axis = "secrecy"
at_or_above = "hi"
actions = ["transport"]
requires = ["permission(security_manager)"]
clause = "S-2.(2)⑧(イ)"
"#;

#[tokio::test]
async fn a_body_defines_its_own_classification_scheme_and_a_broken_one_is_refused() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;

    // The editor starts from the current scheme's TOML.
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains(r#"<textarea id="scheme-toml" name="toml""#));
    let editor = &html[html.find(r#"id="scheme-toml""#).unwrap()..];
    let editor = &editor[..editor.find("</textarea>").unwrap()];
    assert!(
        editor.contains("[[axes]]") && editor.contains("機密性"),
        "{editor}"
    );

    // Broken: refused with the field named and the part of the TOML at fault; what was typed
    // stays in the editor; nothing is recorded.
    let before = t.audit_count().await;
    let no_axes = "id = \"x\"\nname = \"空の体系\"\n";
    let r = change_draft(&t, &tokatsu, &[("op", "define-scheme"), ("toml", no_axes)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(
        alert_of(&html).unwrap(),
        "分類体系（TOML）: 軸 — 軸を一つ以上定めてください"
    );
    assert!(html.contains("空の体系"), "the typed text is kept");
    assert!(html.contains(r#"class="mono" spellcheck="false" aria-invalid="true""#));
    let r = change_draft(
        &t,
        &tokatsu,
        &[
            ("op", "define-scheme"),
            ("toml", "id = \"x\"\nname = \"y\"\n[[axes]\n"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        message.starts_with("分類体系（TOML）: 分類体系 — TOMLとして読めません（3行目）"),
        "{message}"
    );
    let unknown_level = OWN_SCHEME.replace(r#"at_or_above = "hi""#, r#"at_or_above = "gokuhi""#);
    let r = change_draft(
        &t,
        &tokatsu,
        &[("op", "define-scheme"), ("toml", &unknown_level)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        message.starts_with("分類体系（TOML）: 秘密区分 — ") && message.contains("「gokuhi」"),
        "{message}"
    );
    assert_eq!(t.audit_count().await, before);
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("ガイドラインの分類") && !html.contains("本団体で定義"));

    // A sound scheme is saved: the handling table and the document follow it.
    change_draft_ok(
        &t,
        &tokatsu,
        &[("op", "define-scheme"), ("toml", OWN_SCHEME)],
    )
    .await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("みほん市の秘密区分</strong>（本団体で定義）"));
    assert!(handling_row(&html, "秘")[TRANSPORT].contains("の許可"));
    assert!(!handling_row(&html, "公開")[TRANSPORT].contains("許可"));
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    assert!(doc.contains("<caption>秘密区分による情報資産の分類</caption>"));
    assert!(doc.contains("施錠できる書庫に保管する"));
    assert!(!doc.contains("<caption>機密性による情報資産の分類</caption>"));

    // The audit record keeps the scheme before and after.
    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 10)
        .await
        .unwrap();
    let record = records
        .iter()
        .find(|r| r.entry.action == "policy.define_scheme")
        .expect("a define_scheme record");
    assert!(record.entry.before.as_deref().unwrap().contains("機密性"));
    assert!(
        record
            .entry
            .after
            .as_deref()
            .unwrap()
            .contains("mihon-secrecy")
    );

    // Back to a shipped scheme from the selector.
    change_draft(
        &t,
        &tokatsu,
        &[("op", "set-scheme"), ("preset", "guideline")],
    )
    .await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(
        !html.contains("本団体で定義") && html.contains(r#"<option value="guideline" selected>"#)
    );
}

const SCOPE_SENTENCE: &str = "本基本方針が適用される行政機関は、";

#[tokio::test]
async fn the_scope_of_organs_is_a_list_the_publication_follows() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("<li>議会事務局</li>") && html.contains("<li>地方公営企業</li>"));

    for (organs, message) in [
        (
            "\n \n",
            "行政機関の範囲: ポリシーを適用する行政機関を一つ以上入力してください",
        ),
        (
            "内部部局\n消防本部\n消防本部",
            "行政機関の範囲: 「消防本部」が重複しています",
        ),
    ] {
        let r = change_draft(&t, &tokatsu, &[("op", "set-organs"), ("organs", organs)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(alert_of(&r.text().await.unwrap()).unwrap(), message);
    }

    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "set-organs"),
            ("organs", "内部部局\r\n教育委員会\r\n\r\n 消防本部 \r\n"),
        ],
    )
    .await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("<li>教育委員会</li>") && !html.contains("<li>議会事務局</li>"));
    let expected = format!("{SCOPE_SENTENCE}内部部局、教育委員会及び消防本部とする。");
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    assert!(
        doc.contains(&expected),
        "the published clause lists the body's organs"
    );
    // 第2版 keeps the guideline's list; the diff shows the change.
    let (_, doc) = t.page(&tokatsu, "/policy/2/document").await;
    assert!(doc.contains(&format!(
        "{SCOPE_SENTENCE}内部部局、行政委員会、議会事務局、消防本部及び地方公営企業とする。"
    )));
    let (_, diff) = t.page(&tokatsu, "/policy/3/diff").await;
    assert!(diff.contains("B-4.(1) 適用範囲: 行政機関の範囲"), "{diff}");
}

#[tokio::test]
async fn a_local_clause_moves_and_takes_a_new_number() {
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    let move_to = async |number: &str, after: &str| {
        change_draft(
            &t,
            &tokatsu,
            &[
                ("op", "move-local"),
                ("key", "local-genai"),
                ("number", number),
                ("after", after),
            ],
        )
        .await
    };
    // The demo places 5.5 after S-5.4.(1)②; move it after the last password rule as 5.6.
    let r = move_to("5.6", "S-5.4.(3)⑧").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    let password = doc
        .find("職員等間でパスワードを共有してはならない")
        .unwrap();
    let local = doc.find("5.6　生成AIサービスの利用").unwrap();
    assert!(password < local, "now after S-5.4.(3)⑧");
    assert!(!doc.contains("5.5　生成AIサービスの利用"));
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("位置: S-5.4.(3)⑧ の後"));

    let r = move_to("5.6", "S-99").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .contains("「S-99」はガイドラインにありません")
    );
    let r = move_to(" ", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        alert_of(&r.text().await.unwrap()).unwrap(),
        "独自の条項の番号: 入力してください"
    );

    // Without a place it goes to the end of the 対策基準.
    let r = move_to("9.9", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("位置: 対策基準の末尾"));
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    let last_part = doc.rfind("情報セキュリティ対策基準").unwrap();
    assert!(doc.find("9.9　生成AIサービスの利用").unwrap() > last_part);

    // An edition in force cannot be rearranged.
    let r = post(
        &t,
        &tokatsu,
        "/policy/2/profile",
        &[
            ("op", "move-local"),
            ("key", "local-genai"),
            ("number", "1"),
            ("after", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_deleted_clause_reads_deleted_or_the_numbers_close_up_as_the_body_chooses() {
    use std::io::Read;
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "delete"),
            ("clause", "S-5.4.(3)②"),
            ("reason", "第①号と重なるため"),
        ],
    )
    .await;

    // By default the number stays with 「（削除）」, in HTML and in Word.
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains(r#"value="keep_as_deleted" checked"#));
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    assert!(doc.contains("<p>②　（削除）</p>"));
    assert!(doc.contains("<p>③パスワードは十分な長さとし"));
    assert!(!doc.contains("パスワードを秘密にし"));
    let word = async |client: &Client| {
        let bytes = client
            .get(t.url("/policy/3/document.docx"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    assert!(word(&tokatsu).await.contains("②　（削除）"));

    // Renumbered: no deleted line, the later rules move up.
    change_draft_ok(
        &t,
        &tokatsu,
        &[("op", "set-deleted-numbering"), ("numbering", "renumber")],
    )
    .await;
    let (_, doc) = t.page(&tokatsu, "/policy/3/document").await;
    assert!(!doc.contains("（削除）"));
    assert!(doc.contains("<p>②パスワードは十分な長さとし"));
    assert!(doc.contains("<p>⑦職員等間でパスワードを共有"));
    let xml = word(&tokatsu).await;
    assert!(xml.contains("②パスワードは十分な長さとし") && !xml.contains("（削除）"));
    // 第2版 is untouched.
    let (_, doc) = t.page(&tokatsu, "/policy/2/document").await;
    assert!(doc.contains("<p>②パスワードを秘密にし"));

    let r = change_draft(
        &t,
        &tokatsu,
        &[("op", "set-deleted-numbering"), ("numbering", "gaps")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .starts_with("削除した条項の番号:")
    );
}

const TRANSPORT_CLAUSE: &str = "S-2.(2)⑧(イ)";

/// The profile of an edition as the app keeps it.
async fn profile_of(t: &TestApp, number: u32) -> mamori_domain::policy::Profile {
    let token = t.api_token("tokatsu").await;
    let user = t.app.token_user(&token).await.unwrap().unwrap();
    let n = mamori_domain::policy::EditionNumber::new(number).unwrap();
    t.app
        .policy_edition(&user, n)
        .await
        .unwrap()
        .edition
        .profile
}

/// A change that is refused (422): the message of the page's alert, and the page.
async fn refused(t: &TestApp, b: &Client, path: &str, fields: &[(&str, &str)]) -> (String, String) {
    let r = post(t, b, path, fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
    let html = r.text().await.unwrap();
    (alert_of(&html).unwrap(), html)
}

/// The `<select>` of a role on the row form of the 権限・責任等一覧表.
fn mark_select<'a>(html: &'a str, role: &str) -> &'a str {
    let start = html.find(&format!("name=\"mark-{role}\"")).unwrap();
    let end = start + html[start..].find("</select>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn a_draft_adjusts_the_authority_matrix_and_the_exceptions_to_separation() {
    use mamori_domain::authority::{MatrixMark, RoleMarkEntry};
    use mamori_domain::separation::SodRule;
    let t = TestApp::spawn().await;
    let tokatsu = editor_with_draft(&t).await;
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("権限・責任等一覧表の調整") && html.contains("兼務の禁止の例外"));
    assert!(html.contains("ありません（ガイドラインの一覧表どおり）"));
    assert!(html.contains("S-1.(8)①") && html.contains("S-1.(8)②"));
    assert_eq!(html.matches("<td>例外を認めない</td>").count(), 2);
    assert!(html.contains("<label for=\"am-security_officer\">情報セキュリティ責任者</label>"));

    // 情報資産の運搬 is permitted by the 情報セキュリティ責任者 only.
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "set-authority-row"),
            ("clause", TRANSPORT_CLAUSE),
            ("mark-security_officer", "permits"),
            ("mark-security_manager", ""),
        ],
    )
    .await;
    let row = vec![RoleMarkEntry {
        role: "security_officer".into(),
        mark: MatrixMark::Permits,
    }];
    assert_eq!(
        profile_of(&t, 3).await.authority_overrides[TRANSPORT_CLAUSE],
        row
    );
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(
        html.contains("情報資産運搬の許可"),
        "the clause with its title"
    );
    assert!(html.contains("<li><strong>許</strong> 情報セキュリティ責任者</li>"));
    assert!(
        html.contains("<li>許 情報セキュリティ管理者</li>"),
        "beside the guideline's"
    );
    assert!(html.contains("ガイドラインに戻す"));

    // The row form reads the clause's current row.
    let (_, html) = t
        .page(&tokatsu, &format!("/policy/3?row={TRANSPORT_CLAUSE}"))
        .await;
    assert!(mark_select(&html, "security_officer").contains("value=\"permits\" selected"));
    assert!(mark_select(&html, "security_manager").contains("value=\"\" selected"));

    // A clause that is not the guideline's, or a role the body does not have, is refused and
    // changes nothing.
    let before = t.audit_count().await;
    for (clause, role, field, named) in [
        ("S-99.(1)", "ciso", "条項:", "S-99.(1)"),
        (
            TRANSPORT_CLAUSE,
            "mayor",
            "権限・責任等一覧表の調整:",
            "mayor",
        ),
    ] {
        let role_field = format!("mark-{role}");
        let fields = [
            ("op", "set-authority-row"),
            ("clause", clause),
            (role_field.as_str(), "permits"),
        ];
        let (message, html) = refused(&t, &tokatsu, "/policy/3/profile", &fields).await;
        assert!(
            message.starts_with(field) && message.contains(named),
            "{message}"
        );
        assert!(
            html.contains(&format!("value=\"{clause}\"")),
            "what was typed is kept"
        );
    }
    assert_eq!(t.audit_count().await, before);
    assert_eq!(
        profile_of(&t, 3).await.authority_overrides[TRANSPORT_CLAUSE],
        row
    );

    // No marks at all is a row too; back to the guideline removes the adjustment.
    change_draft_ok(
        &t,
        &tokatsu,
        &[("op", "set-authority-row"), ("clause", TRANSPORT_CLAUSE)],
    )
    .await;
    assert_eq!(
        profile_of(&t, 3).await.authority_overrides[TRANSPORT_CLAUSE],
        vec![]
    );
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains("印なし（許可・承認する者はいません）"));
    change_draft_ok(
        &t,
        &tokatsu,
        &[("op", "reset-authority-row"), ("clause", TRANSPORT_CLAUSE)],
    )
    .await;
    assert!(profile_of(&t, 3).await.authority_overrides.is_empty());
    // The guideline's own marks again are no adjustment.
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "set-authority-row"),
            ("clause", TRANSPORT_CLAUSE),
            ("mark-staff", "○"),
            ("mark-security_manager", "permits"),
        ],
    )
    .await;
    assert!(profile_of(&t, 3).await.authority_overrides.is_empty());

    // An exception to 兼務の禁止 ①, with its case; a blank case is refused; then withdrawn.
    let case = "承認権者が統括情報セキュリティ責任者のみで代わる者がいない場合";
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "set-separation-exception"),
            ("rule", "applicant_approver"),
            ("case", case),
        ],
    )
    .await;
    let p = profile_of(&t, 3).await;
    assert_eq!(
        p.separation.exceptions.get(&SodRule::ApplicantApprover),
        Some(&case.to_owned())
    );
    let (_, html) = t.page(&tokatsu, "/policy/3").await;
    assert!(html.contains(&format!("<td>{case}</td>")));
    assert_eq!(html.matches("<td>例外を認めない</td>").count(), 1);
    let (message, _) = refused(
        &t,
        &tokatsu,
        "/policy/3/profile",
        &[
            ("op", "set-separation-exception"),
            ("rule", "auditor_auditee"),
            ("case", " "),
        ],
    )
    .await;
    assert!(
        message.starts_with("例外を認める場合（S-1.(8)②）:"),
        "{message}"
    );
    change_draft_ok(
        &t,
        &tokatsu,
        &[
            ("op", "remove-separation-exception"),
            ("rule", "applicant_approver"),
        ],
    )
    .await;
    assert!(profile_of(&t, 3).await.separation.exceptions.is_empty());

    // Each change is in the audit trail.
    assert_audited(
        &t,
        &[
            "policy.set_authority_row",
            "policy.reset_authority_row",
            "policy.set_separation_exception",
        ],
    )
    .await;

    // The edition in force shows both sections without forms and refuses the changes.
    let (_, html) = t.page(&tokatsu, "/policy/2").await;
    assert!(html.contains("兼務の禁止の例外") && !html.contains("name=\"mark-"));
    assert!(!html.contains("remove-separation-exception") && !html.contains("set-separation"));
    let before = t.audit_count().await;
    for fields in [
        &[
            ("op", "set-authority-row"),
            ("clause", TRANSPORT_CLAUSE),
            ("mark-security_officer", "permits"),
        ][..],
        &[
            ("op", "set-separation-exception"),
            ("rule", "applicant_approver"),
            ("case", case),
        ][..],
    ] {
        let (message, _) = refused(&t, &tokatsu, "/policy/2/profile", fields).await;
        assert!(message.starts_with("状態:"), "{message}");
    }
    assert_eq!(t.audit_count().await, before);
    let p = profile_of(&t, 2).await;
    assert!(p.authority_overrides.is_empty() && p.separation.exceptions.is_empty());
}
