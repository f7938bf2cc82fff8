//! The committed catalog files under `catalog/` and the copy embedded in the binary.
//!
//! Layout (pretty-printed JSON, one record per clause so diffs stay small):
//! - `edition.json`: the edition and the two part records (`B`, `S`);
//! - `roles.json`: the roles with their Japanese names;
//! - `clauses/B.json`, `clauses/S-1.json` … `clauses/S-9.json`: per chapter, its headings
//!   (`sections`) and leaf clauses in document order;
//! - `glossary.json`, `classification.json`, `revisions-2023.json`.

use crate::model::{
    Catalog, ClassificationTable, Clause, Edition, GlossaryTerm, RevisionSet, RoleInfo, Section,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Chapter files, in document order.
pub const CHAPTERS: &[&str] = &[
    "B", "S-1", "S-2", "S-3", "S-4", "S-5", "S-6", "S-7", "S-8", "S-9",
];

/// The committed files, embedded at compile time.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "edition.json",
        include_str!("../../../catalog/edition.json"),
    ),
    ("roles.json", include_str!("../../../catalog/roles.json")),
    (
        "glossary.json",
        include_str!("../../../catalog/glossary.json"),
    ),
    (
        "classification.json",
        include_str!("../../../catalog/classification.json"),
    ),
    (
        "revisions-2023.json",
        include_str!("../../../catalog/revisions-2023.json"),
    ),
    (
        "clauses/B.json",
        include_str!("../../../catalog/clauses/B.json"),
    ),
    (
        "clauses/S-1.json",
        include_str!("../../../catalog/clauses/S-1.json"),
    ),
    (
        "clauses/S-2.json",
        include_str!("../../../catalog/clauses/S-2.json"),
    ),
    (
        "clauses/S-3.json",
        include_str!("../../../catalog/clauses/S-3.json"),
    ),
    (
        "clauses/S-4.json",
        include_str!("../../../catalog/clauses/S-4.json"),
    ),
    (
        "clauses/S-5.json",
        include_str!("../../../catalog/clauses/S-5.json"),
    ),
    (
        "clauses/S-6.json",
        include_str!("../../../catalog/clauses/S-6.json"),
    ),
    (
        "clauses/S-7.json",
        include_str!("../../../catalog/clauses/S-7.json"),
    ),
    (
        "clauses/S-8.json",
        include_str!("../../../catalog/clauses/S-8.json"),
    ),
    (
        "clauses/S-9.json",
        include_str!("../../../catalog/clauses/S-9.json"),
    ),
];

/// Why the embedded or committed catalog cannot be read. Shown to users, hence Japanese.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file is missing from the catalog.
    #[error("ガイドラインカタログのファイル {0} がありません")]
    Missing(String),
    /// A file is not valid catalog JSON.
    #[error("ガイドラインカタログのファイル {file} を読み込めません: {source}")]
    Parse {
        /// Which file.
        file: String,
        /// The JSON error (line and column).
        source: serde_json::Error,
    },
}

