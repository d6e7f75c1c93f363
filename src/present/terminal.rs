//! The readable summary printed by `muster run`.

use std::fmt::Write;

use crate::model::{Area, Dataset};
use crate::results::{Assessment, Grade, RunResult};
use crate::time::{Clock, Duration};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt_duration(m: Option<u32>) -> String {
    m.map_or("never".into(), |m| Duration(m).to_string())
}

/// The summary of one run, as text for a terminal (no colour, fits 100 columns).
pub fn summary(r: &RunResult, question: &str) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let m = &r.manifest;
    let _ = writeln!(o, "{}", m.inputs.scenario);
    if !question.is_empty() {
        let _ = writeln!(o, "Question: {question}");
    }
    let _ = writeln!(
        o,
        "Dataset: {} · seed {} · horizon {} · allocation {}\n",
        m.inputs.dataset,
        m.inputs.seed,
        Duration(m.horizon_minutes),
        m.allocation
    );
    let _ = writeln!(
        o,
        "Demand met        {} of {:.1} unit-hours demanded ({:.1} unit-hours unmet)",
        pct(s.demand_met),
        s.demanded_unit_hours,
        s.unmet_unit_hours
    );
    let _ = writeln!(
        o,
        "Peak shortfall    {:.1} units at {}",
        s.peak_shortfall_units,
        Clock(s.peak_shortfall_at)
    );
    let _ = writeln!(
        o,
        "National trigger  {}",
        s.national_trigger_at.map_or("not triggered".into(), |t| Clock(t).to_string())
    );
    let tiers: Vec<String> = s
        .request_to_arrival
        .iter()
        .map(|t| match t.median_minutes {
            Some(med) => format!("tier {}: median {} (n={})", t.tier, Duration(med), t.arrivals),
            None => format!("tier {}: none", t.tier),
        })
        .collect();
    let _ = writeln!(o, "Request→arrival   {}", tiers.join(" · "));
    let p = &s.planned_arrivals;
    let late = match p.mean_late_minutes {
        Some(mean) => format!("{} late, by {} on average", p.late, Duration(mean.round() as u32)),
        None => "none late".into(),
    };
    let _ = writeln!(o, "Reliefs, booked   {} arrivals timed to when wanted, {late}", p.arrivals);
    let _ = writeln!(o, "Mutual aid        {} deployments to other forces", s.aid_deployments);
    let _ = writeln!(
        o,
        "Time off          {} officer-days of rest days and leave cancelled · {:.1} unit-hours to lodgings",
        s.time_off_cancelled_officer_days, s.lodging_travel_unit_hours
    );
    let _ = writeln!(
        o,
        "Donor cover       {:.1} force-hours below the cover standard while lending",
        s.donor_hours_below_cover
    );
    let _ = writeln!(
        o,
        "Tour limit        {} breaches ({:.1} unit-hours over)",
        s.tour_limit_breaches, s.tour_overrun_unit_hours
    );
    let _ = writeln!(
        o,
        "Inconsistency     {:.1} unit-hours of effectiveness lost\n",
        s.effectiveness_lost_unit_hours
    );

    let _ = writeln!(
        o,
        "{:<18} {:<14} {:>9} {:>11} {:>11} {:>10}  units t1/t2/t3",
        "incident", "capability", "met", "first cover", "full cover", "peak short"
    );
    for i in &r.incidents {
        for c in &i.capabilities {
            let _ = writeln!(
                o,
                "{:<18} {:<14} {:>9} {:>11} {:>11} {:>10.1}  {}/{}/{}",
                truncate(&i.id, 18),
                truncate(&c.capability, 14),
                pct(c.demand_met),
                opt_duration(c.time_to_first_cover),
                opt_duration(c.time_to_full_cover),
                c.peak_shortfall_units,
                c.units_by_tier[0],
                c.units_by_tier[1],
                c.units_by_tier[2]
            );
        }
    }
    if let Some(a) = &r.assessment {
        o.push('\n');
        o.push_str(&assessment(a));
    }
    let mut lenders: Vec<_> = r.forces.iter().filter(|f| f.lent_unit_hours > 0.0).collect();
    lenders.sort_by(|a, b| b.lent_unit_hours.total_cmp(&a.lent_unit_hours).then(a.code.cmp(&b.code)));
    if !lenders.is_empty() {
        let _ = writeln!(o, "\nTop lenders (unit-hours on task elsewhere; × fair share by officer strength)");
        for f in lenders.iter().take(8) {
            let _ = writeln!(
                o,
                "  {:<18} {:>8.1}  {:>5}  {:.1} h below cover",
                f.code,
                f.lent_unit_hours,
                f.contribution_ratio.map_or("-".into(), |x| format!("{x:.2}×")),
                f.hours_below_cover
            );
        }
    }
    o
}

