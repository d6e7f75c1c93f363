//! Running totals and series kept while a run goes on; turned into a [`RunResult`] at the end.

use std::sync::Arc;

use bevy_ecs::prelude::*;

use crate::model::{Capability, IncidentPlan};
use crate::results::SeriesPoint;
use crate::time::Minutes;

#[derive(Resource, Debug, Default)]
pub struct Measures {
    /// Request-to-arrival minutes for every arrival, by tier (index = tier − 1).
    pub arrivals: [Vec<Minutes>; 3],
    pub tour_breaches: u32,
    pub overrun_unit_minutes: f64,
    /// Deployed minus effective strength, integrated (unit-minutes).
    pub lost_unit_minutes: f64,
    pub aid_deployments: u32,
    /// Officer rest days and leave days cancelled by calling units out (officer-days).
    pub time_off_cancelled: u64,
    /// Planned arrivals (reliefs, booked aid) that went on task, those that came after the
    /// minute they were wanted, and by how much in all (minutes).
    pub planned_arrivals: u32,
    pub planned_late: u32,
    pub planned_late_minutes: u64,
    /// Journeys between home and a lodging near the host (unit-minutes): duty that is not on task.
    pub lodging_travel_um: f64,
    /// Per force: unit-minutes on task lent and received, minutes below cover (summed over capabilities).
    pub lent_um: Vec<f64>,
    pub received_um: Vec<f64>,
    pub below_cover_min: Vec<f64>,
    /// Per force: its units' unit-minutes on task anywhere, and those lost to its standards factor.
    pub deployed_um: Vec<f64>,
    pub lost_um: Vec<f64>,
    /// Per force: minutes cut off from the main part of the border graph by closed links.
    pub cut_off_min: Vec<f64>,
    /// Per host force and tier (index = tier − 1): arrivals at its incidents and their summed
    /// request-to-arrival minutes.
    pub host_arrivals: Vec<[(u32, u64); 3]>,
    /// First minute a region had tier-2 requests it could not fill.
    pub regional_shortfall_at: Option<Minutes>,
    /// Since when some region has had a tier-2 request it acted on and could not fill (the
    /// stretch going on now), and the longest such stretch that has ended (minutes).
    pub regional_unfilled_since: Option<Minutes>,
    pub regional_unfilled_longest: Minutes,
    /// Unit-minutes on task lent, per (donor force, host force), for maps of aid flows.
    pub flow_um: std::collections::BTreeMap<(u16, u16), f64>,
    /// Units lent now, as (donor, host, units), one entry per incident and capability share.
    pub flows_now: Vec<(u16, u16, u32)>,
    /// Snapshot at the end of the last step, per force.
    pub lent_now: Vec<u32>,
    pub received_now: Vec<u32>,
    pub below_cover_now: Vec<u32>,
    /// Per force: its roster changed since the last snapshot, so its `below_cover_now` is due
    /// to be counted again (set by every change to a roster, all in `lifecycle.rs`).
    pub roster_changed: Vec<bool>,
    pub deployed_now: Vec<u32>,
    pub lost_now: Vec<f64>,
    pub cut_off_now: Vec<bool>,
    /// Per capability, national totals (unit-minutes) and worst shortfall (units).
    pub cap_demanded_um: Vec<f64>,
    pub cap_met_um: Vec<f64>,
    pub cap_peak: Vec<f64>,
    pub peak_total: f64,
    pub peak_at: Minutes,
    pub series_incidents: Vec<SeriesPoint>,
    pub series_national: Vec<SeriesPoint>,
    /// (incident index, capability index) of every pair with measured demand or units on task
    /// at the last snapshot, in index order: the only pairs the next interval adds to totals.
    pub integrating: Vec<(usize, usize)>,
    /// Some (incident, capability) may have changed its demand, its units or its plan since
    /// the last snapshot (set by every such change: `Sim::incident_state`, `update_demand`,
    /// plan changes). While clear, a snapshot would add up exactly what the last one did.
    pub pairs_changed: bool,
    /// 1 − consistency factor by (force × capabilities + capability): the strength a unit of
    /// that force loses (units), in one table the snapshot reads per unit on task.
    pub lost_share: Vec<f64>,
    /// The ids series points carry, made once per run rather than once per point.
    pub series_ids: SeriesIds,
}

/// Shared ids for series points: by incident index, by capability index, and "all".
#[derive(Debug, Default)]
pub struct SeriesIds {
    pub incidents: Vec<Arc<str>>,
    pub capabilities: Vec<Arc<str>>,
    pub all: Arc<str>,
}

impl SeriesIds {
    /// Make ids for the capabilities and for incidents planned since the last call.
    pub fn cover(&mut self, plans: &[Arc<IncidentPlan>], capabilities: &[Capability]) {
        if self.capabilities.len() != capabilities.len() {
            self.capabilities = capabilities.iter().map(|c| Arc::from(c.id.as_str())).collect();
            self.all = Arc::from("all");
        }
        for plan in &plans[self.incidents.len().min(plans.len())..] {
            self.incidents.push(Arc::from(plan.id.as_str()));
        }
    }
}

impl Measures {
    pub fn new(forces: usize, capabilities: usize) -> Self {
        Self {
            lent_um: vec![0.0; forces],
            received_um: vec![0.0; forces],
            below_cover_min: vec![0.0; forces],
            deployed_um: vec![0.0; forces],
            lost_um: vec![0.0; forces],
            cut_off_min: vec![0.0; forces],
            host_arrivals: vec![[(0, 0); 3]; forces],
            deployed_now: vec![0; forces],
            lost_now: vec![0.0; forces],
            cut_off_now: vec![false; forces],
            lent_now: vec![0; forces],
            received_now: vec![0; forces],
            below_cover_now: vec![0; forces],
            roster_changed: vec![true; forces],
            pairs_changed: true,
            cap_demanded_um: vec![0.0; capabilities],
            cap_met_um: vec![0.0; capabilities],
            cap_peak: vec![0.0; capabilities],
            ..Self::default()
        }
    }
}
