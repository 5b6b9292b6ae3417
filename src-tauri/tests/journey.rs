//! End-to-end journeys through the real desktop app: the built binary (UI
//! embedded) in a virtual X display, driven through tauri-driver and
//! WebKitWebDriver, against the real `doorstep-server` on loopback, with a
//! second device run through the real `doorstep` CLI. Each journey saves
//! a screenshot of every main screen to `docs/screenshots/`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use doorstep_testkit::bins::workspace_bin;
use doorstep_testkit::display::Display;
use doorstep_testkit::proxy::{Fault, FaultProxy};
use doorstep_testkit::server::ServerProcess;
use doorstep_testkit::webdriver::WebDriver;
use serde_json::Value;
use tempfile::TempDir;

const PASS: &str = "correct horse battery staple";
/// The fixed clock, for the app and the CLI alike.
const NOW: &str = "2026-11-22T09:30:00Z";
const HV: &str = "Hana Visitor";

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

/// A device run through the `doorstep` CLI.
struct Cli {
    dir: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Result<Value> {
        let out = Command::new(workspace_bin("doorstep"))
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--json")
            .args(args)
            .env("DOORSTEP_NOW", NOW)
            .env("DOORSTEP_PASSPHRASE", PASS)
            .output()?;
        if !out.status.success() {
            bail!(
                "doorstep {args:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
    }

    /// The id of the first family a caseload search for `name` finds.
    fn family_id(&self, name: &str) -> Result<String> {
        let found = self.run(&["family", "list", "--search", name])?;
        Ok(found["families"][0]["id"]
            .as_str()
            .with_context(|| format!("the {name} family"))?
            .to_string())
    }

    /// The id of a parent in family `family`.
    fn parent_of(&self, family: &str) -> Result<String> {
        let shown = self.run(&["family", "show", family])?;
        shown["family"]["members"]
            .as_object()
            .context("members")?
            .iter()
            .find(|(_, p)| p["role"] == "parent")
            .map(|(id, _)| id.clone())
            .context("a parent in the family")
    }
}

/// The trust's server with one health visitor and new-birth notifications.
struct Trust {
    server: ServerProcess,
    tmp: TempDir,
}

impl Trust {
    fn start() -> Result<Trust> {
        let tmp = tempfile::tempdir()?;
        let db = tmp.path().join("hub.db").display().to_string();
        let server = ServerProcess::start(&workspace_bin("doorstep-server"), &db, None);
        let trust = Trust { server, tmp };
        trust.admin(&["team", "create", "North"])?;
        trust.admin(&[
            "practitioner",
            "create",
            "--name",
            HV,
            "--role",
            "health-visitor",
            "--team",
            "North",
        ])?;
        let csv = trust.tmp.path().join("births.csv");
        let mut f = std::fs::File::create(&csv)?;
        writeln!(f, "notification,parent_given_name,parent_family_name,address_line1,town,postcode,phone,child_given_name,child_family_name,sex,date_of_birth,nhs_number,gestation_weeks,birth_weight_g,expected_delivery,health_visitor")?;
        writeln!(f, "new-birth,Amira,Okafor,1 Elm Row,Leeds,LS1 4AP,07700900123,Zara,Okafor,2,2026-11-12,9990000018,39,3400,,{HV}")?;
        writeln!(f, "new-birth,Beth,Carter,2 Oak Lane,Leeds,LS2 7QT,07700900456,Leo,Carter,1,2026-11-10,9990000026,40,3600,,{HV}")?;
        drop(f);
        trust.admin(&["import-notifications", &csv.display().to_string()])?;
        Ok(trust)
    }

    fn admin(&self, args: &[&str]) -> Result<Value> {
        let out = Command::new(workspace_bin("doorstep-server"))
            .args([
                "admin",
                "--database-url",
                self.server.database_url(),
                "--json",
            ])
            .args(args)
            .output()?;
        if !out.status.success() {
            bail!("admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
    }

    /// A device set up, enrolled for the health visitor and synced.
    fn device(&self, dir: &Path, name: &str) -> Result<Cli> {
        self.device_at(dir, name, &self.server.url())
    }

    /// A device set up, enrolled for the health visitor with the server
    /// at `url` (a proxy in front of it, say) and synced.
    fn device_at(&self, dir: &Path, name: &str, url: &str) -> Result<Cli> {
        let cli = Cli {
            dir: dir.to_path_buf(),
        };
        cli.run(&["init", "--practitioner", HV])?;
        let code = self.admin(&["enrolment-code", "--practitioner", HV])?["code"]
            .as_str()
            .context("code")?
            .to_string();
        cli.run(&[
            "enrol",
            "--server",
            url,
            "--code",
            &code,
            "--device-name",
            name,
        ])?;
        cli.run(&["sync"])?;
        Ok(cli)
    }
}

/// The app's environment: its data directory, the fixed clock, and
/// background sync out of the way.
fn app_env(data_dir: &Path) -> Vec<(&'static str, &Path)> {
    vec![
        ("DOORSTEP_DATA_DIR", data_dir),
        ("DOORSTEP_NOW", Path::new(NOW)),
        ("DOORSTEP_SYNC_SECONDS", Path::new("3600")),
    ]
}

fn shot(app: &WebDriver, name: &str) -> Result<()> {
    app.screenshot(&screenshots().join(format!("{name}.png")))
}

#[test]
fn a_health_visitor_records_a_new_birth_visit_syncs_and_resolves_a_conflict() -> Result<()> {
    let trust = Trust::start()?;
    let laptop_dir = tempfile::tempdir()?;
    let other_dir = tempfile::tempdir()?;
    let laptop = trust.device(laptop_dir.path(), "Laptop 1")?;
    let other = trust.device(other_dir.path(), "Laptop 2")?;

    // The same field edited on both laptops: the desktop's laptop offline,
    // the other one synced.
    let family = other.family_id("Okafor")?;
    laptop.run(&["family", "update", &family, "--phone", "07700900111"])?;
    other.run(&["family", "update", &family, "--phone", "07700900222"])?;
    other.run(&["sync"])?;

    // An EPDS with item 10 answered "sometimes" (thoughts of self-harm),
    // completed on this laptop: an urgent result for Today.
    let mother = laptop.parent_of(&family)?;
    let response = laptop.run(&[
        "form", "start", "--family", &family, "--form", "epds", "--child", &mother,
    ])?;
    let response = response["record_id"]
        .as_str()
        .context("the response id")?
        .to_string();
    for i in 1..=10 {
        let item = format!("epds-{i}");
        let answer = if i == 10 { "b" } else { "d" };
        laptop.run(&[
            "form",
            "answer",
            "--family",
            &family,
            "--response",
            &response,
            "--item",
            &item,
            "--value",
            answer,
        ])?;
    }
    laptop.run(&[
        "form",
        "complete",
        "--family",
        &family,
        "--response",
        &response,
    ])?;

    let display = Display::start(&app_env(laptop_dir.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = journey(&app, &family);
    if result.is_err() {
        let _ = shot(&app, "failure");
    }
    let _ = app.quit();
    result?;

    // The resolution reached the other laptop through the server.
    other.run(&["sync"])?;
    let left = other.run(&["conflicts"])?;
    assert_eq!(left.as_array().map(Vec::len), Some(0), "{left}");
    Ok(())
}

fn journey(app: &WebDriver, family: &str) -> Result<()> {
    // Unlock.
    let pass = app.find("#field-passphrase")?;
    shot(app, "unlock")?;
    app.type_into(&pass, PASS)?;
    app.click(&app.find_text("button", "Unlock")?)?;

    // Today: the new birth visit is due for Zara.
    app.find_text("h1", "Today")?;
    app.find_text("[data-testid=worklist-item]", "Zara")?;
    shot(app, "today")?;

    // The urgent EPDS result is first on Today; it is addressed from the
    // family record with a note, and leaves Today.
    let urgent = app.find_text("[data-testid=follow-up]", "Urgent")?;
    assert!(app.text(&urgent)?.contains("self-harm"));
    app.click(&app.find_text("[data-testid=follow-up] a", "")?)?;
    app.find_text("h1", "Okafor")?;
    app.find_text("[data-testid=family-follow-up]", "self-harm")?;
    app.click(&app.find_text(
        "[data-testid=family-follow-up] .nhsuk-details__summary-text",
        "Record as addressed",
    )?)?;
    let note = app.find("[data-testid=family-follow-up] textarea")?;
    app.type_into(
        &note,
        "Risk assessed with mum; GP and perinatal team informed",
    )?;
    app.click(&app.find_text("[data-testid=family-follow-up] button", "Save")?)?;
    app.wait_for(
        "the urgent result to be addressed",
        Duration::from_secs(10),
        |a| {
            Ok(a.all("[data-testid=family-follow-up]")?
                .is_empty()
                .then_some(()))
        },
    )?;
    app.go("#/today")?;
    app.find_text("[data-testid=worklist-item]", "Zara")?;
    assert!(app.all("[data-testid=follow-up]")?.is_empty());

    // Find the family from the caseload.
    app.click(&app.find_text("a", "Caseload")?)?;
    let search = app.find("#field-search")?;
    app.type_into(&search, "Okafor")?;
    app.click(&app.find_text("[data-testid=family-link]", "Okafor")?)?;
    app.find_text("h1", "Okafor")?;
    shot(app, "family")?;

    // Record the new birth visit with a weight, and sign it.
    app.click(&app.find_text("a, button", "Record a contact")?)?;
    app.find_text("h1", "Record a contact")?;
    app.select("#field-kind", "new-birth")?;
    app.click(&app.find_text("label", "Zara")?)?;
    app.click(&app.find_text("label", "Attended")?)?;
    let weight = app.find("input[id$='/weight_kg']")?;
    app.type_into(&weight, "3.55")?;
    let centile = app.find_text("[data-testid=centile-weight_kg]", "centile")?;
    let centile_text = app.text(&centile)?;
    app.scroll_to("#field-kind")?;
    shot(app, "record-contact")?;
    app.click(&app.find_text("button", "Save draft")?)?;
    app.click(&app.find_text("button", "Sign")?)?;
    app.find_text("body", "signed")?;

    // The review is done: Zara's new birth visit has left the worklist.
    app.go("#/today")?;
    app.find_text("h1", "Today")?;
    app.find_text("[data-testid=worklist-item]", "Leo")?;
    app.wait_for(
        "Zara's visit to leave the worklist",
        Duration::from_secs(10),
        |a| {
            for e in a.all("[data-testid=worklist-item]")? {
                if a.text(&e)?.contains("Zara") {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        },
    )?;

    // The weight is on the growth chart.
    app.go(&format!("#/family/{family}"))?;
    app.find_text("h1", "Okafor")?;
    app.find("[data-testid=growth-point]")?;
    app.scroll_to("[data-testid=growth-point]")?;
    shot(app, "growth-chart")?;
    assert!(
        centile_text.contains("SDS"),
        "the centile comes with its SDS: {centile_text}"
    );

    // A form, started from the family record.
    app.click(&app.find_text(".nhsuk-details__summary-text", "Start a form")?)?;
    app.select("#field-form", "fhat")?;
    app.click(&app.find_text("button", "Start form")?)?;
    app.find_text("h1", "Family Health Assessment")?;
    shot(app, "form")?;

    // Sync with the server: the contact goes up, the conflict comes down.
    app.click(&app.find_text("a", "Sync")?)?;
    app.click(&app.find_text("button", "Sync now")?)?;
    app.find_text("body", "Synced")?;
    shot(app, "sync")?;

    // The conflict made on the other laptop, resolved here.
    app.click(&app.find_text("a", "Conflicts")?)?;
    let conflict = app.find_text("[data-testid=conflict]", "07700900222")?;
    assert!(app.text(&conflict)?.contains("07700900111"));
    shot(app, "conflicts")?;
    app.click(&app.find_text("[data-testid=keep-value]", "")?)?;
    app.wait_for(
        "the conflict to be resolved",
        Duration::from_secs(10),
        |a| Ok(a.all("[data-testid=conflict]")?.is_empty().then_some(())),
    )?;
    app.click(&app.find_text("a", "Sync")?)?;
    app.click(&app.find_text("button", "Sync now")?)?;
    app.find_text("body", "Synced")?;

    // Reports.
    app.click(&app.find_text("a", "Reports")?)?;
    app.find_text("h1", "Reports")?;
    shot(app, "reports")?;

    // Lock.
    app.click(&app.find_text("button", "Lock")?)?;
    app.find("#field-passphrase")?;
    Ok(())
}

#[test]
fn the_app_answers_while_the_server_never_does() -> Result<()> {
    let trust = Trust::start()?;
    let proxy = FaultProxy::start(trust.server.addr());
    let laptop_dir = tempfile::tempdir()?;
    trust.device_at(laptop_dir.path(), "Laptop 1", &proxy.url())?;
    // From now on the server accepts connections and never answers.
    proxy.plan(std::iter::repeat_n(Fault::BlackHole, 50));

    let display = Display::start(&app_env(laptop_dir.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = while_the_server_hangs(&app);
    if result.is_err() {
        let _ = shot(&app, "failure-hanging-server");
    }
    let _ = app.quit();
    result
}

fn while_the_server_hangs(app: &WebDriver) -> Result<()> {
    app.type_into(&app.find("#field-passphrase")?, PASS)?;
    app.click(&app.find_text("button", "Unlock")?)?;
    app.find_text("h1", "Today")?;
    // A sync that will wait 30 seconds for an answer.
    app.click(&app.find_text("a", "Sync")?)?;
    app.click(&app.find_text("button", "Sync now")?)?;
    let started = Instant::now();
    // Meanwhile the caseload lists and a family record opens.
    app.click(&app.find_text("a", "Caseload")?)?;
    let search = app.find("#field-search")?;
    app.type_into(&search, "Okafor")?;
    app.click(&app.find_text("[data-testid=family-link]", "Okafor")?)?;
    app.find_text("h1", "Okafor")?;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(15),
        "the caseload and a family took {took:?} while a sync waited on the server"
    );
    // The sync is still waiting: nothing has answered yet.
    app.click(&app.find_text("a", "Sync")?)?;
    app.find_text("body", "Syncing")?;
    Ok(())
}

#[test]
fn first_run_opens_the_offline_demo_caseload() -> Result<()> {
    let data = tempfile::tempdir()?;
    let display = Display::start(&app_env(data.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = first_run(&app);
    if result.is_err() {
        let _ = shot(&app, "failure-first-run");
    }
    let _ = app.quit();
    result
}

fn first_run(app: &WebDriver) -> Result<()> {
    app.click(&app.find_text("button", "Open the offline demo caseload")?)?;
    app.type_into(&app.find("#field-practitioner")?, "Demo Practitioner")?;
    app.select("#field-role", "health-visitor")?;
    let pass = app.find("#field-passphrase")?;
    app.type_into(&pass, "weak")?;
    // Strength feedback while typing.
    app.find_text("body", "Weak")?;
    app.clear(&pass)?;
    app.type_into(&pass, PASS)?;
    app.type_into(&app.find("#field-passphrase_confirm")?, PASS)?;
    shot(app, "first-run")?;
    app.click(&app.find_text("button[type=submit]", "Open the offline demo caseload")?)?;
    app.wait_for("Today after set-up", Duration::from_secs(60), |a| {
        Ok(a.all("[data-testid=worklist-item]")?.first().cloned())
    })?;
    app.click(&app.find_text("a", "Caseload")?)?;
    app.find("[data-testid=family-link]")?;
    shot(app, "caseload")?;
    Ok(())
}

#[test]
fn nothing_typed_is_lost_to_an_idle_lock_or_a_crash() -> Result<()> {
    let trust = Trust::start()?;
    let laptop_dir = tempfile::tempdir()?;
    let laptop = trust.device(laptop_dir.path(), "Laptop 1")?;
    let family = laptop.family_id("Carter")?;
    // The shortest idle lock the trust can set: one minute.
    std::fs::write(
        laptop_dir.path().join("config.json"),
        r#"{"desktop": {"idle_lock_minutes": 1}}"#,
    )?;
    let display = Display::start(&app_env(laptop_dir.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = typed_then_locked(&app, &family);
    if result.is_err() {
        let _ = shot(&app, "failure-drafts");
    }
    result?;

    // A crash mid-note: the app is killed and started again.
    let note = app.find("#field-note")?;
    app.type_into(&note, " Weighed on the clinic scales.")?;
    std::thread::sleep(Duration::from_millis(1500));
    display.kill_app()?;
    let _ = app.quit();
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = back_after_a_restart(&app);
    if result.is_err() {
        let _ = shot(&app, "failure-drafts");
    }
    let _ = app.quit();
    result
}

fn unlock(app: &WebDriver) -> Result<()> {
    let pass = app.find("#field-passphrase")?;
    app.type_into(&pass, PASS)?;
    app.click(&app.find_text("button", "Unlock")?)?;
    Ok(())
}

const NOTE: &str = "Leo feeding well, mum tired; discussed safe sleep.";

fn typed_then_locked(app: &WebDriver, family: &str) -> Result<()> {
    unlock(app)?;
    app.find_text("h1", "Today")?;
    app.go(&format!("#/family/{family}/contact"))?;
    app.find_text("h1", "Record a contact")?;
    let note = app.find("#field-note")?;
    app.type_into(&note, NOTE)?;
    // Leaving asks first; staying keeps the screen and the note.
    app.click(&app.find_text("a", "Today")?)?;
    app.find_text("[data-testid=leave-prompt]", "not saved yet")?;
    shot(app, "leave-prompt")?;
    app.click(&app.find_text("button", "Stay and finish it")?)?;
    // Nothing touched for the idle time: the laptop locks itself.
    app.wait_for("the idle lock", Duration::from_secs(100), |a| {
        Ok(a.all("#field-passphrase")?.first().cloned())
    })?;
    unlock(app)?;
    app.find_text("h1", "Record a contact")?;
    app.find_text("[data-testid=draft-restored]", "what you were typing")?;
    let kept = app.property(&app.find("#field-note")?, "value")?;
    assert_eq!(kept.as_str(), Some(NOTE), "the note after the idle lock");
    Ok(())
}

fn back_after_a_restart(app: &WebDriver) -> Result<()> {
    unlock(app)?;
    // Unlocked on a fresh start: straight back to the unsaved contact.
    app.find_text("h1", "Record a contact")?;
    app.find_text("[data-testid=draft-restored]", "what you were typing")?;
    let kept = app.property(&app.find("#field-note")?, "value")?;
    assert_eq!(
        kept.as_str(),
        Some(format!("{NOTE} Weighed on the clinic scales.").as_str()),
        "the note after a crash"
    );
    shot(app, "draft-restored")?;
    app.select("#field-kind", "targeted-visit")?;
    app.click(&app.find_text("label", "Attended")?)?;
    app.click(&app.find_text("button", "Save draft")?)?;
    app.find("[data-testid=draft-saved]")?;
    Ok(())
}

/// Types `date` (YYYY-MM-DD) into the day, month and year boxes of the
/// date input `name` (inside `scope`, a CSS prefix such as a form).
fn type_date(app: &WebDriver, scope: &str, name: &str, date: &str) -> Result<()> {
    let mut parts = date.split('-');
    let (y, m, d) = (
        parts.next().context("year")?,
        parts.next().context("month")?,
        parts.next().context("day")?,
    );
    for (id, value) in [
        (format!("field-{name}"), d),
        (format!("field-{name}-month"), m),
        (format!("field-{name}-year"), y),
    ] {
        let e = app.find(&format!("{scope} [id='{id}']"))?;
        app.clear(&e)?;
        app.type_into(&e, value)?;
    }
    Ok(())
}

fn fill(app: &WebDriver, css: &str, text: &str) -> Result<()> {
    let e = app.find(css)?;
    app.clear(&e)?;
    app.type_into(&e, text)
}

/// The submit button of the inline form labelled `label`, pressed.
fn submit(app: &WebDriver, label: &str) -> Result<()> {
    app.click(&app.find(&format!("form[aria-label='{label}'] button[type=submit]"))?)
}

fn page_has(app: &WebDriver, what: &str, text: &str) -> Result<()> {
    app.wait_for(what, Duration::from_secs(15), |a| {
        Ok(a.text_of_page()?.contains(text).then_some(()))
    })
}

#[test]
fn a_health_visitor_keeps_the_whole_record_in_the_app() -> Result<()> {
    let trust = Trust::start()?;
    let laptop_dir = tempfile::tempdir()?;
    let laptop = trust.device(laptop_dir.path(), "Laptop 1")?;
    // The Okafor family's Family Health Assessment, completed on this laptop.
    let okafor = laptop.family_id("Okafor")?;
    let mother = laptop.parent_of(&okafor)?;
    let fhat = laptop.run(&[
        "form", "start", "--family", &okafor, "--form", "fhat", "--child", &mother,
    ])?["record_id"]
        .as_str()
        .context("the response id")?
        .to_string();
    for (item, value) in [
        ("sleep-place-day", "moses-basket"),
        ("sleep-place-night", "parents-room-cot"),
        ("sleep-position-back", "yes"),
        ("co-sleeping", "none"),
        ("smoking-household", "no"),
        ("carer-substances", "no"),
        ("safe-sleep-advice-given", "yes"),
        ("whooley-q1", "no"),
        ("whooley-q2", "no"),
        ("gad2-q1", "0"),
        ("gad2-q2", "0"),
        ("level-of-service", "universal"),
        ("confirm-level", "yes"),
    ] {
        laptop.run(&[
            "form",
            "answer",
            "--family",
            &okafor,
            "--response",
            &fhat,
            "--item",
            item,
            "--value",
            value,
        ])?;
    }
    laptop.run(&["form", "complete", "--family", &okafor, "--response", &fhat])?;

    let display = Display::start(&app_env(laptop_dir.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let saved = tempfile::tempdir()?;
    let pdf = saved.path().join("okafor-early-help.pdf");
    let result = whole_record(&app, &display, &okafor, &pdf);
    if result.is_err() {
        let _ = shot(&app, "failure-record");
    }
    let _ = app.quit();
    result?;

    // The summary saved where the practitioner chose, and it reads right.
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Early Help Assessment"), "{text}");
    assert!(text.contains("Okafor"), "{text}");
    assert!(text.contains("Safer-sleep advice given: Yes"), "{text}");

    // Everything recorded in the window is in the record, as the CLI reads it.
    let nowak = laptop.family_id("Nowak")?;
    let record = laptop.run(&["family", "show", &nowak])?["family"].clone();
    assert_eq!(record["household"]["phone"], "07700900999", "{record}");
    let members: Vec<&Value> = record["members"]
        .as_object()
        .context("members")?
        .values()
        .collect();
    let ola = members
        .iter()
        .find(|p| p["given_name"] == "Ola")
        .context("the baby born")?;
    assert_eq!(ola["role"], "child");
    assert_eq!(ola["date_of_birth"], "2026-11-20");
    assert_eq!(ola["birth_weight_grams"], 2100);
    let flags: Vec<&Value> = record["flags"]
        .as_object()
        .context("flags")?
        .values()
        .collect();
    assert!(
        flags
            .iter()
            .any(|f| f["kind"] == "child-protection" && f["end"] == "2026-11-21"),
        "{flags:?}"
    );
    let consents: Vec<&Value> = record["consents"]
        .as_object()
        .context("consents")?
        .values()
        .collect();
    assert!(
        consents.iter().any(|c| c["decision"] == "given"),
        "{consents:?}"
    );
    Ok(())
}

fn whole_record(app: &WebDriver, display: &Display, okafor: &str, pdf: &Path) -> Result<()> {
    unlock(app)?;
    app.find_text("h1", "Today")?;

    // A family moving in: register the household.
    app.click(&app.find_text("a", "Caseload")?)?;
    app.click(&app.find_text("a", "Register a household")?)?;
    app.find_text("h1", "Register a household")?;
    fill(app, "#field-address_line1", "3 Birch Close")?;
    fill(app, "#field-town", "Leeds")?;
    fill(app, "#field-postcode", "ls6 2ab")?;
    fill(app, "#field-phone", "07700900789")?;
    shot(app, "register-household")?;
    app.click(&app.find_text("button", "Register household")?)?;
    app.find_text("h1", "Family")?;

    // The mother, and the baby she is expecting.
    app.click(&app.find_text("button", "Add a person")?)?;
    app.click(&app.find_text("form[aria-label='Add a person'] label", "Parent or carer")?)?;
    fill(
        app,
        "form[aria-label='Add a person'] #field-given_name",
        "Maya",
    )?;
    fill(
        app,
        "form[aria-label='Add a person'] #field-family_name",
        "Nowak",
    )?;
    submit(app, "Add a person")?;
    app.find_text("[data-testid=members-table]", "Maya Nowak")?;
    app.click(&app.find_text("button", "Add a person")?)?;
    app.click(&app.find_text("form[aria-label='Add a person'] label", "Unborn baby")?)?;
    fill(
        app,
        "form[aria-label='Add a person'] #field-family_name",
        "Nowak",
    )?;
    type_date(
        app,
        "form[aria-label='Add a person']",
        "expected_delivery_date",
        "2027-01-10",
    )?;
    submit(app, "Add a person")?;
    app.find_text("[data-testid=members-table]", "Unborn baby Nowak")?;

    // The baby arrives early.
    app.click(&app.find_text("button", "Record the birth")?)?;
    let birth = "form[data-testid=record-birth]";
    type_date(app, birth, "date_of_birth", "2026-11-20")?;
    fill(app, &format!("{birth} #field-given_name"), "Ola")?;
    fill(app, &format!("{birth} #field-gestation"), "33+2")?;
    fill(app, &format!("{birth} #field-birth_weight_grams"), "2100")?;
    shot(app, "record-birth")?;
    app.click(&app.find(&format!("{birth} button[type=submit]"))?)?;
    app.find_text("[data-testid=members-table]", "Ola Nowak")?;
    page_has(app, "the birth weight", "birth weight 2,100 g")?;

    // A new phone number.
    app.click(&app.find_text("button", "Change household details")?)?;
    fill(
        app,
        "form[aria-label='Change household details'] #field-phone",
        "07700900999",
    )?;
    submit(app, "Change household details")?;
    page_has(app, "the new phone number", "07700900999")?;

    // A child protection plan for the baby, then ended.
    app.click(&app.find_text("button", "Add a flag or alert")?)?;
    let flag = "form[aria-label='Add a flag or alert']";
    app.select(&format!("{flag} #field-kind"), "child-protection")?;
    app.select(&format!("{flag} #field-cp_category"), "neglect")?;
    type_date(app, flag, "start", "2026-11-21")?;
    fill(
        app,
        &format!("{flag} #field-lead_agency"),
        "Leeds children's social care",
    )?;
    shot(app, "add-flag")?;
    submit(app, "Add a flag or alert")?;
    page_has(
        app,
        "the plan on the record",
        "Leeds children's social care",
    )?;
    app.click(&app.find_text("button", "End")?)?;
    let end = app.find("form[aria-label^='End'] button[type=submit]")?;
    type_date(app, "form[aria-label^='End']", "end", "2026-11-21")?;
    app.click(&end)?;
    page_has(app, "the ended plan", "Ended flags and alerts (1)")?;

    // Consent to share, shown on the record.
    app.click(&app.find_text("button", "Record consent")?)?;
    let consent = "form[aria-label='Record consent']";
    app.click(&app.find_text(&format!("{consent} label"), "Given")?)?;
    type_date(app, consent, "date", "2026-11-22")?;
    fill(
        app,
        &format!("{consent} #field-scope"),
        "Share with the GP and the children's centre",
    )?;
    submit(app, "Record consent")?;
    page_has(
        app,
        "the consent on the record",
        "Share with the GP and the children's centre",
    )?;
    shot(app, "family-actions")?;

    // The Okafor family: save the Early Help summary where the practitioner
    // chooses, through the system's save dialog.
    app.go(&format!("#/family/{okafor}"))?;
    app.find_text("h1", "Okafor")?;
    app.click(&app.find_text("button", "Save the Early Help summary (PDF)")?)?;
    display.save_in_dialog(pdf)?;
    page_has(app, "the saved file's name", "okafor-early-help.pdf")?;

    // Print opens the system's print dialog (where "Print to File" makes a
    // PDF too); closed here without printing.
    app.click(&app.find_text("button", "Print")?)?;
    let dialog = display.xdotool(&["search", "--sync", "--onlyvisible", "--name", "^Print$"])?;
    let dialog = dialog
        .lines()
        .last()
        .context("the print dialog")?
        .to_string();
    display.xdotool(&["windowfocus", "--sync", &dialog])?;
    display.xdotool(&["key", "Escape"])?;

    // Amend the completed Family Health Assessment.
    app.click(&app.find_text("button", "Amend this form")?)?;
    app.find_text("h1", "Family Health Assessment")?;
    page_has(app, "the amendment draft", "amend")?;
    Ok(())
}

#[test]
fn every_screen_passes_axe_in_the_real_window() -> Result<()> {
    let axe_source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js"),
    )
    .context("axe-core from the UI's npm dependencies (npm ci in ui/)")?;
    let trust = Trust::start()?;
    let laptop_dir = tempfile::tempdir()?;
    let laptop = trust.device(laptop_dir.path(), "Laptop 1")?;
    let okafor = laptop.family_id("Okafor")?;
    let mother = laptop.parent_of(&okafor)?;
    let epds = laptop.run(&[
        "form", "start", "--family", &okafor, "--form", "epds", "--child", &mother,
    ])?["record_id"]
        .as_str()
        .context("the response id")?
        .to_string();
    let display = Display::start(&app_env(laptop_dir.path()))?;
    let app = display.launch(Path::new(env!("CARGO_BIN_EXE_doorstep-desktop")))?;
    let result = (|| -> Result<()> {
        let mut found = Vec::new();
        let mut check = |screen: &str| -> Result<()> {
            for v in app.axe(&axe_source)? {
                found.push(format!("{screen}: {v}"));
            }
            Ok(())
        };
        app.find("#field-passphrase")?;
        check("unlock")?;
        // axe really looks: an image without a text alternative is found.
        app.script(
            "const i = document.createElement('img'); i.id = 'axe-probe'; i.src = 'data:,'; document.body.appendChild(i); return true;",
            vec![],
        )?;
        let probe = app.axe(&axe_source)?;
        assert!(
            probe.iter().any(|v| v.starts_with("image-alt")),
            "{probe:?}"
        );
        app.script(
            "document.getElementById('axe-probe').remove(); return true;",
            vec![],
        )?;
        unlock(&app)?;
        app.find_text("h1", "Today")?;
        check("Today")?;
        for (hash, heading, screen) in [
            ("#/caseload", "Caseload", "Caseload"),
            ("#/register", "Register a household", "Register a household"),
            (&*format!("#/family/{okafor}"), "Okafor", "family record"),
            (
                &*format!("#/family/{okafor}/contact"),
                "Record a contact",
                "Record a contact",
            ),
            (&*format!("#/family/{okafor}/form/{epds}"), "EPDS", "a form"),
            ("#/sync", "Sync", "Sync"),
            ("#/conflicts", "Conflicts", "Conflicts"),
            ("#/reports", "Reports", "Reports"),
        ] {
            app.go(hash)?;
            app.find_text("h1", heading)?;
            // Let loading parts settle before looking.
            std::thread::sleep(Duration::from_millis(700));
            check(screen)?;
        }
        app.click(&app.find_text("button", "Keyboard shortcuts")?)?;
        app.find("[role=dialog]")?;
        check("keyboard shortcuts")?;
        if !found.is_empty() {
            bail!("axe found, in the real window:\n{}", found.join("\n"));
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = shot(&app, "failure-axe");
    }
    let _ = app.quit();
    result
}
