//! Risk analysis (リスク分析): the body's risk matrix, its threat catalogue and the risk register
//! entries, with the pure queries behind the register screen and the heat map.
//!
//! The guideline's method (第1編, リスク分析の実施): for each information asset, survey threats and
//! vulnerabilities, and take the size of a risk as 発生可能性 × 影響度 — 「一般的に両者の積をリスク
//! の大きさとしている」. Everything a body may decide is data:
//!
//! - the scale of each axis (how many levels, their names and descriptions) and the **risk bands**
//!   (低/中/高/…, the scores each covers and its colour in the heat map) and the band up to which a
//!   risk may be accepted: a [`RiskMatrix`], read from TOML with [`RiskMatrix::from_toml`]; 3×3
//!   ([`RiskMatrix::three_by_three`]) and 5×5 ([`RiskMatrix::five_by_five`]) ship as data in
//!   `data/risk-3x3.toml` and `data/risk-5x5.toml`;
//! - the threats and their groups: a [`ThreatCatalogue`], by default the five groups of 基本方針
//!   「3 対象とする脅威」 in its own words ([`ThreatCatalogue::default_catalogue`], `data/threats.toml`).
//!
//! A score is the product of the 1-based positions of the two levels in the matrix's order; no
//! rule here knows how many levels there are or what a band is called. Other features ask the
//! matrix: [`RiskMatrix::rate`] for a score and band, [`RiskMatrix::compare_band`] for order.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{PersonId, RiskId};

const THREE_BY_THREE_TOML: &str = include_str!("../../data/risk-3x3.toml");
const FIVE_BY_FIVE_TOML: &str = include_str!("../../data/risk-5x5.toml");
const THREATS_TOML: &str = include_str!("../../data/threats.toml");

// ---------------------------------------------------------------------------------------------
// The matrix

/// One level of an axis of the matrix: 発生可能性「高」, 影響度「甚大」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLevel {
    /// Stable key, unique on its axis.
    pub key: String,
    /// The name people read.
    pub label: String,
    /// What the level means, for the person who rates a risk.
    #[serde(default)]
    pub description: String,
    /// The 1-based position from the lowest; the factor of the score.
    pub order: u32,
}

/// A risk band: the scores from `min` to `max` (inclusive), its name and heat-map colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskBand {
    pub key: String,
    pub label: String,
    pub min: u32,
    pub max: u32,
    /// `#rrggbb`.
    pub colour: String,
    #[serde(default)]
    pub description: String,
}

/// The body's risk matrix. Built only by validating data: both axes are listed from the lowest
/// level with orders 1..N, and the bands, from the lowest, cover every score 1..=N×M once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskMatrix {
    id: String,
    name: String,
    likelihood: Vec<RiskLevel>,
    impact: Vec<RiskLevel>,
    bands: Vec<RiskBand>,
    acceptable_band: String,
}

/// A score and the band it falls in, for one pair of levels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rating {
    /// The likelihood level key.
    pub likelihood: String,
    /// The impact level key.
    pub impact: String,
    pub score: u32,
    /// The band key.
    pub band: String,
}

const FIELD_MATRIX: &str = "リスクマトリクス";
const FIELD_LIKELIHOOD: &str = "発生可能性";
const FIELD_IMPACT: &str = "影響度";
const FIELD_BANDS: &str = "リスク区分";
const FIELD_ACCEPTABLE: &str = "受容できるリスク区分";

impl RiskMatrix {
    /// The shipped 3×3 matrix (低/中/高).
    pub fn three_by_three() -> Result<Self, DomainError> {
        Self::from_toml(THREE_BY_THREE_TOML)
    }

    /// The shipped 5×5 matrix (低/中/高/極めて高い).
    pub fn five_by_five() -> Result<Self, DomainError> {
        Self::from_toml(FIVE_BY_FIVE_TOML)
    }

