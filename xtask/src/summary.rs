//! What a saved plan does, read from `terraform show -json <plan>`: every resource change with
//! its action, the import id of an adopted resource, and for updates and replacements each
//! changed attribute, old → new, masked as Terraform masks it (`(sensitive value)`,
//! `(known after apply)`). Printed as text, as JSON (`schema` 1, see README) or as a
//! pull-request comment in Markdown.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// What a plan does to one resource, from the `actions` of its change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanAction {
    Create,
    Update,
    Delete,
    /// Delete then create, or create then delete.
    Replace,
    /// Brought into the state as it is (an `import` block), nothing else changes.
    Import,
    Read,
    NoOp,
}

impl PlanAction {
    /// A resource change's `actions` array, and whether it imports; an error for actions this
    /// tool does not know.
    pub fn parse(actions: &[&str], importing: bool) -> Result<PlanAction> {
        Ok(match actions {
            ["create"] => PlanAction::Create,
            ["update"] => PlanAction::Update,
            ["delete"] => PlanAction::Delete,
            ["delete", "create"] | ["create", "delete"] => PlanAction::Replace,
            ["read"] => PlanAction::Read,
            ["no-op"] if importing => PlanAction::Import,
            ["no-op"] => PlanAction::NoOp,
            other => bail!("unknown Terraform plan actions {other:?}"),
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanAction::Create => "create",
            PlanAction::Update => "update",
            PlanAction::Delete => "delete",
            PlanAction::Replace => "replace",
            PlanAction::Import => "import",
            PlanAction::Read => "read",
            PlanAction::NoOp => "no-op",
        }
    }

    /// Terraform's sign for the action in its own plan output.
    fn sign(self) -> &'static str {
        match self {
            PlanAction::Create => "+",
            PlanAction::Update => "~",
            PlanAction::Delete => "-",
            PlanAction::Replace => "-/+",
            PlanAction::Import => "<=",
            PlanAction::Read | PlanAction::NoOp => " ",
        }
    }

    /// Whether the resource is destroyed (deleted or replaced).
    pub fn is_destructive(self) -> bool {
        matches!(self, PlanAction::Delete | PlanAction::Replace)
    }
}

/// The label, padded as the format asks (`{action:<8}`).
impl std::fmt::Display for PlanAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.label())
    }
}

/// One side of a changed attribute: its value, or why it is not shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    Value(Value),
    Sensitive,
    Unknown,
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Value(v) => write!(f, "{v}"),
            Shown::Sensitive => f.write_str("(sensitive value)"),
            Shown::Unknown => f.write_str("(known after apply)"),
        }
    }
}

/// One attribute that changes: its path (`tags.Name`, `ingress[0].cidr_blocks[1]`), old → new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub path: String,
    pub before: Shown,
    pub after: Shown,
    /// Changing it is what makes Terraform replace the resource.
    pub forces_replacement: bool,
}

/// One resource the plan changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub address: String,
    pub action: PlanAction,
    /// The id an `import` block brings in, when the resource is adopted by this plan.
    pub import_id: Option<String>,
    /// For updates and replacements: every changed attribute.
    pub attributes: Vec<Attribute>,
}

/// What a saved plan would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanSummary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub import: usize,
    /// Every resource that changes or is imported, in the plan's order (reads and no-ops left
    /// out).
    pub changes: Vec<Change>,
    /// Addresses the plan leaves as they are and does not import: already in the state.
    pub unchanged: Vec<String>,
    /// The release state the plan was made with (its `release` variable), JSON.
    pub release: Option<String>,
}

