//! `cargo xtask test`: the whole check, step by step, stopping at the first
//! failure. Add steps to the list in `steps`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{fuzz, repo_root, tidy};

/// What a step does, given the repository root.
type Action = Box<dyn Fn(&Path) -> Result<()>>;

/// One named step of the test run.
struct Step {
    name: String,
    run: Action,
}

/// A step that runs `cargo <args>` in the repository root.
fn cargo(args: &[&str]) -> Step {
    program("cargo", ".", args)
}

/// A step that runs the UI's `npm <args>` in `ui/`.
fn npm(args: &[&str]) -> Step {
    program("npm", "ui", args)
}

/// A step that runs `program <args>` in `dir` (relative to the root).
fn program(program: &'static str, dir: &'static str, args: &[&str]) -> Step {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Step {
        name: format!("{program} {} (in {dir})", args.join(" ")),
        run: Box::new(move |root| {
            let mut command = Command::new(program);
            command.args(&args).current_dir(root.join(dir));
            // A whole check builds once: incremental state would only take
            // disk (gigabytes) on a CI machine whose disk may be small.
            if std::env::var_os("CARGO_INCREMENTAL").is_none() {
                command.env("CARGO_INCREMENTAL", "0");
            }
            let status = command
                .status()
                .with_context(|| format!("starting {program}"))?;
            if !status.success() {
                bail!("exited with {status}");
            }
            Ok(())
        }),
    }
}

/// The steps, in order.
fn steps(root: &Path) -> Vec<Step> {
    let mut steps = vec![
        Step {
            name: "tidy".into(),
            run: Box::new(|_| tidy::run_and_report()),
        },
        cargo(&["fmt", "--all", "--", "--check"]),
        // The UI first: the desktop binary embeds ui/dist.
        npm(&["ci", "--no-audit", "--no-fund"]),
        npm(&["run", "typecheck"]),
        npm(&["test"]),
        npm(&["run", "build"]),
        // Every binary with the workspace's features, so end-to-end tests
        // find them up to date (doorstep_testkit::bins).
        cargo(&["build", "--workspace", "--bins"]),
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    ];
    // The generated TypeScript's drift check, with the code generation the
    // shipped app is built without.
    steps.push(cargo(&[
        "test",
        "-p",
        "doorstep-desktop",
        "--features",
        "codegen",
        "--test",
        "codegen",
    ]));
    // The independent FHIR R4 model the export tests validate with.
    steps.push(Step {
        name: "FHIR R4 validator (target/fhir-venv)".into(),
        run: Box::new(crate::fhir::venv),
    });
    if has_nextest(root) {
        steps.push(cargo(&["nextest", "run", "--workspace"]));
        steps.push(cargo(&["test", "--workspace", "--doc"]));
    } else {
        steps.push(cargo(&["test", "--workspace"]));
    }
    // The installable packages: built, their contents checked, the server
    // run from its .deb (a release build of the desktop and the server).
    steps.push(Step {
        name: "package: desktop .deb and .rpm, server .deb (checked)".into(),
        run: Box::new(crate::package::run),
    });
    steps.push(Step {
        name: "fuzz each target (sync decoder, answering machine) for 15 s".into(),
        run: Box::new(|root| fuzz::run(root, 15)),
    });
    steps
}

fn has_nextest(root: &Path) -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs every step in order; fails naming the first step that fails.
pub fn run() -> Result<()> {
    let root = repo_root();
    let all = Instant::now();
    let steps = steps(&root);
    for step in &steps {
        println!("==> test: {}", step.name);
        let started = Instant::now();
        let result = (step.run)(&root);
        let took = started.elapsed().as_secs_f64();
        if let Err(e) = result {
            println!("<== test: {} FAILED after {took:.1}s", step.name);
            return Err(e.context(format!("test step `{}` failed", step.name)));
        }
        println!("<== test: {} ok in {took:.1}s", step.name);
    }
    let took = all.elapsed().as_secs_f64();
    println!("test: all {} steps passed in {took:.1}s", steps.len());
    Ok(())
}
