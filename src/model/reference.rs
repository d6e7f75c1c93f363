//! Reference cases: figures from the published record of real mobilisations, with the
//! scenario that stands for each and the tolerance the model's figure must fall within
//! (`data/validation.toml`, or a user's own file of held-out cases).

use super::{CapabilityId, ForceId, Model};
use crate::time::Minutes;

/// One figure from the record, and how to read the same figure off the model's runs.
#[derive(Debug, Clone)]
pub struct ReferenceCase {
    /// Short id (`london-2011-first-two-nights`).
    pub id: String,
    /// What the record says, in words.
    pub title: String,
    /// The figure in the record (in `unit`).
    pub record: f64,
    /// Unit of the figure (`officers`, `hours`, `minutes`, `share`).
    pub unit: String,
    /// The model's median must fall within these bounds (inclusive, in `unit`).
    pub tolerance: (f64, f64),
    /// Where the record comes from, with its tag ([V], [U], [D]).
    pub source: String,
    /// Why the scenario stands for the record, and what the figure tests.
    pub note: String,
    /// The figure to read off each replication.
    pub figure: Figure,
    /// The scenario that stands for the record, loaded against the dataset.
    pub model: Model,
}

/// A figure read off one replication's events and series (all times in minutes from the
/// scenario's start).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum Figure {
    /// Most officers of forces other than `host` on task at `host`'s incidents at once, within
    /// `[from, to)` (officers).
    MaxAidOnTask { host: ForceId, capability: CapabilityId, from: Minutes, to: Minutes },
    /// Most officers travelling to incidents at once, nationally, within `[from, to)`
    /// (officers).
    MaxInTransit { capability: CapabilityId, from: Minutes, to: Minutes },
    /// Most officers on task at once, nationally (officers).
    PeakOnTask { capability: CapabilityId },
    /// At the moment most units are on task nationally, the share of them on loan (0 to 1).
    AidShareAtPeak { capability: CapabilityId },
    /// Time from incident `incident`'s start until `units` units are on task at it at once
    /// (in the case's unit: hours or minutes); not reached: no value.
    TimeUntilOnTask { incident: String, capability: CapabilityId, units: u32, per: Minutes },
    /// Time from incident `incident`'s start until `units` different units have gone on task
    /// at it (mobilised there), whether or not still on task (hours or minutes).
    TimeUntilArrived { incident: String, capability: CapabilityId, units: u32, per: Minutes },
}
