//! The 情報資産台帳 (asset register) as a pure model: what an asset is, where it lives, how it is
//! classified under the body's scheme, the handling that classification implies, its lifecycle
//! and the rule checks that compare the safeguards in place with what the scheme requires.
//!
//! Nothing here knows a level number. Every question about classification goes to the
//! [`ClassificationScheme`]: [`ClassificationScheme::requires`] for what an action needs,
//! [`ClassificationScheme::is_at_least`] and [`ClassificationScheme::highest`] for order. Where a
//! rule check needs a threshold such as 「機密性２以上に相当」, the threshold is a
//! [`ClassMarker`] — a requirement the scheme states for an action — so it follows the scheme:
//! 機密性２ under the guideline, 重要性分類Ⅱ under the single-axis scheme.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::DomainError;
use crate::classification::{
    Action, Classification, ClassificationScheme, Requirement, Requirements,
};
use crate::ids::{AssetId, BodyId, OrgUnitId, PersonId};

/// The longest 名称.
pub const NAME_MAX_CHARS: usize = 200;
/// The longest 説明.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The longest 所在・保管場所.
pub const LOCATION_MAX_CHARS: usize = 200;
/// The longest 保存期間 written as text.
pub const RETENTION_MAX_CHARS: usize = 100;
/// The longest 処理内容 of a lifecycle record.
pub const DETAILS_MAX_CHARS: usize = 1000;

/// Trims and folds full-width letters and digits (ＬＧＷＡＮ → LGWAN) for matching.
fn normalize(input: &str) -> String {
    let text = input.trim();
    // Text already in NFKC (every stored key, most labels) is returned as it is.
    if unicode_normalization::is_nfkc_quick(text.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        return text.to_owned();
    }
    text.nfkc().collect()
}

/// An enum with a stable key, a Japanese label and other accepted spellings.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $key:literal, $label:literal $(, [$($alias:literal),*])? ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable key used in storage and files.
            pub fn key(self) -> &'static str {
                match self { $( Self::$variant => $key, )+ }
            }

            /// The Japanese label.
            pub fn label(self) -> &'static str {
                match self { $( Self::$variant => $label, )+ }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self { $( Self::$variant => &[ $( $($alias),* )? ], )+ }
            }

            /// Reads the key or the Japanese label (full-width letters accepted).
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                // A stored key is matched as it is, without folding.
                if let Some(v) = Self::ALL.iter().copied().find(|v| v.key() == input) {
                    return Ok(v);
                }
                let text = normalize(input);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| {
                        v.key() == text
                            || normalize(v.label()) == text
                            || v.aliases().iter().any(|a| normalize(a) == text)
                    })
                    .ok_or_else(|| {
                        let labels: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        DomainError::new(
                            $field,
                            format!(
                                "「{}」という{}はありません（{}のいずれかです）",
                                input.trim(),
                                $field,
                                labels.join("・")
                            ),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

labelled_enum!(
    /// 情報資産の種類 (図表10).
    AssetKind, "種別" {
        /// 通信回線, ルータ等の通信機器
        Network => "network", "ネットワーク";
        /// サーバ, パソコン, OS, ソフトウェア …
        InformationSystem => "information_system", "情報システム";
        /// コンピュータ室, 通信分岐盤, 配電盤 …
        Facility => "facility", "施設・設備", ["施設", "設備"];
        /// USBメモリ, 外付けHDD, DVD-R, 内蔵媒体 …
        Medium => "medium", "電磁的記録媒体", ["記録媒体", "媒体"];
        /// ネットワーク及び情報システムで取り扱う情報（印刷物を含む）
        Information => "information", "情報";
        /// 設計書, 仕様書, マニュアル, ネットワーク構成図
        SystemDocument => "system_document", "システム関連文書";
    }
);

labelled_enum!(
    /// The segment of the 三層の構え an asset belongs to (GUIDELINE-NOTES §2.3).
    NetworkSegment, "ネットワーク領域" {
        /// マイナンバー利用事務系（個人番号利用事務系）
        MyNumber => "my_number", "マイナンバー利用事務系", ["個人番号利用事務系"];
        /// LGWAN接続系
        Lgwan => "lgwan", "LGWAN接続系";
        /// インターネット接続系
        Internet => "internet", "インターネット接続系";
        /// その他・なし (a facility, a paper document, a stand-alone device)
        Other => "other", "その他／なし", ["その他", "なし", "その他/なし", ""];
    }
);

labelled_enum!(
    /// 状態 of an asset in the register.
    AssetStatus, "状態" {
        /// 使用中
        InUse => "in_use", "使用中";
        /// 保管 (kept, not in use)
        Stored => "stored", "保管";
        /// 廃棄済
        Disposed => "disposed", "廃棄済";
    }
);

labelled_enum!(
    /// 文書の種類 of a システム関連文書.
    DocumentType, "文書の種類" {
        /// 設計書
        Design => "design", "設計書";
        /// 仕様書（情報システム仕様書、プログラム仕様書）
        Specification => "specification", "仕様書", ["情報システム仕様書", "プログラム仕様書", "システム仕様書"];
        /// ネットワーク構成図
        NetworkDiagram => "network_diagram", "ネットワーク構成図", ["ネットワーク図"];
        /// オペレーションマニュアル
        OperationManual => "operation_manual", "オペレーションマニュアル", ["運用マニュアル"];
        /// 端末管理マニュアル
        TerminalManual => "terminal_manual", "端末管理マニュアル";
        /// その他
        Other => "other", "その他";
    }
);

/// 保存期間: a number of years, or words (「永年」「当該事務の終了まで」), or not set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Retention {
    Unspecified,
    Years(u32),
    Text(String),
}

impl Retention {
    /// Reads 「5年」, 「５」, 「永年」 or an empty field.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = normalize(input);
        if text.is_empty() {
            return Ok(Self::Unspecified);
        }
        let number = text.strip_suffix('年').unwrap_or(&text).trim();
        if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
            return match number.parse::<u32>() {
                Ok(years) if (1..=1000).contains(&years) => Ok(Self::Years(years)),
                _ => Err(DomainError::new(
                    "保存期間",
                    "年数は1から1000までの整数で入力してください",
                )),
            };
        }
        if text.chars().count() > RETENTION_MAX_CHARS {
            return Err(DomainError::new(
                "保存期間",
                format!("{RETENTION_MAX_CHARS}文字以内で入力してください"),
            ));
        }
        Ok(Self::Text(input.trim().to_owned()))
    }

    pub fn label(&self) -> String {
        match self {
            Self::Unspecified => "未設定".to_owned(),
            Self::Years(y) => format!("{y}年"),
            Self::Text(t) => t.clone(),
        }
    }
}

