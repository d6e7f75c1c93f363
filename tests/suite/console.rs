//! The exercise-room web console (`muster tabletop S --serve`), end to end: a real server on a
//! free loopback port, its HTTP API spoken over std's TcpStream, and its pages in headless
//! Chromium. Commands are applied one at a time and logged before they are acknowledged;
//! refused requests change nothing; the log replays to the session's own bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::{muster, scratch};
use super::webdriver::{Browser, tools};

/// A console serving a shipped scenario; killed on drop if the test did not end it.
struct Console {
    child: Child,
    port: u16,
    code: Option<&'static str>,
}

impl Console {
    fn start(scenario: &str, extra: &[&str], dir: &Path) -> Self {
        let log = if extra.contains(&"--resume") { None } else { Some(dir.join("session.log")) };
        let mut child = muster()
            .args(["tabletop", scenario, "--serve", "127.0.0.1:0"])
            .args(log.iter().flat_map(|l| [std::ffi::OsStr::new("--log"), l.as_os_str()]))
            .arg("--json")
            .arg(dir.join("session.json"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.txt")).expect("a file for stderr"))
            .spawn()
            .expect("muster starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut port = None;
        let mut line = String::new();
        while port.is_none() && lines.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(rest) = line.split("room screen:  http://127.0.0.1:").nth(1) {
                port = rest.split('/').next().and_then(|p| p.parse().ok());
            }
            line.clear();
        }
        // The rest of stdout (the summary at the end) is read away so the server never blocks.
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let code = extra.iter().position(|a| *a == "--join-code").map(|i| {
            let c: &'static str = Box::leak(extra[i + 1].to_string().into_boxed_str());
            c
        });
        Console { child, port: port.expect("the console prints its room screen's address"), code }
    }

    /// One request; the status code and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        // A server that has stopped answers nothing: status 0.
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return (0, String::new()) };
        let body = body.unwrap_or("");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(c) = self.code {
            head.push_str(&format!("x-join-code: {c}\r\n"));
        }
        let mut answer = String::new();
        // A server stopping may close the connection mid-request: status 0 then.
        if stream.write_all(format!("{head}\r\n{body}").as_bytes()).is_err()
            || stream.read_to_string(&mut answer).is_err()
        {
            return (0, String::new());
        }
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    fn command(&self, line: &str) -> (u16, Value) {
        let body = json!({ "line": line }).to_string();
        let (status, text) =
            self.request("POST", "/api/command", Some(&body), &[("Content-Type", "application/json")]);
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn state(&self) -> Value {
        let (status, text) = self.request("GET", "/api/state", None, &[]);
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).expect("the state is JSON")
    }

    /// Wait for the process to end after `quit`; its exit status.
    fn wait(mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("the process") {
                return status;
            }
            assert!(Instant::now() < deadline, "the console did not stop after quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SCENARIO: &str = "summer-2024-late-trigger";

/// `muster replay` of the session's log in `d`, writing `out` with `flag` (`--json`, `--debrief`).
fn replay(d: &Path, flag: &str, out: &Path) {
    let o = muster().arg("replay").arg(d.join("session.log")).arg(flag).arg(out).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `muster replay` of the session's log in `d` gives the bytes of the session's own `--json`.
fn replays_to_the_session(d: &Path) {
    let replayed = d.join("replayed.json");
    replay(d, "--json", &replayed);
    assert_eq!(std::fs::read(&replayed).unwrap(), std::fs::read(d.join("session.json")).unwrap());
}

#[test]
fn the_console_applies_commands_refuses_bad_ones_and_its_log_replays_to_the_same_bytes() {
    let d = scratch("console", "api");
    let c = Console::start(SCENARIO, &[], &d);
    let s = c.state();
    assert_eq!((s["version"].as_u64(), s["clock"].as_str()), (Some(0), Some("D0+00:00")));
    assert_eq!(s["title"], "Disorder in many towns, national trigger late");
    let log = || std::fs::read_to_string(d.join("session.log")).expect("the log");
    let log_at_start = log();

    // Refused: nothing changes, and the answer says why.
    let (status, body) = c.command("approve R99");
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("no open request R99"), "{body}");
    let (status, body) = c.command("inject incident X riot nowhere public-order=3 for 2h");
    assert_eq!(status, 422, "{body}");
    let (status, text) = c.request("POST", "/api/command", Some("step 30m"), &[]);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("application/json"), "{text}");
    let (status, _) = c.command(&"step 30m ".repeat(500));
    assert_eq!(status, 400);
    let (status, text) = c.request("GET", "/no-such-page", None, &[]);
    assert_eq!((status, text.contains("no such page")), (404, true));
    assert_eq!(c.state()["version"], 0, "a refused request changed the state");
    assert_eq!(log(), log_at_start, "a refused request reached the log");

    // Accepted: the reply is the terminal's, the log has it before the answer comes back.
    // In players mode the room is stopped where a request starts waiting for a decision.
    let (status, body) = c.command("until D2+00:00");
    assert_eq!(status, 200, "{body}");
    let text = body["text"].as_str().unwrap_or("");
    assert!(
        text.contains("asks for") && text.contains("Stopped at D1+16:49: R1 waits for a decision"),
        "{body}"
    );
    assert!(log().ends_with("at D0+00:00 until D1+16:49\n"), "{}", log());
    let s = c.state();
    assert_eq!((s["version"].as_u64(), s["clock"].as_str()), (Some(1), Some("D1+16:49")));
    let open = s["status"]["requests"].as_array().expect("requests").len();
    assert!(open >= 1, "a request waits for the players: {s}");
    assert!(s["ticker"].as_array().is_some_and(|t| !t.is_empty()), "the ticker shows what happened");
    let (status, _) = c.command("approve all");
    assert_eq!(status, 200);
    // A note is stamped with the moment shown, logged, and read back in the debrief.
    let (status, body) = c.command("note Gold asks for options on mutual aid from Wales");
    assert_eq!(status, 200, "{body}");
    assert!(
        log().ends_with("at D1+16:49 note Gold asks for options on mutual aid from Wales\n"),
        "{}",
        log()
    );
    let (_, md) = c.request("GET", "/debrief.md", None, &[]);
    assert!(
        md.contains("## Notes") && md.contains("- D1+16:49: Gold asks for options on mutual aid from Wales"),
        "{md}"
    );
    assert_eq!(c.command("note").0, 422, "an empty note");
    let (status, body) = c.command("quit");
    assert_eq!(status, 200, "{body}");
    // While it stops, a late command is refused; then nothing answers.
    assert_ne!(c.command("step 30m").0, 200, "a command was carried out after quit");
    let status = c.wait();
    assert!(
        status.success(),
        "{status}: {}",
        std::fs::read_to_string(d.join("stderr.txt")).unwrap_or_default()
    );

    replays_to_the_session(&d);
}

/// Commands sent at once are applied one after the other, each seen whole; every screen's
/// event stream announces each new version.
#[test]
fn commands_at_once_apply_in_turn_and_every_stream_hears_of_them() {
    let d = scratch("console", "concurrent");
    let c = Console::start(SCENARIO, &[], &d);
    let mut stream = TcpStream::connect(("127.0.0.1", c.port)).expect("connect");
    stream.write_all(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("sent");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut events = BufReader::new(stream);
    let mut next_version = || -> Option<u64> {
        let mut line = String::new();
        while events.read_line(&mut line).ok()? > 0 {
            if let Some(v) = line.strip_prefix("data: ") {
                return v.trim().parse().ok();
            }
            line.clear();
        }
        None
    };
    assert_eq!(next_version(), Some(0), "a new screen hears the version now");
    let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> =
            ["step 30m", "step 1h", "step 2h"].iter().map(|l| s.spawn(|| c.command(l))).collect();
        handles.into_iter().map(|h| h.join().expect("a request")).collect()
    });
    let mut versions: Vec<u64> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 200, "{b}");
            b["version"].as_u64().expect("a version")
        })
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, [1, 2, 3], "each command is applied alone");
    assert_eq!(c.state()["clock"], "D0+03:30");
    let mut heard = 0;
    while heard < 3 {
        heard = next_version().expect("the stream announces every change");
    }
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert_eq!(log.lines().filter(|l| l.starts_with("at ")).count(), 3, "{log}");
}

