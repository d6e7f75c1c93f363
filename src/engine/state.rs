//! Components and resources of the simulation World.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bevy_ecs::prelude::*;

use super::travel::TravelNetwork;
use crate::model::{CapabilityId, ForceId, IncidentDynamics, IncidentPlan, Model};
use crate::results::Event;
use crate::time::Minutes;

/// Domain id of a unit: its index in (home force code, capability, ordinal) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitId(pub u32);

/// A deployable asset of one capability from one force; never changes.
#[derive(Component, Debug, Clone, Copy)]
pub struct Unit {
    pub id: UnitId,
    pub capability: CapabilityId,
    pub home: ForceId,
    /// 1-based ordinal within its force and capability (for labels).
    pub ordinal: u32,
    /// Readiness band (index into the capability's bands) of its officers on the day: on
    /// duty, between shifts, on rest days, on leave. Drawn at the start of the run, or by rank.
    pub band: u8,
    /// On patrol in its own force area (a patrolling capability's first band).
    pub patrol: bool,
}

/// Where a unit is in its life cycle. Exactly one at any moment, by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum UnitState {
    /// Can be assigned; departs `notice` minutes after being asked.
    Available { notice: Minutes },
    /// Assigned, getting ready; departs at `until`.
    Mobilising { until: Minutes },
    /// On the road to the incident; arrives at `until`.
    Travelling { until: Minutes, departed: Minutes },
    /// On task at the incident until `until` (planned stand-down).
    Deployed { until: Minutes },
    /// Resting where it is until `until`.
    Resting { until: Minutes },
    /// Going home; arrives at `until`, then rests for `then_rest` minutes (none: available).
    Returning { until: Minutes, then_rest: Minutes },
    /// Unavailable for the whole run: sick, on a course, on other duties.
    Abstracted,
}

impl UnitState {
    /// When the state ends by itself, if it does.
    pub fn until(self) -> Option<Minutes> {
        match self {
            UnitState::Available { .. } | UnitState::Abstracted => None,
            UnitState::Mobilising { until }
            | UnitState::Travelling { until, .. }
            | UnitState::Deployed { until }
            | UnitState::Resting { until }
            | UnitState::Returning { until, .. } => Some(until),
        }
    }

    /// Lower-case name of the state, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            UnitState::Available { .. } => "available",
            UnitState::Mobilising { .. } => "mobilising",
            UnitState::Travelling { .. } => "travelling",
            UnitState::Deployed { .. } => "deployed",
            UnitState::Resting { .. } => "resting",
            UnitState::Returning { .. } => "returning",
            UnitState::Abstracted => "abstracted",
        }
    }
}

/// The incident a unit is committed to, and how it got there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// Index into the scenario's incidents.
    pub incident: usize,
    /// 1 local, 2 regional, 3 national.
    pub tier: u8,
    /// When the need the unit fills was raised (minute): the host's ask for one more unit, or
    /// the request at its tier if that came later.
    pub raised_at: Minutes,
    /// When the incident wants it on task (minute): at once (the minute it was committed), or
    /// a relief's handover, or a booked event's start.
    pub need_at: Minutes,
    /// The unit this one relieves, if it was sent as a relief.
    pub relieves: Option<UnitId>,
    /// When the tour ends (minute): the limit of duty it counts against.
    pub tour_end: Minutes,
    /// When the unit is (expected to be) on task (minute).
    pub eta: Minutes,
    /// When it is planned to stand down (minute): its relief is sought before then.
    pub stand_down: Minutes,
    /// Sent from patrol in its own force area.
    pub patrol: bool,
    /// Sent ahead of when it was wanted (a relief, booked aid): its arrival is measured against
    /// that minute, not against a request.
    pub planned: bool,
    /// Factor on its journey's time, drawn when it was committed (1 when nothing is drawn).
    pub travel_factor: f64,
    /// Minutes its first tour is cut by, so handovers are staggered.
    pub cut: Minutes,
}

