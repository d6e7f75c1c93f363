use crate::time::Minutes;

/// A positive size drawn at random, written as a median and a 90th percentile (log-normal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeDistribution {
    /// Median (units).
    pub median: f64,
    /// 90th percentile (units); equal to the median for a fixed size.
    pub p90: f64,
}

impl SizeDistribution {
    /// Log-normal parameters (mu, sigma) with this median and 90th percentile.
    pub fn lognormal(&self) -> (f64, f64) {
        // z of the 90th percentile of the standard normal.
        const Z90: f64 = 1.281_551_565_545;
        let mu = libm::log(self.median);
        (mu, ((libm::log(self.p90) - mu) / Z90).max(0.0))
    }
}

/// Parameters of the disorder model (defaults in the dataset's `[disorder]`; a scenario's
/// `[disorder]` overrides any of them). See docs/threats.md.
#[derive(Debug, Clone, PartialEq)]
pub struct DisorderModel {
    /// Share of a seat's peak demand by hour of day (0..1), index 0 = 00:00–01:00.
    pub night_profile: [f64; 24],
    /// Growth of intensity per hour at 100% unmet demand (0.5 = +50% per hour).
    pub escalation: f64,
    /// Fall of intensity per hour while demand is fully met (0.15 = −15% per hour).
    pub calming: f64,
    /// Largest intensity a seat reaches (× its size).
    pub max_intensity: f64,
    /// A seat ends when its intensity falls below this.
    pub end_intensity: f64,
    /// Chance per neighbouring force per hour that a seat at intensity 1, at its night-time
    /// peak, with its demand met, starts a new seat there (0..1); scaled by intensity, the
    /// night profile and unmet demand.
    pub spread: f64,
    /// Multiplier of the spread chance at 100% unmet demand: chance × (1 + spread_unmet × unmet share).
    pub spread_unmet: f64,
    /// Most seats one outbreak can have, the first included (seats).
    pub max_seats: u32,
    /// Peak public-order demand of a new seat at intensity 1 (PSUs).
    pub seat_size: SizeDistribution,
    /// Longest life of a new seat (minutes).
    pub seat_duration: Minutes,
    /// ARV crews demanded per PSU of public-order demand (knock-on armed demand).
    pub firearms_per_psu: f64,
    /// Surveillance teams demanded per PSU of public-order demand (intelligence knock-on).
    pub surveillance_per_psu: f64,
}

/// How an incident's demand evolves beyond its explicit curves.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentDynamics {
    /// A disorder seat: public-order demand = size × night profile × intensity, escalating
    /// while unmet and spreading to neighbouring forces.
    Disorder {
        /// Peak public-order demand at intensity 1 (PSUs), or a distribution to draw it from.
        size: SizeDistribution,
        /// Index (in the run's incidents) of the first seat of this outbreak.
        outbreak: Option<usize>,
    },
    /// Any other kind: the demand curves are written for an incident of the median size; at
    /// its start the incident's size is drawn and every curve is scaled by size / median.
    Scaled {
        /// The incident's size (in the curves' own terms, e.g. attackers or ARV crews).
        size: SizeDistribution,
    },
}

/// A national threat-level rise (to critical): in every force, an armed protective-security
/// demand of `ceil(armed_uplift × firearms units × (1 − military_backfill))` ARV crews. The
/// shares come from the scenario's, the dataset's or the built-in `[threat_level]` table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreatLevelRise {
    /// Extra armed demand as a share of each force's firearms units (0..1).
    pub armed_uplift: f64,
    /// Share of that uplift the military takes over (Operation Temperer, 0..1).
    pub military_backfill: f64,
}

impl ThreatLevelRise {
    /// The rise's incidents from `start` to `end` (minutes), one per force with any uplift, with
    /// ids `threat-level@CODE` followed by `suffix`. Empty when the dataset has no firearms.
    pub fn incidents(
        &self,
        data: &super::Dataset,
        start: Minutes,
        end: Minutes,
        suffix: &str,
    ) -> Vec<super::IncidentPlan> {
        let Some(fa) = data.capability_by_id("firearms") else { return Vec::new() };
        data.force_ids()
            .filter_map(|f| {
                let force = data.force(f);
                let units = (self.armed_uplift
                    * f64::from(force.establishment[usize::from(fa.0)])
                    * (1.0 - self.military_backfill))
                    .ceil() as u32;
                (units > 0 && start < end).then(|| super::IncidentPlan {
                    id: format!("{}{}{suffix}", Self::ID_PREFIX, force.code),
                    kind: super::IncidentKind::Terrorism,
                    host: f,
                    start,
                    end,
                    priority: 1,
                    demand: vec![super::DemandCurve { capability: fa, steps: vec![(0, units)] }],
                    dynamics: None,
                    booked: false,
                    uncertain: false,
                })
            })
            .collect()
    }

    /// Every threat-level incident's id starts with this.
    pub const ID_PREFIX: &'static str = "threat-level@";
}

/// Where the world is uncertain, how much (defaults in the dataset's `[uncertainty]`, a
/// scenario's table overrides any of them). Every draw comes from the run's seeded streams.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertainty {
    /// Each unit's duty state on the day (readiness band, or abstracted) is drawn with the
    /// bands' shares; when false, units fill the bands in rank order (exact shares).
    pub availability: bool,
    /// Spread of a call-out's notice: a log-normal factor with median 1 and this sigma.
    pub notice_spread: f64,
    /// Spread of a journey's time: a log-normal factor with median 1 and this sigma.
    pub travel_spread: f64,
    /// Travel-time factor by hour of departure (00:00 → 23:00): congestion. Not random.
    pub congestion: [f64; 24],
    /// Standard deviation (minutes) of the start of an incident that is not planned: each
    /// start moves by a normal draw, within two standard deviations, never before minute 0.
    pub start_spread: Minutes,
    /// 90th percentile of a log-normal factor (median 1) on the demand curves of incidents
    /// that are neither planned nor given a `size` (1: demand as written).
    pub demand_spread: f64,
}

impl Uncertainty {
    /// The same with nothing drawn at random (congestion, which is not random, kept).
    pub fn pinned(&self) -> Self {
        Self {
            availability: false,
            notice_spread: 0.0,
            travel_spread: 0.0,
            congestion: self.congestion,
            start_spread: 0,
            demand_spread: 1.0,
        }
    }

    /// Whether anything is drawn at random.
    pub fn draws(&self) -> bool {
        *self != self.pinned()
    }
}
