//! `muster ensemble`: run many replications in parallel; write each one's summary as JSON Lines and an aggregate.

use std::path::PathBuf;
use std::sync::Arc;

use muster::analysis::ensemble::Records;
use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::present::ensemble_files;

use super::args::{
    InputArgs, capability_ids, claim, finish_ensemble, input_paths, load, pool, progress, thresholds,
};
use super::failure::Failure;

/// Run many replications in parallel; write each one's summary as JSON Lines and an aggregate
#[derive(clap::Args)]
pub struct Args {
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
    /// What each line holds: summary (~1.7 KB, no grades or bands), evidence (~13 KB, graded,
    /// no bands) or full (~37 KB); the aggregate is made of what the lines hold
    #[arg(long, value_name = "WHAT", default_value = "full", value_parser = clap::builder::PossibleValuesParser::new(Records::NAMES))]
    records: String,
    /// Output file (JSON Lines); the aggregate goes beside it as NAME.aggregate.json
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Continue an interrupted run from FILE.partial instead of starting again
    #[arg(long)]
    resume: bool,
    /// Grade the SPR assessment against these thresholds (over the built-in ones)
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
}

/// Run `muster ensemble`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input, runs, threads, shard, records, out, resume, thresholds: thresholds_file } = args;
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
    // The lines stream to NAME.partial from the start: its folder is made now.
    outputs.make_folder(&out)?;
    let mut manifest = muster::analysis::ensemble::manifest(&model, runs, shard);
    // The parser admits only the names Records::parse knows.
    manifest.records = Records::parse(&records).unwrap_or_default();
    let mine = muster::analysis::ensemble::count(runs, shard);
    let pool = pool(threads)?;
    let bar = progress(mine, "replications");
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
                bar.println(format!("replication {} (seed {}) failed: {e}", record.replication, record.seed));
            }
            bar.inc(1);
            writer.push(record)
        })
    })
    .map_err(|e| Failure::Other(format!("cannot write {}: {e}", out.display())))?;
    bar.finish_and_clear();
    finish_ensemble(outputs, writer, &out, &agg_path, &thresholds)?;
    if failures > 0 {
        eprintln!("{failures} replication(s) failed; see the file for their seeds and errors");
    }
    Ok(())
}
