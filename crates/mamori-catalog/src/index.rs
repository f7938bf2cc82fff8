//! Reading the clause indexes (`clause-index-a.md`, `clause-index-b.md`): one markdown table row
//! per leaf clause with its id, title, 推奨 flag, roles and marks, artifact and seed line range.

use crate::build::BuildError;
use crate::id::ClauseId;
use crate::model::{Artifact, ArtifactKind, Mark, RoleKey, RoleMark};

/// One row of a clause index.
#[derive(Debug, Clone)]
pub struct IndexRow {
    /// Canonical id.
    pub id: ClauseId,
    /// 見出し/要旨 (without the † of rebuilt rows).
    pub title: String,
    /// English summary.
    pub summary_en: String,
    /// `R` in the 推奨 column.
    pub recommended: bool,
    /// The roles cell verbatim.
    pub roles_source: String,
    /// Parsed marks.
    pub roles: Vec<RoleMark>,
    /// True for rows marked † (matrix page missing, marks rebuilt from the 例文).
    pub reconstructed: bool,
    /// Parsed artifact cell.
    pub artifacts: Vec<Artifact>,
    /// Seed line range, inclusive.
    pub lines: (u32, u32),
}

/// Role names as the indexes abbreviate them.
pub const ROLE_ALIASES: &[(&str, RoleKey)] = &[
    ("委員会", RoleKey::Committee),
    ("CISO", RoleKey::Ciso),
    ("統括", RoleKey::ChiefSecurityOfficer),
    ("責任者", RoleKey::SecurityOfficer),
    ("管理者", RoleKey::SecurityManager),
    ("システム管理者", RoleKey::SystemManager),
    ("担当者", RoleKey::SystemOperator),
    ("システム担当者", RoleKey::SystemOperator),
    ("監査統括", RoleKey::AuditChief),
    ("職員等", RoleKey::Staff),
    ("窓口", RoleKey::ContactPoint),
    ("CSIRT", RoleKey::Csirt),
    ("委託", RoleKey::Vendor),
    ("外部委託", RoleKey::Vendor),
];

/// Parses every clause row of one index file.
pub fn parse_index(md: &str, file: &str) -> Result<Vec<IndexRow>, BuildError> {
    let mut rows = Vec::new();
    for (i, line) in md.lines().enumerate() {
        let line_no = i + 1;
        let t = line.trim();
        if !(t.starts_with("| B-") || t.starts_with("| S-")) {
            continue;
        }
        let cells: Vec<&str> = t
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let err = |reason: String| BuildError::Index {
            file: file.to_owned(),
            line: line_no,
            reason,
        };
        let [id, title, summary, rec, roles, artifact, lines] = cells[..] else {
            return Err(err(format!("expected 7 cells, found {}", cells.len())));
        };
        let id = ClauseId::parse(id).map_err(|e| err(e.to_string()))?;
        let reconstructed = title.contains('†') || roles.contains('†');
        let recommended = match rec {
            "R" => true,
            "" => false,
            other => return Err(err(format!("推奨 cell must be R or empty, got {other:?}"))),
        };
        let lines =
            parse_range(lines).ok_or_else(|| err(format!("bad seed line range {lines:?}")))?;
        let roles_parsed = parse_roles(roles, reconstructed).map_err(&err)?;
        let artifacts = parse_artifacts(artifact).map_err(&err)?;
        rows.push(IndexRow {
            id,
            title: title.replace('†', "").trim().to_owned(),
            summary_en: summary.to_owned(),
            recommended,
            roles_source: roles.to_owned(),
            roles: roles_parsed,
            reconstructed,
            artifacts,
            lines,
        });
    }
    Ok(rows)
}

fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let a: u32 = a.trim().parse().ok()?;
    let b: u32 = b.trim().parse().ok()?;
    (a <= b && a > 0).then_some((a, b))
}

