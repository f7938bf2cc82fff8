//! インシデント on screen and over the API: a 職員 reports a loss with the short form (a refused
//! form keeps what was typed and saves nothing), the 課長 acknowledges with one button, the
//! CSIRT's triage puts the 個人情報保護委員会 report with its due date on the incident and on
//! home, the ledger exports to Excel, and a 職員 the incident does not name gets 404 on the page
//! and the API.

use chrono::Duration;
use mamori_app::incidents::IncidentFilter;
use reqwest::StatusCode;

use crate::common::{TestApp, alert_of, csrf_of, location};

fn noticed(t: &TestApp) -> String {
    (t.app.now().with_timezone(&mamori_app::clock::jst()) - Duration::minutes(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn incident_count(t: &TestApp) -> usize {
    let tokatsu = t.user("tokatsu").await;
    t.app
        .incidents()
        .list(&tokatsu, IncidentFilter::default())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_loss_reported_on_the_form_is_acknowledged_triaged_and_its_report_outside_shows_on_home()
{
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let (status, form) = t.page(&shokuin, "/incidents/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("何が起きたか"));
    // A 職員 has no intake from outside.
    assert!(!form.contains("受付の経路"));
    let csrf = csrf_of(&form);

    // Sent without what happened: refused next to the field, what was typed kept, nothing saved.
    let before = incident_count(&t).await;
    let audit_before = t.audit_count().await;
    let r = shokuin
        .post(t.url("/incidents"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("summary", ""),
            ("noticed_at", noticed(&t).as_str()),
            ("how_noticed", "支所で鞄を開けたらなかった"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(alert_of(&html).unwrap().contains("何が起きたか"), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"i-summary-error\""));
    assert!(
        html.contains("支所で鞄を開けたらなかった"),
        "what was typed stays"
    );
    // (The audit first: reading the count as the CSIRT issues a token, which is audited.)
    assert_eq!(t.audit_count().await, audit_before);
    assert_eq!(incident_count(&t).await, before);

    let r = shokuin
        .post(t.url("/incidents"))
        .form(&[
            ("_csrf", csrf.as_str()),
            (
                "summary",
                "北支所への運搬中に住民150名分の名簿を保存したUSBメモリを紛失した",
            ),
            ("noticed_at", noticed(&t).as_str()),
            ("how_noticed", "支所で鞄を開けたらなかった"),
            ("assets", "IA-000005"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.ends_with("?done=reported"), "{to}");
    let path = to.split('?').next().unwrap().to_owned();
    let id = path.trim_start_matches("/incidents/").to_owned();
    let (_, page) = t.page(&shokuin, &to).await;
    assert!(page.contains("報告を受け付けました"));
    assert!(page.contains("IA-000005"));
    assert!(page.contains("確認待ち"), "the first step is told");
    assert!(
        !page.contains("確認した</button>"),
        "the reporter has nothing to acknowledge"
    );

    // The 課長 sees the report on home and acknowledges it with one button.
    let kacho = t.signed_in("kacho").await;
    let (_, home) = t.page(&kacho, "/").await;
    assert!(home.contains(&format!("href=\"{path}\"")), "told on home");
    let (_, page) = t.page(&kacho, &path).await;
    assert!(page.contains("確認した</button>"));
    let version = version_of(&page);
    let acknowledge = |page: String| {
        let request = kacho
            .post(t.url(&format!("{path}/actions/acknowledge")))
            .form(&[
                ("_csrf", csrf_of(&page).as_str()),
                ("version", version.as_str()),
            ]);
        async move { request.send().await.unwrap() }
    };
    let r = acknowledge(page).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&kacho, &location(&r)).await;
    assert!(page.contains("確認済み"));
    assert!(!page.contains("確認した</button>"));
    // The same button again, on the page read before: the version moved on, nothing changes.
    let r = acknowledge(page).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // The 統括 (CSIRT) triages: a leak of personal data of 150 residents.
    let tokatsu = t.signed_in("tokatsu").await;
    let (_, page) = t.page(&tokatsu, &path).await;
    assert!(page.contains("判断を記録する"));
    let rules = t
        .app
        .incidents()
        .rules(&t.user("tokatsu").await)
        .await
        .unwrap();
    let leak = rules.categories[0].key.clone();
    let severe = rules.severities[0].key.clone();
    let r = tokatsu
        .post(t.url(&format!("{path}/actions/triage")))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("version", version_of(&page).as_str()),
            ("judgement", "yes"),
            ("category", leak.as_str()),
            ("severity", severe.as_str()),
            ("personal_data", "1"),
            ("affected_people", "150"),
            ("note", "住民の個人情報を含む媒体の紛失"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let (_, page) = t.page(&tokatsu, &path).await;
    let view = t
        .app
        .incidents()
        .incident(&t.user("tokatsu").await, id.parse().unwrap())
        .await
        .unwrap();
    let ppc = view
        .incident
        .external
        .iter()
        .find(|e| e.recipient.contains("個人情報保護委員会"))
        .expect("a leak of personal data is reported to the 個人情報保護委員会");
    let due = ppc.first.due.to_string();
    assert!(page.contains("個人情報保護委員会"));
    assert!(page.contains(&due), "the due date is on the incident");
    let (_, home) = t.page(&tokatsu, "/").await;
    assert!(
        home.contains("個人情報保護委員会") && home.contains(&due),
        "and on home"
    );

    // The ledger lists it and exports to Excel.
    let (_, ledger) = t.page(&tokatsu, "/incidents?status=open").await;
    assert!(ledger.contains(&view.incident.number));
    let r = tokatsu
        .get(t.url("/incidents/export.xlsx?status=open"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "インシデント台帳").unwrap();
    assert!(
        sheet
            .rows()
            .any(|row| row.iter().any(|c| c.to_string() == view.incident.number)),
        "the workbook holds the incident"
    );
}

fn version_of(html: &str) -> String {
    let at = html
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + 22;
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_report_from_outside_is_the_csirts_and_a_staff_member_it_does_not_name_finds_nothing() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let (_, form) = t.page(&tokatsu, "/incidents/new").await;
    assert!(
        form.contains("受付の経路"),
        "the CSIRT takes in reports from outside"
    );
    let token = t.api_token("tokatsu").await;
    let client = reqwest::Client::new();
    let r = client
        .post(t.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "summary": "委託事業者から、保守用端末がマルウェアに感染したとの連絡",
            "noticed_at": noticed(&t),
            "channel": "vendor",
            "contact": "保守事業者 山田（03-0000-0000）",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let dto: serde_json::Value = r.json().await.unwrap();
    assert_eq!(dto["channel"], "vendor");
    assert_eq!(dto["status"], "reported");
    let id = dto["id"].as_str().unwrap().to_owned();

    // shokuin is not named: the page, the API and the ledger know nothing of it.
    let shokuin = t.signed_in("shokuin").await;
    let (status, _) = t.page(&shokuin, &format!("/incidents/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = client
        .get(t.url(&format!("/api/v1/incidents/{id}")))
        .bearer_auth(t.api_token("shokuin").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, ledger) = t.page(&shokuin, "/incidents").await;
    assert!(!ledger.contains(dto["number"].as_str().unwrap()));
    for file in ["report.docx", "report.pdf"] {
        let r = shokuin
            .get(t.url(&format!("/incidents/{id}/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{file}");
    }

    // A 職員 cannot take in a report from outside through the API either.
    let r = client
        .post(t.url("/api/v1/incidents"))
        .bearer_auth(t.api_token("shokuin").await)
        .json(&serde_json::json!({
            "summary": "住民から電話",
            "noticed_at": noticed(&t),
            "channel": "resident",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The rules are the body's: the 統括 edits them on a draft's page, a text that is not rules (or
/// names a role the body does not have) is refused with its field and changes nothing, and the
/// rules of the edition in force are those the incident screens use.
#[tokio::test]
async fn the_incident_rules_are_edited_on_the_draft_and_used_once_in_force() {
    let t = TestApp::spawn().await;
    let n = t.policy_draft(vec![]).await;
    let tokatsu = t.signed_in("tokatsu").await;
    let path = format!("/policy/{}", n.get());
    let (_, page) = t.page(&tokatsu, &path).await;
    assert!(page.contains("インシデントの取扱い（TOML）"));
    // The editor starts from the guideline's rules.
    assert!(page.contains("leak_loss"));
    let post = |toml: String, csrf: String| {
        let tokatsu = tokatsu.clone();
        let url = t.url(&format!("{path}/profile"));
        async move {
            tokatsu
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("op", "set-incident-rules"),
                    ("toml", toml.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let audit_before = t.audit_count().await;
    let guideline = mamori_domain::incident::rules::GUIDELINE_RULES;
    let unknown_role = guideline.replacen(
        "handlers = [\"csirt\", \"chief_security_officer\"]",
        "handlers = [\"no_such_role\"]",
        1,
    );
    assert_ne!(unknown_role, guideline);
    for bad in ["[[chain]\nrole = ".to_owned(), unknown_role] {
        let r = post(bad, csrf_of(&page)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            alert_of(&html)
                .unwrap()
                .contains("インシデントの取扱い（TOML）"),
            "{html}"
        );
    }
    assert_eq!(t.audit_count().await, audit_before, "nothing changed");

    // The 漏えい・紛失 category renamed: saved, and in force it is what the screens offer.
    let own = guideline.replacen(
        "label = \"漏えい・紛失\"",
        "label = \"情報の漏えい・紛失・盗難\"",
        1,
    );
    assert_ne!(own, guideline);
    let r = post(own, csrf_of(&page)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&tokatsu, "/incidents").await;
    assert!(
        !page.contains("情報の漏えい・紛失・盗難"),
        "a draft is not in force"
    );
    t.bring_into_force(n).await;
    let (_, page) = t.page(&tokatsu, "/incidents").await;
    assert!(page.contains("情報の漏えい・紛失・盗難"));
}

/// The 緊急連絡網 is read from the role assignments of the day: a 代理 assigned for 市民課's
/// 情報セキュリティ管理者 appears under the first step at once, and the 緊急時対応計画 in Word
/// carries the chain, the contacts and the reports outside of the rules in force.
#[tokio::test]
async fn the_contact_tree_follows_the_assignments_and_the_plan_prints_in_word() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let (status, page) = t.page(&shokuin, "/incidents/contacts").await;
    assert_eq!(status, StatusCode::OK);
    let kacho = t.user("kacho").await;
    assert!(
        page.contains(kacho.name()),
        "市民課's manager is on the tree"
    );
    assert!(
        page.contains("個人情報保護委員会"),
        "with the contacts outside"
    );
    let me = t.user("shokuin").await;
    assert!(!page.contains(&format!("{}（代理）", me.name())));

    let editor = t.user("tokatsu").await;
    let may = editor.org_editor().unwrap();
    let shimin = t
        .app
        .org_tree(&editor, t.app.today())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.unit.name == "市民課")
        .map(|u| u.unit.id)
        .unwrap();
    t.app
        .assign_role(
            &editor,
            &may,
            mamori_app::organization::AssignmentInput {
                role: "security_manager".into(),
                person: me.account.person_id.unwrap(),
                unit: Some(shimin),
                system: None,
                is_deputy: true,
                valid_from: t.app.today(),
                valid_to: None,
                tie_to_post: false,
            },
            &mamori_app::RequestMeta::default(),
        )
        .await
        .unwrap();
    let (_, page) = t.page(&shokuin, "/incidents/contacts").await;
    assert!(page.contains(&format!("{}（代理）", me.name())));

    let r = shokuin
        .get(t.url("/incidents/plan.docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    for expected in [
        "緊急時対応計画",
        "報告の連絡の順と期限",
        "個人情報保護委員会",
        kacho.name(),
        &format!("{}（代理）", me.name()),
    ] {
        assert!(xml.contains(expected), "the plan names {expected}");
    }

    // The same plan, and the demo incident's 報告書, as PDF.
    let plan = pdf_text(&shokuin, &t, "/incidents/plan.pdf").await;
    assert!(plan.contains("緊急時対応計画") && plan.contains(kacho.name()));
    let demo = t
        .app
        .incidents()
        .list(&me, IncidentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("shokuin's report of the demo");
    let report = pdf_text(&shokuin, &t, &format!("/incidents/{}/report.pdf", demo.id)).await;
    // (pdftotext puts a space between Latin and Japanese letters: 「USB メモリ」.)
    assert!(report.contains(&demo.number) && report.contains("メモリ"));
}

/// A PDF the page offers, downloaded and read back with poppler's pdftotext.
async fn pdf_text(browser: &reqwest::Client, t: &TestApp, path: &str) -> String {
    let r = browser.get(t.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) reads the PDF back");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The 再発防止策 names the clauses it touches; the policy editor goes from each to the clause in
/// the draft being prepared, and is told to make a draft when there is none.
#[tokio::test]
async fn the_measures_lead_the_policy_editor_to_the_clause_in_the_draft() {
    let t = TestApp::spawn().await;
    let tokatsu = t.user("tokatsu").await;
    let demo = demo_incident(&t).await;
    t.app
        .incidents()
        .propose_measures(
            &tokatsu,
            mamori_app::incidents::ProposeMeasures {
                id: demo.id,
                seen: demo.version,
                root_cause: "運搬の手順が守られていなかった".into(),
                plan: "運搬は2名で行い、運搬簿でケースの中身を確かめる".into(),
                clauses: "S-2.(2)⑧(イ)".into(),
            },
            &mamori_app::RequestMeta::default(),
        )
        .await
        .unwrap();
    let browser = t.signed_in("tokatsu").await;
    let path = format!("/incidents/{}", demo.id);
    let (_, page) = t.page(&browser, &path).await;
    assert!(page.contains("版の下書きを作ると"), "no draft yet");
    let n = t.policy_draft(vec![]).await;
    let (_, page) = t.page(&browser, &path).await;
    let link = format!(
        "/policy/{}/clause?id=S-2.%282%29%E2%91%A7%28%E3%82%A4%29",
        n.get()
    );
    assert!(page.contains(&link), "{link} in the page");
    let (status, _) = t.page(&browser, &link).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the clause editor of the draft opens"
    );
    // Someone who handles nothing of the policy sees the clause, not the way to change it.
    let kacho = t.signed_in("kacho").await;
    let (_, page) = t.page(&kacho, &path).await;
    assert!(page.contains("S-2.(2)⑧(イ)") && !page.contains("下書きで改める"));
}

/// A stage of a report outside is recorded with the copy of what was sent: the incident lists it
/// and it downloads as it was given; a stage dated tomorrow is refused with its field and
/// nothing is kept.
#[tokio::test]
async fn a_report_outside_is_recorded_with_its_copy_and_a_future_date_is_refused() {
    let t = TestApp::spawn().await;
    let tokatsu = t.user("tokatsu").await;
    let demo = demo_incident(&t).await;
    let browser = t.signed_in("tokatsu").await;
    let path = format!("/incidents/{}", demo.id);
    let (_, page) = t.page(&browser, &path).await;
    let form = |sent_on: String, page: &str| {
        reqwest::multipart::Form::new()
            .text("_csrf", csrf_of(page))
            .text("version", version_of(page))
            .text("report", "ppc:first")
            .text("sent_on", sent_on)
            .text("content", "漏えい等報告フォームで速報を提出")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec())
                    .file_name("ppc-receipt.pdf"),
            )
    };
    let tomorrow = (t.app.today() + Duration::days(1)).to_string();
    let r = browser
        .post(t.url(&format!("{path}/external")))
        .multipart(form(tomorrow, &page))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("x-on-error"));
    let view = t.app.incidents().incident(&tokatsu, demo.id).await.unwrap();
    assert_eq!(view.incident.version, demo.version, "nothing recorded");

    let r = browser
        .post(t.url(&format!("{path}/external")))
        .multipart(form(t.app.today().to_string(), &page))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&browser, &path).await;
    let at = page.find("ppc-receipt.pdf").expect("the copy is listed");
    let href_start = page[..at].rfind("href=\"").unwrap() + 6;
    let href = page[href_start..].split('"').next().unwrap().to_owned();
    let r = browser.get(t.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 receipt");
}

/// The demo's incident (the lost USB memory), as the CSIRT reads it.
async fn demo_incident(t: &TestApp) -> mamori_domain::incident::Incident {
    t.app
        .incidents()
        .list(&t.user("tokatsu").await, IncidentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo's incident")
}
