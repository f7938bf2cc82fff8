//! The audit-trail screen: filters by actor, target, action and period; newest first; keyset
//! paging ("older records") so every page is as fast as the first.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use mamori_app::AppError;
use mamori_app::audit_trail::{AuditFilter, RecordKind};
use mamori_domain::DomainError;
use mamori_domain::audit::AuditRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::{is_htmx, render, vary_on_htmx};
use crate::view::{Chrome, datetime_ja, url_encode};

const PAGE_SIZE: i64 = 50;

/// The query string of the screen and of `/api/v1/audit`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Login of the actor, exactly.
    pub actor: Option<String>,
    /// Kind of target: `account`, `person`, `org_unit` …
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Action code: `auth.login`, `account.create` …
    pub action: Option<String>,
    /// First day of the period (Japan time), `YYYY-MM-DD` or 和暦.
    pub from: Option<String>,
    /// Last day of the period (inclusive).
    pub to: Option<String>,
    /// Cursor: show records older than this sequence number.
    pub before: Option<i64>,
    /// `changes` (changes and sign-ins) or `reads` (閲覧・持ち出しの記録); all when absent.
    pub kind: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, DomainError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| mamori_domain::wareki::parse(raw).ok().map(|d| d.to_gregorian()))
        .ok_or_else(|| {
            DomainError::new(
                field,
                format!("「{raw}」は日付として読めません。2026-04-01 または 令和8年4月1日 の形式で入力してください"),
            )
        })
}

/// The start of a Japanese calendar day, in UTC.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    let jst = mamori_app::clock::jst();
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(jst).single())
        // A fixed offset has exactly one midnight; UTC midnight only stands in for the type.
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

impl AuditQuery {
    /// Validates the query into a store filter; a bad date names its field.
    pub fn to_filter(&self) -> Result<AuditFilter, DomainError> {
        let from = non_empty(&self.from)
            .map(|s| parse_day("期間（開始日）", &s))
            .transpose()?;
        let to = non_empty(&self.to)
            .map(|s| parse_day("期間（終了日）", &s))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(DomainError::new(
                "期間（終了日）",
                "開始日以降の日付を入力してください",
            ));
        }
        let kind = match non_empty(&self.kind).as_deref() {
            None => None,
            Some("changes") => Some(RecordKind::Changes),
            Some("reads") => Some(RecordKind::Reads),
            Some(other) => {
                return Err(DomainError::new(
                    "記録の種類",
                    format!("「{other}」は記録の種類ではありません（changes か reads です）"),
                ));
            }
        };
        Ok(AuditFilter {
            kind,
            actor: non_empty(&self.actor),
            target_type: non_empty(&self.target_type),
            target_id: non_empty(&self.target_id),
            action: non_empty(&self.action),
            from: from.map(day_start),
            until: to.and_then(|d| d.succ_opt()).map(day_start),
            before_seq: self.before.filter(|s| *s > 0),
            body: None,
        })
    }

    /// The query string of the same filters with another cursor.
    fn with_before(&self, before: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("target_type", &self.target_type),
            ("target_id", &self.target_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
            ("kind", &self.kind),
        ] {
            if let Some(v) = non_empty(v) {
                parts.push(format!("{k}={}", url_encode(&v)));
            }
        }
        parts.push(format!("before={before}"));
        parts.join("&")
    }
}

/// Japanese names of the action codes, for the screen and its filter.
const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "ログイン"),
    ("auth.login_failed", "ログイン失敗"),
    ("auth.logout", "ログアウト"),
    ("account.create", "アカウント作成"),
    ("api_token.create", "APIトークン発行"),
    ("body.create", "団体の登録"),
    ("role_definition.create", "役割の登録"),
    ("org_unit.create", "組織の登録"),
    ("org_unit.change", "組織の変更"),
    ("person.create", "職員の登録"),
    ("person.change", "職員の変更"),
    ("role_assignment.create", "役割の割当て"),
    ("role_assignment.end", "役割の割当ての終了"),
    ("separation.exception", "兼務禁止の例外"),
    ("read.asset", "情報資産の閲覧"),
    ("read.export", "一覧の書き出し"),
    ("read.audit", "監査証跡の閲覧"),
    ("read.attachment", "添付資料のダウンロード"),
];

/// The kinds of record of the filter: changes, or reads.
const KINDS: &[(&str, &str)] = &[("changes", "変更・ログイン"), ("reads", "閲覧・書き出し")];

/// Japanese names of the target kinds.
const TARGETS: &[(&str, &str)] = &[
    ("account", "アカウント"),
    ("login", "ログインID"),
    ("api_token", "APIトークン"),
    ("body", "団体"),
    ("role_definition", "役割"),
    ("org_unit", "組織"),
    ("person", "職員"),
    ("role_assignment", "役割の割当て"),
    ("asset", "情報資産"),
    ("export", "一覧"),
    ("audit_log", "監査証跡"),
    ("application_file", "添付資料"),
    ("application", "申請"),
];

