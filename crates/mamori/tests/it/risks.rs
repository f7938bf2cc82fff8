//! The リスク台帳: risks scored on the body's matrix (the 3×3 and the 5×5 presets), the band a risk
//! must reach derived from its asset's classification, settings that would strand a risk refused,
//! and only the 統括 edits.

use crate::common;

use common::{TestApp, alert_of, csrf_of};
use mamori_app::risks::{RiskForm, RiskRow};
use mamori_app::{CurrentUser, RequestMeta};
use reqwest::{Client, StatusCode};

const MATRIX_3X3: &str = include_str!("../../../mamori-domain/data/risk-3x3.toml");
const MATRIX_5X5: &str = include_str!("../../../mamori-domain/data/risk-5x5.toml");

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

/// How many records of the risk register (risk.*) the audit trail holds: sign-ins and tokens the
/// test itself makes are left out.
async fn risk_audit(t: &TestApp) -> usize {
    let mut conn = t.app.store().conn().await.unwrap();
    mamori_store::audit::list(&mut conn, &Default::default(), 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.action.starts_with("risk."))
        .count()
}

async fn rows(t: &TestApp) -> Vec<RiskRow> {
    let u = user(t, "tokatsu").await;
    t.app
        .risk_register(&u, &u.risk_reader().unwrap())
        .await
        .unwrap()
        .rows
}

async fn row(t: &TestApp, vulnerability: &str) -> RiskRow {
    rows(t)
        .await
        .into_iter()
        .find(|r| r.vulnerability == vulnerability)
        .unwrap_or_else(|| panic!("no risk {vulnerability}"))
}

/// Saves a risk through the use case as tokatsu.
async fn save(t: &TestApp, form: RiskForm) {
    let u = user(t, "tokatsu").await;
    let may = u.risk_editor().unwrap();
    t.app
        .save_risk(&u, &may, None, &form, &RequestMeta::default())
        .await
        .unwrap();
}

fn rated(asset: &str, vulnerability: &str, likelihood: &str, impact: &str) -> RiskForm {
    RiskForm {
        asset_no: asset.into(),
        threat: "unauthorized_access".into(),
        vulnerability: vulnerability.into(),
        likelihood: likelihood.into(),
        impact: impact.into(),
        ..RiskForm::default()
    }
}

