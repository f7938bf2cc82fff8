//! The read log: opening or taking away what the policy protects leaves a record in the audit
//! trail, in the same hash chain as the changes, so a deleted read is detected as a deleted
//! change is. What is recorded:
//!
//! - opening an asset at or above the scheme's read-log level (機密性３, 重要性分類Ⅰ; the body's
//!   scheme says which, see `ClassificationScheme::read_log`),
//! - exporting a whole register, a ledger or the staff list (file downloads and API lists),
//! - reading the audit trail,
//! - downloading an attached file.
//!
//! A read that cannot be recorded is refused: the data is not returned.

use mamori_domain::audit::{AuditEntry, READ_PREFIX};
use mamori_store::audit;
use serde_json::{Value, json};

use crate::{App, AppError, CurrentUser, RequestMeta};

/// One read to record: its action (under [`READ_PREFIX`]), its target and a small description.
#[derive(Debug, Clone)]
pub struct Read {
    action: &'static str,
    target_type: &'static str,
    target_id: String,
    detail: Value,
}

/// What an export took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exported {
    /// The asset register (情報資産台帳).
    Assets,
    /// The staff list (職員一覧).
    People,
    /// The organization's units (組織一覧).
    Units,
    /// A ledger of applications (許可・承認の台帳).
    Ledger,
    /// The インシデント台帳.
    IncidentLedger,
}

impl Exported {
    fn key(self) -> &'static str {
        match self {
            Exported::Assets => "assets",
            Exported::People => "people",
            Exported::Units => "units",
            Exported::Ledger => "ledger",
            Exported::IncidentLedger => "incidents",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Exported::Assets => "情報資産台帳",
            Exported::People => "職員一覧",
            Exported::Units => "組織一覧",
            Exported::Ledger => "台帳",
            Exported::IncidentLedger => "インシデント台帳",
        }
    }
}

impl Read {
    /// An asset at or above the read-log level was opened.
    pub fn asset(id: impl ToString, number: &str, name: &str, classification: &str) -> Self {
        Self {
            action: "read.asset",
            target_type: "asset",
            target_id: id.to_string(),
            detail: json!({
                "number": number,
                "name": name,
                "classification": classification,
            }),
        }
    }

    /// A whole list taken away: in which form (`xlsx`, `csv`, `api`) and how many rows.
    /// `scope` names the list where there are several (a ledger's kind).
    pub fn export(what: Exported, scope: Option<&str>, form: &str, rows: usize) -> Self {
        Self {
            action: "read.export",
            target_type: "export",
            target_id: scope.map_or_else(|| what.key().to_owned(), str::to_owned),
            detail: json!({
                "name": scope.map_or_else(|| what.label().to_owned(), |s| format!("{}（{s}）", what.label())),
                "what": what.key(),
                "form": form,
                "rows": rows,
            }),
        }
    }

    /// A page of the audit trail, with the filters it was read with.
    pub fn audit_trail(filters: Value, records: usize) -> Self {
        Self {
            action: "read.audit",
            target_type: "audit_log",
            target_id: "audit_log".to_owned(),
            detail: json!({ "filters": filters, "records": records }),
        }
    }

    /// A file kept with an incident (evidence) was downloaded.
    pub fn incident_file(incident: &str, file: impl ToString, file_name: &str) -> Self {
        Self {
            action: "read.incident_file",
            target_type: "incident_file",
            target_id: file.to_string(),
            detail: json!({ "name": file_name, "incident": incident }),
        }
    }

    /// An attached file of an application was downloaded.
    pub fn attachment(application: impl ToString, file: impl ToString, file_name: &str) -> Self {
        Self {
            action: "read.attachment",
            target_type: "application_file",
            target_id: file.to_string(),
            detail: json!({
                "name": file_name,
                "application": application.to_string(),
            }),
        }
    }
}

impl App {
    /// Writes the read into the audit trail in its own transaction; the caller returns the data
    /// only when this succeeded.
    pub(crate) async fn record_read(
        &self,
        user: &CurrentUser,
        read: Read,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        debug_assert!(read.action.starts_with(READ_PREFIX));
        let mut entry =
            AuditEntry::new(user.actor(), read.action, read.target_type, read.target_id)
                .after(&read.detail)
                .request(meta.request_id.clone());
        if let Some(body) = &user.body {
            entry = entry.body(body.id);
        }
        let mut tx = self.store().begin_write().await?;
        audit::append(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
