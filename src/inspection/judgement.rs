//! One judgement per SPR area across a battery's tests, and the scope's standing among its
//! peers.
//!
//! The rule is the assessment's own, carried across tests: an area's grade is the worst grade
//! any test gave it in the scope (a test that did not exercise the area there does not count),
//! and the tests that gave that grade are the ones that decided it. Peers are ranked per area by
//! that grade, then by the share of their hosted demand the battery met.

use serde::Serialize;

use super::TestOutcome;
use crate::results::{Grade, ScopeAssessment, UnmetDemand};

/// One graded measure behind an area's judgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRow {
    /// The test it came from.
    pub test: String,
    /// Measure id.
    pub measure: String,
    /// What the measure is.
    pub description: String,
    /// Mean over the replications that have it (in `unit`).
    pub value: f64,
    /// 5th percentile over them.
    pub p5: Option<f64>,
    /// 95th percentile over them.
    pub p95: Option<f64>,
    /// `share`, `ratio`, `hours`, `minutes` or `unit-hours`.
    pub unit: String,
    /// Its grade.
    pub grade: Option<Grade>,
    /// Which force, incident or capability produced it; censoring.
    pub note: Option<String>,
}

/// The judgement of one SPR area across the battery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaJudgement {
    /// `capacity`, `capability`, `consistency` or `connectivity`.
    pub area: String,
    /// The worst grade any test gave it; `None`: no test exercised it in the scope.
    pub grade: Option<Grade>,
    /// The tests that gave that grade.
    pub deciding: Vec<String>,
    /// The tests that graded it at all.
    pub tested_by: Vec<String>,
    /// Every graded measure of the area, test by test.
    pub evidence: Vec<EvidenceRow>,
}

/// Demand the scope could not meet in one test, for one threat and capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmetRow {
    /// The test.
    pub test: String,
    /// The demand, as the test's assessment of the scope gives it (means over replications).
    #[serde(flatten)]
    pub demand: UnmetDemand,
}

/// The scope's place among its peers on one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerRank {
    /// The area.
    pub area: String,
    /// The scope's rank (1 is best).
    pub rank: usize,
    /// Peers ranked (the scope among them).
    pub of: usize,
    /// Every peer best first: (name, its grade for the area, its battery demand met).
    pub table: Vec<(String, Option<Grade>, Option<f64>)>,
}

/// The scope's place among its peers in one test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStanding {
    /// The test.
    pub test: String,
    /// The scope's hosted demand met in it (0 to 1), if it hosted any.
    pub demand_met: Option<f64>,
    /// Its rank by that (1 is best), among the peers that hosted demand.
    pub rank: Option<usize>,
    /// Peers that hosted demand in the test.
    pub of: usize,
    /// The peers' lowest, median and highest demand met.
    pub range: Option<(f64, f64, f64)>,
}

/// The scope among every peer of its kind on the same battery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peers {
    /// Peers compared (the scope among them).
    pub count: usize,
    /// Peers left out, and why.
    pub left_out: Vec<String>,
    /// Per SPR area.
    pub areas: Vec<PeerRank>,
    /// Per test.
    pub tests: Vec<TestStanding>,
}

/// The share of the demand in `rows` that was met (`None` when nothing was demanded).
fn met_share<'a>(rows: impl Iterator<Item = &'a UnmetDemand>) -> Option<f64> {
    let (demanded, met) =
        rows.fold((0.0, 0.0), |(d, m), u| (d + u.demanded_unit_hours, m + u.met_unit_hours));
    (demanded > 0.0).then(|| crate::results::round3((met / demanded).min(1.0)))
}

/// The share of a scope's hosted demand that was met, over its threats and capabilities.
pub fn demand_met(scope: &ScopeAssessment) -> Option<f64> {
    met_share(scope.unmet_demand.iter())
}

/// Order of a grade for ranking: best first, not tested last.
fn order(g: Option<Grade>) -> usize {
    g.and_then(|g| Grade::ALL.iter().position(|x| *x == g)).unwrap_or(Grade::ALL.len())
}

/// The worst of the graded grades (`None` when none is graded).
fn worst(grades: impl IntoIterator<Item = Option<Grade>>) -> Option<Grade> {
    grades.into_iter().flatten().max()
}

