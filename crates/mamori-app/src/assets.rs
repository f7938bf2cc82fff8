//! The 情報資産台帳: registering and editing assets against the body's classification scheme,
//! the handling rules and label derived from it, lifecycle records with the permission gate, and
//! the rule checks.
//!
//! The scheme is the one of the profile that rules today. Who owns an asset is the role the
//! authority matrix marks as holding S-2.(2)①(ア) (情報資産の管理責任), resolved for the owner unit;
//! who must permit an action is what the scheme's rule names, resolved the same way. Nothing here
//! compares levels: the scheme answers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mamori_domain::DomainError;
use mamori_domain::asset::{
    self, ActionGate, Asset, AssetKind, AssetStatus, CheckContext, Finding, LifecycleRecord,
    NetworkSegment, NewAsset, NewLifecycleRecord, Retention, Safeguards,
};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::authority::{Authority, Context, OrgSnapshot};
use mamori_domain::classification::{Action, Classification, ClassificationScheme};
use mamori_domain::ids::{AssetEventId, AssetId, BodyId, OrgUnitId, PersonId};
use mamori_domain::org::{OrgUnit, RoleDefinition};
use mamori_domain::policy::Profile;
use mamori_store::assets::{self as store, AssetEvent, AssetFilter, AssetRecord, EventStatus};
use mamori_store::{AnyConnection, WriteTx, audit, org};
use serde::Serialize;

use crate::access::AssetWriter;
use crate::organization::authority_matrix;
use crate::reads::Read;
use crate::ruling::Ruling;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// The clause whose 権限・責任 mark names the role that owns an asset (情報資産の管理責任).
pub const OWNER_CLAUSE: &str = "S-2.(2)①(ア)";
/// The prefix of automatically assigned 管理番号.
pub const NUMBER_PREFIX: &str = "IA-";
/// The largest page of the register.
pub const MAX_PAGE: i64 = 200;

/// What the register screens need to know about the body's rules.
#[derive(Debug, Clone)]
pub struct AssetRules {
    pub scheme: Arc<ClassificationScheme>,
    /// The role set with the profile's names.
    pub roles: Vec<RoleDefinition>,
    pub checks: CheckContext,
}

impl AssetRules {
    /// What the register needs of the body's ruling.
    pub(crate) fn of(ruling: &Ruling) -> Result<Self, AppError> {
        Ok(Self {
            scheme: ruling.shared_scheme()?,
            roles: ruling.roles.clone(),
            checks: CheckContext::default(),
        })
    }

    /// A stored classification under the scheme, or an error naming 「分類」 when the scheme in
    /// force no longer has it.
    pub fn classification(&self, record: &AssetRecord) -> Result<Classification, DomainError> {
        let pairs: Vec<(&str, &str)> = record
            .classification
            .iter()
            .map(|(a, l)| (a.as_str(), l.as_str()))
            .collect();
        self.scheme.classify(&pairs).map_err(|e| {
            DomainError::new(
                "分類",
                format!(
                    "登録されている分類は現行の分類基準にありません（{}）",
                    e.message
                ),
            )
        })
    }

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

    /// The class-filter rows of a classification: per axis, every level above the lowest that
    /// the classification is at or above, in the scheme's order.
    pub fn level_rows(
        &self,
        classification: &Classification,
    ) -> Result<Vec<(String, String)>, DomainError> {
        let mut rows = Vec::new();
        for axis in self.scheme.axes() {
            for level in axis.levels.iter().skip(1) {
                if self
                    .scheme
                    .is_at_least(classification, &axis.key, &level.key)?
                {
                    rows.push((axis.key.clone(), level.key.clone()));
                }
            }
        }
        Ok(rows)
    }

    /// The choices of the class filter: 「機密性２以上」 …, as `(axis, level, label)`.
    pub fn class_filters(&self) -> Vec<(String, String, String)> {
        self.scheme
            .axes()
            .iter()
            .flat_map(|axis| {
                axis.levels.iter().skip(1).rev().map(move |level| {
                    (
                        axis.key.clone(),
                        level.key.clone(),
                        format!("{}以上", level.name),
                    )
                })
            })
            .collect()
    }

    pub fn role_name(&self, key: &str) -> String {
        self.roles
            .iter()
            .find(|r| r.key == key)
            .map_or_else(|| key.to_owned(), |r| r.name.clone())
    }
}

