//! 情報セキュリティインシデント: a report saved first and triaged after, the reporting chain of the
//! body's rules told in order, the reports outside with their deadlines, the response's timeline
//! (actions with their permission, evidence, recovery), the 再発防止策 approved by the 委員会 (or
//! the deciding role), and the closing with its recurrence watch.
//!
//! An incident changes only through its transitions; each returns the next state with one more
//! [`Event`] and `version + 1`, so the store can refuse a write made on a stale read.

mod chain;
mod parts;
pub mod rules;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::approval::japan_date;
use crate::ids::{BodyId, IncidentId, OrgUnitId, PersonId};
use crate::text;

pub use chain::{ChainStep, resolve_chain};
pub use parts::{
    Acknowledgement, Approval, ApprovedBy, AssetRef, Channel, Closing, Entry, EntryKind, Event,
    ExternalReport, FileRef, Measures, Named, NewIncident, Permit, Sent, Stage, StageKind, Status,
    Triage, TriageInput,
};
pub use rules::{Facts, IncidentRules, Permission};

/// Field names, as the forms label them.
pub mod field {
    pub const SUMMARY: &str = "何が起きたか";
    pub const NOTICED_AT: &str = "気付いた日時";
    pub const HOW_NOTICED: &str = "気付いた経緯";
    pub const UNIT: &str = "所属";
    pub const ASSETS: &str = "関係する情報資産";
    pub const SYSTEMS: &str = "関係する情報システム";
    pub const CHANNEL: &str = "受付の経路";
    pub const CONTACT: &str = "報告者の連絡先";
    pub const REPORTER: &str = "報告者";
    pub const JUDGEMENT: &str = "判断";
    pub const CATEGORY: &str = "区分";
    pub const SEVERITY: &str = "重大度";
    pub const PEOPLE: &str = "影響を受けた人数";
    pub const NOTE: &str = "判断の理由";
    pub const STEP: &str = "報告の段";
    pub const EXTERNAL: &str = "外部への報告";
    pub const CONTENT: &str = "報告の内容";
    pub const SENT_ON: &str = "報告日";
    pub const SENT_FILE: &str = "報告の控え";
    pub const ACTION: &str = "措置";
    pub const PERMITTED_BY: &str = "許可した人";
    pub const TEXT: &str = "内容";
    pub const EVIDENCE: &str = "証拠";
    pub const CUSTODY: &str = "保管者・保管場所";
    pub const ROOT_CAUSE: &str = "原因";
    pub const MEASURES: &str = "再発防止策";
    pub const CLAUSES: &str = "関係する条項";
    pub const LESSONS: &str = "職員等への周知";
    pub const MEMBER: &str = "対応者";
    pub const STATUS: &str = "状態";
}

/// The longest one-line text (names, contacts), in characters.
pub const MAX_LINE: usize = 200;
/// The longest text of a report, entry or plan, in characters.
pub const MAX_TEXT: usize = 4_000;
/// The most assets or systems one report names.
pub const MAX_REFS: usize = 50;
/// The most people added by the CSIRT and entries of a timeline.
pub const MAX_ENTRIES: usize = 500;

/// A 情報セキュリティインシデント (or a report that turned out to be none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub body_id: BodyId,
    /// The ledger number, 「INC-2026-0001」.
    pub number: String,
    pub status: Status,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<Named>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact: String,
    pub received_by: Named,
    pub summary: String,
    pub how_noticed: String,
    pub noticed_at: DateTime<Utc>,
    pub reported_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<OrgUnitId>,
    pub unit_name: String,
    pub assets: Vec<AssetRef>,
    pub systems: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
    pub chain: Vec<ChainStep>,
    pub external: Vec<ExternalReport>,
    pub timeline: Vec<Entry>,
    /// People the CSIRT added to the response; they read the incident.
    pub members: Vec<Named>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<Measures>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<Closing>,
    pub history: Vec<Event>,
    pub version: u32,
}

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(field, message)
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

