//! The approval route of an application resolved on the organization of a date: seats, steps, delegations.

use crate::DomainError;
use crate::authority::{Authority, AuthorityMatrix, Context, Holder, MatrixMark, OrgSnapshot};
use crate::classification::{Classification, ClassificationScheme};
use crate::ids::{OrgUnitId, PersonId};
use crate::separation::SodException;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// A 許可 or 承認 given (or refused) at a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 承認 (or 許可, as the step's mark says).
    Approve,
    /// 差戻し: back to the applicant for changes.
    Return,
    /// 却下: refused; the application ends.
    Reject,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Self::Approve, Self::Return, Self::Reject];

    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "承認",
            Self::Return => "差戻し",
            Self::Reject => "却下",
        }
    }

    /// `approve`, `return`, `reject`: as forms, the API and stored JSON name it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key.trim())
    }
}

/// A decision as recorded on its seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatDecision {
    pub by: PersonId,
    pub by_name: String,
    /// 代決: taken by a deputy for an absent holder.
    pub by_deputy: bool,
    pub decision: Decision,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
    /// The allowed exception to 兼務の禁止 the decision used, if any.
    pub sod_exception: Option<SodException>,
}

/// One holder's place in a step: the step's own role, or a unit consulted (合議).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub role: String,
    pub role_name: String,
    pub unit: Option<OrgUnitId>,
    pub unit_name: Option<String>,
    /// A unit consulted in parallel (合議).
    pub consulted: bool,
    /// Who may decide at this seat, as the resolver found them.
    pub candidates: Vec<Holder>,
    /// Only deputies can act: a decision here is 代決.
    pub by_deputy: bool,
    /// The holders absent on the date, to whom a 代決 is reported.
    pub absent: Vec<Holder>,
    pub decision: Option<SeatDecision>,
}

/// Why nobody can act at a seat, as the resolver says it.
pub(super) fn seat_gap(seat: &Seat, gap: Option<&str>) -> String {
    gap.map_or_else(
        || {
            let whose = seat.unit_name.as_deref().map_or_else(
                || seat.role_name.clone(),
                |u| format!("{u}の{}", seat.role_name),
            );
            format!("{whose}に判断できる人がいません")
        },
        str::to_owned,
    )
}

impl Seat {
    /// Who sits here, as screens and the API write it: 「市民課 情報セキュリティ管理者」.
    pub fn place(&self) -> String {
        match &self.unit_name {
            Some(unit) => format!("{unit} {}", self.role_name),
            None => self.role_name.clone(),
        }
    }

    fn approved(&self) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.decision == Decision::Approve)
    }
}

/// A step of a resolved route; it completes when every seat has approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStep {
    pub label: String,
    pub mark: MatrixMark,
    pub seats: Vec<Seat>,
}

impl RouteStep {
    pub fn is_approved(&self) -> bool {
        self.seats.iter().all(Seat::approved)
    }

    /// 合議: the step has consulted units.
    pub fn is_consultation(&self) -> bool {
        self.seats.iter().any(|s| s.consulted)
    }
}

/// A 専決 rule that shortened the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDelegation {
    pub note: String,
    /// Steps kept.
    pub kept: usize,
    /// Labels of the steps the rule removed.
    pub skipped: Vec<String>,
}

/// The route of an application as resolved at 申請.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub kind: String,
    pub clause: String,
    pub steps: Vec<RouteStep>,
    pub delegation: Option<AppliedDelegation>,
}

