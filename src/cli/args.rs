//! What the commands share: the scenario arguments and loading them, reading inputs, claiming
//! outputs, telling the user what was written, progress bars and worker pools.

use std::path::{Path, PathBuf};

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::input::{self, InputFile, SetOverride};
use muster::present::files;

use super::failure::Failure;

#[derive(clap::Args, Clone)]
pub struct InputArgs {
    /// Scenario file (TOML), or the name of a shipped scenario (see `muster scenarios`)
    pub scenario: PathBuf,
    /// Use this dataset file instead of the built-in national dataset
    #[arg(long, value_name = "FILE")]
    pub dataset: Option<PathBuf>,
    /// Override any scenario value, e.g. --set policy.retained_cover=0.5 (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Override the scenario's seed
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The outputs of a command reading `inputs`, every one of `outs` claimed (checked against the
/// inputs and each other, and locked) before any work is done.
pub fn claim<'a>(
    inputs: impl IntoIterator<Item = &'a Path>,
    outs: impl IntoIterator<Item = PathBuf>,
) -> Result<files::Outputs, Failure> {
    let mut outputs = files::Outputs::new(inputs);
    for out in outs {
        outputs.claim(&out)?;
    }
    Ok(outputs)
}

/// The files a scenario run reads: the scenario (unless shipped by name) and the dataset.
pub fn input_paths(input: &InputArgs) -> Vec<&Path> {
    std::iter::once(input.scenario.as_path()).chain(input.dataset.as_deref()).collect()
}

/// Tell the user what was written, one line each.
pub fn report_written(written: &[PathBuf]) {
    for p in written {
        eprintln!("wrote {}", p.display());
    }
}

pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    input::read_input(path).map_err(|d| Failure::Input(Diagnostics(vec![d])))
}

pub fn load(args: &InputArgs) -> Result<muster::model::Model, Failure> {
    let mut sets = Vec::new();
    let mut problems = Vec::new();
    for s in &args.set {
        match SetOverride::parse(s) {
            Ok(o) => sets.push(o),
            Err(message) => {
                problems.push(Diagnostic::new(Location::Override { argument: s.clone() }, message))
            }
        }
    }
    if let Some(seed) = args.seed {
        sets.push(SetOverride { key: "scenario.seed".into(), value: seed.to_string() });
    }
    if !problems.is_empty() {
        return Err(Failure::Input(Diagnostics(problems)));
    }
    let mut scenario_name = args.scenario.display().to_string();
    // A shipped scenario can be named without its path, from any directory.
    let scenario_bytes = match (args.scenario.exists(), muster::shipped::find(&scenario_name)) {
        (false, Some(text)) => {
            scenario_name = format!("{scenario_name} (built in)");
            text.as_bytes().to_vec()
        }
        _ => read(&args.scenario)?,
    };
    let dataset = match &args.dataset {
        Some(p) => Some((p.display().to_string(), read(p)?)),
        None => None,
    };
    let model = input::load_model(
        InputFile { name: &scenario_name, bytes: &scenario_bytes },
        &sets,
        dataset.as_ref().map(|(n, b)| InputFile { name: n, bytes: b }),
    )?;
    Ok(model)
}

/// The thresholds to grade with: the built-in ones, with `path`'s measures over them.
pub fn thresholds(path: Option<&Path>, capabilities: &[&str]) -> Result<muster::model::Thresholds, Failure> {
    let file = match path {
        Some(p) => Some((p.display().to_string(), read(p)?)),
        None => None,
    };
    Ok(input::load_thresholds(file.as_ref().map(|(n, b)| InputFile { name: n, bytes: b }), capabilities)?)
}

pub fn capability_ids(model: &muster::model::Model) -> Vec<&str> {
    model.dataset.capabilities.iter().map(|c| c.id.as_str()).collect()
}

/// A progress bar on stderr (hidden when stderr is not a terminal) counting `what`.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} · {{per_sec}} · {{eta}} left"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

pub fn pool(threads: Option<u16>) -> Result<rayon::ThreadPool, Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))
}

/// Finish an ensemble's JSON Lines and aggregate, put both in place with the command's other
/// outputs, print the aggregate and say what was written.
pub fn finish_ensemble(
    mut outputs: files::Outputs,
    writer: muster::present::ensemble_files::EnsembleWriter,
    out: &Path,
    aggregate: &Path,
    thresholds: &muster::model::Thresholds,
) -> Result<(), Failure> {
    let finished = writer.finish(thresholds)?;
    outputs.stage_file(out, &finished.partial)?;
    outputs.stage(aggregate, finished.json.as_bytes())?;
    let written = outputs.commit()?;
    print!("{}", muster::present::terminal::aggregate(&finished.aggregate));
    report_written(&written);
    Ok(())
}