    /// Reads and validates a matrix written in TOML (see `data/risk-5x5.toml`).
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let raw: RawMatrix = parse_toml(text, FIELD_MATRIX)?;
        raw.validate()
    }

    /// Writes the matrix in the form [`from_toml`](Self::from_toml) reads.
    pub fn to_toml(&self) -> Result<String, DomainError> {
        let raw = RawMatrix {
            id: self.id.clone(),
            name: self.name.clone(),
            acceptable_band: self.acceptable_band.clone(),
            likelihood: self.likelihood.clone(),
            impact: self.impact.clone(),
            bands: self.bands.clone(),
        };
        toml::to_string(&raw)
            .map_err(|e| DomainError::new(FIELD_MATRIX, format!("TOMLに書き出せません: {e}")))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The likelihood levels, lowest first.
    pub fn likelihood(&self) -> &[RiskLevel] {
        &self.likelihood
    }

    /// The impact levels, lowest first.
    pub fn impact(&self) -> &[RiskLevel] {
        &self.impact
    }

    /// The bands, lowest scores first.
    pub fn bands(&self) -> &[RiskBand] {
        &self.bands
    }

    pub fn band(&self, key: &str) -> Option<&RiskBand> {
        self.bands.iter().find(|b| b.key == key)
    }

    /// The highest band a risk may be accepted at.
    pub fn acceptable_band(&self) -> &str {
        &self.acceptable_band
    }

    /// The largest score: N × M.
    pub fn max_score(&self) -> u32 {
        len_u32(&self.likelihood).saturating_mul(len_u32(&self.impact))
    }

    /// The band a score falls in.
    pub fn band_of(&self, score: u32) -> Option<&RiskBand> {
        self.bands.iter().find(|b| b.min <= score && score <= b.max)
    }

    /// The score and band of a pair of level keys: position × position, 1-based.
    pub fn rate(&self, likelihood: &str, impact: &str) -> Result<Rating, DomainError> {
        let l = level(&self.likelihood, likelihood, FIELD_LIKELIHOOD)?;
        let i = level(&self.impact, impact, FIELD_IMPACT)?;
        let score = l.order.saturating_mul(i.order);
        let band = self.band_of(score).ok_or_else(|| {
            DomainError::new(
                FIELD_BANDS,
                format!("リスク値{score}に当たる区分がありません"),
            )
        })?;
        Ok(Rating {
            likelihood: l.key.clone(),
            impact: i.key.clone(),
            score,
            band: band.key.clone(),
        })
    }

    /// Orders two bands: `Greater` when `a` is the higher.
    pub fn compare_band(&self, a: &str, b: &str) -> Result<Ordering, DomainError> {
        Ok(self.band_rank(a)?.cmp(&self.band_rank(b)?))
    }

    /// Whether the band is above the one a risk may be accepted at.
    pub fn is_above_acceptable(&self, band: &str) -> Result<bool, DomainError> {
        Ok(self.compare_band(band, &self.acceptable_band)? == Ordering::Greater)
    }

    fn band_rank(&self, key: &str) -> Result<usize, DomainError> {
        self.bands.iter().position(|b| b.key == key).ok_or_else(|| {
            DomainError::new(
                FIELD_BANDS,
                format!(
                    "リスク区分「{key}」はこのリスクマトリクス（{}）にありません（{}のいずれかです）",
                    self.name,
                    keys_of(self.bands.iter().map(|b| b.key.as_str()))
                ),
            )
        })
    }
}

fn len_u32<T>(items: &[T]) -> u32 {
    u32::try_from(items.len()).unwrap_or(u32::MAX)
}

fn keys_of<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    keys.collect::<Vec<_>>().join("・")
}

/// The level of a key on an axis; its `order` is the 1-based position from the lowest.
fn level<'a>(
    levels: &'a [RiskLevel],
    key: &str,
    field: &str,
) -> Result<&'a RiskLevel, DomainError> {
    levels.iter().find(|l| l.key == key.trim()).ok_or_else(|| {
        DomainError::new(
            field,
            format!(
                "段階「{}」は{field}の段階にありません（{}のいずれかです）",
                key.trim(),
                keys_of(levels.iter().map(|l| l.key.as_str()))
            ),
        )
    })
}

