//! The steps before Terraform may touch an environment, and the saved plan: shared by `plan`,
//! `deploy` and `validate --live`. Each saved plan has a metadata file beside it (environment,
//! commit, whether the work tree was clean, the plan file's SHA-256, when it was made), which
//! `deploy --plan` checks before it applies exactly that plan.

use crate::aws::Aws;
use crate::backend::state_lock::retry_own_lock;
use crate::project::Project;
use crate::summary::PlanSummary;
use crate::terraform::{self, Run};
use anyhow::{bail, Context, Result};
use infra::Environment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The version of the metadata file and of `plan --format json`.
pub const SCHEMA: u32 = 1;

/// A saved plan, ready to apply.
pub struct Planned {
    pub run: Run,
    pub plan_file: PathBuf,
    pub meta: PlanMeta,
    pub summary: PlanSummary,
    pub seconds: f64,
}

/// What a saved plan was made from: written beside it as `<plan>.meta.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeta {
    pub schema: u32,
    pub environment: String,
    /// The commit checked out, `None` outside a git checkout.
    pub commit: Option<String>,
    /// Whether the work tree had no uncommitted changes (then the commit is what was planned).
    pub clean: bool,
    /// SHA-256 of the plan file, lowercase hex.
    pub sha256: String,
    /// When the plan was made (UTC).
    pub created: String,
    /// The release state the plan puts a new version in with (`--version`), JSON; the deploy
    /// that applies the plan then releases it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

/// The metadata file of a saved plan.
pub fn meta_path(plan_file: &Path) -> PathBuf {
    let mut name = plan_file.as_os_str().to_owned();
    name.push(".meta.json");
    PathBuf::from(name)
}