/// The register's rules for a body: the ruling profile's scheme (the guideline's when the body has
/// no edition yet) and role names.
pub(crate) async fn rules_of(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<(AssetRules, Option<Profile>), AppError> {
    let ruling = crate::ruling::ruling(conn, body).await?;
    Ok((AssetRules::of(&ruling)?, ruling.profile.clone()))
}

/// An asset as typed on the form or sent to the API: texts, with links by 管理番号.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetInput {
    /// 管理番号; empty assigns the next automatic number (new assets only).
    pub asset_no: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub owner_unit: Option<OrgUnitId>,
    pub location: String,
    pub segment: String,
    pub classification: String,
    pub retention: String,
    pub status: String,
    pub document_type: String,
    /// 管理番号 of the assets this one copies, separated by 「、」「,」 or spaces.
    pub derived_from: String,
    /// 管理番号 of the assets a medium holds.
    pub holds: String,
    pub encrypted: bool,
    pub locked_storage: bool,
    pub backup: bool,
    /// 復旧目標時間 in hours; empty for none.
    pub recovery_target_hours: String,
}

/// The 管理番号 in a list field.
pub fn split_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| matches!(c, '、' | ',' | '，' | '・' | ';' | '；') || c.is_whitespace())
        .map(fold_text)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Full-width letters and digits folded, spaces trimmed: 「ＩＡ－０００１」 stays comparable.
fn fold_text(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.trim().nfkc().collect::<String>().replace('－', "-")
}

const FIELD_NUMBER: &str = "管理番号";
const NUMBER_MAX_CHARS: usize = 40;

fn check_number(text: &str) -> Result<String, DomainError> {
    let number = fold_text(text);
    if number.chars().count() > NUMBER_MAX_CHARS {
        return Err(DomainError::new(
            FIELD_NUMBER,
            format!("管理番号は{NUMBER_MAX_CHARS}文字以内で入力してください"),
        ));
    }
    if number
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '、' | ',' | ';'))
    {
        return Err(DomainError::new(
            FIELD_NUMBER,
            "管理番号に空白・読点・カンマは使えません",
        ));
    }
    Ok(number)
}

fn parse_hours(text: &str) -> Result<Option<u32>, DomainError> {
    let t = fold_text(text);
    let t = t.strip_suffix("時間").unwrap_or(&t).trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        DomainError::new(
            "復旧目標時間",
            "復旧目標時間は時間数を整数で入力してください（例: 24）",
        )
    })
}

/// One row of a register page.
#[derive(Debug, Clone, Serialize)]
pub struct AssetRow {
    pub id: AssetId,
    pub asset_no: String,
    pub name: String,
    pub kind: AssetKind,
    pub unit: Option<String>,
    pub segment: NetworkSegment,
    /// The classification in the scheme's words, or the reason it cannot be read.
    pub classification: String,
    pub status: AssetStatus,
    /// How many rule checks find something on the asset.
    pub findings: usize,
}

/// A page of the register.
#[derive(Debug, Clone, Serialize)]
pub struct AssetPage {
    pub rows: Vec<AssetRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<AssetId>,
}

/// The register's filters as the screen and the API take them.
#[derive(Debug, Clone, Default)]
pub struct AssetQuery {
    pub unit: Option<OrgUnitId>,
    pub no_unit: bool,
    pub kind: Option<AssetKind>,
    pub segment: Option<NetworkSegment>,
    pub status: Option<AssetStatus>,
    /// `(axis key, level key)`: 「○○以上」.
    pub at_least: Option<(String, String)>,
    pub text: Option<String>,
}

/// What the gate says about one lifecycle action on an asset, with the people who may permit.
#[derive(Debug, Clone, Serialize)]
pub struct GateView {
    pub action: Action,
    pub gate: ActionGate,
    /// For each role that must permit: the answer of the resolver (holders or a gap).
    pub permitters: Vec<Authority>,
}

/// One handling line: an action and what it requires, in the body's words.
#[derive(Debug, Clone, Serialize)]
pub struct HandlingLine {
    pub action: Action,
    pub requirements: Vec<String>,
}

