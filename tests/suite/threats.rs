//! Threat models: disorder escalation, calming and spread, hand-checked on the three-force
//! world and checked against the evidence over many seeds on the national dataset.

use muster::input::{InputFile, SetOverride, load_model};
use muster::results::{EventKind, RunResult};

use super::common::*;

/// alpha hosts one disorder seat of fixed size 4; every hour counts as the night-time peak.
const SEAT: &str = r#"
[scenario]
name = "Disorder seat at alpha"
horizon = "12h"
seed = 3

[policy]
national_trigger = "never"

[disorder]
night_profile = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
spread = 0.0

[[incident]]
id = "riot"
kind = "disorder"
force = "alpha"
start = "0h"
duration = "12h"
size = { median = 4, p90 = 4 }
"#;

fn seat(overrides: &[&str]) -> RunResult {
    run_checked(load(SEAT, Some(THREE_FORCES), overrides).expect("seat scenario is valid"))
}

fn demand_curve(r: &RunResult, incident: &str) -> Vec<u32> {
    r.series
        .incidents
        .iter()
        .filter(|p| &*p.incident == incident && &*p.capability == "public-order")
        .map(|p| p.demand)
        .collect()
}

#[test]
fn unmet_disorder_escalates_hour_by_hour_to_its_cap() {
    // No units anywhere can reach alpha: intensity 1 → 1.3 → 1.69 → 2.197 → 2.5 (cap), and
    // demand = ceil(4 × intensity) = 4, 6, 7, 9, 10, 10, ...
    let r = seat(&[
        "override=[{force=\"alpha\", capability=\"public-order\", units=-2}]",
        "policy.retained_cover=1.0",
    ]);
    assert_eq!(demand_curve(&r, "riot")[..7], [4, 6, 7, 9, 10, 10, 10]);
    assert_eq!(r.summary.met_unit_hours, 0.0);
}

#[test]
fn met_disorder_calms_and_ends() {
    let r = seat(&["override=[{force=\"alpha\", capability=\"public-order\", units=10}]"]);
    let calmed = r
        .events
        .iter()
        .find(|e| matches!(&e.kind, EventKind::DisorderCalmed { incident } if incident == "riot"));
    let calmed = calmed.expect("the seat calms down once its demand is met");
    assert!(calmed.t < 12 * 60);
    let curve = demand_curve(&r, "riot");
    assert_eq!(*curve.last().unwrap(), 0, "no demand once calmed: {curve:?}");
}

