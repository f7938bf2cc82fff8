//! /assets/new and /assets/{id}/edit: registering an asset and changing it.

use super::*;

form_page!(FormPageView);

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
struct AssetFields {
    asset_no: String,
    kind: String,
    name: String,
    description: String,
    owner_unit: String,
    location: String,
    segment: String,
    classification: String,
    retention: String,
    status: String,
    document_type: String,
    derived_from: String,
    holds: String,
    encrypted: String,
    locked_storage: String,
    backup: String,
    recovery_target_hours: String,
}

impl AssetFields {
    fn of(form: &VerifiedForm) -> Self {
        crate::pages::forms::typed(form)
    }

    fn input(&self) -> Result<AssetInput, AppError> {
        let owner_unit = match self.owner_unit.trim() {
            "" => None,
            u => Some(
                u.parse::<OrgUnitId>()
                    .map_err(|_| invalid("所管課", "一覧から所管課を選んでください"))?,
            ),
        };
        let on = |v: &str| !v.is_empty();
        Ok(AssetInput {
            asset_no: self.asset_no.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner_unit,
            location: self.location.clone(),
            segment: self.segment.clone(),
            classification: self.classification.clone(),
            retention: self.retention.clone(),
            status: self.status.clone(),
            document_type: self.document_type.clone(),
            derived_from: self.derived_from.clone(),
            holds: self.holds.clone(),
            encrypted: on(&self.encrypted),
            locked_storage: on(&self.locked_storage),
            backup: on(&self.backup),
            recovery_target_hours: self.recovery_target_hours.clone(),
        })
    }

    fn of_detail(d: &AssetDetail) -> Self {
        let a = &d.asset;
        let mark = |b: bool| if b { "on".to_owned() } else { String::new() };
        Self {
            asset_no: d.asset_no.clone(),
            kind: a.kind.key().to_owned(),
            name: a.name.clone(),
            description: a.description.clone(),
            owner_unit: a.owner_unit.map(|u| u.to_string()).unwrap_or_default(),
            location: a.location.clone(),
            segment: a.segment.key().to_owned(),
            classification: a.classification.to_string(),
            retention: match &a.retention {
                mamori_domain::asset::Retention::Unspecified => String::new(),
                r => r.label(),
            },
            status: a.status.key().to_owned(),
            document_type: a
                .document_type
                .map(|t| t.key().to_owned())
                .unwrap_or_default(),
            derived_from: d
                .derived_from
                .iter()
                .map(|l| l.asset_no.clone())
                .collect::<Vec<_>>()
                .join("、"),
            holds: d
                .holds
                .iter()
                .map(|l| l.asset_no.clone())
                .collect::<Vec<_>>()
                .join("、"),
            encrypted: mark(a.safeguards.encrypted),
            locked_storage: mark(a.safeguards.locked_storage),
            backup: mark(a.safeguards.backup),
            recovery_target_hours: a
                .safeguards
                .recovery_target_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template, Debug)]
#[template(path = "asset_form.html")]
struct FormPageView {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    title: String,
    action: String,
    is_new: bool,
    f: AssetFields,
    units: Vec<Choice>,
    unit_fixed: bool,
    kinds: Vec<Choice>,
    segments: Vec<Choice>,
    statuses: Vec<Choice>,
    documents: Vec<Choice>,
    classifications: Vec<Choice>,
    scheme_name: String,
    problem: Problem,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    writer: &AssetWriter,
    id: Option<AssetId>,
    f: AssetFields,
    problem: Problem,
) -> Result<FormPageView, AppError> {
    let rules = state.app.asset_rules(user).await?;
    let mut units = unit_choices(state, user, f.owner_unit.trim()).await?;
    if !writer.all_units() {
        let own = state.app.own_unit(user, writer).await?;
        units.retain(|c| Some(c.value.as_str()) == own.map(|u| u.to_string()).as_deref());
        for c in &mut units {
            c.label = c.label.trim_start_matches('　').to_owned();
            c.selected = true;
        }
    }
    let selected_class = f.classification.trim().to_owned();
    Ok(FormPageView {
        chrome: chrome(
            if id.is_some() {
                "情報資産の変更"
            } else {
                "情報資産の登録"
            },
            user,
        ),
        sub_nav: sub_nav(if id.is_some() { "" } else { "/assets/new" }, user),
        title: if id.is_some() {
            format!("{} {}の変更", f.asset_no, f.name)
        } else {
            "情報資産の登録".to_owned()
        },
        action: id.map_or_else(|| "/assets".to_owned(), |i| format!("/assets/{i}")),
        is_new: id.is_none(),
        unit_fixed: !writer.all_units(),
        units,
        kinds: kind_choices(f.kind.trim()),
        segments: segment_choices(f.segment.trim()),
        statuses: status_choices(if f.status.trim().is_empty() {
            "in_use"
        } else {
            f.status.trim()
        }),
        documents: document_choices(f.document_type.trim()),
        classifications: rules
            .scheme
            .classifications()
            .iter()
            .rev()
            .map(|c| {
                let text = c.to_string();
                Choice {
                    selected: text == selected_class,
                    value: text.clone(),
                    label: text,
                }
            })
            .collect(),
        scheme_name: rules.scheme.name().to_owned(),
        f,
        problem,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let writer = user.asset_writer()?;
        let own = state.app.own_unit(user, &writer).await?;
        let f = AssetFields {
            owner_unit: own.map(|u| u.to_string()).unwrap_or_default(),
            segment: "other".to_owned(),
            ..AssetFields::default()
        };
        form_page(&state, user, &writer, None, f, Problem::default()).await
    }
    .await;
    show(page)
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let f = AssetFields::of(&form);
    let result = match f.input() {
        Ok(input) => state.app.register_asset(user, &writer, &input, &meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/assets/{id}?saved=1")).into_response()),
        Err(e) => match refused(e, "asset-form") {
            Ok(problem) => show(form_page(&state, user, &writer, None, f, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let id = asset_id(&id)?;
        let writer = user.asset_writer()?;
        let detail = state.app.asset(user, id, &meta).await?;
        form_page(
            &state,
            user,
            &writer,
            Some(id),
            AssetFields::of_detail(&detail),
            Problem::default(),
        )
        .await
    }
    .await;
    show(page)
}

pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let id = asset_id(&id)?;
    let f = AssetFields::of(&form);
    let result = match f.input() {
        Ok(input) => {
            state
                .app
                .update_asset(user, &writer, id, &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/assets/{id}?saved=1")).into_response()),
        Err(e) => match refused(e, "asset-form") {
            Ok(problem) => show(form_page(&state, user, &writer, Some(id), f, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}
