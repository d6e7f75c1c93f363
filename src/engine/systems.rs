//! The phases of one step, in order, in four stages, and the one system that runs them. Every
//! phase reads and writes the World through [`Sim`].
//!
//! A phase that spawns or despawns entities (disorder seats, mutual-aid requests) ends its
//! stage: the phases after it expect those entities to exist (or to be gone), so the stage's
//! commands are applied, and the World fetched again, before the next stage. Most steps change
//! no entity, and fetch the World once: fetching it once per stage was 6% of the instructions.

use std::collections::BTreeMap;
use std::sync::Arc;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemState;

use super::allocation::{FairShare, Need, SupplyGroup, allocate};
use super::lifecycle::{Commitment, Committed, Sim, on_task_of};
use super::state::*;
use super::streams::{incident_size, incident_size_keyed};
use crate::model::{
    CapabilityId, DisruptionKind, ForceId, IncidentDynamics, IncidentPlan, MAX_DEMAND, Model,
    NationalTrigger, SizeDistribution,
};
use crate::results::{EventKind, SeriesPoint};
use crate::time::Minutes;

/// The stages of a step, in order.
const STAGES: [fn(&mut Sim); 4] = [pass_time, local_response, regional_response, national_response];

/// One step: the stages in order. The World is fetched once, and again after a stage that
/// queued entity changes, once they are applied.
pub fn step(world: &mut World, sim_state: &mut SystemState<Sim<'static, 'static>>) {
    let mut stages = STAGES.iter();
    while stages.len() > 0 {
        {
            let mut sim = sim_state.get_mut(world).expect("the step needs nothing the World lacks");
            for stage in stages.by_ref() {
                stage(&mut sim);
                if std::mem::take(&mut sim.index.entities_pending) {
                    break;
                }
            }
        }
        sim_state.apply(world);
    }
}

/// Time passes: add up the last interval, start and end disruptions, move units whose timed
/// state ends, and let disorder evolve and spread (new seats exist from the next stage on).
fn pass_time(sim: &mut Sim) {
    integrate(sim);
    apply_disruptions(sim);
    advance_timers(sim);
    super::disorder::evolve_disorder(sim);
}

/// Hosts respond: set demand, release surplus units, commit their own, and raise regional
/// requests for the gap (new requests exist from the next stage on).
fn local_response(sim: &mut Sim) {
    update_demand(sim);
    release_surplus(sim);
    allocate_local(sim);
    raise_regional(sim);
}

/// Regions respond, the national trigger is weighed, and national requests are raised.
fn regional_response(sim: &mut Sim) {
    allocate_regional(sim);
    evaluate_trigger(sim);
    raise_national(sim);
}

/// The nation responds, idle units away go home, and the step's state is recorded.
fn national_response(sim: &mut Sim) {
    allocate_national(sim);
    send_idle_home(sim);
    snapshot(sim);
}

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

