//! The local response: surplus units released, the host's own units committed to its gaps
//! in continuous-cover slots, and idle units away sent home.

use super::super::lifecycle::{Commitment, Committed, Sim};
use crate::model::{CapabilityId, ForceId, IncidentPlan};
use crate::time::Minutes;

use super::super::state::*;

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
pub(super) fn surplus_order(c: &Committed) -> (bool, Minutes, bool, std::cmp::Reverse<UnitId>) {
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
pub(super) fn reconcile_asks(asks: &mut Vec<(Minutes, u32)>, wanted: u32, now: Minutes) {
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
pub(super) fn take_ask(sim: &mut Sim, incident: usize, c: usize, now: Minutes) -> Minutes {
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
pub(super) fn open_slots(sim: &mut Sim, i: usize, cap: CapabilityId, plan: &IncidentPlan) -> Vec<Slot> {
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
pub(super) fn fill_from_own(sim: &mut Sim, i: usize, cap: CapabilityId, open: Vec<Slot>) -> Vec<Slot> {
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