/// The safeguards actually in place for an asset; the rule checks compare them with what the
/// scheme requires for its classification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Safeguards {
    /// 暗号化（又はパスワード設定）されている
    pub encrypted: bool,
    /// 耐火・耐熱・耐水・耐湿の施錠可能な場所に保管されている
    pub locked_storage: bool,
    /// バックアップを取っている
    pub backup: bool,
    /// 復旧目標時間（時間）
    pub recovery_target_hours: Option<u32>,
}

/// An entry of the 情報資産台帳. Built only by [`NewAsset::validate`], so its classification is
/// one of the body's scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asset {
    pub id: AssetId,
    pub body_id: BodyId,
    pub kind: AssetKind,
    pub name: String,
    pub description: String,
    /// The unit whose 情報セキュリティ管理者 owns the asset (S-2.(2)①(ア)).
    pub owner_unit: Option<OrgUnitId>,
    /// 所在・保管場所
    pub location: String,
    pub segment: NetworkSegment,
    pub classification: Classification,
    pub retention: Retention,
    pub status: AssetStatus,
    /// 文書の種類, for a システム関連文書 only.
    pub document_type: Option<DocumentType>,
    /// The assets this one is a copy of (S-2.(2)①(イ)).
    pub derived_from: Vec<AssetId>,
    /// The assets a medium holds (S-2.(2)⑤(ウ)).
    pub holds: Vec<AssetId>,
    pub safeguards: Safeguards,
}

/// An asset as typed on a screen or read from a row: text for everything a person writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAsset {
    pub kind: String,
    pub name: String,
    pub description: String,
    pub owner_unit: Option<OrgUnitId>,
    pub location: String,
    pub segment: String,
    /// As people write it: 「機密性３・完全性２・可用性２」, 「重要性分類Ⅰ」.
    pub classification: String,
    pub retention: String,
    /// Empty means 使用中.
    pub status: String,
    /// Required for a システム関連文書, empty otherwise.
    pub document_type: String,
    pub derived_from: Vec<AssetId>,
    pub holds: Vec<AssetId>,
    pub safeguards: Safeguards,
}

