//! Actions on information assets (作成・運搬・廃棄 …) and their keys.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A step in the life of an information asset that a handling rule can restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 作成
    Create,
    /// 入手
    Acquire,
    /// 利用
    Use,
    /// 保管
    Store,
    /// 送信
    Send,
    /// 運搬
    Transport,
    /// 提供（外部への提供）
    Provision,
    /// 公表
    Publication,
    /// 廃棄
    Disposal,
    /// 庁外での処理
    ProcessOffsite,
    /// 持ち出し
    CarryOut,
    /// 複製
    Copy,
    /// 印刷
    Print,
    /// 約款による外部サービスでの取扱い
    UseTermsService,
    /// ソーシャルメディアでの発信
    PostToSocialMedia,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::Create,
        Action::Acquire,
        Action::Use,
        Action::Store,
        Action::Send,
        Action::Transport,
        Action::Provision,
        Action::Publication,
        Action::Disposal,
        Action::ProcessOffsite,
        Action::CarryOut,
        Action::Copy,
        Action::Print,
        Action::UseTermsService,
        Action::PostToSocialMedia,
    ];

    /// The stable key used in scheme data and storage.
    pub fn key(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Acquire => "acquire",
            Self::Use => "use",
            Self::Store => "store",
            Self::Send => "send",
            Self::Transport => "transport",
            Self::Provision => "provision",
            Self::Publication => "publication",
            Self::Disposal => "disposal",
            Self::ProcessOffsite => "process_offsite",
            Self::CarryOut => "carry_out",
            Self::Copy => "copy",
            Self::Print => "print",
            Self::UseTermsService => "use_terms_service",
            Self::PostToSocialMedia => "post_to_social_media",
        }
    }

    /// The Japanese name, as the guideline words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "作成",
            Self::Acquire => "入手",
            Self::Use => "利用",
            Self::Store => "保管",
            Self::Send => "送信",
            Self::Transport => "運搬",
            Self::Provision => "外部提供",
            Self::Publication => "公表",
            Self::Disposal => "廃棄",
            Self::ProcessOffsite => "庁外での処理",
            Self::CarryOut => "持ち出し",
            Self::Copy => "複製",
            Self::Print => "印刷",
            Self::UseTermsService => "約款による外部サービスでの取扱い",
            Self::PostToSocialMedia => "ソーシャルメディアでの発信",
        }
    }

    /// Reads a stable key (`"transport"`).
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key.trim())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
