//! The unit life cycle: every change of a unit's state goes through these methods, which keep
//! the rosters, the incidents' commitment lists and the timers in step with the unit.
//!
//! available → mobilising → travelling → deployed → (stand down) → returning → resting →
//! available, or, far from home, deployed → resting near the incident (lodged) → available
//! there → (re-tasked, or) returning home. A unit resting between tours can be rostered for a
//! later shift (it goes from resting to mobilising, its rest kept). After a run of tours it
//! goes home for rest days. Abstracted units (sick, on courses) never move.

use std::sync::Arc;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::measures::Measures;
use super::state::*;
use super::streams::{Subsystem, spread_factor};
use crate::model::{CapabilityId, Dataset, ForceId, IncidentPlan, Model};
use crate::results::{Event, EventKind};
use crate::time::{DAY, HOUR, Minutes};

/// Where the `assigned` units of capability `c` are: on task (with their effective strength
/// and home forces) or on the way. Takes the World's parts so that a caller holding an
/// incident's state can count its units.
pub fn on_task_of(
    units: &Query<(&'static Unit, &'static mut UnitStatus)>,
    entities: &[Entity],
    dataset: &Dataset,
    assigned: &[UnitId],
    c: usize,
) -> OnTask {
    let mut out = OnTask::default();
    for id in assigned {
        let Ok((unit, status)) = units.get(entities[id.0 as usize]) else {
            continue;
        };
        if !matches!(status.state, UnitState::Deployed { .. }) {
            out.en_route += 1;
            continue;
        }
        out.deployed += 1;
        out.effective += dataset.force(unit.home).consistency[c];
        let lent = u32::from(status.lent);
        match out.by_home.last_mut() {
            Some(share) if share.home == unit.home => {
                share.deployed += 1;
                share.lent += lent;
            }
            _ => out.by_home.push(HomeShare { home: unit.home, deployed: 1, lent }),
        }
    }
    out
}

/// All of the World a step touches. The step fetches it once (see `systems::step`); orders,
/// status and the invariant check fetch it as one-off systems between steps.
#[derive(SystemParam)]
pub struct Sim<'w, 's> {
    pub clock: Res<'w, Clock>,
    pub model: Res<'w, ModelRef>,
    pub replication: Res<'w, Replication>,
    pub index: ResMut<'w, Index>,
    pub outbreaks: ResMut<'w, Outbreaks>,
    pub plans: ResMut<'w, IncidentPlans>,
    pub active: ResMut<'w, ActivePairs>,
    pub units: Query<'w, 's, (&'static Unit, &'static mut UnitStatus)>,
    pub forces: Query<'w, 's, &'static mut ForceRoster>,
    pub incidents: Query<'w, 's, &'static mut IncidentState>,
    pub requests: Query<'w, 's, &'static mut MutualAidRequest>,
    pub timers: ResMut<'w, Timers>,
    pub wakeups: ResMut<'w, Wakeups>,
    pub away: ResMut<'w, AwayIdle>,
    pub away_resting: ResMut<'w, AwayResting>,
    pub travel: ResMut<'w, Travel>,
    pub trigger: ResMut<'w, TriggerState>,
    pub log: ResMut<'w, EventLog>,
    pub measures: ResMut<'w, Measures>,
    pub control: ResMut<'w, Control>,
    pub commands: Commands<'w, 's>,
}

/// A unit committed to an incident, as the gap, relief and surplus rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Committed {
    pub id: UnitId,
    pub kind: Commitment,
    pub lent: bool,
    /// Holds a place now: on task, due within the arrival window, or on schedule for when it
    /// is wanted.
    pub due: bool,
    /// Its relief is being sought: it stands down within the relief look-ahead.
    pub expiring: bool,
    /// A relief of a unit still committed here: it takes that unit's place, not a new one.
    pub linked: bool,
    /// The unit it was sent to relieve, if any.
    pub relieves: Option<UnitId>,
    /// When it is (expected to be) on task (minute).
    pub eta: Minutes,
    /// When its relief should be on task: its planned stand-down less the handover (minute).
    pub handover_at: Minutes,
}

/// How far a committed unit has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Commitment {
    Mobilising,
    Travelling,
    Deployed,
}

/// A tour as planned when a unit sets off (all minutes).
struct Tour {
    duty_start: Minutes,
    tour_end: Minutes,
    stand_down: Minutes,
    /// Accommodated near the host: it rests there between tours.
    lodging: bool,
}

impl Sim<'_, '_> {
    pub fn now(&self) -> Minutes {
        self.clock.now
    }

    /// The plan of incident `i` (host, times, priority, demand).
    pub fn plan(&self, i: usize) -> Arc<IncidentPlan> {
        Arc::clone(&self.plans.0[i])
    }

    /// The host force of incident `i` (read in place: no shared pointer to count).
    pub fn host_of(&self, i: usize) -> ForceId {
        self.plans.0[i].host
    }

    /// All incident plans so far, as they stand now (one shared pointer; a later change to the
    /// list copies it rather than change what a phase is reading).
    pub fn all_plans(&self) -> Arc<Vec<Arc<IncidentPlan>>> {
        Arc::clone(&self.plans.0)
    }

