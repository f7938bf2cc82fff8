//! The authority resolver: who may 許可 (permit) or 承認 (approve) what, on a date.
//!
//! Two inputs, both data: the body's [`AuthorityMatrix`] (the guideline's 権限・責任等一覧表 as
//! adjusted in the body's profile) and an [`OrgSnapshot`] (units, role definitions and the role
//! assignments valid on one date). Every later feature — approvals, asset lifecycle, audits — asks
//! this module and never compares role keys itself.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{OrgUnitId, PersonId};
use crate::org::{RoleDefinition, RoleScope};

/// A mark of the 権限・責任等一覧表.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatrixMark {
    /// ○ 権限又は責任等を有している者.
    Holds,
    /// △ 記載がある者又は報告先等.
    Mentioned,
    /// 許 許可を与える者.
    Permits,
    /// 承 承認を与える者.
    Approves,
}

impl MatrixMark {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Holds => "○",
            Self::Mentioned => "△",
            Self::Permits => "許",
            Self::Approves => "承",
        }
    }

    /// 許可 or 承認: the marks that decide something.
    pub fn decides(self) -> bool {
        matches!(self, Self::Permits | Self::Approves)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Holds => "権限・責任",
            Self::Mentioned => "記載・報告先",
            Self::Permits => "許可",
            Self::Approves => "承認",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "holds" | "○" => Some(Self::Holds),
            "mentioned" | "△" => Some(Self::Mentioned),
            "permits" | "許" => Some(Self::Permits),
            "approves" | "承" => Some(Self::Approves),
            _ => None,
        }
    }
}

/// One role's mark on one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMarkEntry {
    pub role: String,
    pub mark: MatrixMark,
}

/// The body's 権限・責任等一覧表: per clause id, the roles and their marks in column order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityMatrix {
    rows: BTreeMap<String, Vec<RoleMarkEntry>>,
}

impl AuthorityMatrix {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (replaces) the marks of a clause. An empty list removes the row.
    pub fn set_row(&mut self, clause: impl Into<String>, marks: Vec<RoleMarkEntry>) {
        let clause = clause.into();
        if marks.is_empty() {
            self.rows.remove(&clause);
        } else {
            self.rows.insert(clause, marks);
        }
    }

    pub fn row(&self, clause: &str) -> &[RoleMarkEntry] {
        self.rows.get(clause).map_or(&[], Vec::as_slice)
    }

    /// Clauses with at least one 許 or 承, in id order.
    pub fn deciding_clauses(&self) -> impl Iterator<Item = (&str, &[RoleMarkEntry])> {
        self.rows
            .iter()
            .filter(|(_, marks)| marks.iter().any(|m| m.mark.decides()))
            .map(|(c, m)| (c.as_str(), m.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A unit of the organization as the resolver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitNode {
    pub id: OrgUnitId,
    pub parent: Option<OrgUnitId>,
    pub name: String,
}

/// A role assignment valid on the snapshot's date, with what the resolver needs of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveAssignment {
    pub role: String,
    pub person: PersonId,
    pub person_name: String,
    /// The person's own unit on the date (for separation of duties).
    pub person_unit: Option<OrgUnitId>,
    pub unit: Option<OrgUnitId>,
    pub system: Option<String>,
    pub is_deputy: bool,
    /// In service (在職) on the date; a holder on leave (休職) cannot act, their 代理 can.
    pub in_service: bool,
}

/// The organization on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgSnapshot {
    pub date: NaiveDate,
    pub units: BTreeMap<OrgUnitId, UnitNode>,
    pub roles: Vec<RoleDefinition>,
    pub assignments: Vec<ActiveAssignment>,
}

/// Where the question is asked: the unit of the applicant or asset, and the system if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub unit: Option<OrgUnitId>,
    pub system: Option<String>,
}

/// Someone who may act, as found by the resolver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub person: PersonId,
    pub name: String,
    /// Acts as 代理 for an absent holder.
    pub is_deputy: bool,
}

