//! The analysis layer's check against the record: run each reference case's scenario for a
//! number of replications, read its figure off every replication's events, and compare the
//! median with the record and its tolerance. Reads only `RunResult`s.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::engine;
use crate::model::{CapabilityId, Figure, Model, ReferenceCase};
use crate::results::{EventKind, RunResult, round3};
use crate::time::Minutes;

/// How a case's figure came out over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFit {
    /// Case id.
    pub id: String,
    /// The record's figure, unit and tolerance, as in the case.
    pub record: f64,
    /// Unit of the figures.
    pub unit: String,
    /// Lowest and highest median that fit (inclusive).
    pub tolerance: (f64, f64),
    /// Replications run.
    pub runs: u64,
    /// Replications in which the figure was reached (a time-until figure may not be).
    pub reached: u64,
    /// Median, 10th and 90th percentile over the replications that reached it.
    pub median: Option<f64>,
    /// 10th percentile (nearest rank).
    pub p10: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90: Option<f64>,
    /// Whether the median falls within the tolerance (a figure never reached does not).
    pub fits: bool,
}

/// Run every case for `runs` replications each (in parallel, collected in order: the same
/// bytes on any thread count).
pub fn fit(cases: &[ReferenceCase], runs: u64) -> Vec<CaseFit> {
    cases.iter().map(|case| fit_case(case, runs)).collect()
}

fn fit_case(case: &ReferenceCase, runs: u64) -> CaseFit {
    let model = Arc::new(case.model.clone());
    let values: Vec<Option<f64>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            engine::run_replication_with(Arc::clone(&model), r, true)
                .ok()
                .and_then(|result| read(&case.figure, &model, &result))
        })
        .collect();
    let mut reached: Vec<f64> = values.into_iter().flatten().collect();
    reached.sort_by(f64::total_cmp);
    let rank = |p: f64| -> Option<f64> {
        let n = reached.len();
        (n > 0).then(|| reached[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
    };
    let median = rank(0.5).map(round3);
    CaseFit {
        id: case.id.clone(),
        record: case.record,
        unit: case.unit.clone(),
        tolerance: case.tolerance,
        runs,
        reached: reached.len() as u64,
        median,
        p10: rank(0.1).map(round3),
        p90: rank(0.9).map(round3),
        fits: median.is_some_and(|m| (case.tolerance.0..=case.tolerance.1).contains(&m)),
    }
}

/// What one unit did, as the event log tells it: on task at an incident, or on the road to one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Doing {
    OnTask { incident: usize },
    Travelling,
}