/// A disruption as the event log writes it.
pub(super) fn describe(model: &Model, kind: &DisruptionKind) -> String {
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

/// How incident `plan` stands at minute `now`: on (between start and end), or in the lead of
/// a booked event (aid is placed, nothing is measured yet).
fn phase(plan: &IncidentPlan, policy: &crate::model::Policy, now: Minutes) -> (bool, bool) {
    let active = plan.start <= now && now < plan.end;
    let booking_from = if plan.booked { plan.start.saturating_sub(policy.planned_lead) } else { plan.start };
    (active, booking_from <= now && now < plan.start && now < plan.end)
}

/// Units of capability `c` that `plan`'s explicit curves demand at `now`, scaled by its drawn
/// size factor `scale` and the scenario's demand scale; during a booked lead, the units
/// booked for the start.
pub(super) fn explicit_demand(model: &Model, plan: &IncidentPlan, scale: f64, c: usize, now: Minutes) -> u32 {
    let (active, prebooking) = phase(plan, &model.scenario.policy, now);
    plan.demand.iter().find(|d| usize::from(d.capability.0) == c).map_or(0, |curve| {
        let units = if active {
            curve.at(now - plan.start)
        } else if prebooking {
            curve.at(0)
        } else {
            0
        };
        // However scaled or drawn, one incident asks for at most MAX_DEMAND units at once.
        (f64::from(units) * scale * model.scenario.demand_scale[c]).ceil().min(f64::from(MAX_DEMAND)) as u32
    })
}

/// The minutes after `now` at which `plan`'s explicit demand changes by itself: booking,
/// start, end and the steps of its curves (unaligned; none once it has ended).
fn demand_changes(plan: &IncidentPlan, policy: &crate::model::Policy, now: Minutes) -> Vec<Minutes> {
    let booking_from = if plan.booked { plan.start.saturating_sub(policy.planned_lead) } else { plan.start };
    if now < booking_from {
        vec![booking_from]
    } else if now < plan.start {
        vec![plan.start]
    } else if now < plan.end {
        let steps = plan.demand.iter().filter_map(|curve| curve.next_change_after(now - plan.start));
        std::iter::once(plan.end).chain(steps.map(|next| plan.start + next)).collect()
    } else {
        Vec::new()
    }
}

/// Set each incident's demand at this minute: its explicit curves plus what its threat model
/// asks for. An incident without a threat model keeps its demand until its next change.
pub fn update_demand(sim: &mut Sim) {
    let now = sim.now();
    let model = sim.model();
    let policy = &model.scenario.policy;
    // One pointer to the plans for the phase, not one per incident.
    let plans = sim.all_plans();
    for (i, plan) in plans.iter().enumerate() {
        if sim
            .incidents
            .get(sim.index.incidents[i])
            .is_ok_and(|inc| inc.disorder.is_none() && now < inc.demand_fixed_until)
        {
            continue;
        }
        let (active, prebooking) = phase(plan, policy, now);
        let mut changed = false;
        {
            let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else { continue };
            if inc.scale.is_none() && (active || prebooking) {
                inc.scale = match &plan.dynamics {
                    Some(IncidentDynamics::Scaled { size }) => {
                        Some(incident_size(model.scenario.seed, sim.replication.0, i, *size) / size.median)
                    }
                    // An incident written without a size is as large as written at the median,
                    // with the spread the uncertainty table gives (none for planned events).
                    None if plan.uncertain => {
                        let spread =
                            SizeDistribution { median: 1.0, p90: model.scenario.uncertainty.demand_spread };
                        Some(incident_size_keyed(model.scenario.seed, sim.replication.0, i, spread))
                    }
                    _ => None,
                };
            }
            let scale = inc.scale.unwrap_or(1.0);
            let dynamic = inc.disorder.as_ref().map(|d| d.demand.clone());
            for (c, cs) in inc.caps.iter_mut().enumerate() {
                let explicit = explicit_demand(&model, plan, scale, c, now);
                let modelled = if active { dynamic.as_ref().map_or(0, |d| d[c]) } else { 0 };
                let total = explicit.saturating_add(modelled).min(MAX_DEMAND);
                changed |= cs.demand != total || cs.prebooking != prebooking;
                cs.demand = total;
                cs.prebooking = prebooking;
                if cs.demand > 0 {
                    sim.active.set(i, c, true);
                }
                if active && cs.demand > 0 && cs.first_demand_at.is_none() {
                    cs.first_demand_at = Some(now);
                }
            }
        }
        sim.measures.pairs_changed |= changed;
        let changes = demand_changes(plan, policy, now);
        for &t in &changes {
            sim.wake_at(t);
        }
        if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
            inc.demand_fixed_until = changes.into_iter().min().unwrap_or(Minutes::MAX);
        }
    }
}

/// Stand down units an incident no longer needs: all of them once it demands none. Else two
/// surpluses, each against the demand: of the units that will stay past the relief look-ahead,
/// those beyond it — not yet on task first, latest to arrive first, then on task, mutual aid
/// first; and of the units covering it now, those beyond it — units due for relief with none
/// coming first (soonest to leave first), then as before.
pub fn release_surplus(sim: &mut Sim) {
    let now = sim.now();
    let mut look: Vec<CapabilityId> = Vec::new();
    for i in 0..sim.plans.0.len() {
        // In one look at the incident, pass over what has no units or no more than it needs.
        look.clear();
        if !sim.active.any(i) {
            continue;
        }
        {
            let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else { continue };
            for c in sim.active.caps(i) {
                let (cap, cs) = (CapabilityId(c as u8), &inc.caps[c]);
                let enough = |(all, due): (u32, u32)| all <= cs.demand && due <= cs.demand;
                let settled = cs.demand > 0 && cs.kept_commitment(now).is_some_and(enough);
                if !cs.assigned.is_empty() && !settled {
                    look.push(cap);
                }
            }
        }
        for &cap in &look {
            let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else {
                continue;
            };
            let cs = &inc.caps[usize::from(cap.0)];
            let demand = cs.demand as usize;
            if demand == 0 {
                for id in cs.assigned.clone() {
                    sim.release(id);
                }
                continue;
            }
            let (all, due) = sim.commitment_counts(i, cap);
            if all as usize > demand {
                let mut staying: Vec<Committed> =
                    sim.committed(i, cap).into_iter().filter(|c| !c.expiring).collect();
                staying.sort_by_key(surplus_order);
                for c in staying.iter().take(staying.len() - demand) {
                    sim.release(c.id);
                }
            }
            if due as usize > demand || all as usize > demand {
                let mut covering: Vec<Committed> =
                    sim.committed(i, cap).into_iter().filter(|c| c.due && !c.linked).collect();
                if covering.len() > demand {
                    // Units due for relief with none coming leave first, soonest first.
                    covering.sort_by_key(|c| {
                        (!c.expiring, if c.expiring { c.handover_at } else { 0 }, surplus_order(c))
                    });
                    for c in covering.iter().take(covering.len() - demand) {
                        sim.release(c.id);
                    }
                }
            }
        }
    }
}

/// The order in which surplus units are stood down: not yet on task first, latest to arrive
/// first; then on task, mutual aid before a host's own; then highest id.
fn surplus_order(c: &Committed) -> (bool, Minutes, bool, std::cmp::Reverse<UnitId>) {
    let arrived = c.kind == Commitment::Deployed;
    (arrived, if arrived { 0 } else { Minutes::MAX - c.eta }, !c.lent, std::cmp::Reverse(c.id))
}

