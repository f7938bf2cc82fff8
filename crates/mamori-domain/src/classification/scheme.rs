//! A body's classification scheme: axes, levels in order, handling rules, the read log, and the one query interface.

use crate::DomainError;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

use super::*;

/// One level of an axis: 「機密性３」, 「重要性分類Ⅰ」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Stable key, unique in its axis: `"3"`, `"I"`. Never compare keys: ask the scheme.
    pub key: String,
    /// The full name people read: 「機密性３」.
    pub name: String,
    /// The short label for tables and narrow columns: 「3」, 「Ⅰ」.
    pub short: String,
    /// Other spellings accepted when reading (「2」 for 「Ⅱ」).
    pub aliases: Vec<String>,
    /// 分類基準.
    pub definition: String,
    /// 取扱制限 as the policy's table words them, for display and documents. What the system
    /// enforces are the scheme's [`HandlingRule`]s.
    pub handling: Vec<String>,
}

/// One axis of classification: 機密性, 完全性, 可用性, or 重要性分類.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Axis {
    /// Stable key: `confidentiality`, `importance`.
    pub key: String,
    /// 「機密性」
    pub name: String,
    /// The levels from the LOWEST to the HIGHEST, whatever order the data listed them in.
    pub levels: Vec<Level>,
}

impl Axis {
    pub(super) fn rank(&self, level_key: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.key == level_key)
    }

    fn level_error(&self, level_key: &str) -> DomainError {
        DomainError::new(
            self.name.as_str(),
            format!(
                "区分「{level_key}」は{}にありません（{}のいずれかです）",
                self.name,
                self.names_highest_first()
            ),
        )
    }

    fn names_highest_first(&self) -> String {
        let names: Vec<&str> = self.levels.iter().rev().map(|l| l.name.as_str()).collect();
        names.join("・")
    }
}

/// A handling rule: when an asset's level on `axis` is at or above `at_or_above` **in the
/// scheme's order**, the `actions` need the `requires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlingRule {
    /// The axis key.
    pub axis: String,
    /// The threshold level key. A rule at an axis's lowest level applies to every asset.
    pub at_or_above: String,
    pub actions: Vec<Action>,
    pub requires: Vec<Requirement>,
    /// The clause of the policy that states the rule, e.g. `S-2.(2)⑧(イ)`.
    pub clause: Option<String>,
    /// 「必要に応じ」: the measure is left to judgement.
    pub as_needed: bool,
    #[serde(skip)]
    pub(super) axis_index: usize,
    #[serde(skip)]
    pub(super) threshold: usize,
}

impl HandlingRule {
    pub fn necessity(&self) -> Necessity {
        if self.as_needed {
            Necessity::AsNeeded
        } else {
            Necessity::Required
        }
    }
}

/// A body's classification scheme. Built only by validating data, so every axis has its levels
/// in order and every rule points at an existing axis and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassificationScheme {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) axes: Vec<Axis>,
    pub(super) rules: Vec<HandlingRule>,
    pub(super) read_log: ReadLog,
    /// The guideline's words for its levels → this scheme's (see the TOML's `guideline_terms`).
    pub(super) guideline_terms: std::collections::BTreeMap<String, String>,
}

/// From which level on opening an asset is written into the audit trail (「閲覧の記録」): by
/// default the highest level of the first axis (機密性３, 重要性分類Ⅰ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadLog {
    pub axis: String,
    pub at_or_above: String,
    #[serde(skip)]
    pub(super) axis_index: usize,
    #[serde(skip)]
    pub(super) threshold: usize,
}

/// A classification under a scheme: one level per axis. Built only by
/// [`ClassificationScheme::classify`] or [`ClassificationScheme::parse_classification`]; shows
/// itself in the scheme's names (「機密性２・完全性２・可用性１」).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Classification {
    pub(super) choices: Vec<Choice>,
}

/// The level chosen on one axis.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Choice {
    pub axis: String,
    pub axis_name: String,
    pub level: String,
    pub level_name: String,
}

impl Classification {
    /// The chosen levels, in the scheme's axis order.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// The key of the level chosen on an axis, for storage. Not for comparison: ask the scheme.
    pub fn level_key(&self, axis: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|c| c.axis == axis)
            .map(|c| c.level.as_str())
    }

    /// `(axis key, level key)` pairs, for storage; [`ClassificationScheme::classify`] reads them
    /// back.
    pub fn keys(&self) -> Vec<(&str, &str)> {
        self.choices
            .iter()
            .map(|c| (c.axis.as_str(), c.level.as_str()))
            .collect()
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.choices.iter().enumerate() {
            if i > 0 {
                f.write_str("・")?;
            }
            f.write_str(&c.level_name)?;
        }
        Ok(())
    }
}

