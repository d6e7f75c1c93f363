//! Time and disruptions: links closed and slowed, communications lost, and the timers of
//! units whose timed state ends (mobilising, travelling, resting, relief due).

use super::super::lifecycle::Sim;
use crate::model::{DisruptionKind, ForceId, Model};
use crate::results::EventKind;

/// A disruption as the event log writes it.
pub(in crate::engine) fn describe(model: &Model, kind: &DisruptionKind) -> String {
    let code = |f: ForceId| model.dataset.force(f).code.as_str();
    match *kind {
        DisruptionKind::LinkClosed { a, b } => format!("link-closed {}-{}", code(a), code(b)),
        DisruptionKind::LinkSlowed { a, b, factor } => {
            format!("link-slowed {}-{} x{factor}", code(a), code(b))
        }
        DisruptionKind::CommsOutage { force, .. } => format!("comms-outage {}", code(force)),
        DisruptionKind::SlowComms { force, factor } => format!("slow-comms {} x{factor}", code(force)),
    }
}

/// Open, close or slow links as disruptions start and end; paths are recomputed on demand.
pub fn apply_disruptions(sim: &mut Sim) {
    let model = sim.model();
    let now = sim.now();
    let ds = &model.scenario.disruptions;
    if !ds.iter().any(|d| sim.align(d.start) == now || sim.align(d.end) == now) {
        return;
    }
    let active = ds.iter().filter(|d| sim.align(d.start) <= now && now < sim.align(d.end)).map(|d| &d.kind);
    let active: Vec<&DisruptionKind> = active.collect();
    sim.travel.0.set_disruptions(active);
    let officers: Vec<u32> = model.dataset.forces.iter().map(|f| f.officers).collect();
    sim.measures.cut_off_now = sim.travel.0.cut_off(&officers);
    for d in ds {
        if sim.align(d.start) == now {
            sim.emit(EventKind::DisruptionStarted { disruption: describe(&model, &d.kind) });
        }
        if sim.align(d.end) == now {
            sim.emit(EventKind::DisruptionEnded { disruption: describe(&model, &d.kind) });
        }
    }
}

/// Move every unit whose timed state ends now to its next state.
pub fn advance_timers(sim: &mut Sim) {
    let now = sim.now();
    while let Some((t, id)) = sim.timers.pop_due(now) {
        // A unit released or re-planned since leaves a stale timer behind. (Read in place:
        // copying the unit out for one look cost more than the look.)
        let ends = sim.units.get(sim.index.units[id.0 as usize]).ok().and_then(|(_, s)| s.state.until());
        if ends == Some(t) {
            sim.on_timer(id);
        }
    }
}