impl Incident {
    /// Saves a report: checked for length and shape only, so a report is never refused for what
    /// the reporter does not know. The chain starts when a unit is known.
    pub fn report(
        new: NewIncident,
        rules: &IncidentRules,
        org: &crate::authority::OrgSnapshot,
    ) -> Result<Self, DomainError> {
        let summary = text::multi_line(field::SUMMARY, &new.summary, MAX_TEXT)?;
        if summary.trim().is_empty() {
            return Err(invalid(field::SUMMARY, "何が起きたかを入力してください"));
        }
        let how_noticed = text::multi_line(field::HOW_NOTICED, &new.how_noticed, MAX_TEXT)?;
        let contact = text::single_line(field::CONTACT, &new.contact, MAX_LINE)?;
        if new.channel != Channel::Staff && contact.trim().is_empty() {
            return Err(invalid(
                field::CONTACT,
                "外部からの連絡は、連絡してきた人と連絡先を入力してください",
            ));
        }
        if new.noticed_at > new.at {
            return Err(invalid(
                field::NOTICED_AT,
                "気付いた日時が受付の日時より後です",
            ));
        }
        if new.assets.len() > MAX_REFS || new.systems.len() > MAX_REFS {
            return Err(invalid(
                field::ASSETS,
                format!("関係する情報資産・情報システムはそれぞれ{MAX_REFS}件までです"),
            ));
        }
        let mut systems = Vec::new();
        for s in &new.systems {
            let s = text::single_line(field::SYSTEMS, s, MAX_LINE)?;
            if !s.trim().is_empty() && !systems.contains(&s) {
                systems.push(s);
            }
        }
        let (unit, unit_name) = new
            .unit
            .map_or((None, String::new()), |(u, n)| (Some(u), n));
        let mut incident = Self {
            id: new.id,
            body_id: new.body_id,
            number: new.number,
            status: Status::Reported,
            channel: new.channel,
            reporter: new.reporter,
            contact,
            received_by: new.received_by,
            summary,
            how_noticed,
            noticed_at: new.noticed_at,
            reported_at: new.at,
            unit,
            unit_name,
            assets: new.assets,
            systems,
            triage: None,
            chain: Vec::new(),
            external: Vec::new(),
            timeline: Vec::new(),
            members: Vec::new(),
            measures: None,
            closing: None,
            history: Vec::new(),
            version: 0,
        };
        if let Some(unit) = incident.unit {
            incident.chain = resolve_chain(rules, None, org, unit);
            incident.advance_chain(new.at);
        }
        let by = incident.received_by.person;
        Ok(incident.record("report", Some(by), new.at))
    }

    fn record(mut self, kind: &str, by: Option<PersonId>, at: DateTime<Utc>) -> Self {
        self.version += 1;
        self.history.push(Event {
            kind: kind.to_owned(),
            at,
            by,
            version: self.version,
        });
        self
    }

    fn must_be_open(&self) -> Result<(), DomainError> {
        if self.status.is_open() {
            Ok(())
        } else {
            Err(invalid(
                field::STATUS,
                format!("{}の報告は変更できません", self.status.label()),
            ))
        }
    }

    fn must_be_handling(&self) -> Result<(), DomainError> {
        if self.status == Status::Handling {
            Ok(())
        } else {
            Err(invalid(
                field::STATUS,
                format!(
                    "インシデントと判断された対応中の事案だけです（いまは{}）",
                    self.status.label()
                ),
            ))
        }
    }

    /// The day the body knew of the case: the day it was noticed, in Japan.
    pub fn known_on(&self) -> NaiveDate {
        japan_date(self.noticed_at)
    }

    /// The CSIRT's judgement: 非該当 (with the reason) or an incident of a category and severity
    /// of the body's criteria. An incident's reports outside follow from the facts; a report
    /// already sent is kept whatever the new facts say. `unit`: the unit concerned, when the
    /// report named none. May be given again while the incident is handled, as facts come in.
    pub fn triage(
        &self,
        input: &TriageInput,
        unit: Option<(OrgUnitId, String)>,
        by: Named,
        rules: &IncidentRules,
        org: &crate::authority::OrgSnapshot,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.triage_telling(input, unit, by, rules, org, at)
            .map(|(next, _)| next)
    }

