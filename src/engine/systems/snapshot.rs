//! Recording: the running totals added up over each interval, and the snapshot of the step's
//! state (on task, shortfalls, burdens, series samples) that the next interval integrates.

use std::sync::Arc;

use super::super::lifecycle::{Sim, on_task_of};
use super::super::state::*;
use crate::model::Model;
use crate::results::SeriesPoint;

/// [`integrate`] as a system of its own, for the stretch after the last step.
pub fn integrate_system(mut sim: Sim) {
    integrate(&mut sim);
}

/// Add the last interval's demand, met demand and burdens to the running totals, using the
/// state as it stood after the previous step (nothing changes between steps).
pub fn integrate(sim: &mut Sim) {
    let dt = sim.clock.now.saturating_sub(sim.clock.prev);
    if dt == 0 {
        return;
    }
    let dt = f64::from(dt);
    let m = &mut *sim.measures;
    // Nothing demanded and nothing on task adds exactly zero to every total: visit only the
    // pairs the last snapshot listed (nothing changes between steps), incident by incident.
    for pairs in m.integrating.chunk_by(|a, b| a.0 == b.0) {
        let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[pairs[0].0]) else {
            continue;
        };
        for &(_, c) in pairs {
            let cs = &mut inc.caps[c];
            let d = f64::from(cs.measured_demand());
            cs.demanded_um += d * dt;
            cs.met_um += d.min(cs.effective) * dt;
            m.cap_demanded_um[c] += d * dt;
            m.cap_met_um[c] += d.min(cs.effective) * dt;
            m.lost_unit_minutes += (f64::from(cs.deployed) - cs.effective) * dt;
        }
    }
    // Every per-force vector has one entry per force: slicing them to that length once lets
    // the loop run without a bounds check per figure (each force's sums stay separate).
    let n = m.lent_now.len();
    let (lent, received, below, deployed, lost, cut_off) = (
        &mut m.lent_um[..n],
        &mut m.received_um[..n],
        &mut m.below_cover_min[..n],
        &mut m.deployed_um[..n],
        &mut m.lost_um[..n],
        &mut m.cut_off_min[..n],
    );
    let (lent_now, received_now, below_now, deployed_now, lost_now, cut_off_now) = (
        &m.lent_now[..n],
        &m.received_now[..n],
        &m.below_cover_now[..n],
        &m.deployed_now[..n],
        &m.lost_now[..n],
        &m.cut_off_now[..n],
    );
    for &(donor, host, units) in &m.flows_now {
        *m.flow_um.entry((donor, host)).or_default() += f64::from(units) * dt;
    }
    for f in 0..n {
        lent[f] += f64::from(lent_now[f]) * dt;
        received[f] += f64::from(received_now[f]) * dt;
        below[f] += f64::from(below_now[f]) * dt;
        deployed[f] += f64::from(deployed_now[f]) * dt;
        lost[f] += lost_now[f] * dt;
        if cut_off_now[f] {
            cut_off[f] += dt;
        }
    }
}

/// `v` emptied and refilled with `n` zeros, keeping its allocation.
pub(super) fn zeroed<T: Clone + Default>(v: &mut Vec<T>, n: usize) -> Vec<T> {
    let mut out = std::mem::take(v);
    out.clear();
    out.resize(n, T::default());
    out
}

/// Capabilities in which a force has units lent and fewer idle at home than its cover
/// standard (capabilities).
pub(in crate::engine) fn below_cover(r: &ForceRoster) -> u32 {
    let by_capability = r.lent.iter().zip(&r.idle_home).zip(&r.standard);
    by_capability.filter(|((lent, idle), standard)| **lent > 0 && (idle.len() as u32) < **standard).count()
        as u32
}

