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

#[test]
fn the_compiled_in_library_matches_the_scenarios_folder() {
    let on_disk: Vec<(String, String)> = shipped()
        .into_iter()
        .map(|p| {
            (p.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    let compiled: Vec<(String, String)> =
        muster::shipped::SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    assert_eq!(on_disk, compiled, "add new scenarios to src/shipped.rs");
    assert!(compiled.len() >= 10);
}
