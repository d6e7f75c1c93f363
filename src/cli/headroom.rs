//! `muster headroom`: find, per capability, the largest multiple of the demand a criterion still holds at.

use std::path::PathBuf;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};

use super::args::{InputArgs, claim, input_paths, load, pool, report_written};
use super::failure::Failure;

/// Find, per capability, the largest multiple of the demand a criterion still holds at
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster headroom`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input, runs, measure, threshold, share, steps, threads, out } = args;
    let argument = |flag: &str, value: &dyn std::fmt::Display, message: String, hint: Option<String>| {
        Failure::Input(Diagnostics(vec![
            Diagnostic::new(Location::Argument { argument: format!("{flag} {value}") }, message)
                .with_hint(hint),
        ]))
    };
    if !muster::analysis::headroom::CAPABILITY_MEASURES.contains(&measure.as_str()) {
        let hint = muster::diagnostics::suggest(&measure, muster::analysis::headroom::CAPABILITY_MEASURES);
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
    let result = pool(threads)?
        .install(|| muster::analysis::headroom::headroom(&model, runs, &criterion, steps, || bar.inc(1)));
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
