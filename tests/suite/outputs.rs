//! Outputs that cannot destroy anything: an output that is an input, or another output, is
//! refused before anything runs; symbolic links are followed, named pipes written as streams;
//! a session log is never truncated by accident; a command writes all its files or none; a
//! second writer of the same file is stopped; a tampered partial ensemble is refused at its
//! line. Everything happens inside a temporary folder (never the system's own devices).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::common::{RIOT_AT_ALPHA, THREE_FORCES, muster, scratch};

fn dir(name: &str) -> PathBuf {
    scratch("out", name)
}

/// The three-force world and its riot, written into `d`.
fn world(d: &Path) -> (PathBuf, PathBuf) {
    let (s, data) = (d.join("riot.toml"), d.join("three.toml"));
    std::fs::write(&s, RIOT_AT_ALPHA).unwrap();
    std::fs::write(&data, THREE_FORCES).unwrap();
    (s, data)
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    muster().args(args).output().unwrap()
}

/// `muster run S --dataset DATA --json OUT` (`-q` when `quiet`).
fn run_json(s: &Path, data: &Path, out: &Path, quiet: bool) -> Output {
    let mut args = vec![
        "run".as_ref(),
        s.as_os_str(),
        "--dataset".as_ref(),
        data.as_os_str(),
        "--json".as_ref(),
        out.as_os_str(),
    ];
    if quiet {
        args.push("-q".as_ref());
    }
    run(&args)
}

fn refused(o: &Output, words: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for w in words {
        assert!(err.contains(w), "'{w}' not in:\n{err}");
    }
}

#[test]
fn an_output_that_is_an_input_or_another_output_is_refused_and_nothing_changes() {
    let d = dir("clash");
    let (s, data) = world(&d);
    let before = std::fs::read(&s).unwrap();
    let o = run_json(&s, &data, &s, false);
    refused(&o, &["riot.toml", "same file as the input", "choose another path"]);
    assert_eq!(std::fs::read(&s).unwrap(), before);
    // The dataset through another spelling of its path.
    let other = d.join(".").join("three.toml");
    let o = run_json(&s, &data, &other, false);
    refused(&o, &["same file as the input"]);
    assert_eq!(std::fs::read_to_string(&data).unwrap(), THREE_FORCES);
    // Two outputs of one command.
    let (a, b) = (d.join("s.toml"), d.join("s.toml"));
    let o = run(&[
        "synth".as_ref(),
        "--forces".as_ref(),
        "10".as_ref(),
        "--units-per-force".as_ref(),
        "10".as_ref(),
        "--out".as_ref(),
        a.as_os_str(),
        "--scenario".as_ref(),
        b.as_os_str(),
    ]);
    refused(&o, &["same file as the output"]);
    assert!(!a.exists());
    // A report over its own source; an ensemble merged over one of its parts.
    let json = d.join("r.json");
    let o = run_json(&s, &data, &json, true);
    assert!(o.status.success());
    let kept = std::fs::read(&json).unwrap();
    let o = run(&["report".as_ref(), json.as_os_str(), "--html".as_ref(), json.as_os_str()]);
    refused(&o, &["same file as the input"]);
    assert_eq!(std::fs::read(&json).unwrap(), kept);
}

