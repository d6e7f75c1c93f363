//! The `muster` command line: argument parsing, reading files, progress and writing outputs.
//! No model logic lives here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::input::{self, InputFile, SetOverride};
use muster::present::{ensemble_files, files, terminal};

#[derive(Parser)]
#[command(
    name = "muster",
    version,
    about = "Deterministic simulator of police mutual aid across force boundaries"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct InputArgs {
    /// Scenario file (TOML), or the name of a shipped scenario (see `muster scenarios`)
    scenario: PathBuf,
    /// Use this dataset file instead of the built-in national dataset
    #[arg(long, value_name = "FILE")]
    dataset: Option<PathBuf>,
    /// Override any scenario value, e.g. --set policy.retained_cover=0.5 (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Override the scenario's seed
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print a summary (and write full results on request)
    Run {
        #[command(flatten)]
        input: InputArgs,
        /// Write the full result (manifest, summary, series, events) as JSON
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write the series and tables as CSV files into this directory
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Print nothing on success except the paths written
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run many replications in parallel; write each one's summary as JSON Lines and an aggregate
    Ensemble {
        #[command(flatten)]
        input: InputArgs,
        /// Number of replications (runs)
        #[arg(long)]
        runs: u64,
        /// Worker threads (default: all cores); the output does not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Run only slice K of N (e.g. 3/8) for a batch scheduler; merge the parts with `muster merge`
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Output file (JSON Lines); the aggregate goes beside it as NAME.aggregate.json
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Merge the parts of a sharded ensemble into the file one machine would have written
    Merge {
        /// The shard outputs (JSON Lines), in any order
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Merged output (JSON Lines); the aggregate goes beside it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a scenario (and dataset) without running it
    Validate {
        #[command(flatten)]
        input: InputArgs,
    },
    /// List the shipped scenarios (run one with `muster run NAME`)
    Scenarios,
    /// Show the dataset: forces, regions, establishment and capabilities
    Dataset {
        /// Use this dataset file instead of the built-in one
        #[arg(long, value_name = "FILE")]
        dataset: Option<PathBuf>,
        /// Write the dataset file (same shape as --dataset accepts) to FILE
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
    },
}

/// Exit code for bad input (scenario, dataset, arguments).
const EXIT_INPUT: u8 = 2;
/// Exit code for failures writing outputs or inside the engine.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(d)) => {
            eprintln!("{d}");
            let n = d.0.len();
            eprintln!(
                "error: {n} problem{} found; nothing was run or written",
                if n == 1 { "" } else { "s" }
            );
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

enum Failure {
    Input(Diagnostics),
    Other(String),
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Input(d)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::Input(Diagnostics(vec![
            Diagnostic::new(
                Location::Whole { file: path.display().to_string() },
                format!("cannot read the file: {e}"),
            )
            .with_hint(Some("check the path; shipped scenarios are in scenarios/".into())),
        ]))
    })
}

fn load(args: &InputArgs) -> Result<muster::model::Model, Failure> {
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

/// The headline measures of an ensemble, one line each.
fn print_aggregate(a: &muster::ensemble::Aggregate) {
    println!("{} — {} replications completed, {} failed", a.manifest.scenario, a.completed, a.failed.len());
    println!("{:<34} {:>10} {:>9} {:>10} {:>10} {:>10}", "measure", "mean", "± se", "p5", "p50", "p95");
    for key in [
        "demand_met",
        "unmet_unit_hours",
        "peak_shortfall_units",
        "donor_hours_below_cover",
        "aid_deployments",
    ] {
        if let Some(s) = a.measures.get(key) {
            println!(
                "{key:<34} {:>10.3} {:>9.3} {:>10.3} {:>10.3} {:>10.3}",
                s.mean, s.se, s.p5, s.p50, s.p95
            );
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { input } => {
            let model = load(&input)?;
            let s = &model.scenario;
            let units: u64 = model.dataset.capability_ids().map(|c| model.dataset.total_units(c)).sum();
            println!(
                "{}: ok — '{}', {} incident(s), {} disruption(s), horizon {}; dataset '{}' with {} forces and {} units",
                input.scenario.display(),
                s.name,
                s.incidents.len(),
                s.disruptions.len(),
                muster::time::Duration(s.horizon),
                model.dataset.name,
                model.dataset.forces.len(),
                units
            );
            Ok(())
        }
        Command::Run { input, json, csv, quiet } => {
            let model = Arc::new(load(&input)?);
            let question = model.scenario.question.clone();
            let result =
                muster::engine::run(Arc::clone(&model)).map_err(|e| Failure::Other(e.to_string()))?;
            if let Some(path) = &json {
                files::write_atomic(path, files::to_json(&result).as_bytes())
                    .map_err(|e| Failure::Other(e.to_string()))?;
            }
            let mut written: Vec<PathBuf> = json.iter().cloned().collect();
            if let Some(dir) = &csv {
                written
                    .extend(files::write_csv_dir(&result, dir).map_err(|e| Failure::Other(e.to_string()))?);
            }
            if !quiet {
                print!("{}", terminal::summary(&result, &question));
            }
            for p in written {
                eprintln!("wrote {}", p.display());
            }
            Ok(())
        }
        Command::Ensemble { input, runs, threads, shard, out } => {
            let shard = match shard.as_deref().map(muster::ensemble::Shard::parse) {
                Some(Err(message)) => {
                    return Err(Failure::Input(Diagnostics(vec![Diagnostic::new(
                        Location::Override { argument: format!("--shard {}", shard.unwrap_or_default()) },
                        message,
                    )])));
                }
                Some(Ok(s)) => Some(s),
                None => None,
            };
            if runs == 0 {
                return Err(Failure::Other("--runs must be at least 1".into()));
            }
            let model = Arc::new(load(&input)?);
            let manifest = muster::ensemble::manifest(&model, runs, shard);
            let mine = (0..runs).filter(|&r| shard.is_none_or(|s| s.owns(r))).count() as u64;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.unwrap_or(0))
                .build()
                .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))?;
            let bar = indicatif::ProgressBar::new(mine);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} replications · {per_sec} · {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut writer = ensemble_files::EnsembleWriter::create(&out, manifest)
                .map_err(|e| Failure::Other(e.to_string()))?;
            let mut failures = 0u64;
            pool.install(|| {
                muster::ensemble::run(&model, runs, shard, |record| {
                    if let Some(e) = &record.error {
                        failures += 1;
                        bar.println(format!(
                            "replication {} (seed {}) failed: {e}",
                            record.replication, record.seed
                        ));
                    }
                    bar.inc(1);
                    writer.push(&record)
                })
            })
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", out.display())))?;
            bar.finish_and_clear();
            let (lines, agg, aggregate) = writer.finish().map_err(|e| Failure::Other(e.to_string()))?;
            print_aggregate(&aggregate);
            eprintln!("wrote {} and {}", lines.display(), agg.display());
            if failures > 0 {
                eprintln!("{failures} replication(s) failed; see the file for their seeds and errors");
            }
            Ok(())
        }
        Command::Merge { parts, out } => {
            let (manifest, records) =
                ensemble_files::read_parts(&parts).map_err(|e| Failure::Other(e.to_string()))?;
            let mut writer = ensemble_files::EnsembleWriter::create(&out, manifest)
                .map_err(|e| Failure::Other(e.to_string()))?;
            for r in &records {
                writer.push(r).map_err(|e| Failure::Other(format!("cannot write {}: {e}", out.display())))?;
            }
            let (lines, agg, aggregate) = writer.finish().map_err(|e| Failure::Other(e.to_string()))?;
            print_aggregate(&aggregate);
            eprintln!("wrote {} and {}", lines.display(), agg.display());
            Ok(())
        }
        Command::Scenarios => {
            let width = muster::shipped::SHIPPED.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, text) in muster::shipped::SHIPPED {
                let q = muster::shipped::question(text).unwrap_or_default();
                println!("{name:<width$}  {q}");
            }
            Ok(())
        }
        Command::Dataset { dataset, export } => {
            let (name, bytes) = match &dataset {
                Some(p) => (p.display().to_string(), read(p)?),
                None => (input::BUILTIN_DATASET_NAME.to_string(), input::BUILTIN_DATASET.as_bytes().to_vec()),
            };
            let data = input::load_dataset(InputFile { name: &name, bytes: &bytes })?;
            match export {
                Some(path) => {
                    files::write_atomic(&path, &bytes).map_err(|e| Failure::Other(e.to_string()))?;
                    eprintln!("wrote {} ({} forces)", path.display(), data.forces.len());
                }
                None => print!("{}", terminal::dataset(&data)),
            }
            Ok(())
        }
    }
}
