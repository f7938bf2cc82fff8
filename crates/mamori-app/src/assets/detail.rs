//! One asset as its page shows it: the label, handling, the gates of each action with who
//! permits it, links, inherited classification, events; a read at the scheme's read-log level
//! is recorded.

use mamori_domain::authority::Holder;

use super::*;

impl AssetRules {
    /// The domain asset of a stored record.
    pub fn asset(&self, record: &AssetRecord) -> Result<Asset, DomainError> {
        Ok(Asset {
            id: record.id,
            body_id: record.body_id,
            kind: record.kind,
            name: record.name.clone(),
            description: record.description.clone(),
            owner_unit: record.owner_unit,
            location: record.location.clone(),
            segment: record.segment,
            classification: self.classification(record)?,
            retention: Retention::parse(&record.retention)?,
            status: record.status,
            document_type: record.document_type,
            derived_from: record.derived_from.clone(),
            holds: record.holds.clone(),
            safeguards: record.safeguards.clone(),
        })
    }
}

impl App {
    /// One asset with its derived handling, label, findings, gates, links and records.
    /// The asset's page. Opening one at or above the scheme's read-log level is recorded.
    pub async fn asset(
        &self,
        user: &CurrentUser,
        id: AssetId,
        meta: &RequestMeta,
    ) -> Result<AssetDetail, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let sheet = store::get_asset_sheet(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        let (ruling, snapshot) =
            crate::ruling::ruling_and_org_at(&mut conn, body.id, self.today(), sheet.stamp).await?;
        drop(conn);
        let record = sheet.record;
        let rules = AssetRules::of(&ruling)?;
        let asset = rules.asset(&record)?;
        // The units of today, as the snapshot has them.
        let units: HashMap<OrgUnitId, String> = snapshot
            .units
            .values()
            .map(|u| (u.id, u.name.clone()))
            .collect();
        let context = Context {
            unit: asset.owner_unit.filter(|u| units.contains_key(u)),
            system: None,
        };
        let owner = match (owner_role(&ruling.matrix), context.unit) {
            (Some(role), Some(_)) => Some(snapshot.holders_of(&role, &context)?),
            _ => None,
        };
        let handling = asset::handling(&rules.scheme, &asset)?
            .into_iter()
            .map(|(action, reqs)| HandlingLine {
                action,
                requirements: reqs
                    .iter()
                    .map(|(r, d)| {
                        let mut text = r.label_with_roles(&rules.roles);
                        if d.necessity != mamori_domain::classification::Necessity::Required {
                            text.push_str(&format!("（{}）", d.necessity.label()));
                        }
                        text
                    })
                    .collect(),
            })
            .collect();
        let gates = gates_of(&rules, &asset, &snapshot, &context)?;
        let sources = sheet.linked;
        let linked_of = |ids: &[AssetId]| -> Vec<LinkedAsset> {
            ids.iter()
                .filter_map(|id| sources.iter().find(|r| r.id == *id))
                .map(|r| linked_one(&rules, r))
                .collect()
        };
        let derived_from = linked_of(&asset.derived_from);
        let holds = linked_of(&asset.holds);
        let inherited = inherited_from(&rules, &sources)?.map(|c| c.to_string());
        let dependents = sheet
            .dependents
            .into_iter()
            .map(|(relation, r)| (relation_label(&relation).to_owned(), linked_one(&rules, &r)))
            .collect();
        let people = &snapshot.people;
        let mut events = Vec::new();
        for (e, application) in sheet.events {
            let awaiting = e.status == EventStatus::AwaitingApproval;
            let (permission_clause, application) = if awaiting {
                (
                    permission_clause(&rules, &asset, e.action)?,
                    application
                        .map(|a| {
                            a.parse()
                                .map_err(|_| AppError::Internal(format!("applications.id: {a}")))
                        })
                        .transpose()?,
                )
            } else {
                (None, None)
            };
            events.push(EventLine {
                person: e.person.and_then(|p| people.get(&p).map(|p| p.0.clone())),
                permission_clause,
                application,
                ..EventLine::of(e, &rules)
            });
        }
        let read_recorded = rules
            .scheme
            .read_is_recorded(&asset.classification)?
            .then(|| rules.scheme.read_log_label());
        if read_recorded.is_some() {
            let read = Read::asset(
                id,
                &record.asset_no,
                &asset.name,
                &asset.classification.to_string(),
            );
            self.record_read(user, read, meta).await?;
        }
        Ok(AssetDetail {
            asset_no: record.asset_no.clone(),
            label: asset::label_text(&rules.scheme, &asset)?,
            findings: asset::findings(&rules.scheme, &asset, &rules.checks)?,
            unit: asset.owner_unit.and_then(|u| units.get(&u).cloned()),
            owner,
            handling,
            gates,
            derived_from,
            holds,
            inherited,
            dependents,
            events,
            created_at: record.created_at,
            updated_at: record.updated_at,
            read_recorded,
            asset,
        })
    }
}

