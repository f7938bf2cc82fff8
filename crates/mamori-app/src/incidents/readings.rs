//! What the screens read of incidents: one incident with what the person may do, the lists
//! and the ledger, the reports due for home, the body's rules, the kept files and the 報告書.

use super::*;

impl Incidents<'_> {
    /// One incident with what the person may do on it; not found for whoever it does not name.
    pub async fn incident(
        &self,
        user: &CurrentUser,
        id: IncidentId,
    ) -> Result<IncidentView, AppError> {
        let mut conn = self.app.store().conn().await?;
        let body = user.body()?.id;
        let (ruling, org, rules) = self.rules_and_org(&mut conn, body).await?;
        let handle = rules.handles(&user.role_keys());
        let incident = self
            .readable(&mut conn, body, user.account.person_id, handle, id)
            .await?;
        let committee = committee_of(&ruling, &org);
        let deliberation = match incident.measures.as_ref() {
            Some(m) if committee.is_some() => {
                carried_deliberation(&mut conn, &incident, m.round).await?
            }
            _ => None,
        };
        let approve = committee.is_none()
            && user.role_keys().contains(&deciding_role(&ruling))
            && incident
                .measures
                .as_ref()
                .is_some_and(|m| m.approved.is_none());
        let acknowledge = user
            .account
            .person_id
            .is_some_and(|p| !incident.awaiting(p).is_empty());
        Ok(IncidentView {
            incident,
            rules,
            may: Abilities {
                handle,
                acknowledge,
                approve,
            },
            committee: committee.map(|(_, n)| n),
            deliberation,
            today: self.app.today(),
        })
    }

    /// The incidents the person may read: all of the body for the CSIRT, else those naming them.
    pub async fn list(
        &self,
        user: &CurrentUser,
        mut filter: IncidentFilter,
    ) -> Result<Vec<Incident>, AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let rules = ruling.incident_rules()?;
        if !rules.handles(&user.role_keys()) {
            match user.account.person_id {
                Some(p) => filter.naming = Some(p),
                None => return Ok(Vec::new()),
            }
        }
        Ok(store::list_incidents(&mut conn, body.id, &filter).await?)
    }

    /// The インシデント台帳 as an Excel workbook (what the person may read), recorded as a read.
    pub async fn ledger_workbook(
        &self,
        user: &CurrentUser,
        filter: IncidentFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>, AppError> {
        let rows = self.list(user, filter).await?;
        let today = self.app.today();
        let title = format!("{} インシデント台帳", user.body()?.name);
        let bytes = mamori_io::incident::incident_ledger_xlsx(&title, &rows, today)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let read = crate::reads::Read::export(
            crate::reads::Exported::IncidentLedger,
            None,
            "xlsx",
            rows.len(),
        );
        self.app.record_read(user, read, meta).await?;
        Ok(bytes)
    }

    /// The 報告書 of one incident as Word.
    pub async fn report_docx(
        &self,
        user: &CurrentUser,
        id: IncidentId,
    ) -> Result<(String, Vec<u8>), AppError> {
        let view = self.incident(user, id).await?;
        let body = user.body()?;
        let bytes = mamori_io::incident::incident_report_docx(&view.incident, &body.name)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((format!("{}_報告書.docx", view.incident.number), bytes))
    }

    /// A file kept with an incident: its name, type and bytes, recorded as a read.
    pub async fn file(
        &self,
        user: &CurrentUser,
        id: IncidentId,
        file: IncidentFileId,
        meta: &RequestMeta,
    ) -> Result<(String, String, Vec<u8>), AppError> {
        let mut conn = self.app.store().conn().await?;
        let body = user.body()?.id;
        let (_, _, rules) = self.rules_and_org(&mut conn, body).await?;
        let handles = rules.handles(&user.role_keys());
        let incident = self
            .readable(&mut conn, body, user.account.person_id, handles, id)
            .await?;
        let found = store::file(&mut conn, incident.body_id, incident.id, file)
            .await?
            .ok_or_else(|| AppError::NotFound("ファイル".to_owned()))?;
        drop(conn);
        let read = crate::reads::Read::incident_file(&incident.number, file, &found.0);
        self.app.record_read(user, read, meta).await?;
        Ok(found)
    }

    /// Open incidents of the body with a report outside due within `days` (or late), for home.
    pub async fn reports_due(
        &self,
        user: &CurrentUser,
        days: u32,
    ) -> Result<Vec<Incident>, AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let rules = ruling.incident_rules()?;
        let until = self
            .app
            .today()
            .checked_add_days(chrono::Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        let person = user.account.person_id;
        let handles = rules.handles(&user.role_keys());
        Ok(store::due_by(&mut conn, body.id, until)
            .await?
            .into_iter()
            .filter(|i| handles || person.is_some_and(|p| i.involves(p)))
            .collect())
    }

    /// The body's incident rules (of the edition in force, else the guideline's), for the
    /// screens' choices and whether the person handles incidents.
    pub async fn rules(&self, user: &CurrentUser) -> Result<Arc<IncidentRules>, AppError> {
        let body = user.body()?;
        let mut conn = self.app.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        ruling.incident_rules()
    }

    /// The 報告書 of one incident as content for its PDF, with the PDF's file name: the same
    /// report as [`Incidents::report_docx`], under the same access. The caller typesets it with
    /// `mamori_pdf::incident_pdf` (the PDF writer is a crate of its own, outside the use cases).
    pub async fn report_document(
        &self,
        user: &CurrentUser,
        id: IncidentId,
    ) -> Result<(String, mamori_io::incident::ReportDoc), AppError> {
        let view = self.incident(user, id).await?;
        let body = user.body()?;
        let doc = mamori_io::incident::incident_report(&view.incident, &body.name);
        Ok((format!("{}_報告書.pdf", view.incident.number), doc))
    }
}
