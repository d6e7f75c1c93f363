//! The tabletop's view of the World at one moment, as plain data.

use std::collections::BTreeMap;

use super::lifecycle::Sim;
use super::state::*;
use super::systems::plan_tier;
use crate::results::{
    CapabilityStatus, CoverStatus, ForceStatus, IncidentStatus, Movement, ProposedUnits, RequestStatus,
    Status,
};
use crate::time::Minutes;

/// (home force, incident, capability, state) of a group of units on the way.
type MovementKey = (u16, usize, u8, &'static str);

/// The state after the last step, shown as of minute `shown`; with the policy's proposals for
/// requests when `proposals` (they cost a dry run of both tiers' allocation).
pub(super) fn build(sim: &mut Sim, shown: Minutes, proposals: bool) -> Status {
    let model = sim.model();
    let data = &model.dataset;
    let plans = sim.all_plans();
    let mut incidents = Vec::new();
    let mut moving: BTreeMap<MovementKey, (u32, Minutes, Minutes)> = BTreeMap::new();
    for (i, plan) in plans.iter().enumerate() {
        let Ok(inc) = sim.incidents.get(sim.index.incidents[i]) else { continue };
        let mut capabilities = Vec::new();
        for (c, cs) in inc.caps.iter().enumerate() {
            if cs.demand == 0 && cs.assigned.is_empty() {
                continue;
            }
            capabilities.push(CapabilityStatus {
                capability: data.capabilities[c].id.clone(),
                demand: cs.demand,
                on_task: cs.deployed,
                effective: crate::results::round3(cs.effective),
                en_route: cs.en_route,
                shortfall: crate::results::round3((f64::from(cs.measured_demand()) - cs.effective).max(0.0)),
            });
            for id in &cs.assigned {
                let Ok((unit, status)) = sim.units.get(sim.index.units[id.0 as usize]) else { continue };
                let (state, until) = match status.state {
                    UnitState::Mobilising { until } => ("mobilising", until),
                    UnitState::Travelling { until, .. } => ("travelling", until),
                    _ => continue,
                };
                let e = moving.entry((unit.home.0, i, unit.capability.0, state)).or_insert((0, until, until));
                e.0 += 1;
                e.1 = e.1.min(until);
                e.2 = e.2.max(until);
            }
        }
        if !capabilities.is_empty() {
            incidents.push(IncidentStatus {
                id: plan.id.clone(),
                kind: plan.kind.name().into(),
                host: data.force(plan.host).code.clone(),
                start: plan.start,
                end: plan.end,
                capabilities,
            });
        }
    }
    // What the policy would send to every request it has received, if left to it.
    let tiers: &[u8] = if proposals { &[2, 3] } else { &[] };
    let mut proposals: BTreeMap<u32, Vec<ProposedUnits>> = BTreeMap::new();
    for &tier in tiers {
        for grant in plan_tier(sim, tier, |d| d != RequestDecision::Refused) {
            let Ok(r) = sim.requests.get(grant.request) else { continue };
            let number = r.number;
            let mut by_donor: BTreeMap<u16, (u32, Minutes)> = BTreeMap::new();
            for (&id, slot) in grant.units.iter().zip(&grant.slots) {
                let (unit, status) = sim.unit(id);
                // When it would be on task if sent now for the minute it is wanted.
                let eta =
                    sim.candidate_eta(&unit, &status, grant.incident, slot.need_at).unwrap_or(Minutes::MAX);
                let e = by_donor.entry(unit.home.0).or_insert((0, Minutes::MAX));
                e.0 += 1;
                e.1 = e.1.min(eta);
            }
            proposals.entry(number).or_default().extend(by_donor.into_iter().map(|(f, (units, at))| {
                ProposedUnits { from: data.forces[usize::from(f)].code.clone(), units, arrives_at: at }
            }));
        }
    }
    let mut requests: Vec<RequestStatus> = sim
        .requests
        .iter()
        .map(|r| {
            let plan = &plans[r.incident];
            RequestStatus {
                number: r.number,
                incident: plan.id.clone(),
                host: data.force(plan.host).code.clone(),
                capability: data.capability(r.capability).id.clone(),
                tier: r.tier,
                raised_at: r.raised_at,
                acts_at: r.acts_at,
                outstanding: r.outstanding,
                decision: r.decision.name().into(),
                proposal: proposals.remove(&r.number).unwrap_or_default(),
            }
        })
        .collect();
    requests.sort_by_key(|r| r.number);
    let forces = data
        .force_ids()
        .map(|f| {
            let force = data.force(f);
            let roster = sim.forces.get(sim.index.forces[usize::from(f.0)]).ok();
            ForceStatus {
                code: force.code.clone(),
                region: data.regions[usize::from(force.region.0)].clone(),
                cover: data
                    .capabilities
                    .iter()
                    .enumerate()
                    .map(|(c, cap)| CoverStatus {
                        capability: cap.id.clone(),
                        establishment: force.establishment[c],
                        at_home: roster.map_or(0, |r| r.idle_home[c].len() as u32),
                        retained: roster.map_or(0, |r| r.required[c]),
                        lent: roster.map_or(0, |r| r.lent[c]),
                    })
                    .collect(),
            }
        })
        .collect();
    let en_route = moving
        .into_iter()
        .map(|((home, i, c, state), (units, first, last))| Movement {
            from: data.forces[usize::from(home)].code.clone(),
            incident: plans[i].id.clone(),
            capability: data.capabilities[usize::from(c)].id.clone(),
            state: state.into(),
            units,
            first,
            last,
        })
        .collect();
    let held = sim
        .control
        .held
        .iter()
        .map(|&(f, c)| match c {
            Some(c) => format!("{} {}", data.force(f).code, data.capability(c).id),
            None => data.force(f).code.clone(),
        })
        .collect();
    let disruptions = model
        .scenario
        .disruptions
        .iter()
        .filter(|d| d.start <= shown && shown < d.end)
        .map(|d| format!("{} until {}", super::systems::describe(&model, &d.kind), crate::time::Clock(d.end)))
        .collect();
    Status {
        disruptions,
        now: shown,
        horizon: model.scenario.horizon,
        players_decide: sim.control.players_decide,
        national_trigger_at: sim.trigger.fired_at,
        incidents,
        requests,
        forces,
        en_route,
        held,
    }
}