/// The classification the given 複製元 and held assets make an asset inherit (the highest per
/// axis), or `None` without any.
fn inherited_from(
    rules: &AssetRules,
    sources: &[AssetRecord],
) -> Result<Option<Classification>, AppError> {
    if sources.is_empty() {
        return Ok(None);
    }
    let classes: Vec<Classification> = sources
        .iter()
        .map(|r| rules.classification(r))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&Classification> = classes.iter().collect();
    Ok(Some(asset::inherited_classification(&rules.scheme, &refs)?))
}

/// The clause that grounds the permission an action on the asset needs (the kind of
/// application to make), when it needs one.
fn permission_clause(
    rules: &AssetRules,
    asset: &Asset,
    action: Action,
) -> Result<Option<String>, AppError> {
    let ActionGate::NeedsPermission {
        roles,
        requirements,
    } = asset::check_action(&rules.scheme, asset, action)?
    else {
        return Ok(None);
    };
    Ok(roles.first().and_then(|role| {
        requirements
            .demand(&mamori_domain::classification::Requirement::Permission { role: role.clone() })
            .and_then(|d| d.clauses.first().cloned())
    }))
}

/// 「情報セキュリティ管理者: 佐々木 翔太」, or the role with the gap when nobody can act.
pub fn permitter_text(a: &Authority) -> String {
    match &a.gap {
        Some(gap) => format!("{}（{gap}）", a.role_name),
        None => format!(
            "{}: {}",
            a.role_name,
            a.holders
                .iter()
                .map(Holder::label)
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

pub(super) fn linked_one(rules: &AssetRules, r: &AssetRecord) -> LinkedAsset {
    LinkedAsset {
        id: r.id,
        asset_no: r.asset_no.clone(),
        name: r.name.clone(),
        classification: rules
            .classification(r)
            .map_or_else(|e| e.message, |c| c.to_string()),
    }
}

/// Each lifecycle action's gate, with the holders of the roles that must permit it.
fn gates_of(
    rules: &AssetRules,
    asset: &Asset,
    snapshot: &OrgSnapshot,
    context: &Context,
) -> Result<Vec<GateView>, AppError> {
    let mut out = Vec::new();
    for action in asset::LIFECYCLE_ACTIONS {
        let gate = asset::check_action(&rules.scheme, asset, action)?;
        let permitters = match &gate {
            ActionGate::NeedsPermission { roles, .. } => roles
                .iter()
                .map(|role| match snapshot.holders_of(role, context) {
                    Ok(a) => a,
                    Err(e) => Authority {
                        role: role.clone(),
                        role_name: rules.role_name(role),
                        mark: mamori_domain::authority::MatrixMark::Permits,
                        unit: None,
                        unit_name: None,
                        walked_up: false,
                        holders: Vec::new(),
                        gap: Some(e.message),
                    },
                })
                .collect(),
            _ => Vec::new(),
        };
        out.push(GateView {
            action,
            gate,
            permitters,
        });
    }
    Ok(out)
}
