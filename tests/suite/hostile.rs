//! Hostile inputs at the command line, each a case a reliability engineer found accepted,
//! misreported or unbounded: every one is now refused with exit code 2, named or located, and
//! nothing written; or (stdin, debriefs) handled as it goes. Files live in a temporary folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use super::common::{RIOT_AT_ALPHA, THREE_FORCES, muster, scratch};

fn dir(name: &str) -> PathBuf {
    scratch("hostile", name)
}

/// `muster ARGS` in `d`, with the three-force world there as `riot.toml` and `three.toml`.
fn in_world(d: &Path, args: &[&str]) -> Output {
    std::fs::write(d.join("riot.toml"), RIOT_AT_ALPHA).unwrap();
    std::fs::write(d.join("three.toml"), THREE_FORCES).unwrap();
    muster().current_dir(d).args(args).output().unwrap()
}

/// Exit code 2, stderr starting with `start` and holding every one of `words`.
fn refused(o: &Output, start: &str, words: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with(start), "does not start with '{start}':\n{err}");
    for w in words {
        assert!(err.contains(w), "'{w}' not in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn number_arguments_are_bounded_and_checked() {
    let d = dir("numbers");
    let w = |args: &[&str]| in_world(&d, args);
    // A typo in a measure no longer "holds at 0.000×": it is refused, with the nearest name.
    let typo = w(&["headroom", "riot.toml", "--dataset", "three.toml", "--measure", "demand_mett"]);
    refused(&typo, "--measure demand_mett: unknown measure", &["did you mean 'demand_met'?"]);
    for bad in ["NaN", "inf"] {
        let o = w(&["headroom", "riot.toml", "--dataset", "three.toml", "--threshold", bad]);
        refused(&o, &format!("--threshold {bad}:"), &["finite"]);
    }
    let share = w(&["headroom", "riot.toml", "--dataset", "three.toml", "--share", "1.5"]);
    refused(&share, "--share 1.5:", &[]);
    // Named as typed, not as a --set override.
    let shard = w(&[
        "ensemble",
        "riot.toml",
        "--dataset",
        "three.toml",
        "--runs",
        "4",
        "--shard",
        "0/0",
        "--out",
        "e.jsonl",
    ]);
    let err = refused(&shard, "--shard 0/0:", &[]);
    assert!(!err.contains("--set"), "{err}");
    // Beyond the bounds clap is given: refused before anything is allocated.
    for args in [
        &["ensemble", "riot.toml", "--runs", "18446744073709551615", "--out", "e.jsonl"][..],
        &["run", "riot.toml", "--dataset", "three.toml", "--seed", "-1"],
        &["headroom", "riot.toml", "--steps", "1000000"],
        &["ensemble", "riot.toml", "--runs", "10", "--threads", "100000", "--out", "e.jsonl"],
    ] {
        let o = w(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let grid: Vec<String> = (0..=1000).map(|i| format!("{}", f64::from(i) / 2000.0)).collect();
    let sweep = w(&[
        "sweep",
        "riot.toml",
        "--dataset",
        "three.toml",
        "--set",
        &format!("policy.retained_cover={}", grid.join(",")),
        "--runs",
        "1",
        "--out",
        "grid.csv",
    ]);
    refused(&sweep, "--set", &["1001 points", "at most 1000 points"]);
    let synth = w(&["synth", "--forces", "5", "--units-per-force", "4294967295", "--out", "big.toml"]);
    refused(&synth, "--forces 5 --units-per-force 4294967295:", &["more than the 1000000"]);
    for f in ["e.jsonl", "grid.csv", "big.toml"] {
        assert!(!d.join(f).exists(), "{f} was written");
    }
}

#[test]
fn an_oversized_input_is_refused_without_reading_it_all() {
    let d = dir("oversized");
    // 17 MiB of comments: valid TOML, but no hand-written input is this large.
    let line = "# a comment line of filler text, repeated well past the input limit\n";
    let copies = 17 * 1024 * 1024 / line.len() + 1;
    std::fs::write(d.join("huge.toml"), line.repeat(copies)).unwrap();
    let o = in_world(&d, &["validate", "huge.toml"]);
    refused(&o, "huge.toml:", &["larger than 16 MB", "hint:"]);
}

#[test]
fn a_file_of_nonsense_prints_the_first_hundred_problems_and_a_count() {
    let d = dir("nonsense");
    std::fs::write(d.join("junk.toml"), "=\n".repeat(150)).unwrap();
    let o = in_world(&d, &["validate", "junk.toml"]);
    let err = refused(&o, "junk.toml:1:", &[]);
    let located = err.lines().filter(|l| l.starts_with("junk.toml:")).count();
    assert_eq!(located, 100, "{err}");
    let total: usize = err
        .lines()
        .find_map(|l| {
            l.strip_prefix("error: ")?
                .strip_suffix(" problems found; nothing was run or written")?
                .parse()
                .ok()
        })
        .expect("a total");
    assert!(total > 100, "{err}");
    assert!(err.contains(&format!("... and {} more", total - 100)), "{err}");
}

#[test]
fn errors_teach_a_newcomer() {
    let d = dir("teach");
    // A force by its name is pointed at its code.
    std::fs::write(
        d.join("gm.toml"),
        "[scenario]\nname = \"x\"\nhorizon = \"12h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"greater-manchester\"\nstart = \"0h\"\nduration = \"6h\"\ndemand = { public-order = 4 }\n",
    )
    .unwrap();
    let o = in_world(&d, &["validate", "gm.toml"]);
    refused(&o, "gm.toml:7:9: unknown force 'greater-manchester'", &["Greater Manchester Police", "'gmp'"]);
    // A misspelt key suggests the nearest valid one.
    std::fs::write(d.join("typo.toml"), RIOT_AT_ALPHA.replace("duration =", "durration =")).unwrap();
    let o = in_world(&d, &["validate", "typo.toml", "--dataset", "three.toml"]);
    refused(&o, "typo.toml:", &["durration", "did you mean 'duration'?"]);
    // A constant demand is accepted, and validate counts what was written, then what it
    // expands to (one regional outage is one disruption per force of the region).
    std::fs::write(
        d.join("outage.toml"),
        "[scenario]\nname = \"x\"\nhorizon = \"12h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"gmp\"\nstart = \"0h\"\nduration = \"6h\"\ndemand = { public-order = 4 }\n[[disruption]]\nkind = \"comms-outage\"\nregion = \"north-west\"\nstart = \"1h\"\nend = \"3h\"\n",
    )
    .unwrap();
    let o = in_world(&d, &["validate", "outage.toml"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("1 incident(s), 1 disruption(s) (5 once expanded)"), "{out}");
    // The dataset listing shows names beside codes.
    let o = muster().arg("dataset").output().unwrap();
    let listing = String::from_utf8_lossy(&o.stdout);
    let gmp = listing.lines().find(|l| l.starts_with("gmp ")).expect("gmp is listed");
    assert!(gmp.ends_with("Greater Manchester Police"), "{gmp}");
}

#[test]
fn compare_labels_each_side_with_its_file_and_overrides() {
    let d = dir("compare");
    std::fs::write(d.join("tight.toml"), RIOT_AT_ALPHA.replace("horizon = \"12h\"", "horizon = \"11h\""))
        .unwrap();
    let o = in_world(
        &d,
        &[
            "compare",
            "riot.toml",
            "tight.toml",
            "--dataset",
            "three.toml",
            "--runs",
            "2",
            "--set",
            "policy.retained_cover=0.9",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let label = |side: &str| out.lines().find(|l| l.trim_start().starts_with(side)).unwrap_or("").to_string();
    let (a, b) = (label("A:"), label("B:"));
    assert!(a.contains("riot.toml") && a.contains("--set policy.retained_cover=0.9"), "{out}");
    assert!(b.contains("tight.toml"), "{out}");
    assert_ne!(a, b);
}

#[test]
fn a_tabletop_acts_on_each_line_of_its_input_as_it_comes() {
    let d = dir("stdin");
    std::fs::write(d.join("riot.toml"), RIOT_AT_ALPHA).unwrap();
    std::fs::write(d.join("three.toml"), THREE_FORCES).unwrap();
    let mut child = muster()
        .current_dir(&d)
        .args(["tabletop", "riot.toml", "--dataset", "three.toml"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The input stays open: a session that read all of its input before acting would wait
    // here for ever; one that acts line by line quits.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"step 1h\nquit\n").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the session did not act on 'quit' while its input stayed open");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("D0+01:00"));
}

#[test]
fn a_scripted_debrief_that_cannot_be_written_stops_the_session() {
    let d = dir("debrief");
    std::fs::write(d.join("s.txt"), "step 1h\ndebrief missing-folder/d.md\nstep 1h\n").unwrap();
    let o = in_world(
        &d,
        &["tabletop", "riot.toml", "--dataset", "three.toml", "--script", "s.txt", "--json", "r.json"],
    );
    refused(&o, "s.txt:2:1: cannot write missing-folder/d.md", &["the session stopped at this line"]);
    assert!(!d.join("r.json").exists());
}

#[test]
fn scenario_values_that_would_wrap_or_vanish_are_refused() {
    let d = dir("values");
    for (name, text, words) in [
        (
            "scale.toml",
            RIOT_AT_ALPHA.replace("seed = 1", "seed = 1\ndemand_scale = 1.1e8"),
            &["demand_scale", "more than 1000"][..],
        ),
        ("tick.toml", RIOT_AT_ALPHA.replace("seed = 1", "seed = 1\ntick = \"11h\""), &["tick"]),
        (
            "samples.toml",
            RIOT_AT_ALPHA.replace("horizon = \"12h\"", "horizon = \"3650d\"\nreport_interval = \"1m\""),
            &["report_interval"],
        ),
        (
            "priority.toml",
            RIOT_AT_ALPHA.replace("start = \"0h\"", "start = \"0h\"\npriority = 100000"),
            &["priority"],
        ),
        (
            "ctrl.toml",
            RIOT_AT_ALPHA.replace("id = \"riot\"", "id = \"riot\\u001b[2J\""),
            &["control character"],
        ),
    ] {
        std::fs::write(d.join(name), text).unwrap();
        let o = in_world(&d, &["run", name, "--dataset", "three.toml", "--json", "out.json"]);
        refused(&o, &format!("{name}:"), words);
        assert!(!d.join("out.json").exists());
    }
}

#[test]
fn a_merge_part_of_one_endless_line_is_refused_at_it() {
    let d = dir("merge-line");
    // 65 MiB without a newline: what a device or a wrong file looks like to a line reader.
    std::fs::write(d.join("part.jsonl"), vec![b'x'; 65 << 20]).unwrap();
    let o = in_world(&d, &["merge", "part.jsonl", "--out", "all.jsonl"]);
    refused(&o, "part.jsonl:1:", &["longer than 64 MB"]);
    assert!(!d.join("all.jsonl").exists());
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly_not_in_a_panic() {
    // `muster scenarios | head -1`: the reader closes the pipe after the first line.
    let mut child = muster()
        .args(["scenarios"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("muster starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("muster ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
