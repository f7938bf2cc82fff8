//! 委員会の会議: recording a meeting of the deliberating body with its 議決, and reading them back.
//!
//! The 事務局 (a policy editor) records what the meeting decided; the members are the holders of
//! the role the profile in force names as deliberating (`committee` when it names none) on the
//! meeting's date. A 議題 on an edition under review is what that edition's 決裁 accepts.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use mamori_domain::DomainError;
use mamori_domain::audit::AuditEntry;
use mamori_domain::committee::Deliberation;
use mamori_domain::committee::{
    Attendee, ItemDraft, Meeting, MeetingDraft, MinutesFile, Recorder, Subject, field,
};
use mamori_domain::ids::{MeetingId, PersonId};
use mamori_domain::org::RoleDefinition;
use mamori_domain::policy::{Edition, EditionNumber, EditionStatus};
use mamori_store::{Reads, audit, committee as store, policy};
use serde_json::json;

use crate::access::{CurrentUser, PolicyEditor};
use crate::ruling::Ruling;
use crate::{App, AppError, RequestMeta};

/// The guideline's key of the 情報セキュリティ委員会 role, for a profile that names none.
const GUIDELINE_COMMITTEE: &str = "committee";

struct CommitteeRule {
    key: String,
    name: String,
    required: bool,
    deciding: Option<String>,
}

impl CommitteeRule {
    /// Who may read the committee's records: the 事務局 (policy editors), its members, and the
    /// holders of the deciding role who act on its 議決.
    fn may_read(&self, user: &CurrentUser) -> Result<(), AppError> {
        let roles = user.role_keys();
        let holds = |key: &str| roles.iter().any(|r| r == key);
        if user.policy_editor().is_ok()
            || holds(&self.key)
            || self.deciding.as_deref().is_some_and(holds)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden("委員会の会議の記録".to_owned()))
        }
    }
}

/// A 議題 as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    pub title: String,
    /// The number of an edition under review the 議題 decides on (「第2版」), or empty.
    pub edition: String,
    /// The number of an incident whose 再発防止策 the 議題 decides on (「INC-2026-0001」), or empty.
    pub incident: String,
    /// `unanimous` or `counted`.
    pub vote: String,
    pub in_favour: String,
    pub against: String,
    pub abstain: String,
    pub note: String,
}

/// A meeting as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct MeetingForm {
    pub held_on: String,
    pub attendees: Vec<String>,
    pub items: Vec<ItemForm>,
    /// The 議事録 file: its name and bytes.
    pub minutes: Option<(String, Vec<u8>)>,
}

/// The committee screens' facts: its name, members today, and the editions it may deliberate.
#[derive(Debug, Clone)]
pub struct CommitteeView {
    pub role_key: String,
    /// The committee's name from the role's in the body's policy: 「情報セキュリティ委員会」 for
    /// the role 「情報セキュリティ委員会 委員」.
    pub role_name: String,
    /// Whether the policy in force asks the committee to deliberate an edition before its 決裁.
    pub deliberates_editions: bool,
    pub members: Vec<Attendee>,
    /// Editions under review: (number, round), the subjects a 議題 may name.
    pub under_review: Vec<(EditionNumber, u32)>,
}

fn count(label: &str, title: &str, raw: &str) -> Result<u32, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(0);
    }
    mamori_domain::text::ascii_digits(raw)
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 1_000)
        .ok_or_else(|| {
            AppError::Invalid(DomainError::new(
                field::VOTE,
                format!("「{title}」の{label}の人数は0から1000の数で入力してください"),
            ))
        })
}

impl App {
    /// The committee by the policy in force: the role whose holders form it, its name, whether
    /// it must deliberate editions, and the deciding role that acts on its 議決. Refused to whoever
    /// may not read its records.
    async fn committee_rule(
        &self,
        conn: &mut impl Reads,
        user: &CurrentUser,
    ) -> Result<CommitteeRule, AppError> {
        let body = user.body()?;
        let ruling = crate::ruling::ruling(conn, body.id).await?;
        let profile = ruling.profile.as_ref();
        let named = profile.and_then(|p| p.deliberating_role.clone());
        let key = named
            .clone()
            .unwrap_or_else(|| GUIDELINE_COMMITTEE.to_owned());
        let name = committee_name_in(&ruling.roles, &key);
        let rule = CommitteeRule {
            key,
            name,
            required: named.is_some(),
            deciding: profile.map(|p| p.deciding_role.clone()),
        };
        rule.may_read(user)?;
        Ok(rule)
    }