/// The 1-based position of a level key on an axis.
fn position(levels: &[RiskLevel], key: &str, field: &str) -> Result<u32, DomainError> {
    level(levels, key, field).map(|l| l.order)
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, field: &str) -> Result<T, DomainError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| before.matches('\n').count() + 1);
        let at = line.map(|l| format!("（{l}行目）")).unwrap_or_default();
        DomainError::new(
            field,
            format!("TOMLとして読めません{at}: {}", e.message().trim()),
        )
    })
}

fn check_key(field: &str, what: &str, key: &str) -> Result<(), DomainError> {
    if key.is_empty() || key.chars().any(char::is_whitespace) {
        return Err(DomainError::new(
            field,
            format!("{what}のキー「{key}」は空白を含まない空でない文字列にしてください"),
        ));
    }
    Ok(())
}

fn check_text(field: &str, what: &str, text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::new(field, format!("{what}が空です")));
    }
    Ok(())
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s.chars().skip(1).all(|c| c.is_ascii_hexdigit())
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    id: String,
    name: String,
    acceptable_band: String,
    #[serde(default)]
    likelihood: Vec<RiskLevel>,
    #[serde(default)]
    impact: Vec<RiskLevel>,
    #[serde(default)]
    bands: Vec<RiskBand>,
}

impl RawMatrix {
    fn validate(self) -> Result<RiskMatrix, DomainError> {
        check_text("リスクマトリクスID", "ID", &self.id)?;
        check_text("リスクマトリクス名", "名前", &self.name)?;
        let likelihood = validate_axis(FIELD_LIKELIHOOD, self.likelihood)?;
        let impact = validate_axis(FIELD_IMPACT, self.impact)?;
        let max = len_u32(&likelihood).saturating_mul(len_u32(&impact));
        let bands = validate_bands(self.bands, max, &likelihood, &impact)?;
        let acceptable_band = self.acceptable_band.trim().to_owned();
        if !bands.iter().any(|b| b.key == acceptable_band) {
            return Err(DomainError::new(
                FIELD_ACCEPTABLE,
                format!(
                    "acceptable_band「{acceptable_band}」はリスク区分にありません（{}のいずれかです）",
                    keys_of(bands.iter().map(|b| b.key.as_str()))
                ),
            ));
        }
        Ok(RiskMatrix {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            likelihood,
            impact,
            bands,
            acceptable_band,
        })
    }
}

/// Checks an axis and returns it ordered lowest first; orders must be exactly 1..=N.
fn validate_axis(field: &str, raw: Vec<RiskLevel>) -> Result<Vec<RiskLevel>, DomainError> {
    if raw.len() < 2 {
        return Err(DomainError::new(
            field,
            "段階を二つ以上定めてください".to_owned(),
        ));
    }
    let n = len_u32(&raw);
    let mut levels: Vec<RiskLevel> = Vec::with_capacity(raw.len());
    for level in raw {
        check_key(field, "段階", &level.key)?;
        check_text(
            field,
            &format!("段階「{}」の名前（label）", level.key),
            &level.label,
        )?;
        if level.order == 0 || level.order > n {
            return Err(DomainError::new(
                field,
                format!(
                    "段階「{}」の順位（order）{}は1から{n}の間にしてください（1が最も低い）",
                    level.key, level.order
                ),
            ));
        }
        if let Some(other) = levels.iter().find(|l| l.key == level.key) {
            return Err(DomainError::new(
                field,
                format!("段階のキー「{}」が重複しています", other.key),
            ));
        }
        if let Some(other) = levels.iter().find(|l| l.order == level.order) {
            return Err(DomainError::new(
                field,
                format!(
                    "段階「{}」と段階「{}」の順位（order）がどちらも{}です",
                    other.key, level.key, level.order
                ),
            ));
        }
        if let Some(other) = levels.iter().find(|l| l.label.trim() == level.label.trim()) {
            return Err(DomainError::new(
                field,
                format!("段階の名前「{}」が重複しています", other.label),
            ));
        }
        levels.push(RiskLevel {
            key: level.key,
            label: level.label.trim().to_owned(),
            description: level.description.trim().to_owned(),
            order: level.order,
        });
    }
    levels.sort_by_key(|l| l.order);
    Ok(levels)
}

