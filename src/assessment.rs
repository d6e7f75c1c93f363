//! The SPR assessment: measures observed in a run for every scope (the nation, each region,
//! each force), graded against thresholds. Reads only [`RunResult`]s (or an ensemble's
//! aggregate of the same observations), never the World.
//!
//! Observations are kept as `scope/measure` keys (`force:met/capacity.demand_met`), so an
//! ensemble can carry them per replication and grade their means. Values are graded as
//! observed, never rounded first.
//!
//! Censoring: a time whose event had not happened when the result was taken (no unit arrived,
//! no national trigger) is a lower bound, "not reached in …". It is graded only when even the
//! bound is past the last limit (a finding, inadequate); otherwise it is not graded, since the
//! run's length, not the system, would decide the grade. An incident that had not started is
//! left out. A scope is graded only on what the scenario asked of it: demand it hosted, aid it
//! lent or received, time it was cut off.

use std::collections::BTreeSet;

use crate::analysis::ensemble::Aggregate;
use crate::analysis::observations::{CENSORED_SUFFIX, ENSEMBLE_PREFIX, observe, places, run_places, scopes};
use crate::model::{Area, Better, FIRST_RESPONSE, Limits, MEASURES, MeasureDef, MeasureUnit, Thresholds};
use crate::results::round3;
use crate::results::{AreaAssessment, Assessment, Evidence, Grade, RunResult, ScopeAssessment, UnmetDemand};

/// One measure's value as graded: a run's value, or an ensemble's mean with its spread.
#[derive(Debug, Clone, PartialEq)]
struct Valued {
    value: f64,
    note: Option<String>,
    censored: bool,
    replications: Option<u64>,
    p5: Option<f64>,
    p95: Option<f64>,
}

/// The grade of a censored `bound` (the true value is at least this bad): inadequate when even
/// the bound is past the last limit, otherwise none (the run ended too soon to judge).
pub fn grade_censored(bound: f64, limits: &Limits, better: Better) -> Option<Grade> {
    (grade(bound, limits, better) == Grade::Inadequate).then_some(Grade::Inadequate)
}

/// The grade `value` earns against `limits` when `better` is the way it improves.
pub fn grade(value: f64, limits: &Limits, better: Better) -> Grade {
    let within = |limit: f64| match better {
        Better::Higher => value >= limit,
        Better::Lower => value <= limit,
    };
    Grade::ALL.into_iter().zip(limits).find(|&(_, &l)| within(l)).map_or(Grade::Inadequate, |(g, _)| g)
}

fn unit_name(unit: MeasureUnit) -> &'static str {
    match unit {
        MeasureUnit::Share => "share",
        MeasureUnit::Ratio => "ratio",
        MeasureUnit::Hours => "hours",
        MeasureUnit::Minutes => "minutes",
    }
}