impl PlanSummary {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The resources deleted or replaced.
    pub fn destructive(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action.is_destructive())
    }

    /// Parse `terraform show -json <plan>`; an error for an action this tool does not know.
    pub fn from_json(plan: &Value) -> Result<PlanSummary> {
        let mut s = PlanSummary {
            release: plan["variables"]["release"]["value"]
                .as_str()
                .map(str::to_string),
            ..PlanSummary::default()
        };
        for rc in plan["resource_changes"].as_array().into_iter().flatten() {
            let address = rc["address"].as_str().unwrap_or_default().to_string();
            let change = &rc["change"];
            let actions: Vec<&str> = change["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .collect();
            let import_id = change["importing"]
                .is_object()
                .then(|| change["importing"]["id"].as_str().unwrap_or("").to_string());
            let action = PlanAction::parse(&actions, import_id.is_some())
                .with_context(|| format!("in the plan of `{address}`"))?;
            let attributes = match action {
                PlanAction::Update | PlanAction::Replace => attributes(change),
                _ => Vec::new(),
            };
            s.count(Change {
                address,
                action,
                import_id,
                attributes,
            });
        }
        Ok(s)
    }

    fn count(&mut self, change: Change) {
        match change.action {
            PlanAction::Create => self.add += 1,
            PlanAction::Update => self.change += 1,
            PlanAction::Delete => self.destroy += 1,
            PlanAction::Replace => {
                self.add += 1;
                self.destroy += 1;
            }
            PlanAction::Import => {}
            PlanAction::Read => return,
            PlanAction::NoOp => return self.unchanged.push(change.address),
        }
        if change.import_id.is_some() {
            self.import += 1;
        }
        self.changes.push(change);
    }

    /// `3 to import, 2 to add, 1 to change, 0 to destroy` (imports only when there are some).
    pub fn counts(&self) -> String {
        let import = if self.import > 0 {
            format!("{} to import, ", self.import)
        } else {
            String::new()
        };
        format!(
            "{import}{} to add, {} to change, {} to destroy",
            self.add, self.change, self.destroy
        )
    }

    /// The summary as text: the counts, then every change with its changed attributes.
    pub fn text(&self, env: &str) -> String {
        if self.is_empty() {
            return format!("plan `{env}`: no changes\n");
        }
        let mut out = format!("plan `{env}`: {}\n", self.counts());
        for c in &self.changes {
            out.push_str(&format!(
                "  {:<3} {:<8} {}{}\n",
                c.action.sign(),
                c.action,
                c.address,
                import_note(c)
            ));
            for a in &c.attributes {
                let forces = if a.forces_replacement {
                    " (forces replacement)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "        {}: {} → {}{forces}\n",
                    a.path, a.before, a.after
                ));
            }
        }
        out
    }

    /// The changes as JSON, the `changes` and `counts` of the `--format json` document.
    pub fn json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                json!({
                    "address": c.address,
                    "action": c.action.label(),
                    "import_id": c.import_id,
                    "attributes": c.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "counts": {"add": self.add, "change": self.change, "destroy": self.destroy, "import": self.import},
            "changes": changes,
        })
    }

    /// A pull-request comment: a heading with the counts, a table of changes, and the changed
    /// attributes of each update or replacement in a collapsed section.
    pub fn markdown(&self, env: &str, commit: &str) -> String {
        let short = &commit[..12.min(commit.len())];
        let mut out = format!("### Plan `{env}` at `{short}`\n\n");
        if self.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        out.push_str(&format!(
            "**{}**\n\n| action | resource |\n|---|---|\n",
            self.counts()
        ));
        for c in &self.changes {
            out.push_str(&format!(
                "| {} | `{}`{} |\n",
                c.action,
                c.address,
                import_note(c).replace('`', "")
            ));
        }
        let detailed: Vec<&Change> = self
            .changes
            .iter()
            .filter(|c| !c.attributes.is_empty())
            .collect();
        if !detailed.is_empty() {
            out.push_str("\n<details><summary>Changed attributes</summary>\n\n```text\n");
            for c in detailed {
                out.push_str(&format!("{} {}\n", c.action, c.address));
                for a in &c.attributes {
                    out.push_str(&format!("  {}: {} → {}\n", a.path, a.before, a.after));
                }
            }
            out.push_str("```\n\n</details>\n");
        }
        out
    }
}

fn import_note(c: &Change) -> String {
    c.import_id
        .as_ref()
        .map(|id| format!(" (import id `{id}`)"))
        .unwrap_or_default()
}

fn attribute_json(a: &Attribute) -> Value {
    let value = |s: &Shown| match s {
        Shown::Value(v) => v.clone(),
        _ => Value::Null,
    };
    json!({
        "path": a.path,
        "before": value(&a.before),
        "after": value(&a.after),
        "before_sensitive": a.before == Shown::Sensitive,
        "after_sensitive": a.after == Shown::Sensitive,
        "after_unknown": a.after == Shown::Unknown,
        "forces_replacement": a.forces_replacement,
    })
}

