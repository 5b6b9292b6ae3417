//! A small W3C WebDriver client (blocking HTTP + JSON) for driving the real
//! desktop app through tauri-driver and WebKitWebDriver: find elements by
//! CSS, click, type, read text, wait, and take screenshots. The
//! `tauri:options` capability names the app binary to launch.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

/// The W3C key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session.
pub struct WebDriver {
    client: reqwest::blocking::Client,
    base: String,
}

/// An element on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl WebDriver {
    /// Starts a session on the driver at `driver_url` that launches `app`.
    pub fn launch(driver_url: &str, app: &Path) -> Result<WebDriver> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": app.display().to_string()},
        }}});
        let resp: Value = client
            .post(format!("{driver_url}/session"))
            .json(&caps)
            .send()
            .context("connect to the WebDriver server")?
            .json()?;
        let id = resp["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session: {resp}"))?;
        Ok(WebDriver {
            client,
            base: format!("{driver_url}/session/{id}"),
        })
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send()?.json()?;
        if let Some(err) = resp["value"]["error"].as_str() {
            bail!("webdriver {path}: {err}: {}", resp["value"]["message"]);
        }
        Ok(resp["value"].clone())
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    fn get(&self, path: &str) -> Result<Value> {
        self.call(reqwest::Method::GET, path, None)
    }

    /// Every element matching `css`, now.
    pub fn all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self.post("/elements", json!({"using": "css selector", "value": css}))?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.into())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits up to `timeout` for `check` to return `Some`.
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> Result<Option<T>>,
    ) -> Result<T> {
        let start = Instant::now();
        let mut last_err = None;
        loop {
            match check(self) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_err = Some(e),
            }
            if start.elapsed() > timeout {
                let page = self.text_of_page().unwrap_or_default();
                bail!(
                    "timed out after {timeout:?} waiting for {what} (last error: {last_err:?}); the page says:\n{page}"
                );
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// The first element matching `css`, waiting up to 20 s for it.
    pub fn find(&self, css: &str) -> Result<Element> {
        self.wait_for(css, Duration::from_secs(20), |d| {
            Ok(d.all(css)?.into_iter().next())
        })
    }

    /// The first element matching `css` whose text contains `text`.
    pub fn find_text(&self, css: &str, text: &str) -> Result<Element> {
        self.wait_for(
            &format!("{css} with {text:?}"),
            Duration::from_secs(20),
            |d| {
                for e in d.all(css)? {
                    if d.text(&e)?.contains(text) {
                        return Ok(Some(e));
                    }
                }
                Ok(None)
            },
        )
    }

    /// Clicks an element.
    pub fn click(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .map(|_| ())
    }

    /// Types into an element.
    pub fn type_into(&self, e: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}))
            .map(|_| ())
    }

    /// Clears an input.
    pub fn clear(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .map(|_| ())
    }

    /// An element's visible text.
    pub fn text(&self, e: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// An element's property (e.g. `value`, `checked`).
    pub fn property(&self, e: &Element, name: &str) -> Result<Value> {
        self.get(&format!("/element/{}/property/{name}", e.0))
    }

    /// Runs a script in the page and returns its result.
    pub fn script(&self, source: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({"script": source, "args": args}))
    }

    /// Runs an asynchronous script: it ends by calling the callback passed
    /// as its last argument with the result.
    pub fn script_async(&self, source: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/async", json!({"script": source, "args": args}))
    }

    /// Runs axe-core (its source given) on the page as it is, with the
    /// WCAG 2.1 A and AA rules (colour contrast among them), in the real
    /// web view's rendering; the violations found, each as its rule id and
    /// the first elements it names.
    pub fn axe(&self, axe_source: &str) -> Result<Vec<String>> {
        let loaded = self.script("return typeof window.axe !== 'undefined';", vec![])?;
        if loaded != json!(true) {
            // Injected as a function of the page (the app's CSP allows no
            // inline script elements).
            self.script(
                &format!("{axe_source}\n;window.axe = axe; return true;"),
                vec![],
            )?;
        }
        let found = self.script_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then((r) => done(r.violations.map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '))))
               .catch((e) => done(['axe failed: ' + e]));",
            vec![],
        )?;
        let list = found
            .as_array()
            .ok_or_else(|| anyhow!("axe did not run: {found}"))?;
        let violations: Vec<String> = list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if let Some(failed) = violations.iter().find(|v| v.starts_with("axe failed")) {
            bail!("{failed}");
        }
        Ok(violations)
    }

    /// Selects `value` in a `<select>` found by `css`.
    pub fn select(&self, css: &str, value: &str) -> Result<()> {
        self.find(css)?;
        let done = self.script(
            "const s = document.querySelector(arguments[0]); if (!s) return false; \
             const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set; \
             set.call(s, arguments[1]); s.dispatchEvent(new Event('change', {bubbles: true})); \
             return s.value === arguments[1];",
            vec![json!(css), json!(value)],
        )?;
        if done != json!(true) {
            bail!("could not select {value:?} in {css}");
        }
        Ok(())
    }

    /// The whole page's visible text.
    pub fn text_of_page(&self) -> Result<String> {
        let body = self.all("body")?;
        match body.first() {
            Some(b) => self.text(b),
            None => Ok(String::new()),
        }
    }

    /// Navigates within the app by setting the location hash.
    pub fn go(&self, hash: &str) -> Result<()> {
        self.script(
            "window.location.hash = arguments[0]; return true;",
            vec![json!(hash)],
        )
        .map(|_| ())
    }

    /// Scrolls the first element matching `css` to the middle of the window.
    pub fn scroll_to(&self, css: &str) -> Result<()> {
        self.script(
            "const e = document.querySelector(arguments[0]); \
             if (e) e.scrollIntoView({block: 'center'}); return !!e;",
            vec![json!(css)],
        )
        .map(|_| ())
    }

    /// Saves a PNG screenshot of the window to `path`.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let b64 = self.get("/screenshot")?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .context("screenshot is base64")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Ends the session (closes the app).
    pub fn quit(self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "", None).map(|_| ())
    }
}