/// A unit of demand not yet covered: when it is wanted, by when a unit must arrive to be worth
/// sending (a slower one is already on its way), and the unit it relieves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// When the unit is wanted on task (minute).
    pub need_at: Minutes,
    /// A unit arriving at or after this minute is no use (`Minutes::MAX`: any time).
    pub before: Minutes,
    /// The committed unit a relief takes over from.
    pub relieves: Option<UnitId>,
    /// The slower committed unit a faster one replaces.
    pub replaces: Option<UnitId>,
}

impl Slot {
    /// A unit wanted now, with nothing on its way.
    pub fn now(now: Minutes) -> Self {
        Self { need_at: now, before: Minutes::MAX, relieves: None, replaces: None }
    }
}

/// The changing part of a unit.
#[derive(Component, Debug, Clone)]
pub struct UnitStatus {
    pub state: UnitState,
    /// The force area the unit is in (or left from, while travelling).
    pub location: ForceId,
    /// Present exactly while mobilising, travelling or deployed.
    pub assignment: Option<Assignment>,
    /// Away on another force's behalf until it is home again.
    pub lent: bool,
    /// Minute the current period of duty began (departure, or leaving the lodging).
    pub duty_start: Minutes,
    /// Has worked a tour of this operation: its officers are on the operation's roster, and it
    /// is called at the capability's mobilised notice, not its band's.
    pub mobilised: bool,
    /// Has been called out: any rest day or leave it cancelled is already counted.
    pub called: bool,
    /// Tours worked since its last rest days (tours).
    pub tours: u32,
    /// The incident it is accommodated near (resting or idle away from home for it).
    pub lodged: Option<usize>,
    /// Draws made for it so far (each call-out and journey draws from its own stream).
    pub draws: u32,
}

/// A force. Its roster holds the units idle at home, per capability.
#[derive(Component, Debug, Clone)]
pub struct Force {
    pub id: ForceId,
}

#[derive(Component, Debug, Clone, Default)]
pub struct ForceRoster {
    /// Units available at home, per capability, ordered by (notice, id): readiest first.
    pub idle_home: Vec<BTreeSet<(Minutes, UnitId)>>,
    /// Mobilised units resting at home between tours, per capability, by (rest end, id): they
    /// can be rostered for a later shift.
    pub resting_home: Vec<BTreeSet<(Minutes, UnitId)>>,
    /// Units on patrol in the force area, per capability (crews): fixed for the run.
    pub patrol_crews: Vec<u32>,
    /// Units away on loan until they get home, per capability.
    pub lent: Vec<u32>,
    /// Units donors keep home when lending (retained cover), per capability.
    pub required: Vec<u32>,
    /// Units ordinary policing needs at home (cover standard), per capability.
    pub standard: Vec<u32>,
}

/// An incident; `index` points into the scenario's incidents (sorted by id).
#[derive(Component, Debug, Clone)]
pub struct Incident {
    pub index: usize,
}

