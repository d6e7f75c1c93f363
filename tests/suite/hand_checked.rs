//! The three-force world: every number below was worked out by hand (see the comments).
//!
//! alpha (2 PSUs) hosts a riot demanding 5 PSUs from 0h to 10h. Notice 1h everywhere,
//! local travel 30m, alpha-bravo 60m, bravo-charlie 120m.
//! - t=0: alpha commits both its PSUs: depart 60, arrive 90. Gap 3 → tier-2 request, acts at 60.
//! - t=60: bravo (4 PSUs, keeps 2) lends 2: depart 120, arrive 180.
//! - t=120: national trigger (fixed at 2h); tier-3 request raised at 120, acts at 240.
//! - t=240: charlie (6, keeps 3) lends 1: depart 300, travel 180 → arrive 480.
//! - t=600: the riot ends; everyone stands down.
//!
//! Effective strength: 0 until 90, 2 until 180, 4 until 480, 5 until 600.
//! Met unit-minutes 2×90 + 4×300 + 5×120 = 1980 (33 unit-hours) of 5×600 = 3000 (50).

use super::common::*;

#[test]
fn arrivals_tiers_and_shortfall_curve_match_hand_calculation() {
    let r = three(&[]);
    let s = &r.summary;
    assert_eq!(s.demanded_unit_hours, 50.0);
    assert_eq!(s.met_unit_hours, 33.0);
    assert_eq!(s.unmet_unit_hours, 17.0);
    assert_eq!(s.demand_met, 0.66);
    assert_eq!(s.peak_shortfall_units, 5.0);
    assert_eq!(s.national_trigger_at, Some(120));
    assert_eq!(s.aid_deployments, 3);

    let inc = &r.incidents[0].capabilities[0];
    assert_eq!(inc.time_to_first_cover, Some(90));
    assert_eq!(inc.time_to_full_cover, Some(480));
    assert_eq!(inc.units_by_tier, [2, 2, 1]);

    assert_eq!((tier(&r, 1).arrivals, tier(&r, 1).median_minutes), (2, Some(90)));
    assert_eq!((tier(&r, 2).arrivals, tier(&r, 2).median_minutes), (2, Some(180)));
    assert_eq!((tier(&r, 3).arrivals, tier(&r, 3).median_minutes), (1, Some(360)));

    // Hourly series: (t, deployed, en route, shortfall).
    let curve: Vec<(u32, u32, u32, f64)> =
        r.series.incidents.iter().map(|p| (p.t, p.deployed, p.en_route, p.shortfall)).collect();
    assert_eq!(
        curve[..11],
        [
            (0, 0, 2, 5.0),
            (60, 0, 4, 5.0),
            (120, 2, 2, 3.0),
            (180, 4, 0, 1.0),
            (240, 4, 1, 1.0),
            (300, 4, 1, 1.0),
            (360, 4, 1, 1.0),
            (420, 4, 1, 1.0),
            (480, 5, 0, 0.0),
            (540, 5, 0, 0.0),
            (600, 0, 0, 0.0),
        ]
    );
}

#[test]
fn donors_are_the_ones_the_rules_pick() {
    let r = three(&[]);
    let lent = |code: &str| r.forces.iter().find(|f| f.code == code).unwrap().lent_unit_hours;
    // bravo: 2 units on task 180..600 = 14 unit-hours; charlie: 1 unit 480..600 = 2.
    assert_eq!(lent("bravo"), 14.0);
    assert_eq!(lent("charlie"), 2.0);
    assert_eq!(lent("alpha"), 0.0);
    let alpha = r.forces.iter().find(|f| f.code == "alpha").unwrap();
    assert_eq!(alpha.received_unit_hours, 16.0);
    // Fair share by officers (500/1000/1500 of 3000) of the 16 lent unit-hours.
    let bravo = r.forces.iter().find(|f| f.code == "bravo").unwrap();
    assert_eq!(bravo.fair_share_unit_hours, 5.333);
    assert_eq!(bravo.contribution_ratio, Some(2.625));
}

#[test]
fn without_national_trigger_charlie_never_comes() {
    let r = three(&["policy.national_trigger=\"never\""]);
    assert_eq!(r.summary.national_trigger_at, None);
    assert_eq!(r.incidents[0].capabilities[0].units_by_tier, [2, 2, 0]);
    // Met: 2×90 + 4×420 = 1860 unit-minutes = 31 unit-hours.
    assert_eq!(r.summary.met_unit_hours, 31.0);
    assert_eq!(r.incidents[0].capabilities[0].time_to_full_cover, None);
}

#[test]
fn comms_outage_at_the_host_delays_its_requests() {
    // Alpha cannot send requests until 3h: the tier-2 request acts at 3h + 1h = 240, bravo's
    // PSUs leave at 300 and arrive at 360 (request-to-arrival 360). The tier-3 request waits
    // too (raised 120, through at 180, acts at 300), so charlie's PSU arrives at 300+60+180.
    let r = three(&["disruption=[{kind=\"comms-outage\", force=\"alpha\", start=\"0h\", end=\"3h\"}]"]);
    assert_eq!(tier(&r, 2).median_minutes, Some(360));
    assert_eq!(tier(&r, 3).median_minutes, Some(420));
    // 2×90 (90..180) + 2×180 (180..360) + 4×180 (360..540) + 5×60 (540..600)
    assert_eq!(r.summary.met_unit_hours, (180.0 + 360.0 + 720.0 + 300.0) / 60.0);
}

