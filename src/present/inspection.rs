//! The inspection report: Markdown (which also reads on a terminal) and a self-contained page
//! made from it, with the grades in words and colour. Headed by the scope, the battery, the
//! dataset's provenance and the date given; one judgement per SPR area with its evidence; the
//! demand that could not be met; the scope among its peers; an annex per test.

use std::fmt::Write;

use super::format::{escape, format_measure};
use crate::inspection::Inspection;
use crate::results::Grade;

fn grade(g: Option<Grade>) -> &'static str {
    g.map_or("not tested", Grade::title)
}

fn share(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The report as Markdown. `date` is printed as given (the report holds no clock of its own,
/// so the same inputs give the same bytes).
pub fn markdown(i: &Inspection, date: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Inspection: {} ({})\n", i.scope, i.scope_kind);
    let _ = writeln!(
        out,
        "- **Battery**: {} ({} tests; {})\n- **Dataset**: {} (SHA-256 {})\n- **Muster**: {} · {} replications per test · thresholds: {}\n- **Date**: {}\n- **Forces**: {}\n- **Placed at**: host {} ({}), then {} and {}; region {}\n",
        i.battery,
        i.tests.len(),
        i.battery_source,
        i.dataset,
        i.dataset_sha256.get(..12).unwrap_or(&i.dataset_sha256),
        i.version,
        i.runs,
        i.thresholds,
        date.unwrap_or("not given (pass --date)"),
        i.forces.join(", "),
        i.placement.get("host").map_or("", String::as_str),
        i.placement.get("host_name").map_or("", String::as_str),
        i.placement.get("second").map_or("", String::as_str),
        i.placement.get("third").map_or("", String::as_str),
        i.placement.get("region").map_or("", String::as_str),
    );
    out.push_str("## Judgement\n\nEach area takes the worst grade any test gave it here; the tests that gave it decided it.\n\n");
    out.push_str("| SPR area | grade | decided by | graded by |\n|---|---|---|---|\n");
    for a in &i.areas {
        let _ = writeln!(
            out,
            "| {} | **{}** | {} | {} |",
            a.area,
            grade(a.grade),
            if a.deciding.is_empty() { "—".into() } else { a.deciding.join(", ") },
            if a.tested_by.is_empty() { "no test".into() } else { a.tested_by.join(", ") }
        );
    }
    out.push_str("\n## Evidence\n");
    for a in &i.areas {
        let _ = writeln!(out, "\n### {} — {}\n", a.area, grade(a.grade));
        if a.evidence.is_empty() {
            out.push_str("No test graded this area in the scope.\n");
            continue;
        }
        out.push_str("| test | measure | value | 5–95% | grade |\n|---|---|---:|---|---|\n");
        for e in &a.evidence {
            let range = match (e.p5, e.p95) {
                (Some(lo), Some(hi)) => {
                    format!("{} – {}", format_measure(lo, &e.unit), format_measure(hi, &e.unit))
                }
                _ => "—".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {range} | {} |",
                e.test,
                e.description,
                e.note.as_ref().map_or(String::new(), |n| format!(" ({n})")),
                format_measure(e.value, &e.unit),
                grade(e.grade)
            );
        }
    }
    if let Some(lifts) = &i.lifts {
        out.push_str(
            "\n## What would change the grade\n\nFor each area below good, the smallest change found that lifts it one grade in every test that graded it (each candidate re-run with the same runs and seeds).\n\n",
        );
        if lifts.is_empty() {
            out.push_str("No area is below good.\n");
        } else {
            out.push_str("| SPR area | now | with the change | change | cost |\n|---|---|---|---|---|\n");
            for l in lifts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    l.area,
                    l.from.title(),
                    l.to.map_or("no change found", Grade::title),
                    l.change,
                    l.officers.map_or("—".into(), |o| format!("{o} officers"))
                );
            }
        }
    }
    out.push_str("\n## Demand the scope could not meet\n\n");
    if i.unmet.is_empty() {
        out.push_str("Every test's demand in the scope was met.\n");
    } else {
        out.push_str("| test | threat | capability | demanded (unit-hours) | unmet (unit-hours) | met | peak short (units) |\n|---|---|---|---:|---:|---:|---:|\n");
        for u in &i.unmet {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.1} | {:.1}% | {:.1} |",
                u.test,
                u.threat,
                u.capability,
                u.demanded_unit_hours,
                u.unmet_unit_hours,
                u.demand_met * 100.0,
                u.peak_shortfall_units
            );
        }
    }
    if let Some(p) = &i.peers {
        let _ = writeln!(
            out,
            "\n## Among its peers\n\nThe same battery placed in each of {} {}s. Ranked per area by grade, then by the share of hosted demand the whole battery met.\n",
            p.count, i.scope_kind
        );
        out.push_str("| SPR area | rank | best | worst |\n|---|---|---|---|\n");
        for a in &p.areas {
            let name = |t: Option<&(String, Option<Grade>, Option<f64>)>| {
                t.map_or("—".into(), |t| format!("{} ({}, {})", t.0, grade(t.1), share(t.2)))
            };
            let _ = writeln!(
                out,
                "| {} | {} of {} | {} | {} |",
                a.area,
                a.rank,
                a.of,
                name(a.table.first()),
                name(a.table.last())
            );
        }
        out.push_str(
            "\n| test | demand met here | rank | peers' lowest / median / highest |\n|---|---:|---|---|\n",
        );
        for t in &p.tests {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.test,
                share(t.demand_met),
                t.rank.map_or("—".into(), |r| format!("{r} of {}", t.of)),
                t.range.map_or("—".into(), |(lo, mid, hi)| format!(
                    "{} / {} / {}",
                    share(Some(lo)),
                    share(Some(mid)),
                    share(Some(hi))
                ))
            );
        }
        if !p.left_out.is_empty() {
            let _ = writeln!(out, "\nLeft out: {}.", p.left_out.join("; "));
        }
        for a in &p.areas {
            let _ = writeln!(
                out,
                "\n### Ranking: {}\n\n| rank | {} | grade | battery demand met |\n|---:|---|---|---:|",
                a.area, i.scope_kind
            );
            for (k, (name, g, met)) in a.table.iter().enumerate() {
                let mark = if *name == i.scope { " ◀" } else { "" };
                let _ = writeln!(out, "| {} | {name}{mark} | {} | {} |", k + 1, grade(*g), share(*met));
            }
        }
    }
    out.push_str("\n## Annex: the tests\n");
    for t in &i.tests {
        let _ = writeln!(
            out,
            "\n### {}: {}\n\n- **SPR threat**: {}\n- **Why**: {}\n- **Scenario**: {} (seed {}, {} replications)\n- **Hosted demand met**: {}\n- **Grades here**: {}",
            t.id,
            t.title,
            t.threat,
            t.why,
            t.scenario,
            t.seed,
            t.completed,
            share(t.demand_met),
            t.grades.iter().map(|(a, g)| format!("{a} {}", grade(*g))).collect::<Vec<_>>().join(" · ")
        );
        if !t.assessment.exercised.is_empty() {
            let _ = writeln!(out, "- **What it asked of the scope**: {}", t.assessment.exercised.join("; "));
        }
    }
    out
}

/// The report as a page of its own (the Markdown rendered, grades coloured).
pub fn html(i: &Inspection, date: Option<&str>) -> String {
    let markdown = markdown(i, date);
    let parser = pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    // Grades in colour as well as words (the words stay: colour is never the only sign).
    for g in Grade::ALL {
        body = body.replace(
            &format!("<strong>{}</strong>", g.title()),
            &format!(
                "<strong class=\"grade g-{}\">{}</strong>",
                g.title().to_lowercase().replace(' ', "-"),
                g.title()
            ),
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Inspection: {}</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:64em;margin:1.5em auto;padding:0 1em}}\
         table{{border-collapse:collapse;display:block;overflow-x:auto;margin:1em 0}}th,td{{border-bottom:1px solid #d0d7de;padding:0.25em 0.6em;text-align:left;vertical-align:top}}\
         .grade{{padding:0.05em 0.4em;border-radius:3px}}.g-outstanding{{background:#8fd19e}}.g-good{{background:#c6e9cf}}.g-adequate{{background:#ffe08a}}\
         .g-requires-improvement{{background:#f8b98b}}.g-inadequate{{background:#f19a9a}}\
         @media print{{body{{max-width:none}}table{{display:table}}}}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(&i.scope)
    )
}
