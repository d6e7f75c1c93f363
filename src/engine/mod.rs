//! The engine: one bevy_ecs World per run, forces, units, incidents and requests as entities,
//! and one explicitly ordered schedule run at each minute where something happens.
//!
//! No I/O, no clock, no randomness outside the run's seeded streams. Idle units cost nothing:
//! the clock jumps from one scheduled change to the next.

mod allocation;
mod disorder;
mod flow;
mod invariants;
mod lifecycle;
mod measures;
mod orders;
mod report;
mod state;
mod status;
pub(crate) mod streams;
mod systems;
mod travel;

use std::sync::Arc;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::SingleThreadedExecutor;

pub use allocation::{FairShare, Grant, Need, SupplyGroup, allocate, objective};
pub use flow::{Cost, MinCostFlow};
pub use orders::{Order, OrderError};
pub use state::{UnitId, UnitState};
pub use travel::TravelNetwork;

use crate::model::Model;
use crate::results::RunResult;
use crate::time::Minutes;
use measures::Measures;
use state::*;

/// The schedule could not be built (a programming error, reported rather than panicking).
#[derive(Debug, thiserror::Error)]
#[error("the engine's schedule is inconsistent: {0}")]
pub struct ScheduleError(String);

/// One replication of one scenario.
pub struct Simulation {
    world: World,
    schedule: Schedule,
    model: Arc<Model>,
    finished: bool,
    /// Minute of the last step run, if any.
    ran: Option<Minutes>,
}

impl Simulation {
    /// Build the World (forces, units, incidents) and the ordered schedule for `model`.
    pub fn new(model: Arc<Model>) -> Result<Self, ScheduleError> {
        Self::replication(model, 0)
    }

    /// Build replication `replication` of the scenario's seed: the same World, but every random
    /// stream is that replication's own.
    pub fn replication(model: Arc<Model>, replication: u64) -> Result<Self, ScheduleError> {
        let mut world = World::new();
        build_world(&mut world, &model, replication);
        world.insert_resource(Replication(replication));
        let mut schedule = Schedule::default();
        schedule.set_executor(SingleThreadedExecutor::new());
        schedule.add_systems(systems::step);
        schedule.initialize(&mut world).map_err(|e| ScheduleError(format!("{e:?}")))?;
        Ok(Self { world, schedule, model, finished: false, ran: None })
    }

    /// Minute of the step that runs next (or ran last, once finished).
    pub fn now(&self) -> Minutes {
        self.world.resource::<Clock>().now
    }

    /// Whether the horizon has been simulated.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Run the step at the current minute, then move the clock to the next minute at which
    /// anything is scheduled to change. Returns false once the horizon has been simulated.
    pub fn step(&mut self) -> bool {
        if self.finished {
            return false;
        }
        self.schedule.run(&mut self.world);
        self.ran = Some(self.now());
        let tick = self.model.scenario.tick.max(1);
        let horizon = self.model.scenario.horizon;
        let now = self.now();
        let mut next = Minutes::MAX;
        if let Some(t) = self.world.resource::<Timers>().next() {
            next = next.min(t);
        }
        {
            let mut wake = self.world.resource_mut::<Wakeups>();
            while wake.0.first().is_some_and(|&t| t <= now) {
                wake.0.pop_first();
            }
            if let Some(&t) = wake.0.first() {
                next = next.min(t);
            }
        }
        let next = next.max(now + tick);
        if now >= horizon || next > horizon {
            self.finished = true;
            // Account for the quiet stretch after the last event up to the horizon.
            if now < horizon {
                *self.world.resource_mut::<Clock>() = Clock { prev: now, now: horizon };
                self.world
                    .run_system_cached(systems::integrate_system)
                    .expect("integrate needs nothing the World lacks");
            }
            return false;
        }
        let mut clock = self.world.resource_mut::<Clock>();
        clock.prev = now;
        clock.now = next;
        true
    }

    /// Run to the horizon.
    pub fn run_to_end(&mut self) {
        while self.step() {}
    }

    /// Run every step at or before minute `t` (and no other): afterwards the World is the state
    /// at `t`. Returns false once the horizon has been simulated.
    pub fn advance_to(&mut self, t: Minutes) -> bool {
        while !self.finished && self.now() <= t {
            self.step();
        }
        !self.finished
    }

    /// Minute of the last step run (`None` before the first).
    pub fn last_step(&self) -> Option<Minutes> {
        self.ran
    }

    /// Whether new tier-2/3 requests wait for players (set before the first step; later, use
    /// [`Order::PlayersDecide`], which is logged).
    pub fn set_players_decide(&mut self, players: bool) {
        self.world.resource_mut::<Control>().players_decide = players;
    }