/// Checks the bands cover 1..=max exactly once, each holding a score some cell can have, and
/// returns them from the lowest.
fn validate_bands(
    raw: Vec<RiskBand>,
    max: u32,
    likelihood: &[RiskLevel],
    impact: &[RiskLevel],
) -> Result<Vec<RiskBand>, DomainError> {
    if raw.is_empty() {
        return Err(DomainError::new(
            FIELD_BANDS,
            "リスク区分を一つ以上定めてください",
        ));
    }
    let scores: BTreeSet<u32> = likelihood
        .iter()
        .flat_map(|l| impact.iter().map(move |i| l.order.saturating_mul(i.order)))
        .collect();
    let mut bands: Vec<RiskBand> = Vec::with_capacity(raw.len());
    for band in raw {
        check_key(FIELD_BANDS, "リスク区分", &band.key)?;
        let what = format!("リスク区分「{}」", band.key);
        check_text(FIELD_BANDS, &format!("{what}の名前（label）"), &band.label)?;
        if bands.iter().any(|b| b.key == band.key) {
            return Err(DomainError::new(
                FIELD_BANDS,
                format!("リスク区分のキー「{}」が重複しています", band.key),
            ));
        }
        if bands.iter().any(|b| b.label == band.label.trim()) {
            return Err(DomainError::new(
                FIELD_BANDS,
                format!("リスク区分の名前「{}」が重複しています", band.label.trim()),
            ));
        }
        if band.min == 0 || band.min > band.max {
            return Err(DomainError::new(
                FIELD_BANDS,
                format!(
                    "{what}の範囲（min {} 〜 max {}）は1以上で、min を max 以下にしてください",
                    band.min, band.max
                ),
            ));
        }
        if !is_colour(band.colour.trim()) {
            return Err(DomainError::new(
                FIELD_BANDS,
                format!(
                    "{what}の色（colour）「{}」は #rrggbb の形で書いてください（例: #f28b82）",
                    band.colour
                ),
            ));
        }
        if !scores.iter().any(|s| band.min <= *s && *s <= band.max) {
            return Err(DomainError::new(
                FIELD_BANDS,
                format!(
                    "{what}の範囲（{}〜{}）にはどのマスのリスク値も入りません",
                    band.min, band.max
                ),
            ));
        }
        bands.push(RiskBand {
            colour: band.colour.trim().to_ascii_lowercase(),
            label: band.label.trim().to_owned(),
            description: band.description.trim().to_owned(),
            ..band
        });
    }
    bands.sort_by_key(|b| b.min);
    let mut next = 1u32;
    for band in &bands {
        match band.min.cmp(&next) {
            Ordering::Less => {
                return Err(DomainError::new(
                    FIELD_BANDS,
                    format!(
                        "リスク区分「{}」の範囲（{}〜{}）がほかの区分と重なっています",
                        band.key, band.min, band.max
                    ),
                ));
            }
            Ordering::Greater => {
                return Err(DomainError::new(
                    FIELD_BANDS,
                    format!(
                        "リスク値{next}〜{}がどのリスク区分にも入っていません",
                        band.min - 1
                    ),
                ));
            }
            Ordering::Equal => next = band.max.saturating_add(1),
        }
    }
    if next <= max {
        return Err(DomainError::new(
            FIELD_BANDS,
            format!("リスク値{next}〜{max}がどのリスク区分にも入っていません"),
        ));
    }
    if next > max.saturating_add(1) {
        return Err(DomainError::new(
            FIELD_BANDS,
            format!(
                "リスク区分の範囲が最大のリスク値{max}（発生可能性の段階数×影響度の段階数）を超えています"
            ),
        ));
    }
    Ok(bands)
}

// ---------------------------------------------------------------------------------------------
// Threats

/// A group of threats: by default the five of 基本方針 3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatGroup {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// One threat of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub key: String,
    /// The key of its group.
    pub group: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// The body's threat catalogue. Built only by validating data: keys unique, every threat in a