fn label<'a>(table: &[(&str, &'a str)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

pub fn action_label(action: &str) -> &str {
    label(ACTIONS, action)
}

pub fn target_label(target_type: &str) -> &str {
    label(TARGETS, target_type)
}

/// One choice of a filter's select box.
#[derive(Debug)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn choices(table: &'static [(&'static str, &'static str)], current: &str) -> Vec<Choice> {
    table
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: *value == current,
        })
        .collect()
}

/// A readable name for the target, taken from the recorded state when it has one.
fn target_name(before: Option<&str>, after: Option<&str>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(after.or(before)?).ok()?;
    ["name", "display_name", "login", "key", "role_key"]
        .iter()
        .find_map(|k| value.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
}

#[derive(Debug)]
struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    action_code: String,
    target_kind: String,
    target_name: String,
    target_id: String,
    before: Option<String>,
    after: Option<String>,
    request_id: String,
    hash: String,
}

impl From<&AuditRecord> for AuditRow {
    fn from(r: &AuditRecord) -> Self {
        let pretty = |json: &Option<String>| {
            json.as_deref().map(|text| {
                serde_json::from_str::<serde_json::Value>(text)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or_else(|_| text.to_owned())
            })
        };
        Self {
            seq: r.seq,
            at: datetime_ja(r.at),
            actor: r.entry.actor.label.clone(),
            action: action_label(&r.entry.action).to_owned(),
            action_code: r.entry.action.clone(),
            target_kind: target_label(&r.entry.target_type).to_owned(),
            target_name: target_name(r.entry.before.as_deref(), r.entry.after.as_deref())
                .unwrap_or_else(|| r.entry.target_id.chars().take(13).collect()),
            target_id: r.entry.target_id.clone(),
            before: pretty(&r.entry.before),
            after: pretty(&r.entry.after),
            request_id: r.entry.request_id.clone().unwrap_or_default(),
            hash: r.hash.chars().take(12).collect(),
        }
    }
}

#[derive(Template, Debug)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    results: AuditResults,
    f: FilterForm,
    error: Option<String>,
    /// The chain's head now (通し番号, ハッシュ, 時刻), to be written into a 決裁 record.
    head: Option<HeadRow>,
}

#[derive(Debug)]
struct HeadRow {
    seq: i64,
    hash: String,
    at: String,
}

#[derive(Template, Debug)]
#[template(path = "audit_results.html")]
struct AuditResults {
    rows: Vec<AuditRow>,
    next_query: Option<String>,
    filtered: bool,
}

/// The filter fields as typed, to show them again in the form.
#[derive(Debug)]
struct FilterForm {
    kinds: Vec<Choice>,
    actor: String,
    actions: Vec<Choice>,
    target_types: Vec<Choice>,
    target_id: String,
    from: String,
    to: String,
}

impl From<&AuditQuery> for FilterForm {
    fn from(q: &AuditQuery) -> Self {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        Self {
            kinds: choices(KINDS, &v(&q.kind)),
            actor: v(&q.actor),
            actions: choices(ACTIONS, &v(&q.action)),
            target_types: choices(TARGETS, &v(&q.target_type)),
            target_id: v(&q.target_id),
            from: v(&q.from),
            to: v(&q.to),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let reader = session.user.audit_reader()?;
    let chrome = Chrome::for_user("監査証跡", &session.user, "/audit");
    let filter = match q.to_filter() {
        Ok(f) => f,
        Err(e) => {
            let page = AuditPage {
                chrome,
                results: AuditResults {
                    rows: Vec::new(),
                    next_query: None,
                    filtered: true,
                },
                error: Some(AppError::Invalid(e).to_string()),
                f: FilterForm::from(&q),
                head: None,
            };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let filtered = filter.actor.is_some()
        || filter.target_type.is_some()
        || filter.target_id.is_some()
        || filter.action.is_some()
        || filter.from.is_some()
        || filter.until.is_some()
        || filter.kind.is_some();
    let result = state
        .app
        .audit_page(&session.user, &reader, &filter, PAGE_SIZE, &meta)
        .await?;
    let results = AuditResults {
        rows: result.records.iter().map(AuditRow::from).collect(),
        next_query: result.next_before_seq.map(|s| q.with_before(s)),
        filtered,
    };
    Ok(vary_on_htmx(if is_htmx(&headers) {
        render(StatusCode::OK, &results)
    } else {
        let a = state.app.audit_anchor().await?;
        let head = HeadRow {
            seq: a.seq,
            hash: a.hash,
            at: crate::view::datetime_ja(a.at),
        };
        render(
            StatusCode::OK,
            &AuditPage {
                chrome,
                results,
                f: FilterForm::from(&q),
                error: None,
                head: Some(head),
            },
        )
    }))
}
