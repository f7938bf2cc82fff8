//! /assets: the register with its filters and keyset pages.

use super::*;

form_page!(RegisterPage);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    q: String,
    unit: String,
    kind: String,
    segment: String,
    status: String,
    class: String,
    after: String,
}

/// A filter value as sent, `None` when empty.
fn pick(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|s| !s.is_empty())
}

impl RegisterQuery {
    /// The query string of the same filters, without the cursor.
    fn filters(&self) -> String {
        [
            ("q", &self.q),
            ("unit", &self.unit),
            ("kind", &self.kind),
            ("segment", &self.segment),
            ("status", &self.status),
            ("class", &self.class),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn is_filtered(&self) -> bool {
        !self.filters().is_empty()
    }

    /// The filters for the use case; a value that cannot be read is refused naming its field.
    fn read(&self, rules: &AssetRules) -> Result<(AssetQuery, Option<AssetId>), AppError> {
        let mut query = AssetQuery {
            text: pick(&self.q).map(str::to_owned),
            ..AssetQuery::default()
        };
        match pick(&self.unit) {
            None => {}
            Some("none") => query.no_unit = true,
            Some(u) => {
                query.unit = Some(
                    u.parse::<OrgUnitId>()
                        .map_err(|_| invalid("所管課", "一覧から所管課を選んでください"))?,
                );
            }
        }
        query.kind = pick(&self.kind).map(AssetKind::parse).transpose()?;
        query.segment = pick(&self.segment).map(NetworkSegment::parse).transpose()?;
        query.status = pick(&self.status).map(AssetStatus::parse).transpose()?;
        if let Some(class) = pick(&self.class) {
            let found = rules
                .class_filters()
                .into_iter()
                .find(|(axis, level, _)| format!("{axis}:{level}") == class)
                .ok_or_else(|| invalid("分類", "一覧から分類を選んでください"))?;
            query.at_least = Some((found.0, found.1));
        }
        let after = pick(&self.after)
            .map(|a| {
                a.parse::<AssetId>()
                    .map_err(|_| invalid("ページ", "ページの指定が読めません"))
            })
            .transpose()?;
        Ok((query, after))
    }
}

#[derive(Debug)]
struct RegisterRow {
    id: String,
    asset_no: String,
    name: String,
    kind: &'static str,
    unit: String,
    segment: &'static str,
    classification: String,
    status: &'static str,
    disposed: bool,
    findings: usize,
}

#[derive(Template, Debug)]
#[template(path = "assets_results.html")]
struct RegisterResults {
    rows: Vec<RegisterRow>,
    next: Option<String>,
    first: Option<String>,
    filtered: bool,
}

#[derive(Template, Debug)]
#[template(path = "assets.html")]
struct RegisterPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    q: String,
    units: Vec<Choice>,
    no_unit: bool,
    kinds: Vec<Choice>,
    segments: Vec<Choice>,
    statuses: Vec<Choice>,
    classes: Vec<Choice>,
    can_register: bool,
    results: RegisterResults,
    problem: Problem,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let rules = state.app.asset_rules(user).await?;
        let (query, after, problem) = match q.read(&rules) {
            Ok((query, after)) => (query, after, Problem::default()),
            Err(e) => (AssetQuery::default(), None, unreadable(&e, "assets-form")),
        };
        let found = state.app.asset_page(user, &query, after, PAGE_SIZE).await?;
        let filters = q.filters();
        let with = |extra: String| {
            if filters.is_empty() {
                extra
            } else if extra.is_empty() {
                filters.clone()
            } else {
                format!("{filters}&{extra}")
            }
        };
        let results = RegisterResults {
            rows: found
                .rows
                .iter()
                .map(|r| RegisterRow {
                    id: r.id.to_string(),
                    asset_no: r.asset_no.clone(),
                    name: r.name.clone(),
                    kind: r.kind.label(),
                    unit: r
                        .unit
                        .clone()
                        .unwrap_or_else(|| "（所管課なし）".to_owned()),
                    segment: r.segment.label(),
                    classification: r.classification.clone(),
                    status: r.status.label(),
                    disposed: r.status == AssetStatus::Disposed,
                    findings: r.findings,
                })
                .collect(),
            next: found.next.map(|n| with(format!("after={n}"))),
            first: after.map(|_| with(String::new())),
            filtered: q.is_filtered(),
        };
        let class_value = q.class.trim().to_owned();
        Ok::<_, AppError>(RegisterPage {
            chrome: chrome("情報資産台帳", user),
            sub_nav: sub_nav("/assets", user),
            q: q.q.clone(),
            units: unit_choices(&state, user, q.unit.trim()).await?,
            no_unit: q.unit.trim() == "none",
            kinds: kind_choices(q.kind.trim()),
            segments: segment_choices(q.segment.trim()),
            statuses: status_choices(q.status.trim()),
            classes: rules
                .class_filters()
                .into_iter()
                .map(|(axis, level, label)| {
                    let value = format!("{axis}:{level}");
                    Choice {
                        selected: value == class_value,
                        value,
                        label,
                    }
                })
                .collect(),
            can_register: user.asset_writer().is_ok(),
            results,
            problem,
        })
    }
    .await;
    show_or_part(&headers, page, |p| &p.results)
}
