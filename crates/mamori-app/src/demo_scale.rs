//! A large register for benchmarks: `mamori assets generate` adds N realistic assets to the demo
//! body (みほん市), loading it first when absent. The assets spread over the body's 課室, all six
//! kinds, the segments and every classification the scheme in force allows (lower classes more
//! often), with copies (複製元) and media holding information of the same class. Rows are written
//! in large transactions with the rows the register writes ([`store::insert_assets_bulk`]); one
//! audit record names the whole generation.
//!
//! The content is deterministic for a given starting point: the same count on the same register
//! gives the same names.

use std::collections::HashSet;

use mamori_domain::asset::{AssetKind, AssetStatus, DocumentType, NetworkSegment, Safeguards};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::classification::Classification;
use mamori_domain::ids::{AssetId, OrgUnitId};
use mamori_domain::org::UnitKind;
use mamori_store::assets::{self as store, AssetRecord};
use mamori_store::{audit, org};

use crate::assets::{AssetRules, NUMBER_PREFIX};
use crate::demo::demo_body_code;
use crate::{App, AppError};

/// Assets written per transaction.
pub const GENERATE_BATCH: u64 = 10_000;

/// What a generation did.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub body_name: String,
    /// True when the demo body was loaded by this call.
    pub demo_loaded: bool,
    pub generated: u64,
    /// The body's assets afterwards.
    pub total: i64,
    pub first_no: Option<String>,
    pub last_no: Option<String>,
}

/// A small deterministic generator (splitmix64): the content needs variety, not secrecy.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// 文書 of the information assets: (name, usually on the マイナンバー利用事務系).
const DOCUMENTS: &[(&str, bool)] = &[
    ("住民票交付申請書", true),
    ("印鑑登録申請書", true),
    ("転入届", true),
    ("戸籍謄本等交付請求書", true),
    ("国民健康保険被保険者資格台帳", true),
    ("後期高齢者医療保険料賦課資料", true),
    ("固定資産税課税台帳", true),
    ("市民税・県民税申告書", true),
    ("軽自動車税納税通知書控", true),
    ("介護保険要介護認定調査票", true),
    ("児童手当認定請求書", true),
    ("生活保護ケース記録", true),
    ("就学援助申請書", true),
    ("道路占用許可申請書", false),
    ("職員給与支払明細", false),
    ("職員研修受講者名簿", false),
    ("公文書開示請求書", false),
    ("入札参加資格審査申請書", false),
    ("補助金交付申請書", false),
    ("契約書", false),
    ("会議録", false),
    ("住民説明会議事録", false),
    ("広報紙原稿", false),
    ("窓口アンケート集計表", false),
    ("業務委託仕様書", false),
    ("予算要求資料", false),
    ("決算資料", false),
    ("施設点検記録", false),
    ("苦情・要望受付簿", false),
    ("地籍調査成果簿", false),
];

const SYSTEMS: &[&str] = &[
    "住民記録システム",
    "税務システム",
    "国民健康保険システム",
    "介護保険システム",
    "福祉総合システム",
    "財務会計システム",
    "人事給与システム",
    "文書管理システム",
    "グループウェア",
    "公開用ウェブサイト",
];

const SITES: &[&str] = &["本庁舎", "東支所", "西支所", "保健センター", "市民会館"];
const RETENTIONS: &[&str] = &["1年", "3年", "5年", "10年", "30年", "永年", ""];

/// The kinds with their shares in a hundred.
const KIND_SHARES: &[(AssetKind, usize)] = &[
    (AssetKind::Information, 55),
    (AssetKind::InformationSystem, 15),
    (AssetKind::Medium, 12),
    (AssetKind::SystemDocument, 7),
    (AssetKind::Network, 6),
    (AssetKind::Facility, 5),
];

struct Class {
    pairs: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    weight: usize,
}

struct Unit {
    id: OrgUnitId,
    name: String,
    /// Serial numbers of PCs, media … in this unit.
    serial: u64,
    /// The unit's latest information asset: (id, class index), for copies and media.
    latest_information: Option<(AssetId, usize)>,
}

/// Whether the system the name mentions is a マイナンバー利用事務系 one.
fn my_number_system(system: &str) -> bool {
    matches!(
        system,
        "住民記録システム"
            | "税務システム"
            | "国民健康保険システム"
            | "介護保険システム"
            | "福祉総合システム"
    )
}

struct Generator {
    mix: Mix,
    classes: Vec<Class>,
    total_weight: usize,
    units: Vec<Unit>,
}

