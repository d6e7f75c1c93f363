//! Criticality: forces and border links ranked by how much losing each worsens the outcome.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::headroom::values_of;
use crate::model::Model;

/// How much losing one force's units, or one border link, worsens the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criticality {
    /// "force" or "link".
    pub kind: String,
    /// Force code, or "a-b" for a link.
    pub name: String,
    /// Mean unmet unit-hours with it lost, minus the baseline (paired replications).
    pub extra_unmet_unit_hours: f64,
    /// Mean share of demand met with it lost, minus the baseline.
    pub demand_met_change: f64,
}

/// Mean unmet unit-hours and mean share of demand met over `runs` replications (a failed run
/// counts as zero).
fn unmet_and_met(model: &Arc<Model>, runs: u64, progress: &mut (impl FnMut() + Send)) -> (f64, f64) {
    let [unmet, met] = values_of(model, runs, ["unmet_unit_hours", "demand_met"], progress);
    let mean = |v: Vec<Option<f64>>| v.into_iter().map(|x| x.unwrap_or(0.0)).sum::<f64>() / runs as f64;
    (mean(unmet), mean(met))
}

/// Rank every force (all its units lost) and every border link (closed for the whole run) by
/// the extra unmet demand its loss causes, on the same replications as the baseline.
pub fn criticality(model: &Model, runs: u64, mut progress: impl FnMut() + Send) -> (f64, Vec<Criticality>) {
    let base = Arc::new(model.clone());
    let (base_unmet, base_met) = unmet_and_met(&base, runs, &mut progress);
    let mut out = Vec::new();
    let mut assess = |kind: &str, name: String, m: Model, progress: &mut (dyn FnMut() + Send)| {
        let m = Arc::new(m);
        let mut p = || progress();
        let (unmet, met) = unmet_and_met(&m, runs, &mut p);
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        out.push(Criticality {
            kind: kind.into(),
            name,
            extra_unmet_unit_hours: round(unmet - base_unmet),
            demand_met_change: round(met - base_met),
        });
    };
    for (f, force) in model.dataset.forces.iter().enumerate() {
        let mut m = model.clone();
        m.dataset.forces[f].establishment.iter_mut().for_each(|n| *n = 0);
        assess("force", force.code.clone(), m, &mut progress);
    }
    for b in &model.dataset.borders {
        let mut m = model.clone();
        m.scenario.disruptions.push(crate::model::Disruption {
            kind: crate::model::DisruptionKind::LinkClosed { a: b.a, b: b.b },
            start: 0,
            end: model.scenario.horizon + 1,
        });
        let name = format!("{}-{}", model.dataset.force(b.a).code, model.dataset.force(b.b).code);
        assess("link", name, m, &mut progress);
    }
    out.sort_by(|x, y| {
        y.extra_unmet_unit_hours.total_cmp(&x.extra_unmet_unit_hours).then(x.name.cmp(&y.name))
    });
    (base_unmet, out)
}