#[test]
fn a_console_off_the_loopback_interface_needs_a_join_code() {
    let d = scratch("console", "code");
    let o = muster().args(["tabletop", SCENARIO, "--serve", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--serve 0.0.0.0:0") && err.contains("--join-code"), "{err}");
    let o = muster().args(["tabletop", SCENARIO, "--serve", "0", "--join-code", "a b"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("4 to 64 letters"));
    let o = muster().args(["tabletop", SCENARIO, "--serve", "not-an-address"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));

    let c = Console::start(SCENARIO, &["--join-code", "river-42"], &d);
    let mut stranger = TcpStream::connect(("127.0.0.1", c.port)).expect("connect");
    stranger.write_all(b"GET /room HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("sent");
    let mut page = String::new();
    stranger.read_to_string(&mut page).expect("read");
    assert!(page.starts_with("HTTP/1.1 401") && page.contains("join code"), "{page}");
    let mut stranger = TcpStream::connect(("127.0.0.1", c.port)).expect("connect");
    let body = r#"{"line":"step 30m"}"#;
    let req = format!(
        "POST /api/command HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stranger.write_all(req.as_bytes()).expect("sent");
    let mut answer = String::new();
    stranger.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(c.state()["version"], 0, "a stranger's command changed nothing");
    let (status, _) = c.request("GET", "/room?code=river-42", None, &[]);
    assert_eq!(status, 200);
    assert_eq!(c.command("quit").0, 200);
    let status = c.wait();
    assert!(
        status.success(),
        "{status}: {}",
        std::fs::read_to_string(d.join("stderr.txt")).unwrap_or_default()
    );
}

/// What people in the room see: the facilitator types a command and the room screen shows
/// the new moment and the request it raised; the seat that owns it approves it from the
/// keyboard with a reason, and the room screen shows the aid on its way; every page passes
/// axe-core and logs no errors; the room screen never scrolls at 1920×1080.
#[test]
fn the_room_screen_follows_the_facilitator_and_the_seats() {
    let (d, c, Screens { axe, base, room, desk, seat }) = open_room("browser");
    let other = Browser::start(1280, 900).expect("Chromium starts");
    other.open_url(&format!("{base}/seat/npocc")).expect("another seat's page opens");

    let text = |id: &str| format!("document.querySelector('{id}').textContent");
    wait_for(&room, &format!("{} === 'D0+00:00';", text("#clock")), "the room shows the clock");
    desk.type_into("#command", "until D2+00:00\u{E007}").expect("typed");
    wait_for(
        &room,
        &format!(
            "{} === 'D1+16:49' && {}.indexOf('awaiting decision') >= 0;",
            text("#clock"),
            text("#requests tbody")
        ),
        "the room screen shows the new moment and the waiting request within seconds",
    );
    wait_for(
        &seat,
        "document.querySelector('#requests button[data-command^=\"approve\"]') !== null;",
        "the seat sees its request",
    );
    wait_for(
        &other,
        &format!("{}.indexOf('No request of yours') >= 0;", text("#requests tbody")),
        "another seat does not",
    );
    seat.type_into("#rationale", "Merseyside needs it tonight").expect("a reason");
    seat.press_enter("#requests button[data-command^=\"approve\"]").expect("Enter on Approve");
    wait_for(
        &room,
        &format!("{}.indexOf('awaiting decision') < 0;", text("#requests tbody")),
        "the room screen shows the request decided",
    );
    desk.type_into("#command", "step 30m\u{E007}").expect("typed");
    wait_for(
        &room,
        "Array.prototype.some.call(document.querySelectorAll('#capabilities tbody td:nth-child(4)'), function (c) { return Number(c.textContent) > 0; });",
        "the room screen shows the aid on its way",
    );
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert!(log.contains("# seat north-west-coordinator: Merseyside needs it tonight"), "{log}");
    // The facilitator releases a scripted inject early, from the keyboard: every screen shows it.
    // (A screen redraws a table when its contents change: find the button afresh if it did.)
    let release = "#timeline button[data-timeline=\"2\"][data-action=\"release\"]";
    let pressed = (0..5).any(|_| {
        desk.press_enter(release).is_ok() || {
            std::thread::sleep(Duration::from_millis(200));
            false
        }
    });
    assert!(pressed, "Enter on Release now");
    for (name, b) in [("room", &room), ("seat", &seat), ("other seat", &other)] {
        wait_for(
            b,
            &format!("{}.indexOf('inject: A cyber attack') >= 0;", text("#ticker")),
            &format!("{name} shows the released inject"),
        );
    }
    wait_for(
        &desk,
        &format!("{}.indexOf('released') >= 0;", text("#timeline tbody tr:nth-child(2)")),
        "the facilitator sees it released",
    );
    // The debrief page, as the facilitator opens it mid-session (past a report sample).
    desk.type_into("#command", "step 2h\u{E007}").expect("typed");
    wait_for(&room, &format!("{}.indexOf('D1+19:19') === 0;", text("#clock")), "two hours on");
    let debrief = Browser::start(1280, 900).expect("Chromium starts");
    debrief.open_url(&format!("{base}/debrief")).expect("the debrief opens");
    wait_for(
        &debrief,
        "document.querySelector('h1') !== null && document.querySelector('h1').textContent.indexOf('Debrief') === 0;",
        "the debrief page",
    );
    // Its charts: the shortfall over time in both runs, and what the decisions were worth.
    wait_for(
        &debrief,
        "document.querySelectorAll('svg.chart polyline[data-label=\"players\\' shortfall\"]').length >= 1 && document.querySelector('#worth-cap') !== null;",
        "the debrief's charts",
    );
    wait_for(
        &debrief,
        "Array.prototype.some.call(document.querySelectorAll('td'), function (td) { return td.textContent === 'north-west-coordinator'; });",
        "the decisions by seat",
    );
    assert_eq!(debrief.console_errors().expect("the log"), Vec::<String>::new(), "debrief: console errors");
    let serious = debrief.serious_violations(axe).expect("axe-core runs");
    assert!(serious.is_empty(), "debrief: serious accessibility violations: {serious:#?}");
    drop(debrief);
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::create_dir_all(&shots);
    let _ = std::fs::write(shots.join("room-screen-1920.png"), room.screenshot().expect("a screenshot"));
    let fits = room
        .eval("return [document.documentElement.scrollHeight, document.documentElement.scrollWidth];")
        .expect("read");
    assert!(
        fits[0].as_u64() <= Some(1080) && fits[1].as_u64() <= Some(1920),
        "the room screen scrolls: {fits}"
    );
    let clipped = room
        .eval("return Array.prototype.filter.call(document.querySelectorAll('.room .panel'), function (p) { return p.scrollWidth > p.clientWidth + 1; }).map(function (p) { return p.id || p.getAttribute('aria-labelledby'); });")
        .expect("read");
    assert_eq!(clipped, json!([]), "panels of the room screen cut their tables off");
    for (name, b) in [("room", &room), ("facilitator", &desk), ("seat", &seat)] {
        assert_eq!(b.console_errors().expect("the log"), Vec::<String>::new(), "{name}: console errors");
        let serious = b.serious_violations(axe).expect("axe-core runs");
        assert!(serious.is_empty(), "{name}: serious accessibility violations: {serious:#?}");
    }
    drop((room, desk, seat, other));
    assert_eq!(c.command("quit").0, 200);
    let status = c.wait();
    assert!(
        status.success(),
        "{status}: {}",
        std::fs::read_to_string(d.join("stderr.txt")).unwrap_or_default()
    );
}

/// The screens of a room in Chromium, and axe-core's source.
struct Screens {
    axe: &'static str,
    base: String,
    room: Browser,
    desk: Browser,
    seat: Browser,
}

/// A console serving the shipped exercise, with the room screen (1920×1080), the
/// facilitator's console and the North West coordinator's seat open.
fn open_room(name: &str) -> (std::path::PathBuf, Console, Screens) {
    let axe = match tools() {
        Ok(axe) => axe,
        Err(e) => panic!("the browser tests need Chromium, ChromeDriver and axe-core: {e}"),
    };
    let d = scratch("console", name);
    let c = Console::start(SCENARIO, &["--exercise", EXERCISE], &d);
    let base = format!("http://127.0.0.1:{}", c.port);
    let room = Browser::start(1920, 1080).expect("Chromium starts");
    room.emulate_phone(1920, 1080).expect("room metrics");
    room.open_url(&format!("{base}/room")).expect("the room screen opens");
    let desk = Browser::start(1280, 900).expect("Chromium starts");
    desk.open_url(&format!("{base}/facilitator")).expect("the facilitator's console opens");
    let seat = Browser::start(1280, 900).expect("Chromium starts");
    seat.open_url(&format!("{base}/seat/north-west-coordinator")).expect("a seat's page opens");
    (d, c, Screens { axe: axe.as_str(), base, room, desk, seat })
}

/// Wait up to 10 s for `script` (an expression) to be true in `b`; fail saying `what`.
fn wait_for(b: &Browser, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if b.eval(&format!("return {script}")).ok() == Some(Value::Bool(true)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {:?} {:?}",
            b.eval("return document.body.innerText.slice(0, 600);"),
            b.console_errors()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Choose `value` in the select a CSS selector finds, as a person picking it would.
fn choose(b: &Browser, selector: &str, value: &str) {
    let picked = b
        .eval(&format!(
            "var s = document.querySelector('{selector}'); s.value = '{value}'; s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value;"
        ))
        .expect("a select");
    assert_eq!(picked, json!(value), "{selector} offers {value}");
}

/// The facilitator's forms and a seat's own decisions, in the browser: the room map draws the
/// force areas and what happens on them; a seat modifies its request from the policy's
/// proposal (and cannot send another seat's forces); the inject form checks its fields before
/// sending and shows the session's refusal beside the field it is about; a closed link
/// appears on the room map; time runs by itself and pauses.
#[test]
fn forms_the_map_and_a_running_clock_work_in_the_browser() {
    let (d, c, Screens { axe, base: _, room, desk, seat }) = open_room("forms");
    let text = |id: &str| format!("document.querySelector('{id}').textContent");
    let count = |sel: &str| format!("document.querySelectorAll('{sel}').length");
    wait_for(
        &room,
        &format!("{} >= 40;", count("#map path[data-code]")),
        "the room map draws the force areas",
    );
    desk.type_into("#command", "until D2+00:00\u{E007}").expect("typed");
    wait_for(&room, &format!("{} === 'D1+16:49';", text("#clock")), "the room follows");
    wait_for(
        &room,
        &format!("{} >= 1;", count("#map-overlay circle.incident.short")),
        "an incident short of units on the map",
    );

    // The seat modifies its request from the policy's proposal.
    wait_for(
        &seat,
        "document.querySelector('#requests button[data-modify]') !== null;",
        "Modify on the seat's request",
    );
    seat.press_enter("#requests button[data-modify]").expect("Enter on Modify");
    // Just raised, the region has not received it: the policy proposes nothing yet, so the
    // form starts empty, on R1, ready for the seat's own mix.
    wait_for(
        &seat,
        "document.activeElement.id === 'f-modify-sends' && document.querySelector('#f-modify-request').value === '1';",
        "Modify leads to the form, on R1",
    );
    // Another seat's force is refused, beside the form, and nothing changes.
    seat.type_into("#f-modify-sends", "met=1").expect("typed");
    seat.press_enter("form[data-form=modify] button[type=submit]").expect("Enter on submit");
    wait_for(
        &seat,
        "document.querySelector('form[data-form=modify] [role=alert]').textContent.indexOf('does not command met') >= 0;",
        "the refusal shown",
    );
    assert!(
        c.state()["status"]["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .any(|r| r["decision"] == "awaiting decision")
    );
    seat.eval("document.querySelector('#f-modify-sends').value = '';").expect("cleared");
    let mix = "cumbria=2 lancashire=1";
    seat.type_into("#f-modify-sends", mix).expect("typed");
    seat.type_into("#rationale", "Our own mix").expect("a reason");
    seat.press_enter("form[data-form=modify] button[type=submit]").expect("Enter on submit");
    wait_for(
        &room,
        &format!("{}.indexOf('awaiting decision') < 0;", text("#requests tbody")),
        "the request decided",
    );
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert!(log.contains(&format!("modify R1 {mix}  # seat north-west-coordinator: Our own mix")), "{log}");

    // The inject form checks its fields before anything is sent.
    let version = c.state()["version"].clone();
    desk.type_into("#f-incident-id", "leeds-riot").expect("typed");
    desk.type_into("#f-incident-demand", "public-order").expect("typed");
    desk.type_into("#f-incident-duration", "6h").expect("typed");
    desk.press_enter("form[data-form=incident] button[type=submit]").expect("Enter on Inject");
    wait_for(&desk, &format!("{}.length > 0;", text("#f-incident-demand-error")), "the demand field's error");
    assert_eq!(c.state()["version"], version, "an invalid form sent nothing");
    // A link between forces that share no border: the session's refusal beside the second force.
    choose(&desk, "#inject-kind", "link-closed");
    choose(&desk, "#f-link-closed-a", "gmp");
    choose(&desk, "#f-link-closed-b", "kent");
    desk.type_into("#f-link-closed-duration", "6h").expect("typed");
    desk.press_enter("form[data-form=link-closed] button[type=submit]").expect("Enter on Inject");
    wait_for(
        &desk,
        &format!("{}.indexOf('share no border') >= 0;", text("#f-link-closed-b-error")),
        "the refusal beside the field",
    );
    assert_eq!(
        desk.eval("return document.querySelector('#f-link-closed-b').getAttribute('aria-invalid');")
            .expect("read"),
        json!("true")
    );
    choose(&desk, "#f-link-closed-b", "lancashire");
    desk.press_enter("form[data-form=link-closed] button[type=submit]").expect("Enter on Inject");
    wait_for(
        &desk,
        &format!("{}.indexOf('link-closed gmp lancashire') >= 0;", text("#reply")),
        "the inject's reply",
    );
    // It applies from the next tick: the next moment shows it in force.
    desk.press_enter("button[data-command=\"step 30m\"]").expect("Enter on Step 30 min");
    wait_for(
        &room,
        &format!("{} === 1;", count("#map-overlay line.link-closed")),
        "the closed link on the room map",
    );
    wait_for(
        &room,
        &format!("{}.indexOf('link-closed') >= 0;", text("#disruptions")),
        "and in force in the header",
    );

    // Time runs by itself, and pauses.
    let state = c.state();
    let before = state["status"]["now"].as_u64().expect("now");
    let shown = state["clock"].as_str().expect("clock").to_string();
    desk.press_enter("button[data-rate=\"240\"]").expect("Enter on 4 h a minute");
    wait_for(
        &room,
        &format!("{}.indexOf('running, 4 h a minute') >= 0;", text("#clock")),
        "the room shows time running",
    );
    wait_for(&room, &format!("{}.indexOf('{shown}') < 0;", text("#clock")), "the clock moves by itself");
    desk.press_enter("#pause").expect("Enter on Pause");
    wait_for(&room, &format!("{}.indexOf('running') < 0;", text("#clock")), "paused");
    let paused_at = c.state()["status"]["now"].as_u64().expect("now");
    assert!(paused_at > before, "{paused_at} > {before}");
    std::thread::sleep(Duration::from_millis(5_500));
    assert_eq!(c.state()["status"]["now"].as_u64(), Some(paused_at), "a paused clock stays");
    let fits = room
        .eval("return [document.documentElement.scrollHeight, document.documentElement.scrollWidth];")
        .expect("read");
    assert!(
        fits[0].as_u64() <= Some(1080) && fits[1].as_u64() <= Some(1920),
        "the room screen scrolls: {fits}"
    );
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::create_dir_all(&shots);
    let _ = std::fs::write(shots.join("room-screen-map.png"), room.screenshot().expect("a screenshot"));
    let _ = std::fs::write(shots.join("facilitator-forms.png"), desk.screenshot().expect("a screenshot"));
    for (name, b) in [("room", &room), ("facilitator", &desk), ("seat", &seat)] {
        // The refusals this test provoked are logged by Chromium as failed loads; nothing else.
        let errors: Vec<String> = b
            .console_errors()
            .expect("the log")
            .into_iter()
            .filter(|e| {
                !e.contains("/api/command - Failed to load resource: the server responded with a status of 4")
            })
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{name}: console errors");
        let serious = b.serious_violations(axe).expect("axe-core runs");
        assert!(serious.is_empty(), "{name}: serious accessibility violations: {serious:#?}");
    }
    drop((room, desk, seat));
    assert_eq!(c.command("quit").0, 200);
    assert!(c.wait().success());
    replays_to_the_session(&d);
}

const EXERCISE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/exercises/summer-2024-gold-group.toml");

/// Seats decide their own requests, and only those; the log keeps who decided and why, and
/// still replays to the session's bytes.
#[test]
fn seats_decide_their_own_requests_and_the_log_says_who_and_why() {
    let d = scratch("console", "seats");
    let c = Console::start(SCENARIO, &["--exercise", EXERCISE], &d);
    let s = c.state();
    assert_eq!(s["title"], "Summer 2024 disorder: national Gold group");
    assert_eq!(s["seats"].as_array().map(Vec::len), Some(4));
    assert_eq!(c.command("until D2+00:00").0, 200);
    let s = c.state();
    let r = &s["status"]["requests"][0];
    let n = r["number"].as_u64().expect("a request");
    assert_eq!(r["host"], "merseyside");
    assert_eq!(s["owners"][n.to_string()], "north-west-coordinator", "{s}");

    let as_seat = |seat: &str, line: &str, why: Option<&str>| {
        let mut body = json!({ "line": line, "seat": seat });
        if let Some(w) = why {
            body["rationale"] = json!(w);
        }
        let (status, text) = c.request(
            "POST",
            "/api/command",
            Some(&body.to_string()),
            &[("Content-Type", "application/json")],
        );
        (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
    };
    let (status, body) = as_seat("npocc", &format!("approve R{n}"), None);
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("North West regional coordinator"), "{body}");
    let (status, body) = as_seat("north-west-coordinator", "step 30m", None);
    assert_eq!(status, 403, "a seat cannot move time: {body}");
    let (status, _) = as_seat("north-west-coordinator", "approve all", None);
    assert_eq!(status, 403);
    let (status, body) = as_seat("no-such-seat", &format!("approve R{n}"), None);
    assert_eq!(status, 404, "{body}");
    // A seat sends and holds only the forces it commands (the North West's), whatever the case.
    for line in [
        "send 2 public-order from met to southport".to_string(),
        "hold MET".into(),
        format!("modify R{n} cumbria=1 kent=1"),
        format!("modify R{n} MET=1"),
    ] {
        let (status, body) = as_seat("north-west-coordinator", &line, None);
        assert_eq!(status, 403, "{line}: {body}");
        assert!(body["error"].as_str().unwrap_or("").contains("does not command"), "{body}");
    }
    let (status, body) = as_seat("npocc", &format!("modify R{n} cumbria=1"), None);
    assert_eq!(status, 403, "another seat's request: {body}");
    // Run rates: out of range or not a rate is a 400 with a hint, and nothing runs.
    for body in [r#"{"rate": 100000}"#, r#"{"rate": -1}"#, r#"{"rate": "fast"}"#, r#"{"speed": 60}"#] {
        let (status, text) =
            c.request("POST", "/api/run", Some(body), &[("Content-Type", "application/json")]);
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains("hint"), "{text}");
    }
    assert_eq!(c.state()["running"], Value::Null);
    assert_eq!(c.state()["version"], 1, "refused seats and rates changed nothing");
    let (status, body) =
        as_seat("north-west-coordinator", "hold cumbria firearms", Some("kept for Carlisle"));
    assert_eq!(status, 200, "a seat holds its own force: {body}");

    let (status, body) =
        as_seat("north-west-coordinator", &format!("approve R{n}"), Some("Merseyside needs it tonight"));
    assert_eq!(status, 200, "{body}");
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert!(
        log.contains(&format!("approve R{n}  # seat north-west-coordinator: Merseyside needs it tonight")),
        "{log}"
    );
    // The debrief so far, as a page and as Markdown, prices the seat's decision.
    let (status, md) = c.request("GET", "/debrief.md", None, &[]);
    assert_eq!(status, 200);
    assert!(
        md.starts_with("# Debrief")
            && md.contains("seat north-west-coordinator: Merseyside needs it tonight"),
        "{md}"
    );
    let (status, html) = c.request("GET", "/debrief", None, &[]);
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Debrief") && html.contains("<table>"), "{html}");
    let (status, page) = c.request("GET", "/seat/npocc", None, &[]);
    assert_eq!((status, page.contains("Your requests")), (200, true));
    assert_eq!(c.request("GET", "/seat/nobody", None, &[]).0, 404);
    assert_eq!(c.command("quit").0, 200);
    assert!(c.wait().success());
    replays_to_the_session(&d);
    // A replay keeps who decided and why: its debrief says so beside the decision.
    let debrief = d.join("debrief.md");
    replay(&d, "--debrief", &debrief);
    let debrief = std::fs::read_to_string(&debrief).unwrap();
    assert!(debrief.contains("seat north-west-coordinator: Merseyside needs it tonight"), "{debrief}");
}

#[test]
fn a_malformed_exercise_file_is_located_and_nothing_starts() {
    let d = scratch("console", "bad-exercise");
    let file = d.join("bad.toml");
    std::fs::write(
        &file,
        "[[seat]]\nid = \"npocc\"\ntiers = [4]\n\n[[seat]]\nid = \"nw\"\ntiers = [2]\nregions = [\"north-wst\"]\n\n[[inject]]\nat = \"D1+18:00\"\ncommand = \"approve all\"\n",
    )
    .unwrap();
    let o = muster()
        .args(["tabletop", SCENARIO, "--serve", "127.0.0.1:0", "--exercise"])
        .arg(&file)
        .arg("--log")
        .arg(d.join("never.log"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let name = file.display().to_string();
    assert!(err.contains(&format!("{name}:3:10: tier 4 is not a request tier")), "{err}");
    assert!(
        err.contains(&format!("{name}:8:12: unknown region 'north-wst'")) && err.contains("north-west"),
        "{err}"
    );
    assert!(err.contains(&format!("{name}:12:11: a scripted inject must be an inject command")), "{err}");
    assert!(!d.join("never.log").exists(), "nothing is written");
}

/// Scripted injects release themselves as the clock passes them (the advance stops at each,
/// carries it out, and goes on), unless held or skipped; the facilitator can release one early;
/// the log holds what happened, so a replay needs no timeline.
#[test]
fn the_timeline_releases_injects_as_the_clock_passes_them() {
    let d = scratch("console", "timeline");
    // The policy decides requests, so no request stops the clock here.
    let c = Console::start(SCENARIO, &["--exercise", EXERCISE, "--mode", "auto"], &d);
    let act = |inject: i64, action: &str| {
        let body = json!({ "inject": inject, "action": action }).to_string();
        let (status, text) =
            c.request("POST", "/api/timeline", Some(&body), &[("Content-Type", "application/json")]);
        (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
    };
    let s = c.state();
    assert_eq!(s["timeline"][0]["state"], "due");
    assert_eq!(s["timeline"][0]["at"], 2 * 1440 + 18 * 60);

    let (status, body) = c.command("until D3+00:00");
    assert_eq!(status, 200, "{body}");
    assert!(
        body["text"]
            .as_str()
            .unwrap_or("")
            .contains("D2+18:00 inject: A second seat of disorder in Sunderland"),
        "{body}"
    );
    let s = c.state();
    assert_eq!(s["clock"], "D3+00:00");
    assert_eq!(
        (s["timeline"][0]["state"].as_str(), s["timeline"][0]["released_at"].as_u64()),
        (Some("released"), Some(2 * 1440 + 18 * 60))
    );
    assert_eq!(s["timeline"][1]["state"], "due");
    assert!(
        s["ticker"]
            .as_array()
            .is_some_and(|t| t.iter().any(|l| l.as_str().unwrap_or("").contains("inject: A second seat"))),
        "{s}"
    );
    assert!(
        s["status"]["incidents"].as_array().is_some_and(|i| i.iter().any(|i| i["id"] == "sunderland-riot")),
        "the inject took effect"
    );
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert!(log.contains("at D0+00:00 until D2+18:00\n"), "{log}");
    assert!(log.contains("at D2+18:00 inject incident sunderland-riot disorder northumbria public-order=10 for 8h  # timeline: A second seat of disorder in Sunderland\n"), "{log}");
    assert!(log.contains("at D2+18:00 until D3+00:00\n"), "{log}");

    // Held, it does not release itself; released by hand, it happens now.
    assert_eq!(act(2, "hold").0, 200);
    assert_eq!(c.command("until D4+00:00").0, 200);
    assert_eq!(c.state()["timeline"][1]["state"], "held");
    let (status, body) = act(2, "release");
    assert_eq!(status, 200, "{body}");
    let s = c.state();
    assert_eq!(
        (s["timeline"][1]["state"].as_str(), s["timeline"][1]["released_at"].as_u64()),
        (Some("released"), Some(4 * 1440))
    );

    // Refused: nothing changes.
    let version = c.state()["version"].clone();
    assert_eq!(act(2, "skip").0, 422, "already released");
    assert_eq!(act(9, "release").0, 422);
    assert_eq!(act(0, "release").0, 400);
    assert_eq!(act(1, "explode").0, 400);
    assert_eq!(c.state()["version"], version);

    assert_eq!(c.command("quit").0, 200);
    assert!(c.wait().success());
    replays_to_the_session(&d);
}

/// A server killed mid-session (no chance to write anything more) is started again from its
/// log with --resume: the same moment, the same open requests, the timeline as it was, and
/// the finished log replays to the resumed session's bytes.
#[test]
fn a_killed_console_resumes_from_its_log_to_the_same_state() {
    let d = scratch("console", "resume");
    let log = d.join("session.log");
    let before = {
        let c = Console::start(SCENARIO, &["--exercise", EXERCISE], &d);
        assert_eq!(c.command("until D2+00:00").0, 200);
        let s = c.state();
        let n = s["status"]["requests"][0]["number"].as_u64().expect("a request");
        let line = format!("approve R{n}");
        let body = json!({ "line": line, "seat": "north-west-coordinator", "rationale": "before the crash" });
        let (status, _) = c.request(
            "POST",
            "/api/command",
            Some(&body.to_string()),
            &[("Content-Type", "application/json")],
        );
        assert_eq!(status, 200);
        assert_eq!(c.command("mode auto").0, 200);
        assert_eq!(c.command("until D3+00:00").0, 200);
        let s = c.state();
        assert_eq!(s["timeline"][0]["state"], "released");
        // Dropping the console kills the process (SIGKILL): nothing more is written.
        (s["clock"].clone(), s["status"].clone(), s["timeline"].clone())
    };
    let logged = std::fs::read_to_string(&log).expect("the log");
    let c =
        Console::start(SCENARIO, &["--exercise", EXERCISE, "--resume", log.to_str().expect("a path")], &d);
    let s = c.state();
    assert_eq!(
        (s["clock"].clone(), s["status"].clone(), s["timeline"].clone()),
        before,
        "resumed to another state"
    );
    assert_eq!(std::fs::read_to_string(&log).expect("the log"), logged, "resuming rewrote the log");
    assert_eq!(c.command("step 2h").0, 200);
    assert_eq!(c.command("quit").0, 200);
    assert!(c.wait().success());
    let finished = std::fs::read_to_string(&log).expect("the log");
    assert!(finished.starts_with(&logged) && finished.ends_with("at D3+00:00 step 2h\n"), "{finished}");
    replays_to_the_session(&d);
}

/// `--debrief FILE.html` writes the page the console shows; any other name, the Markdown.
#[test]
fn a_debrief_file_named_html_is_the_page() {
    let d = scratch("console", "debrief-html");
    std::fs::write(d.join("s.txt"), "until D2+00:00\napprove all\nuntil D2+06:00\n").unwrap();
    let o = muster()
        .args(["tabletop", SCENARIO, "--script"])
        .arg(d.join("s.txt"))
        .arg("--debrief")
        .arg(d.join("d.html"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(d.join("d.html")).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("<h1>Debrief: "), "{page}");
    assert!(page.contains("<code>approve all</code>"), "the decisions are listed: {page}");
}

/// With a decision timer, a request the players leave undecided has the policy's proposal
/// approved when the timer runs out, at that moment of the scenario, and the log says so.
#[test]
fn an_undecided_request_goes_to_the_policy_when_its_timer_runs_out() {
    let d = scratch("console", "timer");
    let exercise = d.join("timer.toml");
    std::fs::write(&exercise, "[exercise]\ndecision_timer = \"1h\"\n\n[[seat]]\nid = \"nw\"\ntiers = [2]\nregions = [\"north-west\"]\n").unwrap();
    let c = Console::start(SCENARIO, &["--exercise", exercise.to_str().expect("a path")], &d);
    assert_eq!(c.state()["decision_timer"], 60);
    // The first advance stops where R1 starts waiting; the next runs the timer out.
    let mut text = String::new();
    while c.state()["clock"] != "D2+06:00" {
        let (status, body) = c.command("until D2+06:00");
        assert_eq!(status, 200, "{body}");
        text.push_str(body["text"].as_str().unwrap_or(""));
    }
    assert!(text.contains("D1+17:49 R1 left undecided: the policy's proposal approved"), "{text}");
    assert!(
        !text.contains("D0+01:00 → D0+02:00"),
        "one advance is one stretch, however often it stopped: {text}"
    );
    let s = c.state();
    assert_eq!(s["clock"], "D2+06:00");
    assert!(
        s["status"]["requests"].as_array().is_some_and(|r| r.iter().all(|r| r["decision"]
            != "awaiting decision"
            || r["raised_at"].as_u64() > Some(2 * 1440 + 5 * 60))),
        "{s}"
    );
    let log = std::fs::read_to_string(d.join("session.log")).expect("the log");
    assert!(
        log.contains("at D1+17:49 approve R1  # timer: undecided for 1h, the policy's proposal approved\n"),
        "{log}"
    );
    assert_eq!(c.command("quit").0, 200);
    assert!(c.wait().success());
    replays_to_the_session(&d);
}
