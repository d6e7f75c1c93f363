//! The performance targets of issue #7 and the scaling curves, measured with criterion.
//! Results, the machine and the date are recorded in docs/performance.md.
//!
//! cargo bench --bench targets -- --warm-up-time 1 --measurement-time 5

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use muster::input::{self, InputFile, SetOverride, load_model};
use muster::model::Model;
use muster::synth::{SynthParams, synthesize};

// The same allocator as the `muster` binary, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn shipped(name: &str, sets: &[String]) -> Arc<Model> {
    let text = muster::shipped::find(name).expect("shipped scenario");
    let sets: Vec<SetOverride> = sets.iter().map(|s| SetOverride::parse(s).expect("valid --set")).collect();
    Arc::new(load_model(InputFile { name, bytes: text.as_bytes() }, &sets, None).expect("valid scenario"))
}

/// A synthetic system and its 72-hour disorder + terrorism scenario (or, with `incidents`, its
/// 30-day scenario of that many incidents), loaded as a user would.
fn synthetic(forces: u32, units_per_force: u32, incidents: Option<u32>) -> Arc<Model> {
    let builtin = input::load_dataset(InputFile::builtin_dataset()).expect("built-in dataset");
    let s = synthesize(
        SynthParams { forces, units_per_force, seed: 3, incidents },
        input::BUILTIN_DATASET,
        &builtin,
    )
    .expect("valid parameters");
    Arc::new(
        load_model(
            InputFile { name: "synthetic-scenario.toml", bytes: s.scenario.as_bytes() },
            &[],
            Some(InputFile { name: "synthetic.toml", bytes: s.dataset.as_bytes() }),
        )
        .expect("synthetic files load"),
    )
}

/// The 72-hour national scenario with concurrent terrorism, disorder and a critical threat
/// level: the shipped five-day scenario cut to its first 72 hours.
fn national_72h() -> Arc<Model> {
    shipped("critical-threat-terror-and-disorder", &["scenario.horizon=3d".into()])
}

fn bench_targets(c: &mut Criterion) {
    let model = national_72h();
    c.bench_function("target/national-72h-terror-disorder-1-core", |b| {
        b.iter(|| muster::engine::run(Arc::clone(&model)).expect("runs"))
    });
    // The same replication as an ensemble runs it: no event log (a record never holds one).
    c.bench_function("target/national-72h-terror-disorder-1-core-as-in-ensemble", |b| {
        b.iter(|| muster::engine::run_replication_with(Arc::clone(&model), 0, false).expect("runs"))
    });
    // Replications per second on 2 threads; 10,000 replications take 10,000 / that.
    let mut group = c.benchmark_group("target/national-72h-ensemble-256-runs");
    group.sample_size(10);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("threads");
    group.bench_function("2-threads", |b| {
        b.iter(|| {
            pool.install(|| muster::analysis::ensemble::run(&model, 256, None, |_| Ok(())).expect("runs"))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("target/synthetic-2000-forces-100k-units-72h");
    group.sample_size(10);
    let big = synthetic(2000, 50, None);
    group.bench_function("run", |b| b.iter(|| muster::engine::run(Arc::clone(&big)).expect("runs")));
    group.finish();
}

fn bench_scaling(c: &mut Criterion) {
    // Units ×1, ×10, ×100 on the same 200-force geography and scenario.
    let mut group = c.benchmark_group("scale/units-200-forces");
    group.sample_size(10);
    for m in [10u32, 100, 1000] {
        let model = synthetic(200, m, None);
        group.bench_with_input(BenchmarkId::from_parameter(200 * m), &model, |b, model| {
            b.iter(|| muster::engine::run(Arc::clone(model)).expect("runs"))
        });
    }
    group.finish();
    // Horizon ×1, ×4, ×16 (3, 12 and 48 days) of a scenario whose activity goes on all the
    // time: the Salisbury cordon (58 days of demand, tours relieved around the clock).
    let mut group = c.benchmark_group("scale/horizon-salisbury");
    group.sample_size(10);
    for days in [3u32, 12, 48] {
        let model = shipped("salisbury-chemical-cordon", &[format!("scenario.horizon={days}d")]);
        group.bench_with_input(BenchmarkId::from_parameter(format!("{days}d")), &model, |b, model| {
            b.iter(|| muster::engine::run(Arc::clone(model)).expect("runs"))
        });
    }
    group.finish();
    // The same for the front-loaded national scenario: its incidents start by day 2 and end by
    // day 5, so the curve shows where the activity is, not how cost grows with time.
    let mut group = c.benchmark_group("scale/horizon-national");
    group.sample_size(10);
    for hours in [48u32, 192, 768] {
        let model = shipped("critical-threat-terror-and-disorder", &[format!("scenario.horizon={hours}h")]);
        group.bench_with_input(BenchmarkId::from_parameter(format!("{hours}h")), &model, |b, model| {
            b.iter(|| muster::engine::run(Arc::clone(model)).expect("runs"))
        });
    }
    group.finish();
    // Incidents ×1, ×10 over 30 days on the same 200-force, 10,000-unit system (the curve to
    // 10,000 incidents is measured from the command line: docs/performance.md, "Incidents").
    let mut group = c.benchmark_group("scale/incidents-200-forces-30d");
    group.sample_size(10);
    for n in [100u32, 1000] {
        let model = synthetic(200, 50, Some(n));
        group.bench_with_input(BenchmarkId::from_parameter(n), &model, |b, model| {
            b.iter(|| muster::engine::run(Arc::clone(model)).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_targets, bench_scaling);
criterion_main!(benches);
