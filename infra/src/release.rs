//! The release state of an environment: which colour takes traffic, at what weights, and the
//! version (image tag) each colour runs. It lives in the SSM parameter
//! `names.release_parameter` as JSON; the Terraform root reads it there (so a switch made by the
//! tool is what the next plan expects), and `deploy` and `rollback` write it.
//!
//! Rolling environments have one colour, `app`. Blue-green ones have `blue` and `green`: the
//! idle colour takes the new version, traffic moves by weight, and the colour that lost it
//! stays up until `until` (the rollback window), then scales to zero.

use crate::Environment;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON layout; a parameter of another schema is refused, never guessed at.
pub const SCHEMA: u32 = 1;

/// A colour's instances stay up while this is in the future; a colour without an end stays up
/// (Terraform compares it with `timecmp`, so it is a valid RFC 3339 time).
pub const NO_END: &str = "9999-12-31T23:59:59Z";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColourState {
    /// The image tag its launch template runs.
    pub version: String,
    /// Percentage of the listener's traffic (the weights of all colours add up to 100).
    pub weight: u32,
    /// Whether it has instances: the live colour, a colour being released, or the previous
    /// colour during the rollback window.
    pub up: bool,
    /// When an up colour scales to zero (the end of the rollback window), else [`NO_END`].
    pub until: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseState {
    pub schema: u32,
    /// The colour that last took all traffic.
    pub live: String,
    pub colours: BTreeMap<String, ColourState>,
}

impl ReleaseState {
    /// A new environment: the first colour live with the initial version, any other down.
    pub fn initial<T, C>(env: &Environment<T, C>) -> ReleaseState {
        let d = &env.deployment;
        let colours = env.names.colours.iter().enumerate().map(|(i, c)| {
            let state = ColourState {
                version: d.initial_version.clone(),
                weight: if i == 0 { 100 } else { 0 },
                up: i == 0,
                until: NO_END.into(),
            };
            (c.clone(), state)
        });
        ReleaseState {
            schema: SCHEMA,
            live: env.names.colours[0].clone(),
            colours: colours.collect(),
        }
    }

    /// The state read from the parameter, checked against the environment's colours.
    pub fn parse<T, C>(env: &Environment<T, C>, text: &str) -> Result<ReleaseState, String> {
        let state: ReleaseState = serde_json::from_str(text)
            .map_err(|e| format!("the release state is not valid JSON of this tool: {e}"))?;
        if state.schema != SCHEMA {
            return Err(format!(
                "the release state has schema {}, this tool reads schema {SCHEMA}",
                state.schema
            ));
        }
        let found: Vec<&String> = state.colours.keys().collect();
        let mut expected: Vec<&String> = env.names.colours.iter().collect();
        expected.sort();
        if found != expected {
            return Err(format!(
                "the release state has the colours {found:?}, `{}` has {expected:?}; was `deployment.blue_green` changed without a deploy?",
                env.name
            ));
        }
        if let Some((colour, c)) = state.colours.iter().find(|(_, c)| !is_utc(&c.until)) {
            return Err(format!(
                "the release state's `{colour}.until` (`{}`) is not a UTC time like `2026-11-29T12:05:00Z`",
                c.until
            ));
        }
        if state.colours.get(&state.live).is_some_and(|c| !c.up) {
            return Err(format!(
                "the release state is inconsistent: the live colour `{}` has no instances (`up` is false)",
                state.live
            ));
        }
        let total: u32 = state.colours.values().map(|c| c.weight).sum();
        if total != 100 || !state.colours.contains_key(&state.live) {
            return Err(format!(
                "the release state is inconsistent: weights add up to {total} (not 100) or the live colour `{}` is unknown",
                state.live
            ));
        }
        Ok(state)
    }

    /// A state written for other colours (`deployment.blue_green` changed since), carried over:
    /// the environment's initial state with the version that was live on every colour. `None`
    /// when `text` is not a state of this schema at all, or already has the right colours.
    pub fn carried_over<T, C>(env: &Environment<T, C>, text: &str) -> Option<ReleaseState> {
        let old: ReleaseState = serde_json::from_str(text).ok()?;
        let same = old.colours.keys().eq(env
            .names
            .colours
            .iter()
            .collect::<std::collections::BTreeSet<_>>());
        if old.schema != SCHEMA || same || !old.colours.contains_key(&old.live) {
            return None;
        }
        let mut state = ReleaseState::initial(env);
        for c in state.colours.values_mut() {
            c.version = old.live_version().to_string();
        }
        Some(state)
    }

    /// Compact JSON, keys in a fixed order: what the parameter holds.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a release state always serialises")
    }

    pub fn colour(&self, name: &str) -> &ColourState {
        &self.colours[name]
    }

    /// The version taking traffic now.
    pub fn live_version(&self) -> &str {
        &self.colour(&self.live).version
    }

    /// Blue-green: the colour that is not live; `None` for a rolling environment.
    pub fn idle(&self) -> Option<&str> {
        self.colours
            .keys()
            .find(|c| **c != self.live)
            .map(String::as_str)
    }

    /// Blue-green: the idle colour when it is being released (up, no traffic, no window end);
    /// `None` when there is none (a rolling environment, an idle colour down or in its
    /// rollback window).
    pub fn releasing(&self) -> Option<&str> {
        self.idle().filter(|c| {
            let c = self.colour(c);
            c.up && c.until == NO_END
        })
    }

    /// `version` on the colour that takes it: the only one of a rolling environment, the idle
    /// one of a blue-green environment (up, no traffic yet, no end).
    pub fn staged(&self, version: &str) -> ReleaseState {
        let mut next = self.clone();
        let target = self.idle().unwrap_or(&self.live).to_string();
        let colour = next.colours.get_mut(&target).expect("a known colour");
        colour.version = version.to_string();
        colour.up = true;
        colour.until = NO_END.into();
        next
    }

    /// `percent` of the traffic on `colour`, the rest on the other one.
    pub fn weighted(&self, colour: &str, percent: u32) -> ReleaseState {
        let mut next = self.clone();
        for (name, c) in next.colours.iter_mut() {
            c.weight = if name == colour {
                percent
            } else {
                100 - percent
            };
        }
        next
    }

    /// All traffic on `colour`, which becomes live; the colour that had it stays up until
    /// `until` (the end of the rollback window).
    pub fn switched(&self, colour: &str, until: &str) -> ReleaseState {
        let mut next = self.weighted(colour, 100);
        let previous = self.live.clone();
        next.live = colour.to_string();
        let colour_state = next.colours.get_mut(colour).expect("a known colour");
        colour_state.up = true;
        colour_state.until = NO_END.into();
        if previous != colour {
            next.colours
                .get_mut(&previous)
                .expect("a known colour")
                .until = until.to_string();
        }
        next
    }
}

