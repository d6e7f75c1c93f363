//! A small WebDriver client for the browser tests: headless Chromium from Debian's `chromium`
//! driven by `chromedriver` (Debian's `chromium-driver`) over the W3C WebDriver protocol, on a
//! loopback port, with nothing but std's TcpStream and serde_json. What the tests need is
//! installed here when missing (`apt-get install chromium chromium-driver`; axe-core with
//! `npm ci` in tests/browser), so `cargo test` runs them on a fresh machine.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Run a command quietly; whether it succeeded.
fn quietly(program: &str, args: &[&str], dir: Option<&Path>) -> bool {
    let mut c = Command::new(program);
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive").stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.status().is_ok_and(|s| s.success())
}

/// Install Chromium and ChromeDriver from Debian's packages if they are missing (as root, or
/// through `sudo -n`); the package lists are refreshed only when a first try fails.
fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    // Another test may be installing its own packages at the same moment: wait for dpkg's lock.
    let install = ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "chromium", "chromium-driver"];
    let apt = |args: &[&str]| {
        quietly("apt-get", args, None) || {
            let mut with_sudo = vec!["-n", "apt-get"];
            with_sudo.extend_from_slice(args);
            quietly("sudo", &with_sudo, None)
        }
    };
    let installed =
        apt(&install) || (apt(&["-o", "DPkg::Lock::Timeout=600", "update", "-q"]) && apt(&install));
    if !installed {
        return Err("could not install chromium and chromium-driver with apt-get".into());
    }
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        Ok(())
    } else {
        Err(format!("{CHROMIUM} or {CHROMEDRIVER} is missing after installing"))
    }
}

/// axe-core's script, installed from the npm registry at the version tests/browser pins.
fn ensure_axe() -> Result<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let script = dir.join("node_modules/axe-core/axe.min.js");
    if !script.exists() && !quietly("npm", &["ci", "--no-audit", "--no-fund", "--silent"], Some(&dir)) {
        return Err("could not install axe-core with `npm ci` in tests/browser".into());
    }
    std::fs::read_to_string(&script).map_err(|e| format!("{}: {e}", script.display()))
}

/// The tools, installed once per test run; every browser test shares the answer.
pub fn tools() -> &'static Result<String, String> {
    static TOOLS: OnceLock<Result<String, String>> = OnceLock::new();
    TOOLS.get_or_init(|| ensure_chromium().and_then(|()| ensure_axe()))
}

/// A chromedriver on a loopback port with one headless Chromium session; both stop on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
}

