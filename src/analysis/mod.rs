//! The analysis layer: what many runs of the engine say together, and what one run's results
//! say per scope. Reads only `RunResult`s and models, never the World; imports only from the
//! engine, results, model and the layers below them (the assessment and presentation build on
//! it). Each analysis is its own module:
//!
//! - `ensemble`: replications on their own random streams, shards, records, the aggregate;
//! - `distribution`: one measure over the replications in bounded memory (exact percentiles
//!   while it has at most 2,048 distinct values, grouped with a stated rounding beyond);
//! - `compare`: paired differences of two scenarios on common random numbers;
//! - `sweep`: the values a sweep runs at;
//! - `headroom`: the largest demand multiple a criterion holds at;
//! - `criticality`: forces and links ranked by what losing each costs;
//! - `observations`: every SPR measure observed in a run, per scope (what the assessment grades);
//! - `validation`: the model against reference cases from the published record.

use std::collections::BTreeMap;

pub mod compare;
pub mod criticality;
pub mod distribution;
pub mod ensemble;
pub mod headroom;
pub mod observations;
pub mod sweep;
pub mod validation;

/// `map[key]`, made empty if missing; the key is copied only then.
pub(crate) fn slot<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("just inserted")
}
