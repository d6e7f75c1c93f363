//! `muster sweep`: run an ensemble at every point of a grid: --set KEY=V1,V2,V3 (repeatable) makes a dimension.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::present::terminal;

use super::args::{InputArgs, claim, input_paths, load, pool, progress, report_written};
use super::failure::Failure;

/// Run an ensemble at every point of a grid: --set KEY=V1,V2,V3 (repeatable) makes a dimension
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster sweep`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input, runs, threads, out } = args;
    sweep(input, runs, threads, &out)
}

/// Most points a sweep's grid may have.
const MAX_SWEEP_POINTS: u64 = 1_000;

/// `muster sweep`: every `--set` value with top-level commas is a dimension of the grid.
fn sweep(input: InputArgs, runs: u64, threads: Option<u16>, out: &Path) -> Result<(), Failure> {
    let json_path = out.with_extension("json");
    let mut outputs = claim(input_paths(&input), [out.to_path_buf(), json_path.clone()])?;
    let (dims, fixed) = muster::analysis::sweep::dimensions(&input.set);
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
    let points = muster::analysis::sweep::grid(&dims);
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
    for m in terminal::HEADLINE {
        for s in ["mean", "se", "p5", "p50", "p95"] {
            header.push(format!("{m}.{s}"));
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Failure::Other(format!("cannot encode {}: {e}", out.display()));
    w.write_record(&header).map_err(csv_err)?;
    for (p, a) in points.iter().zip(&aggregates) {
        let mut row = p.clone();
        for m in terminal::HEADLINE {
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
