//! The exercise-room web console: a second front end over the same `tabletop::Session` as the
//! terminal, for the screens of a room (`muster tabletop S.toml --serve`). The same command
//! language, the same log (every accepted command is written before it is acknowledged), the
//! same outputs at the end.
//!
//! - `state.rs`: the session behind a lock, the version every screen follows, the ticker;
//! - `routes.rs`: the HTTP API and the pages (axum on tokio), the join code;
//! - `assets/`: the pages, their script and style, compiled into the binary.
//!
//! Imports only from the library's layers (tabletop, present and below), never from `cli`.

mod routes;
mod state;

use std::net::SocketAddr;

pub use state::AfterEach;

use muster::tabletop::Session;

/// Why the console could not run.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the web console stopped: {0}")]
    Serve(std::io::Error),
}

/// How to serve.
pub struct Options {
    /// Where to listen (127.0.0.1 unless the user asked otherwise).
    pub addr: SocketAddr,
    /// Asked of every page and request when set (required off the loopback interface).
    pub join_code: Option<String>,
    /// The exercise's name, shown on every screen.
    pub title: String,
    /// The seats and inject timeline (empty without an exercise file).
    pub exercise: muster::tabletop::exercise::Exercise,
}

/// Serve `session` until the facilitator ends it (`quit`) or the process is interrupted,
/// calling `after_each` after every accepted command (it writes the log) before the command
/// is acknowledged. Prints the screens' addresses. Returns the session to finish its outputs.
pub fn serve(session: Session, after_each: AfterEach, options: Options) -> Result<Session, WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(WebError::Serve)?;
    runtime.block_on(routes::run(session, after_each, options))
}
