//! The 情報資産台帳 through the screens: registering on the body's scheme (both the guideline's
//! three axes and the single axis where Ⅰ is the highest), inheritance to copies and media, the
//! permission gate on lifecycle actions, the rule checks, the filters and keyset pages, and an
//! audit record for every change.

use crate::common;

/// Fields that override the base form, the field the refusal names, a word of its message.
type Case<'a> = (&'a [(&'static str, &'a str)], &'a str, &'a str);

use common::{TestApp, alert_of, csrf_of, location};
use mamori_app::assets::{ActionInput, ActionOutcome, AssetInput, AssetQuery};
use mamori_app::{CurrentUser, RequestMeta};
use mamori_domain::classification::Action;
use mamori_domain::ids::AssetId;
use mamori_store::assets::AssetRecord;
use reqwest::{Client, StatusCode};

async fn user(t: &TestApp, login: &str) -> CurrentUser {
    let token = t.api_token(login).await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

async fn post(t: &TestApp, b: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, home) = t.page(b, "/").await;
    let csrf = csrf_of(&home);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(t.url(path)).form(&form).send().await.unwrap()
}

/// The id of a unit of the demo body today, by name, as the form sends it.
async fn unit(t: &TestApp, name: &str) -> String {
    let u = user(t, "tokatsu").await;
    t.app
        .asset_units(&u)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no unit {name}"))
        .id
        .to_string()
}

async fn record(t: &TestApp, number: &str) -> AssetRecord {
    let u = user(t, "tokatsu").await;
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::assets::find_by_number(&mut conn, u.body().unwrap().id, number)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no asset {number}"))
}

async fn by_id(t: &TestApp, id: AssetId) -> AssetRecord {
    let u = user(t, "tokatsu").await;
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::assets::get_asset(&mut conn, u.body().unwrap().id, id)
        .await
        .unwrap()
        .unwrap()
}

async fn asset_count(t: &TestApp) -> usize {
    let u = user(t, "tokatsu").await;
    t.app
        .asset_page(&u, &AssetQuery::default(), None, 200)
        .await
        .unwrap()
        .rows
        .len()
}

/// The audit actions recorded about one target, oldest first.
async fn audited(t: &TestApp, target: &str) -> Vec<String> {
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = mamori_store::audit::AuditFilter {
        target_id: Some(target.to_owned()),
        ..Default::default()
    };
    let mut actions: Vec<String> = mamori_store::audit::list(&mut conn, &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    actions.reverse();
    actions
}

/// How many times opening the asset was recorded (`read.asset`).
async fn opened(t: &TestApp, id: &str) -> usize {
    audited(t, id)
        .await
        .iter()
        .filter(|a| *a == "read.asset")
        .count()
}

/// How many records of the register (asset.*) the audit trail holds: sign-ins and tokens the
/// test itself makes are left out.
async fn asset_audit(t: &TestApp) -> usize {
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.action.starts_with("asset."))
        .count()
}

/// The asset id of a redirect to 「/assets/{id}?…」.
fn asset_of(r: &reqwest::Response) -> AssetId {
    let to = location(r);
    let rest = to
        .strip_prefix("/assets/")
        .unwrap_or_else(|| panic!("{to}"));
    rest.split(['?', '#']).next().unwrap().parse().unwrap()
}

/// Registers an asset through the use case as `login`.
async fn register(t: &TestApp, login: &str, input: AssetInput) -> AssetId {
    let u = user(t, login).await;
    let writer = u.asset_writer().unwrap();
    t.app
        .register_asset(&u, &writer, &input, &RequestMeta::default())
        .await
        .unwrap()
}

fn information(name: &str, unit: &str, classification: &str) -> AssetInput {
    AssetInput {
        kind: "情報".into(),
        name: name.into(),
        owner_unit: Some(unit.parse().unwrap()),
        segment: "LGWAN接続系".into(),
        classification: classification.into(),
        ..AssetInput::default()
    }
}

/// The text of the table row whose header cell is `action` in the section starting at `marker`.
fn row_of<'a>(html: &'a str, marker: &str, action: &str) -> &'a str {
    let section = &html[html.find(marker).unwrap_or_else(|| panic!("{marker}"))..];
    let head = format!(r#"<th scope="row" class="nowrap">{action}</th>"#);
    let row = &section[section
        .find(&head)
        .unwrap_or_else(|| panic!("{action}: {section}"))..];
    &row[..row.find("</tr>").unwrap()]
}

