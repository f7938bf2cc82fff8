//! Plain-text renderings of catalog data shared by the exports, so the OSCAL and the Excel
//! files say the same thing in the same words.

use mamori_catalog::{Catalog, Clause, Commentary, SectionLevel};

/// The 解説 that belongs to the clause itself: its own and that of the numbered item above it.
/// Chapter and section 趣旨 are left out here because they are exported once, on the chapter or
/// section, rather than repeated on every clause under it.
pub fn clause_commentary(catalog: &Catalog, clause: &Clause) -> String {
    catalog
        .commentary_for(clause)
        .into_iter()
        .filter(|(id, _)| {
            *id == clause.id.as_str()
                || catalog
                    .section(id)
                    .is_some_and(|s| s.level == SectionLevel::Item)
        })
        .map(|(_, c)| commentary_text(c))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// 【趣旨】, (解説) and （注n） as paragraphs separated by blank lines.
pub fn commentary_text(c: &Commentary) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &c.purpose {
        parts.push(format!("【趣旨】\n{p}"));
    }
    if let Some(n) = &c.notes {
        parts.push(n.clone());
    }
    for f in &c.footnotes {
        parts.push(format!("（注{}）{}", f.number, f.text));
    }
    parts.join("\n\n")
}

/// 「許 情報セキュリティ管理者」, one role per line.
pub fn roles_text(catalog: &Catalog, clause: &Clause) -> String {
    clause
        .roles
        .iter()
        .map(|r| {
            let name = catalog
                .role(r.role)
                .map_or(r.role.key(), |i| i.name.as_str());
            let mut line = format!("{} {name}", r.mark.symbol());
            if r.reconstructed {
                line.push_str("（例文から再構成）");
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// 「許可・承認: 運搬者 → 管理者」, one artifact per line.
pub fn artifacts_text(clause: &Clause) -> String {
    clause
        .artifacts
        .iter()
        .map(|a| {
            if a.detail.is_empty() {
                a.kind.label().to_owned()
            } else {
                format!("{}: {}", a.kind.label(), a.detail)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The chapter and section headings of a clause as 「2 情報資産の分類と管理」.
pub fn chapter_and_section(catalog: &Catalog, clause: &Clause) -> (String, String) {
    let heading = |level: SectionLevel| {
        clause
            .path
            .iter()
            .find(|p| catalog.section(&p.id).is_some_and(|s| s.level == level))
            .map(|p| {
                let number = p.id.split_once('-').map_or("", |(_, n)| n);
                format!("{number} {}", p.title.as_deref().unwrap_or_default())
            })
            .unwrap_or_default()
    };
    let mut chapter = heading(SectionLevel::Chapter);
    if chapter.is_empty() {
        // A clause directly under the part is a chapter of its own (B-1 目的).
        let number = clause.id.as_str().split_once('-').map_or("", |(_, n)| n);
        chapter = format!("{number} {}", clause.title);
    }
    (chapter, heading(SectionLevel::Section))
}