impl NewAsset {
    /// Validates every field against the rules and the body's scheme. All errors are returned,
    /// each naming its field, so a screen or an import row can show them together.
    pub fn validate(
        &self,
        scheme: &ClassificationScheme,
        id: AssetId,
        body_id: BodyId,
    ) -> Result<Asset, Vec<DomainError>> {
        let mut errors = Vec::new();
        let name = keep(
            &mut errors,
            text_field("名称", &self.name, NAME_MAX_CHARS, true),
        );
        let description = keep(
            &mut errors,
            text_field("説明", &self.description, DESCRIPTION_MAX_CHARS, false),
        );
        let location = keep(
            &mut errors,
            text_field("所在・保管場所", &self.location, LOCATION_MAX_CHARS, false),
        );
        let kind = keep(
            &mut errors,
            if self.kind.trim().is_empty() {
                Err(DomainError::new("種別", "種別を選んでください"))
            } else {
                AssetKind::parse(&self.kind)
            },
        );
        let segment = keep(&mut errors, NetworkSegment::parse(&self.segment));
        let classification = keep(
            &mut errors,
            parse_classification(scheme, &self.classification),
        );
        let retention = keep(&mut errors, Retention::parse(&self.retention));
        let status = keep(
            &mut errors,
            if self.status.trim().is_empty() {
                Ok(AssetStatus::InUse)
            } else {
                AssetStatus::parse(&self.status)
            },
        );
        let document_type = keep(
            &mut errors,
            match (kind, self.document_type.trim().is_empty()) {
                (Some(AssetKind::SystemDocument), true) => Err(DomainError::new(
                    "文書の種類",
                    "システム関連文書には文書の種類（仕様書、ネットワーク構成図など）を選んでください",
                )),
                (Some(AssetKind::SystemDocument), false) => {
                    DocumentType::parse(&self.document_type).map(Some)
                }
                (_, true) => Ok(None),
                (_, false) => Err(DomainError::new(
                    "文書の種類",
                    "文書の種類はシステム関連文書にだけ指定できます",
                )),
            },
        );
        let derived_from = keep(&mut errors, links("複製元", &self.derived_from, id));
        let holds = keep(
            &mut errors,
            links("格納する情報資産", &self.holds, id).and_then(|holds| {
                if holds.is_empty() || kind == Some(AssetKind::Medium) || kind.is_none() {
                    Ok(holds)
                } else {
                    Err(DomainError::new(
                        "格納する情報資産",
                        "他の情報資産を格納できるのは電磁的記録媒体だけです",
                    ))
                }
            }),
        );
        let safeguards = keep(
            &mut errors,
            match self.safeguards.recovery_target_hours {
                Some(0) => Err(DomainError::new(
                    "復旧目標時間",
                    "復旧目標時間は1時間以上で入力してください",
                )),
                _ => Ok(self.safeguards.clone()),
            },
        );

        let asset = (|| {
            Some(Asset {
                id,
                body_id,
                kind: kind?,
                name: name?,
                description: description?,
                owner_unit: self.owner_unit,
                location: location?,
                segment: segment?,
                classification: classification?,
                retention: retention?,
                status: status?,
                document_type: document_type?,
                derived_from: derived_from?,
                holds: holds?,
                safeguards: safeguards?,
            })
        })();
        match asset {
            Some(asset) if errors.is_empty() => Ok(asset),
            _ => Err(errors),
        }
    }
}

