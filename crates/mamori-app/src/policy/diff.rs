//! 新旧対照: two sides (an edition or the guideline) resolved to clauses and compared.

use super::*;

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffSide {
    /// The guideline's 例文 as published, every clause included.
    Guideline,
    Edition(EditionNumber),
}

impl DiffSide {
    /// 「guideline」 / 「ガイドライン」 or an edition number.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "guideline" | "ガイドライン" => Ok(Self::Guideline),
            other => EditionNumber::parse(other).map(Self::Edition),
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Guideline => "ガイドライン".to_owned(),
            Self::Edition(n) => n.to_string(),
        }
    }
}

/// The clauses of a policy in document order, as the diff compares them — for an edition in the
/// body's own structure, its provisions; otherwise each guideline clause
/// the profile includes, with its wording, and the body's own clauses after the clause they
/// follow (or at the end).
pub fn resolve_clauses(
    profile: &Profile,
    catalog: &Catalog,
) -> Vec<mamori_domain::diff::DiffClause> {
    use mamori_domain::diff::DiffClause;
    // The body's own document: its provisions, matched across editions by their keys.
    if let Some(own) = &profile.document {
        return own
            .provisions
            .iter()
            .map(|p| DiffClause {
                key: p.key.clone(),
                label: p.caption(),
                text: p.text.clone(),
            })
            .collect();
    }
    let local = |c: &LocalClause| DiffClause {
        key: c.key.clone(),
        label: format!("{} {}（独自）", c.number, c.title),
        text: c.text.clone(),
    };
    let mut out = Vec::new();
    for clause in &catalog.clauses {
        let id = clause.id.as_str();
        if profile.includes(id, clause.recommended) {
            out.push(DiffClause {
                key: id.to_owned(),
                label: format!("{id} {}", clause.title),
                text: profile.amendments.get(id).map_or_else(
                    || profile.guideline_text(id, &clause.model_text),
                    |a| a.text.clone(),
                ),
            });
        }
        out.extend(
            profile
                .local_clauses
                .iter()
                .filter(|c| c.after.as_deref() == Some(id))
                .map(local),
        );
    }
    out.extend(
        profile
            .local_clauses
            .iter()
            .filter(|c| {
                c.after
                    .as_deref()
                    .is_none_or(|a| catalog.clause(a).is_none())
            })
            .map(local),
    );
    out
}

/// The guideline itself as a list of clauses.
pub fn guideline_clauses(catalog: &Catalog) -> Vec<mamori_domain::diff::DiffClause> {
    catalog
        .clauses
        .iter()
        .map(|c| mamori_domain::diff::DiffClause {
            key: c.id.to_string(),
            label: format!("{} {}", c.id, c.title),
            text: c.model_text.clone(),
        })
        .collect()
}

impl App {
    /// Compares two editions of a body, or an edition with the guideline. `include_drafts`
    /// is for editors and the console; staff compare decided editions only.
    pub async fn policy_diff(
        &self,
        body: mamori_domain::ids::BodyId,
        from: DiffSide,
        to: DiffSide,
        include_drafts: bool,
    ) -> Result<mamori_domain::diff::ClauseDiff, AppError> {
        let catalog = guideline()?;
        let mut conn = self.store().conn().await?;
        let mut side =
            async |s: DiffSide| -> Result<Vec<mamori_domain::diff::DiffClause>, AppError> {
                match s {
                    DiffSide::Guideline => Ok(guideline_clauses(catalog)),
                    DiffSide::Edition(n) => {
                        let e = policy::find_edition(&mut conn, body, n)
                            .await?
                            .filter(|e| {
                                include_drafts
                                    || !matches!(
                                        e.status,
                                        EditionStatus::Draft | EditionStatus::UnderReview
                                    )
                            })
                            .ok_or_else(|| AppError::NotFound(format!("{n}")))?;
                        Ok(resolve_clauses(&e.profile, catalog))
                    }
                }
            };
        let old = side(from).await?;
        let new = side(to).await?;
        Ok(mamori_domain::diff::clause_diff(&old, &new)?)
    }
}