pub(super) fn seat_of(
    snapshot: &OrgSnapshot,
    authority: Authority,
    context: &Context,
    consulted: bool,
) -> (Seat, Option<String>) {
    let by_deputy = !authority.holders.is_empty() && authority.holders.iter().all(|h| h.is_deputy);
    let absent = if by_deputy {
        snapshot
            .assignments
            .iter()
            .filter(|a| {
                a.role == authority.role
                    && a.unit == authority.unit
                    && !a.is_deputy
                    && !a.in_service
                    && (a.system.is_none() || a.system == context.system)
            })
            .map(|a| Holder {
                person: a.person,
                name: a.person_name.clone(),
                is_deputy: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let seat = Seat {
        role: authority.role,
        role_name: authority.role_name,
        unit: authority.unit,
        unit_name: authority.unit_name,
        consulted,
        candidates: authority.holders,
        by_deputy,
        absent,
        decision: None,
    };
    (seat, authority.gap)
}

pub(super) fn step_label(spec_label: Option<&str>, role_name: &str, mark: MatrixMark) -> String {
    spec_label.map_or_else(|| format!("{role_name}の{}", mark.label()), str::to_owned)
}

pub(super) fn in_route(n: usize, label: &str, e: &DomainError) -> DomainError {
    DomainError::new(field::ROUTE, format!("第{n}段階「{label}」: {}", e.message))
}

/// Resolves the kind's route for an application: the steps with the people who may decide each
/// (through [`OrgSnapshot::who_may`] / [`OrgSnapshot::holders_of`]), 代決 marked where only a
/// deputy can act, 合議 seats per consulted unit, and the first 専決 rule that applies. `assets`
/// is the scheme and the highest classification of the referenced assets, for 専決 rules on the
/// classification. A step nobody can decide is an error naming the step.
pub fn resolve_route(
    kind: &ApplicationKind,
    snapshot: &OrgSnapshot,
    matrix: &AuthorityMatrix,
    context: &Context,
    fields: &FieldValues,
    assets: Option<(&ClassificationScheme, &Classification)>,
) -> Result<Route, DomainError> {
    // Each step with the resolver's gap per seat.
    let mut steps: Vec<(RouteStep, Vec<Option<String>>)> = match &kind.route {
        RouteSpec::FromMatrix => snapshot
            .who_may(matrix, &kind.clause, context)
            .map_err(|e| DomainError::new(field::ROUTE, e.message))?
            .into_iter()
            .map(|a| {
                let label = step_label(None, &a.role_name, a.mark);
                let mark = a.mark;
                let (seat, gap) = seat_of(snapshot, a, context, false);
                (
                    RouteStep {
                        label,
                        mark,
                        seats: vec![seat],
                    },
                    vec![gap],
                )
            })
            .collect(),
        RouteSpec::Steps { steps } => {
            let mut out = Vec::with_capacity(steps.len());
            for (i, spec) in steps.iter().enumerate() {
                let own = snapshot.holders_of(&spec.role, context).map_err(|e| {
                    in_route(i + 1, spec.label.as_deref().unwrap_or(&spec.role), &e)
                })?;
                let label = step_label(spec.label.as_deref(), &own.role_name, spec.mark);
                let (seat, gap) = seat_of(snapshot, own, context, false);
                let (mut seats, mut gaps) = (vec![seat], vec![gap]);
                if let Some(consult) = &spec.consult {
                    let role = consult.role.as_deref().unwrap_or(&spec.role);
                    for unit in &consult.units {
                        let unit = consulted_unit(snapshot, unit)
                            .map_err(|e| in_route(i + 1, &label, &e))?;
                        let there = Context {
                            unit: Some(unit),
                            system: context.system.clone(),
                        };
                        let a = snapshot
                            .holders_of(role, &there)
                            .map_err(|e| in_route(i + 1, &label, &e))?;
                        let (seat, gap) = seat_of(snapshot, a, &there, true);
                        seats.push(seat);
                        gaps.push(gap);
                    }
                }
                out.push((
                    RouteStep {
                        label,
                        mark: spec.mark,
                        seats,
                    },
                    gaps,
                ));
            }
            out
        }
    };
    let mut applied = None;
    for rule in &kind.delegation {
        let holds = match &rule.when {
            Condition::Choice { field: key, values } => {
                matches!(fields.get(key), Some(FieldValue::Choice(v)) if values.contains(v))
            }
            Condition::ClassificationBelow { axis, level } => match assets {
                Some((scheme, c)) => !scheme
                    .is_at_least(c, axis, level)
                    .map_err(|e| DomainError::new(field::DELEGATION, e.message))?,
                None => false,
            },
        };
        if holds {
            if rule.end_after > 0 && rule.end_after < steps.len() {
                let skipped = steps.split_off(rule.end_after);
                applied = Some(AppliedDelegation {
                    note: rule.note.clone().unwrap_or_else(|| "専決".to_owned()),
                    kept: rule.end_after,
                    skipped: skipped.into_iter().map(|(s, _)| s.label).collect(),
                });
            }
            break;
        }
    }
    if steps.is_empty() {
        return Err(DomainError::new(
            field::ROUTE,
            format!("「{}」の承認経路に段階がありません", kind.name),
        ));
    }
    for (i, (step, gaps)) in steps.iter().enumerate() {
        for (seat, gap) in step.seats.iter().zip(gaps) {
            if seat.candidates.is_empty() {
                return Err(DomainError::new(
                    field::ROUTE,
                    format!(
                        "第{}段階「{}」: {}",
                        i + 1,
                        step.label,
                        seat_gap(seat, gap.as_deref())
                    ),
                ));
            }
        }
    }
    Ok(Route {
        kind: kind.key.clone(),
        clause: kind.clause.clone(),
        steps: steps.into_iter().map(|(s, _)| s).collect(),
        delegation: applied,
    })
}
