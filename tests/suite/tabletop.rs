//! Tabletop sessions: scripted sessions with asserted states on the three-force world, replay
//! and branch equality, the debrief's arithmetic, and commands that must never crash.

use std::sync::Arc;

use muster::engine::run;
use muster::present::files::to_json;
use muster::results::{EventKind, RunResult, Status};
use muster::tabletop::log::{self, LogHeader};
use muster::tabletop::{Reply, Session, debrief};

use super::common::{RIOT_AT_ALPHA, THREE_FORCES, load};

/// A session of the riot at alpha (see tests/data): invariants checked after every step.
fn session(players_decide: bool) -> Session {
    let model = load(RIOT_AT_ALPHA, Some(THREE_FORCES), &[]).expect("test scenario is valid");
    let mut s = Session::new(Arc::new(model), players_decide).expect("schedule builds");
    s.check_every_step();
    s
}

/// Run each line; every one must be accepted.
fn script(s: &mut Session, lines: &str) {
    for line in lines.lines() {
        if let Err(e) = s.execute(line) {
            panic!("'{line}' refused at col {}: {} ({:?})", e.col, e.message, e.hint);
        }
    }
    s.invariants().expect("invariants hold after every step and order");
}

fn request(st: &Status, number: u32) -> &muster::results::RequestStatus {
    st.requests.iter().find(|r| r.number == number).unwrap_or_else(|| panic!("R{number} open: {st:#?}"))
}