    pub fn model(&self) -> Arc<Model> {
        Arc::clone(&self.model.0)
    }

    /// The run's policy, read in place: a unit's state changes tens of thousands of times a
    /// run, and cloning the model pointer for each (a locked count shared by every thread of
    /// an ensemble) cost more than the rest of the change.
    pub fn policy(&self) -> &crate::model::Policy {
        &self.model.0.scenario.policy
    }

    /// Round a future minute up to the tick grid.
    pub fn align(&self, t: Minutes) -> Minutes {
        self.model.0.scenario.align(t)
    }

    /// Add an incident to the run (a seat disorder spreads to, or a tabletop inject): its entity,
    /// its place in the index and its plan, all at the next index. Returns that index.
    pub fn add_incident(&mut self, plan: IncidentPlan) -> usize {
        let index = self.plans.0.len();
        let ncap = self.model.0.dataset.capabilities.len();
        let entity = self
            .commands
            .spawn((
                Incident { index },
                IncidentState { caps: vec![CapabilityState::default(); ncap], ..Default::default() },
            ))
            .id();
        self.index.incidents.push(entity);
        self.index.entities_pending = true;
        self.active.add_incident();
        self.plans.change(|plans| plans.push(Arc::new(plan)));
        self.measures.pairs_changed = true;
        index
    }

    /// Change incident `i`'s plan (a tabletop ends it early): its demand is worked out afresh.
    pub fn replace_plan(&mut self, i: usize, plan: IncidentPlan) {
        self.plans.change(|plans| plans[i] = Arc::new(plan));
        // (`incident_state` also flags the pairs as changed: the host may have changed.)
        self.incident_state(i).demand_fixed_until = 0;
    }

    pub fn wake_at(&mut self, t: Minutes) {
        if t > self.clock.now {
            let t = self.align(t);
            self.wakeups.0.insert(t);
        }
    }

    pub fn emit(&mut self, kind: EventKind) {
        if self.log.keep {
            let t = self.clock.now;
            self.log.events.push(Event { t, kind });
        }
    }

    /// Whether events are kept: callers skip building the strings of frequent events when not.
    pub fn logging(&self) -> bool {
        self.log.keep
    }

    pub fn unit(&self, id: UnitId) -> (Unit, UnitStatus) {
        let (u, s) = self.units.get(self.index.units[id.0 as usize]).expect("unit index is complete");
        (*u, s.clone())
    }

    /// Store a unit's status and arm its timer.
    pub fn put(&mut self, id: UnitId, status: UnitStatus) {
        if let Some(t) = status.state.until() {
            self.timers.push(t, id);
        }
        self.put_silent(id, status);
    }

    /// The unit's name in events, "FORCE:capability:ordinal".
    pub fn label(&self, unit: &Unit) -> String {
        // Built at its exact length: `format!` grows the string piece by piece, and a run
        // names a unit at every movement (a sixth of a single run's engine instructions went there).
        let m = &self.model.0.dataset;
        let (code, cap) = (&m.force(unit.home).code, &m.capability(unit.capability).id);
        let mut digits = itoa::Buffer::new();
        let ordinal = digits.format(unit.ordinal);
        let mut s = String::with_capacity(code.len() + cap.len() + ordinal.len() + 2);
        for part in [code.as_str(), ":", cap.as_str(), ":", ordinal] {
            s.push_str(part);
        }
        s
    }

    /// Minutes from a force's HQ to an incident in its own area for a capability: from the
    /// force's area when the policy says so and the area is known (the mean distance from the
    /// centre of a disc of that area, ⅔ of its radius, × 1.25 road circuity, at convoy speed),
    /// else the policy's fixed local travel.
    pub fn local_minutes(&self, force: ForceId, cap: CapabilityId) -> Minutes {
        local_minutes(&self.model.0, force, cap)
    }

    /// [`travel_time`](Self::travel_time) from `from` to every force, indexed by force id.
    pub fn travel_row(&mut self, from: ForceId, cap: CapabilityId) -> Vec<Option<Minutes>> {
        let speed = self.model.0.dataset.capability(cap).convoy_speed_kmh;
        let local = self.local_minutes(from, cap);
        let mut row = self.travel.0.minutes_row(from, speed).to_vec();
        row[usize::from(from.0)] = Some(local);
        row
    }

    fn incident_id(&self, incident: usize) -> String {
        self.plans.0[incident].id.clone()
    }

    /// Minutes to travel between two force areas for a capability; within one area it is the
    /// local travel time. `None` when the graph does not connect them.
    pub fn travel_time(&mut self, from: ForceId, to: ForceId, cap: CapabilityId) -> Option<Minutes> {
        if from == to {
            return Some(self.local_minutes(from, cap));
        }
        // Read the figure without cloning the model: allocation asks this thousands of times.
        let speed = self.model.0.dataset.capability(cap).convoy_speed_kmh;
        self.travel.0.minutes(from, to, speed)
    }