/// A lifecycle record for the screen.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine {
    pub id: AssetEventId,
    pub action: Action,
    pub status: &'static str,
    pub awaiting: bool,
    pub acted_at: DateTime<Utc>,
    pub person: Option<String>,
    pub details: String,
    pub new_location: Option<String>,
    pub required_roles: Vec<String>,
    pub approval: Option<String>,
    pub recorded_by: String,
    /// While waiting: the clause whose permission the action needs (the kind to apply for).
    pub permission_clause: Option<String>,
    /// The application for the permission, once made.
    pub application: Option<mamori_domain::ids::ApplicationId>,
}

impl EventLine {
    /// A stored record for the screens, the roles in the body's names; no person name, clause
    /// or application (the asset page adds them).
    fn of(e: AssetEvent, rules: &AssetRules) -> Self {
        Self {
            id: e.id,
            action: e.action,
            status: e.status.label(),
            awaiting: e.status == EventStatus::AwaitingApproval,
            acted_at: e.acted_at,
            person: None,
            details: e.details,
            new_location: e.new_location,
            required_roles: e
                .required_roles
                .iter()
                .map(|k| rules.role_name(k))
                .collect(),
            approval: e.approval,
            recorded_by: e.recorded_by,
            permission_clause: None,
            application: None,
        }
    }
}

/// A linked asset: `(id, 管理番号, name, classification text)`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedAsset {
    pub id: AssetId,
    pub asset_no: String,
    pub name: String,
    pub classification: String,
}

/// Everything the asset page shows.
#[derive(Debug, Clone, Serialize)]
pub struct AssetDetail {
    pub asset_no: String,
    pub asset: Asset,
    pub unit: Option<String>,
    /// The owner role's holders for the owner unit (情報セキュリティ管理者).
    pub owner: Option<Authority>,
    pub label: String,
    pub handling: Vec<HandlingLine>,
    pub findings: Vec<Finding>,
    pub gates: Vec<GateView>,
    pub derived_from: Vec<LinkedAsset>,
    pub holds: Vec<LinkedAsset>,
    /// What the links make the asset inherit, when it has any: the lowest allowed classification.
    pub inherited: Option<String>,
    /// Assets that copy or hold this one: `(relation label, asset)`.
    pub dependents: Vec<(String, LinkedAsset)>,
    pub events: Vec<EventLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Opening the asset is recorded in the audit trail: the scheme's 閲覧の記録 level
    /// (「機密性３」), when it is.
    pub read_recorded: Option<String>,
}

/// The result of asking to record an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Done and recorded.
    Recorded { event: AssetEventId },
    /// Needs permission: the request is recorded and waits; the action has not happened.
    AwaitingApproval {
        event: AssetEventId,
        roles: Vec<String>,
    },
}

/// A lifecycle action as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub at: Option<DateTime<Utc>>,
    pub person: Option<PersonId>,
    pub details: String,
    /// The new 保管場所, for 保管.
    pub new_location: String,
}

fn relation_label(relation: &str) -> &'static str {
    if relation == "holds" {
        "格納している電磁的記録媒体"
    } else {
        "複製"
    }
}

/// The owner role of the body: the role marked as holding [`OWNER_CLAUSE`] in the matrix.
fn owner_role(profile: Option<&Profile>) -> Result<Option<String>, AppError> {
    let matrix = authority_matrix(profile)?;
    Ok(matrix
        .row(OWNER_CLAUSE)
        .iter()
        .find(|m| m.mark == mamori_domain::authority::MatrixMark::Holds)
        .map(|m| m.role.clone()))
}