/// Whether `text` is a UTC time written `2026-11-29T12:05:00Z`, as Terraform's `timecmp`
/// and the scheduled actions take it.
fn is_utc(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    b.len() == 20
        && digits.iter().all(|&i| b[i].is_ascii_digit())
        && [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ]
        .iter()
        .all(|&(i, c)| b[i] == c)
}

/// Whether `tag` is a valid image tag (Docker: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
pub fn check_version(tag: &str) -> Result<(), String> {
    let ok = tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not an image tag: 1-128 characters of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ))
    }
}

/// Whether `repository` is an image repository without a tag: lowercase path components of
/// `a-z0-9` joined by `.`, `_`, `__` or `-`, separated by `/`, after an optional registry host
/// (with a port).
pub fn check_image(repository: &str) -> Result<(), String> {
    let mut parts: Vec<&str> = repository.split('/').collect();
    let host = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    if host {
        parts.remove(0);
    }
    let component = |p: &str| {
        !p.is_empty()
            && p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
    };
    if repository.len() <= 255 && parts.iter().all(|p| component(p)) {
        Ok(())
    } else {
        Err(format!(
            "`{repository}` is not an image repository: lowercase letters, digits and `._-` in `/`-separated parts, no tag (the tag is the version)"
        ))
    }
}

/// The canary steps `10,50,100`: percentages rising strictly, each 1-100, the last 100.
pub fn parse_canary(text: &str) -> Result<Vec<u32>, String> {
    let steps = text
        .split(',')
        .map(|s| s.trim().parse::<u32>())
        .collect::<Result<Vec<u32>, _>>()
        .map_err(|_| format!("`{text}` is not a list of percentages like `10,50,100`"))?;
    check_canary(&steps).map(|()| steps)
}