/// group of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatCatalogue {
    groups: Vec<ThreatGroup>,
    threats: Vec<Threat>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    groups: Vec<ThreatGroup>,
    #[serde(default)]
    threats: Vec<Threat>,
}

const FIELD_THREATS: &str = "脅威";
const FIELD_THREAT_GROUPS: &str = "脅威の区分";

impl ThreatCatalogue {
    /// The default: the five threat groups of 基本方針 3 in its words, with the threats it names.
    pub fn default_catalogue() -> Result<Self, DomainError> {
        Self::from_toml(THREATS_TOML)
    }

    /// Reads and validates a catalogue written in TOML (see `data/threats.toml`).
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let raw: RawCatalogue = parse_toml(text, FIELD_THREATS)?;
        Self::new(raw.groups, raw.threats)
    }

    /// Writes the catalogue in the form [`from_toml`](Self::from_toml) reads.
    pub fn to_toml(&self) -> Result<String, DomainError> {
        let raw = RawCatalogue {
            groups: self.groups.clone(),
            threats: self.threats.clone(),
        };
        toml::to_string(&raw)
            .map_err(|e| DomainError::new(FIELD_THREATS, format!("TOMLに書き出せません: {e}")))
    }

    /// Validates an edited catalogue.
    pub fn new(groups: Vec<ThreatGroup>, threats: Vec<Threat>) -> Result<Self, DomainError> {
        if groups.is_empty() {
            return Err(DomainError::new(
                FIELD_THREAT_GROUPS,
                "脅威の区分を一つ以上定めてください",
            ));
        }
        let mut seen = BTreeSet::new();
        for g in &groups {
            check_key(FIELD_THREAT_GROUPS, "脅威の区分", &g.key)?;
            check_text(
                FIELD_THREAT_GROUPS,
                &format!("脅威の区分「{}」の名前", g.key),
                &g.name,
            )?;
            if !seen.insert(g.key.as_str()) {
                return Err(DomainError::new(
                    FIELD_THREAT_GROUPS,
                    format!("脅威の区分のキー「{}」が重複しています", g.key),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for t in &threats {
            check_key(FIELD_THREATS, "脅威", &t.key)?;
            check_text(FIELD_THREATS, &format!("脅威「{}」の名前", t.key), &t.name)?;
            if !seen.insert(t.key.as_str()) {
                return Err(DomainError::new(
                    FIELD_THREATS,
                    format!("脅威のキー「{}」が重複しています", t.key),
                ));
            }
            if !groups.iter().any(|g| g.key == t.group) {
                return Err(DomainError::new(
                    FIELD_THREATS,
                    format!(
                        "脅威「{}」の区分「{}」はありません（{}のいずれかです）",
                        t.key,
                        t.group,
                        keys_of(groups.iter().map(|g| g.key.as_str()))
                    ),
                ));
            }
        }
        Ok(Self { groups, threats })
    }

    pub fn groups(&self) -> &[ThreatGroup] {
        &self.groups
    }

    pub fn threats(&self) -> &[Threat] {
        &self.threats
    }

    pub fn threat(&self, key: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.key == key)
    }

    /// The threats of a group, in catalogue order.
    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Threat> + 'a {
        self.threats.iter().filter(move |t| t.group == group)
    }
}

// ---------------------------------------------------------------------------------------------
// Risks

/// The asset or asset group a risk concerns: an opaque key of the asset register.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetRef(String);

impl AssetRef {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let key = input.trim();
        if key.is_empty() {
            return Err(DomainError::new(
                "情報資産",
                "対象の情報資産を指定してください",
            ));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// リスク対応.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// 低減
    Reduce,
    /// 回避
    Avoid,
    /// 移転
    Transfer,
    /// 受容
    Accept,
}

impl Treatment {
    pub const ALL: [Treatment; 4] = [Self::Reduce, Self::Avoid, Self::Transfer, Self::Accept];

    pub fn key(self) -> &'static str {
        match self {
            Self::Reduce => "reduce",
            Self::Avoid => "avoid",
            Self::Transfer => "transfer",
            Self::Accept => "accept",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Reduce => "低減",
            Self::Avoid => "回避",
            Self::Transfer => "移転",
            Self::Accept => "受容",
        }
    }

    /// Reads a key (`reduce`) or the Japanese label (「低減」).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.key() == s || t.label() == s)
            .ok_or_else(|| {
                DomainError::new(
                    FIELD_TREATMENT,
                    format!(
                        "「{s}」という対応はありません（低減・回避・移転・受容のいずれかです）"
                    ),
                )
            })
    }
}