fn assess_with(
    forces: &[(&str, &str)],
    thresholds: &Thresholds,
    basis: String,
    lookup: &dyn Fn(&str) -> Option<Valued>,
    keys: &BTreeSet<String>,
) -> Assessment {
    let scope_assessment = |scope: &str| -> ScopeAssessment {
        let prefix = format!("{scope}/");
        let evidence = |id: &str, def: &MeasureDef, description: String| -> Option<Evidence> {
            let v = lookup(&format!("{prefix}{id}"))?;
            let limits = thresholds.limits.get(id).copied();
            Some(Evidence {
                measure: id.to_string(),
                description,
                value: v.value,
                unit: unit_name(def.unit).into(),
                grade: limits.and_then(|l| {
                    if v.censored {
                        grade_censored(v.value, &l, def.better)
                    } else {
                        Some(grade(v.value, &l, def.better))
                    }
                }),
                limits,
                note: v.note,
                censored: v.censored,
                replications: v.replications,
                p5: v.p5,
                p95: v.p95,
            })
        };
        // Measures observed in this scope under a prefix, with the rest of the key.
        let suffixes = |measure_prefix: &str| -> Vec<String> {
            let full = format!("{prefix}{measure_prefix}");
            keys.range(full.clone()..)
                .take_while(|k| k.starts_with(&full))
                .map(|k| k[full.len()..].to_string())
                .collect()
        };
        let areas: Vec<AreaAssessment> = Area::ALL
            .into_iter()
            .map(|area| {
                let mut items: Vec<Evidence> = MEASURES
                    .iter()
                    .filter(|m| m.area == area)
                    .filter_map(|m| evidence(&m.id(), m, m.title.into()))
                    .collect();
                if area == Area::Capability {
                    for cap in suffixes("capability.first_response.") {
                        let id = format!("capability.first_response.{cap}");
                        items.extend(evidence(
                            &id,
                            &FIRST_RESPONSE,
                            format!("{cap}: {}", FIRST_RESPONSE.title),
                        ));
                    }
                }
                if area == Area::Capacity {
                    for threat in suffixes("capacity.unmet_unit_hours.") {
                        let id = format!("capacity.unmet_unit_hours.{threat}");
                        if let Some(v) = lookup(&format!("{prefix}{id}")) {
                            items.push(Evidence {
                                measure: id,
                                description: format!("unmet demand, {threat} incidents"),
                                value: v.value,
                                unit: "unit-hours".into(),
                                grade: None,
                                limits: None,
                                note: None,
                                censored: false,
                                replications: v.replications,
                                p5: v.p5,
                                p95: v.p95,
                            });
                        }
                    }
                }
                // Graded evidence first; the order within each group is fixed above.
                items.sort_by_key(|e| e.grade.is_none());
                AreaAssessment {
                    area: area.key().into(),
                    grade: items.iter().filter_map(|e| e.grade).max(),
                    evidence: items,
                }
            })
            .collect();
        let mut unmet_demand = Vec::new();
        for rest in suffixes("fms.") {
            let Some(stem) = rest.strip_suffix(".demanded_unit_hours") else {
                continue;
            };
            let Some((threat, capability)) = stem.split_once('.') else {
                continue;
            };
            let get = |what: &str| lookup(&format!("{prefix}fms.{stem}.{what}")).map_or(0.0, |v| v.value);
            let (d, m) = (get("demanded_unit_hours"), get("met_unit_hours"));
            unmet_demand.push(UnmetDemand {
                threat: threat.into(),
                capability: capability.into(),
                demanded_unit_hours: d,
                met_unit_hours: m,
                unmet_unit_hours: round3((d - m).max(0.0)),
                demand_met: if d > 0.0 { round3((m / d).min(1.0)) } else { 1.0 },
                peak_shortfall_units: get("peak_shortfall_units"),
            });
        }
        // Why the scope is graded: what the scenario asked of it. Nothing asked: not tested,
        // whatever a closed link elsewhere or a quiet run would otherwise have shown.
        let mut exercised = Vec::new();
        for (what, text) in [
            ("demanded_unit_hours", "hosted demand"),
            ("lent_unit_hours", "lent"),
            ("received_unit_hours", "received"),
            ("cut_off_hours", "cut off"),
        ] {
            if let Some(v) = lookup(&format!("{prefix}scope.{what}")) {
                let amount = if what == "cut_off_hours" {
                    format!("{:.1} h", v.value)
                } else {
                    format!("{:.1} unit-hours", v.value)
                };
                let mut line = format!("{text} {amount}");
                if let Some(n) = v.replications {
                    line.push_str(&format!(" (mean of {n} replications)"));
                }
                exercised.push(line);
            }
        }
        let areas = if exercised.is_empty() {
            areas.into_iter().map(|a| AreaAssessment { grade: None, evidence: Vec::new(), ..a }).collect()
        } else {
            areas
        };
        ScopeAssessment {
            scope: scope.split_once(':').map_or(scope, |(_, s)| s).to_string(),
            areas,
            unmet_demand,
            exercised,
        }
    };
    let all = scopes(forces);
    Assessment {
        thresholds: thresholds.name.clone(),
        basis,
        nation: scope_assessment("nation"),
        regions: all
            .iter()
            .filter(|(s, _)| s.starts_with("region:"))
            .map(|(s, _)| scope_assessment(s))
            .collect(),
        forces: all
            .iter()
            .filter(|(s, _)| s.starts_with("force:"))
            .map(|(s, _)| scope_assessment(s))
            .collect(),
    }
}

/// Grade one run.
pub fn assess_run(r: &RunResult, thresholds: &Thresholds) -> Assessment {
    let observed = observe(r);
    let keys = observed.keys().cloned().collect();
    let lookup = |k: &str| {
        observed.get(k).map(|o| Valued {
            value: o.value,
            note: o.note.clone(),
            censored: o.censored,
            replications: None,
            p5: None,
            p95: None,
        })
    };
    assess_with(&run_places(r), thresholds, "one run".into(), &lookup, &keys)
}

/// Grade an ensemble on the mean of each measure over the replications in which it applied.
pub fn assess_ensemble(a: &Aggregate, thresholds: &Thresholds) -> Assessment {
    let keys: BTreeSet<String> =
        a.measures.keys().filter_map(|k| k.strip_prefix(ENSEMBLE_PREFIX)).map(str::to_string).collect();
    let completed = a.completed;
    let lookup = |k: &str| {
        let censored = a.measures.get(&format!("{ENSEMBLE_PREFIX}{k}{CENSORED_SUFFIX}")).map_or(0, |c| c.n);
        a.measures.get(&format!("{ENSEMBLE_PREFIX}{k}")).map(|s| Valued {
            value: s.mean,
            note: match (s.n < completed, censored > 0) {
                (false, false) => None,
                (true, false) => Some(format!("applied in {} of {completed} replications", s.n)),
                (applied, true) => Some(format!(
                    "not reached in {censored} of {} replications: a lower bound{}",
                    s.n,
                    if applied { format!("; applied in {} of {completed}", s.n) } else { String::new() }
                )),
            },
            // Some replications saw only a lower bound, so the mean is one too.
            censored: censored > 0,
            replications: Some(s.n),
            p5: Some(s.p5),
            p95: Some(s.p95),
        })
    };
    let basis = format!("means over {completed} replications");
    // Files written before the manifest carried the geography grade the nation only.
    assess_with(&places(&a.manifest.geography), thresholds, basis, &lookup, &keys)
}