impl Holder {
    /// The name as lists show it: 「佐々木 翔太」, or 「佐々木 翔太（代理）」 for a 代理.
    pub fn label(&self) -> String {
        if self.is_deputy {
            format!("{}（代理）", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// One role's answer to «who may decide this clause here».
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authority {
    pub role: String,
    pub role_name: String,
    pub mark: MatrixMark,
    /// The unit whose role holder answers (for unit-scoped roles).
    pub unit: Option<OrgUnitId>,
    pub unit_name: Option<String>,
    /// The answer came from a unit above the one asked about.
    pub walked_up: bool,
    /// The people who can act now: the holders in service, else their deputies.
    pub holders: Vec<Holder>,
    /// Why nobody can act, when `holders` is empty (in Japanese).
    pub gap: Option<String>,
}

/// One thing a person may decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Power {
    pub clause: String,
    pub mark: MatrixMark,
    pub role: String,
    pub role_name: String,
    /// 「市民課」 or the system name; `None` for body-wide roles.
    pub scope: Option<String>,
    pub is_deputy: bool,
}

impl OrgSnapshot {
    fn role(&self, key: &str) -> Option<&RoleDefinition> {
        self.roles.iter().find(|r| r.key == key)
    }

    fn unit_name(&self, id: OrgUnitId) -> Option<String> {
        self.units.get(&id).map(|u| u.name.clone())
    }

    /// The unit and its ancestors, nearest first. Stops on a cycle or a missing parent.
    pub fn ancestors_or_self(&self, unit: OrgUnitId) -> Vec<OrgUnitId> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut current = Some(unit);
        while let Some(id) = current {
            if !seen.insert(id) {
                break;
            }
            out.push(id);
            current = self.units.get(&id).and_then(|u| u.parent);
        }
        out
    }

    /// Is `unit` the same as `ancestor` or below it?
    pub fn is_within(&self, unit: OrgUnitId, ancestor: OrgUnitId) -> bool {
        self.ancestors_or_self(unit).contains(&ancestor)
    }

    fn holders_where(&self, pred: impl Fn(&ActiveAssignment) -> bool) -> (Vec<Holder>, bool) {
        let matching: Vec<&ActiveAssignment> =
            self.assignments.iter().filter(|a| pred(a)).collect();
        let to_holder = |a: &&ActiveAssignment| Holder {
            person: a.person,
            name: a.person_name.clone(),
            is_deputy: a.is_deputy,
        };
        let primaries: Vec<Holder> = matching
            .iter()
            .filter(|a| !a.is_deputy && a.in_service)
            .map(to_holder)
            .collect();
        if !primaries.is_empty() {
            return (primaries, !matching.is_empty());
        }
        let deputies = matching
            .iter()
            .filter(|a| a.is_deputy && a.in_service)
            .map(to_holder)
            .collect();
        (deputies, !matching.is_empty())
    }

    /// Who may permit or approve `clause` for the context, one entry per deciding role of the
    /// matrix row, in column order. A clause without 許 or 承 is an error naming the clause.
    pub fn who_may(
        &self,
        matrix: &AuthorityMatrix,
        clause: &str,
        context: &Context,
    ) -> Result<Vec<Authority>, DomainError> {
        let deciding: Vec<&RoleMarkEntry> = matrix
            .row(clause)
            .iter()
            .filter(|m| m.mark.decides())
            .collect();
        if deciding.is_empty() {
            return Err(DomainError::new(
                "条項",
                format!("条項「{clause}」には権限・責任等一覧表の「許」「承」がありません"),
            ));
        }
        deciding
            .into_iter()
            .map(|entry| self.resolve(entry, context))
            .collect()
    }

    /// Who holds `role` for the context (the nearest unit upwards for a unit role, the 代理 for
    /// an absent holder), with a gap message when nobody does: 「市民課の情報セキュリティ管理者」.
    pub fn holders_of(&self, role: &str, context: &Context) -> Result<Authority, DomainError> {
        self.resolve(
            &RoleMarkEntry {
                role: role.to_owned(),
                mark: MatrixMark::Holds,
            },
            context,
        )
    }

    fn resolve(&self, entry: &RoleMarkEntry, context: &Context) -> Result<Authority, DomainError> {
        let definition = self.role(&entry.role);
        let role_name = definition.map_or_else(|| entry.role.clone(), |d| d.name.clone());
        let mut answer = Authority {
            role: entry.role.clone(),
            role_name: role_name.clone(),
            mark: entry.mark,
            unit: None,
            unit_name: None,
            walked_up: false,
            holders: Vec::new(),
            gap: None,
        };
        let Some(definition) = definition else {
            answer.gap = Some(format!(
                "役割「{}」は団体の役割に定義されていません",
                entry.role
            ));
            return Ok(answer);
        };
        match definition.scope {
            RoleScope::Body => {
                let (holders, assigned) =
                    self.holders_where(|a| a.role == entry.role && a.unit.is_none());
                answer.gap = gap(&role_name, None, assigned, holders.is_empty());
                answer.holders = holders;
            }
            RoleScope::Unit => {
                let Some(start) = context.unit else {
                    return Err(DomainError::new(
                        "所属",
                        format!("{role_name}は所属ごとの役割です。所属を指定してください"),
                    ));
                };
                if !self.units.contains_key(&start) {
                    return Err(DomainError::new("所属", "指定した所属は組織にありません"));
                }
                // The nearest unit, from the one asked about upwards, with someone assigned.
                let found = self.ancestors_or_self(start).into_iter().find(|u| {
                    self.assignments
                        .iter()
                        .any(|a| a.role == entry.role && a.unit == Some(*u))
                });
                match found {
                    Some(unit) => {
                        let (holders, assigned) =
                            self.holders_where(|a| a.role == entry.role && a.unit == Some(unit));
                        answer.unit = Some(unit);
                        answer.unit_name = self.unit_name(unit);
                        answer.walked_up = unit != start;
                        answer.gap = gap(
                            &role_name,
                            answer.unit_name.as_deref(),
                            assigned,
                            holders.is_empty(),
                        );
                        answer.holders = holders;
                    }
                    None => {
                        answer.gap = Some(format!(
                            "{}とその上位の組織に{role_name}が任命されていません",
                            self.unit_name(start).unwrap_or_default()
                        ));
                    }
                }
            }
            RoleScope::System => {
                let Some(system) = context.system.as_deref().filter(|s| !s.trim().is_empty())
                else {
                    return Err(DomainError::new(
                        "情報システム",
                        format!(
                            "{role_name}は情報システムごとの役割です。情報システムを指定してください"
                        ),
                    ));
                };
                let (holders, assigned) = self
                    .holders_where(|a| a.role == entry.role && a.system.as_deref() == Some(system));
                answer.gap = gap(&role_name, Some(system), assigned, holders.is_empty());
                answer.holders = holders;
            }
        }
        Ok(answer)
    }

    /// What `person` may permit or approve on the snapshot's date, by the roles they hold
    /// (including as 代理), in clause order.
    pub fn what_may(&self, matrix: &AuthorityMatrix, person: PersonId) -> Vec<Power> {
        let held: Vec<&ActiveAssignment> = self
            .assignments
            .iter()
            .filter(|a| a.person == person && a.in_service)
            .collect();
        let mut out = Vec::new();
        for (clause, marks) in matrix.deciding_clauses() {
            for entry in marks.iter().filter(|m| m.mark.decides()) {
                for a in held.iter().filter(|a| a.role == entry.role) {
                    let role_name = self
                        .role(&a.role)
                        .map_or_else(|| a.role.clone(), |d| d.name.clone());
                    out.push(Power {
                        clause: clause.to_owned(),
                        mark: entry.mark,
                        role: a.role.clone(),
                        role_name,
                        scope: a
                            .unit
                            .and_then(|u| self.unit_name(u))
                            .or_else(|| a.system.clone()),
                        is_deputy: a.is_deputy,
                    });
                }
            }
        }
        out
    }
}

fn gap(role_name: &str, scope: Option<&str>, assigned: bool, empty: bool) -> Option<String> {
    if !empty {
        return None;
    }
    let whose = scope.map_or_else(|| role_name.to_owned(), |s| format!("{s}の{role_name}"));
    Some(if assigned {
        format!("{whose}は在職していないため、代理の任命が必要です")
    } else {
        format!("{whose}が任命されていません")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn role(key: &str, name: &str, scope: RoleScope) -> RoleDefinition {
        RoleDefinition {
            key: key.into(),
            name: name.into(),
            scope,
            grants: vec![],
        }
    }

    struct World {
        snap: OrgSnapshot,
        matrix: AuthorityMatrix,
        bu: OrgUnitId,
        ka: OrgUnitId,
        kakari: OrgUnitId,
        other_ka: OrgUnitId,
        kacho: PersonId,
        bucho: PersonId,
        ciso: PersonId,
    }

    fn assign(
        role: &str,
        person: PersonId,
        name: &str,
        unit: Option<OrgUnitId>,
    ) -> ActiveAssignment {
        ActiveAssignment {
            role: role.into(),
            person,
            person_name: name.into(),
            person_unit: unit,
            unit,
            system: None,
            is_deputy: false,
            in_service: true,
        }
    }

    fn world() -> World {
        let (bu, ka, kakari, other_ka) = (
            OrgUnitId::new(),
            OrgUnitId::new(),
            OrgUnitId::new(),
            OrgUnitId::new(),
        );
        let mut units = BTreeMap::new();
        for (id, parent, name) in [
            (bu, None, "市民部"),
            (ka, Some(bu), "市民課"),
            (kakari, Some(ka), "住民記録係"),
            (other_ka, Some(bu), "保険年金課"),
        ] {
            units.insert(
                id,
                UnitNode {
                    id,
                    parent,
                    name: name.into(),
                },
            );
        }
        let (kacho, bucho, ciso) = (PersonId::new(), PersonId::new(), PersonId::new());
        let snap = OrgSnapshot {
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            units,
            roles: vec![
                role("ciso", "最高情報セキュリティ責任者", RoleScope::Body),
                role(
                    "security_officer",
                    "情報セキュリティ責任者",
                    RoleScope::Unit,
                ),
                role("security_manager", "所属長", RoleScope::Unit),
                role("system_manager", "情報システム管理者", RoleScope::System),
            ],
            assignments: vec![
                assign("security_manager", kacho, "市民 課長", Some(ka)),
                assign("security_officer", bucho, "市民 部長", Some(bu)),
                assign("ciso", ciso, "副 市長", None),
            ],
        };
        let mut matrix = AuthorityMatrix::new();
        matrix.set_row(
            "S-2.(2)⑧(イ)",
            vec![
                RoleMarkEntry {
                    role: "security_manager".into(),
                    mark: MatrixMark::Permits,
                },
                RoleMarkEntry {
                    role: "staff".into(),
                    mark: MatrixMark::Holds,
                },
            ],
        );
        matrix.set_row(
            "S-7.4(1)",
            vec![RoleMarkEntry {
                role: "ciso".into(),
                mark: MatrixMark::Permits,
            }],
        );
        matrix.set_row(
            "S-1.(2)①",
            vec![RoleMarkEntry {
                role: "ciso".into(),
                mark: MatrixMark::Holds,
            }],
        );
        World {
            snap,
            matrix,
            bu,
            ka,
            kakari,
            other_ka,
            kacho,
            bucho,
            ciso,
        }
    }

    #[test]
    fn the_manager_of_the_section_permits_with_the_body_name_for_the_role() {
        let w = world();
        let ctx = Context {
            unit: Some(w.ka),
            system: None,
        };
        let a = w.snap.who_may(&w.matrix, "S-2.(2)⑧(イ)", &ctx).unwrap();
        assert_eq!(a.len(), 1, "only the 許 mark decides; ○ of staff does not");
        assert_eq!(a[0].role_name, "所属長");
        assert_eq!(a[0].holders.len(), 1);
        assert_eq!(a[0].holders[0].person, w.kacho);
        assert!(!a[0].walked_up);
    }

    #[test]
    fn a_team_walks_up_to_its_section_and_a_sibling_section_does_not_borrow() {
        let w = world();
        let from_team = w
            .snap
            .who_may(
                &w.matrix,
                "S-2.(2)⑧(イ)",
                &Context {
                    unit: Some(w.kakari),
                    system: None,
                },
            )
            .unwrap();
        assert_eq!(from_team[0].holders[0].person, w.kacho);
        assert!(from_team[0].walked_up);
        assert_eq!(from_team[0].unit, Some(w.ka));

        let sibling = w
            .snap
            .who_may(
                &w.matrix,
                "S-2.(2)⑧(イ)",
                &Context {
                    unit: Some(w.other_ka),
                    system: None,
                },
            )
            .unwrap();
        assert!(sibling[0].holders.is_empty());
        assert!(sibling[0].gap.as_deref().unwrap().contains("保険年金課"));
    }

    #[test]
    fn a_holder_on_leave_is_replaced_by_the_deputy() {
        let mut w = world();
        let deputy = PersonId::new();
        w.snap.assignments[0].in_service = false;
        let mut d = assign("security_manager", deputy, "課長 補佐", Some(w.ka));
        d.is_deputy = true;
        w.snap.assignments.push(d);
        let a = w
            .snap
            .who_may(
                &w.matrix,
                "S-2.(2)⑧(イ)",
                &Context {
                    unit: Some(w.ka),
                    system: None,
                },
            )
            .unwrap();
        assert_eq!(a[0].holders.len(), 1);
        assert_eq!(a[0].holders[0].person, deputy);
        assert!(a[0].holders[0].is_deputy);

        // Without the deputy nobody can act, and the gap says why.
        w.snap.assignments.pop();
        let a = w
            .snap
            .who_may(
                &w.matrix,
                "S-2.(2)⑧(イ)",
                &Context {
                    unit: Some(w.ka),
                    system: None,
                },
            )
            .unwrap();
        assert!(a[0].holders.is_empty());
        assert!(a[0].gap.as_deref().unwrap().contains("代理"));
    }

    #[test]
    fn a_present_holder_is_preferred_over_the_deputy() {
        let mut w = world();
        let mut d = assign("security_manager", PersonId::new(), "課長 補佐", Some(w.ka));
        d.is_deputy = true;
        w.snap.assignments.push(d);
        let a = w
            .snap
            .who_may(
                &w.matrix,
                "S-2.(2)⑧(イ)",
                &Context {
                    unit: Some(w.ka),
                    system: None,
                },
            )
            .unwrap();
        assert_eq!(a[0].holders.len(), 1);
        assert_eq!(a[0].holders[0].person, w.kacho);
    }

    #[test]
    fn body_roles_need_no_unit_and_unit_roles_do() {
        let w = world();
        let a = w
            .snap
            .who_may(&w.matrix, "S-7.4(1)", &Context::default())
            .unwrap();
        assert_eq!(a[0].holders[0].person, w.ciso);
        let err = w
            .snap
            .who_may(&w.matrix, "S-2.(2)⑧(イ)", &Context::default())
            .unwrap_err();
        assert_eq!(err.field, "所属");
    }

    #[test]
    fn a_clause_without_permission_marks_is_an_error_naming_it() {
        let w = world();
        let err = w
            .snap
            .who_may(&w.matrix, "S-1.(2)①", &Context::default())
            .unwrap_err();
        assert!(err.message.contains("S-1.(2)①"));
    }

    #[test]
    fn system_roles_need_the_system() {
        let mut w = world();
        w.matrix.set_row(
            "S-6.2(2)①",
            vec![RoleMarkEntry {
                role: "system_manager".into(),
                mark: MatrixMark::Permits,
            }],
        );
        let mut a = assign("system_manager", w.kacho, "市民 課長", None);
        a.system = Some("住民記録システム".into());
        w.snap.assignments.push(a);
        let err = w
            .snap
            .who_may(&w.matrix, "S-6.2(2)①", &Context::default())
            .unwrap_err();
        assert_eq!(err.field, "情報システム");
        let ok = w
            .snap
            .who_may(
                &w.matrix,
                "S-6.2(2)①",
                &Context {
                    unit: None,
                    system: Some("住民記録システム".into()),
                },
            )
            .unwrap();
        assert_eq!(ok[0].holders[0].person, w.kacho);
    }

    #[test]
    fn what_a_person_may_decide_follows_their_roles() {
        let w = world();
        let powers = w.snap.what_may(&w.matrix, w.kacho);
        assert_eq!(powers.len(), 1);
        assert_eq!(powers[0].clause, "S-2.(2)⑧(イ)");
        assert_eq!(powers[0].scope.as_deref(), Some("市民課"));
        assert!(w.snap.what_may(&w.matrix, w.bucho).is_empty());
        assert_eq!(w.snap.what_may(&w.matrix, w.ciso)[0].clause, "S-7.4(1)");
    }

    #[test]
    fn ancestors_stop_on_a_cycle() {
        let mut w = world();
        if let Some(bu) = w.snap.units.get_mut(&w.bu) {
            bu.parent = Some(w.kakari);
        }
        let chain = w.snap.ancestors_or_self(w.kakari);
        assert_eq!(chain.len(), 3);
    }

    #[test]
    fn a_holder_label_marks_a_deputy() {
        let mut h = Holder {
            person: PersonId::new(),
            name: "佐々木 翔太".into(),
            is_deputy: false,
        };
        assert_eq!(h.label(), "佐々木 翔太");
        h.is_deputy = true;
        assert_eq!(h.label(), "佐々木 翔太（代理）");
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;
    use crate::org::RoleDefinition;

    /// A random tree of `parents.len()` units (each unit's parent is an earlier unit or none),
    /// and assignments of one unit-scoped role: (unit index, in service, deputy).
    /// Parents by index, assignments (unit index, in service, deputy), the unit asked about.
    type World = (Vec<Option<usize>>, Vec<(usize, bool, bool)>, usize);

    fn world() -> impl Strategy<Value = World> {
        (2usize..12).prop_flat_map(|n| {
            (
                proptest::collection::vec(proptest::option::of(0usize..n), n),
                proptest::collection::vec((0usize..n, any::<bool>(), any::<bool>()), 0..10),
                0usize..n,
            )
        })
    }

    fn build(
        parents: &[Option<usize>],
        assigned: &[(usize, bool, bool)],
    ) -> (OrgSnapshot, Vec<OrgUnitId>, Vec<PersonId>) {
        let ids: Vec<OrgUnitId> = parents.iter().map(|_| OrgUnitId::new()).collect();
        let units = parents
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // Only an earlier unit can be the parent: no cycles.
                let parent = p.filter(|p| *p < i).map(|p| ids[p]);
                (
                    ids[i],
                    UnitNode {
                        id: ids[i],
                        parent,
                        name: format!("課{i}"),
                    },
                )
            })
            .collect();
        let people: Vec<PersonId> = assigned.iter().map(|_| PersonId::new()).collect();
        let assignments = assigned
            .iter()
            .zip(&people)
            .map(|((unit, in_service, deputy), person)| ActiveAssignment {
                role: "security_manager".into(),
                person: *person,
                person_name: person.to_string(),
                person_unit: Some(ids[*unit]),
                unit: Some(ids[*unit]),
                system: None,
                is_deputy: *deputy,
                in_service: *in_service,
            })
            .collect();
        let snap = OrgSnapshot {
            date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            units,
            roles: vec![RoleDefinition {
                key: "security_manager".into(),
                name: "情報セキュリティ管理者".into(),
                scope: RoleScope::Unit,
                grants: vec![],
            }],
            assignments,
        };
        (snap, ids, people)
    }

    fn matrix() -> AuthorityMatrix {
        let mut m = AuthorityMatrix::new();
        m.set_row(
            "S-2.(2)⑧(イ)",
            vec![RoleMarkEntry {
                role: "security_manager".into(),
                mark: MatrixMark::Permits,
            }],
        );
        m
    }

    proptest! {
        /// The answer comes from the nearest unit upwards with the role assigned; everyone named
        /// holds the role there and can act; a deputy is named only when no holder can act; an
        /// empty answer always says why.
        #[test]
        fn the_answer_holds_the_role_at_the_nearest_assigned_ancestor(
            (parents, assigned, start) in world()
        ) {
            let (snap, ids, _) = build(&parents, &assigned);
            let ctx = Context { unit: Some(ids[start]), system: None };
            let answer = snap.who_may(&matrix(), "S-2.(2)⑧(イ)", &ctx).unwrap();
            prop_assert_eq!(answer.len(), 1);
            let a = &answer[0];
            let chain = snap.ancestors_or_self(ids[start]);
            let nearest = chain.iter().copied().find(|u| {
                snap.assignments.iter().any(|x| x.unit == Some(*u))
            });
            prop_assert_eq!(a.unit, nearest);
            prop_assert_eq!(a.walked_up, nearest.is_some_and(|u| u != ids[start]));
            for h in &a.holders {
                let held = snap.assignments.iter().find(|x| x.person == h.person).unwrap();
                prop_assert_eq!(held.unit, nearest);
                prop_assert!(held.in_service);
                prop_assert_eq!(held.is_deputy, h.is_deputy);
            }
            let at_unit: Vec<&ActiveAssignment> =
                snap.assignments.iter().filter(|x| x.unit == nearest && nearest.is_some()).collect();
            let primary_can_act = at_unit.iter().any(|x| !x.is_deputy && x.in_service);
            if primary_can_act {
                prop_assert!(a.holders.iter().all(|h| !h.is_deputy));
            } else if at_unit.iter().any(|x| x.is_deputy && x.in_service) {
                prop_assert!(!a.holders.is_empty() && a.holders.iter().all(|h| h.is_deputy));
            }
            prop_assert_eq!(a.holders.is_empty(), a.gap.is_some());
        }

        /// Nobody decides an application they made or one about them; anyone else may.
        #[test]
        fn separation_refuses_exactly_the_applicant_and_the_subjects(
            applicant in 0usize..5, decider in 0usize..5, subjects in proptest::collection::vec(0usize..5, 0..3)
        ) {
            let people: Vec<PersonId> = (0..5).map(|_| PersonId::new()).collect();
            let subject_ids: Vec<PersonId> = subjects.iter().map(|i| people[*i]).collect();
            let result = crate::separation::check_decision(people[applicant], &subject_ids, people[decider]);
            let must_refuse = decider == applicant || subjects.contains(&decider);
            prop_assert_eq!(result.is_err(), must_refuse);
        }
    }
}