    /// Requests (by number) that go to the policy when raised, even while players decide: set
    /// before the first step, for a debrief's counterfactual of a player's approval.
    pub fn set_policy_decides(&mut self, numbers: std::collections::BTreeSet<u32>) {
        self.world.resource_mut::<Control>().policy_decides = numbers;
    }

    /// Keep the event log (the default) or not: a run's totals, series and assessment do not
    /// depend on it, and not building it saves formatting a string per unit movement.
    pub fn keep_events(&mut self, keep: bool) {
        self.world.resource_mut::<EventLog>().keep = keep;
    }

    /// Every event so far, in order.
    pub fn events(&self) -> &[crate::results::Event] {
        &self.world.resource::<EventLog>().events
    }

    /// Ids of every incident so far, by index (the scenario's, then spread seats and injects).
    pub fn incident_ids(&self) -> Vec<String> {
        self.world.resource::<IncidentPlans>().0.iter().map(|p| p.id.clone()).collect()
    }

    /// Mutual-aid requests raised so far (the newest request's number).
    pub fn requests_raised(&self) -> u32 {
        self.world.resource::<Control>().requests_raised
    }

    /// The model as it stands: the scenario's, with any injected disruptions.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// The first minute after `shown` at which an order can take effect: the next tick.
    pub fn order_time(&self, shown: Minutes) -> Minutes {
        self.model.scenario.align(shown + 1)
    }

    /// Carry out `order` at minute `at` (after the last step run, at or before the horizon), before
    /// the step at `at` runs; the steps between run first. Returns what happened, for people.
    pub fn order(&mut self, at: Minutes, order: Order) -> Result<String, OrderError> {
        use bevy_ecs::system::RunSystemOnce;
        if self.finished || at > self.model.scenario.horizon {
            return Err(OrderError::Finished);
        }
        self.advance_to(at.saturating_sub(1));
        if self.finished {
            return Err(OrderError::Finished);
        }
        // The next step runs at `at`: nothing changes between steps, so the World is the same.
        let ran = self.ran.unwrap_or(0);
        {
            let mut clock = self.world.resource_mut::<Clock>();
            if at < clock.now && at > ran {
                clock.now = at;
            }
        }
        let at = self.now();
        match order {
            Order::AddDisruptions(added) => {
                let mut model = Model::clone(&self.model);
                let mut texts = Vec::new();
                for mut d in added {
                    d.start = at;
                    self.world.resource_mut::<Wakeups>().0.insert(model.scenario.align(d.end));
                    texts.push(format!(
                        "{} until {}",
                        systems::describe(&model, &d.kind),
                        crate::time::Clock(d.end)
                    ));
                    model.scenario.disruptions.push(d);
                }
                let text = texts.join("; ");
                self.model = Arc::new(model);
                self.world.insert_resource(ModelRef(Arc::clone(&self.model)));
                self.world.resource_mut::<EventLog>().events.push(crate::results::Event {
                    t: at,
                    kind: crate::results::EventKind::Injected { inject: text.clone() },
                });
                Ok(text)
            }
            order => self
                .world
                .run_system_once(move |mut sim: lifecycle::Sim| orders::apply(&mut sim, &order))
                .expect("orders need nothing the World lacks"),
        }
    }

    /// The state as of minute `shown` (at or after the last step run), for a tabletop view; with
    /// what the policy would send to each request received when `proposals`.
    pub fn status(&mut self, shown: Minutes, proposals: bool) -> crate::results::Status {
        use bevy_ecs::system::RunSystemOnce;
        let saved = *self.world.resource::<Clock>();
        // Proposals are what the tiers would do if they acted at the moment shown.
        self.world.resource_mut::<Clock>().now = shown.max(self.ran.unwrap_or(0));
        let status = self
            .world
            .run_system_once(move |mut sim: lifecycle::Sim| status::build(&mut sim, shown, proposals))
            .expect("the status needs nothing the World lacks");
        *self.world.resource_mut::<Clock>() = saved;
        status
    }

    /// The result covering minutes 0 to `t` (at most the horizon): the stretch since the last
    /// step is added to the totals, as the next step would. Use it to end a run early; once
    /// finished it is [`Simulation::result`].
    pub fn result_at(&mut self, t: Minutes) -> RunResult {
        let ran = self.ran.unwrap_or(0);
        if !self.finished && t > ran {
            let saved = *self.world.resource::<Clock>();
            *self.world.resource_mut::<Clock>() =
                Clock { prev: ran, now: t.min(self.model.scenario.horizon) };
            self.world
                .run_system_cached(systems::integrate_system)
                .expect("integrate needs nothing the World lacks");
            *self.world.resource_mut::<Clock>() = Clock { prev: t, now: saved.now.max(t) };
        }
        let horizon = self.model.scenario.horizon;
        let until = (t < horizon).then_some(t);
        report::build(&mut self.world, &self.model, until)
    }

