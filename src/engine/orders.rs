//! Orders from outside the automatic policy: a tabletop facilitator's injects and the players'
//! decisions. Each is applied to the World at one minute, between two steps, through the same
//! life-cycle functions the systems use, so the invariants hold after it as after any step.

use super::lifecycle::Sim;
use super::state::*;
use crate::model::{CapabilityId, Disruption, ForceId, IncidentPlan};
use crate::results::EventKind;
use crate::time::{Clock, Minutes};

/// A change to the run that a person decided.
#[derive(Debug, Clone)]
pub enum Order {
    /// A new incident (inject). Its `start` must be the minute the order applies at.
    AddIncident(IncidentPlan),
    /// New disruptions (inject), starting at the minute the order applies at.
    AddDisruptions(Vec<Disruption>),
    /// End now every active incident whose id starts with `prefix` (e.g. a threat level lowered).
    EndIncidents {
        /// Id prefix.
        prefix: String,
        /// Description for the event log.
        why: String,
    },
    /// Approve (`true`) or refuse a mutual-aid request, by number.
    Decide {
        /// The request's number.
        number: u32,
        /// Approve (the tier fills it as the policy would) or refuse.
        approve: bool,
    },
    /// Whether new requests wait for players (`true`) or go to the policy.
    PlayersDecide(bool),
    /// Send `units` units of a capability from a force's idle units at home to an incident.
    Send {
        /// Units asked for.
        units: u32,
        /// Capability.
        capability: CapabilityId,
        /// Donor force.
        from: ForceId,
        /// Incident index.
        incident: usize,
    },
    /// Hold back (or stop holding back) a force's units from tiers 2 and 3.
    Hold {
        /// The force.
        force: ForceId,
        /// One capability, or all.
        capability: Option<CapabilityId>,
        /// Hold (`true`) or release the hold.
        held: bool,
    },
    /// Trigger national mobilisation now.
    TriggerNational,
}

/// Why an order could not be carried out; nothing was changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrderError {
    /// The scenario has reached its horizon.
    #[error("the scenario has ended; nothing more can happen")]
    Finished,
    /// No open request has that number.
    #[error("there is no open request R{number}{}", open_list(.open))]
    NoSuchRequest {
        /// The number given.
        number: u32,
        /// Open request numbers.
        open: Vec<u32>,
    },
    /// The request already has this decision (or is with the policy).
    #[error("R{number} is already {state}")]
    AlreadyDecided {
        /// The request.
        number: u32,
        /// Its decision's name.
        state: &'static str,
    },
    /// The incident is not active now.
    #[error("{incident} is not active now")]
    NotActive {
        /// Incident id.
        incident: String,
    },
    /// The incident needs no more units of the capability.
    #[error("{incident} needs no more {capability} units (demand {demand}, {committed} on task or due soon)")]
    NoNeed {
        /// Incident id.
        incident: String,
        /// Capability id.
        capability: String,
        /// Units demanded now.
        demand: u32,
        /// Units on task or due within the arrival window.
        committed: u32,
    },
    /// The donor has no idle units of the capability at home.
    #[error("{force} has no {capability} units idle at home")]
    NoneIdle {
        /// Force code.
        force: String,
        /// Capability id.
        capability: String,
    },
    /// National mobilisation was already triggered.
    #[error("national mobilisation was already triggered at {}", Clock(*.at))]
    AlreadyTriggered {
        /// When (minute).
        at: Minutes,
    },
    /// No active incident matches.
    #[error("no active incident matches: {what}")]
    NothingToEnd {
        /// What was looked for.
        what: String,
    },
    /// An incident with that id exists.
    #[error("an incident called '{id}' already exists")]
    DuplicateIncident {
        /// The id.
        id: String,
    },
}

fn open_list(open: &[u32]) -> String {
    if open.is_empty() {
        " (no request is open)".into()
    } else {
        let names: Vec<String> = open.iter().map(|n| format!("R{n}")).collect();
        format!(" (open: {})", names.join(", "))
    }
}

fn describe_units(sim: &Sim, ids: &[UnitId]) -> String {
    let labels: Vec<String> = ids.iter().map(|&id| sim.label(&sim.unit(id).0)).collect();
    labels.join(", ")
}

