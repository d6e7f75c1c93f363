//! `muster synth`: valid, connected, realistic and reproducible synthetic systems.

use std::collections::BTreeSet;

use muster::input::{self, InputFile};
use muster::synth::{SynthError, SynthParams, synthesize};

use super::common::run_checked;

fn make(forces: u32, units_per_force: u32, seed: u64) -> muster::synth::Synthetic {
    let builtin = input::load_dataset(InputFile::builtin_dataset()).expect("built-in dataset");
    synthesize(
        SynthParams { forces, units_per_force, seed, incidents: None },
        input::BUILTIN_DATASET,
        &builtin,
    )
    .expect("valid")
}

#[test]
fn synthetic_datasets_are_valid_connected_and_shaped_like_real_borders() {
    for (forces, per) in [(3, 5), (48, 80), (500, 20)] {
        let s = make(forces, per, 11);
        let d = input::load_dataset(InputFile { name: "synthetic.toml", bytes: s.dataset.as_bytes() })
            .unwrap_or_else(|e| panic!("{forces} forces: {e}"));
        assert_eq!(d.forces.len(), forces as usize);
        let units: u64 = d.capability_ids().map(|c| d.total_units(c)).sum();
        assert_eq!(units, s.units);
        // Every force holds at least one unit of each capability; the mean is near the ask.
        assert!(d.forces.iter().all(|f| f.establishment.iter().all(|&u| u >= 1)));
        let mean = units as f64 / f64::from(forces);
        assert!((mean - f64::from(per)).abs() <= f64::from(per) * 0.1 + 4.0, "{forces}: mean {mean}");
        // Connected: every force reachable from the first over the borders.
        let mut network = muster::engine::TravelNetwork::new(&d);
        for f in d.force_ids() {
            assert!(
                network.distance_m(d.force_ids().next().unwrap(), f).is_some(),
                "{forces}: force {f:?} cut off"
            );
        }
        if forces >= 48 {
            // Real borders: about 4.3 per force (104 among 48); planar graphs stay below 6.
            let degree = 2.0 * d.borders.len() as f64 / f64::from(forces);
            assert!((3.5..=5.5).contains(&degree), "{forces} forces: mean degree {degree}");
            let regions: BTreeSet<_> = d.forces.iter().map(|f| f.region).collect();
            let per_region = f64::from(forces) / regions.len() as f64;
            assert!((4.0..=12.0).contains(&per_region), "{forces}: {per_region} forces per region");
        }
    }
}

#[test]
fn the_same_parameters_give_the_same_bytes() {
    assert_eq!(make(60, 30, 5), make(60, 30, 5));
    assert_ne!(make(60, 30, 5).dataset, make(60, 30, 6).dataset);
}

#[test]
fn the_synthetic_scenario_runs_with_every_invariant_held() {
    let s = make(120, 30, 2);
    let model = input::load_model(
        InputFile { name: "scenario.toml", bytes: s.scenario.as_bytes() },
        &[],
        Some(InputFile { name: "synthetic.toml", bytes: s.dataset.as_bytes() }),
    )
    .expect("the synthetic scenario loads on its dataset");
    assert_eq!(model.scenario.horizon, 72 * 60);
    let r = run_checked(model);
    assert!(r.summary.demanded_unit_hours > 0.0);
    assert!(r.summary.aid_deployments > 0, "a scale scenario should exercise mutual aid");
}

#[test]
fn impossible_sizes_are_refused() {
    let builtin = input::load_dataset(InputFile::builtin_dataset()).expect("built-in dataset");
    let try_make = |forces, units_per_force| {
        synthesize(
            SynthParams { forces, units_per_force, seed: 1, incidents: None },
            input::BUILTIN_DATASET,
            &builtin,
        )
    };
    assert_eq!(try_make(2, 10).unwrap_err(), SynthError::Forces(2));
    assert_eq!(try_make(10, 3).unwrap_err(), SynthError::Units { given: 3, min: 5 });
}

#[test]
fn the_many_incidents_scenario_has_that_many_on_the_same_dataset() {
    let builtin = input::load_dataset(InputFile::builtin_dataset()).expect("built-in dataset");
    let with = |incidents| {
        synthesize(
            SynthParams { forces: 40, units_per_force: 30, seed: 4, incidents },
            input::BUILTIN_DATASET,
            &builtin,
        )
    };
    let (plain, many) = (with(None).expect("valid"), with(Some(25)).expect("valid"));
    // Only the scenario changes: a curve over N measures incidents, not another system.
    assert_eq!(plain.dataset, many.dataset);
    assert_eq!(many, with(Some(25)).expect("valid"));
    let model = input::load_model(
        InputFile { name: "many.toml", bytes: many.scenario.as_bytes() },
        &[],
        Some(InputFile { name: "synthetic.toml", bytes: many.dataset.as_bytes() }),
    )
    .expect("the many-incidents scenario loads on its dataset");
    assert_eq!(model.scenario.incidents.len(), 25);
    assert_eq!(model.scenario.horizon, 30 * 24 * 60);
    let r = run_checked(model);
    assert!(r.summary.demanded_unit_hours > 0.0);
    for bad in [0, muster::synth::MAX_INCIDENTS + 1] {
        assert_eq!(with(Some(bad)).unwrap_err(), SynthError::Incidents(bad));
    }
}