impl ClassificationScheme {
    /// The guideline's scheme: 機密性３/２/１ · 完全性２/１ · 可用性２/１ and its 取扱制限.
    pub fn guideline() -> Result<Self, DomainError> {
        Self::from_toml(GUIDELINE_TOML)
    }

    /// The single-axis 重要性分類 Ⅰ–Ⅳ (Ⅰ the highest), the guideline's alternative (注1).
    pub fn importance_four() -> Result<Self, DomainError> {
        Self::from_toml(IMPORTANCE_FOUR_TOML)
    }

    /// Reads and validates a scheme written in TOML (see `data/guideline.toml`).
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let raw: RawScheme = toml::from_str(text).map_err(|e| {
            // The line is what a person editing the text needs; toml's message says the rest.
            let line = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| before.matches('\n').count() + 1);
            let at = line.map(|l| format!("（{l}行目）")).unwrap_or_default();
            DomainError::new(
                "分類体系",
                format!("TOMLとして読めません{at}: {}", e.message().trim()),
            )
        })?;
        raw.validate()
    }

    /// Writes the scheme in the form [`from_toml`](Self::from_toml) reads, levels listed from
    /// the highest.
    pub fn to_toml(&self) -> Result<String, DomainError> {
        toml::to_string(&RawScheme::from(self))
            .map_err(|e| DomainError::new("分類体系", format!("TOMLに書き出せません: {e}")))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The guideline's level words and this scheme's words for them; empty for the guideline's
    /// own scheme.
    pub fn guideline_terms(&self) -> &std::collections::BTreeMap<String, String> {
        &self.guideline_terms
    }

    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    pub fn axis(&self, key: &str) -> Option<&Axis> {
        self.axes.iter().find(|a| a.key == key)
    }

    pub fn rules(&self) -> &[HandlingRule] {
        &self.rules
    }

    /// From which level on reads are recorded.
    pub fn read_log(&self) -> &ReadLog {
        &self.read_log
    }

    /// Whether opening an asset of this classification is written into the audit trail.
    pub fn read_is_recorded(&self, classification: &Classification) -> Result<bool, DomainError> {
        let ranks = self.ranks(classification)?;
        Ok(ranks
            .get(self.read_log.axis_index)
            .is_some_and(|&rank| rank >= self.read_log.threshold))
    }

    /// The condition of the read log in words: 「機密性３」, 「重要性分類Ⅱ以上」.
    pub fn read_log_label(&self) -> String {
        self.condition_words(self.read_log.axis_index, self.read_log.threshold)
    }

    /// The condition of a rule in words: 「機密性２以上」, 「重要性分類Ⅰ」, 「全ての情報資産」.
    pub fn condition_label(&self, rule: &HandlingRule) -> String {
        self.condition_words(rule.axis_index, rule.threshold)
    }

    fn condition_words(&self, axis_index: usize, threshold: usize) -> String {
        let Some(axis) = self.axes.get(axis_index) else {
            return String::new();
        };
        let Some(level) = axis.levels.get(threshold) else {
            return String::new();
        };
        if threshold == 0 {
            "全ての情報資産".to_owned()
        } else if threshold + 1 == axis.levels.len() {
            level.name.clone()
        } else {
            format!("{}以上", level.name)
        }
    }

    /// The classification of an unlabelled asset: the lowest level on every axis (注4).
    pub fn lowest(&self) -> Classification {
        self.classification_at(&vec![0; self.axes.len()])
    }

    /// Every classification the scheme allows, for choosers and exhaustive checks.
    pub fn classifications(&self) -> Vec<Classification> {
        let mut all: Vec<Vec<usize>> = vec![Vec::new()];
        for axis in &self.axes {
            all = all
                .into_iter()
                .flat_map(|prefix| {
                    (0..axis.levels.len()).map(move |rank| {
                        let mut next = prefix.clone();
                        next.push(rank);
                        next
                    })
                })
                .collect();
        }
        all.iter()
            .map(|ranks| self.classification_at(ranks))
            .collect()
    }

    /// Builds a classification from `(axis key, level key)` pairs, one for every axis.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Classification, DomainError> {
        let mut ranks: Vec<Option<usize>> = vec![None; self.axes.len()];
        for (axis_key, level_key) in pairs {
            let Some(index) = self.axes.iter().position(|a| a.key == *axis_key) else {
                return Err(DomainError::new(
                    "分類",
                    format!(
                        "軸「{axis_key}」はこの分類体系（{}）にありません",
                        self.name
                    ),
                ));
            };
            let axis = &self.axes[index];
            let rank = axis
                .rank(level_key)
                .ok_or_else(|| axis.level_error(level_key))?;
            self.set_once(&mut ranks, index, rank)?;
        }
        self.complete(&ranks)
    }

    /// Reads a classification as people write it: 「機密性２・完全性２・可用性１」, 「機密性3/完全性1
    /// /可用性1」, 「重要性分類Ⅱ」, 「Ⅱ」, 「2」 (full-width or half-width). A bare level that more
    /// than one axis could mean is rejected rather than guessed.
    pub fn parse_classification(&self, input: &str) -> Result<Classification, DomainError> {
        let tokens = self.tokens(input);
        if tokens.is_empty() {
            return Err(DomainError::new("分類", "分類を入力してください"));
        }
        let mut ranks: Vec<Option<usize>> = vec![None; self.axes.len()];
        for token in &tokens {
            let (index, rank) = self.match_token(token)?;
            self.set_once(&mut ranks, index, rank)?;
        }
        self.complete(&ranks)
    }

    /// What the action needs for an asset of this classification: the union of every rule for
    /// the action whose axis level is at or above the rule's threshold in the scheme's order.
    pub fn requires(
        &self,
        classification: &Classification,
        action: Action,
    ) -> Result<Requirements, DomainError> {
        let ranks = self.ranks(classification)?;
        let mut out = Requirements::default();
        for rule in &self.rules {
            let reached = ranks
                .get(rule.axis_index)
                .is_some_and(|&rank| rank >= rule.threshold);
            if reached && rule.actions.contains(&action) {
                for requirement in &rule.requires {
                    out.add(requirement, rule.necessity(), rule.clause.as_deref());
                }
            }
        }
        Ok(out)
    }

    /// Whether the classification's level on `axis` is at or above `level` in the scheme's
    /// order: 「機密性２以上か」, 「重要性分類Ⅱ以上か」.
    pub fn is_at_least(
        &self,
        classification: &Classification,
        axis: &str,
        level: &str,
    ) -> Result<bool, DomainError> {
        let (index, axis_def) = self.axis_indexed(axis)?;
        let threshold = axis_def
            .rank(level)
            .ok_or_else(|| axis_def.level_error(level))?;
        let ranks = self.ranks(classification)?;
        Ok(ranks.get(index).is_some_and(|&rank| rank >= threshold))
    }

    /// Orders two levels of an axis: `Greater` when `a` is the higher.
    pub fn compare_level(&self, axis: &str, a: &str, b: &str) -> Result<Ordering, DomainError> {
        let (_, axis_def) = self.axis_indexed(axis)?;
        let ra = axis_def.rank(a).ok_or_else(|| axis_def.level_error(a))?;
        let rb = axis_def.rank(b).ok_or_else(|| axis_def.level_error(b))?;
        Ok(ra.cmp(&rb))
    }

    /// The classification a medium holding all these assets is handled at: per axis the highest
    /// level (S-2.(2)⑤(ウ)). `None` for no input.
    pub fn highest(
        &self,
        classifications: &[Classification],
    ) -> Result<Option<Classification>, DomainError> {
        let mut top: Option<Vec<usize>> = None;
        for c in classifications {
            let ranks = self.ranks(c)?;
            top = Some(match top {
                None => ranks,
                Some(t) => t.iter().zip(&ranks).map(|(a, b)| *a.max(b)).collect(),
            });
        }
        Ok(top.map(|ranks| self.classification_at(&ranks)))
    }

    // -- internals ------------------------------------------------------------------------

    fn axis_indexed(&self, key: &str) -> Result<(usize, &Axis), DomainError> {
        self.axes
            .iter()
            .enumerate()
            .find(|(_, a)| a.key == key)
            .ok_or_else(|| {
                DomainError::new(
                    "分類",
                    format!("軸「{key}」はこの分類体系（{}）にありません", self.name),
                )
            })
    }

    /// The rank of each axis's level, in axis order. Fails for a classification made under a
    /// scheme whose keys this one does not have: guessing would risk demanding too little.
    fn ranks(&self, classification: &Classification) -> Result<Vec<usize>, DomainError> {
        self.axes
            .iter()
            .map(|axis| {
                let level = classification.level_key(&axis.key).ok_or_else(|| {
                    DomainError::new(axis.name.as_str(), "区分が指定されていません")
                })?;
                axis.rank(level).ok_or_else(|| axis.level_error(level))
            })
            .collect()
    }

    fn classification_at(&self, ranks: &[usize]) -> Classification {
        let choices = self
            .axes
            .iter()
            .zip(ranks)
            .filter_map(|(axis, &rank)| {
                axis.levels.get(rank).map(|level| Choice {
                    axis: axis.key.clone(),
                    axis_name: axis.name.clone(),
                    level: level.key.clone(),
                    level_name: level.name.clone(),
                })
            })
            .collect();
        Classification { choices }
    }

    fn set_once(
        &self,
        ranks: &mut [Option<usize>],
        index: usize,
        rank: usize,
    ) -> Result<(), DomainError> {
        let axis = &self.axes[index];
        match ranks[index] {
            Some(previous) => {
                let name_of = |r: usize| axis.levels.get(r).map_or("", |l| l.name.as_str());
                Err(DomainError::new(
                    axis.name.as_str(),
                    format!(
                        "{}が二度指定されています（{}と{}）",
                        axis.name,
                        name_of(previous),
                        name_of(rank)
                    ),
                ))
            }
            None => {
                ranks[index] = Some(rank);
                Ok(())
            }
        }
    }

    fn complete(&self, ranks: &[Option<usize>]) -> Result<Classification, DomainError> {
        let mut out = Vec::with_capacity(ranks.len());
        for (axis, rank) in self.axes.iter().zip(ranks) {
            match rank {
                Some(r) => out.push(*r),
                None => {
                    return Err(DomainError::new(
                        axis.name.as_str(),
                        format!(
                            "区分が指定されていません（{}のいずれかを指定してください）",
                            axis.names_highest_first()
                        ),
                    ));
                }
            }
        }
        Ok(self.classification_at(&out))
    }

    /// Splits written input into one token per axis. 「機密性 ２」 (an axis name, a space, a level)
    /// is joined back into one token.
    fn tokens(&self, input: &str) -> Vec<String> {
        let normalized: String = input.nfkc().collect();
        let pieces: Vec<String> = normalized
            .split(|c: char| SEPARATORS.contains(&c) || c.is_whitespace())
            .map(normalize)
            .filter(|p| !p.is_empty())
            .collect();
        let axis_names: Vec<String> = self.axes.iter().map(|a| normalize(&a.name)).collect();
        let mut tokens: Vec<String> = Vec::with_capacity(pieces.len());
        let mut pending_axis: Option<String> = None;
        for piece in pieces {
            match pending_axis.take() {
                Some(axis) => tokens.push(format!("{axis}{piece}")),
                None if axis_names.contains(&piece) => pending_axis = Some(piece),
                None => tokens.push(piece),
            }
        }
        tokens.extend(pending_axis);
        tokens
    }

    /// Which (axis, rank) a normalized token names. A token matches a level by its full name, by
    /// the axis name followed by the level's key, short label or alias, or by one of those alone.
    fn match_token(&self, token: &str) -> Result<(usize, usize), DomainError> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        let mut named_axis: Option<usize> = None;
        for (ai, axis) in self.axes.iter().enumerate() {
            let rest = token
                .strip_prefix(normalize(&axis.name).as_str())
                .map(|r| r.trim_start_matches(':'));
            if rest.is_some() {
                named_axis = Some(ai);
            }
            for (rank, level) in axis.levels.iter().enumerate() {
                let spellings = spellings(level);
                let hit = normalize(&level.name) == token
                    || rest.is_some_and(|r| spellings.iter().any(|s| s == r))
                    || spellings.iter().any(|s| s == token);
                if hit {
                    found.push((ai, rank));
                }
            }
        }
        match found.as_slice() {
            [hit] => Ok(*hit),
            [] => Err(match named_axis.and_then(|i| self.axes.get(i)) {
                Some(axis) => DomainError::new(
                    axis.name.as_str(),
                    format!(
                        "「{token}」は{}の区分にありません（{}のいずれかです）",
                        axis.name,
                        axis.names_highest_first()
                    ),
                ),
                None => DomainError::new(
                    "分類",
                    format!(
                        "「{token}」に当たる区分がこの分類体系（{}）にありません",
                        self.name
                    ),
                ),
            }),
            several => {
                let axes_hit: BTreeSet<usize> = several.iter().map(|(a, _)| *a).collect();
                let axis_names: Vec<&str> = axes_hit
                    .iter()
                    .filter_map(|&i| self.axes.get(i))
                    .map(|a| a.name.as_str())
                    .collect();
                let level_names: Vec<&str> = several
                    .iter()
                    .filter_map(|&(a, r)| self.axes.get(a).and_then(|axis| axis.levels.get(r)))
                    .map(|l| l.name.as_str())
                    .collect();
                Err(DomainError::new(
                    axis_names.join("・"),
                    format!(
                        "「{token}」は{}のどれか判別できません。「{}」のように軸の名前を付けて書いてください",
                        level_names.join("・"),
                        level_names.first().copied().unwrap_or_default()
                    ),
                ))
            }
        }
    }
}

/// The form in which names are compared: NFKC (full-width digits, 「Ⅱ」 → `II`), no spaces,
/// upper case.
pub(super) fn normalize(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The normalized spellings that name a level besides its full name.
pub(super) fn spellings(level: &Level) -> Vec<String> {
    std::iter::once(&level.key)
        .chain(std::iter::once(&level.short))
        .chain(&level.aliases)
        .map(|s| normalize(s))
        .filter(|s| !s.is_empty())
        .collect()
}