/// Carry out an order that only touches components and resources `Sim` holds. Returns what
/// happened, for the player.
pub(super) fn apply(sim: &mut Sim, order: &Order) -> Result<String, OrderError> {
    let model = sim.model();
    let data = &model.dataset;
    let now = sim.now();
    match order {
        Order::Decide { number, approve } => {
            let mut found = None;
            let mut open = Vec::new();
            for r in sim.requests.iter() {
                open.push(r.number);
                if r.number == *number {
                    found = Some((r.decision, r.incident, r.capability, r.tier));
                }
            }
            open.sort_unstable();
            let Some((decision, incident, cap, tier)) = found else {
                return Err(OrderError::NoSuchRequest { number: *number, open });
            };
            let wanted = if *approve { RequestDecision::Approved } else { RequestDecision::Refused };
            if decision == wanted || (decision == RequestDecision::Policy && *approve) {
                return Err(OrderError::AlreadyDecided { number: *number, state: decision.name() });
            }
            for mut r in sim.requests.iter_mut() {
                if r.number == *number {
                    r.decision = wanted;
                }
            }
            let text = format!(
                "{} R{number} ({} {}, tier {tier})",
                if *approve { "approve" } else { "refuse" },
                sim.plan(incident).id,
                data.capability(cap).id
            );
            sim.emit(EventKind::Decided { decision: text.clone() });
            Ok(text)
        }
        Order::PlayersDecide(players) => {
            sim.control.players_decide = *players;
            let mut handed = 0;
            if !*players {
                for mut r in sim.requests.iter_mut() {
                    if r.decision == RequestDecision::Awaiting {
                        r.decision = RequestDecision::Policy;
                        handed += 1;
                    }
                }
            }
            let text = if *players {
                "players decide new mutual-aid requests".to_string()
            } else {
                format!("the policy decides mutual-aid requests ({handed} awaiting handed to it)")
            };
            sim.emit(EventKind::Decided { decision: text.clone() });
            Ok(text)
        }
        Order::Hold { force, capability, held } => {
            let key = (*force, *capability);
            if *held {
                sim.control.held.insert(key);
            } else {
                sim.control.held.remove(&key);
            }
            let what = match capability {
                Some(c) => format!("{} {}", data.force(*force).code, data.capability(*c).id),
                None => data.force(*force).code.clone(),
            };
            let text = if *held {
                format!("hold back {what} from mutual aid")
            } else {
                format!("{what} available for mutual aid again")
            };
            sim.emit(EventKind::Decided { decision: text.clone() });
            Ok(text)
        }
        Order::TriggerNational => {
            if let Some(at) = sim.trigger.fired_at {
                return Err(OrderError::AlreadyTriggered { at });
            }
            sim.trigger.fired_at = Some(now);
            sim.emit(EventKind::Decided { decision: "trigger national mobilisation".into() });
            sim.emit(EventKind::NationalTrigger);
            Ok("national mobilisation triggered".into())
        }
        Order::Send { units, capability, from, incident } => send(sim, *units, *capability, *from, *incident),
        Order::EndIncidents { prefix, why } => {
            let mut ended = 0;
            for i in 0..sim.plans.0.len() {
                let plan = &sim.plans.0[i];
                if plan.id.starts_with(prefix.as_str()) && plan.start <= now && now < plan.end {
                    let mut changed = IncidentPlan::clone(plan);
                    changed.end = now;
                    sim.replace_plan(i, changed);
                    ended += 1;
                }
            }
            if ended == 0 {
                return Err(OrderError::NothingToEnd { what: why.clone() });
            }
            let text = format!("{why} ({ended} incident(s) end)");
            sim.emit(EventKind::Injected { inject: text.clone() });
            Ok(text)
        }
        Order::AddIncident(plan) => {
            if sim.plans.0.iter().any(|p| p.id == plan.id) {
                return Err(OrderError::DuplicateIncident { id: plan.id.clone() });
            }
            let text =
                format!("incident {} ({}) at {}", plan.id, plan.kind.name(), data.force(plan.host).code);
            sim.add_incident(IncidentPlan { start: now, ..plan.clone() });
            sim.emit(EventKind::Injected { inject: text.clone() });
            Ok(text)
        }
        Order::AddDisruptions(_) => {
            unreachable!("the Simulation applies these itself: they change the model")
        }
    }
}

