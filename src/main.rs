//! The `muster` command line: argument parsing, reading files, progress and writing outputs.
//! No model logic lives here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::input::{self, InputFile, SetOverride};
use muster::present::{ensemble_files, files, terminal};

#[path = "cli/tabletop.rs"]
mod tabletop;

// A run makes and frees tens of thousands of small buffers; the system allocator spent about a
// tenth of an ensemble's time on them (docs/performance.md). Results do not depend on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

#[derive(clap::Args, Clone)]
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
        /// Grade the SPR assessment against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Write a report of a run or an ensemble: HTML, Markdown, GIS files (or grades on screen)
    Report {
        /// A run's JSON (`run --json`), an ensemble's JSON Lines, or its NAME.aggregate.json
        result: PathBuf,
        /// One self-contained HTML file (charts, map, sortable tables; no network needed)
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// An inspection-style Markdown report with the same content
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,
        /// Per-force and per-link figures as CSV and GeoJSON, into this directory
        #[arg(long, value_name = "DIR")]
        gis: Option<PathBuf>,
        /// Grade against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Run many replications in parallel; write each one's summary as JSON Lines and an aggregate
    Ensemble {
        #[command(flatten)]
        input: InputArgs,
        /// Number of replications (runs)
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        runs: u64,
        /// Worker threads (default: all cores); the output does not depend on it
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// Run only slice K of N (e.g. 3/8) for a batch scheduler; merge the parts with `muster merge`
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Output file (JSON Lines); the aggregate goes beside it as NAME.aggregate.json
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Continue an interrupted run from FILE.partial instead of starting again
        #[arg(long)]
        resume: bool,
        /// Grade the SPR assessment against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Compare two scenarios over paired replications (common random numbers)
    Compare {
        /// Scenario A (file or shipped name); the --dataset, --set and --seed options apply to both
        #[command(flatten)]
        a: InputArgs,
        /// Scenario B (file or shipped name); it runs on A's seed so the draws are paired
        b: PathBuf,
        /// Number of paired replications
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        runs: u64,
        /// Worker threads (default: all cores)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// Write every measure's difference and confidence interval as JSON
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Run an ensemble at every point of a grid: --set KEY=V1,V2,V3 (repeatable) makes a dimension
    Sweep {
        #[command(flatten)]
        input: InputArgs,
        /// Replications per point
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        runs: u64,
        /// Worker threads (default: all cores)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// CSV of one aggregate row per point; the full aggregates go beside it as NAME.json
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Find, per capability, the largest multiple of the demand a criterion still holds at
    Headroom {
        #[command(flatten)]
        input: InputArgs,
        /// Replications per demand level tried
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Per-capability measure of the criterion
        #[arg(long, default_value = "demand_met")]
        measure: String,
        /// The measure must be at least this ...
        #[arg(long, default_value_t = 0.95)]
        threshold: f64,
        /// ... in at least this share of replications
        #[arg(long, default_value_t = 0.9)]
        share: f64,
        /// Bisection steps after bracketing (each halves the uncertainty)
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=30))]
        steps: u32,
        /// Worker threads (default: all cores)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// Write the result (with every level tried) as JSON
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Rank forces and border links by how much losing each worsens the outcome
    Criticality {
        #[command(flatten)]
        input: InputArgs,
        /// Replications per variant
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Worker threads (default: all cores)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// How many of the most critical to print
        #[arg(long, default_value_t = 15)]
        top: usize,
        /// Write the full ranking as CSV (and, with the manifest, as NAME.json beside it)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Merge the parts of a sharded ensemble into the file one machine would have written
    Merge {
        /// The shard outputs (JSON Lines), in any order
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Merged output (JSON Lines); the aggregate goes beside it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Grade the SPR assessment against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Write a synthetic dataset (and a 72-hour scenario for it) of any size, for scale tests
    Synth {
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
    },
    /// Run a tabletop exercise: step the scenario, inject, decide; log, branch and debrief
    Tabletop {
        #[command(flatten)]
        input: InputArgs,
        /// Record every command with the moment it was given (replay it with `muster replay`);
        /// a log that already holds a session is refused unless --overwrite
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// Replace the --log file if it already holds a session
        #[arg(long, requires = "log")]
        overwrite: bool,
        /// Read the commands from FILE (stdin is read the same way when it is not a terminal)
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
        /// Start from a recorded session's log ... (with --at)
        #[arg(long, value_name = "LOG", requires = "at")]
        from: Option<PathBuf>,
        /// ... at this moment of it: 14h from the start, or D0+14:00
        #[arg(long, value_name = "MOMENT", requires = "from")]
        at: Option<String>,
        /// Who decides mutual-aid requests at the start: players (the policy proposes) or auto
        #[arg(long, value_enum, default_value_t = Mode::Players)]
        mode: Mode,
        /// At the end, write the session's result as JSON (as `run --json` does)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// At the end, write the debrief against the automatic policy (Markdown)
        #[arg(long, value_name = "FILE")]
        debrief: Option<PathBuf>,
        /// Grade the SPR assessment against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Re-run a recorded tabletop session from its log: the same result, byte for byte
    Replay {
        /// The log written by `tabletop --log`
        log: PathBuf,
        /// Write the result as JSON
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write the debrief against the automatic policy (Markdown)
        #[arg(long, value_name = "FILE")]
        debrief: Option<PathBuf>,
        /// Print nothing on success except the paths written
        #[arg(long, short)]
        quiet: bool,
        /// Grade the SPR assessment against these thresholds (over the built-in ones)
        #[arg(long, value_name = "FILE")]
        thresholds: Option<PathBuf>,
    },
    /// Check a scenario (and dataset) without running it
    Validate {
        #[command(flatten)]
        input: InputArgs,
    },
    /// List the shipped scenarios (run one with `muster run NAME`)
    Scenarios,
    /// Check the model against the published record: run each reference case and print its fit
    Validation {
        /// A file of reference cases (held-out cases of your own) instead of the built-in ones
        #[arg(long, value_name = "FILE")]
        cases: Option<PathBuf>,
        /// Replications per case
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        runs: u64,
        /// Also write the fit as Markdown (the table in docs/validation.md)
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,
    },
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

/// Who decides mutual-aid requests in a tabletop session.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// Requests wait for the players; the status shows the policy's proposal
    Players,
    /// The automatic policy acts on requests; players may still send, hold and trigger
    Auto,
}

/// Exit code for bad input (scenario, dataset, arguments).
const EXIT_INPUT: u8 = 2;
/// Exit code for failures writing outputs or inside the engine.
const EXIT_FAILURE: u8 = 1;

/// Most points a sweep's grid may have.
const MAX_SWEEP_POINTS: u64 = 1_000;

/// Problems printed before the rest are counted.
const MAX_SHOWN: usize = 100;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(d)) => {
            // The first problems, then a count: a file of nonsense does not flood the terminal.
            let shown = Diagnostics(d.0.iter().take(MAX_SHOWN).cloned().collect());
            eprintln!("{shown}");
            let n = d.0.len();
            if n > MAX_SHOWN {
                eprintln!("... and {} more", n - MAX_SHOWN);
            }
            eprintln!(
                "error: {n} problem{} found; nothing was run or written",
                if n == 1 { "" } else { "s" }
            );
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Stopped(d)) => {
            eprintln!("{d}");
            eprintln!(
                "error: the session stopped at this line; nothing more was run, and no result was written"
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
    /// A tabletop script line that could not be carried out (the session had started).
    Stopped(Diagnostics),
    Other(String),
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Input(d)
    }
}

impl From<files::OutputError> for Failure {
    fn from(e: files::OutputError) -> Self {
        match e {
            // An output that would destroy an input or another output is the user's argument.
            files::OutputError::Clash { path, other, role } => Failure::Input(Diagnostics(vec![
                Diagnostic::new(
                    Location::Argument { argument: path.display().to_string() },
                    format!(
                        "this output is the same file as the {role} {}: writing it would destroy that file",
                        other.display()
                    ),
                )
                .with_hint(Some("choose another path for the output".into())),
            ])),
            files::OutputError::Refused { path, line, message, hint } => Failure::Input(Diagnostics(vec![
                Diagnostic::new(Location::File { file: path.display().to_string(), line, col: 1 }, message)
                    .with_hint(Some(hint)),
            ])),
            e => Failure::Other(e.to_string()),
        }
    }
}

/// The outputs of a command reading `inputs`, every one of `outs` claimed (checked against the
/// inputs and each other, and locked) before any work is done.
fn claim<'a>(
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
fn input_paths(input: &InputArgs) -> Vec<&Path> {
    std::iter::once(input.scenario.as_path()).chain(input.dataset.as_deref()).collect()
}

/// Tell the user what was written, one line each.
fn report_written(written: &[PathBuf]) {
    for p in written {
        eprintln!("wrote {}", p.display());
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    input::read_input(path).map_err(|d| Failure::Input(Diagnostics(vec![d])))
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

/// The thresholds to grade with: the built-in ones, with `path`'s measures over them.
fn thresholds(path: Option<&Path>, capabilities: &[&str]) -> Result<muster::model::Thresholds, Failure> {
    let file = match path {
        Some(p) => Some((p.display().to_string(), read(p)?)),
        None => None,
    };
    Ok(input::load_thresholds(file.as_ref().map(|(n, b)| InputFile { name: n, bytes: b }), capabilities)?)
}

fn capability_ids(model: &muster::model::Model) -> Vec<&str> {
    model.dataset.capabilities.iter().map(|c| c.id.as_str()).collect()
}

/// `muster report`: read a result, grade it, write the reports asked for.
fn report(
    result: &Path,
    html: Option<&Path>,
    markdown: Option<&Path>,
    gis: Option<&Path>,
    thresholds_file: Option<&Path>,
) -> Result<(), Failure> {
    use muster::present::report::{Report, ReportSource, read_source};
    let source = read_source(result).map_err(|d| Failure::Input(Diagnostics(vec![d])))?;
    let capabilities: Vec<String> = match &source {
        ReportSource::Run(r) => r.capabilities.iter().map(|c| c.capability.clone()).collect(),
        ReportSource::Ensemble(a) => a.series.keys().cloned().collect(),
    };
    let caps: Vec<&str> = capabilities.iter().map(String::as_str).collect();
    let thresholds = thresholds(thresholds_file, &caps)?;
    let gis_paths: Vec<PathBuf> =
        gis.iter().flat_map(|d| muster::present::gis::GIS_FILES.map(|f| d.join(f))).collect();
    let outs = html.iter().chain(markdown.iter()).map(|p| p.to_path_buf()).chain(gis_paths);
    let mut outputs = claim(std::iter::once(result).chain(thresholds_file), outs)?;
    let report = Report::build(&source, &thresholds);
    // Everything is encoded and staged before anything is put in place.
    if let Some(path) = html {
        outputs.stage(path, muster::present::html::render(&report).as_bytes())?;
    }
    if let Some(path) = markdown {
        outputs.stage(path, muster::present::markdown::render(&report).as_bytes())?;
    }
    if let Some(dir) = gis {
        for (name, bytes) in muster::present::gis::gis_files(&report, dir)? {
            outputs.stage(&dir.join(name), &bytes)?;
        }
    }
    let written = outputs.commit()?;
    if written.is_empty() {
        print!("{}", terminal::assessment(&report.assessment));
        eprintln!("(write a report with --html FILE, --markdown FILE or --gis DIR)");
    }
    report_written(&written);
    Ok(())
}

/// Measures shown in terminal tables (every measure is in the files).
const HEADLINE: [&str; 6] = [
    "demand_met",
    "unmet_unit_hours",
    "peak_shortfall_units",
    "donor_hours_below_cover",
    "tour_limit_breaches",
    "aid_deployments",
];

/// A progress bar on stderr (hidden when stderr is not a terminal) counting `what`.
fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} · {{per_sec}} · {{eta}} left"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn pool(threads: Option<u16>) -> Result<rayon::ThreadPool, Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))
}

/// `muster sweep`: every `--set` value with top-level commas is a dimension of the grid.
fn sweep(input: InputArgs, runs: u64, threads: Option<u16>, out: &Path) -> Result<(), Failure> {
    let json_path = out.with_extension("json");
    let mut outputs = claim(input_paths(&input), [out.to_path_buf(), json_path.clone()])?;
    let mut dims: Vec<(String, Vec<String>)> = Vec::new();
    let mut fixed = Vec::new();
    for s in &input.set {
        match s.split_once('=') {
            Some((k, v)) if muster::analysis::sweep::sweep_values(v).len() > 1 => {
                dims.push((k.trim().to_string(), muster::analysis::sweep::sweep_values(v)))
            }
            _ => fixed.push(s.clone()),
        }
    }
    if dims.is_empty() {
        return Err(Failure::Input(Diagnostics(vec![
            Diagnostic::new(
                Location::Argument { argument: "--set".into() },
                "a sweep needs at least one --set KEY=V1,V2,...",
            )
            .with_hint(Some("e.g. --set policy.retained_cover=0.3,0.5,0.7".into())),
        ])));
    }
    // The grid's size is known before it is built: a sweep is bounded like any input.
    let size = dims.iter().try_fold(1u64, |n, (_, values)| n.checked_mul(values.len() as u64));
    if size.is_none_or(|n| n > MAX_SWEEP_POINTS || n.saturating_mul(runs) > 10_000_000) {
        let shown = size.map_or("too many".to_string(), |n| n.to_string());
        return Err(Failure::Input(Diagnostics(vec![
            Diagnostic::new(
                Location::Argument { argument: "--set".into() },
                format!("the sweep has {shown} points of {runs} replications; at most {MAX_SWEEP_POINTS} points and 10,000,000 replications in all"),
            )
            .with_hint(Some("sweep fewer values, or split the sweep into several".into())),
        ])));
    }
    // The grid in row-major order: the last dimension changes fastest.
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for (_, values) in &dims {
        points = points
            .iter()
            .flat_map(|p| values.iter().map(move |v| [p.clone(), vec![v.clone()]].concat()))
            .collect();
    }
    // Every point is checked before anything runs, so a bad value stops the sweep at once.
    let mut models = Vec::new();
    for p in &points {
        let mut set = fixed.clone();
        set.extend(dims.iter().zip(p).map(|((k, _), v)| format!("{k}={v}")));
        models.push(Arc::new(load(&InputArgs { set, ..input.clone() })?));
    }
    let bar = progress(runs * points.len() as u64, "replications");
    let pool = pool(threads)?;
    let aggregates: Vec<muster::analysis::ensemble::Aggregate> = models
        .iter()
        .map(|m| pool.install(|| muster::analysis::ensemble::run_aggregate(m, runs, || bar.inc(1))))
        .collect();
    bar.finish_and_clear();
    let mut header: Vec<String> = dims.iter().map(|(k, _)| k.clone()).collect();
    for m in HEADLINE {
        for s in ["mean", "se", "p5", "p50", "p95"] {
            header.push(format!("{m}.{s}"));
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Failure::Other(format!("cannot encode {}: {e}", out.display()));
    w.write_record(&header).map_err(csv_err)?;
    for (p, a) in points.iter().zip(&aggregates) {
        let mut row = p.clone();
        for m in HEADLINE {
            let s = a.measures.get(m);
            for v in [s.map(|s| s.mean), s.map(|s| s.se), s.map(|s| s.p5), s.map(|s| s.p50), s.map(|s| s.p95)]
            {
                row.push(v.map(|x| x.to_string()).unwrap_or_default());
            }
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes =
        w.into_inner().map_err(|e| Failure::Other(format!("cannot encode {}: {e}", out.display())))?;
    let grid: Vec<serde_json::Value> = points
        .iter()
        .zip(&aggregates)
        .map(|(p, a)| {
            let point: serde_json::Map<String, serde_json::Value> = dims
                .iter()
                .zip(p)
                .map(|((k, _), v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::json!({ "point": point, "aggregate": a })
        })
        .collect();
    let mut json =
        serde_json::to_string_pretty(&serde_json::json!({ "runs": runs, "grid": grid })).unwrap_or_default();
    json.push('\n');
    outputs.stage(out, &bytes)?;
    outputs.stage(&json_path, json.as_bytes())?;
    let written = outputs.commit()?;
    print!("{}", String::from_utf8_lossy(&bytes));
    report_written(&written);
    Ok(())
}

/// The headline measures of an ensemble, one line each.
fn print_aggregate(a: &muster::analysis::ensemble::Aggregate) {
    println!(
        "{} — {} replications completed, {} failed",
        a.manifest.inputs.scenario,
        a.completed,
        a.failed.len()
    );
    if a.all_equal() {
        println!(
            "All {} replications gave the same result: nothing in this scenario is drawn at random \
             ([uncertainty] deterministic, or pinned), so there is no spread to show.",
            a.completed
        );
    }
    println!("{:<34} {:>10} {:>9} {:>10} {:>10} {:>10}", "measure", "mean", "± se", "p5", "p50", "p95");
    for key in HEADLINE {
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
        Command::Tabletop { input, log, overwrite, script, from, at, mode, json, debrief, thresholds } => {
            tabletop::run(tabletop::Options {
                input,
                log,
                overwrite,
                script,
                from,
                at,
                players_decide: mode == Mode::Players,
                json,
                debrief,
                thresholds,
            })
        }
        Command::Replay { log, json, debrief, quiet, thresholds } => {
            tabletop::replay(&log, json.as_deref(), debrief.as_deref(), quiet, thresholds.as_deref())
        }
        Command::Validate { input } => {
            let model = load(&input)?;
            let s = &model.scenario;
            let units: u64 = model.dataset.capability_ids().map(|c| model.dataset.total_units(c)).sum();
            // What the file wrote, then what it expands to (several forces, a region's outage).
            let counted = |written: usize, expanded: usize, what: &str| {
                if written == expanded {
                    format!("{written} {what}")
                } else {
                    format!("{written} {what} ({expanded} once expanded)")
                }
            };
            println!(
                "{}: ok — '{}', {}, {}, horizon {}; dataset '{}' with {} forces and {} units",
                input.scenario.display(),
                s.name,
                counted(s.written.0, s.incidents.len(), "incident(s)"),
                counted(s.written.1, s.disruptions.len(), "disruption(s)"),
                muster::time::Duration(s.horizon),
                model.dataset.name,
                model.dataset.forces.len(),
                units
            );
            Ok(())
        }
        Command::Run { input, json, csv, quiet, thresholds: thresholds_file } => {
            let model = Arc::new(load(&input)?);
            let thresholds = thresholds(thresholds_file.as_deref(), &capability_ids(&model))?;
            let csv_paths: Vec<PathBuf> =
                csv.iter().flat_map(|d| files::CSV_FILES.map(|f| d.join(f))).collect();
            let inputs = input_paths(&input).into_iter().chain(thresholds_file.as_deref());
            let mut outputs = claim(inputs, json.iter().cloned().chain(csv_paths))?;
            let question = model.scenario.question.clone();
            let mut result =
                muster::engine::run(Arc::clone(&model)).map_err(|e| Failure::Other(e.to_string()))?;
            result.assessment = Some(muster::assessment::assess_run(&result, &thresholds));
            if let Some(path) = &json {
                outputs.stage(path, files::to_json(&result).as_bytes())?;
            }
            if let Some(dir) = &csv {
                for (name, bytes) in files::csv_files(&result)? {
                    outputs.stage(&dir.join(name), &bytes)?;
                }
            }
            let written = outputs.commit()?;
            if !quiet {
                print!("{}", terminal::summary(&result, &question));
            }
            report_written(&written);
            Ok(())
        }
        Command::Ensemble { input, runs, threads, shard, out, resume, thresholds: thresholds_file } => {
            let shard = match shard.as_deref().map(muster::analysis::ensemble::Shard::parse) {
                Some(Err(message)) => {
                    return Err(Failure::Input(Diagnostics(vec![Diagnostic::new(
                        Location::Argument { argument: format!("--shard {}", shard.unwrap_or_default()) },
                        message,
                    )])));
                }
                Some(Ok(s)) => Some(s),
                None => None,
            };
            let model = Arc::new(load(&input)?);
            let thresholds = thresholds(thresholds_file.as_deref(), &capability_ids(&model))?;
            let agg_path = ensemble_files::aggregate_path(&out);
            let inputs = input_paths(&input).into_iter().chain(thresholds_file.as_deref());
            let partial = ensemble_files::partial_path(&out);
            let mut outputs = claim(inputs, [out.clone(), agg_path.clone(), partial])?;
            let manifest = muster::analysis::ensemble::manifest(&model, runs, shard);
            let mine = muster::analysis::ensemble::count(runs, shard);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.map_or(0, usize::from))
                .build()
                .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))?;
            let bar = indicatif::ProgressBar::new(mine);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} replications · {per_sec} · {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let (mut writer, done) = if resume {
                ensemble_files::EnsembleWriter::resume(&out, manifest)
            } else {
                ensemble_files::EnsembleWriter::create(&out, manifest).map(|w| (w, 0))
            }?;
            if done > 0 {
                eprintln!(
                    "resuming after {done} replications already in {}",
                    ensemble_files::partial_path(&out).display()
                );
                bar.set_position(done);
            }
            let mut failures = 0u64;
            pool.install(|| {
                muster::analysis::ensemble::run_from(&model, runs, shard, done, |record| {
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
            let finished = writer.finish(&thresholds)?;
            outputs.stage_file(&out, &finished.partial)?;
            outputs.stage(&agg_path, finished.json.as_bytes())?;
            let written = outputs.commit()?;
            print_aggregate(&finished.aggregate);
            report_written(&written);
            if failures > 0 {
                eprintln!("{failures} replication(s) failed; see the file for their seeds and errors");
            }
            Ok(())
        }
        Command::Compare { a, b, runs, threads, out } => {
            let mut outputs = claim(input_paths(&a).into_iter().chain([b.as_path()]), out.iter().cloned())?;
            let model_a = Arc::new(load(&a)?);
            let seed = Some(a.seed.unwrap_or(model_a.scenario.seed));
            let b_path = b.clone();
            let model_b = Arc::new(load(&InputArgs { scenario: b, seed, ..a.clone() })?);
            let bar = progress(runs, "replications");
            let comparison = pool(threads)?
                .install(|| muster::analysis::compare::compare(&model_a, &model_b, runs, || bar.inc(1)));
            bar.finish_and_clear();
            // Label each side by its file too: two variants of one scenario share a name.
            let side = |m: &muster::model::Model, path: &Path| {
                if m.overrides.is_empty() {
                    format!("{} [{}]", m.scenario.name, path.display())
                } else {
                    format!("{} [{} --set {}]", m.scenario.name, path.display(), m.overrides.join(" --set "))
                }
            };
            println!(
                "B − A over {runs} paired replications\n  A: {}\n  B: {}",
                side(&model_a, &a.scenario),
                side(&model_b, &b_path)
            );
            println!("{:<34} {:>11} {:>11} {:>11} {:>24}", "measure", "A", "B", "B − A", "95% CI");
            for key in HEADLINE {
                if let Some(d) = comparison.measures.get(key) {
                    println!(
                        "{key:<34} {:>11.3} {:>11.3} {:>11.3} {:>24}",
                        d.mean_a,
                        d.mean_b,
                        d.mean_diff,
                        format!("[{:.3}, {:.3}]", d.ci95.0, d.ci95.1)
                    );
                }
            }
            if let Some(path) = out {
                let mut text = serde_json::to_string_pretty(&comparison).unwrap_or_default();
                text.push('\n');
                outputs.stage(&path, text.as_bytes())?;
            }
            report_written(&outputs.commit()?);
            Ok(())
        }
        Command::Sweep { input, runs, threads, out } => sweep(input, runs, threads, &out),
        Command::Headroom { input, runs, measure, threshold, share, steps, threads, out } => {
            let argument =
                |flag: &str, value: &dyn std::fmt::Display, message: String, hint: Option<String>| {
                    Failure::Input(Diagnostics(vec![
                        Diagnostic::new(Location::Argument { argument: format!("{flag} {value}") }, message)
                            .with_hint(hint),
                    ]))
                };
            if !muster::analysis::headroom::CAPABILITY_MEASURES.contains(&measure.as_str()) {
                let hint =
                    muster::diagnostics::suggest(&measure, muster::analysis::headroom::CAPABILITY_MEASURES);
                return Err(argument("--measure", &measure, format!("unknown measure '{measure}'"), hint));
            }
            if !threshold.is_finite() {
                return Err(argument(
                    "--threshold",
                    &threshold,
                    "the threshold must be a finite number".into(),
                    None,
                ));
            }
            if !(0.0..=1.0).contains(&share) {
                return Err(argument("--share", &share, "the share must be between 0 and 1".into(), None));
            }
            let mut outputs = claim(input_paths(&input), out.iter().cloned())?;
            let model = load(&input)?;
            let criterion = muster::analysis::headroom::Criterion { measure, threshold, share };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos} replications · {per_sec}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let result = pool(threads)?.install(|| {
                muster::analysis::headroom::headroom(&model, runs, &criterion, steps, || bar.inc(1))
            });
            bar.finish_and_clear();
            println!(
                "{} — largest demand multiple with {} ≥ {} in ≥ {:.0}% of {runs} runs",
                model.scenario.name,
                criterion.measure,
                criterion.threshold,
                criterion.share * 100.0
            );
            for h in &result {
                let fails = h.fails_at.map_or("not within 64×".into(), |f| format!("fails at {f:.3}×"));
                println!(
                    "  {:<14} holds at {:.3}× ({fails}); share at that level {:.2} ± {:.2}",
                    h.capability, h.holds_at, h.share_at_holds.0, h.share_at_holds.1
                );
            }
            if let Some(path) = out {
                let body = serde_json::json!({ "manifest": muster::analysis::ensemble::manifest(&model, runs, None), "criterion": criterion, "headroom": result });
                let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
                text.push('\n');
                outputs.stage(&path, text.as_bytes())?;
            }
            report_written(&outputs.commit()?);
            Ok(())
        }
        Command::Criticality { input, runs, threads, top, out } => {
            let json_out = out.as_ref().map(|p| p.with_extension("json"));
            let mut outputs = claim(input_paths(&input), out.iter().cloned().chain(json_out))?;
            let model = load(&input)?;
            let variants = 1 + model.dataset.forces.len() as u64 + model.dataset.borders.len() as u64;
            let bar = progress(variants * runs, "replications");
            let (base, ranking) = pool(threads)?
                .install(|| muster::analysis::criticality::criticality(&model, runs, || bar.inc(1)));
            bar.finish_and_clear();
            println!("{} — baseline {base:.1} unmet unit-hours (mean of {runs} runs)", model.scenario.name);
            println!(
                "{:<6} {:<32} {:>22} {:>18}",
                "kind", "lost", "extra unmet unit-hours", "demand met change"
            );
            for c in ranking.iter().take(top) {
                println!(
                    "{:<6} {:<32} {:>22.1} {:>18.3}",
                    c.kind, c.name, c.extra_unmet_unit_hours, c.demand_met_change
                );
            }
            if let Some(path) = out {
                let mut w = csv::Writer::from_writer(Vec::new());
                let enc = |e: csv::Error| Failure::Other(format!("cannot encode {}: {e}", path.display()));
                w.write_record(["kind", "name", "extra_unmet_unit_hours", "demand_met_change"])
                    .map_err(enc)?;
                for c in &ranking {
                    w.write_record([
                        c.kind.clone(),
                        c.name.clone(),
                        c.extra_unmet_unit_hours.to_string(),
                        c.demand_met_change.to_string(),
                    ])
                    .map_err(enc)?;
                }
                let bytes = w.into_inner().map_err(|e| Failure::Other(e.to_string()))?;
                let json_path = path.with_extension("json");
                let body = serde_json::json!({
                    "manifest": muster::analysis::ensemble::manifest(&model, runs, None),
                    "baseline_unmet_unit_hours": base,
                    "ranking": ranking,
                });
                let mut json = serde_json::to_string_pretty(&body).unwrap_or_default();
                json.push('\n');
                outputs.stage(&path, &bytes)?;
                outputs.stage(&json_path, json.as_bytes())?;
            }
            report_written(&outputs.commit()?);
            Ok(())
        }
        Command::Merge { parts, out, thresholds: thresholds_file } => {
            let thresholds = thresholds(thresholds_file.as_deref(), &[])?;
            let agg_path = ensemble_files::aggregate_path(&out);
            let inputs = parts.iter().map(PathBuf::as_path).chain(thresholds_file.as_deref());
            let partial = ensemble_files::partial_path(&out);
            let mut outputs = claim(inputs, [out.clone(), agg_path.clone(), partial])?;
            // A part that cannot be merged is a problem with the user's files, at its line.
            let (manifest, records) = ensemble_files::read_parts(&parts).map_err(|e| {
                let location = if e.line == 0 {
                    Location::Whole { file: e.file.clone() }
                } else {
                    Location::File { file: e.file.clone(), line: e.line, col: 1 }
                };
                Failure::Input(Diagnostics(vec![Diagnostic::new(location, e.message.clone())]))
            })?;
            let mut writer = ensemble_files::EnsembleWriter::create(&out, manifest)?;
            for r in &records {
                writer.push(r).map_err(|e| Failure::Other(format!("cannot write {}: {e}", out.display())))?;
            }
            let finished = writer.finish(&thresholds)?;
            outputs.stage_file(&out, &finished.partial)?;
            outputs.stage(&agg_path, finished.json.as_bytes())?;
            let written = outputs.commit()?;
            print_aggregate(&finished.aggregate);
            report_written(&written);
            Ok(())
        }
        Command::Report { result, html, markdown, gis, thresholds } => {
            report(&result, html.as_deref(), markdown.as_deref(), gis.as_deref(), thresholds.as_deref())
        }
        Command::Synth { forces, units_per_force, seed, out, scenario, incidents } => {
            let mut outputs = claim([], std::iter::once(out.clone()).chain(scenario.clone()))?;
            let builtin = input::load_dataset(InputFile::builtin_dataset())?;
            let params = muster::synth::SynthParams { forces, units_per_force, seed, incidents };
            let synthetic =
                muster::synth::synthesize(params, input::BUILTIN_DATASET, &builtin).map_err(|e| {
                    Failure::Input(Diagnostics(vec![Diagnostic::new(
                        Location::Argument {
                            argument: format!("--forces {forces} --units-per-force {units_per_force}"),
                        },
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
                eprintln!(
                    "wrote {}: muster run {} --dataset {}",
                    path.display(),
                    path.display(),
                    out.display()
                );
            }
            Ok(())
        }
        Command::Validation { cases, runs, markdown } => {
            let (name, bytes) = match &cases {
                Some(path) => (path.display().to_string(), read(path)?),
                None => (
                    muster::input::BUILTIN_CASES_NAME.to_string(),
                    muster::input::BUILTIN_CASES.as_bytes().to_vec(),
                ),
            };
            let mut outputs = claim(cases.as_deref(), markdown.iter().cloned())?;
            let cases = muster::input::load_cases(InputFile { name: &name, bytes: &bytes })?;
            eprintln!("running {} reference cases, {runs} replications each", cases.len());
            let fits = muster::analysis::validation::fit(&cases, runs);
            if let Some(path) = &markdown {
                outputs.stage(path, muster::present::validation::markdown(&cases, &fits).as_bytes())?;
            }
            report_written(&outputs.commit()?);
            print!("{}", muster::present::validation::text(&cases, &fits));
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
                    let mut outputs = claim(dataset.as_deref(), [path.clone()])?;
                    outputs.stage(&path, &bytes)?;
                    outputs.commit()?;
                    eprintln!("wrote {} ({} forces)", path.display(), data.forces.len());
                }
                None => print!("{}", terminal::dataset(&data)),
            }
            Ok(())
        }
    }
}
