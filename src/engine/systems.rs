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

use super::allocation::{Need, SupplyGroup, allocate};
use super::lifecycle::{Sim, on_task_of};
use super::state::*;
use super::streams::incident_size;
use crate::model::{
    CapabilityId, DisruptionKind, ForceId, IncidentDynamics, IncidentPlan, Model, NationalTrigger,
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
        (f64::from(units) * scale * model.scenario.demand_scale[c]).ceil() as u32
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
            if let (Some(IncidentDynamics::Scaled { size }), None, true) =
                (&plan.dynamics, inc.scale, active || prebooking)
            {
                inc.scale =
                    Some(incident_size(model.scenario.seed, sim.replication.0, i, *size) / size.median);
            }
            let scale = inc.scale.unwrap_or(1.0);
            let dynamic = inc.disorder.as_ref().map(|d| d.demand.clone());
            for (c, cs) in inc.caps.iter_mut().enumerate() {
                let explicit = explicit_demand(&model, plan, scale, c, now);
                let modelled = if active { dynamic.as_ref().map_or(0, |d| d[c]) } else { 0 };
                changed |= cs.demand != explicit + modelled || cs.prebooking != prebooking;
                cs.demand = explicit + modelled;
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

/// Stand down units an incident no longer needs: mutual aid first, then those not yet arrived.
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
                let enough = |(_, due): (u32, u32)| due <= cs.demand;
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
            let release: Vec<UnitId> = if demand == 0 {
                cs.assigned.clone()
            } else {
                if sim.commitment_counts(i, cap).1 as usize <= demand {
                    continue;
                }
                let mut due: Vec<_> = sim.committed(i, cap).into_iter().filter(|c| c.due).collect();
                due.sort_by_key(|c| (!c.lent, c.kind, std::cmp::Reverse(c.id)));
                due.iter().take(due.len() - demand).map(|c| c.id).collect()
            };
            for id in release {
                sim.release(id);
            }
        }
    }
}

/// Tier 1: a host commits its own idle units to its demand once it has decided to (local
/// latency). The gap left for aid is the demand not met by units due within the arrival window.
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
        let host = plans[i].host;
        let latency = plans[i].decision_latency(&model.scenario.policy);
        // A capability with no demand and no units has no gap: settle it without counting.
        busy.clear();
        {
            let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else { continue };
            for c in sim.active.caps(i) {
                let (cap, cs) = (CapabilityId(c as u8), &mut inc.caps[c]);
                if cs.requests.iter().any(Option::is_some) {
                    awaiting[i] = true;
                }
                if cs.demand == 0 && cs.assigned.is_empty() {
                    cs.gap = 0;
                    cs.gap_since = None;
                    continue;
                }
                // Covered by a kept count: settle it here too. (Committing this incident's own
                // units of one capability never changes its counts of another.)
                if let Some((all, due)) = cs.kept_commitment(now)
                    && due >= cs.demand
                    && cs.demand <= all
                {
                    cs.gap = 0;
                    cs.gap_since = None;
                    continue;
                }
                busy.push(cap);
            }
        }
        for &cap in &busy {
            let c = usize::from(cap.0);
            let (all, due) = sim.commitment_counts(i, cap);
            let (demand, since) = {
                let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) else {
                    continue;
                };
                let cs = &mut inc.caps[c];
                cs.gap = cs.demand.saturating_sub(due);
                awaiting[i] |= cs.gap > 0;
                if cs.gap == 0 && cs.demand <= all {
                    cs.gap_since = None;
                    continue;
                }
                (cs.demand, *cs.gap_since.get_or_insert(now))
            };
            if now < since + latency {
                sim.wake_at(since + latency);
                continue;
            }
            let wanted = demand.saturating_sub(all) as usize;
            let own: Vec<UnitId> = sim
                .forces
                .get(sim.index.forces[usize::from(host.0)])
                .map(|r| r.idle_home[c].iter().take(wanted).map(|&(_, id)| id).collect())
                .unwrap_or_default();
            for &id in &own {
                sim.assign(id, i, 1, since);
            }
            if !own.is_empty() {
                let due = sim.commitment_counts(i, cap).1;
                if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
                    inc.caps[c].gap = demand.saturating_sub(due);
                }
            }
        }
    }
    sim.control.awaiting_aid = awaiting;
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
            let decided = since.is_some_and(|s| now >= s + plan.decision_latency(policy));
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
            let raised_at = if tier == 2 || plan.booked {
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
                    decision: if sim.control.players_decide {
                        RequestDecision::Awaiting
                    } else {
                        RequestDecision::Policy
                    },
                })
                .id();
            sim.index.entities_pending = true;
            if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[i]) {
                inc.caps[c].requests[slot] = Some(e);
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
}

