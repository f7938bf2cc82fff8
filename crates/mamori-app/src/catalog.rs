//! Reading the guideline catalog: the chapter tree, clause lists with filters, one clause with its
//! 解説, Japanese full-text search, glossary, classification tables and revision sets.
//!
//! The catalog is public guideline text shipped in the binary, so any signed-in user may read it:
//! no permission value is needed (the screens still require a session, like every screen).
//! It is parsed and indexed once per process, on first use, and shared by every `App`: the data
//! is immutable and identical for all of them, and the tests start many apps in one process.

use std::sync::OnceLock;

use mamori_catalog::{
    AmendedText, Amendment, ArtifactKind, Catalog, ClassificationTable, Clause, Commentary,
    Edition, GlossaryTerm, Mark, Part, RevisionPoint, RevisionSet, RoleInfo, RoleKey, RoleMark,
    SearchIndex, Section, SectionLevel, Segment, highlight,
};
use mamori_domain::DomainError;

use crate::{App, AppError};

/// Results shown at most for one search; a query that matches more is too broad to read anyway.
pub const SEARCH_LIMIT: usize = 100;
/// Longest query accepted, in characters.
pub const QUERY_MAX_CHARS: usize = 100;

/// The loaded catalog with its search index.
pub struct GuidelineCatalog {
    catalog: Catalog,
    index: SearchIndex,
}

impl std::fmt::Debug for GuidelineCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuidelineCatalog")
            .field("edition", &self.catalog.edition.id)
            .field("clauses", &self.catalog.clauses.len())
            .finish_non_exhaustive()
    }
}

static EMBEDDED: OnceLock<Result<GuidelineCatalog, String>> = OnceLock::new();

impl App {
    /// The guideline catalog embedded in the binary.
    pub fn catalog(&self) -> Result<&'static GuidelineCatalog, AppError> {
        GuidelineCatalog::embedded()
    }
}

/// Which clauses to list. Every criterion narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClauseFilter {
    /// A part, chapter, section or item heading id (`S-4.1`): clauses under it.
    pub section: Option<String>,
    /// 【推奨事項】 only.
    pub recommended_only: bool,
    pub artifact: Option<ArtifactKind>,
    pub role: Option<RoleKey>,
    /// With `role`: only clauses where that role has this mark; alone: any role with it.
    pub mark: Option<Mark>,
}

impl ClauseFilter {
    /// Reads the filter from form values as typed; empty values mean "any".
    pub fn parse(
        section: Option<&str>,
        recommended_only: bool,
        artifact: Option<&str>,
        role: Option<&str>,
        mark: Option<&str>,
    ) -> Result<Self, DomainError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty())
        }
        let artifact = given(artifact)
            .map(|k| {
                ArtifactKind::parse(k).ok_or_else(|| {
                    DomainError::new("成果物の種類", format!("「{k}」は一覧にない種類です"))
                })
            })
            .transpose()?;
        let role = given(role)
            .map(|k| {
                RoleKey::parse(k)
                    .ok_or_else(|| DomainError::new("役割", format!("「{k}」は一覧にない役割です")))
            })
            .transpose()?;
        let mark = given(mark)
            .map(|k| {
                Mark::parse(k).ok_or_else(|| {
                    DomainError::new("権限の印", format!("「{k}」は一覧にない印です"))
                })
            })
            .transpose()?;
        Ok(Self {
            section: given(section).map(str::to_owned),
            recommended_only,
            artifact,
            role,
            mark,
        })
    }

    /// Whether any criterion is set.
    pub fn is_active(&self) -> bool {
        self.section.is_some()
            || self.recommended_only
            || self.artifact.is_some()
            || self.role.is_some()
            || self.mark.is_some()
    }

    fn matches(&self, clause: &Clause) -> bool {
        if let Some(section) = &self.section
            && clause.id.as_str() != section
            && !clause.path.iter().any(|p| &p.id == section)
        {
            return false;
        }
        if self.recommended_only && !clause.recommended {
            return false;
        }
        if let Some(kind) = self.artifact
            && !clause.artifacts.iter().any(|a| a.kind == kind)
        {
            return false;
        }
        match (self.role, self.mark) {
            (Some(role), mark) => clause
                .roles
                .iter()
                .any(|r| r.role == role && mark.is_none_or(|m| r.mark == m)),
            (None, Some(mark)) => clause.roles.iter().any(|r| r.mark == mark),
            (None, None) => true,
        }
    }
}

