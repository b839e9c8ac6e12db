//! Terraform accepts the rendered roots and the modules, offline through a provider mirror.

mod support;

use support::{copy_tree, repo, xtask, TempDir};

fn infra_copy() -> TempDir {
    let root = TempDir::new("tf");
    for dir in ["infra/environments", "infra/modules"] {
        copy_tree(&repo().join(dir), &root.path().join(dir));
    }
    root
}

/// Two runs at once into one empty plugin cache (two terminals, two CI jobs on one checkout):
/// every `terraform init` of the project takes its turn on `.mht/terraform-init.lock`, so none
/// reads the provider while another installs it. Here the test holds the lock first: nothing
/// enters the cache until it lets go, then both runs pass.
#[test]
fn terraform_validates_both_roots_offline_with_one_plugin_cache() {
    let root = infra_copy();
    let cache = root.path().join(".mht/plugin-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let held = std::fs::File::create(root.path().join(".mht/terraform-init.lock")).unwrap();
    held.lock().unwrap();
    let validate = || {
        xtask(
            Some(root.path()),
            &[("TF_CLI_CONFIG_FILE", "")],
            &["validate", "--terraform"],
        )
    };
    let (out, other) = std::thread::scope(|s| {
        let a = s.spawn(validate);
        let b = s.spawn(validate);
        for _ in 0..30 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let entries = std::fs::read_dir(&cache).unwrap().count();
            assert_eq!(
                entries, 0,
                "an init wrote the cache while another held the lock"
            );
        }
        assert!(
            !a.is_finished() && !b.is_finished(),
            "a run went on without its turn"
        );
        drop(held);
        (a.join().unwrap(), b.join().unwrap())
    });
    other.expect(0);
    out.expect(0);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("terraform validate"))
        .unwrap_or_default();
    assert!(line.contains(" ok "), "{}", out.stdout);
    // Terraform's logs hold state values: open to the owner only.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root.path().join(".mht")), 0o700);
    let logs = root.path().join(".mht/logs");
    assert_eq!(mode(&logs), 0o700);
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
    }
    // One shared cache; each root links into it instead of holding its own copy.
    let config = std::fs::read_to_string(root.path().join(".mht/terraform.tfrc")).unwrap();
    assert!(
        config.contains("filesystem_mirror") && config.contains("plugin_cache_dir"),
        "{config}"
    );
    for builder in infra::environments::all() {
        // validate's own data directory, apart from the root's `.terraform` a deploy uses.
        let providers = root.path().join(format!(
            ".mht/validate/{}/providers/registry.terraform.io/hashicorp/aws",
            builder.env_name()
        ));
        let version = std::fs::read_dir(&providers)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        let platform = std::fs::read_dir(&version)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        assert!(
            std::fs::symlink_metadata(&platform)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{} is a copy",
            platform.display()
        );
    }
}

#[test]
fn a_broken_module_interface_fails_terraform_validate() {
    let root = infra_copy();
    let vars = root.path().join("infra/modules/sqs/variables.tf");
    let text = std::fs::read_to_string(&vars).unwrap();
    std::fs::write(
        &vars,
        text.replace(
            "variable \"max_receive_count\"",
            "variable \"max_receives\"",
        ),
    )
    .unwrap();
    xtask(
        Some(root.path()),
        &[("TF_CLI_CONFIG_FILE", "")],
        &["validate", "--terraform"],
    )
    .expect(1)
    .contains("terraform validate  FAILED")
    .contains("The argument \"max_receives\" is required");
}

#[test]
fn a_wrong_mirror_setting_is_named() {
    let root = infra_copy();
    xtask(Some(root.path()), &[("MHT_TF_PROVIDER_MIRROR", "/nonexistent/mirror")], &["validate", "--terraform"])
        .expect(1)
        .contains("MHT_TF_PROVIDER_MIRROR `/nonexistent/mirror` holds no `registry.terraform.io/hashicorp/aws`");
}
