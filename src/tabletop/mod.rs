//! Tabletop exercises: a scenario stepped by people, with injects and decisions, a log that
//! replays to the same bytes, branching from any point of a log, and a debrief against the
//! automatic policy. Sits beside the ensemble layer: it drives a `Simulation` and reads
//! `RunResult`s; presentation is in `present/tabletop.rs`.

pub mod command;
pub mod debrief;
pub mod exercise;
pub mod log;
pub mod session;
pub mod timeline;

pub use command::{Command, CommandError};
pub use session::{Entry, Reply, Session, Variant};
