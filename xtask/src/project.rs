//! The project: its root directory, its environments, and which environment a command acts on.

use anyhow::{bail, Context, Result};
use infra::{Environment, EnvironmentBuilder};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

/// The git-ignored file that remembers the environment chosen with `switch`.
pub const STATE_FILE: &str = ".mht/active-env.toml";

#[derive(serde::Serialize, serde::Deserialize)]
struct SwitchState {
    environment: String,
}

/// The workspace this binary was built from (its environment definitions are compiled in).
fn built_root() -> Result<PathBuf> {
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf())
}

/// Refuse to act when `cargo xtask` runs a binary built from another checkout: two checkouts
/// sharing one target directory get the same artifact (Cargo hashes path packages by their
/// place in the workspace), so the binary would read, render and deploy the other checkout's
/// definitions. `running` is the package directory Cargo names when it runs the binary
/// (`CARGO_MANIFEST_DIR`); a binary started directly has none and is taken as chosen.
pub fn check_checkout(built: &Path, running: Option<PathBuf>) -> Result<()> {
    let Some(running) = running.and_then(|dir| dir.parent().map(Path::to_path_buf)) else {
        return Ok(());
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if !same(built, &running) {
        bail!(
            "refusing to run: this `cargo xtask` binary was built from `{}`, but it runs in `{}`; the two checkouts share one target directory and Cargo reused the other checkout's build, so it would act on that checkout's definitions. Nothing was done. Run `cargo clean -p xtask -p infra` here and run again, or give each checkout its own target directory (unset CARGO_TARGET_DIR, or set it per checkout)",
            built.display(),
            running.display()
        );
    }
    Ok(())
}

/// At most this many characters of a value the user gave are echoed back in a message.
pub const SHOWN_MAX: usize = 64;

/// `text` as it is safe to echo in a message: control and invisible formatting characters
/// (terminal escape codes, newlines, bidirectional overrides) escaped as Rust writes them
/// (`\u{1b}`, `\n`), and cut after [`SHOWN_MAX`] characters with `…`.
pub fn shown(text: &str) -> String {
    shown_at_most(text, SHOWN_MAX)
}

/// [`shown`] for a path: escaped the same way, cut only past 256 characters.
pub fn shown_path(path: &Path) -> String {
    shown_at_most(&path.to_string_lossy(), 256)
}

/// [`shown`] for a value that may not be UTF-8 (an environment variable): bytes that are not
/// UTF-8 appear as `\xNN`.
pub fn shown_os(text: &OsStr) -> String {
    let mut escaped = String::new();
    for chunk in text.as_encoded_bytes().utf8_chunks() {
        escape_into(&mut escaped, chunk.valid(), SHOWN_MAX);
        for b in chunk.invalid() {
            escaped.push_str(&format!("\\x{b:02x}"));
        }
    }
    cut(&escaped, SHOWN_MAX)
}

fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Append `text` to `out` with invisible characters escaped; stops once `out` is well past `max`
/// characters, so a huge value is never escaped whole.
fn escape_into(out: &mut String, text: &str, max: usize) {
    for c in text.chars() {
        if out.len() > max.saturating_mul(4) {
            return;
        }
        if invisible(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
}

fn cut(escaped: &str, max: usize) -> String {
    match escaped.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &escaped[..at]),
        None => escaped.to_string(),
    }
}

/// [`shown`] with another limit, for longer texts (a server's answer, an error chain).
pub fn shown_at_most(text: &str, max: usize) -> String {
    let mut escaped = String::new();
    escape_into(&mut escaped, text, max);
    cut(&escaped, max)
}

/// Where the environment a command acts on came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The task's positional `<ENV>`.
    CommandLine,
    /// The global `--env`.
    EnvFlag,
    /// The `MHT_ENV` variable.
    EnvVar,
    /// The state file written by `cargo xtask switch`.
    Switched,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::CommandLine => "from the command line",
            Source::EnvFlag => "from --env",
            Source::EnvVar => "from MHT_ENV",
            Source::Switched => "from cargo xtask switch",
        })
    }
}

/// The environment a command acts on, and where that choice came from. It reads as the name:
/// it dereferences to the `String` and displays as the bare name, so `p.environment(&name)`,
/// `name.clone()` and `` format!("`{name}`") `` work as they did when `selected` returned a
/// `String`.
#[derive(Debug, PartialEq, Eq)]
pub struct Selected {
    pub name: String,
    pub source: Source,
}

