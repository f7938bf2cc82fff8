//! The daily runs: approvals past their 期限 expire, and 例外措置 whose 期限 is near come up
//! for review.

use super::*;

/// The body's 例外措置 in force that come up for review on `today`, with the notice period.
async fn up_for_review(
    conn: &mut impl Reads,
    body: BodyId,
    profile: Option<&Profile>,
    today: chrono::NaiveDate,
) -> Result<(u32, Vec<Application>), AppError> {
    let window = expiry_window(profile)?;
    let due = store::list_applications(
        conn,
        body,
        None,
        &[Status::Approved.key(), Status::InProgress.key()],
    )
    .await?
    .into_iter()
    .map(|(a, _)| a)
    .filter(|a| a.needs_review(today, window))
    .collect();
    Ok((window, due))
}

/// Every body, for the daily runs.
async fn all_bodies(app: &App) -> Result<Vec<mamori_domain::org::Body>, AppError> {
    let mut conn = app.store().conn().await?;
    Ok(org::list_bodies(&mut conn).await?)
}

impl Approvals<'_> {
    /// The daily run: approvals whose validity ended before today become 期限切れ, each in its
    /// own transaction with its audit record. Returns how many expired.
    pub async fn expire_due_applications(&self) -> Result<usize, AppError> {
        let today = self.app.today();
        let bodies = all_bodies(self.app).await?;
        let actor = Actor::system("申請の期限切れ");
        let meta = RequestMeta::default();
        let mut expired = 0;
        for body in bodies {
            let due: Vec<Application> = {
                let mut conn = self.app.store().conn().await?;
                store::list_applications(
                    &mut conn,
                    body.id,
                    None,
                    &[Status::Approved.key(), Status::InProgress.key()],
                )
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .filter(|a| a.valid_until.is_some_and(|u| today > u))
                .collect()
            };
            for a in due {
                let now = self.app.now();
                let mut tx = self.app.store().begin_write().await?;
                // Re-read inside the transaction: someone may have acted meanwhile.
                let Some((app, _)) = store::get_application(&mut tx, body.id, a.id).await? else {
                    continue;
                };
                let Ok(next) = app.expire(today, now, app.version) else {
                    continue;
                };
                save(&mut tx, &next, app.version, now).await?;
                self.transitioned(&mut tx, body.id, &next, actor.clone(), &meta, now)
                    .await?;
                tx.commit().await?;
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// The daily run's reminder: each 例外措置 that has come up for review is brought, once, to
    /// its applicant and to those who permitted it. Returns how many were brought up.
    pub async fn remind_exception_reviews(&self) -> Result<usize, AppError> {
        let today = self.app.today();
        let bodies = all_bodies(self.app).await?;
        let mut reminded = 0;
        for body in bodies {
            let mut tx = self.app.store().begin_write().await?;
            let ruling = crate::ruling::ruling(&mut tx, body.id).await?;
            let (_, due) = up_for_review(&mut tx, body.id, ruling.profile.as_ref(), today).await?;
            for a in due {
                let link = format!("/approvals/{}", a.id);
                let until = a.valid_until.map(|d| d.to_string()).unwrap_or_default();
                let subject = format!(
                    "例外措置の見直し: {} {}（期限 {until}）",
                    a.number, a.kind_name
                );
                if notify_store::was_told(&mut tx, body.id, a.applicant, &link, &subject).await? {
                    continue;
                }
                let mut recipients = vec![a.applicant];
                recipients.extend(
                    a.route
                        .iter()
                        .flat_map(|r| &r.steps)
                        .flat_map(|s| &s.seats)
                        .filter_map(|s| s.decision.as_ref())
                        .filter(|d| d.decision == Decision::Approve)
                        .map(|d| d.by),
                );
                let notice = crate::notify::Notice {
                    recipients,
                    subject,
                    text: format!(
                        "{} {}（申請者 {}）の期限 {until} が近づいています。\n\
                         代替措置が続いているか、例外措置をやめられるかを確かめ、やめるときは完了に、\
                         続けるときは新しく申請してください。",
                        a.number, a.kind_name, a.applicant_name
                    ),
                    link: Some(link),
                };
                self.app
                    .notify_in(&mut tx, body.id, &notice, self.app.now())
                    .await?;
                reminded += 1;
            }
            tx.commit().await?;
        }
        Ok(reminded)
    }

    /// 例外措置 in force whose 期限 is within the body's `expiry_notice_days` or past, soonest
    /// first, with that number of days.
    pub async fn exception_reviews(
        &self,
        user: &CurrentUser,
    ) -> Result<(u32, Vec<ExceptionReview>), AppError> {
        let body = user.body()?;
        let today = self.app.today();
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let kinds = ruling.kinds()?;
        let (window, due) =
            up_for_review(&mut conn, body.id, ruling.profile.as_ref(), today).await?;
        let viewer = Viewer::of(user, &ruling)?;
        let mut out: Vec<ExceptionReview> = due
            .into_iter()
            .filter(|a| viewer.sees(a))
            .map(|a| {
                let measures = kinds
                    .iter()
                    .find(|k| k.key == a.kind)
                    .and_then(|k| k.exception.as_ref())
                    .and_then(|rule| a.fields.get(&rule.measures_field))
                    .map(FieldValue::display)
                    .unwrap_or_default();
                let days_left = a
                    .valid_until
                    .map_or(0, |u| u.signed_duration_since(today).num_days());
                ExceptionReview {
                    application: a,
                    days_left,
                    measures,
                }
            })
            .collect();
        out.sort_by_key(|r| r.days_left);
        Ok((window, out))
    }
}
