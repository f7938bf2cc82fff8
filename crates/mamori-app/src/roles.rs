//! The default role set: the roles of the 総務省 guideline, as data. A body starts from it and
//! renames or extends it in its profile.

use mamori_domain::org::RoleDefinition;
use serde::Deserialize;

use crate::AppError;

const GUIDELINE_ROLES: &str = include_str!("../data/guideline-roles.toml");

#[derive(Deserialize)]
struct RoleFile {
    roles: Vec<RoleDefinition>,
}

/// The guideline's roles in the order the guideline introduces them.
pub fn guideline_role_set() -> Result<Vec<RoleDefinition>, AppError> {
    toml::from_str::<RoleFile>(GUIDELINE_ROLES)
        .map(|f| f.roles)
        .map_err(|e| AppError::Internal(format!("guideline-roles.toml: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_guideline_role_set_parses_and_has_unique_keys() {
        let roles = guideline_role_set().unwrap();
        let mut keys: Vec<_> = roles.iter().map(|r| r.key.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), roles.len());
        assert!(keys.contains(&"ciso") && keys.contains(&"security_manager"));
    }
}