/// One node of a change: values before and after, and the sensitivity and unknown markers
/// Terraform keeps in parallel structures (`true`, or an object/array of the same shape).
#[derive(Clone, Copy)]
struct Node<'a> {
    before: &'a Value,
    after: &'a Value,
    unknown: &'a Value,
    before_sensitive: &'a Value,
    after_sensitive: &'a Value,
}

const NULL: Value = Value::Null;

/// The child of a value or of a marker structure; a `true` marker covers every child.
fn child<'a>(v: &'a Value, key: &Key) -> &'a Value {
    match (v, key) {
        (Value::Bool(true), _) => v,
        (Value::Object(o), Key::Field(k)) => o.get(k).unwrap_or(&NULL),
        (Value::Array(a), Key::Index(i)) => a.get(*i).unwrap_or(&NULL),
        _ => &NULL,
    }
}

enum Key {
    Field(String),
    Index(usize),
}

impl Key {
    fn append(&self, path: &str) -> String {
        match self {
            Key::Field(k) if path.is_empty() => k.clone(),
            Key::Field(k) => format!("{path}.{k}"),
            Key::Index(i) => format!("{path}[{i}]"),
        }
    }
}

impl<'a> Node<'a> {
    fn child(&self, key: &Key) -> Node<'a> {
        Node {
            before: child(self.before, key),
            after: child(self.after, key),
            unknown: child(self.unknown, key),
            before_sensitive: child(self.before_sensitive, key),
            after_sensitive: child(self.after_sensitive, key),
        }
    }

    /// The keys below this node, when it is a structure on both sides (or absent on one).
    fn keys(&self) -> Option<Vec<Key>> {
        let leaf = |v: &Value| !v.is_object() && !v.is_array() && !v.is_null();
        if leaf(self.before) || leaf(self.after) || self.unknown == &Value::Bool(true) {
            return None;
        }
        if self.before_sensitive == &Value::Bool(true) || self.after_sensitive == &Value::Bool(true)
        {
            return None;
        }
        match (self.before, self.after) {
            (Value::Object(_) | Value::Null, Value::Object(_) | Value::Null) => {
                let mut keys: Vec<String> = [self.before, self.after]
                    .iter()
                    .filter_map(|v| v.as_object())
                    .flat_map(|o| o.keys().cloned())
                    .collect();
                keys.sort();
                keys.dedup();
                Some(keys.into_iter().map(Key::Field).collect())
            }
            (Value::Array(_) | Value::Null, Value::Array(_) | Value::Null) => {
                let len = [self.before, self.after]
                    .iter()
                    .filter_map(|v| v.as_array().map(Vec::len))
                    .max()
                    .unwrap_or(0);
                Some((0..len).map(Key::Index).collect())
            }
            _ => None,
        }
    }

    fn walk(&self, path: String, out: &mut Vec<(String, Shown, Shown)>) {
        if let Some(keys) = self.keys() {
            for key in keys {
                self.child(&key).walk(key.append(&path), out);
            }
            return;
        }
        let sensitive = |m: &Value| m == &Value::Bool(true);
        let unknown = self.unknown == &Value::Bool(true);
        if !unknown && self.before == self.after {
            return;
        }
        let before = if sensitive(self.before_sensitive) {
            Shown::Sensitive
        } else {
            Shown::Value(self.before.clone())
        };
        let after = if unknown {
            Shown::Unknown
        } else if sensitive(self.after_sensitive) {
            Shown::Sensitive
        } else {
            Shown::Value(self.after.clone())
        };
        out.push((path, before, after));
    }
}

/// A path of `replace_paths` (`["ingress", 0, "cidr"]`) as this module writes paths.
fn path_text(parts: &[Value]) -> String {
    parts.iter().fold(String::new(), |path, p| match p {
        Value::Number(n) => Key::Index(n.as_u64().unwrap_or(0) as usize).append(&path),
        other => Key::Field(other.as_str().unwrap_or_default().to_string()).append(&path),
    })
}

