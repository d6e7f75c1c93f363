//! Every SPR measure observed in one run, for every scope (the nation, each region, each
//! force), as `scope/measure` keys (`force:met/capacity.demand_met`), so an ensemble can carry
//! them per replication and the assessment can grade a run's values or an ensemble's means.
//! Values are kept as observed, never rounded.

use std::collections::{BTreeMap, BTreeSet};

use super::slot;
use crate::results::{ForceSummary, Geography, RunResult};
use crate::time::{Clock, Duration, Minutes};

/// Minutes as a reader says them: "2h 05m", "45m", "3d 4h 10m".
fn span(minutes: Minutes) -> String {
    Duration(minutes).to_string()
}

/// One measure's value in one run, and what produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The value, in the measure's unit.
    pub value: f64,
    /// Which force, incident or capability it came from, and whether it is censored.
    pub note: Option<String>,
    /// The value is a lower bound: the event had not happened by the end of the result.
    pub censored: bool,
}

/// Suffix of the companion key an ensemble's replication carries for a censored observation
/// (value 1): its count over replications says in how many the value was a lower bound.
pub const CENSORED_SUFFIX: &str = "#censored";

/// The scopes of a run: the nation, each region, each force, with the forces (by code) in each.
pub(crate) fn scopes<'a>(forces: &[(&'a str, &'a str)]) -> Vec<(String, BTreeSet<&'a str>)> {
    let mut out = vec![("nation".to_string(), forces.iter().map(|&(code, _)| code).collect())];
    let regions: BTreeSet<&str> = forces.iter().map(|&(_, region)| region).collect();
    for region in regions {
        let members = forces.iter().filter(|&&(_, r)| r == region).map(|&(code, _)| code).collect();
        out.push((format!("region:{region}"), members));
    }
    for &(code, _) in forces {
        out.push((format!("force:{code}"), BTreeSet::from([code])));
    }
    out
}

/// (code, region) of every force in a run's results (results written before `geography`
/// existed have these too).
pub(crate) fn run_places(r: &RunResult) -> Vec<(&str, &str)> {
    r.forces.iter().map(|f| (f.code.as_str(), f.region.as_str())).collect()
}

/// (code, region) of every force in `geo`.
pub(crate) fn places(geo: &Geography) -> Vec<(&str, &str)> {
    geo.forces.iter().map(|f| (f.code.as_str(), f.region.as_str())).collect()
}

/// The item with the largest `key`, ties to the first.
fn worst<T>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> f64) -> Option<T> {
    items.into_iter().fold(None, |best, x| match best {
        Some(b) if key(&b) >= key(&x) => Some(b),
        _ => Some(x),
    })
}

/// Every measure of every scope observed in `r`, by `scope/measure` key.
pub fn observe(r: &RunResult) -> BTreeMap<String, Observed> {
    let by_scope = observe_by_scope(r).into_iter();
    by_scope
        .flat_map(|(scope, measures)| measures.into_iter().map(move |(m, o)| (format!("{scope}/{m}"), o)))
        .collect()
}