/// (unit, incident, tier, departs_at) of every allocation, in order.
fn allocations(r: &RunResult) -> Vec<(String, u8, u32, u32)> {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Allocated { unit, tier, departs_at, .. } => {
                Some((unit.clone(), *tier, e.t, *departs_at))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_session_that_only_moves_time_is_the_automatic_run_byte_for_byte() {
    let model = Arc::new(load(RIOT_AT_ALPHA, Some(THREE_FORCES), &[]).unwrap());
    let auto = to_json(&run(Arc::clone(&model)).unwrap());
    for lines in ["until end", "step 30m\nuntil next-request\nuntil 3h\nstep 7m\nstatus\nuntil 11h"] {
        let mut s = session(false);
        script(&mut s, lines);
        if !s.finished() {
            script(&mut s, "until next-request");
        }
        assert!(s.finished());
        assert_eq!(to_json(&s.result()), auto, "stops at '{lines}' changed the run");
    }
    // The same on the national dataset, with disorder that spreads and a national trigger.
    let model = Arc::new(
        muster::input::load_model(
            muster::input::InputFile {
                name: "s.toml",
                bytes: muster::shipped::find("disorder-spreads-from-southport").unwrap().as_bytes(),
            },
            &[],
            None,
        )
        .unwrap(),
    );
    let auto = to_json(&run(Arc::clone(&model)).unwrap());
    let mut s = Session::new(model, false).unwrap();
    for _ in 0..40 {
        if s.finished() {
            break;
        }
        s.execute("until next-request").unwrap();
    }
    s.execute("until end").unwrap();
    assert_eq!(to_json(&s.result()), auto);
}

#[test]
fn players_decide_requests_and_the_policy_proposes() {
    let mut s = session(true);
    // At 0 alpha commits its 2 PSUs and asks its region for the other 3 (R1, acted on at 1h).
    let st = s.status();
    let r1 = request(&st, 1);
    assert_eq!((r1.tier, r1.outstanding, r1.acts_at, r1.decision.as_str()), (2, 3, 60, "awaiting decision"));
    assert!(r1.proposal.is_empty(), "the region has not received it yet");
    script(&mut s, "step 2h");
    // Nothing moved from bravo while R1 waited; the trigger at 2h raised the national R2.
    let st = s.status();
    assert_eq!(st.now, 120);
    assert_eq!(st.national_trigger_at, Some(120));
    let r1 = request(&st, 1);
    // The proposal: bravo's 2 spare PSUs (4, keeping 2), 1 h notice + 60 min drive.
    assert_eq!(r1.proposal.len(), 1);
    assert_eq!(
        (r1.proposal[0].from.as_str(), r1.proposal[0].units, r1.proposal[0].arrives_at),
        ("bravo", 2, 240)
    );
    assert_eq!(request(&st, 2).tier, 3);
    // Approve R1 at 2h: it takes effect at the next tick, 2h01.
    let Ok(Reply::Done(lines)) = s.execute("approve R1") else { panic!("approve accepted") };
    assert!(lines[0].starts_with("D0+02:01: approve R1"), "{lines:?}");
    script(&mut s, "until 4h1m");
    let alloc = allocations(&s.result());
    let bravo: Vec<_> = alloc.iter().filter(|a| a.0.starts_with("bravo")).collect();
    assert_eq!(bravo.len(), 2);
    for a in bravo {
        assert_eq!((a.1, a.2, a.3), (2, 121, 181), "tier 2, allocated 2h01, departs after 1 h notice");
    }
    // R2 still waits for the players: charlie sent nothing.
    assert!(!alloc.iter().any(|a| a.0.starts_with("charlie")));
    assert_eq!(request(&s.status(), 2).decision, "awaiting decision");
    let st = s.status();
    let riot = &st.incidents[0].capabilities[0];
    assert_eq!((riot.demand, riot.on_task, riot.en_route), (5, 4, 0), "alpha 2 + bravo 2 on task at 4h01");
}

#[test]
fn a_modified_decision_sends_the_players_units_and_the_tier_none() {
    let mut s = session(true);
    script(&mut s, "step 2h");
    // The policy proposes bravo's 2 for R1; the players take 1 from bravo and 1 from charlie.
    let e = s.execute("modify R1 brav=1").unwrap_err();
    assert_eq!(e.col, 11);
    assert!(e.hint.unwrap_or_default().contains("'bravo'"));
    let e = s.execute("modify R9 bravo=1").unwrap_err();
    assert!(e.message.contains("no open request R9"), "{}", e.message);
    assert_eq!(request(&s.status(), 1).decision, "awaiting decision", "a refused modify changed nothing");
    let Ok(Reply::Done(lines)) = s.execute("modify R1 bravo=1 charlie=1") else { panic!("modify accepted") };
    assert!(lines[0].starts_with("D0+02:01: refuse R1"), "{lines:?}");
    assert!(lines[1].contains("send 1 public-order from bravo to riot (tier 2)"), "{lines:?}");
    assert!(lines[2].contains("send 1 public-order from charlie to riot (tier 3)"), "{lines:?}");
    script(&mut s, "until 10h");
    let alloc = allocations(&s.result());
    let aid: Vec<_> =
        alloc.iter().filter(|a| !a.0.starts_with("alpha")).map(|a| (a.0.as_str(), a.1, a.2)).collect();
    // Bravo sends its spare unit beyond its retained cover; the refused tier sends no more.
    assert_eq!(aid, [("bravo:public-order:3", 2, 121), ("charlie:public-order:4", 3, 121)]);
    // R1 closed once its gap was covered; the players' units were what covered it.
    assert!(s.status().requests.iter().all(|r| r.number != 1));
    // The debrief prices it against leaving R1 to the policy from when it was raised.
    let d = debrief::build(&s, &|_, _| {});
    let text = muster::present::tabletop::debrief(&d);
    assert!(text.contains("modify R1 bravo=1 charlie=1"), "{text}");
    assert!(text.contains("R1 with the policy from when it was raised"), "{text}");
}

#[test]
fn players_send_refuse_hold_and_trigger() {
    // Refusing the regional request leaves the gap to national aid (raised at the 2h trigger,
    // acted on at 4h): bravo, nearest, still sends its 2, but at tier 3; charlie the third.
    // Donors keep their first units at home as retained cover and lend the later ones.
    let mut s = session(false);
    script(&mut s, "refuse R1\nuntil 10h");
    let alloc = allocations(&s.result());
    let aid: Vec<_> =
        alloc.iter().filter(|a| !a.0.starts_with("alpha")).map(|a| (a.0.as_str(), a.1, a.2)).collect();
    assert_eq!(
        aid,
        [
            ("bravo:public-order:3", 3, 240),
            ("bravo:public-order:4", 3, 240),
            ("charlie:public-order:4", 3, 240)
        ]
    );

    // Players send 2 from charlie at once (tier 3: another region), without waiting for anything.
    let mut s = session(true);
    let Ok(Reply::Done(lines)) = s.execute("send 2 public-order from charlie to riot") else { panic!() };
    assert!(lines[0].contains("(tier 3)"), "{lines:?}");
    assert!(lines[0].contains("on task D0+04:01"), "1 h notice + 180 min: {lines:?}");
    script(&mut s, "step 5h");
    let alloc = allocations(&s.result());
    let charlie: Vec<_> = alloc.iter().filter(|a| a.0.starts_with("charlie")).collect();
    assert_eq!(charlie.len(), 2);
    assert!(charlie.iter().all(|a| (a.1, a.2, a.3) == (3, 1, 61)));
    // More than the gap is cut to the gap: 5 demanded, 2 alpha + 2 charlie due.
    let Ok(Reply::Done(lines)) = s.execute("send 3 public-order from bravo to alpha") else { panic!() };
    assert!(lines[0].starts_with("D0+05:01: send 1 public-order from bravo to riot (tier 2)"), "{lines:?}");
    assert!(lines[0].contains("asked for 3"), "{lines:?}");
    let e = s.execute("send 1 public-order from bravo to riot").unwrap_err();
    assert!(e.message.contains("needs no more"), "{}", e.message);

    // Holding bravo back in auto mode: the region has nobody else, so only charlie comes.
    let mut s = session(false);
    script(&mut s, "hold bravo\nuntil 10h");
    let alloc = allocations(&s.result());
    assert!(!alloc.iter().any(|a| a.0.starts_with("bravo")));
    assert_eq!(s.status().held, vec!["bravo".to_string()]);

    // Triggering national at 30 minutes instead of the policy's 2h brings charlie earlier.
    let mut s = session(false);
    script(&mut s, "step 30m\ntrigger national\nuntil 10h");
    let r = s.result();
    assert_eq!(r.summary.national_trigger_at, Some(31));
    let charlie: Vec<_> = allocations(&r).into_iter().filter(|a| a.0.starts_with("charlie")).collect();
    // Tier-3 request raised at 31, acted on after the 2 h national latency.
    assert_eq!(charlie.len(), 1);
    assert_eq!(charlie[0].2, 151);
    assert!(s.execute("trigger national").unwrap_err().message.contains("already triggered"));
}

#[test]
fn injects_change_the_world_from_the_next_tick() {
    let mut s = session(false);
    script(
        &mut s,
        "step 1h\n\
         inject incident fire civil-emergency charlie public-order=2 for 3h\n\
         inject link-closed alpha bravo for 2h\n\
         inject comms-outage bravo for 1h\n\
         step 30m",
    );
    let st = s.status();
    let fire = st.incidents.iter().find(|i| i.id == "fire").expect("the injected incident is active");
    assert_eq!((fire.host.as_str(), fire.start, fire.end), ("charlie", 61, 241));
    assert_eq!(fire.capabilities[0].demand, 2);
    // Bravo's units set off for alpha at 2h, but the only road is closed until 3h01.
    script(&mut s, "until 2h30m");
    let r = s.result();
    assert!(r.events.iter().any(|e| matches!(&e.kind, EventKind::RouteBlocked { .. })), "blocked");
    assert!(
        r.events.iter().any(
            |e| matches!(&e.kind, EventKind::Injected { inject } if inject.starts_with("incident fire"))
        )
    );
    script(&mut s, "until end");
    let r = s.result();
    assert!(r.incidents.iter().any(|i| i.id == "fire"));
    // Geography counts the injected closure: 2 h on the alpha-bravo link.
    let link = r.geography.links.iter().find(|l| l.a == "alpha" && l.b == "bravo").unwrap();
    assert_eq!(link.closed_hours, 2.0);
}

#[test]
fn mistakes_get_suggestions_and_change_nothing() {
    let mut s = session(true);
    let before = to_json(&s.result());
    for (line, expect) in [
        ("stpe 30m", "did you mean 'step'"),
        ("send 2 public-ordr from charlie to riot", "did you mean 'public-order'"),
        ("send 2 public-order from charly to riot", "did you mean 'charlie'"),
        ("send 2 public-order from charlie to rio", "did you mean 'riot'"),
        ("approve R9", "open: R1"),
        ("inject link-closed alpha charlie for 1h", "share no border valid values are 'bravo'"),
        ("inject incident x disordr alpha public-order=1 for 1h", "did you mean 'disorder'"),
        ("until 0h", "not after"),
        ("mode player", "did you mean 'players'"),
    ] {
        let e = s.execute(line).unwrap_err();
        let text = format!("{} {}", e.message, e.hint.clone().unwrap_or_default());
        assert!(text.contains(expect), "'{line}' → {text}");
    }
    assert!(s.entries().is_empty(), "refused commands are not logged");
    assert_eq!(to_json(&s.result()), before);
}

const SESSION: &str = "\
until next-request
approve all
inject incident fire civil-emergency bravo public-order=1 for 2h
until 3h
send 1 public-order from charlie to riot
hold charlie
until 6h
unhold charlie
mode auto
until 9h";

#[test]
fn a_replayed_log_gives_the_same_bytes_and_a_branch_the_same_past() {
    let mut s = session(true);
    script(&mut s, SESSION);
    let header = LogHeader {
        version: "test".into(),
        scenario: "riot".into(),
        dataset: None,
        overrides: Vec::new(),
        players_decide: true,
        scenario_sha256: "a".into(),
        dataset_sha256: "b".into(),
    };
    let text: String =
        log::render_header(&header) + &s.entries().iter().map(log::render_entry).collect::<String>();
    let parsed = log::parse("session.log", &text).expect("a written log parses");
    assert_eq!(parsed.header, header);
    assert_eq!(parsed.entries, s.entries());
    let mut again = session(true);
    again.replay(&parsed.entries, None).expect("replays");
    assert_eq!(to_json(&again.result()), to_json(&s.result()));

    // Branch at 3h: the same state as the session had at 3h, and the same events before it.
    let mut at_3h = session(true);
    script(
        &mut at_3h,
        "until next-request\napprove all\ninject incident fire civil-emergency bravo public-order=1 for 2h\nuntil 3h",
    );
    let mut branch = session(true);
    branch.replay(&parsed.entries, Some(180)).expect("branches");
    assert_eq!(branch.now(), 180);
    assert_eq!(branch.status(), at_3h.status());
    assert_eq!(branch.entries(), at_3h.entries());
    // Then it goes its own way; its past is the session's past.
    script(&mut branch, "until 9h");
    let (a, b) = (s.result(), branch.result());
    let before = |r: &RunResult| r.events.iter().filter(|e| e.t <= 180).cloned().collect::<Vec<_>>();
    assert_eq!(before(&a), before(&b));
    assert_ne!(to_json(&a), to_json(&b), "the branch took other decisions");
    // A branch between two stops of the session cuts the advance that crossed it.
    let mut mid = session(true);
    mid.replay(&parsed.entries, Some(150)).expect("branches");
    assert_eq!(mid.now(), 150);
    assert_eq!(mid.entries().last().unwrap().line, "until D0+02:30");
}

#[test]
fn the_debrief_prices_each_decision_against_the_policy() {
    // With the policy deciding, refusing R1 brings bravo's 2 PSUs through national aid
    // instead: on task at 6h (acted on at 4h, 1 h notice, 60 min drive) instead of 3h:
    // 2 units × 3 h = 6 unit-hours more unmet.
    let mut s = session(false);
    script(&mut s, "refuse R1\nuntil end");
    let reruns = std::sync::atomic::AtomicUsize::new(0);
    let d = debrief::build(&s, &|done, total| {
        assert!(done <= total);
        reruns.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    // The probe, the session, the policy, and the one decision's comparison.
    assert_eq!(reruns.into_inner(), 4);
    let unmet = d.headline.iter().find(|c| c.measure == "unmet demand").unwrap();
    assert_eq!(unmet.session.unwrap() - unmet.policy.unwrap(), 6.0);
    // The debrief re-runs the session from its log: the same outcome as the session itself.
    assert_eq!(unmet.session, Some(s.result().summary.unmet_unit_hours));
    assert_eq!(unmet.players_better, Some(false));
    assert_eq!(d.decisions.len(), 1);
    let refusal = &d.decisions[0];
    assert_eq!(refusal.unmet_saved, -6.0);
    assert_eq!(refusal.request.as_deref(), Some("R1 (riot public-order, tier 2, raised D0+00:00)"));
    assert_eq!(refusal.against, "leaving R1 with the policy");
    assert_eq!(d.most_mattered, vec![0]);
    assert_eq!(d.incidents[0].incident, "riot");
    let text = muster::present::tabletop::debrief(&d);
    assert!(
        text.contains("| D0+00:00 | `refuse R1` | R1 (riot public-order, tier 2, raised D0+00:00) | leaving R1 with the policy | -6.0 |"),
        "{text}"
    );
    assert!(text.contains("1. At D0+00:00, `refuse R1` for R1 (riot public-order, tier 2, raised D0+00:00) added 6.0 unit-hours of unmet demand"), "{text}");
    assert!(text.contains("| facilitator | 1 | -6.0 |"), "the decisions by who took them: {text}");
    // The shortfall over time: bravo's 2 PSUs short between 3h and 6h in the session only.
    let series = &d.shortfall[0];
    assert_eq!(series.capability, "public-order");
    let at = |t: u32| {
        let i = series.times.iter().position(|&x| x == t).expect("a sample");
        (series.players[i], series.policy[i])
    };
    assert_eq!(at(240), (at(240).1 + 2.0, at(240).1), "at 4h the session is 2 units shorter");
    assert_eq!(at(420).0, at(420).1, "at 7h both runs have them");
    let page = muster::present::debrief_page::page(&d);
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 1, "one capability short");
    assert!(page.contains("<svg class=\"chart bars\"") && page.contains(">-6.0</text>"), "the worth chart");
    // With no decision, the session is the policy's run.
    let mut s = session(false);
    script(&mut s, "until end");
    let d = debrief::build(&s, &|_, _| {});
    assert!(d.decisions.is_empty() && d.incidents.is_empty());
    assert!(d.headline.iter().all(|c| c.players_better.is_none()));
}

/// Unmet unit-hours of a players' session running `lines`.
fn unmet_after(lines: &str) -> f64 {
    let mut s = session(true);
    script(&mut s, lines);
    s.result().summary.unmet_unit_hours
}

#[test]
fn a_players_refusal_is_priced_against_approving_at_that_moment() {
    // Players decide: a refused request would otherwise just wait, so "the session without the
    // refusal" cost nothing and every refusal scored 0. The policy's proposal was to approve.
    let mut s = session(true);
    script(&mut s, "refuse R1\nuntil end");
    let d = debrief::build(&s, &|_, _| {});
    assert_eq!(d.decisions.len(), 1);
    let expected = unmet_after("approve R1\nuntil end") - unmet_after("refuse R1\nuntil end");
    assert!(expected < 0.0, "approving R1 helps: {expected}");
    assert_eq!(d.decisions[0].unmet_saved, (expected * 1000.0).round() / 1000.0);
    assert_eq!(d.decisions[0].against, "approving R1 at the same moment, as the policy proposed");
}

#[test]
fn a_late_approval_is_priced_by_its_delay_and_approve_all_line_by_line() {
    // R1 approved two hours after it was raised: against the policy having had it all along,
    // bravo's two PSUs arrive about an hour later (the regional tier would have acted at 1h).
    let mut s = session(true);
    script(&mut s, "step 2h\napprove R1\nuntil end");
    let d = debrief::build(&s, &|_, _| {});
    let late = &d.decisions[0];
    assert!(
        late.against.starts_with("R1 with the policy from when it was raised (D0+00:00)"),
        "{}",
        late.against
    );
    assert!(late.unmet_saved < 0.0 && late.unmet_saved > -5.0, "{}", late.unmet_saved);
    assert!(late.arrival_change.is_some_and(|m| m > 0.0), "aid came later: {:?}", late.arrival_change);

    // `approve all` at 3h decided two requests: one line each, each against the policy
    // having had that request alone.
    let mut s = session(true);
    script(&mut s, "until 3h\napprove all\nuntil end");
    let d = debrief::build(&s, &|_, _| {});
    let requests: Vec<&str> = d.decisions.iter().filter_map(|e| e.request.as_deref()).collect();
    assert_eq!(requests.len(), 2, "{:?}", d.decisions);
    assert!(requests[0].starts_with("R1 ") && requests[1].starts_with("R2 "), "{requests:?}");
    assert!(d.decisions.iter().all(|e| e.command == "approve all" && e.unmet_saved <= 0.0));
    assert!(d.most_mattered.len() <= 3);
}

#[test]
fn handing_requests_to_the_policy_is_not_credited_with_the_policy_s_work() {
    // `mode auto` at 2h hands the waiting requests over: without it they would have waited,
    // which made it worth many unit-hours. Against the policy having had them all along, it can
    // only be worth its delay: never a saving.
    let mut s = session(true);
    script(&mut s, "step 2h\nmode auto\nuntil end");
    let d = debrief::build(&s, &|_, _| {});
    assert!(!d.decisions.is_empty());
    assert!(d.decisions.iter().all(|e| e.command == "mode auto" && e.request.is_some()));
    assert!(d.decisions.iter().all(|e| e.unmet_saved <= 0.0), "{:?}", d.decisions);
}

#[test]
fn a_debrief_is_the_same_on_one_thread_as_on_many() {
    // Six decisions, priced in parallel: gathered in the decisions' order whatever the pool.
    let mut s = session(false);
    script(
        &mut s,
        "refuse R1\nstep 1h\nhold bravo\nstep 1h\nunhold bravo\nhold bravo public-order\nstep 1h\nhold alpha public-order\nunhold alpha public-order\nuntil end",
    );
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
    let many = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("a pool");
    let a = one.install(|| debrief::build(&s, &|_, _| {}));
    let b = many.install(|| debrief::build(&s, &|_, _| {}));
    assert_eq!(a.decisions.len(), 6);
    assert_eq!(a, b);
    let commands: Vec<&str> = a.decisions.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(commands[0], "refuse R1");
    assert_eq!(commands[3], "hold bravo public-order");
    assert_eq!(commands[5], "unhold alpha public-order");
}

use proptest::prelude::*;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    /// Whatever a player types, the session answers (or refuses) and its invariants hold.
    #[test]
    fn nothing_typed_crashes_a_session(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                // Commands built from the language's own words, in any order and number.
                proptest::collection::vec(
                    proptest::sample::select(vec![
                        "step", "until", "inject", "incident", "approve", "refuse", "send", "hold",
                        "unhold", "trigger", "national", "mode", "players", "auto", "status", "R1", "R2",
                        "all", "from", "to", "for", "alpha", "bravo", "charlie", "riot", "public-order",
                        "public-order=3", "x2", "2", "0", "1h", "30m", "99999d", "18:00", "D0+03:00",
                        "next-request", "end", "link-closed", "link-slowed", "comms-outage",
                        "slow-comms", "threat-level", "critical", "severe", "disorder", "delay",
                        "priority", "-1", "1e309", "help", "debrief",
                    ]),
                    0..9,
                ).prop_map(|w| w.join(" ")),
                // And anything at all.
                "\\PC{0,40}",
            ],
            1..12,
        )
    ) {
        let mut s = session(true);
        for line in &lines {
            if line.trim_start().starts_with("debrief") || line.trim_start().starts_with("quit") {
                continue;
            }
            let _ = s.execute(line);
        }
        proptest::prop_assert_eq!(s.invariants(), Ok(()));
        // And what it kept replays to the same state.
        let mut again = session(true);
        let entries = s.entries().to_vec();
        proptest::prop_assert!(again.replay(&entries, None).is_ok());
        proptest::prop_assert_eq!(to_json(&again.result()), to_json(&s.result()));
    }
}

