use crate::time::Minutes;

/// Index of a force in [`Dataset::forces`] (forces are sorted by code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ForceId(pub u16);

/// Index of a capability in [`Dataset::capabilities`] (catalogue order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CapabilityId(pub u8);

/// Index of a region in [`Dataset::regions`] (sorted by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u16);

/// The forces, their establishment, the border graph and the capability catalogue.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Name shown in summaries and manifests.
    pub name: String,
    /// One line on what the figures are.
    pub description: String,
    /// Forces, sorted by code; [`ForceId`] indexes this.
    pub forces: Vec<Force>,
    /// Capability catalogue; [`CapabilityId`] indexes this.
    pub capabilities: Vec<Capability>,
    /// Region names, sorted; [`RegionId`] indexes this.
    pub regions: Vec<String>,
    /// Border links, sorted by (a, b) with a < b.
    pub borders: Vec<Border>,
}

/// One police force.
#[derive(Debug, Clone)]
pub struct Force {
    /// Short code used in files and output (e.g. "met").
    pub code: String,
    /// Full name.
    pub name: String,
    /// Country (england, wales, scotland, ni, uk).
    pub country: String,
    /// Mutual-aid region.
    pub region: RegionId,
    /// Officer strength (full-time equivalent officers); the basis of fair shares.
    pub officers: u32,
    /// Authorised firearms officers (officers).
    pub armed_officers: u32,
    /// HQ latitude and longitude (degrees), where its units start and return to.
    pub hq: Option<(f64, f64)>,
    /// Area policed (km²), if known: sets local travel and how far patrols are spread.
    pub area_km2: Option<f64>,
    /// Units per capability (units), indexed by [`CapabilityId`].
    pub establishment: Vec<u32>,
    /// Standards-compliance factor per capability (0 to 1), indexed by [`CapabilityId`].
    pub consistency: Vec<f64>,
}

/// A kind of specialist asset and the rules that size and ready it.
#[derive(Debug, Clone)]
pub struct Capability {
    /// Capability id (e.g. "public-order").
    pub id: String,
    /// What one unit is called (e.g. "PSU").
    pub unit_name: String,
    /// Officers in one unit (officers).
    pub officers_per_unit: u32,
    /// Convoy speed over the border graph (km/h).
    pub convoy_speed_kmh: f64,
    /// How many units a force holds when the dataset does not say.
    pub establishment_rule: EstablishmentRule,
    /// Readiness bands in increasing notice; the last share is 1. Each band is a state of the
    /// workforce (on duty, between shifts, on rest days, on leave) at the moment of a call.
    pub readiness: Vec<ReadinessBand>,
    /// Share of units unavailable for the whole run: sick, on courses, on other duties (0 to 1).
    pub abstracted: f64,
    /// Notice (minutes) of a unit already mobilised for the operation, once it has rested after
    /// a tour: its officers are on the operation's roster, so its first notice does not return.
    pub mobilised_notice: Minutes,
    /// Units of the first band (on duty) patrol their force area, if set (armed response).
    pub patrol: Option<Patrol>,
}

/// The state of a unit's officers at the moment of a call (a readiness band's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DutyState {
    /// On shift now: the unit forms from officers already at work.
    OnDuty,
    /// Between shifts: called in early.
    OffDuty,
    /// On a rostered rest day: working it is a cancelled rest day, owed back.
    RestDay,
    /// On annual leave: cancelled leave.
    Leave,
    /// The band does not say.
    Unstated,
}

impl DutyState {
    /// The names accepted in files.
    pub const NAMES: [&'static str; 4] = ["on-duty", "off-duty", "rest-day", "leave"];

    /// The state with this name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "on-duty" => Self::OnDuty,
            "off-duty" => Self::OffDuty,
            "rest-day" => Self::RestDay,
            "leave" => Self::Leave,
            _ => return None,
        })
    }

    /// The name used in files and output.
    pub fn name(self) -> &'static str {
        match self {
            Self::OnDuty => "on-duty",
            Self::OffDuty => "off-duty",
            Self::RestDay => "rest-day",
            Self::Leave => "leave",
            Self::Unstated => "unstated",
        }
    }

    /// Whether calling a unit in this state cancels a rest day or leave (owed back).
    pub fn cancels_time_off(self) -> bool {
        matches!(self, Self::RestDay | Self::Leave)
    }
}

/// Units on patrol in their own force area (armed response vehicles): the first to reach an
/// incident there is the nearest of the crews out, so the time depends on the area and how many
/// crews patrol it. See `Patrol::minutes`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Patrol {
    /// Average speed on an emergency run (km/h).
    pub speed_kmh: f64,
    /// Road distance over straight-line distance (≥ 1).
    pub circuity: f64,
    /// Minutes from the call to a crew being sent (the control room's decision); it replaces
    /// the host's local latency for this capability.
    pub dispatch: Minutes,
}

impl Patrol {
    /// Minutes for the `j`-th nearest (1-based) of `crews` patrolling crews, spread at random
    /// over `area_km2`, to reach a point in the area: the expected distance to the j-th nearest
    /// point of a Poisson process of density λ = crews / area is Γ(j + ½) / (Γ(j) √(π λ))
    /// (Clark and Evans 1954 for j = 1: 1 / (2 √λ)), times the circuity, at the patrol speed;
    /// rounded up, at least 1.
    pub fn minutes(&self, j: u32, crews: u32, area_km2: f64) -> Minutes {
        let (j, crews) = (f64::from(j.max(1)), f64::from(crews.max(1)));
        let lambda = crews / area_km2.max(0.01);
        let ratio = libm::exp(libm::lgamma(j + 0.5) - libm::lgamma(j));
        let km = ratio / libm::sqrt(std::f64::consts::PI * lambda) * self.circuity;
        ((km / self.speed_kmh * 60.0).ceil() as Minutes).max(1)
    }
}

