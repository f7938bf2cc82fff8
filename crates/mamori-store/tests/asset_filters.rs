//! The register's list on both backends: keyset pages in registration order, each filter
//! narrowing within one body (alone, combined, and paged a row at a time), and the text filter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{asset, filter, ids, insert_assets, levels, setup};
use mamori_domain::asset::{AssetKind, AssetStatus, NetworkSegment};
use mamori_domain::ids::AssetId;
use mamori_store::assets::{self, AssetFilter, AssetRecord};

#[tokio::test]
async fn the_register_pages_by_keyset_and_each_filter_narrows_within_the_body() {
    let f = setup().await;
    let (ka, ka2) = (f.units[0], f.units[1]);
    let segments = [
        NetworkSegment::MyNumber,
        NetworkSegment::Lgwan,
        NetworkSegment::Internet,
        NetworkSegment::Other,
    ];
    let mut mine = Vec::new();
    let mut high = Vec::new();
    for i in 0..12_usize {
        let mut a = asset(f.body, &format!("A-{i:06}"), &format!("住民記録 {i:02}"));
        a.owner_unit = [Some(ka), Some(ka2), None][i % 3];
        a.kind = [AssetKind::Information, AssetKind::Medium][i % 2];
        a.segment = segments[i % 4];
        a.status = match i {
            11 => AssetStatus::Disposed,
            _ if i % 5 == 0 => AssetStatus::Stored,
            _ => AssetStatus::InUse,
        };
        // Class 3 (rows for 「2以上」 and 「3以上」) for every third asset, class 2 otherwise.
        let l = if i % 3 == 1 {
            high.push(a.id);
            levels(&[("c", "2"), ("c", "3")])
        } else {
            levels(&[("c", "2")])
        };
        mine.push((a, l));
    }
    // Another body's assets match every filter, the unit one included.
    let theirs: Vec<_> = (0..3)
        .map(|i| {
            let mut a = asset(f.other, &format!("A-{i:06}"), &format!("住民記録 {i:02}"));
            a.owner_unit = Some(ka);
            (a, levels(&[("c", "2"), ("c", "3")]))
        })
        .collect();
    let items: Vec<_> = mine
        .iter()
        .chain(&theirs)
        .map(|(a, l)| (a, l.clone()))
        .collect();
    insert_assets(&f.store, &items).await;
    let mut all: Vec<AssetRecord> = mine.iter().map(|(a, _)| a.clone()).collect();
    all.sort_by_key(|a| a.id);
    let expect = |p: &dyn Fn(&AssetRecord) -> bool| -> Vec<AssetId> {
        all.iter().filter(|a| p(a)).map(|a| a.id).collect()
    };

    let mut conn = f.store.conn().await.unwrap();
    // Pages of 5 in registration order, each after the last id of the previous one.
    let (mut walked, mut sizes, mut after) = (Vec::new(), Vec::new(), None);
    loop {
        let none = AssetFilter::default();
        let page = assets::list_assets(&mut conn, f.body, &none, after, 5)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        sizes.push(page.len());
        walked.extend(page);
    }
    assert_eq!(sizes, vec![5, 5, 2]);
    assert_eq!(walked, all, "every field, in id order, without links");
    assert_eq!(assets::count_assets(&mut conn, f.body).await.unwrap(), 12);

    let c3 = || Some(("c".to_owned(), "3".to_owned()));
    let cases = vec![
        (
            filter(|x| x.unit = Some(ka)),
            expect(&|a| a.owner_unit == Some(ka)),
        ),
        (
            filter(|x| x.no_unit = true),
            expect(&|a| a.owner_unit.is_none()),
        ),
        (
            filter(|x| x.kind = Some(AssetKind::Medium)),
            expect(&|a| a.kind == AssetKind::Medium),
        ),
        (
            filter(|x| x.segment = Some(NetworkSegment::Lgwan)),
            expect(&|a| a.segment == NetworkSegment::Lgwan),
        ),
        (
            filter(|x| x.status = Some(AssetStatus::Stored)),
            expect(&|a| a.status == AssetStatus::Stored),
        ),
        (
            filter(|x| x.at_least = c3()),
            expect(&|a| high.contains(&a.id)),
        ),
        (
            filter(|x| x.text = Some("記録 0".into())),
            expect(&|a| a.name.contains("記録 0")),
        ),
        (
            filter(|x| x.text = Some(" A-00001 ".into())),
            expect(&|a| a.asset_no.starts_with("A-00001")),
        ),
        (
            filter(|x| {
                x.unit = Some(ka2);
                x.at_least = c3();
                x.kind = Some(AssetKind::Information);
            }),
            expect(&|a| {
                a.owner_unit == Some(ka2)
                    && a.kind == AssetKind::Information
                    && high.contains(&a.id)
            }),
        ),
    ];
    for (filter, want) in &cases {
        assert!(
            !want.is_empty() && want.len() < 12,
            "{filter:?} must narrow"
        );
        assert_eq!(
            &ids(&mut conn, f.body, filter, None, 100).await,
            want,
            "{filter:?}"
        );
        // The same filter a row at a time.
        let mut paged: Vec<AssetId> = Vec::new();
        while let Some(next) = ids(&mut conn, f.body, filter, paged.last().copied(), 1)
            .await
            .pop()
        {
            paged.push(next);
        }
        assert_eq!(&paged, want, "{filter:?} paged");
    }
    let blank = filter(|x| x.text = Some("  ".into()));
    assert_eq!(ids(&mut conn, f.body, &blank, None, 100).await.len(), 12);
    let theirs: Vec<AssetId> = theirs.iter().map(|(a, _)| a.id).collect();
    let none = AssetFilter::default();
    assert_eq!(ids(&mut conn, f.other, &none, None, 100).await, theirs);
}

#[tokio::test]
async fn text_search_takes_percent_and_underscore_literally() {
    let f = setup().await;
    let a = asset(f.body, "B_1", "達成率100%の報告");
    let b = asset(f.body, "BX1", "達成率1000件の報告");
    insert_assets(&f.store, &[(&a, vec![]), (&b, vec![])]).await;
    let mut conn = f.store.conn().await.unwrap();
    for text in ["100%", "B_1"] {
        let search = filter(|x| x.text = Some(text.into()));
        assert_eq!(
            ids(&mut conn, f.body, &search, None, 10).await,
            vec![a.id],
            "{text}"
        );
    }
}

#[tokio::test]
async fn text_search_ignores_the_case_of_latin_letters_on_both_backends() {
    let f = setup().await;
    let a = asset(f.body, "PC-001", "USBメモリ");
    insert_assets(&f.store, &[(&a, vec![])]).await;
    let mut conn = f.store.conn().await.unwrap();
    for text in ["USB", "usb", "pc-001"] {
        let search = filter(|x| x.text = Some(text.into()));
        assert_eq!(
            ids(&mut conn, f.body, &search, None, 10).await,
            vec![a.id],
            "{text}"
        );
    }
}