impl Generator {
    fn class(&mut self) -> usize {
        let mut at = self.mix.below(self.total_weight);
        for (i, c) in self.classes.iter().enumerate() {
            if at < c.weight {
                return i;
            }
            at -= c.weight;
        }
        0
    }

    fn kind(&mut self) -> AssetKind {
        let mut at = self.mix.below(100);
        for (kind, share) in KIND_SHARES {
            if at < *share {
                return *kind;
            }
            at -= share;
        }
        AssetKind::Information
    }

    /// One asset (without id, number or times) and its class index.
    fn asset(&mut self, id: AssetId) -> Draft {
        let u = self.mix.below(self.units.len());
        let kind = self.kind();
        let class = self.class();
        let fiscal = 1 + self.mix.below(8);
        let unit_name = self.units[u].name.clone();
        let serial = {
            self.units[u].serial += 1;
            self.units[u].serial
        };
        let status = match self.mix.below(100) {
            0..=84 => AssetStatus::InUse,
            85..=94 => AssetStatus::Stored,
            _ => AssetStatus::Disposed,
        };
        let mut draft = Draft {
            id,
            kind,
            name: String::new(),
            description: String::new(),
            unit: Some(self.units[u].id),
            location: String::new(),
            segment: NetworkSegment::Lgwan,
            class,
            retention: String::new(),
            status,
            document_type: None,
            derived_from: Vec::new(),
            holds: Vec::new(),
            safeguards: Safeguards::default(),
        };
        match kind {
            AssetKind::Information => {
                let latest = self.units[u].latest_information;
                if let (Some((source, source_class)), true) = (latest, self.mix.chance(4)) {
                    // A copy: same class as its 複製元 (inheritance).
                    let (doc, _) = *self.mix.pick(DOCUMENTS);
                    draft.name = format!("{doc}（令和{fiscal}年度・抽出データ）");
                    draft.description = format!("{unit_name}が{doc}から抽出して作成した資料");
                    draft.class = source_class;
                    draft.derived_from.push(source);
                    draft.location = format!("{unit_name} 共有フォルダ");
                    draft.retention = "1年".to_owned();
                } else {
                    let (doc, my_number) = *self.mix.pick(DOCUMENTS);
                    let month = 1 + self.mix.below(12);
                    draft.name = if self.mix.chance(40) {
                        format!("{doc}（令和{fiscal}年度・{month}月分）")
                    } else {
                        format!("{doc}（令和{fiscal}年度）")
                    };
                    draft.description = format!("{unit_name}の{doc}に関する事務で取り扱う情報");
                    draft.retention = (*self.mix.pick(RETENTIONS)).to_owned();
                    let paper = self.mix.chance(20);
                    draft.segment = if paper {
                        NetworkSegment::Other
                    } else if my_number {
                        NetworkSegment::MyNumber
                    } else if self.mix.chance(15) {
                        NetworkSegment::Internet
                    } else {
                        NetworkSegment::Lgwan
                    };
                    draft.location = if paper {
                        format!("{unit_name} 書庫")
                    } else {
                        format!("{unit_name} 共有フォルダ")
                    };
                }
                draft.safeguards.encrypted = self.mix.chance(60);
                draft.safeguards.backup = self.mix.chance(50);
                self.units[u].latest_information = Some((id, draft.class));
            }
            AssetKind::InformationSystem => {
                let site = *self.mix.pick(SITES);
                match self.mix.below(10) {
                    0..=5 => {
                        draft.name = format!("{unit_name} 業務用PC-{serial:04}");
                        draft.description = format!("{unit_name}の職員が使う端末");
                        draft.location = format!("{site} {unit_name}");
                    }
                    6 | 7 => {
                        draft.name = format!("{unit_name} 複合機-{:02}", serial % 100);
                        draft.description = "印刷・複写・スキャナ".to_owned();
                        draft.location = format!("{site} {unit_name}");
                    }
                    _ => {
                        let system = *self.mix.pick(SYSTEMS);
                        draft.name = format!("{system} サーバ-{:02}", serial % 100);
                        draft.description = format!("{system}の業務サーバ");
                        draft.location = format!("{site}サーバ室");
                        if my_number_system(system) {
                            draft.segment = NetworkSegment::MyNumber;
                        }
                        draft.safeguards.backup = true;
                        draft.safeguards.recovery_target_hours = Some(*self.mix.pick(&[24, 72]));
                    }
                }
                if system_on_internet(&draft.name) {
                    draft.segment = NetworkSegment::Internet;
                }
            }
            AssetKind::Medium => {
                let (label, width) = *self.mix.pick(&[
                    ("USBメモリ", 2usize),
                    ("外付けHDD", 2),
                    ("DVD-R", 3),
                    ("SDカード", 2),
                ]);
                let n = serial % 10u64.pow(u32::try_from(width).unwrap_or(2));
                draft.name = format!("{label}（{unit_name}-{n:0width$}）");
                draft.description = format!("{unit_name}で受け渡しに使う{label}");
                draft.location = format!("{unit_name} キャビネット");
                draft.segment = NetworkSegment::Other;
                draft.safeguards.encrypted = self.mix.chance(80);
                draft.safeguards.locked_storage = true;
                if let (Some((held, held_class)), true) =
                    (self.units[u].latest_information, self.mix.chance(30))
                {
                    // A medium is at least as high as what it holds.
                    draft.holds.push(held);
                    draft.class = held_class;
                }
            }
            AssetKind::SystemDocument => {
                let system = *self.mix.pick(SYSTEMS);
                let (document_type, title) = *self.mix.pick(&[
                    (DocumentType::Design, "設計書"),
                    (DocumentType::Specification, "仕様書"),
                    (DocumentType::NetworkDiagram, "ネットワーク構成図"),
                    (DocumentType::OperationManual, "オペレーションマニュアル"),
                    (DocumentType::TerminalManual, "端末管理マニュアル"),
                ]);
                draft.name = format!("{system} {title}（第{}版）", 1 + self.mix.below(9));
                draft.description = format!("{system}の{title}");
                draft.location = format!("{unit_name} 施錠キャビネット");
                draft.segment = NetworkSegment::Other;
                draft.document_type = Some(document_type);
                draft.safeguards.locked_storage = true;
            }
            AssetKind::Network => {
                let site = *self.mix.pick(SITES);
                draft.name = match self.mix.below(3) {
                    0 => format!("{unit_name} フロアスイッチ-{:02}", serial % 100),
                    1 => format!("LGWAN回線（{site}）"),
                    _ => format!("{site} 無線LANアクセスポイント-{:02}", serial % 100),
                };
                draft.description = "庁内ネットワークの通信機器・回線".to_owned();
                draft.location = format!("{site} 通信機械室");
            }
            AssetKind::Facility => {
                let site = *self.mix.pick(SITES);
                draft.name = match self.mix.below(3) {
                    0 => format!("{site} サーバ室 空調設備-{}", serial % 10),
                    1 => format!("{site} 通信分岐盤-{:02}", serial % 100),
                    _ => format!("{site} 配電盤-{:02}", serial % 100),
                };
                draft.description = "情報システムを設置・運用する施設・設備".to_owned();
                draft.location = site.to_owned();
                draft.segment = NetworkSegment::Other;
                draft.safeguards.locked_storage = true;
            }
        }
        draft
    }
}

