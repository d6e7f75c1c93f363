//! `muster dataset`: show the dataset: forces, regions, establishment and capabilities.

use std::path::PathBuf;

use muster::input;
use muster::input::InputFile;
use muster::present::terminal;

use super::args::{claim, read};
use super::failure::Failure;

/// Show the dataset: forces, regions, establishment and capabilities
#[derive(clap::Args)]
pub struct Args {
    /// Use this dataset file instead of the built-in one
    #[arg(long, value_name = "FILE")]
    dataset: Option<PathBuf>,
    /// Write the dataset file (same shape as --dataset accepts) to FILE
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
}

/// Run `muster dataset`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { dataset, export } = args;
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
