//! The distribution of one measure over an ensemble's replications, in bounded memory.
//!
//! An ensemble of 10⁶ replications observes thousands of measures; keeping every value to sort
//! for percentiles would take tens of gigabytes. A [`Distribution`] keeps the values as a
//! histogram of at most [`MAX_BINS`] bins. While a measure has no more distinct values than
//! that, every bin is one exact value and the percentiles are exact — every ensemble of a few
//! thousand replications, and every measure counted in whole units, stays exact. When a measure
//! has more, values are grouped by their leading binary digits (the sign, the exponent and the
//! top `bits` of the mantissa), dropping one digit at a time until they fit: a bin then spans
//! values within a relative 2⁻ᵇⁱᵗˢ of each other, and [`Stat::rounding`] says so.
//!
//! Grouping truncates the mantissa, and truncating to `b` digits then to `c < b` is the same as
//! truncating to `c`: the bins, and so the percentiles, depend only on the values pushed and
//! how far they had to be grouped, never on the order in which they came.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Most bins a distribution keeps (about 40 bytes each with the map's own overhead).
pub const MAX_BINS: usize = 2048;

/// Mantissa digits of an `f64`: with all of them a bin is one exact value.
const EXACT: u32 = 52;

/// The values of one measure in one bin.
#[derive(Debug, Clone, Copy)]
struct Bin {
    count: u64,
    /// Smallest and largest value in the bin.
    low: f64,
    high: f64,
}

/// Mean, standard error and percentiles of one measure over the replications that have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Replications with a value.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean (sample standard deviation / √n; 0 when n < 2).
    pub se: f64,
    /// 5th, 50th and 95th percentiles (nearest rank).
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Absent when the percentiles are exact; otherwise a bound on their relative error (a power
    /// of two): the measure had more distinct values than the aggregate keeps (see
    /// `analysis::distribution`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<f64>,
}

/// Mean and 5/50/95th percentiles (nearest rank).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Count, mean, variance, extremes and a bounded histogram of one measure's values.
#[derive(Debug, Clone)]
pub struct Distribution {
    n: u64,
    /// Sum in the order pushed (replication order), so the mean does not depend on scheduling.
    sum: f64,
    /// Running mean and sum of squared deviations (Welford), for the standard error.
    running_mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    /// Mantissa digits kept in a bin's key ([`EXACT`] until the bins first overflow).
    bits: u32,
    bins: BTreeMap<i64, Bin>,
}

impl Default for Distribution {
    fn default() -> Self {
        Distribution {
            n: 0,
            sum: 0.0,
            running_mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            bits: EXACT,
            bins: BTreeMap::new(),
        }
    }
}

/// The key of `x`'s bin when `bits` mantissa digits are kept: its bits truncated, mapped so
/// that keys sort as the values do (the order of `f64::total_cmp`).
fn key(x: f64, bits: u32) -> i64 {
    let dropped = EXACT - bits.min(EXACT);
    let truncated = if x.is_finite() { x.to_bits() & !((1u64 << dropped) - 1) } else { x.to_bits() };
    let signed = truncated as i64;
    signed ^ ((((signed >> 63) as u64) >> 1) as i64)
}

impl Distribution {
    /// Add one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        let delta = x - self.running_mean;
        self.running_mean += delta / self.n as f64;
        self.m2 += delta * (x - self.running_mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let bin = self.bins.entry(key(x, self.bits)).or_insert(Bin { count: 0, low: x, high: x });
        bin.count += 1;
        bin.low = bin.low.min(x);
        bin.high = bin.high.max(x);
        while self.bins.len() > MAX_BINS && self.bits > 0 {
            self.coarsen();
        }
    }

    /// Group the bins by one mantissa digit fewer.
    fn coarsen(&mut self) {
        self.bits -= 1;
        let mut grouped: BTreeMap<i64, Bin> = BTreeMap::new();
        for bin in std::mem::take(&mut self.bins).into_values() {
            grouped
                .entry(key(bin.low, self.bits))
                .and_modify(|b| {
                    b.count += bin.count;
                    b.low = b.low.min(bin.low);
                    b.high = b.high.max(bin.high);
                })
                .or_insert(bin);
        }
        self.bins = grouped;
    }