/// Demand and commitment for one capability at one incident.
///
/// Laid out in declaration order (`repr(C)`): first the fields every phase reads for every
/// live pair at every step (96 bytes), then the totals the integration adds to, then what
/// only the snapshot reads. The compiler's own order spread a phase's look at a pair over
/// three or four cache lines. (Aligning each pair to a cache line was tried: 256 bytes a
/// pair made 27% more misses, not fewer.)
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub struct CapabilityState {
    /// Units committed (mobilising, travelling or deployed), sorted by id.
    pub assigned: Vec<UnitId>,
    /// Effective strength on task at the last snapshot (units).
    pub effective: f64,
    /// Open request entities at tier 2 and tier 3.
    pub requests: [Option<Entity>; 2],
    /// The last commitment count, valid until a listed unit changes state or the clock
    /// reaches `valid_until` (a unit becomes due or its relief is sought).
    pub commitment: Option<CommitmentCount>,
    /// When the current gap opened (minute).
    pub gap_since: Option<Minutes>,
    /// Units demanded now (for allocation; during a booked event's lead, the booked units).
    pub demand: u32,
    /// Units still wanted after this minute's allocations.
    pub gap: u32,
    /// Units on task at the last snapshot.
    pub deployed: u32,
    /// Units committed but not on task at the last snapshot.
    pub en_route: u32,
    /// Measured demand at the last snapshot (units): with the flag `Measures::pairs_changed`
    /// clear it must equal the demand now, which the invariants check.
    pub snapshot_demand: u32,
    /// In a booked planned event's lead time: units are being placed, but nothing is demanded
    /// yet, so nothing is measured.
    pub prebooking: bool,
    /// Demand and met demand integrated over the run (unit-minutes).
    pub demanded_um: f64,
    pub met_um: f64,
    /// The worst shortfall seen at a snapshot (units).
    pub peak_shortfall: f64,
    /// Minute of the first demand.
    pub first_demand_at: Option<Minutes>,
    /// Who of the committed units is on task, kept until a listed unit changes state; the
    /// snapshot reads it whenever it looks at the pair.
    pub on_task: Option<OnTask>,
    /// Minutes of the first unit on task and of the first full cover.
    pub first_cover_at: Option<Minutes>,
    pub full_cover_at: Option<Minutes>,
    /// Units committed by tier 1, 2 and 3 over the run (units).
    pub units_by_tier: [u32; 3],
    /// When each unit of demand now wanted at once was first wanted (minute, units), oldest
    /// first: a unit committed to it is measured from then.
    pub asks: Vec<(Minutes, u32)>,
    /// First minute the pair asked for mutual aid (tier 2), for escalation to national brokering.
    pub aid_since: Option<Minutes>,
    /// Units committed to it so far, not as reliefs (units): the count the stagger turns on.
    pub first_tours: u32,
    /// Forces other than the host that have sent it units (sorted force ids).
    pub donors: Vec<ForceId>,
    /// The units of demand not yet covered (`gap` of them), soonest first: tier 1 lists them
    /// every step it looks at the pair, and tiers 2 and 3 fill them from the front.
    pub open: Vec<Slot>,
}

/// Units committed to one (incident, capability), and how many cover it now; see
/// `Sim::commitment_counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitmentCount {
    /// Units committed whose relief is not yet sought.
    pub all: u32,
    /// Units holding a place now: on task or due within the arrival window (or on schedule for
    /// when they are wanted), those whose relief is sought included, reliefs of them not.
    pub due: u32,
    /// First minute at which the counts could change with no unit changing state.
    pub valid_until: Minutes,
}

/// The committed units of one (incident, capability) by where they are; see `Sim::on_task`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnTask {
    /// Units on task (units).
    pub deployed: u32,
    /// Their effective strength: the sum of their home forces' consistency factors, added in
    /// unit id order (units).
    pub effective: f64,
    /// Units committed but not yet on task (units).
    pub en_route: u32,
    /// Units on task per home force, in unit id order (so in home force order).
    pub by_home: Vec<HomeShare>,
}

/// Units of one home force on task at one (incident, capability).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomeShare {
    pub home: ForceId,
    /// Units on task (units).
    pub deployed: u32,
    /// Of those, units on loan to the host (units).
    pub lent: u32,
}

#[derive(Component, Debug, Clone, Default)]
pub struct IncidentState {
    /// Indexed by capability.
    pub caps: Vec<CapabilityState>,
    /// The threat model's state, for incidents whose demand evolves.
    pub disorder: Option<DisorderState>,
    /// Factor on the demand curves, drawn at the start for incidents with a size (1 otherwise).
    pub scale: Option<f64>,
    /// Until this minute, an incident without a threat model demands what it demands now
    /// (0: not yet known). Cleared when its plan changes.
    pub demand_fixed_until: Minutes,
}

/// A disorder seat's evolving state.
#[derive(Debug, Clone)]
pub struct DisorderState {
    /// Intensity (× the seat's size); 1 at the start.
    pub intensity: f64,
    /// Peak public-order demand at intensity 1 (PSUs), drawn at the start.
    pub peak: f64,
    /// The seat has calmed down and ended.
    pub ended: bool,
    /// Demand from the model per capability (units), added to any explicit curves.
    pub demand: Vec<u32>,
}

/// One outbreak of disorder: its first seat and every force it has reached.
#[derive(Debug, Clone, Default)]
pub struct Outbreak {
    /// Forces that have had a seat of this outbreak (a force is seated at most once).
    pub forces: std::collections::BTreeSet<ForceId>,
}