/// Tier 1: a host commits its own units to its demand once it has decided to (its local
/// latency). It lists the units of demand not covered (slots): those wanted at once, and the
/// reliefs of units whose stand-down is within the relief look-ahead, each wanted on task by
/// that unit's handover. It fills each from its own units, soonest on task first (a unit
/// resting between tours that can make a later shift before a fresh one, so no rest day is
/// cancelled for it), and replaces a committed unit that is still far off by one of its own
/// that arrives sooner. What it cannot fill is the gap it asks mutual aid for.
pub fn allocate_local(sim: &mut Sim) {
    let model = sim.model();
    let now = sim.now();
    let plans = sim.all_plans();
    let mut busy: Vec<CapabilityId> = Vec::new();
    let mut awaiting = std::mem::take(&mut sim.control.awaiting_aid);
    awaiting.clear();
    awaiting.resize(plans.len(), false);
    for &i in sim.plans.by_priority().iter() {
        // A pair at rest has no gap, no request and nothing to count: pass over it (before
        // reading its plan, which is a cache miss by now).
        if !sim.active.any(i) {
            continue;
        }
        // A capability with no demand and no units has no gap: settle it without counting.
        busy.clear();
        {
            let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else { continue };
            for c in sim.active.caps(i) {
                let (cap, cs) = (CapabilityId(c as u8), &mut inc.caps[c]);
                if cs.requests.iter().any(Option::is_some) {
                    awaiting[i] = true;
                }
                if cs.demand == 0 {
                    cs.aid_since = None;
                }
                let settled = cs.demand == 0 && cs.assigned.is_empty()
                    // Covered now and after every relief already sought, by a kept count.
                    || cs.kept_commitment(now).is_some_and(|(all, due)| due >= cs.demand && all >= cs.demand);
                if settled {
                    cs.gap = 0;
                    cs.gap_since = None;
                    cs.open.clear();
                    cs.asks.clear();
                    continue;
                }
                busy.push(cap);
            }
        }
        for &cap in &busy {
            let plan = &plans[i];
            let c = usize::from(cap.0);
            let latency = plan.decision_latency(&model.scenario.policy, model.dataset.capability(cap));
            let slots = open_slots(sim, i, cap, plan);

            let since = {
                let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else {
                    continue;
                };
                let cs = &mut inc.caps[c];
                // The units wanted at once, each dated from when it was first wanted.
                let at_once = slots.iter().filter(|s| s.relieves.is_none()).count() as u32;
                reconcile_asks(&mut cs.asks, at_once, now);
                if slots.is_empty() {
                    cs.gap = 0;
                    cs.gap_since = None;
                    cs.open.clear();
                    continue;
                }
                *cs.gap_since.get_or_insert(now)
            };
            let mut open = slots;
            if now >= since + latency {
                open = fill_from_own(sim, i, cap, open);
            } else {
                sim.wake_at(since + latency);
            }
            awaiting[i] |= !open.is_empty();
            if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
                let cs = &mut inc.caps[c];
                cs.gap = open.len() as u32;
                cs.open = open;
            }
        }
    }
    sim.control.awaiting_aid = awaiting;
}

/// Keep the dates of the units wanted at once in step with how many are wanted now: a rise is
/// dated now, a fall takes back the newest.
fn reconcile_asks(asks: &mut Vec<(Minutes, u32)>, wanted: u32, now: Minutes) {
    let listed: u32 = asks.iter().map(|a| a.1).sum();
    if wanted > listed {
        asks.push((now, wanted - listed));
    }
    let mut extra = listed.saturating_sub(wanted);
    while extra > 0 {
        let Some(last) = asks.last_mut() else { break };
        let take = extra.min(last.1);
        last.1 -= take;
        extra -= take;
        if last.1 == 0 {
            asks.pop();
        }
    }
}

/// When the oldest unit wanted at once was first wanted (it is now being met), or `now`.
fn take_ask(sim: &mut Sim, incident: usize, c: usize, now: Minutes) -> Minutes {
    let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[incident]) else { return now };
    let asks = &mut inc.caps[c].asks;
    let Some(first) = asks.first_mut() else { return now };
    let at = first.0;
    first.1 -= 1;
    if first.1 == 0 {
        asks.remove(0);
    }
    at
}

