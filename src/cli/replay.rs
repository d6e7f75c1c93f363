//! `muster replay`: re-run a recorded tabletop session from its log: the same result, byte for byte.

use std::path::PathBuf;

use super::failure::Failure;

/// Re-run a recorded tabletop session from its log: the same result, byte for byte
#[derive(clap::Args)]
pub struct Args {
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
}

/// Run `muster replay`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { log, json, debrief, quiet, thresholds } = args;
    super::tabletop::replay(&log, json.as_deref(), debrief.as_deref(), quiet, thresholds.as_deref())
}