/// Which (incident, capability) pairs may not be at rest, by incident index × capability. A
/// clear flag promises the pair is at rest ([`CapabilityState::at_rest`]; the invariants check
/// it), so the phases that only act on pairs with demand, units, a gap or a request pass over
/// it without reading its state: most of the national pairs rest all run, and reading them
/// missed the cache in every phase. A flag is set where a pair can leave rest (demand set, a
/// unit assigned) and cleared by the snapshot once the pair is back at rest.
/// (One bit per pair, in whole words per incident: asking whether an incident has any
/// active pair is then one comparison, which every phase asks of every incident.)
#[derive(Resource, Debug, Clone, Default)]
pub struct ActivePairs {
    bits: Vec<u64>,
    /// Words per incident (one for up to 64 capabilities).
    words: usize,
}

impl ActivePairs {
    /// All pairs of `incidents` incidents at rest, with `ncap` capabilities each.
    pub fn new(incidents: usize, ncap: usize) -> Self {
        let words = ncap.div_ceil(64).max(1);
        Self { bits: vec![0; incidents * words], words }
    }

    /// Room for one more incident, at rest.
    pub fn add_incident(&mut self) {
        self.bits.resize(self.bits.len() + self.words, 0);
    }

    fn of(&self, i: usize) -> &[u64] {
        &self.bits[i * self.words..(i + 1) * self.words]
    }

    /// Whether any pair of incident `i` may be active.
    pub fn any(&self, i: usize) -> bool {
        self.of(i).iter().any(|&w| w != 0)
    }

    /// Whether incident `i`'s capability `c` may be active.
    pub fn get(&self, i: usize, c: usize) -> bool {
        self.bits[i * self.words + c / 64] & (1 << (c % 64)) != 0
    }

    /// The capability indices of incident `i` that may be active, in ascending order.
    pub fn caps(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.of(i).iter().enumerate().flat_map(|(w, &word)| {
            std::iter::successors(Some(word).filter(|&b| b != 0), |&b| Some(b & (b - 1)).filter(|&b| b != 0))
                .map(move |b| w * 64 + b.trailing_zeros() as usize)
        })
    }

    /// Flag incident `i`'s capability `c` as maybe active (`true`) or at rest (`false`).
    pub fn set(&mut self, i: usize, c: usize, active: bool) {
        let (word, bit) = (&mut self.bits[i * self.words + c / 64], 1 << (c % 64));
        if active {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }
}

/// Outbreaks by the index of their first seat.
#[derive(Resource, Debug, Clone, Default)]
pub struct Outbreaks(pub std::collections::BTreeMap<usize, Outbreak>);

impl CapabilityState {
    /// The kept commitment count (all, due) if it still holds at minute `now`; see
    /// `Sim::commitment_counts`.
    pub fn kept_commitment(&self, now: Minutes) -> Option<(u32, u32)> {
        self.commitment.filter(|k| now < k.valid_until).map(|k| (k.all, k.due))
    }

    /// A listed unit changed state, or the list changed: the counts kept from it are void.
    pub fn units_changed(&mut self) {
        self.commitment = None;
        self.on_task = None;
    }

    /// Nothing measured is demanded, no unit is committed and the last snapshot stood at zero:
    /// the pair adds nothing to any figure a snapshot adds up.
    pub fn adds_nothing(&self) -> bool {
        self.assigned.is_empty() && self.deployed == 0 && self.en_route == 0 && self.measured_demand() == 0
    }

    /// Nothing demanded, no unit committed, no gap, no request open and the last snapshot at
    /// zero: the state every pair starts in, and the one [`ActivePairs`] lets phases skip.
    pub fn at_rest(&self) -> bool {
        self.demand == 0
            && self.assigned.is_empty()
            && self.gap == 0
            && self.gap_since.is_none()
            && self.requests.iter().all(Option::is_none)
            && self.deployed == 0
            && self.en_route == 0
            && self.snapshot_demand == 0
    }

