//! What would change a grade: for each SPR area judged below good, the smallest change to the
//! scope's assets or policy found that lifts the area one grade across the tests that graded
//! it, stated in plain words with its cost in officers.
//!
//! The levers, one per area: capacity and capability — more units of every capability the
//! deciding tests left short, at the scope's host force (`[[override]] units = +N`), raised
//! together by doubling up to [`MAX_UNITS`] and then each cut back by bisection;
//! connectivity — a faster regional decision (the policy's `regional_latency` cut to 3/4,
//! 1/2, 1/4 of itself, then to nothing), then an earlier national trigger (a regional
//! shortfall threshold cut to 3/4, 1/2, 1/4 of itself, then 1 unit); consistency — the host's units of the most short
//! capability brought to the national standard (`consistency = 1`). Each candidate re-runs
//! every test that graded the area, with the same runs and seeds, so a change is credited
//! only when the area's worst grade improves.

use serde::Serialize;

use super::{Request, TestOutcome};
use crate::analysis::ensemble::run_aggregate;
use crate::assessment::assess_ensemble;
use crate::input::SetOverride;
use crate::input::battery_file::place_with;
use crate::results::Grade;

/// Most units the search adds to one capability.
pub const MAX_UNITS: u32 = 64;

/// A change that lifts (or would not lift) an area's grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lift {
    /// The area.
    pub area: String,
    /// Its grade now.
    pub from: Grade,
    /// Its grade with the change (`None`: no change tried lifted it).
    pub to: Option<Grade>,
    /// The change, in plain words (or what was tried).
    pub change: String,
    /// What it costs in officers (units × officers per unit), for asset changes.
    pub officers: Option<u32>,
}

/// A candidate change: scenario text to add, and overrides.
struct Change {
    extra: String,
    sets: Vec<SetOverride>,
}

/// Each test's grade for the area with `change` applied (`None` for a test the change made
/// unplaceable or that no longer grades the area).
fn test_grades(
    r: &Request<'_>,
    area: &str,
    tests: &[&TestOutcome],
    change: &Change,
    progress: &(dyn Fn() + Sync),
) -> Vec<(String, Option<Grade>)> {
    let placement = r.scope.placement(r.dataset);
    let mut sets = r.sets.to_vec();
    sets.extend(change.sets.iter().cloned());
    tests
        .iter()
        .map(|t| {
            let grade = r.battery.tests.iter().find(|b| b.id == t.id).and_then(|test| {
                let model =
                    place_with(test, &placement, &change.extra, &r.battery.source, &sets, r.dataset_file)
                        .ok()?;
                let aggregate = run_aggregate(&std::sync::Arc::new(model), r.runs, progress);
                let scope = r.scope.assessment_of(&assess_ensemble(&aggregate, r.thresholds));
                scope.areas.into_iter().find(|a| a.area == area)?.grade
            });
            (t.id.clone(), grade)
        })
        .collect()
}

/// The area's worst grade across the tests that graded it, with `change` applied to each
/// (`None` when a test could not be run with it).
fn grade_with(
    r: &Request<'_>,
    area: &str,
    tests: &[&TestOutcome],
    change: &Change,
    progress: &(dyn Fn() + Sync),
) -> Option<Grade> {
    let grades = test_grades(r, area, tests, change, progress);
    if grades.iter().any(|(_, g)| g.is_none()) {
        return None;
    }
    grades.into_iter().map(|(_, g)| g).max().flatten()
}

/// The tests that stay at `from` or worse even with `change`: what holds the area down.
fn holding(
    r: &Request<'_>,
    area: &str,
    tests: &[&TestOutcome],
    change: &Change,
    from: Grade,
    progress: &(dyn Fn() + Sync),
) -> String {
    let held: Vec<String> = test_grades(r, area, tests, change, progress)
        .into_iter()
        .filter(|(_, g)| g.is_none_or(|g| g >= from))
        .map(|(t, _)| t)
        .collect();
    if held.is_empty() { String::new() } else { format!("; held down by {}", held.join(", ")) }
}

fn better(a: Option<Grade>, than: Grade) -> bool {
    a.is_some_and(|g| g < than)
}

/// The capabilities the area's deciding tests left short, most unmet unit-hours first.
fn short_capabilities(tests: &[&TestOutcome]) -> Vec<String> {
    let mut unmet: Vec<(String, f64)> = Vec::new();
    for t in tests {
        for u in &t.assessment.unmet_demand {
            match unmet.iter_mut().find(|x| x.0 == u.capability) {
                Some(x) => x.1 += u.unmet_unit_hours,
                None => unmet.push((u.capability.clone(), u.unmet_unit_hours)),
            }
        }
    }
    unmet.retain(|x| x.1 > 0.0);
    unmet.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    unmet.into_iter().map(|x| x.0).collect()
}

