//! The model: plain, validated data built once from the dataset and scenario files.
//! The engine reads it and never parses anything.

mod battery;
mod dataset;
mod policy;
mod reference;
mod scenario;
mod threats;
mod thresholds;

pub use battery::*;
pub use dataset::*;
pub use policy::*;
pub use reference::*;
pub use scenario::*;
pub use threats::*;
pub use thresholds::*;

/// Everything one run needs: the dataset (with the scenario's what-if overrides applied) and
/// the scenario. Hashes identify the inputs in every result's manifest.
#[derive(Debug, Clone)]
pub struct Model {
    /// The dataset, with the scenario's patches and overrides applied.
    pub dataset: Dataset,
    /// The validated scenario.
    pub scenario: Scenario,
    /// SHA-256 (hex) of the scenario text followed by its `--set` overrides.
    pub scenario_sha256: String,
    /// SHA-256 (hex) of the dataset text.
    pub dataset_sha256: String,
    /// The `--set KEY=VALUE` overrides applied to the scenario file, in order.
    pub overrides: Vec<String>,
    /// The unverified (`[U]`) parameters the run uses, as `key = value` (input/tags.rs).
    pub unverified: Vec<String>,
}