/// How many units a force holds when the dataset does not say:
/// `max(minimum, round(basis × share / officers_per_unit))`.
#[derive(Debug, Clone, PartialEq)]
pub struct EstablishmentRule {
    /// What the share is taken of.
    pub basis: EstablishmentBasis,
    /// Share of the basis that serves in this capability (0 to 1).
    pub share: f64,
    /// Fewest units any force holds (units).
    pub minimum: u32,
}

/// The figure an establishment rule starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstablishmentBasis {
    /// The force's officer strength (officers).
    Officers,
    /// The force's authorised firearms officers (officers).
    ArmedOfficers,
}

/// Cumulative share of a force's units that can move within `notice` minutes of being asked.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessBand {
    /// Notice (minutes) from request to departure.
    pub notice: Minutes,
    /// Cumulative share of units ready within this notice (0 to 1).
    pub share: f64,
    /// What the band's officers are doing when the call comes.
    pub state: DutyState,
}

/// A link between two forces in the border graph.
#[derive(Debug, Clone)]
pub struct Border {
    /// One end (the lower id).
    pub a: ForceId,
    /// The other end.
    pub b: ForceId,
    /// Road distance HQ to HQ (km).
    pub road_km: f64,
    /// `land`, `land-minimal`, `estuary-crossing`, `sea` or `access`.
    pub link: String,
}

impl Dataset {
    /// The force with this code.
    pub fn force_by_code(&self, code: &str) -> Option<ForceId> {
        self.forces.binary_search_by(|f| f.code.as_str().cmp(code)).ok().map(|i| ForceId(i as u16))
    }

    /// What to tell someone who wrote `written` for a force that has no such code: the code of
    /// the one force whose name contains those words ('greater-manchester' is Greater
    /// Manchester Police, 'gmp'), else the codes spelt most like it.
    pub fn force_hint(&self, written: &str) -> Option<String> {
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
        };
        let wanted = words(written);
        let named: Vec<&Force> = if wanted.is_empty() {
            Vec::new()
        } else {
            self.forces
                .iter()
                .filter(|f| words(&f.name).windows(wanted.len()).any(|w| w == wanted.as_slice()))
                .collect()
        };
        match named.as_slice() {
            [one] => Some(format!("'{written}' is {}: write its code, '{}'", one.name, one.code)),
            _ => crate::diagnostics::suggest(written, self.forces.iter().map(|f| f.code.as_str())),
        }
    }

    /// The capability with this id.
    pub fn capability_by_id(&self, id: &str) -> Option<CapabilityId> {
        self.capabilities.iter().position(|c| c.id == id).map(|i| CapabilityId(i as u8))
    }

    /// The force with this id.
    pub fn force(&self, id: ForceId) -> &Force {
        &self.forces[usize::from(id.0)]
    }

    /// The capability with this id.
    pub fn capability(&self, id: CapabilityId) -> &Capability {
        &self.capabilities[usize::from(id.0)]
    }

    /// Every capability id, in catalogue order.
    pub fn capability_ids(&self) -> impl Iterator<Item = CapabilityId> + '_ {
        (0..self.capabilities.len()).map(|i| CapabilityId(i as u8))
    }

    /// Every force id, in code order.
    pub fn force_ids(&self) -> impl Iterator<Item = ForceId> + '_ {
        (0..self.forces.len()).map(|i| ForceId(i as u16))
    }

    /// Total units of a capability across all forces (units).
    pub fn total_units(&self, cap: CapabilityId) -> u64 {
        self.forces.iter().map(|f| u64::from(f.establishment[usize::from(cap.0)])).sum()
    }
}

impl EstablishmentRule {
    /// Units a force holds under this rule (units).
    pub fn units_for(&self, officers: u32, armed_officers: u32, officers_per_unit: u32) -> u32 {
        let basis = match self.basis {
            EstablishmentBasis::Officers => officers,
            EstablishmentBasis::ArmedOfficers => armed_officers,
        };
        let units = (f64::from(basis) * self.share / f64::from(officers_per_unit.max(1))).round();
        (units as u32).max(self.minimum)
    }
}

impl Capability {
    /// Band (index into `readiness`) of the unit at `rank` (0-based) among `count` units of
    /// one force: units are spread over the bands in order, so the first `share × count` units
    /// of a band's cumulative share are in that band or an earlier one.
    pub fn band_for_rank(&self, rank: u32, count: u32) -> usize {
        for (b, band) in self.readiness.iter().enumerate() {
            let ready = (band.share * f64::from(count)).round() as u32;
            if rank < ready {
                return b;
            }
        }
        self.readiness.len().saturating_sub(1)
    }

    /// Band of a unit whose uniform draw is `u` (0 ≤ u < 1): the first band whose cumulative
    /// share exceeds it, so each band holds its share of units on average.
    pub fn band_for_draw(&self, u: f64) -> usize {
        self.readiness.iter().position(|b| u < b.share).unwrap_or(self.readiness.len().saturating_sub(1))
    }

    /// Notice (minutes) of the unit at `rank` among `count`: its band's notice.
    pub fn notice_for_rank(&self, rank: u32, count: u32) -> Minutes {
        self.readiness.get(self.band_for_rank(rank, count)).map_or(0, |b| b.notice)
    }
}
