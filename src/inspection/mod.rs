//! An inspection: a battery of standard threat tests placed in one scope (a force, a region or
//! the nation), each run as an ensemble and graded, then one judgement per SPR area across the
//! battery with the evidence behind it; and, on request, the same battery placed in every
//! peer scope so the scope can be ranked among them.
//!
//! - `scope.rs`: which forces a scope is, and what a test's placeholders become there;
//! - `judgement.rs`: the per-area judgement across the tests, and the ranking of peers;
//! - `lift.rs`: what would change a grade below good.

mod judgement;
mod lift;
mod scope;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

pub use judgement::{AreaJudgement, EvidenceRow, PeerRank, Peers, TestStanding, UnmetRow};
pub use lift::{Lift, MAX_UNITS};
pub use scope::{Scope, ScopeError};

use crate::analysis::ensemble::{Aggregate, Aggregator, Records, ReplicationRecord, Shard, manifest};
use crate::assessment::assess_ensemble;
use crate::diagnostics::Diagnostics;
use crate::input::battery_file::place;
use crate::input::{InputFile, SetOverride};
use crate::model::{Battery, BatteryTest, Dataset, Model, Thresholds};
use crate::results::{Grade, ScopeAssessment};

/// What an inspection asks: the battery, where, how many replications.
pub struct Request<'a> {
    /// The battery.
    pub battery: &'a Battery,
    /// The scope inspected.
    pub scope: &'a Scope,
    /// The dataset every test runs on, and its file (the built-in one when `None`).
    pub dataset: &'a Dataset,
    /// The dataset file, as given.
    pub dataset_file: Option<InputFile<'a>>,
    /// Replications per test.
    pub runs: u64,
    /// Overrides applied to every test's scenario (the seed, from `--seed`).
    pub sets: &'a [SetOverride],
    /// What the grades are measured against.
    pub thresholds: &'a Thresholds,
}

/// One test's outcome in the scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestOutcome {
    /// Test id.
    pub id: String,
    /// What the test is.
    pub title: String,
    /// The SPR threat it stands for.
    pub threat: String,
    /// Why it is in the battery.
    pub why: String,
    /// The placed scenario's name.
    pub scenario: String,
    /// Its seed.
    pub seed: u64,
    /// Replications run.
    pub completed: u64,
    /// The scope's grades in this test, per SPR area (capacity, capability, consistency,
    /// connectivity); `None`: the test did not test that area here.
    pub grades: Vec<(String, Option<Grade>)>,
    /// Demand hosted in the scope that was met (0 to 1; `None` when the scope hosted none).
    pub demand_met: Option<f64>,
    /// The scope's assessment in this test, as `muster report` shows it.
    pub assessment: ScopeAssessment,
}

/// An inspection's findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// The scope as named, its kind and its forces.
    pub scope: String,
    /// `force`, `region` or `national`.
    pub scope_kind: String,
    /// The forces in it, by code.
    pub forces: Vec<String>,
    /// Every force of the dataset: code, region and country (for the report's map).
    pub geography: Vec<(String, String, String)>,
    /// What the placeholders became.
    pub placement: BTreeMap<String, String>,
    /// The battery's name and where it was read from.
    pub battery: String,
    /// Where the battery came from.
    pub battery_source: String,
    /// Dataset name and SHA-256.
    pub dataset: String,
    /// SHA-256 of the dataset file.
    pub dataset_sha256: String,
    /// Program version.
    pub version: String,
    /// Replications per test.
    pub runs: u64,
    /// The thresholds' name.
    pub thresholds: String,
    /// One judgement per SPR area.
    pub areas: Vec<AreaJudgement>,
    /// The demand the scope could not meet, test by test.
    pub unmet: Vec<UnmetRow>,
    /// Each test's outcome, in battery order.
    pub tests: Vec<TestOutcome>,
    /// The scope among its peers, with `--compare-all`.
    pub peers: Option<Peers>,
    /// What would lift each area below good, with `--what-would-change`.
    pub lifts: Option<Vec<Lift>>,
}

/// Why an inspection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InspectionError {
    /// A test could not be placed in the scope (its scenario does not load there).
    #[error("test '{test}' cannot be placed in {scope}")]
    Placement {
        /// The test.
        test: String,
        /// The scope.
        scope: String,
        /// What is wrong, located in the battery file.
        problems: Diagnostics,
    },
    /// The scenario's schedule could not be built.
    #[error("test '{test}' failed to run: {message}")]
    Run {
        /// The test.
        test: String,
        /// Why.
        message: String,
    },
}

/// Each test's ensemble aggregate, by (scope name, test id), however it was obtained.
type AggregateOf<'f> = dyn FnMut(&Scope, &BatteryTest, &Arc<Model>) -> Aggregate + 'f;