    /// Demand that counts in the measures (units): none while aid is still being pre-booked.
    pub fn measured_demand(&self) -> u32 {
        if self.prebooking { 0 } else { self.demand }
    }
}

/// Whether an incident has (or had) demand for capability `c`: an explicit curve, or demand
/// from its threat model. Only these appear in its series and summary.
pub fn is_demanded(plan: &IncidentPlan, cs: &CapabilityState, c: usize) -> bool {
    cs.first_demand_at.is_some() || plan.demand.iter().any(|d| usize::from(d.capability.0) == c)
}

/// A host's request for units beyond its own, at tier 2 (region) or 3 (nation).
#[derive(Component, Debug, Clone)]
pub struct MutualAidRequest {
    pub incident: usize,
    pub capability: CapabilityId,
    pub tier: u8,
    /// Minute raised by the host.
    pub raised_at: Minutes,
    /// Minute the tier acts on it (after comms outages and the tier's latency).
    pub acts_at: Minutes,
    /// Units still wanted.
    pub outstanding: u32,
    /// Number in the order requests were raised (1, 2, ...): how players name it ("R3").
    pub number: u32,
    /// Whether the tier may act on it: the policy's call, or the players'.
    pub decision: RequestDecision,
}

/// Who lets a tier act on a mutual-aid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDecision {
    /// The automatic policy: the tier acts once the request gets through.
    Policy,
    /// Players decide requests, and have not yet.
    Awaiting,
    /// Players approved it: the tier fills it as the policy would.
    Approved,
    /// Players refused it: the tier does not act on it while it stays open.
    Refused,
}

impl RequestDecision {
    /// Whether the tier may fill the request.
    pub fn lets_tier_act(self) -> bool {
        matches!(self, RequestDecision::Policy | RequestDecision::Approved)
    }

    /// Lower-case name, as the tabletop shows it.
    pub fn name(self) -> &'static str {
        match self {
            RequestDecision::Policy => "policy",
            RequestDecision::Awaiting => crate::results::AWAITING_DECISION,
            RequestDecision::Approved => "approved",
            RequestDecision::Refused => "refused",
        }
    }
}

/// What players have taken over from the automatic policy (a tabletop session); the default
/// leaves everything to the policy.
#[derive(Resource, Debug, Clone, Default)]
pub struct Control {
    /// New tier-2/3 requests wait for a player's decision.
    pub players_decide: bool,
    /// Forces whose units are held back from tiers 2 and 3: (force, one capability or all).
    pub held: BTreeSet<(ForceId, Option<CapabilityId>)>,
    /// Requests raised so far (the last request's number).
    pub requests_raised: u32,
    /// Requests (by number) the policy decides even while players decide the rest: a
    /// debrief's counterfactual of a player's approval, as if the policy had had it from the
    /// moment it was raised.
    pub policy_decides: BTreeSet<u32>,
    /// By incident index: after this step's tier 1, a capability of it had a gap or an open
    /// request. Gaps only shrink and requests open only for gaps later in the step, so the
    /// request upkeep of tiers 2 and 3 need look at no other incident.
    pub awaiting_aid: Vec<bool>,
}

impl Control {
    /// Whether `force`'s units of `cap` are held back from mutual aid.
    pub fn holds(&self, force: ForceId, cap: CapabilityId) -> bool {
        self.held.contains(&(force, None)) || self.held.contains(&(force, Some(cap)))
    }
}

/// Now and the previous step's time (minutes).
#[derive(Resource, Debug, Clone, Copy)]
pub struct Clock {
    pub now: Minutes,
    pub prev: Minutes,
}

#[derive(Resource, Clone)]
pub struct ModelRef(pub Arc<Model>);

/// Which replication of the scenario's seed this World runs (0 for a single run).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct Replication(pub u64);

/// Entities by domain index.
#[derive(Resource, Default)]
pub struct Index {
    pub units: Vec<Entity>,
    pub incidents: Vec<Entity>,
    pub forces: Vec<Entity>,
    /// An entity was spawned or despawned through commands not yet applied: the step applies
    /// them before its next stage, whose phases expect them done. Every spawn and despawn
    /// sets it.
    pub entities_pending: bool,
}

