//! The command line as a user meets it: exit codes, messages, files written or not.

use std::process::Command;

fn muster() -> Command {
    Command::new(env!("CARGO_BIN_EXE_muster"))
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("muster-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn run_writes_json_and_csv_and_prints_a_summary() {
    let dir = tmp("run");
    let json = dir.join("out.json");
    let csv = dir.join("csv");
    let out = muster()
        .args(["run", "tests/data/riot-at-alpha.toml", "--dataset", "tests/data/three-forces.toml", "--json"])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Demand met        66.0%"), "{stdout}");
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(result["summary"]["met_unit_hours"], 33.0);
    assert_eq!(result["manifest"]["seed"], 1);
    for f in ["series_incidents.csv", "series_national.csv", "incidents.csv", "forces.csv"] {
        let text = std::fs::read_to_string(csv.join(f)).unwrap();
        assert!(text.lines().count() > 1, "{f} is empty");
    }
}

#[test]
fn seed_and_set_reach_the_manifest_and_the_run() {
    let dir = tmp("seed");
    let json = dir.join("out.json");
    let out = muster()
        .args([
            "run",
            "tests/data/riot-at-alpha.toml",
            "--dataset",
            "tests/data/three-forces.toml",
            "--seed",
            "7",
        ])
        .args(["--set", "policy.retained_cover=1.0", "-q", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(r["manifest"]["seed"], 7);
    assert_eq!(r["summary"]["aid_deployments"], 0);
}

#[test]
fn bad_scenario_exits_2_with_a_located_message_and_writes_nothing() {
    let dir = tmp("bad");
    let scenario = dir.join("bad.toml");
    std::fs::write(&scenario, "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"mett\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n").unwrap();
    let json = dir.join("out.json");
    let out = muster().arg("run").arg(&scenario).arg("--json").arg(&json).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.toml:7:9: unknown force 'mett'"), "{stderr}");
    assert!(stderr.contains("hint: did you mean 'met'"), "{stderr}");
    assert!(!json.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only the scenario is in the directory");
}

#[test]
fn missing_file_and_bad_set_exit_2() {
    let out = muster().args(["run", "no/such/file.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.toml:1:1: cannot read the file"));
    let out = muster()
        .args(["validate", "scenarios/london-disorder-2011.toml", "--set", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--set nonsense"));
}

#[test]
fn validate_and_dataset_commands() {
    let out = muster().args(["validate", "scenarios/london-disorder-2011.toml"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"));
    let out = muster().arg("dataset").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("48 forces"), "{text}");
    assert!(text.contains("west-midlands"));

    let dir = tmp("export");
    let file = dir.join("mine.toml");
    let out = muster().args(["dataset", "--export"]).arg(&file).output().unwrap();
    assert!(out.status.success());
    // The export is accepted back as a dataset and gives the same run.
    let a = muster()
        .args(["run", "scenarios/london-disorder-2011.toml", "-q", "--json"])
        .arg(dir.join("a.json"))
        .output()
        .unwrap();
    let b = muster()
        .args(["run", "scenarios/london-disorder-2011.toml", "-q", "--dataset"])
        .arg(&file)
        .arg("--json")
        .arg(dir.join("b.json"))
        .output()
        .unwrap();
    assert!(a.status.success() && b.status.success());
    let ra: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("a.json")).unwrap()).unwrap();
    let rb: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("b.json")).unwrap()).unwrap();
    assert_eq!(ra["summary"], rb["summary"]);
    assert_eq!(ra["manifest"]["dataset_sha256"], rb["manifest"]["dataset_sha256"]);
}
