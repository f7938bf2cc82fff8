//! The register's findings per unit: what the scheme's checks find missing.

use super::*;

impl App {
    /// The rule checks over the whole register, grouped by owner unit (`None`: no owner):
    /// `(unit name, [(管理番号, asset name, finding)])`.
    pub async fn asset_findings(&self, user: &CurrentUser) -> Result<Vec<UnitFindings>, AppError> {
        let body = user.body()?;
        self.asset_findings_of(body.id).await
    }

    /// [`asset_findings`](Self::asset_findings) for a body, without a signed-in user (the CLI).
    pub async fn asset_findings_of(&self, body: BodyId) -> Result<Vec<UnitFindings>, AppError> {
        let mut conn = self.store().conn().await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut conn, body).await?)?;
        let units = self.unit_names(&mut conn, body).await?;
        let mut by_unit: std::collections::BTreeMap<Option<String>, Vec<FindingLine>> =
            std::collections::BTreeMap::new();
        let mut after = None;
        loop {
            let chunk =
                store::list_assets(&mut conn, body, &AssetFilter::default(), after, 2000).await?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.id);
            for r in &chunk {
                let unit = r.owner_unit.and_then(|u| units.get(&u).cloned());
                let found = match rules.asset(r) {
                    Ok(a) => asset::findings(&rules.scheme, &a, &rules.checks)?
                        .into_iter()
                        .map(|f| (f.check.key, f.check.clause, f.check.title, f.message))
                        .collect(),
                    Err(e) => vec![(
                        "classification_unknown",
                        "S-2.(1)",
                        "分類が分類基準にない",
                        e.message,
                    )],
                };
                for (key, clause, title, message) in found {
                    by_unit.entry(unit.clone()).or_default().push(FindingLine {
                        asset: r.id,
                        asset_no: r.asset_no.clone(),
                        asset_name: r.name.clone(),
                        check: key,
                        clause,
                        title,
                        message,
                    });
                }
            }
        }
        Ok(by_unit
            .into_iter()
            .map(|(unit, findings)| UnitFindings { unit, findings })
            .collect())
    }
}

/// The findings of one unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitFindings {
    /// The unit's name; `None` for assets without an owner unit.
    pub unit: Option<String>,
    pub findings: Vec<FindingLine>,
}

/// One finding in the per-unit list.
#[derive(Debug, Clone, Serialize)]
pub struct FindingLine {
    pub asset: AssetId,
    pub asset_no: String,
    pub asset_name: String,
    pub check: &'static str,
    pub clause: &'static str,
    pub title: &'static str,
    pub message: String,
}
