//! The `muster` command line: parse the arguments, run the command (`cli/`, one module per
//! command), and turn a failure into located messages and an exit code.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod web;

// A run makes and frees tens of thousands of small buffers; the system allocator spent about a
// tenth of an ensemble's time on them (docs/performance.md). Results do not depend on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing to a closed pipe would panic; restore the default so a
    // command piped into `head` ends quietly as other Unix tools do.
    #[cfg(unix)]
    // SAFETY: called first, before any thread starts; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::failure::exit_code(cli::dispatch(cli::Cli::parse()))
}