/// Record the state after this minute's events: strengths, cover, peaks and series points.
pub fn snapshot(sim: &mut Sim) {
    let model = sim.model();
    let now = sim.now();
    let nf = model.dataset.forces.len();
    let ncap = model.dataset.capabilities.len();
    let sample = now.is_multiple_of(model.scenario.report_interval);
    // With no pair changed since the last snapshot, this one would add up exactly the same
    // figures, and set no first-cover minute or peak that the last did not: keep them.
    // (A sample takes series points, so it always looks.)
    if !sim.measures.pairs_changed && !sample {
        count_below_cover(sim);
        wake_at_next_sample(sim, &model);
        return;
    }
    sim.measures.pairs_changed = false;
    // Refill last step's per-force vectors rather than allocate new ones every step.
    let m = &mut *sim.measures;
    let mut lent_now = zeroed(&mut m.lent_now, nf);
    let mut received_now = zeroed(&mut m.received_now, nf);
    let mut deployed_now = zeroed(&mut m.deployed_now, nf);
    let mut lost_now = zeroed(&mut m.lost_now, nf);
    let mut flows_now = std::mem::take(&mut m.flows_now);
    flows_now.clear();
    let mut integrating = std::mem::take(&mut m.integrating);
    integrating.clear();
    let mut national: Vec<(u32, u32, f64, u32)> = vec![(0, 0, 0.0, 0); ncap];
    // Points go straight onto the series: a list per sample, grown and then copied over,
    // was most of the snapshot's reallocation.
    let mut series = std::mem::take(&mut m.series_incidents);
    if sample {
        sim.measures.series_ids.cover(&sim.plans.0, &model.dataset.capabilities);
    }
    let ids = &sim.measures.series_ids;
    let mut total_short = 0.0;
    for i in 0..sim.plans.0.len() {
        // A pair at rest adds nothing; only a sample, which lists demanded pairs, reads it.
        // (Asked before the plan is read, which is a cache miss by now.)
        if !sample && !sim.active.any(i) {
            continue;
        }
        // Borrowed, not cloned: counting a shared pointer up and down per incident per step
        // cost a fifth of this phase's cycles.
        let plan = &sim.plans.0[i];
        let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else {
            continue;
        };
        for (c, cs) in inc.caps.iter_mut().enumerate() {
            if !sample && !sim.active.get(i, c) {
                continue;
            }
            // An idle pair whose snapshot is already all zeros would add exactly nothing.
            if cs.adds_nothing() && !(sample && is_demanded(plan, cs, c)) {
                if cs.at_rest() {
                    sim.active.set(i, c, false);
                }
                continue;
            }
            let kept = cs.on_task.take();
            let on_task = kept
                .unwrap_or_else(|| on_task_of(&sim.units, &sim.index.units, &model.dataset, &cs.assigned, c));
            let (deployed, effective, en_route) = (on_task.deployed, on_task.effective, on_task.en_route);
            for share in &on_task.by_home {
                let h = usize::from(share.home.0);
                deployed_now[h] += share.deployed;
                lent_now[h] += share.lent;
                received_now[usize::from(plan.host.0)] += share.lent;
                if share.lent > 0 {
                    flows_now.push((share.home.0, plan.host.0, share.lent));
                }
                // One addition per unit, as the units were once visited one by one: the sum's
                // rounding must not depend on whether the count was kept.
                let lost = sim.measures.lost_share[h * ncap + c];
                // Adding +0.0 to a sum that starts at +0.0 changes nothing: skip it.
                if lost != 0.0 {
                    let lost_at_home = &mut lost_now[h];
                    for _ in 0..share.deployed {
                        *lost_at_home += lost;
                    }
                }
            }
            cs.on_task = Some(on_task);
            cs.deployed = deployed;
            cs.effective = effective;
            cs.en_route = en_route;
            let demand = cs.measured_demand();
            cs.snapshot_demand = demand;
            if cs.at_rest() {
                sim.active.set(i, c, false);
            }
            if demand > 0 || deployed > 0 {
                integrating.push((i, c));
            }
            let short = (f64::from(demand) - effective).max(0.0);
            cs.peak_shortfall = cs.peak_shortfall.max(short);
            if demand > 0 && deployed > 0 && cs.first_cover_at.is_none() {
                cs.first_cover_at = Some(now);
            }
            if demand > 0 && effective >= f64::from(demand) && cs.full_cover_at.is_none() {
                cs.full_cover_at = Some(now);
            }
            total_short += short;
            let n = &mut national[c];
            n.0 = n.0.saturating_add(demand);
            n.1 = n.1.saturating_add(deployed);
            n.2 += effective;
            n.3 = n.3.saturating_add(en_route);
            // Outside its incident's hours a pair's row is all zeros unless units are still
            // on their way or withdrawing: leaving those rows out keeps the series in
            // proportion to the incidents' lengths, not incidents × horizon.
            let live = (plan.start..=plan.end).contains(&now) || demand > 0 || deployed > 0 || en_route > 0;
            if sample && live && is_demanded(plan, cs, c) {
                series.push(SeriesPoint {
                    t: now,
                    incident: Arc::clone(&ids.incidents[i]),
                    capability: Arc::clone(&ids.capabilities[c]),
                    demand,
                    deployed,
                    effective,
                    en_route,
                    shortfall: short,
                });
            }
        }
    }
    count_below_cover(sim);
    let m = &mut *sim.measures;
    m.lent_now = lent_now;
    m.flows_now = flows_now;
    m.received_now = received_now;
    m.deployed_now = deployed_now;
    m.lost_now = lost_now;
    m.integrating = integrating;
    for (c, n) in national.iter().enumerate() {
        m.cap_peak[c] = m.cap_peak[c].max((f64::from(n.0) - n.2).max(0.0));
    }
    if total_short > m.peak_total {
        m.peak_total = total_short;
        m.peak_at = now;
    }
    m.series_incidents = series;
    if sample {
        for (c, n) in national.into_iter().enumerate() {
            m.series_national.push(SeriesPoint {
                t: now,
                incident: Arc::clone(&m.series_ids.all),
                capability: Arc::clone(&m.series_ids.capabilities[c]),
                demand: n.0,
                deployed: n.1,
                effective: n.2,
                en_route: n.3,
                shortfall: (f64::from(n.0) - n.2).max(0.0),
            });
        }
    }
    wake_at_next_sample(sim, &model);
}

/// A force's capabilities below cover change only with its roster: count again only the
/// forces whose roster changed since the last snapshot.
pub(super) fn count_below_cover(sim: &mut Sim) {
    let m = &mut *sim.measures;
    for (f, changed) in m.roster_changed.iter_mut().enumerate().filter(|(_, changed)| **changed) {
        if let Ok(r) = sim.forces.get(sim.index.forces[f]) {
            m.below_cover_now[f] = below_cover(r);
        }
        *changed = false;
    }
}

/// Make sure a step runs at the next report interval, where the series takes its points.
pub(super) fn wake_at_next_sample(sim: &mut Sim, model: &Model) {
    let now = sim.now();
    let next = (now / model.scenario.report_interval + 1) * model.scenario.report_interval;
    if next <= model.scenario.horizon {
        sim.wake_at(next);
    }
}
