//! The risk register: risks per asset or asset group rated on the body's matrix, their treatment,
//! and the heat map; the matrix and the threat catalogue are the body's data.
//!
//! The band a risk must be brought to follows from the asset's classification, asked of the
//! scheme: an asset that meets the 機密性３ marker (work only on issued devices) must reach the
//! matrix's lowest band, any other the band the matrix says may be accepted.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::DomainError;
use mamori_domain::asset::ClassMarker;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{AssetId, BodyId, PersonId, RiskId};
use mamori_domain::risk::{
    self, BandCount, Basis, Rating, Risk, RiskInput, RiskMatrix, ThreatCatalogue, Treatment,
};
use mamori_io::heatmap::heatmap_svg;
use mamori_store::assets::{self as store, RiskRecord};
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::access::{RiskEditor, RiskReader};
use crate::assets::{AssetRules, split_numbers};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// The body's matrix and threats, and whether the body has set its own.
#[derive(Debug, Clone, Serialize)]
pub struct RiskSetup {
    pub matrix: RiskMatrix,
    pub threats: ThreatCatalogue,
    pub matrix_toml: String,
    pub threats_toml: String,
    /// False while the shipped defaults apply.
    pub own: bool,
}

pub(crate) async fn setup_of(conn: &mut impl Reads, body: BodyId) -> Result<RiskSetup, AppError> {
    match store::risk_settings(conn, body).await? {
        Some((matrix_toml, threats_toml)) => Ok(RiskSetup {
            matrix: RiskMatrix::from_toml(&matrix_toml)?,
            threats: ThreatCatalogue::from_toml(&threats_toml)?,
            matrix_toml,
            threats_toml,
            own: true,
        }),
        None => {
            let matrix = RiskMatrix::three_by_three()?;
            let threats = ThreatCatalogue::default_catalogue()?;
            Ok(RiskSetup {
                matrix_toml: matrix.to_toml()?,
                threats_toml: threats.to_toml()?,
                matrix,
                threats,
                own: false,
            })
        }
    }
}

/// A risk as typed on the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct RiskForm {
    /// The 管理番号 of the asset; empty for an asset group named in `group_name`.
    pub asset_no: String,
    pub group_name: String,
    pub threat: String,
    pub vulnerability: String,
    pub likelihood: String,
    pub impact: String,
    /// 「低減」 or `reduce`; empty for none yet.
    pub treatment: String,
    pub plan: String,
    pub reason: String,
    pub owner: Option<PersonId>,
    /// YYYY-MM-DD; empty for none.
    pub due: String,
    pub residual_likelihood: String,
    pub residual_impact: String,
}

/// One row of the risk register.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRow {
    pub id: RiskId,
    pub asset: Option<AssetId>,
    /// 「IA-000012 住民記録データ」 or the group's name.
    pub target: String,
    pub threat: String,
    pub threat_group: String,
    pub vulnerability: String,
    pub inherent: Rating,
    pub inherent_band: String,
    pub residual: Option<Rating>,
    pub residual_band: Option<String>,
    pub required_band: Option<String>,
    /// The current rating is above the required band (or, without one, above the acceptable).
    pub needs_treatment: bool,
    pub treatment: Option<Treatment>,
    pub plan: String,
    pub reason: String,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    /// The due date has passed while the risk still needs treatment.
    pub overdue: bool,
    /// The stored input, for the edit form.
    pub input: RiskInput,
    pub asset_no: String,
    pub group_name: String,
}

/// The risk register with its heat maps.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRegister {
    pub rows: Vec<RiskRow>,
    pub setup: RiskSetup,
    pub inherent_svg: String,
    pub current_svg: String,
    pub inherent_counts: Vec<BandCount>,
    pub current_counts: Vec<BandCount>,
}

impl RiskRegister {
    pub fn band_label(&self, key: &str) -> String {
        self.setup
            .matrix
            .band(key)
            .map_or_else(|| key.to_owned(), |b| b.label.clone())
    }
}

/// The band the asset's classification requires its risks to be brought to.
fn required_band(
    rules: &AssetRules,
    matrix: &RiskMatrix,
    record: &store::AssetRecord,
) -> Result<String, AppError> {
    let classification = rules.classification(record)?;
    if ClassMarker::secret().is_met(&rules.scheme, &classification)?
        && let Some(lowest) = matrix.bands().first()
    {
        return Ok(lowest.key.clone());
    }
    Ok(matrix.acceptable_band().to_owned())
}

