//! 緊急連絡網: who is called when an incident happens, derived from the body's incident rules
//! and the role assignments of the day — the CSIRT, then each step of the reporting chain in
//! order, with each holder's 代理, post and mail. Nothing is kept: it is current with every
//! 人事異動 because it is read from the organization on the day asked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use mamori_domain::ids::{OrgUnitId, PersonId};
use mamori_domain::incident::IncidentRules;
use mamori_domain::org::{PersonStatus, RoleScope};
use mamori_store::org;

use crate::{App, AppError, CurrentUser};

/// One person to call for a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The unit the role is held for (a unit role), else `None`.
    pub for_unit: Option<String>,
    pub name: String,
    /// 職名 and own unit: 「課長（市民課）」.
    pub post: String,
    pub email: Option<String>,
    pub is_deputy: bool,
    /// On leave (休職) on the day: their 代理 is called instead.
    pub on_leave: bool,
}

impl Contact {
    /// The name as the lists show it: 「佐々木 翔太」, or 「佐々木 翔太（代理）」.
    pub fn label(&self) -> String {
        if self.is_deputy {
            format!("{}（代理）", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// One role of the 緊急連絡網 with the people who hold it on the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRole {
    /// 「CSIRT」 or 「第2段」 — where the role stands in the response.
    pub stage: String,
    pub role_name: String,
    /// Hours the step has to acknowledge before the next is told (chain steps only).
    pub hours: Option<u32>,
    /// Only for incidents of these severities (labels), when the rules limit the step.
    pub severities: Vec<String>,
    pub contacts: Vec<Contact>,
}

/// The 緊急連絡網 on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactTree {
    pub on: NaiveDate,
    pub roles: Vec<ContactRole>,
    /// The rules it was made from (their contacts outside, measures, reports outside).
    pub rules: Arc<IncidentRules>,
    /// The body's names of the role keys.
    pub role_names: BTreeMap<String, String>,
}

impl ContactTree {
    /// The roles nobody holds on the day (a gap to fill before an incident finds it).
    pub fn vacant(&self) -> impl Iterator<Item = &ContactRole> {
        self.roles.iter().filter(|r| r.contacts.is_empty())
    }
}

impl App {
    /// The 緊急連絡網 of the user's body today. Every 職員 may read it: it is what they call.
    pub async fn emergency_contacts(&self, user: &CurrentUser) -> Result<ContactTree, AppError> {
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let (ruling, view) = crate::ruling::ruling_and_org(&mut conn, body.id, today).await?;
        let rules = ruling.incident_rules()?;
        let people: HashMap<PersonId, mamori_domain::org::Person> =
            org::all_people(&mut conn, body.id)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        // Units in the order of their codes, as the body lists them.
        let mut units = org::all_units(&mut conn, body.id).await?;
        drop(conn);
        units.sort_by(|a, b| a.code.cmp(&b.code));
        let order: HashMap<OrgUnitId, usize> =
            units.iter().enumerate().map(|(n, u)| (u.id, n)).collect();
        let unit_name = |u: OrgUnitId| view.units.get(&u).map(|n| n.name.clone());
        let role_name = |key: &str| {
            view.roles
                .iter()
                .find(|r| r.key == key)
                .map_or_else(|| key.to_owned(), |r| r.name.clone())
        };
        let is_unit_role = |key: &str| {
            view.roles
                .iter()
                .any(|r| r.key == key && r.scope == RoleScope::Unit)
        };
        let contacts_of = |key: &str| -> Vec<Contact> {
            let mut held: Vec<_> = view.assignments.iter().filter(|a| a.role == key).collect();
            held.sort_by_key(|a| {
                (
                    a.unit.and_then(|u| order.get(&u).copied()).unwrap_or(0),
                    a.is_deputy,
                    a.person_name.clone(),
                )
            });
            held.into_iter()
                .map(|a| {
                    let person = people.get(&a.person);
                    let post = person.map_or_else(String::new, |p| {
                        let own = unit_name(p.unit_id).unwrap_or_default();
                        if p.title.is_empty() {
                            own
                        } else {
                            format!("{}（{own}）", p.title)
                        }
                    });
                    Contact {
                        for_unit: if is_unit_role(key) {
                            a.unit.and_then(unit_name)
                        } else {
                            None
                        },
                        name: a.person_name.clone(),
                        post,
                        email: person.and_then(|p| p.email.clone()),
                        is_deputy: a.is_deputy,
                        on_leave: !a.in_service
                            || person.is_some_and(|p| p.status == PersonStatus::OnLeave),
                    }
                })
                .collect()
        };
        let mut roles: Vec<ContactRole> = rules
            .handlers
            .iter()
            .map(|key| ContactRole {
                stage: "CSIRT".to_owned(),
                role_name: role_name(key),
                hours: None,
                severities: Vec::new(),
                contacts: contacts_of(key),
            })
            .collect();
        for (n, step) in rules.chain.iter().enumerate() {
            roles.push(ContactRole {
                stage: format!("第{}段", n + 1),
                role_name: role_name(&step.role),
                hours: Some(step.hours),
                severities: step
                    .severities
                    .iter()
                    .map(|s| {
                        rules
                            .severity(s)
                            .map_or_else(|| s.clone(), |x| x.label.clone())
                    })
                    .collect(),
                contacts: contacts_of(&step.role),
            });
        }
        let role_names = view
            .roles
            .iter()
            .map(|r| (r.key.clone(), r.name.clone()))
            .collect();
        Ok(ContactTree {
            on: today,
            roles,
            rules,
            role_names,
        })
    }

    /// The 緊急時対応計画 of the user's body as Word: the rules in force and today's 緊急連絡網.
    pub async fn emergency_plan_docx(
        &self,
        user: &CurrentUser,
    ) -> Result<(String, Vec<u8>), AppError> {
        let (stem, doc) = self.emergency_plan(user).await?;
        let bytes = mamori_io::incident::report_doc_docx(&doc)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((format!("{stem}.docx"), bytes))
    }

    /// The 緊急時対応計画 of the user's body as content for its PDF, with the PDF's file name: the
    /// same plan as [`App::emergency_plan_docx`]. The caller typesets it with
    /// `mamori_pdf::incident_pdf` (the PDF writer is a crate of its own, outside the use cases).
    pub async fn emergency_plan_document(
        &self,
        user: &CurrentUser,
    ) -> Result<(String, mamori_io::incident::ReportDoc), AppError> {
        let (stem, doc) = self.emergency_plan(user).await?;
        Ok((format!("{stem}.pdf"), doc))
    }

    /// The 緊急時対応計画 of the user's body and its file name without extension.
    async fn emergency_plan(
        &self,
        user: &CurrentUser,
    ) -> Result<(String, mamori_io::incident::ReportDoc), AppError> {
        let tree = self.emergency_contacts(user).await?;
        let body = user.body()?;
        let contacts = plan_contacts(&tree);
        let doc = mamori_io::incident::emergency_plan(&mamori_io::incident::EmergencyPlan {
            body_name: &body.name,
            on: tree.on,
            rules: &tree.rules,
            role_names: &tree.role_names,
            contacts: &contacts,
        });
        Ok((format!("{}_緊急時対応計画_{}", body.name, tree.on), doc))
    }
}

/// The 緊急連絡網 as the plan lists it: a line per holder of a role, or one 「（担当者なし）」.
fn plan_contacts(tree: &ContactTree) -> Vec<mamori_io::incident::PlanContact> {
    tree.roles
        .iter()
        .flat_map(|r| {
            let vacant = r
                .contacts
                .is_empty()
                .then(|| mamori_io::incident::PlanContact {
                    stage: r.stage.clone(),
                    role: r.role_name.clone(),
                    for_unit: String::new(),
                    name: "（担当者なし）".to_owned(),
                    post: String::new(),
                    email: String::new(),
                });
            r.contacts
                .iter()
                .map(|c| mamori_io::incident::PlanContact {
                    stage: r.stage.clone(),
                    role: r.role_name.clone(),
                    for_unit: c.for_unit.clone().unwrap_or_default(),
                    name: c.label(),
                    post: c.post.clone(),
                    email: c.email.clone().unwrap_or_default(),
                })
                .chain(vacant)
                .collect::<Vec<_>>()
        })
        .collect()
}
