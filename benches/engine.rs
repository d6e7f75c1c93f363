//! Criterion benches: a full national scenario, the allocation solve, and an idle-heavy run.
//! Results and the machine they ran on are recorded in docs/performance.md.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use muster::engine::{FairShare, Need, SupplyGroup, allocate};
use muster::input::{InputFile, SetOverride, load_model};
use muster::model::{AllocationPolicy, ForceId, Model, RegionId};

// The same allocator as the `muster` binary, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn national(path: &str, sets: &[&str]) -> Arc<Model> {
    let text = std::fs::read(path).expect("scenario exists");
    let sets: Vec<SetOverride> = sets.iter().map(|s| SetOverride::parse(s).expect("valid --set")).collect();
    Arc::new(load_model(InputFile { name: path, bytes: &text }, &sets, None).expect("valid scenario"))
}

fn bench_national(c: &mut Criterion) {
    for (name, path) in [
        ("national/london-disorder-2011", "scenarios/london-disorder-2011.toml"),
        ("national/birmingham-attack-cyber", "scenarios/birmingham-attack-cyber.toml"),
        ("national/summer-2024-late-trigger", "scenarios/summer-2024-late-trigger.toml"),
    ] {
        let model = national(path, &[]);
        c.bench_function(name, |b| b.iter(|| muster::engine::run(Arc::clone(&model)).expect("runs")));
    }
}

fn bench_build(c: &mut Criterion) {
    // Building the World (≈3,900 unit entities) is a fixed cost of every replication.
    let model = national("scenarios/london-disorder-2011.toml", &[]);
    c.bench_function("build/national-world", |b| {
        b.iter(|| muster::engine::Simulation::new(Arc::clone(&model)).expect("builds"))
    });
}

fn bench_idle(c: &mut Criterion) {
    // ~3,300 units for four weeks with one small incident: cost should follow the events,
    // not units × minutes.
    let model = national(
        "scenarios/london-disorder-2011.toml",
        &[
            "scenario.horizon=28d",
            "incident=[{id=\"small\", kind=\"disorder\", force=\"dorset\", start=\"10d\", duration=\"6h\", demand={public-order=[[\"0h\", 3]]}}]",
        ],
    );
    c.bench_function("idle/national-28-days-one-small-incident", |b| {
        b.iter(|| muster::engine::run(Arc::clone(&model)).expect("runs"))
    });
}

fn bench_allocation(c: &mut Criterion) {
    // National size: 48 forces × 4 notice bands of supply, 12 open requests.
    let groups: Vec<SupplyGroup> = (0..192u32)
        .map(|i| SupplyGroup {
            home: ForceId((i / 4) as u16),
            home_region: RegionId((i / 20) as u16),
            location: ForceId((i / 4) as u16),
            notice: [60, 240, 480, 1440][(i % 4) as usize],
            count: 1 + (i * 7) % 5,
            strength: 1000 + (i / 4) * 150,
            burden: f64::from((i * 53) % 7) * 720.0,
        })
        .collect();
    let needs: Vec<Need> = (0..12u32)
        .map(|n| Need {
            host: ForceId(100 + n as u16),
            host_region: RegionId((n % 10) as u16),
            priority: 1 + n % 3,
            units: 10 + (n * 13) % 30,
        })
        .collect();
    let arrival: Vec<Vec<Option<u32>>> = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| {
            (0..needs.len()).map(|n| Some(grp.notice + ((g * 37 + n * 101) % 400) as u32)).collect()
        })
        .collect();
    let fair = FairShare { window: 120, per_unit: 720.0 };
    for policy in [AllocationPolicy::FairShare, AllocationPolicy::Optimal, AllocationPolicy::Nearest] {
        c.bench_function(&format!("allocation/{}-192-groups-12-needs", policy.name()), |b| {
            b.iter(|| allocate(policy, &groups, &needs, &arrival, &fair))
        });
    }
}

fn bench_ensemble(c: &mut Criterion) {
    // Replications per second: 64 replications of the national disorder scenario (random
    // spread), on 1 and on 2 worker threads.
    let model = national("scenarios/disorder-spreads-from-southport.toml", &[]);
    let mut group = c.benchmark_group("ensemble/southport-64-runs");
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("threads");
        group.bench_function(format!("{threads}-threads"), |b| {
            b.iter(|| {
                pool.install(|| muster::analysis::ensemble::run(&model, 64, None, |_| Ok(())).expect("runs"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_national, bench_build, bench_idle, bench_allocation, bench_ensemble);
criterion_main!(benches);