impl Selected {
    pub fn new(name: &str, source: Source) -> Selected {
        Selected {
            name: name.to_string(),
            source,
        }
    }

    /// `environment: staging (from --env)`: what a mutating command says (on stderr, so that
    /// `--format json` and `switch --shell` keep a clean stdout) before it acts.
    pub fn announce(&self) {
        eprintln!("environment: {} ({})", self.name, self.source);
    }
}

impl std::ops::Deref for Selected {
    type Target = String;
    fn deref(&self) -> &String {
        &self.name
    }
}

impl fmt::Display for Selected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The value of the environment variable `var`: `None` when unset, an error naming it when its
/// value is not UTF-8.
pub fn env_var(var: &str) -> Result<Option<String>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(text) => Ok(Some(text)),
            Err(raw) => bail!(
                "{var} is not valid UTF-8 (`{}`); set it to a plain value or unset it",
                shown_os(&raw)
            ),
        },
    }
}

/// The accepted spellings of a boolean variable, for messages.
pub const BOOLEANS: &str =
    "1, true, yes or on to turn it on; 0, false, no, off or empty to turn it off (any case)";

/// A boolean environment variable: `1/true/yes/on` and `0/false/no/off/""` in any case; unset is
/// false; anything else is an error naming the variable, its value and the accepted values.
pub fn env_bool(var: &str) -> Result<bool> {
    let Some(value) = env_var(var)? else {
        return Ok(false);
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!(
            "{var} is `{}`, which is not a boolean; accepted: {BOOLEANS}",
            shown(&value)
        ),
    }
}

/// `MHT_ENV`: `None` when unset or empty (documented as unset); an error when it is set to
/// whitespace only or to something that is not UTF-8.
fn env_from_var(known: &[String]) -> Result<Option<String>> {
    let (problem, value) = match std::env::var_os("MHT_ENV") {
        None => return Ok(None),
        Some(raw) => match raw.into_string() {
            Ok(v) if v.is_empty() => return Ok(None),
            Ok(v) if v.trim().is_empty() => ("is set to whitespace only", shown(&v)),
            Ok(v) => return Ok(Some(v)),
            Err(raw) => ("is not valid UTF-8", shown_os(&raw)),
        },
    };
    bail!(
        "MHT_ENV {problem} (`{value}`); set it to one of the known environments ({}) or unset it (an empty MHT_ENV counts as unset)",
        known.join(", ")
    )
}

/// What is wrong with a directory that is not a checkout, for the message.
fn not_a_checkout(root: &Path) -> String {
    match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "it does not exist".into(),
        Err(e) => format!("cannot read it: {e}"),
        Ok(m) if !m.is_dir() => "it is a file, not a directory".into(),
        Ok(_) => match std::fs::read_dir(root).map(|mut d| d.next().is_none()) {
            Ok(true) => "it is an empty directory".into(),
            Ok(false) => "it holds no infra/ directory".into(),
            Err(e) => format!("cannot list it: {e}"),
        },
    }
}

/// A directory is a checkout of this project when it holds `infra/` as a directory (the
/// generated roots live below it). Nothing else is required, so a fresh root where `render`
/// writes `infra/environments/` qualifies; a file, a typo or an empty directory does not, and
/// no command creates anything there.
pub fn check_root(root: &Path, from_mht_root: bool) -> Result<()> {
    if root.join("infra").is_dir() {
        return Ok(());
    }
    let fix = if from_mht_root {
        "point MHT_ROOT at the repository root (the directory holding infra/ and xtask/), or unset it to use the checkout this tool was built from"
    } else {
        "this tool was built from there; rebuild it from your checkout, or set MHT_ROOT to one"
    };
    bail!(
        "`{}` is not a checkout of this project (no infra/ directory: {}); {fix}",
        shown_path(root),
        not_a_checkout(root)
    )
}

pub struct Project {
    pub root: PathBuf,
    env_flag: Option<String>,
    /// Target the local emulator instead of AWS.
    pub local: bool,
    /// Errors carry the SDK's whole error chain (`--verbose`).
    pub verbose: bool,
}

