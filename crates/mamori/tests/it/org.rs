//! The organization through the screens: the unit tree on a date, renames that keep the past,
//! people with the checks that keep the register clean, role assignments and the authority
//! resolver that names who may permit or approve, and the refusals for users without org.edit.

use crate::common;

use common::{TestApp, alert_of, csrf_of, location};
use reqwest::{Client, StatusCode};

const MANAGER_PERMITS: &str = "S-2.(2)⑧(イ)";

async fn post(t: &TestApp, b: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, home) = t.page(b, "/").await;
    let csrf = csrf_of(&home);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(t.url(path)).form(&form).send().await.unwrap()
}

/// The unit tree table of an `/org` page.
fn tree(html: &str) -> &str {
    let start = html
        .find(r#"<table class="data org-tree">"#)
        .expect("tree table");
    let end = start + html[start..].find("</table>").unwrap();
    &html[start..end]
}

/// The table rows of `html` that contain every one of `needles`.
fn rows_with<'a>(html: &'a str, needles: &[&str]) -> Vec<&'a str> {
    html.split("<tr")
        .skip(1)
        .map(|r| &r[..r.find("</tr>").unwrap_or(r.len())])
        .filter(|r| needles.iter().all(|n| r.contains(n)))
        .collect()
}

/// The one table row of `html` that contains every one of `needles`.
fn one_row<'a>(html: &'a str, needles: &[&str]) -> &'a str {
    let rows = rows_with(html, needles);
    assert_eq!(rows.len(), 1, "one row with {needles:?}");
    rows[0]
}

/// The id in the first `href="{prefix}{id}"` after `anchor_text` appears as a link text.
fn id_of_link(html: &str, prefix: &str, text: &str) -> String {
    let marker = format!(">{text}</a>");
    let end = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no link «{text}»"));
    let start = html[..end].rfind(prefix).unwrap() + prefix.len();
    html[start..end].split('"').next().unwrap().to_owned()
}

async fn unit_id(t: &TestApp, b: &Client, name: &str) -> String {
    let (_, html) = t.page(b, "/org").await;
    id_of_link(tree(&html), "/org/units/", name)
}

