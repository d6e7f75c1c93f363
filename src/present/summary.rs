//! The executive summary at the top of every report (the scenario's question, a three-sentence
//! answer with the key figures, the headline grades, what would change the answer) and the
//! methods-and-caveats box (where the thresholds come from, which figures the run took on
//! trust, what the model leaves out). Plain data; html.rs and markdown.rs lay it out.

use super::format::{clock, format_measure};
use crate::analysis::ensemble::{Aggregate, Stat};
use crate::results::{Grade, Provenance, RunResult, ScopeAssessment};

/// What the model leaves out, as a reader of a report needs it: each entry mirrors a clause of
/// "What is left out" in docs/model.md (a test keeps the two together).
pub const OMISSIONS: [&str; 6] = [
    "Standby mobilisation ahead of expected disorder, and informal local aid outside the three tiers",
    "Costs and reimbursement",
    "Fatigue beyond the tour, rest and rest-day rules",
    "Officers' shift times of day (duty shares hold round the clock)",
    "Public-order levels taking each other's work",
    "Dynamics of terrorism, cyber, civil emergencies and organised crime beyond their written curves and drawn sizes",
];

/// The top of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutiveSummary {
    /// The question the scenario asks (empty for a result written before questions were kept).
    pub question: String,
    /// The answer in three sentences: demand met, the worst gap and when, aid and its cost.
    pub answer: Vec<String>,
    /// The nation's grade per SPR area, as (area title, grade; `None`: not tested).
    pub grades: Vec<(&'static str, Option<Grade>)>,
    /// What would change the answer: the analyses that find it.
    pub change: Vec<String>,
}

/// The methods and caveats box.
#[derive(Debug, Clone, PartialEq)]
pub struct Caveats {
    /// Where the grades' limits come from.
    pub thresholds: String,
    /// The parameters the run took on trust (`key = value`), from the manifest.
    pub unverified: Vec<String>,
    /// What the model leaves out.
    pub omissions: Vec<&'static str>,
    /// What a replication's randomness covers, or that there was none.
    pub uncertainty: String,
}

fn headline_grades(nation: &ScopeAssessment) -> Vec<(&'static str, Option<Grade>)> {
    crate::model::Area::ALL
        .iter()
        .map(|area| (area.title(), nation.areas.iter().find(|a| a.area == area.key()).and_then(|a| a.grade)))
        .collect()
}

/// The threat and capability met least well, as "public-order at disorder (62.0% met)".
fn worst_served(nation: &ScopeAssessment) -> Option<String> {
    nation
        .unmet_demand
        .iter()
        .filter(|u| u.unmet_unit_hours > 0.0)
        .min_by(|a, b| a.demand_met.total_cmp(&b.demand_met))
        .map(|u| format!("{} at {} ({} met)", u.capability, u.threat, format_measure(u.demand_met, "share")))
}

/// How to name the scenario of `inputs` on a command line: the shipped scenario's name with its
/// `--set` overrides when the hash says it is one, else a placeholder for the user's file.
fn command_scenario(inputs: &Provenance) -> String {
    let sets: String = inputs.overrides.iter().map(|o| format!(" --set {o}")).collect();
    crate::shipped::SHIPPED
        .iter()
        .find(|(_, text)| {
            crate::input::scenario_sha256(text.as_bytes(), &inputs.overrides) == inputs.scenario_sha256
        })
        .map_or_else(|| format!("SCENARIO.toml{sets}"), |(name, _)| format!("{name}{sets}"))
}

fn change(inputs: &Provenance) -> Vec<String> {
    let scenario = command_scenario(inputs);
    vec![
        format!(
            "How much more demand the same forces would carry, per capability: `muster headroom {scenario}`."
        ),
        format!("Which forces' absence would hurt most: `muster criticality {scenario}`."),
        format!(
            "A policy choice (an earlier trigger, another allocation) on the same seeds: write it in a copy of the scenario and run `muster compare {scenario} COPY.toml --runs 100`."
        ),
    ]
}

