//! A small register of みほん市 for the asset tests and the timing example: three units with
//! ids as the application gives them, a resolver by code or name, and registers of any length.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_domain::ids::OrgUnitId;
use mamori_io::asset_table::{AssetExportRow, UnitRef};
use mamori_io::org_table::normalize_code;

/// (組織コード, 組織名)
pub const UNITS: [(&str, &str); 3] = [
    ("0102", "情報政策課"),
    ("0201", "市民課"),
    ("0202", "税務課"),
];

pub fn unit_id(code: &str) -> OrgUnitId {
    let n: u128 = code.parse().unwrap();
    OrgUnitId::from(uuid::Uuid::from_u128(n + 1000))
}

pub fn code_of(id: OrgUnitId) -> String {
    UNITS
        .iter()
        .find(|(code, _)| unit_id(code) == id)
        .map(|(code, _)| (*code).to_owned())
        .unwrap()
}

/// The application's way: a code or a unique name gives the unit's id.
pub fn units(text: &str) -> Option<UnitRef> {
    let text = normalize_code(text);
    UNITS
        .iter()
        .find(|(code, name)| *code == text || *name == text)
        .map(|(code, _)| UnitRef(unit_id(code).to_string()))
}

/// `n` assets spread over the kinds, units and levels of the guideline.
pub fn many(n: usize) -> Vec<AssetExportRow> {
    let kinds = ["情報システム", "情報", "ネットワーク", "施設・設備"];
    let levels = [
        "機密性３・完全性２・可用性２",
        "機密性２・完全性１・可用性１",
        "機密性１・完全性１・可用性１",
    ];
    (0..n)
        .map(|i| AssetExportRow {
            asset_no: format!("IA-{:06}", i + 1),
            name: format!("情報資産その{}", i + 1),
            kind: kinds[i % kinds.len()].to_owned(),
            description: "定期的に棚卸しを行う".to_owned(),
            owner_unit: UNITS[i % UNITS.len()].0.to_owned(),
            location: "本庁舎".to_owned(),
            segment: "LGWAN接続系".to_owned(),
            classification: levels[i % levels.len()].to_owned(),
            retention: if i % 2 == 0 { "5年" } else { "永年" }.to_owned(),
            status: "使用中".to_owned(),
            derived_from: if i > 0 && i % kinds.len() == 1 {
                vec![format!("IA-{i:06}")]
            } else {
                Vec::new()
            },
            encrypted: i % 3 == 0,
            backup: true,
            recovery_target_hours: Some(24),
            ..AssetExportRow::default()
        })
        .collect()
}