    /// Whether `unit` would go to incident `incident` from patrol: on patrol in its own force,
    /// not mobilised, at home, and the incident in its force area.
    fn sent_from_patrol(&self, unit: &Unit, status: &UnitStatus, incident: usize) -> bool {
        let plan = &self.plans.0[incident];
        // Booked aid is rostered and sets off from base, not from patrol.
        unit.patrol
            && !status.mobilised
            && status.location == unit.home
            && plan.host == unit.home
            && !plan.booked
    }

    /// Minutes for the next patrol crew of `force` to reach incident `incident`: the crews
    /// already sent there from patrol are the nearest ones, so this is the next nearest.
    fn patrol_minutes(&self, me: UnitId, force: ForceId, cap: CapabilityId, incident: usize) -> Minutes {
        let model = &self.model.0;
        let (c, data) = (usize::from(cap.0), &model.dataset);
        let Some(patrol) = data.capability(cap).patrol else { return self.local_minutes(force, cap) };
        let Some(area) = data.force(force).area_km2 else { return self.local_minutes(force, cap) };
        let crews = self.forces.get(self.index.forces[usize::from(force.0)]).map_or(1, |r| r.patrol_crews[c]);
        let sent = self.incidents.get(self.index.incidents[incident]).map_or(0, |inc| {
            inc.caps[c]
                .assigned
                .iter()
                .filter(|&&id| id != me)
                .filter(|id| {
                    self.units
                        .get(self.index.units[id.0 as usize])
                        .is_ok_and(|(u, s)| u.home == force && s.assignment.is_some_and(|a| a.patrol))
                })
                .count() as u32
        });
        patrol.minutes(sent + 1, crews, area)
    }

    /// The journey of `unit` from where it is to incident `incident`, departing at `depart`
    /// (minutes, the base route times the unit's drawn factor and the congestion of the hour
    /// it sets off), and whether it goes from patrol. `None` when no open route reaches it.
    fn journey(
        &mut self,
        unit: &Unit,
        status: &UnitStatus,
        incident: usize,
        factor: f64,
        depart: Minutes,
    ) -> Option<(Minutes, bool)> {
        let host = self.host_of(incident);
        let patrol = self.sent_from_patrol(unit, status, incident);
        let base = if patrol {
            self.patrol_minutes(unit.id, unit.home, unit.capability, incident)
        } else {
            self.travel_time(status.location, host, unit.capability)?
        };
        let hour = ((depart % DAY) / HOUR) as usize;
        let congestion = self.model.0.scenario.uncertainty.congestion[hour];
        let minutes = (f64::from(base) * factor * congestion).ceil() as Minutes;
        Some((if base > 0 { minutes.max(1) } else { 0 }, patrol))
    }

    /// A fresh draw for `unit`'s stream of `subsystem` (its `draws`-th), with spread `sigma`.
    fn draw(&self, unit: &Unit, status: &mut UnitStatus, subsystem: Subsystem, sigma: f64) -> f64 {
        if sigma <= 0.0 {
            return 1.0;
        }
        let n = status.draws;
        status.draws += 1;
        let seed = self.model.0.scenario.seed;
        spread_factor(seed, self.replication.0, subsystem, u64::from(unit.id.0), n, sigma)
    }

    /// The notice a unit has as it becomes idle: none away from home (it is at the lodging,
    /// mobilised); at home, the capability's mobilised notice once it has worked a tour of the
    /// operation, its band's notice before; times a drawn factor.
    fn idle_notice(&self, unit: &Unit, status: &mut UnitStatus) -> Minutes {
        if status.location != unit.home {
            return 0;
        }
        let cap = self.model.0.dataset.capability(unit.capability);
        let notice = if status.mobilised {
            cap.mobilised_notice
        } else {
            cap.readiness.get(usize::from(unit.band)).map_or(0, |b| b.notice)
        };
        let sigma = self.model.0.scenario.uncertainty.notice_spread;
        (f64::from(notice) * self.draw(unit, status, Subsystem::Notice, sigma)).round() as Minutes
    }

