//! What follows when people move (an edit, an import, a 人事異動): roles tied to a post pass to
//! its new holder, the accounts of those who left are disabled, and no editor moves themselves.
//! Shared by the organization editor, the import and the transfers, below all three.

use std::collections::HashMap;

use chrono::NaiveDate;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{Post, RoleAssignment};
use mamori_domain::transfer::{Position, succession};
use mamori_store::{WriteTx, audit, org};

use crate::{AppError, CurrentUser};

/// Refuses a change by which an organization editor would move themselves: a post carries its
/// roles to whoever holds it (`transfers::pass_posts`), so moving oneself into a post is naming
/// oneself to its roles. Another editor (or the setup of the body) does it.
pub(crate) fn refuse_moving_oneself(
    user: &CurrentUser,
    mut moved: impl Iterator<Item = PersonId>,
) -> Result<(), AppError> {
    match user.account.person_id {
        Some(me) if moved.any(|p| p == me) => Err(AppError::Forbidden(
            "自分自身の所属・職名・在職状況の変更（別の組織編集者が行います）".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Passes roles tied to a post to whoever holds the post from `date` on (after a 人事異動, an
/// import or an edit moved people): ends the leaver's assignment the day before and starts the
/// successor's, each audited. Returns the role changes and the posts left without a holder, in
/// Japanese.
pub(crate) async fn pass_posts(
    tx: &mut WriteTx,
    body: BodyId,
    date: NaiveDate,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let people: HashMap<PersonId, mamori_domain::org::Person> = org::all_people(&mut *tx, body)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let after: HashMap<PersonId, Position> = org::people_on(&mut *tx, body, date)
        .await?
        .into_iter()
        .map(|(id, _, unit_id, title, status)| {
            (
                id,
                Position {
                    unit_id,
                    title,
                    status,
                },
            )
        })
        .collect();
    let units: HashMap<OrgUnitId, String> = org::all_units(&mut *tx, body)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let valid = org::assignments(&mut *tx, body, Some(date)).await?;
    let defs = org::list_role_definitions(&mut *tx, body).await?;
    let describe = |post: &Post| {
        format!(
            "{} {}",
            units.get(&post.unit_id).cloned().unwrap_or_default(),
            post.title
        )
    };
    let plan = succession(&valid, &after, describe);
    let by_id: HashMap<RoleAssignmentId, &RoleAssignment> =
        valid.iter().map(|a| (a.id, a)).collect();
    let name_of = |id: PersonId| people.get(&id).map(|p| p.name.clone()).unwrap_or_default();
    let role_label = |a: &RoleAssignment| {
        let name = defs
            .iter()
            .find(|d| d.key == a.role_key)
            .map_or_else(|| a.role_key.clone(), |d| d.name.clone());
        match a.unit_id.and_then(|u| units.get(&u)) {
            Some(unit) => format!("{name}（{unit}）"),
            None => a
                .system_name
                .as_ref()
                .map_or(name.clone(), |s| format!("{name}（{s}）")),
        }
    };
    let last_day = date.pred_opt().unwrap_or(date);
    let mut role_changes = Vec::new();
    let mut vacancies = Vec::new();
    for id in &plan.ended {
        org::end_assignment(&mut *tx, *id, last_day).await?;
        let entry = AuditEntry::new(actor.clone(), "role_assignment.end", "role_assignment", id)
            .body(body)
            .after(&serde_json::json!({ "valid_to": last_day }));
        audit::append(tx, now, entry).await?;
    }
    for (ended, successor) in &plan.started {
        let Some(old) = by_id.get(ended) else {
            continue;
        };
        let new = RoleAssignment {
            id: RoleAssignmentId::new(),
            person_id: *successor,
            valid_from: date,
            ..(*old).clone()
        };
        org::insert_assignment(&mut *tx, &new, now).await?;
        let entry = AuditEntry::new(
            actor.clone(),
            "role_assignment.create",
            "role_assignment",
            new.id,
        )
        .body(body)
        .after(&new);
        audit::append(tx, now, entry).await?;
        role_changes.push(format!(
            "{}: {} → {}",
            role_label(old),
            name_of(old.person_id),
            name_of(*successor)
        ));
    }
    for (ended, why) in &plan.vacancies {
        let label = by_id.get(ended).map(|a| role_label(a)).unwrap_or_default();
        vacancies.push(format!("{label}: {why}"));
    }
    Ok((role_changes, vacancies))
}

/// Disables the login accounts of people who have left (退職), as the guideline asks of unused
/// user IDs (対策基準 6.2), each with its audit record in `tx`. Returns the logins disabled.
pub(crate) async fn disable_accounts_of_leavers(
    tx: &mut WriteTx,
    body: BodyId,
    people: &[PersonId],
    actor: &mamori_domain::audit::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, AppError> {
    let mut disabled = Vec::new();
    for person in people {
        for account in mamori_store::accounts::find_by_person(&mut *tx, *person).await? {
            if account.disabled {
                continue;
            }
            mamori_store::accounts::set_disabled(&mut *tx, account.id, true).await?;
            let entry = AuditEntry::new(actor.clone(), "account.disable", "account", account.id)
                .body(body)
                .before(&serde_json::json!({ "disabled": false }))
                .after(&serde_json::json!({ "disabled": true, "reason": "退職" }));
            audit::append(tx, now, entry).await?;
            disabled.push(account.login.to_string());
        }
    }
    Ok(disabled)
}
