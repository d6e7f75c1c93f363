//! RunResult: the plain, serialisable outcome of one run. Reports, CSV and later analyses read
//! this, never the engine's World. Times are minutes from scenario start; unit-hours are
//! hours of one unit on task.

use serde::{Deserialize, Serialize};

use crate::time::Minutes;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub manifest: Manifest,
    pub summary: Summary,
    pub capabilities: Vec<CapabilitySummary>,
    pub incidents: Vec<IncidentSummary>,
    pub forces: Vec<ForceSummary>,
    pub series: Series,
    pub events: Vec<Event>,
}

/// What produced this result; enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub scenario: String,
    pub scenario_sha256: String,
    pub dataset: String,
    pub dataset_sha256: String,
    pub seed: u64,
    pub replication: u64,
    pub horizon_minutes: Minutes,
    pub tick_minutes: Minutes,
    pub allocation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Share of demanded unit-hours met by effective deployed strength (0 to 1; 1 when nothing
    /// was demanded).
    pub demand_met: f64,
    pub demanded_unit_hours: f64,
    pub met_unit_hours: f64,
    pub unmet_unit_hours: f64,
    /// Largest shortfall (units) summed over all incidents and capabilities at one moment.
    pub peak_shortfall_units: f64,
    pub peak_shortfall_at: Minutes,
    /// When national mobilisation was triggered, if it was.
    pub national_trigger_at: Option<Minutes>,
    pub request_to_arrival: Vec<TierArrivals>,
    /// Force-hours (summed over capabilities) that lending forces spent below retained cover.
    pub donor_hours_below_cover: f64,
    /// Tours that ran past the tour limit (count) and their total overrun (unit-hours).
    pub tour_limit_breaches: u32,
    pub tour_overrun_unit_hours: f64,
    /// Unit-hours on task lost to standards below 1 (deployed minus effective).
    pub effectiveness_lost_unit_hours: f64,
    /// Mutual-aid deployments (units sent to another force's incident).
    pub aid_deployments: u32,
}

/// Minutes from the request that brought a unit to its arrival, for one tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierArrivals {
    pub tier: u8,
    pub arrivals: u32,
    pub mean_minutes: Option<f64>,
    pub median_minutes: Option<Minutes>,
    pub p90_minutes: Option<Minutes>,
    pub max_minutes: Option<Minutes>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilitySummary {
    pub capability: String,
    pub demanded_unit_hours: f64,
    pub met_unit_hours: f64,
    pub demand_met: f64,
    pub unmet_unit_hours: f64,
    /// Largest national shortfall of this capability at one moment (units).
    pub peak_shortfall_units: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: String,
    pub kind: String,
    pub host: String,
    pub start: Minutes,
    pub end: Minutes,
    pub priority: u32,
    pub capabilities: Vec<IncidentCapability>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCapability {
    pub capability: String,
    pub demanded_unit_hours: f64,
    pub met_unit_hours: f64,
    pub demand_met: f64,
    pub peak_shortfall_units: f64,
    /// Minutes from the first demand to the first unit on task.
    pub time_to_first_cover: Option<Minutes>,
    /// Minutes from the first demand to the first moment demand was fully met.
    pub time_to_full_cover: Option<Minutes>,
    /// Units sent, by the tier that sent them: [local, regional, national].
    pub units_by_tier: [u32; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForceSummary {
    pub code: String,
    pub region: String,
    pub officers: u32,
    /// Unit-hours this force's units spent on task at other forces' incidents.
    pub lent_unit_hours: f64,
    /// Unit-hours other forces' units spent on task at this force's incidents.
    pub received_unit_hours: f64,
    /// This force's share of all lent unit-hours by officer strength.
    pub fair_share_unit_hours: f64,
    /// lent / fair share (1 = exactly its share); `None` when nothing was lent nationally.
    pub contribution_ratio: Option<f64>,
    /// Hours (summed over capabilities) below retained cover while lending.
    pub hours_below_cover: f64,
}

/// Series sampled every `interval_minutes`, at the state just after that minute's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub interval_minutes: Minutes,
    pub incidents: Vec<SeriesPoint>,
    pub national: Vec<SeriesPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub t: Minutes,
    /// Incident id, or "all" in the national series.
    pub incident: String,
    pub capability: String,
    /// Units demanded.
    pub demand: u32,
    /// Units on task.
    pub deployed: u32,
    /// Units on task scaled by their forces' consistency factors.
    pub effective: f64,
    /// Units assigned and mobilising or travelling.
    pub en_route: u32,
    /// max(0, demand − effective) (units).
    pub shortfall: f64,
}

/// One thing that happened, at minute `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t: Minutes,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum EventKind {
    RequestRaised { incident: String, capability: String, tier: u8, units: u32, acts_at: Minutes },
    RequestClosed { incident: String, capability: String, tier: u8 },
    NationalTrigger,
    Allocated { unit: String, incident: String, tier: u8, departs_at: Minutes },
    Arrived { unit: String, incident: String },
    StoodDown { unit: String, incident: String, reason: String },
    RouteBlocked { unit: String, incident: String },
    DisruptionStarted { disruption: String },
    DisruptionEnded { disruption: String },
}
