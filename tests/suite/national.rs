//! Every shipped scenario runs on the national dataset with all invariants checked each step.

use muster::input::{InputFile, load_model};

use super::common::run_checked;

fn shipped() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_scenario_validates_runs_and_keeps_invariants() {
    let files = shipped();
    assert!(files.len() >= 3, "at least three shipped scenarios");
    for path in files {
        let text = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let model = load_model(InputFile { name: &name, bytes: &text }, &[], None)
            .unwrap_or_else(|e| panic!("{name} does not validate:\n{e}"));
        assert!(text.starts_with(b"# Question:"), "{name} must open with the question it answers");
        let r = run_checked(model);
        assert!(r.summary.demanded_unit_hours > 0.0, "{name} demands nothing");
        assert!((0.0..=1.0).contains(&r.summary.demand_met));
    }
}