/// Tier 2 or 3: match the units donors can spare to the requests this tier is acting on.
fn allocate_tier(sim: &mut Sim, tier: u8) {
    for grant in plan_tier(sim, tier, RequestDecision::lets_tier_act) {
        let n = grant.units.len() as u32;
        for id in grant.units {
            sim.assign(id, grant.incident, tier, grant.raised_at);
        }
        if let Ok(mut r) = sim.requests.get_mut(grant.request) {
            r.outstanding = r.outstanding.saturating_sub(n);
        }
        if let Ok(mut inc) = sim.incidents.get_mut(sim.index.incidents[grant.incident]) {
            let cs = &mut inc.caps[usize::from(grant.capability.0)];
            cs.gap = cs.gap.saturating_sub(n);
        }
    }
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
        // Supply: each eligible force's spare units above retained cover, grouped by notice,
        // then units idle away from home (already mobilised, no cover to keep).
        let mut groups: Vec<SupplyGroup> = Vec::new();
        let mut members: Vec<Vec<UnitId>> = Vec::new();
        for f in model.dataset.force_ids().filter(|&f| eligible(f)) {
            let Ok(r) = sim.forces.get(sim.index.forces[usize::from(f.0)]) else {
                continue;
            };
            let spare = r.idle_home[c].len().saturating_sub(r.required[c] as usize);
            for &(notice, id) in r.idle_home[c].iter().take(spare) {
                if let (Some(g), Some(m)) = (groups.last_mut(), members.last_mut())
                    && g.home == f
                    && g.location == f
                    && g.notice == notice
                {
                    g.count += 1;
                    m.push(id);
                } else {
                    groups.push(SupplyGroup {
                        home: f,
                        home_region: model.dataset.force(f).region,
                        location: f,
                        notice,
                        count: 1,
                    });
                    members.push(vec![id]);
                }
            }
        }
        let away: Vec<(ForceId, UnitId)> =
            sim.away.0.iter().filter(|(_, k, _)| *k == cap).map(|&(loc, _, id)| (loc, id)).collect();
        // Units idle away join the first group with their home and location. Home groups sit
        // at their home, so only a unit idle at its own home could join one (searched for).
        let mut away_groups: BTreeMap<(ForceId, ForceId), usize> = BTreeMap::new();
        for (loc, id) in away {
            let home = sim.unit(id).0.home;
            if !eligible(home) {
                continue;
            }
            let existing = if loc == home {
                groups.iter().position(|g| g.home == home && g.location == loc)
            } else {
                away_groups.get(&(home, loc)).copied()
            };
            if let Some(g) = existing {
                groups[g].count += 1;
                members[g].push(id);
            } else {
                away_groups.insert((home, loc), groups.len());
                groups.push(SupplyGroup {
                    home,
                    home_region: model.dataset.force(home).region,
                    location: loc,
                    notice: 0,
                    count: 1,
                });
                members.push(vec![id]);
            }
        }
        if groups.is_empty() {
            continue;
        }
        let needs: Vec<Need> = open
            .iter()
            .map(|n| {
                let plan = &plans[n.incident];
                let gap = sim.incidents.get(sim.index.incidents[n.incident]).map_or(0, |inc| inc.caps[c].gap);
                Need {
                    host: plan.host,
                    host_region: model.dataset.force(plan.host).region,
                    priority: plan.priority,
                    units: gap,
                }
            })
            .collect();
        // Travel time from each need's host to every force: links are two-way, so one row per
        // host serves every donor.
        let travel: Vec<Vec<Option<Minutes>>> =
            needs.iter().map(|need| sim.travel_row(need.host, cap)).collect();
        let mut arrival = vec![vec![None; needs.len()]; groups.len()];
        for (g, group) in groups.iter().enumerate() {
            for (n, need) in needs.iter().enumerate() {
                if group.home == need.host {
                    continue;
                }
                let Some(travel) = travel[n][usize::from(group.location.0)] else {
                    continue;
                };
                let plan = &plans[open[n].incident];
                // Booked aid is rostered ahead: no notice.
                let notice = if plan.rostered_at(now) { 0 } else { group.notice };
                // A unit is only worth sending if it can do some work before its tour or the
                // incident ends.
                if travel < policy.tour && now + notice + travel < plan.end {
                    arrival[g][n] = Some(notice + travel);
                }
            }
        }
        let grants = allocate(policy.allocation, &groups, &needs, &arrival);
        for grant in grants {
            let need = &open[grant.need];
            planned.push(PlannedGrant {
                incident: need.incident,
                capability: need.cap,
                request: need.request,
                raised_at: need.raised_at,
                units: members[grant.group].drain(..grant.units as usize).collect(),
            });
        }
    }
    planned
}

/// Fire national mobilisation when the policy's trigger condition is met.
pub fn evaluate_trigger(sim: &mut Sim) {
    // A regional request the region has acted on and could not fill is a need for national aid.
    let now = sim.now();
    if sim.measures.regional_shortfall_at.is_none()
        && sim.requests.iter().any(|r| r.tier == 2 && r.acts_at <= now && r.outstanding > 0)
    {
        sim.measures.regional_shortfall_at = Some(now);
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
        NationalTrigger::Shortfall { regional_shortfall, sustained } => {
            let mut by_region = vec![0u32; model.dataset.regions.len()];
            for r in sim.requests.iter().filter(|r| r.tier == 2) {
                let host = sim.plans.0[r.incident].host;
                by_region[usize::from(model.dataset.force(host).region.0)] += r.outstanding;
            }
            if by_region.iter().any(|&u| u >= regional_shortfall) {
                let since = *sim.trigger.since.get_or_insert(now);
                if now < since + sustained {
                    sim.wake_at(since + sustained);
                }
                now >= since + sustained
            } else {
                sim.trigger.since = None;
                false
            }
        }
    };
    if fire {
        sim.trigger.fired_at = Some(now);
        sim.emit(EventKind::NationalTrigger);
    }
}

/// Units idle away from home that no request took go home.
pub fn send_idle_home(sim: &mut Sim) {
    let idle: Vec<(ForceId, CapabilityId, UnitId)> = sim.away.0.iter().copied().collect();
    let now = sim.now();
    for (loc, cap, id) in idle {
        let (unit, mut status) = sim.unit(id);
        let Some(t) = sim.travel_time(loc, unit.home, cap) else {
            continue;
        };
        sim.away.0.remove(&(loc, cap, id));
        status.state = UnitState::Returning { until: sim.align(now + t.max(1)), then_rest: false };
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
            n.0 += demand;
            n.1 += deployed;
            n.2 += effective;
            n.3 += en_route;
            if sample && is_demanded(plan, cs, c) {
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
