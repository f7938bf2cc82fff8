//! The インシデント台帳: the filters, the rows the person may read, the counts per 年度 and the
//! Excel export.

use super::*;

/// The ledger's filters as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    /// A status key, or `open` for 受付 and 対応中.
    status: String,
    category: String,
    from: String,
    to: String,
}

impl LedgerQuery {
    fn filter(&self) -> Result<IncidentFilter, AppError> {
        let statuses = match self.status.as_str() {
            "" => Vec::new(),
            "open" => vec![Status::Reported, Status::Handling],
            key => vec![
                Status::parse(key)
                    .ok_or_else(|| invalid(field::STATUS, "状態を一覧から選んでください"))?,
            ],
        };
        let day = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
            if raw.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(field, raw).map(Some)
            }
        };
        let from = day("受付日（から）", &self.from)?;
        let to = day("受付日（まで）", &self.to)?;
        Ok(IncidentFilter {
            statuses,
            category: Some(self.category.trim().to_owned()).filter(|c| !c.is_empty()),
            from: from.map(japan_midnight),
            until: to.and_then(|d| d.succ_opt()).map(japan_midnight),
            naming: None,
        })
    }

    /// The filters as a query string (`&status=…`), for the export link.
    fn query(&self) -> String {
        [
            ("status", &self.status),
            ("category", &self.category),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("&{k}={}", url_encode(v)))
        .collect()
    }
}

#[derive(Debug)]
struct LedgerLine {
    id: String,
    number: String,
    reported: String,
    status: &'static str,
    status_key: &'static str,
    category: String,
    severity: String,
    unit: String,
    summary: String,
    next_due: String,
    overdue: bool,
    escalated: bool,
}

fn ledger_line(i: &Incident, today: NaiveDate) -> LedgerLine {
    let triaged = i
        .triage
        .as_ref()
        .filter(|_| i.status != Status::NotIncident);
    LedgerLine {
        id: i.id.to_string(),
        number: i.number.clone(),
        reported: datetime_ja(i.reported_at),
        status: i.status.label(),
        status_key: i.status.key(),
        category: triaged
            .map(|t| t.category_label.clone())
            .unwrap_or_default(),
        severity: triaged
            .map(|t| t.severity_label.clone())
            .unwrap_or_default(),
        unit: i.unit_name.clone(),
        summary: i
            .summary
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect(),
        next_due: if i.status.is_open() {
            i.next_due().map(|d| d.to_string()).unwrap_or_default()
        } else {
            String::new()
        },
        overdue: i.is_overdue(today),
        escalated: i.status.is_open() && i.chain.iter().any(|s| s.escalated),
    }
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct LedgerPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    /// The CSIRT reads the whole ledger; everyone else the incidents naming them.
    whole: bool,
    q: LedgerQuery,
    query: String,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<Choice>,
    rows: Vec<LedgerLine>,
    summary: mamori_io::incident::FiscalSummary,
    problem: Problem,
    notice: Option<String>,
}

form_page!(LedgerPage);

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let typed = LedgerQuery {
        status: q.get("status").cloned().unwrap_or_default(),
        category: q.get("category").cloned().unwrap_or_default(),
        from: q.get("from").cloned().unwrap_or_default(),
        to: q.get("to").cloned().unwrap_or_default(),
    };
    let rules = state.app.incidents().rules(user).await?;
    // A filter that cannot be read shows the whole ledger with the message.
    let (filter, problem) = match typed.filter() {
        Ok(f) => (f, Problem::default()),
        Err(e) => (IncidentFilter::default(), unreadable(&e, "ledger-filter")),
    };
    let incidents = state.app.incidents().list(user, filter).await?;
    let today = state.app.today();
    let page = LedgerPage {
        chrome: chrome("インシデント台帳", user),
        sub_nav: sub_nav("/incidents"),
        whole: handles(&rules, user),
        query: typed.query(),
        statuses: std::iter::once(("open", "未終結（受付・対応中）"))
            .chain(Status::ALL.iter().map(|s| (s.key(), s.label())))
            .collect(),
        categories: category_choices(&rules, &typed.category),
        q: typed,
        rows: incidents.iter().map(|i| ledger_line(i, today)).collect(),
        summary: mamori_io::incident::FiscalSummary::of(&incidents),
        problem,
        notice: q
            .contains_key("reported")
            .then(|| "報告を受け付けました。".to_owned()),
    };
    show(Ok(page))
}

/// The ledger as filtered, as an Excel workbook.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter()?;
    let bytes = state
        .app
        .incidents()
        .ledger_workbook(&session.user, filter, &meta)
        .await?;
    let name = format!("インシデント台帳_{}.xlsx", state.app.today());
    Ok(download(bytes, &name, XLSX))
}
