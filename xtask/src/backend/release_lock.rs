//! The release lock of an environment: one `deploy` or `rollback` at a time writes its releases
//! (the release state parameter, the listener's weights, the instance groups), from before its
//! plan to its end. Terraform's state lock covers only a plan and an apply; a release runs
//! after it (a roll, a blue-green shift with its bakes and their undo), so without this lock a
//! rollback during another run's bake would be overwritten by that bake's undo.
//!
//! The lock is a JSON object beside the state in the environment's state bucket,
//! `<backend.key>.release.lock`, created with a conditional write (`If-None-Match: *`): it works
//! however the state is locked (lock table, `.tflock` object, or both). A [`Held`] deletes it
//! when the run ends, whichever way (success, error, Ctrl-C), and only while it is still this
//! run's (its id checked, the delete conditional on the object read).

use super::state_lock::Lock;
use crate::aws::{is_code, Aws};
use anyhow::{anyhow, Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use infra::Environment;
use serde::{Deserialize, Serialize};

/// The key of the release lock in the state bucket, beside the state.
pub fn key(env: &Environment) -> String {
    format!("{}.release.lock", env.backend.key)
}

/// The object's content.
#[derive(Serialize, Deserialize)]
struct Content {
    id: String,
    who: String,
    operation: String,
    created: String,
}

impl Content {
    fn of(lock: &Lock) -> Content {
        Content {
            id: lock.id.clone(),
            who: lock.who.clone(),
            operation: lock.operation.clone(),
            created: lock.created.clone(),
        }
    }

    fn lock(self) -> Lock {
        Lock {
            id: self.id,
            who: self.who,
            operation: self.operation,
            created: self.created,
        }
    }
}

/// Read back an object's content; `None` when it is not a release lock's.
fn parse(body: &[u8]) -> Option<Lock> {
    serde_json::from_slice::<Content>(body)
        .ok()
        .filter(|c| !c.id.is_empty())
        .map(Content::lock)
}

/// A lock for `operation` by this user on this machine, with a fresh random id.
fn fresh(operation: &str) -> Lock {
    Lock {
        id: random_id(),
        who: who(),
        operation: operation.to_string(),
        created: crate::git::utc_now(),
    }
}

/// `user@host`, as Terraform writes its lock's `Who`: the user of the process's user id (else
/// `USER`/`LOGNAME`), the machine's host name.
pub fn who() -> String {
    let user = account_name()
        .or_else(|| {
            ["USER", "LOGNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        })
        .unwrap_or_else(|| "unknown".into());
    let mut name = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer this function owns.
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    let host = match ok {
        true if end > 0 => String::from_utf8_lossy(&name[..end]).into_owned(),
        _ => "unknown".into(),
    };
    format!("{user}@{host}")
}

/// The login name of the process's effective user id, from the user database.
fn account_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: a zeroed `passwd` is a valid value (integers and null pointers); getpwuid_r fills
    // it with pointers into `buf`, both owned here and alive while the name is copied out;
    // `found` is null when there is no entry.
    unsafe {
        let mut entry: libc::passwd = std::mem::zeroed();
        let uid = libc::geteuid();
        let rc = libc::getpwuid_r(uid, &mut entry, buf.as_mut_ptr(), buf.len(), &mut found);
        if rc != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(entry.pw_name).to_string_lossy();
        (!name.is_empty()).then(|| name.into_owned())
    }
}

/// 16 random bytes written as a UUID (version 4): from the system's random source, else from the
/// clock and the process id (unique enough for a lock nobody else writes in the same nanosecond).
fn random_id() -> String {
    let mut b = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b));
    if read.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let mixed = nanos ^ (u128::from(std::process::id()) << 96);
        b = mixed.to_le_bytes();
    }
    uuid_text(b)
}