/// Units to add per capability: (capability id, units).
type Adds = Vec<(String, u32)>;

/// `[[override]]`s adding `adds` (capability, units) at `host`.
fn more_units(host: &str, adds: &[(String, u32)]) -> Change {
    let mut extra = String::new();
    for (capability, n) in adds.iter().filter(|(_, n)| *n > 0) {
        extra.push_str(&format!(
            "\n[[override]]\nforce = \"{host}\"\ncapability = \"{capability}\"\nunits = {n}\n"
        ));
    }
    Change { extra, sets: Vec::new() }
}

/// The smallest units per short capability found that lift the area: every short capability
/// raised together by doubling until the grade lifts, then each in turn cut back by halving
/// the gap while the grade stays lifted.
fn units_lift(
    r: &Request<'_>,
    area: &str,
    from: Grade,
    graded: &[&TestOutcome],
    capabilities: &[String],
    progress: &(dyn Fn() + Sync),
) -> Option<(Adds, Option<Grade>)> {
    let host = r.scope.forces.first().cloned().unwrap_or_default();
    let tried = |adds: &[(String, u32)]| grade_with(r, area, graded, &more_units(&host, adds), progress);
    let all = |n: u32| capabilities.iter().map(|c| (c.clone(), n)).collect::<Vec<_>>();
    let mut n = 1;
    let (mut adds, mut lifted) = loop {
        if n > MAX_UNITS {
            return None;
        }
        let g = tried(&all(n));
        if better(g, from) {
            break (all(n), g);
        }
        n *= 2;
    };
    // Each capability in turn: the smallest count in 0..=its own that still lifts the grade
    // with the others as they stand (the lower end is not known to fail: start below it).
    for k in 0..adds.len() {
        let (mut low, mut high) = (-1i64, i64::from(adds[k].1));
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            let mut trial = adds.clone();
            trial[k].1 = u32::try_from(mid).unwrap_or(0);
            let g = tried(&trial);
            if better(g, from) {
                high = mid;
                lifted = g;
            } else {
                low = mid;
            }
        }
        adds[k].1 = u32::try_from(high).unwrap_or(0);
    }
    adds.retain(|(_, n)| *n > 0);
    Some((adds, lifted))
}