/// The units of demand of (incident, capability) not covered now or after the reliefs already
/// sought, soonest wanted first (see [`allocate_local`]).
///
/// Units covering it now are those on task or due within the arrival window, a relief not
/// counted while the unit it relieves is still there. Units staying are those not due for
/// relief. Short of cover now, each unit still on its way (slow) marks a slot that only a unit
/// on task a clear margin sooner is worth filling (it replaces the slow one); the rest are
/// slots wanted at once. Short of units staying, the units due for relief soonest get relief
/// slots, wanted on task by their handover (none for a unit serving to the incident's end).
/// Filling slots never makes more units staying, or covering now, than the demand, so the
/// surplus release never takes what the slots just brought.
fn open_slots(sim: &mut Sim, i: usize, cap: CapabilityId, plan: &IncidentPlan) -> Vec<Slot> {
    let now = sim.now();
    let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else { return Vec::new() };
    let cs = &inc.caps[usize::from(cap.0)];
    let demand = cs.demand as usize;
    // A booked event's units are wanted at its start.
    let at_once = if cs.prebooking { plan.start } else { now };
    let committed = sim.committed(i, cap);
    let covering = committed.iter().filter(|c| c.due && !c.linked).count();
    let staying = committed.iter().filter(|c| !c.expiring).count();
    let short = demand.saturating_sub(covering);
    // Units staying but still on their way, soonest first.
    let mut slow: Vec<(Minutes, UnitId)> =
        committed.iter().filter(|c| !c.expiring && !c.due && !c.linked).map(|c| (c.eta, c.id)).collect();
    slow.sort_unstable();
    slow.truncate(short);
    let free = short - slow.len();
    let margin = sim.policy().replace_margin;
    let mut slots: Vec<Slot> = slow
        .iter()
        .map(|&(eta, id)| Slot {
            need_at: at_once,
            // Worth replacing only by a unit on task a clear margin sooner.
            before: eta.saturating_sub(margin),
            relieves: None,
            replaces: Some(id),
        })
        .collect();
    slots.extend((0..free).map(|_| Slot::now(at_once)));
    let relieved: Vec<UnitId> = committed.iter().filter(|c| c.linked).filter_map(|c| c.relieves).collect();
    let reliefs = demand.saturating_sub(staying + free);
    let mut due_relief: Vec<(Minutes, UnitId)> = committed
        .iter()
        .filter(|c| c.expiring && !relieved.contains(&c.id) && c.handover_at < plan.end)
        .map(|c| (c.handover_at.max(now), c.id))
        .collect();
    due_relief.sort_unstable();
    for &(at, id) in due_relief.iter().take(reliefs) {
        slots.push(Slot { need_at: at, before: Minutes::MAX, relieves: Some(id), replaces: None });
    }
    slots
}

/// Fill `open` slots of (incident, capability) from the host's own units; returns the slots
/// left open.
fn fill_from_own(sim: &mut Sim, i: usize, cap: CapabilityId, open: Vec<Slot>) -> Vec<Slot> {
    let now = sim.now();
    let host = sim.host_of(i);
    let latest = open.iter().map(|s| s.need_at).max().unwrap_or(now);
    let mut candidates = sim.own_candidates(host, cap, i, latest, open.len());
    let mut left = Vec::new();
    let c = usize::from(cap.0);
    for slot in open {
        // Soonest on task for this slot; of those in time for a later shift (a tie at the
        // minute it is wanted), a unit already mobilised before a fresh one (no rest day is
        // cancelled for it), then the soonest listed.
        let best = candidates
            .iter()
            .enumerate()
            .map(|(k, &(eta, mobilised, _))| (eta.max(slot.need_at), !mobilised, k))
            .filter(|&(on_task, _, _)| on_task < slot.before)
            .min();
        let Some((_, _, k)) = best else {
            left.push(slot);
            continue;
        };
        let (_, _, id) = candidates.remove(k);
        let raised_at = if slot.relieves.is_some() { now } else { take_ask(sim, i, c, now) };
        sim.assign(id, i, 1, raised_at, slot);
        if let Some(slow) = slot.replaces {
            sim.release(slow);
        }
    }
    left
}

/// When a request raised at `t` by `force` gets through, given the force's comms outages.
fn transmitted(model: &Model, force: ForceId, mut t: Minutes) -> Minutes {
    for _ in 0..=model.scenario.disruptions.len() {
        let blocking = model.scenario.disruptions.iter().find_map(|d| match d.kind {
            DisruptionKind::CommsOutage { force: f, delay } if f == force && d.start <= t && t < d.end => {
                Some((d.end, delay))
            }
            _ => None,
        });
        match blocking {
            Some((end, None)) => t = end,
            Some((_, Some(delay))) => t = t.saturating_add(delay.max(1)),
            None => break,
        }
    }
    t
}

/// How much longer than usual a request raised by `force` at `t` takes (product of the
/// factors of the slow-comms disruptions active then; 1 when none).
fn latency_factor(model: &Model, force: ForceId, t: Minutes) -> f64 {
    model
        .scenario
        .disruptions
        .iter()
        .filter_map(|d| match d.kind {
            DisruptionKind::SlowComms { force: f, factor } if f == force && d.start <= t && t < d.end => {
                Some(factor)
            }
            _ => None,
        })
        .product()
}

