//! The report as an inspection-style Markdown document: the same content as the HTML report,
//! with charts given as tables of sampled values.

use std::fmt::Write;

use super::format::{clock, evidence_grade, evidence_value, format_measure};
use super::report::{Chart, ForceRow, Report};
use crate::results::{Grade, ScopeAssessment};

/// Rows per chart table at most; longer series are sampled evenly.
const CHART_ROWS: usize = 25;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn grade(g: Option<Grade>) -> &'static str {
    g.map_or("Not tested", Grade::title)
}

fn grade_rows(m: &mut String, scopes: &[&ScopeAssessment], first: &str) {
    let _ = write!(m, "| {first} |");
    for a in crate::model::Area::ALL {
        let _ = write!(m, " {} |", a.title());
    }
    let _ = write!(m, "\n|---|");
    for _ in crate::model::Area::ALL {
        m.push_str("---|");
    }
    m.push('\n');
    for s in scopes {
        let _ = write!(m, "| {} |", cell(&s.scope));
        for a in &s.areas {
            let _ = write!(m, " {} |", grade(a.grade));
        }
        m.push('\n');
    }
    m.push('\n');
}

/// The whole report as Markdown.
pub fn render(r: &Report) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Muster report: {}\n", r.title);
    let _ = writeln!(
        m,
        "{} · graded against *{}* · values are {}.\n",
        r.kind, r.assessment.thresholds, r.assessment.basis
    );

    let sum = &r.summary;
    m.push_str("## Executive summary\n\n");
    if !sum.question.is_empty() {
        let _ = writeln!(m, "**Question:** {}\n", sum.question);
    }
    let _ = writeln!(m, "{}\n", sum.answer.join(" "));
    let grades: Vec<String> = sum.grades.iter().map(|(a, g)| format!("{a}: **{}**", grade(*g))).collect();
    let _ = writeln!(m, "Headline grades (nation): {}.\n", grades.join(" · "));
    m.push_str("What would change the answer:\n\n");
    for c in &sum.change {
        let _ = writeln!(m, "- {c}");
    }
    let c = &r.caveats;
    m.push_str("\n## Methods and caveats\n\n");
    let _ = writeln!(m, "{}\n\n{}\n", c.thresholds, c.uncertainty);
    if c.unverified.is_empty() {
        m.push_str("The run used no figure marked unverified.\n\n");
    } else {
        let _ = writeln!(
            m,
            "The {} figures this run takes on trust (marked unverified [U] in the dataset; docs/data.md):\n",
            c.unverified.len()
        );
        for u in &c.unverified {
            let _ = writeln!(m, "- `{u}`");
        }
        m.push('\n');
    }
    m.push_str("What the model leaves out (docs/model.md):\n\n");
    for o in &c.omissions {
        let _ = writeln!(m, "- {o}");
    }
    m.push('\n');

    m.push_str("## Summary of findings\n\n");
    grade_rows(&mut m, &[&r.assessment.nation], "Scope");
    for (k, v) in &r.headline {
        let _ = writeln!(m, "- **{k}:** {v}");
    }
    m.push('\n');

    m.push_str("## Evidence (nation)\n\n");
    for area in &r.assessment.nation.areas {
        let title = crate::model::Area::ALL
            .iter()
            .find(|a| a.key() == area.area)
            .map_or(area.area.as_str(), |a| a.title());
        let _ = writeln!(m, "### {title}: {}\n", grade(area.grade));
        if area.evidence.is_empty() {
            m.push_str("Nothing in this scenario tested this area.\n\n");
            continue;
        }
        m.push_str("| Measure | Value | Grade | Limits (O / G / A / RI) | Note |\n|---|---|---|---|---|\n");
        for e in &area.evidence {
            let mut value = evidence_value(e);
            if let (Some(lo), Some(hi)) = (e.p5, e.p95) {
                let _ = write!(
                    value,
                    " (5–95%: {} – {})",
                    format_measure(lo, &e.unit),
                    format_measure(hi, &e.unit)
                );
            }
            let limits = e.limits.map_or("—".to_string(), |l| {
                l.iter().map(|x| format_measure(*x, &e.unit)).collect::<Vec<_>>().join(" / ")
            });
            let g = if e.grade.is_some() { grade(e.grade) } else { evidence_grade(e) };
            let _ = writeln!(
                m,
                "| {} | {} | {g} | {} | {} |",
                cell(&e.description),
                cell(&value),
                cell(&limits),
                cell(e.note.as_deref().unwrap_or(""))
            );
        }
        m.push('\n');
    }

    m.push_str("## Demand we could not meet\n\n");
    if r.assessment.nation.unmet_demand.is_empty() {
        m.push_str("No demand.\n\n");
    } else {
        m.push_str("| Threat | Capability | Demanded (unit-hours) | Met | Unmet | Share met | Worst incident's peak shortfall (units) |\n|---|---|---:|---:|---:|---:|---:|\n");
        for u in &r.assessment.nation.unmet_demand {
            let _ = writeln!(
                m,
                "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1}% | {:.1} |",
                cell(&u.threat),
                cell(&u.capability),
                u.demanded_unit_hours,
                u.met_unit_hours,
                u.unmet_unit_hours,
                u.demand_met * 100.0,
                u.peak_shortfall_units
            );
        }
        m.push('\n');
    }

    m.push_str("## Demand against strength over time\n\n");
    if r.charts.is_empty() {
        m.push_str("No capability was demanded.\n\n");
    }
    for c in &r.charts {
        chart(&mut m, c);
    }

    m.push_str("## Regions\n\n");
    grade_rows(&mut m, &r.assessment.regions.iter().collect::<Vec<_>>(), "Region");

    m.push_str("## Burden by force\n\nForces that lent, received, fell below cover, were cut off or were graded.\n\n");
    m.push_str("| Force | Region |");
    for title in ForceRow::FIGURE_TITLES.iter().copied().chain(crate::model::Area::ALL.map(|a| a.title())) {
        let _ = write!(m, " {title} |");
    }
    m.push_str("\n|---|---|---:|---:|---:|---:|---:|---|---|---|---|\n");
    for f in r.involved_forces() {
        let _ = write!(m, "| {} | {} |", cell(&f.code), cell(&f.region));
        for v in f.figures() {
            let _ = write!(m, " {v:.1} |");
        }
        for g in &f.grades {
            let _ = write!(m, " {} |", grade(*g));
        }
        m.push('\n');
    }
    m.push('\n');

    m.push_str("## Timeline\n\n");
    if r.timeline.is_empty() {
        m.push_str("Nothing happened that the timeline shows.\n\n");
    } else {
        if let Some(note) = &r.timeline_note {
            let _ = writeln!(m, "{note}\n");
        }
        m.push_str("| When | What |\n|---|---|\n");
        for (t, what) in &r.timeline {
            let _ = writeln!(m, "| {} | {} |", clock(*t), cell(what));
        }
        if r.timeline_omitted > 0 {
            let _ = writeln!(
                m,
                "\n{} unit movements and later events are in the run's JSON event log.",
                r.timeline_omitted
            );
        }
        m.push('\n');
    }

    m.push_str("## Manifest\n\n| Key | Value |\n|---|---|\n");
    for (k, v) in &r.manifest {
        let _ = writeln!(m, "| {} | {} |", cell(k), cell(v));
    }
    m
}