/// Steps rise strictly, each 1-100, and end at 100.
pub fn check_canary(steps: &[u32]) -> Result<(), String> {
    let rising = steps.windows(2).all(|w| w[0] < w[1]);
    let in_range = steps.iter().all(|s| (1..=100).contains(s));
    if rising && in_range && steps.last() == Some(&100) {
        Ok(())
    } else {
        Err(format!(
            "canary steps {steps:?} must rise strictly, each 1-100, and end at 100 (e.g. `10,50,100`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};

    #[test]
    fn initial_states_follow_the_strategy() {
        let p = production().build().unwrap();
        let s = ReleaseState::initial(&p);
        assert_eq!(s.live, "blue");
        assert_eq!(s.idle(), Some("green"));
        assert_eq!(
            (s.colour("blue").weight, s.colour("green").weight),
            (100, 0)
        );
        assert!(!s.colour("green").up);
        assert_eq!(ReleaseState::parse(&p, &s.to_json()).unwrap(), s);
        let st = staging().build().unwrap();
        let r = ReleaseState::initial(&st);
        assert_eq!((r.live.as_str(), r.idle()), ("app", None));
        // A rolling state is not a blue-green environment's, and the error says why.
        let err = ReleaseState::parse(&p, &r.to_json()).unwrap_err();
        assert!(err.contains("deployment.blue_green"), "{err}");
    }

    #[test]
    fn a_release_stages_shifts_and_switches() {
        let p = production().build().unwrap();
        assert_eq!(ReleaseState::initial(&p).releasing(), None);
        let s = ReleaseState::initial(&p).staged("2.0");
        assert_eq!(s.releasing(), Some("green"));
        assert_eq!(s.colour("green").version, "2.0");
        assert!(s.colour("green").up);
        assert_eq!(s.live_version(), "0.2.3");
        let half = s.weighted("green", 10);
        assert_eq!(
            (half.colour("blue").weight, half.colour("green").weight),
            (90, 10)
        );
        let done = half.switched("green", "2026-11-29T12:05:00Z");
        assert_eq!((done.live.as_str(), done.live_version()), ("green", "2.0"));
        assert_eq!(done.colour("blue").until, "2026-11-29T12:05:00Z");
        assert!(done.colour("blue").up);
        assert_eq!(done.colour("green").until, NO_END);
        // The previous colour in its window is not being released.
        assert_eq!(done.releasing(), None);
        // The rolling colour takes the version itself.
        let st = staging().build().unwrap();
        assert_eq!(
            ReleaseState::initial(&st).staged("2.0").live_version(),
            "2.0"
        );
    }

    #[test]
    fn a_state_of_other_colours_is_carried_over_with_its_live_version() {
        let st = staging().build().unwrap();
        let rolled = ReleaseState::initial(&st).staged("2.0").to_json();
        let rehearsal = staging()
            .deployment(|d| d.blue_green = true)
            .build()
            .unwrap();
        assert!(ReleaseState::parse(&rehearsal, &rolled).is_err());
        let carried = ReleaseState::carried_over(&rehearsal, &rolled).unwrap();
        assert_eq!(
            (carried.live.as_str(), carried.live_version()),
            ("blue", "2.0")
        );
        assert_eq!(carried.colour("green").version, "2.0");
        assert!(!carried.colour("green").up);
        // The right colours already, or not a state at all: nothing to carry over.
        assert!(ReleaseState::carried_over(&st, &rolled).is_none());
        assert!(ReleaseState::carried_over(&st, "{}").is_none());
    }

    #[test]
    fn bad_states_are_named() {
        let p = production().build().unwrap();
        let mut s = ReleaseState::initial(&p);
        s.colours.get_mut("green").unwrap().weight = 10;
        let err = ReleaseState::parse(&p, &s.to_json()).unwrap_err();
        assert!(err.contains("add up to 110"), "{err}");
        let err = ReleaseState::parse(&p, "{\"schema\": 2}").unwrap_err();
        assert!(
            err.contains("not valid JSON") || err.contains("schema"),
            "{err}"
        );
        let mut late = ReleaseState::initial(&p);
        late.colours.get_mut("green").unwrap().until = "tomorrow".into();
        let err = ReleaseState::parse(&p, &late.to_json()).unwrap_err();
        assert!(
            err.contains("`green.until` (`tomorrow`) is not a UTC time"),
            "{err}"
        );
        let mut down = ReleaseState::initial(&p);
        down.colours.get_mut("blue").unwrap().up = false;
        let err = ReleaseState::parse(&p, &down.to_json()).unwrap_err();
        assert!(
            err.contains("the live colour `blue` has no instances"),
            "{err}"
        );
        let newer = ReleaseState::initial(&p)
            .to_json()
            .replace("\"schema\":1", "\"schema\":2");
        let err = ReleaseState::parse(&p, &newer).unwrap_err();
        assert!(err.contains("schema 2"), "{err}");
    }

    #[test]
    fn versions_images_and_canaries_are_checked() {
        assert!(check_version("1.0").is_ok());
        assert!(check_version("v2_rc-1").is_ok());
        for bad in ["", "-1", ".x", "a:b", "a/b", &"x".repeat(129)] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
        for good in [
            "hashicorp/http-echo",
            "123456789012.dkr.ecr.us-west-2.amazonaws.com/mht-api",
            "localhost:5000/api",
        ] {
            assert!(check_image(good).is_ok(), "{good}");
        }
        for bad in ["Hashicorp/echo", "api:1.0", "a//b", "-a", ""] {
            assert!(check_image(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_canary("10, 50,100").unwrap(), vec![10, 50, 100]);
        assert_eq!(parse_canary("100").unwrap(), vec![100]);
        for bad in ["50,10,100", "10,50", "0,100", "10,x", "10,100,100", "101"] {
            assert!(parse_canary(bad).is_err(), "{bad}");
        }
    }
}
