//! After-action review: the session's outcome against the automatic policy on the same seed from
//! the same start, with the same injects at the same moments, to the moment the session
//! reached; and, for each players' decision, the outcome had the automatic policy done what it
//! would have done in its place, that alone changed:
//!
//! - a refusal, against approving the same request at the same moment (the policy's proposal);
//! - an approval, against the policy having had the request from the moment it was raised (so
//!   a late approval is priced by its delay);
//! - `approve all`, `refuse all` and `mode auto` (which hands the waiting requests to the
//!   policy) item by item, one line per request;
//! - anything the policy would not have done of itself (`send`, `hold`, `unhold`, `trigger
//!   national`, `mode players`), against the session without it.

use rayon::prelude::*;
use serde::Serialize;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::command::{Command, Requests};
use super::session::{Entry, Session, Variant};
use crate::results::RequestStatus;
use crate::results::{RunResult, round3};
use crate::time::Clock;
use crate::time::Minutes;

/// One headline measure, in the session and under the policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What is measured.
    pub measure: String,
    /// Its unit.
    pub unit: String,
    /// In the session.
    pub session: Option<f64>,
    /// Under the automatic policy.
    pub policy: Option<f64>,
    /// Whether the session did better (`None` when equal, or when neither is better).
    pub players_better: Option<bool>,
    /// Whether the two differ.
    pub differs: bool,
}

/// One (incident, capability) where the two runs differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentComparison {
    /// Incident id.
    pub incident: String,
    /// Capability id.
    pub capability: String,
    /// Unmet unit-hours in the session.
    pub session_unmet: f64,
    /// Unmet unit-hours under the policy.
    pub policy_unmet: f64,
    /// Minutes from the first demand to the first unit on task, in the session.
    pub session_first_cover: Option<Minutes>,
    /// The same under the policy.
    pub policy_first_cover: Option<Minutes>,
    /// Minutes to full cover in the session.
    pub session_full_cover: Option<Minutes>,
    /// The same under the policy.
    pub policy_full_cover: Option<Minutes>,
}

/// What one decision (or, for `approve all` and the like, its part for one request) was
/// worth: the session's outcome against the session with the policy's choice in its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEffect {
    /// Moment shown when it was given (minute).
    pub at: Minutes,
    /// The command as given.
    pub command: String,
    /// The request this line is about, for decisions on requests: "R3 (tottenham
    /// public-order, tier 2, raised D0+01:00)".
    pub request: Option<String>,
    /// What it is compared with: the policy's choice in its place.
    pub against: String,
    /// Unmet unit-hours the decision saved against that (negative: it added this many).
    pub unmet_saved: f64,
    /// Change of the mean request-to-arrival time of aid (tiers 2 and 3) it brought (minutes;
    /// negative: aid arrived sooner).
    pub arrival_change: Option<f64>,
    /// Later decisions that no longer applied in the comparison (e.g. a request never raised).
    pub later_not_applied: u32,
    /// One sentence a facilitator can read out.
    pub narrative: String,
}

/// The debrief of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Debrief {
    /// Scenario name.
    pub scenario: String,
    /// Seed of both runs.
    pub seed: u64,
    /// The comparison covers the start to this minute.
    pub until: Minutes,
    /// Headline measures.
    pub headline: Vec<Comparison>,
    /// Where the two runs differ, worst for the players first.
    pub incidents: Vec<IncidentComparison>,
    /// Every decision, in order, with its worth (one line per request for decisions on several).
    pub decisions: Vec<DecisionEffect>,
    /// The (up to) three lines of `decisions` that mattered most, for good or ill: the largest
    /// unmet unit-hours saved or added (indices into `decisions`).
    pub most_mattered: Vec<usize>,
    /// The injects both runs had: (moment, command).
    pub injects: Vec<(Minutes, String)>,
    /// The notes taken during the session: (moment, text).
    pub notes: Vec<(Minutes, String)>,
    /// National shortfall over time in both runs, per capability in demand.
    pub shortfall: Vec<ShortfallSeries>,
    /// Spacing of the series' samples (minutes): the scenario's report interval.
    pub sample_every: Minutes,
}

/// One capability's national shortfall at every sample, in the session and the policy's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShortfallSeries {
    /// Capability id.
    pub capability: String,
    /// Sample times (minutes from the start).
    pub times: Vec<Minutes>,
    /// Units short in the session, at each time.
    pub players: Vec<f64>,
    /// Units short in the policy's run, at each time.
    pub policy: Vec<f64>,
}

