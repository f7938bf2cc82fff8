//! The catalog's data types: clauses with their 例文, headings, 解説, roles and marks of the
//! 権限・責任等一覧表, glossary, classification tables and revision sets.
//!
//! Everything here is plain data (serde), built once by [`crate::build()`] from the seed and the
//! clause indexes and shipped in the binary as JSON (see [`crate::store`]).

use crate::id::{ClauseId, Part};
use serde::{Deserialize, Serialize};

/// The whole guideline catalog of one edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Which edition of the guideline this is.
    pub edition: Edition,
    /// The roles of the guideline (keys used by [`RoleMark`], with their Japanese names).
    pub roles: Vec<RoleInfo>,
    /// Parts, chapters, sections and item headings above the leaf clauses, in document order.
    pub sections: Vec<Section>,
    /// The leaf clauses, in document order (`order` = index in this vector).
    pub clauses: Vec<Clause>,
    /// 用語の定義.
    pub glossary: Vec<GlossaryTerm>,
    /// 情報資産の分類 (機密性・完全性・可用性) and the alternative 重要性分類.
    pub classification: ClassificationTable,
    /// Later revision points that apply to this edition's clauses.
    pub revisions: Vec<RevisionSet>,
}

impl Catalog {
    /// Finds a clause by its canonical id string.
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id.as_str() == id)
    }

    /// Finds a heading (part, chapter, section or item heading) by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// All commentary that explains a clause, outermost first, with the id it is stored on:
    /// the 趣旨 and general notes of its chapter/section, the notes of its numbered item, then
    /// its own (see [`crate::commentary`] for where each part is stored).
    pub fn commentary_for<'a>(&'a self, clause: &'a Clause) -> Vec<(&'a str, &'a Commentary)> {
        crate::commentary::for_clause(&self.sections, clause)
    }

    /// Looks up the Japanese data of a role.
    pub fn role(&self, key: RoleKey) -> Option<&RoleInfo> {
        self.roles.iter().find(|r| r.key == key)
    }
}

/// The guideline edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    /// Stable id, `2018-09`.
    pub id: String,
    /// Title of the guideline.
    pub title: String,
    /// Issuing body (総務省).
    pub issuer: String,
    /// Publication as printed (平成30年9月).
    pub published: String,
    /// Publication as ISO year-month.
    pub published_iso: String,
}

/// Nesting level of a heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionLevel {
    /// 基本方針 / 対策基準 as a whole.
    Part,
    /// `B-6`, `S-4`.
    Chapter,
    /// `S-4.1`.
    Section,
    /// A numbered item heading that has sub-items (`S-2.(2)`, `S-2.(2)⑧`).
    Item,
}

/// A heading above leaf clauses, with the lead-in sentences (柱書) it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// `S`, `S-6`, `S-6.2`, `S-6.2.(1)`, `S-6.2.(1)③`.
    pub id: String,
    /// Which part it belongs to.
    pub part: Part,
    /// Nesting level.
    pub level: SectionLevel,
    /// Heading text without its number, e.g. 「情報資産の運搬」.
    pub title: Option<String>,
    /// Lead-in sentences (柱書) that govern the items below, e.g.
    /// 「職員等は、自己の管理する ID に関し、次の事項を遵守しなければならない。」.
    pub lead_in: Option<String>,
    /// Editorial text printed after the part that belongs to no clause (the （注） after the
    /// 基本方針).
    pub note: Option<String>,
    /// Raw seed lines (first, last) of the heading and lead-in, if any were printed.
    pub seed_lines: Option<(u32, u32)>,
    /// The 第3編 解説 of a whole chapter/section: 【趣旨】 and the general (解説) text before the
    /// first numbered sub-heading. Item-specific (解説) is on the leaf clauses.
    pub commentary: Option<Commentary>,
}

/// One leaf clause of the 例文.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    /// Canonical id.
    pub id: ClauseId,
    /// Document order, 0-based; ids do not sort in document order.
    pub order: u32,
    /// 基本方針 or 対策基準.
    pub part: Part,
    /// Headings above the clause, outermost first, with their titles and lead-ins, so that
    /// `lead_ins + model_text` reads as a whole sentence.
    pub path: Vec<PathNode>,
    /// 見出し/要旨 from the clause index.
    pub title: String,
    /// English summary from the clause index.
    pub summary_en: String,
    /// The 例文 text, cleaned of extraction artefacts. Paragraphs and list items are separated by
    /// `\n`; the words are those of the seed.
    pub model_text: String,
    /// 【推奨事項】.
    pub recommended: bool,
    /// Responsible roles with their marks of the 権限・責任等一覧表.
    pub roles: Vec<RoleMark>,
    /// The index's roles cell verbatim (keeps notes such as "○ ×2 (inferred …)").
    pub roles_source: String,
    /// True when the matrix page for this row is missing from the seed and the index rebuilt
    /// the marks from the 例文 (rows 6.1(11)–(20) and 6.2(1), marked † in the index).
    pub matrix_reconstructed: bool,
    /// What the clause requires a system to hold.
    pub artifacts: Vec<Artifact>,
    /// Raw seed line range (inclusive) of the 例文 in seed 000.
    pub seed_lines: (u32, u32),
    /// The (解説) of the numbered item this clause belongs to, if the 解説 has one.
    pub commentary: Option<Commentary>,
}

