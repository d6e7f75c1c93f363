use crate::time::Minutes;

/// How tier 2 and tier 3 assign donor units to shortfalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationPolicy {
    /// As the national centre brokers: among donors whose units arrive within the share window
    /// of the soonest, each unit comes from the force that has lent least for its strength so
    /// far (its fair share by officers), so a large or long request is spread over many forces.
    FairShare,
    /// Min-cost flow: most priority-weighted units placed, then least priority-weighted arrival time.
    Optimal,
    /// Requests in priority order each take the earliest-arriving units.
    Nearest,
    /// As `Nearest`, but donors in the host's own region come before all others.
    RegionalFirst,
}

impl AllocationPolicy {
    /// The names accepted in files.
    pub const NAMES: [&'static str; 4] = ["fair-share", "optimal", "nearest", "regional-first"];

    /// The policy with this name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fair-share" => Some(Self::FairShare),
            "optimal" => Some(Self::Optimal),
            "nearest" => Some(Self::Nearest),
            "regional-first" => Some(Self::RegionalFirst),
            _ => None,
        }
    }

    /// The name used in files and output.
    pub fn name(self) -> &'static str {
        match self {
            Self::FairShare => "fair-share",
            Self::Optimal => "optimal",
            Self::Nearest => "nearest",
            Self::RegionalFirst => "regional-first",
        }
    }
}

/// When national (tier 3) mobilisation is activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum NationalTrigger {
    /// When some region's outstanding tier-2 shortfall is at least `regional_shortfall` units
    /// without a break for `sustained` minutes, or (if `lasting` is set) any shortfall at all
    /// without a break for `lasting` minutes.
    Shortfall { regional_shortfall: u32, sustained: Minutes, lasting: Option<Minutes> },
    /// At a fixed time (minutes from scenario start).
    At(Minutes),
    /// Never: no tier 3.
    Never,
}

/// The rules of mutual aid for a run. Defaults come from the dataset's `[policy]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// How tiers 2 and 3 assign units.
    pub allocation: AllocationPolicy,
    /// Share of each force's units (per capability) that donors keep home when lending (0 to 1).
    pub retained_cover: f64,
    /// Share of each force's units (per capability) that ordinary policing needs (0 to 1): a
    /// force with units on loan and fewer than this idle at home is counted below cover.
    pub cover_standard: f64,
    /// Minutes for a host to commit its own units to a gap (tier 1).
    pub local_latency: Minutes,
    /// Minutes from a tier-2 request to the region acting on it.
    pub regional_latency: Minutes,
    /// Minutes from a tier-3 request (or the trigger, if later) to the national centre acting.
    pub national_latency: Minutes,
    /// When national mobilisation is activated.
    pub national_trigger: NationalTrigger,
    /// Tour of duty (minutes): from leaving home for units that go home after it, from leaving
    /// the lodging for units accommodated near the host.
    pub tour: Minutes,
    /// Rest after a tour (minutes).
    pub rest: Minutes,
    /// Tours a unit works in a run before it takes rest days (tours).
    pub max_consecutive_tours: u32,
    /// Rest days taken after a run of tours (minutes), at home.
    pub rest_days: Minutes,
    /// How long a unit may be held past its tour when no relief has arrived (minutes).
    pub max_overrun: Minutes,
    /// Units whose home is further than this (minutes of travel) rest near the incident.
    pub rest_away_beyond: Minutes,
    /// Relief for a unit is sought this many minutes before its planned stand-down (minus the
    /// handover), and is timed to be on task by then.
    pub relief_lookahead: Minutes,
    /// Minutes the incoming unit is on task before the outgoing one stands down.
    pub handover: Minutes,
    /// First tours of the units committed to one incident and capability are cut by 0, ¼, ½
    /// and ¾ of this (minutes) in turn, so that their handovers are spread out.
    pub stagger: Minutes,
    /// Committed units due on task within this many minutes count against a gap; slower
    /// ones (e.g. officers recalled from rest days) do not stop the host asking for aid.
    pub arrival_window: Minutes,
    /// A slower committed unit is replaced by one that is on task at least this many minutes
    /// sooner (and stood down); a smaller gain is not worth the change of plan.
    pub replace_margin: Minutes,
    /// How long before a booked planned event its aid is allocated (minutes).
    pub planned_lead: Minutes,
    /// Travel from a force's HQ to an incident in its own area (minutes), for forces without a
    /// known area or when `local_travel_from_area` is false.
    pub local_travel: Minutes,
    /// Local travel follows the force's area: the mean distance from the centre of a disc of
    /// that area (⅔ of its radius) × 1.25 road circuity, at the capability's convoy speed.
    pub local_travel_from_area: bool,
    /// A need for mutual aid that has lasted this long (minutes) is brokered nationally from
    /// then on (tier 3, without waiting for the national trigger); `None`: never.
    pub escalate_after: Option<Minutes>,
    /// Fair-share allocation treats donors whose units arrive within this many minutes of the
    /// soonest as equally quick, and spreads the units among them by fair share.
    pub share_window: Minutes,
    /// Mutual-aid units whose force's consistency factor is below this are refused (0 to 1).
    pub min_consistency: f64,
}
