//! Synthetic datasets for systems larger than England and Wales (a US state's or the EU's
//! mutual aid): forces scattered evenly over a plane, a planar border graph (a Delaunay
//! triangulation thinned to the degree of real force borders, always connected), regions of
//! about eight forces, log-normal officer strengths, and establishments in the built-in
//! catalogue's proportions. Plus a 72-hour scenario of concurrent disorder and terrorism to
//! run on it. The same parameters always give the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write;

use petgraph::unionfind::UnionFind;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::engine::streams::lognormal;
use crate::model::Dataset;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthParams {
    /// Number of forces (3 to 65,535).
    pub forces: u32,
    /// Mean units per force over all capabilities (units); a force's share follows its
    /// officer strength.
    pub units_per_force: u32,
    /// Seed of the generator.
    pub seed: u64,
    /// Instead of the 72-hour scenario, a 30-day one of this many independent incidents (1 to
    /// [`MAX_INCIDENTS`]): for measuring how run time grows with incidents.
    pub incidents: Option<u32>,
}

/// Most incidents `--incidents` writes: about 160 bytes each, the scenario stays within the
/// input size limit.
pub const MAX_INCIDENTS: u32 = 100_000;

/// Horizon of the many-incidents scenario (days).
const MANY_DAYS: u32 = 30;

/// Why a synthetic dataset cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SynthError {
    /// Too few or too many forces.
    #[error("--forces must be between 3 and 65535, not {0}")]
    Forces(u32),
    /// Too few units for one of each capability.
    #[error("--units-per-force must be at least {min} (one unit of each capability), not {given}")]
    Units {
        /// Units asked for.
        given: u32,
        /// Capabilities in the catalogue.
        min: u32,
    },
    /// Incidents out of range.
    #[error("--incidents must be between 1 and {MAX_INCIDENTS}, not {0}")]
    Incidents(u32),
    /// More units in all than a run can hold.
    #[error("--forces × --units-per-force is {total} units, more than the {max} a run can hold")]
    TooMany {
        /// Units asked for in all.
        total: u64,
        /// The limit (`model::MAX_UNITS`).
        max: u64,
    },
}

/// A generated dataset file and a scenario file that runs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthetic {
    /// The dataset, in the format `--dataset` reads.
    pub dataset: String,
    /// A 72-hour scenario of concurrent disorder and terrorism on it.
    pub scenario: String,
    /// Border links generated.
    pub borders: usize,
    /// Units generated, over all forces and capabilities.
    pub units: u64,
}

/// Mean area per force (km²): England and Wales' ~151,000 km² over 48 forces (rounded).
const AREA_PER_FORCE_KM2: f64 = 3100.0;
/// Road distance over straight-line distance between HQs.
const ROAD_FACTOR: f64 = 1.25;
/// Share of the triangulation's non-tree edges kept: real force borders average about 4.3 per
/// force (104 borders among 48 forces), a Delaunay triangulation about 6.
const KEEP_EXTRA_EDGE: f64 = 0.8;
/// Forces per region, about (England and Wales: 43 forces in 10 regions plus the nationals).
const FORCES_PER_REGION: f64 = 8.0;
/// Officer strength: median and log-normal spread (England and Wales: median ~2,000,
/// from ~600 to ~34,000).
const OFFICERS_MEDIAN: f64 = 2000.0;
const OFFICERS_SIGMA: f64 = 0.7;
/// Armed officers as a share of officers (the built-in estimate for forces other than the Met).
const ARMED_SHARE: f64 = 0.035;