fn system_on_internet(name: &str) -> bool {
    name.contains("公開用ウェブサイト")
}

struct Draft {
    id: AssetId,
    kind: AssetKind,
    name: String,
    description: String,
    unit: Option<OrgUnitId>,
    location: String,
    segment: NetworkSegment,
    class: usize,
    retention: String,
    status: AssetStatus,
    document_type: Option<DocumentType>,
    derived_from: Vec<AssetId>,
    holds: Vec<AssetId>,
    safeguards: Safeguards,
}

/// The weight of a classification: lower levels are more common (6 : 3 : 1 per axis).
fn class_weight(
    scheme: &mamori_domain::classification::ClassificationScheme,
    c: &Classification,
) -> usize {
    c.choices()
        .iter()
        .map(|choice| {
            let rank = scheme
                .axis(&choice.axis)
                .and_then(|a| a.levels.iter().position(|l| l.key == choice.level))
                .unwrap_or(0);
            match rank {
                0 => 6,
                1 => 3,
                _ => 1,
            }
        })
        .product()
}

impl App {
    /// Adds `count` generated assets to the demo body, loading the demo body first when absent.
    /// `progress` hears the number written after each transaction.
    pub async fn generate_demo_assets(
        &self,
        count: u64,
        actor: Actor,
        mut progress: impl FnMut(u64),
    ) -> Result<GenerateSummary, AppError> {
        let demo = self.load_demo().await?;
        let code = demo_body_code()?;
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let body = org::find_body_by_code(&mut conn, &code)
            .await?
            .ok_or_else(|| AppError::NotFound("デモ団体".to_owned()))?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut conn, body.id).await?)?;
        let mut classes = Vec::new();
        for c in rules.scheme.classifications() {
            classes.push(Class {
                pairs: c
                    .keys()
                    .into_iter()
                    .map(|(a, l)| (a.to_owned(), l.to_owned()))
                    .collect(),
                levels: rules.level_rows(&c)?,
                weight: class_weight(&rules.scheme, &c),
            });
        }
        let units: Vec<Unit> = org::units_on(&mut conn, body.id, self.today())
            .await?
            .into_iter()
            .filter(|u| u.kind == UnitKind::Section)
            .map(|u| Unit {
                id: u.id,
                name: u.name,
                serial: 0,
                latest_information: None,
            })
            .collect();
        if units.is_empty() || classes.is_empty() {
            return Err(AppError::Internal(
                "デモ団体に課室または分類がありません".to_owned(),
            ));
        }
        let mut next_no = store::next_asset_number_value(&mut conn, body.id)
            .await?
            .unwrap_or(1);
        let before = store::count_assets(&mut conn, body.id).await?;
        drop(conn);
        let total_weight = classes.iter().map(|c| c.weight).sum();
        let mut generator = Generator {
            mix: Mix(u64::try_from(before).unwrap_or(0) ^ 0x6d61_6d6f_7269),
            classes,
            total_weight,
            units,
        };
        let mut written = 0u64;
        let mut first_no = None;
        let mut last_no = None;
        while written < count {
            let n = GENERATE_BATCH.min(count - written);
            let mut tx = self.store().begin_write().await?;
            let numbers = free_numbers(&mut tx, body.id, &mut next_no, n).await?;
            let mut items = Vec::with_capacity(numbers.len());
            for asset_no in numbers {
                let d = generator.asset(AssetId::new());
                let class = &generator.classes[d.class];
                if first_no.is_none() {
                    first_no = Some(asset_no.clone());
                }
                last_no = Some(asset_no.clone());
                items.push((
                    AssetRecord {
                        id: d.id,
                        body_id: body.id,
                        asset_no,
                        kind: d.kind,
                        name: d.name,
                        description: d.description,
                        owner_unit: d.unit,
                        location: d.location,
                        segment: d.segment,
                        classification: class.pairs.clone(),
                        retention: d.retention,
                        status: d.status,
                        document_type: d.document_type,
                        safeguards: d.safeguards,
                        derived_from: d.derived_from,
                        holds: d.holds,
                        created_at: now,
                        updated_at: now,
                    },
                    class.levels.clone(),
                ));
            }
            store::insert_assets_bulk(&mut tx, &items).await?;
            written += n;
            store::set_next_asset_number(&mut tx, body.id, next_no).await?;
            if written >= count {
                let entry = AuditEntry::new(actor.clone(), "asset.generate", "body", body.id)
                    .body(body.id)
                    .after(&serde_json::json!({
                        "count": count,
                        "first_no": first_no,
                        "last_no": last_no,
                    }));
                audit::append(&mut tx, now, entry).await?;
            }
            tx.commit().await?;
            progress(written);
        }
        let mut conn = self.store().conn().await?;
        let total = store::count_assets(&mut conn, body.id).await?;
        Ok(GenerateSummary {
            body_name: body.name,
            demo_loaded: demo.loaded_now,
            generated: written,
            total,
            first_no,
            last_no,
        })
    }
}

/// `n` automatic 管理番号 from `next` on, skipping numbers already in the register; `next` moves
/// past the last one taken.
async fn free_numbers(
    conn: &mut impl mamori_store::Reads,
    body: mamori_domain::ids::BodyId,
    next: &mut i64,
    n: u64,
) -> Result<Vec<String>, AppError> {
    let wanted = usize::try_from(n).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(wanted);
    while out.len() < wanted {
        let missing = wanted - out.len();
        let candidates: Vec<String> = (0..missing)
            .map(|i| {
                format!(
                    "{NUMBER_PREFIX}{:06}",
                    *next + i64::try_from(i).unwrap_or(0)
                )
            })
            .collect();
        let taken: HashSet<String> = store::ids_by_number(conn, body, &candidates)
            .await?
            .into_iter()
            .map(|(_, number)| number)
            .collect();
        *next += i64::try_from(missing).unwrap_or(0);
        out.extend(candidates.into_iter().filter(|c| !taken.contains(c)));
    }
    Ok(out)
}
