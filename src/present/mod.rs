//! Presentation of results: the terminal summary, and JSON / CSV files written whole or not
//! at all.

pub mod ensemble_files;
pub mod files;
pub mod terminal;