    /// [`triage`](Self::triage), with the positions of the chain it told: a report saved without
    /// a unit starts its chain here, and a higher severity may add steps that are due at once.
    pub fn triage_telling(
        &self,
        input: &TriageInput,
        unit: Option<(OrgUnitId, String)>,
        by: Named,
        rules: &IncidentRules,
        org: &crate::authority::OrgSnapshot,
        at: DateTime<Utc>,
    ) -> Result<(Self, Vec<usize>), DomainError> {
        self.must_be_open()?;
        let note = text::multi_line(field::NOTE, &input.note, MAX_TEXT)?;
        let mut next = self.clone();
        if !input.is_incident {
            if self.status == Status::Handling {
                return Err(invalid(
                    field::JUDGEMENT,
                    "対応中のインシデントを非該当にはできません",
                ));
            }
            if note.trim().is_empty() {
                return Err(invalid(
                    field::NOTE,
                    "非該当と判断した理由を入力してください",
                ));
            }
            next.status = Status::NotIncident;
            next.triage = Some(Triage {
                at,
                by: by.clone(),
                category: String::new(),
                category_label: String::new(),
                severity: String::new(),
                severity_label: String::new(),
                personal_data: false,
                sensitive: false,
                my_number: false,
                affected_people: None,
                note,
            });
            return Ok((next.record("triage", Some(by.person), at), Vec::new()));
        }
        let category = rules
            .category(&input.category)
            .ok_or_else(|| invalid(field::CATEGORY, "区分を団体の定める区分から選んでください"))?;
        let severity = rules
            .severity(&input.severity)
            .ok_or_else(|| invalid(field::SEVERITY, "重大度を団体の基準から選んでください"))?;
        if (input.sensitive || input.my_number) && !input.personal_data {
            return Err(invalid(
                field::JUDGEMENT,
                "要配慮個人情報・マイナンバーが関係するときは「個人情報が関係する」も選んでください",
            ));
        }
        if let Some((unit, name)) = unit
            && next.unit.is_none()
        {
            next.unit = Some(unit);
            next.unit_name = name;
        }
        let Some(unit) = next.unit else {
            return Err(invalid(
                field::UNIT,
                "インシデントの所管の所属を選んでください（報告の順が所属で決まります）",
            ));
        };
        let triage = Triage {
            at,
            by: by.clone(),
            category: category.key.clone(),
            category_label: category.label.clone(),
            severity: severity.key.clone(),
            severity_label: severity.label.clone(),
            personal_data: input.personal_data,
            sensitive: input.sensitive,
            my_number: input.my_number,
            affected_people: input.affected_people,
            note,
        };
        // The chain for the severity: the steps already there keep what happened to them.
        let fresh = resolve_chain(rules, Some(&triage.severity), org, unit);
        let mut chain: Vec<ChainStep> = Vec::with_capacity(fresh.len());
        for step in fresh {
            match next.chain.iter().find(|s| s.role == step.role) {
                Some(old) => chain.push(old.clone()),
                None => chain.push(step),
            }
        }
        for old in &next.chain {
            if old.told_at.is_some() && !chain.iter().any(|s| s.role == old.role) {
                chain.push(old.clone());
            }
        }
        next.chain = chain;
        let told = next.advance_chain(at);
        // Reports outside: those the facts require, and those already sent.
        let known_on = next.known_on();
        let facts = triage.facts();
        let mut external = Vec::new();
        for rule in &rules.external {
            let old = next.external.iter().find(|e| e.key == rule.key);
            let sent = old.is_some_and(|o| o.stages().any(|(_, s)| s.sent.is_some()));
            if sent {
                external.extend(old.cloned());
            } else if rule.required(&facts) {
                external.push(ExternalReport {
                    key: rule.key.clone(),
                    recipient: rule.recipient.clone(),
                    basis: rule.basis.clone(),
                    first: Stage {
                        due: add_days(known_on, rule.first_days),
                        sent: None,
                    },
                    last: rule.final_days.map(|d| Stage {
                        due: add_days(known_on, d),
                        sent: None,
                    }),
                });
            }
        }
        next.external = external;
        next.triage = Some(triage);
        next.status = Status::Handling;
        Ok((next.record("triage", Some(by.person), at), told))
    }

