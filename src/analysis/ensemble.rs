//! Ensembles: many replications of one scenario, each on its own random streams, run in
//! parallel and written in replication order, so the output is the same for any thread count
//! and any shard layout. Reads only [`RunResult`]s, never the World.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::distribution::Distribution;
pub use super::distribution::{Band, Stat};

use super::slot;
use crate::engine;
use crate::model::Model;
use crate::results::{Assessment, CapabilitySummary, Geography, Provenance, Summary};

/// Which replications a process runs: `k` of `n` (1-based) takes replications r with
/// `r mod n == k − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This slice (1..=n).
    pub k: u64,
    /// Number of slices.
    pub n: u64,
}

impl Shard {
    /// Parse "K/N".
    pub fn parse(s: &str) -> Result<Self, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| format!("'{s}' is not K/N (e.g. 2/8)"))?;
        let k: u64 = k.trim().parse().map_err(|_| format!("'{k}' in '{s}' is not a whole number"))?;
        let n: u64 = n.trim().parse().map_err(|_| format!("'{n}' in '{s}' is not a whole number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard '{s}' must have 1 ≤ K ≤ N"));
        }
        Ok(Self { k, n })
    }

    /// Whether replication `r` belongs to this shard.
    pub fn owns(&self, r: u64) -> bool {
        r % self.n == self.k - 1
    }
}

/// The replications of `runs` that `shard` (or the whole ensemble) runs, in order, from the
/// `skip`-th on: computed as they are needed, never listed in full (a billion replications
/// cost nothing until they run).
pub fn indices(runs: u64, shard: Option<Shard>, skip: u64) -> impl Iterator<Item = u64> {
    let (first, step) = shard.map_or((0, 1), |s| (s.k - 1, s.n));
    let start = first.saturating_add(skip.saturating_mul(step));
    (0..)
        .map(move |i: u64| start.saturating_add(i.saturating_mul(step)))
        .take_while(move |&r| r < runs && r >= start)
}

/// How many replications of `runs` `shard` runs.
pub fn count(runs: u64, shard: Option<Shard>) -> u64 {
    match shard {
        None => runs,
        Some(s) if runs >= s.k => (runs - s.k) / s.n + 1,
        Some(_) => 0,
    }
}

/// First line of an ensemble file: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleManifest {
    /// Program, scenario, dataset, seed (replication r draws from its own streams of it).
    #[serde(flatten)]
    pub inputs: Provenance,
    /// Replications in the whole ensemble (runs).
    pub runs: u64,
    /// The slice this file holds, or `None` for the whole ensemble.
    pub shard: Option<Shard>,
    /// Where the forces and links are (for reports and GIS exports).
    #[serde(default)]
    pub geography: Geography,
    /// What each replication's line holds (absent: everything).
    #[serde(default, skip_serializing_if = "Records::is_full")]
    pub records: Records,
}

/// What a replication's line holds, and so what the aggregate can say. Sizes are per line of
/// `manchester-marauding-attack-night` (docs/distributed.md has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Records {
    /// The summary and per-capability figures (about 1.7 KB): means and percentiles of the
    /// headline measures, no SPR grades, no series bands.
    Summary,
    /// The summary and the SPR observations of every scope (about 13 KB): graded, no series bands.
    Evidence,
    /// Everything, with the national series for percentile bands (about 37 KB).
    #[default]
    Full,
}

impl Records {
    /// Every name, as the command line takes it.
    pub const NAMES: [&'static str; 3] = ["summary", "evidence", "full"];

    /// The records of this name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "summary" => Some(Records::Summary),
            "evidence" => Some(Records::Evidence),
            "full" => Some(Records::Full),
            _ => None,
        }
    }

    /// The name of these records, as the command line takes it.
    pub fn name(self) -> &'static str {
        // Variants are declared in the order of NAMES.
        Self::NAMES[self as usize]
    }

    /// Whether lines hold everything (the default, left out of the manifest).
    pub fn is_full(&self) -> bool {
        *self == Records::Full
    }

    /// Whether lines hold the SPR observations the assessment grades.
    pub fn has_evidence(&self) -> bool {
        *self != Records::Summary
    }

    /// Drop from `record` what these records do not hold.
    pub fn trim(self, record: &mut ReplicationRecord) {
        if self != Records::Full {
            record.series = None;
        }
        if !self.has_evidence() {
            record.evidence.clear();
        }
    }
}