/// One HTTP/1.1 exchange with the driver; the JSON body of its answer.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(|e| e.to_string())?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    // ChromeDriver keeps the connection open whatever the request says: read the header, then
    // exactly the body it announces (or chunks up to the last one).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let header_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the driver closed the connection".into());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding:") && head.contains("chunked");
    loop {
        let got = raw.len() - header_end;
        let complete = match length {
            Some(n) => got >= n,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let rest = String::from_utf8_lossy(&raw[header_end..]).into_owned();
    let body = if chunked { dechunk(&rest) } else { rest };
    let value: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    if let Some(error) = value["value"].get("error") {
        return Err(format!("{method} {path}: {error} {}", value["value"]["message"]));
    }
    Ok(value["value"].clone())
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a loopback port")
}

impl Browser {
    /// Start chromedriver and a headless Chromium with a window `width` × `height` CSS pixels.
    pub fn start(width: u32, height: u32) -> Result<Self, String> {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{CHROMEDRIVER}: {e}"))?;
        let profile = std::env::temp_dir().join(format!("muster-chromium-{}-{port}", std::process::id()));
        let mut browser = Self { driver, port, session: String::new(), profile };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(port, "GET", "/status", None).map_or(true, |v| v["ready"] != true) {
            if Instant::now() > deadline {
                return Err("chromedriver did not start".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Without the background-networking flags Chromium tries Google's hosts at every start.
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", browser.profile.display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let session = http(port, "POST", "/session", Some(&caps))?;
        browser.session = session["sessionId"].as_str().ok_or("no session id")?.to_string();
        // axe-core takes seconds on a long page.
        let timeouts = json!({"script": 120_000, "pageLoad": 60_000});
        http(port, "POST", &browser.at("timeouts"), Some(&timeouts))?;
        Ok(browser)
    }

    fn at(&self, what: &str) -> String {
        format!("/session/{}/{what}", self.session)
    }

    /// Open a local file.
    pub fn open(&self, file: &Path) -> Result<(), String> {
        self.open_url(&format!("file://{}", file.display()))
    }

    /// Open a page by its address.
    pub fn open_url(&self, url: &str) -> Result<(), String> {
        http(self.port, "POST", &self.at("url"), Some(&json!({"url": url}))).map(drop)
    }

    /// Run `script` (a function body; `arguments` as WebDriver gives them) and return its value.
    pub fn eval(&self, script: &str) -> Result<Value, String> {
        http(self.port, "POST", &self.at("execute/sync"), Some(&json!({"script": script, "args": []})))
    }

    /// Run `script` that calls `arguments[arguments.length - 1]` with its answer.
    pub fn eval_async(&self, script: &str) -> Result<Value, String> {
        http(self.port, "POST", &self.at("execute/async"), Some(&json!({"script": script, "args": []})))
    }

    /// Messages the page logged at level SEVERE (errors), as Chromium reports them.
    pub fn console_errors(&self) -> Result<Vec<String>, String> {
        let log = http(self.port, "POST", &self.at("se/log"), Some(&json!({"type": "browser"})))?;
        Ok(log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or("").to_string())
            .collect())
    }

    /// Press Enter on the element a CSS selector finds first.
    pub fn press_enter(&self, selector: &str) -> Result<(), String> {
        self.type_into(selector, "\u{E007}")
    }

    /// Type `text` as keys into the element a CSS selector finds first (WebDriver key codes,
    /// e.g. U+E007 for Enter, are pressed as keys).
    pub fn type_into(&self, selector: &str, text: &str) -> Result<(), String> {
        let found = http(
            self.port,
            "POST",
            &self.at("element"),
            Some(&json!({"using": "css selector", "value": selector})),
        )?;
        let id =
            found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).ok_or("no element")?;
        http(self.port, "POST", &self.at(&format!("element/{id}/value")), Some(&json!({"text": text})))
            .map(drop)
    }

    /// The serious and critical accessibility violations axe-core (its source `axe`) finds in
    /// the page.
    pub fn serious_violations(&self, axe: &str) -> Result<Vec<Value>, String> {
        const RUN: &str = "var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}; }));
}).catch(function (e) { done([{id: 'axe-error', impact: 'critical', nodes: 0, help: String(e)}]); });";
        self.eval(&format!("{axe}\nreturn typeof axe;"))?;
        let violations = self.eval_async(RUN)?;
        Ok(violations
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .cloned()
            .collect())
    }

    /// Make the page use its print stylesheet (DevTools `Emulation.setEmulatedMedia`).
    pub fn emulate_print(&self) -> Result<(), String> {
        let cmd = json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}});
        http(self.port, "POST", &self.at("goog/cdp/execute"), Some(&cmd)).map(drop)
    }

    /// Lay the page out as a phone `width` × `height` CSS pixels wide shows it (DevTools
    /// `Emulation.setDeviceMetricsOverride`): a headless window cannot be narrower than 500 px.
    pub fn emulate_phone(&self, width: u32, height: u32) -> Result<(), String> {
        let cmd = json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false
        }});
        http(self.port, "POST", &self.at("goog/cdp/execute"), Some(&cmd)).map(drop)
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let b64 = http(self.port, "GET", &self.at("screenshot"), None)?;
        base64_decode(b64.as_str().ok_or("no screenshot")?)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()) {
        acc = (acc << 6) | u32::from(value(c).ok_or("not base64")?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// Width and height of a PNG, from its header.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((be(16), be(20)))
}