/// Open, update or close the tier-`tier` request of every (incident, capability).
fn maintain_requests(sim: &mut Sim, tier: u8) {
    let model = sim.model();
    let now = sim.now();
    let policy = &model.scenario.policy;
    let slot = usize::from(tier - 2);
    // Only incidents tier 1 left with a gap or a request can need a request raised or closed.
    let awaiting = std::mem::take(&mut sim.control.awaiting_aid);
    let plans = sim.all_plans();
    for (i, plan) in plans.iter().enumerate().filter(|&(i, _)| awaiting.get(i).copied().unwrap_or(true)) {
        // Most (incident, capability) pairs have no gap and no request: skip them in one look.
        let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else {
            continue;
        };
        if inc.caps.iter().all(|cs| cs.gap == 0 && cs.requests[slot].is_none()) {
            continue;
        }
        for cap in model.dataset.capability_ids() {
            let c = usize::from(cap.0);
            let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else {
                continue;
            };
            let cs = &inc.caps[c];
            let (gap, since, existing, lower) = (cs.gap, cs.gap_since, cs.requests[slot], cs.requests[0]);
            let latency = plan.decision_latency(policy, model.dataset.capability(cap));
            let decided = since.is_some_and(|s| now >= s + latency);
            // A need for aid that has lasted is brokered nationally from then on.
            let escalated = !plan.booked
                && cs.aid_since.zip(policy.escalate_after).is_some_and(|(since, after)| now >= since + after);
            let gap = if tier == 2 && escalated { 0 } else { gap };
            if gap == 0 || !decided {
                if let (Some(e), 0) = (existing, gap) {
                    sim.commands.entity(e).despawn();
                    sim.index.entities_pending = true;
                    if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
                        inc.caps[c].requests[slot] = None;
                    }
                    if sim.logging() {
                        sim.emit(EventKind::RequestClosed {
                            incident: plan.id.clone(),
                            capability: model.dataset.capability(cap).id.clone(),
                            tier,
                        });
                    }
                }
                continue;
            }
            if let Some(e) = existing {
                if let Ok(mut r) = sim.requests.get_mut(e) {
                    r.outstanding = gap;
                }
                continue;
            }
            let raised_at = if tier == 2 || plan.booked || escalated {
                now
            } else {
                let Some(fired) = sim.trigger.fired_at else {
                    continue;
                };
                let Some(lower_raised) = lower.and_then(|e| sim.requests.get(e).ok()).map(|r| r.raised_at)
                else {
                    continue;
                };
                lower_raised.max(fired)
            };
            let latency = match (plan.booked, tier) {
                (true, _) => 0,
                (false, 2) => policy.regional_latency,
                (false, _) => policy.national_latency,
            };
            let latency =
                (f64::from(latency) * latency_factor(&model, plan.host, raised_at)).ceil() as Minutes;
            let acts_at = sim.align(transmitted(&model, plan.host, raised_at) + latency).max(now);
            sim.control.requests_raised += 1;
            let e = sim
                .commands
                .spawn(MutualAidRequest {
                    incident: i,
                    capability: cap,
                    tier,
                    raised_at,
                    acts_at,
                    outstanding: gap,
                    number: sim.control.requests_raised,
                    decision: if sim.control.players_decide
                        && !sim.control.policy_decides.contains(&sim.control.requests_raised)
                    {
                        RequestDecision::Awaiting
                    } else {
                        RequestDecision::Policy
                    },
                })
                .id();
            sim.index.entities_pending = true;
            if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
                let cs = &mut inc.caps[c];
                cs.requests[slot] = Some(e);
                if tier == 2 && cs.aid_since.is_none() {
                    cs.aid_since = Some(now);
                }
            }
            if let (2, Some(after)) = (tier, policy.escalate_after) {
                let since =
                    sim.incidents.get(sim.index.incidents[i]).ok().and_then(|inc| inc.caps[c].aid_since);
                if let Some(since) = since {
                    sim.wake_at(since + after);
                }
            }
            if sim.logging() {
                sim.emit(EventKind::RequestRaised {
                    incident: plan.id.clone(),
                    capability: model.dataset.capability(cap).id.clone(),
                    tier,
                    units: gap,
                    acts_at,
                });
            }
            sim.wake_at(acts_at);
        }
    }
    sim.control.awaiting_aid = awaiting;
}

pub fn raise_regional(sim: &mut Sim) {
    maintain_requests(sim, 2);
}

pub fn raise_national(sim: &mut Sim) {
    maintain_requests(sim, 3);
}

pub fn allocate_regional(sim: &mut Sim) {
    allocate_tier(sim, 2);
}

pub fn allocate_national(sim: &mut Sim) {
    allocate_tier(sim, 3);
}

struct OpenNeed {
    incident: usize,
    cap: CapabilityId,
    request: Entity,
    raised_at: Minutes,
}

/// Units a tier would commit to one request.
pub struct PlannedGrant {
    /// Index of the incident.
    pub incident: usize,
    /// The capability.
    pub capability: CapabilityId,
    /// The request entity it fills.
    pub request: Entity,
    /// When the request was raised (minute).
    pub raised_at: Minutes,
    /// The units, readiest first within each donor.
    pub units: Vec<UnitId>,
    /// The slot each unit fills (same order).
    pub slots: Vec<Slot>,
}