#[tokio::test]
async fn risks_are_scored_on_the_three_by_three_matrix() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let audit = risk_audit(&t).await;
    let r = post(
        &t,
        &tokatsu,
        "/risks",
        &[
            ("asset_no", "IA-000004"),
            ("threat", "unauthorized_carry_out"),
            ("vulnerability", "集計表を私物のUSBメモリで持ち出せる"),
            ("likelihood", "medium"),
            ("impact", "high"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(risk_audit(&t).await, audit + 1);
    let saved = row(&t, "集計表を私物のUSBメモリで持ち出せる").await;
    assert_eq!(saved.target, "IA-000004 証明書交付件数の集計表");
    assert_eq!(
        (saved.inherent.score, saved.inherent.band.as_str()),
        (6, "high")
    );
    assert_eq!(saved.inherent_band, "高");
    assert!(saved.needs_treatment);
    assert_eq!(saved.required_band.as_deref(), Some("低"));

    // Score = the rank of the likelihood × the rank of the impact; the band covers the score.
    for (likelihood, impact, score, band) in [
        ("low", "low", 1, "low"),
        ("low", "medium", 2, "low"),
        ("low", "high", 3, "medium"),
        ("medium", "medium", 4, "medium"),
        ("high", "medium", 6, "high"),
        ("high", "high", 9, "high"),
    ] {
        let name = format!("3x3 {likelihood} {impact}");
        save(&t, rated("IA-000006", &name, likelihood, impact)).await;
        let r = row(&t, &name).await;
        assert_eq!(
            (r.inherent.score, r.inherent.band.as_str()),
            (score, band),
            "{name}"
        );
        assert_eq!(r.needs_treatment, band != "low", "{name}");
    }

    // Treated down to 低, the risk needs nothing more; the heat maps count before and after.
    save(
        &t,
        RiskForm {
            treatment: "低減".into(),
            plan: "持出しを許可制にする".into(),
            due: "2026-12-31".into(),
            residual_likelihood: "low".into(),
            residual_impact: "low".into(),
            ..rated("IA-000005", "運搬中の置き忘れ", "high", "high")
        },
    )
    .await;
    let treated = row(&t, "運搬中の置き忘れ").await;
    assert_eq!(treated.residual.as_ref().unwrap().score, 1);
    assert_eq!(treated.residual_band.as_deref(), Some("低"));
    assert!(!treated.needs_treatment);
    let (status, html) = t.page(&tokatsu, "/risks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("リスクの分布（対応前）") && html.contains("リスクの分布（対応後）"));
    assert!(html.contains("<svg"));
    let tokatsu = user(&t, "tokatsu").await;
    let register = t
        .app
        .risk_register(&tokatsu, &tokatsu.risk_reader().unwrap())
        .await
        .unwrap();
    let high = |counts: &[mamori_domain::risk::BandCount]| {
        counts.iter().find(|c| c.band == "high").unwrap().count
    };
    assert_eq!(
        high(&register.inherent_counts),
        high(&register.current_counts) + 1
    );
}

#[tokio::test]
async fn the_five_by_five_matrix_replaces_the_preset_once_no_risk_would_be_stranded() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let threats = t
        .app
        .risk_setup(&user(&t, "tokatsu").await)
        .await
        .unwrap()
        .threats_toml;

    // The demo's risks are rated on 低・中・高: the 5×5 matrix has none of those keys.
    let audit = risk_audit(&t).await;
    let r = post(
        &t,
        &tokatsu,
        "/risks/settings",
        &[("matrix", MATRIX_5X5), ("threats", threats.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(alert.contains("登録済みのリスク"), "{alert}");
    assert_eq!(risk_audit(&t).await, audit);
    let setup = t.app.risk_setup(&user(&t, "tokatsu").await).await.unwrap();
    assert_eq!(setup.matrix.id(), "risk-3x3");

    // Once they are removed (each audited), the 5×5 matrix is taken.
    let demo = rows(&t).await;
    assert_eq!(demo.len(), 6);
    for r in &demo {
        let resp = post(&t, &tokatsu, &format!("/risks/{}/delete", r.id), &[]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    let r = post(
        &t,
        &tokatsu,
        "/risks/settings",
        &[("matrix", MATRIX_5X5), ("threats", threats.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(risk_audit(&t).await, audit + 7);
    let setup = t.app.risk_setup(&user(&t, "tokatsu").await).await.unwrap();
    assert_eq!(setup.matrix.id(), "risk-5x5");
    assert!(setup.own);

    for (likelihood, impact, score, band) in [
        ("rare", "negligible", 1, "low"),
        ("unlikely", "minor", 4, "low"),
        ("almost_certain", "negligible", 5, "medium"),
        ("possible", "moderate", 9, "medium"),
        ("unlikely", "severe", 10, "high"),
        ("likely", "major", 16, "high"),
        ("likely", "severe", 20, "very_high"),
        ("almost_certain", "severe", 25, "very_high"),
    ] {
        let name = format!("5x5 {likelihood} {impact}");
        save(&t, rated("IA-000009", &name, likelihood, impact)).await;
        let r = row(&t, &name).await;
        assert_eq!(
            (r.inherent.score, r.inherent.band.as_str()),
            (score, band),
            "{name}"
        );
    }
    let r = row(&t, "5x5 likely severe").await;
    assert_eq!(r.inherent_band, "極めて高い");

    // A level of the old matrix is refused, naming the field; nothing is written.
    let before = rows(&t).await.len();
    let r = post(
        &t,
        &tokatsu,
        "/risks",
        &[
            ("asset_no", "IA-000009"),
            ("threat", "denial_of_service"),
            ("vulnerability", "旧マトリクスの評価"),
            ("likelihood", "medium"),
            ("impact", "major"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(alert.starts_with("発生可能性: "), "{alert}");
    assert_eq!(rows(&t).await.len(), before);
}

#[tokio::test]
async fn the_band_a_risk_must_reach_follows_the_classification_of_its_asset() {
    let t = TestApp::spawn().await;
    let tokatsu = t.signed_in("tokatsu").await;
    let threats = t
        .app
        .risk_setup(&user(&t, "tokatsu").await)
        .await
        .unwrap()
        .threats_toml;
    // The 3×3 matrix with 中 acceptable.
    assert!(MATRIX_3X3.contains("acceptable_band = \"low\""));
    let matrix = MATRIX_3X3.replace("acceptable_band = \"low\"", "acceptable_band = \"medium\"");
    let r = post(
        &t,
        &tokatsu,
        "/risks/settings",
        &[("matrix", matrix.as_str()), ("threats", threats.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The same rating (3, 中) on a 機密性３ asset must come down to 低; on 機密性２ 中 is enough.
    save(&t, rated("IA-000001", "住基の抽出が容易", "low", "high")).await;
    save(&t, rated("IA-000004", "集計表の抽出が容易", "low", "high")).await;
    save(
        &t,
        RiskForm {
            asset_no: String::new(),
            group_name: "窓口業務".into(),
            ..rated("", "窓口の抽出が容易", "low", "high")
        },
    )
    .await;
    let secret = row(&t, "住基の抽出が容易").await;
    let internal = row(&t, "集計表の抽出が容易").await;
    let group = row(&t, "窓口の抽出が容易").await;
    assert_eq!(secret.inherent.band, "medium");
    assert_eq!(secret.required_band.as_deref(), Some("低"));
    assert!(secret.needs_treatment);
    assert_eq!(internal.required_band.as_deref(), Some("中"));
    assert!(!internal.needs_treatment);
    assert_eq!(group.required_band, None);
    assert!(!group.needs_treatment);

    // The band is derived, never typed: a field sent for it changes nothing.
    let r = post(
        &t,
        &tokatsu,
        &format!("/risks/{}", secret.id),
        &[
            ("asset_no", "IA-000001"),
            ("threat", "unauthorized_access"),
            ("vulnerability", "住基の抽出が容易"),
            ("likelihood", "low"),
            ("impact", "high"),
            ("required_band", "medium"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        row(&t, "住基の抽出が容易").await.required_band.as_deref(),
        Some("低")
    );
}

#[tokio::test]
async fn only_the_chief_edits_risks_and_bad_input_names_its_field() {
    let t = TestApp::spawn().await;
    let shokuin = t.signed_in("shokuin").await;
    let audit = risk_audit(&t).await;
    let demo = rows(&t).await;
    let fields = [
        ("asset_no", "IA-000004"),
        ("threat", "unauthorized_access"),
        ("vulnerability", "職員による登録"),
        ("likelihood", "low"),
        ("impact", "low"),
    ];
    let (status, _) = t.page(&shokuin, "/risks").await;
    assert_eq!(status, StatusCode::OK);
    let r = post(&t, &shokuin, "/risks", &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&t, &shokuin, &format!("/risks/{}", demo[0].id), &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&t, &shokuin, &format!("/risks/{}/delete", demo[0].id), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &shokuin,
        "/risks/settings",
        &[("matrix", MATRIX_5X5), ("threats", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(risk_audit(&t).await, audit);
    assert_eq!(rows(&t).await.len(), demo.len());

    let tokatsu = t.signed_in("tokatsu").await;
    for (change, field) in [
        (("likelihood", "extreme"), "発生可能性"),
        (("asset_no", "IA-999999"), "情報資産"),
        (("threat", "alien_invasion"), "脅威"),
        (("due", "来年3月"), "期限"),
    ] {
        let form: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| *k != change.0)
            .copied()
            .chain([change])
            .collect();
        let r = post(&t, &tokatsu, "/risks", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{change:?}");
        let alert = alert_of(&r.text().await.unwrap()).unwrap();
        assert!(
            alert.starts_with(&format!("{field}: ")),
            "{change:?}: {alert}"
        );
    }
    // 受容 needs its reason.
    let mut form = fields.to_vec();
    form.push(("treatment", "受容"));
    let r = post(&t, &tokatsu, "/risks", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(risk_audit(&t).await, audit);
    assert_eq!(rows(&t).await.len(), demo.len());

    let r = post(&t, &tokatsu, "/risks", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(rows(&t).await.len(), demo.len() + 1);
    assert_eq!(risk_audit(&t).await, audit + 1);
}
