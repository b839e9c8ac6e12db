//! The generated files on disk against a fresh render of the model: what is missing, stale or
//! left over from a removed environment. Read by `render`, `validate` and `plan`.

use infra::render::{self, GENERATED};
use infra::Environment;
use std::path::Path;

/// A generated file that does not match the model.
pub struct Stale {
    pub path: String,
    pub reason: &'static str,
}

/// Generated files of environments that no longer exist (only files that carry the marker).
pub fn leftovers(root: &Path, envs: &[Environment]) -> Vec<String> {
    let dir = root.join("infra/environments");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| {
            !envs
                .iter()
                .any(|env| env.name == e.file_name().to_string_lossy())
        })
        .flat_map(|e| {
            let env_dir = render::root_dir(&e.file_name().to_string_lossy());
            ["main.tf.json", "README.md"].map(|f| format!("{env_dir}/{f}"))
        })
        .filter(|rel| {
            std::fs::read_to_string(root.join(rel)).is_ok_and(|text| text.contains(GENERATED))
        })
        .collect();
    out.sort();
    out
}

/// Every generated file that is missing, differs from a fresh render, or is left over.
pub fn stale(root: &Path, envs: &[Environment]) -> Vec<Stale> {
    let mut out: Vec<Stale> = render::files(envs)
        .into_iter()
        .filter_map(|f| match std::fs::read_to_string(root.join(&f.path)) {
            Ok(text) if text == f.content => None,
            Ok(_) => Some(Stale {
                path: f.path,
                reason: "differs from the model",
            }),
            Err(_) => Some(Stale {
                path: f.path,
                reason: "missing",
            }),
        })
        .collect();
    out.extend(leftovers(root, envs).into_iter().map(|path| Stale {
        path,
        reason: "belongs to no environment",
    }));
    out
}
