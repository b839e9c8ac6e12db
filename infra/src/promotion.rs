//! The promotion order: each environment names the one it is promoted from
//! ([`crate::EnvironmentBuilder::promoted_from`]); deployments reach it only after they
//! succeeded there. Tasks (the deploy gate, the demo) read the order from here, never from the
//! position of an environment in `environments::all()`.

use crate::model::Environment;
use crate::rules::{self, Violation};

/// Violations of the declared order: a predecessor that is not defined, an environment promoted
/// from itself, or a cycle.
pub fn check<T, C>(envs: &[Environment<T, C>]) -> Vec<Violation> {
    let mut out = Vec::new();
    for env in envs {
        let Some(previous) = &env.promoted_from else {
            continue;
        };
        let problem = if previous == &env.name {
            Some("an environment cannot be promoted from itself".to_string())
        } else if !envs.iter().any(|e| &e.name == previous) {
            Some(format!(
                "no environment is named `{previous}` (defined: {})",
                names(envs)
            ))
        } else {
            chain(envs, env).err().map(|cycle| {
                format!(
                    "the promotion order has a cycle (each promoted from the next): {}",
                    cycle.join(" \u{2192} ")
                )
            })
        };
        if let Some(problem) = problem {
            out.push(Violation {
                env: env.name.clone(),
                path: "promoted_from".into(),
                rule: rules::PROMOTION,
                value: previous.clone(),
                problem,
                fix: "name a defined environment that comes earlier in the order, or none for the first".into(),
            });
        }
    }
    out
}

fn names<T, C>(envs: &[Environment<T, C>]) -> String {
    envs.iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The environment `env` is promoted from, if it declares one that exists.
pub fn previous<'a, T, C>(
    envs: &'a [Environment<T, C>],
    env: &Environment<T, C>,
) -> Option<&'a Environment<T, C>> {
    let name = env.promoted_from.as_deref()?;
    envs.iter().find(|e| e.name == name)
}

/// `env` and its predecessors, first environment first; `Err` with the names around a cycle.
fn chain<'a, T, C>(
    envs: &'a [Environment<T, C>],
    env: &'a Environment<T, C>,
) -> Result<Vec<&'a str>, Vec<String>> {
    let mut seen: Vec<&str> = vec![env.name.as_str()];
    let mut at = env;
    while let Some(prev) = previous(envs, at) {
        if seen.contains(&prev.name.as_str()) {
            let mut cycle: Vec<String> = seen.iter().map(|s| s.to_string()).collect();
            cycle.push(prev.name.clone());
            return Err(cycle);
        }
        seen.push(&prev.name);
        at = prev;
    }
    seen.reverse();
    Ok(seen)
}

/// Every environment in promotion order: an environment comes after the one it is promoted
/// from; environments of independent chains keep their definition order. Environments caught in
/// a cycle (which [`check`] reports) come last, in definition order.
pub fn order<T, C>(envs: &[Environment<T, C>]) -> Vec<&Environment<T, C>> {
    let depth = |e: &Environment<T, C>| chain(envs, e).map(|c| c.len()).unwrap_or(usize::MAX);
    let mut out: Vec<&Environment<T, C>> = envs.iter().collect();
    out.sort_by_key(|e| depth(e));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::staging;

    fn env(name: &str, from: Option<&str>) -> Environment {
        let mut e = staging().named(name).build().unwrap();
        e.promoted_from = from.map(str::to_string);
        e
    }

    fn ids(v: &[Violation]) -> Vec<(String, String)> {
        v.iter()
            .map(|v| (v.env.clone(), v.problem.clone()))
            .collect()
    }

    #[test]
    fn the_shipped_order_is_staging_then_production() {
        let report = crate::validate(crate::environments::all());
        let order: Vec<&str> = order(&report.environments)
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(order, ["staging", "production"]);
        assert!(check(&report.environments).is_empty());
    }

    #[test]
    fn order_follows_declarations_not_definition_order() {
        let envs = vec![
            env("production", Some("qa")),
            env("qa", Some("staging")),
            env("staging", None),
        ];
        let names: Vec<&str> = order(&envs).iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["staging", "qa", "production"]);
        assert_eq!(
            previous(&envs, &envs[0]).map(|e| e.name.as_str()),
            Some("qa")
        );
        assert!(check(&envs).is_empty());
    }

    #[test]
    fn unknown_self_and_cyclic_predecessors_are_violations() {
        let unknown = check(&[env("staging", None), env("production", Some("stagign"))]);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].rule, rules::PROMOTION);
        assert!(unknown[0]
            .problem
            .contains("no environment is named `stagign`"));

        let itself = check(&[env("staging", Some("staging"))]);
        assert!(
            itself[0].problem.contains("promoted from itself"),
            "{itself:?}"
        );

        let cyclic = check(&[env("a", Some("b")), env("b", Some("a")), env("c", None)]);
        assert_eq!(
            ids(&cyclic),
            [
                ("a".into(), "the promotion order has a cycle (each promoted from the next): a \u{2192} b \u{2192} a".into()),
                ("b".into(), "the promotion order has a cycle (each promoted from the next): b \u{2192} a \u{2192} b".into()),
            ]
        );
    }
}