#[test]
fn a_session_log_is_never_cut_or_replaced_by_accident() {
    let d = dir("log");
    let (s, data) = world(&d);
    let script = d.join("s.txt");
    std::fs::write(&script, "step 1h\n").unwrap();
    let tabletop = |extra: &[&std::ffi::OsStr]| {
        let mut c = muster();
        c.args(["tabletop".as_ref(), s.as_os_str(), "--dataset".as_ref(), data.as_os_str()]).args(extra);
        c.output().unwrap()
    };
    // The script as the log.
    let o = tabletop(&["--script".as_ref(), script.as_os_str(), "--log".as_ref(), script.as_os_str()]);
    refused(&o, &["same file as the input"]);
    assert_eq!(std::fs::read_to_string(&script).unwrap(), "step 1h\n");
    // A log written, then given again: refused, then replaced only when asked.
    let log = d.join("g.log");
    let o = tabletop(&["--script".as_ref(), script.as_os_str(), "--log".as_ref(), log.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recorded = std::fs::read(&log).unwrap();
    let o = tabletop(&["--script".as_ref(), script.as_os_str(), "--log".as_ref(), log.as_os_str()]);
    refused(&o, &["--log", "already holds a session", "--overwrite"]);
    assert_eq!(std::fs::read(&log).unwrap(), recorded);
    // Branching from a log into the same log.
    let o = tabletop(&[
        "--from".as_ref(),
        log.as_os_str(),
        "--at".as_ref(),
        "30m".as_ref(),
        "--log".as_ref(),
        log.as_os_str(),
    ]);
    refused(&o, &["same file as the input"]);
    assert_eq!(std::fs::read(&log).unwrap(), recorded);
    let o = tabletop(&[
        "--script".as_ref(),
        script.as_os_str(),
        "--log".as_ref(),
        log.as_os_str(),
        "--overwrite".as_ref(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A replay's result may not be written over its log.
    let o = run(&["replay".as_ref(), log.as_os_str(), "--json".as_ref(), log.as_os_str()]);
    refused(&o, &["same file as the input"]);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_and_named_pipes_written_as_streams() {
    let d = dir("special");
    let (s, data) = world(&d);
    // A link to a file: the file gets the result, the link stays a link.
    let real = d.join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = d.join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = run_json(&s, &data, &link, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"manifest\""));
    // A named pipe: written to, never replaced by a file.
    let fifo = d.join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = run_json(&s, &data, &fifo, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(reader.join().unwrap().contains("\"manifest\""));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the pipe was replaced");
}

#[test]
fn a_command_writes_all_its_files_or_none() {
    let d = dir("all-or-none");
    let (s, data) = world(&d);
    let json = d.join("r.json");
    let o = run_json(&s, &data, &json, true);
    assert!(o.status.success());
    // The Markdown report cannot be written (its folder would be a file): the HTML is not left.
    let blocker = d.join("blocker");
    std::fs::write(&blocker, "a file").unwrap();
    let (html, md) = (d.join("ok.html"), blocker.join("r.md"));
    let o = run(&[
        "report".as_ref(),
        json.as_os_str(),
        "--html".as_ref(),
        html.as_os_str(),
        "--markdown".as_ref(),
        md.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!html.exists(), "a half-done command left ok.html");
    let left: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().starts_with(".tmp")), "temporary files left: {left:?}");
}

#[test]
fn a_second_writer_of_the_same_output_is_stopped() {
    let d = dir("lock");
    let (s, data) = world(&d);
    let out = d.join("r.json");
    // Another muster holds the lock beside r.json.
    let lock = std::fs::File::create(d.join(".r.json.muster-lock")).unwrap();
    lock.try_lock().unwrap();
    let o = run_json(&s, &data, &out, true);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("another muster is writing"), "{err}");
    assert!(!out.exists());
    drop(lock);
    let o = run_json(&s, &data, &out, true);
    assert!(o.status.success());
}

#[test]
fn a_tampered_partial_ensemble_is_refused_at_its_line() {
    let d = dir("resume");
    let out = d.join("e.jsonl");
    let args = |extra: &[&str]| {
        let mut c = muster();
        c.args([
            "ensemble",
            "london-disorder-2011",
            "--runs",
            "6",
            "--threads",
            "1",
            "--set",
            "scenario.horizon=3d",
        ])
        .args(extra)
        .arg("--out")
        .arg(&out);
        c
    };
    let o = args(&[]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // A partial file with replication 2 twice (a line duplicated).
    let partial = d.join("e.jsonl.partial");
    let tampered = [lines[0], lines[1], lines[2], lines[3], lines[3]].join("\n") + "\n";
    std::fs::write(&partial, tampered).unwrap();
    let o = args(&["--resume"]).output().unwrap();
    refused(&o, &["e.jsonl.partial:5:1", "replication 2 where replication 3 was expected"]);
    assert!(partial.exists(), "the partial file is kept for the user to look at");
}