async fn person_id(t: &TestApp, b: &Client, name: &str) -> String {
    let (_, html) = t
        .page(b, &format!("/org/people?q={}", urlencode(name)))
        .await;
    id_of_link(&html, "/org/people/", name)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// 市民課 becomes 市民生活課 from 令和8年5月1日, as `b` asks.
async fn rename_shimin(t: &TestApp, b: &Client) -> reqwest::Response {
    let shimin = unit_id(t, b, "市民課").await;
    let shimin_bu = unit_id(t, b, "市民部").await;
    post(
        t,
        b,
        &format!("/org/units/{shimin}"),
        &[
            ("name", "市民生活課"),
            ("kind", "section"),
            ("parent", &shimin_bu),
            ("agency_kind", "内部部局"),
            ("effective", "2026-05-01"),
        ],
    )
    .await
}

fn who_may(clause: &str, unit: &str) -> String {
    format!(
        "/org/authority?ask=who&clause={}&unit={unit}&system=&on=",
        urlencode(clause)
    )
}

/// The answer section of the 権限の照会 page.
fn who_results(html: &str) -> &str {
    let start = html.find(r#"id="who-results""#).expect("who results");
    let end = start + html[start..].find(r#"id="what-title""#).unwrap();
    &html[start..end]
}

#[tokio::test]
async fn the_tree_shows_each_section_under_its_department_with_its_manager() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;

    let (status, html) = t.page(&shokuin, "/org").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"href="/org" aria-current="page">組織</a>"#));
    let table = tree(&html);
    let bu = table.find(">市民部</a>").unwrap();
    let ka = table.find(">市民課</a>").unwrap();
    assert!(bu < ka, "市民課 follows 市民部");
    let row = one_row(table, &[">市民課</a>"]);
    assert!(row.contains("depth-1") && row.contains("（市民部の下）"));
    assert!(
        row.contains("情報セキュリティ管理者: 佐々木 翔太"),
        "{}",
        row
    );
    assert!(row.contains("課室") && row.contains("内部部局"));
    // 市民部's own row names its 情報セキュリティ責任者; the body-wide roles stand above.
    one_row(
        table,
        &[">市民部</a>", "情報セキュリティ責任者: 田中 由美子"],
    );
    let body_roles = &html[html.find("団体全体の役割").unwrap()..html.find("</dl>").unwrap()];
    assert!(body_roles.contains("<dt>統括情報セキュリティ責任者</dt>"));
    assert!(body_roles.contains(">高橋 誠</a>"));
    // Staff see the tree but no form to change it.
    assert!(!html.contains("組織を追加"));

    // The people link of the unit lists its people; search finds by ふりがな.
    let shimin = id_of_link(table, "/org/units/", "市民課");
    let (_, people) = t
        .page(&shokuin, &format!("/org/people?unit={shimin}"))
        .await;
    assert!(people.contains("佐々木 翔太") && people.contains("金子 結衣"));
    assert!(!people.contains("佐藤 健一"));
    let (_, found) = t
        .page(&shokuin, &format!("/org/people?q={}", urlencode("さとう")))
        .await;
    assert!(found.contains("佐藤 健一") && found.contains(">1人</p>"));

    // htmx asks for the table only, and the answer says it varies by that header.
    let r = shokuin
        .get(t.url("/org?on=2026-04-01"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "HX-Request");
    let part = r.text().await.unwrap();
    assert!(part.contains("令和8年4月1日の組織") && !part.contains("<html"));
}

#[tokio::test]
async fn a_rename_holds_from_its_date_and_earlier_dates_keep_the_old_name() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let shimin = unit_id(&t, &tokatsu, "市民課").await;

    let (_, page) = t.page(&tokatsu, &format!("/org/units/{shimin}")).await;
    assert!(page.contains("名称変更・所管替え"));
    let r = rename_shimin(&t, &tokatsu).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/org/units/{shimin}"));

    let (_, today) = t.page(&tokatsu, "/org").await;
    assert!(tree(&today).contains(">市民生活課</a>"));
    assert!(!tree(&today).contains(">市民課</a>"));
    assert!(today.contains("市民課を市民生活課に名称変更"));
    let (_, before) = t.page(&tokatsu, "/org?on=2026-04-15").await;
    assert!(tree(&before).contains(">市民課</a>"));
    assert!(!tree(&before).contains("市民生活課"));
    // 和暦 input works for the 基準日 too.
    let (_, wareki) = t
        .page(
            &tokatsu,
            &format!("/org?on={}", urlencode("令和8年4月30日")),
        )
        .await;
    assert!(tree(&wareki).contains(">市民課</a>"));

    // The unit keeps its names over time.
    let (_, unit) = t.page(&tokatsu, &format!("/org/units/{shimin}")).await;
    one_row(&unit, &["令和8年5月1日", "市民生活課", "市民部"]);
    one_row(&unit, &["平成14年4月1日", "市民課"]);

    // The audit trail has the change, before and after.
    let (status, audit) = t.page(&tokatsu, "/audit?action=org_unit.change").await;
    assert_eq!(status, StatusCode::OK);
    let row = one_row(&audit, &["組織の変更", "市民生活課", "変更前"]);
    let before = &row[row.find("変更前").unwrap()..row.find("変更後").unwrap()];
    assert!(before.contains("市民課"), "{before}");
}

#[tokio::test]
async fn a_user_without_org_edit_is_refused_and_nothing_changes() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let shimin = unit_id(&t, &kacho, "市民課").await;
    let (status, page) = t.page(&kacho, &format!("/org/units/{shimin}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("名称変更・所管替え"), "no edit form");
    let before = t.audit_count().await;

    let r = rename_shimin(&t, &kacho).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("組織・職員・役割の編集"));
    let (_, html) = t.page(&kacho, "/org").await;
    assert!(tree(&html).contains(">市民課</a>") && !html.contains("市民生活課"));

    // The other changes are refused the same way.
    assert_eq!(
        t.page(&kacho, "/org/people/new").await.0,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &t,
        &kacho,
        "/org/people",
        &[("staff_number", "900001"), ("name", "試験 太郎")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&t, &kacho, "/org/roles", &[("role", "security_manager")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, before);
}

#[tokio::test]
async fn a_person_with_a_taken_staff_number_or_a_bad_email_is_refused_and_not_created() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let shimin = unit_id(&t, &tokatsu, "市民課").await;
    let (status, form) = t.page(&tokatsu, "/org/people/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(r#"<datalist id="employment-kinds">"#));
    let (_, list) = t.page(&tokatsu, "/org/people").await;
    assert!(list.contains("46人"));
    let before = t.audit_count().await;

    let person = |staff: &'static str, email: &'static str| {
        vec![
            ("staff_number", staff),
            ("name", "試験 花子"),
            ("name_kana", "しけん はなこ"),
            ("title", "主事"),
            ("employment_kind", "会計年度任用職員"),
            ("email", email),
            ("status", "在職"),
            ("effective", "2026-06-01"),
        ]
    };
    let mut taken = person("100091", "");
    taken.push(("unit", &shimin));
    let r = post(&t, &tokatsu, "/org/people", &taken).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(alert_of(&html).unwrap().starts_with("職員番号:"));
    assert!(html.contains(
        r#"<p class="field-error" id="p-staff-error">職員番号「100091」は既に登録されています</p>"#
    ));
    assert!(html.contains(
        r#"id="p-staff" name="staff_number" value="100091" required aria-invalid="true""#
    ));
    assert!(
        html.contains(r#"value="試験 花子""#),
        "what was typed stays"
    );

    let mut bad_email = person("900001", "hanako@example");
    bad_email.push(("unit", &shimin));
    let r = post(&t, &tokatsu, "/org/people", &bad_email).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(alert_of(&html).unwrap().starts_with("メール:"));
    assert!(html.contains(r#"id="p-email-error">メールアドレスの形式ではありません</p>"#));

    // Nothing was created or recorded.
    let (_, list) = t.page(&tokatsu, "/org/people").await;
    assert!(list.contains("46人") && !list.contains("試験 花子"));
    assert_eq!(t.audit_count().await, before);

    // Corrected, the person is registered with the first line of their history.
    let mut good = person("900001", "hanako@example.jp");
    good.push(("unit", &shimin));
    let r = post(&t, &tokatsu, "/org/people", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&tokatsu, &location(&r)).await;
    assert!(page.contains("試験 花子") && page.contains("hanako@example.jp"));
    one_row(
        &page,
        &["令和8年6月1日", "市民課", "会計年度任用職員", "登録"],
    );
}

#[tokio::test]
async fn the_resolver_names_the_sections_manager_and_shows_a_gap_where_nobody_is_appointed() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let shimin = unit_id(&t, &tokatsu, "市民課").await;
    let shimin_bu = unit_id(&t, &tokatsu, "市民部").await;

    let shokuin = t.signed_in("shokuin").await;
    let (status, html) = t.page(&shokuin, &who_may(MANAGER_PERMITS, &shimin)).await;
    assert_eq!(status, StatusCode::OK);
    let answer = who_results(&html);
    assert!(answer.contains("情報資産運搬の許可"), "{answer}");
    assert!(answer.contains("許可: <strong>情報セキュリティ管理者</strong>（市民課）"));
    assert!(answer.contains(">佐々木 翔太</a>"));
    assert!(!answer.contains("role=\"alert\""));
    // The clause list offers the deciding clauses with their marks; the SoD rules are listed.
    assert!(html.contains("S-2.(2)⑧(イ) 情報資産運搬の許可（許: 情報セキュリティ管理者）"));
    assert!(html.contains("S-1.(8)①") && html.contains("申請者と承認者・許可者の兼務禁止"));

    // A new 課 without a 係 and without a manager: nobody above it holds the role either.
    let r = post(
        &t,
        &tokatsu,
        "/org/units",
        &[
            ("code", "sodan"),
            ("name", "市民相談課"),
            ("kind", "section"),
            ("parent", &shimin_bu),
            ("agency_kind", "内部部局"),
            ("effective", "2026-06-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sodan = location(&r).trim_start_matches("/org/units/").to_owned();
    let (status, html) = t.page(&shokuin, &who_may(MANAGER_PERMITS, &sodan)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        alert_of(who_results(&html)).unwrap(),
        "市民相談課とその上位の組織に情報セキュリティ管理者が任命されていません"
    );

    // A unit role asked without a unit names the field.
    let r = shokuin
        .get(t.url(&who_may(MANAGER_PERMITS, "")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="w-unit-error">情報セキュリティ管理者は所属ごとの役割です。所属を指定してください</p>"#));

    // What 佐々木 may decide: the 許 rows of the 情報セキュリティ管理者 for 市民課.
    let r = shokuin
        .get(t.url("/org/authority?ask=what&person=100091&on=2026-06-01"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "HX-Request");
    let part = r.text().await.unwrap();
    assert!(!part.contains("<html"));
    one_row(
        &part,
        &[MANAGER_PERMITS, "許可", "情報セキュリティ管理者", "市民課"],
    );
}

#[tokio::test]
async fn a_deputy_acts_when_the_holder_is_on_leave() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let shimin = unit_id(&t, &tokatsu, "市民課").await;

    let r = post(
        &t,
        &tokatsu,
        "/org/roles",
        &[
            ("role", "security_manager"),
            ("person", "100322"),
            ("unit", &shimin),
            ("system", ""),
            ("deputy", "1"),
            ("valid_from", "2026-06-01"),
            ("valid_to", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, roles) = t.page(&tokatsu, "/org/roles").await;
    one_row(
        &roles,
        &["情報セキュリティ管理者", "市民課", "金子 結衣", "代理"],
    );

    // The holder in service answers; the deputy waits.
    let (_, html) = t.page(&tokatsu, &who_may(MANAGER_PERMITS, &shimin)).await;
    assert!(
        who_results(&html).contains("佐々木 翔太") && !who_results(&html).contains("金子 結衣")
    );

    // 佐々木 goes on leave (休職) from today.
    let sasaki = person_id(&t, &tokatsu, "佐々木 翔太").await;
    let r = post(
        &t,
        &tokatsu,
        &format!("/org/people/{sasaki}"),
        &[
            ("staff_number", "100091"),
            ("name", "佐々木 翔太"),
            ("name_kana", "ささき しょうた"),
            ("unit", &shimin),
            ("title", "課長"),
            ("employment_kind", "職員"),
            ("email", ""),
            ("status", "休職"),
            ("effective", "2026-06-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = t.page(&tokatsu, &format!("/org/people/{sasaki}")).await;
    one_row(&page, &["令和8年6月1日", "休職", "変更"]);

    let (_, html) = t.page(&tokatsu, &who_may(MANAGER_PERMITS, &shimin)).await;
    let answer = who_results(&html);
    assert!(!answer.contains("佐々木 翔太"), "{answer}");
    assert!(answer.contains(r#">金子 結衣</a> <span class="badge">代理</span>"#));
    // On the day before, 佐々木 still answered.
    let (_, html) = t
        .page(
            &tokatsu,
            &format!("{}2026-05-31", who_may(MANAGER_PERMITS, &shimin)),
        )
        .await;
    assert!(who_results(&html).contains("佐々木 翔太"));

    // The deputy's page lists what she may now permit, as 代理.
    let kaneko = person_id(&t, &tokatsu, "金子 結衣").await;
    let (_, page) = t.page(&tokatsu, &format!("/org/people/{kaneko}")).await;
    one_row(&page, &[MANAGER_PERMITS, "代理", "市民課"]);
}

#[tokio::test]
async fn an_ended_assignment_stays_visible_for_earlier_dates() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let (_, roles) = t.page(&tokatsu, "/org/roles").await;
    let row = one_row(&roles, &["情報セキュリティ管理者", "市民課", "佐々木 翔太"]);
    let action = row.find("/org/roles/").unwrap();
    let end_path = row[action..].split('"').next().unwrap().to_owned();

    // A last day before the start is refused next to that row.
    let r = post(&t, &tokatsu, &end_path, &[("last_day", "2026-03-31")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(alert_of(&html).unwrap().starts_with("終了日:"));
    let row = one_row(&html, &["佐々木 翔太", "市民課", "field-error"]);
    assert!(row.contains("終了日は開始日（2026-04-01）以後にしてください"));

    let r = post(&t, &tokatsu, &end_path, &[("last_day", "2026-05-31")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, today) = t.page(&tokatsu, "/org/roles").await;
    assert!(rows_with(&today, &["情報セキュリティ管理者", "市民課", "佐々木 翔太"]).is_empty());
    let (_, earlier) = t.page(&tokatsu, "/org/roles?on=2026-05-15").await;
    let row = one_row(
        &earlier,
        &["情報セキュリティ管理者", "市民課", "佐々木 翔太"],
    );
    assert!(row.contains("令和8年4月1日〜令和8年5月31日"));
    assert!(
        !row.contains("/end"),
        "an ended assignment has no end button"
    );
    let (_, all) = t.page(&tokatsu, "/org/roles?all=1").await;
    one_row(&all, &["情報セキュリティ管理者", "市民課", "佐々木 翔太"]);
    // Nobody permits for 市民課 today; the gap says so.
    let shimin = unit_id(&t, &tokatsu, "市民課").await;
    let (_, html) = t.page(&tokatsu, &who_may(MANAGER_PERMITS, &shimin)).await;
    assert!(
        alert_of(who_results(&html))
            .unwrap()
            .contains("任命されていません")
    );
}
