//! Demand: what each incident wants of each capability now, from its written curve or its
//! threat model, scaled, and when it will next change.

use super::super::lifecycle::Sim;
use super::super::streams::{incident_size, incident_size_keyed};
use crate::model::{IncidentDynamics, IncidentPlan, MAX_DEMAND, Model, SizeDistribution};
use crate::time::Minutes;

/// How incident `plan` stands at minute `now`: on (between start and end), or in the lead of
/// a booked event (aid is placed, nothing is measured yet).
pub(super) fn phase(plan: &IncidentPlan, policy: &crate::model::Policy, now: Minutes) -> (bool, bool) {
    let active = plan.start <= now && now < plan.end;
    let booking_from = if plan.booked { plan.start.saturating_sub(policy.planned_lead) } else { plan.start };
    (active, booking_from <= now && now < plan.start && now < plan.end)
}

/// Units of capability `c` that `plan`'s explicit curves demand at `now`, scaled by its drawn
/// size factor `scale` and the scenario's demand scale; during a booked lead, the units
/// booked for the start.
pub(in crate::engine) fn explicit_demand(
    model: &Model,
    plan: &IncidentPlan,
    scale: f64,
    c: usize,
    now: Minutes,
) -> u32 {
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
pub(super) fn demand_changes(
    plan: &IncidentPlan,
    policy: &crate::model::Policy,
    now: Minutes,
) -> Vec<Minutes> {
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
