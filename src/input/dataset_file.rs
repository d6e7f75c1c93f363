//! The dataset file: forces, borders, capability catalogue and policy defaults.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use super::disorder_file::{DisorderFile, ThreatLevelFile};
use super::policy_file::PolicyFile;
use super::source::SourceDocument;
use super::uncertainty_file::UncertaintyFile;
use crate::diagnostics::Diagnostics;
use crate::model::{
    Border, Capability, Dataset, DutyState, EstablishmentBasis, EstablishmentRule, Force, Patrol,
    ReadinessBand, RegionId,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    dataset: DatasetHeader,
    #[serde(default)]
    pub policy: PolicyFile,
    #[serde(default)]
    pub disorder: DisorderFile,
    #[serde(default)]
    pub threat_level: ThreatLevelFile,
    #[serde(default)]
    pub uncertainty: UncertaintyFile,
    capability: Vec<Spanned<CapabilityFile>>,
    force: Vec<Spanned<ForceFile>>,
    #[serde(default)]
    border: Vec<Spanned<BorderFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetHeader {
    name: String,
    #[serde(default)]
    description: String,
}

/// Also used, all keys optional, by a scenario's `[capability.ID]` patch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapabilityFile {
    id: Spanned<String>,
    unit: String,
    officers_per_unit: Spanned<u32>,
    convoy_speed_kmh: Spanned<f64>,
    establishment: EstablishmentFile,
    readiness: Spanned<Vec<ReadinessFile>>,
    abstracted: Option<Spanned<f64>>,
    mobilised_notice: Option<Spanned<String>>,
    patrol: Option<Spanned<PatrolFile>>,
}

