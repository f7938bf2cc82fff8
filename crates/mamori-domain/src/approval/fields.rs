//! The typed fields of an application form: their kinds, definitions and parsed values.

use crate::DomainError;
use crate::ids::{AssetId, PersonId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The type of a field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text, at most `max` characters.
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    Date,
    /// From one date to another (持ち出し期間).
    Period,
    /// Entries of the 情報資産台帳.
    Assets,
    /// People of the organization.
    People,
    /// One of the options.
    Choice {
        options: Vec<String>,
    },
    /// References to stored files.
    Attachment,
}

impl FieldKind {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Text { .. } => "文章",
            Self::Date => "日付",
            Self::Period => "期間",
            Self::Assets => "情報資産",
            Self::People => "職員等",
            Self::Choice { .. } => "選択",
            Self::Attachment => "添付ファイル",
        }
    }
}

/// A field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// From one date to another, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A value entered in a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Date(NaiveDate),
    Period(Period),
    Assets(Vec<AssetId>),
    People(Vec<PersonId>),
    Choice(String),
    Attachment(Vec<String>),
}

impl FieldValue {
    /// The date a date field holds, or the last day of a period.
    pub fn end_date(&self) -> Option<NaiveDate> {
        match self {
            Self::Date(d) => Some(*d),
            Self::Period(p) => Some(p.to),
            _ => None,
        }
    }

    /// The value as a person reads it (dates as ISO text; ids as they are).
    pub fn display(&self) -> String {
        fn join<T: fmt::Display>(items: &[T]) -> String {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        }
        match self {
            Self::Text(s) | Self::Choice(s) => s.clone(),
            Self::Date(d) => d.to_string(),
            Self::Period(p) => format!("{}〜{}", p.from, p.to),
            Self::Assets(ids) => join(ids),
            Self::People(ids) => join(ids),
            Self::Attachment(refs) => join(refs),
        }
    }
}

/// Field values by field key.
pub type FieldValues = BTreeMap<String, FieldValue>;

pub(super) fn parse_date(label: &str, raw: &str) -> Result<NaiveDate, DomainError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y/%m/%d"))
        .map_err(|_| {
            DomainError::new(
                label,
                format!("「{raw}」は日付として読めません（例: 2026-04-01）"),
            )
        })
}

/// The items of a list field: separated by commas, 「、」 or spaces.
pub fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c == ',' || c == '、' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl FieldDef {
    /// Reads the field from the text of a form. Empty text is no value. Periods are written
    /// 「2026-04-01〜2026-04-10」 (also `~` or `..`); lists are separated by commas, 「、」 or
    /// spaces.
    pub fn parse(&self, raw: &str) -> Result<Option<FieldValue>, DomainError> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let value = match &self.kind {
            FieldKind::Text { .. } => FieldValue::Text(text.to_owned()),
            FieldKind::Date => FieldValue::Date(parse_date(&self.label, text)?),
            FieldKind::Period => {
                let parts: Vec<&str> = text
                    .split(['〜', '~', '～'])
                    .flat_map(|p| p.split(".."))
                    .collect();
                let [from, to] = parts.as_slice() else {
                    return Err(DomainError::new(
                        &self.label,
                        "期間は「2026-04-01〜2026-04-10」のように入力してください",
                    ));
                };
                FieldValue::Period(Period {
                    from: parse_date(&self.label, from)?,
                    to: parse_date(&self.label, to)?,
                })
            }
            FieldKind::Assets => FieldValue::Assets(
                split_list(text)
                    .map(|s| {
                        s.parse().map_err(|_| {
                            DomainError::new(
                                &self.label,
                                format!("「{s}」は情報資産のIDではありません"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            FieldKind::People => FieldValue::People(
                split_list(text)
                    .map(|s| {
                        s.parse().map_err(|_| {
                            DomainError::new(
                                &self.label,
                                format!("「{s}」は職員等のIDではありません"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            FieldKind::Choice { .. } => FieldValue::Choice(text.to_owned()),
            FieldKind::Attachment => {
                FieldValue::Attachment(split_list(text).map(str::to_owned).collect())
            }
        };
        self.check(&value)?;
        Ok(Some(value))
    }

    /// Checks a value against the field: its type, length, options and order of dates.
    pub fn check(&self, value: &FieldValue) -> Result<(), DomainError> {
        let label = self.label.as_str();
        let wrong = || {
            DomainError::new(
                label,
                format!("{label}には{}を入力してください", self.kind.label()),
            )
        };
        match (&self.kind, value) {
            (FieldKind::Text { max }, FieldValue::Text(s)) => {
                if s.trim().is_empty() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}を入力してください"),
                    ));
                }
                let len = s.chars().count();
                if let Some(max) = max.filter(|m| len > *m as usize) {
                    return Err(DomainError::new(
                        label,
                        format!("{label}は{max}文字以内で入力してください（{len}文字）"),
                    ));
                }
            }
            (FieldKind::Date, FieldValue::Date(_)) => {}
            (FieldKind::Period, FieldValue::Period(p)) => {
                if p.to < p.from {
                    return Err(DomainError::new(
                        label,
                        format!("{label}の終わりの日が始まりの日より前です"),
                    ));
                }
            }
            (FieldKind::Assets, FieldValue::Assets(ids)) => {
                if ids.is_empty() {
                    return Err(DomainError::new(label, format!("{label}を選んでください")));
                }
                if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}に同じ情報資産が重複しています"),
                    ));
                }
            }
            (FieldKind::People, FieldValue::People(ids)) => {
                if ids.is_empty() {
                    return Err(DomainError::new(label, format!("{label}を選んでください")));
                }
                if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                    return Err(DomainError::new(
                        label,
                        format!("{label}に同じ人が重複しています"),
                    ));
                }
            }
            (FieldKind::Choice { options }, FieldValue::Choice(v)) => {
                if !options.contains(v) {
                    return Err(DomainError::new(
                        label,
                        format!(
                            "「{v}」は{label}の選択肢にありません（{}）",
                            options.join("、")
                        ),
                    ));
                }
            }
            (FieldKind::Attachment, FieldValue::Attachment(refs)) => {
                if refs.is_empty() || refs.iter().any(|r| r.trim().is_empty()) {
                    return Err(DomainError::new(
                        label,
                        format!("{label}を添付してください"),
                    ));
                }
            }
            _ => return Err(wrong()),
        }
        Ok(())
    }
}