/// Tier 2 or 3: match the units donors can spare to the requests this tier is acting on.
fn allocate_tier(sim: &mut Sim, tier: u8) {
    let now = sim.now();
    for grant in plan_tier(sim, tier, RequestDecision::lets_tier_act) {
        let n = grant.units.len() as u32;
        let c = usize::from(grant.capability.0);
        for (&id, &slot) in grant.units.iter().zip(&grant.slots) {
            // A unit wanted at once is measured from when it was first wanted, or from the
            // request at this tier if that came later.
            let raised_at = if slot.relieves.is_some() {
                now
            } else {
                take_ask(sim, grant.incident, c, now).max(grant.raised_at)
            };
            sim.assign(id, grant.incident, tier, raised_at, slot);
            if let Some(slow) = slot.replaces {
                sim.release(slow);
            }
        }
        if let Ok(mut r) = sim.requests.get_mut(grant.request) {
            r.outstanding = r.outstanding.saturating_sub(n);
        }
        if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[grant.incident]) {
            let cs = &mut inc.caps[c];
            for slot in &grant.slots {
                if let Some(k) = cs.open.iter().position(|s| s == slot) {
                    cs.open.remove(k);
                }
            }
            cs.gap = cs.open.len() as u32;
        }
    }
}

/// One donor force's standing for fair shares: how much it has lent so far for its strength.
fn lending_burden(sim: &Sim, force: ForceId, tour: Minutes) -> f64 {
    let f = usize::from(force.0);
    let lent_now: u32 = sim.forces.get(sim.index.forces[f]).map_or(0, |r| r.lent.iter().sum::<u32>());
    sim.measures.lent_um[f] + f64::from(lent_now) * f64::from(tour)
}

