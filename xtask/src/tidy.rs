//! `cargo xtask tidy`: layering rules, `//!` file headers, no
//! `todo!(`/`unimplemented!(` in non-test code, and every test the hazard
//! log names as evidence exists ([`crate::evidence`]).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{evidence, layering, repo_root};

/// Directories whose `.rs` files must start with a `//!` header.
const HEADER_DIRS: &[&str] = &["crates", "xtask", "src-tauri"];
/// Directory names never searched.
const SKIP_DIRS: &[&str] = &["target", "node_modules"];
/// Placeholders that must not ship.
const PLACEHOLDERS: &[&str] = &["todo!(", "unimplemented!("];

/// Runs every tidy check, prints each violation, and fails if there were any.
pub fn run_and_report() -> Result<()> {
    let violations = check(&repo_root())?;
    for v in &violations {
        println!("{v}");
    }
    if !violations.is_empty() {
        bail!("tidy: {} problem(s)", violations.len());
    }
    println!("tidy: ok");
    Ok(())
}

/// Every violation as `file-or-crate: reason`.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let mut out = layering::check(root)?;
    out.extend(evidence::check(root)?);
    for dir in HEADER_DIRS {
        for file in rust_files(&root.join(dir))? {
            let text =
                fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let rel = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            if !has_header(&text) {
                out.push(format!("{rel}: must begin with a `//!` comment"));
            }
            if *dir == "crates" && !in_tests_dir(&file, root) {
                for (line, pat) in placeholders(&text) {
                    out.push(format!("{rel}:{line}: `{pat}` in non-test code"));
                }
            }
        }
    }
    Ok(out)
}

/// `.rs` files under `dir` (none if it does not exist), sorted.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if entry.file_type()?.is_dir() {
                if !SKIP_DIRS.contains(&name.as_ref()) && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// True if the first non-blank line is a `//!` comment.
fn has_header(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with("//!"))
}

/// True for integration tests: a `tests` directory inside a crate.
fn in_tests_dir(file: &Path, root: &Path) -> bool {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components().any(|c| c.as_os_str() == "tests")
}

/// `(line number, pattern)` for each placeholder macro outside comments and
/// outside items marked `#[cfg(test)]` (found by counting braces).
fn placeholders(text: &str) -> Vec<(usize, &'static str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#![cfg(test)]") {
            break;
        }
        if t.starts_with("#[cfg(test)]") || t.starts_with("#[cfg(all(test") {
            let rest = &t[t.find(']').map_or(t.len(), |p| p + 1)..];
            skip_item(rest, &mut lines);
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        for pat in PLACEHOLDERS {
            let hit = line.match_indices(pat).any(|(at, _)| {
                !line[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if hit {
                out.push((i + 1, *pat));
            }
        }
    }
    out
}

/// Consumes the item that starts at `first` (the rest of the attribute
/// line), continuing through `lines` until its braces balance or it ends in
/// `;` without opening a brace.
fn skip_item<'a>(first: &'a str, lines: &mut impl Iterator<Item = (usize, &'a str)>) {
    let mut depth = 0i32;
    let mut opened = false;
    let mut line = first;
    loop {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if (opened && depth <= 0) || (!opened && line.trim_end().ends_with(';')) {
            return;
        }
        match lines.next() {
            Some((_, next)) => line = next,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert!(has_header("\n\n//! ok\nfn main() {}"));
        assert!(!has_header("// plain\n//! late"));
        assert!(!has_header(""));
    }

    #[test]
    fn placeholders_outside_tests_only() {
        let src = "//! x\nfn a() { todo!() }\n// todo!( in a comment\n\
                   fn b() { my_todo!(); }\n#[cfg(test)]\nmod tests {\n  fn c() {\n    unimplemented!()\n  }\n}\n\
                   fn d() { unimplemented!() }\n#[cfg(test)]\nmod more;\nfn e() { todo!() }\n";
        assert_eq!(
            placeholders(src),
            vec![(2, "todo!("), (11, "unimplemented!("), (14, "todo!(")]
        );
    }
}
