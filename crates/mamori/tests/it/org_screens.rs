//! The organization's import and 人事異動 screens as an editor uses them: upload, preview with
//! row-level problems, apply with progress, and a transfer batch confirmed and applied.

use crate::common;

use common::{TestApp, csrf_of, location};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

async fn csrf(t: &TestApp, b: &Client) -> String {
    let (_, home) = t.page(b, "/").await;
    csrf_of(&home)
}

async fn upload(
    t: &TestApp,
    b: &Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("_csrf", csrf(t, b).await)
        .text("kind", kind.to_owned())
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    b.post(t.url("/org/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn shift_jis(text: &str) -> Vec<u8> {
    let crlf = text.replace('\n', "\r\n");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&crlf);
    bytes.into_owned()
}

/// Follows the job page until the job ends; returns the final page.
async fn finish_job(t: &TestApp, b: &Client, job: &str) -> String {
    for _ in 0..100 {
        let (status, html) = t.page(b, job).await;
        assert_eq!(status, StatusCode::OK);
        if !html.contains("http-equiv=\"refresh\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job did not finish");
}

#[tokio::test]
async fn an_editor_uploads_people_sees_the_problems_and_imports_the_valid_rows() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let csv = shift_jis(
        "職員番号,氏名,ふりがな,所属,職名,雇用区分,メール\n\
         400001,川口 葵,かわぐち あおい,市民課,主事,職員,kawaguchi@example.lg.jp\n\
         400002,村田 蓮,むらた れん,市民課,主事,アルバイト,\n",
    );
    let r = upload(&t, &b, "people", "職員.csv", csv).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let preview = location(&r);
    assert!(preview.starts_with("/org/import/"), "{preview}");
    let (status, html) = t.page(&b, &preview).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("3行目") && html.contains("雇用区分") && html.contains("アルバイト"),
        "{html}"
    );
    assert!(html.contains("川口 葵") && html.contains("新規"));

    // Without choosing to skip, nothing happens and the page says why.
    let r = b
        .post(t.url(&preview))
        .form(&[("_csrf", csrf(&t, &b).await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("何も変更していません"));
    let (_, people) = t.page(&b, "/org/people?q=400001").await;
    assert!(!people.contains("川口 葵"));

    let r = b
        .post(t.url(&preview))
        .form(&[
            ("_csrf", csrf(&t, &b).await.as_str()),
            ("skip_invalid", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = location(&r);
    assert!(job.starts_with("/jobs/"), "{job}");
    let done = finish_job(&t, &b, &job).await;
    assert!(
        done.contains("新規 1件") && done.contains("誤りのある 1行は取り込んでいません"),
        "{done}"
    );
    let (_, people) = t.page(&b, "/org/people?q=400001").await;
    assert!(people.contains("川口 葵"), "{people}");
}

#[tokio::test]
async fn a_file_in_an_unknown_encoding_is_refused_on_the_upload_page_and_staff_cannot_upload() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let r = upload(
        &t,
        &b,
        "people",
        "職員.csv",
        vec![0x82, 0xa0, 0xff, 0xfe, 0x81],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("文字コード"), "{html}");

    let staff = t.signed_in("kacho").await;
    let r = upload(&t, &staff, "people", "職員.csv", b"a,b\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = t.page(&staff, "/org/export?kind=people").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "personal data is for editors only"
    );
}

#[tokio::test]
async fn the_export_downloads_a_workbook_that_imports_back_unchanged() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let r = b
        .get(t.url("/org/export?kind=people&format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let r = upload(&t, &b, "people", "people.xlsx", bytes).await;
    let (_, html) = t.page(&b, &location(&r)).await;
    assert!(html.contains("変更はありません"), "{html}");
}

#[tokio::test]
async fn a_transfer_batch_is_built_on_screen_and_applied_when_confirmed_on_its_date() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let today = t.app.today().to_string();
    let r = b
        .post(t.url("/org/transfers"))
        .form(&[
            ("_csrf", csrf(&t, &b).await.as_str()),
            ("title", "臨時の人事異動"),
            ("date", today.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let batch = location(&r);
    let (_, html) = t.page(&b, &batch).await;
    // The 税務課 option of the unit select.
    let zeimu = html
        .split("<option value=\"")
        .find(|o| o.contains(">　税務課<") || o.contains(">税務課<"))
        .and_then(|o| o.split('"').next())
        .unwrap()
        .to_owned();
    // An unknown 職員番号 is refused next to its field.
    let r = b
        .post(t.url(&batch))
        .form(&[
            ("_csrf", csrf(&t, &b).await.as_str()),
            ("op", "move"),
            ("staff_number", "999999"),
            ("unit", zeimu.as_str()),
            ("title", "主事"),
            ("status", "在職"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("999999"));
    for (op, extra) in [
        (
            "move",
            vec![
                ("staff_number", "100091"),
                ("unit", zeimu.as_str()),
                ("title", "主査"),
                ("status", "在職"),
            ],
        ),
        ("confirm", vec![]),
    ] {
        let token = csrf(&t, &b).await;
        let mut form = vec![("_csrf", token.as_str()), ("op", op)];
        form.extend(extra);
        let r = b.post(t.url(&batch)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{op}");
    }
    let (_, html) = t.page(&b, &batch).await;
    assert!(html.contains("適用済"), "{html}");
    assert!(
        html.contains("後任が決まっていません") && html.contains("市民課 課長"),
        "{html}"
    );
    let (_, list) = t.page(&b, "/org/transfers").await;
    assert!(list.contains("臨時の人事異動"));
}

#[tokio::test]
async fn a_list_of_moves_is_imported_into_a_draft_batch_all_or_nothing() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let r = b
        .post(t.url("/org/transfers"))
        .form(&[
            ("_csrf", csrf(&t, &b).await.as_str()),
            ("title", "令和9年4月1日付け人事異動"),
            ("date", "2027-04-01"),
        ])
        .send()
        .await
        .unwrap();
    let batch = location(&r);
    // One unknown 職員番号 refuses the whole list.
    let bad = shift_jis(
        "職員番号,氏名,異動後の所属,異動後の職名,在職状況\n\
         100091,佐々木 翔太,税務課,課長,\n\
         999999,誰か,市民課,主事,\n",
    );
    let r = upload_moves(&t, &b, &batch, bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("3行目「職員番号」") && html.contains("999999"),
        "{html}"
    );
    let (_, page) = t.page(&b, &batch).await;
    assert!(
        page.contains("まだ登録されていません"),
        "nothing registered"
    );

    let good = shift_jis(
        "職員番号,氏名,異動後の所属,異動後の職名,在職状況\n\
         100091,佐々木 翔太,税務課,課長,\n\
         100105,松本 和也,市民課,課長,\n",
    );
    let r = upload_moves(&t, &b, &batch, good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&b, &batch).await;
    assert!(
        page.contains("佐々木 翔太") && page.contains("松本 和也"),
        "{page}"
    );
    assert!(page.contains("市民課 課長") && page.contains("税務課 課長"));
}

async fn upload_moves(t: &TestApp, b: &Client, batch: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new()
        .text("_csrf", csrf(t, b).await)
        .part("file", Part::bytes(bytes).file_name("異動一覧.csv"));
    b.post(t.url(&format!("{batch}/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Every route that changes the organization (or hands out its personal data) refuses each
/// signed-in role without `org.edit`, and nothing is written.
#[tokio::test]
async fn every_organization_route_refuses_roles_without_the_permission() {
    let t = TestApp::spawn().await;
    let editor = t.signed_in("tokatsu").await;
    // Real ids to aim at: a unit, a person, an assignment, a batch and a staged file.
    let (_, tree) = t.page(&editor, "/org").await;
    let unit = tree
        .split("/org/units/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (_, people) = t.page(&editor, "/org/people").await;
    let person = people
        .split("/org/people/")
        .find_map(|s| s.split('"').next().filter(|id| id.len() == 36))
        .unwrap()
        .to_owned();
    let (_, roles) = t.page(&editor, "/org/roles").await;
    let assignment = roles
        .split("/org/roles/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let r = editor
        .post(t.url("/org/transfers"))
        .form(&[
            ("_csrf", csrf(&t, &editor).await.as_str()),
            ("title", "試験"),
            ("date", "2027-04-01"),
        ])
        .send()
        .await
        .unwrap();
    let batch = location(&r);
    let r = upload(
        &t,
        &editor,
        "people",
        "a.csv",
        "職員番号,氏名,ふりがな,所属,職名,雇用区分,メール\n".into(),
    )
    .await;
    let staged = location(&r);

    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/org/units".into(),
            vec![
                ("code", "x"),
                ("name", "新しい課"),
                ("kind", "department"),
                ("agency_kind", "内部部局"),
                ("effective", "2026-06-01"),
            ],
        ),
        (
            format!("/org/units/{unit}"),
            vec![
                ("name", "改名"),
                ("kind", "department"),
                ("agency_kind", "内部部局"),
                ("effective", "2026-06-01"),
            ],
        ),
        (
            format!("/org/units/{unit}/abolish"),
            vec![("effective", "2026-06-01")],
        ),
        (
            "/org/people".into(),
            vec![
                ("staff_number", "9"),
                ("name", "x"),
                ("unit", unit.as_str()),
                ("employment_kind", "職員"),
                ("status", "在職"),
            ],
        ),
        (
            format!("/org/people/{person}"),
            vec![
                ("staff_number", "9"),
                ("name", "x"),
                ("unit", unit.as_str()),
                ("employment_kind", "職員"),
                ("status", "退職"),
            ],
        ),
        (
            format!("/org/people/{person}/account"),
            vec![("login", "someone"), ("password", "correct horse battery")],
        ),
        (
            "/org/roles".into(),
            vec![
                ("role", "ciso"),
                ("person", "100091"),
                ("valid_from", "2026-06-01"),
            ],
        ),
        (
            format!("/org/roles/{assignment}/end"),
            vec![("valid_to", "2026-06-01")],
        ),
        (
            "/org/transfers".into(),
            vec![("title", "x"), ("date", "2026-06-01")],
        ),
        (batch.clone(), vec![("op", "confirm")]),
        (staged.clone(), vec![("skip_invalid", "1")]),
    ];
    for login in ["kacho", "bucho", "shokuin", "ciso"] {
        let b = t.signed_in(login).await;
        let before = t.audit_count().await;
        for (path, fields) in &forms {
            let token = csrf(&t, &b).await;
            let mut form = vec![("_csrf", token.as_str())];
            form.extend(fields.iter().copied());
            let r = b.post(t.url(path)).form(&form).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login} POST {path}");
        }
        for path in ["/org/import".to_owned(), format!("{batch}/import")] {
            let r = upload_to(&t, &b, &path, b"a,b\n".to_vec()).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login} upload {path}");
        }
        for path in [
            "/org/export?kind=people",
            "/org/people/new",
            &staged as &str,
        ] {
            let (status, _) = t.page(&b, path).await;
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                "{login} GET {path}: {status}"
            );
        }
        assert_eq!(t.audit_count().await, before, "{login} changed nothing");
    }
}

async fn upload_to(t: &TestApp, b: &Client, path: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new()
        .text("_csrf", csrf(t, b).await)
        .text("kind", "people")
        .part("file", Part::bytes(bytes).file_name("a.csv"));
    b.post(t.url(path)).multipart(form).send().await.unwrap()
}
