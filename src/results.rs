//! RunResult: the plain, serialisable outcome of one run. Reports, CSV and later analyses read
//! this, never the engine's World. Times are minutes from scenario start; unit-hours are
//! hours of one unit on task.

use serde::{Deserialize, Serialize};

use crate::time::Minutes;

/// Round to 3 decimals, as every figure in results is: readable output, and identical across
/// runs either way.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The outcome of one run of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// What produced this result.
    pub manifest: Manifest,
    /// Headline measures over the whole run.
    pub summary: Summary,
    /// National figures per capability, in catalogue order.
    pub capabilities: Vec<CapabilitySummary>,
    /// Figures per incident, sorted by id.
    pub incidents: Vec<IncidentSummary>,
    /// Burden and contribution per force, sorted by code.
    pub forces: Vec<ForceSummary>,
    /// Aid between forces: unit-hours on task each donor lent each host, sorted by donor then
    /// host (empty in results written before it existed).
    #[serde(default)]
    pub aid_flows: Vec<AidFlow>,
    /// Time series at the report interval.
    pub series: Series,
    /// Everything that happened, in order.
    pub events: Vec<Event>,
    /// Where the forces and links are, for maps and GIS exports (empty in results written
    /// before it existed).
    #[serde(default)]
    pub geography: Geography,
    /// The SPR assessment, when one was asked for (`run --json` always adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
}

/// The forces at their HQ positions and the border links, with the scenario's closures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Geography {
    /// One entry per force, sorted by code.
    pub forces: Vec<Place>,
    /// One entry per border link, sorted by its ends.
    pub links: Vec<LinkPlace>,
}

/// A force's name, region, strength and HQ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Force code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Mutual-aid region.
    pub region: String,
    /// Officer strength (officers, FTE).
    pub officers: u32,
    /// HQ latitude (degrees), if the dataset gives one.
    pub lat: Option<f64>,
    /// HQ longitude (degrees), if the dataset gives one.
    pub lon: Option<f64>,
}

/// A border link and how long the scenario closed or slowed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPlace {
    /// Code of one end.
    pub a: String,
    /// Code of the other end.
    pub b: String,
    /// `land`, `land-minimal`, `estuary-crossing`, `sea` or `access`.
    pub link: String,
    /// Road distance HQ to HQ (km).
    pub road_km: f64,
    /// Hours within the horizon the link was closed (overlapping closures counted once).
    pub closed_hours: f64,
    /// Hours within the horizon the link was slowed.
    pub slowed_hours: f64,
}

/// Total length (minutes) of the union of `spans`, each clipped to `0..horizon`.
fn covered_minutes(mut spans: Vec<(Minutes, Minutes)>, horizon: Minutes) -> Minutes {
    spans.sort_unstable();
    let mut total = 0;
    let mut reached = 0;
    for (start, end) in spans {
        let (start, end) = (start.max(reached), end.min(horizon));
        if end > start {
            total += end - start;
            reached = end;
        }
    }
    total
}

impl Geography {
    /// The places and links of `model`'s dataset, with its scenario's link disruptions.
    pub fn of(model: &crate::model::Model) -> Self {
        use crate::model::DisruptionKind;
        let data = &model.dataset;
        let scen = &model.scenario;
        let forces = data
            .forces
            .iter()
            .map(|f| Place {
                code: f.code.clone(),
                name: f.name.clone(),
                region: data.regions[usize::from(f.region.0)].clone(),
                officers: f.officers,
                lat: f.hq.map(|(lat, _)| lat),
                lon: f.hq.map(|(_, lon)| lon),
            })
            .collect();
        let links = data
            .borders
            .iter()
            .map(|b| {
                let joins = |x: crate::model::ForceId, y| (x.min(y), x.max(y)) == (b.a, b.b);
                let spans = |closed: bool| -> Vec<(Minutes, Minutes)> {
                    scen.disruptions
                        .iter()
                        .filter(|d| match d.kind {
                            DisruptionKind::LinkClosed { a, b } => closed && joins(a, b),
                            DisruptionKind::LinkSlowed { a, b, .. } => !closed && joins(a, b),
                            _ => false,
                        })
                        .map(|d| (d.start, d.end))
                        .collect()
                };
                let hours = |closed| f64::from(covered_minutes(spans(closed), scen.horizon)) / 60.0;
                LinkPlace {
                    a: data.force(b.a).code.clone(),
                    b: data.force(b.b).code.clone(),
                    link: b.link.clone(),
                    road_km: b.road_km,
                    closed_hours: hours(true),
                    slowed_hours: hours(false),
                }
            })
            .collect();
        Self { forces, links }
    }
}