fn chart(m: &mut String, c: &Chart) {
    let _ = writeln!(m, "### {}\n", c.capability);
    if let Some(note) = &c.band_note {
        let _ = writeln!(m, "{note}\n");
    }
    if !c.marks.is_empty() {
        let marks: Vec<String> = c.marks.iter().map(|k| format!("{} {}", clock(k.t), k.what)).collect();
        let _ = writeln!(m, "Marked moments: {}.\n", marks.join("; "));
    }
    let _ = write!(m, "| When |");
    for cv in &c.curves {
        let _ = write!(m, " {} (units) |", cv.label);
        if cv.band.is_some() {
            let _ = write!(m, " {} 5–95% |", cv.label);
        }
    }
    m.push_str("\n|---|");
    for cv in &c.curves {
        m.push_str(if cv.band.is_some() { "---:|---:|" } else { "---:|" });
    }
    m.push('\n');
    let n = c.times.len();
    let step = n.div_ceil(CHART_ROWS).max(1);
    for i in (0..n).step_by(step) {
        let _ = write!(m, "| {} |", clock(c.times[i]));
        for cv in &c.curves {
            let _ = write!(m, " {:.1} |", cv.values[i]);
            if let Some((lo, hi)) = &cv.band {
                let _ = write!(m, " {:.1}–{:.1} |", lo[i], hi[i]);
            }
        }
        m.push('\n');
    }
    m.push('\n');
}