/// SHA-256 of a file, lowercase hex.
fn sha256(file: &Path) -> Result<String> {
    use sha2::Digest;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read `{}`", file.display()))?;
    Ok(sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Everything that must hold before Terraform may touch `env`, then its root prepared: valid
/// environments, fresh generated files, the backend ready and unlocked, `terraform init`. The
/// caller has connected and guarded the account.
pub fn prepare(p: &Project, env: &Environment, aws: &Aws) -> Result<Run> {
    let report = infra::validate(p.builders());
    if !report.ok() {
        bail!(
            "the environments have {} violations; run `cargo xtask validate` and fix them first",
            report.violations().count()
        );
    }
    let stale = crate::generated::stale(&p.root, &report.environments);
    if !stale.is_empty() {
        bail!(
            "{} generated files are stale (e.g. `{}`); run `cargo xtask render` and commit",
            stale.len(),
            stale[0].path
        );
    }
    backend_ready(aws, env)?;
    terraform::prepare(p, env, aws)
}

/// [`prepare`], then a plan for the run's own use (`deploy` without `--plan`,
/// `validate --live`), saved as `.mht/plans/<env>.run.tfplan` so that it never replaces a
/// plan saved for review.
pub fn plan_env(
    p: &Project,
    env: &Environment,
    aws: &Aws,
    release: Option<String>,
) -> Result<Planned> {
    plan_to(p, env, aws, &format!("{}.run.tfplan", env.name), release)
}

/// [`prepare`], then the plan `plan` saves for review and `deploy --plan` applies:
/// `.mht/plans/<env>.tfplan`.
pub fn plan_for_review(
    p: &Project,
    env: &Environment,
    aws: &Aws,
    release: Option<String>,
) -> Result<Planned> {
    plan_to(p, env, aws, &format!("{}.tfplan", env.name), release)
}

/// [`prepare`], then a plan saved as `.mht/plans/<file>` with its metadata beside it; with
/// `release`, planned with that release state instead of the parameter's.
fn plan_to(
    p: &Project,
    env: &Environment,
    aws: &Aws,
    file: &str,
    release: Option<String>,
) -> Result<Planned> {
    let start = Instant::now();
    let mut run = prepare(p, env, aws)?;
    if let Some(state) = &release {
        run.vars.push(("release".into(), state.clone()));
    }
    let plan_file = p.private_dir("plans")?.join(file);
    let summary = retry_own_lock(env, aws, "plan", || run.plan(&plan_file))?;
    let meta = PlanMeta {
        schema: SCHEMA,
        environment: env.name.clone(),
        commit: crate::git::head(&p.root).ok(),
        clean: crate::git::dirty(&p.root).is_ok_and(|d| d.is_empty()),
        sha256: sha256(&plan_file)?,
        created: crate::git::utc_now(),
        release,
    };
    let path = meta_path(&plan_file);
    std::fs::write(&path, serde_json::to_string_pretty(&meta)? + "\n")
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    note_adoptions_done(env, &summary);
    Ok(Planned {
        run,
        plan_file,
        meta,
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// A plan saved by `plan`, checked against its metadata for `env` at `commit`, then
/// [`prepare`]d and summarised: nothing is planned again.
pub fn saved_plan(
    p: &Project,
    env: &Environment,
    aws: &Aws,
    plan_file: &Path,
    commit: &str,
) -> Result<Planned> {
    let start = Instant::now();
    let meta = check_saved(env, plan_file, commit)?;
    let run = prepare(p, env, aws)?;
    let summary = run.show(plan_file)?;
    check_release(env, plan_file, &meta, &summary)?;
    Ok(Planned {
        run,
        plan_file: plan_file.to_path_buf(),
        meta,
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The metadata of a saved plan, when it was made by `plan` for `env` at `commit` and the
/// plan file is the one it describes; else why not, with the fix.
pub fn check_saved(env: &Environment, plan_file: &Path, commit: &str) -> Result<PlanMeta> {
    let name = &env.name;
    let again = plan_again(name);
    let path = meta_path(plan_file);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read `{}`, the metadata of the saved plan `{}`; deploy only plans made by `cargo xtask plan`",
            path.display(),
            plan_file.display()
        )
    })?;
    let meta: PlanMeta = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not the metadata of a saved plan", path.display()))?;
    if meta.schema != SCHEMA {
        bail!(
            "`{}` has schema {}, this tool reads {SCHEMA}; {again}",
            path.display(),
            meta.schema
        );
    }
    if &meta.environment != name {
        bail!(
            "refusing the saved plan `{}`: it was made for `{}`, not `{name}`",
            plan_file.display(),
            meta.environment
        );
    }
    let short = |c: &str| c[..12.min(c.len())].to_string();
    match meta.commit.as_deref() {
        Some(c) if c == commit => {}
        made => bail!(
            "refusing the saved plan `{}`: it was made from commit {}, the checkout is at {}; {again}",
            plan_file.display(),
            made.map_or("(none)".into(), short),
            short(commit)
        ),
    }
    if !meta.clean && env.protected {
        bail!(
            "refusing the saved plan `{}` for protected `{name}`: it was made from a work tree with uncommitted changes; commit them, then {again}",
            plan_file.display()
        );
    }
    if sha256(plan_file)? != meta.sha256 {
        bail!(
            "refusing the saved plan `{}`: its SHA-256 is not the one recorded when it was made (the file was changed or replaced); {again}",
            plan_file.display()
        );
    }
    Ok(meta)
}

/// The release a saved plan's metadata names (which the promotion gate checks and the deploy
/// releases) is the one the plan itself was made with: the metadata is not covered by the plan's
/// SHA-256.
fn check_release(
    env: &Environment,
    plan_file: &Path,
    meta: &PlanMeta,
    summary: &PlanSummary,
) -> Result<()> {
    if meta.release != summary.release {
        bail!(
            "refusing the saved plan `{}`: the release in its metadata ({}) is not the one the plan was made with ({}); the metadata was changed; {}",
            plan_file.display(),
            meta.release.as_deref().unwrap_or("none"),
            summary.release.as_deref().unwrap_or("none"),
            plan_again(&env.name)
        );
    }
    Ok(())
}

fn plan_again(name: &str) -> String {
    format!("run `cargo xtask plan {name}`, review it and deploy that plan")
}

/// Adoptions the plan no longer imports because their resources are in the state: their
/// entries can go. Said on stderr by every command that plans (`plan`, `deploy`,
/// `validate --live`).
fn note_adoptions_done(env: &Environment, summary: &PlanSummary) {
    for import in env.imports() {
        let in_state = summary.unchanged.contains(&import.to)
            || summary.changes.iter().any(|c| {
                c.address == import.to
                    && c.import_id.is_none()
                    && c.action != crate::summary::PlanAction::Create
            });
        if in_state {
            eprintln!(
                "note: `{}` adopts {} (`{}`), which is in the Terraform state now: remove `{}` from its `adopt` section; the import block is no longer needed",
                env.name, import.what, import.to, import.entry
            );
        }
    }
}

/// `env`'s Terraform backend exists as the model says and no lock is held on its state: what
/// every Terraform run against it needs first.
pub fn backend_ready(aws: &Aws, env: &Environment) -> Result<()> {
    let problems = crate::backend::problems(aws, env)?;
    if !problems.is_empty() {
        bail!(
            "the Terraform backend of `{}` is not ready ({}); run `cargo xtask setup-backend {}`",
            env.name,
            problems.join("; "),
            env.name
        );
    }
    if let Some(lock) = crate::backend::state_lock::held(aws, env)? {
        bail!(
            "the Terraform state of `{}` is locked: {}; if that run is over (interrupted, or its machine gone), release it with `{}`",
            env.name,
            lock.describe(),
            lock.unlock_command(&env.name)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan file with its metadata in a fresh directory, as `plan` leaves them.
    fn saved(dir: &str, meta: impl FnOnce(&mut PlanMeta)) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mht-plan-{dir}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("staging.tfplan");
        std::fs::write(&file, b"plan bytes").unwrap();
        let mut m = PlanMeta {
            schema: SCHEMA,
            environment: "staging".into(),
            commit: Some("a".repeat(40)),
            clean: true,
            sha256: sha256(&file).unwrap(),
            created: "2026-11-29T21:00:00Z".into(),
            release: None,
        };
        meta(&mut m);
        std::fs::write(meta_path(&file), serde_json::to_string(&m).unwrap()).unwrap();
        file
    }

    #[test]
    fn a_saved_plan_is_refused_when_its_metadata_names_another_release() {
        let staging = infra::environments::staging().build().unwrap();
        let file = saved("release", |m| {
            m.release = Some("{\"live\":\"blue\"}".into())
        });
        let meta = check_saved(&staging, &file, &"a".repeat(40)).unwrap();
        let planned = |release: Option<&str>| PlanSummary {
            release: release.map(str::to_string),
            ..PlanSummary::default()
        };
        assert!(check_release(
            &staging,
            &file,
            &meta,
            &planned(Some("{\"live\":\"blue\"}"))
        )
        .is_ok());
        for other in [None, Some("{\"live\":\"green\"}")] {
            let text = format!(
                "{:#}",
                check_release(&staging, &file, &meta, &planned(other)).unwrap_err()
            );
            assert!(
                text.contains("the release in its metadata ({\"live\":\"blue\"}) is not the one the plan was made with")
                    && text.contains("run `cargo xtask plan staging`"),
                "{text}"
            );
        }
    }

    fn refusal(env: &Environment, file: &Path, commit: &str) -> String {
        format!("{:#}", check_saved(env, file, commit).unwrap_err())
    }

    #[test]
    fn a_saved_plan_is_refused_unless_made_for_this_environment_at_this_commit_unchanged() {
        let staging = infra::environments::staging().build().unwrap();
        let production = infra::environments::production().build().unwrap();
        let head = "a".repeat(40);
        let good = saved("good", |_| {});
        assert_eq!(
            check_saved(&staging, &good, &head).unwrap().environment,
            "staging"
        );
        let text = refusal(&production, &good, &head);
        assert!(
            text.contains("it was made for `staging`, not `production`"),
            "{text}"
        );
        let text = refusal(&staging, &good, &"b".repeat(40));
        assert!(
            text.contains("made from commit aaaaaaaaaaaa, the checkout is at bbbbbbbbbbbb")
                && text.contains("run `cargo xtask plan staging`, review it"),
            "{text}"
        );
        std::fs::write(&good, b"other plan").unwrap();
        let text = refusal(&staging, &good, &head);
        assert!(
            text.contains("its SHA-256 is not the one recorded"),
            "{text}"
        );
        let dirty = saved("dirty", |m| {
            m.environment = "production".into();
            m.clean = false;
        });
        let text = refusal(&production, &dirty, &head);
        assert!(text.contains("uncommitted changes"), "{text}");
        let newer = saved("schema", |m| m.schema = 2);
        assert!(refusal(&staging, &newer, &head).contains("has schema 2, this tool reads 1"));
        std::fs::remove_file(meta_path(&newer)).unwrap();
        let text = refusal(&staging, &newer, &head);
        assert!(
            text.contains("deploy only plans made by `cargo xtask plan`"),
            "{text}"
        );
        for f in [good, dirty, newer] {
            std::fs::remove_dir_all(f.parent().unwrap()).unwrap();
        }
    }
}
