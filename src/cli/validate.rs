//! `muster validate`: check a scenario (and dataset) without running it.

use super::args::{InputArgs, load};
use super::failure::Failure;

/// Check a scenario (and dataset) without running it
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
}

/// Run `muster validate`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { input } = args;
    let model = load(&input)?;
    let s = &model.scenario;
    let units: u64 = model.dataset.capability_ids().map(|c| model.dataset.total_units(c)).sum();
    // What the file wrote, then what it expands to (several forces, a region's outage).
    let counted = |written: usize, expanded: usize, what: &str| {
        if written == expanded {
            format!("{written} {what}")
        } else {
            format!("{written} {what} ({expanded} once expanded)")
        }
    };
    println!(
        "{}: ok — '{}', {}, {}, horizon {}; dataset '{}' with {} forces and {} units",
        input.scenario.display(),
        s.name,
        counted(s.written.0, s.incidents.len(), "incident(s)"),
        counted(s.written.1, s.disruptions.len(), "disruption(s)"),
        muster::time::Duration(s.horizon),
        model.dataset.name,
        model.dataset.forces.len(),
        units
    );
    Ok(())
}