mod cli {
    use std::process::Stdio;

    use super::super::common::{muster, scratch};

    fn dir(name: &str) -> std::path::PathBuf {
        scratch("tabletop", name)
    }

    /// `muster replay LOG --json` must write exactly the bytes of `session_json`.
    fn assert_replays_to(log: &std::path::Path, session_json: &std::path::Path) {
        let out_json = log.with_extension("replayed.json");
        let out = muster().arg("replay").arg(log).arg("-q").arg("--json").arg(&out_json).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            std::fs::read(session_json).unwrap(),
            std::fs::read(&out_json).unwrap(),
            "{}",
            log.display()
        );
    }

    const SCRIPT: &str = "# prepared session\nuntil next-request\nuntil next-request\napprove all\nstep 1h\n\
        inject incident croydon-fire civil-emergency met public-order=6 for 6h\nuntil next-request\n\
        send 2 public-order from city-of-london to croydon-fire\nhold essex\nstep 3h\n";

    #[test]
    fn a_scripted_session_replays_to_the_same_bytes_and_branches() {
        let d = dir("replay");
        std::fs::write(d.join("s.txt"), SCRIPT).unwrap();
        let out = muster()
            .args(["tabletop", "london-disorder-2011", "--script"])
            .arg(d.join("s.txt"))
            .arg("--log")
            .arg(d.join("s.log"))
            .arg("--json")
            .arg(d.join("s.json"))
            .arg("--debrief")
            .arg(d.join("s.md"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("> approve all") && stdout.contains("Mutual-aid requests"), "{stdout}");
        let debrief = std::fs::read_to_string(d.join("s.md")).unwrap();
        assert!(debrief.contains("## Decisions") && debrief.contains("`hold essex`"), "{debrief}");
        assert_replays_to(&d.join("s.log"), &d.join("s.json"));
        // Branch at D1+19:00 (after the first request, before the trigger) with commands on
        // stdin; the new log re-plays to the branch's result.
        let mut child = muster()
            .args(["tabletop", "london-disorder-2011", "--from"])
            .arg(d.join("s.log"))
            .args(["--at", "D1+19:00", "--log"])
            .arg(d.join("b.log"))
            .arg("--json")
            .arg(d.join("b.json"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"trigger national\nstep 2h\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let log = std::fs::read_to_string(d.join("b.log")).unwrap();
        // The step that crossed the branch point is cut at it, and the new commands follow.
        assert!(log.contains("until D1+19:00\nat D1+19:00 trigger national\n"), "{log}");
        assert_replays_to(&d.join("b.log"), &d.join("b.json"));
        assert_ne!(std::fs::read(d.join("b.json")).unwrap(), std::fs::read(d.join("s.json")).unwrap());
    }

    #[test]
    fn the_shipped_exercise_runs_replays_and_prices_its_decisions() {
        let d = dir("exercise");
        let script = "scenarios/exercises/summer-2024-gold-group.txt";
        let out = muster()
            .args(["tabletop", "summer-2024-late-trigger", "--script", script, "--log"])
            .arg(d.join("gold.log"))
            .arg("--json")
            .arg(d.join("gold.json"))
            .arg("--debrief")
            .arg(d.join("gold.md"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let debrief = std::fs::read_to_string(d.join("gold.md")).unwrap();
        for expect in [
            "| `trigger national` |",
            "| `mode auto` |",
            "| national mobilisation | time | D2+18:44 | never |",
        ] {
            assert!(debrief.contains(expect), "{expect} missing from:\n{debrief}");
        }
        assert_replays_to(&d.join("gold.log"), &d.join("gold.json"));
    }

    #[test]
    fn bad_scripts_and_logs_exit_2_with_their_line() {
        let d = dir("bad");
        std::fs::write(d.join("s.txt"), "step 1h\nsend 2 public-order from kentt to met\n").unwrap();
        let out = muster()
            .args(["tabletop", "london-disorder-2011", "--script"])
            .arg(d.join("s.txt"))
            .arg("--json")
            .arg(d.join("s.json"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("s.txt:2:26: unknown force 'kentt'") && err.contains("did you mean 'kent'"),
            "{err}"
        );
        assert!(!d.join("s.json").exists());
        // A log whose scenario changed, a log with a bad line, a file that is no log, a bad --at.
        std::fs::write(d.join("ok.txt"), "step 1h\n").unwrap();
        let out = muster()
            .args(["tabletop", "london-disorder-2011", "--seed", "7", "--script"])
            .arg(d.join("ok.txt"))
            .arg("--log")
            .arg(d.join("ok.log"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let log = std::fs::read_to_string(d.join("ok.log")).unwrap();
        assert!(log.contains("set \"scenario.seed=7\""), "{log}");
        let changed = log.replace("scenario.seed=7", "scenario.seed=8");
        std::fs::write(d.join("changed.log"), changed).unwrap();
        let bad_line = format!("{log}at D0+01:00 stepp 1h\n");
        std::fs::write(d.join("badline.log"), bad_line).unwrap();
        std::fs::write(d.join("nolog.log"), "hello\n").unwrap();
        for (file, expect) in [
            ("changed.log", "changed.log:1:1: the log was recorded with another scenario"),
            ("badline.log", "badline.log:11:13: unknown command 'stepp'"),
            ("nolog.log", "nolog.log:1:1: this is not a Muster tabletop log"),
        ] {
            let out = muster().arg("replay").arg(d.join(file)).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{file}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(expect), "{file}: {err}");
        }
        let out = muster()
            .args(["tabletop", "london-disorder-2011", "--seed", "7", "--from"])
            .arg(d.join("ok.log"))
            .args(["--at", "soon"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--at soon:") && !err.contains("--set --at"), "{err}");
    }
}

/// The terminal keeps up with the room: `clear` leaves the run alone, a force written by its
/// name is pointed to its code, and an approval the policy has nothing to send for says why.
#[test]
fn the_terminal_explains_empty_approvals_finds_forces_by_name_and_clears() {
    let text = muster::shipped::find("summer-2024-late-trigger").expect("shipped");
    let scenario = muster::input::InputFile { name: "summer-2024-late-trigger", bytes: text.as_bytes() };
    let m = Arc::new(muster::input::load_model(scenario, &[], None).expect("the scenario loads"));
    let mut s = Session::new(m, true).expect("a session");
    s.execute("until D2+00:00").expect("time moves");
    let entries = s.entries().len();
    assert!(matches!(s.execute("clear"), Ok(Reply::Clear)));
    assert_eq!(s.entries().len(), entries, "clear is not kept in the log");
    let e = s.execute("hold greater-manchester").expect_err("not a code");
    assert_eq!(
        e.hint.as_deref(),
        Some("'greater-manchester' is Greater Manchester Police: write its code, 'gmp'")
    );
    assert_eq!(e.col, 6);
    let proposal_empty =
        s.status().requests.iter().find(|r| r.number == 1).is_some_and(|r| r.proposal.is_empty());
    assert!(proposal_empty, "R1 has nothing proposed at D2+00:00 in this scenario");
    match s.execute("approve R1") {
        Ok(Reply::Done(lines)) => {
            assert!(
                lines.iter().any(|l| l.contains("R1: nothing is sent yet") && l.contains("public-order")),
                "{lines:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A national inject is one line, not one per force, in the reply, in what the advance brought
/// and in the status (which shows disruptions in force); a new incident is announced.
#[test]
fn national_injects_are_summarised_and_new_incidents_announced() {
    use muster::present::tabletop as view;
    let text = muster::shipped::find("summer-2024-late-trigger").expect("shipped");
    let scenario = muster::input::InputFile { name: "summer-2024-late-trigger", bytes: text.as_bytes() };
    let m = Arc::new(muster::input::load_model(scenario, &[], None).expect("the scenario loads"));
    let forces = m.dataset.forces.len();
    let mut s = Session::new(m, true).expect("a session");
    let Ok(Reply::Done(lines)) = s.execute("inject comms-outage national for 2h") else {
        panic!("inject refused")
    };
    assert_eq!(
        view::done_line(&lines[0]),
        format!("D0+00:01: comms-outage in {forces} forces until D0+02:01")
    );
    let Ok(Reply::Advanced { from, to, events, started, stopped_for }) = s.execute("step 1h") else {
        panic!("no advance")
    };
    let brought = view::advance(from, to, &events, &started, stopped_for);
    assert_eq!(brought.lines().filter(|l| l.contains("comms-outage")).count(), 1, "{brought}");
    assert!(brought.contains(&format!("disruption begins: comms-outage in {forces} forces")), "{brought}");
    let status = view::status(&s.status(), false);
    assert!(
        status.contains(&format!("In force: comms-outage in {forces} forces until D0+02:01")),
        "{status}"
    );
    let Ok(Reply::Advanced { from, to, events, started, stopped_for }) = s.execute("until D2+00:00") else {
        panic!("no advance")
    };
    assert!(
        view::advance(from, to, &events, &started, stopped_for)
            .contains("D1+16:34  new incident: southport (disorder, merseyside)")
    );
    assert!(!view::status(&s.status(), false).contains("In force:"), "the outage ended at D0+02:01");
}

/// People at a screen are stopped where a request starts waiting for them (the advance kept as
/// the `until` that happened); a script or a replay runs as written.
#[test]
fn an_advance_stops_where_a_request_waits_for_the_players() {
    let text = muster::shipped::find("summer-2024-late-trigger").expect("shipped");
    let scenario = muster::input::InputFile { name: "summer-2024-late-trigger", bytes: text.as_bytes() };
    let m = Arc::new(muster::input::load_model(scenario, &[], None).expect("the scenario loads"));
    let mut person = Session::new(Arc::clone(&m), true).expect("a session");
    person.set_stop_at_decisions(true);
    let Ok(Reply::Advanced { to, stopped_for, .. }) = person.execute("until D2+00:00") else {
        panic!("no advance")
    };
    assert_eq!((to, stopped_for), (40 * 60 + 49, Some(1)));
    assert_eq!(person.entries().last().map(|e| e.line.as_str()), Some("until D1+16:49"));
    // The status fits a projector-sized terminal (100 columns), even with every force listed.
    for full in [false, true] {
        let view = muster::present::tabletop::status(&person.status(), full);
        let wide: Vec<&str> = view.lines().filter(|l| l.chars().count() > 100).collect();
        assert!(wide.is_empty(), "lines wider than 100 columns: {wide:#?}");
    }
    // A busy moment (a national threat-level inject: an incident in every force) still fits
    // 30 rows: the inject's incidents are one line, and the longest lists say what they left
    // out; `status full` lists everything.
    let mut busy = Session::new(Arc::clone(&m), false).expect("a session");
    for line in ["until D1+18:00", "inject threat-level critical for 2d", "step 2h"] {
        busy.execute(line).unwrap_or_else(|e| panic!("{line}: {}", e.message));
    }
    let st = busy.status();
    assert!(st.incidents.len() > 40, "{}", st.incidents.len());
    let view = muster::present::tabletop::status(&st, false);
    assert!(view.lines().count() <= 30, "{view}");
    assert!(view.lines().all(|l| l.chars().count() <= 100), "{view}");
    let grouped: Vec<&str> = view.lines().filter(|l| l.contains("threat-level:")).collect();
    assert_eq!(grouped.len(), 1, "{view}");
    assert!(grouped[0].contains(&format!("{} forces", st.incidents.len() - 1)), "{view}");
    assert!(view.contains("more groups of units on the way (`status full` lists every one)"), "{view}");
    let full = muster::present::tabletop::status(&st, true);
    assert!(full.lines().filter(|l| l.contains("threat-level@")).count() >= st.incidents.len() - 1, "{full}");
    let mut script = Session::new(m, true).expect("a session");
    let Ok(Reply::Advanced { to, stopped_for, .. }) = script.execute("until D2+00:00") else {
        panic!("no advance")
    };
    assert_eq!((to, stopped_for), (2 * 24 * 60, None));
}