/// One replication's outcome, one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicationRecord {
    /// Replication index (0-based).
    pub replication: u64,
    /// Seed of the ensemble (with the index, all that is needed to rerun this replication).
    pub seed: u64,
    /// The run's summary, or `None` if it failed.
    pub summary: Option<Summary>,
    /// The run's per-capability figures.
    #[serde(default)]
    pub capabilities: Vec<CapabilitySummary>,
    /// The national series of the run, for percentile bands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<RecordSeries>,
    /// Why the replication failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The SPR assessment's observations (scope → measure → value), graded on their means.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: BTreeMap<String, BTreeMap<String, f64>>,
}

/// A run's national series, compactly: point i is at minute i × `interval_minutes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSeries {
    /// Spacing of the points (minutes).
    pub interval_minutes: u32,
    /// Demand (units) per capability, point by point.
    #[serde(default)]
    pub demand: BTreeMap<String, Vec<f64>>,
    /// Shortfall (units) per capability, point by point.
    pub shortfall: BTreeMap<String, Vec<f64>>,
    /// Effective strength on task (units) per capability, point by point.
    pub effective: BTreeMap<String, Vec<f64>>,
}

impl RecordSeries {
    fn from_result(r: &crate::results::RunResult) -> Self {
        let mut demand: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut shortfall: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut effective: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for p in &r.series.national {
            slot(&mut demand, &p.capability).push(f64::from(p.demand));
            slot(&mut shortfall, &p.capability).push(p.shortfall);
            slot(&mut effective, &p.capability).push(p.effective);
        }
        Self { interval_minutes: r.series.interval_minutes, demand, shortfall, effective }
    }
}

/// The manifest of an ensemble of `runs` replications of `model`.
pub fn manifest(model: &Model, runs: u64, shard: Option<Shard>) -> EnsembleManifest {
    EnsembleManifest {
        inputs: Provenance::of(model),
        runs,
        shard,
        geography: Geography::of(model),
        records: Records::Full,
    }
}

/// Run one replication, turning a failure (even a panic) into a record that says so.
pub fn replicate(model: &Arc<Model>, replication: u64) -> ReplicationRecord {
    let seed = model.scenario.seed;
    // Replication records hold no events: skip building them.
    let outcome =
        std::panic::catch_unwind(|| engine::run_replication_with(Arc::clone(model), replication, false));
    let failed = |error: String| ReplicationRecord {
        replication,
        seed,
        summary: None,
        capabilities: Vec::new(),
        series: None,
        error: Some(error),
        evidence: BTreeMap::new(),
    };
    match outcome {
        Ok(Ok(r)) => ReplicationRecord {
            replication,
            seed,
            evidence: super::observations::observations_by_scope(&r),
            series: Some(RecordSeries::from_result(&r)),
            summary: Some(r.summary),
            capabilities: r.capabilities,
            error: None,
        },
        Ok(Err(e)) => failed(e.to_string()),
        Err(panic) => failed(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the replication panicked".into()),
        ),
    }
}

/// Run the replications of `shard` (all if `None`) in batches, in parallel within a batch,
/// handing each record to `sink` in replication order. Memory is one batch of summaries.
pub fn run(
    model: &Arc<Model>,
    runs: u64,
    shard: Option<Shard>,
    sink: impl FnMut(ReplicationRecord) -> std::io::Result<()> + Send,
) -> std::io::Result<()> {
    run_from(model, runs, shard, 0, sink)
}

/// As [`run`], skipping the first `done` replications of the shard (already written).
pub fn run_from(
    model: &Arc<Model>,
    runs: u64,
    shard: Option<Shard>,
    done: u64,
    mut sink: impl FnMut(ReplicationRecord) -> std::io::Result<()> + Send,
) -> std::io::Result<()> {
    const BATCH: usize = 256;
    let mut mine = indices(runs, shard, done);
    let mut next_chunk = || -> Vec<u64> { mine.by_ref().take(BATCH).collect() };
    // `collect` on an indexed parallel iterator keeps the input order.
    let batch = |chunk: Vec<u64>| -> Vec<ReplicationRecord> {
        chunk.par_iter().map(|&r| replicate(model, r)).collect()
    };
    let mut ready = batch(next_chunk());
    while !ready.is_empty() {
        // The sink (writing, aggregating) is serial: hand it one batch while the pool runs the
        // next, so no core waits for it. Records still reach it in replication order.
        let next = next_chunk();
        let (written, computed) = rayon::join(|| ready.drain(..).try_for_each(&mut sink), || batch(next));
        written?;
        ready = computed;
    }
    Ok(())
}