/// Removes parenthesised notes, nested ones included: "○ ×1 (inferred 管理者, continuing (ア))".
fn strip_parens(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn mark_of(s: &str) -> Option<Mark> {
    match s {
        "○" => Some(Mark::Holds),
        "△" => Some(Mark::Mentioned),
        "許" => Some(Mark::Permits),
        "承" => Some(Mark::Approves),
        _ => None,
    }
}

/// Parses a roles cell such as "許 管理者; ○ 職員等 (運搬者)". Groups without a leading mark
/// ("本市 (no role named)", "— (definition)", "matrix: 7 ○ …") name no role and give no mark;
/// "×N" counts whose columns the index could not recover give no mark either. Both stay
/// readable in `roles_source`.
pub fn parse_roles(cell: &str, reconstructed: bool) -> Result<Vec<RoleMark>, String> {
    let cleaned = strip_parens(cell).replace('†', "");
    let mut out: Vec<RoleMark> = Vec::new();
    for group in cleaned.split(';') {
        let group = group.trim();
        let mut parts = group.splitn(2, ' ');
        let Some(mark) = parts.next().and_then(mark_of) else {
            continue;
        };
        let names = parts.next().unwrap_or("");
        for name in names
            .split(',')
            .flat_map(|n| n.split(" or "))
            .flat_map(|n| n.split(" + "))
        {
            let name = name.trim();
            if name.is_empty() || name.starts_with('×') {
                continue;
            }
            let role = ROLE_ALIASES
                .iter()
                .find(|(alias, _)| *alias == name)
                .map(|(_, k)| *k)
                .ok_or_else(|| format!("unknown role {name:?} in roles cell {cell:?}"))?;
            if !out.iter().any(|m| m.role == role && m.mark == mark) {
                out.push(RoleMark {
                    role,
                    mark,
                    reconstructed,
                });
            }
        }
    }
    Ok(out)
}

const KINDS: &[(&str, ArtifactKind)] = &[
    ("REGISTER", ArtifactKind::Register),
    ("APPROVAL", ArtifactKind::Approval),
    ("PERIODIC", ArtifactKind::Periodic),
    ("REPORT", ArtifactKind::Report),
    ("ATTRIBUTE", ArtifactKind::Attribute),
    ("TEXT", ArtifactKind::Text),
];

fn kind_prefix(s: &str) -> Option<(ArtifactKind, &str)> {
    KINDS.iter().find_map(|(k, kind)| {
        let rest = s.strip_prefix(k)?;
        (rest.is_empty() || rest.starts_with(' ')).then_some((*kind, rest.trim()))
    })
}

/// Parses an artifact cell: one or more `KIND detail` items separated by `; `.
pub fn parse_artifacts(cell: &str) -> Result<Vec<Artifact>, String> {
    let mut out: Vec<Artifact> = Vec::new();
    for piece in cell.split("; ") {
        match kind_prefix(piece.trim()) {
            Some((kind, detail)) => out.push(Artifact {
                kind,
                detail: detail.to_owned(),
            }),
            // A "; " inside a detail text: it continues the previous item.
            None => match out.last_mut() {
                Some(last) => {
                    last.detail.push_str("; ");
                    last.detail.push_str(piece);
                }
                None => {
                    return Err(format!(
                        "artifact cell does not start with a kind: {cell:?}"
                    ));
                }
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn roles_cells() {
        let r = parse_roles("許 管理者; ○ 職員等 (運搬者)", false).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].role, r[0].mark),
            (RoleKey::SecurityManager, Mark::Permits)
        );
        assert_eq!((r[1].role, r[1].mark), (RoleKey::Staff, Mark::Holds));
        let r = parse_roles("○ ×1 (inferred CISO as plan owner; 職員等 attend)", false).unwrap();
        assert!(r.is_empty());
        let r = parse_roles("○ 統括 or システム管理者 †", true).unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|m| m.reconstructed));
        assert!(
            parse_roles("本市 (no role named)", false)
                .unwrap()
                .is_empty()
        );
        assert!(parse_roles("○ 市長", false).is_err());
    }

    #[test]
    fn artifact_cells() {
        let a = parse_artifacts(
            "ATTRIBUTE file-server quota; REPORT システム管理者 → 職員等 (周知), when set",
        )
        .unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].kind, ArtifactKind::Report);
        let a = parse_artifacts("TEXT").unwrap();
        assert_eq!(a[0].detail, "");
        assert!(parse_artifacts("FOO bar").is_err());
    }
}