/// Generate a dataset and scenario. The catalogue, policy and threat defaults come from
/// `builtin` (text and parsed), so a synthetic system has the same kinds of unit.
pub fn synthesize(p: SynthParams, builtin_text: &str, builtin: &Dataset) -> Result<Synthetic, SynthError> {
    if !(3..=65_535).contains(&p.forces) {
        return Err(SynthError::Forces(p.forces));
    }
    let ncap = builtin.capabilities.len() as u32;
    if p.units_per_force < ncap {
        return Err(SynthError::Units { given: p.units_per_force, min: ncap });
    }
    let total = u64::from(p.forces) * u64::from(p.units_per_force);
    if total > crate::model::MAX_UNITS {
        return Err(SynthError::TooMany { total, max: crate::model::MAX_UNITS });
    }
    if let Some(k) = p.incidents
        && !(1..=MAX_INCIDENTS).contains(&k)
    {
        return Err(SynthError::Incidents(k));
    }
    let n = p.forces as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);

    // HQs on a jittered grid: even spacing, like real force areas, without exact alignment.
    let side = (n as f64 * AREA_PER_FORCE_KM2).sqrt();
    let g = (n as f64).sqrt().ceil() as usize;
    let cell = side / g as f64;
    let mut cells: Vec<usize> = (0..g * g).collect();
    for i in (1..cells.len()).rev() {
        let j = rng.random_range(0..=i);
        cells.swap(i, j);
    }
    let mut points: Vec<(f64, f64)> = cells[..n]
        .iter()
        .map(|&c| {
            let (cx, cy) = ((c % g) as f64, (c / g) as f64);
            ((cx + 0.1 + 0.8 * rng.random::<f64>()) * cell, (cy + 0.1 + 0.8 * rng.random::<f64>()) * cell)
        })
        .collect();
    // Codes follow position (row by row), so neighbouring codes are usually neighbours.
    points.sort_by(|a, b| (a.1 / cell).floor().total_cmp(&(b.1 / cell).floor()).then(a.0.total_cmp(&b.0)));
    let dist = |a: usize, b: usize| {
        let (dx, dy) = (points[a].0 - points[b].0, points[a].1 - points[b].1);
        (dx * dx + dy * dy).sqrt()
    };

    // Borders: Delaunay edges; a minimum spanning tree keeps every force reachable, and a
    // share of the other edges (not the long hull ones) gives realistic degrees.
    let delaunay =
        delaunator::triangulate(&points.iter().map(|&(x, y)| delaunator::Point { x, y }).collect::<Vec<_>>());
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for t in delaunay.triangles.chunks_exact(3) {
        for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            edges.insert((a.min(b), a.max(b)));
        }
    }
    let mut by_length: Vec<(usize, usize)> = edges.iter().copied().collect();
    by_length.sort_by(|&(a, b), &(c, d)| dist(a, b).total_cmp(&dist(c, d)).then((a, b).cmp(&(c, d))));
    let median = by_length.get(by_length.len() / 2).map_or(cell, |&(a, b)| dist(a, b));
    let mut parts = UnionFind::<usize>::new(n);
    let mut kept: BTreeSet<(usize, usize)> = BTreeSet::new();
    for &(a, b) in &by_length {
        if parts.union(a, b) {
            kept.insert((a, b));
        }
    }
    for &(a, b) in &edges {
        // One draw per edge in (a, b) order, whatever is decided, so the stream is stable.
        let keep = rng.random::<f64>() < KEEP_EXTRA_EDGE;
        if keep && dist(a, b) <= 2.0 * median {
            kept.insert((a, b));
        }
    }

    // Strength, establishment and region of each force.
    let officers: Vec<u32> = (0..n)
        .map(|_| {
            lognormal(&mut rng, OFFICERS_MEDIAN.ln(), OFFICERS_SIGMA).clamp(150.0, 40_000.0).round() as u32
        })
        .collect();
    let mean_officers = officers.iter().map(|&o| f64::from(o)).sum::<f64>() / n as f64;
    let shares: Vec<f64> = {
        let totals: Vec<f64> = builtin.capability_ids().map(|c| builtin.total_units(c) as f64).collect();
        let all: f64 = totals.iter().sum();
        totals.iter().map(|t| t / all).collect()
    };
    let regions_per_side = (n as f64 / FORCES_PER_REGION).sqrt().ceil().max(1.0);
    let width = n.to_string().len();
    let code = |i: usize| format!("f{:0width$}", i + 1);
    let lat0 = 50.0;
    let km_per_deg_lon = 111.32 * (lat0 + side / 2.0 / 111.32).to_radians().cos();

    let mut d = String::new();
    let _ = writeln!(
        d,
        "# Synthetic dataset written by `muster synth --forces {} --units-per-force {} --seed {}`.\n\
         # Forces on a jittered grid ({AREA_PER_FORCE_KM2} km² each), borders from a thinned Delaunay\n\
         # triangulation (always connected), road km = {ROAD_FACTOR} × straight line, regions of about\n\
         # {FORCES_PER_REGION} forces, officers log-normal (median {OFFICERS_MEDIAN}), units in the built-in\n\
         # catalogue's proportions. Policy and threat defaults come from the built-in dataset.\n",
        p.forces, p.units_per_force, p.seed
    );
    let _ = writeln!(
        d,
        "[dataset]\nname = \"synthetic: {} forces, {} units per force (seed {})\"\ndescription = \"generated for scale tests; not real forces\"\n",
        p.forces, p.units_per_force, p.seed
    );
    // The built-in capability catalogue, verbatim.
    let catalogue = builtin_text
        .find("[[capability]]")
        .zip(builtin_text.find("[[force]]"))
        .map_or("", |(a, b)| &builtin_text[a..b]);
    d.push_str(catalogue.trim_end());
    d.push_str("\n\n");
    let mut total_units = 0u64;
    for i in 0..n {
        let (x, y) = points[i];
        let region = (
            ((y / side) * regions_per_side).floor().min(regions_per_side - 1.0) as u32,
            ((x / side) * regions_per_side).floor().min(regions_per_side - 1.0) as u32,
        );
        let units_total =
            (f64::from(p.units_per_force) * f64::from(officers[i]) / mean_officers).round() as u32;
        let units = split(units_total.max(ncap), &shares);
        total_units += units.iter().map(|&u| u64::from(u)).sum::<u64>();
        let unit_list: Vec<String> =
            builtin.capabilities.iter().zip(&units).map(|(c, u)| format!("{} = {u}", c.id)).collect();
        let _ = writeln!(
            d,
            "[[force]]\ncode = \"{}\"\nname = \"Synthetic force {}\"\ncountry = \"synthetic\"\nregion = \"region-{:02}-{:02}\"\nofficers = {}\narmed_officers = {}\nhq = {{ lat = {:.4}, lon = {:.4} }}\nunits = {{ {} }}\n",
            code(i),
            i + 1,
            region.0,
            region.1,
            officers[i],
            (f64::from(officers[i]) * ARMED_SHARE).round() as u32,
            lat0 + y / 111.32,
            -5.0 + x / km_per_deg_lon,
            unit_list.join(", ")
        );
    }
    for &(a, b) in &kept {
        let km = (dist(a, b) * ROAD_FACTOR * 10.0).round().max(10.0) / 10.0;
        let _ = writeln!(
            d,
            "[[border]]\na = \"{}\"\nb = \"{}\"\nroad_km = {km:.1}\nlink = \"land\"\n",
            code(a),
            code(b)
        );
    }

    Ok(Synthetic {
        dataset: d,
        scenario: match p.incidents {
            Some(k) => many_incidents(p, k, n, &mut rng, &code),
            None => scenario(p, n, &mut rng, &code),
        },
        borders: kept.len(),
        units: total_units,
    })
}

