//! The IaC scan: checkov over every module as each environment's rendered root calls it, so
//! every finding is about the values an environment really gets.
//!
//! checkov reads neither module calls from `.tf.json` roots nor values that come from another
//! module's output, so each root is staged as HCL (`main.tf`, its `//` comments dropped, a
//! reference to another module written as text naming it) next to a copy of the
//! modules, one directory per environment outside the checkout (checkov skips hidden
//! directories such as `.mht/`), and scanned by its own checkov process.
//!
//! A finding is accepted only with a reason: inline in a module
//! (`#checkov:skip=CKV_...:reason`), or listed in [`SKIPS_FILE`] with the environment and
//! resource it concerns. Anything else fails the scan.

use crate::project::Project;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The findings accepted for one environment's resource, each with its reason.
pub const SKIPS_FILE: &str = "infra/scan-skips.toml";

/// The suppression text checkov reports for an inline skip written without a reason.
const NO_REASON: &str = "No comment provided";

/// One accepted finding of [`SKIPS_FILE`].
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// The checkov check id, `CKV_AWS_150`.
    pub check: String,
    /// The environment whose root the finding is in; absent: every environment.
    pub environment: Option<String>,
    /// The resource address as checkov names it, `module.alb.aws_lb.this[0]`.
    pub resource: String,
    pub reason: String,
}

impl Skip {
    fn matches(&self, env: &str, check: &str, resource: &str) -> bool {
        self.check == check
            && self.resource == resource
            && self.environment.as_deref().is_none_or(|e| e == env)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkipFile {
    #[serde(default)]
    skip: Vec<Skip>,
}

/// The accepted findings of `text` (the content of [`SKIPS_FILE`]); an entry without a reason,
/// check or resource is an error naming it.
pub fn parse_skips(text: &str) -> Result<Vec<Skip>> {
    let file: SkipFile = toml::from_str(text).context(format!("`{SKIPS_FILE}` is not valid"))?;
    for (i, s) in file.skip.iter().enumerate() {
        for (field, value) in [
            ("check", &s.check),
            ("resource", &s.resource),
            ("reason", &s.reason),
        ] {
            if value.trim().is_empty() {
                bail!("`{SKIPS_FILE}` skip[{i}] (`{}`) has no {field}; every accepted finding names its check and resource and says why", s.check);
            }
        }
    }
    Ok(file.skip)
}

/// A value of a root as an HCL expression. A string that is one reference to another module's
/// output (`${module.x.y}`) becomes the plain text `output y of module x`: checkov cannot know
/// the value, and given anything that reads as a reference (even `"module.x.y"`) it leaves the
/// called module's other inputs unresolved too, `count` and `for_each` included.
fn hcl_value(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            let body: String = map
                .iter()
                .filter(|(k, _)| k.as_str() != "//")
                .map(|(k, x)| {
                    format!(
                        "{pad}  {} = {}\n",
                        Value::from(k.as_str()),
                        hcl_value(x, indent + 1)
                    )
                })
                .collect();
            format!("{{\n{body}{pad}}}")
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|x| hcl_value(x, indent)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(s) => {
            let reference = s
                .strip_prefix("${module.")
                .and_then(|r| r.strip_suffix('}'));
            let s = match reference.and_then(|r| r.split_once('.')) {
                Some((module, output)) if !output.contains(['$', '{', '}']) => {
                    format!("output {output} of module {module}")
                }
                _ => s.clone(),
            };
            // Escapes as HCL reads them: JSON's, plus `$${` and `%%{` for template markers.
            Value::from(s)
                .to_string()
                .replace("${", "$${")
                .replace("%{", "%%{")
        }
        other => other.to_string(),
    }
}

/// A block's body: its arguments as bare identifiers (block bodies take no quoted names), the
/// values as expressions.
fn hcl_block(kind: &str, label: &str, body: &Value) -> String {
    let args: String = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "//")
        .map(|(k, v)| format!("  {k} = {}\n", hcl_value(v, 1)))
        .collect();
    format!("{kind} {} {{\n{args}}}\n\n", Value::from(label))
}

