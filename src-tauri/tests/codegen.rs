//! The generated TypeScript in `ui/src/generated/` matches the Rust types
//! and commands (set `DOORSTEP_UPDATE_IPC=1`, or run `cargo xtask codegen`,
//! to rewrite it). Built only with the `codegen` feature.

use std::path::PathBuf;

use doorstep_desktop::{codegen, commands};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn generated_typescript_is_current() {
    let files = codegen::generate(&commands::signatures(), commands::visit_types)
        .expect("every IPC type exports");
    let dir = crate_dir().join("../ui/src/generated");
    if std::env::var_os("DOORSTEP_UPDATE_IPC").is_some() {
        codegen::write(&dir, &files).expect("write ui/src/generated");
        return;
    }
    let drift = codegen::drift(&dir, &files);
    assert!(
        drift.is_empty(),
        "ui/src/generated is out of date ({}): run `cargo xtask codegen`",
        drift.join("; ")
    );
}

#[test]
fn every_command_has_one_generated_function() {
    let files = codegen::generate(&commands::signatures(), commands::visit_types).unwrap();
    let ts = &files["commands.ts"];
    for name in commands::NAMES {
        assert!(
            ts.contains(&format!("invoke(\"{name}\"")),
            "{name} has no function"
        );
    }
    assert!(files.contains_key("IpcError.ts"));
    assert!(files.contains_key("WorkItem.ts"));
}
