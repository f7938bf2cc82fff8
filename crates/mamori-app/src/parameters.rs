//! The guideline's parameters (periods and counts a body may change in its profile) and its
//! 行政機関の範囲, read once per process from `data/guideline-parameters.toml`.

use std::sync::LazyLock;

use mamori_domain::DomainError;
use mamori_domain::policy::{Parameter, Profile, field};
use serde::Deserialize;

use crate::AppError;

const GUIDELINE_PARAMETERS: &str = include_str!("../data/guideline-parameters.toml");

#[derive(Deserialize)]
pub(crate) struct ParameterFile {
    pub parameters: Vec<Parameter>,
    pub organ_scope: GuidelineOrgans,
}

/// The organs the guideline's 例文 lists and the clause that lists them.
#[derive(Deserialize)]
pub(crate) struct GuidelineOrgans {
    pub clause: String,
    pub organs: Vec<String>,
}

pub(crate) fn parameter_file() -> Result<&'static ParameterFile, AppError> {
    static FILE: LazyLock<Result<ParameterFile, String>> = LazyLock::new(|| {
        toml::from_str::<ParameterFile>(GUIDELINE_PARAMETERS)
            .map_err(|e| format!("guideline-parameters.toml: {e}"))
    });
    FILE.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// A whole-number parameter of the body's profile (a period in days, months …), or the
/// guideline's default when the profile does not set it (profiles from before it existed) or
/// there is no profile yet.
pub(crate) fn parameter_number(profile: Option<&Profile>, key: &str) -> Result<u32, AppError> {
    let own = profile
        .and_then(|p| p.parameters.iter().find(|x| x.key == key))
        .map(|x| x.value.clone());
    let raw = match own {
        Some(v) => v,
        None => parameter_file()?
            .parameters
            .iter()
            .find(|x| x.key == key)
            .map(|x| x.value.clone())
            .ok_or_else(|| AppError::Internal(format!("parameter {key}")))?,
    };
    raw.trim().parse().map_err(|_| {
        AppError::Invalid(DomainError::new(
            field::PARAMETERS,
            format!("「{key}」の値「{raw}」は0以上の整数ではありません"),
        ))
    })
}