/// `base` with each of `overrides` put in place of the field of its name.
fn fields_with(
    base: Vec<(&'static str, String)>,
    overrides: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut fields = base;
    for &(k, v) in overrides {
        fields.retain(|(f, _)| *f != k);
        fields.push((k, v.to_owned()));
    }
    fields
}

async fn post_fields(
    t: &TestApp,
    b: &Client,
    path: &str,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(t, b, path, &form).await
}

const USB: [(&str, &str); 7] = [
    ("kind", "電磁的記録媒体"),
    ("name", "USBメモリ（市民課-02）"),
    ("location", "市民課 キャビネット"),
    ("segment", "その他"),
    ("classification", "機密性２・完全性１・可用性１"),
    ("holds", "IA-000004"),
    ("encrypted", "on"),
];

#[tokio::test]
async fn staff_register_a_usb_memory_of_their_unit_and_its_page_shows_label_and_handling() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let shimin = unit(&t, "市民課").await;
    let (status, form) = t.page(&shokuin, "/assets/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("機密性２・完全性１・可用性１"), "{form}");

    let before = asset_audit(&t).await;
    let mut fields = USB.to_vec();
    fields.push(("owner_unit", shimin.as_str()));
    fields.push(("locked_storage", "on"));
    let r = post(&t, &shokuin, "/assets", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = asset_of(&r);
    let (status, html) = t.page(&shokuin, &location(&r)).await;
    assert_eq!(status, StatusCode::OK);

    // The label: the classification in the scheme's words and the restrictions beyond those of
    // an unlabelled asset, 運搬 among those needing permission.
    let label_start = html.find(r#"<p class="asset-label">"#).unwrap() + 23;
    let label = &html[label_start..label_start + html[label_start..].find("</p>").unwrap()];
    assert!(
        label.starts_with("機密性２・完全性１・可用性１（"),
        "{label}"
    );
    let permitted = label.split("許可: ").nth(1).unwrap();
    assert!(
        permitted
            .split(['／', '）'])
            .next()
            .unwrap()
            .contains("運搬"),
        "{label}"
    );
    assert!(
        label.contains("暗号化等") && label.contains("施錠保管"),
        "{label}"
    );

    // The handling rules derived from the classification, in the body's role names.
    let transport = row_of(&html, "handling-title", "運搬");
    assert!(transport.contains("の許可"), "{transport}");
    assert!(row_of(&html, "gates-title", "運搬").contains("許可が必要"));
    let store = row_of(&html, "handling-title", "保管");
    assert!(store.contains("施錠"), "{store}");

    // The medium inherits what it holds.
    assert!(html.contains("IA-000004 証明書交付件数の集計表"), "{html}");
    assert!(html.contains("引き継ぐ分類: 機密性２・完全性１・可用性１"));
    let held = record(&t, "IA-000004").await;
    let (_, held_page) = t.page(&shokuin, &format!("/assets/{}", held.id)).await;
    assert!(held_page.contains("格納している電磁的記録媒体: "));
    assert!(held_page.contains("USBメモリ（市民課-02）"));

    // Stored as typed, with a new number, and audited.
    let stored = by_id(&t, id).await;
    assert!(stored.asset_no.starts_with("IA-"));
    assert_eq!(stored.owner_unit.unwrap().to_string(), shimin);
    assert!(stored.safeguards.encrypted && stored.safeguards.locked_storage);
    assert_eq!(asset_audit(&t).await, before + 1);
    assert_eq!(audited(&t, &id.to_string()).await, ["asset.register"]);
}

#[tokio::test]
async fn transport_of_a_confidential_medium_waits_for_permission_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let shimin = unit(&t, "市民課").await;
    let mut fields = USB.to_vec();
    fields.push(("owner_unit", shimin.as_str()));
    let r = post(&t, &shokuin, "/assets", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = asset_of(&r);
    let page = format!("/assets/{id}");
    let before = by_id(&t, id).await;

    let r = post(
        &t,
        &shokuin,
        &format!("{page}/actions"),
        &[("action", "transport"), ("details", "北支所へ運搬")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&r).contains("recorded=awaiting"),
        "{}",
        location(&r)
    );

    // The request waits; the asset is as it was.
    let after = by_id(&t, id).await;
    assert_eq!(after, before);
    let u = user(&t, "shokuin").await;
    let detail = t
        .app
        .asset(&u, id, &mamori_app::RequestMeta::default())
        .await
        .unwrap();
    assert_eq!(detail.events.len(), 1);
    assert!(detail.events[0].awaiting);
    assert_eq!(detail.events[0].action, Action::Transport);
    let (_, html) = t.page(&shokuin, &page).await;
    assert!(html.contains("許可待ち") && html.contains("北支所へ運搬"));
    let (status, awaiting) = t.page(&shokuin, "/assets/awaiting").await;
    assert_eq!(status, StatusCode::OK);
    assert!(awaiting.contains("USBメモリ（市民課-02）"), "{awaiting}");
    assert!(awaiting.contains("北支所へ運搬"));
    assert_eq!(
        audited(&t, &id.to_string()).await,
        ["asset.register", "asset.action_requested"]
    );

    // The use case says the same, naming the role that must permit.
    let writer = u.asset_writer().unwrap();
    let outcome = t
        .app
        .record_asset_action(
            &u,
            &writer,
            id,
            Action::Transport,
            &ActionInput {
                details: "本庁舎へ戻す".into(),
                ..ActionInput::default()
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let ActionOutcome::AwaitingApproval { event, roles } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(roles, ["security_manager"]);
    assert_eq!(by_id(&t, id).await, before);

    // An action that needs no permission happens: 保管 moves the asset.
    let r = post(
        &t,
        &shokuin,
        &format!("{page}/actions"),
        &[
            ("action", "store"),
            ("new_location", "市民課 施錠キャビネット"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("recorded=done"));
    assert_eq!(by_id(&t, id).await.location, "市民課 施錠キャビネット");

    // A waiting request can be withdrawn once; it leaves the list.
    let r = post(
        &t,
        &shokuin,
        &format!("{page}/events/{event}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, awaiting) = t.page(&shokuin, "/assets/awaiting").await;
    assert!(!awaiting.contains("本庁舎へ戻す") && awaiting.contains("北支所へ運搬"));
    let r = post(
        &t,
        &shokuin,
        &format!("{page}/events/{event}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        audited(&t, &id.to_string()).await,
        [
            "asset.register",
            "asset.action_requested",
            "asset.action_requested",
            "asset.action",
            "asset.action_withdrawn"
        ]
    );
}

#[tokio::test]
async fn staff_keep_only_their_own_units_assets_and_the_chief_keeps_every_unit() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let zeimu = unit(&t, "税務課").await;
    let assets = asset_count(&t).await;
    let audit = asset_audit(&t).await;

    let mut fields = USB.to_vec();
    fields.push(("owner_unit", zeimu.as_str()));
    let r = post(&t, &shokuin, "/assets", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        alert_of(&html)
            .unwrap()
            .starts_with("所管課: 所管課には自分の所属を指定してください"),
        "{html}"
    );
    assert!(html.contains(r#"id="a-unit-error""#));
    // Without a unit it is refused the same way.
    let r = post(&t, &shokuin, "/assets", &USB).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Another unit's asset cannot be changed or acted on.
    let tax = record(&t, "IA-000010").await;
    let r = post(
        &t,
        &shokuin,
        &format!("/assets/{}", tax.id),
        &[
            ("asset_no", "IA-000010"),
            ("kind", "情報"),
            ("name", "市税賦課データ（改）"),
            ("owner_unit", zeimu.as_str()),
            ("segment", "マイナンバー利用事務系"),
            ("classification", "機密性３・完全性２・可用性２"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &shokuin,
        &format!("/assets/{}/actions", tax.id),
        &[("action", "create"), ("details", "写しを作成")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(record(&t, "IA-000010").await, tax);
    assert_eq!(asset_count(&t).await, assets);
    assert_eq!(asset_audit(&t).await, audit);

    // The 統括 (asset.manage) registers for any unit.
    let tokatsu = t.signed_in("tokatsu").await;
    let mut fields = USB.to_vec();
    fields.push(("owner_unit", zeimu.as_str()));
    let r = post(&t, &tokatsu, "/assets", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(asset_count(&t).await, assets + 1);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let shimin = unit(&t, "市民課").await;
    let assets = asset_count(&t).await;
    let audit = asset_audit(&t).await;

    let base: Vec<(&'static str, String)> = vec![
        ("kind", "情報".into()),
        ("name", "転入者一覧（抽出データ）".into()),
        ("owner_unit", shimin.clone()),
        ("segment", "マイナンバー利用事務系".into()),
        ("classification", "機密性３・完全性２・可用性２".into()),
    ];
    let cases: [Case; 5] = [
        (
            &[("classification", "機密性４・完全性１・可用性１")],
            "分類: 機密性: 「機密性4」は機密性の区分にありません",
            "a-class-error",
        ),
        (
            &[("derived_from", "IA-999999")],
            "複製元: 複製元の管理番号「IA-999999」の情報資産は台帳にありません",
            "",
        ),
        // A copy of 住民基本台帳データ (機密性３) cannot be classified lower than its source.
        (
            &[
                ("derived_from", "IA-000001"),
                ("classification", "機密性２・完全性２・可用性２"),
            ],
            "分類: 「転入者一覧（抽出データ）」の分類（機密性２・完全性２・可用性２）は、複製元・格納する情報資産から引き継ぐ分類（機密性３・完全性２・可用性２）より低くできません",
            "a-class-error",
        ),
        // Nor a medium lower than what it holds.
        (
            &[
                ("kind", "電磁的記録媒体"),
                ("holds", "IA-000004"),
                ("segment", "その他"),
                ("classification", "機密性１・完全性１・可用性１"),
            ],
            "より低くできません",
            "a-class-error",
        ),
        (
            &[("holds", "IA-000004")],
            "格納する情報資産: 他の情報資産を格納できるのは電磁的記録媒体だけです",
            "",
        ),
    ];
    for (overrides, message, marked) in cases {
        let fields = fields_with(base.clone(), overrides);
        let r = post_fields(&t, &shokuin, "/assets", &fields).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{overrides:?}"
        );
        let html = r.text().await.unwrap();
        let alert = alert_of(&html).unwrap();
        assert!(alert.contains(message), "{overrides:?}: {alert}");
        if !marked.is_empty() {
            assert!(html.contains(&format!(r#"id="{marked}""#)), "{overrides:?}");
        }
        // What was typed stays in the form.
        assert!(html.contains("転入者一覧（抽出データ）"));
    }
    assert_eq!(asset_count(&t).await, assets);
    assert_eq!(asset_audit(&t).await, audit);

    // At the inherited level the copy is accepted and shows what it inherits.
    let r = post_fields(
        &t,
        &shokuin,
        "/assets",
        &fields_with(base.clone(), &[("derived_from", "ＩＡ－０００００１")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = t.page(&shokuin, &location(&r)).await;
    assert!(html.contains("引き継ぐ分類: 機密性３・完全性２・可用性２"));
    assert!(html.contains("IA-000001 住民基本台帳データ"));
}

#[tokio::test]
async fn an_edit_is_audited_with_before_and_after() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let shimin = unit(&t, "市民課").await;
    let list = record(&t, "IA-000004").await;
    let r = post(
        &t,
        &kacho,
        &format!("/assets/{}", list.id),
        &[
            ("asset_no", "IA-000004"),
            ("kind", "情報"),
            ("name", "証明書交付件数の集計表"),
            ("owner_unit", shimin.as_str()),
            ("location", "市民課 共有フォルダ（LGWAN接続系）"),
            ("segment", "LGWAN接続系"),
            ("classification", "機密性２・完全性１・可用性１"),
            ("retention", "5年"),
            ("encrypted", "on"),
            ("backup", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let changed = record(&t, "IA-000004").await;
    assert!(changed.safeguards.backup);
    let mut conn = t.app.store().conn().await.unwrap();
    let filter = mamori_store::audit::AuditFilter {
        target_id: Some(list.id.to_string()),
        action: Some("asset.update".into()),
        ..Default::default()
    };
    let records = mamori_store::audit::list(&mut conn, &filter, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    let entry = &records[0].entry;
    let before = entry.before.as_ref().unwrap().to_string();
    let after = entry.after.as_ref().unwrap().to_string();
    assert!(before.contains(r#""backup":false"#), "{before}");
    assert!(after.contains(r#""backup":true"#), "{after}");
    assert!(after.contains(r#""asset_no":"IA-000004""#), "{after}");
    // Raising the source above a medium that holds it is refused: the medium would be lower.
    let r = post(
        &t,
        &kacho,
        &format!("/assets/{}", list.id),
        &[
            ("asset_no", "IA-000004"),
            ("kind", "情報"),
            ("name", "証明書交付件数の集計表"),
            ("owner_unit", shimin.as_str()),
            ("segment", "LGWAN接続系"),
            ("classification", "機密性３・完全性２・可用性１"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        alert.starts_with("分類: IA-000005「USBメモリ（市民課-01）」（機密性２・完全性１・可用性１）がこの情報資産を複製・格納しているため"),
        "{alert}"
    );
    assert_eq!(record(&t, "IA-000004").await, changed);
}

/// Brings a draft 第3版 into force with the profile changes `change` makes (as tokatsu), decided
/// by the CISO.
async fn enforce_draft_with(t: &TestApp, change: &[(&str, &str)]) {
    let tokatsu = t.signed_in("tokatsu").await;
    let r = post(t, &tokatsu, "/policy/editions", &[("from", "2")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(t, &tokatsu, "/policy/3/profile", change).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        alert_of(&r.text().await.unwrap())
    );
    let r = post(t, &tokatsu, "/policy/3/actions/submit", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ciso = t.signed_in("ciso").await;
    let r = post(t, &ciso, "/policy/3/actions/decide", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        t,
        &tokatsu,
        "/policy/3/actions/enforce",
        &[("effective_from", "2026-06-01")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

const GUIDELINE_TOML: &str = include_str!("../../../mamori-domain/data/guideline.toml");
const DISPOSAL_PERMISSION: &str = "[[rules]]
axis = \"confidentiality\"
at_or_above = \"1\"
actions = [\"disposal\"]
requires = [\"permission(security_manager)\"]
clause = \"S-2.(2)⑩(ウ)\"
";

#[tokio::test]
async fn disposal_needs_its_details_and_permission_and_a_disposed_asset_takes_no_more_actions() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let usb = record(&t, "IA-000005").await;
    let actions = format!("/assets/{}/actions", usb.id);
    let audit = asset_audit(&t).await;

    // Without 処理内容: refused, naming the field; nothing recorded.
    let r = post(&t, &shokuin, &actions, &[("action", "disposal")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        alert_of(&html)
            .unwrap()
            .starts_with("処理内容: 廃棄には処理内容"),
        "{html}"
    );
    assert!(html.contains(r#"id="ac-details-error""#));
    assert_eq!(asset_audit(&t).await, audit);

    // Under the guideline every 廃棄 needs the 情報セキュリティ管理者's permission: it waits.
    let r = post(
        &t,
        &shokuin,
        &actions,
        &[("action", "disposal"), ("details", "物理破壊")],
    )
    .await;
    assert!(location(&r).contains("recorded=awaiting"));
    assert_eq!(record(&t, "IA-000005").await, usb);

    // A body whose scheme lets staff dispose without permission: 廃棄 completes.
    assert!(GUIDELINE_TOML.contains(DISPOSAL_PERMISSION));
    let scheme = GUIDELINE_TOML.replace(DISPOSAL_PERMISSION, "");
    enforce_draft_with(&t, &[("op", "define-scheme"), ("toml", scheme.as_str())]).await;
    let r = post(
        &t,
        &shokuin,
        &actions,
        &[("action", "disposal"), ("details", "物理破壊")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("recorded=done"), "{}", location(&r));
    let disposed = record(&t, "IA-000005").await;
    assert_eq!(disposed.status.label(), "廃棄済");
    assert!(audited(&t, &usb.id.to_string()).await.ends_with(&[
        "asset.action_requested".to_owned(),
        "asset.action".to_owned()
    ]));

    // Nothing more happens to it.
    for action in ["transport", "store", "disposal"] {
        let r = post(
            &t,
            &shokuin,
            &actions,
            &[("action", action), ("details", "物理破壊")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        let alert = alert_of(&r.text().await.unwrap()).unwrap();
        assert!(alert.contains("は廃棄済のため"), "{alert}");
    }
    assert_eq!(record(&t, "IA-000005").await, disposed);
    let (_, list) = t.page(&shokuin, "/assets?status=disposed").await;
    assert!(list.contains("IA-000005") && !list.contains("IA-000004"));
}

#[tokio::test]
async fn the_class_filter_returns_only_assets_at_or_above_the_level() {
    let t = TestApp::spawn().await;
    let kacho = t.signed_in("kacho").await;
    let (status, html) = t.page(&kacho, "/assets").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<option value="confidentiality:2">機密性２以上</option>"#),
        "{html}"
    );
    let numbers = |html: &str| -> Vec<String> {
        html.match_indices(r#"<td class="mono nowrap">IA-"#)
            .map(|(i, m)| html[i + m.len() - 3..i + m.len() + 6].to_owned())
            .collect()
    };
    let all = numbers(&html);
    assert_eq!(all.len(), 13, "{all:?}");

    let (status, html) = t.page(&kacho, "/assets?class=confidentiality:2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        numbers(&html),
        [
            "IA-000001",
            "IA-000002",
            "IA-000003",
            "IA-000004",
            "IA-000005",
            "IA-000008",
            "IA-000010",
            "IA-000011",
            "IA-000012",
            "IA-000013"
        ]
    );
    let (_, html) = t.page(&kacho, "/assets?class=confidentiality:3").await;
    assert_eq!(
        numbers(&html),
        [
            "IA-000001",
            "IA-000002",
            "IA-000003",
            "IA-000010",
            "IA-000013"
        ]
    );
    let (_, html) = t.page(&kacho, "/assets?class=availability:2").await;
    assert!(numbers(&html).contains(&"IA-000009".to_owned()));
    assert!(!numbers(&html).contains(&"IA-000004".to_owned()));
    // Combined with another filter, both apply.
    let shimin = unit(&t, "市民課").await;
    let (_, html) = t
        .page(
            &kacho,
            &format!("/assets?class=confidentiality:3&unit={shimin}"),
        )
        .await;
    assert_eq!(numbers(&html), ["IA-000001", "IA-000002", "IA-000003"]);
    // A level the scheme does not have is refused, naming the filter.
    let (status, html) = t.page(&kacho, "/assets?class=confidentiality:4").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(alert_of(&html).unwrap().starts_with("分類: "));
}

#[tokio::test]
async fn keyset_pages_cover_every_asset_exactly_once() {
    let t = TestApp::spawn().await;
    let zeimu = unit(&t, "税務課").await;
    for i in 0..107 {
        register(
            &t,
            "tokatsu",
            information(
                &format!("課税資料{i:03}"),
                &zeimu,
                "機密性２・完全性１・可用性１",
            ),
        )
        .await;
    }
    let total = asset_count(&t).await;
    assert_eq!(total, 120);
    let b = t.signed_in("kacho").await;
    let mut seen: Vec<String> = Vec::new();
    let mut path = "/assets".to_owned();
    let mut pages = 0;
    loop {
        let (status, html) = t.page(&b, &path).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        for (i, m) in html.match_indices(r#"<td class="mono nowrap">"#) {
            let rest = &html[i + m.len()..];
            seen.push(rest[..rest.find('<').unwrap()].to_owned());
        }
        let Some(at) = html.find("次の50件") else {
            break;
        };
        let link = &html[..at];
        let href = &link[link.rfind(r#"<a href=""#).unwrap() + 9..];
        path = href[..href.find('"').unwrap()]
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert!(pages < 10, "the pages do not end");
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), total, "{seen:?}");
    assert_eq!(unique.len(), total);

    // A filtered register pages the same way and keeps its filter.
    let mut seen = 0;
    let mut path = "/assets?class=confidentiality:2&kind=information".to_owned();
    loop {
        let (_, html) = t.page(&b, &path).await;
        seen += html.matches(r#"<td class="mono nowrap">"#).count();
        let Some(at) = html.find("次の50件") else {
            break;
        };
        let link = &html[..at];
        let href = &link[link.rfind(r#"<a href=""#).unwrap() + 9..];
        path = href[..href.find('"').unwrap()]
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert!(path.contains("class=confidentiality"), "{path}");
    }
    // 107 new, and the demo's 情報 at 機密性２以上: IA-000001, 3, 4, 10, 12.
    assert_eq!(seen, 112);
}

/// The keys of the rule checks that find something on the asset.
async fn checks_on(t: &TestApp, id: AssetId) -> Vec<&'static str> {
    let u = user(t, "tokatsu").await;
    t.app
        .asset(&u, id, &mamori_app::RequestMeta::default())
        .await
        .unwrap()
        .findings
        .iter()
        .map(|f| f.check.key)
        .collect()
}

#[tokio::test]
async fn each_rule_check_fires_on_its_case_and_stays_silent_on_the_twin_that_meets_it() {
    let t = TestApp::spawn().await;
    let unit_id = unit(&t, "情報政策課").await;
    let base = |kind: &str, class: &str| AssetInput {
        kind: kind.into(),
        name: format!("{kind} {class}"),
        owner_unit: Some(unit_id.parse().unwrap()),
        segment: "LGWAN接続系".into(),
        classification: class.into(),
        ..AssetInput::default()
    };
    let c2 = "機密性２・完全性１・可用性１";
    // (check, the case that breaks it, the twin that meets it)
    let cases: Vec<(&str, AssetInput, AssetInput)> = vec![
        (
            "encryption_missing",
            base("情報", c2),
            AssetInput {
                encrypted: true,
                ..base("情報", c2)
            },
        ),
        (
            "locked_storage_missing",
            AssetInput {
                encrypted: true,
                ..base("電磁的記録媒体", c2)
            },
            AssetInput {
                encrypted: true,
                locked_storage: true,
                ..base("電磁的記録媒体", c2)
            },
        ),
        (
            "backup_missing",
            base("情報", "機密性１・完全性２・可用性１"),
            AssetInput {
                backup: true,
                ..base("情報", "機密性１・完全性２・可用性１")
            },
        ),
        (
            "recovery_target_missing",
            AssetInput {
                backup: true,
                ..base("情報システム", "機密性１・完全性１・可用性２")
            },
            AssetInput {
                backup: true,
                recovery_target_hours: "24".into(),
                ..base("情報システム", "機密性１・完全性１・可用性２")
            },
        ),
        (
            "system_document_below_expected",
            AssetInput {
                document_type: "ネットワーク構成図".into(),
                ..base("システム関連文書", "機密性１・完全性１・可用性１")
            },
            AssetInput {
                document_type: "ネットワーク構成図".into(),
                ..base("システム関連文書", c2)
            },
        ),
        (
            "no_owner",
            AssetInput {
                owner_unit: None,
                ..base("施設・設備", "機密性１・完全性１・可用性１")
            },
            base("施設・設備", "機密性１・完全性１・可用性１"),
        ),
        (
            "confidential_in_internet_segment",
            AssetInput {
                encrypted: true,
                segment: "インターネット接続系".into(),
                ..base("情報", c2)
            },
            AssetInput {
                encrypted: true,
                segment: "インターネット接続系".into(),
                ..base("情報", "機密性１・完全性１・可用性１")
            },
        ),
    ];
    let mut fired = Vec::new();
    for (check, breaks, meets) in cases {
        let id = register(&t, "tokatsu", breaks).await;
        assert_eq!(checks_on(&t, id).await, [check], "{check}");
        let id = register(&t, "tokatsu", meets).await;
        assert_eq!(checks_on(&t, id).await, Vec::<&str>::new(), "{check}");
        fired.push(check);
    }
    // Every check of the register is covered.
    let all: Vec<&str> = mamori_domain::asset::RULE_CHECKS
        .iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(fired, all);

    // The per-unit list names the unit, the asset, the finding and its clause.
    let b = t.signed_in("tokatsu").await;
    let (status, html) = t.page(&b, "/assets/findings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("情報政策課（"), "{html}");
    assert!(html.contains("所管課が未設定の情報資産（"));
    assert!(html.contains("施設・設備 機密性１・完全性１・可用性１"));
    assert!(html.contains(r#"<a href="/catalog/clauses/S-2.(2)⑥(エ)">"#));
    let findings = t
        .app
        .asset_findings(&user(&t, "tokatsu").await)
        .await
        .unwrap();
    let policy = findings
        .iter()
        .find(|u| u.unit.as_deref() == Some("情報政策課"))
        .unwrap();
    // 6 of the new assets (no_owner's case has none) and the demo's network diagram.
    assert_eq!(policy.findings.len(), 7, "{:?}", policy.findings);
}

#[tokio::test]
async fn the_single_axis_scheme_with_one_highest_works_end_to_end() {
    let t = TestApp::spawn().await;
    enforce_draft_with(&t, &[("op", "set-scheme"), ("preset", "importance-4")]).await;
    let shokuin = t.signed_in("shokuin").await;
    let shimin = unit(&t, "市民課").await;

    let (status, form) = t.page(&shokuin, "/assets/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("重要性分類Ⅰ") && !form.contains("機密性３"),
        "{form}"
    );

    let base: Vec<(&'static str, String)> = vec![
        ("kind", "情報".into()),
        ("owner_unit", shimin.clone()),
        ("segment", "マイナンバー利用事務系".into()),
        ("encrypted", "on".into()),
        ("backup", "on".into()),
        ("recovery_target_hours", "24".into()),
    ];
    let info = |name: &str, class: &str, extra: &[(&'static str, &str)]| {
        let mut fields = fields_with(base.clone(), extra);
        fields.push(("name", name.to_owned()));
        fields.push(("classification", class.to_owned()));
        fields
    };
    let register_as = |fields: Vec<(&'static str, String)>| {
        let (t, shokuin) = (&t, &shokuin);
        async move { post_fields(t, shokuin, "/assets", &fields).await }
    };
    let r = register_as(info("住民異動届の写し", "重要性分類Ⅰ", &[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let top = by_id(&t, asset_of(&r)).await;
    let r = register_as(info("窓口受付簿", "Ⅱ", &[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = by_id(&t, asset_of(&r)).await;
    let r = register_as(info("窓口案内（掲示用）", "重要性分類Ⅲ", &[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let third = by_id(&t, asset_of(&r)).await;

    // A copy of Ⅰ classified Ⅱ is lower (Ⅰ is the highest): refused.
    let audit = asset_audit(&t).await;
    let r = register_as(info(
        "住民異動届の写し（抽出）",
        "重要性分類Ⅱ",
        &[("derived_from", top.asset_no.as_str())],
    ))
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        alert.contains("引き継ぐ分類（重要性分類Ⅰ）より低くできません"),
        "{alert}"
    );
    // A medium holding it at Ⅱ likewise; a level from the other scheme is not read.
    let r = register_as(info(
        "USBメモリ（市民課-03）",
        "重要性分類Ⅱ",
        &[
            ("kind", "電磁的記録媒体"),
            ("segment", "その他"),
            ("holds", top.asset_no.as_str()),
        ],
    ))
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = register_as(info("旧分類の資料", "機密性２", &[])).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert_of(&r.text().await.unwrap())
            .unwrap()
            .starts_with("分類: ")
    );
    assert_eq!(asset_audit(&t).await, audit);

    // At Ⅰ the medium is accepted, inherits Ⅰ, and its label asks permission for 運搬.
    let r = register_as(info(
        "USBメモリ（市民課-03）",
        "重要性分類Ⅰ",
        &[
            ("kind", "電磁的記録媒体"),
            ("segment", "その他"),
            ("holds", top.asset_no.as_str()),
            ("locked_storage", "on"),
        ],
    ))
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let medium = asset_of(&r);
    // Opening it is recorded: Ⅰ is the read-log level of this scheme; Ⅱ is not recorded.
    let (status, _) = t.page(&shokuin, &format!("/assets/{}", second.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(opened(&t, &second.id.to_string()).await, 0);
    let (_, html) = t.page(&shokuin, &format!("/assets/{medium}")).await;
    assert_eq!(opened(&t, &medium.to_string()).await, 1);
    assert!(html.contains("引き継ぐ分類: 重要性分類Ⅰ"), "{html}");
    let label_start = html.find(r#"<p class="asset-label">"#).unwrap() + 23;
    let label = &html[label_start..label_start + html[label_start..].find("</p>").unwrap()];
    assert!(label.starts_with("重要性分類Ⅰ（許可: "), "{label}");
    assert!(label.contains("運搬"), "{label}");
    assert!(row_of(&html, "handling-title", "運搬").contains("の許可"));
    assert_eq!(checks_on(&t, medium).await, Vec::<&str>::new());

    // 運搬 of Ⅰ waits for permission; of Ⅲ it needs none and is recorded.
    let r = post(
        &t,
        &shokuin,
        &format!("/assets/{medium}/actions"),
        &[("action", "transport"), ("details", "北支所へ")],
    )
    .await;
    assert!(location(&r).contains("recorded=awaiting"));
    let r = post(
        &t,
        &shokuin,
        &format!("/assets/{}/actions", third.id),
        &[("action", "transport"), ("details", "北支所へ")],
    )
    .await;
    assert!(location(&r).contains("recorded=done"), "{}", location(&r));

    // 「重要性分類Ⅱ以上」 means Ⅰ and Ⅱ.
    let (_, html) = t.page(&shokuin, "/assets").await;
    assert!(
        html.contains(r#"<option value="importance:II">重要性分類Ⅱ以上</option>"#),
        "{html}"
    );
    assert!(!html.contains("機密性２以上"));
    let (status, html) = t.page(&shokuin, "/assets?class=importance:II").await;
    assert_eq!(status, StatusCode::OK);
    for (asset, shown) in [
        (&top.asset_no, true),
        (&second.asset_no, true),
        (&third.asset_no, false),
    ] {
        assert_eq!(
            html.contains(&format!(">{asset}<")),
            shown,
            "{asset} {shown}: {html}"
        );
    }
    assert!(html.contains("USBメモリ（市民課-03）"));
    let (_, html) = t.page(&shokuin, "/assets?class=importance:I").await;
    assert!(html.contains(&format!(">{}<", top.asset_no)));
    assert!(!html.contains(&format!(">{}<", second.asset_no)));

    // The rule checks ask the scheme too: a Ⅱ medium not locked away is found.
    let r = register_as(info(
        "USBメモリ（市民課-04）",
        "重要性分類Ⅱ",
        &[("kind", "電磁的記録媒体"), ("segment", "その他")],
    ))
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        checks_on(&t, asset_of(&r)).await,
        ["locked_storage_missing"]
    );
}

#[tokio::test]
async fn an_edit_cannot_mark_an_asset_disposed_past_the_disposal_record() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let shimin = unit(&t, "市民課").await;
    let usb = record(&t, "IA-000005").await;
    let audit = asset_audit(&t).await;
    let r = post(
        &t,
        &shokuin,
        &format!("/assets/{}", usb.id),
        &[
            ("asset_no", "IA-000005"),
            ("kind", "電磁的記録媒体"),
            ("name", "USBメモリ（市民課-01）"),
            ("owner_unit", shimin.as_str()),
            ("location", "市民課 キャビネット"),
            ("segment", "その他"),
            ("classification", "機密性２・完全性１・可用性１"),
            ("holds", "IA-000004"),
            ("status", "廃棄済"),
            ("encrypted", "on"),
            ("locked_storage", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(alert.starts_with("状態: 廃棄済にするには"), "{alert}");
    assert_eq!(record(&t, "IA-000005").await, usb);
    assert_eq!(asset_audit(&t).await, audit);
}