    /// Tells the steps of the chain that are due: the first; each after one that acknowledged,
    /// has nobody, or has not acknowledged within its hours (then marked escalated). Returns the
    /// positions newly told.
    fn advance_chain(&mut self, now: DateTime<Utc>) -> Vec<usize> {
        let mut told = Vec::new();
        for i in 0..self.chain.len() {
            if self.chain[i].told_at.is_some() {
                continue;
            }
            let (due, escalated) = match i.checked_sub(1).map(|p| &self.chain[p]) {
                None => (true, false),
                Some(prev) => match prev.told_at {
                    None => (false, false),
                    Some(_) if prev.is_settled() => (true, false),
                    Some(at) => {
                        let lapse = at + chrono::Duration::hours(i64::from(prev.hours));
                        (now >= lapse, now >= lapse)
                    }
                },
            };
            if !due {
                break;
            }
            let step = &mut self.chain[i];
            step.told_at = Some(now);
            step.escalated = escalated;
            told.push(i);
        }
        told
    }

    /// The steps told now by the periodic run, because a step before them did not acknowledge in
    /// time. `None` when nothing was due.
    pub fn escalate(&self, now: DateTime<Utc>) -> Option<(Self, Vec<usize>)> {
        if !self.status.is_open() {
            return None;
        }
        let mut next = self.clone();
        let told = next.advance_chain(now);
        if told.is_empty() {
            return None;
        }
        Some((next.record("escalate", None, now), told))
    }

    /// The positions of the told, unacknowledged steps `person` holds.
    pub fn awaiting(&self, person: PersonId) -> Vec<usize> {
        self.chain
            .iter()
            .enumerate()
            .filter(|(_, s)| s.told_at.is_some() && s.acknowledged.is_none() && s.held_by(person))
            .map(|(i, _)| i)
            .collect()
    }

    /// 確認: the person acknowledges every told step they hold; the next steps are told. Returns
    /// the positions newly told.
    pub fn acknowledge(
        &self,
        by: Named,
        at: DateTime<Utc>,
    ) -> Result<(Self, Vec<usize>), DomainError> {
        let steps = self.awaiting(by.person);
        if steps.is_empty() {
            return Err(invalid(
                field::STEP,
                "あなたに報告されて確認を待っている段はありません",
            ));
        }
        let mut next = self.clone();
        for i in steps {
            next.chain[i].acknowledged = Some(Acknowledgement { by: by.clone(), at });
        }
        let told = next.advance_chain(at);
        Ok((next.record("acknowledge", Some(by.person), at), told))
    }

    /// Records one stage of a report outside as sent.
    pub fn record_external(
        &self,
        key: &str,
        stage: StageKind,
        sent: Sent,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.must_be_handling()?;
        let content = text::multi_line(field::CONTENT, &sent.content, MAX_TEXT)?;
        if content.trim().is_empty() {
            return Err(invalid(field::CONTENT, "報告した内容を入力してください"));
        }
        if sent.on > japan_date(at) {
            return Err(invalid(field::SENT_ON, "報告日に先の日付は入力できません"));
        }
        let by = sent.by.person;
        let mut next = self.clone();
        let report = next
            .external
            .iter_mut()
            .find(|e| e.key == key)
            .ok_or_else(|| invalid(field::EXTERNAL, "この報告先への報告は求められていません"))?;
        let target = match stage {
            StageKind::First => &mut report.first,
            StageKind::Final => match report.last.as_mut() {
                Some(s) => s,
                None => return Err(invalid(field::EXTERNAL, "この報告先には確報がありません")),
            },
        };
        if target.sent.is_some() {
            return Err(invalid(field::EXTERNAL, "この報告はすでに記録されています"));
        }
        target.sent = Some(Sent { content, ..sent });
        Ok(next.record("external", Some(by), at))
    }

