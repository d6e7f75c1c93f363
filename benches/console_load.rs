//! Load check of the exercise-room web console: 30 screens follow a session of the national
//! scenario as the room's screens do (an event stream each, and a fresh `/api/state` after
//! every `version` event), while the facilitator sends commands. For each command it measures
//! the time from sending it until every screen holds the state it made, and prints the
//! median, 95th percentile and maximum.
//!
//! ```sh
//! cargo bench --bench console_load            # 30 screens, 40 commands
//! cargo bench --bench console_load -- 60 100  # 60 screens, 100 commands
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const SCENARIO: &str = "critical-threat-terror-and-disorder";

/// One exchange; `None` once the server has gone (after quit).
fn request(port: u16, method: &str, path: &str, body: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// The version in a state's JSON (the first field).
fn version_of(state: &str) -> u64 {
    state
        .split("\"version\":")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let screens = args.first().copied().unwrap_or(30) as usize;
    let commands = args.get(1).copied().unwrap_or(40);
    let mut child = Command::new(env!("CARGO_BIN_EXE_muster"))
        .args(["tabletop", SCENARIO, "--serve", "127.0.0.1:0", "--mode", "auto"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("muster starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let mut port = 0u16;
    while port == 0 && out.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(rest) = line.split("room screen:  http://127.0.0.1:").nth(1) {
            port = rest.split('/').next().and_then(|p| p.parse().ok()).unwrap_or(0);
        }
        line.clear();
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(port != 0, "the console printed no address");

    // What each screen has caught up to: the version of the last state it fetched.
    let seen: Arc<Vec<AtomicU64>> = Arc::new((0..screens).map(|_| AtomicU64::new(0)).collect());
    let ready = Arc::new(Barrier::new(screens + 1));
    for i in 0..screens {
        let (seen, ready) = (Arc::clone(&seen), Arc::clone(&ready));
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            s.write_all(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("sent");
            let mut events = BufReader::new(s);
            let mut line = String::new();
            let mut first = true;
            while events.read_line(&mut line).unwrap_or(0) > 0 {
                if line.starts_with("data: ") {
                    let Some(state) = request(port, "GET", "/api/state", "") else { return };
                    seen[i].store(version_of(&state), Ordering::SeqCst);
                    if first {
                        first = false;
                        ready.wait();
                    }
                }
                line.clear();
            }
        });
    }
    ready.wait();
    let mut latencies = Vec::new();
    for k in 1..=commands {
        let start = Instant::now();
        let answer =
            request(port, "POST", "/api/command", r#"{"line":"step 30m"}"#).expect("the console answers");
        let version = version_of(&answer);
        assert_eq!(version, k, "command {k} answered {answer}");
        while seen.iter().any(|v| v.load(Ordering::SeqCst) < version) {
            assert!(start.elapsed() < Duration::from_secs(30), "a screen did not catch up");
            std::thread::sleep(Duration::from_micros(200));
        }
        latencies.push(start.elapsed());
    }
    let _ = request(port, "POST", "/api/command", r#"{"line":"quit"}"#);
    let _ = child.wait();
    latencies.sort();
    let at = |p: f64| latencies[((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1];
    println!(
        "{screens} screens, {commands} commands (step 30m of {SCENARIO}): every screen up to date after median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
}