/// The per-area judgements across `tests`, in the assessment's area order.
pub fn areas(tests: &[TestOutcome]) -> Vec<AreaJudgement> {
    let names: Vec<String> = tests
        .iter()
        .flat_map(|t| t.assessment.areas.iter().map(|a| a.area.clone()))
        .fold(Vec::new(), |mut v, a| {
            if !v.contains(&a) {
                v.push(a);
            }
            v
        });
    names
        .into_iter()
        .map(|area| {
            let graded: Vec<(&TestOutcome, Option<Grade>)> = tests
                .iter()
                .map(|t| (t, t.assessment.areas.iter().find(|a| a.area == area).and_then(|a| a.grade)))
                .collect();
            let grade = worst(graded.iter().map(|(_, g)| *g));
            let deciding = graded
                .iter()
                .filter(|(_, g)| g.is_some() && *g == grade)
                .map(|(t, _)| t.id.clone())
                .collect();
            let tested_by = graded.iter().filter(|(_, g)| g.is_some()).map(|(t, _)| t.id.clone()).collect();
            let evidence = tests
                .iter()
                .flat_map(|t| {
                    t.assessment
                        .areas
                        .iter()
                        .filter(|a| a.area == area && a.grade.is_some())
                        .flat_map(|a| a.evidence.iter())
                        .filter(|e| e.grade.is_some())
                        .map(|e| EvidenceRow {
                            test: t.id.clone(),
                            measure: e.measure.clone(),
                            description: e.description.clone(),
                            value: e.value,
                            p5: e.p5,
                            p95: e.p95,
                            unit: e.unit.clone(),
                            grade: e.grade,
                            note: e.note.clone(),
                        })
                })
                .collect();
            AreaJudgement { area, grade, deciding, tested_by, evidence }
        })
        .collect()
}

/// The demand the scope could not meet, test by test, worst first within each test.
pub fn unmet(tests: &[TestOutcome]) -> Vec<UnmetRow> {
    let mut rows = Vec::new();
    for t in tests {
        let mut mine: Vec<UnmetRow> = t
            .assessment
            .unmet_demand
            .iter()
            .filter(|u| u.unmet_unit_hours > 0.0)
            .map(|u| UnmetRow { test: t.id.clone(), demand: u.clone() })
            .collect();
        mine.sort_by(|a, b| b.demand.unmet_unit_hours.total_cmp(&a.demand.unmet_unit_hours));
        rows.extend(mine);
    }
    rows
}

/// The share of its hosted demand a peer's battery met, over every test.
fn battery_met(tests: &[TestOutcome]) -> Option<f64> {
    met_share(tests.iter().flat_map(|t| t.assessment.unmet_demand.iter()))
}

/// Rank `scope` among `peers` (each with its tests' outcomes, in the same battery order).
pub fn rank(scope: &str, peers: &[(String, Vec<TestOutcome>)], left_out: Vec<String>) -> Peers {
    let judged: Vec<(&str, Vec<AreaJudgement>, Option<f64>)> =
        peers.iter().map(|(name, tests)| (name.as_str(), areas(tests), battery_met(tests))).collect();
    let area_names: Vec<String> =
        judged.first().map(|j| j.1.iter().map(|a| a.area.clone()).collect()).unwrap_or_default();
    let areas = area_names
        .into_iter()
        .map(|area| {
            let mut table: Vec<(String, Option<Grade>, Option<f64>)> = judged
                .iter()
                .map(|(name, a, met)| {
                    (name.to_string(), a.iter().find(|x| x.area == area).and_then(|x| x.grade), *met)
                })
                .collect();
            table.sort_by(|a, b| {
                order(a.1)
                    .cmp(&order(b.1))
                    .then(b.2.unwrap_or(-1.0).total_cmp(&a.2.unwrap_or(-1.0)))
                    .then(a.0.cmp(&b.0))
            });
            let rank = table.iter().position(|t| t.0 == scope).map_or(0, |p| p + 1);
            PeerRank { area, rank, of: table.len(), table }
        })
        .collect();
    let mine = peers.iter().find(|(name, _)| name == scope).map(|(_, t)| t.as_slice()).unwrap_or_default();
    let tests = mine
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let mut values: Vec<(f64, &str)> = peers
                .iter()
                .filter_map(|(name, tests)| {
                    tests.get(k).and_then(|x| x.demand_met).map(|v| (v, name.as_str()))
                })
                .collect();
            values.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            let rank = values.iter().position(|v| v.1 == scope).map(|p| p + 1);
            let range = (!values.is_empty()).then(|| {
                let sorted: Vec<f64> = values.iter().rev().map(|v| v.0).collect();
                (sorted[0], sorted[sorted.len() / 2], sorted[sorted.len() - 1])
            });
            TestStanding { test: t.id.clone(), demand_met: t.demand_met, rank, of: values.len(), range }
        })
        .collect();
    Peers { count: peers.len(), left_out, areas, tests }
}
