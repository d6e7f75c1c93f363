//! The disorder model: each seat's public-order demand follows a night-time profile and its
//! intensity, which grows while demand goes unmet and falls while it is met; a seat can start
//! new seats in neighbouring forces, more readily when it is intense and short of officers.
//! Knock-on firearms and surveillance demand scale with the public-order demand.

use rand::RngExt;

use super::lifecycle::Sim;
use super::state::*;
use super::streams::{Subsystem, incident_size, stream_at};
use crate::model::{ForceId, IncidentDynamics, IncidentKind, IncidentPlan, Model};
use crate::results::EventKind;
use crate::time::{DAY, HOUR};

/// Forces bordering `force`, in id order.
fn neighbours(model: &Model, force: ForceId) -> Vec<ForceId> {
    let mut v: Vec<ForceId> = model
        .dataset
        .borders
        .iter()
        .filter_map(|b| {
            if b.a == force {
                Some(b.b)
            } else if b.b == force {
                Some(b.a)
            } else {
                None
            }
        })
        .collect();
    v.sort();
    v
}

/// Evolve every active disorder seat: on the hour, escalate or calm it and let it spread;
/// set its modelled demand, which `update_demand` adds to any explicit curves.
pub fn evolve_disorder(sim: &mut Sim) {
    let model = sim.model();
    let now = sim.now();
    let d = &model.scenario.disorder;
    let cap = |id: &str| model.dataset.capability_by_id(id).map(|c| usize::from(c.0));
    let Some(po) = cap("public-order") else { return };
    let (fa, sv) = (cap("firearms"), cap("surveillance"));
    let ncap = model.dataset.capabilities.len();
    let replication = sim.replication.0;
    let plans = sim.all_plans();
    for &i in sim.plans.disorder().iter() {
        let plan = &plans[i];
        let Some(IncidentDynamics::Disorder { size, outbreak }) = &plan.dynamics else { continue };
        if now < plan.start || now >= plan.end {
            continue;
        }
        let root = outbreak.unwrap_or(i);
        let entity = sim.index.incidents[i];
        let Ok(mut inc) = sim.incidents.get_mut(entity) else {
            // Spawned this step; it is set up at the next.
            continue;
        };
        let fresh = inc.disorder.is_none();
        if fresh {
            inc.disorder = Some(DisorderState {
                intensity: 1.0,
                peak: incident_size(model.scenario.seed, replication, i, *size),
                ended: false,
                demand: vec![0; ncap],
            });
            sim.outbreaks.0.entry(root).or_default().forces.insert(plan.host);
        }
        let since = now - plan.start;
        let on_the_hour = since.is_multiple_of(HOUR);
        let (demand, effective) = (inc.caps[po].demand, inc.caps[po].effective);
        let Some(st) = inc.disorder.as_mut() else { continue };
        if st.ended {
            continue;
        }
        let mut new_seats = Vec::new();
        let mut calmed = false;
        if on_the_hour && !fresh {
            let unmet =
                if demand > 0 { (f64::from(demand) - effective).max(0.0) / f64::from(demand) } else { 0.0 };
            st.intensity = if unmet > 0.0 {
                (st.intensity * (1.0 + d.escalation * unmet)).min(d.max_intensity)
            } else {
                st.intensity * (1.0 - d.calming)
            };
            if st.intensity < d.end_intensity {
                st.ended = true;
                st.demand.fill(0);
                calmed = true;
            } else {
                let reached = sim.outbreaks.0.entry(root).or_default();
                // Disorder spreads when it is out on the streets: at night, intense, and short of officers.
                let hour = ((now % DAY) / HOUR) as usize;
                let chance =
                    (d.spread * st.intensity * d.night_profile[hour] * (1.0 + d.spread_unmet * unmet))
                        .min(1.0);
                for n in neighbours(&model, plan.host) {
                    if reached.forces.len() >= d.max_seats as usize {
                        break;
                    }
                    if reached.forces.contains(&n) {
                        continue;
                    }
                    // One fixed draw per (from, to, hour), whatever happened before: two runs
                    // that differ only in policy face the same chances (common random numbers).
                    let key = (u64::from(plan.host.0) << 16) | u64::from(n.0);
                    let hour_index = now / HOUR;
                    let draw: f64 =
                        stream_at(model.scenario.seed, replication, Subsystem::Spread, key, hour_index * 2)
                            .random();
                    if draw < chance {
                        reached.forces.insert(n);
                        new_seats.push(n);
                    }
                }
            }
        }
        if !st.ended && (on_the_hour || fresh) {
            let hour = ((now % DAY) / HOUR) as usize;
            // Demand at the seat's intensity, before any headroom scaling (PSUs).
            let base = (st.peak * d.night_profile[hour] * st.intensity).ceil();
            let scale = &model.scenario.demand_scale;
            let most = f64::from(crate::model::MAX_DEMAND);
            st.demand[po] = (base * scale[po]).ceil().min(most) as u32;
            if let Some(fa) = fa {
                st.demand[fa] = (base * d.firearms_per_psu * scale[fa]).round().min(most) as u32;
            }
            if let Some(sv) = sv {
                st.demand[sv] = (base * d.surveillance_per_psu * scale[sv]).round().min(most) as u32;
            }
        }
        let ended = st.ended;
        if calmed {
            sim.emit(EventKind::DisorderCalmed { incident: plan.id.clone() });
        }
        for n in new_seats {
            spawn_seat(sim, &model, plan, root, n);
        }
        if !ended {
            sim.wake_at(plan.start + (since / HOUR + 1) * HOUR);
        }
    }
}

/// Start a new seat of outbreak `root` in force `force`, spread from `parent`.
fn spawn_seat(sim: &mut Sim, model: &Model, parent: &IncidentPlan, root: usize, force: ForceId) {
    let now = sim.now();
    let code = &model.dataset.force(force).code;
    let plan = IncidentPlan {
        id: format!("{}~{}", sim.plans.0[root].id, code),
        kind: IncidentKind::Disorder,
        host: force,
        start: now,
        end: (now + model.scenario.disorder.seat_duration).min(model.scenario.horizon),
        priority: parent.priority,
        demand: Vec::new(),
        dynamics: Some(IncidentDynamics::Disorder {
            size: model.scenario.disorder.seat_size,
            outbreak: Some(root),
        }),
        booked: false,
        uncertain: false,
    };
    sim.emit(EventKind::DisorderSpread {
        incident: plan.id.clone(),
        from: parent.id.clone(),
        force: code.clone(),
    });
    sim.add_incident(plan);
    sim.wake_at(now + 1);
}