/// One entry of the chapter tree.
#[derive(Debug, Clone)]
pub struct TreeNode {
    /// Heading id, or the clause id for a chapter or section that is itself a clause (`B-1`).
    pub id: String,
    /// Number as printed, without the part letter: `4`, `4.1`.
    pub number: String,
    pub title: String,
    /// Clauses under it.
    pub count: usize,
    /// True when the entry is a clause (link to the clause, not to a filter).
    pub is_clause: bool,
    pub children: Vec<TreeNode>,
}

/// 基本方針 or 対策基準 with its chapters.
#[derive(Debug, Clone)]
pub struct TreePart {
    pub id: String,
    pub title: String,
    pub count: usize,
    pub chapters: Vec<TreeNode>,
}

/// A heading or clause the guideline text refers to (e.g. a revision point's affected item).
#[derive(Debug, Clone, Copy)]
pub enum CatalogRef<'a> {
    Clause(&'a Clause),
    Section(&'a Section),
    Unknown,
}

/// A piece of 解説 with the heading it belongs to.
#[derive(Debug, Clone)]
pub struct CommentaryBlock<'a> {
    /// Heading or clause id the commentary is stored on.
    pub id: &'a str,
    /// Its title, e.g. 「情報資産の運搬」.
    pub title: Option<&'a str>,
    pub commentary: &'a Commentary,
}

/// One clause with everything its page shows.
#[derive(Debug, Clone)]
pub struct ClauseDetail<'a> {
    pub clause: &'a Clause,
    /// Outermost first.
    pub commentary: Vec<CommentaryBlock<'a>>,
    pub previous: Option<&'a Clause>,
    pub next: Option<&'a Clause>,
    /// Revision points that change this clause or a heading above it.
    pub revisions: Vec<(&'a RevisionSet, &'a RevisionPoint)>,
}

/// One search result, with its title and snippet split for marking the query words.
#[derive(Debug, Clone)]
pub struct SearchResult<'a> {
    pub clause: &'a Clause,
    pub score: u32,
    pub title: Vec<Segment>,
    pub snippet: Vec<Segment>,
}

/// The results of one query.
#[derive(Debug, Clone)]
pub struct SearchResults<'a> {
    /// All matches; `results` holds at most [`SEARCH_LIMIT`] of them, best first.
    pub total: usize,
    pub results: Vec<SearchResult<'a>>,
}

/// A revision's new wording beside this edition's: the whole 例文, or the paragraph of the 解説
/// that changes.
#[derive(Debug, Clone)]
pub struct AmendedWording<'a> {
    pub clause: &'a Clause,
    pub target: AmendedText,
    pub old: String,
    pub new: String,
}

/// The 権限・責任等一覧表 as a grid: the catalog's roles as columns, clauses with marks as rows,
/// grouped by chapter.
#[derive(Debug, Clone)]
pub struct AuthorityMatrix<'a> {
    /// Column order.
    pub roles: &'a [RoleInfo],
    pub chapters: Vec<MatrixChapter<'a>>,
}

impl AuthorityMatrix<'_> {
    /// Rows in all chapters.
    pub fn row_count(&self) -> usize {
        self.chapters.iter().map(|c| c.rows.len()).sum()
    }
}

/// The rows of one chapter (or of a part's clauses that stand directly under it).
#[derive(Debug, Clone)]
pub struct MatrixChapter<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub rows: Vec<MatrixRow<'a>>,
}

/// One clause: for each column of [`AuthorityMatrix::roles`], that role's mark, if any.
#[derive(Debug, Clone)]
pub struct MatrixRow<'a> {
    pub clause: &'a Clause,
    pub cells: Vec<Option<&'a RoleMark>>,
}

impl GuidelineCatalog {
    /// The catalog embedded in the binary, parsed and indexed on first use.
    pub fn embedded() -> Result<&'static Self, AppError> {
        EMBEDDED
            .get_or_init(|| {
                mamori_catalog::load_embedded()
                    .map(Self::new)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| AppError::Internal(e.clone()))
    }

    /// Indexes a catalog (the embedded one, or another edition).
    pub fn new(catalog: Catalog) -> Self {
        let index = SearchIndex::new(&catalog);
        Self { catalog, index }
    }

    /// The whole catalog, for exports.
    pub fn data(&self) -> &Catalog {
        &self.catalog
    }