impl App {
    /// The rules the register screens show (scheme, role names).
    pub async fn asset_rules(&self, user: &CurrentUser) -> Result<AssetRules, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(rules_of(&mut conn, body.id).await?.0)
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
        conn: &mut AnyConnection,
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
        user.body()?;
        let mut conn = self.store().conn().await?;
        self.writer_unit(&mut conn, writer).await
    }

    /// The unit a writer without `asset.manage` is bounded to.
    pub async fn writer_unit(
        &self,
        conn: &mut AnyConnection,
        writer: &AssetWriter,
    ) -> Result<Option<OrgUnitId>, AppError> {
        match writer.person() {
            Some(person) => Ok(org::find_person(conn, person).await?.map(|p| p.unit_id)),
            None => Ok(None),
        }
    }

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
        let record = store::get_asset(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        let (ruling, snapshot) =
            crate::ruling::ruling_and_org(&mut conn, body.id, self.today()).await?;
        let rules = AssetRules::of(&ruling)?;
        let profile = ruling.profile.as_ref();
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
        let owner = match (owner_role(profile)?, context.unit) {
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
        let derived_from = linked(
            &rules,
            store::get_assets(&mut conn, body.id, &asset.derived_from).await?,
        );
        let holds = linked(
            &rules,
            store::get_assets(&mut conn, body.id, &asset.holds).await?,
        );
        let inherited = self
            .inherited_of(&mut conn, body.id, &rules, &asset)
            .await?
            .map(|c| c.to_string());
        let mut dependents = Vec::new();
        for (relation, dep_id, ..) in store::dependents(&mut conn, id).await? {
            if let Some(r) = store::get_asset(&mut conn, body.id, dep_id).await? {
                dependents.push((relation_label(&relation).to_owned(), linked_one(&rules, &r)));
            }
        }
        let people = &snapshot.people;
        let mut events = Vec::new();
        for e in store::events_of(&mut conn, id).await? {
            let awaiting = e.status == EventStatus::AwaitingApproval;
            let (permission_clause, application) = if awaiting {
                (
                    permission_clause(&rules, &asset, e.action)?,
                    mamori_store::approvals::application_of_event(&mut conn, e.id).await?,
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
        drop(conn);
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

    /// The classification the asset's 複製元 and held assets make it inherit (the highest per
    /// axis), or `None` without links.
    async fn inherited_of(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        rules: &AssetRules,
        asset: &Asset,
    ) -> Result<Option<Classification>, AppError> {
        let mut ids = asset.derived_from.clone();
        ids.extend(asset.holds.iter().copied());
        if ids.is_empty() {
            return Ok(None);
        }
        let sources = store::get_assets(conn, body, &ids).await?;
        let classes: Vec<Classification> = sources
            .iter()
            .map(|r| rules.classification(r))
            .collect::<Result<_, _>>()?;
        let refs: Vec<&Classification> = classes.iter().collect();
        Ok(Some(asset::inherited_classification(&rules.scheme, &refs)?))
    }

    /// Registers an asset. Every field is checked against the scheme and the links; the owner unit
    /// must be the writer's own unless they keep every unit's register.
    pub async fn register_asset(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        input: &AssetInput,
        meta: &RequestMeta,
    ) -> Result<AssetId, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let (rules, _) = rules_of(tx.conn(), body.id).await?;
        let id = register_in(
            self,
            &mut tx,
            writer,
            &rules,
            body.id,
            input,
            user.actor(),
            meta,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves changes to an asset.
    pub async fn update_asset(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: AssetId,
        input: &AssetInput,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = store::get_asset(tx.conn(), body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        let (rules, _) = rules_of(tx.conn(), body.id).await?;
        self.check_writer_unit(tx.conn(), writer, before.owner_unit)
            .await?;
        let record = self
            .checked_record(
                &mut tx,
                writer,
                &rules,
                body.id,
                id,
                input,
                Some(&before),
                now,
            )
            .await?;
        let asset = rules.asset(&record)?;
        // A copy or a medium must stay at least at what it inherits: raising this asset above
        // one that copies or holds it would leave that one too low.
        for (_, dep_id, number, name) in store::dependents(tx.conn(), id).await? {
            let Some(dep) = store::get_asset(tx.conn(), body.id, dep_id).await? else {
                continue;
            };
            if dep.status == AssetStatus::Disposed {
                continue;
            }
            if let Ok(held) = rules.classification(&dep)
                && !asset::is_at_least_on_every_axis(&rules.scheme, &held, &asset.classification)?
            {
                return Err(AppError::Invalid(DomainError::new(
                    "分類",
                    format!(
                        "{number}「{name}」（{held}）がこの情報資産を複製・格納しているため、分類を{}にできません。先に{number}の分類を引き上げてください",
                        asset.classification
                    ),
                )));
            }
        }
        store::update_asset(
            tx.conn(),
            &record,
            &rules.level_rows(&asset.classification)?,
        )
        .await?;
        let before_asset = rules.asset(&before).ok();
        audit::append(
            &mut tx,
            now,
            asset_entry(
                user.actor(),
                "asset.update",
                &record,
                &asset,
                before_asset.as_ref().map(|a| (&before, a)),
            )
            .request(meta.request_id.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_writer_unit(
        &self,
        conn: &mut AnyConnection,
        writer: &AssetWriter,
        unit: Option<OrgUnitId>,
    ) -> Result<(), AppError> {
        if writer.all_units() {
            return Ok(());
        }
        let own = self.writer_unit(conn, writer).await?;
        if own.is_some() && own == unit {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "自分の所属以外が所管する情報資産の登録・変更".to_owned(),
            ))
        }
    }

    /// Builds the stored record from the input: validation, links by 管理番号, inheritance, the
    /// writer's unit, the number.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn checked_record(
        &self,
        tx: &mut WriteTx,
        writer: &AssetWriter,
        rules: &AssetRules,
        body: BodyId,
        id: AssetId,
        input: &AssetInput,
        before: Option<&AssetRecord>,
        now: DateTime<Utc>,
    ) -> Result<AssetRecord, AppError> {
        let mut errors: Vec<DomainError> = Vec::new();
        let number = match check_number(&input.asset_no) {
            Ok(n) => n,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        if !number.is_empty()
            && before.is_none_or(|b| b.asset_no != number)
            && store::find_by_number(tx.conn(), body, &number)
                .await?
                .is_some()
        {
            errors.push(DomainError::new(
                FIELD_NUMBER,
                format!("管理番号「{number}」は既に使われています"),
            ));
        }
        if number.is_empty() && before.is_some() {
            errors.push(DomainError::new(FIELD_NUMBER, "管理番号を入力してください"));
        }
        let hours = match parse_hours(&input.recovery_target_hours) {
            Ok(h) => h,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let derived_from = self
            .resolve_numbers(tx.conn(), body, "複製元", &input.derived_from, &mut errors)
            .await?;
        let holds = self
            .resolve_numbers(
                tx.conn(),
                body,
                "格納する情報資産",
                &input.holds,
                &mut errors,
            )
            .await?;
        if let Some(unit) = input.owner_unit {
            let units = self.unit_names(tx.conn(), body).await?;
            if !units.contains_key(&unit) {
                errors.push(DomainError::new(
                    "所管課",
                    "所管課は現在の組織から選んでください",
                ));
            }
        }
        if !writer.all_units() {
            let own = self.writer_unit(tx.conn(), writer).await?;
            if input.owner_unit.is_none() || input.owner_unit != own {
                errors.push(DomainError::new(
                    "所管課",
                    "所管課には自分の所属を指定してください（他の課の情報資産は統括情報セキュリティ責任者が登録します）",
                ));
            }
        }
        let new = NewAsset {
            kind: input.kind.clone(),
            name: input.name.clone(),
            description: input.description.clone(),
            owner_unit: input.owner_unit,
            location: input.location.clone(),
            segment: input.segment.clone(),
            classification: input.classification.clone(),
            retention: input.retention.clone(),
            status: input.status.clone(),
            document_type: input.document_type.clone(),
            derived_from: derived_from.clone(),
            holds: holds.clone(),
            safeguards: Safeguards {
                encrypted: input.encrypted,
                locked_storage: input.locked_storage,
                backup: input.backup,
                recovery_target_hours: hours,
            },
        };
        let asset = match new.validate(&rules.scheme, id, body) {
            Ok(a) => Some(a),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        };
        // 廃棄 happens through its record (処理内容, and the permission the scheme asks for), never
        // by editing the status.
        if let (Some(b), Some(a)) = (before, &asset)
            && b.status != AssetStatus::Disposed
            && a.status == AssetStatus::Disposed
        {
            errors.push(DomainError::new(
                "状態",
                "廃棄済にするには、情報資産の画面で「廃棄」を記録してください（処理内容を記録し、分類が求める許可を得て完了します）",
            ));
        }
        if let Some(asset) = &asset {
            let mut ids = asset.derived_from.clone();
            ids.extend(asset.holds.iter().copied());
            let sources = store::get_assets(tx.conn(), body, &ids).await?;
            let mut classes = Vec::new();
            for s in &sources {
                match rules.classification(s) {
                    Ok(c) => classes.push(c),
                    Err(e) => errors.push(e),
                }
            }
            let refs: Vec<&Classification> = classes.iter().collect();
            if let Err(e) = asset::check_inherited(&rules.scheme, asset, &refs) {
                errors.push(e);
            }
        }
        if let Some(first) = errors.into_iter().next() {
            // The form shows one message at a time; the first names its field.
            return Err(AppError::Invalid(first));
        }
        let Some(asset) = asset else {
            return Err(AppError::Internal("asset validation".to_owned()));
        };
        let asset_no = if number.is_empty() {
            store::next_asset_number(tx.conn(), body, NUMBER_PREFIX).await?
        } else {
            number
        };
        Ok(AssetRecord {
            id,
            body_id: body,
            asset_no,
            kind: asset.kind,
            name: asset.name.clone(),
            description: asset.description.clone(),
            owner_unit: asset.owner_unit,
            location: asset.location.clone(),
            segment: asset.segment,
            classification: asset
                .classification
                .keys()
                .into_iter()
                .map(|(a, l)| (a.to_owned(), l.to_owned()))
                .collect(),
            retention: match &asset.retention {
                Retention::Unspecified => String::new(),
                r => r.label(),
            },
            status: asset.status,
            document_type: asset.document_type,
            safeguards: asset.safeguards.clone(),
            derived_from: asset.derived_from.clone(),
            holds: asset.holds.clone(),
            created_at: before.map_or(now, |b| b.created_at),
            updated_at: now,
        })
    }

    async fn resolve_numbers(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        field: &str,
        text: &str,
        errors: &mut Vec<DomainError>,
    ) -> Result<Vec<AssetId>, AppError> {
        let numbers = split_numbers(text);
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashMap<String, AssetId> = store::ids_by_number(conn, body, &numbers)
            .await?
            .into_iter()
            .map(|(id, n)| (n, id))
            .collect();
        let mut out = Vec::new();
        for n in &numbers {
            match found.get(n) {
                Some(id) => out.push(*id),
                None => errors.push(DomainError::new(
                    field,
                    format!("{field}の管理番号「{n}」の情報資産は台帳にありません"),
                )),
            }
        }
        Ok(out)
    }

    /// Records a lifecycle action. A prohibited action is refused; one that needs permission is
    /// recorded as a request awaiting approval and does not happen (the asset is unchanged); an
    /// allowed one is recorded, and 廃棄 and 保管 change the asset's status and location.
    pub async fn record_asset_action(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: AssetId,
        action: Action,
        input: &ActionInput,
        meta: &RequestMeta,
    ) -> Result<ActionOutcome, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut record = store::get_asset(tx.conn(), body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        self.check_writer_unit(tx.conn(), writer, record.owner_unit)
            .await?;
        let (rules, _) = rules_of(tx.conn(), body.id).await?;
        let person = input.person.or(writer.person());
        let outcome = act(
            &mut tx,
            &rules,
            &mut record,
            action,
            &ActionInput {
                person,
                ..input.clone()
            },
            &user.account.login.to_string(),
            user.actor(),
            meta,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Withdraws a request that still waits for permission.
    pub async fn withdraw_asset_action(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        event: AssetEventId,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut e = store::get_event(tx.conn(), body.id, event)
            .await?
            .ok_or_else(|| AppError::NotFound("記録".to_owned()))?;
        let record = store::get_asset(tx.conn(), body.id, e.asset_id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        self.check_writer_unit(tx.conn(), writer, record.owner_unit)
            .await?;
        if e.status != EventStatus::AwaitingApproval {
            return Err(AppError::Conflict(
                "許可待ちの申請だけを取り下げられます".to_owned(),
            ));
        }
        e.status = EventStatus::Withdrawn;
        store::update_event(tx.conn(), &e).await?;
        let entry = AuditEntry::new(user.actor(), "asset.action_withdrawn", "asset", e.asset_id)
            .body(body.id)
            .after(&serde_json::json!({"event": e.id.to_string(), "action": e.action.key()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rule checks over the whole register, grouped by owner unit (`None`: no owner):
    /// `(unit name, [(管理番号, asset name, finding)])`.
    pub async fn asset_findings(&self, user: &CurrentUser) -> Result<Vec<UnitFindings>, AppError> {
        let body = user.body()?;
        self.asset_findings_of(body.id).await
    }

    /// [`asset_findings`](Self::asset_findings) for a body, without a signed-in user (the CLI).
    pub async fn asset_findings_of(&self, body: BodyId) -> Result<Vec<UnitFindings>, AppError> {
        let mut conn = self.store().conn().await?;
        let (rules, _) = rules_of(&mut conn, body).await?;
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

    /// The body's requests waiting for permission, with their assets: for the register's list.
    pub async fn awaiting_asset_actions(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(EventLine, LinkedAsset)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (rules, _) = rules_of(&mut conn, body.id).await?;
        let mut out = Vec::new();
        for e in store::awaiting_events(&mut conn, body.id).await? {
            let Some(r) = store::get_asset(&mut conn, body.id, e.asset_id).await? else {
                continue;
            };
            out.push((EventLine::of(e, &rules), linked_one(&rules, &r)));
        }
        Ok(out)
    }
}

/// Rebuilds the class-filter rows of every asset of the body under `scheme` (a new edition brought
/// a new classification scheme into force), with one audit record giving the counts. An asset
/// whose stored levels the scheme lacks gets no rows: it shows an error naming 分類 until changed.
pub(crate) async fn reindex_levels(
    tx: &mut WriteTx,
    body: BodyId,
    scheme: &ClassificationScheme,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rules = AssetRules {
        scheme: Arc::new(scheme.clone()),
        roles: Vec::new(),
        checks: CheckContext::default(),
    };
    let mut after = None;
    let (mut reindexed, mut unreadable) = (0usize, 0usize);
    loop {
        let chunk =
            store::list_assets(tx.conn(), body, &AssetFilter::default(), after, 2000).await?;
        let Some(last) = chunk.last() else { break };
        after = Some(last.id);
        for record in &chunk {
            let rows = match rules.classification(record) {
                Ok(c) => {
                    reindexed += 1;
                    rules.level_rows(&c)?
                }
                Err(_) => {
                    unreadable += 1;
                    Vec::new()
                }
            };
            store::put_level_rows(tx.conn(), body, record.id, &rows).await?;
        }
    }
    if reindexed + unreadable > 0 {
        let entry = AuditEntry::new(actor, "asset.reindex", "body", body)
            .body(body)
            .after(&serde_json::json!({
                "scheme": scheme.name(),
                "reindexed": reindexed,
                "unreadable": unreadable,
            }))
            .request(meta.request_id.clone());
        audit::append(tx, now, entry).await?;
    }
    Ok(())
}

/// Registers an asset in the caller's transaction, with its audit record.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn register_in(
    app: &App,
    tx: &mut WriteTx,
    writer: &AssetWriter,
    rules: &AssetRules,
    body: BodyId,
    input: &AssetInput,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<AssetId, AppError> {
    let id = AssetId::new();
    let record = app
        .checked_record(tx, writer, rules, body, id, input, None, now)
        .await?;
    let asset = rules.asset(&record)?;
    store::insert_asset(
        tx.conn(),
        &record,
        &rules.level_rows(&asset.classification)?,
    )
    .await?;
    audit::append(
        tx,
        now,
        asset_entry(actor, "asset.register", &record, &asset, None)
            .request(meta.request_id.clone()),
    )
    .await?;
    Ok(id)
}

/// Records `action` on the asset in the caller's transaction, with its audit record: refused when
/// prohibited, held as a request when it needs permission, done otherwise (廃棄 and 保管 change
/// the asset).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn act(
    tx: &mut WriteTx,
    rules: &AssetRules,
    record: &mut AssetRecord,
    action: Action,
    input: &ActionInput,
    recorded_by: &str,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<ActionOutcome, AppError> {
    if !asset::LIFECYCLE_ACTIONS.contains(&action) {
        return Err(AppError::Invalid(DomainError::new(
            "行為",
            "台帳に記録できる行為から選んでください",
        )));
    }
    let asset = rules.asset(record)?;
    let new_location = input.new_location.trim();
    if action == Action::Store && new_location.chars().count() > asset::LOCATION_MAX_CHARS {
        return Err(AppError::Invalid(DomainError::new(
            "保管場所",
            format!(
                "保管場所は{}文字以内で入力してください",
                asset::LOCATION_MAX_CHARS
            ),
        )));
    }
    let gate = asset::check_action(&rules.scheme, &asset, action)?;
    let person = input.person;
    let entry_input = NewLifecycleRecord {
        at: input.at.or(Some(now)),
        by: person,
        details: input.details.clone(),
        approval: None,
    };
    let (status, roles) = match &gate {
        ActionGate::Prohibited { reason } => {
            return Err(AppError::Invalid(DomainError::new("行為", reason.clone())));
        }
        ActionGate::NeedsPermission { roles, .. } => {
            // Check everything but the approval, so a request is complete when it waits.
            let mut check = entry_input.clone();
            check.approval = Some("pending".to_owned());
            LifecycleRecord::validate(&rules.scheme, &asset, action, &check)
                .map_err(first_error)?;
            (EventStatus::AwaitingApproval, roles.clone())
        }
        ActionGate::Allowed { .. } => {
            LifecycleRecord::validate(&rules.scheme, &asset, action, &entry_input)
                .map_err(first_error)?;
            (EventStatus::Completed, Vec::new())
        }
    };
    let event = AssetEvent {
        id: AssetEventId::new(),
        body_id: record.body_id,
        asset_id: record.id,
        action,
        status,
        acted_at: entry_input.at.unwrap_or(now),
        person,
        details: input.details.trim().to_owned(),
        new_location: (action == Action::Store && !new_location.is_empty())
            .then(|| new_location.to_owned()),
        approval: None,
        required_roles: roles.clone(),
        recorded_by: recorded_by.to_owned(),
        created_at: now,
        completed_at: (status == EventStatus::Completed).then_some(now),
    };
    store::insert_event(tx.conn(), &event).await?;
    let before = record.clone();
    if status == EventStatus::Completed {
        let mut changed = false;
        if action == Action::Disposal {
            record.status = AssetStatus::Disposed;
            changed = true;
        }
        if let Some(location) = &event.new_location {
            record.location = location.clone();
            changed = true;
        }
        if changed {
            record.updated_at = now;
            store::update_asset(tx.conn(), record, &rules.level_rows(&asset.classification)?)
                .await?;
        }
    }
    let audit_action = if status == EventStatus::Completed {
        "asset.action"
    } else {
        "asset.action_requested"
    };
    let entry = AuditEntry::new(actor, audit_action, "asset", record.id)
        .body(record.body_id)
        .before(&serde_json::json!({
            "status": before.status.key(),
            "location": before.location,
        }))
        .after(&serde_json::json!({
            "event": event.id.to_string(),
            "action": action.key(),
            "status": status.key(),
            "acted_at": event.acted_at,
            "person": event.person.map(|p| p.to_string()),
            "details": event.details,
            "new_location": event.new_location,
            "required_roles": roles,
            "asset_status": record.status.key(),
        }))
        .request(meta.request_id.clone());
    audit::append(tx, now, entry).await?;
    Ok(match status {
        EventStatus::AwaitingApproval => ActionOutcome::AwaitingApproval {
            event: event.id,
            roles,
        },
        _ => ActionOutcome::Recorded { event: event.id },
    })
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
                .map(|h| if h.is_deputy {
                    format!("{}（代理）", h.name)
                } else {
                    h.name.clone()
                })
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

fn linked(rules: &AssetRules, records: Vec<AssetRecord>) -> Vec<LinkedAsset> {
    records.iter().map(|r| linked_one(rules, r)).collect()
}

fn linked_one(rules: &AssetRules, r: &AssetRecord) -> LinkedAsset {
    LinkedAsset {
        id: r.id,
        asset_no: r.asset_no.clone(),
        name: r.name.clone(),
        classification: rules
            .classification(r)
            .map_or_else(|e| e.message, |c| c.to_string()),
    }
}

fn first_error(errors: Vec<DomainError>) -> AppError {
    errors.into_iter().next().map_or_else(
        || AppError::Internal("lifecycle validation".to_owned()),
        AppError::Invalid,
    )
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

/// The audit record of a register write: the asset with its number, before and after.
fn asset_entry(
    actor: Actor,
    action: &str,
    record: &AssetRecord,
    asset: &Asset,
    before: Option<(&AssetRecord, &Asset)>,
) -> AuditEntry {
    let view = |r: &AssetRecord, a: &Asset| {
        serde_json::json!({
            "asset_no": r.asset_no,
            "asset": a,
            "classification": a.classification.to_string(),
        })
    };
    let mut entry = AuditEntry::new(actor, action, "asset", record.id)
        .body(record.body_id)
        .after(&view(record, asset));
    if let Some((r, a)) = before {
        entry = entry.before(&view(r, a));
    }
    entry
}