#[test]
fn short_seat_spreads_along_the_border_graph() {
    // With spread = 1 and alpha unable to cover anything, the chance at the first hourly
    // update is min(1, 1 × 1.3 × 1 × (1 + 4)) = 1: a seat starts in bravo at 1h. bravo's own
    // PSUs (1h notice + 30m) are not on task by its first update at 2h, so it too is short
    // and spreads to charlie. alpha is never seated twice.
    let r = seat(&[
        "override=[{force=\"alpha\", capability=\"public-order\", units=-2}]",
        "policy.retained_cover=1.0",
        "disorder.spread=1.0",
    ]);
    let ids: Vec<&str> = r.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["riot", "riot~bravo", "riot~charlie"]);
    let spread: Vec<(u32, &str)> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DisorderSpread { force, .. } => Some((e.t, force.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(spread, [(60, "bravo"), (120, "charlie")]);
}

#[test]
fn no_spread_without_a_chance() {
    let r = seat(&[
        "override=[{force=\"alpha\", capability=\"public-order\", units=-2}]",
        "policy.retained_cover=1.0",
    ]);
    assert_eq!(r.incidents.len(), 1);
}

fn southport(seed: u64, trigger: &str) -> RunResult {
    let path = "scenarios/disorder-spreads-from-southport.toml";
    let text = std::fs::read(path).unwrap();
    let sets: Vec<SetOverride> =
        [format!("policy.national_trigger.at={trigger}"), "scenario.horizon=6d".into()]
            .iter()
            .map(|s| SetOverride::parse(s).unwrap())
            .chain(std::iter::once(SetOverride { key: "scenario.seed".into(), value: seed.to_string() }))
            .collect();
    let model = load_model(InputFile { name: path, bytes: &text }, &sets, None).unwrap();
    muster::engine::run(std::sync::Arc::new(model)).unwrap()
}

#[test]
fn a_late_national_trigger_raises_unmet_demand_and_seats_over_many_seeds() {
    let seeds = 1..=12u64;
    let (mut unmet_early, mut unmet_late, mut seats_early, mut seats_late, mut lower) = (0.0, 0.0, 0, 0, 0);
    for seed in seeds.clone() {
        let early = southport(seed, "1d20h");
        let late = southport(seed, "5d");
        unmet_early += early.summary.unmet_unit_hours;
        unmet_late += late.summary.unmet_unit_hours;
        seats_early += early.incidents.len();
        seats_late += late.incidents.len();
        if late.summary.unmet_unit_hours < early.summary.unmet_unit_hours {
            lower += 1;
        }
    }
    let n = seeds.count() as f64;
    assert!(
        unmet_late / n > 1.1 * unmet_early / n,
        "mean unmet: late {} vs early {}",
        unmet_late / n,
        unmet_early / n
    );
    assert!(seats_late >= seats_early, "seats: late {seats_late} vs early {seats_early}");
    // Not "never": early national aid can strip a force that is then seated (see the notes in
    // docs/threats.md). It must stay the exception.
    assert!(lower <= 3, "a late trigger lowered unmet demand in {lower} of 12 seeds");
}

#[test]
fn seeds_change_the_outbreak_and_the_same_seed_repeats_it() {
    let a = southport(5, "5d");
    let b = southport(5, "5d");
    assert_eq!(muster::present::files::to_json(&a), muster::present::files::to_json(&b));
    let sizes: std::collections::BTreeSet<usize> =
        (1..=6).map(|s| southport(s, "5d").incidents.len()).collect();
    assert!(sizes.len() > 1, "every seed gave the same number of seats: {sizes:?}");
}

const PLANNED: &str = r#"
[scenario]
name = "A planned event at alpha"
horizon = "16h"
seed = 1

[[incident]]
id = "summit"
kind = "planned-event"
force = "alpha"
start = "10h"
duration = "4h"
demand = { public-order = [["0h", 5]] }
"#;

#[test]
fn booked_aid_arrives_before_a_planned_event_starts() {
    // Booked 6h ahead (at 4h), from rostered units with no notice and no request latency or
    // trigger: alpha's 2 PSUs arrive at 4h30m, bravo's 2 at 5h, charlie's 1 at 7h — all
    // before the 10h start, so the event is fully covered from its first minute.
    let booked = run_checked(load(PLANNED, Some(THREE_FORCES), &[]).unwrap());
    let c = &booked.incidents[0].capabilities[0];
    assert_eq!(c.units_by_tier, [2, 2, 1]);
    assert_eq!(c.time_to_full_cover, Some(0));
    assert_eq!(booked.summary.demand_met, 1.0);
    assert_eq!(booked.summary.demanded_unit_hours, 20.0);

    // The same demand unplanned: nothing moves until 10h, and then with notice and latency.
    let unplanned =
        run_checked(load(PLANNED, Some(THREE_FORCES), &["incident.summit.booked=false"]).unwrap());
    assert!(unplanned.summary.demand_met < 0.5, "{}", unplanned.summary.demand_met);
    assert!(unplanned.summary.unmet_unit_hours > 10.0);
}

#[test]
fn booked_applies_only_to_planned_events() {
    let err = load(SEAT, Some(THREE_FORCES), &["incident.riot.booked=true"]).unwrap_err();
    assert!(err.to_string().contains("booked applies to planned-event"), "{err}");
}

fn southport_with(seed: u64, sets: &[&str]) -> RunResult {
    let path = "scenarios/disorder-spreads-from-southport.toml";
    let text = std::fs::read(path).unwrap();
    let mut all: Vec<SetOverride> = sets.iter().map(|s| SetOverride::parse(s).unwrap()).collect();
    all.push(SetOverride { key: "scenario.seed".into(), value: seed.to_string() });
    all.push(SetOverride { key: "scenario.horizon".into(), value: "6d".into() });
    let model = load_model(InputFile { name: path, bytes: &text }, &all, None).unwrap();
    muster::engine::run(std::sync::Arc::new(model)).unwrap()
}

#[test]
fn more_retained_cover_means_fewer_donor_breaches_and_more_host_shortfall() {
    let (mut below_low, mut below_high, mut unmet_low, mut unmet_high) = (0.0, 0.0, 0.0, 0.0);
    for seed in 1..=8 {
        let low = southport_with(seed, &["policy.retained_cover=0.3"]);
        let high = southport_with(seed, &["policy.retained_cover=0.7"]);
        below_low += low.summary.donor_hours_below_cover;
        below_high += high.summary.donor_hours_below_cover;
        unmet_low += low.summary.unmet_unit_hours;
        unmet_high += high.summary.unmet_unit_hours;
    }
    assert!(below_high < below_low, "hours below cover: retained 0.7 {below_high} vs 0.3 {below_low}");
    assert!(unmet_high > unmet_low, "unmet: retained 0.7 {unmet_high} vs 0.3 {unmet_low}");
}

#[test]
fn a_comms_outage_at_the_first_seat_slows_regional_aid() {
    // Merseyside cut off for the first night: its tier-2 requests wait for the outage to end,
    // so the first seat gets less regional help in time and meets less of its demand.
    let met = |r: &RunResult| {
        let southport = r.incidents.iter().find(|i| i.id == "southport").unwrap();
        southport.capabilities.iter().find(|c| c.capability == "public-order").unwrap().demand_met
    };
    let (mut with, mut without) = (0.0, 0.0);
    for seed in 1..=6 {
        without += met(&southport_with(seed, &[]));
        with += met(&southport_with(
            seed,
            &["disruption=[{kind=\"comms-outage\", force=\"merseyside\", start=\"1d18h\", end=\"2d6h\"}]"],
        ));
    }
    assert!(
        with < without,
        "share of public-order demand met at the first seat: outage {with} vs none {without}"
    );
}

fn critical(seed: u64, sets: &[&str]) -> RunResult {
    let path = "scenarios/critical-threat-terror-and-disorder.toml";
    let text = std::fs::read(path).unwrap();
    let mut all: Vec<SetOverride> = sets.iter().map(|s| SetOverride::parse(s).unwrap()).collect();
    all.push(SetOverride { key: "scenario.seed".into(), value: seed.to_string() });
    let model = load_model(InputFile { name: path, bytes: &text }, &all, None).unwrap();
    muster::engine::run(std::sync::Arc::new(model)).unwrap()
}

#[test]
fn a_critical_threat_level_ties_up_armed_officers_in_every_force() {
    let r = critical(1, &[]);
    let protective = r.incidents.iter().filter(|i| i.id.starts_with("threat-level@")).count();
    assert_eq!(protective, 48, "every force with ARV crews gets protective-security demand");
}

#[test]
fn removing_military_backfill_raises_the_armed_shortfall() {
    let (mut with, mut without) = (0.0, 0.0);
    for seed in 1..=4 {
        let armed_unmet = |r: &RunResult| {
            r.capabilities.iter().find(|c| c.capability == "firearms").map_or(0.0, |c| c.unmet_unit_hours)
        };
        with += armed_unmet(&critical(seed, &[]));
        without += armed_unmet(&critical(seed, &["threat_level.military_backfill=0"]));
    }
    assert!(without > with, "armed unmet unit-hours: no backfill {without} vs backfill {with}");
}

#[test]
fn multi_force_incidents_and_road_closures_expand_from_one_entry() {
    let path = "scenarios/flood-across-forces.toml";
    let text = std::fs::read(path).unwrap();
    let model = load_model(InputFile { name: path, bytes: &text }, &[], None).unwrap();
    let ids: Vec<&str> = model.scenario.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "east-coast-flood",
            "east-coast-flood@humberside",
            "east-coast-flood@norfolk",
            "east-coast-flood@nottinghamshire"
        ]
    );
    assert_eq!(model.scenario.disruptions.len(), 2);
    let r = run_checked(model);
    assert!(r.events.iter().any(|e| matches!(&e.kind, EventKind::DisruptionStarted { disruption } if disruption == "link-closed humberside-lincolnshire")));
}

#[test]
fn attack_size_is_drawn_per_seed_and_scales_every_curve() {
    let path = "scenarios/manchester-marauding-attack-night.toml";
    let text = std::fs::read(path).unwrap();
    let run = |seed: u64| {
        let sets = [SetOverride { key: "scenario.seed".into(), value: seed.to_string() }];
        let model = load_model(InputFile { name: path, bytes: &text }, &sets, None).unwrap();
        muster::engine::run(std::sync::Arc::new(model)).unwrap()
    };
    let demanded: Vec<f64> = (1..=8).map(|s| run(s).summary.demanded_unit_hours).collect();
    let distinct: std::collections::BTreeSet<u64> = demanded.iter().map(|d| d.to_bits()).collect();
    assert!(distinct.len() > 4, "attack sizes barely vary: {demanded:?}");
    assert_eq!(run(3).summary.demanded_unit_hours, demanded[2], "the same seed draws the same attack");
}
