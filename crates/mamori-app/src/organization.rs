//! Organization and authority: units over time, people, role assignments, the authority resolver
//! and separation of duties.
//!
//! The resolver reads the body's authority matrix — the guideline's 権限・責任等一覧表 with the
//! profile's adjustments, from the edition in force (else the newest) — and the organization on a
//! date. Every feature that needs to know who may permit or approve something asks here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::audit::AuditEntry;
use mamori_domain::authority::{Authority, AuthorityMatrix, Context, MatrixMark, Power};
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{
    OrgChangeKind, OrgUnit, Person, PersonStatus, PersonVersion, Post, RoleAssignment,
    RoleDefinition, RoleScope, UnitKind,
};
use mamori_domain::policy::Profile;
use mamori_domain::separation::{self, SodException, SodRule};
use mamori_store::{AnyConnection, WriteTx, audit, org};
use serde::Serialize;

use crate::access::OrgEditor;
use crate::catalog::guideline;
use crate::notify::Notice;
pub(crate) use crate::ruling::role_names;
use crate::ruling::{OrgView, tree_of};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// Field names as the organization screens label them.
pub mod field {
    pub const UNIT: &str = "所属";
    pub const UNIT_CODE: &str = "組織コード";
    pub const UNIT_NAME: &str = "組織名";
    pub const PARENT: &str = "上位組織";
    pub const AGENCY: &str = "行政機関";
    pub const EFFECTIVE: &str = "適用日";
    pub const STAFF_NUMBER: &str = "職員番号";
    pub const NAME: &str = "氏名";
    pub const KANA: &str = "ふりがな";
    pub const TITLE: &str = "職名";
    pub const EMPLOYMENT: &str = "雇用区分";
    pub const EMAIL: &str = "メール";
    pub const STATUS: &str = "在職状況";
    pub const ROLE: &str = "役割";
    pub const PERSON: &str = "職員";
    pub const SYSTEM: &str = "情報システム";
    pub const VALID_FROM: &str = "開始日";
    pub const VALID_TO: &str = "終了日";
    pub const CLAUSE: &str = "条項";
}

/// A unit in the tree of a date, with what the screens show beside it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub unit: OrgUnit,
    pub depth: usize,
    pub people: usize,
    /// 「情報セキュリティ責任者: 田中 由美子」 …, for the unit's own unit-scoped roles.
    pub holders: Vec<String>,
}

/// A role assignment with the names the screens show.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentView {
    pub assignment: RoleAssignment,
    pub role_name: String,
    pub person_name: String,
    pub staff_number: String,
    pub scope: Option<String>,
    pub post: Option<String>,
}

impl AssignmentView {
    /// 「情報セキュリティ管理者（代理）（市民課）」.
    pub fn label(&self) -> String {
        let mut label = self.role_name.clone();
        if self.assignment.is_deputy {
            label.push_str("（代理）");
        }
        match &self.scope {
            Some(scope) => format!("{label}（{scope}）"),
            None => label,
        }
    }
}

/// A person with their unit's name, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub person: Person,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeoplePage {
    pub rows: Vec<PersonRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// One line of a person's history, with the unit's name.
#[derive(Debug, Clone, Serialize)]
pub struct PersonHistoryLine {
    pub version: PersonVersion,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: Person,
    pub unit_name: String,
    pub history: Vec<PersonHistoryLine>,
    pub assignments: Vec<AssignmentView>,
    /// What the person may permit or approve today.
    pub powers: Vec<Power>,
}

/// A new or changed person, as typed on the screen.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub staff_number: String,
    pub name: String,
    pub name_kana: String,
    pub unit: Option<OrgUnitId>,
    pub title: String,
    pub employment_kind: String,
    pub email: String,
    pub status: String,
    /// From when the change holds (defaults to today).
    pub effective: Option<NaiveDate>,
}

/// A role assignment to make.
#[derive(Debug, Clone)]
pub struct AssignmentInput {
    pub role: String,
    pub person: PersonId,
    pub unit: Option<OrgUnitId>,
    pub system: Option<String>,
    pub is_deputy: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Tie the assignment to the person's post (所属 + 職名) so it follows transfers.
    pub tie_to_post: bool,
}

/// A unit change: rename, move or a new 行政機関 kind, from a date.
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<OrgUnitId>,
    pub agency_kind: String,
    pub effective: NaiveDate,
}

/// A deciding role of a clause, as the matrix screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DecidingClause {
    pub clause: String,
    pub title: String,
    pub marks: Vec<(String, MatrixMark)>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

/// The longest name, code or number of the organization (units, people, kinds).
const ORG_TEXT_MAX_CHARS: usize = 200;

/// A required single-line value of the organization: trimmed, not empty, at most
/// [`ORG_TEXT_MAX_CHARS`], no control or bidirectional characters.
fn required(field: &str, value: &str) -> Result<String, AppError> {
    let v = mamori_domain::text::single_line(field, value, ORG_TEXT_MAX_CHARS)?;
    if v.is_empty() {
        return Err(invalid(field, "入力してください"));
    }
    Ok(v)
}

