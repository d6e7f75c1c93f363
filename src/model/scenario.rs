use super::{CapabilityId, DisorderModel, ForceId, IncidentDynamics, Policy, ThreatLevelRise, Uncertainty};
use crate::time::Minutes;

/// Largest demand (units) one curve may state, and the most any incident demands of one
/// capability at once however it is scaled or drawn: guards against typos like 4000000 and
/// keeps every sum of demands far from overflow.
pub const MAX_DEMAND: u32 = 100_000;

/// Most units a dataset may hold, after every override (units): a run keeps every unit in
/// memory (a few hundred bytes each).
pub const MAX_UNITS: u64 = 1_000_000;

/// Most points a series may hold per incident and capability: the horizon over the report
/// interval.
pub const MAX_SAMPLES: u32 = 20_000;

/// Highest allocation priority of an incident.
pub const MAX_PRIORITY: u32 = 10;

/// One scenario, validated against the dataset.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name shown in summaries and manifests.
    pub name: String,
    /// The question the scenario answers.
    pub question: String,
    /// Free text.
    pub description: String,
    /// Length of the run (minutes).
    pub horizon: Minutes,
    /// Multiplier on every incident's demand, per capability (1 = as written); `muster headroom`
    /// searches over it.
    pub demand_scale: Vec<f64>,
    /// Seed for the run's random streams.
    pub seed: u64,
    /// Time step (minutes): every scheduled time is rounded up to a multiple of it.
    pub tick: Minutes,
    /// Interval between points of the reported series (minutes).
    pub report_interval: Minutes,
    /// Rules of mutual aid (dataset defaults with the scenario's changes).
    pub policy: Policy,
    /// Parameters of the disorder model.
    pub disorder: DisorderModel,
    /// Sorted by id.
    pub incidents: Vec<IncidentPlan>,
    /// Disruptions in file order.
    pub disruptions: Vec<Disruption>,
    /// What a rise of the national threat level does (also when a tabletop injects one).
    pub threat_level: ThreatLevelRise,
    /// What is drawn at random and how widely.
    pub uncertainty: Uncertainty,
    /// Incidents and disruptions as the file wrote them (before `forces`, regions and a
    /// threat-level rise expand them).
    pub written: (usize, usize),
}

/// The threat an incident represents. In this version every kind is driven by its explicit
/// demand curves; the kind sets the default priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IncidentKind {
    /// Public disorder (riots, violent protest).
    Disorder,
    /// A terrorist attack.
    Terrorism,
    /// A national cyber incident.
    Cyber,
    /// Flood, fire, chemical release and the like.
    CivilEmergency,
    /// Serious and organised crime operations.
    OrganisedCrime,
    /// A planned event (known in advance).
    PlannedEvent,
}

impl IncidentKind {
    /// The names accepted in files.
    pub const NAMES: [&'static str; 6] =
        ["disorder", "terrorism", "cyber", "civil-emergency", "organised-crime", "planned-event"];

    /// The kind with this name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "disorder" => Self::Disorder,
            "terrorism" => Self::Terrorism,
            "cyber" => Self::Cyber,
            "civil-emergency" => Self::CivilEmergency,
            "organised-crime" => Self::OrganisedCrime,
            "planned-event" => Self::PlannedEvent,
            _ => return None,
        })
    }

    /// The name used in files and output.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Weight of this kind's shortfalls in allocation when the scenario gives none: threat to
    /// life first (terrorism 3), then disorder and emergencies (2), then the rest (1).
    pub fn default_priority(self) -> u32 {
        match self {
            Self::Terrorism => 3,
            Self::Disorder | Self::CivilEmergency => 2,
            Self::Cyber | Self::OrganisedCrime | Self::PlannedEvent => 1,
        }
    }
}