fn keep<T>(errors: &mut Vec<DomainError>, result: Result<T, DomainError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn text_field(field: &str, input: &str, max: usize, required: bool) -> Result<String, DomainError> {
    let text = input.trim();
    if required && text.is_empty() {
        return Err(DomainError::new(
            field,
            format!("{field}を入力してください"),
        ));
    }
    crate::text::check(field, text, max, true)?;
    Ok(text.to_owned())
}

/// Reads the 分類 field with the scheme; errors name 「分類」 and keep the axis in the message.
fn parse_classification(
    scheme: &ClassificationScheme,
    input: &str,
) -> Result<Classification, DomainError> {
    scheme.parse_classification(input).map_err(|e| {
        if e.field == "分類" {
            e
        } else {
            DomainError::new("分類", format!("{}: {}", e.field, e.message))
        }
    })
}

fn links(field: &str, ids: &[AssetId], own: AssetId) -> Result<Vec<AssetId>, DomainError> {
    let mut out: Vec<AssetId> = Vec::with_capacity(ids.len());
    for id in ids {
        if *id == own {
            return Err(DomainError::new(
                field,
                format!("{field}に自分自身は指定できません"),
            ));
        }
        if out.contains(id) {
            return Err(DomainError::new(
                field,
                format!("{field}に同じ情報資産が重複しています"),
            ));
        }
        out.push(*id);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Derived handling and the label (表示)

/// The lifecycle actions the register shows handling for, in the guideline's order
/// (S-2.(2)③–⑩, S-5.1.(1)③).
pub const LIFECYCLE_ACTIONS: [Action; 10] = [
    Action::Create,
    Action::Acquire,
    Action::Store,
    Action::Send,
    Action::Transport,
    Action::Provision,
    Action::Publication,
    Action::Disposal,
    Action::ProcessOffsite,
    Action::CarryOut,
];

/// The handling rules derived from the scheme for the asset: for each lifecycle action that the
/// scheme has a rule for, what it requires at the asset's classification (possibly nothing).
pub fn handling(
    scheme: &ClassificationScheme,
    asset: &Asset,
) -> Result<Vec<(Action, Requirements)>, DomainError> {
    LIFECYCLE_ACTIONS
        .iter()
        .filter(|action| scheme.rules().iter().any(|r| r.actions.contains(action)))
        .map(|&action| Ok((action, scheme.requires(&asset.classification, action)?)))
        .collect()
}

/// The text to print on the asset (表示, S-2.(2)②): the classification in the scheme's words and,
/// in short Japanese, the restrictions that go beyond those of an unlabelled asset (the scheme's
/// lowest classification, 注4): actions that need permission or are prohibited, encryption,
/// locked storage and backup. 「機密性２・完全性１・可用性１（許可: 運搬・外部提供／禁止: …）」.
pub fn label_text(scheme: &ClassificationScheme, asset: &Asset) -> Result<String, DomainError> {
    let lowest = scheme.lowest();
    let mut permitted: Vec<&str> = Vec::new();
    let mut prohibited: Vec<&str> = Vec::new();
    let mut measures: Vec<&str> = Vec::new();
    let add = |list: &mut Vec<&'static str>, item: &'static str| {
        if !list.contains(&item) {
            list.push(item);
        }
    };
    for action in Action::ALL {
        let here = scheme.requires(&asset.classification, action)?;
        let base = scheme.requires(&lowest, action)?;
        for (requirement, _) in here.iter() {
            if base.contains(requirement) {
                continue;
            }
            match requirement {
                Requirement::Permission { .. } => add(&mut permitted, action.label()),
                Requirement::Prohibited => add(&mut prohibited, action.label()),
                Requirement::Encryption | Requirement::EncryptionOrPassword => {
                    add(&mut measures, "暗号化等")
                }
                Requirement::LockedStorage => add(&mut measures, "施錠保管"),
                Requirement::Backup => add(&mut measures, "バックアップ"),
                Requirement::NoExcessCopies => add(&mut measures, "複製制限"),
                _ => {}
            }
        }
    }
    let mut parts: Vec<String> = Vec::new();
    if !permitted.is_empty() {
        parts.push(format!("許可: {}", permitted.join("・")));
    }
    if !prohibited.is_empty() {
        parts.push(format!("禁止: {}", prohibited.join("・")));
    }
    if !measures.is_empty() {
        parts.push(measures.join("・"));
    }
    let mut text = asset.classification.to_string();
    if !parts.is_empty() {
        text.push('（');
        text.push_str(&parts.join("／"));
        text.push('）');
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Inheritance

/// The classification a copy of `sources` (S-2.(2)①(イ)) or a medium holding them
/// (S-2.(2)⑤(ウ)) is handled at: per axis the highest level, in the scheme's order.
pub fn inherited_classification(
    scheme: &ClassificationScheme,
    sources: &[&Classification],
) -> Result<Classification, DomainError> {
    let owned: Vec<Classification> = sources.iter().map(|c| (*c).clone()).collect();
    scheme
        .highest(&owned)?
        .ok_or_else(|| DomainError::new("複製元", "分類を引き継ぐ元の情報資産が指定されていません"))
}

/// Whether `classification` is at or above `minimum` on every axis, in the scheme's order.
pub fn is_at_least_on_every_axis(
    scheme: &ClassificationScheme,
    classification: &Classification,
    minimum: &Classification,
) -> Result<bool, DomainError> {
    for choice in minimum.choices() {
        if !scheme.is_at_least(classification, &choice.axis, &choice.level)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks that an asset is classified at least at what it inherits from its copies' sources or
/// the assets it holds; a lower classification is an error naming 「分類」.
pub fn check_inherited(
    scheme: &ClassificationScheme,
    asset: &Asset,
    sources: &[&Classification],
) -> Result<(), DomainError> {
    if sources.is_empty() {
        return Ok(());
    }
    let inherited = inherited_classification(scheme, sources)?;
    if is_at_least_on_every_axis(scheme, &asset.classification, &inherited)? {
        Ok(())
    } else {
        Err(DomainError::new(
            "分類",
            format!(
                "「{}」の分類（{}）は、複製元・格納する情報資産から引き継ぐ分類（{inherited}）より低くできません",
                asset.name, asset.classification
            ),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle gate and records

/// Whether an action on an asset may go ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum ActionGate {
    /// Allowed; `requirements` still apply (encryption, records …).
    Allowed { requirements: Requirements },
    /// Needs the permission of the holders of these roles (keys of the body's role set) before
    /// it completes. Until the approvals engine routes the request, the caller blocks the action.
    NeedsPermission {
        roles: Vec<String>,
        requirements: Requirements,
    },
    /// Not allowed: the scheme prohibits it, or the asset is already disposed of.
    Prohibited { reason: String },
}

impl ActionGate {
    /// Whether the action may complete now, given the approval reference the caller holds.
    /// Permission needs an approval; a prohibited action never completes.
    pub fn may_complete(&self, approval: Option<&str>) -> bool {
        match self {
            Self::Allowed { .. } => true,
            Self::NeedsPermission { .. } => approval.is_some_and(|a| !a.trim().is_empty()),
            Self::Prohibited { .. } => false,
        }
    }
}

/// Asks the scheme what `action` on the asset needs and turns it into a gate.
pub fn check_action(
    scheme: &ClassificationScheme,
    asset: &Asset,
    action: Action,
) -> Result<ActionGate, DomainError> {
    if asset.status == AssetStatus::Disposed {
        return Ok(ActionGate::Prohibited {
            reason: format!(
                "「{}」は廃棄済のため{}できません",
                asset.name,
                action.label()
            ),
        });
    }
    let requirements = scheme.requires(&asset.classification, action)?;
    if requirements.is_prohibited() {
        return Ok(ActionGate::Prohibited {
            reason: format!(
                "{}の情報資産「{}」の{}は禁止されています",
                asset.classification,
                asset.name,
                action.label()
            ),
        });
    }
    let roles: Vec<String> = requirements.permissions().map(str::to_owned).collect();
    if roles.is_empty() {
        Ok(ActionGate::Allowed { requirements })
    } else {
        Ok(ActionGate::NeedsPermission {
            roles,
            requirements,
        })
    }
}

/// A lifecycle record as entered: 日時, 担当者, 処理内容, and the approval it rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewLifecycleRecord {
    pub at: Option<DateTime<Utc>>,
    pub by: Option<PersonId>,
    /// 処理内容 (required for 廃棄: S-2.(2)⑩(イ)).
    pub details: String,
    /// The approval that permitted the action, when the gate asks for permission.
    pub approval: Option<String>,
}

/// A recorded step in an asset's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleRecord {
    pub asset_id: AssetId,
    pub action: Action,
    pub at: DateTime<Utc>,
    pub by: PersonId,
    pub details: String,
    pub approval: Option<String>,
}

impl LifecycleRecord {
    /// Validates a record of `action` on `asset` against the gate the scheme gives. A prohibited
    /// action cannot be recorded; one that needs permission needs the approval reference; 廃棄
    /// needs 日時・担当者・処理内容.
    pub fn validate(
        scheme: &ClassificationScheme,
        asset: &Asset,
        action: Action,
        input: &NewLifecycleRecord,
    ) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let gate = match check_action(scheme, asset, action) {
            Ok(gate) => Some(gate),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match &gate {
            Some(ActionGate::Prohibited { reason }) => {
                errors.push(DomainError::new("行為", reason.clone()));
            }
            Some(gate @ ActionGate::NeedsPermission { .. })
                if !gate.may_complete(input.approval.as_deref()) =>
            {
                errors.push(DomainError::new(
                    "承認",
                    format!(
                        "{}の情報資産の{}には許可が必要です。承認を得てから記録してください",
                        asset.classification,
                        action.label()
                    ),
                ));
            }
            _ => {}
        }
        if input.at.is_none() {
            errors.push(DomainError::new("日時", "日時を入力してください"));
        }
        if input.by.is_none() {
            errors.push(DomainError::new("担当者", "担当者を選んでください"));
        }
        let details = input.details.trim();
        if action == Action::Disposal && details.is_empty() {
            errors.push(DomainError::new(
                "処理内容",
                "廃棄には処理内容（例: 物理破壊、データ消去ソフトによる消去）を入力してください",
            ));
        }
        if details.chars().count() > DETAILS_MAX_CHARS {
            errors.push(DomainError::new(
                "処理内容",
                format!("処理内容は{DETAILS_MAX_CHARS}文字以内で入力してください"),
            ));
        }
        match (input.at, input.by) {
            (Some(at), Some(by)) if errors.is_empty() => Ok(Self {
                asset_id: asset.id,
                action,
                at,
                by,
                details: details.to_owned(),
                approval: input
                    .approval
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned),
            }),
            _ => Err(errors),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule checks

/// A class threshold stated through the scheme rather than as a level: a classification meets
/// it when the scheme demands `requirement` for `action` at that classification. So
/// 「機密性２以上に相当」 is 「約款による外部サービスでの取扱いが禁止される分類」 (S-8.2.(1)),
/// which is 機密性２ under the guideline and 重要性分類Ⅱ under the single-axis scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassMarker {
    pub action: Action,
    pub requirement: Requirement,
}

impl ClassMarker {
    /// 機密性２以上に相当: the scheme prohibits handling in 約款による外部サービス.
    pub fn not_for_public() -> Self {
        Self {
            action: Action::UseTermsService,
            requirement: Requirement::Prohibited,
        }
    }

    /// 機密性３に相当: the scheme forbids work on devices not issued by the body.
    pub fn secret() -> Self {
        Self {
            action: Action::Use,
            requirement: Requirement::IssuedDeviceOnly,
        }
    }

    /// Whether the classification meets the marker.
    pub fn is_met(
        &self,
        scheme: &ClassificationScheme,
        classification: &Classification,
    ) -> Result<bool, DomainError> {
        Ok(scheme
            .requires(classification, self.action)?
            .contains(&self.requirement))
    }

    /// The lowest classification of the scheme that meets the marker: the one that every other
    /// classification meeting it is at least, on every axis. `None` when nothing meets it or the
    /// classifications meeting it have no single lowest.
    pub fn minimum(
        &self,
        scheme: &ClassificationScheme,
    ) -> Result<Option<Classification>, DomainError> {
        let mut meeting = Vec::new();
        for c in scheme.classifications() {
            if self.is_met(scheme, &c)? {
                meeting.push(c);
            }
        }
        for candidate in &meeting {
            let mut lowest = true;
            for other in &meeting {
                if !is_at_least_on_every_axis(scheme, other, candidate)? {
                    lowest = false;
                    break;
                }
            }
            if lowest {
                return Ok(Some(candidate.clone()));
            }
        }
        Ok(None)
    }
}

/// What the rule checks expect beyond the scheme's own rules. The defaults follow the guideline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckContext {
    /// Assets meeting this marker do not belong in インターネット接続系.
    pub internet_marker: ClassMarker,
    /// The class guarded system documents are expected to have at least: the marker's
    /// [`minimum`](ClassMarker::minimum) under the scheme.
    pub document_marker: ClassMarker,
    /// The document types the expectation applies to (S-6.1.(5): ネットワーク構成図,
    /// 情報システム仕様書).
    pub guarded_documents: Vec<DocumentType>,
}

impl Default for CheckContext {
    /// The guideline: 機密性２以上相当 stays out of インターネット接続系; specifications and network
    /// diagrams are at least 「機密性２又は３」 (解説 L7730; L8164 reads 機密性３相当 — a body
    /// that follows it sets `document_marker` to [`ClassMarker::secret`]).
    fn default() -> Self {
        Self {
            internet_marker: ClassMarker::not_for_public(),
            document_marker: ClassMarker::not_for_public(),
            guarded_documents: vec![DocumentType::Specification, DocumentType::NetworkDiagram],
        }
    }
}

/// Which check a [`RuleCheck`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    EncryptionMissing,
    LockedStorageMissing,
    BackupMissing,
    RecoveryTargetMissing,
    SystemDocumentBelowExpected,
    NoOwner,
    ConfidentialInInternetSegment,
}

/// One rule check of the register, tied to the clause it enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// Stable key, for storage, filters and the CLI.
    pub key: &'static str,
    /// The clause id of the guideline it enforces.
    pub clause: &'static str,
    pub title: &'static str,
    /// The kinds of asset it looks at; empty for every kind.
    pub kinds: &'static [AssetKind],
    #[serde(skip)]
    pub kind: CheckKind,
}

/// The rule checks of the register.
pub const RULE_CHECKS: [RuleCheck; 7] = [
    RuleCheck {
        key: "encryption_missing",
        clause: "S-2.(2)⑧(ア)",
        title: "分類が暗号化等を求める情報資産が暗号化されていない",
        kinds: &[AssetKind::Medium, AssetKind::Information],
        kind: CheckKind::EncryptionMissing,
    },
    RuleCheck {
        key: "locked_storage_missing",
        clause: "S-2.(2)⑥(エ)",
        title: "分類が施錠可能な場所での保管を求める電磁的記録媒体が施錠保管されていない",
        kinds: &[AssetKind::Medium],
        kind: CheckKind::LockedStorageMissing,
    },
    RuleCheck {
        key: "backup_missing",
        clause: "S-2.(1)",
        title: "分類がバックアップを求める情報資産のバックアップがない",
        kinds: &[
            AssetKind::Information,
            AssetKind::InformationSystem,
            AssetKind::Medium,
        ],
        kind: CheckKind::BackupMissing,
    },
    RuleCheck {
        key: "recovery_target_missing",
        clause: "S-2.(1)",
        title: "分類が指定時間以内の復旧を求める情報資産に復旧目標時間がない",
        kinds: &[AssetKind::Information, AssetKind::InformationSystem],
        kind: CheckKind::RecoveryTargetMissing,
    },
    RuleCheck {
        key: "system_document_below_expected",
        clause: "S-6.1.(5)",
        title: "仕様書・ネットワーク構成図の分類が想定より低い",
        kinds: &[AssetKind::SystemDocument],
        kind: CheckKind::SystemDocumentBelowExpected,
    },
    RuleCheck {
        key: "no_owner",
        clause: "S-2.(2)①(ア)",
        title: "管理責任を負う課室が登録されていない",
        kinds: &[],
        kind: CheckKind::NoOwner,
    },
    RuleCheck {
        key: "confidential_in_internet_segment",
        clause: "S-3.(2)①",
        title: "機密性２以上に相当する情報資産がインターネット接続系に登録されている",
        kinds: &[],
        kind: CheckKind::ConfidentialInInternetSegment,
    },
];

/// A rule check that found something on an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: RuleCheck,
    /// Names the asset and what is missing, in Japanese.
    pub message: String,
}

/// Runs every rule check on the asset. A disposed asset has no findings.
pub fn findings(
    scheme: &ClassificationScheme,
    asset: &Asset,
    ctx: &CheckContext,
) -> Result<Vec<Finding>, DomainError> {
    let mut out = Vec::new();
    if asset.status == AssetStatus::Disposed {
        return Ok(out);
    }
    for check in &RULE_CHECKS {
        if !check.kinds.is_empty() && !check.kinds.contains(&asset.kind) {
            continue;
        }
        if let Some(message) = evaluate(check.kind, scheme, asset, ctx)? {
            out.push(Finding {
                check: *check,
                message,
            });
        }
    }
    Ok(out)
}

/// Findings per owner unit (`None`: no owner), each with its asset.
pub type FindingsByUnit = BTreeMap<Option<OrgUnitId>, Vec<(AssetId, Finding)>>;

/// The findings of many assets grouped by owner unit (`None`: no owner), for the per-unit list.
pub fn findings_by_unit<'a>(
    scheme: &ClassificationScheme,
    assets: impl IntoIterator<Item = &'a Asset>,
    ctx: &CheckContext,
) -> Result<FindingsByUnit, DomainError> {
    let mut out = FindingsByUnit::new();
    for asset in assets {
        for finding in findings(scheme, asset, ctx)? {
            out.entry(asset.owner_unit)
                .or_default()
                .push((asset.id, finding));
        }
    }
    Ok(out)
}

/// The grounds and firmness of a demanded requirement: 「（必要に応じ、根拠: S-2.(2)⑦）」.
fn grounds(requirements: &Requirements, requirement: &Requirement) -> String {
    match requirements.demand(requirement) {
        Some(demand) if !demand.clauses.is_empty() => {
            let clauses: Vec<&str> = demand.clauses.iter().map(String::as_str).collect();
            format!(
                "（{}、根拠: {}）",
                demand.necessity.label(),
                clauses.join("・")
            )
        }
        Some(demand) => format!("（{}）", demand.necessity.label()),
        None => String::new(),
    }
}

fn evaluate(
    kind: CheckKind,
    scheme: &ClassificationScheme,
    asset: &Asset,
    ctx: &CheckContext,
) -> Result<Option<String>, DomainError> {
    let name = &asset.name;
    let class = &asset.classification;
    let found = match kind {
        CheckKind::EncryptionMissing => {
            if asset.safeguards.encrypted {
                return Ok(None);
            }
            let mut demanded: Vec<String> = Vec::new();
            for action in [Action::Send, Action::Transport, Action::Provision] {
                let requirements = scheme.requires(class, action)?;
                for requirement in [Requirement::Encryption, Requirement::EncryptionOrPassword] {
                    if requirements.contains(&requirement) {
                        demanded.push(format!(
                            "{}時の{}{}",
                            action.label(),
                            requirement.label(),
                            grounds(&requirements, &requirement)
                        ));
                    }
                }
            }
            (!demanded.is_empty()).then(|| {
                format!(
                    "「{name}」（{class}）は{}が求められますが、暗号化されていません",
                    demanded.join("、")
                )
            })
        }
        CheckKind::LockedStorageMissing => {
            let requirements = scheme.requires(class, Action::Store)?;
            (requirements.contains(&Requirement::LockedStorage) && !asset.safeguards.locked_storage)
                .then(|| {
                    format!(
                        "「{name}」（{class}）は{}が求められますが、施錠保管されていません{}",
                        Requirement::LockedStorage.label(),
                        grounds(&requirements, &Requirement::LockedStorage)
                    )
                })
        }
        CheckKind::BackupMissing => {
            let requirements = scheme.requires(class, Action::Store)?;
            (requirements.contains(&Requirement::Backup) && !asset.safeguards.backup).then(|| {
                format!(
                    "「{name}」（{class}）はバックアップが求められますが、バックアップがありません{}",
                    grounds(&requirements, &Requirement::Backup)
                )
            })
        }
        CheckKind::RecoveryTargetMissing => {
            let requirements = scheme.requires(class, Action::Store)?;
            let demanded = requirements
                .iter()
                .find(|(r, _)| matches!(r, Requirement::RecoveryWithin { .. }))
                .map(|(r, _)| r.clone());
            match (demanded, asset.safeguards.recovery_target_hours) {
                (None, _) => None,
                (Some(requirement), None) => Some(format!(
                    "「{name}」（{class}）は{}が求められますが、復旧目標時間が設定されていません{}",
                    requirement.label(),
                    grounds(&requirements, &requirement)
                )),
                (Some(requirement), Some(target)) => match requirements.recovery_within_hours() {
                    Some(limit) if target > limit => Some(format!(
                        "「{name}」（{class}）の復旧目標時間（{target}時間）が、求められる{}を超えています{}",
                        requirement.label(),
                        grounds(&requirements, &requirement)
                    )),
                    _ => None,
                },
            }
        }
        CheckKind::SystemDocumentBelowExpected => {
            let guarded = asset
                .document_type
                .filter(|t| ctx.guarded_documents.contains(t));
            match (guarded, ctx.document_marker.minimum(scheme)?) {
                (Some(doc), Some(minimum))
                    if !is_at_least_on_every_axis(scheme, class, &minimum)? =>
                {
                    Some(format!(
                        "{}「{name}」の分類（{class}）が、想定される{minimum}以上を下回っています",
                        doc.label()
                    ))
                }
                _ => None,
            }
        }
        CheckKind::NoOwner => asset.owner_unit.is_none().then(|| {
            format!("「{name}」に管理責任を負う課室（情報セキュリティ管理者）が登録されていません")
        }),
        CheckKind::ConfidentialInInternetSegment => {
            if asset.segment == NetworkSegment::Internet
                && ctx.internet_marker.is_met(scheme, class)?
            {
                Some(format!(
                    "「{name}」（{class}）は機密性２以上に相当する分類（{}: {}）ですが、インターネット接続系に登録されています",
                    ctx.internet_marker.action.label(),
                    ctx.internet_marker.requirement.label()
                ))
            } else {
                None
            }
        }
    };
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