/// The body's profile that rules today: the edition in force, else the newest edition.
pub(crate) async fn ruling_profile(
    conn: &mut AnyConnection,
    body: BodyId,
) -> Result<Option<Profile>, AppError> {
    Ok(crate::ruling::ruling(conn, body).await?.profile.clone())
}

/// The guideline's 権限・責任等一覧表 with the profile's adjustments (built once per set of
/// adjustments).
pub fn authority_matrix(
    profile: Option<&Profile>,
) -> Result<std::sync::Arc<AuthorityMatrix>, AppError> {
    crate::ruling::matrix(profile)
}

impl App {
    /// The organization on `on`, as the resolver needs it (kept per rule stamp).
    pub(crate) async fn org_snapshot(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        on: NaiveDate,
    ) -> Result<Arc<OrgView>, AppError> {
        Ok(crate::ruling::ruling_and_org(conn, body, on).await?.1)
    }

    /// The units of the user's body on `on`, as a tree in display order (depth-first).
    pub async fn org_tree(
        &self,
        user: &CurrentUser,
        on: NaiveDate,
    ) -> Result<Vec<UnitRow>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let units = org::units_on(&mut conn, body.id, on).await?;
        let snapshot = self.org_snapshot(&mut conn, body.id, on).await?;
        let mut people_per_unit: HashMap<OrgUnitId, usize> = HashMap::new();
        for (_, _, unit, _, status) in org::people_on(&mut conn, body.id, on).await? {
            if status != PersonStatus::Retired {
                *people_per_unit.entry(unit).or_default() += 1;
            }
        }
        let mut children: BTreeMap<Option<OrgUnitId>, Vec<&OrgUnit>> = BTreeMap::new();
        let ids: std::collections::HashSet<OrgUnitId> = units.iter().map(|u| u.id).collect();
        for u in &units {
            // A parent that did not exist on the date puts the unit at the top.
            let parent = u.parent_id.filter(|p| ids.contains(p));
            children.entry(parent).or_default().push(u);
        }
        let mut out = Vec::new();
        let mut stack: Vec<(&OrgUnit, usize)> = children
            .get(&None)
            .map(|v| v.iter().rev().map(|u| (*u, 0)).collect())
            .unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        while let Some((unit, depth)) = stack.pop() {
            if !seen.insert(unit.id) {
                continue;
            }
            let holders = snapshot
                .assignments
                .iter()
                .filter(|a| a.unit == Some(unit.id))
                .map(|a| {
                    let role = snapshot
                        .roles
                        .iter()
                        .find(|r| r.key == a.role)
                        .map_or(a.role.as_str(), |r| r.name.as_str());
                    let deputy = if a.is_deputy { "（代理）" } else { "" };
                    format!("{role}{deputy}: {}", a.person_name)
                })
                .collect();
            out.push(UnitRow {
                unit: unit.clone(),
                depth,
                people: people_per_unit.get(&unit.id).copied().unwrap_or(0),
                holders,
            });
            if let Some(kids) = children.get(&Some(unit.id)) {
                for k in kids.iter().rev() {
                    stack.push((k, depth + 1));
                }
            }
        }
        Ok(out)
    }

    /// 組織改正 of the user's body, newest first.
    pub async fn org_changes(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(NaiveDate, OrgChangeKind, String)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(org::org_changes(&mut conn, body.id).await?)
    }

    /// A unit with its names over time.
    pub async fn org_unit(
        &self,
        user: &CurrentUser,
        id: OrgUnitId,
    ) -> Result<(OrgUnit, Vec<(NaiveDate, String, Option<String>, String)>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let unit = org::find_unit(&mut conn, id)
            .await?
            .filter(|u| u.body_id == body.id)
            .ok_or_else(|| AppError::NotFound("組織".to_owned()))?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let history = org::unit_history(&mut conn, id)
            .await?
            .into_iter()
            .map(|(from, name, parent, agency)| {
                (
                    from,
                    name,
                    parent.and_then(|p| names.get(&p).cloned()),
                    agency,
                )
            })
            .collect();
        Ok((unit, history))
    }

    /// Creates a unit, effective from a date.
    pub async fn create_unit(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        input: UnitInput,
        meta: &RequestMeta,
    ) -> Result<OrgUnit, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let unit = self.validate_unit(&mut tx, body.id, None, &input).await?;
        org::insert_unit(tx.conn(), &unit, now).await?;
        org::insert_org_change(
            tx.conn(),
            body.id,
            OrgChangeKind::Create,
            input.effective,
            &format!("{}を新設", unit.name),
            now,
        )
        .await?;
        let entry = AuditEntry::new(user.actor(), "org_unit.create", "org_unit", unit.id)
            .body(body.id)
            .after(&unit)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Renames a unit, moves it under another parent or changes its 行政機関 kind, from a date;
    /// earlier dates keep the earlier values.
    pub async fn change_unit(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        id: OrgUnitId,
        input: UnitInput,
        meta: &RequestMeta,
    ) -> Result<OrgUnit, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = org::find_unit(tx.conn(), id)
            .await?
            .filter(|u| u.body_id == body.id)
            .ok_or_else(|| AppError::NotFound("組織".to_owned()))?;
        if input.effective < before.valid_from {
            return Err(invalid(
                field::EFFECTIVE,
                format!(
                    "{}より前の日付は指定できません（組織の設置日）",
                    before.valid_from
                ),
            ));
        }
        let unit = self
            .validate_unit(&mut tx, body.id, Some(&before), &input)
            .await?;
        org::put_unit_version(tx.conn(), &unit, input.effective, self.today()).await?;
        let mut parts = Vec::new();
        if unit.name != before.name {
            parts.push((
                OrgChangeKind::Rename,
                format!("{}を{}に名称変更", before.name, unit.name),
            ));
        }
        if unit.parent_id != before.parent_id || unit.agency_kind != before.agency_kind {
            parts.push((
                OrgChangeKind::Move,
                format!("{}の所管・種別を変更", unit.name),
            ));
        }
        for (kind, summary) in &parts {
            org::insert_org_change(tx.conn(), body.id, *kind, input.effective, summary, now)
                .await?;
        }
        let entry = AuditEntry::new(user.actor(), "org_unit.change", "org_unit", unit.id)
            .body(body.id)
            .before(&before)
            .after(&unit)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Abolishes a unit from `effective` (廃止), or merges it into `successor` (統合): its people
    /// and the units under it move to the successor, its own role assignments end the day before,
    /// and roles tied to its posts pass on or are reported as vacant. A split is new units plus
    /// this, with a 人事異動 for the people who go elsewhere. Returns notes on the roles that ended,
    /// passed on or were left without a holder.
    pub async fn abolish_unit(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        id: OrgUnitId,
        successor: Option<OrgUnitId>,
        effective: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<(OrgUnit, Vec<String>), AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let unit = org::find_unit(tx.conn(), id)
            .await?
            .filter(|u| u.body_id == body.id && u.exists_on(effective))
            .ok_or_else(|| invalid(field::EFFECTIVE, "適用日に存在する組織ではありません"))?;
        if effective <= unit.valid_from {
            return Err(invalid(
                field::EFFECTIVE,
                format!(
                    "{}より後の日付にしてください（組織の設置日）",
                    unit.valid_from
                ),
            ));
        }
        let units = org::units_on(tx.conn(), body.id, effective).await?;
        let tree = tree_of(&units, effective);
        let successor_unit = match successor {
            None => None,
            Some(s) => {
                let found = units
                    .iter()
                    .find(|u| u.id == s)
                    .ok_or_else(|| invalid("統合先", "適用日に存在する組織を選んでください"))?;
                if tree.is_within(s, id) {
                    return Err(invalid(
                        "統合先",
                        "廃止する組織自身やその下の組織には統合できません",
                    ));
                }
                Some(found.clone())
            }
        };
        // The people in the unit on the date (a merge may be dated ahead).
        let members: std::collections::HashSet<PersonId> =
            org::people_on(tx.conn(), body.id, effective)
                .await?
                .into_iter()
                .filter(|(_, _, unit, _, status)| *unit == id && *status != PersonStatus::Retired)
                .map(|(p, ..)| p)
                .collect();
        let people: Vec<Person> = org::all_people(tx.conn(), body.id)
            .await?
            .into_iter()
            .filter(|p| members.contains(&p.id))
            .collect();
        let children: Vec<&OrgUnit> = units.iter().filter(|u| u.parent_id == Some(id)).collect();
        let Some(target) = &successor_unit else {
            if !people.is_empty() || !children.is_empty() {
                return Err(invalid(
                    "統合先",
                    format!(
                        "{}には職員{}人と下位の組織{}があります。統合先を選ぶか、先に人事異動で異動させてください",
                        unit.name,
                        people.len(),
                        children.len()
                    ),
                ));
            }
            return self
                .finish_abolish(tx, user, unit, None, effective, now, meta)
                .await;
        };
        let actor = user.actor();
        for mut person in people {
            let before = person.clone();
            person.unit_id = target.id;
            org::update_person(tx.conn(), &person, effective, "組織改正", self.today()).await?;
            let entry = AuditEntry::new(actor.clone(), "person.transfer", "person", person.id)
                .body(body.id)
                .before(&before)
                .after(&person);
            audit::append(&mut tx, now, entry).await?;
        }
        for child in children {
            let moved = OrgUnit {
                parent_id: Some(target.id),
                ..child.clone()
            };
            org::put_unit_version(tx.conn(), &moved, effective, self.today()).await?;
            let entry = AuditEntry::new(actor.clone(), "org_unit.change", "org_unit", moved.id)
                .body(body.id)
                .before(child)
                .after(&moved);
            audit::append(&mut tx, now, entry).await?;
        }
        self.finish_abolish(tx, user, unit, successor_unit, effective, now, meta)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_abolish(
        &self,
        mut tx: WriteTx,
        user: &CurrentUser,
        unit: OrgUnit,
        successor: Option<OrgUnit>,
        effective: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
        meta: &RequestMeta,
    ) -> Result<(OrgUnit, Vec<String>), AppError> {
        let body = unit.body_id;
        let actor = user.actor();
        let last_day = effective.pred_opt().unwrap_or(effective);
        // The unit's own roles (its 情報セキュリティ管理者 …) end with it.
        let defs = org::list_role_definitions(tx.conn(), body).await?;
        let names: HashMap<PersonId, String> = org::all_people(tx.conn(), body)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let mut notes = Vec::new();
        for a in org::assignments(tx.conn(), body, Some(effective)).await? {
            if a.unit_id == Some(unit.id) {
                let role = defs
                    .iter()
                    .find(|d| d.key == a.role_key)
                    .map_or(a.role_key.as_str(), |d| d.name.as_str());
                notes.push(format!(
                    "{role}（{}）: {} — 組織の廃止により終了",
                    unit.name,
                    names.get(&a.person_id).map_or("", String::as_str)
                ));
                org::end_assignment(tx.conn(), a.id, last_day).await?;
                let entry = AuditEntry::new(
                    actor.clone(),
                    "role_assignment.end",
                    "role_assignment",
                    a.id,
                )
                .body(body)
                .before(&a)
                .after(&serde_json::json!({ "valid_to": last_day }));
                audit::append(&mut tx, now, entry).await?;
            }
        }
        let (passed, vacancies) =
            crate::posts::pass_posts(&mut tx, body, effective, &actor, now).await?;
        notes.extend(passed);
        notes.extend(vacancies);
        org::abolish_unit(
            tx.conn(),
            unit.id,
            last_day,
            successor.as_ref().map(|s| s.id),
        )
        .await?;
        let (kind, summary) = match &successor {
            Some(s) => (
                OrgChangeKind::Merge,
                format!("{}を{}に統合", unit.name, s.name),
            ),
            None => (OrgChangeKind::Abolish, format!("{}を廃止", unit.name)),
        };
        // What happened to the roles stays readable in the 組織改正 list.
        let summary = if notes.is_empty() {
            summary
        } else {
            format!("{summary}（役割: {}）", notes.join("／"))
        };
        org::insert_org_change(tx.conn(), body, kind, effective, &summary, now).await?;
        let after = OrgUnit {
            valid_to: Some(last_day),
            successor_id: successor.as_ref().map(|s| s.id),
            ..unit.clone()
        };
        let entry = AuditEntry::new(actor, "org_unit.abolish", "org_unit", unit.id)
            .body(body)
            .before(&unit)
            .after(&after)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok((after, notes))
    }

    async fn validate_unit(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        existing: Option<&OrgUnit>,
        input: &UnitInput,
    ) -> Result<OrgUnit, AppError> {
        let name = required(field::UNIT_NAME, &input.name)?;
        let agency_kind = required(field::AGENCY, &input.agency_kind)?;
        let kind = UnitKind::parse(&input.kind)
            .ok_or_else(|| invalid("種別", "部局・課室・係のいずれかを選んでください"))?;
        let units = org::units_on(tx.conn(), body, input.effective).await?;
        if let Some(parent) = input.parent {
            if !units.iter().any(|u| u.id == parent) {
                return Err(invalid(
                    field::PARENT,
                    "適用日に存在する組織を選んでください",
                ));
            }
            if let Some(me) = existing {
                let snapshot = tree_of(&units, input.effective);
                if snapshot.is_within(parent, me.id) {
                    return Err(invalid(
                        field::PARENT,
                        "自分自身や下位の組織を上位組織にすることはできません",
                    ));
                }
            }
        } else if kind != UnitKind::Department {
            return Err(invalid(
                field::PARENT,
                "課室・係には上位組織を選んでください",
            ));
        }
        if units.iter().any(|u| {
            u.name == name && u.parent_id == input.parent && Some(u.id) != existing.map(|e| e.id)
        }) {
            return Err(invalid(
                field::UNIT_NAME,
                format!("「{name}」は同じ上位組織の下に既にあります"),
            ));
        }
        Ok(match existing {
            Some(e) => OrgUnit {
                name,
                kind,
                parent_id: input.parent,
                agency_kind,
                ..e.clone()
            },
            None => {
                let code = required(field::UNIT_CODE, &input.code)?;
                if org::all_units(tx.conn(), body)
                    .await?
                    .iter()
                    .any(|u| u.code == code)
                {
                    return Err(invalid(
                        field::UNIT_CODE,
                        format!("組織コード「{code}」は既に使われています"),
                    ));
                }
                OrgUnit {
                    id: OrgUnitId::new(),
                    body_id: body,
                    parent_id: input.parent,
                    code,
                    kind,
                    agency_kind,
                    name,
                    sort_order: org::count_units(tx.conn(), body).await?,
                    valid_from: input.effective,
                    valid_to: None,
                    successor_id: None,
                }
            }
        })
    }

    /// People of the user's body, 50 to a page, filtered by unit (with the units below it) and
    /// by text (職員番号, 氏名, ふりがな).
    pub async fn people(
        &self,
        user: &CurrentUser,
        unit: Option<OrgUnitId>,
        text: Option<&str>,
        page: i64,
    ) -> Result<PeoplePage, AppError> {
        const PER_PAGE: i64 = 50;
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let units = org::all_units(&mut conn, body.id).await?;
        let names: HashMap<OrgUnitId, String> =
            units.iter().map(|u| (u.id, u.name.clone())).collect();
        let within: Option<Vec<OrgUnitId>> = match unit {
            Some(u) => {
                // Only the tree is needed here, not the roles and people of a full snapshot.
                let tree = tree_of(&org::units_on(&mut conn, body.id, today).await?, today);
                Some(
                    units
                        .iter()
                        .filter(|x| tree.is_within(x.id, u))
                        .map(|x| x.id)
                        .collect(),
                )
            }
            None => None,
        };
        let page = page.max(1);
        let (people, total) = org::search_people(
            &mut conn,
            body.id,
            within.as_deref(),
            text,
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
        Ok(PeoplePage {
            rows: people
                .into_iter()
                .map(|p| PersonRow {
                    unit_name: names.get(&p.unit_id).cloned().unwrap_or_default(),
                    person: p,
                })
                .collect(),
            total,
            page,
            pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        })
    }

    /// Every person of the user's body with their unit's name, by 職員番号 (for pickers).
    pub async fn all_people(&self, user: &CurrentUser) -> Result<Vec<PersonRow>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(org::all_people(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|p| PersonRow {
                unit_name: names.get(&p.unit_id).cloned().unwrap_or_default(),
                person: p,
            })
            .collect())
    }

    /// A person with history, roles and what they may decide today.
    pub async fn person(&self, user: &CurrentUser, id: PersonId) -> Result<PersonDetail, AppError> {
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let person = org::find_person(&mut conn, id)
            .await?
            .filter(|p| p.body_id == body.id)
            .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let history = org::person_history(&mut conn, id)
            .await?
            .into_iter()
            .map(|v| PersonHistoryLine {
                unit_name: names.get(&v.unit_id).cloned().unwrap_or_default(),
                version: v,
            })
            .collect();
        let held = org::assignments_of(&mut conn, id).await?;
        let assignments = self
            .assignment_views(&mut conn, body.id, held, ruling.profile.as_ref())
            .await?;
        let snapshot = self.org_snapshot(&mut conn, body.id, today).await?;
        let matrix = ruling.matrix.clone();
        Ok(PersonDetail {
            unit_name: names.get(&person.unit_id).cloned().unwrap_or_default(),
            powers: snapshot.what_may(&matrix, id),
            person,
            history,
            assignments,
        })
    }

    async fn assignment_views(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        list: Vec<RoleAssignment>,
        profile: Option<&Profile>,
    ) -> Result<Vec<AssignmentView>, AppError> {
        let defs = role_names(&org::list_role_definitions(conn, body).await?, profile);
        let units: HashMap<OrgUnitId, String> = org::all_units(conn, body)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let people: HashMap<PersonId, Person> = org::all_people(conn, body)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(list
            .into_iter()
            .map(|a| {
                let person = people.get(&a.person_id);
                AssignmentView {
                    role_name: defs
                        .iter()
                        .find(|d| d.key == a.role_key)
                        .map_or_else(|| a.role_key.clone(), |d| d.name.clone()),
                    person_name: person.map(|p| p.name.clone()).unwrap_or_default(),
                    staff_number: person.map(|p| p.staff_number.clone()).unwrap_or_default(),
                    scope: a
                        .unit_id
                        .and_then(|u| units.get(&u).cloned())
                        .or_else(|| a.system_name.clone()),
                    post: a.post.as_ref().map(|p| {
                        format!(
                            "{} {}",
                            units.get(&p.unit_id).cloned().unwrap_or_default(),
                            p.title
                        )
                    }),
                    assignment: a,
                }
            })
            .collect())
    }

    /// Who holds which role on `on` (the 注2 one-page list), or every assignment ever with `None`.
    pub async fn role_assignments(
        &self,
        user: &CurrentUser,
        on: Option<NaiveDate>,
    ) -> Result<Vec<AssignmentView>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let list = org::assignments(&mut conn, body.id, on).await?;
        self.assignment_views(&mut conn, body.id, list, ruling.profile.as_ref())
            .await
    }

    /// The body's role set with the names its profile gives them.
    pub async fn role_set(&self, user: &CurrentUser) -> Result<Vec<RoleDefinition>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        Ok(role_names(
            &org::list_role_definitions(&mut conn, body.id).await?,
            ruling.profile.as_ref(),
        ))
    }

    /// Creates or changes a person. The change holds from `effective` (today by default) and is
    /// kept in the person's history.
    pub async fn save_person(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        id: Option<PersonId>,
        input: PersonInput,
        meta: &RequestMeta,
    ) -> Result<Person, AppError> {
        let body = user.body()?;
        let now = self.now();
        let effective = input.effective.unwrap_or_else(|| self.today());
        if effective > self.today() {
            return Err(invalid(
                field::EFFECTIVE,
                "先日付の異動は人事異動（一括）で登録してください",
            ));
        }
        let mut tx = self.store().begin_write().await?;
        let units = org::units_on(tx.conn(), body.id, effective).await?;
        let unit = input
            .unit
            .filter(|u| units.iter().any(|x| x.id == *u))
            .ok_or_else(|| invalid(field::UNIT, "適用日に存在する組織を選んでください"))?;
        let email = input.email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(invalid(field::EMAIL, "メールアドレスの形式ではありません"));
        }
        let employment_kind = required(field::EMPLOYMENT, &input.employment_kind)?;
        let status = PersonStatus::parse(&input.status)
            .ok_or_else(|| invalid(field::STATUS, "在職・休職・退職のいずれかを選んでください"))?;
        let mut person = Person {
            id: id.unwrap_or_default(),
            body_id: body.id,
            staff_number: required(field::STAFF_NUMBER, &input.staff_number)?,
            name: required(field::NAME, &input.name)?,
            name_kana: input.name_kana.trim().to_owned(),
            unit_id: unit,
            title: input.title.trim().to_owned(),
            employment_kind,
            email: (!email.is_empty()).then(|| email.to_owned()),
            status,
        };
        let others = org::all_people(tx.conn(), body.id).await?;
        if others
            .iter()
            .any(|p| p.staff_number == person.staff_number && Some(p.id) != id)
        {
            return Err(invalid(
                field::STAFF_NUMBER,
                format!("職員番号「{}」は既に登録されています", person.staff_number),
            ));
        }
        let entry = match id {
            None => {
                org::insert_person(tx.conn(), &person, effective, "登録", now).await?;
                AuditEntry::new(user.actor(), "person.create", "person", person.id).after(&person)
            }
            Some(id) => {
                let before = others
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
                person.id = before.id;
                org::update_person(tx.conn(), &person, effective, "変更", self.today()).await?;
                if person.moved_from(&before) {
                    crate::posts::refuse_moving_oneself(user, std::iter::once(id))?;
                    crate::posts::pass_posts(&mut tx, body.id, effective, &user.actor(), now)
                        .await?;
                }
                if person.status == PersonStatus::Retired && before.status != PersonStatus::Retired
                {
                    crate::posts::disable_accounts_of_leavers(
                        &mut tx,
                        body.id,
                        &[person.id],
                        &user.actor(),
                        now,
                    )
                    .await?;
                }
                AuditEntry::new(user.actor(), "person.change", "person", person.id)
                    .before(&before)
                    .after(&person)
            }
        };
        audit::append(
            &mut tx,
            now,
            entry.body(body.id).request(meta.request_id.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Assigns a role. Unit roles need a unit, system roles a system name, body roles neither.
    pub async fn assign_role(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        input: AssignmentInput,
        meta: &RequestMeta,
    ) -> Result<RoleAssignment, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let defs = org::list_role_definitions(tx.conn(), body.id).await?;
        let def = defs
            .iter()
            .find(|d| d.key == input.role)
            .ok_or_else(|| invalid(field::ROLE, "団体の役割から選んでください"))?;
        let person = org::find_person(tx.conn(), input.person)
            .await?
            .filter(|p| p.body_id == body.id)
            .ok_or_else(|| invalid(field::PERSON, "職員を選んでください"))?;
        // Authority is never self-granted: another editor (or the setup of the body) names
        // the editor to a role.
        if user.account.person_id == Some(person.id) {
            return Err(AppError::Forbidden(
                "自分自身への役割の任命（任命は別の組織編集者が行います）".to_owned(),
            ));
        }
        if input.valid_to.is_some_and(|to| to < input.valid_from) {
            return Err(invalid(field::VALID_TO, "終了日は開始日以後にしてください"));
        }
        let system = input
            .system
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let (unit, system) = match def.scope {
            RoleScope::Body => (None, None),
            RoleScope::Unit => {
                let units = org::units_on(tx.conn(), body.id, input.valid_from).await?;
                let unit = input
                    .unit
                    .filter(|u| units.iter().any(|x| x.id == *u))
                    .ok_or_else(|| {
                        invalid(
                            field::UNIT,
                            format!(
                                "{}は所属ごとの役割です。開始日に存在する組織を選んでください",
                                def.name
                            ),
                        )
                    })?;
                (Some(unit), None)
            }
            RoleScope::System => {
                let system = system.ok_or_else(|| {
                    invalid(
                        field::SYSTEM,
                        format!(
                            "{}は情報システムごとの役割です。情報システム名を入力してください",
                            def.name
                        ),
                    )
                })?;
                (None, Some(system))
            }
        };
        let existing = org::assignments(tx.conn(), body.id, Some(input.valid_from)).await?;
        if existing.iter().any(|a| {
            a.role_key == def.key
                && a.person_id == person.id
                && a.unit_id == unit
                && a.system_name == system
        }) {
            return Err(invalid(
                field::ROLE,
                format!("{}さんは開始日に既にこの役割を担っています", person.name),
            ));
        }
        let assignment = RoleAssignment {
            id: RoleAssignmentId::new(),
            body_id: body.id,
            role_key: def.key.clone(),
            person_id: person.id,
            unit_id: unit,
            system_name: system,
            is_deputy: input.is_deputy,
            valid_from: input.valid_from,
            valid_to: input.valid_to,
            post: input.tie_to_post.then(|| Post {
                unit_id: person.unit_id,
                title: person.title.clone(),
            }),
        };
        org::insert_assignment(tx.conn(), &assignment, now).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "role_assignment.create",
            "role_assignment",
            assignment.id,
        )
        .body(body.id)
        .after(&assignment)
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        // A role that decides (the profile's deciding role) or gives permissions (the CISO, the
        // 統括, …) is told to those who hold it now, so that a new holder is never a surprise.
        let deciding = ruling_profile(tx.conn(), body.id)
            .await?
            .map_or_else(|| "ciso".to_owned(), |p| p.deciding_role);
        if def.key == deciding || !def.grants.is_empty() {
            let holders: Vec<PersonId> = existing
                .iter()
                .filter(|a| a.role_key == def.key && a.person_id != person.id)
                .map(|a| a.person_id)
                .collect();
            let notice = Notice {
                recipients: holders,
                subject: format!("役割の任命: {}", def.name),
                text: format!(
                    "{}さんが{}さんを{}に任命しました（{}から）。\n\
                     心当たりのない任命は、情報セキュリティの担当にすぐに知らせてください。",
                    user.name(),
                    person.name,
                    def.name,
                    mamori_domain::wareki::format_gregorian_as_wareki(input.valid_from),
                ),
                link: Some("/org/roles".to_owned()),
            };
            self.notify_in(&mut tx, body.id, &notice, now).await?;
        }
        tx.commit().await?;
        Ok(assignment)
    }

    /// Ends an assignment on `last_day` (inclusive). The past stays: who held the role on any
    /// earlier date is still answered.
    pub async fn end_role(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        id: RoleAssignmentId,
        last_day: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<RoleAssignment, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = org::find_assignment(tx.conn(), id)
            .await?
            .filter(|a| a.body_id == body.id)
            .ok_or_else(|| AppError::NotFound("役割の任命".to_owned()))?;
        if last_day < before.valid_from {
            return Err(invalid(
                field::VALID_TO,
                format!("終了日は開始日（{}）以後にしてください", before.valid_from),
            ));
        }
        if before.valid_to.is_some_and(|to| to <= last_day) {
            return Err(invalid(
                field::VALID_TO,
                "この任命はその日より前に終了しています",
            ));
        }
        org::end_assignment(tx.conn(), id, last_day).await?;
        let after = RoleAssignment {
            valid_to: Some(last_day),
            ..before.clone()
        };
        let entry = AuditEntry::new(user.actor(), "role_assignment.end", "role_assignment", id)
            .body(body.id)
            .before(&before)
            .after(&after)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Who may permit or approve `clause` for a unit (and system) on `on`.
    pub async fn who_may(
        &self,
        user: &CurrentUser,
        clause: &str,
        context: &Context,
        on: NaiveDate,
    ) -> Result<Vec<Authority>, AppError> {
        self.approvers(user.body()?.id, clause, context, on).await
    }

    /// «Who may permit or approve `clause` here on `on`» for a body, without a signed-in user
    /// (`mamori authority approvers`).
    pub async fn approvers(
        &self,
        body: BodyId,
        clause: &str,
        context: &Context,
        on: NaiveDate,
    ) -> Result<Vec<Authority>, AppError> {
        let clause = clause.trim();
        if guideline()?.clause(clause).is_none() {
            return Err(invalid(
                field::CLAUSE,
                format!("条項「{clause}」はガイドラインにありません"),
            ));
        }
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body).await?;
        let snapshot = self.org_snapshot(&mut conn, body, on).await?;
        let matrix = ruling.matrix.clone();
        Ok(snapshot.who_may(&matrix, clause, context)?)
    }

    /// The unit of a body with this code or (unique) name on `on`, for the command line.
    pub async fn unit_by_code_or_name(
        &self,
        body: BodyId,
        text: &str,
        on: NaiveDate,
    ) -> Result<OrgUnit, AppError> {
        let mut conn = self.store().conn().await?;
        let units = org::units_on(&mut conn, body, on).await?;
        let text = text.trim();
        if let Some(u) = units.iter().find(|u| u.code == text) {
            return Ok(u.clone());
        }
        let named: Vec<&OrgUnit> = units.iter().filter(|u| u.name == text).collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(invalid(field::UNIT, format!("組織「{text}」はありません"))),
            _ => Err(invalid(
                field::UNIT,
                format!("「{text}」という組織が複数あります。組織コードで指定してください"),
            )),
        }
    }

    /// What `person` may permit or approve on `on`.
    pub async fn what_may(
        &self,
        user: &CurrentUser,
        person: PersonId,
        on: NaiveDate,
    ) -> Result<Vec<Power>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let snapshot = self.org_snapshot(&mut conn, body.id, on).await?;
        Ok(snapshot.what_may(&ruling.matrix.clone(), person))
    }

    /// The clauses with 許 or 承 in the body's matrix, with titles, for the resolver screen.
    pub async fn deciding_clauses(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<DecidingClause>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let matrix = ruling.matrix.clone();
        let catalog = guideline()?;
        let mut out: Vec<(u32, DecidingClause)> = matrix
            .deciding_clauses()
            .map(|(id, marks)| {
                let clause = catalog.clause(id);
                (
                    clause.map_or(u32::MAX, |c| c.order),
                    DecidingClause {
                        clause: id.to_owned(),
                        title: clause.map(|c| c.title.clone()).unwrap_or_default(),
                        marks: marks
                            .iter()
                            .filter(|m| m.mark.decides())
                            .map(|m| (m.role.clone(), m.mark))
                            .collect(),
                    },
                )
            })
            .collect();
        out.sort_by_key(|(order, _)| *order);
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }

    /// Checks 兼務の禁止 ① for a decision. When the rule is broken, the profile may allow an
    /// exception with a reason; the exception is recorded in the audit trail in `tx`.
    pub async fn check_decision_separation(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        applicant: PersonId,
        subjects: &[PersonId],
        decider: PersonId,
        case: &SodCase<'_>,
    ) -> Result<Option<SodException>, AppError> {
        let Err(violation) = separation::check_decision(applicant, subjects, decider) else {
            return Ok(None);
        };
        self.excuse(tx, user, &violation, case).await.map(Some)
    }

    /// Checks 兼務の禁止 ② for an audit of `audited` by `auditor` on `on`.
    pub async fn check_audit_separation(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        auditor: PersonId,
        audited: OrgUnitId,
        on: NaiveDate,
        case: &SodCase<'_>,
    ) -> Result<Option<SodException>, AppError> {
        let body = user.body()?;
        let snapshot = self.org_snapshot(tx.conn(), body.id, on).await?;
        let auditor_unit = org::people_on(tx.conn(), body.id, on)
            .await?
            .into_iter()
            .find(|p| p.0 == auditor)
            .map(|p| p.2);
        let Err(violation) = separation::check_audit(&snapshot, auditor, auditor_unit, audited)
        else {
            return Ok(None);
        };
        self.excuse(tx, user, &violation, case).await.map(Some)
    }

    async fn excuse(
        &self,
        tx: &mut WriteTx,
        user: &CurrentUser,
        violation: &separation::SodViolation,
        case: &SodCase<'_>,
    ) -> Result<SodException, AppError> {
        let body = user.body()?;
        // A body without an edition allows no exception.
        let policy = ruling_profile(tx.conn(), body.id)
            .await?
            .map(|p| p.separation)
            .unwrap_or_default();
        let exception = policy.excuse(violation, case.reason)?;
        let entry = AuditEntry::new(
            user.actor(),
            "separation.exception",
            case.target_type,
            case.target_id,
        )
        .body(body.id)
        .after(&exception);
        audit::append(tx, self.now(), entry).await?;
        Ok(exception)
    }

    /// The rules of 兼務の禁止 and the exceptions the body's profile allows.
    pub async fn separation_rules(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(SodRule, Option<String>)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        Ok(SodRule::ALL
            .into_iter()
            .map(|r| {
                (
                    r,
                    ruling
                        .profile
                        .as_ref()
                        .and_then(|p| p.separation.exceptions.get(&r).cloned()),
                )
            })
            .collect())
    }
}

