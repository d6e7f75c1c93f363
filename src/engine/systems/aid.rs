//! The regional and national response: requests raised and kept up, the tiers' allocation
//! (planned here, also for the tabletop's proposals), and the national trigger.

use std::collections::BTreeMap;

use bevy_ecs::prelude::*;

use super::super::allocation::{FairShare, Need, SupplyGroup, allocate};
use super::super::lifecycle::Sim;
use crate::model::{CapabilityId, DisruptionKind, ForceId, Model, NationalTrigger};
use crate::results::EventKind;
use crate::time::Minutes;

use super::super::state::*;
use super::local::take_ask;

/// When a request raised at `t` by `force` gets through, given the force's comms outages.
pub(super) fn transmitted(model: &Model, force: ForceId, mut t: Minutes) -> Minutes {
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
pub(super) fn latency_factor(model: &Model, force: ForceId, t: Minutes) -> f64 {
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
pub(super) fn maintain_requests(sim: &mut Sim, tier: u8) {
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

pub(super) struct OpenNeed {
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
pub(super) fn allocate_tier(sim: &mut Sim, tier: u8) {
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
pub(super) fn lending_burden(sim: &Sim, force: ForceId, tour: Minutes) -> f64 {
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
