//! `muster criticality`: rank forces and border links by how much losing each worsens the outcome.

use std::path::PathBuf;

use super::args::{InputArgs, claim, input_paths, load, pool, progress, report_written};
use super::failure::Failure;

/// Rank forces and border links by how much losing each worsens the outcome
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster criticality`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input, runs, threads, top, out } = args;
    let json_out = out.as_ref().map(|p| p.with_extension("json"));
    let mut outputs = claim(input_paths(&input), out.iter().cloned().chain(json_out))?;
    let model = load(&input)?;
    let variants = 1 + model.dataset.forces.len() as u64 + model.dataset.borders.len() as u64;
    let bar = progress(variants * runs, "replications");
    let (base, ranking) =
        pool(threads)?.install(|| muster::analysis::criticality::criticality(&model, runs, || bar.inc(1)));
    bar.finish_and_clear();
    println!("{} — baseline {base:.1} unmet unit-hours (mean of {runs} runs)", model.scenario.name);
    println!("{:<6} {:<32} {:>22} {:>18}", "kind", "lost", "extra unmet unit-hours", "demand met change");
    for c in ranking.iter().take(top) {
        println!(
            "{:<6} {:<32} {:>22.1} {:>18.3}",
            c.kind, c.name, c.extra_unmet_unit_hours, c.demand_met_change
        );
    }
    if let Some(path) = out {
        let mut w = csv::Writer::from_writer(Vec::new());
        let enc = |e: csv::Error| Failure::Other(format!("cannot encode {}: {e}", path.display()));
        w.write_record(["kind", "name", "extra_unmet_unit_hours", "demand_met_change"]).map_err(enc)?;
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