/// The inspection of `r.scope`, each test's aggregate from `aggregate_of`.
fn inspect_with(r: &Request<'_>, aggregate_of: &mut AggregateOf<'_>) -> Result<Inspection, InspectionError> {
    let placement = r.scope.placement(r.dataset);
    let mut tests = Vec::new();
    let (mut version, mut dataset_sha256) = (String::new(), String::new());
    for test in &r.battery.tests {
        let model =
            place(test, &placement, &r.battery.source, r.sets, r.dataset_file).map_err(|problems| {
                InspectionError::Placement { test: test.id.clone(), scope: r.scope.name.clone(), problems }
            })?;
        let model = Arc::new(model);
        let aggregate = aggregate_of(r.scope, test, &model);
        dataset_sha256 = model.dataset_sha256.clone();
        if aggregate.completed == 0 {
            return Err(InspectionError::Run {
                test: test.id.clone(),
                message: format!("none of {} replications completed", r.runs),
            });
        }
        let assessment = assess_ensemble(&aggregate, r.thresholds);
        let scope = r.scope.assessment_of(&assessment);
        version = aggregate.manifest.inputs.version.clone();
        tests.push(TestOutcome {
            id: test.id.clone(),
            title: test.title.clone(),
            threat: test.threat.clone(),
            why: test.why.clone(),
            scenario: model.scenario.name.clone(),
            seed: model.scenario.seed,
            completed: aggregate.completed,
            grades: scope.areas.iter().map(|a| (a.area.clone(), a.grade)).collect(),
            demand_met: judgement::demand_met(&scope),
            assessment: scope,
        });
    }
    Ok(Inspection {
        scope: r.scope.name.clone(),
        scope_kind: r.scope.kind.name().into(),
        forces: r.scope.forces.clone(),
        geography: r
            .dataset
            .forces
            .iter()
            .map(|f| (f.code.clone(), r.dataset.regions[usize::from(f.region.0)].clone(), f.country.clone()))
            .collect(),
        placement: placement.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        battery: r.battery.name.clone(),
        battery_source: r.battery.source.clone(),
        dataset: r.dataset.name.clone(),
        dataset_sha256,
        version,
        runs: r.runs,
        thresholds: r.thresholds.name.clone(),
        areas: judgement::areas(&tests),
        unmet: judgement::unmet(&tests),
        tests,
        peers: None,
        lifts: None,
    })
}

/// The peers of `r.scope` (itself included) on the same battery, ranked, each test's aggregate
/// from `aggregate_of`. Peers where a test cannot be placed are left out, named.
fn compare_all_with(
    r: &Request<'_>,
    inspection: &mut Inspection,
    aggregate_of: &mut AggregateOf<'_>,
) -> Result<(), InspectionError> {
    let mut outcomes = Vec::new();
    let mut left_out = Vec::new();
    for peer in r.scope.peers(r.dataset) {
        if peer.name == r.scope.name {
            outcomes.push((peer.name.clone(), inspection.tests.clone()));
            continue;
        }
        match inspect_with(&Request { scope: &peer, ..*r }, aggregate_of) {
            Ok(found) => outcomes.push((peer.name.clone(), found.tests)),
            Err(InspectionError::Placement { test, .. }) => {
                left_out.push(format!("{} (test '{test}' cannot be placed there)", peer.name))
            }
            Err(e) => return Err(e),
        }
    }
    inspection.peers = Some(judgement::rank(&inspection.scope, &outcomes, left_out));
    Ok(())
}

/// The inspection of `r.scope`, ranked among its peers with `all`.
fn judge(
    r: &Request<'_>,
    all: bool,
    aggregate_of: &mut AggregateOf<'_>,
) -> Result<Inspection, InspectionError> {
    let mut found = inspect_with(r, aggregate_of)?;
    if all {
        compare_all_with(r, &mut found, aggregate_of)?;
    }
    Ok(found)
}

/// A test's aggregate from its replication records, pushed in replication order as one
/// machine pushes them while it runs (so the same records give the same bytes).
fn aggregate(model: &Model, runs: u64, mut records: Vec<ReplicationRecord>) -> Aggregate {
    records.sort_by_key(|x| x.replication);
    let mut agg = Aggregator::default();
    for x in &records {
        agg.push(x);
    }
    agg.finish(manifest(model, runs, None))
}

/// Keeps a finished test's records: (scope, test, its records in replication order).
pub type TestLog<'f> = dyn FnMut(&str, &str, &[ReplicationRecord]) -> std::io::Result<()> + Send + 'f;

/// Whether every test of the battery can be placed in `r.scope` (its scenario loads there):
/// checked before anything runs or is written.
pub fn check(r: &Request<'_>) -> Result<(), InspectionError> {
    let placement = r.scope.placement(r.dataset);
    for test in &r.battery.tests {
        place(test, &placement, &r.battery.source, r.sets, r.dataset_file).map_err(|problems| {
            InspectionError::Placement { test: test.id.clone(), scope: r.scope.name.clone(), problems }
        })?;
    }
    Ok(())
}

