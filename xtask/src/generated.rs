//! The generated files on disk against a fresh render of the model: what is missing, stale or
//! left over from a removed environment. Read by `render`, `validate` and `plan`.

use infra::render::{self, GENERATED};
use infra::Environment;
use std::path::Path;

/// A generated file that does not match the model.
pub struct Stale {
    pub path: String,
    pub reason: Reason,
}

/// Why a generated file is not the fresh render; displays as a phrase after the path
/// (`stale  <path>  (<reason>)`, `generated file <reason>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Missing,
    Differs,
    /// A directory stands where the file belongs.
    Directory,
    /// The file's bytes are not UTF-8 text (a binary file, or another encoding).
    NotUtf8,
    /// The file exists but cannot be read; the error as the OS gives it.
    Unreadable(String),
    /// A generated file of an environment that no longer exists.
    Leftover,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Missing => f.write_str("missing"),
            Reason::Differs => f.write_str("differs from the model"),
            Reason::Directory => f.write_str("is a directory, not a file"),
            Reason::NotUtf8 => f.write_str("is not UTF-8 text (binary content)"),
            Reason::Unreadable(e) => write!(f, "is unreadable: {e}"),
            Reason::Leftover => f.write_str("belongs to no environment"),
        }
    }
}

/// How the file at `path` compares with `content`: `None` when it is the same text.
pub fn compare(path: &Path, content: &str) -> Option<Reason> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Reason::Missing),
        Err(e) => return Some(Reason::Unreadable(e.to_string())),
        Ok(m) if m.is_dir() => return Some(Reason::Directory),
        Ok(_) => {}
    }
    match std::fs::read(path) {
        Err(e) => Some(Reason::Unreadable(e.to_string())),
        Ok(bytes) => match String::from_utf8(bytes) {
            Err(_) => Some(Reason::NotUtf8),
            Ok(text) if text == content => None,
            Ok(_) => Some(Reason::Differs),
        },
    }
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
            render::FILE_NAMES.map(|f| format!("{env_dir}/{f}"))
        })
        .filter(|rel| {
            std::fs::read_to_string(root.join(rel)).is_ok_and(|text| text.contains(GENERATED))
        })
        .collect();
    out.sort();
    out
}

/// Every generated file that is missing, unreadable, differs from a fresh render, or is left
/// over.
pub fn stale(root: &Path, envs: &[Environment]) -> Vec<Stale> {
    let mut out: Vec<Stale> = render::files(envs)
        .into_iter()
        .filter_map(|f| {
            compare(&root.join(&f.path), &f.content).map(|reason| Stale {
                path: f.path,
                reason,
            })
        })
        .collect();
    out.extend(package_stale(root));
    out.extend(leftovers(root, envs).into_iter().map(|path| Stale {
        path,
        reason: Reason::Leftover,
    }));
    out
}

/// Whether `root` holds the monitoring module, whose function the package is.
pub fn has_function_package(root: &Path) -> bool {
    root.join(infra::alerting::FUNCTION_PACKAGE)
        .parent()
        .is_some_and(Path::is_dir)
}

/// The alarm function's package when it is not the zip of the committed source (in a root
/// that holds the monitoring module).
fn package_stale(root: &Path) -> Option<Stale> {
    if !has_function_package(root) {
        return None;
    }
    let path = infra::alerting::FUNCTION_PACKAGE;
    let reason = match std::fs::read(root.join(path)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Reason::Missing,
        Err(e) => Reason::Unreadable(e.to_string()),
        Ok(bytes) if bytes == infra::alerting::function_package() => return None,
        Ok(_) => Reason::Differs,
    };
    Some(Stale {
        path: path.to_string(),
        reason,
    })
}