/// `patrol = { speed_kmh = 60, circuity = 1.3, dispatch = "2m" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatrolFile {
    speed_kmh: Spanned<f64>,
    circuity: Spanned<f64>,
    dispatch: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapabilityPatch {
    pub officers_per_unit: Option<Spanned<u32>>,
    pub convoy_speed_kmh: Option<Spanned<f64>>,
    pub readiness: Option<Spanned<Vec<ReadinessFile>>>,
    pub abstracted: Option<Spanned<f64>>,
    pub mobilised_notice: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EstablishmentFile {
    basis: Spanned<String>,
    share: Spanned<f64>,
    #[serde(default)]
    minimum: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessFile {
    notice: Spanned<String>,
    share: Spanned<f64>,
    state: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForceFile {
    code: Spanned<String>,
    name: String,
    #[serde(default)]
    country: String,
    region: Spanned<String>,
    officers: u32,
    #[serde(default)]
    armed_officers: u32,
    hq: Option<HqFile>,
    area_km2: Option<Spanned<f64>>,
    #[serde(default)]
    units: BTreeMap<Spanned<String>, Spanned<u32>>,
    #[serde(default)]
    consistency: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    #[allow(dead_code)] // provenance for people reading the file; the engine has no use for it
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HqFile {
    lat: Spanned<f64>,
    lon: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BorderFile {
    a: Spanned<String>,
    b: Spanned<String>,
    road_km: Spanned<f64>,
    #[serde(default = "land")]
    link: String,
}

fn land() -> String {
    "land".into()
}

/// A checked dataset, before the scenario's capability patches fix each force's establishment.
pub struct DatasetDraft {
    pub dataset: Dataset,
    /// Units stated in the file per force and capability; `None` means "apply the rule".
    pub explicit_units: Vec<Vec<Option<u32>>>,
}

impl DatasetDraft {
    /// Fill every force's establishment from its explicit units or the capability's rule.
    pub fn establish(&mut self) {
        let caps = &self.dataset.capabilities;
        for (force, explicit) in self.dataset.forces.iter_mut().zip(&self.explicit_units) {
            force.establishment = caps
                .iter()
                .zip(explicit)
                .map(|(cap, ex)| {
                    ex.unwrap_or_else(|| {
                        cap.establishment_rule.units_for(
                            force.officers,
                            force.armed_officers,
                            cap.officers_per_unit,
                        )
                    })
                })
                .collect();
        }
    }
}

pub fn parse_dataset_file(doc: &SourceDocument<'_>) -> Result<DatasetFile, Diagnostics> {
    doc.deserialize::<DatasetFile>()
}

pub fn readiness(c: &mut Checker<'_, '_>, bands: &Spanned<Vec<ReadinessFile>>) -> Option<Vec<ReadinessBand>> {
    let mut out = Vec::new();
    let mut ok = true;
    for band in bands.get_ref() {
        let notice = c.duration(&band.notice, "readiness notice");
        let share = c.unit_interval(&band.share, "readiness share");
        let state = match &band.state {
            None => Some(DutyState::Unstated),
            Some(s) => c.choice(s, "duty state", &DutyState::NAMES, DutyState::parse),
        };
        match (notice, share, state) {
            (Some(notice), Some(share), Some(state)) => {
                if let Some(prev) = out.last().cloned() {
                    let ReadinessBand { notice: pn, share: ps, .. } = prev;
                    if notice <= pn {
                        c.error(band.notice.span(), "readiness bands must be in increasing notice", None);
                        ok = false;
                    }
                    if share < ps {
                        c.error(band.share.span(), "readiness shares are cumulative and cannot fall", None);
                        ok = false;
                    }
                }
                out.push(ReadinessBand { notice, share, state });
            }
            _ => ok = false,
        }
    }
    if ok && out.last().map(|b| b.share) != Some(1.0) {
        c.error(
            bands.span(),
            "the last readiness band must have share = 1.0 (every unit can move eventually)",
            Some("add e.g. { notice = \"24h\", share = 1.0 }".into()),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// Check a patrol table: a positive speed, a circuity of at least 1, a dispatch time.
fn patrol(c: &mut Checker<'_, '_>, p: &Spanned<PatrolFile>) -> Option<Patrol> {
    let f = p.get_ref();
    let speed = c.positive(&f.speed_kmh, "patrol speed_kmh");
    let circuity = *f.circuity.get_ref();
    let circuity = if circuity.is_finite() && (1.0..=5.0).contains(&circuity) {
        Some(circuity)
    } else {
        c.error(f.circuity.span(), format!("patrol circuity must be between 1 and 5, not {circuity}"), None);
        None
    };
    let dispatch = c.duration(&f.dispatch, "patrol dispatch");
    Some(Patrol { speed_kmh: speed?, circuity: circuity?, dispatch: dispatch? })
}

/// Check the file's content and build the dataset (establishment not yet filled).
pub fn build_dataset(file: &DatasetFile, c: &mut Checker<'_, '_>) -> Option<DatasetDraft> {
    let before = c.problems.len();
    let mut capabilities = Vec::new();
    let mut seen = BTreeSet::new();
    if file.capability.is_empty() {
        c.error(0..0, "the dataset has no [[capability]]", None);
    }
    for cap in &file.capability {
        let cap = cap.get_ref();
        if cap.id.get_ref().trim().is_empty() {
            c.error(cap.id.span(), "capability id is empty", None);
        } else if cap.id.get_ref().chars().any(char::is_control) {
            c.error(cap.id.span(), "a capability id may not hold control characters", None);
        } else if !seen.insert(cap.id.get_ref().clone()) {
            c.error(cap.id.span(), format!("capability '{}' is defined twice", cap.id.get_ref()), None);
        }
        if *cap.officers_per_unit.get_ref() == 0 {
            c.error(cap.officers_per_unit.span(), "officers_per_unit must be 1 or more", None);
        }
        let speed = c.positive(&cap.convoy_speed_kmh, "convoy_speed_kmh");
        let basis =
            c.choice(&cap.establishment.basis, "establishment basis", &["officers", "armed-officers"], |s| {
                match s {
                    "officers" => Some(EstablishmentBasis::Officers),
                    "armed-officers" => Some(EstablishmentBasis::ArmedOfficers),
                    _ => None,
                }
            });
        let share = c.unit_interval(&cap.establishment.share, "establishment share");
        let readiness = readiness(c, &cap.readiness);
        let abstracted = match &cap.abstracted {
            Some(a) => c.unit_interval(a, "abstracted"),
            None => Some(0.0),
        };
        let mobilised_notice = match &cap.mobilised_notice {
            Some(n) => c.duration(n, "mobilised_notice").map(Some),
            None => Some(None),
        };
        let patrol = match &cap.patrol {
            Some(p) => patrol(c, p).map(Some),
            None => Some(None),
        };
        if let (
            Some(speed),
            Some(basis),
            Some(share),
            Some(readiness),
            Some(abstracted),
            Some(mobilised_notice),
            Some(patrol),
        ) = (speed, basis, share, readiness, abstracted, mobilised_notice, patrol)
        {
            let first_notice = readiness.first().map_or(0, |b| b.notice);
            capabilities.push(Capability {
                id: cap.id.get_ref().clone(),
                unit_name: cap.unit.clone(),
                officers_per_unit: (*cap.officers_per_unit.get_ref()).max(1),
                convoy_speed_kmh: speed,
                establishment_rule: EstablishmentRule { basis, share, minimum: cap.establishment.minimum },
                readiness,
                abstracted,
                mobilised_notice: mobilised_notice.unwrap_or(first_notice),
                patrol,
            });
        }
    }
    if capabilities.len() > usize::from(u8::MAX) {
        c.error(0..0, "at most 255 capabilities are supported", None);
    }

    // Forces sorted by code: ForceId order is code order everywhere.
    let mut forces_sorted: Vec<&Spanned<ForceFile>> = file.force.iter().collect();
    forces_sorted.sort_by(|a, b| a.get_ref().code.get_ref().cmp(b.get_ref().code.get_ref()));
    if forces_sorted.is_empty() {
        c.error(0..0, "the dataset has no [[force]]", None);
    }
    if forces_sorted.len() > usize::from(u16::MAX) {
        c.error(0..0, "at most 65,535 forces are supported", None);
    }
    let regions: Vec<String> = forces_sorted
        .iter()
        .map(|f| f.get_ref().region.get_ref().clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut forces = Vec::new();
    let mut explicit_units = Vec::new();
    for (i, f) in forces_sorted.iter().enumerate() {
        let f = f.get_ref();
        let code = f.code.get_ref();
        if code.trim().is_empty() {
            c.error(f.code.span(), "force code is empty", None);
        }
        if code.chars().any(char::is_control) || f.name.chars().any(char::is_control) {
            c.error(f.code.span(), "a force's code and name may not hold control characters", None);
        }
        if f.units.values().any(|u| u64::from(*u.get_ref()) > crate::model::MAX_UNITS) {
            c.error(
                f.code.span(),
                format!("a force may hold at most {} units of a capability", crate::model::MAX_UNITS),
                None,
            );
        }
        if i > 0 && forces_sorted[i - 1].get_ref().code.get_ref() == code {
            c.error(f.code.span(), format!("force '{code}' is defined twice"), None);
        }
        if f.region.get_ref().trim().is_empty() {
            c.error(f.region.span(), "region is empty", None);
        }
        let hq = f.hq.as_ref().map(|hq| {
            let (lat, lon) = (*hq.lat.get_ref(), *hq.lon.get_ref());
            if !(-90.0..=90.0).contains(&lat) {
                c.error(hq.lat.span(), format!("latitude {lat} is outside -90..90"), None);
            }
            if !(-180.0..=180.0).contains(&lon) {
                c.error(hq.lon.span(), format!("longitude {lon} is outside -180..180"), None);
            }
            (lat, lon)
        });
        let area_km2 = f.area_km2.as_ref().and_then(|a| c.positive(a, "area_km2"));
        let mut units = vec![None; capabilities.len()];
        for (k, v) in &f.units {
            if let Some(ci) = c.capability_among(&capabilities, k) {
                units[ci] = Some(*v.get_ref());
            }
        }
        let mut consistency = vec![1.0; capabilities.len()];
        for (k, v) in &f.consistency {
            if let (Some(ci), Some(x)) =
                (c.capability_among(&capabilities, k), c.unit_interval(v, "consistency"))
            {
                consistency[ci] = x;
            }
        }
        let region = regions.binary_search(f.region.get_ref()).unwrap_or(0);
        forces.push(Force {
            code: code.clone(),
            name: f.name.clone(),
            country: f.country.clone(),
            region: RegionId(region as u16),
            officers: f.officers,
            armed_officers: f.armed_officers,
            hq,
            area_km2,
            establishment: Vec::new(),
            consistency,
        });
        explicit_units.push(units);
    }

    let mut dataset = Dataset {
        name: file.dataset.name.clone(),
        description: file.dataset.description.clone(),
        forces,
        capabilities,
        regions,
        borders: Vec::new(),
    };
    let mut pairs = BTreeSet::new();
    for b in &file.border {
        let b = b.get_ref();
        let fa = c.force(&dataset, &b.a);
        let fb = c.force(&dataset, &b.b);
        let km = c.positive(&b.road_km, "road_km");
        if let (Some(fa), Some(fb), Some(km)) = (fa, fb, km) {
            let key = (fa.min(fb), fa.max(fb));
            if fa == fb {
                c.error(b.b.span(), "a border links two different forces", None);
            } else if !pairs.insert(key) {
                c.error(
                    b.a.span(),
                    format!("border {}-{} is listed twice", b.a.get_ref(), b.b.get_ref()),
                    None,
                );
            } else {
                dataset.borders.push(Border { a: key.0, b: key.1, road_km: km, link: b.link.clone() });
            }
        }
    }
    dataset.borders.sort_by_key(|b| (b.a, b.b));
    if c.problems.len() > before {
        return None;
    }
    Some(DatasetDraft { dataset, explicit_units })
}
