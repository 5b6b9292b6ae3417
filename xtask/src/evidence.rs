//! Documents that name tests as evidence (the clinical hazard log): every
//! test they name, written `path/to/file.rs::function`, must exist as a
//! test in that file. A control whose test was removed or renamed fails
//! the tidy check until the document is updated.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// Documents whose named tests must exist.
pub const DOCUMENTS: &[&str] = &["docs/clinical-safety/HAZARD-LOG.md"];

/// Every missing test, as `document: reason`.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for doc in DOCUMENTS {
        let text = fs::read_to_string(root.join(doc)).with_context(|| format!("reading {doc}"))?;
        let named = named_tests(&text);
        if named.is_empty() {
            out.push(format!("{doc}: names no test"));
        }
        for (file, function) in named {
            let found = fs::read_to_string(root.join(&file))
                .map(|source| is_test(&source, &function))
                .unwrap_or(false);
            if !found {
                out.push(format!(
                    "{doc}: names `{file}::{function}`, which is not a test there"
                ));
            }
        }
    }
    Ok(out)
}

/// The `file.rs::function` references in `text`, in order.
fn named_tests(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let Some((file, function)) = span.split_once(".rs::") else {
            continue;
        };
        let ok_file = !file.is_empty()
            && file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-.".contains(c));
        let ok_fn = !function.is_empty()
            && function
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok_file && ok_fn {
            out.push((format!("{file}.rs"), function.to_string()));
        }
    }
    out
}

/// Whether `source` defines `function` as a test: `#[test]` among the
/// attributes and doc comments right above it.
fn is_test(source: &str, function: &str) -> bool {
    let lines: Vec<&str> = source.lines().map(str::trim_start).collect();
    let signature = format!("fn {function}(");
    lines.iter().enumerate().any(|(i, line)| {
        line.starts_with(&signature)
            && lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
                .any(|l| l.starts_with("#[test]"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_tests_are_found_and_checked() {
        let text = "see `crates/a/tests/b.rs::it_works`, not `cargo test` \
                    nor `foo.rs::` nor `x.rs::bad name`";
        assert_eq!(
            named_tests(text),
            [("crates/a/tests/b.rs".to_string(), "it_works".to_string())]
        );
        let source = "#[test]\nfn it_works() {}\nfn helper() {}\n";
        assert!(is_test(source, "it_works"));
        assert!(!is_test(source, "helper"));
        assert!(!is_test(source, "it"));
    }
}
