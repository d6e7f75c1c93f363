use std::sync::Arc;

use muster::input::{self, InputFile, SetOverride};
use muster::model::Model;
use muster::results::RunResult;

pub const THREE_FORCES: &str = include_str!("../data/three-forces.toml");
pub const RIOT_AT_ALPHA: &str = include_str!("../data/riot-at-alpha.toml");

/// The `muster` binary built for these tests.
pub fn muster() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_muster"))
}

/// A fresh, empty folder `muster-GROUP-PID-NAME` in the temporary folder (emptied first if a
/// run with the same process id left one).
pub fn scratch(group: &str, name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("muster-{group}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a scratch folder");
    d
}

pub fn sets(list: &[&str]) -> Vec<SetOverride> {
    list.iter().map(|s| SetOverride::parse(s).expect("test --set is well formed")).collect()
}

/// Load a scenario against the three-force world (or the built-in dataset with `None`).
pub fn load(
    scenario: &str,
    dataset: Option<&str>,
    overrides: &[&str],
) -> Result<Model, muster::diagnostics::Diagnostics> {
    input::load_model(
        InputFile { name: "scenario.toml", bytes: scenario.as_bytes() },
        &sets(overrides),
        dataset.map(|d| InputFile { name: "dataset.toml", bytes: d.as_bytes() }),
    )
}

/// Run to the horizon, checking every invariant after every step.
pub fn run_checked(model: Model) -> RunResult {
    let mut sim = muster::engine::Simulation::new(Arc::new(model)).expect("schedule builds");
    sim.check_invariants().expect("invariants hold at the start");
    let mut steps = 0;
    while sim.step() {
        steps += 1;
        if let Err(e) = sim.check_invariants() {
            panic!("invariant broken after step {steps} (t = {}): {e}", sim.now());
        }
    }
    sim.check_invariants().expect("invariants hold at the end");
    sim.result()
}

pub fn three(overrides: &[&str]) -> RunResult {
    run_checked(load(RIOT_AT_ALPHA, Some(THREE_FORCES), overrides).expect("test scenario is valid"))
}

/// Arrival minutes recorded for a tier (request → arrival), from the event log and summary.
pub fn tier(r: &RunResult, t: u8) -> &muster::results::TierArrivals {
    &r.summary.request_to_arrival[usize::from(t - 1)]
}