    pub fn edition(&self) -> &Edition {
        &self.catalog.edition
    }

    pub fn roles(&self) -> &[RoleInfo] {
        &self.catalog.roles
    }

    /// Japanese name of a role.
    pub fn role_name(&self, key: RoleKey) -> &str {
        self.catalog
            .role(key)
            .map_or(key.key(), |r| r.name.as_str())
    }

    pub fn glossary(&self) -> &[GlossaryTerm] {
        &self.catalog.glossary
    }

    pub fn classification(&self) -> &ClassificationTable {
        &self.catalog.classification
    }

    pub fn revisions(&self) -> &[RevisionSet] {
        &self.catalog.revisions
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.catalog.section(id)
    }

    /// What an id in guideline text points at.
    pub fn resolve(&self, id: &str) -> CatalogRef<'_> {
        if let Some(c) = self.catalog.clause(id) {
            CatalogRef::Clause(c)
        } else if let Some(s) = self.catalog.section(id) {
            CatalogRef::Section(s)
        } else {
            CatalogRef::Unknown
        }
    }

    /// The clauses that pass the filter, in document order. An unknown heading is an input
    /// error, so a mistyped link never shows an empty list as if it were an answer.
    pub fn clauses(&self, filter: &ClauseFilter) -> Result<Vec<&Clause>, AppError> {
        if let Some(section) = &filter.section
            && self.catalog.section(section).is_none()
            && self.catalog.clause(section).is_none()
        {
            return Err(DomainError::new(
                "章・節",
                format!("「{section}」はガイドラインにない章・節です"),
            )
            .into());
        }
        Ok(self
            .catalog
            .clauses
            .iter()
            .filter(|c| filter.matches(c))
            .collect())
    }

    /// Old and new wording of an amendment; `None` when the clause or the words it replaces are
    /// not in this catalog (the builder checks they are for the embedded one).
    pub fn amended_wording(&self, a: &Amendment) -> Option<AmendedWording<'_>> {
        let clause = self.catalog.clause(a.clause.as_str())?;
        let text = a.current_text(clause)?;
        let (old, new) = match a.target {
            AmendedText::ModelText => (text.to_owned(), a.apply(text)?),
            AmendedText::Commentary => match text.lines().find(|l| l.contains(&a.replaces)) {
                Some(paragraph) => (paragraph.to_owned(), a.apply(paragraph)?),
                None => (text.to_owned(), a.apply(text)?),
            },
        };
        Some(AmendedWording {
            clause,
            target: a.target,
            old,
            new,
        })
    }

    /// The authority matrix of the clauses that pass the filter (typically `role` and `mark`:
    /// 「情報セキュリティ管理者が許可するもの」); clauses without any mark are not rows.
    pub fn matrix(&self, filter: &ClauseFilter) -> Result<AuthorityMatrix<'_>, AppError> {
        let roles = self.catalog.roles.as_slice();
        let mut chapters: Vec<MatrixChapter<'_>> = Vec::new();
        for clause in self.clauses(filter)? {
            if clause.roles.is_empty() {
                continue;
            }
            let cells = roles
                .iter()
                .map(|r| clause.roles.iter().find(|m| m.role == r.key))
                .collect();
            let row = MatrixRow { clause, cells };
            let Some(group) = clause.path.get(1).or_else(|| clause.path.first()) else {
                continue;
            };
            match chapters.last_mut() {
                Some(ch) if ch.id == group.id => ch.rows.push(row),
                _ => chapters.push(MatrixChapter {
                    id: &group.id,
                    title: group.title.as_deref(),
                    rows: vec![row],
                }),
            }
        }
        Ok(AuthorityMatrix { roles, chapters })
    }

    /// 基本方針 and 対策基準 with their chapters and sections, and the clause count of each.
    pub fn tree(&self) -> Vec<TreePart> {
        let count_under = |id: &str| {
            self.catalog
                .clauses
                .iter()
                .filter(|c| c.path.iter().any(|p| p.id == id))
                .count()
        };
        let number = |id: &str| id.split_once('-').map_or("", |(_, n)| n).to_owned();
        let mut parts = Vec::new();
        for part in [Part::BasicPolicy, Part::Standards] {
            let part_id = part.letter().to_string();
            let mut chapters: Vec<TreeNode> = Vec::new();
            for clause in self.catalog.clauses.iter().filter(|c| c.part == part) {
                // A clause directly under the part is a chapter of its own (B-1 目的).
                let Some(chapter) = clause.path.get(1) else {
                    chapters.push(TreeNode {
                        id: clause.id.as_str().to_owned(),
                        number: number(clause.id.as_str()),
                        title: clause.title.clone(),
                        count: 1,
                        is_clause: true,
                        children: Vec::new(),
                    });
                    continue;
                };
                if chapters.last().is_some_and(|c| c.id == chapter.id) {
                    continue;
                }
                let children = self
                    .catalog
                    .sections
                    .iter()
                    .filter(|s| {
                        s.level == SectionLevel::Section
                            && s.id.starts_with(&format!("{}.", chapter.id))
                    })
                    .map(|s| TreeNode {
                        id: s.id.clone(),
                        number: number(&s.id),
                        title: s.title.clone().unwrap_or_default(),
                        count: count_under(&s.id),
                        is_clause: false,
                        children: Vec::new(),
                    })
                    .collect();
                chapters.push(TreeNode {
                    id: chapter.id.clone(),
                    number: number(&chapter.id),
                    title: chapter.title.clone().unwrap_or_default(),
                    count: count_under(&chapter.id),
                    is_clause: false,
                    children,
                });
            }
            let title = self
                .catalog
                .section(&part_id)
                .and_then(|s| s.title.clone())
                .unwrap_or_default();
            parts.push(TreePart {
                count: count_under(&part_id),
                id: part_id,
                title,
                chapters,
            });
        }
        parts
    }

    /// One clause by its canonical id, with its 解説, neighbours and revisions.
    pub fn clause(&self, id: &str) -> Result<ClauseDetail<'_>, AppError> {
        let clause = self
            .catalog
            .clause(id)
            .ok_or_else(|| AppError::NotFound(format!("条項「{id}」")))?;
        let order = clause.order as usize;
        let commentary = self
            .catalog
            .commentary_for(clause)
            .into_iter()
            .map(|(at, commentary)| CommentaryBlock {
                id: at,
                title: if at == clause.id.as_str() {
                    Some(clause.title.as_str())
                } else {
                    self.catalog.section(at).and_then(|s| s.title.as_deref())
                },
                commentary,
            })
            .collect();
        let revisions = self
            .catalog
            .revisions
            .iter()
            .flat_map(|set| set.points.iter().map(move |p| (set, p)))
            .filter(|(_, p)| {
                p.affected.iter().any(|a| {
                    a.as_str() == clause.id.as_str()
                        || clause.path.iter().any(|n| n.id == a.as_str())
                })
            })
            .collect();
        Ok(ClauseDetail {
            clause,
            commentary,
            previous: order
                .checked_sub(1)
                .and_then(|i| self.catalog.clauses.get(i)),
            next: self.catalog.clauses.get(order + 1),
            revisions,
        })
    }

    /// Full-text search over 例文 and 解説, best first, with the query words marked.
    pub fn search(&self, query: &str) -> Result<SearchResults<'_>, AppError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(DomainError::new("検索語", "検索する語を入力してください").into());
        }
        if query.chars().count() > QUERY_MAX_CHARS {
            return Err(DomainError::new(
                "検索語",
                format!("{QUERY_MAX_CHARS}文字以内で入力してください"),
            )
            .into());
        }
        let hits = self.index.search(query);
        let total = hits.len();
        let results = hits
            .into_iter()
            .take(SEARCH_LIMIT)
            .filter_map(|hit| {
                let clause = self.catalog.clause(hit.clause_id.as_str())?;
                Some(SearchResult {
                    clause,
                    score: hit.score,
                    title: highlight(&clause.title, query),
                    snippet: highlight(&hit.snippet, query),
                })
            })
            .collect();
        Ok(SearchResults { total, results })
    }
}