/// The inspection of `r.scope` (and its peers with `all`) that can be resumed: the records of
/// each (scope, test) already `done` are used as they are (a pair is done when it has all its
/// runs), and every pair run now is handed to `log` whole before the next starts. Each test's
/// aggregate is made from its records in replication order, so the bytes are the same however
/// often it was interrupted.
pub fn inspect_logged(
    r: &Request<'_>,
    all: bool,
    mut done: BTreeMap<(String, String), Vec<ReplicationRecord>>,
    log: &mut TestLog<'_>,
    progress: &(dyn Fn() + Sync),
) -> Result<Inspection, InspectionError> {
    let mut failed: Option<(String, std::io::Error)> = None;
    let mut aggregate_of = |scope: &Scope, test: &BatteryTest, model: &Arc<Model>| {
        let key = (scope.name.clone(), test.id.clone());
        let records = match done.remove(&key) {
            Some(kept) if kept.len() as u64 == r.runs => {
                kept.iter().for_each(|_| progress());
                kept
            }
            _ => {
                let mut made = Vec::new();
                let _ = crate::analysis::ensemble::run(model, r.runs, None, |mut record| {
                    Records::Evidence.trim(&mut record);
                    progress();
                    made.push(record);
                    Ok(())
                });
                if let Err(e) = log(&scope.name, &test.id, &made)
                    && failed.is_none()
                {
                    failed = Some((test.id.clone(), e));
                }
                made
            }
        };
        aggregate(model, r.runs, records)
    };
    let found = judge(r, all, &mut aggregate_of)?;
    match failed {
        Some((test, e)) => {
            Err(InspectionError::Run { test, message: format!("its records could not be kept: {e}") })
        }
        None => Ok(found),
    }
}

/// The scopes a part of a sharded inspection runs: the scope, or every peer with `all`.
fn scopes(r: &Request<'_>, all: bool) -> Vec<Scope> {
    if all { r.scope.peers(r.dataset) } else { vec![r.scope.clone()] }
}

/// One slice of an inspection for a batch scheduler: `shard`'s replications of every test
/// (of every peer, with `all`), each handed to `sink` with its scope and test, in order.
/// Tests that cannot be placed in a peer are passed over (the merge leaves the peer out).
pub fn run_part(
    r: &Request<'_>,
    shard: Shard,
    all: bool,
    sink: &mut (dyn FnMut(&str, &str, ReplicationRecord) -> std::io::Result<()> + Send),
) -> Result<(), InspectionError> {
    for scope in scopes(r, all) {
        let placement = scope.placement(r.dataset);
        for test in &r.battery.tests {
            let model = match place(test, &placement, &r.battery.source, r.sets, r.dataset_file) {
                Ok(m) => Arc::new(m),
                Err(problems) if scope.name == r.scope.name => {
                    return Err(InspectionError::Placement {
                        test: test.id.clone(),
                        scope: scope.name.clone(),
                        problems,
                    });
                }
                Err(_) => break,
            };
            crate::analysis::ensemble::run(&model, r.runs, Some(shard), |mut record| {
                // The merge grades on the evidence; the national series' bands are not needed.
                Records::Evidence.trim(&mut record);
                sink(&scope.name, &test.id, record)
            })
            .map_err(|e| InspectionError::Run { test: test.id.clone(), message: e.to_string() })?;
        }
    }
    Ok(())
}

/// The inspection made from the records of every part (by scope name and test id, in any
/// order): each test's aggregate is its records pushed in replication order, as one machine
/// would have, so the outputs are the same bytes.
pub fn from_records(
    r: &Request<'_>,
    all: bool,
    mut records: BTreeMap<(String, String), Vec<ReplicationRecord>>,
) -> Result<Inspection, InspectionError> {
    judge(r, all, &mut |scope: &Scope, test: &BatteryTest, model: &Arc<Model>| {
        aggregate(model, r.runs, records.remove(&(scope.name.clone(), test.id.clone())).unwrap_or_default())
    })
}

/// Search, for each area judged below good, the smallest change that lifts it one grade;
/// `progress` is called after every replication.
pub fn what_would_change(r: &Request<'_>, inspection: &mut Inspection, progress: &(dyn Fn() + Sync)) {
    inspection.lifts = Some(lift::what_would_change(r, &inspection.areas, &inspection.tests, progress));
}

/// Replications an inspection runs: the battery × the runs (× the peers, with
/// `--compare-all`).
pub fn cost(battery: &Battery, runs: u64, peers: usize) -> u64 {
    battery.tests.len() as u64 * runs * peers.max(1) as u64
}
