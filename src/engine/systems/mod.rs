//! The phases of one step, in order, in four stages, and the one system that runs them. Every
//! phase reads and writes the World through [`Sim`].
//!
//! A phase that spawns or despawns entities (disorder seats, mutual-aid requests) ends its
//! stage: the phases after it expect those entities to exist (or to be gone), so the stage's
//! commands are applied, and the World fetched again, before the next stage. Most steps change
//! no entity, and fetch the World once: fetching it once per stage was 6% of the instructions.
//!
//! The phases live by group: `disruptions.rs` (time and disruptions), `demand.rs`,
//! `local.rs` (the local response), `aid.rs` (regional and national response, the trigger)
//! and `snapshot.rs` (integrating and recording); the order in which they run is written here
//! and only here.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemState;

use super::lifecycle::Sim;

mod aid;
mod demand;
mod disruptions;
mod local;
mod snapshot;

pub(super) use aid::plan_tier;
use aid::{allocate_national, allocate_regional, evaluate_trigger, raise_national, raise_regional};
pub(super) use demand::explicit_demand;
use demand::update_demand;
pub(super) use disruptions::describe;
use disruptions::{advance_timers, apply_disruptions};
use local::{allocate_local, release_surplus, send_idle_home};
pub(super) use snapshot::{below_cover, integrate_system};
use snapshot::{integrate, snapshot};

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