/// Both runs' national shortfall per capability, sample by sample up to `until` (a sample one
/// run lacks counts as no shortfall in it).
fn shortfall_series(mine: &RunResult, auto: &RunResult, until: Minutes) -> Vec<ShortfallSeries> {
    use std::collections::BTreeMap;
    let mut by_cap: BTreeMap<&str, BTreeMap<Minutes, (f64, f64)>> = BTreeMap::new();
    for (run, players) in [(mine, true), (auto, false)] {
        for p in run.series.national.iter().filter(|p| p.t <= until) {
            let e = by_cap.entry(&p.capability).or_default().entry(p.t).or_default();
            if players {
                e.0 = p.shortfall;
            } else {
                e.1 = p.shortfall;
            }
        }
    }
    by_cap
        .into_iter()
        .filter(|(_, points)| points.values().any(|&(a, b)| a > 0.0 || b > 0.0))
        .map(|(cap, points)| ShortfallSeries {
            capability: cap.to_string(),
            times: points.keys().copied().collect(),
            players: points.values().map(|p| p.0).collect(),
            policy: points.values().map(|p| p.1).collect(),
        })
        .collect()
}

/// One sentence on a decision's worth, with its units and which way it went.
fn narrative(e: &Entry, request: Option<&str>, against: &str, saved: f64, arrival: Option<f64>) -> String {
    let what = match request {
        Some(r) => format!("`{}` for {r}", e.line),
        None => format!("`{}`", e.line),
    };
    let unmet = if saved > 0.0 {
        format!("saved {saved:.1} unit-hours of unmet demand")
    } else if saved < 0.0 {
        format!("added {:.1} unit-hours of unmet demand", -saved)
    } else {
        "made no difference to unmet demand".to_string()
    };
    let aid = match arrival {
        Some(m) if m < -0.5 => format!(", and aid arrived {:.0} minutes sooner on average", -m),
        Some(m) if m > 0.5 => format!(", and aid arrived {m:.0} minutes later on average"),
        _ => String::new(),
    };
    format!("At {}, {what} {unmet}{aid}, compared with {against}.", Clock(e.at))
}

/// Mean request-to-arrival time over tiers 2 and 3 (minutes), if any aid arrived.
fn aid_arrival(r: &RunResult) -> Option<f64> {
    let (n, sum) =
        r.summary.request_to_arrival.iter().filter(|t| t.tier >= 2).fold((0u32, 0.0), |(n, s), t| {
            (n + t.arrivals, s + t.mean_minutes.unwrap_or(0.0) * f64::from(t.arrivals))
        });
    (n > 0).then(|| round3(sum / f64::from(n)))
}

/// `lower_better`: which way is better (`None`: neither, e.g. how many units were sent).
fn compare(
    measure: &str,
    unit: &str,
    session: Option<f64>,
    policy: Option<f64>,
    lower_better: Option<bool>,
) -> Comparison {
    let differs = match (session, policy) {
        (Some(s), Some(p)) => (s - p).abs() > 1e-9,
        (a, b) => a.is_some() != b.is_some(),
    };
    let players_better = match (session, policy, lower_better) {
        (Some(s), Some(p), Some(lower)) if differs => Some((s < p) == lower),
        _ => None,
    };
    Comparison { measure: measure.into(), unit: unit.into(), session, policy, players_better, differs }
}

/// One line of the decisions table before it is priced: which entry, which request, and the
/// re-run that puts the policy's choice in its place.
struct Item {
    entry: usize,
    request: Option<RequestStatus>,
    against: String,
    /// None: nothing for the policy to have done otherwise (no request was waiting).
    variant: Option<Variant>,
}

fn request_label(r: &RequestStatus) -> String {
    format!("R{} ({} {}, tier {}, raised {})", r.number, r.incident, r.capability, r.tier, Clock(r.raised_at))
}

