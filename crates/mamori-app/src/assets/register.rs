//! The register as a list: a page of assets with their classification and findings, and the
//! units an asset may belong to.

use super::*;

impl App {
    /// The rules the register screens show (scheme, role names).
    pub async fn asset_rules(&self, user: &CurrentUser) -> Result<AssetRules, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        AssetRules::of(&*crate::ruling::ruling(&mut conn, body.id).await?)
    }

    /// A page of the register, in registration order after `after`.
    pub async fn asset_page(
        &self,
        user: &CurrentUser,
        query: &AssetQuery,
        after: Option<AssetId>,
        limit: i64,
    ) -> Result<AssetPage, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (ruling, today) =
            crate::ruling::ruling_and_org(&mut conn, body.id, self.today()).await?;
        let rules = AssetRules::of(&ruling)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let filter = AssetFilter {
            unit: query.unit,
            no_unit: query.no_unit,
            kind: query.kind,
            segment: query.segment,
            status: query.status,
            at_least: query.at_least.clone(),
            text: query.text.clone(),
        };
        let mut records = store::list_assets(&mut conn, body.id, &filter, after, limit + 1).await?;
        let next = if records.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
            records.pop();
            records.last().map(|r| r.id)
        } else {
            None
        };
        let rows = records
            .iter()
            .map(|r| {
                let (classification, findings) = match rules.asset(r) {
                    Ok(a) => (
                        a.classification.to_string(),
                        asset::findings(&rules.scheme, &a, &rules.checks)
                            .map(|f| f.len())
                            .unwrap_or(0),
                    ),
                    Err(e) => (e.message, 1),
                };
                AssetRow {
                    id: r.id,
                    asset_no: r.asset_no.clone(),
                    name: r.name.clone(),
                    kind: r.kind,
                    unit: r
                        .owner_unit
                        .and_then(|u| today.units.get(&u).map(|n| n.name.clone())),
                    segment: r.segment,
                    classification,
                    status: r.status,
                    findings,
                }
            })
            .collect();
        Ok(AssetPage { rows, next })
    }

    /// Names of the body's units today, for the register's rows.
    pub(crate) async fn unit_names(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
    ) -> Result<HashMap<OrgUnitId, String>, AppError> {
        Ok(org::units_on(conn, body, self.today())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// The units an asset may belong to today, for the form's chooser.
    pub async fn asset_units(&self, user: &CurrentUser) -> Result<Vec<OrgUnit>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(org::units_on(&mut conn, body.id, self.today()).await?)
    }

    /// The acting person's unit today (where a new asset belongs by default).
    pub async fn own_unit(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
    ) -> Result<Option<OrgUnitId>, AppError> {
        let body = writer.body(user)?.id;
        let mut conn = self.store().conn().await?;
        self.writer_unit(&mut conn, body, writer).await
    }

    /// The unit a writer without `asset.manage` is bounded to.
    pub async fn writer_unit(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        writer: &AssetWriter,
    ) -> Result<Option<OrgUnitId>, AppError> {
        match writer.person() {
            Some(person) => Ok(org::find_person(conn, body, person)
                .await?
                .map(|p| p.unit_id)),
            None => Ok(None),
        }
    }
}
