//! `muster run`: run a scenario and print a summary (and write full results on request).

use std::path::PathBuf;
use std::sync::Arc;

use muster::present::{files, terminal};

use super::args::{InputArgs, capability_ids, claim, input_paths, load, report_written, thresholds};
use super::failure::Failure;

/// Run a scenario and print a summary (and write full results on request)
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster run`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input, json, csv, quiet, thresholds: thresholds_file } = args;
    let model = Arc::new(load(&input)?);
    let thresholds = thresholds(thresholds_file.as_deref(), &capability_ids(&model))?;
    let csv_paths: Vec<PathBuf> = csv.iter().flat_map(|d| files::CSV_FILES.map(|f| d.join(f))).collect();
    let inputs = input_paths(&input).into_iter().chain(thresholds_file.as_deref());
    let mut outputs = claim(inputs, json.iter().cloned().chain(csv_paths))?;
    let question = model.scenario.question.clone();
    let mut result = muster::engine::run(Arc::clone(&model)).map_err(|e| Failure::Other(e.to_string()))?;
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
