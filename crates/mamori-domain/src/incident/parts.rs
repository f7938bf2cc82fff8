//! The parts of an incident record: where it stands, how it came in, the triage, the reports
//! outside with their stages, the timeline's entries, the 再発防止策 with its approval, the
//! closing and the events — values that change only through the transitions of
//! [`Incident`](super::Incident).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::rules::Facts;
use crate::ids::{AssetId, BodyId, IncidentFileId, IncidentId, MeetingId, OrgUnitId, PersonId};

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 受付: saved, waiting for the CSIRT's triage.
    Reported,
    /// 非該当: the CSIRT judged it no incident.
    NotIncident,
    /// 対応中.
    Handling,
    /// 終結.
    Closed,
}

impl Status {
    pub const ALL: [Self; 4] = [
        Self::Reported,
        Self::Handling,
        Self::NotIncident,
        Self::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::NotIncident => "not_incident",
            Self::Handling => "handling",
            Self::Closed => "closed",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Reported => "受付（判断待ち）",
            Self::NotIncident => "非該当",
            Self::Handling => "対応中",
            Self::Closed => "終結",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Reported | Self::Handling)
    }
}

/// How the report came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A 職員等 reported it through the form.
    Staff,
    Resident,
    Vendor,
    Nisc,
    Prefecture,
    Police,
    Other,
}

impl Channel {
    /// The channels the CSIRT takes reports from outside by.
    pub const OUTSIDE: [Self; 6] = [
        Self::Resident,
        Self::Vendor,
        Self::Nisc,
        Self::Prefecture,
        Self::Police,
        Self::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Resident => "resident",
            Self::Vendor => "vendor",
            Self::Nisc => "nisc",
            Self::Prefecture => "prefecture",
            Self::Police => "police",
            Self::Other => "other",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        std::iter::once(Self::Staff)
            .chain(Self::OUTSIDE)
            .find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Staff => "職員等からの報告",
            Self::Resident => "住民等からの連絡",
            Self::Vendor => "委託事業者からの連絡",
            Self::Nisc => "NISC・関係機関からの連絡",
            Self::Prefecture => "都道府県からの連絡",
            Self::Police => "警察からの連絡",
            Self::Other => "その他の外部からの連絡",
        }
    }
}

/// An asset of the register a report names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRef {
    pub id: AssetId,
    pub asset_no: String,
    pub name: String,
}

/// A person as the record names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub person: PersonId,
    pub name: String,
}

/// A report as first saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub id: IncidentId,
    pub body_id: BodyId,
    pub number: String,
    pub channel: Channel,
    /// The 職員 who reported (for a staff report), else `None`.
    pub reporter: Option<Named>,
    /// Who reported from outside and how to reach them (name, phone, mail).
    pub contact: String,
    /// Who entered the report.
    pub received_by: Named,
    pub summary: String,
    pub how_noticed: String,
    pub noticed_at: DateTime<Utc>,
    pub unit: Option<(OrgUnitId, String)>,
    pub assets: Vec<AssetRef>,
    pub systems: Vec<String>,
    pub at: DateTime<Utc>,
}

/// The CSIRT's judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub at: DateTime<Utc>,
    pub by: Named,
    pub category: String,
    pub category_label: String,
    pub severity: String,
    pub severity_label: String,
    pub personal_data: bool,
    /// 要配慮個人情報, a purpose of wrongdoing, or a risk of financial harm.
    pub sensitive: bool,
    pub my_number: bool,
    pub affected_people: Option<u32>,
    pub note: String,
}

impl Triage {
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            severity: &self.severity,
            category: &self.category,
            personal_data: self.personal_data,
            sensitive: self.sensitive,
            my_number: self.my_number,
            affected_people: self.affected_people,
        }
    }
}

/// What the CSIRT judged, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TriageInput {
    pub is_incident: bool,
    pub category: String,
    pub severity: String,
    pub personal_data: bool,
    pub sensitive: bool,
    pub my_number: bool,
    pub affected_people: Option<u32>,
    pub note: String,
}

/// A file kept with the incident, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub id: IncidentFileId,
    pub name: String,
    pub size_bytes: u64,
    pub sha256: String,
}

/// One report outside as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub on: NaiveDate,
    pub by: Named,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