    async fn members_on(
        &self,
        conn: &mut impl Reads,
        user: &CurrentUser,
        role_key: &str,
        on: NaiveDate,
    ) -> Result<Vec<Attendee>, AppError> {
        let body = user.body()?;
        let (_, org) = crate::ruling::ruling_and_org(conn, body.id, on).await?;
        let mut seen = BTreeSet::new();
        Ok(org
            .assignments
            .iter()
            .filter(|a| a.role == role_key && !a.is_deputy && seen.insert(a.person))
            .map(|a| Attendee {
                person_id: a.person,
                name: a.person_name.clone(),
            })
            .collect())
    }

    /// The committee, its members today and the editions it may deliberate.
    pub async fn committee(&self, user: &CurrentUser) -> Result<CommitteeView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let rule = self.committee_rule(&mut conn, user).await?;
        let editions = policy::list_editions(&mut conn, body.id).await?;
        let members = self
            .members_on(&mut conn, user, &rule.key, self.today())
            .await?;
        let under_review = editions
            .iter()
            .filter(|e| e.status == EditionStatus::UnderReview)
            .map(|e| (e.number, e.round()))
            .collect();
        Ok(CommitteeView {
            role_key: rule.key,
            role_name: rule.name,
            deliberates_editions: rule.required,
            members,
            under_review,
        })
    }

    /// The committee and the body's meetings, the latest first.
    pub async fn committee_meetings(
        &self,
        user: &CurrentUser,
    ) -> Result<(CommitteeView, Vec<Meeting>), AppError> {
        let view = self.committee(user).await?;
        let mut conn = self.store().conn().await?;
        Ok((view, store::meetings(&mut conn, user.body()?.id).await?))
    }

    /// One meeting of the body, with the committee's name.
    pub async fn committee_meeting(
        &self,
        user: &CurrentUser,
        id: MeetingId,
    ) -> Result<(String, Meeting), AppError> {
        let mut conn = self.store().conn().await?;
        let rule = self.committee_rule(&mut conn, user).await?;
        let meeting = store::find_meeting(&mut conn, user.body()?.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("会議の記録".to_owned()))?;
        Ok((rule.name, meeting))
    }

    /// A meeting's 議事録 file.
    pub async fn committee_minutes(
        &self,
        user: &CurrentUser,
        id: MeetingId,
    ) -> Result<(MinutesFile, Vec<u8>), AppError> {
        let mut conn = self.store().conn().await?;
        self.committee_rule(&mut conn, user).await?;
        store::minutes(&mut conn, user.body()?.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("議事録".to_owned()))
    }

    /// Records a meeting with its 議決, by the 事務局, in one transaction with its audit record.
    pub async fn record_meeting(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        form: &MeetingForm,
        meta: &RequestMeta,
    ) -> Result<Meeting, AppError> {
        let body = may.body(user)?.clone();
        let held_on = NaiveDate::parse_from_str(form.held_on.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::Invalid(DomainError::new(
                field::HELD_ON,
                "開催日を年月日で入力してください",
            ))
        })?;
        let attendees = form
            .attendees
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| a.parse::<PersonId>())
            .collect::<Result<BTreeSet<_>, _>>()
            .map_err(|_| {
                AppError::Invalid(DomainError::new(
                    field::ATTENDEES,
                    "出席者は委員の一覧から選んでください",
                ))
            })?;
        let minutes = match &form.minutes {
            Some((name, content)) if !(name.trim().is_empty() && content.is_empty()) => {
                let file = crate::attachments::check_file(field::MINUTES, name, content)?;
                Some((
                    MinutesFile {
                        file_name: file.name,
                        content_type: file.content_type.to_owned(),
                        size_bytes: file.size_bytes,
                        sha256: file.sha256,
                    },
                    content.as_slice(),
                ))
            }
            _ => None,
        };
        let now = self.now();
        let today = self.today();
        let mut tx = self.store().begin_write().await?;
        let role_key = self.committee_rule(&mut tx, user).await?.key;
        let editions = policy::list_editions(&mut tx, body.id).await?;
        let mut items = Vec::with_capacity(form.items.len());
        for item in &form.items {
            let title = item.title.trim();
            let subject = if !item.incident.trim().is_empty() {
                let number = item.incident.trim();
                let incident = mamori_store::incidents::find_by_number(&mut tx, body.id, number)
                    .await?
                    .filter(|i| i.measures.as_ref().is_some_and(|m| m.approved.is_none()))
                    .ok_or_else(|| {
                        AppError::Invalid(DomainError::new(
                            field::AGENDA,
                            format!("インシデント「{number}」には承認を待つ再発防止策がありません"),
                        ))
                    })?;
                let round = incident.measures.as_ref().map_or(1, |m| m.round);
                Some(Subject::Incident {
                    id: incident.id,
                    number: incident.number,
                    round,
                })
            } else if item.edition.trim().is_empty() {
                None
            } else {
                let number = EditionNumber::parse(&item.edition)
                    .map_err(|e| AppError::Invalid(DomainError::new(field::AGENDA, e.message)))?;
                let edition = editions
                    .iter()
                    .find(|e| e.number == number && e.status == EditionStatus::UnderReview)
                    .ok_or_else(|| {
                        AppError::Invalid(DomainError::new(
                            field::AGENDA,
                            format!("{number}は審議中ではありません（審議に回された版だけを議題にできます）"),
                        ))
                    })?;
                Some(Subject::Edition {
                    id: edition.id,
                    number,
                    round: edition.round(),
                })
            };
            let unanimous = match item.vote.as_str() {
                "unanimous" => true,
                "counted" | "" => false,
                other => {
                    return Err(AppError::Invalid(DomainError::new(
                        field::VOTE,
                        format!("議決の方法「{other}」はありません"),
                    )));
                }
            };
            items.push(ItemDraft {
                title: title.to_owned(),
                subject,
                unanimous,
                in_favour: count("賛成", title, &item.in_favour)?,
                against: count("反対", title, &item.against)?,
                abstain: count("棄権", title, &item.abstain)?,
                note: item.note.clone(),
            });
        }
        let members = self.members_on(&mut tx, user, &role_key, held_on).await?;
        let meeting = Meeting::record(
            body.id,
            &role_key,
            MeetingDraft {
                held_on,
                attendees,
                items,
                minutes: minutes.as_ref().map(|(m, _)| m.clone()),
            },
            &members,
            Recorder {
                account: user.account.id.to_string(),
                person: user.account.person_id,
                name: user.name().to_owned(),
            },
            today,
            now,
        )?;
        store::insert_meeting(&mut tx, &meeting, minutes.map(|(_, c)| c)).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "committee.record_meeting",
            "committee_meeting",
            meeting.id,
        )
        .body(body.id)
        .after(&json!(meeting))
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(meeting)
    }
}