impl fmt::Display for Treatment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

const FIELD_TREATMENT: &str = "リスク対応";
const FIELD_PLAN: &str = "対応計画";
const FIELD_REASON: &str = "受容の理由";
const FIELD_DUE: &str = "期限";
const FIELD_VULNERABILITY: &str = "脆弱性";
const FIELD_REQUIRED: &str = "要求されるリスク区分";
const FIELD_RESIDUAL_LIKELIHOOD: &str = "残留リスクの発生可能性";
const FIELD_RESIDUAL_IMPACT: &str = "残留リスクの影響度";

/// A risk as entered: keys and text, before validation against the matrix and catalogue. Also
/// the stored form; [`Risk::assess`] rebuilds the entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskInput {
    pub asset: String,
    pub threat: String,
    pub vulnerability: String,
    pub likelihood: String,
    pub impact: String,
    /// The band the asset's classification requires the risk to be brought to (at or below),
    /// as the caller derives it from the body's data. `None` when not set.
    pub required_band: Option<String>,
    pub treatment: Option<Treatment>,
    pub plan: String,
    /// Why the risk is accepted; required for 受容.
    pub reason: String,
    pub owner: Option<PersonId>,
    pub due: Option<NaiveDate>,
    pub residual_likelihood: Option<String>,
    pub residual_impact: Option<String>,
}

/// An entry of the risk register. Built only by [`Risk::assess`], so its ratings agree with the
/// matrix it was assessed under and the treatment rules hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    id: RiskId,
    asset: AssetRef,
    threat: String,
    vulnerability: String,
    inherent: Rating,
    required_band: Option<String>,
    treatment: Option<Treatment>,
    plan: String,
    reason: String,
    owner: Option<PersonId>,
    due: Option<NaiveDate>,
    residual: Option<Rating>,
}