impl Project {
    /// The repository root: `MHT_ROOT` if set (and not empty), else the workspace this binary
    /// was built from, after [`check_checkout`]; either must pass [`check_root`].
    pub fn discover() -> Result<Project> {
        let built = built_root()?;
        check_checkout(
            &built,
            std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        )?;
        let from_var = std::env::var_os("MHT_ROOT").filter(|v| !v.is_empty());
        let from_mht_root = from_var.is_some();
        let root = from_var.map(PathBuf::from).unwrap_or(built);
        check_root(&root, from_mht_root)?;
        Ok(Project::at(root))
    }

    /// A project rooted at `root` (tests and tools that know their checkout).
    pub fn at(root: PathBuf) -> Project {
        Project {
            root,
            env_flag: None,
            local: false,
            verbose: false,
        }
    }

    pub fn with_flags(self, env_flag: Option<String>, local: bool) -> Project {
        Project {
            env_flag,
            local,
            ..self
        }
    }

    pub fn with_verbose(self, verbose: bool) -> Project {
        Project { verbose, ..self }
    }

    /// The definitions of every environment, in promotion order.
    pub fn builders(&self) -> Vec<EnvironmentBuilder> {
        infra::environments::all()
    }

    /// Every environment name in promotion order (each after the one it is promoted from).
    pub fn promotion_order(&self) -> Vec<String> {
        let report = infra::validate(self.builders());
        infra::promotion::order(&report.environments)
            .iter()
            .map(|e| e.name.clone())
            .collect()
    }

    pub fn known(&self) -> Vec<String> {
        self.builders()
            .iter()
            .map(|b| b.env_name().to_string())
            .collect()
    }

    /// Check that `name` is a defined environment.
    pub fn check_known(&self, name: &str) -> Result<()> {
        self.check_known_from(name, None)
    }

    /// Check that a selected name is a defined environment, naming where the name came from.
    pub fn check_selected(&self, selected: &Selected) -> Result<()> {
        self.check_known_from(&selected.name, Some(selected.source))
    }