/// What a separation check is about: the record it guards (for the audit of an exception) and
/// the reason the user gave for one, if any.
#[derive(Debug, Clone, Copy)]
pub struct SodCase<'a> {
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub reason: Option<&'a str>,
}

/// A pragmatic e-mail check: one @, a non-empty local part, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        _ => false,
    }
}

impl App {
    /// Creates the login account of a person (one per person), with an initial password the
    /// person changes. Refused for people who have left.
    pub async fn create_person_account(
        &self,
        user: &CurrentUser,
        _may: &OrgEditor,
        person: PersonId,
        login: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<mamori_domain::account::Account, AppError> {
        use mamori_domain::account::{Account, DisplayName, Login, NewPassword, PasswordRule};
        let body = user.body()?;
        let login = Login::parse(login)?;
        let min_len = self.password_min_length(Some(body.id)).await?;
        let password = NewPassword::parse(
            password,
            &PasswordRule {
                min_len,
                login: Some(login.as_str()),
            },
        )?;
        let now = self.now();
        let hash = crate::auth::hash_password(password.expose().to_owned()).await?;
        let mut tx = self.store().begin_write().await?;
        let p = org::find_person(tx.conn(), person)
            .await?
            .filter(|p| p.body_id == body.id)
            .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
        if p.status == PersonStatus::Retired {
            return Err(invalid(
                field::STATUS,
                "退職した職員にはアカウントを作れません",
            ));
        }
        if !mamori_store::accounts::find_by_person(tx.conn(), person)
            .await?
            .is_empty()
        {
            return Err(invalid(
                "ログインID",
                format!("{}さんには既にアカウントがあります", p.name),
            ));
        }
        if mamori_store::accounts::find_by_login(tx.conn(), &login)
            .await?
            .is_some()
        {
            return Err(invalid(
                "ログインID",
                format!("ログインID「{login}」は既に使われています"),
            ));
        }
        let account = Account {
            id: mamori_domain::ids::AccountId::new(),
            body_id: Some(body.id),
            login,
            display_name: DisplayName::parse(&p.name)?,
            person_id: Some(person),
            is_system_admin: false,
            disabled: false,
            created_at: now,
        };
        mamori_store::accounts::insert(tx.conn(), &account, &hash).await?;
        // The editor chose this password: the person sets their own at the first sign-in.
        mamori_store::accounts::set_must_change(tx.conn(), account.id, true).await?;
        let entry = AuditEntry::new(user.actor(), "account.create", "account", account.id)
            .body(body.id)
            .after(&account)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The login accounts of a person.
    pub async fn person_accounts(
        &self,
        user: &CurrentUser,
        person: PersonId,
    ) -> Result<Vec<mamori_domain::account::Account>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(mamori_store::accounts::find_by_person(&mut conn, person)
            .await?
            .into_iter()
            .filter(|a| a.body_id == Some(body.id))
            .collect())
    }
}
