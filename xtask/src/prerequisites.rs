//! What the emulator runs (`demo`, the live `bench` figures) need from this machine: Terraform,
//! moto, a usable provider mirror, a git checkout with a clean work tree.

use crate::project::Project;
use crate::{local, terraform};

/// `program` in a directory of PATH, if it is there.
pub fn find_on_path(program: &str) -> Option<std::path::PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|f| f.is_file())
}

fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// Everything a whole run on the emulator needs, checked before any work: one line per missing
/// piece with how to get it.
pub fn missing(p: &Project) -> Vec<String> {
    let mut missing = Vec::new();
    if !on_path("terraform") {
        missing.push("terraform: install Terraform 1.6 or newer (HashiCorp's release archive or your package manager) and put it on PATH".to_string());
    }
    if local::external_endpoint().is_none() && !on_path("moto_server") {
        missing.push(format!(
            "moto_server: the local AWS emulator; {}",
            local::INSTALL_HINT
        ));
    }
    if on_path("terraform") && std::env::var_os("TF_CLI_CONFIG_FILE").is_none() {
        if let Ok(None) = terraform::find_mirror() {
            eprintln!("note: no Terraform provider mirror found: Terraform will download the AWS provider (needs internet; offline, set MHT_TF_PROVIDER_MIRROR)");
        }
    }
    if let Err(e) = terraform::find_mirror() {
        missing.push(format!("provider mirror: {e:#}"));
    }
    if crate::git::head(&p.root).is_err() {
        missing.push(
            "a git checkout with a commit: deploys ship commits (clone the repository)".to_string(),
        );
    } else if let Ok(dirty) = crate::git::dirty(&p.root) {
        if !dirty.is_empty() {
            missing.push(format!(
                "a clean work tree: protected environments deploy commits only; commit or stash {}",
                dirty.join(", ")
            ));
        }
    }
    missing
}
