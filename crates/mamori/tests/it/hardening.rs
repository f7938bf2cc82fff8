//! What an attacker's probe found, each as the behaviour a user relies on now: redirects stay on
//! this site, a wrong id is 404 not 500, oversized requests get the Japanese page with the
//! security headers, display-reordering characters and oversized text are refused, and the risk
//! register and planned 人事異動 are shown only to who may see them.

use crate::common;

use common::{TestApp, alert_of, csrf_of, location};
use mamori_app::RequestMeta;
use mamori_app::organization::UnitInput;
use mamori_app::policy::ProfileChange;
use mamori_domain::policy::LocalClause;
use reqwest::StatusCode;

/// Signs in through the form with `next` as the browser sent it, raw.
async fn login_with_next(t: &TestApp, next: &str) -> reqwest::Response {
    let b = t.browser();
    let csrf = t.login_form(&b).await;
    b.post(t.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "kacho"),
            ("password", common::DEMO_PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn after_login_a_crafted_next_goes_home_and_the_session_is_set() {
    let t = TestApp::spawn().await;
    // A tab, line breaks, vertical tab and form feed, a backslash: browsers drop or rewrite
    // these, so each of them could lead off the site (or, before, broke the response).
    for next in [
        "/\t/evil.example/phish",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\u{b}/evil.example",
        "/\u{c}/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
    ] {
        let r = login_with_next(&t, next).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&r), "/", "{next:?}");
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("mamori_session=")),
            "{next:?}: the session cookie is set"
        );
    }
    // A path of this site is kept.
    let r = login_with_next(&t, "/assets?page=2").await;
    assert_eq!(location(&r), "/assets?page=2");

    // The query string of the login page is treated the same way once signed in.
    let b = t.signed_in("kacho").await;
    let r = b
        .get(t.url("/login?next=%2F%09%2Fevil.example%2Fphish"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn marking_a_notification_read_never_redirects_off_the_site() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let (_, list) = t.page(&b, "/notifications").await;
    // The demo leaves お知らせ for the 課長; take the first one's id from its form.
    let marker = "/notifications/";
    let start = list
        .match_indices(marker)
        .map(|(i, _)| i + marker.len())
        .find(|&i| list[i..].contains("/read"))
        .expect("a notification to mark read");
    let id: String = list[start..].chars().take_while(|c| *c != '/').collect();
    let csrf = csrf_of(&list);
    let r = b
        .post(t.url(&format!("/notifications/{id}/read")))
        .form(&[("_csrf", csrf.as_str()), ("next", "/\t/evil.example/phish")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn an_import_id_of_another_kind_is_not_found_not_an_internal_error() {
    let t = TestApp::spawn().await;
    let editor = t.user("tokatsu").await;
    let writer = editor.asset_writer().unwrap();
    let csv = "管理番号,名称,種別,所管課,分類\nIA-900001,試験用の文書,情報,市民課,機密性２・完全性１・可用性１\n";
    let staged = t
        .app
        .stage_asset_import(&editor, &writer, "台帳.csv", csv.as_bytes())
        .await
        .unwrap();
    let b = t.signed_in("tokatsu").await;
    // The asset import's own page knows it …
    let (status, _) = t.page(&b, &format!("/assets/import/{}", staged.id)).await;
    assert_eq!(status, StatusCode::OK);
    // … the organization import does not: 404 with the Japanese page, for showing and applying.
    let (status, html) = t.page(&b, &format!("/org/import/{}", staged.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    assert!(html.contains("取込ファイルが見つかりません"), "{html}");
    let (_, home) = t.page(&b, "/").await;
    let r = b
        .post(t.url(&format!("/org/import/{}", staged.id)))
        .form(&[("_csrf", csrf_of(&home).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_oversized_request_gets_the_japanese_page_with_the_security_headers() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("kacho").await;
    let (_, home) = t.page(&b, "/").await;
    let csrf = csrf_of(&home);
    // A form (not an upload) over the 1 MB limit of forms, and an upload over the limit of
    // files: both the Japanese page with the headers every page has.
    let big = "あ".repeat(700 * 1024);
    let form = b
        .post(t.url("/org/units"))
        .form(&[("_csrf", csrf.as_str()), ("name", big.as_str())]);
    let upload = b.post(t.url("/assets/import")).multipart(
        reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(vec![b'a'; 21 * 1024 * 1024]).file_name("台帳.csv"),
            ),
    );
    for request in [form, upload] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
        ] {
            assert!(r.headers().contains_key(header), "{header}");
        }
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains("送信されたデータが上限を超えています"),
            "{html}"
        );
    }

    // Over the whole upload limit, on the API: the JSON error, Japanese.
    let token = t.api_token("kacho").await;
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/assets"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 21 * 1024 * 1024 + 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.headers().contains_key("content-security-policy"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "too_large");
    assert!(body["message"].as_str().unwrap().contains("上限"), "{body}");
}

#[tokio::test]
async fn display_reordering_characters_are_refused_in_names_and_nothing_is_written() {
    let t = TestApp::spawn().await;
    let editor = t.user("tokatsu").await;
    let may = editor.org_editor().unwrap();
    let units_before = t.app.org_tree(&editor, t.app.today()).await.unwrap().len();
    let audit_before = t.audit_count().await;
    for c in ['\u{202E}', '\u{202A}', '\u{2066}', '\u{2069}'] {
        let err = t
            .app
            .create_unit(
                &editor,
                &may,
                UnitInput {
                    code: "X1".into(),
                    name: format!("請求書{c}txt.exe課"),
                    kind: "section".into(),
                    parent: None,
                    agency_kind: "市長".into(),
                    effective: t.app.today(),
                },
                &RequestMeta::default(),
            )
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.field(), Some("組織名"), "{msg}");
        assert!(msg.contains("表示順を変える制御文字"), "{msg}");
    }
    assert_eq!(
        t.app.org_tree(&editor, t.app.today()).await.unwrap().len(),
        units_before
    );
    assert_eq!(t.audit_count().await, audit_before);

    // The same rule on a screen: an asset name, refused naming the field.
    let b = t.signed_in("shokuin").await;
    let (_, form) = t.page(&b, "/assets/new").await;
    let csrf = csrf_of(&form);
    let shokuin = t.user("shokuin").await;
    let shimin = t
        .app
        .asset_units(&shokuin)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "市民課")
        .unwrap()
        .id
        .to_string();
    let audit_before = t.audit_count().await;
    let r = b
        .post(t.url("/assets"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "電磁的記録媒体"),
            ("name", "USBメモリ\u{202E}txt.exe"),
            ("owner_unit", shimin.as_str()),
            ("location", "市民課 キャビネット"),
            ("segment", "その他"),
            ("classification", "機密性２・完全性１・可用性１"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        alert_of(&html)
            .unwrap()
            .contains("名称に文字の表示順を変える制御文字"),
        "{html}"
    );
    assert_eq!(t.audit_count().await, audit_before);
}

#[tokio::test]
async fn a_local_clause_longer_than_a_provision_can_be_is_refused() {
    let t = TestApp::spawn().await;
    let n = t.policy_draft(vec![]).await;
    let editor = t.user("tokatsu").await;
    let may = editor.policy_editor().unwrap();
    let before = t.audit_count().await;
    let local = |text: String| LocalClause {
        key: "local-big".into(),
        number: "6.9".into(),
        title: "独自の規定".into(),
        text,
        after: None,
    };
    let err = t
        .app
        .change_policy_profile(
            &editor,
            &may,
            n,
            ProfileChange::AddLocal(local("あ".repeat(1024 * 1024))),
            &RequestMeta::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("独自の条項の本文"));
    assert!(err.to_string().contains("20000文字以内"), "{err}");
    assert_eq!(t.audit_count().await, before, "nothing written");
    // A provision of ordinary length is taken.
    t.app
        .change_policy_profile(
            &editor,
            &may,
            n,
            ProfileChange::AddLocal(local(
                "職員は、庁舎外へ情報資産を持ち出してはならない。".into(),
            )),
            &RequestMeta::default(),
        )
        .await
        .unwrap();
}

/// The vulnerabilities of the demo's risks, by the unit owning the asset: two of 市民課's
/// assets, one of 秘書広報課's, and two asset groups that name no unit.
const SHIMIN_RISKS: [&str; 2] = [
    "端末の操作ログの確認が不定期である",
    "運搬時の紛失・置き忘れ",
];
const OTHER_RISKS: [&str; 1] = ["大量アクセスに対する防御をホスティング事業者に依存している"];

#[tokio::test]
async fn the_risk_register_is_shown_whole_to_the_ciso_and_by_unit_to_everyone_else() {
    let t = TestApp::spawn().await;
    for login in ["ciso", "tokatsu"] {
        let b = t.signed_in(login).await;
        let (status, html) = t.page(&b, "/risks").await;
        assert_eq!(status, StatusCode::OK, "{login}");
        for v in SHIMIN_RISKS.iter().chain(&OTHER_RISKS) {
            assert!(html.contains(v), "{login} sees {v}");
        }
    }
    // A 職員 of 市民課 sees the risks of 市民課's assets and nothing else.
    let b = t.signed_in("shokuin").await;
    let (status, html) = t.page(&b, "/risks").await;
    assert_eq!(status, StatusCode::OK);
    for v in SHIMIN_RISKS {
        assert!(html.contains(v), "shokuin sees {v}");
    }
    for v in OTHER_RISKS {
        assert!(!html.contains(v), "shokuin must not see {v}");
    }
    let ciso = t.user("ciso").await;
    let all = t
        .app
        .risk_register(&ciso, &ciso.risk_reader().unwrap())
        .await
        .unwrap()
        .rows
        .len();
    let shokuin = t.user("shokuin").await;
    let own = t
        .app
        .risk_register(&shokuin, &shokuin.risk_reader().unwrap())
        .await
        .unwrap()
        .rows
        .len();
    assert_eq!((all, own), (6, 2));
}

#[tokio::test]
async fn a_planned_transfer_is_shown_to_org_editors_and_to_the_people_it_moves_only() {
    let t = TestApp::spawn().await;
    let editor = t.user("tokatsu").await;
    let batch = t
        .app
        .transfers(&editor)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo's confirmed batch");
    let page = format!("/org/transfers/{}", batch.id);

    // The 統括 sees the batch and both moves.
    let b = t.signed_in("tokatsu").await;
    let (status, html) = t.page(&b, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("佐々木 翔太"), "{html}");
    let moves = t.app.transfer(&editor, batch.id).await.unwrap().moves.len();
    assert_eq!(moves, 2);

    // A 職員 it does not move: not in the list, 404 on the page.
    let b = t.signed_in("shokuin").await;
    let (status, html) = t.page(&b, "/org/transfers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&batch.title), "{html}");
    let (status, _) = t.page(&b, &page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The 課長 it moves sees it, with his own move only.
    let kacho = t.user("kacho").await;
    let view = t.app.transfer(&kacho, batch.id).await.unwrap();
    assert_eq!(view.moves.len(), 1);
    assert_eq!(view.moves[0].name, "佐々木 翔太");
    assert!(
        t.app
            .transfers(&kacho)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == batch.id)
    );
}

/// A workbook of two cells, at A1 and at the sheet's last cell XFD1048576, declaring the whole
/// sheet as its dimension: under 2 KB, and a rectangle of 17 billion cells to a naive reader.
fn corner_to_corner_workbook() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let ns = "http://schemas.openxmlformats.org";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
            ),
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_two_cell_workbook_spanning_the_sheet_is_refused_by_every_importer_and_the_server_lives()
{
    let t = TestApp::spawn().await;
    let book = corner_to_corner_workbook();
    assert!(book.len() < 2048, "{}", book.len());
    let b = t.signed_in("tokatsu").await;
    let transfer: String = {
        let mut conn = t.app.store().conn().await.unwrap();
        sqlx::query_scalar("SELECT id FROM transfers ORDER BY id")
            .fetch_one(conn.raw())
            .await
            .unwrap()
    };
    let before = t.audit_count().await;
    for (path, kind) in [
        ("/org/import".to_owned(), Some("people")),
        ("/org/import".to_owned(), Some("units")),
        ("/assets/import".to_owned(), None),
        (format!("/org/transfers/{transfer}/import"), None),
    ] {
        let (_, page) = t.page(&b, "/").await;
        let mut form = reqwest::multipart::Form::new().text("_csrf", csrf_of(&page));
        if let Some(kind) = kind {
            form = form.text("kind", kind);
        }
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(book.clone()).file_name("職員.xlsx"),
        );
        let r = b.post(t.url(&path)).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("1048576 行目の 16384 列目") && html.contains("200 列目まで"),
            "{path}: {:?}",
            alert_of(&html)
        );
    }
    assert_eq!(t.audit_count().await, before, "nothing was written");
    let (status, _) = t.page(&b, "/").await;
    assert_eq!(status, StatusCode::OK, "the server still answers");

    // The command line: a clear error and exit code 1, not an abort.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("職員.xlsx");
    std::fs::write(&file, &book).unwrap();
    for args in [
        vec!["org", "import", file.to_str().unwrap(), "--dry-run"],
        vec!["assets", "import", file.to_str().unwrap(), "--dry-run"],
    ] {
        let out = t.cli(&args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("200 列目まで"), "{args:?}: {stderr}");
    }
}

/// The staff number of the person behind a demo login.
async fn staff_number_of(t: &TestApp, login: &str) -> String {
    let mut conn = t.app.store().conn().await.unwrap();
    sqlx::query_scalar(
        "SELECT p.staff_number FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.login = $1",
    )
    .bind(login)
    .fetch_one(conn.raw())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_organization_editor_cannot_name_himself_ciso_nor_move_himself_into_a_post() {
    let t = TestApp::spawn().await;
    let b = t.signed_in("tokatsu").await;
    let me = staff_number_of(&t, "tokatsu").await;
    let editor = t.user("tokatsu").await;
    let mine = editor.account.person_id.unwrap();
    let before = t.audit_count().await;
    let (_, page) = t.page(&b, "/org/roles").await;
    let today = t.app.today().to_string();
    let assign = |person: String| {
        vec![
            ("_csrf".to_owned(), csrf_of(&page)),
            ("role".to_owned(), "ciso".to_owned()),
            ("person".to_owned(), person),
            ("unit".to_owned(), String::new()),
            ("system".to_owned(), String::new()),
            ("valid_from".to_owned(), today.clone()),
            ("valid_to".to_owned(), String::new()),
        ]
    };
    let r = b
        .post(t.url("/org/roles"))
        .form(&assign(me.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("自分自身への役割の任命"));
    assert_eq!(t.audit_count().await, before, "nothing changed");

    // Moving oneself into another post (which would pass its roles on) is refused too, on the
    // form and in a 人事異動 list.
    let (_, form) = t.page(&b, &format!("/org/people/{mine}")).await;
    assert!(form.contains("name=\"title\""), "{form}");
    let person = t.app.person(&editor, mine).await.unwrap();
    let r = b
        .post(t.url(&format!("/org/people/{mine}")))
        .form(&[
            ("_csrf", csrf_of(&form).as_str()),
            ("staff_number", me.as_str()),
            ("name", person.person.name.as_str()),
            ("name_kana", ""),
            ("unit", person.person.unit_id.to_string().as_str()),
            ("title", "課長"),
            ("employment_kind", person.person.employment_kind.as_str()),
            ("email", ""),
            ("status", "在職"),
            ("effective", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, before, "nothing changed");
    let tokatsu = t.user("tokatsu").await;
    assert!(!tokatsu.role_keys().contains(&"ciso".to_owned()));

    // Naming someone else to the CISO role is allowed, and the current CISO is told.
    let kacho = staff_number_of(&t, "kacho").await;
    let r = b
        .post(t.url("/org/roles"))
        .form(&assign(kacho))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ciso = t.user("ciso").await;
    let told = t.app.notifications(&ciso).await.unwrap();
    assert!(
        told.iter()
            .any(|n| n.subject.starts_with("役割の任命") && n.text.contains("任命しました")),
        "{told:?}"
    );
}

/// The CISO also becomes 統括 (named by the 統括, not by himself), so he may draft.
async fn ciso_made_an_editor(t: &TestApp) -> mamori_app::CurrentUser {
    use mamori_app::organization::AssignmentInput;
    let tokatsu = t.user("tokatsu").await;
    let ciso_person = t.user("ciso").await.account.person_id.unwrap();
    t.app
        .assign_role(
            &tokatsu,
            &tokatsu.org_editor().unwrap(),
            AssignmentInput {
                role: "chief_security_officer".to_owned(),
                person: ciso_person,
                unit: None,
                system: None,
                is_deputy: false,
                valid_from: t.app.today(),
                valid_to: None,
                tie_to_post: false,
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    t.user("ciso").await
}

#[tokio::test]
async fn whoever_drafted_an_edition_cannot_decide_it() {
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    let ciso = ciso_made_an_editor(&t).await;
    let may = ciso.policy_editor().unwrap();
    let tokatsu = t.user("tokatsu").await;
    let n = t.policy_draft(Vec::new()).await;
    t.app
        .change_policy_profile(
            &ciso,
            &may,
            n,
            ProfileChange::SetParameter {
                key: "password_min_length".to_owned(),
                value: "12".to_owned(),
            },
            &meta,
        )
        .await
        .unwrap();
    t.app
        .submit_policy_edition(&tokatsu, &tokatsu.policy_editor().unwrap(), n, &meta)
        .await
        .unwrap();
    let before = t.audit_count().await;
    let err = t
        .app
        .decide_policy_edition(&ciso, n, Some("急ぐため"), &meta)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("S-1.(8)①") && err.contains("例外が認められていません"),
        "{err}"
    );
    assert_eq!(t.audit_count().await, before);
    let (_, page) = t
        .page(&t.signed_in("ciso").await, &format!("/policy/{}", n.get()))
        .await;
    assert!(
        !page.contains("sod_reason"),
        "no exception in force, no reason field"
    );
}

#[tokio::test]
async fn a_drafter_decides_with_a_reason_only_where_the_profile_in_force_allows_it() {
    use mamori_domain::separation::SodRule;
    let t = TestApp::spawn().await;
    let meta = RequestMeta::default();
    // The profile in force allows the exception (a draft cannot grant it to itself).
    let allowing = t
        .policy_draft(vec![ProfileChange::SetSeparationException {
            rule: SodRule::ApplicantApprover,
            case: Some("決裁者のほかに起案できる者がいない場合".to_owned()),
        }])
        .await;
    t.bring_into_force(allowing).await;
    let ciso = ciso_made_an_editor(&t).await;
    let may = ciso.policy_editor().unwrap();
    let n = t.policy_draft(Vec::new()).await;
    t.app
        .submit_policy_edition(&ciso, &may, n, &meta)
        .await
        .unwrap();
    let (_, page) = t
        .page(&t.signed_in("ciso").await, &format!("/policy/{}", n.get()))
        .await;
    assert!(page.contains("name=\"sod_reason\""), "{page}");
    let err = t
        .app
        .decide_policy_edition(&ciso, n, None, &meta)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("理由を入力してください"), "{err}");
    let e = t
        .app
        .decide_policy_edition(&ciso, n, Some("起案できる者が他にいないため"), &meta)
        .await
        .unwrap();
    assert_eq!(e.status, mamori_domain::policy::EditionStatus::Decided);
    let mut conn = t.app.store().conn().await.unwrap();
    let after: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE action = 'policy.decide' ORDER BY seq DESC",
    )
    .fetch_one(conn.raw())
    .await
    .unwrap();
    assert!(after.contains("起案できる者が他にいないため"), "{after}");
}

#[tokio::test]
async fn a_login_name_no_account_has_is_kept_only_as_a_keyed_hash_and_its_records_are_bounded() {
    let t = TestApp::spawn().await;
    let typed = "Tr0ub4dor&3-typed-in-the-login-field";
    let b = t.browser();
    for _ in 0..2 {
        let r = t.post_login(&b, typed, "whatever").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let mut conn = t.app.store().conn().await.unwrap();
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT actor_label, target_id, after_json FROM audit_log WHERE action = 'auth.login_failed'",
    )
    .fetch_all(conn.raw())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for (label, target, after) in &rows {
        assert_eq!(label, mamori_app::auth::UNKNOWN_LOGIN_LABEL);
        assert!(
            target.starts_with('?') && !target.contains("Tr0ub4dor"),
            "{target}"
        );
        assert!(!after.clone().unwrap_or_default().contains("Tr0ub4dor"));
    }
    // The same name meets the same count; the typed text is in no table.
    assert_eq!(rows[0].1, rows[1].1);
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM login_throttle WHERE login = $1")
        .bind(&rows[0].1)
        .fetch_one(conn.raw())
        .await
        .unwrap();
    assert_eq!(failures, 2);
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle WHERE login LIKE '%Tr0ub4dor%'")
            .fetch_one(conn.raw())
            .await
            .unwrap();
    assert_eq!(kept, 0);
    drop(conn);

    // A known login's failure is still recorded under its name.
    let r = t.post_login(&b, "kacho", "wrong password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let mut conn = t.app.store().conn().await.unwrap();
    let known: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND actor_label = 'kacho'",
    )
    .fetch_one(conn.raw())
    .await
    .unwrap();
    assert_eq!(known, 1);
    drop(conn);

    // Anonymous requests with ever new names write at most the hourly bound of records.
    let bound = mamori_app::auth::MAX_UNKNOWN_LOGIN_RECORDS_PER_HOUR;
    let meta = RequestMeta::default();
    for i in 0..bound + 5 {
        let name = format!("nobody{i}");
        assert!(t.app.login(&name, "x", None, &meta).await.is_err());
    }
    let mut conn = t.app.store().conn().await.unwrap();
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND actor_label = $1",
    )
    .bind(mamori_app::auth::UNKNOWN_LOGIN_LABEL)
    .fetch_one(conn.raw())
    .await
    .unwrap();
    assert_eq!(recorded, bound);
}