/// The inputs of a result: program, scenario, dataset and seed — with the scenario file,
/// enough to reproduce it. Shared by every kind of output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Always "muster".
    pub program: String,
    /// Program version (Cargo package version).
    pub version: String,
    /// Scenario name.
    pub scenario: String,
    /// The question the scenario asks (its `question`).
    #[serde(default)]
    pub question: String,
    /// SHA-256 (hex) of the scenario file and its `--set` overrides.
    pub scenario_sha256: String,
    /// The `--set` overrides, in order (with the scenario file, all it takes to rerun).
    pub overrides: Vec<String>,
    /// Dataset name.
    pub dataset: String,
    /// SHA-256 (hex) of the dataset file.
    pub dataset_sha256: String,
    /// Seed of the run.
    pub seed: u64,
    /// The parameters the run takes on trust: those marked unverified (`[U]`) in the dataset
    /// or scenario and not overridden by `--set`, as `key = value`.
    #[serde(default)]
    pub unverified: Vec<String>,
}

impl Provenance {
    /// The provenance of anything computed from `model` by this program.
    pub fn of(model: &crate::model::Model) -> Self {
        Self {
            program: "muster".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario: model.scenario.name.clone(),
            question: model.scenario.question.clone(),
            scenario_sha256: model.scenario_sha256.clone(),
            overrides: model.overrides.clone(),
            dataset: model.dataset.name.clone(),
            dataset_sha256: model.dataset_sha256.clone(),
            seed: model.scenario.seed,
            unverified: model.unverified.clone(),
        }
    }
}

/// What produced this result; enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Program, scenario, dataset, seed.
    #[serde(flatten)]
    pub inputs: Provenance,
    /// Replication index (0 for a single run).
    pub replication: u64,
    /// Length of the run (minutes).
    pub horizon_minutes: Minutes,
    /// The minute the result was taken at, when before the horizon (a tabletop session that
    /// stopped part-way): every measure covers the start to this minute. Absent for a run to
    /// its horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Minutes>,
    /// Time grid (minutes).
    pub tick_minutes: Minutes,
    /// Allocation policy used at tiers 2 and 3.
    pub allocation: String,
}

/// Headline measures over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Share of demanded unit-hours met by effective deployed strength (0 to 1; 1 when nothing
    /// was demanded).
    pub demand_met: f64,
    /// Demand integrated over time (unit-hours).
    pub demanded_unit_hours: f64,
    /// Demand met by effective strength, integrated over time (unit-hours).
    pub met_unit_hours: f64,
    /// Demanded minus met (unit-hours).
    pub unmet_unit_hours: f64,
    /// Largest shortfall (units) summed over all incidents and capabilities at one moment.
    pub peak_shortfall_units: f64,
    /// When the peak shortfall first occurred (minute).
    pub peak_shortfall_at: Minutes,
    /// When national mobilisation was triggered, if it was.
    pub national_trigger_at: Option<Minutes>,
    /// Request-to-arrival times, one entry per tier (1, 2, 3).
    pub request_to_arrival: Vec<TierArrivals>,
    /// Force-hours (summed over capabilities) that lending forces spent below retained cover.
    pub donor_hours_below_cover: f64,
    /// Tours that ran past the tour limit (tours).
    pub tour_limit_breaches: u32,
    /// Total time past the tour limit over those tours (unit-hours).
    pub tour_overrun_unit_hours: f64,
    /// Unit-hours on task lost to standards below 1 (deployed minus effective).
    pub effectiveness_lost_unit_hours: f64,
    /// Mutual-aid deployments (units sent to another force's incident).
    pub aid_deployments: u32,
    /// Unit-hours on task, all forces and incidents (deployed, before standards factors).
    #[serde(default)]
    pub deployed_unit_hours: f64,
    /// Longest time some region's tier-2 requests, once acted on, stayed unfilled without a
    /// break, to the end of the result (minutes): how long the need for national aid lasted.
    #[serde(default)]
    pub regional_unfilled_minutes: Minutes,
    /// First minute a region had tier-2 requests it could not fill (the need for national aid).
    #[serde(default)]
    pub regional_shortfall_at: Option<Minutes>,
    /// Officer rest days and leave days cancelled to call units out (officer-days): owed back.
    #[serde(default)]
    pub time_off_cancelled_officer_days: u64,
    /// Planned arrivals (reliefs, booked aid) and how they kept time.
    #[serde(default)]
    pub planned_arrivals: PlannedArrivals,
    /// Journeys between home and a lodging near a host (unit-hours): duty off task.
    #[serde(default)]
    pub lodging_travel_unit_hours: f64,
}

