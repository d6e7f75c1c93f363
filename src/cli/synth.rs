//! `muster synth`: write a synthetic dataset (and a 72-hour scenario for it) of any size, for scale tests.

use std::path::PathBuf;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::input;
use muster::input::InputFile;

use super::args::claim;
use super::failure::Failure;

/// Write a synthetic dataset (and a 72-hour scenario for it) of any size, for scale tests
#[derive(clap::Args)]
pub struct Args {
    /// Number of forces
    #[arg(long, value_parser = clap::value_parser!(u32).range(3..=65535))]
    forces: u32,
    /// Mean units per force over all capabilities (a force's share follows its strength)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    units_per_force: u32,
    /// Seed of the generator (the same arguments always write the same bytes)
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The dataset file to write (use it with --dataset)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write a 72-hour scenario of concurrent disorder and terrorism on it
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Write instead a 30-day scenario of this many independent incidents (for measuring
    /// how run time grows with incidents)
    #[arg(long, requires = "scenario", value_parser = clap::value_parser!(u32).range(1..=i64::from(muster::synth::MAX_INCIDENTS)))]
    incidents: Option<u32>,
}

/// Run `muster synth`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { forces, units_per_force, seed, out, scenario, incidents } = args;
    let mut outputs = claim([], std::iter::once(out.clone()).chain(scenario.clone()))?;
    let builtin = input::load_dataset(InputFile::builtin_dataset())?;
    let params = muster::synth::SynthParams { forces, units_per_force, seed, incidents };
    let synthetic = muster::synth::synthesize(params, input::BUILTIN_DATASET, &builtin).map_err(|e| {
        Failure::Input(Diagnostics(vec![Diagnostic::new(
            Location::Argument { argument: format!("--forces {forces} --units-per-force {units_per_force}") },
            e.to_string(),
        )]))
    })?;
    outputs.stage(&out, synthetic.dataset.as_bytes())?;
    if let Some(path) = &scenario {
        outputs.stage(path, synthetic.scenario.as_bytes())?;
    }
    outputs.commit()?;
    eprintln!(
        "wrote {} ({forces} forces, {} units, {} border links)",
        out.display(),
        synthetic.units,
        synthetic.borders
    );
    if let Some(path) = scenario {
        eprintln!("wrote {}: muster run {} --dataset {}", path.display(), path.display(), out.display());
    }
    Ok(())
}
