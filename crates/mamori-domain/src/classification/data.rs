//! The scheme as data: the TOML form it is written in, and its validation.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::*;

pub(super) const HIGHEST_FIRST: &str = "highest_first";
pub(super) const LOWEST_FIRST: &str = "lowest_first";
/// The guideline's level words a scheme may restate.
const MAX_GUIDELINE_TERMS: usize = 100;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScheme {
    id: String,
    name: String,
    #[serde(default)]
    axes: Vec<RawAxis>,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read_log: Option<RawReadLog>,
    /// The guideline's words for its levels and this scheme's words for them (「機密性２以上」 →
    /// 「重要性分類Ⅱ以上」), to write a 例文 in the body's terms.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    guideline_terms: std::collections::BTreeMap<String, String>,
}

/// `[read_log] axis = "confidentiality", at_or_above = "3"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReadLog {
    axis: String,
    at_or_above: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAxis {
    key: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order: Option<String>,
    #[serde(default)]
    levels: Vec<RawLevel>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLevel {
    key: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    short: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    #[serde(default)]
    definition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    handling: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    axis: String,
    at_or_above: String,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clause: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    as_needed: bool,
}

pub(super) fn is_false(b: &bool) -> bool {
    !*b
}

impl From<&ClassificationScheme> for RawScheme {
    fn from(scheme: &ClassificationScheme) -> Self {
        RawScheme {
            id: scheme.id.clone(),
            name: scheme.name.clone(),
            axes: scheme
                .axes
                .iter()
                .map(|axis| RawAxis {
                    key: axis.key.clone(),
                    name: axis.name.clone(),
                    order: Some(HIGHEST_FIRST.to_owned()),
                    levels: axis
                        .levels
                        .iter()
                        .rev()
                        .map(|l| RawLevel {
                            key: l.key.clone(),
                            name: l.name.clone(),
                            short: Some(l.short.clone()),
                            aliases: l.aliases.clone(),
                            definition: l.definition.clone(),
                            handling: l.handling.clone(),
                        })
                        .collect(),
                })
                .collect(),
            rules: scheme
                .rules
                .iter()
                .map(|r| RawRule {
                    axis: r.axis.clone(),
                    at_or_above: r.at_or_above.clone(),
                    actions: r.actions.iter().map(|a| a.key().to_owned()).collect(),
                    requires: r.requires.iter().map(Requirement::key).collect(),
                    clause: r.clause.clone(),
                    as_needed: r.as_needed,
                })
                .collect(),
            read_log: Some(RawReadLog {
                axis: scheme.read_log.axis.clone(),
                at_or_above: scheme.read_log.at_or_above.clone(),
            }),
            guideline_terms: scheme.guideline_terms.clone(),
        }
    }
}

/// A key must survive storage and forms unchanged: no spaces, no separators.
pub(super) fn check_key(field: &str, what: &str, key: &str) -> Result<(), DomainError> {
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_whitespace() || SEPARATORS.contains(&c))
    {
        return Err(DomainError::new(
            field,
            format!(
                "{what}のキー「{key}」は空白や区切り文字（・ / , 、 ; |）を含まない文字列にしてください"
            ),
        ));
    }
    Ok(())
}

/// A name is read back from a displayed classification, so it may hold no separator.
pub(super) fn check_name(field: &str, what: &str, name: &str) -> Result<(), DomainError> {
    if normalize(name).is_empty() {
        return Err(DomainError::new(field, format!("{what}の名前が空です")));
    }
    let normalized: String = name.nfkc().collect();
    if normalized.chars().any(|c| SEPARATORS.contains(&c)) {
        return Err(DomainError::new(
            field,
            format!("{what}の名前「{name}」に区切り文字（・ / , 、 ; |）は使えません"),
        ));
    }
    Ok(())
}