/// The SPR grades of the nation and of each region, with the nation's graded evidence.
pub fn assessment(a: &Assessment) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "SPR assessment ({}; {})", a.basis, a.thresholds);
    let grade = |g: Option<Grade>| g.map_or("not tested", Grade::title);
    let _ = write!(o, "  {:<26}", "");
    for area in Area::ALL {
        let _ = write!(o, " {:<21}", area.key());
    }
    o.push('\n');
    for s in std::iter::once(&a.nation).chain(&a.regions) {
        let _ = write!(o, "  {:<26}", truncate(&s.scope, 26));
        for area in &s.areas {
            let _ = write!(o, " {:<21}", grade(area.grade));
        }
        o.push('\n');
    }
    // Graded evidence, and times not reached that no limit could yet judge.
    let evidence = a
        .nation
        .areas
        .iter()
        .flat_map(|area| area.evidence.iter().filter(|e| e.grade.is_some() || e.censored));
    let _ = writeln!(o, "  Evidence (nation):");
    for e in evidence {
        let _ = writeln!(
            o,
            "    {:<36} {:>12}  {:<21} {}",
            truncate(&e.measure, 36),
            crate::present::report::evidence_value(e),
            crate::present::report::evidence_grade(e),
            e.note.as_deref().unwrap_or("")
        );
    }
    o
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// The dataset as a table: forces, regions and establishment per capability.
pub fn dataset(d: &Dataset) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} — {}", d.name, d.description);
    let _ = writeln!(
        o,
        "{} forces · {} regions · {} border links\n",
        d.forces.len(),
        d.regions.len(),
        d.borders.len()
    );
    let _ = write!(o, "{:<18} {:<18} {:>8}", "force", "region", "officers");
    for c in &d.capabilities {
        let _ = write!(o, " {:>13}", truncate(&c.id, 13));
    }
    let _ = writeln!(o, "  links  name");
    for (i, f) in d.forces.iter().enumerate() {
        let _ = write!(o, "{:<18} {:<18} {:>8}", f.code, d.regions[usize::from(f.region.0)], f.officers);
        for n in &f.establishment {
            let _ = write!(o, " {n:>13}");
        }
        let links = d.borders.iter().filter(|b| usize::from(b.a.0) == i || usize::from(b.b.0) == i).count();
        let _ = writeln!(o, "  {links:>5}  {}", f.name);
    }
    let _ = write!(o, "{:<18} {:<18} {:>8}", "total", "", d.forces.iter().map(|f| f.officers).sum::<u32>());
    for c in d.capability_ids() {
        let _ = write!(o, " {:>13}", d.total_units(c));
    }
    let _ = writeln!(
        o,
        "\n\nCapabilities (unit size, convoy speed; readiness: the officers' state on the day, its \
         cumulative share and notice)"
    );
    for c in &d.capabilities {
        let bands: Vec<String> = c
            .readiness
            .iter()
            .map(|b| {
                let state = if b.state == crate::model::DutyState::Unstated {
                    String::new()
                } else {
                    format!("{} ", b.state.name())
                };
                format!("{state}{:.0}% in {}", b.share * 100.0, Duration(b.notice))
            })
            .collect();
        let _ = writeln!(
            o,
            "  {:<18} {} of {} officers, {} km/h; {}; abstracted {:.0}%; mobilised {}{}",
            c.id,
            c.unit_name,
            c.officers_per_unit,
            c.convoy_speed_kmh,
            bands.join(", "),
            c.abstracted * 100.0,
            Duration(c.mobilised_notice),
            if c.patrol.is_some() { "; on-duty units patrol" } else { "" }
        );
    }
    o
}

/// Measures shown in terminal tables of ensembles, sweeps and comparisons (every measure is in
/// the files).
pub const HEADLINE: [&str; 6] = [
    "demand_met",
    "unmet_unit_hours",
    "peak_shortfall_units",
    "donor_hours_below_cover",
    "tour_limit_breaches",
    "aid_deployments",
];

/// The headline measures of an ensemble, one line each.
pub fn aggregate(a: &crate::analysis::ensemble::Aggregate) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replications completed, {} failed",
        a.manifest.inputs.scenario,
        a.completed,
        a.failed.len()
    );
    if a.all_equal() {
        let _ = writeln!(
            out,
            "All {} replications gave the same result: nothing in this scenario is drawn at random \
             ([uncertainty] deterministic, or pinned), so there is no spread to show.",
            a.completed
        );
    }
    let _ = writeln!(
        out,
        "{:<34} {:>10} {:>9} {:>10} {:>10} {:>10}",
        "measure", "mean", "± se", "p5", "p50", "p95"
    );
    for key in HEADLINE {
        if let Some(s) = a.measures.get(key) {
            let _ = writeln!(
                out,
                "{key:<34} {:>10.3} {:>9.3} {:>10.3} {:>10.3} {:>10.3}",
                s.mean, s.se, s.p5, s.p50, s.p95
            );
        }
    }
    out
}