/// The summary of one run.
pub fn of_run(r: &RunResult, nation: &ScopeAssessment) -> ExecutiveSummary {
    let s = &r.summary;
    let mut answer = vec![format!(
        "{} of the demand was met: {} of {} went unmet.",
        format_measure(s.demand_met, "share"),
        format_measure(s.unmet_unit_hours, "unit-hours"),
        format_measure(s.demanded_unit_hours, "unit-hours"),
    )];
    answer.push(if s.peak_shortfall_units > 0.0 {
        let worst = worst_served(nation).map_or(String::new(), |w| format!("; the worst served was {w}"));
        format!(
            "The worst moment was {}, when {:.0} units were short across all incidents{worst}.",
            clock(s.peak_shortfall_at),
            s.peak_shortfall_units
        )
    } else {
        "No incident was ever short of units.".to_string()
    });
    let median = |tier: u8| {
        s.request_to_arrival.iter().find(|t| t.tier == tier && t.arrivals > 0).and_then(|t| t.median_minutes)
    };
    let aid = match (s.national_trigger_at, median(3), median(2)) {
        (Some(t), Some(m), _) => format!(
            "National mobilisation was triggered at {} and national aid took a median {} from request to arrival",
            clock(t),
            format_measure(f64::from(m), "minutes")
        ),
        (Some(t), None, _) => {
            format!("National mobilisation was triggered at {} but no national aid arrived", clock(t))
        }
        (None, _, Some(m)) => format!(
            "National mobilisation was not triggered; regional aid took a median {} from request to arrival",
            format_measure(f64::from(m), "minutes")
        ),
        (None, _, None) => "No regional or national aid was needed or arrived".to_string(),
    };
    answer.push(if s.donor_hours_below_cover > 0.0 {
        format!(
            "{aid}; {} aid deployments left lending forces {} below their retained cover.",
            s.aid_deployments,
            format_measure(s.donor_hours_below_cover, "hours")
        )
    } else {
        format!(
            "{aid}; {} aid deployments took no lending force below its retained cover.",
            s.aid_deployments
        )
    });
    ExecutiveSummary {
        question: r.manifest.inputs.question.clone(),
        answer,
        grades: headline_grades(nation),
        change: change(&r.manifest.inputs),
    }
}

fn range(st: &Stat, unit: &str) -> String {
    if st.p5 == st.p95 {
        format_measure(st.mean, unit)
    } else {
        format!(
            "{} (5–95%: {} – {})",
            format_measure(st.mean, unit),
            format_measure(st.p5, unit),
            format_measure(st.p95, unit)
        )
    }
}

/// The summary of an ensemble: means with their 5–95% ranges.
pub fn of_ensemble(a: &Aggregate, nation: &ScopeAssessment) -> ExecutiveSummary {
    let m = |k: &str| a.measures.get(k);
    let mut answer = Vec::new();
    if let (Some(met), Some(unmet)) = (m("demand_met"), m("unmet_unit_hours")) {
        answer.push(format!(
            "Over {} replications, on average {} of the demand was met and {} went unmet.",
            a.completed,
            range(met, "share"),
            range(unmet, "unit-hours")
        ));
    }
    if let (Some(peak), Some(at)) = (m("peak_shortfall_units"), m("peak_shortfall_at")) {
        let worst = worst_served(nation).map_or(String::new(), |w| format!("; the worst served was {w}"));
        answer.push(format!(
            "The worst moment came at a median {}, with a mean of {:.0} units short across all incidents (5–95%: {:.0} – {:.0}){worst}.",
            clock(at.p50.round() as u32),
            peak.mean,
            peak.p5,
            peak.p95
        ));
    }
    let trigger = match m("national_trigger_at") {
        Some(t) => format!(
            "National mobilisation was triggered in {} of {} replications (median {})",
            t.n,
            a.completed,
            clock(t.p50.round() as u32)
        ),
        None => "National mobilisation was never triggered".to_string(),
    };
    let cost = m("donor_hours_below_cover").map_or(String::new(), |d| {
        format!("; lending forces spent {} below their retained cover", range(d, "hours"))
    });
    answer.push(format!("{trigger}{cost}."));
    ExecutiveSummary {
        question: a.manifest.inputs.question.clone(),
        answer,
        grades: headline_grades(nation),
        change: change(&a.manifest.inputs),
    }
}

/// The methods and caveats of a result with these inputs.
pub fn caveats(inputs: &Provenance, thresholds: &str, randomness: Option<bool>) -> Caveats {
    Caveats {
        thresholds: format!(
            "Graded against {thresholds}. The limits are not an HMICFRS standard: each is either \
             taken from a cited figure (marked Source in docs/assessment.md) or Muster's \
             judgement, with its reasoning there; pass your own with --thresholds."
        ),
        unverified: inputs.unverified.clone(),
        omissions: OMISSIONS.to_vec(),
        uncertainty: match randomness {
            Some(true) => "Every replication gave the same result: nothing in this scenario is drawn \
                           at random, so ranges have no width."
                .into(),
            Some(false) => "Ranges are the 5th to 95th percentiles over replications, each drawing \
                            availability, call-out, travel, incident timing and size (docs/model.md)."
                .into(),
            None => "One replication: one draw of availability, call-out, travel, incident timing \
                     and size. Run `muster ensemble` for the spread."
                .into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::OMISSIONS;

    #[test]
    fn every_omission_is_in_the_model_docs() {
        let docs = include_str!("../../docs/model.md").replace('\n', " ").to_lowercase();
        for o in OMISSIONS {
            // The first three words of each entry name the clause in docs/model.md.
            let key: String = o.split_whitespace().take(3).collect::<Vec<_>>().join(" ").to_lowercase();
            assert!(docs.contains(&key), "docs/model.md does not mention {key:?}");
        }
    }
}