    /// Adds an entry to the timeline.
    pub fn add_entry(&self, entry: Entry) -> Result<Self, DomainError> {
        self.must_be_handling()?;
        if self.timeline.len() >= MAX_ENTRIES {
            return Err(invalid(
                field::TEXT,
                format!("経過の記録は{MAX_ENTRIES}件までです"),
            ));
        }
        let text = text::multi_line(field::TEXT, &entry.text, MAX_TEXT)?;
        if text.trim().is_empty() && !matches!(entry.kind, EntryKind::Evidence { .. }) {
            return Err(invalid(field::TEXT, "内容を入力してください"));
        }
        if let EntryKind::Evidence {
            custody, copy_of, ..
        } = &entry.kind
        {
            text::single_line(field::CUSTODY, custody, MAX_LINE)?;
            if copy_of.is_none() && custody.trim().is_empty() {
                return Err(invalid(
                    field::CUSTODY,
                    "証拠の原本の保管者・保管場所を入力してください",
                ));
            }
            if let Some(original) = copy_of {
                let is_original = self.timeline.iter().any(|e| {
                    matches!(&e.kind, EntryKind::Evidence { file, copy_of: None, .. } if file.id == *original)
                });
                if !is_original {
                    return Err(invalid(
                        field::EVIDENCE,
                        "複製のもとになる証拠の原本を選んでください",
                    ));
                }
            }
        }
        let (by, at) = (entry.by.person, entry.at);
        let mut next = self.clone();
        next.timeline.push(Entry { text, ..entry });
        Ok(next.record("entry", Some(by), at))
    }

    /// The evidence originals, for an analysis copy to name.
    pub fn evidence(&self) -> impl Iterator<Item = &FileRef> {
        self.timeline.iter().filter_map(|e| match &e.kind {
            EntryKind::Evidence {
                file,
                copy_of: None,
                ..
            } => Some(file),
            _ => None,
        })
    }

    /// Adds a person to the response: they read the incident.
    pub fn add_member(
        &self,
        member: Named,
        by: PersonId,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.must_be_open()?;
        if self.members.iter().any(|m| m.person == member.person) {
            return Err(invalid(
                field::MEMBER,
                format!("{}はすでに対応者です", member.name),
            ));
        }
        if self.members.len() >= MAX_ENTRIES {
            return Err(invalid(field::MEMBER, "対応者が多すぎます"));
        }
        let mut next = self.clone();
        next.members.push(member);
        Ok(next.record("member", Some(by), at))
    }

    /// The 再発防止計画 as drafted (again): a changed plan needs a new approval.
    pub fn propose_measures(
        &self,
        root_cause: &str,
        plan: &str,
        clauses: Vec<String>,
        by: Named,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.must_be_handling()?;
        let root_cause = text::multi_line(field::ROOT_CAUSE, root_cause, MAX_TEXT)?;
        let plan = text::multi_line(field::MEASURES, plan, MAX_TEXT)?;
        if root_cause.trim().is_empty() || plan.trim().is_empty() {
            return Err(invalid(
                field::MEASURES,
                "原因と再発防止策を入力してください",
            ));
        }
        if clauses.len() > MAX_REFS {
            return Err(invalid(
                field::CLAUSES,
                format!("条項は{MAX_REFS}件までです"),
            ));
        }
        let round = self.measures.as_ref().map_or(1, |m| m.round + 1);
        let mut next = self.clone();
        next.measures = Some(Measures {
            root_cause,
            plan,
            clauses,
            proposed_at: at,
            proposed_by: by.clone(),
            round,
            approved: None,
        });
        Ok(next.record("measures", Some(by.person), at))
    }