/// Every measure of every scope observed in `r`, by scope, then measure.
fn observe_by_scope(r: &RunResult) -> BTreeMap<String, BTreeMap<String, Observed>> {
    let mut out: BTreeMap<String, BTreeMap<String, Observed>> = BTreeMap::new();
    // A scope's name is copied once, not once per measure. Graded as observed: a value rounded
    // first can cross a limit (1 of 4,291 unit-hours lost is not 0.0%).
    let mut put = |scope: &str, measure: String, value: f64, note: Option<String>, censored: bool| {
        slot(&mut out, scope).insert(measure, Observed { value, note, censored });
    };
    let any_closure = r.geography.links.iter().any(|l| l.closed_hours > 0.0);
    // The result covers the start to `end`: the horizon, or where a session stopped.
    let end = r.manifest.until.unwrap_or(r.manifest.horizon_minutes);
    // Each force's burden, for reports' force tables (kept only where it is not zero).
    for f in &r.forces {
        for (what, v) in [
            ("lent_unit_hours", f.lent_unit_hours),
            ("received_unit_hours", f.received_unit_hours),
            ("fair_share_unit_hours", f.fair_share_unit_hours),
            ("hours_below_cover", f.hours_below_cover),
            ("cut_off_hours", f.cut_off_hours),
        ] {
            if v != 0.0 {
                put(&format!("force:{}", f.code), format!("burden.{what}"), v, None, false);
            }
        }
    }
    for (scope, members) in scopes(&run_places(r)) {
        let forces: Vec<&ForceSummary> =
            r.forces.iter().filter(|f| members.contains(f.code.as_str())).collect();
        // Incidents that had not started when the result was taken are not part of it.
        let incidents: Vec<_> =
            r.incidents.iter().filter(|i| members.contains(i.host.as_str()) && i.start < end).collect();
        let name_force =
            |f: &ForceSummary, v: f64| (members.len() > 1 && v > 0.0).then(|| format!("worst: {}", f.code));

        // What the scenario asked of the scope: the reasons it is graded at all.
        let (mut demanded, mut met) = (0.0, 0.0);
        let mut by_threat: BTreeMap<(&str, &str), (f64, f64, f64)> = BTreeMap::new();
        let mut by_capability: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for i in &incidents {
            for c in &i.capabilities {
                demanded += c.demanded_unit_hours;
                met += c.met_unit_hours;
                let t = by_threat.entry((i.kind.as_str(), c.capability.as_str())).or_default();
                t.0 += c.demanded_unit_hours;
                t.1 += c.met_unit_hours;
                t.2 = t.2.max(c.peak_shortfall_units);
                let k = by_capability.entry(c.capability.as_str()).or_default();
                k.0 += c.demanded_unit_hours;
                k.1 += c.met_unit_hours;
            }
        }
        let lent: f64 = forces.iter().map(|f| f.lent_unit_hours).sum();
        let received: f64 = forces.iter().map(|f| f.received_unit_hours).sum();
        let cut_off: f64 = forces.iter().map(|f| f.cut_off_hours).fold(0.0, f64::max);
        for (what, v) in [
            ("demanded_unit_hours", demanded),
            ("lent_unit_hours", lent),
            ("received_unit_hours", received),
            ("cut_off_hours", cut_off),
        ] {
            if v > 0.0 {
                put(&scope, format!("scope.{what}"), v, None, false);
            }
        }
        let involved = demanded > 0.0 || lent > 0.0 || received > 0.0 || cut_off > 0.0;

        // Capacity: demand met, by threat, and contribution.
        if demanded > 0.0 {
            let note = format!("{met:.1} of {demanded:.1} unit-hours met");
            put(&scope, "capacity.demand_met".into(), (met / demanded).min(1.0), Some(note), false);
        }
        let mut unmet_by_threat: BTreeMap<&str, f64> = BTreeMap::new();
        for (&(threat, cap), &(d, m, peak)) in &by_threat {
            *unmet_by_threat.entry(threat).or_default() += d - m;
            put(&scope, format!("fms.{threat}.{cap}.demanded_unit_hours"), d, None, false);
            put(&scope, format!("fms.{threat}.{cap}.met_unit_hours"), m, None, false);
            put(&scope, format!("fms.{threat}.{cap}.peak_shortfall_units"), peak, None, false);
        }
        for (threat, unmet) in unmet_by_threat {
            put(&scope, format!("capacity.unmet_unit_hours.{threat}"), unmet.max(0.0), None, false);
        }
        let fair: f64 = forces.iter().map(|f| f.fair_share_unit_hours).sum();
        if fair > 0.0 && received == 0.0 {
            let note = format!("lent {lent:.1} unit-hours against a fair share of {fair:.1}");
            put(&scope, "capacity.contribution_ratio".into(), lent / fair, Some(note), false);
        }
        let lenders = forces.iter().copied().filter(|f| f.lent_unit_hours > 0.0);
        if let Some(f) = worst(lenders, |f| f.hours_below_cover) {
            let note = name_force(f, f.hours_below_cover);
            put(&scope, "capacity.hours_below_cover".into(), f.hours_below_cover, note, false);
        }

        // Capability: the worst-served capability, and first response per capability.
        if let Some((cap, (d, m))) =
            worst(by_capability.iter().filter(|(_, (d, _))| *d > 0.0), |(_, (d, m))| 1.0 - m / d)
        {
            let note = Some(format!("worst: {cap}"));
            put(&scope, "capability.demand_met".into(), (m / d).min(1.0), note, false);
        }
        for cap in by_capability.keys() {
            let responses = incidents.iter().filter_map(|i| {
                let c =
                    i.capabilities.iter().find(|c| c.capability == *cap && c.demanded_unit_hours > 0.0)?;
                let first = c.first_demand_at.unwrap_or(i.start);
                Some(match c.time_to_first_cover {
                    Some(m) => (m, false, i),
                    // Never covered: at least as long as its demand lasted within the result.
                    None => (i.end.min(end).saturating_sub(first), true, i),
                })
            });
            if let Some((minutes, censored, i)) = worst(responses, |x| f64::from(x.0)) {
                let note = if censored {
                    let why =
                        if i.end < end { "before its demand ended" } else { "before the result was taken" };
                    format!("{}: not reached in {} ({why})", i.id, span(minutes))
                } else {
                    format!("worst: {}", i.id)
                };
                let key = format!("capability.first_response.{cap}");
                put(&scope, key, f64::from(minutes), Some(note), censored);
            }
        }

        // Consistency: effectiveness lost by the scope's own units, wherever they served.
        let deployed: f64 = forces.iter().map(|f| f.deployed_unit_hours).sum();
        let lost: f64 = forces.iter().map(|f| f.effectiveness_lost_unit_hours).sum();
        if deployed > 0.0 {
            let note = format!("{lost:.1} of {deployed:.1} unit-hours on task lost");
            put(&scope, "consistency.effectiveness_lost".into(), lost / deployed, Some(note), false);
        }

        // Connectivity: aid arriving at the scope's incidents, the trigger, links cut.
        for (tier, key) in [(1usize, "regional_arrival"), (2, "national_arrival")] {
            let units: u32 = forces.iter().map(|f| f.arrivals_by_tier[tier]).sum();
            let minutes: u64 = forces.iter().map(|f| f.arrival_minutes_by_tier[tier]).sum();
            if units > 0 {
                let note = format!("{units} units");
                let mean = minutes as f64 / f64::from(units);
                put(&scope, format!("connectivity.{key}"), mean, Some(note), false);
            }
        }
        if scope == "nation"
            && let Some(need) = r.summary.regional_shortfall_at
        {
            let (delay, note, censored) = match r.summary.national_trigger_at {
                Some(t) => (
                    t.saturating_sub(need),
                    format!("regional shortfall at {}, trigger at {}", Clock(need), Clock(t)),
                    false,
                ),
                // Not triggered: judged on how long regional requests went unfilled, not on
                // how long the run went on.
                None => {
                    let unfilled = r.summary.regional_unfilled_minutes;
                    let note = format!(
                        "not triggered; regional requests went unfilled for {} at most at a time (first at {})",
                        span(unfilled),
                        Clock(need)
                    );
                    (unfilled, note, true)
                }
            };
            put(&scope, "connectivity.trigger_delay".into(), f64::from(delay), Some(note), censored);
        }
        // Closed links grade only the scopes the scenario involved, or cut off.
        if any_closure
            && involved
            && let Some(f) = worst(forces.iter().copied(), |f| f.cut_off_hours)
        {
            let note = name_force(f, f.cut_off_hours);
            put(&scope, "connectivity.cut_off_hours".into(), f.cut_off_hours, note, false);
        }
    }
    out
}

/// The observations as plain numbers, by `scope/measure` key.
pub fn observation_values(r: &RunResult) -> BTreeMap<String, f64> {
    observe(r).into_iter().map(|(k, o)| (k, o.value)).collect()
}

/// The observations grouped by scope (scope → measure → value): the same numbers as
/// [`observation_values`] with each scope written once, for an ensemble's replication lines. A
/// censored value has a companion `MEASURE#censored` = 1.
pub fn observations_by_scope(r: &RunResult) -> BTreeMap<String, BTreeMap<String, f64>> {
    let by_scope = observe_by_scope(r).into_iter();
    by_scope
        .map(|(scope, measures)| {
            let mut values = BTreeMap::new();
            for (m, o) in measures {
                if o.censored {
                    values.insert(format!("{m}{CENSORED_SUFFIX}"), 1.0);
                }
                values.insert(m, o.value);
            }
            (scope, values)
        })
        .collect()
}

/// Prefix of the observations among an ensemble aggregate's measures.
pub const ENSEMBLE_PREFIX: &str = "evidence.";