/// The items a decision is priced as (see the module documentation).
fn items_of(i: usize, e: &Entry, open: Option<&Vec<RequestStatus>>) -> Vec<Item> {
    let open = open.map(Vec::as_slice).unwrap_or_default();
    let awaiting = || open.iter().filter(|r| r.awaits_players()).cloned().collect::<Vec<_>>();
    let find = |n: u32| open.iter().find(|r| r.number == n).cloned();
    let with_policy = |r: &RequestStatus, skip: bool| Item {
        entry: i,
        request: Some(r.clone()),
        against: format!("R{} with the policy from when it was raised ({})", r.number, Clock(r.raised_at)),
        variant: Some(Variant {
            skip: if skip { vec![i] } else { Vec::new() },
            policy_decides: BTreeSet::from([r.number]),
            ..Variant::default()
        }),
    };
    let approved_instead = |r: &RequestStatus| {
        if r.decision == "policy" {
            // The policy had it already: its choice is to keep it.
            Item {
                entry: i,
                request: Some(r.clone()),
                against: format!("leaving R{} with the policy", r.number),
                variant: Some(Variant { skip: vec![i], ..Variant::default() }),
            }
        } else {
            Item {
                entry: i,
                request: Some(r.clone()),
                against: format!("approving R{} at the same moment, as the policy proposed", r.number),
                variant: Some(Variant {
                    also: Some((i, Command::Decide { requests: Requests::One(r.number), approve: true })),
                    ..Variant::default()
                }),
            }
        }
    };
    let without = || Item {
        entry: i,
        request: None,
        against: "the session without it (the policy would not have done it)".into(),
        variant: Some(Variant { skip: vec![i], ..Variant::default() }),
    };
    // A decision on "all" with none waiting: the policy would have had nothing to do either.
    let nothing_waiting = || {
        vec![Item {
            entry: i,
            request: None,
            against: "the policy, which had no waiting request to decide either".into(),
            variant: None,
        }]
    };
    let each = |items: Vec<Item>| if items.is_empty() { nothing_waiting() } else { items };
    match &e.command {
        // The players' own fill is priced against leaving the request to the policy.
        Command::Modify { number, .. } => match find(*number) {
            Some(r) => vec![with_policy(&r, true)],
            None => vec![without()],
        },
        Command::Decide { requests: Requests::One(n), approve } => match find(*n) {
            Some(r) if *approve => vec![with_policy(&r, true)],
            Some(r) => vec![approved_instead(&r)],
            None => vec![without()],
        },
        Command::Decide { requests: Requests::All, approve: true } | Command::Mode(false) => {
            each(awaiting().iter().map(|r| with_policy(r, false)).collect())
        }
        Command::Decide { requests: Requests::All, approve: false } => {
            each(awaiting().iter().map(approved_instead).collect())
        }
        _ => vec![without()],
    }
}