/// Units sent ahead of when they were wanted (a relief timed to a handover, booked aid timed to
/// an event's start), and how many came late.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlannedArrivals {
    /// Units that went on task (units).
    pub arrivals: u32,
    /// Of those, units on task after the minute they were wanted (units).
    pub late: u32,
    /// Mean lateness of the late ones (minutes).
    pub mean_late_minutes: Option<f64>,
}

/// Minutes from the request that brought a unit to its arrival, for one tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierArrivals {
    /// 1 local, 2 regional, 3 national.
    pub tier: u8,
    /// Units that arrived (units).
    pub arrivals: u32,
    /// Mean request-to-arrival time (minutes).
    pub mean_minutes: Option<f64>,
    /// Median (minutes).
    pub median_minutes: Option<Minutes>,
    /// 90th percentile (minutes).
    pub p90_minutes: Option<Minutes>,
    /// Longest (minutes).
    pub max_minutes: Option<Minutes>,
}

/// National figures for one capability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilitySummary {
    /// Capability id.
    pub capability: String,
    /// Demand integrated over time (unit-hours).
    pub demanded_unit_hours: f64,
    /// Demand met by effective strength, integrated over time (unit-hours).
    pub met_unit_hours: f64,
    /// Met / demanded (0 to 1; 1 when nothing was demanded).
    pub demand_met: f64,
    /// Demanded minus met (unit-hours).
    pub unmet_unit_hours: f64,
    /// Largest national shortfall of this capability at one moment (units).
    pub peak_shortfall_units: f64,
}

/// Figures for one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// Incident id from the scenario.
    pub id: String,
    /// Incident kind (e.g. "disorder").
    pub kind: String,
    /// Host force code.
    pub host: String,
    /// Start (minute).
    pub start: Minutes,
    /// End of all demand (minute).
    pub end: Minutes,
    /// Allocation weight.
    pub priority: u32,
    /// One entry per capability the incident demands.
    pub capabilities: Vec<IncidentCapability>,
}

/// One capability at one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCapability {
    /// Capability id.
    pub capability: String,
    /// Demand integrated over time (unit-hours).
    pub demanded_unit_hours: f64,
    /// Demand met by effective strength, integrated over time (unit-hours).
    pub met_unit_hours: f64,
    /// Met / demanded (0 to 1; 1 when nothing was demanded).
    pub demand_met: f64,
    /// Largest shortfall at one moment (units).
    pub peak_shortfall_units: f64,
    /// Minute of the first demand (none: demand had not begun when the result was taken).
    #[serde(default)]
    pub first_demand_at: Option<Minutes>,
    /// Minutes from the first demand to the first unit on task.
    pub time_to_first_cover: Option<Minutes>,
    /// Minutes from the first demand to the first moment demand was fully met.
    pub time_to_full_cover: Option<Minutes>,
    /// Units sent, by the tier that sent them: [local, regional, national].
    pub units_by_tier: [u32; 3],
    /// Forces other than the host that sent units (codes, sorted).
    #[serde(default)]
    pub donor_forces: Vec<String>,
}

/// Unit-hours one force's units spent on task at another force's incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AidFlow {
    /// Donor force code.
    pub from: String,
    /// Host force code.
    pub to: String,
    /// Unit-hours on task (units × hours).
    pub unit_hours: f64,
}

