//! 委員会の会議: a meeting of the body's 情報セキュリティ委員会 (or whichever role the profile names
//! as the deliberating body), with who attended, the 議題 and the 議決 of each.
//!
//! A decision of the 委員会 is a collegial act, not one member's click: the meeting is recorded
//! with its date, the members present (a quorum of the role's holders on that day), and per 議題
//! either 全会一致 or the count of 賛成・反対・棄権. A 議題 may name what it decides on (an edition
//! of the policy under review); the workflow step that needs the 委員会 accepts a carried
//! resolution on that very subject and round.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{BodyId, EditionId, IncidentId, MeetingId, PersonId};
use crate::policy::EditionNumber;
use crate::text;
use crate::wareki::format_gregorian_as_wareki;

/// Field names, as the form labels them.
pub mod field {
    pub const HELD_ON: &str = "開催日";
    pub const ATTENDEES: &str = "出席者";
    pub const AGENDA: &str = "議題";
    pub const VOTE: &str = "議決";
    pub const MINUTES: &str = "議事録";
    pub const DELIBERATION: &str = "委員会の審議";
}

/// The most 議題 one meeting record holds.
pub const MAX_ITEMS: usize = 20;
/// The longest 議題 title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest note on a 議題 (意見, 附帯条件), in characters.
pub const MAX_NOTE: usize = 2_000;

/// A member present at the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub person_id: PersonId,
    pub name: String,
}

/// What a 議題 decides on, when it is a step of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// An edition of the policy under review. `round` is the number of 差戻し the edition had
    /// when it was deliberated: an edition sent back and submitted again needs a new 議決.
    Edition {
        id: EditionId,
        number: EditionNumber,
        round: u32,
    },
    /// The 再発防止計画 of an incident. `round` is the plan's round: a redrafted plan needs a new
    /// 議決.
    Incident {
        id: IncidentId,
        number: String,
        round: u32,
    },
}

impl Subject {
    /// The kind and id the store indexes the subject by.
    pub fn key(&self) -> (&'static str, String) {
        match self {
            Self::Edition { id, .. } => ("edition", id.to_string()),
            Self::Incident { id, .. } => ("incident", id.to_string()),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Edition { number, .. } => format!("情報セキュリティポリシー {number}"),
            Self::Incident { number, round, .. } => {
                format!("インシデント {number} の再発防止策（第{round}案）")
            }
        }
    }
}

/// The 議決 of one 議題.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Vote {
    /// 全会一致: every member present agreed.
    Unanimous,
    /// 賛否: the count of each; carried when 賛成 outnumber 反対.
    Counted {
        #[serde(rename = "for")]
        in_favour: u32,
        against: u32,
        abstain: u32,
    },
}

impl Vote {
    /// 可決 (true) or 否決.
    pub fn carried(&self) -> bool {
        match *self {
            Self::Unanimous => true,
            Self::Counted {
                in_favour, against, ..
            } => in_favour > against,
        }
    }

    /// 「全会一致で可決」「賛成5・反対1・棄権0で可決」.
    pub fn label(&self) -> String {
        let outcome = if self.carried() { "可決" } else { "否決" };
        match self {
            Self::Unanimous => format!("全会一致で{outcome}"),
            Self::Counted {
                in_favour,
                against,
                abstain,
            } => format!("賛成{in_favour}・反対{against}・棄権{abstain}で{outcome}"),
        }
    }
}

/// One 議題 of a meeting with its 議決.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    pub vote: Vote,
    /// 意見・附帯条件 as recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The 議事録 file kept with the meeting (its bytes are stored beside the record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesFile {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, recorded in the audit trail.
    pub sha256: String,
}

/// A recorded meeting of the deliberating body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub body_id: BodyId,
    /// The role whose holders are the members (the profile's deliberating role).
    pub role_key: String,
    pub held_on: NaiveDate,
    /// How many members the body had on `held_on` (for the quorum shown with the record).
    pub members: u32,
    pub attendees: Vec<Attendee>,
    pub items: Vec<AgendaItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<MinutesFile>,
    /// The account that recorded the meeting (the 事務局), and its person if any.
    pub recorded_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by_person: Option<PersonId>,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// A 議題 as the form gives it, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemDraft {
    pub title: String,
    pub subject: Option<Subject>,
    /// `true`: 全会一致; otherwise the three counts.
    pub unanimous: bool,
    pub in_favour: u32,
    pub against: u32,
    pub abstain: u32,
    pub note: String,
}

/// A meeting as the form gives it, before it is checked against the members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    pub held_on: NaiveDate,
    pub attendees: BTreeSet<PersonId>,
    pub items: Vec<ItemDraft>,
    pub minutes: Option<MinutesFile>,
}

/// Who records the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub account: String,
    pub person: Option<PersonId>,
    pub name: String,
}

