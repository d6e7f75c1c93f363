//! The unit life cycle: every change of a unit's state goes through these methods, which keep
//! the rosters, the incidents' commitment lists and the timers in step with the unit.
//!
//! available → mobilising → travelling → deployed → (stand down) → returning → resting →
//! available, or, far from home, deployed → resting near the incident → available there →
//! (re-tasked, or) returning home.

use std::sync::Arc;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::measures::Measures;
use super::state::*;
use crate::model::{CapabilityId, Dataset, ForceId, IncidentPlan, Model};
use crate::results::{Event, EventKind};
use crate::time::Minutes;

/// Notice of a unit becoming idle: its normal notice at home; none away from home, where it
/// is already mobilised.
fn idle_notice(unit: &Unit, status: &UnitStatus) -> Minutes {
    if status.location == unit.home { unit.base_notice } else { 0 }
}

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
    pub travel: ResMut<'w, Travel>,
    pub trigger: ResMut<'w, TriggerState>,
    pub log: ResMut<'w, EventLog>,
    pub measures: ResMut<'w, Measures>,
    pub control: ResMut<'w, Control>,
    pub commands: Commands<'w, 's>,
}

/// A unit committed to an incident, as the gap and surplus rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Committed {
    pub id: UnitId,
    pub kind: Commitment,
    pub lent: bool,
    /// On task, lent, or due within the arrival window.
    pub due: bool,
}