/// Build the debrief of `session` as it stands; `progress(done, total)` is called after each
/// re-run, from any thread. The cost is (decisions + 3) re-runs of the session, each from the
/// start to the moment shown; they run in parallel on rayon's pool, and the result does not
/// depend on the thread count: every re-run is independent and they are gathered in order.
pub fn build(session: &Session, progress: &(dyn Fn(usize, usize) + Sync)) -> Debrief {
    let record = session.record();
    let entries = record.entries();
    let players = session.players_decided_at_start();
    // Which requests each decision concerned: one re-play of the session as it was.
    let open = record.open_requests(players);
    let items: Vec<Item> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.command.is_decision())
        .flat_map(|(i, e)| items_of(i, e, open[i].as_ref()))
        .collect();
    let total = items.iter().filter(|it| it.variant.is_some()).count() + 3;
    let finished = AtomicUsize::new(1);
    progress(1, total);
    let counted = |(r, failed): (RunResult, u32)| {
        progress(finished.fetch_add(1, Ordering::Relaxed) + 1, total);
        (r, failed)
    };
    let ((mine, _), (auto, _)) = rayon::join(
        || counted(record.rerun(players, |_, _| true)),
        || counted(record.rerun(false, |_, e| !e.command.is_decision())),
    );
    let s = &mine.summary;
    let p = &auto.summary;
    let trigger = |r: &RunResult| r.summary.national_trigger_at.map(f64::from);
    let headline = vec![
        compare("demand met", "share", Some(s.demand_met), Some(p.demand_met), Some(false)),
        compare("unmet demand", "unit-hours", Some(s.unmet_unit_hours), Some(p.unmet_unit_hours), Some(true)),
        compare(
            "peak shortfall",
            "units",
            Some(s.peak_shortfall_units),
            Some(p.peak_shortfall_units),
            Some(true),
        ),
        compare(
            "aid request to arrival (mean, tiers 2-3)",
            "minutes",
            aid_arrival(&mine),
            aid_arrival(&auto),
            Some(true),
        ),
        compare(
            "mutual-aid deployments",
            "units",
            Some(f64::from(s.aid_deployments)),
            Some(f64::from(p.aid_deployments)),
            None,
        ),
        compare("national mobilisation", "time", trigger(&mine), trigger(&auto), None),
        compare(
            "donor hours below cover",
            "force-hours",
            Some(s.donor_hours_below_cover),
            Some(p.donor_hours_below_cover),
            Some(true),
        ),
        compare(
            "tour-limit breaches",
            "units",
            Some(f64::from(s.tour_limit_breaches)),
            Some(f64::from(p.tour_limit_breaches)),
            Some(true),
        ),
    ];
    let mut incidents = Vec::new();
    for inc in &mine.incidents {
        let other = auto.incidents.iter().find(|o| o.id == inc.id);
        for cap in &inc.capabilities {
            let o = other.and_then(|o| o.capabilities.iter().find(|c| c.capability == cap.capability));
            let unmet =
                |c: &crate::results::IncidentCapability| round3(c.demanded_unit_hours - c.met_unit_hours);
            let row = IncidentComparison {
                incident: inc.id.clone(),
                capability: cap.capability.clone(),
                session_unmet: unmet(cap),
                policy_unmet: o.map_or(0.0, unmet),
                session_first_cover: cap.time_to_first_cover,
                policy_first_cover: o.and_then(|c| c.time_to_first_cover),
                session_full_cover: cap.time_to_full_cover,
                policy_full_cover: o.and_then(|c| c.time_to_full_cover),
            };
            let same = (row.session_unmet - row.policy_unmet).abs() < 1e-9
                && row.session_first_cover == row.policy_first_cover
                && row.session_full_cover == row.policy_full_cover;
            if !same {
                incidents.push(row);
            }
        }
    }
    // Seats of disorder that spread only under the policy count too.
    for inc in auto.incidents.iter().filter(|o| !mine.incidents.iter().any(|m| m.id == o.id)) {
        for cap in &inc.capabilities {
            incidents.push(IncidentComparison {
                incident: inc.id.clone(),
                capability: cap.capability.clone(),
                session_unmet: 0.0,
                policy_unmet: round3(cap.demanded_unit_hours - cap.met_unit_hours),
                session_first_cover: None,
                policy_first_cover: cap.time_to_first_cover,
                session_full_cover: None,
                policy_full_cover: cap.time_to_full_cover,
            });
        }
    }
    incidents.sort_by(|a, b| {
        (b.session_unmet - b.policy_unmet)
            .total_cmp(&(a.session_unmet - a.policy_unmet))
            .then_with(|| a.incident.cmp(&b.incident))
            .then_with(|| a.capability.cmp(&b.capability))
    });
    let decisions: Vec<DecisionEffect> = items
        .par_iter()
        .map(|item| {
            let e = &entries[item.entry];
            let (unmet_saved, arrival_change, failed) = match &item.variant {
                Some(v) => {
                    let (other, failed) = counted(record.variant(players, v));
                    let arrival = match (aid_arrival(&mine), aid_arrival(&other)) {
                        (Some(a), Some(b)) => Some(round3(a - b)),
                        _ => None,
                    };
                    (round3(other.summary.unmet_unit_hours - s.unmet_unit_hours), arrival, failed)
                }
                None => (0.0, Some(0.0), 0),
            };
            let request = item.request.as_ref().map(request_label);
            DecisionEffect {
                at: e.at,
                command: e.line.clone(),
                narrative: narrative(e, request.as_deref(), &item.against, unmet_saved, arrival_change),
                request,
                against: item.against.clone(),
                unmet_saved,
                arrival_change,
                later_not_applied: failed,
            }
        })
        .collect();
    let mut ranked: Vec<usize> = (0..decisions.len()).filter(|&k| decisions[k].unmet_saved != 0.0).collect();
    ranked.sort_by(|&a, &b| {
        decisions[b].unmet_saved.abs().total_cmp(&decisions[a].unmet_saved.abs()).then(a.cmp(&b))
    });
    ranked.truncate(3);
    let injects = entries
        .iter()
        .filter(|e| matches!(e.command, super::Command::Inject(_)))
        .map(|e| (e.at, e.line.clone()))
        .collect();
    let notes = entries
        .iter()
        .filter_map(|e| match &e.command {
            super::Command::Note(text) => Some((e.at, text.clone())),
            _ => None,
        })
        .collect();
    Debrief {
        notes,
        shortfall: shortfall_series(&mine, &auto, session.now()),
        sample_every: mine.series.interval_minutes,
        scenario: mine.manifest.inputs.scenario.clone(),
        seed: mine.manifest.inputs.seed,
        until: session.now(),
        headline,
        incidents,
        decisions,
        most_mattered: ranked,
        injects,
    }
}