/// The risks a reader may see: all with `risk.read`, else those of assets owned by the
/// reader's own unit today (a risk of an asset group names no unit, so only the former).
async fn visible_to(
    conn: &mut impl Reads,
    body: BodyId,
    reader: &RiskReader,
    records: Vec<RiskRecord>,
) -> Result<Vec<RiskRecord>, AppError> {
    if reader.all_units() {
        return Ok(records);
    }
    let own = match reader.person() {
        Some(person) => org::find_person(conn, body, person)
            .await?
            .map(|p| p.unit_id),
        None => None,
    };
    let Some(own) = own else {
        return Ok(Vec::new());
    };
    let mut visible = Vec::new();
    for r in records {
        if let Some(asset) = r.asset_id
            && store::get_asset(conn, body, asset)
                .await?
                .is_some_and(|a| a.owner_unit == Some(own))
        {
            visible.push(r);
        }
    }
    Ok(visible)
}

impl App {
    /// The body's matrix and threat catalogue.
    pub async fn risk_setup(&self, user: &CurrentUser) -> Result<RiskSetup, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        setup_of(&mut conn, body.id).await
    }

    /// The risk register the reader may see, with the inherent and current heat maps.
    pub async fn risk_register(
        &self,
        user: &CurrentUser,
        reader: &RiskReader,
    ) -> Result<RiskRegister, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let setup = setup_of(&mut conn, body.id).await?;
        let records = store::list_risks(&mut conn, body.id).await?;
        let records = visible_to(&mut conn, body.id, reader, records).await?;
        self.register_of(&mut conn, body.id, setup, records).await
    }

    /// The risks concerning one asset that the reader may see.
    pub async fn asset_risks(
        &self,
        user: &CurrentUser,
        reader: &RiskReader,
        asset: AssetId,
    ) -> Result<Vec<RiskRow>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let setup = setup_of(&mut conn, body.id).await?;
        let records = store::risks_of_asset(&mut conn, asset).await?;
        let records = visible_to(&mut conn, body.id, reader, records).await?;
        Ok(self
            .register_of(&mut conn, body.id, setup, records)
            .await?
            .rows)
    }

    async fn register_of(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        setup: RiskSetup,
        records: Vec<RiskRecord>,
    ) -> Result<RiskRegister, AppError> {
        let today = self.today();
        let people: HashMap<PersonId, String> = org::people_on(conn, body, today)
            .await?
            .into_iter()
            .map(|(p, name, ..)| (p, name))
            .collect();
        let mut risks = Vec::new();
        let mut rows = Vec::new();
        for r in records {
            let assessed = Risk::assess(r.id, &r.input, &setup.matrix, &setup.threats);
            let risk = match assessed {
                Ok(risk) => risk,
                // Cannot happen after `save_risk_setup` re-checked every risk; logged, left out.
                Err(e) => {
                    tracing::warn!(risk = %r.id, "risk no longer fits the matrix: {}", e.message);
                    continue;
                }
            };
            let (asset_no, target) = match r.asset_id {
                Some(a) => match store::get_asset(conn, body, a).await? {
                    Some(rec) => (
                        rec.asset_no.clone(),
                        format!("{} {}", rec.asset_no, rec.name),
                    ),
                    None => (String::new(), r.group_name.clone()),
                },
                None => (String::new(), r.group_name.clone()),
            };
            let threat = setup.threats.threat(risk.threat());
            let current = risk.current();
            // A risk accepted with a reason is a decision taken, not an open item.
            let needs_treatment = risk.treatment() != Some(Treatment::Accept)
                && match risk.required_band() {
                    Some(required) => {
                        setup.matrix.compare_band(&current.band, required)?
                            == std::cmp::Ordering::Greater
                    }
                    None => setup.matrix.is_above_acceptable(&current.band)?,
                };
            let band_label = |key: &str| {
                setup
                    .matrix
                    .band(key)
                    .map_or_else(|| key.to_owned(), |b| b.label.clone())
            };
            rows.push(RiskRow {
                id: r.id,
                asset: r.asset_id,
                target,
                threat: threat.map_or_else(|| risk.threat().to_owned(), |t| t.name.clone()),
                threat_group: threat
                    .and_then(|t| setup.threats.groups().iter().find(|g| g.key == t.group))
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
                vulnerability: risk.vulnerability().to_owned(),
                inherent_band: band_label(&risk.inherent().band),
                inherent: risk.inherent().clone(),
                residual_band: risk.residual().map(|r| band_label(&r.band)),
                residual: risk.residual().cloned(),
                required_band: risk.required_band().map(band_label),
                needs_treatment,
                treatment: risk.treatment(),
                plan: risk.plan().to_owned(),
                reason: risk.reason().to_owned(),
                owner: risk.owner().and_then(|p| people.get(&p).cloned()),
                due: risk.due(),
                overdue: needs_treatment && risk.due().is_some_and(|d| d < today),
                input: r.input.clone(),
                asset_no,
                group_name: r.group_name.clone(),
            });
            risks.push(risk);
        }
        let inherent_cells = risk::heat_cells(&setup.matrix, &risks, Basis::Inherent)?;
        let current_cells = risk::heat_cells(&setup.matrix, &risks, Basis::Current)?;
        Ok(RiskRegister {
            inherent_svg: heatmap_svg(&setup.matrix, &inherent_cells, "リスクの分布（対応前）"),
            current_svg: heatmap_svg(&setup.matrix, &current_cells, "リスクの分布（対応後）"),
            inherent_counts: risk::band_counts(&setup.matrix, &risks, Basis::Inherent)?,
            current_counts: risk::band_counts(&setup.matrix, &risks, Basis::Current)?,
            rows,
            setup,
        })
    }

    /// Saves a risk (new when `id` is `None`). The ratings are checked against the body's matrix,
    /// the threat against its catalogue, the treatment against the domain's rules; the band the
    /// asset's classification requires is derived, never typed.
    pub async fn save_risk(
        &self,
        user: &CurrentUser,
        may: &RiskEditor,
        id: Option<RiskId>,
        form: &RiskForm,
        meta: &RequestMeta,
    ) -> Result<RiskId, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let risk_id = write_risk(&mut tx, body.id, id, form, user.actor(), meta, now).await?;
        tx.commit().await?;
        Ok(risk_id)
    }

    /// Removes a risk from the register.
    pub async fn delete_risk(
        &self,
        user: &CurrentUser,
        may: &RiskEditor,
        id: RiskId,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = store::get_risk(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("リスク".to_owned()))?;
        store::delete_risk(&mut tx, body.id, id).await?;
        let entry = AuditEntry::new(user.actor(), "risk.delete", "risk", id)
            .body(body.id)
            .before(&before.input)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the body's matrix and threat catalogue (TOML). Refused when a registered risk would
    /// no longer fit: a level, band or threat it uses is missing from the new data.
    pub async fn save_risk_setup(
        &self,
        user: &CurrentUser,
        may: &RiskEditor,
        matrix_toml: &str,
        threats_toml: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let matrix = RiskMatrix::from_toml(matrix_toml)?;
        let threats = ThreatCatalogue::from_toml(threats_toml)?;
        let mut tx = self.store().begin_write().await?;
        let before = setup_of(&mut tx, body.id).await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        for r in store::list_risks(&mut tx, body.id).await? {
            let mut input = r.input.clone();
            if let Some(asset) = r.asset_id
                && let Some(record) = store::get_asset(&mut tx, body.id, asset).await?
            {
                input.required_band = Some(required_band(&rules, &matrix, &record)?);
            }
            let risk = Risk::assess(r.id, &input, &matrix, &threats).map_err(|e| {
                AppError::Invalid(DomainError::new(
                    e.field.clone(),
                    format!(
                        "登録済みのリスク（{}）が新しい設定に合いません: {}",
                        r.input.vulnerability.chars().take(30).collect::<String>(),
                        e.message
                    ),
                ))
            })?;
            store::put_risk(
                &mut tx,
                &RiskRecord {
                    input: risk.to_input(),
                    updated_at: now,
                    ..r
                },
            )
            .await?;
        }
        store::put_risk_settings(
            &mut tx,
            body.id,
            &matrix.to_toml()?,
            &threats.to_toml()?,
            now,
        )
        .await?;
        let entry = AuditEntry::new(user.actor(), "risk.settings", "body", body.id)
            .body(body.id)
            .before(
                &serde_json::json!({"matrix": before.matrix_toml, "threats": before.threats_toml}),
            )
            .after(&serde_json::json!({"matrix": matrix_toml, "threats": threats_toml}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Checks and saves a risk in the caller's transaction, with its audit record.
pub(crate) async fn write_risk(
    tx: &mut WriteTx,
    body: BodyId,
    id: Option<RiskId>,
    form: &RiskForm,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<RiskId, AppError> {
    let setup = setup_of(&mut *tx, body).await?;
    let before = match id {
        Some(id) => Some(
            store::get_risk(&mut *tx, body, id)
                .await?
                .ok_or_else(|| AppError::NotFound("リスク".to_owned()))?,
        ),
        None => None,
    };
    let numbers = split_numbers(&form.asset_no);
    let group_name = form.group_name.trim().to_owned();
    let (asset, required) = match numbers.as_slice() {
        [] => {
            if group_name.is_empty() {
                return Err(AppError::Invalid(DomainError::new(
                    "情報資産",
                    "対象の情報資産の管理番号か、資産グループの名称を入力してください",
                )));
            }
            if group_name.chars().count() > 200 {
                return Err(AppError::Invalid(DomainError::new(
                    "資産グループ",
                    "資産グループの名称は200文字以内で入力してください",
                )));
            }
            (None, None)
        }
        [number] => {
            let record = store::find_by_number(&mut *tx, body, number)
                .await?
                .ok_or_else(|| {
                    AppError::Invalid(DomainError::new(
                        "情報資産",
                        format!("管理番号「{number}」の情報資産は台帳にありません"),
                    ))
                })?;
            let rules = AssetRules::of(&*crate::ruling::ruling(&mut *tx, body).await?)?;
            let required = required_band(&rules, &setup.matrix, &record)?;
            (Some(record.id), Some(required))
        }
        _ => {
            return Err(AppError::Invalid(DomainError::new(
                "情報資産",
                "対象の情報資産は一つだけ指定してください（複数なら資産グループとして登録します）",
            )));
        }
    };
    let due = match form.due.trim() {
        "" => None,
        d => Some(d.parse::<NaiveDate>().map_err(|_| {
            AppError::Invalid(DomainError::new(
                "期限",
                "期限は年-月-日（例: 2027-03-31）で入力してください",
            ))
        })?),
    };
    let treatment = match form.treatment.trim() {
        "" => None,
        t => Some(Treatment::parse(t)?),
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let risk_id = id.unwrap_or_default();
    let input = RiskInput {
        asset: asset.map_or_else(|| group_name.clone(), |a| a.to_string()),
        threat: form.threat.trim().to_owned(),
        vulnerability: form.vulnerability.clone(),
        likelihood: form.likelihood.trim().to_owned(),
        impact: form.impact.trim().to_owned(),
        required_band: required,
        treatment,
        plan: form.plan.clone(),
        reason: form.reason.clone(),
        owner: form.owner,
        due,
        residual_likelihood: opt(&form.residual_likelihood),
        residual_impact: opt(&form.residual_impact),
    };
    let risk = Risk::assess(risk_id, &input, &setup.matrix, &setup.threats)?;
    let stored = RiskRecord {
        id: risk_id,
        body_id: body,
        asset_id: asset,
        group_name: if asset.is_some() {
            String::new()
        } else {
            group_name
        },
        input: risk.to_input(),
        created_at: before.as_ref().map_or(now, |b| b.created_at),
        updated_at: now,
    };
    store::put_risk(&mut *tx, &stored).await?;
    let mut entry = AuditEntry::new(
        actor,
        if before.is_some() {
            "risk.update"
        } else {
            "risk.create"
        },
        "risk",
        risk_id,
    )
    .body(body)
    .after(&stored.input)
    .request(meta.request_id.clone());
    if let Some(b) = &before {
        entry = entry.before(&b.input);
    }
    audit::append(tx, now, entry).await?;
    Ok(risk_id)
}