/// How far a committed unit has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Commitment {
    Mobilising,
    Travelling,
    Deployed,
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

    /// [`travel_time`](Self::travel_time) from `from` to every force, indexed by force id.
    pub fn travel_row(&mut self, from: ForceId, cap: CapabilityId) -> Vec<Option<Minutes>> {
        let model = &self.model.0;
        let (local, speed) =
            (model.scenario.policy.local_travel, model.dataset.capability(cap).convoy_speed_kmh);
        let mut row = self.travel.0.minutes_row(from, speed).to_vec();
        row[usize::from(from.0)] = Some(local);
        row
    }

    fn incident_id(&self, incident: usize) -> String {
        self.plans.0[incident].id.clone()
    }

    /// Minutes to travel between two force areas for a capability; within one area it is the
    /// policy's local travel time. `None` when the graph does not connect them.
    pub fn travel_time(&mut self, from: ForceId, to: ForceId, cap: CapabilityId) -> Option<Minutes> {
        // Read the two figures without cloning the model: allocation asks this thousands of times.
        let model = &self.model.0;
        if from == to {
            return Some(model.scenario.policy.local_travel);
        }
        let speed = model.dataset.capability(cap).convoy_speed_kmh;
        self.travel.0.minutes(from, to, speed)
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
            self.roster(unit.home).idle_home[c].insert((notice, unit.id));
        } else {
            self.away.0.insert((status.location, unit.capability, unit.id));
        }
        self.put(unit.id, status);
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

    /// A unit that never left (or could not leave) goes back to the pool where it is; if it
    /// is still at home it is no longer on loan.
    fn return_to_pool(&mut self, unit: &Unit, mut status: UnitStatus) {
        if status.location == unit.home {
            self.set_lent(unit, &mut status, false);
        }
        let notice = idle_notice(unit, &status);
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

    /// Commit an available unit to an incident.
    pub fn assign(&mut self, id: UnitId, incident: usize, tier: u8, raised_at: Minutes) {
        let (unit, mut status) = self.unit(id);
        let UnitState::Available { notice } = status.state else {
            debug_assert!(false, "only available units are assigned");
            return;
        };
        let c = usize::from(unit.capability.0);
        if status.location == unit.home {
            self.roster(unit.home).idle_home[c].remove(&(notice, id));
        } else {
            self.away.0.remove(&(status.location, unit.capability, id));
        }
        let host = self.host_of(incident);
        if host != unit.home {
            if !status.lent {
                self.measures.aid_deployments += 1;
            }
            self.set_lent(&unit, &mut status, true);
        }
        let now = self.now();
        let travel = self.travel_time(status.location, host, unit.capability).unwrap_or(0);
        let rostered_for = {
            let plan = &self.plans.0[incident];
            plan.rostered_at(now).then_some(plan.start)
        };
        let departs = if let Some(start) = rostered_for {
            // Booked aid is rostered in advance: it sets off so as to arrive at the start.
            self.align(start.saturating_sub(travel)).max(now)
        } else if notice == 0 {
            now
        } else {
            self.align(now + notice)
        };
        let eta = departs + travel;
        self.wake_at(eta.saturating_sub(self.policy().arrival_window));
        status.assignment =
            Some(Assignment { incident, tier, raised_at, tour_end: departs + self.policy().tour, eta });
        {
            let mut inc = self.incident_state(incident);
            let cs = &mut inc.caps[c];
            let pos = cs.assigned.partition_point(|u| *u < id);
            cs.assigned.insert(pos, id);
            cs.units_changed();
            cs.units_by_tier[usize::from(tier - 1)] += 1;
        }
        self.active.set(incident, c, true);
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
        match self.travel_time(status.location, host, unit.capability) {
            None => {
                self.unlink(&unit, &mut status);
                if self.logging() {
                    let label = self.label(&unit);
                    self.emit(EventKind::RouteBlocked {
                        unit: label,
                        incident: self.incident_id(a.incident),
                    });
                }
                self.return_to_pool(&unit, status);
            }
            Some(travel) => {
                a.tour_end = now + self.policy().tour;
                a.eta = now + travel;
                self.wake_at(a.eta.saturating_sub(self.policy().arrival_window));
                status.assignment = Some(a);
                status.duty_start = now;
                let lookahead = a.tour_end.saturating_sub(self.policy().relief_lookahead);
                self.wake_at(lookahead);
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
        let waited = now.saturating_sub(a.raised_at);
        self.measures.arrivals[usize::from(a.tier - 1)].push(waited);
        let at_host = &mut self.measures.host_arrivals[usize::from(host.0)][usize::from(a.tier - 1)];
        at_host.0 += 1;
        at_host.1 += u64::from(waited);
        if self.logging() {
            let label = self.label(&unit);
            self.emit(EventKind::Arrived { unit: label, incident: self.incident_id(a.incident) });
        }
        // Plan the stand-down so that the journey home fits in the tour; units that will rest
        // near the incident work to the end of it.
        let home = self.travel_time(host, unit.home, unit.capability);
        let stand_down = match home {
            Some(h) if h <= self.policy().rest_away_beyond => a.tour_end.saturating_sub(h),
            _ => a.tour_end,
        };
        if stand_down <= now {
            status.state = UnitState::Deployed { until: now };
            self.put_silent(id, status);
            self.stand_down(id, "tour");
        } else {
            status.state = UnitState::Deployed { until: self.align(stand_down) };
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

    /// Leave the incident: rest near it if home is far, else go home and rest there.
    pub fn stand_down(&mut self, id: UnitId, reason: &str) {
        let (rest_away_beyond, rest, tour) = {
            let p = self.policy();
            (p.rest_away_beyond, p.rest, p.tour)
        };
        let (unit, mut status) = self.unit(id);
        let Some(a) = self.unlink(&unit, &mut status) else {
            return;
        };
        let now = self.now();
        self.emit_stood_down(&unit, a.incident, reason);
        let home = self.travel_time(status.location, unit.home, unit.capability);
        let duty_end = match home {
            Some(h) if h <= rest_away_beyond => {
                status.state = UnitState::Returning { until: self.align(now + h), then_rest: true };
                now + h
            }
            _ => {
                status.state = UnitState::Resting { until: self.align(now + rest) };
                now
            }
        };
        let duty = duty_end.saturating_sub(status.duty_start);
        if duty > tour {
            self.measures.tour_breaches += 1;
            self.measures.overrun_unit_minutes += f64::from(duty - tour);
        }
        self.put(id, status);
    }

    /// Take a committed unit off an incident whose demand no longer needs it.
    pub fn release(&mut self, id: UnitId) {
        let (unit, mut status) = self.unit(id);
        let now = self.now();
        match status.state {
            UnitState::Mobilising { .. } => {
                let Some(a) = self.unlink(&unit, &mut status) else {
                    return;
                };
                self.emit_stood_down(&unit, a.incident, "released");
                self.return_to_pool(&unit, status);
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
                status.state =
                    UnitState::Returning { until: self.align(now + back.max(1)), then_rest: false };
                self.put(id, status);
            }
            UnitState::Deployed { .. } => self.stand_down(id, "released"),
            _ => {}
        }
    }

    /// A unit's timed state has ended.
    pub fn on_timer(&mut self, id: UnitId) {
        let (max_overrun, rest) = (self.policy().max_overrun, self.policy().rest);
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
            UnitState::Resting { .. } => {
                let notice = idle_notice(&unit, &status);
                self.make_available(&unit, status, notice);
            }
            UnitState::Returning { then_rest, .. } => {
                status.location = unit.home;
                self.set_lent(&unit, &mut status, false);
                if then_rest && rest > 0 {
                    status.state = UnitState::Resting { until: self.align(now + rest) };
                    self.put(id, status);
                } else {
                    self.make_available(&unit, status, unit.base_notice);
                }
            }
            UnitState::Available { .. } => {}
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

    /// Units committed to (incident, capability) whose tour does not end within the relief
    /// look-ahead (for those, relief is being sought), with whether each is due on task within
    /// the arrival window (only those count against the gap that aid is asked for).
    pub fn committed(&self, incident: usize, cap: CapabilityId) -> Vec<Committed> {
        let mut out = Vec::new();
        self.each_committed(incident, cap, |c, _| out.push(c));
        out
    }

    /// How many units [`committed`](Self::committed) would list, and how many of them are due:
    /// the same rule without building the list. It runs for every incident every step, so the
    /// answer is kept until a listed unit changes state (see `put_silent`) or the clock reaches
    /// the first minute at which a unit becomes due or has its relief sought.
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
        self.each_committed(incident, cap, |c, a| {
            count.all += 1;
            count.due += u32::from(c.due);
            // Relief is sought from tour_end − lookahead on; an eta within the window makes due.
            let mut until = a.tour_end - policy.relief_lookahead;
            if !c.due {
                until = until.min(a.eta - policy.arrival_window);
            }
            count.valid_until = count.valid_until.min(until);
        });
        count
    }

    fn each_committed(
        &self,
        incident: usize,
        cap: CapabilityId,
        mut visit: impl FnMut(Committed, &Assignment),
    ) {
        let model = &self.model.0;
        let now = self.clock.now;
        let (lookahead, window) =
            (model.scenario.policy.relief_lookahead, model.scenario.policy.arrival_window);
        let booked = self.plans.0[incident].booked;
        let Ok(inc) = self.incidents.get(self.index.incidents[incident]) else {
            return;
        };
        for &id in &inc.caps[usize::from(cap.0)].assigned {
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
            // Aid counts as soon as it is promised: the host asked for it and it is coming;
            // so does anything booked for a planned event, timed to arrive at its start.
            let due = kind == Commitment::Deployed || s.lent || booked || a.eta <= now + window;
            if a.tour_end > now + lookahead {
                visit(Committed { id, kind, lent: s.lent, due }, &a);
            }
        }
    }
}