fn uuid_text(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The release lock of `env` as stored, with the object's ETag; `None` when none is held.
fn read(aws: &Aws, env: &Environment) -> Result<Option<(Lock, Option<String>)>> {
    let got = super::read_lock_object(aws, env, &key(env))?;
    Ok(got.map(|(body, etag)| {
        // An object there that is not a lock still blocks the conditional write: name it.
        let lock = parse(&body).unwrap_or_else(|| Lock {
            id: "unreadable".into(),
            who: "unknown".into(),
            operation: "unknown".into(),
            created: "unknown".into(),
        });
        (lock, etag)
    }))
}

/// The release lock held on `env`, if any.
pub fn held(aws: &Aws, env: &Environment) -> Result<Option<Lock>> {
    Ok(read(aws, env)?.map(|(lock, _)| lock))
}

/// The refusal of a run (`deploy`, `roll back`) while another holds the release lock, naming
/// Terraform's state lock too when it is held, each with the command that releases it.
pub fn refusal(what: &str, env: &str, lock: &Lock, state: Option<&Lock>) -> String {
    let mut text = format!(
        "refusing to {what} `{env}`: its release lock is {} (a deploy or rollback is releasing); if that run is over (killed, or its machine gone), release it with `{}`",
        lock.describe(),
        lock.unlock_command(env)
    );
    if let Some(state) = state {
        text.push_str(&format!(
            "; the Terraform state of `{env}` is locked too: {}; release that with `{}` once no Terraform runs for it",
            state.describe(),
            state.unlock_command(env)
        ));
    }
    text
}

/// The release lock, held by this run until it is [`Held::release`]d or dropped.
pub struct Held<'a> {
    aws: &'a Aws,
    env: &'a Environment,
    lock: Lock,
    released: bool,
}

/// Take `env`'s release lock for `operation` (`deploy`, `deploy --version 2.0`, `rollback`);
/// refused at once, naming the holder, while another run holds it. `what` is the refused
/// command in the refusal (`deploy`, `roll back`).
pub fn take<'a>(
    aws: &'a Aws,
    env: &'a Environment,
    operation: &str,
    what: &str,
) -> Result<Held<'a>> {
    let (bucket, key) = (&env.names.state_bucket, key(env));
    let lock = fresh(operation);
    let body = serde_json::to_vec_pretty(&Content::of(&lock))?;
    // A lock released between the refused write and the read is taken again; twice at most.
    for _ in 0..3 {
        let put = aws.block_on(
            aws.s3()
                .put_object()
                .bucket(bucket)
                .key(&key)
                .if_none_match("*")
                .content_type("application/json")
                .body(ByteStream::from(body.clone()))
                .send(),
        );
        match put {
            Ok(_) => {
                return Ok(Held {
                    aws,
                    env,
                    lock,
                    released: false,
                })
            }
            Err(e) if is_code(&e, &["PreconditionFailed", "ConditionalRequestConflict"]) => {
                if let Some(holder) = held(aws, env)? {
                    let state = super::state_lock::held(aws, env).unwrap_or(None);
                    return Err(anyhow!(refusal(what, &env.name, &holder, state.as_ref())));
                }
            }
            Err(e) if is_code(&e, &["NoSuchBucket"]) => {
                return Err(anyhow!(
                    "cannot take the release lock of `{}`: its state bucket `{bucket}` does not exist; run `cargo xtask setup-backend {}`",
                    env.name,
                    env.name
                ))
            }
            Err(e) => {
                return Err(aws.error(&format!("s3:PutObject `{bucket}/{key}`"), e))
                    .with_context(|| format!("cannot take the release lock of `{}`", env.name))
            }
        }
    }
    Err(anyhow!(
        "cannot take the release lock of `{}`: it was taken and released again three times while this run tried; run again",
        env.name
    ))
}

/// What [`release`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Released {
    /// The lock with that id was deleted.
    Yes,
    /// No release lock is held.
    NotHeld,
    /// Another lock is held (its id is not the one asked for): left as it is.
    Other(Lock),
}