/// The role whose 委員会 must deliberate `edition` before its 決裁: the rule in force's (the
/// draft's own for a first edition), never one the edition being decided gives itself.
pub(crate) fn deliberating_role<'a>(ruling: &'a Ruling, edition: &'a Edition) -> Option<&'a str> {
    ruling
        .profile
        .as_ref()
        .unwrap_or(&edition.profile)
        .deliberating_role
        .as_deref()
}

/// The 委員会's 議決 on the edition, the latest first.
pub(crate) async fn deliberations_on(
    conn: &mut impl Reads,
    edition: &Edition,
) -> Result<Vec<Deliberation>, AppError> {
    let id = edition.id.to_string();
    Ok(store::meetings_on(conn, edition.body_id, ("edition", &id))
        .await?
        .iter()
        .filter_map(|m| m.deliberation_on(edition.id))
        .collect())
}

/// The committee's name by the body's role set: [`committee_name`] of the role `key`.
pub(crate) fn committee_name_in(roles: &[RoleDefinition], key: &str) -> String {
    roles
        .iter()
        .find(|r| r.key == key)
        .map_or_else(|| key.to_owned(), |r| committee_name(&r.name))
}

/// The name of the body a member role belongs to: the role 「情報セキュリティ委員会 委員」 is a
/// member of the 「情報セキュリティ委員会」; a role named otherwise is the body's name as it is.
pub fn committee_name(role_name: &str) -> String {
    let name = role_name.trim();
    match name.rfind("委員会") {
        Some(i)
            if name[i..]
                .trim_start_matches("委員会")
                .trim()
                .trim_start_matches('の')
                == "委員" =>
        {
            name[..i + "委員会".len()].to_owned()
        }
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::committee_name;

    #[test]
    fn a_member_role_names_its_committee() {
        assert_eq!(
            committee_name("情報セキュリティ委員会 委員"),
            "情報セキュリティ委員会"
        );
        assert_eq!(committee_name("情報化推進委員会の委員"), "情報化推進委員会");
        assert_eq!(
            committee_name("情報セキュリティ委員会"),
            "情報セキュリティ委員会"
        );
        assert_eq!(committee_name("情報政策会議"), "情報政策会議");
    }
}