/// What tier `tier` would commit now to the requests it has received whose decision passes
/// `acts`, without committing anything: the allocation, or (for players) the policy's proposal.
pub fn plan_tier(sim: &mut Sim, tier: u8, acts: impl Fn(RequestDecision) -> bool) -> Vec<PlannedGrant> {
    let model = sim.model();
    let now = sim.now();
    let policy = &model.scenario.policy;
    let slot = usize::from(tier - 2);
    // Most steps this tier has no request to act on: nothing to plan.
    if !sim.requests.iter().any(|r| r.tier == tier && r.acts_at <= now && acts(r.decision)) {
        return Vec::new();
    }
    // Needs this tier acts on now, grouped by (region or nation, capability).
    let mut pools: BTreeMap<(u16, CapabilityId), Vec<OpenNeed>> = BTreeMap::new();
    let mut short_hosts: Vec<Vec<bool>> =
        vec![vec![false; model.dataset.forces.len()]; model.dataset.capabilities.len()];
    let plans = sim.all_plans();
    for &i in sim.plans.by_priority().iter() {
        // A pair at rest has no gap: read only the live ones.
        if !sim.active.any(i) {
            continue;
        }
        let plan = &plans[i];
        let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else {
            continue;
        };
        for c in sim.active.caps(i) {
            let (cap, cs) = (CapabilityId(c as u8), &inc.caps[c]);
            if cs.gap == 0 {
                continue;
            }
            short_hosts[usize::from(cap.0)][usize::from(plan.host.0)] = true;
            let Some(e) = cs.requests[slot] else { continue };
            let Ok(r) = sim.requests.get(e) else { continue };
            if r.acts_at <= now && acts(r.decision) {
                let pool = if tier == 2 { model.dataset.force(plan.host).region.0 } else { 0 };
                pools.entry((pool, cap)).or_default().push(OpenNeed {
                    incident: i,
                    cap,
                    request: e,
                    raised_at: r.raised_at,
                });
            }
        }
    }
    let mut planned = Vec::new();
    for ((pool, cap), open) in pools {
        let c = usize::from(cap.0);
        let eligible = |f: ForceId| -> bool {
            let force = model.dataset.force(f);
            (tier == 3 || force.region.0 == pool)
                && !short_hosts[c][usize::from(f.0)]
                && !sim.control.holds(f, cap)
                && force.consistency[c] >= policy.min_consistency
        };
        // Supply: each eligible force's units beyond its retained cover, grouped by notice,
        // then units idle or resting near an incident away from home (already mobilised, no
        // cover to keep), which can take a later shift there.
        let mut groups: Vec<SupplyGroup> = Vec::new();
        let mut members: Vec<Vec<UnitId>> = Vec::new();
        let group = |sim: &Sim, home: ForceId, location: ForceId, notice: Minutes| SupplyGroup {
            home,
            home_region: model.dataset.force(home).region,
            location,
            notice,
            count: 0,
            strength: model.dataset.force(home).officers,
            burden: lending_burden(sim, home, policy.tour),
        };
        for f in model.dataset.force_ids().filter(|&f| eligible(f)) {
            let Ok(r) = sim.forces.get(sim.index.forces[usize::from(f.0)]) else {
                continue;
            };
            // Retained cover is the force's own policing now: it keeps its readiest units not
            // on the operation (on duty) at home and lends the rest — units already mobilised
            // for the operation, then officers called in from between shifts and from rest
            // days (as in 2024, when rest days were cancelled to mobilise) — and units resting
            // between tours of the operation, ready when their rest ends.
            let mut kept = 0;
            let mut listed: Vec<(Minutes, UnitId)> = Vec::with_capacity(r.idle_home[c].len());
            for &(notice, id) in &r.idle_home[c] {
                let mobilised = sim.units.get(sim.index.units[id.0 as usize]).is_ok_and(|(_, s)| s.mobilised);
                if !mobilised && kept < r.required[c] {
                    kept += 1;
                } else {
                    listed.push((notice, id));
                }
            }
            let mobilised_notice = model.dataset.capability(cap).mobilised_notice;
            listed.extend(
                r.resting_home[c]
                    .iter()
                    .map(|&(until, id)| (until.saturating_sub(now) + mobilised_notice, id)),
            );
            for (notice, id) in listed {
                let joins =
                    groups.last().is_some_and(|g| g.home == f && g.location == f && g.notice == notice);
                if !joins {
                    groups.push(group(sim, f, f, notice));
                    members.push(Vec::new());
                }
                if let (Some(g), Some(m)) = (groups.last_mut(), members.last_mut()) {
                    g.count += 1;
                    m.push(id);
                }
            }
        }
        let mut away: Vec<(ForceId, Minutes, UnitId)> =
            sim.away.0.iter().filter(|(_, k, _)| *k == cap).map(|&(loc, _, id)| (loc, 0, id)).collect();
        away.extend(
            sim.away_resting
                .0
                .iter()
                .filter(|(_, k, _, _)| *k == cap)
                .map(|&(loc, _, until, id)| (loc, until.saturating_sub(now), id)),
        );
        // Units away join the group with their home, location and notice.
        let mut away_groups: BTreeMap<(ForceId, ForceId, Minutes), usize> = BTreeMap::new();
        for (loc, notice, id) in away {
            let home = sim.unit(id).0.home;
            if !eligible(home) {
                continue;
            }
            let g = match away_groups.get(&(home, loc, notice)) {
                Some(&g) => g,
                None => {
                    away_groups.insert((home, loc, notice), groups.len());
                    groups.push(group(sim, home, loc, notice));
                    members.push(Vec::new());
                    groups.len() - 1
                }
            };
            groups[g].count += 1;
            members[g].push(id);
        }
        if groups.is_empty() {
            continue;
        }
        // Each request's open slots with the same limit (a slower unit on its way, or none)
        // are one need; its grants fill them soonest wanted first.
        let mut needs: Vec<Need> = Vec::new();
        let mut need_slots: Vec<(usize, Vec<Slot>)> = Vec::new();
        for (k, n) in open.iter().enumerate() {
            let plan = &plans[n.incident];
            let mut slots = sim
                .incidents
                .get(sim.index.incidents[n.incident])
                .map_or(Vec::new(), |inc| inc.caps[c].open.clone());
            slots.sort_by_key(|s| (s.before, s.need_at));
            for run in slots.chunk_by(|a, b| a.before == b.before) {
                needs.push(Need {
                    host: plan.host,
                    host_region: model.dataset.force(plan.host).region,
                    priority: plan.priority,
                    units: run.len() as u32,
                });
                need_slots.push((k, run.to_vec()));
            }
        }
        // Travel time from each need's host to every force: links are two-way, so one row per
        // host serves every donor.
        let mut rows: BTreeMap<ForceId, Vec<Option<Minutes>>> = BTreeMap::new();
        for need in &needs {
            if let std::collections::btree_map::Entry::Vacant(e) = rows.entry(need.host) {
                e.insert(sim.travel_row(need.host, cap));
            }
        }
        let mut arrival = vec![vec![None; needs.len()]; groups.len()];
        for (g, group) in groups.iter().enumerate() {
            for (n, need) in needs.iter().enumerate() {
                if group.home == need.host {
                    continue;
                }
                let Some(travel) = rows[&need.host][usize::from(group.location.0)] else {
                    continue;
                };
                let request = &open[need_slots[n].0];
                let plan = &plans[request.incident];
                let first = need_slots[n].1[0];
                // Booked aid is rostered ahead: no notice.
                let notice = if plan.booked { 0 } else { group.notice };
                let on_task = now + notice + travel;
                // A unit is only worth sending if it can do some work before its tour or the
                // incident ends, and arrives before any slower unit already on its way there.
                if travel < policy.tour && on_task < plan.end && on_task < first.before {
                    // Ranked by how soon it could be there: for a unit wanted later (a relief)
                    // that also prefers the nearer of the donors that can all make it in time.
                    arrival[g][n] = Some(notice + travel);
                }
            }
        }
        let fair = FairShare { window: policy.share_window, per_unit: f64::from(policy.tour) };
        let grants = allocate(policy.allocation, &groups, &needs, &arrival, &fair);
        // Grants of one request, in need order, fill its slots in order.
        let mut by_request: BTreeMap<usize, (Vec<UnitId>, Vec<Slot>)> = BTreeMap::new();
        let mut grants = grants;
        grants.sort_by_key(|g| (g.need, g.group));
        let mut used: Vec<usize> = vec![0; needs.len()];
        for grant in grants {
            let (k, slots) = &need_slots[grant.need];
            let entry = by_request.entry(*k).or_default();
            for id in members[grant.group].drain(..grant.units as usize) {
                entry.0.push(id);
                entry.1.push(slots[used[grant.need]]);
                used[grant.need] += 1;
            }
        }
        for (k, (units, slots)) in by_request {
            let need = &open[k];
            planned.push(PlannedGrant {
                incident: need.incident,
                capability: need.cap,
                request: need.request,
                raised_at: need.raised_at,
                units,
                slots,
            });
        }
    }
    planned
}