/// Every changed attribute of a resource change.
fn attributes(change: &Value) -> Vec<Attribute> {
    let node = Node {
        before: &change["before"],
        after: &change["after"],
        unknown: &change["after_unknown"],
        before_sensitive: &change["before_sensitive"],
        after_sensitive: &change["after_sensitive"],
    };
    let replace: Vec<String> = change["replace_paths"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_array().map(|parts| path_text(parts)))
        .collect();
    let mut leaves = Vec::new();
    node.walk(String::new(), &mut leaves);
    leaves
        .into_iter()
        .map(|(path, before, after)| Attribute {
            forces_replacement: replace.iter().any(|r| {
                path == *r
                    || path.starts_with(&format!("{r}."))
                    || path.starts_with(&format!("{r}["))
            }),
            path,
            before,
            after,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan as `terraform show -json` writes it: an update of a queue (a tag, a number, a
    /// sensitive policy, a value known after apply), a replaced instance, a create, a delete,
    /// an import, a read and a no-op.
    fn fixture() -> Value {
        json!({
          "format_version": "1.2",
          "resource_changes": [
            {"address": "module.sqs.aws_sqs_queue.this", "change": {
              "actions": ["update"],
              "before": {"name": "q", "visibility_timeout_seconds": 30, "policy": "old-secret",
                         "tags": {"Env": "staging", "Owner": "a"}, "arn": "arn:q"},
              "after": {"name": "q", "visibility_timeout_seconds": 60, "policy": "new-secret",
                        "tags": {"Env": "staging", "Owner": "b", "Team": "api"}},
              "after_unknown": {"arn": true, "tags": {}},
              "before_sensitive": {"policy": true, "tags": {}},
              "after_sensitive": {"policy": true, "tags": {}}
            }},
            {"address": "module.compute.aws_instance.a", "change": {
              "actions": ["delete", "create"],
              "before": {"instance_type": "t2.micro", "id": "i-1", "subnets": ["s1"]},
              "after": {"instance_type": "t3.medium", "subnets": ["s1", "s2"]},
              "after_unknown": {"id": true, "subnets": [false, false]},
              "before_sensitive": false, "after_sensitive": false,
              "replace_paths": [["instance_type"]]
            }},
            {"address": "module.s3.aws_s3_bucket.this[\"data\"]", "change": {"actions": ["create"], "before": null, "after": {"bucket": "b"}}},
            {"address": "module.sqs.aws_sqs_queue.old", "change": {"actions": ["delete"]}},
            {"address": "module.dns.aws_route53_record.this[\"api.example.com\"]", "change": {
              "actions": ["no-op"], "before": {"name": "api.example.com"}, "after": {"name": "api.example.com"},
              "importing": {"id": "Z1_api.example.com_A"}
            }},
            {"address": "data.aws_caller_identity.me", "change": {"actions": ["read"]}},
            {"address": "aws_kms_key.k", "change": {"actions": ["no-op"]}}
          ]
        })
    }

    #[test]
    fn a_plan_is_counted_by_action() {
        let s = PlanSummary::from_json(&fixture()).unwrap();
        assert_eq!((s.add, s.change, s.destroy, s.import), (2, 1, 2, 1));
        let actions: Vec<String> = s
            .changes
            .iter()
            .map(|c| format!("{} {}", c.action, c.address))
            .collect();
        assert_eq!(
            actions,
            [
                "update module.sqs.aws_sqs_queue.this",
                "replace module.compute.aws_instance.a",
                "create module.s3.aws_s3_bucket.this[\"data\"]",
                "delete module.sqs.aws_sqs_queue.old",
                "import module.dns.aws_route53_record.this[\"api.example.com\"]",
            ]
        );
        assert_eq!(s.destructive().count(), 2);
        assert_eq!(s.unchanged, ["aws_kms_key.k"]);
        assert_eq!(format!("[{:<8}]", PlanAction::Delete), "[delete  ]");
    }

    #[test]
    fn an_update_lists_each_changed_attribute_with_sensitive_and_unknown_values_masked() {
        let s = PlanSummary::from_json(&fixture()).unwrap();
        let text = s.text("staging");
        let expected = "\
plan `staging`: 1 to import, 2 to add, 1 to change, 2 to destroy
  ~   update   module.sqs.aws_sqs_queue.this
        arn: \"arn:q\" → (known after apply)
        policy: (sensitive value) → (sensitive value)
        tags.Owner: \"a\" → \"b\"
        tags.Team: null → \"api\"
        visibility_timeout_seconds: 30 → 60
  -/+ replace  module.compute.aws_instance.a
        id: \"i-1\" → (known after apply)
        instance_type: \"t2.micro\" → \"t3.medium\" (forces replacement)
        subnets[1]: null → \"s2\"
  +   create   module.s3.aws_s3_bucket.this[\"data\"]
  -   delete   module.sqs.aws_sqs_queue.old
  <=  import   module.dns.aws_route53_record.this[\"api.example.com\"] (import id `Z1_api.example.com_A`)
";
        assert_eq!(text, expected);
        assert!(!text.contains("secret"), "a sensitive value was shown");
        assert!(!text.contains("name:"), "an unchanged attribute was listed");
    }

    #[test]
    fn a_sensitive_attribute_and_a_sensitive_list_item_are_masked() {
        let change = json!({
            "actions": ["update"],
            "before": {"password": "hunter2", "keys": ["k1", "k2"]},
            "after": {"password": "hunter3", "keys": ["k1", "k9"]},
            "after_unknown": {},
            "before_sensitive": {"password": true, "keys": [false, true]},
            "after_sensitive": {"password": true, "keys": [false, true]}
        });
        let attrs = attributes(&change);
        let shown: Vec<String> = attrs
            .iter()
            .map(|a| format!("{}: {} → {}", a.path, a.before, a.after))
            .collect();
        assert_eq!(
            shown,
            [
                "keys[1]: (sensitive value) → (sensitive value)",
                "password: (sensitive value) → (sensitive value)",
            ]
        );
        let json = attribute_json(&attrs[1]);
        assert_eq!(json["after"], Value::Null);
        assert_eq!(json["after_sensitive"], true);
        let all: Vec<Value> = attrs.iter().map(attribute_json).collect();
        assert!(!format!("{all:?}").contains("hunter"), "{all:?}");
        assert!(!format!("{all:?}").contains("k9"), "{all:?}");
    }

    #[test]
    fn json_and_markdown_carry_every_change() {
        let s = PlanSummary::from_json(&fixture()).unwrap();
        let v = s.json();
        assert_eq!(
            v["counts"],
            json!({"add": 2, "change": 1, "destroy": 2, "import": 1})
        );
        assert_eq!(v["changes"].as_array().unwrap().len(), 5);
        assert_eq!(v["changes"][0]["attributes"][1]["path"], "policy");
        assert_eq!(v["changes"][0]["attributes"][1]["before"], Value::Null);
        assert_eq!(v["changes"][0]["attributes"][4]["after"], 60);
        assert_eq!(v["changes"][4]["import_id"], "Z1_api.example.com_A");
        assert!(!v.to_string().contains("secret"));
        let md = s.markdown("staging", "0123456789abcdef");
        assert!(
            md.starts_with("### Plan `staging` at `0123456789ab`\n\n**1 to import, 2 to add"),
            "{md}"
        );
        assert!(
            md.contains("| replace | `module.compute.aws_instance.a` |"),
            "{md}"
        );
        assert!(
            md.contains("  visibility_timeout_seconds: 30 → 60\n"),
            "{md}"
        );
        assert!(!md.contains("secret"));
        assert_eq!(
            PlanSummary::default().markdown("staging", "abc"),
            "### Plan `staging` at `abc`\n\nNo changes.\n"
        );
    }

    #[test]
    fn a_plan_without_changes_is_empty() {
        let s = PlanSummary::from_json(&json!({"resource_changes": [
            {"address": "aws_kms_key.k", "change": {"actions": ["no-op"]}}
        ]}))
        .unwrap();
        assert!(s.is_empty());
        assert_eq!(s.text("staging"), "plan `staging`: no changes\n");
        assert_eq!(
            PlanSummary::from_json(&json!({})).unwrap(),
            PlanSummary::default()
        );
    }

    #[test]
    fn an_unknown_action_is_an_error_naming_the_resource() {
        for actions in [&["forget"][..], &["update", "create"], &[]] {
            let plan = json!({"resource_changes": [
                {"address": "aws_s3_bucket.data", "change": {"actions": actions}}
            ]});
            let text = format!("{:#}", PlanSummary::from_json(&plan).unwrap_err());
            assert!(text.contains("`aws_s3_bucket.data`"), "{text}");
            assert!(text.contains("unknown Terraform plan actions"), "{text}");
        }
    }
}
