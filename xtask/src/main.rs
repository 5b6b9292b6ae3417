//! `cargo xtask`: the project's task runner (tidy, test, demo, bench, fuzz,
//! fhir-venv, package).
//!
//! Arguments are parsed by hand to keep this crate light. Each subcommand
//! lives in its own module; `main` only dispatches.

mod bench;
mod codegen;
mod demo;
mod evidence;
mod fhir;
mod fuzz;
mod layering;
mod package;
mod test;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  tidy    layering rules, `//!` file headers, no todo!/unimplemented!
  test    tidy, fmt, clippy, tests, crash cycles (stops at first failure)
  demo    start a local server with a demo trust and open the desktop app
  demo-cli  set up a demo device and tour the command line
  bench   run the benchmarks
  fuzz    build the libFuzzer targets and run each for 20 s
  codegen rewrite the UI's IPC types (ui/src/generated) from the Rust
  fhir-venv  install the independent FHIR R4 model the tests validate with
  package the desktop app (.deb, .rpm) and the server (.deb with a systemd unit), checked";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        return usage_error();
    };
    if cmd != "fuzz" && args.len() != 1 {
        return usage_error();
    }
    let result = match cmd.as_str() {
        "fuzz" => {
            let seconds = match args.get(1).map(|s| s.parse::<u64>()) {
                None => 20,
                Some(Ok(s)) => s,
                Some(Err(_)) => return usage_error(),
            };
            fuzz::run(&repo_root(), seconds)
        }
        "tidy" => tidy::run_and_report(),
        "test" => test::run(),
        "codegen" => codegen::run(&repo_root()),
        "fhir-venv" => fhir::venv(&repo_root()),
        "demo" => demo::desktop(),
        "demo-cli" => demo::demo(),
        "bench" => bench::bench(),
        "package" => package::run(&repo_root()),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => return usage_error(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

/// The workspace root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
