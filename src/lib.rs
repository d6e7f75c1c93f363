//! Muster: a deterministic simulator of police mutual aid across force boundaries.
#![warn(missing_docs)]
pub mod analysis;
pub mod assessment;
pub mod diagnostics;
pub mod engine;
pub mod input;
pub mod inspection;
pub mod model;
pub mod present;
pub mod results;
pub mod shipped;
pub mod synth;
pub mod tabletop;
pub mod time;
