//! After-action review: the session's outcome against the automatic policy on the same seed from
//! the same start, with the same injects at the same moments, to the moment the session
//! reached; and, for each players' decision, the outcome had it alone not been taken.

use rayon::prelude::*;
use serde::Serialize;

use super::session::Session;
use crate::results::{RunResult, round3};
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

/// What one decision was worth: the session's outcome against the same session without it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEffect {
    /// Moment shown when it was given (minute).
    pub at: Minutes,
    /// The command.
    pub command: String,
    /// Unmet unit-hours the decision saved (negative: it cost this many).
    pub unmet_saved: f64,
    /// Change of the mean request-to-arrival time of aid (tiers 2 and 3) it brought (minutes;
    /// negative is faster).
    pub arrival_change: Option<f64>,
    /// Later decisions that no longer applied without it (e.g. a request never raised).
    pub later_not_applied: u32,
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
    /// Every decision, in order, with its worth.
    pub decisions: Vec<DecisionEffect>,
    /// The injects both runs had: (moment, command).
    pub injects: Vec<(Minutes, String)>,
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

/// How many re-runs a debrief of `session` takes: the session itself, the policy, and one per
/// decision (each from the start to the moment shown, so the cost is decisions × session
/// length; they run in parallel on rayon's pool).
pub fn reruns(session: &Session) -> usize {
    2 + session.entries().iter().filter(|e| e.command.is_decision()).count()
}

/// Build the debrief of `session` as it stands; `done` is called after each re-run (see
/// [`reruns`]), from any thread, for progress. The result does not depend on the thread count:
/// every re-run is independent and they are gathered in the decisions' order.
pub fn build(session: &Session, done: &(dyn Fn() + Sync)) -> Debrief {
    let record = session.record();
    let entries = record.entries();
    let players = session.players_decided_at_start();
    let counted = |(r, failed): (RunResult, u32)| {
        done();
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
    let decided: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].command.is_decision()).collect();
    let decisions = decided
        .par_iter()
        .map(|&i| {
            let e = &entries[i];
            let (without, failed) = counted(record.rerun(players, |j, _| j != i));
            DecisionEffect {
                at: e.at,
                command: e.line.clone(),
                unmet_saved: round3(without.summary.unmet_unit_hours - s.unmet_unit_hours),
                arrival_change: match (aid_arrival(&mine), aid_arrival(&without)) {
                    (Some(a), Some(b)) => Some(round3(a - b)),
                    _ => None,
                },
                later_not_applied: failed,
            }
        })
        .collect();
    let injects = entries
        .iter()
        .filter(|e| matches!(e.command, super::Command::Inject(_)))
        .map(|e| (e.at, e.line.clone()))
        .collect();
    Debrief {
        scenario: mine.manifest.inputs.scenario.clone(),
        seed: mine.manifest.inputs.seed,
        until: session.now(),
        headline,
        incidents,
        decisions,
        injects,
    }
}