/// One force's burden and contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForceSummary {
    /// Force code.
    pub code: String,
    /// Mutual-aid region.
    pub region: String,
    /// Officer strength (officers, FTE).
    pub officers: u32,
    /// Unit-hours this force's units spent on task at other forces' incidents.
    pub lent_unit_hours: f64,
    /// Unit-hours other forces' units spent on task at this force's incidents.
    pub received_unit_hours: f64,
    /// This force's share of all lent unit-hours by officer strength.
    pub fair_share_unit_hours: f64,
    /// lent / fair share (1 = exactly its share); `None` when nothing was lent nationally.
    pub contribution_ratio: Option<f64>,
    /// Hours (summed over capabilities) below retained cover while lending.
    pub hours_below_cover: f64,
    /// Unit-hours this force's units spent on task anywhere.
    #[serde(default)]
    pub deployed_unit_hours: f64,
    /// Of those, unit-hours lost to the force's standards factors (deployed minus effective).
    #[serde(default)]
    pub effectiveness_lost_unit_hours: f64,
    /// Hours the force was cut off from the main part of the border graph by closed links.
    #[serde(default)]
    pub cut_off_hours: f64,
    /// Units that arrived at this force's incidents, by the tier that sent them (units).
    #[serde(default)]
    pub arrivals_by_tier: [u32; 3],
    /// Their request-to-arrival times summed, by tier (minutes).
    #[serde(default)]
    pub arrival_minutes_by_tier: [u64; 3],
}

/// Series sampled every `interval_minutes`, at the state just after that minute's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Spacing of the points (minutes).
    pub interval_minutes: Minutes,
    /// Per incident and demanded capability: a point at every sample from the incident's
    /// start to its end, and at any other sample where the pair has demand or units deployed
    /// or en route (units booked ahead, or withdrawing). Other samples would be all zeros and
    /// are left out, so the series grows with the incidents' lengths, not incidents × horizon.
    pub incidents: Vec<SeriesPoint>,
    /// Per capability, summed over incidents (`incident` = "all").
    pub national: Vec<SeriesPoint>,
}

/// The state of one (incident, capability) at minute `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Minute of the sample.
    pub t: Minutes,
    /// Incident id, or "all" in the national series. Shared, not copied: a run samples
    /// thousands of points with the same few ids.
    pub incident: std::sync::Arc<str>,
    /// Capability id (shared, as `incident`).
    pub capability: std::sync::Arc<str>,
    /// Units demanded.
    pub demand: u32,
    /// Units on task.
    pub deployed: u32,
    /// Units on task scaled by their forces' consistency factors.
    pub effective: f64,
    /// Units assigned and mobilising or travelling.
    pub en_route: u32,
    /// max(0, demand − effective) (units).
    pub shortfall: f64,
}