impl Clause {
    /// Lead-in sentences of all headings above, outermost first.
    pub fn lead_ins(&self) -> Vec<&str> {
        self.path
            .iter()
            .filter_map(|p| p.lead_in.as_deref())
            .collect()
    }

    /// The clause with the lead-ins above it, as one text.
    pub fn full_text(&self) -> String {
        let mut parts: Vec<&str> = self.lead_ins();
        parts.push(&self.model_text);
        parts.join("\n")
    }
}

/// One heading above a clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathNode {
    /// Heading id (see [`Section::id`]).
    pub id: String,
    /// Heading title.
    pub title: Option<String>,
    /// Lead-in sentences of the heading.
    pub lead_in: Option<String>,
}

/// Stable code keys of the guideline's roles (GLOSSARY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKey {
    /// 情報セキュリティ委員会.
    Committee,
    /// 最高情報セキュリティ責任者.
    Ciso,
    /// 最高情報セキュリティアドバイザー.
    CisoAdvisor,
    /// 統括情報セキュリティ責任者.
    ChiefSecurityOfficer,
    /// 情報セキュリティ責任者.
    SecurityOfficer,
    /// 情報セキュリティ管理者.
    SecurityManager,
    /// 情報システム管理者.
    SystemManager,
    /// 情報システム担当者.
    SystemOperator,
    /// 情報セキュリティ監査統括責任者.
    AuditChief,
    /// 職員等.
    Staff,
    /// 情報セキュリティに関する統一的な窓口.
    ContactPoint,
    /// CSIRT.
    Csirt,
    /// 外部委託事業者.
    Vendor,
}

/// Japanese data of a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    /// Code key.
    pub key: RoleKey,
    /// Name in the guideline.
    pub name: String,
    /// Short forms used in the clause index.
    pub abbreviations: Vec<String>,
    /// Column of the 権限・責任等一覧表 (1-based, as inferred by the index), if it has one.
    pub matrix_column: Option<u8>,
}

/// Marks of the 権限・責任等一覧表.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// ○ 権限又は責任等を有している者.
    Holds,
    /// △ 記載がある者又は報告先等.
    Mentioned,
    /// 許 許可を与える者.
    Permits,
    /// 承 承認を与える者.
    Approves,
}

impl Mark {
    /// The symbol printed in the matrix.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Holds => "○",
            Mark::Mentioned => "△",
            Mark::Permits => "許",
            Mark::Approves => "承",
        }
    }
}

/// One role's mark on a clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMark {
    /// Who.
    pub role: RoleKey,
    /// Which mark.
    pub mark: Mark,
    /// Rebuilt from the 例文 because the matrix page is missing.
    pub reconstructed: bool,
}

/// Kinds of record a clause asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// A ledger or record (台帳・記録).
    Register,
    /// A permission or approval step.
    Approval,
    /// A recurring duty.
    Periodic,
    /// A reporting flow.
    Report,
    /// A property or setting of an asset, system, account or role.
    Attribute,
    /// A rule for people with no structured record.
    Text,
}

/// One artifact of a clause with the index's detail text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Kind.
    pub kind: ArtifactKind,
    /// Detail, e.g. "職員等 → 管理者 (CarryOut)".
    pub detail: String,
}

/// The 第3編 解説 of a clause or heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commentary {
    /// 【趣旨】.
    pub purpose: Option<String>,
    /// (解説) text.
    pub notes: Option<String>,
    /// (注n) notes.
    pub footnotes: Vec<Footnote>,
    /// Raw seed lines (first, last) this commentary was cut from.
    pub seed_lines: (u32, u32),
}

/// A numbered note （注n） of the 解説.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footnote {
    /// n.
    pub number: u32,
    /// Text without the （注n） marker.
    pub text: String,
}