impl RawScheme {
    pub(super) fn validate(self) -> Result<ClassificationScheme, DomainError> {
        if self.id.trim().is_empty() {
            return Err(DomainError::new("分類体系ID", "空にはできません"));
        }
        if self.name.trim().is_empty() {
            return Err(DomainError::new("分類体系名", "空にはできません"));
        }
        if self.axes.is_empty() {
            return Err(DomainError::new("軸", "軸を一つ以上定めてください"));
        }
        let mut axes: Vec<Axis> = Vec::with_capacity(self.axes.len());
        for raw in self.axes {
            let axis = raw.validate()?;
            if axes.iter().any(|a| a.key == axis.key) {
                return Err(DomainError::new(
                    "軸",
                    format!("軸のキー「{}」が重複しています", axis.key),
                ));
            }
            if axes
                .iter()
                .any(|a| normalize(&a.name) == normalize(&axis.name))
            {
                return Err(DomainError::new(
                    "軸",
                    format!("軸の名前「{}」が重複しています", axis.name),
                ));
            }
            // A displayed classification is read back by level names, so each must name one
            // level of the whole scheme.
            for level in &axis.levels {
                if let Some(other) = axes.iter().find(|a| {
                    a.levels
                        .iter()
                        .any(|l| normalize(&l.name) == normalize(&level.name))
                }) {
                    return Err(DomainError::new(
                        axis.name.as_str(),
                        format!("区分名「{}」は軸「{}」にもあります", level.name, other.name),
                    ));
                }
            }
            axes.push(axis);
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for (i, raw) in self.rules.into_iter().enumerate() {
            rules.push(raw.validate(i + 1, &axes)?);
        }
        let read_log = read_log_of(self.read_log, &axes)?;
        if self.guideline_terms.len() > MAX_GUIDELINE_TERMS {
            return Err(DomainError::new(
                "ガイドラインの用語",
                format!("{MAX_GUIDELINE_TERMS} 語までです"),
            ));
        }
        for (from, to) in &self.guideline_terms {
            if from.trim().is_empty()
                || to.trim().is_empty()
                || from.chars().count() > 50
                || to.chars().count() > 50
            {
                return Err(DomainError::new(
                    "ガイドラインの用語",
                    format!("「{from}」: 言い換える語は1〜50字で書いてください"),
                ));
            }
        }
        Ok(ClassificationScheme {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            axes,
            rules,
            read_log,
            guideline_terms: self.guideline_terms,
        })
    }
}

/// The scheme's `[read_log]`, or the highest level of its first axis when it has none.
pub(super) fn read_log_of(raw: Option<RawReadLog>, axes: &[Axis]) -> Result<ReadLog, DomainError> {
    let field = "閲覧の記録（read_log）";
    let Some(raw) = raw else {
        let (axis, top) = axes
            .first()
            .and_then(|a| a.levels.last().map(|l| (a, l)))
            .ok_or_else(|| DomainError::new("軸", "軸を一つ以上定めてください"))?;
        return Ok(ReadLog {
            axis: axis.key.clone(),
            at_or_above: top.key.clone(),
            axis_index: 0,
            threshold: axis.levels.len() - 1,
        });
    };
    let (axis_index, axis) = axes
        .iter()
        .enumerate()
        .find(|(_, a)| a.key == raw.axis)
        .ok_or_else(|| DomainError::new(field, format!("軸「{}」がありません", raw.axis)))?;
    let threshold = axis.rank(&raw.at_or_above).ok_or_else(|| {
        DomainError::new(
            field,
            format!("区分「{}」は{}にありません", raw.at_or_above, axis.name),
        )
    })?;
    Ok(ReadLog {
        axis: raw.axis,
        at_or_above: raw.at_or_above,
        axis_index,
        threshold,
    })
}

impl RawAxis {
    pub(super) fn validate(self) -> Result<Axis, DomainError> {
        check_key("軸", "軸", &self.key)?;
        check_name("軸", &format!("軸「{}」", self.key), &self.name)?;
        let name = self.name.trim().to_owned();
        let highest_first = match self.order.as_deref().map(str::trim) {
            Some(HIGHEST_FIRST) => true,
            Some(LOWEST_FIRST) => false,
            other => {
                return Err(DomainError::new(
                    name.as_str(),
                    format!(
                        "区分の並び順（order）が{}。最も高い区分から並べたなら \"{HIGHEST_FIRST}\"、最も低い区分からなら \"{LOWEST_FIRST}\" と明示してください",
                        other.map_or("書かれていません".to_owned(), |o| format!(
                            "「{o}」では分かりません"
                        ))
                    ),
                ));
            }
        };
        if self.levels.is_empty() {
            return Err(DomainError::new(
                name.as_str(),
                "区分を一つ以上定めてください",
            ));
        }
        let mut levels: Vec<Level> = Vec::with_capacity(self.levels.len());
        for raw in self.levels {
            check_key(&name, "区分", &raw.key)?;
            check_name(&name, &format!("区分「{}」", raw.key), &raw.name)?;
            let level = Level {
                short: raw
                    .short
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| raw.key.clone()),
                key: raw.key,
                name: raw.name.trim().to_owned(),
                aliases: raw.aliases.iter().map(|a| a.trim().to_owned()).collect(),
                definition: raw.definition.trim().to_owned(),
                handling: raw.handling,
            };
            if levels.iter().any(|l| l.key == level.key) {
                return Err(DomainError::new(
                    name.as_str(),
                    format!("区分のキー「{}」が重複しています", level.key),
                ));
            }
            // Every way of writing a level must name only that level of the axis.
            let mine: Vec<String> = spellings(&level)
                .into_iter()
                .chain(std::iter::once(normalize(&level.name)))
                .collect();
            for other in &levels {
                let theirs: Vec<String> = spellings(other)
                    .into_iter()
                    .chain(std::iter::once(normalize(&other.name)))
                    .collect();
                if let Some(shared) = mine.iter().find(|s| theirs.contains(s)) {
                    return Err(DomainError::new(
                        name.as_str(),
                        format!(
                            "「{shared}」が区分「{}」と区分「{}」の両方を指します",
                            other.key, level.key
                        ),
                    ));
                }
            }
            levels.push(level);
        }
        if highest_first {
            levels.reverse();
        }
        Ok(Axis {
            key: self.key,
            name,
            levels,
        })
    }
}