    /// The approval of the plan of the current round. The one who drafted it does not approve it.
    pub fn approve_measures(
        &self,
        approval: Approval,
        by: PersonId,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.must_be_handling()?;
        let Some(measures) = &self.measures else {
            return Err(invalid(
                field::MEASURES,
                "再発防止策がまだ起案されていません",
            ));
        };
        if measures.approved.is_some() {
            return Err(invalid(
                field::MEASURES,
                "再発防止策はすでに承認されています",
            ));
        }
        if let ApprovedBy::Role { by: approver, .. } = &approval.by
            && approver.person == measures.proposed_by.person
        {
            return Err(invalid(
                field::MEASURES,
                "再発防止策を起案した人は、その承認をできません",
            ));
        }
        let mut next = self.clone();
        if let Some(m) = next.measures.as_mut() {
            m.approved = Some(approval);
        }
        Ok(next.record("approve", Some(by), at))
    }

    /// 終結: after the approved 再発防止策 and every required report outside.
    pub fn close(
        &self,
        lessons: &str,
        review: &str,
        by: Named,
        rules: &IncidentRules,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        self.must_be_handling()?;
        if self.measures.as_ref().is_none_or(|m| m.approved.is_none()) {
            return Err(invalid(
                field::MEASURES,
                "再発防止策が承認されるまで終結できません",
            ));
        }
        let unsent: Vec<String> = self
            .external
            .iter()
            .flat_map(|e| {
                e.stages()
                    .filter(|(_, s)| s.sent.is_none())
                    .map(move |(k, _)| format!("{}の{}", e.recipient, e.stage_label(k)))
            })
            .collect();
        if !unsent.is_empty() {
            return Err(invalid(
                field::EXTERNAL,
                format!("まだ報告していないものがあります: {}", unsent.join("、")),
            ));
        }
        let lessons = text::multi_line(field::LESSONS, lessons, MAX_TEXT)?;
        if lessons.trim().is_empty() {
            return Err(invalid(
                field::LESSONS,
                "職員等に周知した内容と方法を入力してください",
            ));
        }
        let review = text::multi_line(field::TEXT, review, MAX_TEXT)?;
        let mut next = self.clone();
        next.closing = Some(Closing {
            at,
            by: by.clone(),
            lessons,
            review,
            watch_until: add_days(japan_date(at), rules.watch_days),
        });
        next.status = Status::Closed;
        Ok(next.record("close", Some(by.person), at))
    }

    /// Whether `person` is named by the incident: reporter, the one who entered it, a holder of a
    /// step of its chain, or a member added by the CSIRT.
    pub fn involves(&self, person: PersonId) -> bool {
        self.reporter.as_ref().is_some_and(|r| r.person == person)
            || self.received_by.person == person
            || self.chain.iter().any(|s| s.held_by(person))
            || self.members.iter().any(|m| m.person == person)
    }

    /// Every person the incident names: reporter, the one who entered it, the chain's holders,
    /// the members.
    pub fn people(&self) -> Vec<PersonId> {
        let mut out = vec![self.received_by.person];
        let named = self
            .reporter
            .iter()
            .map(|r| r.person)
            .chain(self.chain_people())
            .chain(self.members.iter().map(|m| m.person));
        for p in named {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// When the periodic run must look at the chain again: the earliest lapse of a told,
    /// unacknowledged step whose next step is not told yet.
    pub fn next_lapse(&self) -> Option<DateTime<Utc>> {
        self.chain
            .windows(2)
            .filter(|w| w[1].told_at.is_none() && !w[0].is_settled())
            .filter_map(|w| w[0].lapses_at())
            .min()
    }

    /// Every person the incident names as a chain holder.
    pub fn chain_people(&self) -> Vec<PersonId> {
        let mut out = Vec::new();
        for h in self.chain.iter().flat_map(|s| &s.holders) {
            if !out.contains(&h.person) {
                out.push(h.person);
            }
        }
        out
    }

    /// Whether any stage of a report outside is late.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.external.iter().any(|e| e.is_overdue(today))
    }

    /// The earliest due day of a report outside not yet sent.
    pub fn next_due(&self) -> Option<NaiveDate> {
        self.external
            .iter()
            .filter_map(|e| e.next_due().map(|(_, s)| s.due))
            .min()
    }
}