fn send(
    sim: &mut Sim,
    units: u32,
    cap: CapabilityId,
    from: ForceId,
    incident: usize,
) -> Result<String, OrderError> {
    let model = sim.model();
    let data = &model.dataset;
    let now = sim.now();
    let plan = sim.plan(incident);
    let c = usize::from(cap.0);
    let cap_id = data.capability(cap).id.clone();
    if !(plan.rostered_at(now) || (plan.start <= now && now < plan.end)) {
        return Err(OrderError::NotActive { incident: plan.id.clone() });
    }
    let demand = sim.incidents.get(sim.index.incidents[incident]).map_or(0, |inc| inc.caps[c].demand);
    // Units due (on task, or arriving within the window) are what the gap is measured against:
    // players may send aid to arrive before slower units already committed.
    let due = sim.commitment_counts(incident, cap).1;
    let wanted = demand.saturating_sub(due);
    if wanted == 0 {
        return Err(OrderError::NoNeed {
            incident: plan.id.clone(),
            capability: cap_id,
            demand,
            committed: due,
        });
    }
    let Ok(roster) = sim.forces.get(sim.index.forces[usize::from(from.0)]) else {
        return Err(OrderError::NoneIdle { force: data.force(from).code.clone(), capability: cap_id });
    };
    // A host sends its readiest; a donor first the units beyond its retained cover (it keeps
    // its readiest at home for its own policing, as the tiers do), then, if asked for more,
    // the rest.
    let keep =
        if from == plan.host { 0 } else { (roster.required[c] as usize).min(roster.idle_home[c].len()) };
    let ordered = roster.idle_home[c].iter().skip(keep).chain(roster.idle_home[c].iter().take(keep));
    let ids: Vec<UnitId> = ordered.take(units.min(wanted) as usize).map(|&(_, id)| id).collect();
    let (left, retained) = (roster.idle_home[c].len() - ids.len(), roster.required[c] as usize);
    if ids.is_empty() {
        return Err(OrderError::NoneIdle { force: data.force(from).code.clone(), capability: cap_id });
    }
    let host = plan.host;
    let tier = if from == host {
        1
    } else if data.force(from).region == data.force(host).region {
        2
    } else {
        3
    };
    let raised_at = if tier == 1 {
        now
    } else {
        sim.incidents
            .get(sim.index.incidents[incident])
            .ok()
            .and_then(|inc| inc.caps[c].requests[usize::from(tier - 2)])
            .and_then(|e| sim.requests.get(e).ok())
            .map_or(now, |r| r.raised_at)
    };
    // Booked aid sent in the lead is wanted at the start; anything else at once.
    let slot = Slot { need_at: if plan.rostered_at(now) { plan.start } else { now }, ..Slot::now(now) };
    for &id in &ids {
        sim.assign(id, incident, tier, raised_at, slot);
    }
    let etas: Vec<Minutes> = ids.iter().filter_map(|&id| sim.unit(id).1.assignment.map(|a| a.eta)).collect();
    let mut text = format!(
        "send {} {cap_id} from {} to {} (tier {tier}): {}",
        ids.len(),
        data.force(from).code,
        plan.id,
        describe_units(sim, &ids)
    );
    sim.emit(EventKind::Decided { decision: text.clone() });
    if let (Some(first), Some(last)) = (etas.iter().min(), etas.iter().max()) {
        text.push_str(&format!("; on task {}", Clock(*first)));
        if last != first {
            text.push_str(&format!(" to {}", Clock(*last)));
        }
    }
    if (ids.len() as u32) < units {
        text.push_str(&format!(" (asked for {units}; {} needs {wanted} more", plan.id));
        text.push_str(&format!(", {} had {} idle)", data.force(from).code, ids.len() + left));
    }
    if left < retained {
        text.push_str(&format!(
            "; warning: {} now keeps {left} {cap_id} units at home, below its retained cover of {retained}",
            data.force(from).code
        ));
    }
    Ok(text)
}