/// Units whose state ends at a known minute; stale entries are skipped when due. Timers come
/// due in (minute, unit id) order, exactly as from a min-heap of all of them, but are kept as
/// one list per minute: popping a heap of thousands of timers cost a cache miss per level.
#[derive(Resource, Default)]
pub struct Timers {
    by_minute: BTreeMap<Minutes, Vec<UnitId>>,
    /// The minute now firing and its units not yet popped, in descending id order.
    firing: Option<(Minutes, Vec<UnitId>)>,
}

impl Timers {
    /// Unit `id`'s state ends at minute `t` (minutes; never before a timer already popped).
    pub fn push(&mut self, t: Minutes, id: UnitId) {
        self.by_minute.entry(t).or_default().push(id);
    }

    /// The first minute at which a timer is due, if any.
    pub fn next(&self) -> Option<Minutes> {
        let firing = self.firing.as_ref().filter(|(_, ids)| !ids.is_empty()).map(|&(t, _)| t);
        let listed = self.by_minute.first_key_value().map(|(&t, _)| t);
        firing.into_iter().chain(listed).min()
    }

    /// The next timer due at or before minute `now`: (minute, unit).
    pub fn pop_due(&mut self, now: Minutes) -> Option<(Minutes, UnitId)> {
        if let Some((t, ids)) = &mut self.firing {
            // A state of no length pushed while its minute fires joins the units still to fire.
            if let Some(entry) = self.by_minute.first_entry().filter(|e| e.key() <= t) {
                for id in entry.remove() {
                    let at = ids.partition_point(|&listed| listed > id);
                    ids.insert(at, id);
                }
            }
            if let Some(id) = ids.pop() {
                return Some((*t, id));
            }
        }
        let entry = self.by_minute.first_entry().filter(|e| *e.key() <= now)?;
        let t = *entry.key();
        let mut ids = entry.remove();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let id = ids.pop()?;
        self.firing = Some((t, ids));
        Some((t, id))
    }
}

/// Minutes at which something other than a unit timer may change (demand steps, request
/// latencies, trigger, disruptions, report samples).
#[derive(Resource, Default)]
pub struct Wakeups(pub BTreeSet<Minutes>);

/// Available units away from home (after resting near an incident): (location, capability, id).
#[derive(Resource, Default)]
pub struct AwayIdle(pub BTreeSet<(ForceId, CapabilityId, UnitId)>);

/// Units resting near an incident between tours: (location, capability, rest end, id). They
/// can be rostered for a later shift there.
#[derive(Resource, Default)]
pub struct AwayResting(pub BTreeSet<(ForceId, CapabilityId, Minutes, UnitId)>);

#[derive(Resource)]
pub struct Travel(pub TravelNetwork);

#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct TriggerState {
    pub fired_at: Option<Minutes>,
    /// Since when the shortfall condition has held.
    pub since: Option<Minutes>,
    /// Since when some region has had any outstanding shortfall (for a `lasting` trigger).
    pub any_since: Option<Minutes>,
}

/// The run's events, in order; none are kept when `keep` is false (ensembles read only totals).
#[derive(Resource)]
pub struct EventLog {
    pub events: Vec<Event>,
    pub keep: bool,
}

impl Default for EventLog {
    fn default() -> Self {
        Self { events: Vec::new(), keep: true }
    }
}

/// Every incident of the run, by index: the scenario's (sorted by id) first, then those the
/// threat models create, in the order they appear. Shared, so a phase can hold the list for a
/// step with one pointer count rather than one per plan.
#[derive(Resource, Default, Clone)]
pub struct IncidentPlans(pub Arc<Vec<Arc<IncidentPlan>>>, Arc<Vec<usize>>, Arc<Vec<usize>>);

impl IncidentPlans {
    pub fn new(plans: Vec<Arc<IncidentPlan>>) -> Self {
        let (order, disorder) = (Arc::new(by_priority(&plans)), Arc::new(with_disorder(&plans)));
        Self(Arc::new(plans), order, disorder)
    }

    /// Add or replace plans; the priority order and the list of disorder follow.
    pub fn change(&mut self, change: impl FnOnce(&mut Vec<Arc<IncidentPlan>>)) {
        change(Arc::make_mut(&mut self.0));
        self.1 = Arc::new(by_priority(&self.0));
        self.2 = Arc::new(with_disorder(&self.0));
    }