#[test]
fn closed_link_cuts_off_the_national_donor() {
    // With bravo-charlie closed, charlie cannot reach alpha at all.
    let r = three(&[
        "disruption=[{kind=\"link-closed\", link=[\"bravo\",\"charlie\"], start=\"0h\", end=\"12h\"}]",
    ]);
    assert_eq!(r.incidents[0].capabilities[0].units_by_tier, [2, 2, 0]);
    assert!(r.events.iter().any(|e| matches!(&e.kind, muster::results::EventKind::DisruptionStarted { disruption } if disruption == "link-closed bravo-charlie")));
}

#[test]
fn slowed_link_lengthens_travel() {
    // alpha-bravo twice as slow: bravo's PSUs take 120 min, arriving at 240.
    let r = three(&[
        "disruption=[{kind=\"link-slowed\", link=[\"alpha\",\"bravo\"], factor=2.0, start=\"0h\", end=\"12h\"}]",
    ]);
    assert_eq!(tier(&r, 2).median_minutes, Some(240));
}

#[test]
fn consistency_scales_effective_strength_and_is_reported() {
    // bravo's PSUs count half: on task 180..600 they give 1 effective unit instead of 2.
    let r = three(&["override=[{force=\"bravo\", capability=\"public-order\", consistency=0.5}]"]);
    // Lost: 2 units × 0.5 × 420 min = 420 unit-minutes = 7 unit-hours.
    assert_eq!(r.summary.effectiveness_lost_unit_hours, 7.0);
    // Met: 2×90 + 3×300 + 4×120 = 1560 unit-minutes = 26 unit-hours.
    assert_eq!(r.summary.met_unit_hours, 26.0);
}

#[test]
fn minimum_consistency_refuses_substandard_donors() {
    let r = three(&[
        "override=[{force=\"bravo\", capability=\"public-order\", consistency=0.5}]",
        "policy.min_consistency=0.6",
        "policy.national_trigger=\"never\"",
    ]);
    assert_eq!(r.incidents[0].capabilities[0].units_by_tier, [2, 0, 0]);
}

#[test]
fn losing_units_by_override_shrinks_what_a_donor_can_lend() {
    // bravo down to 2 PSUs keeps 1 and lends 1.
    let r = three(&[
        "override=[{force=\"bravo\", capability=\"public-order\", units=-2}]",
        "policy.national_trigger=\"never\"",
    ]);
    assert_eq!(r.incidents[0].capabilities[0].units_by_tier, [2, 1, 0]);
}

#[test]
fn more_retained_cover_means_less_lent() {
    let r = three(&["policy.retained_cover=1.0"]);
    assert_eq!(r.incidents[0].capabilities[0].units_by_tier, [2, 0, 0]);
    assert_eq!(r.summary.aid_deployments, 0);
}

#[test]
fn short_tour_relieves_units_and_counts_no_breach() {
    // A 4h tour: alpha's units (depart 60) plan to stand down at 60+240-30 = 270 to be home
    // by the end of their tour; nothing overruns.
    let r = three(&["policy.tour=\"4h\"", "policy.national_trigger=\"never\""]);
    assert_eq!(r.summary.tour_limit_breaches, 0);
    assert!(r.events.iter().any(
        |e| matches!(&e.kind, muster::results::EventKind::StoodDown { reason, .. } if reason == "tour")
    ));
}

#[test]
fn overrun_is_counted_as_a_tour_breach() {
    // With a 4h tour and up to 2h overrun allowed, units with no relief stay on and breach.
    let r = three(&["policy.tour=\"4h\"", "policy.max_overrun=\"2h\"", "policy.national_trigger=\"never\""]);
    assert!(r.summary.tour_limit_breaches > 0);
    assert!(r.summary.tour_overrun_unit_hours > 0.0);
}

#[test]
fn nearest_and_optimal_agree_on_a_single_request() {
    let a = three(&["policy.allocation=\"nearest\""]);
    let b = three(&[]);
    assert_eq!(a.summary.met_unit_hours, b.summary.met_unit_hours);
    assert_eq!(a.manifest.allocation, "nearest");
}

#[test]
fn slow_comms_multiplies_request_latency() {
    // A cyber incident triples alpha's request latency: the tier-2 request acts at 3h, bravo's
    // PSUs leave at 4h and arrive at 5h (request-to-arrival 300 instead of 180).
    let r = three(&[
        "disruption=[{kind=\"slow-comms\", force=\"alpha\", factor=3.0, start=\"0h\", end=\"12h\"}]",
    ]);
    assert_eq!(tier(&r, 2).median_minutes, Some(300));
}

#[test]
fn comms_disruptions_can_cover_a_region_or_the_nation() {
    let region = load(
        RIOT_AT_ALPHA,
        Some(THREE_FORCES),
        &["disruption=[{kind=\"comms-outage\", region=\"north\", start=\"0h\", end=\"3h\"}]"],
    )
    .unwrap();
    assert_eq!(region.scenario.disruptions.len(), 2, "alpha and bravo are the north");
    let national = load(
        RIOT_AT_ALPHA,
        Some(THREE_FORCES),
        &["disruption=[{kind=\"slow-comms\", national=true, factor=2.0, start=\"0h\", end=\"3h\"}]"],
    )
    .unwrap();
    assert_eq!(national.scenario.disruptions.len(), 3);
    let err = load(
        RIOT_AT_ALPHA,
        Some(THREE_FORCES),
        &["disruption=[{kind=\"comms-outage\", region=\"nowhere\", start=\"0h\", end=\"3h\"}]"],
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown region 'nowhere'"), "{err}");
}