impl Meeting {
    /// Checks a draft against the members of the deliberating role on its date (holders, not
    /// their deputies) and builds the record. Refused, naming the field: a date in the future,
    /// an attendee who is not a member, fewer than half the members present, a vote that
    /// counts more people than attended, a 議題 without a title.
    pub fn record(
        body_id: BodyId,
        role_key: &str,
        draft: MeetingDraft,
        members: &[Attendee],
        recorder: Recorder,
        today: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if draft.held_on > today {
            return Err(DomainError::new(
                field::HELD_ON,
                format!(
                    "開催日に今日（{}）より後の日付は指定できません",
                    format_gregorian_as_wareki(today)
                ),
            ));
        }
        if members.is_empty() {
            return Err(DomainError::new(
                field::ATTENDEES,
                format!(
                    "{}に委員がいません（役割の割当てで委員を指定してください）",
                    format_gregorian_as_wareki(draft.held_on)
                ),
            ));
        }
        if draft.attendees.is_empty() {
            return Err(DomainError::new(
                field::ATTENDEES,
                "出席した委員を選んでください",
            ));
        }
        let mut attendees = Vec::with_capacity(draft.attendees.len());
        for id in &draft.attendees {
            let member = members.iter().find(|m| m.person_id == *id).ok_or_else(|| {
                DomainError::new(
                    field::ATTENDEES,
                    format!(
                        "出席者に{}の委員でない人が含まれています",
                        format_gregorian_as_wareki(draft.held_on)
                    ),
                )
            })?;
            attendees.push(member.clone());
        }
        let needed = quorum(members.len());
        if attendees.len() < needed {
            return Err(DomainError::new(
                field::ATTENDEES,
                format!(
                    "委員{}人の半数以上（{needed}人以上）の出席がなければ議決できません（出席{}人）",
                    members.len(),
                    attendees.len()
                ),
            ));
        }
        let items: Vec<ItemDraft> = draft
            .items
            .into_iter()
            .filter(|i| !i.title.trim().is_empty() || i.subject.is_some())
            .collect();
        if items.is_empty() {
            return Err(DomainError::new(
                field::AGENDA,
                "議題を1件以上入力してください",
            ));
        }
        if items.len() > MAX_ITEMS {
            return Err(DomainError::new(
                field::AGENDA,
                format!("議題は1回の会議につき{MAX_ITEMS}件までです"),
            ));
        }
        let present = u32::try_from(attendees.len()).unwrap_or(u32::MAX);
        let items = items
            .into_iter()
            .map(|i| i.check(present))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: MeetingId::new(),
            body_id,
            role_key: role_key.to_owned(),
            held_on: draft.held_on,
            members: u32::try_from(members.len()).unwrap_or(u32::MAX),
            attendees,
            items,
            minutes: draft.minutes,
            recorded_by: recorder.account,
            recorded_by_person: recorder.person,
            recorded_by_name: recorder.name,
            recorded_at: at,
        })
    }

    /// The deliberation this meeting gives on an incident's 再発防止策, if one of its 議題 decides
    /// on it (`round`: the plan's round).
    pub fn deliberation_on_incident(&self, id: IncidentId) -> Option<Deliberation> {
        self.items.iter().find_map(|item| match &item.subject {
            Some(Subject::Incident { id: s, round, .. }) if *s == id => {
                Some(self.deliberation(item, *round))
            }
            _ => None,
        })
    }

    /// The deliberation this meeting gives on `subject`, if one of its 議題 decides on it.
    pub fn deliberation_on(&self, id: EditionId) -> Option<Deliberation> {
        self.items.iter().find_map(|item| match &item.subject {
            Some(Subject::Edition { id: s, round, .. }) if *s == id => {
                Some(self.deliberation(item, *round))
            }
            _ => None,
        })
    }

    fn deliberation(&self, item: &AgendaItem, round: u32) -> Deliberation {
        Deliberation {
            meeting_id: self.id,
            held_on: self.held_on,
            title: item.title.clone(),
            vote: item.vote,
            round,
            recorded_by: self.recorded_by.clone(),
        }
    }
}

/// Half the members, rounded up: the members who must be present for a 議決.
pub fn quorum(members: usize) -> usize {
    members.div_ceil(2)
}

impl ItemDraft {
    fn check(self, present: u32) -> Result<AgendaItem, DomainError> {
        let title = match (
            text::single_line(field::AGENDA, &self.title, MAX_TITLE)?,
            &self.subject,
        ) {
            (t, Some(s)) if t.is_empty() => format!("{}について", s.label()),
            (t, _) => t,
        };
        let note = text::multi_line(field::VOTE, &self.note, MAX_NOTE)?;
        let vote = if self.unanimous {
            Vote::Unanimous
        } else {
            let counted = self
                .in_favour
                .saturating_add(self.against)
                .saturating_add(self.abstain);
            if counted > present {
                return Err(DomainError::new(
                    field::VOTE,
                    format!(
                        "「{title}」の賛成・反対・棄権の合計（{counted}人）が出席者（{present}人）を超えています"
                    ),
                ));
            }
            if self.in_favour == 0 && self.against == 0 {
                return Err(DomainError::new(
                    field::VOTE,
                    format!("「{title}」の議決を、全会一致か賛成・反対の人数で入力してください"),
                ));
            }
            Vote::Counted {
                in_favour: self.in_favour,
                against: self.against,
                abstain: self.abstain,
            }
        };
        Ok(AgendaItem {
            title,
            subject: self.subject,
            vote,
            note,
        })
    }
}