/// Fire national mobilisation when the policy's trigger condition is met.
pub fn evaluate_trigger(sim: &mut Sim) {
    // A regional request the region has acted on and could not fill is a need for national aid.
    let now = sim.now();
    let unfilled = sim.requests.iter().any(|r| r.tier == 2 && r.acts_at <= now && r.outstanding > 0);
    let m = &mut *sim.measures;
    if unfilled && m.regional_shortfall_at.is_none() {
        m.regional_shortfall_at = Some(now);
    }
    // How long regional requests stayed unfilled: what a trigger that never fired is judged on.
    match (unfilled, m.regional_unfilled_since) {
        (true, None) => m.regional_unfilled_since = Some(now),
        (false, Some(since)) => {
            m.regional_unfilled_longest = m.regional_unfilled_longest.max(now - since);
            m.regional_unfilled_since = None;
        }
        _ => {}
    }
    if sim.trigger.fired_at.is_some() {
        return;
    }
    let model = sim.model();
    let fire = match model.scenario.policy.national_trigger {
        NationalTrigger::Never => false,
        NationalTrigger::At(t) => {
            if now < t {
                sim.wake_at(t);
            }
            now >= t
        }
        NationalTrigger::Shortfall { regional_shortfall, sustained, lasting } => {
            let mut by_region = vec![0u32; model.dataset.regions.len()];
            for r in sim.requests.iter().filter(|r| r.tier == 2) {
                let host = sim.plans.0[r.incident].host;
                by_region[usize::from(model.dataset.force(host).region.0)] += r.outstanding;
            }
            let large = if by_region.iter().any(|&u| u >= regional_shortfall) {
                let since = *sim.trigger.since.get_or_insert(now);
                if now < since + sustained {
                    sim.wake_at(since + sustained);
                }
                now >= since + sustained
            } else {
                sim.trigger.since = None;
                false
            };
            // A shortfall of any size that lasts fires it too, if the policy says so.
            let long = match lasting {
                Some(lasting) if by_region.iter().any(|&u| u > 0) => {
                    let since = *sim.trigger.any_since.get_or_insert(now);
                    if now < since + lasting {
                        sim.wake_at(since + lasting);
                    }
                    now >= since + lasting
                }
                _ => {
                    sim.trigger.any_since = None;
                    false
                }
            };
            large || long
        }
    };
    if fire {
        sim.trigger.fired_at = Some(now);
        sim.emit(EventKind::NationalTrigger);
    }
}

/// Units idle away from home that no request took go home, unless they are accommodated near
/// an incident that still wants their capability: they stay for its later shifts.
pub fn send_idle_home(sim: &mut Sim) {
    let idle: Vec<(ForceId, CapabilityId, UnitId)> = sim.away.0.iter().copied().collect();
    let now = sim.now();
    for (loc, cap, id) in idle {
        let (unit, mut status) = sim.unit(id);
        let wanted = status.lodged.is_some_and(|i| {
            now < sim.plans.0[i].end
                && sim
                    .incidents
                    .get(sim.index.incidents[i])
                    .is_ok_and(|inc| inc.caps[usize::from(cap.0)].demand > 0)
        });
        if wanted {
            continue;
        }
        let Some(t) = sim.travel_time(loc, unit.home, cap) else {
            continue;
        };
        sim.away.0.remove(&(loc, cap, id));
        status.lodged = None;
        // The journey home is duty off task; it is owed no rest of its own.
        sim.measures.lodging_travel_um += f64::from(t);
        status.state = UnitState::Returning { until: sim.align(now + t.max(1)), then_rest: 0 };
        sim.put(id, status);
    }
}

/// `v` emptied and refilled with `n` zeros, keeping its allocation.
fn zeroed<T: Clone + Default>(v: &mut Vec<T>, n: usize) -> Vec<T> {
    let mut out = std::mem::take(v);
    out.clear();
    out.resize(n, T::default());
    out
}

/// Capabilities in which a force has units lent and fewer idle at home than its cover
/// standard (capabilities).
pub(super) fn below_cover(r: &ForceRoster) -> u32 {
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
fn count_below_cover(sim: &mut Sim) {
    let m = &mut *sim.measures;
    for (f, changed) in m.roster_changed.iter_mut().enumerate().filter(|(_, changed)| **changed) {
        if let Ok(r) = sim.forces.get(sim.index.forces[f]) {
            m.below_cover_now[f] = below_cover(r);
        }
        *changed = false;
    }
}

/// Make sure a step runs at the next report interval, where the series takes its points.
fn wake_at_next_sample(sim: &mut Sim, model: &Model) {
    let now = sim.now();
    let next = (now / model.scenario.report_interval + 1) * model.scenario.report_interval;
    if next <= model.scenario.horizon {
        sim.wake_at(next);
    }
}
