//! ギャップ分析 on screen: upload the 入間市 基本方針, read the summary and the clause table,
//! compare a clause, download the workbook, and import it as a draft edition.

use crate::common;

use std::io::Cursor;
use std::path::PathBuf;

use common::{TestApp, csrf_of, location};
use mamori_domain::policy::EditionNumber;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

fn iruma() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds/002_592f045dcc33169d.txt");
    assert!(
        path.is_file(),
        "{} is missing; CI checks shared/ out beside the clone",
        path.display()
    );
    std::fs::read(path).unwrap()
}

async fn upload(t: &TestApp, b: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let (_, html) = t.page(b, "/policy/gap").await;
    let form = Form::new()
        .text("_csrf", csrf_of(&html))
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    b.post(t.url("/policy/gap"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads the 入間市 基本方針 and returns its analysis page's path.
async fn analysed(t: &TestApp, b: &Client) -> String {
    let r = upload(t, b, "iruma.txt", iruma()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r);
    assert!(path.starts_with("/policy/gap/"), "{path}");
    path
}

/// The cell text of the chapter row `label` in the summary table: [covered, partial, omitted].
fn chapter_counts(html: &str, label: &str) -> [usize; 3] {
    let start = html
        .find(&format!(">{label}</a></th>"))
        .unwrap_or_else(|| panic!("{label} row missing"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    let nums: Vec<usize> = row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            // The cell's text without its link.
            let cell = &cell[..cell.find("</td>").unwrap()];
            let mut text = String::new();
            let mut in_tag = false;
            for c in cell.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().parse().unwrap()
        })
        .collect();
    [nums[0], nums[1], nums[2]]
}

#[tokio::test]
async fn any_member_analyses_a_policy_and_reads_it_per_chapter_and_clause() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let (status, html) = t.page(&kacho, "/policy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/policy/gap\""));

    let before = t.audit_count().await;
    let path = analysed(&t, &kacho).await;
    let (status, html) = t.page(&kacho, &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("ギャップ分析の結果"));
    // The 基本方針 is covered; a 基本方針 alone omits the 対策基準.
    let [covered, _, omitted] = chapter_counts(&html, "基本方針");
    assert!(covered >= 8, "基本方針 covered {covered}");
    assert!(omitted <= 2, "基本方針 omitted {omitted}");
    let (mut s_covered, mut s_omitted) = (0, 0);
    for n in 1..=9 {
        let [covered, _, omitted] = chapter_counts(&html, &format!("対策基準 第{n}章"));
        s_covered += covered;
        s_omitted += omitted;
    }
    assert!(
        s_omitted > 10 * s_covered,
        "対策基準: {s_covered} covered, {s_omitted} omitted"
    );
    // A member only reads: no import form, nothing written but the record of the upload.
    assert!(!html.contains("/adopt\""));
    assert_eq!(t.audit_count().await, before + 1);

    // Filters: status and chapter narrow the table; 推奨 only lists 推奨事項.
    let (_, html) = t
        .page(&kacho, &format!("{path}?status=covered&chapter=B"))
        .await;
    assert!(html.contains("clause?id=B-"), "a covered 基本方針 clause");
    assert!(!html.contains("clause?id=S-"));
    assert!(!html.contains("gap-row-omitted"));
    let (_, html) = t
        .page(&kacho, &format!("{path}?status=omitted&chapter=S-6"))
        .await;
    assert!(html.contains("clause?id=S-6"));
    assert!(!html.contains("clause?id=B-"));
    assert!(!html.contains("gap-row-covered"));
    let (_, html) = t
        .page(&kacho, &format!("{path}?recommended=1&chapter=S-6"))
        .await;
    let rows = html.matches("<tr class=\"gap-row-").count();
    let recommended = html.matches("badge-recommended\">推奨</span>").count();
    assert!(rows > 0);
    assert_eq!(rows, recommended);

    // An unreadable file names the field.
    let r = upload(&t, &kacho, "empty.txt", Vec::new()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ファイル"));
    let r = upload(&t, &kacho, "broken.docx", b"PK not a zip".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Another body's or an unknown id is not found.
    let (status, _) = t.page(&kacho, "/policy/gap/no-such-upload").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_clause_is_compared_character_by_character_and_the_report_downloads() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let path = analysed(&t, &b).await;
    // B-2.(9) (LGWAN 接続系) is partial in the 入間市 text: it lacks 「人事給与、財務会計」.
    let (_, html) = t.page(&b, &format!("{path}?status=partial")).await;
    assert!(html.contains("clause?id=B-2.%289%29"), "{html}");
    let (status, html) = t.page(&b, &format!("{path}/clause?id=B-2.(9)")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("ガイドラインの例文"));
    assert!(html.contains("文書の該当箇所"));
    assert!(html.contains("人事給与、財務会計"));
    // The differing characters are marked on both sides.
    assert!(html.contains("<del>") && html.contains("<ins>"), "{html}");
    // An omitted clause shows the 例文 alone.
    let (_, html) = t
        .page(&b, &format!("{path}?status=omitted&chapter=S-9"))
        .await;
    let start = html.find("clause?id=").unwrap() + "clause?id=".len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let (status, html) = t.page(&b, &format!("{path}/clause?id={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("該当する規定は見つかりませんでした"));
    assert!(!html.contains("<del>"));
    let (status, _) = t.page(&b, &format!("{path}/clause?id=NO-SUCH")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let r = b
        .get(t.url(&format!("{path}/report.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("条項別").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header[0], "条項ID");
    assert_eq!(header[2], "判定");
    let catalog = mamori_catalog::load_embedded().unwrap();
    assert_eq!(sheet.height(), catalog.clauses.len() + 1);
}

#[tokio::test]
async fn only_an_editor_imports_the_document_as_a_draft_edition() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let path = analysed(&t, &kacho).await;
    let (_, html) = t.page(&kacho, &path).await;
    let before = t.audit_count().await;
    let r = kacho
        .post(t.url(&format!("{path}/adopt")))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, before);

    let tokatsu = t.signed_in("tokatsu").await;
    let before = t.audit_count().await;
    let (_, html) = t.page(&tokatsu, &path).await;
    assert!(html.contains("ガイドラインの構成で取り込む"));
    let r = tokatsu
        .post(t.url(&format!("{path}/adopt")))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("第3版（下書き）として取り込みました"),
        "{html}"
    );
    assert!(html.contains("href=\"/policy/3\""));
    assert!(html.contains("未対応（ガイドラインの例文のまま）"));
    // Two records: the edition created and the import.
    assert_eq!(t.audit_count().await, before + 2);
    let mut conn = t.app.store().conn().await.unwrap();
    let records = mamori_store::audit::list(&mut conn, &Default::default(), 2)
        .await
        .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.entry.action.as_str()).collect();
    assert!(actions.contains(&"policy.create_edition"), "{actions:?}");
    assert!(actions.contains(&"policy.import_gap"), "{actions:?}");

    // The draft holds the document's wording and its own provisions.
    let body = t.app.bodies().await.unwrap().remove(0);
    let draft =
        mamori_store::policy::find_edition(&mut conn, body.id, EditionNumber::new(3).unwrap())
            .await
            .unwrap()
            .unwrap();
    let catalog = mamori_catalog::load_embedded().unwrap();
    let doc = mamori_gap::Document::from_bytes(&iruma(), "iruma.txt").unwrap();
    let report = mamori_gap::analyze(&catalog, &doc);
    let partial: Vec<_> = report
        .clauses
        .iter()
        .filter(|c| c.status == mamori_gap::Status::Partial)
        .collect();
    for c in &partial {
        let amendment = draft.profile.amendments.get(&c.id).unwrap();
        assert_eq!(
            amendment.text,
            mamori_app::gap::document_text(c),
            "{}",
            c.id
        );
    }
    let gap_locals = draft
        .profile
        .local_clauses
        .iter()
        .filter(|l| l.key.starts_with("gap-"))
        .count();
    // The title, 序 and 目次 before 第1章 1 are not imported; 4.(2)ウ 紙媒体の情報 and 6.(3)
    // are, each after the clause matched just above it.
    assert_eq!(gap_locals, 2);
    assert!(html.contains("取り込まなかった題名・前文・目次等"));
    let paper = draft
        .profile
        .local_clauses
        .iter()
        .find(|l| l.text.contains("紙媒体の情報"))
        .unwrap();
    assert!(
        paper.after.as_deref().unwrap().starts_with("B-4.(2)"),
        "{:?}",
        paper.after
    );
    assert_eq!(paper.number, "第1章 4.(2)ウ");
    // Omitted clauses are neither deleted nor reworded.
    for c in report
        .clauses
        .iter()
        .filter(|c| c.status == mamori_gap::Status::Omitted && !c.recommended)
    {
        assert!(!draft.profile.deletions.contains_key(&c.id), "{}", c.id);
    }

    // The upload is used up; a second import finds nothing, and while the draft is open a new
    // upload cannot be imported.
    let r = tokatsu
        .post(t.url(&format!("{path}/adopt")))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let again = analysed(&t, &tokatsu).await;
    let (_, html) = t.page(&tokatsu, &again).await;
    let before = t.audit_count().await;
    let r = tokatsu
        .post(t.url(&format!("{again}/adopt")))
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(t.audit_count().await, before);
}

#[tokio::test]
async fn an_analysis_is_made_once_audited_bounded_per_person_and_expires_audited() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("shokuin").await;
    let path = analysed(&t, &b).await;
    let id = path.trim_start_matches("/policy/gap/").to_owned();
    let mut conn = t.app.store().conn().await.unwrap();
    let uploads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'gap.upload' AND target_id = $1",
    )
    .bind(&id)
    .fetch_one(conn.raw())
    .await
    .unwrap();
    assert_eq!(uploads, 1, "the upload is in the trail");
    // The report is kept: with the stored file made unreadable, the page still shows it, so
    // it is not analysed again on each view.
    sqlx::query("UPDATE pending_imports SET content = $1 WHERE id = $2")
        .bind(vec![0xffu8, 0xfe, 0x00, 0xd8])
        .bind(&id)
        .execute(conn.raw())
        .await
        .unwrap();
    drop(conn);
    let (status, html) = t.page(&b, &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("iruma.txt"), "{html}");

    // One person keeps at most five analysed documents waiting.
    for _ in 1..mamori_app::gap::MAX_PENDING_PER_PERSON {
        assert_eq!(
            upload(&t, &b, "iruma.txt", iruma()).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let r = upload(&t, &b, "iruma.txt", iruma()).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("取り込んでいない分析結果が 5 件あります")
    );

    // After a day they are removed, each with a record; the page is then gone.
    let mut conn = t.app.store().conn().await.unwrap();
    sqlx::query("UPDATE pending_imports SET created_at = '2000-01-01T00:00:00.000000Z'")
        .execute(conn.raw())
        .await
        .unwrap();
    drop(conn);
    assert_eq!(t.app.expire_pending_imports().await.unwrap(), 5);
    let mut conn = t.app.store().conn().await.unwrap();
    let expired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.expired'")
            .fetch_one(conn.raw())
            .await
            .unwrap();
    assert_eq!(expired, 5);
    drop(conn);
    assert_eq!(t.page(&b, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        upload(&t, &b, "iruma.txt", iruma()).await.status(),
        StatusCode::SEE_OTHER
    );
}