/// The figure of `figure` in one replication, if it is reached.
fn read(figure: &Figure, model: &Model, r: &RunResult) -> Option<f64> {
    let data = &model.dataset;
    let cap_of = |c: CapabilityId| data.capability(c);
    let hosts: Vec<&str> = r.incidents.iter().map(|i| i.host.as_str()).collect();
    let incident_index: BTreeMap<&str, usize> =
        r.incidents.iter().enumerate().map(|(k, i)| (i.id.as_str(), k)).collect();
    let capability = match figure {
        Figure::MaxAidOnTask { capability, .. }
        | Figure::MaxInTransit { capability, .. }
        | Figure::PeakOnTask { capability }
        | Figure::AidShareAtPeak { capability }
        | Figure::TimeUntilOnTask { capability, .. }
        | Figure::TimeUntilArrived { capability, .. } => *capability,
    };
    let officers = f64::from(cap_of(capability).officers_per_unit);
    let cap_id = cap_of(capability).id.as_str();
    // Replay the log: each unit of the capability, by label, and what it is doing.
    let mut doing: BTreeMap<&str, Doing> = BTreeMap::new();
    let mut departures: Vec<(Minutes, &str)> = Vec::new();
    let mut best: Option<f64> = None;
    let mut peak = (0usize, 0usize);
    // Units that have gone on task at each incident (for a time-until-arrived figure).
    let mut arrived: BTreeMap<usize, std::collections::BTreeSet<&str>> = BTreeMap::new();
    let home = |label: &str| label.split(':').next().unwrap_or_default().to_string();
    let of_cap = |label: &str| label.split(':').nth(1) == Some(cap_id);
    let mut events = r.events.iter().peekable();
    while let Some(e) = events.next() {
        // Units planned to set off before this event have set off.
        departures.sort_unstable_by(|a, b| b.cmp(a));
        while departures.last().is_some_and(|&(t, _)| t <= e.t) {
            if let Some((_, unit)) = departures.pop()
                && !doing.contains_key(unit)
            {
                doing.insert(unit, Doing::Travelling);
            }
        }
        match &e.kind {
            EventKind::Allocated { unit, departs_at, .. } if of_cap(unit) => {
                doing.remove(unit.as_str());
                departures.retain(|&(_, u)| u != unit.as_str());
                departures.push((*departs_at, unit.as_str()));
            }
            EventKind::Arrived { unit, incident } if of_cap(unit) => {
                if let Some(&k) = incident_index.get(incident.as_str()) {
                    doing.insert(unit.as_str(), Doing::OnTask { incident: k });
                    arrived.entry(k).or_default().insert(unit.as_str());
                }
            }
            EventKind::StoodDown { unit, .. } | EventKind::RouteBlocked { unit, .. } if of_cap(unit) => {
                doing.remove(unit.as_str());
                departures.retain(|&(_, u)| u != unit.as_str());
            }
            _ => {}
        }
        // Figures are read once every event of a minute has been applied.
        if events.peek().is_some_and(|next| next.t == e.t) {
            continue;
        }
        let on_task = |pred: &dyn Fn(&str, usize) -> bool| {
            doing
                .iter()
                .filter(|(u, d)| matches!(d, Doing::OnTask { incident } if pred(u, *incident)))
                .count()
        };
        match figure {
            Figure::MaxAidOnTask { host, from, to, .. } if (*from..*to).contains(&e.t) => {
                let code = data.force(*host).code.as_str();
                let aid = on_task(&|u, i| hosts[i] == code && home(u) != code);
                best = Some(best.unwrap_or(0.0).max(aid as f64 * officers));
            }
            Figure::MaxInTransit { from, to, .. } if (*from..*to).contains(&e.t) => {
                let moving = doing.values().filter(|d| **d == Doing::Travelling).count();
                best = Some(best.unwrap_or(0.0).max(moving as f64 * officers));
            }
            Figure::PeakOnTask { .. } => {
                let n = on_task(&|_, _| true);
                best = Some(best.unwrap_or(0.0).max(n as f64 * officers));
            }
            Figure::AidShareAtPeak { .. } => {
                let n = on_task(&|_, _| true);
                if n > peak.0 {
                    peak = (n, on_task(&|u, i| home(u) != hosts[i]));
                }
            }
            Figure::TimeUntilOnTask { incident, units, per, .. } if best.is_none() => {
                let k = incident_index.get(incident.as_str()).copied();
                if let Some(k) = k
                    && on_task(&|_, i| i == k) >= *units as usize
                {
                    let start = r.incidents[k].start;
                    best = Some(f64::from(e.t.saturating_sub(start)) / f64::from(*per));
                }
            }
            Figure::TimeUntilArrived { incident, units, per, .. } if best.is_none() => {
                let k = incident_index.get(incident.as_str()).copied();
                if let Some(k) = k
                    && arrived.get(&k).map_or(0, |a| a.len()) >= *units as usize
                {
                    let start = r.incidents[k].start;
                    best = Some(f64::from(e.t.saturating_sub(start)) / f64::from(*per));
                }
            }
            _ => {}
        }
    }
    match figure {
        Figure::AidShareAtPeak { .. } => (peak.0 > 0).then(|| peak.1 as f64 / peak.0 as f64),
        Figure::MaxAidOnTask { .. } | Figure::MaxInTransit { .. } | Figure::PeakOnTask { .. } => {
            Some(best.unwrap_or(0.0))
        }
        Figure::TimeUntilOnTask { .. } | Figure::TimeUntilArrived { .. } => best,
    }
}