    fn check_known_from(&self, name: &str, source: Option<Source>) -> Result<()> {
        let known = self.known();
        if known.iter().any(|k| k == name) {
            return Ok(());
        }
        let from = source.map(|s| format!(" ({s})")).unwrap_or_default();
        // A near miss (case, surrounding whitespace) gets its correction.
        let near = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(name.trim()))
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        bail!(
            "unknown environment `{}`{from}; known environments: {}{near}",
            shown(name),
            known.join(", ")
        )
    }

    /// The built environment `name`, or every violation that keeps it from building.
    pub fn environment(&self, name: &str) -> Result<Environment> {
        self.check_known(name)?;
        let builder = self
            .builders()
            .into_iter()
            .find(|b| b.env_name() == name)
            .context("environment vanished")?;
        builder.build().map_err(|violations| {
            let lines: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
            anyhow::anyhow!(
                "environment `{name}` is invalid ({} violations):\n{}",
                violations.len(),
                lines.join("\n")
            )
        })
    }

    /// `.mht/<rel>`, created if missing, open to the owner only (0700, `.mht` too): Terraform
    /// logs and saved plans hold state values, secrets included.
    pub fn private_dir(&self, rel: &str) -> Result<PathBuf> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let base = self.root.join(".mht");
        let dir = base.join(rel);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        for d in [&base, &dir] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict `{}` to its owner", d.display()))?;
        }
        Ok(dir)
    }

    pub fn state_path(&self) -> PathBuf {
        self.root.join(STATE_FILE)
    }

    /// The environment chosen with `switch`, if any.
    pub fn switched(&self) -> Result<Option<String>> {
        let path = self.state_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
        };
        let state: SwitchState = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "`{}` is not a valid switch state file ({}); run `cargo xtask switch <env>` to rewrite it",
                path.display(),
                shown_at_most(e.message(), 2 * SHOWN_MAX)
            )
        })?;
        self.check_known(&state.environment).with_context(|| {
            format!(
                "`{}` names an environment that no longer exists; run `cargo xtask switch <env>`",
                path.display()
            )
        })?;
        Ok(Some(state.environment))
    }

    pub fn write_switched(&self, name: &str) -> Result<()> {
        let path = self.state_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        let text = toml::to_string(&SwitchState {
            environment: name.to_string(),
        })?;
        // Write then rename, so a crash never leaves a half-written state file.
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write `{}`", path.display()))
    }

    /// The environment named on the command line: the task's positional `<ENV>` or `--env`. Both
    /// given and different is an error (never one silently over the other); equal is fine.
    pub fn explicit(&self, positional: Option<&str>) -> Result<Option<Selected>> {
        match (positional, self.env_flag.as_deref()) {
            (Some(a), Some(b)) if a != b => bail!(
                "two environments given: `{}` on the command line and `{}` with --env; give one of them (or the same in both)",
                shown(a),
                shown(b)
            ),
            (Some(a), _) => Ok(Some(Selected::new(a, Source::CommandLine))),
            (None, Some(b)) => Ok(Some(Selected::new(b, Source::EnvFlag))),
            (None, None) => Ok(None),
        }
    }

    /// The environment a command acts on: the positional `<ENV>` or `--env`, else `MHT_ENV`
    /// (empty counts as unset; whitespace only, not UTF-8 or an unknown name is an error), else
    /// the switched one; with where it came from.
    pub fn selected(&self, explicit: Option<&str>) -> Result<Selected> {
        let chosen = match self.explicit(explicit)? {
            Some(chosen) => chosen,
            None => match env_from_var(&self.known())? {
                Some(name) => Selected::new(&name, Source::EnvVar),
                None => match self.switched()? {
                    Some(name) => Selected::new(&name, Source::Switched),
                    None => bail!(
                        "no environment selected; pass --env <ENV>, set MHT_ENV, or run `cargo xtask switch <ENV>` (known: {})",
                        self.known().join(", ")
                    ),
                },
            },
        };
        self.check_selected(&chosen)?;
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_from_another_checkout_is_refused_naming_both() {
        let here = std::env::temp_dir().join("mht-checkout-a");
        let there = std::env::temp_dir().join("mht-checkout-b");
        let err = check_checkout(&here, Some(there.join("xtask"))).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains(&format!("built from `{}`", here.display())),
            "{text}"
        );
        assert!(
            text.contains(&format!("runs in `{}`", there.display())),
            "{text}"
        );
        assert!(text.contains("cargo clean -p xtask -p infra"), "{text}");
    }

    #[test]
    fn shown_escapes_control_characters_and_cuts_long_values() {
        assert_eq!(shown("staging"), "staging");
        assert_eq!(shown("a\u{1b}[31mb\n\t"), "a\\u{1b}[31mb\\n\\t");
        assert_eq!(shown("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(shown("é ü"), "é ü");
        let long = "é".repeat(100_000);
        assert_eq!(shown(&long), format!("{}…", "é".repeat(SHOWN_MAX)));
        assert_eq!(shown(&"x".repeat(SHOWN_MAX)), "x".repeat(SHOWN_MAX));
        // An escape is never cut in half into something raw.
        let escapes = "\u{1b}".repeat(100);
        assert!(!shown(&escapes).contains('\u{1b}'));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let raw = OsStr::from_bytes(b"st\xffag\x1b");
            assert_eq!(shown_os(raw), "st\\xffag\\u{1b}");
        }
    }

    #[test]
    fn a_checkout_is_a_directory_holding_infra() {
        let base = std::env::temp_dir().join(format!("mht-root-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let text = |r: Result<()>| format!("{:#}", r.unwrap_err());
        assert!(text(check_root(&base, true)).contains("it is an empty directory"));
        assert!(text(check_root(&base.join("typo"), true)).contains("it does not exist"));
        std::fs::write(base.join("file"), "").unwrap();
        assert!(text(check_root(&base.join("file"), true)).contains("it is a file"));
        assert!(text(check_root(&base, false)).contains("it holds no infra/ directory"));
        std::fs::create_dir(base.join("infra")).unwrap();
        check_root(&base, true).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn selected_reads_as_its_name() {
        let s = Selected::new("staging", Source::EnvVar);
        assert_eq!(format!("`{s}` ({})", s.source), "`staging` (from MHT_ENV)");
        // As `deploy` uses it: `name.clone()` is the `String`, `&name` a `&str`.
        let name: String = s.clone();
        assert_eq!(name, "staging");
        let as_str: &str = &s;
        assert_eq!(as_str, "staging");
    }

    #[test]
    fn the_own_checkout_or_a_direct_start_is_accepted() {
        let root = built_root().unwrap();
        check_checkout(&root, Some(root.join("xtask"))).unwrap();
        // The same checkout named through a symlink-free relative detour.
        check_checkout(&root, Some(root.join("infra/../xtask"))).unwrap();
        check_checkout(&root, None).unwrap();
    }
}
