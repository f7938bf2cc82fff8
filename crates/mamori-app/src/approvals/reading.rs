//! What people read of the applications: one application with its route and files, the inbox,
//! the home summary, one's own applications, the 台帳 and its workbook, an attached file.

use super::*;

impl Approvals<'_> {
    /// One application, with what the signed-in person may do with it.
    pub async fn application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
    ) -> Result<ApplicationView, AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        let Readable {
            app,
            asset_event,
            ruling,
        } = readable(&mut conn, user, id).await?;
        let kind = kind_of(ruling.kinds()?, &app.kind)?.clone();
        let person = user.account.person_id;
        let files = store::files_of(&mut conn, body.id, id).await?;
        // Assets and people by what people read: 管理番号 and name, the person's name.
        let mut values = field_values(&kind, &app);
        for (def, value) in kind.fields.iter().zip(values.iter_mut()) {
            match app.fields.get(&def.key) {
                Some(FieldValue::Assets(ids)) => {
                    let records = asset_store::get_assets(&mut conn, body.id, ids).await?;
                    value.1 = records
                        .iter()
                        .map(|r| format!("{} {}", r.asset_no, r.name))
                        .collect::<Vec<_>>()
                        .join("、");
                }
                Some(v @ FieldValue::Attachment(_)) => {
                    value.1 = attachments::display(v, &files).unwrap_or_default();
                }
                Some(FieldValue::People(ids)) => {
                    let mut names = Vec::new();
                    for id in ids {
                        if let Some(p) = org::find_person(&mut conn, body.id, *id).await? {
                            names.push(p.name);
                        }
                    }
                    value.1 = names.join("、");
                }
                _ => {}
            }
        }
        let today = self.app.today();
        let applicant = person == Some(app.applicant);
        let follows = person.is_some_and(|p| may_follow_up(&app, p));
        let in_force = app.valid_until.is_none_or(|u| today <= u);
        let reported = app.emergency.is_none_or(|e| e.reported_on.is_some());
        let returned = app.return_due.is_none() || app.returned_on.is_some();
        Ok(ApplicationView {
            values,
            // The applicant and the people the application is about never decide it.
            may_decide: person
                .is_some_and(|p| app.awaits(p) && p != app.applicant && !app.subjects.contains(&p)),
            may_withdraw: applicant
                && app.emergency.is_none()
                && matches!(
                    app.status,
                    Status::Draft | Status::Submitted | Status::SentBack | Status::Approved
                ),
            may_resubmit: applicant && matches!(app.status, Status::Draft | Status::SentBack),
            may_start: follows && app.status == Status::Approved && in_force,
            may_return: follows
                && app.return_due.is_some()
                && app.returned_on.is_none()
                && matches!(
                    app.status,
                    Status::Approved | Status::InProgress | Status::Expired
                ),
            may_complete: follows
                && returned
                && reported
                && matches!(
                    app.status,
                    Status::Approved | Status::InProgress | Status::Returned | Status::Expired
                ),
            may_report: applicant && !reported && app.status == Status::InProgress,
            form: form_values(&mut conn, body.id, &app).await?.into(),
            files,
            return_overdue: app.is_return_overdue(today),
            report_overdue: app.is_report_overdue(today),
            needs_review: app.needs_review(today, expiry_window(ruling.profile.as_ref())?),
            application: app,
            kind,
            asset_event,
        })
    }

    /// 承認待ち: the applications whose current step the signed-in person may decide.
    pub async fn inbox(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.app.store().conn().await?;
        Ok(
            store::list_applications(&mut conn, body.id, None, &[Status::Submitted.key()])
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .filter(|a| a.awaits(person))
                .collect(),
        )
    }

    /// What waits for the signed-in person: to decide, sent back, late returns, reports due,
    /// and the body's 例外措置 up for review.
    pub async fn approval_summary(&self, user: &CurrentUser) -> Result<ApprovalSummary, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(ApprovalSummary::default());
        };
        let today = self.app.today();
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let window = expiry_window(ruling.profile.as_ref())?;
        let viewer = Viewer::of(user, &ruling)?;
        let open: Vec<Application> = store::list_applications(
            &mut conn,
            body.id,
            None,
            &[
                Status::Submitted.key(),
                Status::SentBack.key(),
                Status::Approved.key(),
                Status::InProgress.key(),
                Status::Expired.key(),
            ],
        )
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
        let mine = || open.iter().filter(|a| a.applicant == person);
        Ok(ApprovalSummary {
            to_decide: open.iter().filter(|a| a.awaits(person)).count(),
            sent_back: mine().filter(|a| a.status == Status::SentBack).count(),
            overdue_returns: mine().filter(|a| a.is_return_overdue(today)).count(),
            reports_due: mine()
                .filter(|a| {
                    a.status == Status::InProgress
                        && a.emergency.is_some_and(|e| e.reported_on.is_none())
                })
                .count(),
            reviews: open
                .iter()
                .filter(|a| a.needs_review(today, window) && viewer.sees(a))
                .count(),
        })
    }

    /// The signed-in person's own applications, newest first.
    pub async fn my_applications(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.app.store().conn().await?;
        Ok(store::applications_of(&mut conn, body.id, person).await?)
    }

    /// The 台帳 of one kind (by key or clause): one row per application that was submitted,
    /// those `filter` keeps.
    pub async fn ledger(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        filter: &LedgerFilter,
    ) -> Result<(ApplicationKind, Vec<LedgerRow>), AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, kind_key)?.clone();
        let today = self.app.today();
        let window = expiry_window(ruling.profile.as_ref())?;
        let viewer = Viewer::of(user, &ruling)?;
        let rows = store::list_applications(&mut conn, body.id, Some(&kind.clause), &[])
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.kind == kind.key && a.status != Status::Draft && viewer.sees(a))
            .map(|a| LedgerRow::build(&a, &kind, today, window))
            .filter(|r| filter.keeps(r))
            .collect();
        Ok((kind, rows))
    }

    /// The ledger as an Excel workbook, with its file name; the export is recorded in the audit
    /// trail.
    pub async fn ledger_workbook(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        filter: &LedgerFilter,
        meta: &RequestMeta,
    ) -> Result<(Vec<u8>, String), AppError> {
        let (kind, rows) = self.ledger(user, kind_key, filter).await?;
        let bytes = mamori_io::ledger::ledger_xlsx(&kind.name, &rows)
            .map_err(|e| AppError::Internal(format!("ledger workbook: {e}")))?;
        let read = Read::export(Exported::Ledger, Some(&kind.name), "xlsx", rows.len());
        self.app.record_read(user, read, meta).await?;
        Ok((bytes, format!("{}台帳.xlsx", kind.name)))
    }

    /// One attached file of an application of the user's body, with its bytes.
    /// The download is recorded in the audit trail.
    pub async fn application_file(
        &self,
        user: &CurrentUser,
        application: ApplicationId,
        file: ApplicationFileId,
        meta: &RequestMeta,
    ) -> Result<(store::ApplicationFile, Vec<u8>), AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        // Readable by whoever may read the application.
        readable(&mut conn, user, application).await?;
        let found = store::file_content(&mut conn, body.id, application, file)
            .await?
            .ok_or_else(|| AppError::NotFound("添付資料".to_owned()))?;
        drop(conn);
        let read = Read::attachment(application, file, &found.0.file_name);
        self.app.record_read(user, read, meta).await?;
        Ok(found)
    }
}