/// Split `total` units over capabilities by `shares` (largest remainder), at least one each.
fn split(total: u32, shares: &[f64]) -> Vec<u32> {
    let spare = total.saturating_sub(shares.len() as u32);
    let exact: Vec<f64> = shares.iter().map(|s| s * f64::from(spare)).collect();
    let mut units: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = spare - units.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(shares.len() * 2) {
        if left == 0 {
            break;
        }
        units[i] += 1;
        left -= 1;
    }
    units.iter().map(|u| u + 1).collect()
}

/// A 72-hour scenario: disorder breaking out in about one force in a hundred (at least two),
/// and a terrorist attack in another, on the synthetic forces.
fn scenario(p: SynthParams, n: usize, rng: &mut ChaCha8Rng, code: &dyn Fn(usize) -> String) -> String {
    let seats = (n / 100).max(2).min(n - 1);
    let mut chosen: BTreeSet<usize> = BTreeSet::new();
    while chosen.len() < seats + 1 {
        chosen.insert(rng.random_range(0..n));
    }
    let chosen: Vec<usize> = chosen.into_iter().collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `muster synth --forces {} --units-per-force {} --seed {}`: run it with\n\
         # --dataset on the dataset written beside it.\n\n\
         [scenario]\nname = \"Synthetic: {seats} disorder seats and a terrorist attack\"\n\
         question = \"How does mutual aid cope at this scale?\"\nhorizon = \"3d\"\nseed = {}\nreport_interval = \"1h\"\n",
        p.forces, p.units_per_force, p.seed, p.seed
    );
    let (attack, disorder) = chosen.split_first().map_or((0, &[][..]), |(a, rest)| (*a, rest));
    let _ = writeln!(
        s,
        "[[incident]]\nid = \"attack\"\nkind = \"terrorism\"\nforce = \"{}\"\nstart = \"20h\"\nduration = \"2d\"\n\
         demand = {{ firearms = [[\"0m\", 12], [\"4h\", 16], [\"1d\", 8]], cbrn = [[\"30m\", 2], [\"1d\", 1]], public-order = [[\"1h\", 10], [\"1d\", 6]], surveillance = [[\"6h\", 4]] }}\n",
        code(attack)
    );
    for (k, &f) in disorder.iter().enumerate() {
        let _ = writeln!(
            s,
            "[[incident]]\nid = \"disorder-{}\"\nkind = \"disorder\"\nforce = \"{}\"\nstart = \"{}h\"\nduration = \"2d\"\nsize = {{ median = 8, p90 = 20 }}\n",
            k + 1,
            code(f),
            16 + (k % 8)
        );
    }
    s
}