/// The module calls and provider of a rendered root (`main.tf.json`) as HCL.
pub fn hcl_root(root: &Value) -> Result<String> {
    let modules = root["module"]
        .as_object()
        .context("the root has no `module` object")?;
    let mut out = String::new();
    for (name, provider) in root["provider"].as_object().into_iter().flatten() {
        out.push_str(&hcl_block("provider", name, provider));
    }
    for (name, inputs) in modules {
        out.push_str(&hcl_block("module", name, inputs));
    }
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create `{}`", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read `{}`", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if entry.path().extension().is_some_and(|e| e == "tf") {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy `{}`", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A scratch directory removed when dropped.
pub struct Stage(pub PathBuf);

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stage `env`'s rendered root as HCL beside a copy of the modules, under `stage`; returns the
/// directory to scan (`<stage>/<env>/infra`).
pub fn stage_root(p: &Project, stage: &Path, env: &str) -> Result<PathBuf> {
    let rendered = p
        .root
        .join(infra::render::root_dir(env))
        .join("main.tf.json");
    let text = std::fs::read_to_string(&rendered).with_context(|| {
        format!(
            "cannot read `{}`; run `cargo xtask render`",
            rendered.display()
        )
    })?;
    let root: Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not JSON", rendered.display()))?;
    let infra_dir = stage.join(env).join("infra");
    copy_dir(&p.root.join("infra/modules"), &infra_dir.join("modules"))?;
    let dir = stage.join(env).join(infra::render::root_dir(env));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    std::fs::write(dir.join("main.tf"), hcl_root(&root)?)
        .with_context(|| format!("cannot write the staged root of `{env}`"))?;
    Ok(infra_dir)
}

/// The checkov to run: `MHT_CHECKOV`, else `checkov` on PATH, else the one `.ci/run` installs
/// into `.mht/checkov`.
pub fn checkov(p: &Project) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MHT_CHECKOV").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let on_path = crate::prerequisites::find_on_path("checkov");
    let local = p.root.join(".mht/checkov/bin/checkov");
    on_path.or_else(|| local.is_file().then_some(local)).context(
        "checkov not found (MHT_CHECKOV, PATH, .mht/checkov); install it with `python3 -m venv .mht/checkov && .mht/checkov/bin/pip install \"checkov==3.3.30\"`",
    )
}

/// What checkov said about one check of one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Failed, with no accepted reason.
    Failed,
    /// Accepted: the reason, and where it is written (`inline` or [`SKIPS_FILE`]).
    Skipped {
        reason: String,
        by: &'static str,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub environment: String,
    pub check: String,
    pub resource: String,
    /// The module file the resource is declared in, relative to `infra/`.
    pub file: String,
    pub verdict: Verdict,
}

/// Every result of checkov's JSON report for `env`, judged against `skips`.
pub fn findings(env: &str, report: &Value, skips: &[Skip]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (list, kind) in [
        ("passed_checks", 0),
        ("failed_checks", 1),
        ("skipped_checks", 2),
    ] {
        for r in report["results"][list].as_array().into_iter().flatten() {
            let check = r["check_id"].as_str().unwrap_or_default().to_string();
            let resource = r["resource"].as_str().unwrap_or_default().to_string();
            let verdict = match kind {
                0 => Verdict::Passed,
                1 => match skips.iter().find(|s| s.matches(env, &check, &resource)) {
                    Some(s) => Verdict::Skipped {
                        reason: s.reason.clone(),
                        by: SKIPS_FILE,
                    },
                    None => Verdict::Failed,
                },
                _ => match r["check_result"]["suppress_comment"]
                    .as_str()
                    .map(str::trim)
                {
                    Some(reason) if !reason.is_empty() && reason != NO_REASON => Verdict::Skipped {
                        reason: reason.to_string(),
                        by: "inline",
                    },
                    _ => Verdict::Failed,
                },
            };
            let file = r["file_path"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string();
            out.push(Finding {
                environment: env.to_string(),
                check,
                resource,
                file,
                verdict,
            });
        }
    }
    out
}

/// Entries of `skips` that match no finding (stale: the finding is fixed or renamed).
pub fn unused<'a>(skips: &'a [Skip], findings: &[Finding]) -> Vec<&'a Skip> {
    skips
        .iter()
        .filter(|s| {
            !findings.iter().any(|f| {
                matches!(f.verdict, Verdict::Skipped { by: SKIPS_FILE, .. })
                    && s.matches(&f.environment, &f.check, &f.resource)
            })
        })
        .collect()
}

