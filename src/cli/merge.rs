//! `muster merge`: merge the parts of a sharded ensemble into the file one machine would have written.

use std::path::PathBuf;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::present::ensemble_files;

use super::args::{claim, finish_ensemble, thresholds};
use super::failure::Failure;

/// Merge the parts of a sharded ensemble into the file one machine would have written
#[derive(clap::Args)]
pub struct Args {
    /// The shard outputs (JSON Lines), in any order
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// Merged output (JSON Lines); the aggregate goes beside it
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Grade the SPR assessment against these thresholds (over the built-in ones)
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
}

/// Run `muster merge`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { parts, out, thresholds: thresholds_file } = args;
    let thresholds = thresholds(thresholds_file.as_deref(), &[])?;
    let agg_path = ensemble_files::aggregate_path(&out);
    let inputs = parts.iter().map(PathBuf::as_path).chain(thresholds_file.as_deref());
    let partial = ensemble_files::partial_path(&out);
    let mut outputs = claim(inputs, [out.clone(), agg_path.clone(), partial])?;
    // The lines stream to NAME.partial from the start: its folder is made now.
    outputs.make_folder(&out)?;
    // A part that cannot be merged is a problem with the user's files, at its line.
    let located = |e: ensemble_files::MergeError| {
        let location = if e.line == 0 {
            Location::Whole { file: e.file.clone() }
        } else {
            Location::File { file: e.file.clone(), line: e.line, col: 1 }
        };
        Failure::Input(Diagnostics(vec![Diagnostic::new(location, e.message.clone())]))
    };
    // A k-way merge, a record at a time: memory does not grow with the replications.
    let mut reader = ensemble_files::Parts::open(&parts).map_err(located)?;
    let mut writer = ensemble_files::EnsembleWriter::create(&out, reader.manifest.clone())?;
    let streamed = (|| loop {
        match reader.next_record() {
            Ok(Some(r)) => {
                writer.push(r).map_err(|e| Failure::Other(format!("cannot write {}: {e}", out.display())))?
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(located(e)),
        }
    })();
    if let Err(e) = streamed {
        // Nothing of a merge that failed is left behind: the lines written so far go.
        let partial = writer.partial();
        drop(writer);
        let _ = std::fs::remove_file(partial);
        return Err(e);
    }
    finish_ensemble(outputs, writer, &out, &agg_path, &thresholds)?;
    Ok(())
}
