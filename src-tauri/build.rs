//! Declares every app command to Tauri's access control, so a command is
//! callable only where a capability file allows it. The names are read
//! from `src/commands.rs`, where each command is declared once.

fn main() {
    println!("cargo:rerun-if-changed=src/commands.rs");
    let source = std::fs::read_to_string("src/commands.rs").expect("src/commands.rs is readable");
    let names: &'static [&'static str] = Vec::leak(
        command_names(&source)
            .into_iter()
            .map(|n| &*String::leak(n))
            .collect(),
    );
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build step");
}

/// The names in `commands! { … device name(…) … session name(…) …
/// desktop name(…) … export name(…) … window name(…) … }`.
fn command_names(source: &str) -> Vec<String> {
    let body = source
        .split("\ncommands! {\n")
        .nth(1)
        .expect("commands.rs has a `commands! {` block");
    body.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("device ")
                .or_else(|| l.strip_prefix("session "))
                .or_else(|| l.strip_prefix("desktop "))
                .or_else(|| l.strip_prefix("export "))
                .or_else(|| l.strip_prefix("window "))?;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest[name.len()..].starts_with('(').then_some(name)
        })
        .collect()
}