impl Risk {
    /// Validates an entry against the body's matrix and threat catalogue:
    /// - asset, a threat of the catalogue, vulnerability, likelihood and impact are required;
    /// - 受容 needs a reason; 低減 needs a plan and a due date; 回避 and 移転 need a plan;
    /// - residual likelihood and impact come together and neither is above the inherent one.
    pub fn assess(
        id: RiskId,
        input: &RiskInput,
        matrix: &RiskMatrix,
        threats: &ThreatCatalogue,
    ) -> Result<Self, DomainError> {
        let asset = AssetRef::parse(&input.asset)?;
        let threat = input.threat.trim();
        if threat.is_empty() {
            return Err(DomainError::new(FIELD_THREATS, "脅威を選んでください"));
        }
        if threats.threat(threat).is_none() {
            return Err(DomainError::new(
                FIELD_THREATS,
                format!("脅威「{threat}」は脅威の一覧にありません"),
            ));
        }
        check_text(
            FIELD_VULNERABILITY,
            FIELD_VULNERABILITY,
            &input.vulnerability,
        )?;
        let inherent = matrix.rate(input.likelihood.trim(), input.impact.trim())?;
        let required_band = match input.required_band.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(band) => {
                matrix
                    .band_rank(band)
                    .map_err(|e| DomainError::new(FIELD_REQUIRED, e.message))?;
                Some(band.to_owned())
            }
        };
        let plan = input.plan.trim().to_owned();
        let reason = input.reason.trim().to_owned();
        match input.treatment {
            Some(Treatment::Accept) if reason.is_empty() => {
                return Err(DomainError::new(
                    FIELD_REASON,
                    "受容するときは理由を書いてください",
                ));
            }
            Some(t @ (Treatment::Reduce | Treatment::Avoid | Treatment::Transfer))
                if plan.is_empty() =>
            {
                return Err(DomainError::new(
                    FIELD_PLAN,
                    format!("{}するときは対応計画を書いてください", t.label()),
                ));
            }
            Some(Treatment::Reduce) if input.due.is_none() => {
                return Err(DomainError::new(
                    FIELD_DUE,
                    "低減するときは対策の期限を指定してください",
                ));
            }
            _ => {}
        }
        let residual = match (&input.residual_likelihood, &input.residual_impact) {
            (None, None) => None,
            (Some(l), Some(i)) => {
                let l = l.trim();
                let i = i.trim();
                let rating = matrix.rate(l, i).map_err(|e| residual_field(&e))?;
                let above = |levels: &[RiskLevel],
                             r: &str,
                             h: &str,
                             field: &str|
                 -> Result<(), DomainError> {
                    let r = position(levels, r, field)?;
                    let h = position(levels, h, field)?;
                    if r > h {
                        Err(DomainError::new(
                            field,
                            format!(
                                "残留リスクは対応前のリスクより高くできません（{field}が対応前を超えています）"
                            ),
                        ))
                    } else {
                        Ok(())
                    }
                };
                above(
                    &matrix.likelihood,
                    l,
                    &inherent.likelihood,
                    FIELD_RESIDUAL_LIKELIHOOD,
                )?;
                above(&matrix.impact, i, &inherent.impact, FIELD_RESIDUAL_IMPACT)?;
                Some(rating)
            }
            (None, Some(_)) => {
                return Err(DomainError::new(
                    FIELD_RESIDUAL_LIKELIHOOD,
                    "残留リスクは発生可能性と影響度の両方を指定してください",
                ));
            }
            (Some(_), None) => {
                return Err(DomainError::new(
                    FIELD_RESIDUAL_IMPACT,
                    "残留リスクは発生可能性と影響度の両方を指定してください",
                ));
            }
        };
        Ok(Self {
            id,
            asset,
            threat: threat.to_owned(),
            vulnerability: input.vulnerability.trim().to_owned(),
            inherent,
            required_band,
            treatment: input.treatment,
            plan,
            reason,
            owner: input.owner,
            due: input.due,
            residual,
        })
    }

    /// The entry as entered, for storage and edit forms.
    pub fn to_input(&self) -> RiskInput {
        RiskInput {
            asset: self.asset.to_string(),
            threat: self.threat.clone(),
            vulnerability: self.vulnerability.clone(),
            likelihood: self.inherent.likelihood.clone(),
            impact: self.inherent.impact.clone(),
            required_band: self.required_band.clone(),
            treatment: self.treatment,
            plan: self.plan.clone(),
            reason: self.reason.clone(),
            owner: self.owner,
            due: self.due,
            residual_likelihood: self.residual.as_ref().map(|r| r.likelihood.clone()),
            residual_impact: self.residual.as_ref().map(|r| r.impact.clone()),
        }
    }

    pub fn id(&self) -> RiskId {
        self.id
    }

    pub fn asset(&self) -> &AssetRef {
        &self.asset
    }

    /// The threat key.
    pub fn threat(&self) -> &str {
        &self.threat
    }

    pub fn vulnerability(&self) -> &str {
        &self.vulnerability
    }

    /// The risk before treatment.
    pub fn inherent(&self) -> &Rating {
        &self.inherent
    }

    /// The risk after treatment as rated, if rated.
    pub fn residual(&self) -> Option<&Rating> {
        self.residual.as_ref()
    }

    /// The residual risk, or the inherent one while no residual is rated.
    pub fn current(&self) -> &Rating {
        self.residual.as_ref().unwrap_or(&self.inherent)
    }

    pub fn required_band(&self) -> Option<&str> {
        self.required_band.as_deref()
    }

    pub fn treatment(&self) -> Option<Treatment> {
        self.treatment
    }

    pub fn plan(&self) -> &str {
        &self.plan
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn owner(&self) -> Option<PersonId> {
        self.owner
    }

    pub fn due(&self) -> Option<NaiveDate> {
        self.due
    }

    /// The rating a query looks at.
    pub fn rating(&self, basis: Basis) -> &Rating {
        match basis {
            Basis::Inherent => &self.inherent,
            Basis::Current => self.current(),
        }
    }
}

