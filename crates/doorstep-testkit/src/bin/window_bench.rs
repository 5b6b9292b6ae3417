//! `window-bench`: the release desktop app in a real window (Xvfb), driven
//! through WebDriver over a 600-family demo caseload, timing what a health
//! visitor waits for, five times each:
//!
//! - unlock to Today (the passphrase entered, Unlock pressed, until the
//!   worklist is on screen; includes the key derivation);
//! - opening a family from the caseload list, until its record shows;
//! - saving a contact (Save draft pressed, until "Draft saved");
//! - a search (Enter pressed in the search box, until the results show);
//!
//! and then the resident memory of all the app's processes together (the
//! shell, WebKit's web and network processes), as RSS and as PSS (shared
//! pages counted once).
//!
//! Each time is measured inside the page: a MutationObserver set before the
//! action notes when the awaited element appears, so WebDriver's own
//! latency is not counted. Usage: `window-bench [path/to/doorstep-desktop]`
//! (default `target/release/doorstep-desktop`, built with the UI embedded).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use doorstep_core::device::{self, NewProfile};
use doorstep_core::Clock;
use doorstep_testkit::display::Display;
use doorstep_testkit::webdriver::WebDriver;
use serde_json::json;

const PASS: &str = "window bench passphrase 42";
const RUNS: usize = 5;

/// Runs `action` (JavaScript) after setting an observer that notes, in
/// `window.__took`, the milliseconds until `selector` matches an element
/// whose text contains `text` (with `every`, until every element it
/// matches does: a list filtered); returns them.
fn timed_when(
    app: &WebDriver,
    action: &str,
    selector: &str,
    text: &str,
    every: bool,
) -> Result<f64> {
    let setup = format!(
        r#"
        const sel = arguments[0], want = arguments[1], every = arguments[2];
        const ready = () => {{
          const found = [...document.querySelectorAll(sel)];
          const has = (e) => e.textContent.includes(want);
          return found.length > 0 && (every ? found.every(has) : found.some(has));
        }};
        window.__took = null;
        const start = performance.now();
        const obs = new MutationObserver(() => {{
          if (window.__took === null && ready()) {{ window.__took = performance.now() - start; obs.disconnect(); }}
        }});
        obs.observe(document.body, {{ childList: true, subtree: true, characterData: true, attributes: true }});
        {action}
        "#
    );
    app.script(&setup, vec![json!(selector), json!(text), json!(every)])?;
    app.wait_for(
        &format!("{selector} with {text:?}"),
        Duration::from_secs(30),
        |a| Ok(a.script("return window.__took", vec![])?.as_f64()),
    )
}

fn timed(app: &WebDriver, action: &str, selector: &str, text: &str) -> Result<f64> {
    timed_when(app, action, selector, text, false)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn report(what: &str, limit: f64, v: Vec<f64>) {
    let max = v.iter().cloned().fold(f64::MIN, f64::max);
    let med = median(v);
    let verdict = if med <= limit { "within" } else { "OVER" };
    println!(
        "{what:<28} median {med:>7.0} ms   max {max:>7.0} ms   (goal ≤{limit:.0} ms: {verdict})"
    );
}

/// Sum of `field` (kB) in /proc/<pid>/{status,smaps_rollup} over `pids`.
fn memory_kb(pids: &[String], file: &str, field: &str) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum()
}

fn unlock(app: &WebDriver) -> Result<f64> {
    let pass = app.find("#field-passphrase")?;
    app.type_into(&pass, PASS)?;
    timed(
        app,
        "[...document.querySelectorAll('button')].find((b) => b.textContent.includes('Unlock')).click();",
        "[data-testid=worklist-item]",
        "",
    )
}

fn main() -> Result<()> {
    let app_path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/doorstep-desktop"));
    if !app_path.exists() {
        bail!(
            "{} is missing: build the release app first (cargo xtask package, or npm --prefix ui run build && cargo build --release -p doorstep-desktop)",
            app_path.display()
        );
    }
    let app_path = app_path.canonicalize()?;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let session = device::create_profile(
        &data,
        &NewProfile {
            passphrase: PASS.into(),
            practitioner: "Bench Visitor".into(),
            role: "health-visitor".into(),
            team: None,
            demo_families: Some(600),
        },
        Clock::System,
    )?;
    drop(session);
    println!(
        "window-bench: 600 demo families; the release app {}",
        app_path.display()
    );

    let display = Display::start(&[
        ("DOORSTEP_DATA_DIR", data.as_path()),
        ("DOORSTEP_SYNC_SECONDS", Path::new("3600")),
    ])?;
    let app = display.launch(&app_path)?;

    let mut unlocks = vec![unlock(&app)?];
    for _ in 1..RUNS {
        app.click(&app.find_text("button", "Lock")?)?;
        unlocks.push(unlock(&app)?);
    }

    let mut opens = Vec::new();
    let mut searches = Vec::new();
    let mut saves = Vec::new();
    for run in 0..RUNS {
        app.go("#/caseload")?;
        let search = app.find("#field-search")?;
        app.clear(&search)?;
        let links = app.all("[data-testid=family-link]")?;
        let link = links.get(run).context("a family on the first page")?;
        let name = app.text(link)?;
        let name = name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let index = run;
        opens.push(timed(
            &app,
            &format!("document.querySelectorAll('[data-testid=family-link]')[{index}].click();"),
            "[data-testid=members-table]",
            "",
        )?);

        // A search by family name, submitted with Enter.
        app.go("#/caseload")?;
        app.find("#field-search")?;
        searches.push(timed_when(
            &app,
            &format!(
                r#"const input = document.getElementById('field-search');
                Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, {name:?});
                input.dispatchEvent(new Event('input', {{ bubbles: true }}));
                input.form.requestSubmit();"#
            ),
            "[data-testid=family-link]",
            &name,
            true,
        )?);

        // A contact on the first family found, saved as a draft.
        app.click(&app.find("[data-testid=family-link]")?)?;
        app.find("[data-testid=members-table]")?;
        app.click(&app.find_text("a, button", "Record a contact")?)?;
        app.select("#field-kind", "targeted-visit")?;
        app.click(&app.find_text("label", "Attended")?)?;
        let note = app.find("#field-note")?;
        app.type_into(&note, "Visit for the window benchmark.")?;
        saves.push(timed(
            &app,
            "[...document.querySelectorAll('button')].find((b) => b.textContent.includes('Save draft')).click();",
            "[data-testid=draft-saved]",
            "",
        )?);
    }

    println!();
    report("unlock to Today", 1000.0, unlocks);
    report("open a family", 100.0, opens);
    report("save a contact", 200.0, saves);
    report("search to results", 100.0, searches);

    let mut pids = Vec::new();
    for name in [
        "doorstep-desktop",
        "WebKitWebProcess",
        "WebKitNetworkProcess",
    ] {
        let found = display.group_pids(name)?;
        let rss = memory_kb(&found, "status", "VmRSS:");
        let pss = memory_kb(&found, "smaps_rollup", "Pss:");
        println!(
            "memory {name:<22} RSS {:>5} MB   PSS {:>5} MB",
            rss / 1024,
            pss / 1024
        );
        pids.extend(found);
    }
    let rss = memory_kb(&pids, "status", "VmRSS:") / 1024;
    let pss = memory_kb(&pids, "smaps_rollup", "Pss:") / 1024;
    let verdict = if rss <= 300 { "within" } else { "OVER" };
    println!(
        "memory, all the app's processes: RSS {rss} MB, PSS {pss} MB (goal ≤300 MB: {verdict})"
    );
    let _ = app.quit();
    Ok(())
}
