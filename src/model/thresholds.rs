//! The Strategic Policing Requirement measures Muster grades, and the limits that grade them
//! (from `data/assessment.toml`, or a user's file over it).

use std::collections::BTreeMap;

/// The SPR areas, in the order reports show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// Capacity and contribution: enough units, and each force lending its share.
    Capacity,
    /// Specialist capability: firearms, CBRN and the rest reach incidents in time.
    Capability,
    /// Consistency: units from different forces work to common standards.
    Consistency,
    /// Connectivity: requests travel, units travel, the nation mobilises in time.
    Connectivity,
}

impl Area {
    /// Every area, in report order.
    pub const ALL: [Area; 4] = [Area::Capacity, Area::Capability, Area::Consistency, Area::Connectivity];

    /// The area's key in files (`capacity`, …).
    pub fn key(self) -> &'static str {
        match self {
            Area::Capacity => "capacity",
            Area::Capability => "capability",
            Area::Consistency => "consistency",
            Area::Connectivity => "connectivity",
        }
    }

    /// The area's name in reports.
    pub fn title(self) -> &'static str {
        match self {
            Area::Capacity => "Capacity and contribution",
            Area::Capability => "Capability",
            Area::Consistency => "Consistency",
            Area::Connectivity => "Connectivity",
        }
    }
}

/// Which way a measure improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Larger values are better (shares met, contribution).
    Higher,
    /// Smaller values are better (hours, minutes, losses).
    Lower,
}

/// What a measure's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureUnit {
    /// A share from 0 to 1.
    Share,
    /// A ratio (1 = exactly the fair share).
    Ratio,
    /// Hours.
    Hours,
    /// Minutes (threshold files may write them as durations: "90m", "2h").
    Minutes,
}

/// One graded measure: what it is and which way is better. Its limits are in [`Thresholds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureDef {
    /// Area of the Strategic Policing Requirement.
    pub area: Area,
    /// Key within the area's table (`demand_met`); with the area, the measure's id.
    pub key: &'static str,
    /// What is measured, for reports.
    pub title: &'static str,
    /// Unit of the values and limits.
    pub unit: MeasureUnit,
    /// Which way is better.
    pub better: Better,
}

impl MeasureDef {
    /// `area.key`, e.g. `capacity.demand_met`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.area.key(), self.key)
    }
}

/// The per-capability response-time measure: limits are kept per capability id, as
/// `capability.first_response.<capability>`.
pub const FIRST_RESPONSE: MeasureDef = MeasureDef {
    area: Area::Capability,
    key: "first_response",
    title: "worst time from first demand to first unit on task",
    unit: MeasureUnit::Minutes,
    better: Better::Lower,
};

/// Every graded measure except the per-capability [`FIRST_RESPONSE`].
pub const MEASURES: [MeasureDef; 9] = [
    MeasureDef {
        area: Area::Capacity,
        key: "demand_met",
        title: "share of demanded unit-hours met at the scope's incidents",
        unit: MeasureUnit::Share,
        better: Better::Higher,
    },
    MeasureDef {
        area: Area::Capacity,
        key: "contribution_ratio",
        title: "aid lent against fair share by officer strength (forces that received none)",
        unit: MeasureUnit::Ratio,
        better: Better::Higher,
    },
    MeasureDef {
        area: Area::Capacity,
        key: "hours_below_cover",
        title: "hours below retained cover while lending (worst force)",
        unit: MeasureUnit::Hours,
        better: Better::Lower,
    },
    MeasureDef {
        area: Area::Capability,
        key: "demand_met",
        title: "share of demand met for the worst-served capability",
        unit: MeasureUnit::Share,
        better: Better::Higher,
    },
    MeasureDef {
        area: Area::Consistency,
        key: "effectiveness_lost",
        title: "share of the scope's deployed unit-hours lost to standards below 1",
        unit: MeasureUnit::Share,
        better: Better::Lower,
    },
    MeasureDef {
        area: Area::Connectivity,
        key: "regional_arrival",
        title: "mean request-to-arrival time of regional (tier 2) aid",
        unit: MeasureUnit::Minutes,
        better: Better::Lower,
    },
    MeasureDef {
        area: Area::Connectivity,
        key: "national_arrival",
        title: "mean request-to-arrival time of national (tier 3) aid",
        unit: MeasureUnit::Minutes,
        better: Better::Lower,
    },
    MeasureDef {
        area: Area::Connectivity,
        key: "trigger_delay",
        title: "time from the first unfilled regional request to national mobilisation",
        unit: MeasureUnit::Minutes,
        better: Better::Lower,
    },
    MeasureDef {
        area: Area::Connectivity,
        key: "cut_off_hours",
        title: "hours cut off from the rest of the country by closed links (worst force)",
        unit: MeasureUnit::Hours,
        better: Better::Lower,
    },
];

/// Four limits: the worst value that still earns outstanding, good, adequate and requires
/// improvement (in the measure's unit); anything worse is inadequate.
pub type Limits = [f64; 4];

/// The limits that grade each measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Name shown in reports (which thresholds were used).
    pub name: String,
    /// Limits by measure id (`capacity.demand_met`, `capability.first_response.firearms`).
    pub limits: BTreeMap<String, Limits>,
}

impl Thresholds {
    /// The definition of measure `id`, if it is one Muster grades.
    pub fn definition(id: &str) -> Option<MeasureDef> {
        if let Some(cap) = id.strip_prefix("capability.first_response.") {
            return (!cap.is_empty()).then_some(FIRST_RESPONSE);
        }
        MEASURES.iter().find(|m| m.id() == id).copied()
    }

    /// Capabilities with a first-response standard, in id order.
    pub fn response_standards(&self) -> impl Iterator<Item = &str> {
        self.limits.keys().filter_map(|k| k.strip_prefix("capability.first_response."))
    }
}