/// An entry of 用語の定義.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryTerm {
    /// The term, e.g. 「多要素認証」, 「BCP」.
    pub term: String,
    /// The parenthesised expansion printed with the heading, e.g.
    /// "Busisness Continuity Plan：事業継続計画" (spelling as in the source).
    pub expansion: Option<String>,
    /// Reading (よみ); the guideline prints none.
    pub reading: Option<String>,
    /// The definition text.
    pub definition: String,
    /// For cross-reference entries (「遠隔消去機能」→「リモートワイプ機能」を参照), the target.
    pub see: Option<String>,
    /// Kana group heading (あ, か, …, A～Z).
    pub group: String,
    /// Raw seed line of the heading.
    pub seed_line: u32,
}

/// 情報資産の分類.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationTable {
    /// 機密性, 完全性, 可用性, in that order.
    pub axes: Vec<ClassificationAxis>,
    /// The alternative single-axis 重要性分類 (Ⅰ–Ⅳ).
    pub importance: ImportanceScheme,
    /// How the linearised tables were read back.
    pub notes: Vec<String>,
}

/// Axis keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisKey {
    /// 機密性.
    Confidentiality,
    /// 完全性.
    Integrity,
    /// 可用性.
    Availability,
}

/// One axis with its levels, highest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationAxis {
    /// Key.
    pub key: AxisKey,
    /// 機密性 / 完全性 / 可用性.
    pub name: String,
    /// Table caption, e.g. 「機密性による情報資産の分類」.
    pub caption: String,
    /// Levels, highest first.
    pub levels: Vec<ClassificationLevel>,
}

/// One level of an axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationLevel {
    /// 3, 2, 1.
    pub level: u8,
    /// As printed: 「機密性３」.
    pub label: String,
    /// 分類基準.
    pub criterion: String,
    /// 取扱制限, one item each.
    pub handling: Vec<String>,
}

/// The single-axis 重要性分類.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportanceScheme {
    /// 「重要性分類」.
    pub name: String,
    /// The （注１） text that introduces it.
    pub note: String,
    /// Levels Ⅰ–Ⅳ; Ⅰ is the highest.
    pub levels: Vec<ImportanceLevel>,
}

/// One level of the 重要性分類.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportanceLevel {
    /// 1 = Ⅰ (highest) … 4 = Ⅳ (lowest).
    pub rank: u8,
    /// Ⅰ, Ⅱ, Ⅲ, Ⅳ.
    pub numeral: String,
    /// What belongs to the level.
    pub description: String,
}

/// A set of revision points of a later guideline revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionSet {
    /// Stable id, `2023-01`.
    pub id: String,
    /// Title of the source document.
    pub title: String,
    /// Date of the source document (ISO).
    pub date: String,
    /// Issuer.
    pub issuer: String,
    /// The revision points.
    pub points: Vec<RevisionPoint>,
    /// 外部委託先に関するセキュリティ要件のチェックシート (sample) of the set, if any.
    pub vendor_checklist: Vec<ChecklistItem>,
}

/// One revision point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionPoint {
    /// Stable id, `2023-01-P1`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// The 原因 the revision answers, if stated.
    pub cause: Option<String>,
    /// What changes (対応 / the new 解説 text), as in the source.
    pub summary: String,
    /// Where in the guideline it lands, as the source says (e.g. 「対策基準 8. 1. 業務委託 解説 (2) 契約項目」).
    pub location: String,
    /// Clauses of this edition the point changes or adds to.
    pub affected: Vec<ClauseId>,
    /// The new wording, where the source gives it for a clause's text (empty when the point only
    /// describes the change).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Amendment>,
}

/// Which text of a clause an [`Amendment`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendedText {
    /// The 例文 ([`Clause::model_text`]).
    ModelText,
    /// The clause's own (解説) ([`Commentary::notes`] of [`Clause::commentary`]).
    Commentary,
}

impl AmendedText {
    /// Japanese name for screens.
    pub fn label(self) -> &'static str {
        match self {
            AmendedText::ModelText => "例文",
            AmendedText::Commentary => "解説",
        }
    }
}

/// New wording for part of a clause: `replaces` (found exactly once in the text) becomes
/// `new_text`. The builder checks both against the clause and the revision source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// The clause whose text changes.
    pub clause: ClauseId,
    /// 例文 or 解説.
    pub target: AmendedText,
    /// Words of this edition that the revision rewrites.
    pub replaces: String,
    /// Their new wording (which starts with them when the revision only adds words).
    pub new_text: String,
}

impl Amendment {
    /// The text this amendment changes, as this edition has it.
    pub fn current_text<'a>(&self, clause: &'a Clause) -> Option<&'a str> {
        match self.target {
            AmendedText::ModelText => Some(&clause.model_text),
            AmendedText::Commentary => clause.commentary.as_ref()?.notes.as_deref(),
        }
    }

    /// The whole text with the new wording, if `replaces` occurs exactly once in `text`.
    pub fn apply(&self, text: &str) -> Option<String> {
        (text.matches(self.replaces.as_str()).count() == 1)
            .then(|| text.replacen(self.replaces.as_str(), &self.new_text, 1))
    }
}

