//! Ensembles: the same bytes for any thread count and any shard layout, shards run as
//! separate processes and merged.

use super::common::{muster, scratch};
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    scratch("ens", name)
}

const ARGS: [&str; 6] =
    ["ensemble", "disorder-spreads-from-southport", "--runs", "10", "--set", "scenario.horizon=3d"];

fn ensemble(extra: &[&str], out: &Path) {
    let o = muster().args(ARGS).args(extra).arg("--out").arg(out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn any_thread_count_and_any_shard_layout_give_the_same_bytes() {
    let d = dir("same");
    ensemble(&["--threads", "1"], &d.join("one.jsonl"));
    ensemble(&["--threads", "2"], &d.join("two.jsonl"));
    assert_eq!(read(&d.join("one.jsonl")), read(&d.join("two.jsonl")));
    assert_eq!(read(&d.join("one.aggregate.json")), read(&d.join("two.aggregate.json")));

    for n in [2u32, 3] {
        let parts: Vec<PathBuf> = (1..=n).map(|k| d.join(format!("part{k}of{n}.jsonl"))).collect();
        // Separate processes, as a batch scheduler would run them.
        for (k, p) in parts.iter().enumerate() {
            ensemble(&["--shard", &format!("{}/{n}", k + 1), "--threads", "1"], p);
        }
        let merged = d.join(format!("merged{n}.jsonl"));
        let mut reversed = parts.clone();
        reversed.reverse();
        let o = muster().arg("merge").args(&reversed).arg("--out").arg(&merged).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(read(&merged), read(&d.join("one.jsonl")), "{n} shards");
        assert_eq!(read(&d.join(format!("merged{n}.aggregate.json"))), read(&d.join("one.aggregate.json")));
    }
}

#[test]
fn the_ensemble_file_has_a_manifest_and_one_line_per_replication() {
    let d = dir("shape");
    ensemble(&[], &d.join("e.jsonl"));
    let text = String::from_utf8(read(&d.join("e.jsonl"))).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11);
    let head: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(head["manifest"]["runs"], 10);
    assert_eq!(head["manifest"]["seed"], 2024);
    for (i, l) in lines[1..].iter().enumerate() {
        let r: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(r["replication"], i as u64);
    }
    let agg: serde_json::Value = serde_json::from_slice(&read(&d.join("e.aggregate.json"))).unwrap();
    assert_eq!(agg["completed"], 10);
    let met = &agg["measures"]["demand_met"];
    assert!(met["p5"].as_f64() <= met["p50"].as_f64() && met["p50"].as_f64() <= met["p95"].as_f64());
    assert!(agg["measures"]["capabilities.public-order.unmet_unit_hours"]["n"] == 10);
    // Replications differ: the disorder draws differ by replication.
    assert!(met["min"].as_f64() < met["max"].as_f64(), "{met}");
    // Percentile bands of the national series: every 2 hours over 3 days, ordered.
    let po = agg["series"]["public-order"].as_array().unwrap();
    assert_eq!(po.len(), 37);
    for (i, p) in po.iter().enumerate() {
        assert_eq!(p["t"], i as u64 * 120);
        let s = &p["shortfall"];
        assert!(s["p5"].as_f64() <= s["p50"].as_f64() && s["p50"].as_f64() <= s["p95"].as_f64(), "{p}");
    }
    assert!(po.iter().any(|p| p["shortfall"]["p95"].as_f64().unwrap() > 0.0));
}

#[test]
fn merge_refuses_incomplete_or_mixed_parts() {
    let d = dir("bad");
    ensemble(&["--shard", "1/2"], &d.join("a.jsonl"));
    let o =
        muster().args(["merge"]).arg(d.join("a.jsonl")).arg("--out").arg(d.join("m.jsonl")).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!d.join("m.jsonl").exists());

    let o = muster()
        .args([
            "ensemble",
            "disorder-spreads-from-southport",
            "--runs",
            "10",
            "--set",
            "scenario.horizon=2d",
            "--shard",
            "2/2",
            "--out",
        ])
        .arg(d.join("b.jsonl"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = muster()
        .arg("merge")
        .arg(d.join("a.jsonl"))
        .arg(d.join("b.jsonl"))
        .arg("--out")
        .arg(d.join("m.jsonl"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different ensemble"));

    let o = muster().args(ARGS).args(["--shard", "3/2", "--out"]).arg(d.join("c.jsonl")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));

    // The merge streams the parts a record at a time, so it checks each part's order as it
    // goes: a part given twice, or a part whose lines were shuffled, is refused and nothing of
    // the merge is left behind (not even its partial lines).
    let merge = |parts: &[&str]| {
        let mut c = muster();
        c.arg("merge");
        for p in parts {
            c.arg(d.join(p));
        }
        c.arg("--out").arg(d.join("m.jsonl")).output().unwrap()
    };
    ensemble(&["--shard", "2/2"], &d.join("a2.jsonl"));
    let o = merge(&["a.jsonl", "a.jsonl", "a2.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("appears twice"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(d.join("a.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(d.join("shuffled.jsonl"), lines.join("\n") + "\n").unwrap();
    let o = merge(&["shuffled.jsonl", "a2.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is missing") || err.contains("rise in replication order"), "{err}");
    assert!(!d.join("m.jsonl").exists() && !d.join("m.jsonl.partial").exists());
    assert!(merge(&["a2.jsonl", "a.jsonl"]).status.success(), "parts in any order merge");
}

#[test]
fn compare_pairs_replications_and_reports_differences() {
    let d = dir("compare");
    let out = d.join("c.json");
    let o = muster()
        .args(["compare", "summer-2024-early-trigger", "summer-2024-late-trigger", "--runs", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: serde_json::Value = serde_json::from_slice(&read(&out)).unwrap();
    let unmet = &c["measures"]["unmet_unit_hours"];
    assert!(unmet["mean_diff"].as_f64().unwrap() > 0.0, "a late trigger leaves more unmet: {unmet}");
    assert_eq!(unmet["n"], 2);

    // A scenario against itself: no difference at all, on any measure.
    let o = muster()
        .args([
            "compare",
            "disorder-spreads-from-southport",
            "disorder-spreads-from-southport",
            "--runs",
            "4",
        ])
        .args(["--set", "scenario.horizon=3d", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let c: serde_json::Value = serde_json::from_slice(&read(&out)).unwrap();
    for (k, v) in c["measures"].as_object().unwrap() {
        assert_eq!(v["mean_diff"], 0.0, "{k}");
    }
}

#[test]
fn sweep_runs_every_point_of_the_grid() {
    let d = dir("sweep");
    let out = d.join("s.csv");
    let o = muster()
        .args(["sweep", "disorder-spreads-from-southport", "--runs", "3", "--set", "scenario.horizon=3d"])
        .args([
            "--set",
            "policy.retained_cover=0.3,0.7",
            "--set",
            "policy.national_trigger.at=1d,2d,3d",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(read(&out)).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 1 + 2 * 3);
    assert!(rows[0].starts_with("policy.retained_cover,policy.national_trigger.at,demand_met.mean"));
    assert!(rows[1].starts_with("0.3,1d,") && rows[6].starts_with("0.7,3d,"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(&read(&d.join("s.json"))).unwrap();
    assert_eq!(json["grid"].as_array().unwrap().len(), 6);

    // A bad value anywhere in the grid stops the sweep before anything runs.
    let o = muster()
        .args([
            "sweep",
            "disorder-spreads-from-southport",
            "--runs",
            "3",
            "--set",
            "policy.retained_cover=0.3,7",
            "--out",
        ])
        .arg(d.join("bad.csv"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("bad.csv").exists());
}

#[test]
fn headroom_brackets_the_largest_demand_the_criterion_survives() {
    use super::common::*;
    // The riot at alpha meets 66% of its 5-PSU demand as written (hand_checked.rs). Asking
    // for at least 0.66 in every run, the multiple must hold at 1× and fail by 2× (the three
    // forces can send 7 PSUs, later and later).
    let model = load(RIOT_AT_ALPHA, Some(THREE_FORCES), &[]).unwrap();
    let criterion =
        muster::analysis::headroom::Criterion { measure: "demand_met".into(), threshold: 0.66, share: 1.0 };
    let h = muster::analysis::headroom::headroom(&model, 1, &criterion, 6, || {});
    assert_eq!(h.len(), 1);
    assert!(h[0].holds_at >= 1.0, "{h:?}");
    let fails = h[0].fails_at.expect("demand cannot double");
    assert!(fails <= 2.0 && fails > h[0].holds_at && fails - h[0].holds_at <= 1.0 / 64.0 + 1e-9, "{h:?}");
    // Every level tried that is at most holds_at passed; every level at least fails_at failed.
    for (scale, share) in &h[0].tried {
        if *scale <= h[0].holds_at {
            assert_eq!(*share, 1.0, "{scale}");
        } else {
            assert!(*scale >= fails && *share < 1.0, "{scale} {share}");
        }
    }
}

#[test]
fn criticality_ranks_what_the_host_depends_on() {
    use super::common::*;
    let model = load(RIOT_AT_ALPHA, Some(THREE_FORCES), &[]).unwrap();
    let (base, ranking) = muster::analysis::criticality::criticality(&model, 1, || {});
    assert_eq!(base, 17.0);
    assert_eq!(ranking.len(), 3 + 2);
    let get = |name: &str| ranking.iter().find(|c| c.name == name).unwrap().extra_unmet_unit_hours;
    // Without alpha-bravo, neither bravo nor charlie can reach alpha: 2×(600−180) + 1×120
    // unit-minutes of aid lost = 16 unit-hours.
    assert_eq!(get("alpha-bravo"), 16.0);
    // Without bravo's PSUs, charlie sends 3 at tier 3 instead of 1 (arriving at 480):
    // met = 2×510 + 3×120 = 1380 unit-minutes, 10 unit-hours less than the 33 of the baseline.
    // Without charlie's, its one PSU is lost (2 unit-hours).
    assert_eq!(get("bravo"), 10.0);
    assert_eq!(get("charlie"), 2.0);
    assert!(ranking.windows(2).all(|w| w[0].extra_unmet_unit_hours >= w[1].extra_unmet_unit_hours));
}

#[test]
fn resume_continues_an_interrupted_run_to_the_same_bytes() {
    let d = dir("resume");
    let full = d.join("full.jsonl");
    ensemble(&[], &full);
    // An interrupted run leaves NAME.partial: the manifest, four replications and half a line.
    let text = read(&full);
    let mut cut = 0;
    for _ in 0..5 {
        cut += text[cut..].iter().position(|&b| b == b'\n').unwrap() + 1;
    }
    let out = d.join("again.jsonl");
    let mut partial = text[..cut].to_vec();
    partial.extend_from_slice(&text[cut..cut + 40]);
    std::fs::write(d.join("again.jsonl.partial"), partial).unwrap();
    let o = muster().args(ARGS).args(["--resume", "--out"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("resuming after 4 replications"));
    assert_eq!(read(&out), read(&full));
    assert_eq!(read(&d.join("again.aggregate.json")), read(&d.join("full.aggregate.json")));
    assert!(!d.join("again.jsonl.partial").exists());

    // A partial file of another ensemble is refused.
    std::fs::write(d.join("other.jsonl.partial"), &text[..cut]).unwrap();
    let o = muster()
        .args(["ensemble", "disorder-spreads-from-southport", "--runs", "7", "--resume", "--out"])
        .arg(d.join("other.jsonl"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different ensemble"));
}

#[test]
fn an_ensemble_whose_replications_all_agree_says_so() {
    let d = dir("equal");
    let run = |extra: &[&str], name: &str| {
        let o = muster()
            .args(["ensemble", "birmingham-attack-cyber", "--runs", "4"])
            .args(extra)
            .arg("--out")
            .arg(d.join(name))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let pinned = run(&["--set", "uncertainty.deterministic=true"], "pinned.jsonl");
    assert!(pinned.contains("All 4 replications gave the same result"), "{pinned}");
    let drawn = run(&[], "drawn.jsonl");
    assert!(!drawn.contains("gave the same result"), "{drawn}");
    let o = muster()
        .arg("report")
        .arg(d.join("pinned.jsonl"))
        .arg("--markdown")
        .arg(d.join("r.md"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(d.join("r.md")).unwrap();
    assert!(md.contains("all gave the same result"), "{md}");
}

#[test]
fn an_ensemble_and_a_merge_make_the_folder_of_their_output() {
    // A batch script writes into results/run-7/ without making it first.
    let d = dir("folders");
    let part = d.join("results/run-7/part-1.jsonl");
    ensemble(&["--shard", "1/1"], &part);
    assert!(part.exists() && d.join("results/run-7/part-1.aggregate.json").exists());
    let merged = d.join("merged/all/m.jsonl");
    let o = muster().arg("merge").arg(&part).arg("--out").arg(&merged).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(merged.exists());
}

/// `--records` chooses what a line holds; the aggregate is made of what the lines hold, so
/// shards of compact records merge to the one-machine bytes, and parts of different records
/// are refused by name.
#[test]
fn compact_records_hold_less_and_still_merge_to_the_same_bytes() {
    let d = dir("records");
    let size = |name: &str| {
        let text = std::fs::read_to_string(d.join(name)).unwrap();
        let second: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
        (text.lines().nth(1).unwrap().len(), second)
    };
    for what in ["summary", "evidence", "full"] {
        ensemble(&["--records", what], &d.join(format!("{what}.jsonl")));
    }
    let (summary, s) = size("summary.jsonl");
    let (evidence, e) = size("evidence.jsonl");
    let (full, f) = size("full.jsonl");
    assert!(summary < evidence && evidence < full, "{summary} < {evidence} < {full}");
    assert!(s.get("evidence").is_none() && s.get("series").is_none() && s.get("summary").is_some());
    assert!(e.get("evidence").is_some() && e.get("series").is_none());
    assert!(f.get("evidence").is_some() && f.get("series").is_some());
    // The headline measures agree whatever the lines hold.
    let agg = |what: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join(format!("{what}.aggregate.json"))).unwrap())
            .unwrap()
    };
    assert_eq!(agg("summary")["measures"]["demand_met"], agg("full")["measures"]["demand_met"]);
    assert!(agg("summary").get("assessment").is_none(), "summary lines have nothing to grade");
    assert!(agg("evidence")["assessment"].is_object() && agg("evidence")["series"] == serde_json::json!({}));
    // A full file's manifest says nothing about records: files from 0.2.0 read the same.
    assert!(
        !std::fs::read_to_string(d.join("full.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .contains("\"records\"")
    );

    let parts: Vec<PathBuf> = (1..=2).map(|k| d.join(format!("ev{k}.jsonl"))).collect();
    for (k, p) in parts.iter().enumerate() {
        ensemble(&["--records", "evidence", "--shard", &format!("{}/2", k + 1)], p);
    }
    let o = muster().arg("merge").args(&parts).arg("--out").arg(d.join("m.jsonl")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&d.join("m.jsonl")), read(&d.join("evidence.jsonl")));
    assert_eq!(read(&d.join("m.aggregate.json")), read(&d.join("evidence.aggregate.json")));

    ensemble(&["--shard", "2/2"], &d.join("full2.jsonl"));
    let o = muster()
        .arg("merge")
        .arg(&parts[0])
        .arg(d.join("full2.jsonl"))
        .arg("--out")
        .arg(d.join("x.jsonl"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--records full but the first holds --records evidence"), "{err}");
    assert!(!d.join("x.jsonl").exists());

    let o = muster().args(ARGS).args(["--records", "tiny", "--out"]).arg(d.join("t.jsonl")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("summary, evidence, full"));
}
