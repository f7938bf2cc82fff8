//! 人事異動: a dated batch of moves, and what it does to role assignments tied to a post.
//!
//! A role given as a 充て職 (e.g. the 情報セキュリティ管理者 of 市民課 is 「市民課 課長」) follows
//! the post: on the effective date it ends for the person who leaves the post and starts for the
//! person who takes it. Roles given to a person by name stay with the person.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId, TransferId};
use crate::org::{PersonStatus, Post, RoleAssignment};

/// State of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// 作成中: moves can be added and removed.
    Draft,
    /// 確定: applied automatically on the effective date.
    Confirmed,
    /// 適用済.
    Applied,
}

impl TransferStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Confirmed => "confirmed",
            Self::Applied => "applied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Confirmed, Self::Applied]
            .into_iter()
            .find(|k| k.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "作成中",
            Self::Confirmed => "確定（適用日に反映）",
            Self::Applied => "適用済",
        }
    }
}

/// A 人事異動 batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub id: TransferId,
    pub body_id: BodyId,
    /// 「令和9年4月1日付け人事異動」.
    pub title: String,
    pub effective_date: NaiveDate,
    pub status: TransferStatus,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
    pub report: Option<TransferReport>,
}

impl Transfer {
    /// 作成中 → 確定. A batch needs moves; the date may be today or later.
    pub fn confirm(&mut self, moves: usize) -> Result<(), DomainError> {
        if self.status != TransferStatus::Draft {
            return Err(DomainError::new(
                "状態",
                "作成中の人事異動だけを確定できます",
            ));
        }
        if moves == 0 {
            return Err(DomainError::new(
                "異動",
                "異動する職員を1人以上登録してください",
            ));
        }
        self.status = TransferStatus::Confirmed;
        Ok(())
    }

    /// 確定 → 作成中, before it is applied.
    pub fn reopen(&mut self) -> Result<(), DomainError> {
        if self.status != TransferStatus::Confirmed {
            return Err(DomainError::new(
                "状態",
                "確定済みで未適用の人事異動だけを戻せます",
            ));
        }
        self.status = TransferStatus::Draft;
        Ok(())
    }

    /// Moves can be changed only while the batch is 作成中.
    pub fn ensure_editable(&self) -> Result<(), DomainError> {
        if self.status != TransferStatus::Draft {
            return Err(DomainError::new(
                "状態",
                format!("{}の人事異動は変更できません", self.status.label()),
            ));
        }
        Ok(())
    }

    /// 確定 → 適用済, on or after the effective date.
    pub fn apply(
        &mut self,
        today: NaiveDate,
        at: DateTime<Utc>,
        report: TransferReport,
    ) -> Result<(), DomainError> {
        if self.status != TransferStatus::Confirmed {
            return Err(DomainError::new(
                "状態",
                "確定した人事異動だけを適用できます",
            ));
        }
        if today < self.effective_date {
            return Err(DomainError::new(
                "適用日",
                format!("適用日（{}）より前には適用できません", self.effective_date),
            ));
        }
        self.status = TransferStatus::Applied;
        self.applied_at = Some(at);
        self.report = Some(report);
        Ok(())
    }
}

/// What applying a batch did, in Japanese, for the batch's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferReport {
    pub moved: usize,
    /// 「情報セキュリティ管理者（市民課）: 佐々木 翔太 → 山田 明美」.
    pub role_changes: Vec<String>,
    /// Posts left without a holder, and posts with several.
    pub vacancies: Vec<String>,
}

/// Where a person is after (or before) the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub unit_id: OrgUnitId,
    pub title: String,
    pub status: PersonStatus,
}

impl Position {
    fn holds(&self, post: &Post) -> bool {
        self.unit_id == post.unit_id
            && self.title == post.title
            && self.status != PersonStatus::Retired
    }
}

/// One move of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub person: PersonId,
    pub to: Position,
}

/// What applying a batch does to post-tied assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    /// Assignments that end the day before the effective date.
    pub ended: Vec<RoleAssignmentId>,
    /// New assignments from the effective date: (the ended assignment, its successor).
    pub started: Vec<(RoleAssignmentId, PersonId)>,
    /// Posts left without a holder: (the ended assignment, why) — in Japanese.
    pub vacancies: Vec<(RoleAssignmentId, String)>,
}

