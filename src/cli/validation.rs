//! `muster validation`: check the model against the published record: run each reference case and print its fit.

use std::path::PathBuf;

use muster::input::InputFile;

use super::args::{claim, read, report_written};
use super::failure::Failure;

/// Check the model against the published record: run each reference case and print its fit
#[derive(clap::Args)]
pub struct Args {
    /// A file of reference cases (held-out cases of your own) instead of the built-in ones
    #[arg(long, value_name = "FILE")]
    cases: Option<PathBuf>,
    /// Replications per case
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    runs: u64,
    /// Also write the fit as Markdown (the table in docs/validation.md)
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

/// Run `muster validation`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { cases, runs, markdown } = args;
    let (name, bytes) = match &cases {
        Some(path) => (path.display().to_string(), read(path)?),
        None => {
            (muster::input::BUILTIN_CASES_NAME.to_string(), muster::input::BUILTIN_CASES.as_bytes().to_vec())
        }
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
