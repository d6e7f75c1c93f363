//! Headroom: per capability, the largest multiple of the demand a criterion still holds at,
//! found by bracketing and bisection over ensembles.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::ensemble::*;
use crate::model::Model;

/// What must hold for a demand level to count as absorbed: the measure at `key` is at least
/// `threshold` in at least `share` of the replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Per-capability measure, one of [`CAPABILITY_MEASURES`] (looked up as
    /// `capabilities.<cap>.<measure>`).
    pub measure: String,
    /// Smallest acceptable value.
    pub threshold: f64,
    /// Share of replications that must reach it (0..1).
    pub share: f64,
}

/// The per-capability measures a headroom criterion can name (the numbers of a
/// `CapabilitySummary`).
pub const CAPABILITY_MEASURES: [&str; 5] =
    ["demand_met", "met_unit_hours", "demanded_unit_hours", "unmet_unit_hours", "peak_shortfall_units"];

/// The headroom of one capability: the largest demand multiple found to satisfy the criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headroom {
    /// Capability id.
    pub capability: String,
    /// Largest multiple tried that held (0 if none did).
    pub holds_at: f64,
    /// Smallest multiple tried that failed (`None` if all held up to the search limit).
    pub fails_at: Option<f64>,
    /// Share of replications meeting the threshold at `holds_at`, and its binomial standard error.
    pub share_at_holds: (f64, f64),
    /// Every multiple tried, with the share of replications that met the threshold.
    pub tried: Vec<(f64, f64)>,
}

/// Share of `runs` replications of `model` whose measure for capability `cap` reaches the
/// threshold.
fn share_meeting(
    model: &Arc<Model>,
    runs: u64,
    cap: &str,
    criterion: &Criterion,
    progress: &mut (impl FnMut() + Send),
) -> f64 {
    let key = format!("capabilities.{cap}.{}", criterion.measure);
    let [values] = values_of(model, runs, [key.as_str()], progress);
    values.iter().filter(|v| v.is_some_and(|v| v >= criterion.threshold)).count() as f64 / runs as f64
}

/// The values of `keys` in each of `runs` replications, one pass over the replications
/// (`None` where a run lacks a measure, e.g. a failed run).
pub(crate) fn values_of<const K: usize>(
    model: &Arc<Model>,
    runs: u64,
    keys: [&str; K],
    progress: &mut (impl FnMut() + Send),
) -> [Vec<Option<f64>>; K] {
    let mut out: [Vec<Option<f64>>; K] = std::array::from_fn(|_| Vec::new());
    let _ = run(model, runs, None, |r| {
        let m = measures(&r);
        for (key, values) in keys.iter().zip(out.iter_mut()) {
            values.push(m.iter().find(|(k, _)| k == key).map(|x| x.1));
        }
        progress();
        Ok(())
    });
    out
}

/// For each capability the scenario demands, find by doubling then bisection the largest
/// multiple of its demand at which the criterion holds (other capabilities stay as written).
/// `steps` bisection steps follow the doubling (each halves the bracket).
pub fn headroom(
    model: &Model,
    runs: u64,
    criterion: &Criterion,
    steps: u32,
    mut progress: impl FnMut() + Send,
) -> Vec<Headroom> {
    let mut out = Vec::new();
    let demanded: Vec<bool> = model
        .dataset
        .capability_ids()
        .map(|c| {
            model.scenario.incidents.iter().any(|i| {
                i.demand.iter().any(|d| d.capability == c)
                    || (matches!(i.dynamics, Some(crate::model::IncidentDynamics::Disorder { .. })))
            })
        })
        .collect();
    for (ci, cap) in model.dataset.capabilities.iter().enumerate() {
        if !demanded[ci] {
            continue;
        }
        let at = |scale: f64| {
            let mut m = model.clone();
            m.scenario.demand_scale[ci] = scale;
            Arc::new(m)
        };
        let mut tried = Vec::new();
        let mut test = |scale: f64, tried: &mut Vec<(f64, f64)>| {
            let s = share_meeting(&at(scale), runs, &cap.id, criterion, &mut progress);
            tried.push((scale, s));
            s >= criterion.share
        };
        // Bracket: grow while it holds (up to 64×), or shrink while it fails (down to 1/64).
        let (mut lo, mut hi): (f64, Option<f64>) = if test(1.0, &mut tried) {
            let mut lo = 1.0;
            let mut hi = None;
            while lo < 64.0 {
                if test(lo * 2.0, &mut tried) {
                    lo *= 2.0;
                } else {
                    hi = Some(lo * 2.0);
                    break;
                }
            }
            (lo, hi)
        } else {
            let mut hi = 1.0;
            let mut lo = 0.0;
            while hi > 1.0 / 64.0 {
                if test(hi / 2.0, &mut tried) {
                    lo = hi / 2.0;
                    break;
                }
                hi /= 2.0;
            }
            (lo, Some(hi))
        };
        if lo > 0.0 {
            for _ in 0..steps {
                let Some(h) = hi else { break };
                let mid = (lo + h) / 2.0;
                if test(mid, &mut tried) {
                    lo = mid;
                } else {
                    hi = Some(mid);
                }
            }
        }
        let share = tried.iter().find(|(s, _)| *s == lo).map_or(0.0, |t| t.1);
        let se = libm::sqrt(share * (1.0 - share) / runs as f64);
        out.push(Headroom {
            capability: cap.id.clone(),
            holds_at: lo,
            fails_at: hi,
            share_at_holds: (share, se),
            tried,
        });
    }
    out
}