/// One demand source at a host force.
#[derive(Debug, Clone)]
pub struct IncidentPlan {
    /// Unique id from the scenario.
    pub id: String,
    /// The threat it represents.
    pub kind: IncidentKind,
    /// The force whose area it is in.
    pub host: ForceId,
    /// Minutes from scenario start.
    pub start: Minutes,
    /// Minutes from scenario start when all demand ends (at most the horizon).
    pub end: Minutes,
    /// Allocation weight (1 or more); higher is served first.
    pub priority: u32,
    /// Demand curves, one per capability, sorted by capability.
    pub demand: Vec<DemandCurve>,
    /// Demand that evolves with the run (threat models), on top of the curves.
    pub dynamics: Option<IncidentDynamics>,
    /// A planned event whose aid is booked ahead: allocated `planned_lead` minutes before the
    /// start, from rostered units (no notice), with no request latency or national trigger.
    pub booked: bool,
    /// Its start and (without a `size`) its demand are drawn as `[uncertainty]` says: true for
    /// the scenario's own unplanned incidents; false for planned events, threat-level duties,
    /// spread seats (drawn by the disorder model) and a tabletop's injects (as the facilitator
    /// wrote them).
    pub uncertain: bool,
}

/// Units demanded over time: a step function; each step holds until the next.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandCurve {
    /// The capability demanded.
    pub capability: CapabilityId,
    /// (minutes after incident start, units demanded from then on), strictly increasing in time.
    pub steps: Vec<(Minutes, u32)>,
}

impl DemandCurve {
    /// Units demanded `offset` minutes after the incident starts.
    pub fn at(&self, offset: Minutes) -> u32 {
        let i = self.steps.partition_point(|(t, _)| *t <= offset);
        if i == 0 { 0 } else { self.steps[i - 1].1 }
    }

    /// The next step time strictly after `offset`, if any (minutes after incident start).
    pub fn next_change_after(&self, offset: Minutes) -> Option<Minutes> {
        self.steps.iter().map(|(t, _)| *t).find(|t| *t > offset)
    }
}

/// A change to the world for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Disruption {
    /// What is disrupted.
    pub kind: DisruptionKind,
    /// Minutes from scenario start.
    pub start: Minutes,
    /// Minutes from scenario start.
    pub end: Minutes,
}

/// What a disruption does.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum DisruptionKind {
    /// A border link cannot be used.
    LinkClosed { a: ForceId, b: ForceId },
    /// Travel over a border link takes `factor` times as long (factor ≥ 1).
    LinkSlowed { a: ForceId, b: ForceId, factor: f64 },
    /// A force's tier-2/3 request latencies are multiplied by `factor` (≥ 1) for requests raised
    /// while it lasts (a cyber incident degrading connectivity).
    SlowComms { force: ForceId, factor: f64 },
    /// A force cannot send tier-2/3 requests: they wait for the outage to end (`delay: None`)
    /// or are held for `delay` minutes.
    CommsOutage { force: ForceId, delay: Option<Minutes> },
}

impl Scenario {
    /// `t` rounded up to the time grid (minutes): every scheduled time is a multiple of `tick`.
    pub fn align(&self, t: Minutes) -> Minutes {
        let tick = self.tick.max(1);
        t.div_ceil(tick).saturating_mul(tick)
    }
}

impl IncidentPlan {
    /// Whether minute `now` is in the booking lead of a booked event (before its start).
    pub fn rostered_at(&self, now: Minutes) -> bool {
        self.booked && now < self.start
    }

    /// Minutes the host takes to decide to commit units of `capability`: none for booked aid,
    /// decided long ago; a patrolling capability's dispatch time (armed response is sent, not
    /// deliberated); otherwise the policy's local latency.
    pub fn decision_latency(&self, policy: &Policy, capability: &super::Capability) -> Minutes {
        if self.booked { 0 } else { capability.patrol.map_or(policy.local_latency, |p| p.dispatch) }
    }
}

impl Disruption {
    /// The name used in files and output.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            DisruptionKind::LinkClosed { .. } => "link-closed",
            DisruptionKind::LinkSlowed { .. } => "link-slowed",
            DisruptionKind::CommsOutage { .. } => "comms-outage",
            DisruptionKind::SlowComms { .. } => "slow-comms",
        }
    }
}
