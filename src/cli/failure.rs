//! The one place a command's failure becomes what the user sees: located problems
//! (`file:line:col: message` + hint) on stderr and the exit code (0 done, 2 bad input, 1 a
//! failure writing outputs or inside the engine; docs/outputs.md).

use std::process::ExitCode;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::present::files;

/// Exit code for bad input (scenario, dataset, arguments).
const EXIT_INPUT: u8 = 2;
/// Exit code for failures writing outputs or inside the engine.
const EXIT_FAILURE: u8 = 1;

/// Problems printed before the rest are counted.
const MAX_SHOWN: usize = 100;

/// Why a command did not finish.
pub enum Failure {
    /// Problems with the user's input, each located.
    Input(Diagnostics),
    /// A tabletop script line that could not be carried out (the session had started).
    Stopped(Diagnostics),
    /// Anything else (writing outputs, the engine), as a message.
    Other(String),
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Input(d)
    }
}

impl From<files::OutputError> for Failure {
    fn from(e: files::OutputError) -> Self {
        match e {
            // An output that would destroy an input or another output is the user's argument.
            files::OutputError::Clash { path, other, role } => Failure::Input(Diagnostics(vec![
                Diagnostic::new(
                    Location::Argument { argument: path.display().to_string() },
                    format!(
                        "this output is the same file as the {role} {}: writing it would destroy that file",
                        other.display()
                    ),
                )
                .with_hint(Some("choose another path for the output".into())),
            ])),
            files::OutputError::Refused { path, line, message, hint } => Failure::Input(Diagnostics(vec![
                Diagnostic::new(Location::File { file: path.display().to_string(), line, col: 1 }, message)
                    .with_hint(Some(hint)),
            ])),
            e => Failure::Other(e.to_string()),
        }
    }
}

/// Report `result` on stderr and give the process's exit code.
pub fn exit_code(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(d)) => {
            // The first problems, then a count: a file of nonsense does not flood the terminal.
            let shown = Diagnostics(d.0.iter().take(MAX_SHOWN).cloned().collect());
            eprintln!("{shown}");
            let n = d.0.len();
            if n > MAX_SHOWN {
                eprintln!("... and {} more", n - MAX_SHOWN);
            }
            eprintln!(
                "error: {n} problem{} found; nothing was run or written",
                if n == 1 { "" } else { "s" }
            );
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Stopped(d)) => {
            eprintln!("{d}");
            eprintln!(
                "error: the session stopped at this line; nothing more was run, and no result was written"
            );
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