    /// The value of nearest rank `p` (0 < p ≤ 1): exact while every bin is one value, else the
    /// middle of the bin holding that rank (within the bin's smallest and largest value).
    fn percentile(&self, p: f64) -> f64 {
        let rank = ((p * self.n as f64).ceil() as u64).clamp(1, self.n.max(1));
        let mut seen = 0;
        for bin in self.bins.values() {
            seen += bin.count;
            if seen >= rank {
                return if bin.low == bin.high { bin.low } else { bin.low + (bin.high - bin.low) / 2.0 };
            }
        }
        self.max
    }

    /// The statistics of the values pushed (`None` when none were).
    pub fn stat(&self) -> Option<Stat> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let var = if self.n > 1 { self.m2 / (n - 1.0) } else { 0.0 };
        let round = |x: f64| (x * 1e6).round() / 1e6;
        Some(Stat {
            n: self.n,
            mean: round(self.sum / n),
            se: round(libm::sqrt(var / n)),
            p5: self.percentile(0.05),
            p50: self.percentile(0.5),
            p95: self.percentile(0.95),
            min: self.min,
            max: self.max,
            rounding: (self.bits < EXACT).then(|| libm::ldexp(1.0, -(self.bits as i32))),
        })
    }

    /// The mean and percentiles, for a band of a series (`None` when nothing was pushed).
    pub fn band(&self) -> Option<Band> {
        self.stat().map(|s| Band { mean: s.mean, p5: s.p5, p50: s.p50, p95: s.p95 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[f64]) -> Distribution {
        let mut d = Distribution::default();
        values.iter().for_each(|&x| d.push(x));
        d
    }

    #[test]
    fn few_values_are_exact() {
        let s = of(&[4.0, 1.0, 3.0, 2.0]).stat().expect("values");
        assert_eq!((s.n, s.mean, s.p5, s.p50, s.p95, s.min, s.max), (4, 2.5, 1.0, 2.0, 4.0, 1.0, 4.0));
        // sd = sqrt(5/3); se = sd / 2
        assert_eq!(s.se, ((5.0f64 / 3.0).sqrt() / 2.0 * 1e6).round() / 1e6);
        assert_eq!(s.rounding, None);
        assert!(Distribution::default().stat().is_none());
    }

    /// Negative values, zero and infinities sort as numbers do.
    #[test]
    fn keys_sort_as_values() {
        let values = [f64::NEG_INFINITY, -2.5, -1e-300, -0.0, 0.0, 1e-300, 3.0, f64::INFINITY];
        for bits in [52, 10, 0] {
            for w in values.windows(2) {
                assert!(key(w[0], bits) <= key(w[1], bits), "{} {} at {bits}", w[0], w[1]);
            }
        }
    }

    /// Whole numbers (units on task) stay exact however many replications there are.
    #[test]
    fn a_million_whole_numbers_stay_exact() {
        let mut d = Distribution::default();
        for i in 0..1_000_000u64 {
            d.push((i * 7919 % 301) as f64);
        }
        let s = d.stat().expect("values");
        assert_eq!(s.rounding, None);
        assert_eq!((s.p5, s.p50, s.p95, s.min, s.max), (15.0, 150.0, 285.0, 0.0, 300.0));
    }

    /// Continuous values past the bin limit: bounded bins, percentiles within the stated
    /// rounding of the exact ones, and the same answer in any order.
    #[test]
    fn many_distinct_values_are_grouped_within_the_stated_rounding() {
        let values: Vec<f64> =
            (0..200_000u64).map(|i| 1.0 + ((i * 2_654_435_761) % 1_000_003) as f64 / 1e4).collect();
        let d = of(&values);
        assert!(d.bins.len() <= MAX_BINS);
        let s = d.stat().expect("values");
        let rounding = s.rounding.expect("grouped");
        assert!(rounding <= 1.0 / 256.0, "rounding {rounding}");
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for (p, got) in [(0.05, s.p5), (0.5, s.p50), (0.95, s.p95)] {
            let exact = sorted[((p * sorted.len() as f64).ceil() as usize) - 1];
            assert!(((got - exact) / exact).abs() <= rounding, "p{p}: {got} vs {exact}");
        }
        let mut reversed = values.clone();
        reversed.reverse();
        let r = of(&reversed).stat().expect("values");
        assert_eq!((r.p5, r.p50, r.p95, r.rounding), (s.p5, s.p50, s.p95, s.rounding));
    }
}
