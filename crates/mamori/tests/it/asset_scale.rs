//! The scale generator: a generated register the screens can page through completely, whose class
//! filter keeps to the scheme, with one audit record per generation; and the CLI commands.

use crate::common;

use std::collections::{HashMap, HashSet};

use common::TestApp;
use mamori_app::CurrentUser;
use mamori_app::assets::AssetQuery;
use mamori_domain::audit::Actor;
use mamori_domain::classification::Classification;
use mamori_domain::ids::AssetId;

async fn ciso(t: &TestApp) -> CurrentUser {
    let token = t.api_token("ciso").await;
    t.app.token_user(&token).await.unwrap().unwrap()
}

/// Every page of the register under `query`, as the screen walks it: ids in page order.
async fn walk(t: &TestApp, user: &CurrentUser, query: &AssetQuery) -> Vec<AssetId> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = t.app.asset_page(user, query, after, 40).await.unwrap();
        seen.extend(page.rows.iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn generated_register_pages_through_once_and_class_filter_keeps_to_the_scheme() {
    let t = TestApp::spawn().await;
    let user = ciso(&t).await;
    let audit_before = t.audit_count().await;
    let summary = t
        .app
        .generate_demo_assets(300, Actor::system("test"), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.generated, 300);
    assert!(!summary.demo_loaded);
    assert_eq!(
        t.audit_count().await,
        audit_before + 1,
        "one audit record for the generation"
    );

    let all = walk(&t, &user, &AssetQuery::default()).await;
    let unique: HashSet<AssetId> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "every asset once");
    assert_eq!(i64::try_from(all.len()).unwrap(), summary.total);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "registration order");

    // Every generated asset reads back under the scheme in force, with its links.
    let rules = t.app.asset_rules(&user).await.unwrap();
    let mut classes: HashMap<AssetId, Classification> = HashMap::new();
    let mut kinds = HashSet::new();
    let mut linked = 0;
    for id in &all {
        let detail = t
            .app
            .asset(&user, *id, &mamori_app::RequestMeta::default())
            .await
            .unwrap();
        kinds.insert(detail.asset.kind);
        linked += detail.derived_from.len() + detail.holds.len();
        classes.insert(*id, detail.asset.classification);
    }
    assert_eq!(kinds.len(), 6, "all six kinds: {kinds:?}");
    assert!(linked > 0, "some copies and media");

    let filters = rules.class_filters();
    assert!(!filters.is_empty());
    for (axis, level, label) in filters {
        let query = AssetQuery {
            at_least: Some((axis.clone(), level.clone())),
            ..Default::default()
        };
        let found: HashSet<AssetId> = walk(&t, &user, &query).await.into_iter().collect();
        let expected: HashSet<AssetId> = classes
            .iter()
            .filter(|(_, c)| rules.scheme.is_at_least(c, &axis, &level).unwrap())
            .map(|(id, _)| *id)
            .collect();
        assert!(!expected.is_empty(), "{label}: some assets at or above");
        assert_eq!(found, expected, "{label}");
    }

    // A second generation continues the numbers.
    let again = t
        .app
        .generate_demo_assets(20, Actor::system("test"), |_| {})
        .await
        .unwrap();
    assert_eq!(again.total, summary.total + 20);
    assert_ne!(again.first_no, summary.first_no);
}

#[tokio::test]
async fn cli_generates_and_measures_the_register() {
    let t = TestApp::spawn().await;
    let out = t.cli(&["assets", "generate", "--count", "120"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("120 件追加しました"), "{stdout}");
    let out = t.cli(&["assets", "bench", "--pages", "2"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("p99 ms"), "{stdout}");
    assert!(stdout.contains("情報資産の詳細"), "{stdout}");
}
