//! `muster compare`: compare two scenarios over paired replications (common random numbers).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use muster::present::terminal;

use super::args::{InputArgs, claim, input_paths, load, pool, progress, report_written};
use super::failure::Failure;

/// Compare two scenarios over paired replications (common random numbers)
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster compare`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { a, b, runs, threads, out } = args;
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
    for key in terminal::HEADLINE {
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