/// Why the catalog files cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Serialisation failed.
    #[error("cannot serialise {file}: {source}")]
    Json {
        /// Which file.
        file: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct EditionFile {
    edition: Edition,
    parts: Vec<Section>,
}

#[derive(Serialize, Deserialize)]
struct ChapterFile {
    chapter: String,
    sections: Vec<Section>,
    clauses: Vec<Clause>,
}

fn chapter_of_section(id: &str) -> Option<String> {
    if id.len() == 1 {
        return None;
    }
    let (head, _) = id.split_once('.').unwrap_or((id, ""));
    Some(if head.starts_with('B') {
        "B".to_owned()
    } else {
        head.to_owned()
    })
}

fn pretty<T: Serialize>(file: &str, value: &T) -> Result<String, WriteError> {
    let mut s = serde_json::to_string_pretty(value).map_err(|source| WriteError::Json {
        file: file.to_owned(),
        source,
    })?;
    s.push('\n');
    Ok(s)
}

/// The catalog as (relative path, file content) pairs, in the committed layout.
pub fn to_files(catalog: &Catalog) -> Result<Vec<(String, String)>, WriteError> {
    let mut out = Vec::new();
    let parts: Vec<Section> = catalog
        .sections
        .iter()
        .filter(|s| chapter_of_section(&s.id).is_none())
        .cloned()
        .collect();
    out.push((
        "edition.json".to_owned(),
        pretty(
            "edition.json",
            &EditionFile {
                edition: catalog.edition.clone(),
                parts,
            },
        )?,
    ));
    out.push((
        "roles.json".to_owned(),
        pretty("roles.json", &catalog.roles)?,
    ));
    out.push((
        "glossary.json".to_owned(),
        pretty("glossary.json", &catalog.glossary)?,
    ));
    out.push((
        "classification.json".to_owned(),
        pretty("classification.json", &catalog.classification)?,
    ));
    let rev = catalog.revisions.iter().find(|r| r.id.starts_with("2023"));
    out.push((
        "revisions-2023.json".to_owned(),
        pretty("revisions-2023.json", &rev)?,
    ));
    for ch in CHAPTERS {
        let file = format!("clauses/{ch}.json");
        let chapter = ChapterFile {
            chapter: (*ch).to_owned(),
            sections: catalog
                .sections
                .iter()
                .filter(|s| chapter_of_section(&s.id).as_deref() == Some(*ch))
                .cloned()
                .collect(),
            clauses: catalog
                .clauses
                .iter()
                .filter(|c| c.id.chapter_key() == *ch)
                .cloned()
                .collect(),
        };
        out.push((file.clone(), pretty(&file, &chapter)?));
    }
    Ok(out)
}

/// Writes the catalog files under `dir` (creating `dir/clauses`).
pub fn write_dir(catalog: &Catalog, dir: &Path) -> Result<(), WriteError> {
    let clauses = dir.join("clauses");
    std::fs::create_dir_all(&clauses).map_err(|source| WriteError::Io {
        path: clauses.clone(),
        source,
    })?;
    for (rel, content) in to_files(catalog)? {
        let path = dir.join(&rel);
        std::fs::write(&path, content).map_err(|source| WriteError::Io { path, source })?;
    }
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(
    get: &dyn Fn(&str) -> Option<String>,
    file: &str,
) -> Result<T, LoadError> {
    let text = get(file).ok_or_else(|| LoadError::Missing(file.to_owned()))?;
    serde_json::from_str(&text).map_err(|source| LoadError::Parse {
        file: file.to_owned(),
        source,
    })
}

/// Reads a catalog from files given by relative path.
pub fn from_files(get: &dyn Fn(&str) -> Option<String>) -> Result<Catalog, LoadError> {
    let edition: EditionFile = parse(get, "edition.json")?;
    let roles: Vec<RoleInfo> = parse(get, "roles.json")?;
    let glossary: Vec<GlossaryTerm> = parse(get, "glossary.json")?;
    let classification: ClassificationTable = parse(get, "classification.json")?;
    let rev: Option<RevisionSet> = parse(get, "revisions-2023.json")?;
    let mut sections = Vec::new();
    let mut clauses = Vec::new();
    for ch in CHAPTERS {
        let file: ChapterFile = parse(get, &format!("clauses/{ch}.json"))?;
        // Each part record comes before its first chapter, as in document order.
        let part_letter = if *ch == "B" {
            Some("B")
        } else if *ch == "S-1" {
            Some("S")
        } else {
            None
        };
        if let Some(letter) = part_letter {
            sections.extend(edition.parts.iter().filter(|p| p.id == letter).cloned());
        }
        sections.extend(file.sections);
        clauses.extend(file.clauses);
    }
    Ok(Catalog {
        edition: edition.edition,
        roles,
        sections,
        clauses,
        glossary,
        classification,
        revisions: rev.into_iter().collect(),
    })
}

/// Reads a catalog from a directory in the committed layout.
pub fn load_dir(dir: &Path) -> Result<Catalog, LoadError> {
    from_files(&|rel| std::fs::read_to_string(dir.join(rel)).ok())
}

/// The catalog embedded in the binary.
pub fn load_embedded() -> Result<Catalog, LoadError> {
    from_files(&|rel| {
        EMBEDDED
            .iter()
            .find(|(name, _)| *name == rel)
            .map(|(_, text)| (*text).to_owned())
    })
}
