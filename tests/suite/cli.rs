//! The command line as a user meets it: exit codes, messages, files written or not.

use super::common::{muster, scratch};

fn tmp(name: &str) -> std::path::PathBuf {
    scratch("cli", name)
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

#[test]
fn report_writes_html_markdown_and_gis_identically_from_a_run() {
    let dir = tmp("report");
    let json = dir.join("london.json");
    let out = muster().args(["run", "london-disorder-2011", "-q", "--json"]).arg(&json).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(result["assessment"]["nation"]["areas"].as_array().is_some_and(|a| a.len() == 4));
    let mut bytes = Vec::new();
    for round in ["a", "b"] {
        let (html, md, gis) =
            (dir.join(format!("{round}.html")), dir.join(format!("{round}.md")), dir.join(round));
        let out = muster()
            .arg("report")
            .arg(&json)
            .arg("--html")
            .arg(&html)
            .arg("--markdown")
            .arg(&md)
            .arg("--gis")
            .arg(&gis)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let files = [
            html,
            md,
            gis.join("forces.csv"),
            gis.join("links.csv"),
            gis.join("forces.geojson"),
            gis.join("links.geojson"),
        ];
        bytes.push(files.iter().map(|f| std::fs::read(f).unwrap()).collect::<Vec<_>>());
    }
    assert_eq!(bytes[0], bytes[1], "the same result gives byte-identical reports");
    let forces: serde_json::Value = serde_json::from_slice(&bytes[0][4]).unwrap();
    let features = forces["features"].as_array().unwrap();
    assert_eq!(features.len(), 48);
    let met = features.iter().find(|f| f["properties"]["code"] == "met").unwrap();
    assert_eq!(met["geometry"]["type"], "MultiPolygon", "a force with an area exports it");
    // Longitude first, latitude second (RFC 7946): London is about (-0.1, 51.5).
    let first = &met["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    assert!((-0.6..0.4).contains(&lon) && (51.2..51.8).contains(&lat), "({lon}, {lat})");
    assert!(met["properties"]["received_unit_hours"].as_f64().unwrap() > 0.0);
    let btp = features.iter().find(|f| f["properties"]["code"] == "btp").unwrap();
    assert_eq!(btp["geometry"]["type"], "Point", "a national force has only its HQ");
    // A force the scenario did not touch is not tested: null, not a grade or a string.
    let untouched = features.iter().find(|f| f["properties"]["code"] == "psni").unwrap();
    assert!(untouched["properties"]["grade_capability"].is_null(), "{}", untouched["properties"]);
    let links: serde_json::Value = serde_json::from_slice(&bytes[0][5]).unwrap();
    assert_eq!(links["features"].as_array().unwrap().len(), 107);
    assert_eq!(String::from_utf8_lossy(&bytes[0][3]).lines().count(), 108);
    // Longitude before latitude in the CSV too.
    assert!(String::from_utf8_lossy(&bytes[0][2]).starts_with("code,name,region,lon,lat,"));
    assert!(
        String::from_utf8_lossy(&bytes[0][3])
            .lines()
            .next()
            .unwrap_or("")
            .ends_with("a_lon,a_lat,b_lon,b_lat")
    );

    // Without an output, the grades go to the terminal.
    let out = muster().arg("report").arg(&json).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("SPR assessment (one run"));
}

#[test]
fn report_of_an_ensemble_is_the_same_from_its_lines_and_its_aggregate() {
    let dir = tmp("report-ensemble");
    let lines = dir.join("e.jsonl");
    let out = muster()
        .args(["ensemble", "tests/data/riot-at-alpha.toml", "--dataset", "tests/data/three-forces.toml"])
        .args(["--runs", "3", "--out"])
        .arg(&lines)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let aggregate: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("e.aggregate.json")).unwrap()).unwrap();
    assert_eq!(aggregate["assessment"]["basis"], "means over 3 replications");
    let mut reports = Vec::new();
    for (input, md) in [(lines.clone(), dir.join("a.md")), (dir.join("e.aggregate.json"), dir.join("b.md"))] {
        let out = muster().arg("report").arg(&input).arg("--markdown").arg(&md).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        reports.push(std::fs::read_to_string(&md).unwrap());
    }
    assert_eq!(reports[0], reports[1]);
    assert!(reports[0].contains("Ensemble of 3 replications"));
}

#[test]
fn bad_report_input_and_bad_thresholds_exit_2_and_write_nothing() {
    let dir = tmp("report-bad");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"summary\": {\n    \"demand_met\": 0.5,,\n").unwrap();
    let html = dir.join("r.html");
    let out = muster().arg("report").arg(&broken).arg("--html").arg(&html).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.json:3:"), "{err}");
    assert!(!html.exists());

    let other = dir.join("other.json");
    std::fs::write(&other, "{\"hello\": 1}").unwrap();
    let out = muster().arg("report").arg(&other).arg("--html").arg(&html).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a run result nor an ensemble"));

    let thresholds = dir.join("t.toml");
    std::fs::write(&thresholds, "[capacity]\ndemand_met = [0.5, 0.9, 0.95, 0.99]\n").unwrap();
    let json = dir.join("out.json");
    let out = muster()
        .args([
            "run",
            "tests/data/riot-at-alpha.toml",
            "--dataset",
            "tests/data/three-forces.toml",
            "--thresholds",
        ])
        .arg(&thresholds)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("t.toml:2:14"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!json.exists());
}

#[test]
fn synth_writes_a_dataset_and_scenario_that_run_and_refuses_bad_sizes() {
    let dir = tmp("synth");
    let (data, scen) = (dir.join("d.toml"), dir.join("s.toml"));
    let out = muster()
        .args(["synth", "--forces", "30", "--units-per-force", "20", "--seed", "4", "--out"])
        .arg(&data)
        .arg("--scenario")
        .arg(&scen)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = muster().arg("run").arg(&scen).arg("--dataset").arg(&data).arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = muster()
        .args(["synth", "--forces", "2", "--units-per-force", "20", "--out"])
        .arg(dir.join("x.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = muster()
        .args(["synth", "--forces", "20", "--units-per-force", "2", "--out"])
        .arg(dir.join("x.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 5"));
    assert!(!dir.join("x.toml").exists());
}