/// A 委員会's 議決 on an edition, as the decision that follows it keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliberation {
    pub meeting_id: MeetingId,
    pub held_on: NaiveDate,
    pub title: String,
    pub vote: Vote,
    pub round: u32,
    /// The account that recorded the meeting.
    pub recorded_by: String,
}

impl Deliberation {
    /// 「令和8年12月1日の委員会で全会一致で可決」.
    pub fn label(&self) -> String {
        format!(
            "{}の委員会で{}",
            format_gregorian_as_wareki(self.held_on),
            self.vote.label()
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn member(n: u128, name: &str) -> Attendee {
        Attendee {
            person_id: PersonId::from(uuid::Uuid::from_u128(n)),
            name: name.to_owned(),
        }
    }

    fn members() -> Vec<Attendee> {
        vec![
            member(1, "委員一"),
            member(2, "委員二"),
            member(3, "委員三"),
            member(4, "委員四"),
            member(5, "委員五"),
        ]
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn draft(present: &[u128], items: Vec<ItemDraft>) -> MeetingDraft {
        MeetingDraft {
            held_on: day(1),
            attendees: present
                .iter()
                .map(|n| PersonId::from(uuid::Uuid::from_u128(*n)))
                .collect(),
            items,
            minutes: None,
        }
    }

    fn record(d: MeetingDraft) -> Result<Meeting, DomainError> {
        Meeting::record(
            BodyId::new(),
            "committee",
            d,
            &members(),
            Recorder {
                account: "a".into(),
                person: None,
                name: "事務局".into(),
            },
            day(7),
            DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
    }

    fn item(title: &str, unanimous: bool, f: u32, a: u32, ab: u32) -> ItemDraft {
        ItemDraft {
            title: title.into(),
            unanimous,
            in_favour: f,
            against: a,
            abstain: ab,
            ..ItemDraft::default()
        }
    }

    #[test]
    fn a_quorum_of_members_records_the_votes_and_their_outcome() {
        let m = record(draft(
            &[1, 2, 3],
            vec![
                item("ポリシー改定", true, 0, 0, 0),
                item("研修計画", false, 1, 2, 0),
                item("", false, 0, 0, 0),
            ],
        ))
        .unwrap();
        assert_eq!(m.attendees.len(), 3);
        assert_eq!(m.members, 5);
        assert_eq!(m.items.len(), 2, "an empty row is not a 議題");
        assert!(m.items[0].vote.carried());
        assert!(!m.items[1].vote.carried());
        assert_eq!(m.items[1].vote.label(), "賛成1・反対2・棄権0で否決");
    }

    #[test]
    fn fewer_than_half_the_members_cannot_decide() {
        let e = record(draft(&[1, 2], vec![item("議題", true, 0, 0, 0)])).unwrap_err();
        assert_eq!(e.field, field::ATTENDEES);
        assert!(e.message.contains("3人以上"), "{}", e.message);
    }

    #[test]
    fn a_non_member_cannot_attend_and_a_future_date_is_refused() {
        let e = record(draft(&[1, 2, 9], vec![item("議題", true, 0, 0, 0)])).unwrap_err();
        assert_eq!(e.field, field::ATTENDEES);
        let mut d = draft(&[1, 2, 3], vec![item("議題", true, 0, 0, 0)]);
        d.held_on = day(8);
        assert_eq!(record(d).unwrap_err().field, field::HELD_ON);
    }

    #[test]
    fn votes_cannot_count_more_people_than_attended_nor_be_missing() {
        let e = record(draft(&[1, 2, 3], vec![item("議題", false, 3, 1, 0)])).unwrap_err();
        assert_eq!(e.field, field::VOTE);
        let e = record(draft(&[1, 2, 3], vec![item("議題", false, 0, 0, 2)])).unwrap_err();
        assert_eq!(e.field, field::VOTE);
        let e = record(draft(&[1, 2, 3], vec![])).unwrap_err();
        assert_eq!(e.field, field::AGENDA);
    }

    #[test]
    fn a_subject_item_is_found_as_the_deliberation_of_its_edition() {
        let id = EditionId::new();
        let mut it = item("", true, 0, 0, 0);
        it.subject = Some(Subject::Edition {
            id,
            number: EditionNumber::new(2).unwrap(),
            round: 1,
        });
        let m = record(draft(&[1, 2, 3], vec![it])).unwrap();
        assert_eq!(m.items[0].title, "情報セキュリティポリシー 第2版について");
        let d = m.deliberation_on(id).unwrap();
        assert_eq!(d.round, 1);
        assert!(d.vote.carried());
        assert!(m.deliberation_on(EditionId::new()).is_none());
    }
}