/// Renames a rating error of the residual levels to the residual field it concerns.
fn residual_field(e: &DomainError) -> DomainError {
    let field = match e.field.as_str() {
        FIELD_LIKELIHOOD => FIELD_RESIDUAL_LIKELIHOOD,
        FIELD_IMPACT => FIELD_RESIDUAL_IMPACT,
        other => other,
    };
    DomainError::new(field, e.message.clone())
}

// ---------------------------------------------------------------------------------------------
// Queries

/// Which rating a query counts: before treatment, or the current one (residual when rated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Inherent,
    Current,
}

/// One cell of the heat map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeatCell {
    /// The likelihood level key.
    pub likelihood: String,
    /// The impact level key.
    pub impact: String,
    pub score: u32,
    pub count: usize,
    /// The band key.
    pub band: String,
}

/// How many risks fall in a band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BandCount {
    pub band: String,
    pub count: usize,
}

/// Re-rates a risk under `matrix`, so that a query never counts a rating made under another.
fn rerate(matrix: &RiskMatrix, risk: &Risk, basis: Basis) -> Result<Rating, DomainError> {
    let r = risk.rating(basis);
    matrix.rate(&r.likelihood, &r.impact)
}

/// Every cell of the matrix (likelihood lowest first, then impact lowest first) with the number
/// of risks in it.
pub fn heat_cells(
    matrix: &RiskMatrix,
    risks: &[Risk],
    basis: Basis,
) -> Result<Vec<HeatCell>, DomainError> {
    let mut cells = Vec::with_capacity(matrix.likelihood.len() * matrix.impact.len());
    for l in &matrix.likelihood {
        for i in &matrix.impact {
            let rating = matrix.rate(&l.key, &i.key)?;
            cells.push(HeatCell {
                likelihood: rating.likelihood,
                impact: rating.impact,
                score: rating.score,
                count: 0,
                band: rating.band,
            });
        }
    }
    for risk in risks {
        let r = rerate(matrix, risk, basis)?;
        if let Some(cell) = cells
            .iter_mut()
            .find(|c| c.likelihood == r.likelihood && c.impact == r.impact)
        {
            cell.count += 1;
        }
    }
    Ok(cells)
}

/// The number of risks per band, lowest band first; every band appears.
pub fn band_counts(
    matrix: &RiskMatrix,
    risks: &[Risk],
    basis: Basis,
) -> Result<Vec<BandCount>, DomainError> {
    let mut out: Vec<BandCount> = matrix
        .bands
        .iter()
        .map(|b| BandCount {
            band: b.key.clone(),
            count: 0,
        })
        .collect();
    for risk in risks {
        let r = rerate(matrix, risk, basis)?;
        if let Some(c) = out.iter_mut().find(|c| c.band == r.band) {
            c.count += 1;
        }
    }
    Ok(out)
}

/// The risks whose rating is above the band the matrix says may be accepted.
pub fn above_acceptable<'a>(
    matrix: &RiskMatrix,
    risks: &'a [Risk],
    basis: Basis,
) -> Result<Vec<&'a Risk>, DomainError> {
    let mut out = Vec::new();
    for risk in risks {
        let r = rerate(matrix, risk, basis)?;
        if matrix.is_above_acceptable(&r.band)? {
            out.push(risk);
        }
    }
    Ok(out)
}

/// The risks whose current rating is above the band their classification requires.
pub fn above_required<'a>(
    matrix: &RiskMatrix,
    risks: &'a [Risk],
) -> Result<Vec<&'a Risk>, DomainError> {
    let mut out = Vec::new();
    for risk in risks {
        let Some(required) = risk.required_band() else {
            continue;
        };
        let r = rerate(matrix, risk, Basis::Current)?;
        if matrix.compare_band(&r.band, required)? == Ordering::Greater {
            out.push(risk);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
