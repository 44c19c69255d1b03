//! Discovery's side of `crate::validate`: the plugin's files as validation
//! sees them, and the hook configs it reads.

use crate::prelude::*;

use super::components::Ctx;
use crate::path::SafeRelPath;
use crate::validate::{self, PluginFiles, Problem};

impl PluginFiles for Ctx<'_> {
    fn is_file(&self, rel: &SafeRelPath) -> bool {
        Ctx::is_file(self, rel)
    }

    fn is_dir(&self, rel: &SafeRelPath) -> bool {
        !self.files_under(rel).is_empty()
    }
}

/// The problems of `hooks/hooks.json` and of each hook file the manifest
/// names (a file that cannot be read is discovery's error, not one here).
pub(super) fn hook_configs(ctx: &Ctx<'_>, declared: &[SafeRelPath]) -> Vec<Problem> {
    let default = SafeRelPath::new("hooks/hooks.json").expect("a literal, safe path");
    let mut configs: Vec<&SafeRelPath> = Vec::new();
    if Ctx::is_file(ctx, &default) {
        configs.push(&default);
    }
    configs.extend(declared.iter().filter(|d| **d != default));
    let mut out = Vec::new();
    for config in configs {
        let Ok(bytes) = ctx.read(config) else {
            continue;
        };
        let parsed = crate::json::parse(&bytes);
        let reason = parsed.as_ref().err().map(ToString::to_string);
        out.extend(validate::hook_config(
            config.as_str(),
            parsed
                .as_ref()
                .map_err(|_| reason.as_deref().unwrap_or_default()),
        ));
    }
    out
}