/// Delete `env`'s release lock if its id is `id`: read, compared, and deleted only if the
/// object is still the one read (`If-Match` its ETag), so a lock taken since is never released.
pub fn release(aws: &Aws, env: &Environment, id: &str) -> Result<Released> {
    let Some((lock, etag)) = read(aws, env)? else {
        return Ok(Released::NotHeld);
    };
    if lock.id != id {
        return Ok(Released::Other(lock));
    }
    if super::delete_lock_object(aws, env, &key(env), etag)? {
        return Ok(Released::Yes);
    }
    // Changed (or deleted) since it was read: whatever is there now is not `id`'s.
    Ok(held(aws, env)?.map_or(Released::NotHeld, Released::Other))
}

impl Held<'_> {
    /// The lock this run holds.
    pub fn lock(&self) -> &Lock {
        &self.lock
    }

    /// Release the lock now, warning (with the command that releases it) when that fails.
    pub fn release(mut self) {
        self.release_once();
    }

    fn release_once(&mut self) {
        if std::mem::replace(&mut self.released, true) {
            return;
        }
        let name = &self.env.name;
        match release(self.aws, self.env, &self.lock.id) {
            Ok(Released::Yes | Released::NotHeld) => {}
            Ok(Released::Other(other)) => eprintln!(
                "warning: the release lock of `{name}` is no longer this run's (it is {}): left as it is",
                other.describe()
            ),
            Err(e) => eprintln!(
                "warning: the release lock of `{name}` (lock id {}) is still held: {e:#}; release it with `{}`",
                self.lock.id,
                self.lock.unlock_command(name)
            ),
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.release_once();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_reads_back_and_names_its_release() {
        let lock = Lock {
            id: "0c1d".into(),
            who: "ci@runner".into(),
            operation: "deploy --version 2.0".into(),
            created: "2026-11-29T10:00:00Z".into(),
        };
        let body = serde_json::to_vec(&Content::of(&lock)).unwrap();
        assert_eq!(parse(&body), Some(lock.clone()));
        assert_eq!(parse(b"not json"), None);
        assert_eq!(
            parse(br#"{"id":"","who":"w","operation":"o","created":"c"}"#),
            None
        );
        let text = refusal("deploy", "staging", &lock, None);
        assert!(
            text.starts_with("refusing to deploy `staging`: its release lock is held by ci@runner for deploy --version 2.0 since 2026-11-29T10:00:00Z ("),
            "{text}"
        );
        assert!(
            text.ends_with("release it with `cargo xtask unlock staging 0c1d`"),
            "{text}"
        );
        let state = Lock {
            id: "5f1d".into(),
            operation: "apply".into(),
            ..lock.clone()
        };
        let both = refusal("roll back", "production", &lock, Some(&state));
        assert!(
            both.starts_with("refusing to roll back `production`"),
            "{both}"
        );
        assert!(
            both.contains("; the Terraform state of `production` is locked too: held by ci@runner for apply since"),
            "{both}"
        );
        assert!(
            both.contains("release that with `cargo xtask unlock production 5f1d`"),
            "{both}"
        );
    }

    #[test]
    fn ids_are_random_uuids_and_the_holder_is_user_at_host() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{a}");
        assert_eq!(&a[14..15], "4", "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{a}");
        assert_eq!(
            uuid_text([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        let who = who();
        let (user, host) = who.split_once('@').unwrap();
        assert!(!user.is_empty() && !host.is_empty(), "{who}");
        let lock = fresh("rollback");
        assert_eq!(lock.operation, "rollback");
        assert!(crate::git::utc_seconds(&lock.created).is_some());
    }

    #[test]
    fn the_lock_sits_beside_the_state() {
        let env = infra::environments::staging().build().unwrap();
        assert_eq!(key(&env), format!("{}.release.lock", env.backend.key));
        assert_ne!(key(&env), super::super::state_lock::lockfile_key(&env));
    }
}