/// For each area of `judged` below good, the smallest change found that lifts it one grade.
pub fn what_would_change(
    r: &Request<'_>,
    areas: &[super::AreaJudgement],
    tests: &[TestOutcome],
    progress: &(dyn Fn() + Sync),
) -> Vec<Lift> {
    let host = r.scope.forces.first().cloned().unwrap_or_default();
    let mut lifts = Vec::new();
    for a in areas {
        let Some(from) = a.grade.filter(|g| *g > Grade::Good) else { continue };
        let graded: Vec<&TestOutcome> = tests.iter().filter(|t| a.tested_by.contains(&t.id)).collect();
        let deciding: Vec<&TestOutcome> = tests.iter().filter(|t| a.deciding.contains(&t.id)).collect();
        let lift = match a.area.as_str() {
            "capacity" | "capability" => {
                let capabilities = short_capabilities(&deciding);
                if capabilities.is_empty() {
                    lifts.push(Lift {
                        area: a.area.clone(),
                        from,
                        to: None,
                        change: "no capability was short in the deciding tests: more units would not lift it"
                            .into(),
                        officers: None,
                    });
                    continue;
                }
                match units_lift(r, &a.area, from, &graded, &capabilities, progress) {
                    None => Lift {
                        area: a.area.clone(),
                        from,
                        to: None,
                        change: format!(
                            "not lifted by up to {MAX_UNITS} more units each of {} at {host}{}",
                            capabilities.join(", "),
                            holding(
                                r,
                                &a.area,
                                &graded,
                                &more_units(
                                    &host,
                                    &capabilities.iter().map(|c| (c.clone(), MAX_UNITS)).collect::<Vec<_>>()
                                ),
                                from,
                                progress
                            )
                        ),
                        officers: None,
                    },
                    Some((adds, to)) => {
                        let per_unit = |c: &str| {
                            r.dataset
                                .capabilities
                                .iter()
                                .find(|x| x.id == c)
                                .map_or(0, |x| x.officers_per_unit)
                        };
                        let words: Vec<String> = adds.iter().map(|(c, n)| format!("{n} more {c}")).collect();
                        Lift {
                            area: a.area.clone(),
                            from,
                            to,
                            change: format!("{} unit(s) at {host}", words.join(" and ")),
                            officers: Some(adds.iter().map(|(c, n)| n * per_unit(c)).sum()),
                        }
                    }
                }
            }
            "connectivity" => {
                let policy = place_with(
                    r.battery
                        .tests
                        .iter()
                        .find(|b| graded.first().is_some_and(|t| t.id == b.id))
                        .unwrap_or(&r.battery.tests[0]),
                    &r.scope.placement(r.dataset),
                    "",
                    &r.battery.source,
                    r.sets,
                    r.dataset_file,
                )
                .map(|m| m.scenario.policy.clone())
                .ok();
                let base = policy.as_ref().map_or(60, |p| p.regional_latency);
                let set = |key: &str, value: String| Change {
                    extra: String::new(),
                    sets: vec![SetOverride { key: key.into(), value }],
                };
                // Faster regional decisions first; then an earlier national trigger, when the
                // trigger is a regional shortfall.
                let mut candidates: Vec<(Change, String)> = [(3, 4), (1, 2), (1, 4), (0, 1)]
                    .into_iter()
                    .map(|(num, den)| {
                        let minutes = base * num / den;
                        (
                            set("policy.regional_latency", format!("{minutes}m")),
                            format!(
                                "regional decisions in {} instead of {}",
                                crate::time::Duration(minutes),
                                crate::time::Duration(base)
                            ),
                        )
                    })
                    .collect();
                // The whole trigger is set: the policy takes it as one table.
                let trigger = match policy.map(|p| p.national_trigger) {
                    Some(crate::model::NationalTrigger::Shortfall {
                        regional_shortfall,
                        sustained,
                        lasting,
                    }) => Some((regional_shortfall, sustained, lasting)),
                    _ => None,
                };
                let threshold = trigger.map(|t| t.0);
                if let Some(t) = threshold {
                    let mut levels: Vec<u32> =
                        [t * 3 / 4, t / 2, t / 4, 1].into_iter().filter(|&n| n >= 1 && n < t).collect();
                    levels.dedup();
                    let (_, sustained, lasting) = trigger.unwrap_or((t, 0, None));
                    candidates.extend(levels.into_iter().map(|n| {
                        let table = format!(
                            "{{ regional_shortfall = {n}, sustained = \"{sustained}m\"{} }}",
                            lasting.map_or(String::new(), |l| format!(", lasting = \"{l}m\""))
                        );
                        (
                            set("policy.national_trigger", table),
                            format!("national mobilisation when a region is {n} units short instead of {t}"),
                        )
                    }));
                }
                let found = candidates.into_iter().find_map(|(change, words)| {
                    let g = grade_with(r, &a.area, &graded, &change, progress);
                    better(g, from).then_some((words, g))
                });
                match found {
                    Some((words, g)) => {
                        Lift { area: a.area.clone(), from, to: g, change: words, officers: None }
                    }
                    None => Lift {
                        area: a.area.clone(),
                        from,
                        to: None,
                        change: format!(
                            "not lifted even by regional decisions at once (now {}){}{}",
                            crate::time::Duration(base),
                            threshold.map_or(String::new(), |t| format!(
                                " or national mobilisation when a region is 1 unit short (now {t})"
                            )),
                            holding(
                                r,
                                &a.area,
                                &graded,
                                &set("policy.regional_latency", "0m".into()),
                                from,
                                progress
                            )
                        ),
                        officers: None,
                    },
                }
            }
            "consistency" => {
                let capability = short_capabilities(&deciding).into_iter().next().unwrap_or_default();
                let change = Change {
                    extra: format!(
                        "\n[[override]]\nforce = \"{host}\"\ncapability = \"{capability}\"\nconsistency = 1.0\n"
                    ),
                    sets: Vec::new(),
                };
                let g = grade_with(r, &a.area, &graded, &change, progress);
                Lift {
                    area: a.area.clone(),
                    from,
                    to: g.filter(|g| *g < from),
                    change: if better(g, from) {
                        format!("{host}'s {capability} units trained to the national standard")
                    } else {
                        format!("not lifted by {host}'s {capability} units at the national standard")
                    },
                    officers: None,
                }
            }
            _ => continue,
        };
        lifts.push(lift);
    }
    lifts
}