/// Decides which post-tied assignments end and who succeeds. `assignments` are those valid on
/// the effective date; `after` is every person's position once the batch is applied.
pub fn succession(
    assignments: &[RoleAssignment],
    after: &HashMap<PersonId, Position>,
    describe_post: impl Fn(&Post) -> String,
) -> Succession {
    let mut out = Succession::default();
    for a in assignments {
        let Some(post) = &a.post else { continue };
        let stays = after.get(&a.person_id).is_some_and(|p| p.holds(post));
        if stays {
            continue;
        }
        out.ended.push(a.id);
        let mut successors: Vec<PersonId> = after
            .iter()
            .filter(|(id, p)| **id != a.person_id && p.holds(post) && p.status.can_act())
            .map(|(id, _)| *id)
            .collect();
        successors.sort();
        match successors.as_slice() {
            [one] => out.started.push((a.id, *one)),
            [] => out.vacancies.push((
                a.id,
                format!(
                    "{}が空席のため、後任が決まっていません",
                    describe_post(post)
                ),
            )),
            many => out.vacancies.push((
                a.id,
                format!(
                    "{}に{}人が就くため、後任を自動で決められません",
                    describe_post(post),
                    many.len()
                ),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ids::BodyId;

    fn assignment(person: PersonId, post: Option<Post>) -> RoleAssignment {
        RoleAssignment {
            id: RoleAssignmentId::new(),
            body_id: BodyId::new(),
            role_key: "security_manager".into(),
            person_id: person,
            unit_id: post.as_ref().map(|p| p.unit_id),
            system_name: None,
            is_deputy: false,
            valid_from: NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
            valid_to: None,
            post,
        }
    }

    fn pos(unit: OrgUnitId, title: &str, status: PersonStatus) -> Position {
        Position {
            unit_id: unit,
            title: title.into(),
            status,
        }
    }

    #[test]
    fn the_role_follows_the_post_to_the_new_section_chief() {
        let (shimin, zeimu) = (OrgUnitId::new(), OrgUnitId::new());
        let (old, new) = (PersonId::new(), PersonId::new());
        let post = Post {
            unit_id: shimin,
            title: "課長".into(),
        };
        let a = assignment(old, Some(post));
        let after = HashMap::from([
            (old, pos(zeimu, "課長", PersonStatus::Active)),
            (new, pos(shimin, "課長", PersonStatus::Active)),
        ]);
        let s = succession(std::slice::from_ref(&a), &after, |_| "市民課 課長".into());
        assert_eq!(s.ended, vec![a.id]);
        assert_eq!(s.started, vec![(a.id, new)]);
        assert!(s.vacancies.is_empty());
    }

    #[test]
    fn a_holder_who_stays_keeps_the_role_and_personal_roles_never_move() {
        let shimin = OrgUnitId::new();
        let (me, other) = (PersonId::new(), PersonId::new());
        let tied = assignment(
            me,
            Some(Post {
                unit_id: shimin,
                title: "課長".into(),
            }),
        );
        let personal = assignment(other, None);
        let after = HashMap::from([
            (me, pos(shimin, "課長", PersonStatus::OnLeave)),
            (other, pos(OrgUnitId::new(), "主事", PersonStatus::Active)),
        ]);
        let s = succession(&[tied, personal], &after, |_| String::new());
        assert_eq!(
            s,
            Succession::default(),
            "休職 keeps the post; the 代理 acts"
        );
    }

    #[test]
    fn an_empty_or_crowded_post_is_reported_not_guessed() {
        let shimin = OrgUnitId::new();
        let post = Post {
            unit_id: shimin,
            title: "課長".into(),
        };
        let old = PersonId::new();
        let a = assignment(old, Some(post));
        let retired = HashMap::from([(old, pos(shimin, "課長", PersonStatus::Retired))]);
        let s = succession(std::slice::from_ref(&a), &retired, |_| "市民課 課長".into());
        assert_eq!(s.ended, vec![a.id]);
        assert!(s.vacancies[0].1.contains("空席"));

        let mut crowded = retired.clone();
        crowded.insert(PersonId::new(), pos(shimin, "課長", PersonStatus::Active));
        crowded.insert(PersonId::new(), pos(shimin, "課長", PersonStatus::Active));
        let s = succession(&[a], &crowded, |_| "市民課 課長".into());
        assert!(s.started.is_empty());
        assert!(s.vacancies[0].1.contains("2人"));
    }
}
