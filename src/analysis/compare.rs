//! Paired comparison of two scenarios: replication k of each on the same random streams
//! (common random numbers), so the difference of each measure is measured with little noise.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ensemble::*;
use crate::model::Model;

/// The difference B − A of one measure over paired replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Pairs where both runs have the measure.
    pub n: u64,
    /// Mean of A.
    pub mean_a: f64,
    /// Mean of B.
    pub mean_b: f64,
    /// Mean of B − A over pairs.
    pub mean_diff: f64,
    /// Standard error of that mean.
    pub se_diff: f64,
    /// 95% confidence interval of the mean difference (normal approximation).
    pub ci95: (f64, f64),
}

/// A paired comparison of two scenarios on common random numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Scenario A's manifest.
    pub a: EnsembleManifest,
    /// Scenario B's manifest.
    pub b: EnsembleManifest,
    /// Differences by measure path.
    pub measures: BTreeMap<String, Difference>,
}

/// Run replication r of A and of B for every r (same seed and replication index, so the same
/// random draws wherever the two scenarios share them) and compare measure by measure.
pub fn compare(a: &Arc<Model>, b: &Arc<Model>, runs: u64, mut progress: impl FnMut() + Send) -> Comparison {
    let mut pairs: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let idx: Vec<u64> = (0..runs).collect();
    for chunk in idx.chunks(128) {
        let done: Vec<(ReplicationRecord, ReplicationRecord)> =
            chunk.par_iter().map(|&r| (replicate(a, r), replicate(b, r))).collect();
        for (ra, rb) in done {
            let mb: BTreeMap<String, f64> = measures(&rb).into_iter().collect();
            for (k, va) in measures(&ra) {
                if let Some(vb) = mb.get(&k) {
                    pairs.entry(k).or_default().push((va, *vb));
                }
            }
            progress();
        }
    }
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let measures = pairs
        .into_iter()
        .map(|(k, v)| {
            let n = v.len() as f64;
            let mean_a = v.iter().map(|p| p.0).sum::<f64>() / n;
            let mean_b = v.iter().map(|p| p.1).sum::<f64>() / n;
            let d: Vec<f64> = v.iter().map(|p| p.1 - p.0).collect();
            let mean = d.iter().sum::<f64>() / n;
            let var = if v.len() > 1 {
                d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)
            } else {
                0.0
            };
            let se = libm::sqrt(var / n);
            let diff = Difference {
                n: v.len() as u64,
                mean_a: round(mean_a),
                mean_b: round(mean_b),
                mean_diff: round(mean),
                se_diff: round(se),
                ci95: (round(mean - 1.96 * se), round(mean + 1.96 * se)),
            };
            (k, diff)
        })
        .collect();
    Comparison { a: manifest(a, runs, None), b: manifest(b, runs, None), measures }
}
