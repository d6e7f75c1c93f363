//! Invariants of the World, checked after every step in the test suite.

use std::collections::BTreeMap;

use bevy_ecs::prelude::*;
use bevy_ecs::system::RunSystemOnce;

use super::state::*;
use crate::model::Model;

pub fn check(world: &mut World, model: &Model) -> Result<(), String> {
    let now = world.resource::<Clock>().now;
    let ncap = model.dataset.capabilities.len();
    let mut units: Vec<(Unit, UnitStatus)> =
        world.query::<(&Unit, &UnitStatus)>().iter(world).map(|(u, s)| (*u, s.clone())).collect();
    units.sort_by_key(|(u, _)| u.id);

    // Conservation: units (and so officers) are never created or lost.
    let mut per_force = vec![vec![0u32; ncap]; model.dataset.forces.len()];
    for (u, _) in &units {
        per_force[usize::from(u.home.0)][usize::from(u.capability.0)] += 1;
    }
    for (f, force) in model.dataset.forces.iter().enumerate() {
        if per_force[f] != force.establishment {
            return Err(format!(
                "{}: units {:?} differ from establishment {:?}",
                force.code, per_force[f], force.establishment
            ));
        }
    }
    let officers: u64 =
        units.iter().map(|(u, _)| u64::from(model.dataset.capability(u.capability).officers_per_unit)).sum();
    let expected: u64 = model
        .dataset
        .capability_ids()
        .map(|c| model.dataset.total_units(c) * u64::from(model.dataset.capability(c).officers_per_unit))
        .sum();
    if officers != expected {
        return Err(format!("officers not conserved: {officers} vs {expected}"));
    }

    // Each committed unit appears on exactly one incident list, the one it is assigned to.
    let mut on_lists: BTreeMap<UnitId, usize> = BTreeMap::new();
    let incidents: Vec<(Incident, IncidentState)> = world
        .query::<(&Incident, &IncidentState)>()
        .iter(world)
        .map(|(i, s)| (i.clone(), s.clone()))
        .collect();
    for (inc, st) in &incidents {
        for (c, cs) in st.caps.iter().enumerate() {
            if cs.gap as usize != cs.open.len() {
                return Err(format!(
                    "incident {}: gap {} but {} open slots",
                    inc.index,
                    cs.gap,
                    cs.open.len()
                ));
            }
            if cs.gap > cs.demand {
                return Err(format!("incident {}: gap {} exceeds demand {}", inc.index, cs.gap, cs.demand));
            }
            for id in &cs.assigned {
                if on_lists.insert(*id, inc.index).is_some() {
                    return Err(format!("unit {} is on two incidents", id.0));
                }
                let (u, _) = &units[id.0 as usize];
                if usize::from(u.capability.0) != c {
                    return Err(format!("unit {} listed under the wrong capability", id.0));
                }
            }
        }
    }
    // Every request is the one its (incident, capability) slot points to, and asks for no
    // more than is demanded.
    let requests: Vec<(Entity, MutualAidRequest)> =
        world.query::<(Entity, &MutualAidRequest)>().iter(world).map(|(e, r)| (e, r.clone())).collect();
    for (e, r) in &requests {
        let Some((_, st)) = incidents.iter().find(|(i, _)| i.index == r.incident) else {
            return Err(format!("request for unknown incident {}", r.incident));
        };
        let cs = &st.caps[usize::from(r.capability.0)];
        if cs.requests[usize::from(r.tier - 2)] != Some(*e) {
            return Err(format!("tier-{} request of incident {} is not linked from it", r.tier, r.incident));
        }
        if r.outstanding > cs.demand {
            return Err(format!("request asks for {} units, demand is {}", r.outstanding, cs.demand));
        }
    }
    let rosters: Vec<(Force, ForceRoster)> =
        world.query::<(&Force, &ForceRoster)>().iter(world).map(|(f, r)| (f.clone(), r.clone())).collect();
    let away = &world.resource::<AwayIdle>().0;
    let away_resting = &world.resource::<AwayResting>().0;
    let mut lent = vec![vec![0u32; ncap]; model.dataset.forces.len()];
    for (u, s) in &units {
        let committed = matches!(
            s.state,
            UnitState::Mobilising { .. } | UnitState::Travelling { .. } | UnitState::Deployed { .. }
        );
        if committed != s.assignment.is_some() {
            return Err(format!("unit {} is {} with assignment {:?}", u.id.0, s.state.name(), s.assignment));
        }
        if let Some(a) = s.assignment {
            if on_lists.get(&u.id) != Some(&a.incident) {
                return Err(format!(
                    "unit {} assigned to incident {} but not on its list",
                    u.id.0, a.incident
                ));
            }
        } else if on_lists.contains_key(&u.id) {
            return Err(format!("unit {} is on an incident list while {}", u.id.0, s.state.name()));
        }
        if let Some(t) = s.state.until()
            && t < now
        {
            return Err(format!("unit {} is {} until {t}, before now {now}", u.id.0, s.state.name()));
        }
        let c = usize::from(u.capability.0);
        let (_, roster) = &rosters[usize::from(u.home.0)];
        let at_home_idle = match s.state {
            UnitState::Available { notice } => roster.idle_home[c].contains(&(notice, u.id)),
            _ => false,
        };
        let away_idle = away.contains(&(s.location, u.capability, u.id));
        let available = matches!(s.state, UnitState::Available { .. });
        if available && (s.location == u.home) != at_home_idle {
            return Err(format!("unit {} is available at home but not on its roster", u.id.0));
        }
        if available && (s.location != u.home) != away_idle {
            return Err(format!("unit {} is available away but not on the away list", u.id.0));
        }
        if !available && (at_home_idle || away_idle) {
            return Err(format!("unit {} is {} but listed as idle", u.id.0, s.state.name()));
        }
        // A resting unit is listed as able to take a later shift at most once, where it rests;
        // no other unit is listed.
        let resting_home = roster.resting_home[c].iter().filter(|(_, id)| *id == u.id).count();
        let resting_away = away_resting.iter().filter(|(_, _, _, id)| *id == u.id).count();
        match s.state {
            UnitState::Resting { until } => {
                let listed_home = roster.resting_home[c].contains(&(until, u.id));
                let listed_away = away_resting.contains(&(s.location, u.capability, until, u.id));
                if resting_home + resting_away > 1
                    || (resting_home == 1 && !listed_home)
                    || (resting_away == 1 && !listed_away)
                    || (listed_home && s.location != u.home)
                {
                    return Err(format!("unit {} rests until {until} but is listed wrongly", u.id.0));
                }
            }
            _ if resting_home + resting_away > 0 => {
                return Err(format!("unit {} is {} but listed as resting", u.id.0, s.state.name()));
            }
            _ => {}
        }
        if matches!(s.state, UnitState::Abstracted) && (s.lent || s.location != u.home) {
            return Err(format!("abstracted unit {} has moved", u.id.0));
        }
        if s.lent {
            lent[usize::from(u.home.0)][c] += 1;
        }
    }
    // A kept count must equal a fresh one while it claims to hold.
    let stale = world
        .run_system_once(|sim: super::lifecycle::Sim| -> Option<String> {
            let now = sim.now();
            let mut integrating = Vec::new();
            for (i, &e) in sim.index.incidents.iter().enumerate() {
                let Ok(inc) = sim.incidents.get(e) else { continue };
                for (c, cs) in inc.caps.iter().enumerate() {
                    if cs.measured_demand() > 0 || cs.deployed > 0 {
                        integrating.push((i, c));
                    }
                }
                let plan = &sim.plans.0[i];
                let kept_demand = inc.disorder.is_none() && now < inc.demand_fixed_until;
                for (c, cs) in inc.caps.iter().enumerate() {
                    // A clear flag lets phases pass over the pair: it must be at rest.
                    if !sim.active.get(i, c) && !cs.at_rest() {
                        return Some(format!(
                            "incident {i} capability {c}: flagged at rest, but has demand {}, units {:?}, \
                             gap {}, requests {:?}, snapshot ({}, {}, {})",
                            cs.demand, cs.assigned, cs.gap, cs.requests, cs.snapshot_demand, cs.deployed,
                            cs.en_route
                        ));
                    }
                    if kept_demand {
                        let scale = inc.scale.unwrap_or(1.0);
                        let fresh = super::systems::explicit_demand(&sim.model.0, plan, scale, c, now);
                        if cs.demand != fresh {
                            return Some(format!(
                                "incident {i} capability {c}: kept demand {}, fresh {fresh}",
                                cs.demand
                            ));
                        }
                    }
                    let fresh = sim.count_on_task(i, crate::model::CapabilityId(c as u8));
                    // With no change flagged since the snapshot, what it recorded still holds.
                    if !sim.measures.pairs_changed && !cs.adds_nothing() {
                        let recorded = (cs.snapshot_demand, cs.deployed, cs.effective, cs.en_route);
                        if recorded != (cs.measured_demand(), fresh.deployed, fresh.effective, fresh.en_route) {
                            return Some(format!(
                                "incident {i} capability {c}: changed unflagged since the snapshot, which \
                                 recorded (demand, on task, effective, en route) {recorded:?}; now demand {}, \
                                 {fresh:?}",
                                cs.measured_demand()
                            ));
                        }
                    }
                    if let Some(kept) = &cs.on_task
                        && *kept != fresh
                    {
                        return Some(format!(
                            "incident {i} capability {c}: kept on-task count {kept:?}, fresh {fresh:?}"
                        ));
                    }
                    let Some(kept) = cs.commitment.filter(|k| now < k.valid_until) else { continue };
                    let fresh = sim.count_commitments(i, crate::model::CapabilityId(c as u8));
                    if (fresh.all, fresh.due) != (kept.all, kept.due) {
                        return Some(format!(
                            "incident {i} capability {c}: kept count {kept:?}, fresh {fresh:?}"
                        ));
                    }
                }
            }
            // A force whose roster changed since the snapshot (an order between steps) is
            // counted again at the next one.
            for (f, &e) in sim.index.forces.iter().enumerate() {
                if sim.measures.roster_changed[f] {
                    continue;
                }
                let Ok(roster) = sim.forces.get(e) else { continue };
                let fresh = super::systems::below_cover(roster);
                if sim.measures.below_cover_now[f] != fresh {
                    return Some(format!(
                        "force {f}: kept {} capabilities below cover, fresh {fresh}",
                        sim.measures.below_cover_now[f]
                    ));
                }
            }
            // Tier 1 must have flagged every incident with a gap or an open request.
            for (i, &e) in sim.index.incidents.iter().enumerate() {
                let Ok(inc) = sim.incidents.get(e) else { continue };
                let waits = inc.caps.iter().any(|cs| cs.gap > 0 || cs.requests.iter().any(Option::is_some));
                if waits && !sim.control.awaiting_aid.get(i).copied().unwrap_or(true) {
                    return Some(format!(
                        "incident {i} has a gap or a request but is not flagged as awaiting aid"
                    ));
                }
            }
            if integrating != sim.measures.integrating {
                return Some(format!(
                    "pairs listed to integrate {:?}, fresh {integrating:?}",
                    sim.measures.integrating
                ));
            }
            None
        })
        .map_err(|e| format!("cannot check commitment counts: {e}"))?;
    if let Some(problem) = stale {
        return Err(problem);
    }
    for (f, r) in &rosters {
        let idle: usize = r.idle_home.iter().map(|s| s.len()).sum();
        let available_home = units
            .iter()
            .filter(|(u, s)| {
                u.home == f.id && s.location == u.home && matches!(s.state, UnitState::Available { .. })
            })
            .count();
        if idle != available_home {
            return Err(format!("force {}: roster lists {idle} idle units, {available_home} are", f.id.0));
        }
        if r.lent != lent[usize::from(f.id.0)] {
            return Err(format!(
                "force {}: lent counts {:?} vs {:?}",
                f.id.0,
                r.lent,
                lent[usize::from(f.id.0)]
            ));
        }
    }
    Ok(())
}
