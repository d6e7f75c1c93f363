//! The `muster` command line as a folder of commands, shaped like cargo's `commands/`: each
//! module declares its arguments (`Args`) and runs them (`exec`), turning them into calls of
//! the library, where the work lives; `args.rs` holds what they share and `failure.rs` the one
//! place a failure becomes located messages and an exit code. A second front end calls the
//! same library functions, not these.

use clap::{Parser, Subcommand};

pub mod args;
pub mod compare;
pub mod criticality;
pub mod dataset;
pub mod ensemble;
pub mod failure;
pub mod headroom;
pub mod inspect;
pub mod merge;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod sweep;
pub mod synth;
pub mod tabletop;
pub mod validate;
pub mod validation;

use failure::Failure;

/// The command line.
#[derive(Parser)]
#[command(
    name = "muster",
    version,
    about = "Deterministic simulator of police mutual aid across force boundaries"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print a summary (and write full results on request)
    Run(run::Args),
    /// Write a report of a run or an ensemble: HTML, Markdown, GIS files (or grades on screen)
    Report(report::Args),
    /// Run many replications in parallel; write each one's summary as JSON Lines and an aggregate
    Ensemble(ensemble::Args),
    /// Compare two scenarios over paired replications (common random numbers)
    Compare(compare::Args),
    /// Run an ensemble at every point of a grid: --set KEY=V1,V2,V3 (repeatable) makes a dimension
    Sweep(sweep::Args),
    /// Find, per capability, the largest multiple of the demand a criterion still holds at
    Headroom(headroom::Args),
    /// Rank forces and border links by how much losing each worsens the outcome
    Criticality(criticality::Args),
    /// Inspect a force, a region or the nation against a battery of SPR threat tests
    Inspect(inspect::Args),
    /// Merge the parts of a sharded ensemble into the file one machine would have written
    Merge(merge::Args),
    /// Write a synthetic dataset (and a 72-hour scenario for it) of any size, for scale tests
    Synth(synth::Args),
    /// Run a tabletop exercise: step the scenario, inject, decide; log, branch and debrief
    Tabletop(tabletop::Args),
    /// Re-run a recorded tabletop session from its log: the same result, byte for byte
    Replay(replay::Args),
    /// Check a scenario (and dataset) without running it
    Validate(validate::Args),
    /// List the shipped scenarios (run one with `muster run NAME`)
    Scenarios,
    /// Check the model against the published record: run each reference case and print its fit
    Validation(validation::Args),
    /// Show the dataset: forces, regions, establishment and capabilities
    Dataset(dataset::Args),
}

/// Run the command the user gave.
pub fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run::exec(args),
        Command::Report(args) => report::exec(args),
        Command::Ensemble(args) => ensemble::exec(args),
        Command::Compare(args) => compare::exec(args),
        Command::Sweep(args) => sweep::exec(args),
        Command::Headroom(args) => headroom::exec(args),
        Command::Criticality(args) => criticality::exec(args),
        Command::Inspect(args) => inspect::exec(args),
        Command::Merge(args) => merge::exec(args),
        Command::Synth(args) => synth::exec(args),
        Command::Tabletop(args) => tabletop::exec(args),
        Command::Replay(args) => replay::exec(args),
        Command::Validate(args) => validate::exec(args),
        Command::Scenarios => scenarios::exec(),
        Command::Validation(args) => validation::exec(args),
        Command::Dataset(args) => dataset::exec(args),
    }
}
