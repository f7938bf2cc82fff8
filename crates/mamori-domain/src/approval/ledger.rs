//! The rows of the 台帳 (ledger) of an application kind.

use crate::ids::ApplicationId;
use chrono::NaiveDate;
use serde::Serialize;

use super::*;

/// A row of a kind's 台帳 (and of its Excel export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    /// The application the row records.
    pub id: ApplicationId,
    /// 番号
    pub number: String,
    /// 申請日
    pub applied_on: Option<NaiveDate>,
    /// 申請者
    pub applicant: String,
    /// 所属
    pub unit: String,
    /// 内容
    pub content: String,
    /// 承認者, in route order; 「（代決）」 after a deputy's name.
    pub approvers: Vec<String>,
    /// 承認日
    pub approved_on: Option<NaiveDate>,
    /// 期限 / 返却予定日
    pub due: Option<NaiveDate>,
    /// 返却日
    pub returned_on: Option<NaiveDate>,
    /// 備考
    pub remarks: Vec<String>,
    pub status: Status,
    /// Not back by the 返却予定日.
    pub overdue_return: bool,
    /// In force with its 期限 within the window.
    pub expiring: bool,
    /// The 事後報告 of an emergency application is late.
    pub report_overdue: bool,
}

impl LedgerRow {
    /// The row of `app` on `today`; `window_days` decides which 期限 count as near.
    pub fn build(
        app: &Application,
        kind: &ApplicationKind,
        today: NaiveDate,
        window_days: u32,
    ) -> Self {
        let content = kind.summary(&app.fields).map_or_else(
            || app.kind_name.clone(),
            |s| format!("{}：{s}", app.kind_name),
        );
        let mut approvers = Vec::new();
        let mut remarks = Vec::new();
        if let Some(route) = &app.route {
            for seat in route.steps.iter().flat_map(|s| &s.seats) {
                if let Some(d) = seat
                    .decision
                    .as_ref()
                    .filter(|d| d.decision == Decision::Approve)
                {
                    approvers.push(if d.by_deputy {
                        format!("{}（代決）", d.by_name)
                    } else {
                        d.by_name.clone()
                    });
                    if d.sod_exception.is_some() {
                        remarks.push("兼務禁止の例外".to_owned());
                    }
                }
            }
            if let Some(d) = &route.delegation {
                remarks.push(d.note.clone());
            }
        }
        if let Some(e) = &app.emergency {
            remarks.push(match e.reported_on {
                Some(r) => format!("緊急時の実施 {}（事後報告 {r}）", e.acted_on),
                None => format!(
                    "緊急時の実施 {}（事後報告期限 {}）",
                    e.acted_on, e.report_due
                ),
            });
        }
        if !matches!(
            app.status,
            Status::Approved | Status::InProgress | Status::Completed
        ) {
            remarks.push(app.status.label().to_owned());
        }
        let approved = matches!(
            app.status,
            Status::Approved
                | Status::InProgress
                | Status::Returned
                | Status::Expired
                | Status::Completed
        ) && app
            .route
            .as_ref()
            .is_some_and(|r| r.steps.iter().all(RouteStep::is_approved));
        let expiring = matches!(app.status, Status::Approved | Status::InProgress)
            && app
                .valid_until
                .is_some_and(|u| today <= u && u <= add_days(today, window_days));
        Self {
            id: app.id,
            number: app.number.clone(),
            applied_on: app.submitted_on,
            applicant: app.applicant_name.clone(),
            unit: app.unit_name.clone(),
            content,
            approvers,
            approved_on: if approved { app.decided_on } else { None },
            due: app.return_due.or(app.valid_until),
            returned_on: app.returned_on,
            remarks,
            status: app.status,
            overdue_return: app.is_return_overdue(today),
            expiring,
            report_overdue: app.is_report_overdue(today),
        }
    }
}
