//! Layering check: which packages may depend on which, read from the
//! resolve graph of `cargo metadata`. Only normal dependencies count; dev
//! and build dependencies are ignored. Every platform's dependencies count
//! (the product ships on Windows, CI runs on Linux).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use Allowed::{AnyExcept, Only};

/// Which workspace crates a workspace crate may depend on directly.
pub enum Allowed {
    /// Exactly these workspace crates.
    Only(&'static [&'static str]),
    /// Any workspace crate but these.
    AnyExcept(&'static [&'static str]),
}

/// Allowed direct (normal) dependencies between workspace crates. Every
/// workspace member must have a row; rows for packages that do not exist
/// yet are harmless.
const WORKSPACE_EDGES: &[(&str, Allowed)] = &[
    ("doorstep-desktop", Only(&["doorstep-core"])),
    ("doorstep-cli", Only(&["doorstep-core", "doorstep-domain"])),
    (
        "doorstep-core",
        Only(&[
            "doorstep-store",
            "doorstep-sync",
            "doorstep-document",
            "doorstep-domain",
            "doorstep-exports",
        ]),
    ),
    ("doorstep-exports", Only(&["doorstep-domain"])),
    (
        "doorstep-store",
        Only(&["doorstep-document", "doorstep-domain", "doorstep-sync"]),
    ),
    ("doorstep-sync", Only(&[])),
    ("doorstep-document", Only(&["doorstep-domain"])),
    (
        "doorstep-hub",
        Only(&["doorstep-sync", "doorstep-document", "doorstep-domain"]),
    ),
    (
        "doorstep-server",
        Only(&["doorstep-hub", "doorstep-sync", "doorstep-domain"]),
    ),
    ("doorstep-domain", Only(&[])),
    ("doorstep-testkit", AnyExcept(&["doorstep-desktop"])),
    ("xtask", Only(&[])),
];

/// `(crate, owner)`: no package may reach `crate` except through `owner`.
const EXCLUSIVE: &[(&str, &str)] = &[("tauri", "doorstep-desktop"), ("axum", "doorstep-server")];

/// Packages that must stay pure (no runtime, no SQL, no HTTP) ...
const PURE: &[&str] = &[
    "doorstep-domain",
    "doorstep-sync",
    "doorstep-document",
    "doorstep-exports",
];

/// ... so may not depend, even transitively, on any of these.
const IMPURE: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures-executor",
    "rusqlite",
    "libsqlite3-sys",
    "sqlx",
    "postgres",
    "tokio-postgres",
    "reqwest",
    "hyper",
    "axum",
    "tauri",
];

/// Package ids mapped to names and normal dependencies.
struct Graph {
    names: HashMap<String, String>,
    deps: HashMap<String, Vec<String>>,
    members: Vec<String>,
}

/// Runs `cargo metadata` in `root` and returns every layering violation as
/// `crate: reason`.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let graph = load(root)?;
    let member_names: HashSet<&str> = graph.members.iter().map(|id| graph.name(id)).collect();
    let mut out = Vec::new();
    for id in &graph.members {
        let name = graph.name(id);
        match WORKSPACE_EDGES.iter().find(|(n, _)| *n == name) {
            None => out.push(format!(
                "{name}: workspace crate missing from WORKSPACE_EDGES in xtask/src/layering.rs"
            )),
            Some((_, allowed)) => {
                for dep in &graph.deps[id] {
                    let dep = graph.name(dep);
                    let ok = match allowed {
                        Only(list) => list.contains(&dep),
                        AnyExcept(list) => !list.contains(&dep),
                    };
                    if member_names.contains(dep) && !ok {
                        out.push(format!("{name}: may not depend on workspace crate {dep}"));
                    }
                }
            }
        }
        for (krate, owner) in EXCLUSIVE {
            if name != *owner {
                if let Some(path) = graph.path(id, krate, Some(owner)) {
                    out.push(format!(
                        "{name}: only {owner} may depend on {krate} ({path})"
                    ));
                }
            }
        }
        if PURE.contains(&name) {
            for krate in IMPURE {
                if let Some(path) = graph.path(id, krate, None) {
                    out.push(format!("{name}: must not depend on {krate} ({path})"));
                }
            }
        }
    }
    Ok(out)
}

fn load(root: &Path) -> Result<Graph> {
    let output = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let meta: Value = serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;
    parse(&meta)
}

fn parse(meta: &Value) -> Result<Graph> {
    let str_of = |v: &Value| v.as_str().map(str::to_owned);
    let mut names = HashMap::new();
    for pkg in meta["packages"]
        .as_array()
        .context("metadata: no packages")?
    {
        let id = str_of(&pkg["id"]).context("metadata: package without id")?;
        let name = str_of(&pkg["name"]).context("metadata: package without name")?;
        names.insert(id, name);
    }
    let mut deps = HashMap::new();
    let nodes = meta["resolve"]["nodes"]
        .as_array()
        .context("metadata: no resolve graph")?;
    for node in nodes {
        let id = str_of(&node["id"]).context("metadata: node without id")?;
        let normal = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| is_normal(&d["dep_kinds"]))
            .filter_map(|d| str_of(&d["pkg"]))
            .collect();
        deps.insert(id, normal);
    }
    let members = meta["workspace_members"]
        .as_array()
        .context("metadata: no workspace_members")?
        .iter()
        .filter_map(str_of)
        .collect();
    Ok(Graph {
        names,
        deps,
        members,
    })
}

/// True if any of a dependency's kinds is a normal (non-dev, non-build) one.
/// Without `dep_kinds` (very old cargo) the edge counts as normal.
fn is_normal(kinds: &Value) -> bool {
    match kinds.as_array() {
        Some(kinds) => kinds.iter().any(|k| k["kind"].is_null()),
        None => true,
    }
}

impl Graph {
    fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    /// Shortest normal-dependency path from `from` to a package named
    /// `target`, not passing through a package named `skip`, rendered as
    /// `a -> b -> target`.
    fn path(&self, from: &str, target: &str, skip: Option<&str>) -> Option<String> {
        let mut parent: HashMap<&str, &str> = HashMap::new();
        let mut seen: HashSet<&str> = HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(id) = queue.pop_front() {
            for dep in self.deps.get(id).into_iter().flatten() {
                let dep = dep.as_str();
                let dep_name = self.name(dep);
                if Some(dep_name) == skip || !seen.insert(dep) {
                    continue;
                }
                parent.insert(dep, id);
                if dep_name == target {
                    let mut chain = vec![dep_name];
                    let mut at = dep;
                    while let Some(&up) = parent.get(at) {
                        chain.push(self.name(up));
                        at = up;
                    }
                    chain.reverse();
                    return Some(chain.join(" -> "));
                }
                queue.push_back(dep);
            }
        }
        None
    }
}