/// Reads a rule's list of keys, dropping repeats. An empty list is a mistake in the data: a
/// rule that applies to nothing or demands nothing.
pub(super) fn parse_list<T: PartialEq>(
    label: &str,
    what: &str,
    keys: &[String],
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    if keys.is_empty() {
        return Err(DomainError::new(
            "取扱規則",
            format!("{label}の{what}を一つ以上書いてください"),
        ));
    }
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let item = parse(key)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

impl RawRule {
    pub(super) fn validate(
        self,
        number: usize,
        axes: &[Axis],
    ) -> Result<HandlingRule, DomainError> {
        let label = match &self.clause {
            Some(c) => format!("取扱規則{number}（{c}）"),
            None => format!("取扱規則{number}"),
        };
        let Some((axis_index, axis)) = axes.iter().enumerate().find(|(_, a)| a.key == self.axis)
        else {
            return Err(DomainError::new(
                "取扱規則",
                format!("{label}の軸「{}」はこの分類体系にありません", self.axis),
            ));
        };
        let Some(threshold) = axis.rank(&self.at_or_above) else {
            return Err(DomainError::new(
                axis.name.as_str(),
                format!(
                    "{label}の区分「{}」は{}にありません（{}のいずれかのキーです）",
                    self.at_or_above,
                    axis.name,
                    axis.levels
                        .iter()
                        .rev()
                        .map(|l| l.key.as_str())
                        .collect::<Vec<_>>()
                        .join("・")
                ),
            ));
        };
        let actions = parse_list(&label, "行為（actions）", &self.actions, |key| {
            Action::parse(key).ok_or_else(|| {
                let known: Vec<String> = Action::ALL
                    .iter()
                    .map(|a| format!("{}={}", a.label(), a.key()))
                    .collect();
                DomainError::new(
                    "取扱規則",
                    format!(
                        "{label}の行為「{key}」はありません（{}のいずれかです）",
                        known.join("、")
                    ),
                )
            })
        })?;
        let requires = parse_list(&label, "取扱制限（requires）", &self.requires, |key| {
            Requirement::parse(key)
                .map_err(|e| DomainError::new(e.field, format!("{label}: {}", e.message)))
        })?;
        let clause = self
            .clause
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        Ok(HandlingRule {
            axis: self.axis,
            at_or_above: self.at_or_above,
            actions,
            requires,
            clause,
            as_needed: self.as_needed,
            axis_index,
            threshold,
        })
    }
}