/// One stage of a report outside (速報 or 確報).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub due: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Sent>,
}

impl Stage {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.sent.is_none() && today > self.due
    }
}

/// Which stage of a report outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    First,
    Final,
}

impl StageKind {
    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "first" => Some(Self::First),
            "final" => Some(Self::Final),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Final => "final",
        }
    }
}

/// A report the rules require to a recipient outside, with its stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalReport {
    pub key: String,
    pub recipient: String,
    pub basis: String,
    pub first: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Stage>,
}

impl ExternalReport {
    /// The stage's label: 「速報」「確報」, or 「報告」 for a report of one stage.
    pub fn stage_label(&self, kind: StageKind) -> &'static str {
        match (kind, self.last.is_some()) {
            (StageKind::First, true) => "速報",
            (StageKind::First, false) => "報告",
            (StageKind::Final, _) => "確報",
        }
    }

    pub fn stages(&self) -> impl Iterator<Item = (StageKind, &Stage)> {
        std::iter::once((StageKind::First, &self.first))
            .chain(self.last.iter().map(|s| (StageKind::Final, s)))
    }

    /// The next stage not sent.
    pub fn next_due(&self) -> Option<(StageKind, &Stage)> {
        self.stages().find(|(_, s)| s.sent.is_none())
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.stages().any(|(_, s)| s.is_overdue(today))
    }
}

/// How an action of the response was permitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Permit {
    /// The role's holder permitted it beforehand.
    Permitted { by: Named },
    /// Taken at once to stop the damage; reported to the role's holders afterwards (事後報告).
    ReportedAfter,
    /// No permission needed.
    NotNeeded,
}

/// One entry of the response's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryKind {
    /// A decision or action (ネットワークの切断, 情報システムの停止 …).
    Action {
        key: String,
        label: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_name: Option<String>,
        permit: Permit,
    },
    /// An evidence item: the original is kept as received with its hash and custody; an analysis
    /// copy names the evidence it was made from.
    Evidence {
        file: FileRef,
        custody: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy_of: Option<IncidentFileId>,
    },
    /// A recovery step (復旧).
    Recovery,
    /// A note of the course of the response (経過の記録).
    Note,
}

impl EntryKind {
    pub fn label(&self) -> String {
        match self {
            Self::Action { label, .. } => label.clone(),
            Self::Evidence {
                copy_of: Some(_), ..
            } => "解析用の複製".to_owned(),
            Self::Evidence { .. } => "証拠の保全".to_owned(),
            Self::Recovery => "復旧".to_owned(),
            Self::Note => "経過".to_owned(),
        }
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub by: Named,
    #[serde(flatten)]
    pub kind: EntryKind,
    pub text: String,
}

/// Who approved the 再発防止策.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApprovedBy {
    /// A 議決 of the 委員会 at a recorded meeting.
    Committee {
        meeting: MeetingId,
        held_on: NaiveDate,
        committee: String,
    },
    /// The holder of the deciding role, where the body has no 委員会 deliberating.
    Role { by: Named, role_name: String },
}

/// The 再発防止計画: the cause found, the measures, the clauses of the policy they touch, and
/// their approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    pub root_cause: String,
    pub plan: String,
    /// Clause ids of the edition the measures change or rely on.
    pub clauses: Vec<String>,
    pub proposed_at: DateTime<Utc>,
    pub proposed_by: Named,
    /// The round of the plan: a changed plan needs a new approval.
    pub round: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Approval>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub on: NaiveDate,
    pub by: ApprovedBy,
}

/// The closing review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    pub at: DateTime<Utc>,
    pub by: Named,
    /// What was shared with the staff (周知) and how.
    pub lessons: String,
    pub review: String,
    /// The last day of the recurrence watch (再発の監視).
    pub watch_until: NaiveDate,
}

/// One transition, as audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `report`, `triage`, `acknowledge`, `escalate`, `external`, `entry`, `member`, `measures`,
    /// `approve`, `close`.
    pub kind: String,
    pub at: DateTime<Utc>,
    /// `None` for the escalation of the periodic run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonId>,
    pub version: u32,
}

/// A step's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: Named,
    pub at: DateTime<Utc>,
}