/// Run checkov over each staged root at once; the JSON report of each, in order.
pub fn run_checkov(checkov: &Path, dirs: &[(String, PathBuf)]) -> Result<Vec<(String, Value)>> {
    let mut children = Vec::new();
    for (env, dir) in dirs {
        let child = std::process::Command::new(checkov)
            .args([
                "--framework",
                "terraform",
                "--output",
                "json",
                "--skip-download",
                "--directory",
            ])
            .arg(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run `{}`", checkov.display()))?;
        children.push((env.clone(), child));
    }
    let mut reports = Vec::new();
    for (env, child) in children {
        let out = child.wait_with_output().context("checkov did not finish")?;
        let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "checkov printed no JSON report for `{env}` (exit {:?}): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )
        })?;
        if report["summary"]["parsing_errors"].as_u64().unwrap_or(0) > 0 {
            bail!(
                "checkov could not parse the staged root of `{env}`: {}",
                report["results"]["parsing_errors"]
            );
        }
        reports.push((env, report));
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_root_becomes_hcl_without_comments_and_with_references_as_names() {
        let root = json!({
            "//": "generated",
            "provider": {"aws": {"region": "us-west-2", "default_tags": {"tags": {"Env": "x"}}}},
            "module": {"alb": {
                "source": "../../modules/alb",
                "vpc_id": "${module.network.vpc_id}",
                "enabled": true,
                "count": 2,
                "names": ["a", "b"],
                "policy": "{\"Resource\":\"arn:aws:s3:::b/${aws:username}\"}",
                "nothing": null,
            }},
        });
        let hcl = hcl_root(&root).unwrap();
        assert!(!hcl.contains("generated"), "{hcl}");
        assert!(hcl.contains("provider \"aws\" {"), "{hcl}");
        assert!(hcl.contains("module \"alb\" {"), "{hcl}");
        assert!(
            hcl.contains("  vpc_id = \"output vpc_id of module network\"\n"),
            "{hcl}"
        );
        assert!(hcl.contains("  enabled = true\n"), "{hcl}");
        assert!(hcl.contains("  names = [\"a\", \"b\"]\n"), "{hcl}");
        assert!(hcl.contains("  nothing = null\n"), "{hcl}");
        assert!(hcl.contains("    \"tags\" = {"), "{hcl}");
        // A policy variable stays literal text: `$${` is HCL's escape of `${`.
        assert!(hcl.contains("b/$${aws:username}"), "{hcl}");
        assert!(hcl_root(&json!({"provider": {}})).is_err());
    }

    #[test]
    fn skips_need_a_check_a_resource_and_a_reason() {
        let ok = "[[skip]]\ncheck = \"CKV_AWS_150\"\nenvironment = \"staging\"\nresource = \"module.alb.aws_lb.this[0]\"\nreason = \"staging stays destroyable\"\n";
        let skips = parse_skips(ok).unwrap();
        assert_eq!(skips.len(), 1);
        assert!(skips[0].matches("staging", "CKV_AWS_150", "module.alb.aws_lb.this[0]"));
        assert!(!skips[0].matches("production", "CKV_AWS_150", "module.alb.aws_lb.this[0]"));
        let err = parse_skips(&ok.replace("staging stays destroyable", " ")).unwrap_err();
        assert!(
            err.to_string()
                .contains("skip[0] (`CKV_AWS_150`) has no reason"),
            "{err}"
        );
        assert!(parse_skips(&ok.replace("reason", "why")).is_err());
        assert!(parse_skips("").unwrap().is_empty());
    }

    #[test]
    fn the_shipped_skip_list_gives_a_reason_for_every_entry() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(SKIPS_FILE),
        )
        .unwrap();
        let skips = parse_skips(&text).unwrap();
        assert!(!skips.is_empty());
        for s in &skips {
            assert!(s.check.starts_with("CKV"), "{s:?}");
            assert!(
                s.reason.split_whitespace().count() >= 5,
                "a reason says why: {s:?}"
            );
        }
    }

    #[test]
    fn every_inline_skip_in_the_modules_gives_a_reason() {
        let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/modules");
        let mut skips = 0;
        for module in std::fs::read_dir(&modules).unwrap() {
            let main = module.unwrap().path().join("main.tf");
            let text = std::fs::read_to_string(&main).unwrap_or_default();
            for line in text.lines().filter(|l| l.contains("checkov:skip=")) {
                skips += 1;
                let rest = line.trim().strip_prefix("#checkov:skip=").unwrap_or("");
                let (check, reason) = rest.split_once(':').unwrap_or((rest, ""));
                assert!(check.starts_with("CKV"), "{}: {line}", main.display());
                assert!(
                    reason.split_whitespace().count() >= 5,
                    "{}: a skip says why: {line}",
                    main.display()
                );
            }
        }
        assert!(skips > 0);
    }

    #[test]
    fn findings_are_judged_by_the_list_and_the_inline_reason() {
        let report = json!({"results": {
            "passed_checks": [{"check_id": "CKV_1", "resource": "a", "file_path": "/modules/x/main.tf"}],
            "failed_checks": [
                {"check_id": "CKV_2", "resource": "b", "file_path": "/modules/x/main.tf"},
                {"check_id": "CKV_3", "resource": "c", "file_path": "/modules/x/main.tf"},
            ],
            "skipped_checks": [
                {"check_id": "CKV_4", "resource": "d", "check_result": {"suppress_comment": "emulator"}},
                {"check_id": "CKV_5", "resource": "e", "check_result": {"suppress_comment": NO_REASON}},
            ],
        }});
        let skips = vec![
            Skip {
                check: "CKV_2".into(),
                environment: Some("staging".into()),
                resource: "b".into(),
                reason: "why".into(),
            },
            Skip {
                check: "CKV_9".into(),
                environment: None,
                resource: "z".into(),
                reason: "gone".into(),
            },
        ];
        let f = findings("staging", &report, &skips);
        let verdicts: Vec<(&str, &Verdict)> =
            f.iter().map(|f| (f.check.as_str(), &f.verdict)).collect();
        assert_eq!(verdicts[0], ("CKV_1", &Verdict::Passed));
        assert_eq!(
            verdicts[1],
            (
                "CKV_2",
                &Verdict::Skipped {
                    reason: "why".into(),
                    by: SKIPS_FILE
                }
            )
        );
        assert_eq!(verdicts[2], ("CKV_3", &Verdict::Failed));
        assert_eq!(
            verdicts[3],
            (
                "CKV_4",
                &Verdict::Skipped {
                    reason: "emulator".into(),
                    by: "inline"
                }
            )
        );
        assert_eq!(verdicts[4], ("CKV_5", &Verdict::Failed));
        assert_eq!(f[0].file, "modules/x/main.tf");
        assert_eq!(unused(&skips, &f), vec![&skips[1]]);
        // In production the staging entry does not apply.
        assert_eq!(
            findings("production", &report, &skips)[1].verdict,
            Verdict::Failed
        );
    }
}