    /// Check the World's invariants; the message names the first one broken.
    pub fn check_invariants(&mut self) -> Result<(), String> {
        invariants::check(&mut self.world, &self.model)
    }

    /// Units in each life-cycle state (state name, units), for progress views and tests.
    pub fn unit_states(&mut self) -> Vec<(&'static str, u32)> {
        let mut counts: std::collections::BTreeMap<&'static str, u32> = Default::default();
        let mut q = self.world.query::<&UnitStatus>();
        for s in q.iter(&self.world) {
            *counts.entry(s.state.name()).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// The result so far (complete once [`Simulation::finished`]; before that, taken at the
    /// last step run).
    pub fn result(&mut self) -> RunResult {
        let until = (!self.finished).then(|| self.ran.unwrap_or(0));
        report::build(&mut self.world, &self.model, until)
    }

    /// The run's results, moving its series and events out rather than copying them.
    pub fn into_result(mut self) -> RunResult {
        report::finish(&mut self.world, &self.model)
    }
}

/// Run a scenario to its horizon.
pub fn run(model: Arc<Model>) -> Result<RunResult, ScheduleError> {
    run_replication(model, 0)
}

/// Run replication `replication` of a scenario to its horizon.
pub fn run_replication(model: Arc<Model>, replication: u64) -> Result<RunResult, ScheduleError> {
    run_replication_with(model, replication, true)
}

/// As [`run_replication`], with the event log kept or not (`events` empty when not).
pub fn run_replication_with(
    model: Arc<Model>,
    replication: u64,
    keep_events: bool,
) -> Result<RunResult, ScheduleError> {
    let mut sim = Simulation::replication(model, replication)?;
    sim.keep_events(keep_events);
    sim.run_to_end();
    Ok(sim.into_result())
}

/// Incident `i` with its start drawn as the uncertainty table says: moved by a normal draw
/// with the start spread's standard deviation, within two of them, never before minute 0;
/// its length kept, its end within the horizon. Planned and other fixed incidents as written.
fn timed(
    model: &Model,
    replication: u64,
    i: usize,
    plan: &crate::model::IncidentPlan,
) -> crate::model::IncidentPlan {
    let spread = model.scenario.uncertainty.start_spread;
    let mut plan = plan.clone();
    if !plan.uncertain || spread == 0 {
        return plan;
    }
    let mut rng =
        streams::stream(model.scenario.seed, replication, streams::Subsystem::IncidentTiming, i as u64);
    let z = streams::standard_normal(&mut rng).clamp(-2.0, 2.0);
    let shift = (z * f64::from(spread)).round() as i64;
    let start = (i64::from(plan.start) + shift).clamp(0, i64::from(model.scenario.horizon)) as Minutes;
    let length = plan.end.saturating_sub(plan.start);
    plan.start = start;
    plan.end = start.saturating_add(length).min(model.scenario.horizon);
    plan
}

/// `ceil(share × units)` for each capability (units).
fn share_of(establishment: &[u32], share: f64) -> Vec<u32> {
    establishment.iter().map(|&n| (share * f64::from(n)).ceil() as u32).collect()
}

fn build_world(world: &mut World, model: &Arc<Model>, replication: u64) {
    use rand::RngExt;
    let data = &model.dataset;
    let ncap = data.capabilities.len();
    let scen = &model.scenario;
    let policy = &scen.policy;
    let mut index = Index::default();
    let mut unit_id = 0u32;
    let mut rosters = Vec::with_capacity(data.forces.len());
    let total: u32 = data.forces.iter().flat_map(|f| f.establishment.iter()).sum();
    let mut units = Vec::with_capacity(total as usize);
    let sigma = scen.uncertainty.notice_spread;
    for f in data.force_ids() {
        let force = data.force(f);
        let mut roster = ForceRoster {
            idle_home: vec![Default::default(); ncap],
            resting_home: vec![Default::default(); ncap],
            patrol_crews: vec![0; ncap],
            lent: vec![0; ncap],
            required: share_of(&force.establishment, policy.retained_cover),
            standard: share_of(&force.establishment, policy.cover_standard),
        };
        for cap in data.capability_ids() {
            let c = usize::from(cap.0);
            let n = force.establishment[c];
            let capability = data.capability(cap);
            // Each unit's state on the day: drawn with the bands' shares, or in rank order.
            let bands: Vec<Option<u8>> = if scen.uncertainty.availability {
                let key = u64::from(f.0) * ncap as u64 + u64::from(cap.0);
                let mut rng = streams::stream(scen.seed, replication, streams::Subsystem::Availability, key);
                (0..n)
                    .map(|_| {
                        let u: f64 = rng.random();
                        (u >= capability.abstracted).then(|| {
                            let within =
                                (u - capability.abstracted) / (1.0 - capability.abstracted).max(1e-9);
                            capability.band_for_draw(within) as u8
                        })
                    })
                    .collect()
            } else {
                let out = ((capability.abstracted * f64::from(n)).round() as u32).min(n);
                (0..n)
                    .map(|rank| (rank < n - out).then(|| capability.band_for_rank(rank, n - out) as u8))
                    .collect()
            };
            let mut idle = Vec::with_capacity(n as usize);
            for (rank, band) in bands.into_iter().enumerate() {
                let id = UnitId(unit_id);
                unit_id += 1;
                let patrol = capability.patrol.is_some() && band == Some(0);
                roster.patrol_crews[c] += u32::from(patrol);
                let unit = Unit {
                    id,
                    capability: cap,
                    home: f,
                    ordinal: rank as u32 + 1,
                    band: band.unwrap_or(0),
                    patrol,
                };
                let mut status = UnitStatus {
                    state: UnitState::Abstracted,
                    location: f,
                    assignment: None,
                    lent: false,
                    duty_start: 0,
                    mobilised: false,
                    called: false,
                    tours: 0,
                    lodged: None,
                    draws: 0,
                };
                if let Some(b) = band {
                    let notice = capability.readiness[usize::from(b)].notice;
                    let factor = streams::spread_factor(
                        scen.seed,
                        replication,
                        streams::Subsystem::Notice,
                        u64::from(id.0),
                        0,
                        sigma,
                    );
                    status.draws = u32::from(sigma > 0.0);
                    let notice = (f64::from(notice) * factor).round() as Minutes;
                    status.state = UnitState::Available { notice };
                    idle.push((notice, id));
                }
                units.push((unit, status));
            }
            // Built in bulk from the whole list: a third the work of inserting one by one.
            roster.idle_home[c] = idle.into_iter().collect();
        }
        rosters.push((Force { id: f }, roster));
    }
    index.forces = world.spawn_batch(rosters).collect();
    index.units = world.spawn_batch(units).collect();
    index.incidents = (0..model.scenario.incidents.len())
        .map(|i| {
            world
                .spawn((
                    Incident { index: i },
                    IncidentState { caps: vec![CapabilityState::default(); ncap], ..Default::default() },
                ))
                .id()
        })
        .collect();
    let mut wakeups = Wakeups::default();
    wakeups.0.insert(model.scenario.horizon);
    for d in &model.scenario.disruptions {
        wakeups.0.insert(model.scenario.align(d.start));
        wakeups.0.insert(model.scenario.align(d.end));
    }
    world.insert_resource(Clock { now: 0, prev: 0 });
    world.insert_resource(ModelRef(Arc::clone(model)));
    world.insert_resource(index);
    world.insert_resource(Timers::default());
    world.insert_resource(wakeups);
    world.insert_resource(AwayIdle::default());
    world.insert_resource(AwayResting::default());
    world.insert_resource(Travel(TravelNetwork::new(data)));
    world.insert_resource(TriggerState::default());
    world.insert_resource(EventLog::default());
    world.insert_resource(Outbreaks::default());
    world.insert_resource(Replication::default());
    world.insert_resource(Control::default());
    world.insert_resource(ActivePairs::new(model.scenario.incidents.len(), ncap));
    world.insert_resource(IncidentPlans::new(
        model
            .scenario
            .incidents
            .iter()
            .enumerate()
            .map(|(i, plan)| Arc::new(timed(model, replication, i, plan)))
            .collect(),
    ));
    let lost_share = data.forces.iter().flat_map(|f| f.consistency.iter().map(|k| 1.0 - k)).collect();
    // One national point per capability per sample, known now: no growing and copying.
    let samples = (model.scenario.horizon / model.scenario.report_interval.max(1) + 1) as usize;
    let series_national = Vec::with_capacity(samples * ncap);
    world.insert_resource(Measures { lost_share, series_national, ..Measures::new(data.forces.len(), ncap) });
}