/// The embedded guideline catalog (shared with the catalog screens, parsed once per process).
pub fn guideline() -> Result<&'static mamori_catalog::Catalog, AppError> {
    GuidelineCatalog::embedded().map(|g| g.data())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn catalog() -> &'static GuidelineCatalog {
        GuidelineCatalog::embedded().unwrap()
    }

    #[test]
    fn lists_every_clause_and_the_recommended_ones() {
        let c = catalog();
        assert_eq!(c.clauses(&ClauseFilter::default()).unwrap().len(), 373);
        let recommended = ClauseFilter {
            recommended_only: true,
            ..Default::default()
        };
        assert_eq!(c.clauses(&recommended).unwrap().len(), 17);
    }

    #[test]
    fn filters_by_section_role_and_mark() {
        let c = catalog();
        let f = ClauseFilter::parse(
            Some("S-2.(2)⑧"),
            false,
            Some("approval"),
            Some("security_manager"),
            Some("permits"),
        )
        .unwrap();
        let ids: Vec<_> = c
            .clauses(&f)
            .unwrap()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert!(ids.contains(&"S-2.(2)⑧(イ)"), "{ids:?}");
        let unknown = ClauseFilter::parse(Some("S-99"), false, None, None, None).unwrap();
        assert!(matches!(c.clauses(&unknown), Err(AppError::Invalid(_))));
        let bad = ClauseFilter::parse(None, false, Some("nope"), None, None).unwrap_err();
        assert_eq!(bad.field, "成果物の種類");
    }

    #[test]
    fn the_matrix_lists_what_the_security_manager_permits() {
        let c = catalog();
        let f = ClauseFilter::parse(None, false, None, Some("security_manager"), Some("permits"))
            .unwrap();
        let m = c.matrix(&f).unwrap();
        assert_eq!(m.roles.len(), c.roles().len());
        assert_eq!(m.row_count(), 9);
        let col = m
            .roles
            .iter()
            .position(|r| r.key == RoleKey::SecurityManager)
            .unwrap();
        for row in m.chapters.iter().flat_map(|ch| &ch.rows) {
            assert_eq!(row.cells.len(), m.roles.len());
            assert_eq!(row.cells[col].map(|r| r.mark), Some(Mark::Permits));
        }
        let all = c.matrix(&ClauseFilter::default()).unwrap();
        assert_eq!(all.row_count(), 318);
        assert!(all.chapters.iter().any(|ch| ch.id == "S-6"));
    }

    #[test]
    fn a_revision_gives_new_wording_for_the_contract_clause() {
        let c = catalog();
        let p1 = &c.revisions()[0].points[0];
        let w = c.amended_wording(&p1.amendments[0]).unwrap();
        assert_eq!(w.clause.id.as_str(), "S-8.1.(2)");
        assert_eq!(w.old, w.clause.model_text);
        assert!(
            w.new
                .contains("アクセス方法の明確化など、情報のライフサイクル全般での管理の実施")
        );
        assert_eq!(
            w.new.len(),
            w.old.len() + "の明確化など、情報のライフサイクル全般での管理の実施".len()
        );
        for a in c
            .revisions()
            .iter()
            .flat_map(|s| &s.points)
            .flat_map(|p| &p.amendments)
        {
            let w = c.amended_wording(a).unwrap();
            assert_ne!(w.old, w.new);
            if a.target == AmendedText::Commentary {
                assert!(!w.old.contains('\n'), "one paragraph of the 解説");
            }
        }
    }

    #[test]
    fn the_tree_counts_every_clause_once() {
        let tree = catalog().tree();
        assert_eq!(tree.len(), 2);
        assert_eq!((tree[0].count, tree[1].count), (38, 335));
        let chapters: usize = tree.iter().flat_map(|p| &p.chapters).map(|c| c.count).sum();
        assert_eq!(chapters, 373);
        let s4 = tree[1].chapters.iter().find(|c| c.id == "S-4").unwrap();
        assert_eq!(s4.number, "4");
        assert_eq!(s4.children.len(), 4);
        assert_eq!(s4.children[0].number, "4.1");
    }

    #[test]
    fn a_clause_has_neighbours_and_its_revisions() {
        let d = catalog().clause("S-2.(2)⑧(イ)").unwrap();
        assert_eq!(d.clause.title, "情報資産運搬の許可");
        assert!(d.previous.is_some() && d.next.is_some());
        assert!(d.revisions.iter().any(|(_, p)| p.id == "2023-01-P2"));
        assert!(catalog().clause("B-1").unwrap().previous.is_none());
        assert!(matches!(
            catalog().clause("S-0"),
            Err(AppError::NotFound(_))
        ));
    }

    #[test]
    fn search_marks_the_words_and_refuses_a_blank_query() {
        let r = catalog().search("持ち出し").unwrap();
        assert!(r.total > 0);
        assert!(
            r.results[0]
                .snippet
                .iter()
                .chain(&r.results[0].title)
                .any(|s| s.hit)
        );
        assert!(matches!(catalog().search("  "), Err(AppError::Invalid(_))));
    }
}