/// A 30-day scenario of `k` independent incidents at forces drawn evenly, starting anywhere in
/// the first 29 days and lasting 3 to 24 hours, in turn disorder (public order), terrorism
/// (firearms, then cordons) and civil emergency (public order), each asking 1 to 14 units.
/// Small enough each that the run's cost is the incidents' count, not one incident's size.
fn many_incidents(
    p: SynthParams,
    k: u32,
    n: usize,
    rng: &mut ChaCha8Rng,
    code: &dyn Fn(usize) -> String,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `muster synth --forces {} --units-per-force {} --seed {} --incidents {k}`: run it\n\
         # with --dataset on the dataset written beside it.\n\n\
         [scenario]\nname = \"Synthetic: {k} incidents over {MANY_DAYS} days\"\n\
         question = \"How does run time grow with the number of incidents?\"\nhorizon = \"{MANY_DAYS}d\"\nseed = {}\nreport_interval = \"1h\"\n",
        p.forces, p.units_per_force, p.seed, p.seed
    );
    for i in 0..k {
        let force = code(rng.random_range(0..n));
        let start = rng.random_range(0..(MANY_DAYS - 1) * 24 * 60);
        let duration = rng.random_range(180..=1440);
        let (a, b) = (rng.random_range(2..15), rng.random_range(1..8));
        let (kind, demand) = match i % 3 {
            0 => ("disorder", format!("{{ public-order = [[\"0m\", {a}], [\"2h\", {b}]] }}")),
            1 => ("terrorism", format!("{{ firearms = [[\"0m\", {a}]], public-order = [[\"1h\", {b}]] }}")),
            _ => ("civil-emergency", format!("{{ public-order = {b} }}")),
        };
        let _ = writeln!(
            s,
            "[[incident]]\nid = \"i{}\"\nkind = \"{kind}\"\nforce = \"{force}\"\nstart = \"{start}m\"\nduration = \"{duration}m\"\ndemand = {demand}\n",
            i + 1
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_the_total_and_one_of_each() {
        assert_eq!(split(10, &[0.7, 0.2, 0.05, 0.05]), vec![5, 2, 2, 1]);
        assert_eq!(split(4, &[0.7, 0.2, 0.05, 0.05]), vec![1, 1, 1, 1]);
        assert_eq!(split(101, &[0.5, 0.5]).iter().sum::<u32>(), 101);
    }
}