/// The aggregate of an ensemble: every numeric summary measure, by its path in the summary
/// (`unmet_unit_hours`, `request_to_arrival.2.median_minutes`, `capabilities.firearms.demand_met`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// The ensemble's manifest.
    pub manifest: EnsembleManifest,
    /// Replications that ran to the end.
    pub completed: u64,
    /// Replications that failed, with their errors (rerun one with `--seed` and the index).
    pub failed: Vec<(u64, String)>,
    /// Statistics by measure path.
    pub measures: BTreeMap<String, Stat>,
    /// Percentile bands of the national series, per capability, point by point.
    pub series: BTreeMap<String, Vec<SeriesBand>>,
    /// The SPR assessment of the means, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
}

impl Aggregate {
    /// Whether every replication gave the same value of every measure (and there was more than
    /// one): nothing in the scenario was drawn at random, so its bands have no width.
    pub fn all_equal(&self) -> bool {
        self.completed > 1 && self.measures.values().all(|s| s.min == s.max)
    }
}

/// The spread over replications of one point of the national series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBand {
    /// Minute of the point.
    pub t: u32,
    /// Demand (units) over replications.
    pub demand: Band,
    /// Shortfall (units) over replications.
    pub shortfall: Band,
    /// Effective strength on task (units) over replications.
    pub effective: Band,
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, f64)>) {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.push((prefix.to_string(), x));
            }
        }
        serde_json::Value::Bool(b) => out.push((prefix.to_string(), if *b { 1.0 } else { 0.0 })),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                // Arrays of records are keyed by their tier or capability, not their position.
                let label = x
                    .get("tier")
                    .map(|t| t.to_string())
                    .or_else(|| x.get("capability").and_then(|c| c.as_str()).map(str::to_string))
                    .unwrap_or_else(|| i.to_string());
                flatten(&format!("{prefix}.{label}"), x, out);
            }
        }
        serde_json::Value::Null | serde_json::Value::String(_) => {}
    }
}

/// The numeric measures of one record, as (path, value).
pub(crate) fn measures(record: &ReplicationRecord) -> Vec<(String, f64)> {
    let mut out = summary_measures(record);
    for (scope, measures) in &record.evidence {
        out.extend(measures.iter().map(|(m, v)| (evidence_key(scope, m), *v)));
    }
    out.retain(|(k, _)| is_measure(k));
    out
}

/// The record's summary and capability figures, as (path, value), labels included.
fn summary_measures(record: &ReplicationRecord) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    if let Some(s) = &record.summary {
        if let Ok(v) = serde_json::to_value(s) {
            flatten("", &v, &mut out);
        }
        if let Ok(v) = serde_json::to_value(&record.capabilities) {
            flatten("capabilities", &v, &mut out);
        }
    }
    out
}

/// A path that is a figure, not the label of a record in a list (tier, capability).
fn is_measure(path: &str) -> bool {
    !path.ends_with(".tier") && !path.ends_with(".capability")
}

/// The path of an SPR observation among an ensemble's measures.
fn evidence_key(scope: &str, measure: &str) -> String {
    format!("{}{scope}/{measure}", super::observations::ENSEMBLE_PREFIX)
}

/// Collects records, in replication order, into an [`Aggregate`]. Keeps a bounded
/// [`Distribution`] per measure, not the records: memory grows with the number of measures and
/// series points, not with the replications.
#[derive(Debug, Default)]
pub struct Aggregator {
    by_measure: BTreeMap<String, Distribution>,
    /// Scope → observation → values over replications; filed apart from `by_measure` so that
    /// a replication's ~600 observations need no path formatted each.
    evidence: BTreeMap<String, BTreeMap<String, Distribution>>,
    /// Capability → point → values over replications, for demand, shortfall and effective strength.
    demand: BTreeMap<String, Vec<Distribution>>,
    shortfall: BTreeMap<String, Vec<Distribution>>,
    effective: BTreeMap<String, Vec<Distribution>>,
    interval: u32,
    failed: Vec<(u64, String)>,
    completed: u64,
}

