//! The workforce rules, each pinned on a small world worked out by hand (see the comments):
//! handover overlap and rotation, staggered first tours, recall from rest days, notice that
//! does not come back, patrol response, lodging, rest days after a run of tours, ETA-aware
//! planning, escalation to national brokering. Invariants are checked after every step.

use muster::results::{EventKind, RunResult};

use super::common::*;

/// One PSU wanted at alpha for 30 hours. Every unit: 1 h notice (on duty), 30 min local travel.
const LONG_RIOT: &str = r#"
[scenario]
name = "A long operation at alpha"
horizon = "32h"
seed = 1

[policy]
national_trigger = "never"
relief_lookahead = "8h"
handover = "30m"

[[incident]]
id = "op"
kind = "disorder"
force = "alpha"
start = "0h"
duration = "30h"
demand = { public-order = [["0h", 1]] }
"#;

fn long(overrides: &[&str]) -> RunResult {
    run_checked(load(LONG_RIOT, Some(THREE_FORCES), overrides).expect("scenario is valid"))
}

/// (minute, unit, what) for a unit's arrivals and stand-downs, in order.
fn movements(r: &RunResult) -> Vec<(u32, String, String)> {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Arrived { unit, .. } => Some((e.t, unit.clone(), "on task".to_string())),
            EventKind::StoodDown { unit, reason, .. } => Some((e.t, unit.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn relief_is_on_task_before_the_outgoing_unit_stands_down_and_units_rotate() {
    // alpha's PSU 1 departs at 1h, on task 1h30. Its tour counts from leaving home: it ends at
    // 13h and the unit must be home by then, so it stands down at 12h30; its relief is wanted
    // on task 30 min before, at 12h, and is sought 8 h before that (4h). PSU 2 (1 h notice)
    // leaves at 11h30 to be there at 12h. PSU 2 stands down at 23h30 (left 11h30, tour to
    // 23h30 less 30 min home... = 23h00); its relief is wanted at 22h30 and sought at 14h30.
    // PSU 1 then rests (home 13h, rest to 21h): it can be back by 22h at its mobilised notice
    // (1 h), in time, and is preferred to a fresh unit (no rest day is cancelled for it).
    // PSU 1's next handover (33h) is after the operation ends: no more reliefs.
    let r = long(&[]);
    assert_eq!(
        movements(&r),
        [
            (90, "alpha:public-order:1".into(), "on task".into()),
            (720, "alpha:public-order:2".into(), "on task".into()),
            (750, "alpha:public-order:1".into(), "tour".into()),
            (1350, "alpha:public-order:1".into(), "on task".into()),
            (1380, "alpha:public-order:2".into(), "tour".into()),
            (1800, "alpha:public-order:1".into(), "released".into()),
        ]
    );
    // The place is never empty once first filled, and held twice over during each handover.
    let on_task: Vec<(u32, u32)> = r.series.incidents.iter().map(|p| (p.t, p.deployed)).collect();
    assert!(on_task.iter().filter(|&&(t, _)| (120..1800).contains(&t)).all(|&(_, d)| d >= 1), "{on_task:?}");
    let p = &r.summary.planned_arrivals;
    assert_eq!((p.arrivals, p.late), (2, 0), "both reliefs on time");
    // Only the first unit is measured from a request: 90 minutes.
    assert_eq!(tier(&r, 1).median_minutes, Some(90));
    assert_eq!(tier(&r, 1).arrivals, 1);
}

#[test]
fn a_rested_unit_takes_a_later_shift_before_a_fresh_one_is_called() {
    // As above with a third PSU at alpha. At 14h30 the relief for PSU 2 (wanted at 22h30) is
    // sought: PSU 3, fresh, could be there by 16h; PSU 1, resting until 21h, by 22h30. Both are
    // in time, so the mobilised PSU 1 goes and PSU 3 is never called.
    let r = long(&["override=[{force=\"alpha\", capability=\"public-order\", units=1}]"]);
    let m = movements(&r);
    assert_eq!(m[3], (1350, "alpha:public-order:1".into(), "on task".into()));
    assert!(m.iter().all(|x| x.1 != "alpha:public-order:3"), "{m:?}");
}

#[test]
fn without_a_lookahead_relief_comes_late_and_cover_breaks() {
    // The same with relief sought only at the handover itself: PSU 2 is asked at 12h and, with
    // 1 h notice and 30 min travel, is on task at 13h30 — an hour after PSU 1 left.
    let r = long(&["policy.relief_lookahead=\"0m\""]);
    let first = movements(&r);
    assert_eq!(first[1], (750, "alpha:public-order:1".into(), "tour".into()));
    assert_eq!(first[2], (810, "alpha:public-order:2".into(), "on task".into()));
    assert!(r.summary.unmet_unit_hours > 0.9, "{}", r.summary.unmet_unit_hours);
}

#[test]
fn first_tours_of_units_sent_together_are_staggered() {
    // Four PSUs (alpha has them by override) committed together; stagger 2h cuts their first
    // tours by 0, 30, 60 and 90 minutes in turn, so they stand down at 12h30, 12h, 11h30, 11h.
    let r = long(&[
        "policy.stagger=\"2h\"",
        "policy.relief_lookahead=\"0m\"",
        "incident.op.demand={ public-order = [[\"0h\", 4]] }",
        "incident.op.duration=\"13h\"",
        "scenario.horizon=\"13h\"",
        "override=[{force=\"alpha\", capability=\"public-order\", units=2}]",
    ]);
    let tours: Vec<u32> = movements(&r).into_iter().filter(|m| m.2 == "tour").map(|m| m.0).collect();
    assert_eq!(tours, [660, 690, 720, 750]);
}

#[test]
fn a_unit_called_from_a_rest_day_comes_later_and_the_rest_day_is_owed() {
    // alpha's first PSU is on duty (1 h notice), its second on a rest day (8 h): asked for 2 at
    // 0h, the second is on task at 8h30, and 25 officer rest days are owed. (No donor lends:
    // each keeps all its units.)
    let r = long(&[
        "policy.retained_cover=1.0",
        "capability.public-order.readiness=[{ state = \"on-duty\", notice = \"1h\", share = 0.5 }, \
         { state = \"rest-day\", notice = \"8h\", share = 1.0 }]",
        "incident.op.demand={ public-order = [[\"0h\", 2]] }",
        "incident.op.duration=\"10h\"",
        "scenario.horizon=\"10h\"",
    ]);
    let arrivals: Vec<u32> = movements(&r).into_iter().filter(|m| m.2 == "on task").map(|m| m.0).collect();
    assert_eq!(arrivals, [90, 510]);
    assert_eq!(r.summary.time_off_cancelled_officer_days, 25);
}

#[test]
fn notice_does_not_come_back_after_a_rest() {
    // One PSU at alpha, on leave (24 h notice); mobilised notice 1 h; no donor lends. Asked at
    // 0h, it leaves at 24h and is on task at 24h30; its tour (from leaving home) ends at 36h and
    // it stands down at 35h30 to be home by then, and rests to 44h. Its relief is sought at
    // 27h, but there is no one else: the place is empty until it is back, mobilised — 1 h
    // notice and 30 min after its rest, on task at 45h30, not 24 h later.
    let r = long(&[
        "policy.retained_cover=1.0",
        "capability.public-order.readiness=[{ state = \"leave\", notice = \"24h\", share = 1.0 }]",
        "capability.public-order.mobilised_notice=\"1h\"",
        "override=[{force=\"alpha\", capability=\"public-order\", units=-1}]",
        "incident.op.duration=\"60h\"",
        "scenario.horizon=\"60h\"",
    ]);
    let arrivals: Vec<u32> = movements(&r).into_iter().filter(|m| m.2 == "on task").map(|m| m.0).collect();
    assert_eq!(arrivals[..2], [1470, 2730]);
    assert_eq!(r.summary.time_off_cancelled_officer_days, 25, "leave cancelled once, not at every tour");
}

#[test]
fn a_run_of_tours_ends_in_rest_days_at_home() {
    // max 2 tours in a run, then 2 days off; PSU 2 is on leave (24 h notice) and no donor
    // lends. PSU 1 works 1h30–12h30; PSU 2, the only relief to be had at 4h, would be on task
    // at 28h30; PSU 1, rested and mobilised, is back at 22h30 (rest to 21h, 1 h notice, 30 min)
    // and replaces it. That is PSU 1's second tour (it left at 22h: stands down at 33h30), so
    // it then goes home for two rest days and is not on task again before 3d10h.
    let r = long(&[
        "policy.retained_cover=1.0",
        "policy.max_consecutive_tours=2",
        "capability.public-order.readiness=[{ state = \"on-duty\", notice = \"1h\", share = 0.5 }, \
         { state = \"leave\", notice = \"24h\", share = 1.0 }]",
        "incident.op.duration=\"4d\"",
        "scenario.horizon=\"4d\"",
    ]);
    let psu1: Vec<(u32, String)> =
        movements(&r).into_iter().filter(|m| m.1 == "alpha:public-order:1").map(|m| (m.0, m.2)).collect();
    assert_eq!(
        psu1[..4],
        [(90, "on task".into()), (750, "tour".into()), (1350, "on task".into()), (2010, "tour".into())]
    );
    let back = psu1.get(4).map_or(u32::MAX, |m| m.0);
    assert!(back >= 2040 + 2 * 24 * 60, "back on task at {back}");
}

#[test]
fn far_aid_lodges_near_the_host_and_its_tour_counts_from_the_lodging() {
    // charlie is 180 min from alpha, beyond rest_away_beyond (2h): its unit lodges at alpha.
    // Only charlie can send (alpha and bravo hold none; national at once). Its PSU leaves at
    // 3h (1 h notice after the national centre acts at 2h), is on task at 6h; its tour counts
    // from leaving the lodging (30 min before it is on task, 5h30), so it stands down at
    // 17h30 and rests at alpha.
    let r = long(&[
        "override=[{force=\"alpha\", capability=\"public-order\", units=-2}, \
         {force=\"bravo\", capability=\"public-order\", units=-4}]",
        "policy.national_trigger={ at = \"0h\" }",
        "policy.national_latency=\"2h\"",
        "policy.relief_lookahead=\"0m\"",
        "policy.handover=\"0m\"",
        "incident.op.duration=\"2d\"",
        "scenario.horizon=\"2d\"",
    ]);
    let m = movements(&r);
    // (charlie keeps its first three PSUs at home as retained cover and lends the fourth.)
    assert_eq!(m[0], (360, "charlie:public-order:4".into(), "on task".into()));
    assert_eq!(m[1], (1050, "charlie:public-order:4".into(), "tour".into()));
    // The journey out (180 min) is counted as travel off task.
    assert!(r.summary.lodging_travel_unit_hours >= 3.0, "{}", r.summary.lodging_travel_unit_hours);
    // No tour breach: the 3 h drive is not part of the tour.
    assert_eq!(r.summary.tour_limit_breaches, 0);
}

#[test]
fn a_nearer_unit_replaces_a_promised_one_hours_away() {
    // alpha has no PSU; bravo (60 min away) lends its only one, on leave: asked at 1h (the
    // region's latency), 24 h notice, on task at 26h. It is not due within the 4 h window, so
    // alpha's gap stays open and goes national (trigger at 0h, acted on at 2h): charlie's PSUs
    // on duty (1 h notice, 180 min away) are on task at 6h, more than the margin sooner, so
    // one is sent and bravo's is stood down before it leaves.
    let r = long(&[
        "override=[{force=\"alpha\", capability=\"public-order\", units=-2}, \
         {force=\"bravo\", capability=\"public-order\", units=-3}]",
        "policy.national_trigger={ at = \"0h\" }",
        "policy.retained_cover=0.0",
        "capability.public-order.readiness=[{ state = \"on-duty\", notice = \"1h\", share = 0.3 }, \
         { state = \"leave\", notice = \"24h\", share = 1.0 }]",
    ]);
    let m = movements(&r);
    assert_eq!(
        m[..2],
        [
            (120, "bravo:public-order:1".into(), "released".into()),
            (360, "charlie:public-order:1".into(), "on task".into())
        ]
    );
}

#[test]
fn a_need_that_lasts_is_brokered_nationally_without_the_trigger() {
    // No national trigger, but escalation after 2 h: alpha's regional request (bravo lends 2)
    // has left a gap of 3 open since 0h, so at 2h a national request goes out and charlie
    // (another region) sends units.
    let r = three(&["policy.national_trigger=\"never\"", "policy.escalate_after=\"2h\""]);
    assert_eq!(r.summary.national_trigger_at, None);
    let by_tier = r.incidents[0].capabilities[0].units_by_tier;
    assert!(by_tier[2] >= 1, "{by_tier:?}");
    assert!(r.incidents[0].capabilities[0].donor_forces.contains(&"charlie".to_string()));
}

/// Two forces with armed response vehicles on patrol: alpha (100 km²) and bravo (10,000 km²),
/// each with 8 ARV crews, half of them on duty (on patrol).
const PATROL_WORLD: &str = r#"
[dataset]
name = "patrol world"

[policy]
allocation = "optimal"
retained_cover = 0.5
local_latency = "15m"
regional_latency = "1h"
national_latency = "2h"
national_trigger = "never"
tour = "12h"
rest = "8h"
max_overrun = "0m"
rest_away_beyond = "2h"
relief_lookahead = "0m"
arrival_window = "4h"
local_travel = "30m"
min_consistency = 0.0
handover = "0m"
stagger = "0m"
max_consecutive_tours = 100
rest_days = "2d"
local_travel_from_area = false
escalate_after = "never"
share_window = "2h"
replace_margin = "1h"

[uncertainty]
deterministic = true
congestion = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]

[[capability]]
id = "firearms"
unit = "ARV crew"
officers_per_unit = 3
convoy_speed_kmh = 90
establishment = { basis = "armed-officers", share = 1.0, minimum = 0 }
readiness = [ { state = "on-duty", notice = "10m", share = 0.5 }, { state = "off-duty", notice = "2h", share = 1.0 } ]
patrol = { speed_kmh = 60, circuity = 1.3, dispatch = "2m" }

[[force]]
code = "alpha"
name = "Alpha"
region = "north"
officers = 500
area_km2 = 100
units = { firearms = 8 }

[[force]]
code = "bravo"
name = "Bravo"
region = "south"
officers = 500
area_km2 = 10000
units = { firearms = 8 }

[[border]]
a = "alpha"
b = "bravo"
road_km = 90
"#;

fn attack_at(force: &str) -> RunResult {
    let scenario = format!(
        "[scenario]\nname = \"attack\"\nhorizon = \"2h\"\n\n[[incident]]\nid = \"attack\"\nkind = \"terrorism\"\n\
         force = \"{force}\"\nstart = \"0h\"\nduration = \"2h\"\ndemand = {{ firearms = [[\"0m\", 4]] }}\n"
    );
    run_checked(load(&scenario, Some(PATROL_WORLD), &[]).expect("valid"))
}

fn arv_arrivals(r: &RunResult) -> Vec<u32> {
    r.events.iter().filter(|e| matches!(e.kind, EventKind::Arrived { .. })).map(|e| e.t).collect()
}

#[test]
fn the_first_armed_response_comes_from_patrol_and_depends_on_the_area() {
    // 4 crews on patrol. The j-th nearest of 4 crews spread over area A is, on average,
    // Γ(j+½)/(Γ(j)√(π·4/A)) km away; × 1.3 road circuity, at 60 km/h, rounded up; sent after
    // the 2-minute dispatch.
    // alpha (100 km²): 3.25, 4.875, 6.09, 7.11 km → 4, 5, 7, 8 min → on task at 6, 7, 9, 10.
    assert_eq!(arv_arrivals(&attack_at("alpha")), [6, 7, 9, 10]);
    // bravo (10,000 km²): 32.5, 48.75, 60.9, 71.1 km → 33, 49, 61, 72 min → 35, 51, 63, 74.
    assert_eq!(arv_arrivals(&attack_at("bravo")), [35, 51, 63, 74]);
}

#[test]
fn fair_share_spreads_units_over_donors_by_strength() {
    use muster::engine::{FairShare, Need, SupplyGroup, allocate};
    use muster::model::{AllocationPolicy, ForceId, RegionId};
    let group = |home: u16, strength: u32, count: u32| SupplyGroup {
        home: ForceId(home),
        home_region: RegionId(0),
        location: ForceId(home),
        notice: 60,
        count,
        strength,
        burden: 0.0,
    };
    // Three donors, the second twice as strong, all equally quick; four units wanted.
    // Burden after one more unit, per officer: 0.72, 0.36, 0.72 → the second; then all 0.72
    // → the first listed; then 1.44, 0.72, 0.72 → the second; then 1.44, 1.08, 0.72 → the third.
    let groups = [group(1, 1000, 5), group(2, 2000, 5), group(3, 1000, 5)];
    let needs = [Need { host: ForceId(9), host_region: RegionId(0), priority: 1, units: 4 }];
    let arrival = vec![vec![Some(120)], vec![Some(130)], vec![Some(125)]];
    let fair = FairShare { window: 60, per_unit: 720.0 };
    let units: Vec<u32> = {
        let grants = allocate(AllocationPolicy::FairShare, &groups, &needs, &arrival, &fair);
        (0..3).map(|g| grants.iter().filter(|x| x.group == g).map(|x| x.units).sum()).collect()
    };
    assert_eq!(units, [1, 2, 1]);
    // A donor arriving outside the window is used only once the quick ones run dry.
    let arrival = vec![vec![Some(120)], vec![Some(400)], vec![Some(125)]];
    let grants = allocate(AllocationPolicy::FairShare, &groups, &needs, &arrival, &fair);
    assert!(grants.iter().all(|g| g.group != 1), "{grants:?}");
    // A donor that has already lent much is passed over for one that has not.
    let mut busy = groups.clone();
    busy[1].burden = 20.0 * 720.0;
    let grants = allocate(AllocationPolicy::FairShare, &busy, &needs, &vec![vec![Some(120)]; 3], &fair);
    assert!(grants.iter().all(|g| g.group != 1), "{grants:?}");
}

// The planner's checks of the workforce issue, on the shipped scenarios and the built-in data.

fn shipped(name: &str, sets: &[&str]) -> muster::model::Model {
    let text = muster::shipped::find(name).expect("shipped scenario");
    let sets: Vec<muster::input::SetOverride> =
        sets.iter().map(|s| muster::input::SetOverride::parse(s).expect("well formed")).collect();
    muster::input::load_model(muster::input::InputFile { name, bytes: text.as_bytes() }, &sets, None)
        .expect("shipped scenario is valid")
}

#[test]
fn london_2011_the_met_forms_its_own_units_before_they_sit_idle() {
    // Every hour (sampled at half past, clear of the 15-minute decision), while the Met's
    // public-order demand is unmet, it has committed at least its demand in units, or has no
    // unit left idle at home. Its own units reach its disorder in a median of at most 3 hours.
    let model = std::sync::Arc::new(shipped("london-disorder-2011", &[]));
    let mut sim = muster::engine::Simulation::new(std::sync::Arc::clone(&model)).expect("builds");
    let mut checked = 0;
    for h in 0..model.scenario.horizon / 60 {
        let t = h * 60 + 30;
        if !sim.advance_to(t) {
            break;
        }
        let st = sim.status(t, false);
        let po = st.incidents.iter().filter(|i| i.host == "met").flat_map(|i| &i.capabilities);
        let po: Vec<_> = po.filter(|c| c.capability == "public-order").collect();
        let demand: u32 = po.iter().map(|c| c.demand).sum();
        let committed: u32 = po.iter().map(|c| c.on_task + c.en_route).sum();
        let short: f64 = po.iter().map(|c| c.shortfall).sum();
        let met = st.forces.iter().find(|f| f.code == "met").expect("the Met");
        let idle = met.cover.iter().find(|c| c.capability == "public-order").map_or(0, |c| c.at_home);
        if short >= 1.0 {
            checked += 1;
            assert!(
                committed >= demand || idle == 0,
                "at {h}h30: demand {demand}, committed {committed}, idle {idle}"
            );
        }
    }
    assert!(checked > 5, "the scenario should leave demand unmet for some hours");
    let r = muster::engine::run(model).expect("runs");
    let t1 = tier(&r, 1).median_minutes.expect("own units arrive");
    assert!(t1 <= 180, "median own-unit request-to-arrival {t1} min");
}

#[test]
fn state_funeral_booked_cover_holds_through_every_hour() {
    let r = muster::engine::run(std::sync::Arc::new(shipped("state-funeral-planned", &[]))).expect("runs");
    let event = r.incidents.iter().find(|i| i.id == "state-funeral").expect("the event");
    let points = r.series.incidents.iter().filter(|p| &*p.incident == "state-funeral" && p.demand > 0);
    let mut hours = 0;
    for p in points.filter(|p| (event.start..event.end).contains(&p.t)) {
        hours += 1;
        assert!(
            p.effective >= 0.9 * f64::from(p.demand),
            "{} at {}: {} of {}",
            p.capability,
            p.t,
            p.effective,
            p.demand
        );
    }
    assert!(hours >= 18 * 3, "every hour of the 18-hour event, for each capability: {hours}");
}

#[test]
fn salisbury_draws_on_many_donor_forces_in_rotation() {
    let r =
        muster::engine::run(std::sync::Arc::new(shipped("salisbury-chemical-cordon", &[]))).expect("runs");
    let cordon =
        &r.incidents[0].capabilities.iter().find(|c| c.capability == "public-order").expect("cordon");
    assert!(cordon.donor_forces.len() >= 10, "{:?}", cordon.donor_forces);
    assert!(r.summary.planned_arrivals.arrivals > 100, "reliefs rotate: {:?}", r.summary.planned_arrivals);
}

#[test]
fn a_city_centre_attack_in_london_gets_armed_response_in_minutes_a_rural_one_later() {
    let first = |force: &str| {
        let scenario = format!(
            "[scenario]\nname = \"attack\"\nhorizon = \"14h\"\nseed = 5\n\n[[incident]]\nid = \"attack\"\n\
             kind = \"terrorism\"\nforce = \"{force}\"\nstart = \"10h\"\nduration = \"3h\"\n\
             demand = {{ firearms = [[\"0m\", 6]] }}\n"
        );
        let r = run_checked(load(&scenario, None, &[]).expect("valid"));
        r.incidents[0].capabilities[0].time_to_first_cover.expect("an ARV arrives")
    };
    let (london, rural) = (first("met"), first("dyfed-powys"));
    assert!(london <= 10, "first ARV in London after {london} min");
    assert!(
        rural >= 2 * london && rural >= 20,
        "first ARV in Dyfed-Powys after {rural} min (London {london})"
    );
}

#[test]
fn an_ensemble_of_birmingham_shows_the_spread_a_planner_should_expect() {
    let model = std::sync::Arc::new(shipped("birmingham-attack-cyber", &[]));
    let mut met: Vec<f64> = (0..40)
        .map(|r| muster::engine::run_replication_with(std::sync::Arc::clone(&model), r, false).expect("runs"))
        .map(|r| r.summary.demand_met)
        .collect();
    met.sort_by(f64::total_cmp);
    let (p5, p95) = (met[2], met[37]);
    assert!(p95 - p5 >= 0.02, "demand met p5 {p5} p95 {p95}: {met:?}");
    // Pinned, every replication is the same.
    let pinned = std::sync::Arc::new(shipped("birmingham-attack-cyber", &["uncertainty.deterministic=true"]));
    let runs: Vec<String> = (0..3)
        .map(|r| {
            muster::engine::run_replication_with(std::sync::Arc::clone(&pinned), r, false).expect("runs")
        })
        .map(|r| format!("{:?}", r.summary))
        .collect();
    assert!(runs.windows(2).all(|w| w[0] == w[1]), "a deterministic scenario varies");
}