/// One thing that happened, at minute `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Minute it happened.
    pub t: Minutes,
    #[serde(flatten)]
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of event in the log. Units are labelled `force:capability:ordinal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[allow(missing_docs)] // variant fields are named for what they hold; see each variant
pub enum EventKind {
    /// A host asked a tier for `units` units; the tier acts on it at minute `acts_at`.
    RequestRaised { incident: String, capability: String, tier: u8, units: u32, acts_at: Minutes },
    /// A request's gap closed.
    RequestClosed { incident: String, capability: String, tier: u8 },
    /// National mobilisation was triggered.
    NationalTrigger,
    /// A unit was committed to an incident by a tier; it sets off at minute `departs_at`.
    Allocated { unit: String, incident: String, tier: u8, departs_at: Minutes },
    /// A unit reached its incident and went on task.
    Arrived { unit: String, incident: String },
    /// A unit left its incident: `reason` is "tour" (end of tour) or "released" (not needed).
    StoodDown { unit: String, incident: String, reason: String },
    /// A unit could not set off because no open route reaches the incident.
    RouteBlocked { unit: String, incident: String },
    /// Disorder spread from seat `from` to a new seat `incident`.
    DisorderSpread { incident: String, from: String, force: String },
    /// A disorder seat calmed down and ended.
    DisorderCalmed { incident: String },
    /// A disruption began (described as "kind force[-force]").
    DisruptionStarted { disruption: String },
    /// A disruption ended.
    DisruptionEnded { disruption: String },
    /// A tabletop facilitator changed the world (new incident, disruption, threat level).
    Injected { inject: String },
    /// Tabletop players took a decision the automatic policy would otherwise take.
    Decided { decision: String },
}

/// An inspection grade, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    /// Better than the first limit.
    Outstanding,
    /// Within the second limit.
    Good,
    /// Within the third limit.
    Adequate,
    /// Within the fourth limit.
    RequiresImprovement,
    /// Worse than every limit.
    Inadequate,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 5] =
        [Grade::Outstanding, Grade::Good, Grade::Adequate, Grade::RequiresImprovement, Grade::Inadequate];

    /// The grade as reports print it.
    pub fn title(self) -> &'static str {
        match self {
            Grade::Outstanding => "Outstanding",
            Grade::Good => "Good",
            Grade::Adequate => "Adequate",
            Grade::RequiresImprovement => "Requires improvement",
            Grade::Inadequate => "Inadequate",
        }
    }
}

/// Graded judgements on the Strategic Policing Requirement areas, with their evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Name of the thresholds used.
    pub thresholds: String,
    /// What the values are: one run's, or means over an ensemble's replications.
    pub basis: String,
    /// The nation (every force).
    pub nation: ScopeAssessment,
    /// Each mutual-aid region, sorted by name.
    pub regions: Vec<ScopeAssessment>,
    /// Each force, sorted by code.
    pub forces: Vec<ScopeAssessment>,
}

/// The grades of one scope (the nation, a region or a force).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeAssessment {
    /// "nation", a region name or a force code.
    pub scope: String,
    /// One entry per SPR area, in the order capacity, capability, consistency, connectivity.
    pub areas: Vec<AreaAssessment>,
    /// Demand the scope's incidents could not meet, per threat and capability.
    pub unmet_demand: Vec<UnmetDemand>,
    /// Why the scope is graded at all: what the scenario asked of it (demand hosted, aid lent
    /// or received, time cut off). Empty: nothing did, and every area is not tested.
    #[serde(default)]
    pub exercised: Vec<String>,
}

/// One SPR area's grade and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaAssessment {
    /// `capacity`, `capability`, `consistency` or `connectivity`.
    pub area: String,
    /// The worst grade among the graded evidence; `None` when nothing in the run tested it.
    pub grade: Option<Grade>,
    /// The measures behind the grade, graded ones first.
    pub evidence: Vec<Evidence>,
}

/// One measure's value and, if it is graded, its grade and limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Measure id (`capacity.demand_met`, `capacity.unmet_unit_hours.disorder`).
    pub measure: String,
    /// What the measure is.
    pub description: String,
    /// The value (in `unit`); for an ensemble, the mean over replications that have it.
    pub value: f64,
    /// `share`, `ratio`, `hours`, `minutes` or `unit-hours`.
    pub unit: String,
    /// The grade, if the thresholds grade this measure.
    pub grade: Option<Grade>,
    /// The four limits that graded it (outstanding, good, adequate, requires improvement).
    pub limits: Option<[f64; 4]>,
    /// Which force, incident or capability produced the value; censoring.
    pub note: Option<String>,
    /// The value is a lower bound: the event it times had not happened when the result was
    /// taken ("not reached in …"). Graded only when even the bound is past the last limit.
    #[serde(default)]
    pub censored: bool,
    /// Ensembles: replications in which the measure applied.
    pub replications: Option<u64>,
    /// Ensembles: 5th percentile over those replications.
    pub p5: Option<f64>,
    /// Ensembles: 95th percentile over those replications.
    pub p95: Option<f64>,
}

/// Demand that could not be met, for one threat (incident kind) and capability, in the shape
/// of a Force Management Statement's gap table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmetDemand {
    /// Incident kind (threat).
    pub threat: String,
    /// Capability id.
    pub capability: String,
    /// Demand integrated over time (unit-hours).
    pub demanded_unit_hours: f64,
    /// Of that, met by effective strength (unit-hours).
    pub met_unit_hours: f64,
    /// Demanded minus met (unit-hours).
    pub unmet_unit_hours: f64,
    /// Met / demanded (0 to 1).
    pub demand_met: f64,
    /// Largest shortfall at any one incident of this threat (units).
    pub peak_shortfall_units: f64,
}

/// The state of a run at one moment, as a tabletop session shows it. Plain data read from the
/// World after a step; every list is in a fixed order (incidents by index, requests by number,
/// forces by code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// The moment shown (minute).
    pub now: Minutes,
    /// End of the scenario (minute).
    pub horizon: Minutes,
    /// Whether new tier-2/3 requests wait for players (else the policy acts on them).
    pub players_decide: bool,
    /// When national mobilisation was triggered, if it was (minute).
    pub national_trigger_at: Option<Minutes>,
    /// Incidents active now (or booked and being staffed), with their capabilities in demand.
    pub incidents: Vec<IncidentStatus>,
    /// Open mutual-aid requests, by number.
    pub requests: Vec<RequestStatus>,
    /// Every force's cover, by code.
    pub forces: Vec<ForceStatus>,
    /// Units committed but not yet on task, grouped by (home force, incident, capability, state).
    pub en_route: Vec<Movement>,
    /// Forces held back from mutual aid, as "CODE" or "CODE capability".
    pub held: Vec<String>,
    /// Disruptions in force at the moment shown, as "comms-outage gmp until D1+04:00".
    #[serde(default)]
    pub disruptions: Vec<String>,
}

/// One incident's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentStatus {
    /// Incident id.
    pub id: String,
    /// Threat kind.
    pub kind: String,
    /// Host force code.
    pub host: String,
    /// Start and end (minutes).
    pub start: Minutes,
    /// End (minute).
    pub end: Minutes,
    /// Capabilities with demand or units committed.
    pub capabilities: Vec<CapabilityStatus>,
}

/// One capability at one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityStatus {
    /// Capability id.
    pub capability: String,
    /// Units demanded now.
    pub demand: u32,
    /// Units on task.
    pub on_task: u32,
    /// Effective strength of the units on task (units × consistency).
    pub effective: f64,
    /// Units committed and not yet on task.
    pub en_route: u32,
    /// Demand minus effective strength, at least 0 (units).
    pub shortfall: f64,
}

/// An open mutual-aid request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestStatus {
    /// Its number (players name it "R<number>").
    pub number: u32,
    /// Incident id.
    pub incident: String,
    /// Host force code.
    pub host: String,
    /// Capability id.
    pub capability: String,
    /// 2 regional, 3 national.
    pub tier: u8,
    /// When raised (minute).
    pub raised_at: Minutes,
    /// When the tier can act on it (minute).
    pub acts_at: Minutes,
    /// Units still wanted.
    pub outstanding: u32,
    /// "policy", [`AWAITING_DECISION`], "approved" or "refused".
    pub decision: String,
    /// What the automatic policy would send now, if the request were left to it.
    pub proposal: Vec<ProposedUnits>,
}

/// A request's `decision` while it waits for the players.
pub const AWAITING_DECISION: &str = "awaiting decision";

impl RequestStatus {
    /// Whether it waits for the players' decision.
    pub fn awaits_players(&self) -> bool {
        self.decision == AWAITING_DECISION
    }
}

/// Units the policy proposes from one donor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedUnits {
    /// Donor force code.
    pub from: String,
    /// Units.
    pub units: u32,
    /// Earliest expected arrival (minute).
    pub arrives_at: Minutes,
}

/// One force's cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForceStatus {
    /// Force code.
    pub code: String,
    /// Region name.
    pub region: String,
    /// Per capability, in dataset order.
    pub cover: Vec<CoverStatus>,
}

/// A force's units of one capability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverStatus {
    /// Capability id.
    pub capability: String,
    /// Units in the establishment.
    pub establishment: u32,
    /// Units idle at home now.
    pub at_home: u32,
    /// Units the force keeps home when lending (retained cover).
    pub retained: u32,
    /// Units away on loan.
    pub lent: u32,
}

/// Units on their way to an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    /// Home force code.
    pub from: String,
    /// Incident id.
    pub incident: String,
    /// Capability id.
    pub capability: String,
    /// "mobilising" or "travelling".
    pub state: String,
    /// Units.
    pub units: u32,
    /// Earliest and latest end of that state: departure or arrival (minutes).
    pub first: Minutes,
    /// Latest (minute).
    pub last: Minutes,
}