/// One row of the vendor security checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Item number 1–15.
    pub number: u32,
    /// 項目, e.g. 「秘密の保持」.
    pub category: String,
    /// 確認事項.
    pub requirement: String,
}

impl RoleKey {
    /// Every role, in the order of the guideline's organisation chapter.
    pub const ALL: [RoleKey; 13] = [
        RoleKey::Committee,
        RoleKey::Ciso,
        RoleKey::CisoAdvisor,
        RoleKey::ChiefSecurityOfficer,
        RoleKey::SecurityOfficer,
        RoleKey::SecurityManager,
        RoleKey::SystemManager,
        RoleKey::SystemOperator,
        RoleKey::AuditChief,
        RoleKey::Staff,
        RoleKey::ContactPoint,
        RoleKey::Csirt,
        RoleKey::Vendor,
    ];

    /// The code key, as stored in the catalog JSON (`security_manager`).
    pub fn key(self) -> &'static str {
        match self {
            RoleKey::Committee => "committee",
            RoleKey::Ciso => "ciso",
            RoleKey::CisoAdvisor => "ciso_advisor",
            RoleKey::ChiefSecurityOfficer => "chief_security_officer",
            RoleKey::SecurityOfficer => "security_officer",
            RoleKey::SecurityManager => "security_manager",
            RoleKey::SystemManager => "system_manager",
            RoleKey::SystemOperator => "system_operator",
            RoleKey::AuditChief => "audit_chief",
            RoleKey::Staff => "staff",
            RoleKey::ContactPoint => "contact_point",
            RoleKey::Csirt => "csirt",
            RoleKey::Vendor => "vendor",
        }
    }

    /// The role with this code key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

impl Mark {
    /// Every mark, in the order of the matrix legend.
    pub const ALL: [Mark; 4] = [Mark::Holds, Mark::Mentioned, Mark::Permits, Mark::Approves];

    /// The code key, as stored in the catalog JSON.
    pub fn key(self) -> &'static str {
        match self {
            Mark::Holds => "holds",
            Mark::Mentioned => "mentioned",
            Mark::Permits => "permits",
            Mark::Approves => "approves",
        }
    }

    /// The legend of the 権限・責任等一覧表.
    pub fn label(self) -> &'static str {
        match self {
            Mark::Holds => "権限又は責任等を有する",
            Mark::Mentioned => "記載がある・報告先等",
            Mark::Permits => "許可を与える",
            Mark::Approves => "承認を与える",
        }
    }

    /// The mark with this code key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }
}

impl ArtifactKind {
    /// Every kind.
    pub const ALL: [ArtifactKind; 6] = [
        ArtifactKind::Register,
        ArtifactKind::Approval,
        ArtifactKind::Periodic,
        ArtifactKind::Report,
        ArtifactKind::Attribute,
        ArtifactKind::Text,
    ];

    /// The code key, as stored in the catalog JSON.
    pub fn key(self) -> &'static str {
        match self {
            ArtifactKind::Register => "register",
            ArtifactKind::Approval => "approval",
            ArtifactKind::Periodic => "periodic",
            ArtifactKind::Report => "report",
            ArtifactKind::Attribute => "attribute",
            ArtifactKind::Text => "text",
        }
    }

    /// Japanese name for screens and exports.
    pub fn label(self) -> &'static str {
        match self {
            ArtifactKind::Register => "台帳・記録",
            ArtifactKind::Approval => "許可・承認",
            ArtifactKind::Periodic => "定期的な実施",
            ArtifactKind::Report => "報告",
            ArtifactKind::Attribute => "属性・設定",
            ArtifactKind::Text => "遵守事項（記録なし）",
        }
    }

    /// The kind with this code key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The hand-written keys must be the serde names, or query strings and JSON would disagree.
    #[test]
    fn keys_are_the_serde_names() {
        let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        for r in RoleKey::ALL {
            assert_eq!(json(serde_json::to_value(r).unwrap()), r.key());
            assert_eq!(RoleKey::parse(r.key()), Some(r));
        }
        for m in Mark::ALL {
            assert_eq!(json(serde_json::to_value(m).unwrap()), m.key());
            assert_eq!(Mark::parse(m.key()), Some(m));
        }
        for k in ArtifactKind::ALL {
            assert_eq!(json(serde_json::to_value(k).unwrap()), k.key());
            assert_eq!(ArtifactKind::parse(k.key()), Some(k));
        }
        assert_eq!(ArtifactKind::parse("nope"), None);
    }
}