    /// Indices of the incidents whose demand follows the disorder model, ascending. Kept so
    /// that the disorder phase need not look into every plan at every step (a cache miss each).
    pub fn disorder(&self) -> Arc<Vec<usize>> {
        Arc::clone(&self.2)
    }

    /// Incident indices by priority (highest first), then index: the order allocation serves
    /// incidents in. Kept with the plans, as it changes only when they do.
    pub fn by_priority(&self) -> Arc<Vec<usize>> {
        Arc::clone(&self.1)
    }
}

fn with_disorder(plans: &[Arc<IncidentPlan>]) -> Vec<usize> {
    let disorder = |i: &usize| matches!(plans[*i].dynamics, Some(IncidentDynamics::Disorder { .. }));
    (0..plans.len()).filter(disorder).collect()
}

fn by_priority(plans: &[Arc<IncidentPlan>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(plans[i].priority), i));
    order
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use proptest::prelude::*;

    use super::{ActivePairs, CapabilityState, Timers, UnitId};

    /// The fields every phase reads per live pair fill the first 96 bytes and the integrated
    /// totals follow them, as the layout note on `CapabilityState` says (a field added before
    /// them, or a wider one, would move them).
    #[test]
    fn hot_capability_fields_come_first() {
        use std::mem::offset_of;
        let hot_end = offset_of!(CapabilityState, prebooking) + 1;
        assert!(hot_end <= 96, "hot fields end at byte {hot_end}");
        assert!(offset_of!(CapabilityState, met_um) + 8 <= 112);
        assert!(offset_of!(CapabilityState, on_task) >= 112);
    }

    /// Flags read back as set, per incident, across word boundaries, in ascending order.
    #[test]
    fn active_pairs_list_what_was_set() {
        let mut pairs = ActivePairs::new(2, 131);
        pairs.add_incident();
        for c in [130, 0, 64, 63, 3] {
            pairs.set(1, c, true);
        }
        pairs.set(1, 3, false);
        pairs.set(2, 5, true);
        assert_eq!(pairs.caps(1).collect::<Vec<_>>(), vec![0, 63, 64, 130]);
        assert_eq!(pairs.caps(2).collect::<Vec<_>>(), vec![5]);
        assert!(!pairs.any(0) && pairs.any(1) && pairs.any(2));
        assert!(pairs.get(1, 64) && !pairs.get(1, 3) && !pairs.get(0, 130));
        pairs.set(2, 5, false);
        assert!(!pairs.any(2) && pairs.caps(2).next().is_none());
    }

    proptest! {
        /// Timers come due in the order a min-heap of (minute, unit) gives, also when a timer
        /// is pushed for the minute now firing (a state of no length) or a unit is listed twice.
        #[test]
        fn timers_fire_in_heap_order(
            steps in prop::collection::vec(
                (0u32..4, prop::collection::vec((0u32..3, 0u32..12), 0..6), 0usize..4),
                1..40,
            )
        ) {
            let (mut timers, mut heap) = (Timers::default(), BinaryHeap::new());
            let mut now = 0;
            for (advance, pushes, pops_between) in steps {
                now += advance;
                for (i, &(ahead, id)) in pushes.iter().enumerate() {
                    timers.push(now + ahead, UnitId(id));
                    heap.push(Reverse((now + ahead, UnitId(id))));
                    // Pop some before pushing the rest, as a step fires timers that arm others.
                    if i < pops_between {
                        let expected = heap.peek().filter(|Reverse((t, _))| *t <= now).map(|r| r.0);
                        if expected.is_some() {
                            heap.pop();
                        }
                        prop_assert_eq!(timers.pop_due(now), expected);
                    }
                }
                prop_assert_eq!(timers.next(), heap.peek().map(|Reverse((t, _))| *t));
                loop {
                    let expected = heap.peek().filter(|Reverse((t, _))| *t <= now).map(|r| r.0);
                    if expected.is_some() {
                        heap.pop();
                    }
                    prop_assert_eq!(timers.pop_due(now), expected);
                    if expected.is_none() {
                        break;
                    }
                }
                prop_assert_eq!(timers.next(), heap.peek().map(|Reverse((t, _))| *t));
            }
        }
    }
}