    fn incident_state(&mut self, incident: usize) -> Mut<'_, IncidentState> {
        // Every change to a pair's units goes through here: the next snapshot must look again.
        self.measures.pairs_changed = true;
        self.incidents.get_mut(self.index.incidents[incident]).expect("incident index is complete")
    }

    fn roster(&mut self, force: ForceId) -> Mut<'_, ForceRoster> {
        self.measures.roster_changed[usize::from(force.0)] = true;
        self.forces.get_mut(self.index.forces[usize::from(force.0)]).expect("force index is complete")
    }

    /// Put an idle unit on the right roster: at home, or away where it rested.
    fn make_available(&mut self, unit: &Unit, mut status: UnitStatus, notice: Minutes) {
        status.state = UnitState::Available { notice };
        status.assignment = None;
        if status.location == unit.home {
            let c = usize::from(unit.capability.0);
            status.lodged = None;
            self.roster(unit.home).idle_home[c].insert((notice, unit.id));
        } else {
            self.away.0.insert((status.location, unit.capability, unit.id));
        }
        self.put(unit.id, status);
    }

    /// A unit that has rested (or came home to rest no more) becomes idle with its notice.
    fn becomes_idle(&mut self, unit: &Unit, mut status: UnitStatus) {
        let notice = self.idle_notice(unit, &mut status);
        self.make_available(unit, status, notice);
    }

    /// Rest for `minutes` where the unit is; an ordinary rest between tours is listed, so the
    /// unit can be rostered for a later shift (rest days are not).
    fn rest(&mut self, unit: &Unit, mut status: UnitStatus, minutes: Minutes) {
        let until = self.align(self.now() + minutes);
        status.state = UnitState::Resting { until };
        if minutes == self.policy().rest {
            if status.location == unit.home {
                let c = usize::from(unit.capability.0);
                self.roster(unit.home).resting_home[c].insert((until, unit.id));
            } else {
                self.away_resting.0.insert((status.location, unit.capability, until, unit.id));
            }
        }
        self.put(unit.id, status);
    }

    /// Take a resting unit off the list of units that can be rostered for a later shift.
    fn unlist_resting(&mut self, unit: &Unit, status: &UnitStatus, until: Minutes) {
        if status.location == unit.home {
            let c = usize::from(unit.capability.0);
            if self
                .forces
                .get(self.index.forces[usize::from(unit.home.0)])
                .is_ok_and(|r| r.resting_home[c].contains(&(until, unit.id)))
            {
                self.roster(unit.home).resting_home[c].remove(&(until, unit.id));
            }
        } else {
            self.away_resting.0.remove(&(status.location, unit.capability, until, unit.id));
        }
    }

    fn set_lent(&mut self, unit: &Unit, status: &mut UnitStatus, lent: bool) {
        if status.lent != lent {
            status.lent = lent;
            let c = usize::from(unit.capability.0);
            let mut r = self.roster(unit.home);
            if lent {
                r.lent[c] += 1;
            } else {
                r.lent[c] -= 1;
            }
        }
    }

    /// A unit that never left (or could not leave) goes back to the pool where it is, ready in
    /// `notice` minutes; if it is still at home it is no longer on loan.
    fn return_to_pool(&mut self, unit: &Unit, mut status: UnitStatus, notice: Minutes) {
        if status.location == unit.home {
            self.set_lent(unit, &mut status, false);
        }
        let notice = if status.location == unit.home { notice } else { 0 };
        self.make_available(unit, status, notice);
    }

    fn emit_stood_down(&mut self, unit: &Unit, incident: usize, reason: &str) {
        if !self.logging() {
            return;
        }
        let label = self.label(unit);
        self.emit(EventKind::StoodDown {
            unit: label,
            incident: self.incident_id(incident),
            reason: reason.into(),
        });
    }

    /// How long a unit (not yet departed) would take from call to departure for incident `i`,
    /// as a candidate: rostered for a booked event, none; from patrol, none (the dispatch is
    /// the decision); resting, the rest left plus the mobilised notice; else its notice.
    pub fn call_minutes(&self, unit: &Unit, status: &UnitStatus, incident: usize) -> Minutes {
        let rostered = self.plans.0[incident].booked || self.sent_from_patrol(unit, status, incident);
        match status.state {
            UnitState::Available { .. } if rostered => 0,
            UnitState::Available { notice } => notice,
            // A unit resting between tours keeps its rest whatever the call.
            UnitState::Resting { until } => {
                let cap = self.model.0.dataset.capability(unit.capability);
                let notice = if status.location == unit.home && !rostered { cap.mobilised_notice } else { 0 };
                until.saturating_sub(self.now()) + notice
            }
            _ => Minutes::MAX / 4,
        }
    }

    /// When a unit called now, `call` minutes from setting off, should set off to be on task
    /// at `need_at`, and its journey then (minutes): as late as it can, as soon as it can. The
    /// journey is planned at the hour it will set off (congestion varies by hour).
    fn plan_departure(
        &mut self,
        unit: &Unit,
        status: &UnitStatus,
        incident: usize,
        factor: f64,
        call: Minutes,
        need_at: Minutes,
    ) -> Option<(Minutes, Minutes, bool)> {
        let now = self.now();
        let earliest = self.align(now + call);
        let (first, _) = self.journey(unit, status, incident, factor, earliest)?;
        let guess = earliest.max(self.align(need_at.saturating_sub(first)));
        let (travel, patrol) = self.journey(unit, status, incident, factor, guess)?;
        let departs = earliest.max(self.align(need_at.saturating_sub(travel)));
        Some((departs, travel, patrol))
    }

    /// When `unit` would be on task at incident `incident` if committed now to be there at
    /// `need_at` (minute; `None` when no route reaches it). No draw is made: the estimate a
    /// tier plans with.
    pub fn candidate_eta(
        &mut self,
        unit: &Unit,
        status: &UnitStatus,
        incident: usize,
        need_at: Minutes,
    ) -> Option<Minutes> {
        let call = self.call_minutes(unit, status, incident);
        let (departs, travel, _) = self.plan_departure(unit, status, incident, 1.0, call, need_at)?;
        Some(departs + travel)
    }

    /// The tour of a unit of `unit.home` that sets off from `from` at `departs` for an
    /// incident at `host` and is on task at `eta`, with its first tour cut by `cut`.
    fn plan_tour(
        &mut self,
        unit: &Unit,
        from: ForceId,
        host: ForceId,
        departs: Minutes,
        eta: Minutes,
        cut: Minutes,
    ) -> Tour {
        let (tour, beyond) = (self.policy().tour, self.policy().rest_away_beyond);
        let home = self.travel_time(host, unit.home, unit.capability);
        let lodging = host != unit.home && home.is_none_or(|h| h > beyond);
        let length = tour.saturating_sub(cut).max(1);
        if lodging {
            // The tour counts from leaving the lodging; the journey from home is travel duty.
            let local = self.local_minutes(host, unit.capability);
            let duty_start = if from == host { departs } else { eta.saturating_sub(local).max(departs) };
            let tour_end = duty_start + length;
            Tour { duty_start, tour_end, stand_down: tour_end, lodging }
        } else {
            // Home is near: the tour counts from leaving home and includes the way back.
            let back = home.unwrap_or(0);
            let tour_end = departs + length;
            Tour {
                duty_start: departs,
                tour_end,
                stand_down: tour_end.saturating_sub(back).max(eta),
                lodging,
            }
        }
    }

    /// Commit a unit (idle, or resting between tours) to fill `slot` of an incident.
    pub fn assign(&mut self, id: UnitId, incident: usize, tier: u8, raised_at: Minutes, slot: Slot) {
        let (unit, mut status) = self.unit(id);
        let c = usize::from(unit.capability.0);
        let now = self.now();
        let call = self.call_minutes(&unit, &status, incident);
        match status.state {
            UnitState::Available { notice } => {
                if status.location == unit.home {
                    self.roster(unit.home).idle_home[c].remove(&(notice, id));
                } else {
                    self.away.0.remove(&(status.location, unit.capability, id));
                }
            }
            UnitState::Resting { until } => self.unlist_resting(&unit, &status, until),
            _ => {
                debug_assert!(false, "only idle or resting units are assigned");
                return;
            }
        }
        let plan = Arc::clone(&self.plans.0[incident]);
        let host = plan.host;
        if host != unit.home {
            if !status.lent {
                self.measures.aid_deployments += 1;
            }
            self.set_lent(&unit, &mut status, true);
        }
        // A unit called from a rest day or leave cancels it (booked aid moves them with notice).
        let model = self.model();
        let cap = model.dataset.capability(unit.capability);
        let band = cap.readiness.get(usize::from(unit.band)).map(|b| b.state);
        if !status.called && !status.mobilised && !plan.booked && band.is_some_and(|b| b.cancels_time_off()) {
            self.measures.time_off_cancelled += u64::from(cap.officers_per_unit);
        }
        status.called = true;
        let sigma = model.scenario.uncertainty.travel_spread;
        let travel_factor = self.draw(&unit, &mut status, Subsystem::Travel, sigma);
        let (departs, travel, patrol) = self
            .plan_departure(&unit, &status, incident, travel_factor, call, slot.need_at)
            .unwrap_or((self.align(now + call), 0, false));
        let eta = departs + travel;
        let cut = {
            let mut inc = self.incident_state(incident);
            let cs = &mut inc.caps[c];
            let pos = cs.assigned.partition_point(|u| *u < id);
            cs.assigned.insert(pos, id);
            cs.units_changed();
            cs.units_by_tier[usize::from(tier - 1)] += 1;
            if host != unit.home
                && let Err(at) = cs.donors.binary_search(&unit.home)
            {
                cs.donors.insert(at, unit.home);
            }
            if slot.relieves.is_none() {
                // Staggered first tours: a quarter of the stagger more for each unit in turn.
                let turn = cs.first_tours % 4;
                cs.first_tours += 1;
                turn * model.scenario.policy.stagger / 4
            } else {
                0
            }
        };
        let tour = self.plan_tour(&unit, status.location, host, departs, eta, cut);
        self.active.set(incident, c, true);
        self.wake_at(eta.saturating_sub(self.policy().arrival_window));
        status.assignment = Some(Assignment {
            incident,
            tier,
            raised_at,
            need_at: slot.need_at.max(now),
            relieves: slot.relieves,
            tour_end: tour.tour_end,
            eta,
            stand_down: tour.stand_down,
            patrol,
            planned: slot.relieves.is_some() || slot.need_at > now,
            travel_factor,
            cut,
        });
        if self.logging() {
            let label = self.label(&unit);
            self.emit(EventKind::Allocated {
                unit: label,
                incident: self.incident_id(incident),
                tier,
                departs_at: departs,
            });
        }
        if departs == now {
            self.put(id, status);
            self.depart(id);
        } else {
            status.state = UnitState::Mobilising { until: departs };
            self.put(id, status);
        }
    }

    fn unlink(&mut self, unit: &Unit, status: &mut UnitStatus) -> Option<Assignment> {
        let a = status.assignment.take()?;
        let mut inc = self.incident_state(a.incident);
        let cs = &mut inc.caps[usize::from(unit.capability.0)];
        cs.units_changed();
        if let Ok(pos) = cs.assigned.binary_search(&unit.id) {
            cs.assigned.remove(pos);
        }
        Some(a)
    }

    /// Mobilisation done: set off for the incident.
    pub fn depart(&mut self, id: UnitId) {
        let (unit, mut status) = self.unit(id);
        let Some(mut a) = status.assignment else {
            return;
        };
        let host = self.host_of(a.incident);
        let now = self.now();
        // A patrol crew's run was planned when it was sent (it is the nearest crew then).
        let journey = if a.patrol {
            Some((a.eta.saturating_sub(now), true))
        } else {
            self.journey(&unit, &status, a.incident, a.travel_factor, now)
        };
        match journey {
            None => {
                self.unlink(&unit, &mut status);
                if self.logging() {
                    let label = self.label(&unit);
                    self.emit(EventKind::RouteBlocked {
                        unit: label,
                        incident: self.incident_id(a.incident),
                    });
                }
                let notice = self.idle_notice(&unit, &mut status);
                self.return_to_pool(&unit, status, notice);
            }
            Some((travel, patrol)) => {
                a.eta = now + travel;
                a.patrol = patrol;
                let tour = self.plan_tour(&unit, status.location, host, now, a.eta, a.cut);
                if tour.lodging && status.location != host {
                    self.measures.lodging_travel_um += f64::from(travel);
                }
                a.tour_end = tour.tour_end;
                a.stand_down = tour.stand_down;
                status.assignment = Some(a);
                status.duty_start = tour.duty_start;
                let policy = self.policy();
                let seek = a.stand_down.saturating_sub(policy.handover + policy.relief_lookahead);
                let due = a.eta.saturating_sub(policy.arrival_window);
                self.wake_at(seek);
                self.wake_at(due);
                if travel == 0 {
                    self.put(id, status);
                    self.arrive(id);
                } else {
                    status.state = UnitState::Travelling { until: self.align(now + travel), departed: now };
                    self.put(id, status);
                }
            }
        }
    }

    /// Reached the incident: on task until the planned stand-down.
    pub fn arrive(&mut self, id: UnitId) {
        let (unit, mut status) = self.unit(id);
        let Some(mut a) = status.assignment else {
            return;
        };
        let host = self.host_of(a.incident);
        let now = self.now();
        status.location = host;
        a.eta = now;
        status.assignment = Some(a);
        if a.planned {
            // A relief or booked aid is measured against when it was wanted, not a request.
            self.measures.planned_arrivals += 1;
            if now > a.need_at {
                self.measures.planned_late += 1;
                self.measures.planned_late_minutes += u64::from(now - a.need_at);
            }
        } else {
            let waited = now.saturating_sub(a.raised_at);
            self.measures.arrivals[usize::from(a.tier - 1)].push(waited);
            let at_host = &mut self.measures.host_arrivals[usize::from(host.0)][usize::from(a.tier - 1)];
            at_host.0 += 1;
            at_host.1 += u64::from(waited);
        }
        if self.logging() {
            let label = self.label(&unit);
            self.emit(EventKind::Arrived { unit: label, incident: self.incident_id(a.incident) });
        }
        if a.stand_down <= now {
            status.state = UnitState::Deployed { until: now };
            self.put_silent(id, status);
            self.stand_down(id, "tour");
        } else {
            status.state = UnitState::Deployed { until: self.align(a.stand_down) };
            self.put(id, status);
        }
    }

    /// Store a status without arming a timer (the caller changes state again at once).
    fn put_silent(&mut self, id: UnitId, status: UnitStatus) {
        let (unit, mut s) =
            self.units.get_mut(self.index.units[id.0 as usize]).expect("unit index is complete");
        let touched = [s.assignment.map(|a| a.incident), status.assignment.map(|a| a.incident)];
        let cap = usize::from(unit.capability.0);
        *s = status;
        // A unit that changes state changes its incidents' kept counts.
        for incident in touched.into_iter().flatten() {
            self.incident_state(incident).caps[cap].units_changed();
        }
    }

    /// Leave the incident after a tour (or released from task): rest near it if home is far,
    /// else go home and rest there; after a run of tours, go home for rest days.
    pub fn stand_down(&mut self, id: UnitId, reason: &str) {
        let (rest_away_beyond, rest, tour, max_tours, rest_days) = {
            let p = self.policy();
            (p.rest_away_beyond, p.rest, p.tour, p.max_consecutive_tours, p.rest_days)
        };
        let (unit, mut status) = self.unit(id);
        let Some(a) = self.unlink(&unit, &mut status) else {
            return;
        };
        let now = self.now();
        self.emit_stood_down(&unit, a.incident, reason);
        status.mobilised = true;
        status.tours += 1;
        let home = self.travel_time(status.location, unit.home, unit.capability);
        let near = status.location == unit.home || home.is_some_and(|h| h <= rest_away_beyond);
        let rest_days_due = status.tours >= max_tours;
        let duty_end = if near { now + home.unwrap_or(0) } else { now };
        let duty = duty_end.saturating_sub(status.duty_start);
        if duty > tour {
            self.measures.tour_breaches += 1;
            self.measures.overrun_unit_minutes += f64::from(duty - tour);
        }
        if rest_days_due {
            status.tours = 0;
            status.lodged = None;
        }
        let then_rest = if rest_days_due { rest_days } else { rest };
        match home {
            Some(h) if near || rest_days_due => {
                if !near {
                    self.measures.lodging_travel_um += f64::from(h);
                }
                if h == 0 {
                    status.location = unit.home;
                    self.set_lent(&unit, &mut status, false);
                    self.rest(&unit, status, then_rest);
                } else {
                    status.state = UnitState::Returning { until: self.align(now + h), then_rest };
                    self.put(id, status);
                }
            }
            _ => {
                // Far from home (or cut off from it): accommodated near the incident.
                status.lodged = Some(a.incident);
                self.rest(&unit, status, rest);
            }
        }
    }

    /// Take a committed unit off an incident whose demand no longer needs it.
    pub fn release(&mut self, id: UnitId) {
        let (unit, mut status) = self.unit(id);
        let now = self.now();
        match status.state {
            UnitState::Mobilising { until } => {
                let Some(a) = self.unlink(&unit, &mut status) else {
                    return;
                };
                self.emit_stood_down(&unit, a.incident, "released");
                // Its officers are already on their way in: the notice does not start again.
                self.return_to_pool(&unit, status, until.saturating_sub(now));
            }
            UnitState::Travelling { departed, .. } => {
                let Some(a) = self.unlink(&unit, &mut status) else {
                    return;
                };
                let back = if status.location == unit.home {
                    now.saturating_sub(departed)
                } else {
                    let host = self.host_of(a.incident);
                    self.travel_time(host, unit.home, unit.capability).unwrap_or(0)
                };
                self.emit_stood_down(&unit, a.incident, "released");
                status.state = UnitState::Returning { until: self.align(now + back.max(1)), then_rest: 0 };
                self.put(id, status);
            }
            UnitState::Deployed { .. } => self.stand_down(id, "released"),
            _ => {}
        }
    }

    /// A unit's timed state has ended.
    pub fn on_timer(&mut self, id: UnitId) {
        let max_overrun = self.policy().max_overrun;
        let (unit, mut status) = self.unit(id);
        let now = self.now();
        match status.state {
            UnitState::Mobilising { .. } => self.depart(id),
            UnitState::Travelling { .. } => self.arrive(id),
            UnitState::Deployed { .. } => {
                let Some(a) = status.assignment else { return };
                if max_overrun > 0 && now < a.tour_end + max_overrun && self.relief_missing(a.incident, &unit)
                {
                    let until = self.align((now + 60).min(a.tour_end + max_overrun));
                    status.state = UnitState::Deployed { until };
                    self.put(id, status);
                } else {
                    self.stand_down(id, "tour");
                }
            }
            UnitState::Resting { until } => {
                self.unlist_resting(&unit, &status, until);
                self.becomes_idle(&unit, status);
            }
            UnitState::Returning { then_rest, .. } => {
                status.location = unit.home;
                status.lodged = None;
                self.set_lent(&unit, &mut status, false);
                if then_rest > 0 {
                    self.rest(&unit, status, then_rest);
                } else {
                    self.becomes_idle(&unit, status);
                }
            }
            UnitState::Available { .. } | UnitState::Abstracted => {}
        }
    }

    /// Would this unit's leaving leave its incident short, with no replacement on task yet?
    fn relief_missing(&mut self, incident: usize, unit: &Unit) -> bool {
        let entity = self.index.incidents[incident];
        let Ok(inc) = self.incidents.get(entity) else {
            return false;
        };
        let cs = &inc.caps[usize::from(unit.capability.0)];
        let on_task = cs
            .assigned
            .iter()
            .filter(|u| {
                self.units
                    .get(self.index.units[u.0 as usize])
                    .is_ok_and(|(_, s)| matches!(s.state, UnitState::Deployed { .. }))
            })
            .count() as u32;
        on_task.saturating_sub(1) < cs.demand
    }

    /// Every unit committed to (incident, capability), as the gap, relief and surplus rules
    /// see it (in unit id order).
    pub fn committed(&self, incident: usize, cap: CapabilityId) -> Vec<Committed> {
        let mut out = Vec::new();
        self.each_committed(incident, cap, |c| out.push(c));
        out
    }

    /// How many committed units do not yet have their relief sought, and how many hold a
    /// place now (see [`Committed`]): the counts of [`committed`](Self::committed) without
    /// building the list. It runs for every incident every step, so the answer is kept until
    /// a listed unit changes state (see `put_silent`) or the clock reaches the first minute at
    /// which a unit becomes due or has its relief sought.
    pub fn commitment_counts(&mut self, incident: usize, cap: CapabilityId) -> (u32, u32) {
        let now = self.clock.now;
        let c = usize::from(cap.0);
        if let Ok(inc) = self.incidents.get(self.index.incidents[incident])
            && let Some(kept) = inc.caps[c].kept_commitment(now)
        {
            return kept;
        }
        let count = self.count_commitments(incident, cap);
        if let Ok(mut inc) = self.incidents.get_mut(self.index.incidents[incident]) {
            inc.caps[c].commitment = Some(count);
        }
        (count.all, count.due)
    }

    /// [`OnTask`] of (incident, capability) computed afresh; the snapshot keeps it in
    /// `CapabilityState::on_task` until a listed unit changes state.
    pub fn count_on_task(&self, incident: usize, cap: CapabilityId) -> OnTask {
        let c = usize::from(cap.0);
        let Ok(inc) = self.incidents.get(self.index.incidents[incident]) else {
            return OnTask::default();
        };
        on_task_of(&self.units, &self.index.units, &self.model.0.dataset, &inc.caps[c].assigned, c)
    }

    /// [`commitment_counts`](Self::commitment_counts) computed afresh, with the minute until
    /// which it holds if no unit changes state.
    pub fn count_commitments(&self, incident: usize, cap: CapabilityId) -> CommitmentCount {
        let policy = &self.model.0.scenario.policy;
        let mut count = CommitmentCount { all: 0, due: 0, valid_until: Minutes::MAX };
        self.each_committed(incident, cap, |c| {
            if !c.expiring {
                count.all += 1;
                // Its relief is sought from then on.
                count.valid_until =
                    count.valid_until.min(c.handover_at.saturating_sub(policy.relief_lookahead));
            }
            if c.due && !c.linked {
                count.due += 1;
            }
            if !c.due {
                count.valid_until = count.valid_until.min(c.eta.saturating_sub(policy.arrival_window));
            }
        });
        count
    }

    fn each_committed(&self, incident: usize, cap: CapabilityId, mut visit: impl FnMut(Committed)) {
        let policy = &self.model.0.scenario.policy;
        let now = self.clock.now;
        let (lookahead, window, handover) = (policy.relief_lookahead, policy.arrival_window, policy.handover);
        let Ok(inc) = self.incidents.get(self.index.incidents[incident]) else {
            return;
        };
        let assigned = &inc.caps[usize::from(cap.0)].assigned;
        for &id in assigned {
            let Ok((_, s)) = self.units.get(self.index.units[id.0 as usize]) else {
                continue;
            };
            let Some(a) = s.assignment else {
                continue;
            };
            let kind = match s.state {
                UnitState::Mobilising { .. } => Commitment::Mobilising,
                UnitState::Travelling { .. } => Commitment::Travelling,
                UnitState::Deployed { .. } => Commitment::Deployed,
                _ => continue,
            };
            // A unit holds its place once on task, when due within the window, or when it is on
            // schedule for the minute it is wanted (a relief, booked aid): a promise hours away
            // does not stop a nearer unit being sought.
            let due = kind == Commitment::Deployed || a.eta <= (now + window).max(a.need_at);
            let handover_at = a.stand_down.saturating_sub(handover);
            // A relief takes its partner's place only while the partner is still here, leaving
            // before it (the same unit may come back later as a relief of its own relief).
            let linked = a.relieves.is_some_and(|r| {
                assigned.binary_search(&r).is_ok()
                    && self
                        .units
                        .get(self.index.units[r.0 as usize])
                        .is_ok_and(|(_, p)| p.assignment.is_some_and(|pa| pa.stand_down < a.stand_down))
            });
            visit(Committed {
                id,
                kind,
                lent: s.lent,
                due,
                expiring: handover_at <= now + lookahead,
                linked,
                relieves: a.relieves,
                eta: a.eta,
                handover_at,
            });
        }
    }

    /// Units of `force`'s capability `cap` that could be committed to incident `incident` for
    /// shifts wanted up to `latest`: idle at home (readiest first, at most `limit`), and those
    /// resting at home between tours whose rest ends within the relief look-ahead of it (one a
    /// little late may still beat a fresh unit on long notice). Each with the soonest it could
    /// be on task (minute) and whether it is already mobilised, soonest first.
    pub fn own_candidates(
        &mut self,
        force: ForceId,
        cap: CapabilityId,
        incident: usize,
        latest: Minutes,
        limit: usize,
    ) -> Vec<(Minutes, bool, UnitId)> {
        let c = usize::from(cap.0);
        let Ok(r) = self.forces.get(self.index.forces[usize::from(force.0)]) else { return Vec::new() };
        let now = self.now();
        let rested_by = latest.max(now) + self.policy().relief_lookahead;
        let ids: Vec<UnitId> = r.idle_home[c]
            .iter()
            .take(limit)
            .map(|&(_, id)| id)
            .chain(r.resting_home[c].iter().take_while(|&&(until, _)| until <= rested_by).map(|&(_, id)| id))
            .collect();
        let mut out: Vec<(Minutes, bool, UnitId)> = Vec::with_capacity(ids.len());
        for id in ids {
            let (unit, status) = self.unit(id);
            if let Some(eta) = self.candidate_eta(&unit, &status, incident, now) {
                out.push((eta, status.mobilised, id));
            }
        }
        out.sort_unstable_by_key(|&(eta, _, id)| (eta, id));
        out
    }
}

/// See [`Sim::local_minutes`].
pub fn local_minutes(model: &Model, force: ForceId, cap: CapabilityId) -> Minutes {
    let policy = &model.scenario.policy;
    match (policy.local_travel_from_area, model.dataset.force(force).area_km2) {
        (true, Some(area)) => {
            let speed = model.dataset.capability(cap).convoy_speed_kmh;
            let km = 2.0 / 3.0 * libm::sqrt(area / std::f64::consts::PI) * 1.25;
            ((km / speed * 60.0).ceil() as Minutes).max(1)
        }
        _ => policy.local_travel,
    }
}