impl Aggregator {
    /// Add the next record (records must come in replication order).
    pub fn push(&mut self, r: &ReplicationRecord) {
        match &r.error {
            Some(e) => self.failed.push((r.replication, e.clone())),
            None => {
                self.completed += 1;
                for (k, v) in summary_measures(r) {
                    if is_measure(&k) {
                        self.by_measure.entry(k).or_default().push(v);
                    }
                }
                for (scope, observations) in &r.evidence {
                    let filed = slot(&mut self.evidence, scope);
                    for (m, v) in observations.iter().filter(|(m, _)| is_measure(m)) {
                        slot(filed, m).push(*v);
                    }
                }
                if let Some(s) = &r.series {
                    self.interval = s.interval_minutes;
                    for (target, source) in [
                        (&mut self.demand, &s.demand),
                        (&mut self.shortfall, &s.shortfall),
                        (&mut self.effective, &s.effective),
                    ] {
                        for (cap, values) in source {
                            let points = slot(target, cap);
                            if points.len() < values.len() {
                                points.resize_with(values.len(), Distribution::default);
                            }
                            for (point, v) in points.iter_mut().zip(values) {
                                point.push(*v);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The statistics of everything pushed.
    pub fn finish(self, manifest: EnsembleManifest) -> Aggregate {
        let mut measures: BTreeMap<String, Stat> =
            self.by_measure.into_iter().filter_map(|(k, d)| Some((k, d.stat()?))).collect();
        for (scope, observations) in self.evidence {
            for (m, d) in observations {
                if let Some(s) = d.stat() {
                    measures.insert(evidence_key(&scope, &m), s);
                }
            }
        }
        let zero = Band { mean: 0.0, p5: 0.0, p50: 0.0, p95: 0.0 };
        let band_at = |of: &BTreeMap<String, Vec<Distribution>>, cap: &str, i: usize| {
            of.get(cap).and_then(|points| points.get(i)).and_then(Distribution::band).unwrap_or(zero.clone())
        };
        let series = self
            .shortfall
            .iter()
            .map(|(cap, points)| {
                let bands = (0..points.len())
                    .map(|i| SeriesBand {
                        t: u32::try_from(i).unwrap_or(u32::MAX).saturating_mul(self.interval),
                        demand: band_at(&self.demand, cap, i),
                        shortfall: band_at(&self.shortfall, cap, i),
                        effective: band_at(&self.effective, cap, i),
                    })
                    .collect();
                (cap.clone(), bands)
            })
            .collect();
        Aggregate {
            manifest,
            completed: self.completed,
            failed: self.failed,
            measures,
            series,
            assessment: None,
        }
    }
}

/// Run `runs` replications and aggregate them in memory (for comparisons and sweeps).
pub fn run_aggregate(model: &Arc<Model>, runs: u64, mut progress: impl FnMut() + Send) -> Aggregate {
    let mut agg = Aggregator::default();
    let _ = run(model, runs, None, |r| {
        agg.push(&r);
        progress();
        Ok(())
    });
    agg.finish(manifest(model, runs, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_replications() {
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for r in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(r)).count(), 1);
        }
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/8"), Ok(Shard { k: 2, n: 8 }));
    }

    /// The lazy index list is the filter it replaces, with any skip, and counts match; a
    /// billion-replication slice starts at once.
    #[test]
    fn indices_are_the_owned_replications_in_order() {
        for shard in
            [None, Some(Shard { k: 1, n: 1 }), Some(Shard { k: 2, n: 3 }), Some(Shard { k: 5, n: 5 })]
        {
            for runs in [0u64, 1, 4, 17] {
                let owned: Vec<u64> = (0..runs).filter(|&r| shard.is_none_or(|s| s.owns(r))).collect();
                for skip in 0..4 {
                    let lazy: Vec<u64> = indices(runs, shard, skip).collect();
                    assert_eq!(lazy, owned.iter().copied().skip(skip as usize).collect::<Vec<_>>());
                }
                assert_eq!(count(runs, shard), owned.len() as u64);
            }
        }
        let huge = Some(Shard { k: 1, n: 1000 });
        assert_eq!(indices(u64::MAX, huge, 0).take(3).collect::<Vec<_>>(), [0, 1000, 2000]);
        assert_eq!(count(u64::MAX, huge), u64::MAX / 1000 + 1);
        assert_eq!(indices(u64::MAX, None, u64::MAX - 1).collect::<Vec<_>>(), [u64::MAX - 1]);
    }
}
